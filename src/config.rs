//! Project configuration: `leaklint.toml`, `.leaklint.toml`, or `[tool.leaklint]` in
//! `pyproject.toml`. Each file answers to the nearest one in its folder or above ([`Configs`]);
//! every error names the file, line and key.

use crate::rules::{Rule, RuleSet, Severity};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
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
    exclude: Vec<Spanned<String>>,
    /// Glob patterns (gitignore syntax, relative to the file) to the rules not reported in the
    /// files they match.
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
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
    /// `exclude`, compiled.
    excludes: Option<Gitignore>,
    /// `per-file-ignores`, compiled: each pattern with its rules.
    per_file: Vec<(Gitignore, Vec<String>)>,
}

/// The configuration file that governs `start`: the nearest one in `start` or a parent.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    dir.ancestors().find_map(config_in)
}

/// The configuration file in `dir` itself, if any: `leaklint.toml`, `.leaklint.toml`, or a
/// `pyproject.toml` with a `[tool.leaklint]` table. Anything named like the first two is
/// taken, so that a folder or an unreadable file by that name is reported, not skipped; a
/// `pyproject.toml` that does not parse is taken when it mentions leaklint.
fn config_in(dir: &Path) -> Option<PathBuf> {
    for name in ["leaklint.toml", ".leaklint.toml"] {
        let p = dir.join(name);
        if std::fs::symlink_metadata(&p).is_ok() {
            return Some(p);
        }
    }
    let py = dir.join("pyproject.toml");
    let text = std::fs::read_to_string(&py).ok()?;
    if !text.contains("leaklint") {
        return None;
    }
    match toml::from_str::<toml::Table>(&text) {
        Ok(doc) => doc
            .get("tool")
            .and_then(|t| t.get("leaklint"))
            .is_some()
            .then_some(py),
        Err(_) => Some(py),
    }
}

/// The configuration of each file: one for all (`--config`, `--isolated`), or the nearest one
/// to each file, as ruff and eslint pick them.
pub struct Configs {
    discover: bool,
    /// `loaded[0]` is the fixed configuration, or the defaults when discovering.
    loaded: Vec<Config>,
    by_file: HashMap<PathBuf, usize>,
    /// Folders already looked up, as given and as resolved.
    by_dir: HashMap<PathBuf, usize>,
}

impl Configs {
    /// One configuration for every file.
    pub fn fixed(config: Config) -> Configs {
        Configs {
            discover: false,
            loaded: vec![config],
            by_file: HashMap::new(),
            by_dir: HashMap::new(),
        }
    }

    /// The nearest configuration file to each file, else the defaults.
    pub fn discovering() -> Configs {
        Configs {
            discover: true,
            ..Configs::fixed(Config::default())
        }
    }

    pub fn get(&self, i: usize) -> &Config {
        &self.loaded[i]
    }

    /// The index of the configuration that governs `path` (a file or a folder).
    pub fn for_path(&mut self, path: &Path) -> Result<usize, String> {
        if path.is_dir() {
            self.for_dir(path)
        } else {
            self.for_file(path)
        }
    }

    /// The index of the configuration that governs the file `path`.
    pub fn for_file(&mut self, path: &Path) -> Result<usize, String> {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => self.for_dir(p),
            _ => self.for_dir(Path::new(".")),
        }
    }

    fn for_dir(&mut self, dir: &Path) -> Result<usize, String> {
        if !self.discover {
            return Ok(0);
        }
        if let Some(&i) = self.by_dir.get(dir) {
            return Ok(i);
        }
        let resolved = std::fs::canonicalize(dir).unwrap_or_else(|_| crate::paths::absolute(dir));
        let mut walked = Vec::new();
        let mut found = 0;
        for d in resolved.ancestors() {
            if let Some(&i) = self.by_dir.get(d) {
                found = i;
                break;
            }
            walked.push(d.to_path_buf());
            if let Some(file) = config_in(d) {
                found = match self.by_file.get(&file) {
                    Some(&i) => i,
                    None => {
                        let config = Config::load(&file)?;
                        self.loaded.push(config);
                        self.by_file.insert(file, self.loaded.len() - 1);
                        self.loaded.len() - 1
                    }
                };
                break;
            }
        }
        for d in walked {
            self.by_dir.insert(d, found);
        }
        self.by_dir.insert(dir.to_path_buf(), found);
        Ok(found)
    }
}

impl Config {
    /// Reads `path`. Errors name the file, line and key.
    pub fn load(path: &Path) -> Result<Config, String> {
        let shown = path.display();
        if path.is_dir() {
            return Err(format!(
                "{shown}: is a folder, not a configuration file (rename it, or name a file with --config)"
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
        let settings = if is_pyproject {
            let doc: PyProject = toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?;
            doc.tool.and_then(|t| t.leaklint).unwrap_or_default()
        } else {
            toml::from_str(&text).map_err(|e| format!("{shown}: {e}"))?
        };
        let mut config = Config {
            file: Some(path.to_path_buf()),
            text,
            settings,
            excludes: None,
            per_file: Vec::new(),
        };
        let root = config.root();
        let globs = |patterns: &mut dyn Iterator<Item = &Spanned<String>>, key: &str| {
            let mut b = GitignoreBuilder::new(&root);
            for g in patterns {
                b.add_line(None, g.get_ref()).map_err(|e| {
                    format!(
                        "{}: {key}: bad pattern `{}`: {e}",
                        config.at(g.span()),
                        g.get_ref()
                    )
                })?;
            }
            b.build()
                .map_err(|e| format!("{}: {key}: {e}", config.at(0..0)))
        };
        let excludes = if config.settings.exclude.is_empty() {
            None
        } else {
            Some(globs(&mut config.settings.exclude.iter(), "exclude")?)
        };
        let mut per_file = Vec::new();
        for (pattern, rules) in &config.settings.per_file_ignores {
            let g = globs(&mut std::iter::once(pattern), "per-file-ignores")?;
            per_file.push((g, rules.iter().map(|r| r.get_ref().clone()).collect()));
        }
        config.excludes = excludes;
        config.per_file = per_file;
        Ok(config)
    }

    /// The folder globs are relative to, absolute and free of symbolic links.
    fn root(&self) -> PathBuf {
        crate::paths::absolute(&self.dir())
    }

    /// Whether `exclude` covers `path` or a folder above it (up to the configuration's folder).
    pub fn excludes_path(&self, path: &Path) -> bool {
        let Some(g) = &self.excludes else {
            return false;
        };
        let abs = crate::paths::absolute(path);
        abs.starts_with(g.path())
            && g.matched_path_or_any_parents(&abs, abs.is_dir())
                .is_ignore()
    }

    /// Whether `per-file-ignores` turns `rule` off in `path`.
    pub fn ignores(&self, path: &Path, rule: &str) -> bool {
        if self.per_file.is_empty() {
            return false;
        }
        let abs = crate::paths::absolute(path);
        self.per_file.iter().any(|(g, rules)| {
            rules.iter().any(|r| r == rule)
                && abs.starts_with(g.path())
                && g.matched_path_or_any_parents(&abs, false).is_ignore()
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

    pub fn exclude(&self) -> Vec<String> {
        self.settings
            .exclude
            .iter()
            .map(|g| g.get_ref().clone())
            .collect()
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
        for id in self.settings.per_file_ignores.values().flatten() {
            known(id.get_ref(), self.at(id.span()), "per-file-ignores")?;
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
