-- One row per release the app has seen.
CREATE TABLE deploys (
    id bigserial PRIMARY KEY,
    release text NOT NULL,
    deployed_by bigint REFERENCES users (id),
    deployed_at timestamptz NOT NULL DEFAULT now()
);
