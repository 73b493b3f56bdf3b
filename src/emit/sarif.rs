//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF consumers read it.

use crate::diagnostic::{Diagnostic, Location};
use crate::rules::{Rule, Severity};
use serde_json::{json, Value};
use std::path::Path;

const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// GitHub code scanning's documented limits
/// (<https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>):
/// longer texts and lists are cut, so that an upload is never rejected.
pub mod limits {
    /// `shortDescription` and `fullDescription` of a rule.
    pub const DESCRIPTION: usize = 1024;
    /// Results per run.
    pub const RESULTS: usize = 25_000;
    /// Related locations per result (only the first 100 are displayed; 1,000 are accepted).
    pub const RELATED: usize = 100;
    /// Locations in one thread flow (1,000 are displayed).
    pub const FLOW: usize = 1_000;
    /// Tags per rule (10 are displayed).
    pub const TAGS: usize = 10;
}

/// The whole log. `root` is the directory paths are relative to (`%SRCROOT%`): the report root
/// of [`crate::paths::Root`]; each diagnostic's path is relative to it, or absolute.
pub fn to_value(diagnostics: &[Diagnostic], rules: &[&Rule], root: &Path) -> Value {
    log(diagnostics, rules, root, limits::RESULTS)
}

fn log(diagnostics: &[Diagnostic], rules: &[&Rule], root: &Path, max_results: usize) -> Value {
    // Over the limit, errors are kept before warnings (the order of the report otherwise).
    let mut kept: Vec<&Diagnostic> = diagnostics.iter().collect();
    let cut = kept.len() > max_results;
    if cut {
        kept.sort_by_key(|d| std::cmp::Reverse(d.severity));
        kept.truncate(max_results);
    }
    let results: Vec<Value> = kept.iter().map(|d| result(d, rules, root)).collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "leaklint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules.iter().map(|r| descriptor(r)).collect::<Vec<_>>(),
            }
        },
        "originalUriBaseIds": {
            "%SRCROOT%": { "uri": dir_uri(root) }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if cut {
        run["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [{
                "level": "warning",
                "message": { "text": format!(
                    "{} findings; only the first {} are in this log (errors first)",
                    diagnostics.len(),
                    max_results
                ) }
            }]
        }]);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run]
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `text` cut to at most `max` bytes: at the end of its last whole sentence that fits, else at
/// a word, with an ellipsis.
pub fn fit(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    let sentence_end = head
        .char_indices()
        .zip(head.chars().skip(1))
        .filter(|((_, c), next)| *c == '.' && next.is_whitespace())
        .map(|((i, _), _)| i)
        .last();
    if let Some(i) = sentence_end.filter(|&i| i > max / 3) {
        return text[..=i].to_string();
    }
    let cut = head.rfind(char::is_whitespace).unwrap_or(end);
    format!("{}…", head[..cut].trim_end())
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
    let tags: Vec<&String> = rule.tags.iter().take(limits::TAGS).collect();
    let mut v = json!({
        "id": rule.id,
        "name": name,
        "shortDescription": { "text": fit(&rule.summary, limits::DESCRIPTION) },
        "fullDescription": { "text": fit(&d.what, limits::DESCRIPTION) },
        "help": { "text": rule.help_text(), "markdown": rule.help_markdown() },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": tags,
            // leaklint aims at approximately zero false positives: a rule that cries wolf gets
            // switched off.
            "precision": "high",
            "problem.severity": level(rule.severity),
        },
    });
    // Only the built-in rules have a page; a rule pack's rules carry their help inline.
    if crate::rules::is_builtin(&rule.id) {
        v["helpUri"] = json!(format!(
            "{INFORMATION_URI}/blob/main/rules/{}.toml",
            rule.id
        ));
    }
    v
}

