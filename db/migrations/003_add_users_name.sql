-- Display names, optional for existing accounts.
ALTER TABLE users ADD COLUMN name text;
CREATE INDEX deploys_release_idx ON deploys (release);
