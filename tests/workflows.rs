//! Where users run leaklint: SARIF for code scanning, CI formats, configuration, suppressions,
//! baselines, diff-base, stdin, rule docs, pre-commit.

use std::path::Path;
use std::process::Command;

mod common;
use common::{write, Run};

fn leaklint_with_stdin(args: &[&str], dir: &Path, stdin: &str) -> Run {
    common::leaklint_in(dir, args, stdin)
}

fn leaklint(args: &[&str], dir: &Path) -> Run {
    leaklint_with_stdin(args, dir, "")
}

const GO_LEAK: &str = "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\nfunc f(m map[string]int, ctx context.Context) {\n\tm[fmt.Sprintf(\"%v\", ctx)] = 1\n}\n";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// The official SARIF 2.1.0 schema (OASIS), vendored under `tests/schemas/`.
fn sarif_schema() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    json(&std::fs::read_to_string(path).expect("tests/schemas/sarif-2.1.0.json"))
}

#[test]
fn sarif_is_valid_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/w.go", GO_LEAK);
    let run = leaklint(&["--format", "sarif", "src"], dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log = json(&run.stdout);
    let validator = jsonschema::validator_for(&sarif_schema()).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));

    let run0 = &log["runs"][0];
    let driver = &run0["tool"]["driver"];
    assert_eq!(driver["name"], "leaklint");
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let idx = rules
        .iter()
        .position(|r| r["id"] == "stringified-map-key")
        .unwrap();
    let rule = &rules[idx];
    for key in ["shortDescription", "fullDescription"] {
        assert!(!rule[key]["text"].as_str().unwrap().is_empty());
    }
    assert!(rule["help"]["markdown"].as_str().unwrap().contains("```go"));
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    let result = &run0["results"][0];
    assert_eq!(result["ruleId"], "stringified-map-key");
    assert_eq!(result["ruleIndex"], idx);
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "src/w.go");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 9);
    assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
    assert!(result["relatedLocations"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
    assert!(result["codeFlows"][0]["threadFlows"][0]["locations"].is_array());
}

#[test]
fn fingerprints_survive_unrelated_line_moves() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.go", GO_LEAK);
    let before = json(&leaklint(&["--format", "sarif"], dir.path()).stdout);
    let moved = GO_LEAK.replace("\nfunc f(", "\n// a new comment\n\n// and another\nfunc f(");
    write(dir.path(), "w.go", &moved);
    let after = json(&leaklint(&["--format", "sarif"], dir.path()).stdout);
    let fp = |log: &serde_json::Value| log["runs"][0]["results"][0]["partialFingerprints"].clone();
    let line = |log: &serde_json::Value| {
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .clone()
    };
    assert_ne!(line(&before), line(&after));
    assert_eq!(fp(&before), fp(&after));
}

#[test]
fn github_and_gitlab_formats_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.go", GO_LEAK);
    let gh = leaklint(&["--format", "github"], dir.path());
    assert!(
        gh.stdout.starts_with("::error file=w.go,line=9,col=4,endLine=9,endColumn=26,title=leaklint%3A stringified-map-key::map key"),
        "{}",
        gh.stdout
    );
    assert_eq!(gh.stdout.lines().count(), 1, "newlines must be escaped");
    let out = dir.path().join("report.json");
    let gl = leaklint(
        &["--format", "gitlab", "--output", out.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!((gl.code, gl.stdout.as_str()), (1, ""));
    let report = json(&std::fs::read_to_string(out).unwrap());
    assert_eq!(report[0]["check_name"], "stringified-map-key");
    assert_eq!(report[0]["location"]["path"], "w.go");
    assert_eq!(report[0]["location"]["positions"]["begin"]["line"], 9);
    assert!(report[0]["fingerprint"].is_string());
}

#[test]
fn configuration_is_discovered_upward_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "project/src/w.go", GO_LEAK);
    write(dir.path(), "project/gen/g.go", GO_LEAK);
    write(
        dir.path(),
        "project/leaklint.toml",
        "exclude = [\"gen/\"]\n[severity]\nstringified-map-key = \"warning\"\n",
    );
    let run = leaklint(
        &["--format", "json", "project/src", "project/gen"],
        dir.path(),
    );
    let diags = json(&run.stdout);
    let diags = diags.as_array().unwrap();
    assert_eq!(diags.len(), 1, "{}", run.stdout);
    assert_eq!(diags[0]["severity"], "warning");
    // Excludes hold for files named on the command line too, as pre-commit names them.
    let named = leaklint(&["project/gen/g.go"], dir.path());
    assert_eq!(named.code, 0, "{}", named.stdout);
    // --isolated ignores the file; --ignore turns the rule off.
    assert_eq!(
        json(&leaklint(&["--format", "json", "--isolated", "project"], dir.path()).stdout)
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        leaklint(&["--ignore", "stringified-map-key", "project"], dir.path()).code,
        0
    );
    assert_eq!(
        leaklint(&["--select", "unused-suppression", "project"], dir.path()).code,
        0
    );
}

