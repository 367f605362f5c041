//! The minimal, format-preserving edits that make each platform run the release script:
//! the Procfile's `release:` line, fly.toml's `[deploy] release_command` (toml_edit keeps
//! comments), render.yaml's `preDeployCommand`, Railway's pre-deploy command, and a Helm
//! `pre-upgrade` Job for Kubernetes. Each takes the file's current text and returns the new
//! text (or an error that leaves everything untouched) and a note for the user.

use std::time::Duration;

/// The command each platform runs.
pub(crate) const COMMAND: &str = "rhrel scripts/release.rhai";

/// A file's new text and what to tell the user about the change (e.g. the replaced line).
#[derive(Debug)]
pub(crate) struct Edit {
    pub text: String,
    pub notes: Vec<String>,
}

/// Procfile (Heroku, Dokku): the `release:` line added, or replaced with the old one shown.
pub(crate) fn procfile(old: Option<&str>) -> Edit {
    let line = format!("release: {COMMAND}");
    let Some(old) = old else {
        return Edit {
            text: format!("{line}\n"),
            notes: vec![],
        };
    };
    let mut notes = Vec::new();
    let mut replaced = false;
    let mut lines: Vec<String> = Vec::new();
    for l in old.lines() {
        if !replaced && l.trim_start().starts_with("release:") {
            replaced = true;
            if l.trim() != line {
                notes.push(format!(
                    "the Procfile's release line was `{}`: rhrel now runs instead (the old \
                     command is quoted in scripts/release.rhai)",
                    l.trim()
                ));
            }
            lines.push(line.clone());
        } else {
            lines.push(l.to_string());
        }
    }
    if !replaced {
        lines.push(line);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    Edit { text, notes }
}

/// The command of a Procfile's `release:` line, if it has one that is not rhrel's.
pub(crate) fn procfile_release(old: &str) -> Option<String> {
    old.lines()
        .find_map(|l| l.trim_start().strip_prefix("release:"))
        .map(str::trim)
        .filter(|c| *c != COMMAND)
        .map(str::to_string)
}

/// fly.toml: `[deploy] release_command`, set with toml_edit so comments and order stay.
pub(crate) fn fly(old: &str) -> Result<Edit, String> {
    let mut doc: toml_edit::DocumentMut = old.parse().map_err(|e: toml_edit::TomlError| {
        format!("fly.toml is not valid TOML: {}", e.message())
    })?;
    let mut notes = Vec::new();
    if !doc.contains_key("deploy") {
        doc["deploy"] = toml_edit::table();
    }
    let Some(deploy) = doc["deploy"].as_table_like_mut() else {
        return Err("fly.toml: `deploy` is not a table".into());
    };
    if let Some(current) = deploy.get("release_command") {
        match current.as_str() {
            Some(COMMAND) => {}
            Some(other) => notes.push(format!(
                "fly.toml's release_command was `{other}`: rhrel now runs instead"
            )),
            None => return Err("fly.toml: `deploy.release_command` is not a string".into()),
        }
    }
    match deploy
        .get_mut("release_command")
        .and_then(|i| i.as_value_mut())
    {
        // Replacing the value keeps the key's comments and position.
        Some(value) => {
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(COMMAND);
            *value.decor_mut() = decor;
        }
        None => {
            deploy.insert("release_command", toml_edit::value(COMMAND));
        }
    }
    Ok(Edit {
        text: doc.to_string(),
        notes,
    })
}

/// render.yaml: `preDeployCommand` on every web service, inserted after its `- type: web`
/// line or replacing an existing one (a line edit: the rest of the file is untouched).
pub(crate) fn render(old: &str) -> Result<Edit, String> {
    let lines: Vec<&str> = old.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    let mut services = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        out.push(line.to_string());
        i += 1;
        let trimmed = line.trim_start();
        if !(trimmed.starts_with("- type:") && trimmed.contains("web")) {
            continue;
        }
        services += 1;
        let indent = line.len() - trimmed.len() + 2;
        // The item's other keys: lines indented at least `indent` (or blank/comments).
        let mut end = i;
        while end < lines.len() {
            let l = lines[end];
            let t = l.trim_start();
            if !t.is_empty() && l.len() - t.len() < indent {
                break;
            }
            end += 1;
        }
        let key = format!("{}preDeployCommand: {COMMAND}", " ".repeat(indent));
        let existing = (i..end).find(|&j| {
            let l = lines[j];
            l.len() - l.trim_start().len() == indent
                && l.trim_start().starts_with("preDeployCommand:")
        });
        match existing {
            Some(j) => {
                let was = lines[j].trim_start()["preDeployCommand:".len()..].trim();
                if was != COMMAND {
                    notes.push(format!(
                        "render.yaml's preDeployCommand was `{was}`: rhrel now runs instead"
                    ));
                }
                out.extend(lines[i..j].iter().map(|s| s.to_string()));
                out.push(key);
                out.extend(lines[j + 1..end].iter().map(|s| s.to_string()));
            }
            None => {
                out.push(key);
                out.extend(lines[i..end].iter().map(|s| s.to_string()));
            }
        }
        i = end;
    }
    if services == 0 {
        return Err("render.yaml has no `- type: web` service to add preDeployCommand to".into());
    }
    let mut text = out.join("\n");
    text.push('\n');
    Ok(Edit { text, notes })
}

