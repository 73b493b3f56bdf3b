//! The strict fixture harness. Every file under `fixtures/<rule-id>/` is analyzed with every
//! built-in rule; inline markers say what must be reported:
//!
//! - `want: <rule-id>` — the line must carry a diagnostic of that rule, at the rule's severity;
//! - `want[warning]: <rule-id>` — the same, demoted to a warning (a leak only if a call throws);
//! - `ok: <rule-id>` — documents a tricky negative (every unmarked line must be silent anyway);
//! - `todo: <rule-id>` — a known miss: the line must *not* be reported yet, so that fixing it
//!   forces the marker to become `want:`.
//!
//! Any missing or unexpected diagnostic fails, and all mismatches are reported at once.

use leaklint::driver::{self, Options};
use leaklint::model::Lang;
use leaklint::rules::{RuleSet, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `(line, rule)` pairs a fixture marks with `kind:` (`want`, `want[warning]`, `ok`, `todo`).
fn markers(text: &str, lang: Lang, kind: &str) -> BTreeSet<(u32, String)> {
    let leader = lang.line_comment();
    let tag = format!("{kind}:");
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some(comment) = line.find(leader).map(|at| &line[at + leader.len()..]) else {
            continue;
        };
        let mut rest = comment;
        while let Some(at) = rest.find(&tag) {
            rest = &rest[at + tag.len()..];
            for id in rest
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .take_while(|w| !w.ends_with(':'))
            {
                out.insert((i as u32 + 1, id.to_string()));
            }
        }
    }
    out
}

fn fixture_files() -> Vec<(PathBuf, Lang)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("fixtures/ exists") {
        let dir = dir.unwrap().path();
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if let Some(lang) = Lang::from_path(&f) {
                files.push((f, lang));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_fixture_gets_exactly_the_diagnostics_it_marks() {
    let rules = RuleSet::builtin();
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found");
    let opts = Options {
        threads: 4,
        max_file_size: u64::MAX,
        ..Options::default()
    };
    let report = driver::analyze(&files, &rules, &opts);
    let mut problems = Vec::new();
    for w in &report.warnings {
        problems.push(format!("{}: unexpected warning: {}", w.path, w.message));
    }
    for (path, lang) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let shown = driver::display(path);
        // `want:` expects the rule's own severity, `want[warning]:` a warning.
        let own = |rule: &str| rules.get(rule).map_or(Severity::Error, |r| r.severity);
        let want: BTreeSet<(u32, String, Severity)> = markers(&text, *lang, "want")
            .into_iter()
            .map(|(l, r)| {
                let sev = own(&r);
                (l, r, sev)
            })
            .chain(
                markers(&text, *lang, "want[warning]")
                    .into_iter()
                    .map(|(l, r)| (l, r, Severity::Warning)),
            )
            .collect();
        let todo = markers(&text, *lang, "todo");
        let got: BTreeSet<(u32, String, Severity)> = report
            .diagnostics
            .iter()
            .filter(|d| d.path == shown)
            .map(|d| (d.location.start.line, d.rule.clone(), d.severity))
            .collect();
        for (line, rule, sev) in want.difference(&got) {
            problems.push(format!("{shown}:{line}: missing {rule} ({})", sev.as_str()));
        }
        for (line, rule, sev) in got.difference(&want) {
            let d = report
                .diagnostics
                .iter()
                .find(|d| {
                    d.path == shown
                        && d.location.start.line == *line
                        && &d.rule == rule
                        && d.severity == *sev
                })
                .unwrap();
            let known = if todo.contains(&(*line, rule.clone())) {
                " (marked todo: it is found now, make it want:)"
            } else {
                ""
            };
            problems.push(format!(
                "{shown}:{line}: unexpected {rule} ({}){known}: {}",
                sev.as_str(),
                d.message
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture mismatch(es):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_fixtures_for_each_of_its_languages() {
    let rules = RuleSet::builtin();
    let files = fixture_files();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut missing = Vec::new();
    for rule in &rules.rules {
        for lang in rule.langs() {
            let dir = root.join(&rule.id);
            let has = files
                .iter()
                .any(|(f, l)| *l == lang && f.parent() == Some(dir.as_path()));
            if !has {
                missing.push(format!(
                    "{} has no {} fixture in {}",
                    rule.id,
                    lang,
                    dir.display()
                ));
            }
        }
    }
    for (f, _) in &files {
        let dir = f.parent().unwrap().file_name().unwrap().to_string_lossy();
        if rules.get(&dir).is_none() {
            missing.push(format!(
                "{}: fixture folder `{dir}` names no rule",
                f.display()
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn fixtures_contain_positives_and_negatives() {
    // A fixture without a `want:` tests nothing positive; without an `ok:` it shows no tricky
    // negative beside the positives.
    let mut problems = Vec::new();
    for (path, lang) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if markers(&text, lang, "want").is_empty()
            && markers(&text, lang, "want[warning]").is_empty()
        {
            problems.push(format!("{}: no want: marker", path.display()));
        }
        if markers(&text, lang, "ok").is_empty() {
            problems.push(format!("{}: no ok: marker", path.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn markers_are_parsed_from_comments_only() {
    let text = "x := 1 // want: a-rule, b-rule\ns := \"want: no-rule\"\ny # ok: c\n";
    let got = markers(text, Lang::Go, "want");
    let expect: BTreeSet<_> = [(1, "a-rule".to_string()), (1, "b-rule".to_string())].into();
    assert_eq!(got, expect);
    assert_eq!(markers(text, Lang::Python, "ok").len(), 1);
    let weak = "f = open(p)  # want[warning]: r\ng = 1  # want: r\n";
    let expect: BTreeSet<_> = [(1, "r".to_string())].into();
    assert_eq!(markers(weak, Lang::Python, "want[warning]"), expect);
    assert_eq!(markers(weak, Lang::Python, "want").len(), 1);
}