#[test]
fn pyproject_and_bad_configs() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/w.go", GO_LEAK);
    write(
        dir.path(),
        "a/pyproject.toml",
        "[tool.leaklint]\nignore = [\"stringified-map-key\"]\n",
    );
    assert_eq!(leaklint(&["a"], dir.path()).code, 0);

    write(dir.path(), "b/w.go", GO_LEAK);
    write(
        dir.path(),
        "b/.leaklint.toml",
        "select = [\"stringified-map-key\"]\nignroe = []\n",
    );
    let bad = leaklint(&["b"], dir.path());
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains(".leaklint.toml"), "{}", bad.stderr);
    assert!(bad.stderr.contains("line 2"), "{}", bad.stderr);
    assert!(bad.stderr.contains("ignroe"), "{}", bad.stderr);

    let unknown = leaklint(&["--select", "no-such-rule", "a"], dir.path());
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no-such-rule"));
    assert_eq!(
        leaklint(&["--config", "missing.toml", "a"], dir.path()).code,
        2
    );
}

#[test]
fn rule_packs_add_rules_and_bad_packs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A user's own stringifier: their `Describe()` prints a timestamp.
    write(
        dir.path(),
        "pack/describe-key.toml",
        r#"id = "describe-key"
check = "stringified-key"
severity = "warning"
summary = "Map key from Describe()"
message = "map key is built from {value}"
[docs]
what = "w"
why = "y"
fix = "f"
[lang.go]
stringify = [{ method = "Describe" }]
unstable_types = ["Job"]
"#,
    );
    write(dir.path(), "leaklint.toml", "rule-packs = [\"pack\"]\n");
    write(
        dir.path(),
        "j.go",
        "package p\n\nfunc f(m map[string]int, job *Job) {\n\tm[job.Describe()] = 1\n}\n",
    );
    let run = leaklint(&["--format", "json", "j.go"], dir.path());
    let diags = json(&run.stdout);
    assert_eq!(
        diags[0]["rule"], "describe-key",
        "{}\n{}",
        run.stdout, run.stderr
    );
    assert!(leaklint(&["rules"], dir.path())
        .stdout
        .contains("describe-key"));

    write(
        dir.path(),
        "pack/broken.toml",
        "id = \"broken\"\ncheck = \"no-such-check\"\n",
    );
    let bad = leaklint(&["j.go"], dir.path());
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("broken.toml"), "{}", bad.stderr);
    assert!(bad.stderr.contains("line 2"), "{}", bad.stderr);
}

#[test]
fn baseline_reports_only_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.go", GO_LEAK);
    let wrote = leaklint(&["--write-baseline", "base.json"], dir.path());
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    assert!(wrote.stderr.contains("recorded 1 finding"));
    // The old finding moves down; a new one appears.
    let grown = GO_LEAK.replace("\nfunc f(", "\n// moved\nfunc f(")
        + "\nfunc g(m map[string]int, req *http.Request) {\n\tdelete(m, fmt.Sprint(req))\n}\n";
    write(dir.path(), "w.go", &grown);
    let run = leaklint(&["--format", "json", "--baseline", "base.json"], dir.path());
    let diags = json(&run.stdout);
    let lines: Vec<_> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].clone())
        .collect();
    assert_eq!(lines, [serde_json::json!(14)], "{}", run.stdout);
    assert_eq!(leaklint(&["--baseline", "nope.json"], dir.path()).code, 2);
}

#[test]
fn diff_base_keeps_findings_on_changed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| common::git(dir.path(), args);
    git(&["init", "-q"]);
    write(dir.path(), "old.go", GO_LEAK);
    write(dir.path(), "edited.go", "package p\n");
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    write(dir.path(), "edited.go", GO_LEAK);
    write(dir.path(), "new.go", GO_LEAK);
    let run = leaklint(&["--format", "json", "--diff-base", "HEAD"], dir.path());
    let diags = json(&run.stdout);
    let paths: Vec<_> = diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["edited.go", "new.go"], "{}", run.stderr);
    assert_eq!(
        leaklint(&["--diff-base", "no-such-rev"], dir.path()).code,
        2
    );
}

