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
//!
//! Each file directly under `fixtures/<rule-id>/` is a project of its own. A folder
//! `fixtures/<rule-id>/<case>/` is one project of several files, analyzed together, so that a
//! fact in one file (a type's declaration, a helper's result) decides a finding in another; its
//! markers may sit in any of its files.

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

/// A fixture project: the files analyzed together.
struct Project {
    /// The rule folder it belongs to (`fixtures/<rule-id>`).
    rule_dir: PathBuf,
    /// Set for a multi-file case folder.
    case: Option<PathBuf>,
    files: Vec<(PathBuf, Lang)>,
}

fn source_files(dir: &Path) -> Vec<(PathBuf, Lang)> {
    let mut out = Vec::new();
    for f in std::fs::read_dir(dir).unwrap() {
        let f = f.unwrap().path();
        if f.is_dir() {
            out.extend(source_files(&f));
        } else if let Some(lang) = Lang::from_path(&f) {
            out.push((f, lang));
        }
    }
    out.sort();
    out
}

fn fixture_projects() -> Vec<Project> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut projects = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/ exists")
        .map(|d| d.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() {
                projects.push(Project {
                    rule_dir: dir.clone(),
                    case: Some(e.clone()),
                    files: source_files(&e),
                });
            } else if let Some(lang) = Lang::from_path(&e) {
                projects.push(Project {
                    rule_dir: dir.clone(),
                    case: None,
                    files: vec![(e, lang)],
                });
            }
        }
    }
    projects
}

#[test]
fn every_fixture_gets_exactly_the_diagnostics_it_marks() {
    let rules = RuleSet::builtin();
    let projects = fixture_projects();
    assert!(!projects.is_empty(), "no fixtures found");
    let opts = Options {
        threads: 4,
        max_file_size: u64::MAX,
        ..Options::default()
    };
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut report = driver::Report::default();
    for p in &projects {
        let r = driver::analyze(&p.files, &rules, &opts);
        report.diagnostics.extend(r.diagnostics);
        report.warnings.extend(r.warnings);
        files.extend(p.files.iter().cloned());
    }
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
    let projects = fixture_projects();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut missing = Vec::new();
    for rule in &rules.rules {
        for lang in rule.langs() {
            let dir = root.join(&rule.id);
            let has = projects
                .iter()
                .any(|p| p.rule_dir == dir && p.files.iter().any(|(_, l)| *l == lang));
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
    for p in &projects {
        let dir = p.rule_dir.file_name().unwrap().to_string_lossy();
        if rules.get(&dir).is_none() {
            missing.push(format!(
                "{}: fixture folder `{dir}` names no rule",
                p.rule_dir.display()
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
    for p in fixture_projects() {
        let (mut wants, mut oks) = (0, 0);
        for (path, lang) in &p.files {
            let text = std::fs::read_to_string(path).unwrap();
            // A marker in a block comment is not read: its line would go unchecked.
            for (i, line) in text.lines().enumerate() {
                if ["want", "ok", "todo"]
                    .iter()
                    .any(|k| line.contains(&format!("/* {k}:")))
                {
                    problems.push(format!(
                        "{}:{}: a marker in a block comment; write it after `{}`",
                        path.display(),
                        i + 1,
                        lang.line_comment()
                    ));
                }
            }
            wants +=
                markers(&text, *lang, "want").len() + markers(&text, *lang, "want[warning]").len();
            oks += markers(&text, *lang, "ok").len();
        }
        let shown = p.case.as_ref().unwrap_or(&p.files[0].0).display();
        if wants == 0 {
            problems.push(format!("{shown}: no want: marker"));
        }
        if oks == 0 {
            problems.push(format!("{shown}: no ok: marker"));
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

#[test]
fn facts_across_files_give_the_same_report_for_any_thread_count() {
    // One type declared in one file decides findings in many others; the second pass re-reads
    // those files. The report must not depend on how the work was spread.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("wal")).unwrap();
    std::fs::write(
        root.join("wal/segment.go"),
        "package wal\nimport \"time\"\ntype Segment struct{ Path string; Opened time.Time }\n",
    )
    .unwrap();
    let mut files = vec![(root.join("wal/segment.go"), Lang::Go)];
    for i in 0..24 {
        let p = root.join(format!("wal/use{i}.go"));
        std::fs::write(
            &p,
            format!(
                "package wal\nimport \"fmt\"\nvar byKey{i} = map[string]int{{}}\n\
                 func add{i}(s *Segment) {{ byKey{i}[fmt.Sprintf(\"%v\", s)] = {i} }}\n"
            ),
        )
        .unwrap();
        files.push((p, Lang::Go));
    }
    let rules = RuleSet::builtin();
    let run = |threads| {
        let opts = Options {
            threads,
            ..Options::default()
        };
        let r = driver::analyze(&files, &rules, &opts);
        format!("{:?}", r.diagnostics)
    };
    let one = run(1);
    assert_eq!(one.matches("stringified-map-key").count(), 24, "{one}");
    assert_eq!(one, run(2));
    assert_eq!(one, run(8));
}
