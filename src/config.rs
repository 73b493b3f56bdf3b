//! Project configuration: `leaklint.toml`, `.leaklint.toml`, or `[tool.leaklint]` in
//! `pyproject.toml`, found from the scanned path upward.

use crate::rules::{Rule, RuleSet, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The settings a configuration file may hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Settings {
    /// Only these rules run.
    select: Option<Vec<Spanned<String>>>,
    /// These rules do not run.
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    /// Glob patterns (gitignore syntax) of paths not to analyze, relative to the file.
    #[serde(default)]
    exclude: Vec<String>,
    /// Directories of rule files, relative to the file.
    #[serde(default)]
    rule_packs: Vec<Spanned<String>>,
    /// Per-rule severity.
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
}

/// `pyproject.toml`: only `[tool.leaklint]` is read; the rest belongs to other tools.
#[derive(Debug, Deserialize)]
struct PyProject {
    tool: Option<PyTool>,
}

#[derive(Debug, Deserialize)]
struct PyTool {
    leaklint: Option<Settings>,
}

/// A loaded configuration, with where each setting came from for error messages.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it was read from; `None` for the defaults.
    pub file: Option<PathBuf>,
    text: String,
    settings: Settings,
}

/// The configuration file that governs `start`: the nearest one in `start` or a parent.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        for name in ["leaklint.toml", ".leaklint.toml"] {
            let p = d.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        let py = d.join("pyproject.toml");
        if py.is_file() && has_leaklint_table(&py) {
            return Some(py);
        }
        dir = d.parent();
    }
    None
}

fn has_leaklint_table(py: &Path) -> bool {
    std::fs::read_to_string(py)
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .is_some_and(|doc| doc.get("tool").and_then(|t| t.get("leaklint")).is_some())
}

impl Config {
    /// Reads `path`. Errors name the file, line and key.
    pub fn load(path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let settings = if is_pyproject {
            let doc: PyProject = toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
            doc.tool.and_then(|t| t.leaklint).unwrap_or_default()
        } else {
            toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?
        };
        Ok(Config {
            file: Some(path.to_path_buf()),
            text,
            settings,
        })
    }

    /// Where the file's relative paths start.
    pub fn dir(&self) -> PathBuf {
        self.file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// `file:line:column` of a setting, for error messages.
    fn at(&self, span: std::ops::Range<usize>) -> String {
        let file = self
            .file
            .as_deref()
            .map_or("<config>".into(), |p| p.display().to_string());
        if span.is_empty() && span.start == 0 {
            return file;
        }
        let before = &self.text[..span.start.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{file}:{line}:{column}")
    }

    pub fn exclude(&self) -> &[String] {
        &self.settings.exclude
    }

    /// Builds the active rule set: the built-in rules and the rule packs, then `select`,
    /// `ignore` and `severity`, with the command line's `select` and `ignore` on top.
    pub fn rules(&self, cli_select: &[String], cli_ignore: &[String]) -> Result<RuleSet, String> {
        let mut set = RuleSet::builtin();
        for pack in &self.settings.rule_packs {
            let dir = self.dir().join(pack.get_ref());
            let rules = load_pack(&dir)
                .map_err(|e| format!("{}: rule-packs: {e}", self.at(pack.span())))?;
            for rule in rules {
                if set.get(&rule.id).is_some() {
                    return Err(format!(
                        "{}: rule-packs: rule `{}` in {} is already defined",
                        self.at(pack.span()),
                        rule.id,
                        dir.display()
                    ));
                }
                set.rules.push(rule);
            }
        }
        set.link_api()?;
        let known = |id: &str, at: String, key: &str| -> Result<(), String> {
            if set.get(id).is_some() {
                Ok(())
            } else {
                Err(format!(
                    "{at}: {key}: unknown rule `{id}` (see `leaklint rules`)"
                ))
            }
        };
        let mut select: Option<Vec<String>> = None;
        if let Some(ids) = &self.settings.select {
            for id in ids {
                known(id.get_ref(), self.at(id.span()), "select")?;
            }
            select = Some(ids.iter().map(|s| s.get_ref().clone()).collect());
        }
        let mut ignore = Vec::new();
        for id in &self.settings.ignore {
            known(id.get_ref(), self.at(id.span()), "ignore")?;
            ignore.push(id.get_ref().clone());
        }
        for id in self.settings.severity.keys() {
            known(id.get_ref(), self.at(id.span()), "severity")?;
        }
        for id in cli_select.iter().chain(cli_ignore) {
            known(id, "command line".into(), "--select/--ignore")?;
        }
        if !cli_select.is_empty() {
            select = Some(cli_select.to_vec());
        }
        ignore.extend(cli_ignore.iter().cloned());
        let (on, off): (Vec<Rule>, Vec<Rule>) =
            std::mem::take(&mut set.rules).into_iter().partition(|r| {
                select.as_ref().is_none_or(|s| s.contains(&r.id)) && !ignore.contains(&r.id)
            });
        set.rules = on;
        set.disabled = off.into_iter().map(|r| r.id).collect();
        for rule in &mut set.rules {
            if let Some((_, sev)) = self
                .settings
                .severity
                .iter()
                .find(|(k, _)| *k.get_ref() == rule.id)
            {
                rule.severity = *sev;
            }
        }
        set.rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(set)
    }
}

/// Reads every `*.toml` rule file in `dir`.
pub fn load_pack(dir: &Path) -> Result<Vec<Rule>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            Rule::parse(&f.display().to_string(), &text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, text: &str) -> (tempfile::TempDir, Result<Config, String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let c = Config::load(&path);
        (dir, c)
    }

    #[test]
    fn unknown_key_is_an_error_with_line() {
        let (_d, c) = config("leaklint.toml", "select = []\nexclde = [\"x\"]\n");
        let err = c.unwrap_err();
        assert!(err.contains("leaklint.toml"), "{err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("exclde"), "{err}");
    }

    #[test]
    fn unknown_rule_is_an_error_naming_file_line_and_key() {
        let (_d, c) = config("leaklint.toml", "\nignore = [\"no-such-rule\"]\n");
        let err = c.unwrap().rules(&[], &[]).unwrap_err();
        assert!(
            err.contains("leaklint.toml:2:11: ignore: unknown rule `no-such-rule`"),
            "{err}"
        );
    }

    #[test]
    fn select_ignore_and_severity_apply() {
        let (_d, c) = config(
            "leaklint.toml",
            "[severity]\nstringified-map-key = \"warning\"\n",
        );
        let set = c.unwrap().rules(&[], &[]).unwrap();
        assert_eq!(
            set.get("stringified-map-key").unwrap().severity,
            Severity::Warning
        );
        let none = Config::default()
            .rules(&[], &["stringified-map-key".into()])
            .unwrap();
        assert!(none.get("stringified-map-key").is_none());
    }

    #[test]
    fn pyproject_table_is_read_and_discovered() {
        let (d, c) = config(
            "pyproject.toml",
            "[project]\nname = \"x\"\n[tool.leaklint]\nexclude = [\"gen/\"]\n",
        );
        assert_eq!(c.unwrap().exclude(), ["gen/"]);
        let sub = d.path().join("src/pkg");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(
            discover(&sub).unwrap(),
            std::fs::canonicalize(d.path().join("pyproject.toml")).unwrap()
        );
    }
}
