//! Baselines, for adopting leaklint on a large codebase: record today's findings, then report
//! only new ones.
//!
//! An entry is the rule, the path relative to the report root ([`crate::paths::Root`]) and the
//! finding's fingerprint ([`crate::diagnostic::fingerprint`]): never a line number, never the
//! working directory or the spelling of the paths given. Each entry accounts for one finding at
//! most, so a copy of a baselined line is still reported. A finding whose file was moved is
//! matched to an entry whose file no longer exists.

use crate::diagnostic::Diagnostic;
use crate::paths::Root;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    line: u32,
    #[serde(default)]
    message: String,
}

/// Records `diagnostics` (all of today's findings) in `path`.
pub fn write(path: &Path, diagnostics: &[Diagnostic], root: &Root) -> Result<(), String> {
    let mut findings: Vec<Entry> = diagnostics
        .iter()
        .map(|d| Entry {
            rule: d.rule.clone(),
            path: root.relative(&d.path),
            fingerprint: d.fingerprint.clone(),
            line: d.location.start.line,
            message: d.message.clone(),
        })
        .collect();
    findings.sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
    let file = File {
        version: VERSION,
        findings,
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Removes from `diagnostics` those recorded in the baseline at `path`.
pub fn filter(path: &Path, diagnostics: &mut Vec<Diagnostic>, root: &Root) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a leaklint baseline: {e}", path.display()))?;
    if file.version != VERSION {
        return Err(format!(
            "{}: baseline version {} is not supported (this leaklint writes version {VERSION}); record it again with --write-baseline",
            path.display(),
            file.version
        ));
    }
    // How many findings each (rule, path, fingerprint) still accounts for.
    let mut left: HashMap<(String, String, String), usize> = HashMap::new();
    for e in file.findings {
        *left.entry((e.rule, e.path, e.fingerprint)).or_default() += 1;
    }
    let keys: Vec<(String, String, String)> = diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.clone(),
                root.relative(&d.path),
                d.fingerprint.clone(),
            )
        })
        .collect();
    let mut known = vec![false; diagnostics.len()];
    for (i, key) in keys.iter().enumerate() {
        if let Some(n) = left.get_mut(key).filter(|n| **n > 0) {
            *n -= 1;
            known[i] = true;
        }
    }
    // Moved files: an entry whose file is gone may account for the same finding elsewhere.
    let mut gone: HashMap<(String, String), Vec<String>> = HashMap::new();
    for ((rule, p, fp), n) in &left {
        if *n > 0 && !root.dir.join(p).exists() {
            for _ in 0..*n {
                gone.entry((rule.clone(), fp.clone()))
                    .or_default()
                    .push(p.clone());
            }
        }
    }
    // First a file of the same name (moved to another folder), then any (renamed).
    for same_name in [true, false] {
        for (i, (rule, path, fp)) in keys.iter().enumerate() {
            if known[i] {
                continue;
            }
            let Some(paths) = gone.get_mut(&(rule.clone(), fp.clone())) else {
                continue;
            };
            let name = path.rsplit('/').next();
            if let Some(k) = paths
                .iter()
                .position(|p| !same_name || p.rsplit('/').next() == name)
            {
                paths.swap_remove(k);
                known[i] = true;
            }
        }
    }
    let mut i = 0;
    diagnostics.retain(|_| {
        i += 1;
        !known[i - 1]
    });
    Ok(())
}
