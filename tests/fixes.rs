//! Every mechanical fix leaklint offers is proven by a fixture under `tests/fixes/<rule-id>/`:
//!
//! - `// fix: <rule-id>` marks a finding that must be offered a fix, `// nofix: <rule-id>` one
//!   that must not be (the fix would be wrong there); every finding is marked one way or the
//!   other;
//! - each fix, applied alone, removes its finding, adds none, and leaves a file that parses;
//! - all fixes of a file applied together leave leaklint silent on it, and give the file's
//!   `.fixed` twin (`LEAKLINT_BLESS=1 cargo test --test fixes` rewrites the twins).
//!
//! The command line's `--fix`, `--diff` and SARIF `fixes` are checked against the same files.

use leaklint::diagnostic::Diagnostic;
use leaklint::driver::{self, Options};
use leaklint::fix;
use leaklint::model::Lang;
use leaklint::rules::RuleSet;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn fixture_files() -> Vec<(PathBuf, Lang)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/fixes exists") {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let f = f.unwrap().path();
            if let Some(lang) = Lang::from_path(&f) {
                files.push((f, lang));
            }
        }
    }
    files.sort();
    assert!(!files.is_empty());
    files
}

fn analyze(path: &Path, text: &str) -> Vec<Diagnostic> {
    let report = driver::analyze_stdin(
        path,
        text.as_bytes(),
        &RuleSet::builtin(),
        &Options::default(),
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    report.diagnostics
}

/// `(line, rule)` pairs marked `kind:` in a line comment.
fn markers(text: &str, lang: Lang, kind: &str) -> BTreeSet<(u32, String)> {
    let tag = format!("{} {kind}: ", lang.line_comment());
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let at = l.find(&tag)?;
            let rule = l[at + tag.len()..].split_whitespace().next()?;
            Some((i as u32 + 1, rule.to_string()))
        })
        .collect()
}

fn parses(lang: Lang, text: &str) -> bool {
    leaklint::frontend::lower(lang, text).is_ok_and(|u| u.syntax_errors.is_empty())
}

