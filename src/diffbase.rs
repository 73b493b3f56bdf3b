//! `--diff-base REV`: keep only findings that touch a line changed since a git revision.
//!
//! A finding touches the change when any of its lines does: the hazard's own span, or any
//! related site (the leaking exit, the branch, the key's store or lookup). A deletion touches the
//! lines on either side of it, and every finding whose lines enclose it: removing a `defer
//! f.Close()` between an acquisition and its leaking exit makes the leak new. Files git does
//! not track yet are new in full.
//!
//! git runs from the work tree's top with every option that its configuration could otherwise
//! change (prefixes, colour, external diff drivers, textconv, context, quoting, relative paths),
//! so a user's `diff.noprefix`, `diff.mnemonicPrefix`, `color.diff=always` or `diff.external`
//! does not change what is kept.

use crate::diagnostic::Diagnostic;
use crate::paths::Root;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Changed line ranges per path relative to the work tree's top.
#[derive(Debug, Default)]
pub struct Changes {
    top: PathBuf,
    lines: HashMap<String, Vec<(u32, u32)>>,
    /// Where lines were removed: after this line of the new file.
    deleted: HashMap<String, Vec<u32>>,
    /// Files git does not track yet: every line is new.
    whole: HashSet<String>,
}

impl Changes {
    /// Asks git what changed between `rev` and the working tree of the repository that holds
    /// `start`, untracked files included.
    pub fn since(rev: &str, start: &Path) -> Result<Changes, String> {
        let top = git(start, &["rev-parse", "--show-toplevel"]).map_err(|_| {
            format!(
                "--diff-base: {} is not inside a git work tree",
                start.display()
            )
        })?;
        let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        let not_a_commit = || format!("--diff-base: `{rev}` is not a commit in {}", top.display());
        if rev.starts_with('-') {
            return Err(not_a_commit());
        }
        let commit = format!("{rev}^{{commit}}");
        git(&top, &["rev-parse", "--verify", "--quiet", &commit]).map_err(|_| not_a_commit())?;
        let diff = git(
            &top,
            &[
                "-c",
                "core.quotePath=true",
                "-c",
                "diff.relative=false",
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                "--unified=0",
                "--inter-hunk-context=0",
                "--find-renames",
                "--submodule=short",
                rev,
                "--",
            ],
        )?;
        let mut changes = parse_diff(&diff);
        let untracked = git(&top, &["ls-files", "-z", "--others", "--exclude-standard"])?;
        changes.whole = untracked
            .split('\0')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        changes.top = top;
        Ok(changes)
    }

    /// Whether any line of `d` (its span, or a related site's) was changed.
    pub fn touches(&self, d: &Diagnostic, root: &Root) -> bool {
        let abs = root.absolute(&d.path);
        let Ok(rel) = abs.strip_prefix(&self.top) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if self.whole.contains(&rel) {
            return true;
        }
        let locations = || std::iter::once(&d.location).chain(d.labels.iter().map(|l| &l.location));
        if let Some(ranges) = self.lines.get(&rel) {
            let hit = locations().any(|l| {
                let (start, end) = (l.start.line, l.end.line);
                ranges.iter().any(|&(a, b)| a <= end && start <= b)
            });
            if hit {
                return true;
            }
        }
        let Some(deleted) = self.deleted.get(&rel) else {
            return false;
        };
        let first = locations().map(|l| l.start.line).min().unwrap_or(0);
        let last = locations().map(|l| l.end.line).max().unwrap_or(0);
        deleted.iter().any(|&after| first <= after && after < last)
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("--diff-base: cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "--diff-base: git {} failed: {}",
            args.join(" "),
            err.lines().next().unwrap_or("").trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads the `+++ b/path` and `@@ -a,b +c,d @@` lines of a zero-context diff.
fn parse_diff(diff: &str) -> Changes {
    let mut changes = Changes::default();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = new_path(path);
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            let Some(new) = hunk.split_whitespace().find(|w| w.starts_with('+')) else {
                continue;
            };
            let (start, count) = new[1..].split_once(',').unwrap_or((&new[1..], "1"));
            let (Ok(start), Ok(count)) = (start.parse::<u32>(), count.parse::<u32>()) else {
                continue;
            };
            let range = if count > 0 {
                (start, start + count - 1)
            } else {
                // Lines removed after `start`: the lines on either side are touched.
                changes.deleted.entry(path.clone()).or_default().push(start);
                (start.max(1), start + 1)
            };
            changes.lines.entry(path.clone()).or_default().push(range);
        }
    }
    changes
}

/// The path of a `+++` line: `b/path`, `"b/quoted\tpath"`, or `/dev/null`. git ends a name
/// that holds a space with a tab.
fn new_path(field: &str) -> Option<String> {
    let field = field.strip_suffix('\t').unwrap_or(field);
    let name = if field.starts_with('"') {
        unquote(field)?
    } else {
        field.to_string()
    };
    name.strip_prefix("b/").map(str::to_string)
}

/// Undoes git's C-style quoting (`core.quotePath`): `\"`, `\\`, `\t`, `\n`, and octal bytes.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next()? {
            b'a' => bytes.push(7),
            b'b' => bytes.push(8),
            b'f' => bytes.push(12),
            b'n' => bytes.push(b'\n'),
            b'r' => bytes.push(b'\r'),
            b't' => bytes.push(b'\t'),
            b'v' => bytes.push(11),
            d @ b'0'..=b'3' => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    let d = it.next().filter(u8::is_ascii_digit)?;
                    v = v * 8 + u32::from(d - b'0');
                }
                bytes.push(v as u8);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks() {
        let diff = "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n@@ -3 +3,2 @@\n-a\n+b\n+c\n@@ -10,2 +11,0 @@\n-d\n--- a/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n";
        let c = parse_diff(diff);
        assert_eq!(c.lines["x.go"], [(3, 4), (11, 12)]);
        assert_eq!(c.lines.len(), 1);
    }

    #[test]
    fn quoted_and_spaced_names() {
        assert_eq!(new_path("b/a b.go\t").as_deref(), Some("a b.go"));
        assert_eq!(
            new_path("\"b/caf\\303\\251 \\\"q\\\".go\"").as_deref(),
            Some("café \"q\".go")
        );
        assert_eq!(new_path("/dev/null"), None);
    }
}