/// Escapes text for a SARIF message, where `[` and `]` outside a link, and `\`, must be
/// escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn result(d: &Diagnostic, rules: &[&Rule], root: &Path) -> Value {
    let index = rules.iter().position(|r| r.id == d.rule);
    let primary = physical(&d.path, &d.location, root);
    let labels = &d.labels[..d.labels.len().min(limits::RELATED)];
    let related: Vec<Value> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({
                "id": i + 1,
                "physicalLocation": physical(&d.path, &l.location, root),
                "message": { "text": escape(&l.message) },
            })
        })
        .collect();
    // GitHub shows a related location only where the message links to it: `[text](id)`.
    let mut message = escape(&d.message);
    if !labels.is_empty() {
        let links: Vec<String> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let text = if l.message.is_empty() {
                    format!("line {}", l.location.start.line)
                } else {
                    l.message.clone()
                };
                format!("[{}]({})", escape(&text), i + 1)
            })
            .collect();
        message.push_str(&format!(" (see: {})", links.join(", ")));
    }
    message.push_str(&format!("\nhelp: {}", escape(&d.help)));
    let mut r = json!({
        "ruleId": d.rule,
        "level": level(d.severity),
        "message": { "text": message },
        "locations": [{ "physicalLocation": primary.clone() }],
        // The key GitHub code scanning reads; without it, the upload action computes its own
        // from the line's text. Ours does not depend on the line number or the path.
        "partialFingerprints": { "primaryLocationLineHash": d.fingerprint },
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
            "location": {
                "physicalLocation": primary,
                "message": { "text": escape(&d.message) },
            }
        })];
        let mut sorted: Vec<_> = labels.iter().collect();
        sorted.sort_by_key(|l| l.location.start);
        sorted.truncate(limits::FLOW - 1);
        steps.extend(sorted.iter().map(|l| {
            json!({
                "location": {
                    "physicalLocation": physical(&d.path, &l.location, root),
                    "message": { "text": escape(&l.message) },
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

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_at_a_sentence() {
        let long = "First sentence here.\nAnd another one. ".repeat(100);
        let cut = fit(&long, limits::DESCRIPTION);
        assert!(cut.len() <= limits::DESCRIPTION, "{}", cut.len());
        assert!(cut.ends_with('.'), "{cut}");
        assert!(cut.len() > 900, "{}", cut.len());
        let words = "word ".repeat(500);
        let cut = fit(&words, 100);
        assert!(cut.len() <= 100 && cut.ends_with("word…"), "{cut}");
        assert_eq!(fit("short", 100), "short");
    }

    #[test]
    fn brackets_are_escaped() {
        assert_eq!(escape(r"m[k] \ x"), r"m\[k\] \\ x");
    }
}

#[cfg(test)]
mod cut_tests {
    use super::*;
    use crate::diagnostic::{Label, Position};
    use crate::model::Span;

    fn diagnostic(line: u32, severity: Severity, labels: usize) -> Diagnostic {
        let at = |line: u32| Location {
            start: Position { line, column: 1 },
            end: Position { line, column: 2 },
            span: Span::new(0, 1),
        };
        Diagnostic {
            rule: "r".into(),
            severity,
            path: "a.go".into(),
            location: at(line),
            message: "m".into(),
            labels: (0..labels)
                .map(|i| Label {
                    location: at(i as u32 + 1),
                    message: format!("site {i}"),
                })
                .collect(),
            help: "h".into(),
            fingerprint: "0:0".into(),
            fixes: Vec::new(),
            rendered: None,
        }
    }

    #[test]
    fn results_over_the_limit_keep_errors_first_and_say_so() {
        let mut ds: Vec<Diagnostic> = (0..5)
            .map(|i| diagnostic(i + 1, Severity::Warning, 0))
            .collect();
        ds.push(diagnostic(999, Severity::Error, 0));
        let log = log(&ds, &[], Path::new("/r"), 5);
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 5);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(
            results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
            1
        );
        assert!(
            log["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
                .as_str()
                .unwrap()
                .contains("6 findings; only the first 5")
        );
    }

    #[test]
    fn related_locations_are_capped_and_each_kept_one_is_linked() {
        let log = to_value(&[diagnostic(1, Severity::Error, 150)], &[], Path::new("/r"));
        let r = &log["runs"][0]["results"][0];
        assert_eq!(
            r["relatedLocations"].as_array().unwrap().len(),
            limits::RELATED
        );
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.contains("[site 99](100)") && !text.contains("(101)"),
            "{text}"
        );
    }
}
