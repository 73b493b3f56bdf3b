//! Baselines, for adopting leaklint on a large codebase: record today's findings, then report
//! only new ones. Findings are matched by rule, path and fingerprint, never by line number.

use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, Hash)]
struct Entry {
    rule: String,
    path: String,
    fingerprint: String,
    /// For people reading the file; not used for matching.
    #[serde(default)]
    message: String,
}

pub fn write(path: &Path, diagnostics: &[Diagnostic]) -> Result<(), String> {
    let file = File {
        version: 1,
        findings: diagnostics
            .iter()
            .map(|d| Entry {
                rule: d.rule.clone(),
                path: d.path.clone(),
                fingerprint: d.fingerprint.clone(),
                message: d.message.clone(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Removes from `diagnostics` those recorded in the baseline at `path`.
pub fn filter(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Result<(), String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a leaklint baseline: {e}", path.display()))?;
    if file.version != 1 {
        return Err(format!(
            "{}: baseline version {} is not supported",
            path.display(),
            file.version
        ));
    }
    let known: HashSet<(String, String, String)> = file
        .findings
        .into_iter()
        .map(|e| (e.rule, e.path, e.fingerprint))
        .collect();
    diagnostics
        .retain(|d| !known.contains(&(d.rule.clone(), d.path.clone(), d.fingerprint.clone())));
    Ok(())
}