#[test]
fn stdin_with_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = leaklint_with_stdin(
        &["--format", "json", "--stdin-filename", "pkg/w.go"],
        dir.path(),
        GO_LEAK,
    );
    assert_eq!(run.code, 1);
    assert_eq!(json(&run.stdout)[0]["path"], "pkg/w.go");
    let clean = leaklint_with_stdin(&["--stdin-filename", "x.py"], dir.path(), "x = 1\n");
    assert_eq!(clean.code, 0);
}

#[test]
fn quiet_prints_only_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "w.go", GO_LEAK);
    write(dir.path(), "bin.go", "\0\0binary");
    let loud = leaklint(&["--color", "never"], dir.path());
    assert!(loud.stderr.contains("binary"));
    assert!(loud.stdout.contains("leaklint: 1 finding"));
    let quiet = leaklint(&["--color", "never", "-q"], dir.path());
    assert_eq!(quiet.stderr, "");
    assert!(quiet.stdout.contains("error[stringified-map-key]"));
    assert!(!quiet.stdout.contains("leaklint: 1 finding"));
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let list = leaklint(&["rules"], dir.path());
    assert!(
        list.stdout
            .lines()
            .any(|l| l.starts_with("stringified-map-key")
                && l.contains("error")
                && l.contains("go,java,python,rust")),
        "{}",
        list.stdout
    );
    let doc = leaklint(&["explain", "stringified-map-key"], dir.path());
    assert_eq!(doc.code, 0);
    for part in [
        "### Why is this bad?",
        "### How to fix it",
        "```go",
        "### Known limits",
    ] {
        assert!(doc.stdout.contains(part), "{part}\n{}", doc.stdout);
    }
    assert_eq!(leaklint(&["explain", "nope"], dir.path()).code, 2);
}

#[test]
fn readme_rule_table_is_generated_from_the_rule_docs() {
    let dir = tempfile::tempdir().unwrap();
    let table = leaklint(&["rules", "--markdown"], dir.path()).stdout;
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README's rule table is out of date; replace it with the output of `leaklint rules --markdown`:\n{table}"
    );
}

#[test]
fn pre_commit_hook() {
    // Runs only where pre-commit is installed; `.ci/run` installs it, so CI always runs it.
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pre-commit"
        );
        eprintln!("pre-commit is not installed; skipping");
        return;
    }
    // The hook as `.pre-commit-hooks.yaml` declares it, run by pre-commit as a local hook on
    // the binary under test: `language: rust` would build a release binary (minutes), and what
    // is tested here is which files pre-commit passes and what leaklint makes of them.
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let hooks = std::fs::read_to_string(repo.join(".pre-commit-hooks.yaml")).unwrap();
    assert!(hooks.contains("language: rust") && hooks.contains("entry: leaklint"));
    let bin = env!("CARGO_BIN_EXE_leaklint");
    let hook: String = hooks
        .replace("language: rust", "language: system")
        .replace("entry: leaklint", &format!("entry: '{bin}'"))
        .lines()
        .map(|l| format!("      {l}\n"))
        .collect();
    let work = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| common::git(work.path(), args);
    git(&["init", "-q"]);
    write(
        work.path(),
        ".pre-commit-config.yaml",
        format!("repos:\n  - repo: local\n    hooks:\n{hook}"),
    );
    write(work.path(), "w.go", GO_LEAK);
    write(work.path(), "gen/x.go", GO_LEAK);
    write(work.path(), "gen/leaklint.toml", "exclude = [\"x.go\"]\n");
    write(work.path(), "ok.py", "x = 1\n");
    git(&["add", "."]);
    let out = Command::new("pre-commit")
        .args(["run", "--all-files", "--color", "never"])
        .env("PRE_COMMIT_HOME", work.path().join(".pre-commit-home"))
        .current_dir(work.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "the hook must fail on a finding:\n{stdout}"
    );
    assert!(
        stdout.contains("stringified-map-key") && stdout.contains("w.go"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // gen/x.go is excluded by its own folder's configuration.
    assert!(!stdout.contains("x.go:"), "{stdout}");
}
