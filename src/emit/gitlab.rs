//! `--format gitlab`: GitLab's Code Quality report (a JSON array of issues), paths relative to
//! the report root.

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
                // GitLab keeps one issue per fingerprint in a report: add the path, which
                // leaklint's own fingerprint leaves out.
                "fingerprint": crate::diagnostic::fingerprint(&d.path, &d.fingerprint, 0),
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
