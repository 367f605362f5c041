//! The one table of frameworks (migration tools): how `rhrel init` recognises each from the
//! files present, and the command that applies its migrations. `std/migrate`'s `command()`
//! must agree with it: a unit test below reads stdlib/migrate.rhai and checks every entry.

/// A framework or migration tool rhrel can write a release script for.
#[derive(Debug)]
pub(crate) struct Framework {
    /// The name `std/migrate` knows it by (`migrate::run("rails")`), also `--framework`'s.
    pub name: &'static str,
    /// The migration command; `$DATABASE_URL` stands for the variable's value.
    pub program: &'static str,
    pub args: &'static [&'static str],
    /// Variables the release needs, checked first by the generated script.
    pub required: &'static [&'static str],
    /// What to look for, in order; the first found is the reason shown.
    pub markers: &'static [Marker],
}

/// One way to recognise a framework from the files in the app's directory.
#[derive(Debug)]
pub(crate) enum Marker {
    /// This path exists.
    File(&'static str),
    /// This file exists and contains this text (case-insensitive).
    Contains(&'static str, &'static str),
    /// This directory holds a file whose name ends with this suffix.
    DirHas(&'static str, &'static str),
}

const DB: &[&str] = &["DATABASE_URL"];

/// Checked in order: the first framework with a marker present wins.
pub(crate) const FRAMEWORKS: &[Framework] = &[
    Framework {
        name: "rails",
        program: "bundle",
        args: &["exec", "rails", "db:migrate"],
        required: DB,
        markers: &[
            Marker::File("bin/rails"),
            Marker::Contains("Gemfile", "rails"),
            Marker::File("config/application.rb"),
        ],
    },
    Framework {
        name: "django",
        program: "python",
        args: &["manage.py", "migrate", "--noinput"],
        required: DB,
        markers: &[Marker::File("manage.py")],
    },
    Framework {
        name: "laravel",
        program: "php",
        args: &["artisan", "migrate", "--force"],
        required: &[],
        markers: &[Marker::File("artisan")],
    },
    Framework {
        name: "phoenix",
        // `mix phx.gen.release` writes bin/migrate: `bin/APP eval "App.Release.migrate"`.
        program: "bin/migrate",
        args: &[],
        required: DB,
        markers: &[Marker::Contains("mix.exs", ":phoenix")],
    },
    Framework {
        name: "prisma",
        program: "npx",
        args: &["prisma", "migrate", "deploy"],
        required: DB,
        markers: &[Marker::File("prisma/schema.prisma")],
    },
    Framework {
        name: "sequelize",
        program: "npx",
        args: &["sequelize-cli", "db:migrate"],
        required: DB,
        markers: &[
            Marker::File(".sequelizerc"),
            Marker::Contains("package.json", "sequelize-cli"),
        ],
    },
    Framework {
        name: "knex",
        program: "npx",
        args: &["knex", "migrate:latest"],
        required: DB,
        markers: &[
            Marker::File("knexfile.js"),
            Marker::File("knexfile.ts"),
            Marker::File("knexfile.cjs"),
            Marker::File("knexfile.mjs"),
        ],
    },
    Framework {
        name: "typeorm",
        program: "npx",
        args: &["typeorm", "migration:run", "-d", "dist/data-source.js"],
        required: DB,
        markers: &[Marker::Contains("package.json", "\"typeorm\"")],
    },
    Framework {
        name: "alembic",
        program: "alembic",
        args: &["upgrade", "head"],
        required: DB,
        markers: &[Marker::File("alembic.ini")],
    },
    Framework {
        name: "flask-migrate",
        program: "flask",
        args: &["db", "upgrade"],
        required: DB,
        markers: &[
            Marker::Contains("requirements.txt", "flask-migrate"),
            Marker::Contains("pyproject.toml", "flask-migrate"),
            Marker::Contains("Pipfile", "flask-migrate"),
        ],
    },
    Framework {
        name: "flyway",
        program: "flyway",
        args: &["migrate"],
        required: &[],
        markers: &[Marker::File("flyway.conf")],
    },
    Framework {
        name: "diesel",
        program: "diesel",
        args: &["migration", "run"],
        required: DB,
        markers: &[Marker::File("diesel.toml")],
    },
    Framework {
        name: "goose",
        program: "goose",
        args: &["-dir", "migrations", "postgres", "$DATABASE_URL", "up"],
        required: DB,
        markers: &[Marker::Contains("go.mod", "pressly/goose")],
    },
    Framework {
        name: "golang-migrate",
        program: "migrate",
        args: &["-path", "migrations", "-database", "$DATABASE_URL", "up"],
        required: DB,
        markers: &[
            Marker::Contains("go.mod", "golang-migrate"),
            Marker::DirHas("migrations", ".up.sql"),
        ],
    },
];

/// The framework called `name`.
pub(crate) fn named(name: &str) -> Option<&'static Framework> {
    FRAMEWORKS.iter().find(|f| f.name == name)
}

impl Framework {
    /// The command as a shell user would type it: `bundle exec rails db:migrate`.
    pub(crate) fn command_line(&self) -> String {
        std::iter::once(self.program)
            .chain(self.args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Marker {
    /// Whether the marker is present in `dir`, and how to say so.
    pub(crate) fn found(&self, dir: &std::path::Path) -> Option<String> {
        match self {
            Marker::File(path) => dir.join(path).exists().then(|| format!("{path} exists")),
            Marker::Contains(path, text) => std::fs::read_to_string(dir.join(path))
                .ok()
                .filter(|body| {
                    body.to_ascii_lowercase()
                        .contains(&text.to_ascii_lowercase())
                })
                .map(|_| format!("{path} mentions {}", text.trim_matches('"'))),
            Marker::DirHas(sub, suffix) => std::fs::read_dir(dir.join(sub))
                .ok()?
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(suffix))
                .then(|| format!("{sub}/ holds *{suffix} files")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `std/migrate`'s `command()` arm for `f`, as the table says it must be written.
    fn rhai_arm(f: &Framework) -> String {
        let args = f
            .args
            .iter()
            .map(|a| match *a {
                "$DATABASE_URL" => "url".to_string(),
                a => format!("\"{a}\""),
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "\"{}\" => #{{ program: \"{}\", args: [{args}] }}",
            f.name, f.program
        )
    }

    #[test]
    fn std_migrate_has_the_same_commands() {
        let source = include_str!("../../stdlib/migrate.rhai");
        for f in FRAMEWORKS {
            assert!(
                source.contains(&rhai_arm(f)),
                "stdlib/migrate.rhai's command() lacks `{}`",
                rhai_arm(f)
            );
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, f) in FRAMEWORKS.iter().enumerate() {
            assert!(
                FRAMEWORKS[..i].iter().all(|g| g.name != f.name),
                "{}",
                f.name
            );
        }
    }
}
