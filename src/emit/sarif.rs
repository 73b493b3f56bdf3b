//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF consumers read it.

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::{Rule, RuleSet, Severity};
use serde_json::{json, Value};
use std::path::Path;

const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The whole log. `root` is the directory paths are relative to (`%SRCROOT%`).
pub fn to_value(diagnostics: &[Diagnostic], rules: &RuleSet, root: &Path) -> Value {
    let results: Vec<Value> = diagnostics.iter().map(|d| result(d, rules, root)).collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "leaklint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules.rules.iter().map(descriptor).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": dir_uri(root) }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A rule's `reportingDescriptor`, built from the same docs as `leaklint explain`.
fn descriptor(rule: &Rule) -> Value {
    let d = &rule.docs;
    let name: String = rule
        .id
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    json!({
        "id": rule.id,
        "name": name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": d.what.trim() },
        "help": { "text": rule.help_text(), "markdown": rule.help_markdown() },
        "helpUri": format!("{INFORMATION_URI}/blob/main/rules/{}.toml", rule.id),
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": rule.tags },
    })
}

fn result(d: &Diagnostic, rules: &RuleSet, root: &Path) -> Value {
    let index = rules.rules.iter().position(|r| r.id == d.rule);
    let primary = physical(&d.path, &d.location, root);
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(&d.path, &l.location, root),
                "message": { "text": l.message },
            })
        })
        .collect();
    let mut r = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": format!("{}\nhelp: {}", d.message, d.help) },
        "locations": [{ "physicalLocation": primary.clone() }],
        "partialFingerprints": { "leaklint/v1": d.fingerprint },
    });
    if let Some(i) = index {
        r["ruleIndex"] = json!(i);
    }
    if !d.fixes.is_empty() {
        r["fixes"] = fixes(d, root);
    }
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
        // The path from the hazard through each related site, in source order.
        let mut steps = vec![json!({
            "location": { "physicalLocation": primary, "message": { "text": d.message } }
        })];
        let mut labels: Vec<_> = d.labels.iter().collect();
        labels.sort_by_key(|l| l.location.start);
        steps.extend(labels.iter().map(|l| {
            json!({
                "location": {
                    "physicalLocation": physical(&d.path, &l.location, root),
                    "message": { "text": l.message },
                }
            })
        }));
        r["codeFlows"] = json!([{ "threadFlows": [{ "locations": steps }] }]);
    }
    r
}

/// The safe mechanical fixes (see `crate::fix`); an insertion deletes an empty region.
fn fixes(d: &Diagnostic, root: &Path) -> Value {
    d.fixes
        .iter()
        .map(|f| {
            let replacements: Vec<Value> = f
                .edits
                .iter()
                .map(|e| {
                    json!({
                        "deletedRegion": region(&e.location),
                        "insertedContent": { "text": e.text },
                    })
                })
                .collect();
            json!({
                "description": { "text": f.title },
                "artifactChanges": [{
                    "artifactLocation": artifact(&d.path, root),
                    "replacements": replacements,
                }],
            })
        })
        .collect()
}

fn region(l: &Location) -> Value {
    json!({
        "startLine": l.start.line,
        "startColumn": l.start.column,
        "endLine": l.end.line,
        "endColumn": l.end.column,
    })
}

fn physical(path: &str, l: &Location, root: &Path) -> Value {
    json!({
        "artifactLocation": artifact(path, root),
        "region": {
            "startLine": l.start.line,
            "startColumn": l.start.column,
            "endLine": l.end.line,
            "endColumn": l.end.column,
        }
    })
}

/// A path relative to `%SRCROOT%` where it is under it, else an absolute `file:` URI.
fn artifact(path: &str, root: &Path) -> Value {
    let p = Path::new(path);
    let relative = if p.is_absolute() {
        p.strip_prefix(root)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"))
    } else {
        Some(path.to_string())
    };
    match relative {
        Some(rel) if !rel.starts_with("../") => {
            json!({ "uri": encode(&rel), "uriBaseId": "%SRCROOT%" })
        }
        _ => json!({ "uri": format!("file://{}", encode(&absolute(p, root))) }),
    }
}

fn absolute(p: &Path, root: &Path) -> String {
    root.join(p).to_string_lossy().replace('\\', "/")
}

fn dir_uri(root: &Path) -> String {
    let mut s = root.to_string_lossy().replace('\\', "/");
    if !s.ends_with('/') {
        s.push('/');
    }
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    format!("file://{}", encode(&s))
}

/// Percent-encodes what may not stand in a URI path.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        let root = Path::new("/work/repo");
        assert_eq!(
            artifact("src/a b.go", root),
            json!({ "uri": "src/a%20b.go", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact("/work/repo/src/x.go", root),
            json!({ "uri": "src/x.go", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact("/elsewhere/x.go", root),
            json!({ "uri": "file:///elsewhere/x.go" })
        );
        assert_eq!(dir_uri(root), "file:///work/repo/");
    }
}