#[test]
fn each_fix_is_offered_where_marked_and_silences_its_finding() {
    let mut problems = Vec::new();
    for (path, lang) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let shown = path.display();
        let found = analyze(&path, &text);
        let key = |d: &Diagnostic| (d.location.start.line, d.rule.clone());
        let offered: BTreeSet<_> = found
            .iter()
            .filter(|d| !d.fixes.is_empty())
            .map(key)
            .collect();
        let all: BTreeSet<_> = found.iter().map(key).collect();
        let want = markers(&text, lang, "fix");
        let unwanted = markers(&text, lang, "nofix");
        if offered != want {
            problems.push(format!(
                "{shown}: fixes offered at {offered:?}, marked at {want:?}"
            ));
        }
        let marked: BTreeSet<_> = want.union(&unwanted).cloned().collect();
        if all != marked {
            problems.push(format!(
                "{shown}: findings at {all:?}, marked (fix or nofix) at {marked:?}"
            ));
        }
        let before: Vec<_> = found.iter().map(|d| (&d.rule, &d.message)).collect();
        for d in &found {
            for f in &d.fixes {
                let (fixed, n) = fix::apply(&text, &f.edits);
                assert_eq!(n, f.edits.len());
                if !parses(lang, &fixed) {
                    problems.push(format!("{shown}: `{}` leaves a syntax error", f.title));
                }
                let after = analyze(&path, &fixed);
                // The same findings less this one (messages may repeat: remove one).
                let mut expected = before.clone();
                let this = expected
                    .iter()
                    .position(|(r, m)| *r == &d.rule && *m == &d.message)
                    .unwrap();
                expected.remove(this);
                expected.sort();
                let mut got: Vec<_> = after.iter().map(|d| (&d.rule, &d.message)).collect();
                got.sort();
                if got != expected {
                    problems.push(format!(
                        "{shown}:{}: after `{}`: {got:?}, expected {expected:?}",
                        d.location.start.line, f.title
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn all_fixes_together_leave_the_fixable_files_silent() {
    for (path, lang) in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        if markers(&text, lang, "fix").is_empty() {
            continue;
        }
        let found = analyze(&path, &text);
        let (fixed, _) = fix::apply(
            &text,
            found.iter().flat_map(|d| &d.fixes).flat_map(|f| &f.edits),
        );
        let left = analyze(&path, &fixed);
        assert!(
            left.is_empty(),
            "{}: still reported after every fix: {:?}",
            path.display(),
            left.iter()
                .map(|d| (d.location.start.line, &d.rule))
                .collect::<Vec<_>>()
        );
        assert!(parses(lang, &fixed));
        let twin = PathBuf::from(format!("{}.fixed", path.display()));
        if std::env::var_os("LEAKLINT_BLESS").is_some() {
            std::fs::write(&twin, &fixed).unwrap();
        }
        let expected = std::fs::read_to_string(&twin).unwrap_or_default();
        assert_eq!(
            fixed,
            expected,
            "{} differs from its fixed twin",
            path.display()
        );
    }
}

/// Runs the binary in `dir`, with `stdin` as its standard input.
fn run(args: &[&str], dir: &Path, stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_string();
    let writer =
        std::thread::spawn(move || std::io::Write::write_all(&mut input, stdin.as_bytes()));
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn fixable() -> (String, String) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes/unclosed-on-error-path");
    (
        std::fs::read_to_string(dir.join("fixable.go")).unwrap(),
        std::fs::read_to_string(dir.join("fixable.go.fixed")).unwrap(),
    )
}

#[test]
fn command_line_diff_and_fix() {
    let (text, fixed) = fixable();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.go"), &text).unwrap();
    std::fs::write(dir.path().join("clean.go"), "package a\n").unwrap();

    let (code, diff, _) = run(&["--diff", "."], dir.path(), "");
    assert_eq!(code, 1, "{diff}");
    assert!(
        diff.starts_with("--- a/a.go\n+++ b/a.go\n@@ -24,6 +24,7 @@\n"),
        "{diff}"
    );
    assert_eq!(diff.matches("\n+\t").count(), 9, "{diff}");
    assert!(diff.contains("+\tdefer resp.Body.Close()\n"), "{diff}");
    // The `defer` of `fetch` moved up: one line goes.
    assert_eq!(diff.matches("\n-").count(), 1, "{diff}");
    assert!(diff.contains("\n-\tdefer resp.Body.Close()\n"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.go")).unwrap(),
        text
    );

    let (code, out, err) = run(&["--fix", "."], dir.path(), "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("fixed 9 findings in 1 file"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.go")).unwrap(),
        fixed
    );
    let (code, diff, _) = run(&["--diff", "."], dir.path(), "");
    assert_eq!((code, diff.as_str()), (0, ""));

    // With standard input, the fixed text goes to standard output.
    let (code, out, _) = run(&["--fix", "--stdin-filename", "b.go"], dir.path(), &text);
    assert_eq!((code, out.as_str()), (0, fixed.as_str()));
}

#[test]
fn sarif_carries_the_fixes() {
    let (text, _) = fixable();
    let (code, out, _) = run(
        &["--format", "sarif", "--stdin-filename", "a.go"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &text,
    );
    assert_eq!(code, 1);
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The official schema, vendored beside the tests.
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 9);
    let first = &results[0]["fixes"][0];
    assert_eq!(
        first["description"]["text"],
        "Insert `defer f.Close()` after the error check"
    );
    let change = &first["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "a.go");
    let r = &change["replacements"][0];
    assert_eq!(
        r["deletedRegion"],
        serde_json::json!({ "startLine": 27, "startColumn": 1, "endLine": 27, "endColumn": 1 })
    );
    assert_eq!(r["insertedContent"]["text"], "\tdefer f.Close()\n");
}

#[test]
fn windows_line_endings_are_kept() {
    let (text, fixed) = fixable();
    let crlf = text.replace('\n', "\r\n");
    let found = analyze(Path::new("a.go"), &crlf);
    let (out, _, _) = fix::apply_fixes(&crlf, found.iter().flat_map(|d| &d.fixes));
    assert_eq!(out, fixed.replace('\n', "\r\n"));
}

#[test]
fn diff_of_standard_input() {
    let (text, _) = fixable();
    let (code, diff, _) = run(
        &["--diff", "--stdin-filename", "pkg/a.go"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &text,
    );
    assert_eq!(code, 1);
    assert!(
        diff.starts_with("--- a/pkg/a.go\n+++ b/pkg/a.go\n"),
        "{diff}"
    );
    assert_eq!(diff.matches("\n+\t").count(), 9, "{diff}");
}