/// railway.toml: `[deploy] preDeployCommand = ["rhrel scripts/release.rhai"]`.
pub(crate) fn railway_toml(old: &str) -> Result<Edit, String> {
    let mut doc: toml_edit::DocumentMut = old.parse().map_err(|e: toml_edit::TomlError| {
        format!("railway.toml is not valid TOML: {}", e.message())
    })?;
    if !doc.contains_key("deploy") {
        doc["deploy"] = toml_edit::table();
    }
    let mut commands = toml_edit::Array::new();
    commands.push(COMMAND);
    doc["deploy"]["preDeployCommand"] = toml_edit::value(commands);
    Ok(Edit {
        text: doc.to_string(),
        notes: vec![],
    })
}

/// railway.json: `deploy.preDeployCommand` set by a text edit (key order and layout stay),
/// then checked to still be valid JSON.
pub(crate) fn railway_json(old: &str) -> Result<Edit, String> {
    let bad = |e: serde_json::Error| format!("railway.json is not valid JSON: {e}");
    serde_json::from_str::<serde_json::Value>(old).map_err(bad)?;
    let value = format!("[\"{COMMAND}\"]");
    let existing = regex::Regex::new(r#""preDeployCommand"\s*:\s*(\[[^\]]*\]|"[^"]*")"#)
        .expect("a valid pattern");
    let deploy = regex::Regex::new(r#""deploy"\s*:\s*\{"#).expect("a valid pattern");
    let text = if let Some(m) = existing.captures(old).and_then(|c| c.get(1)) {
        format!("{}{value}{}", &old[..m.start()], &old[m.end()..])
    } else if let Some(m) = deploy.find(old) {
        let inner_empty = old[m.end()..].trim_start().starts_with('}');
        let comma = if inner_empty { "" } else { "," };
        format!(
            "{}\n    \"preDeployCommand\": {value}{comma}{}",
            &old[..m.end()],
            &old[m.end()..]
        )
    } else {
        let brace = old.find('{').ok_or("railway.json is not an object")?;
        let inner_empty = old[brace + 1..].trim_start().starts_with('}');
        let comma = if inner_empty { "" } else { "," };
        format!(
            "{}\n  \"deploy\": {{ \"preDeployCommand\": {value} }}{comma}{}",
            &old[..=brace],
            &old[brace + 1..]
        )
    };
    serde_json::from_str::<serde_json::Value>(&text).map_err(bad)?;
    Ok(Edit {
        text,
        notes: vec![],
    })
}

/// deploy/rhrel-release-job.yaml: a Helm `pre-upgrade`/`pre-install` hook Job whose
/// `activeDeadlineSeconds` is a minute above rhrel's own `--timeout`, so rhrel's deadline
/// fires first and reports.
pub(crate) fn helm_job(timeout: Duration) -> String {
    let deadline = timeout.as_secs() + 60;
    let timeout = crate::duration::format(timeout);
    format!(
        "# The release phase as a Helm hook, written by `rhrel init`: runs before each install\n\
         # and upgrade; a failure stops the rollout. activeDeadlineSeconds is above rhrel's\n\
         # --timeout so that rhrel's deadline fires first and says what was running.\n\
         apiVersion: batch/v1\n\
         kind: Job\n\
         metadata:\n\
         \x20 name: \"{{{{ .Release.Name }}}}-rhrel-release\"\n\
         \x20 annotations:\n\
         \x20   \"helm.sh/hook\": pre-install,pre-upgrade\n\
         \x20   \"helm.sh/hook-weight\": \"0\"\n\
         \x20   \"helm.sh/hook-delete-policy\": before-hook-creation,hook-succeeded\n\
         spec:\n\
         \x20 backoffLimit: 0\n\
         \x20 activeDeadlineSeconds: {deadline}\n\
         \x20 template:\n\
         \x20   spec:\n\
         \x20     restartPolicy: Never\n\
         \x20     containers:\n\
         \x20       - name: release\n\
         \x20         image: \"{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}\"\n\
         \x20         command: [\"rhrel\", \"--timeout\", \"{timeout}\", \"scripts/release.rhai\"]\n\
         \x20         envFrom:\n\
         \x20           - secretRef:\n\
         \x20               name: \"{{{{ .Release.Name }}}}-env\"\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn procfile_keeps_other_lines() {
        let e = procfile(Some(
            "web: bin/web\nrelease: bash migrate.sh\nworker: bin/w\n",
        ));
        assert_eq!(
            e.text,
            "web: bin/web\nrelease: rhrel scripts/release.rhai\nworker: bin/w\n"
        );
        assert!(e.notes[0].contains("`release: bash migrate.sh`"));
        assert_eq!(
            procfile(Some("web: x")).text,
            "web: x\nrelease: rhrel scripts/release.rhai\n"
        );
    }

    #[test]
    fn fly_keeps_comments() {
        let old = "# my app\napp = \"x\" # name\n\n[deploy]\n  # before traffic\n  release_command = \"bin/migrate\" # old\n  strategy = \"rolling\"\n";
        let e = fly(old).unwrap();
        assert!(
            e.text.contains("# my app\napp = \"x\" # name\n"),
            "{}",
            e.text
        );
        assert!(e.text.contains("  # before traffic\n  release_command = \"rhrel scripts/release.rhai\" # old\n  strategy = \"rolling\"\n"), "{}", e.text);
        assert!(e.notes[0].contains("bin/migrate"));
        let added = fly("app = \"x\"\n").unwrap().text;
        assert!(
            added.contains("[deploy]\nrelease_command = \"rhrel scripts/release.rhai\""),
            "{added}"
        );
        assert!(fly("app = [").is_err());
    }

    #[test]
    fn render_inserts_and_replaces() {
        let old = "services:\n  - type: web\n    name: app\n    env: ruby\n  - type: worker\n    name: w\n";
        let e = render(old).unwrap();
        assert_eq!(e.text, "services:\n  - type: web\n    preDeployCommand: rhrel scripts/release.rhai\n    name: app\n    env: ruby\n  - type: worker\n    name: w\n");
        let again = render(&e.text).unwrap();
        assert_eq!(again.text, e.text);
        let old = "services:\n  - type: web\n    name: app\n    preDeployCommand: ./migrate\n";
        let e = render(old).unwrap();
        assert!(e
            .text
            .ends_with("    preDeployCommand: rhrel scripts/release.rhai\n"));
        assert!(e.notes[0].contains("./migrate"));
    }

    #[test]
    fn railway_edits() {
        let e = railway_json("{\n  \"$schema\": \"https://railway.com/railway.schema.json\"\n}\n")
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&e.text).unwrap();
        assert_eq!(v["deploy"]["preDeployCommand"][0], COMMAND);
        let e = railway_json("{\"deploy\": {\"preDeployCommand\": [\"x\"], \"a\": 1}}").unwrap();
        assert_eq!(
            e.text,
            "{\"deploy\": {\"preDeployCommand\": [\"rhrel scripts/release.rhai\"], \"a\": 1}}"
        );
        let e = railway_json("{\"deploy\": {\"a\": 1}}").unwrap();
        let v: serde_json::Value = serde_json::from_str(&e.text).unwrap();
        assert_eq!(v["deploy"]["a"], 1);
        let t = railway_toml("# c\n[build]\nbuilder = \"nixpacks\"\n")
            .unwrap()
            .text;
        assert!(t.starts_with("# c\n[build]\n"), "{t}");
        assert!(
            t.contains("preDeployCommand = [\"rhrel scripts/release.rhai\"]"),
            "{t}"
        );
    }

    #[test]
    fn helm_deadline_above_timeout() {
        let job = helm_job(Duration::from_secs(600));
        assert!(job.contains("activeDeadlineSeconds: 660\n"));
        assert!(job.contains("\"--timeout\", \"10m\""));
        assert!(job.contains("pre-install,pre-upgrade"));
    }
}
