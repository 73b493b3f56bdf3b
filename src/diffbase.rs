//! `--diff-base REV`: keep only findings on lines changed since a git revision.

use crate::diagnostic::Diagnostic;
use std::collections::HashMap;
use std::process::Command;

/// Changed line ranges per path (relative to the current directory, as diagnostics name them).
#[derive(Debug, Default)]
pub struct Changes {
    lines: HashMap<String, Vec<(u32, u32)>>,
    /// Files git does not track yet: every line is new.
    whole: Vec<String>,
}

impl Changes {
    /// Asks git what changed between `rev` and the working tree, untracked files included.
    pub fn since(rev: &str) -> Result<Changes, String> {
        let diff = git(&[
            "diff",
            "--relative",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            rev,
            "--",
        ])?;
        let mut changes = parse_diff(&diff);
        let untracked = git(&["ls-files", "--others", "--exclude-standard"])?;
        changes.whole = untracked.lines().map(str::to_string).collect();
        Ok(changes)
    }

    pub fn touches(&self, d: &Diagnostic) -> bool {
        if self.whole.contains(&d.path) {
            return true;
        }
        let (start, end) = (d.location.start.line, d.location.end.line);
        self.lines
            .get(&d.path)
            .is_some_and(|ranges| ranges.iter().any(|&(a, b)| a <= end && start <= b))
    }
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("--diff-base: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "--diff-base: git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
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
            current = path.strip_prefix("b/").map(str::to_string);
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            let Some(new) = hunk.split_whitespace().find(|w| w.starts_with('+')) else {
                continue;
            };
            let (start, count) = new[1..].split_once(',').unwrap_or((&new[1..], "1"));
            let (Ok(start), Ok(count)) = (start.parse::<u32>(), count.parse::<u32>()) else {
                continue;
            };
            if count > 0 {
                changes
                    .lines
                    .entry(path.clone())
                    .or_default()
                    .push((start, start + count - 1));
            }
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks() {
        let diff = "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n@@ -3 +3,2 @@\n-a\n+b\n+c\n@@ -10,2 +11,0 @@\n-d\n--- a/gone.go\n+++ /dev/null\n@@ -1 +0,0 @@\n";
        let c = parse_diff(diff);
        assert_eq!(c.lines["x.go"], [(3, 4)]);
        assert_eq!(c.lines.len(), 1);
    }
}
