//! `--format json`: an array of objects with 1-based positions, as described by
//! `schemas/leaklint-json.schema.json`.

use crate::diagnostic::{Diagnostic, Location};
use serde_json::{json, Value};

fn position(l: &Location) -> [(&'static str, Value); 4] {
    [
        ("line", l.start.line.into()),
        ("column", l.start.column.into()),
        ("end_line", l.end.line.into()),
        ("end_column", l.end.column.into()),
    ]
}

pub fn to_value(diagnostics: &[Diagnostic]) -> Value {
    diagnostics
        .iter()
        .map(|d| {
            let mut obj = serde_json::Map::new();
            obj.insert("rule".into(), json!(d.rule));
            obj.insert("severity".into(), json!(d.severity.as_str()));
            obj.insert("path".into(), json!(d.path));
            for (k, v) in position(&d.location) {
                obj.insert(k.into(), v);
            }
            obj.insert("message".into(), json!(d.message));
            obj.insert("help".into(), json!(d.help));
            obj.insert("fingerprint".into(), json!(d.fingerprint));
            let related: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let mut r: serde_json::Map<String, Value> = position(&l.location)
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect();
                    r.insert("message".into(), json!(l.message));
                    Value::Object(r)
                })
                .collect();
            obj.insert("related".into(), Value::Array(related));
            Value::Object(obj)
        })
        .collect()
}
