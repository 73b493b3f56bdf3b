//! `--format gitlab`: GitLab's Code Quality report (a JSON array of issues).

use crate::diagnostic::Diagnostic;
use crate::rules::Severity;
use serde_json::{json, Value};

pub fn to_value(diagnostics: &[Diagnostic]) -> Value {
    diagnostics
        .iter()
        .map(|d| {
            let l = &d.location;
            json!({
                "description": format!("{} ({})", d.message, d.rule),
                "check_name": d.rule,
                "fingerprint": d.fingerprint,
                "severity": match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                "location": {
                    "path": d.path,
                    "positions": {
                        "begin": { "line": l.start.line, "column": l.start.column },
                        "end": { "line": l.end.line, "column": l.end.column },
                    }
                }
            })
        })
        .collect()
}
