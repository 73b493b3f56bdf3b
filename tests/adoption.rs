//! Adopting leaklint in a real repository, as issue 12 found it: diff mode, baselines, report
//! paths, per-file configuration, exit policy, SARIF for GitHub, schemas, and the result cache.
//! Each test reproduces one reported defect.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{findings as found, leaklint_in as run_in, write, Run};

fn leaklint(dir: &Path, args: &[&str]) -> Run {
    run_in(dir, args, "")
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

const GO_LEAK: &str = "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\nfunc f(m map[string]int, ctx context.Context) {\n\tm[fmt.Sprintf(\"%v\", ctx)] = 1\n}\n";

/// Opens a file and closes it; no early return yet.
const GO_OPEN: &str = "package p

import (
\t\"encoding/json\"
\t\"os\"
)

func load(path string) (map[string]int, error) {
\tf, err := os.Open(path)
\tif err != nil {
\t\treturn nil, err
\t}
\tvar c map[string]int
\tjson.NewDecoder(f).Decode(&c)
\tf.Close()
\treturn c, nil
}
";

/// The same, after a change that adds a leaking `return` under the unchanged `os.Open`.
fn go_open_leaking() -> String {
    GO_OPEN.replace(
        "\tjson.NewDecoder(f).Decode(&c)\n",
        "\tif err := json.NewDecoder(f).Decode(&c); err != nil {\n\t\treturn nil, err\n\t}\n",
    )
}

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        repo.git(&["init", "-q"]);
        repo
    }

    fn path(&self) -> PathBuf {
        std::fs::canonicalize(self.dir.path()).unwrap()
    }

    fn git(&self, args: &[&str]) {
        common::git(self.dir.path(), args);
    }

    fn commit(&self) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-qm", "c"]);
    }
}

// ---- diff mode -------------------------------------------------------------------------------

#[test]
fn diff_base_reports_a_leaking_return_added_under_an_unchanged_acquisition() {
    let repo = Repo::new();
    write(&repo.path(), "src/load.go", GO_OPEN);
    repo.commit();
    write(&repo.path(), "src/load.go", go_open_leaking());
    let run = leaklint(&repo.path(), &["--format", "json", "--diff-base", "HEAD"]);
    // The finding sits on the `os.Open` line (9), which did not change; its leaking return did.
    assert_eq!(
        found(&run),
        [("src/load.go".to_string(), 9)],
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
}

#[test]
fn diff_base_reports_a_leak_made_by_removing_a_release() {
    let repo = Repo::new();
    let closed =
        go_open_leaking().replace("\t}\n\tvar c map", "\t}\n\tdefer f.Close()\n\tvar c map");
    write(&repo.path(), "load.go", &closed);
    write(&repo.path(), "other.go", GO_LEAK);
    repo.commit();
    assert_eq!(
        found(&leaklint(&repo.path(), &["--format", "json", "load.go"])),
        []
    );
    write(&repo.path(), "load.go", go_open_leaking());
    // Unrelated lines removed elsewhere do not make an old finding new.
    write(
        &repo.path(),
        "other.go",
        GO_LEAK.replace("package p\n\n", "package p\n"),
    );
    let run = leaklint(&repo.path(), &["--format", "json", "--diff-base", "HEAD"]);
    assert_eq!(found(&run), [("load.go".to_string(), 9)], "{}", run.stderr);
}

#[test]
fn diff_base_is_not_changed_by_git_configuration() {
    let repo = Repo::new();
    write(&repo.path(), "a.go", "package p\n");
    repo.commit();
    write(&repo.path(), "a.go", GO_LEAK);
    for (key, value) in [
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("color.diff", "always"),
        ("color.ui", "always"),
        ("diff.relative", "true"),
        ("diff.external", "false"),
        ("diff.context", "10"),
        ("core.quotePath", "false"),
    ] {
        repo.git(&["config", key, value]);
    }
    let run = leaklint(&repo.path(), &["--format", "json", "--diff-base", "HEAD"]);
    assert_eq!(found(&run), [("a.go".to_string(), 9)], "{}", run.stderr);
}

#[test]
fn diff_base_works_for_any_path_spelling_and_from_any_folder() {
    let repo = Repo::new();
    write(&repo.path(), "pkg/sub/a.go", "package p\n");
    write(&repo.path(), "pkg/sub/old.go", GO_LEAK);
    repo.commit();
    write(&repo.path(), "pkg/sub/a.go", GO_LEAK);
    let abs = repo.path().join("pkg");
    let want = [("pkg/sub/a.go".to_string(), 9)];
    let spellings: [(PathBuf, String); 4] = [
        (repo.path(), abs.display().to_string()),
        (repo.path(), "./pkg/../pkg".into()),
        (repo.path().join("pkg/sub"), ".".into()),
        (repo.path().join("pkg/sub"), "../sub/a.go".into()),
    ];
    for (cwd, arg) in &spellings {
        let run = leaklint(cwd, &["--format", "json", "--diff-base", "HEAD", arg]);
        assert_eq!(
            found(&run),
            want,
            "from {} with {arg}: {}",
            cwd.display(),
            run.stderr
        );
    }
}

#[test]
fn diff_base_handles_spaces_and_non_ascii_names() {
    let repo = Repo::new();
    for name in ["with space.go", "café.go", "quote\"d.go", "tab\tname.go"] {
        write(&repo.path(), name, "package p\n");
    }
    repo.commit();
    for name in ["with space.go", "café.go", "quote\"d.go", "tab\tname.go"] {
        write(&repo.path(), name, GO_LEAK);
    }
    let run = leaklint(&repo.path(), &["--format", "json", "--diff-base", "HEAD"]);
    let mut paths: Vec<String> = found(&run).into_iter().map(|(p, _)| p).collect();
    paths.sort();
    assert_eq!(
        paths,
        ["café.go", "quote\"d.go", "tab\tname.go", "with space.go"],
        "{}",
        run.stderr
    );
}

#[test]
fn diff_base_outside_a_repository_is_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.go", GO_LEAK);
    let run = leaklint(dir.path(), &["--diff-base", "HEAD"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not inside a git work tree"),
        "{}",
        run.stderr
    );
    let repo = Repo::new();
    write(&repo.path(), "a.go", GO_LEAK);
    repo.commit();
    let bad = leaklint(&repo.path(), &["--diff-base", "no-such-rev"]);
    assert_eq!(bad.code, 2);
    assert_eq!(bad.stderr.lines().count(), 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("`no-such-rev` is not a commit"));
}

// ---- baselines -------------------------------------------------------------------------------

#[test]
fn baseline_tells_apart_findings_that_share_a_line() {
    let repo = Repo::new();
    write(&repo.path(), "w.go", GO_LEAK);
    repo.commit();
    let wrote = leaklint(&repo.path(), &["--write-baseline", "base.json"]);
    assert_eq!(wrote.code, 0, "{}", wrote.stderr);
    // A new function above the old one, with the very same line.
    let grown = GO_LEAK.replace(
        "\nfunc f(",
        "\nfunc g(m map[string]int, ctx context.Context) {\n\tm[fmt.Sprintf(\"%v\", ctx)] = 1\n}\n\nfunc f(",
    );
    write(&repo.path(), "w.go", &grown);
    let run = leaklint(
        &repo.path(),
        &["--format", "json", "--baseline", "base.json"],
    );
    assert_eq!(found(&run), [("w.go".to_string(), 9)], "{}", run.stdout);
    let diff = leaklint(
        &repo.path(),
        &[
            "--format",
            "json",
            "--baseline",
            "base.json",
            "--diff-base",
            "HEAD",
        ],
    );
    assert_eq!(found(&diff), [("w.go".to_string(), 9)], "{}", diff.stdout);
}

#[test]
fn baseline_does_not_depend_on_the_working_directory_or_path_spelling() {
    let repo = Repo::new();
    write(&repo.path(), "src/a/w.go", GO_LEAK);
    write(&repo.path(), "src/b/w.go", GO_LEAK);
    let base = repo.path().join("base.json");
    let base = base.to_str().unwrap();
    assert_eq!(leaklint(&repo.path(), &["--write-baseline", base]).code, 0);
    let abs = repo.path().join("src");
    for (cwd, arg) in [
        (repo.path().join("src"), "."),
        (repo.path().join("src/a"), "../"),
        (repo.path(), abs.to_str().unwrap()),
    ] {
        let run = leaklint(&cwd, &["--format", "json", "--baseline", base, arg]);
        assert_eq!(
            found(&run),
            [],
            "from {} with {arg}: {}",
            cwd.display(),
            run.stdout
        );
    }
}

#[test]
fn baseline_refreshed_in_place_keeps_what_is_still_there() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.go", GO_LEAK);
    write(dir.path(), "b.go", GO_LEAK);
    leaklint(dir.path(), &["--write-baseline", "base.json"]);
    // b.go is fixed, c.go is new: the refreshed baseline holds a.go and c.go.
    write(dir.path(), "b.go", "package p\n");
    write(dir.path(), "c.go", GO_LEAK);
    let refresh = leaklint(
        dir.path(),
        &["--baseline", "base.json", "--write-baseline", "base.json"],
    );
    assert_eq!(refresh.code, 0, "{}", refresh.stderr);
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    let paths: Vec<&str> = base["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["a.go", "c.go"]);
    assert_eq!(leaklint(dir.path(), &["--baseline", "base.json"]).code, 0);
    // A baseline of the old format, whose fingerprints hashed the path as given, is refused
    // with what to do.
    write(dir.path(), "old.json", "{\"version\": 1, \"findings\": []}");
    let old = leaklint(dir.path(), &["--baseline", "old.json"]);
    assert_eq!(old.code, 2);
    assert!(old.stderr.contains("--write-baseline"), "{}", old.stderr);
}

#[test]
fn baseline_survives_a_moved_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "old/w.go", GO_LEAK);
    leaklint(dir.path(), &["--write-baseline", "base.json"]);
    std::fs::rename(dir.path().join("old"), dir.path().join("new")).unwrap();
    let run = leaklint(dir.path(), &["--format", "json", "--baseline", "base.json"]);
    assert_eq!(found(&run), [], "{}", run.stdout);
    // A copy beside the moved file is new.
    write(dir.path(), "new/copy.go", GO_LEAK);
    let run = leaklint(dir.path(), &["--format", "json", "--baseline", "base.json"]);
    assert_eq!(
        found(&run),
        [("new/copy.go".to_string(), 9)],
        "{}",
        run.stdout
    );
}

// ---- report paths ----------------------------------------------------------------------------

#[test]
fn machine_formats_name_paths_from_the_repository_root() {
    let repo = Repo::new();
    write(&repo.path(), "svc/api/w.go", GO_LEAK);
    let cwd = repo.path().join("svc");
    let json_run = leaklint(&cwd, &["--format", "json", "api"]);
    assert_eq!(json(&json_run)[0]["path"], "svc/api/w.go");
    let gitlab = leaklint(&cwd, &["--format", "gitlab", "api"]);
    assert_eq!(json(&gitlab)[0]["location"]["path"], "svc/api/w.go");
    let github = leaklint(&cwd, &["--format", "github", "api"]);
    assert!(
        github.stdout.starts_with("::error file=svc/api/w.go,"),
        "{}",
        github.stdout
    );
    let sarif = leaklint(&cwd, &["--format", "sarif", "api"]);
    let log = json(&sarif);
    let loc = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "svc/api/w.go");
    let root = log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(root.ends_with('/') && !root.ends_with("svc/"), "{root}");
    // People read paths as they typed them.
    let human = leaklint(&cwd, &["--color", "never", "api"]);
    assert!(human.stdout.contains("api/w.go:9:4"), "{}", human.stdout);
}

// ---- configuration ---------------------------------------------------------------------------

#[test]
fn each_file_gets_its_nearest_configuration_whatever_the_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/w.go", GO_LEAK);
    write(dir.path(), "b/w.go", GO_LEAK);
    write(
        dir.path(),
        "b/leaklint.toml",
        "ignore = [\"stringified-map-key\"]\n",
    );
    write(dir.path(), "c/deep/w.go", GO_LEAK);
    write(
        dir.path(),
        "c/deep/leaklint.toml",
        "[severity]\nstringified-map-key = \"warning\"\n",
    );
    for args in [["b/w.go", "a/w.go"], ["a/w.go", "b/w.go"]] {
        let run = leaklint(dir.path(), &["--format", "json", args[0], args[1]]);
        assert_eq!(found(&run), [("a/w.go".to_string(), 9)], "{args:?}");
    }
    // A configuration in a subfolder applies to its files in a walk from the top.
    let run = leaklint(dir.path(), &["--format", "json", "."]);
    let sev: Vec<(String, String)> = json(&run)
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        sev,
        [
            ("a/w.go".to_string(), "error".to_string()),
            ("c/deep/w.go".to_string(), "warning".to_string())
        ]
    );
}

#[test]
fn per_file_ignores_and_exit_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/w.go", GO_LEAK);
    write(dir.path(), "tests/w_test.go", GO_LEAK);
    write(
        dir.path(),
        "leaklint.toml",
        "[per-file-ignores]\n\"tests/\" = [\"stringified-map-key\"]\n\"*_gen.go\" = [\"unused-suppression\"]\n",
    );
    let run = leaklint(dir.path(), &["--format", "json"]);
    assert_eq!(found(&run), [("src/w.go".to_string(), 9)]);

    write(
        dir.path(),
        "leaklint.toml",
        "[severity]\nstringified-map-key = \"warning\"\n",
    );
    assert_eq!(leaklint(dir.path(), &[]).code, 1);
    assert_eq!(leaklint(dir.path(), &["--fail-on", "warning"]).code, 1);
    assert_eq!(leaklint(dir.path(), &["--fail-on", "error"]).code, 0);
    assert_eq!(leaklint(dir.path(), &["--fail-on", "never"]).code, 0);
    assert_eq!(leaklint(dir.path(), &["--exit-zero"]).code, 0);
    std::fs::remove_file(dir.path().join("leaklint.toml")).unwrap();
    assert_eq!(leaklint(dir.path(), &["--fail-on", "error"]).code, 1);
    // Usage errors still exit 2.
    assert_eq!(leaklint(dir.path(), &["--exit-zero", "missing/"]).code, 2);

    write(
        dir.path(),
        "leaklint.toml",
        "\n[per-file-ignores]\n\"tests/\" = [\"no-such-rule\"]\n",
    );
    let bad = leaklint(dir.path(), &[]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("leaklint.toml:3:13: per-file-ignores: unknown rule `no-such-rule`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn configuration_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/w.go", GO_LEAK);
    write(
        dir.path(),
        "a/leaklint.toml",
        "\nexclude = [\"ok/\", \"{bad\"]\n",
    );
    let bad = leaklint(dir.path(), &["a"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("a/leaklint.toml:2:19: exclude: bad pattern `{bad`"),
        "{}",
        bad.stderr
    );

    write(dir.path(), "b/w.go", GO_LEAK);
    std::fs::create_dir_all(dir.path().join("b/leaklint.toml")).unwrap();
    let folder = leaklint(dir.path(), &["b"]);
    assert_eq!(folder.code, 2);
    assert!(
        folder.stderr.contains("leaklint.toml: is a folder"),
        "{}",
        folder.stderr
    );

    write(dir.path(), "c/w.go", GO_LEAK);
    write(
        dir.path(),
        "c/pyproject.toml",
        "[project]\nname = \"x\"\n[tool.leaklint]\nignore = [\"stringified-map-key\"\n",
    );
    let malformed = leaklint(dir.path(), &["c"]);
    assert_eq!(malformed.code, 2);
    assert!(
        malformed.stderr.contains("pyproject.toml") && malformed.stderr.contains("line 4"),
        "{}",
        malformed.stderr
    );
    // A pyproject.toml that is not about leaklint is none of its business, even broken.
    write(dir.path(), "d/w.go", GO_LEAK);
    write(dir.path(), "d/pyproject.toml", "[project\n");
    assert_eq!(leaklint(dir.path(), &["d"]).code, 1);
}

#[test]
fn global_options_before_or_after_a_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--color", "never", "rules"][..],
        &["rules", "--color", "never"],
        &["--isolated", "explain", "unused-suppression"],
        &["-q", "rules"],
        &["--select", "unused-suppression", "rules"],
    ] {
        let run = leaklint(dir.path(), args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty());
    }
    let only = leaklint(dir.path(), &["--select", "unused-suppression", "rules"]);
    assert_eq!(only.stdout.lines().count(), 1, "{}", only.stdout);
}

#[test]
fn a_run_that_analyzes_nothing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes/readme.md", "# hi\n");
    let run = leaklint(dir.path(), &["notes"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("no file was analyzed"),
        "{}",
        run.stderr
    );
    assert_eq!(leaklint(dir.path(), &["-q", "notes"]).stderr, "");
}

#[test]
fn stdin_filename_honours_exclude() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leaklint.toml", "exclude = [\"gen/\"]\n");
    let excluded = run_in(
        dir.path(),
        &["--format", "json", "--stdin-filename", "gen/w.go"],
        GO_LEAK,
    );
    assert_eq!((excluded.code, found(&excluded)), (0, vec![]));
    let kept = run_in(
        dir.path(),
        &["--format", "json", "--stdin-filename", "src/w.go"],
        GO_LEAK,
    );
    assert_eq!(found(&kept), [("src/w.go".to_string(), 9)]);
    assert!(json(&kept)[0]["fingerprint"].is_string());
}

// ---- SARIF for GitHub, and every format against its schema ----------------------------------

fn schema(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_valid(schema: &Value, doc: &Value) {
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid:\n{}", errors.join("\n"));
}

/// A tree with findings of several related locations, and a rule pack.
fn findings_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/load.go", go_open_leaking());
    write(dir.path(), "src/key.go", GO_LEAK);
    write(
        dir.path(),
        "pack/describe-key.toml",
        "id = \"describe-key\"\ncheck = \"stringified-key\"\nseverity = \"warning\"\nsummary = \"Map key from Describe()\"\nmessage = \"map key is built from {value}\"\n[docs]\nwhat = \"w\"\nwhy = \"y\"\nfix = \"f\"\n[lang.go]\nstringify = [{ method = \"Describe\" }]\nunstable_types = [\"Job\"]\n",
    );
    write(dir.path(), "leaklint.toml", "rule-packs = [\"pack\"]\n");
    write(
        dir.path(),
        "src/j.go",
        "package p\n\nfunc f(m map[string]int, job *Job) {\n\tm[job.Describe()] = 1\n}\n",
    );
    dir
}

#[test]
fn sarif_meets_github_code_scanning() {
    let dir = findings_tree();
    let run = leaklint(dir.path(), &["--format", "sarif"]);
    let log = json(&run);
    assert_valid(&schema("tests/schemas/sarif-2.1.0.json"), &log);
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        for key in ["shortDescription", "fullDescription"] {
            let n = r[key]["text"].as_str().unwrap().len();
            assert!(n <= 1024, "{id}: {key} is {n} bytes");
        }
        let p = &r["properties"];
        assert!(p["precision"].is_string(), "{id}");
        assert!(p["problem.severity"].is_string(), "{id}");
        assert!(p["tags"].is_array(), "{id}");
        // A rule pack's rule has no page of ours.
        assert_eq!(r.get("helpUri").is_some(), id != "describe-key", "{id}");
    }
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "{}", run.stdout);
    let leak = results
        .iter()
        .find(|r| r["ruleId"] == "unclosed-on-error-path")
        .unwrap();
    let related = leak["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 2);
    let message = leak["message"]["text"].as_str().unwrap();
    for r in related {
        let link = format!("]({})", r["id"]);
        assert!(message.contains(&link), "{link} not in {message}");
    }
    assert!(leak["partialFingerprints"]["primaryLocationLineHash"].is_string());
    // `m[...]` in a message is escaped: only links use brackets.
    let key = results
        .iter()
        .find(|r| r["ruleId"] == "stringified-map-key")
        .unwrap();
    let text = key["relatedLocations"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(!text.contains('[') || text.contains("\\["), "{text}");
}

#[test]
fn gitlab_and_json_reports_meet_their_schemas() {
    let dir = findings_tree();
    // The same finding in two files is two issues: GitLab keeps one per fingerprint.
    write(dir.path(), "src/copy/key.go", GO_LEAK);
    let gitlab = json(&leaklint(dir.path(), &["--format", "gitlab"]));
    assert_valid(&schema("tests/schemas/gitlab-code-quality.json"), &gitlab);
    let mut fps: Vec<&str> = gitlab
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 4);
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 4, "{gitlab:#}");
    let report = json(&leaklint(dir.path(), &["--format", "json"]));
    assert_valid(&schema("schemas/leaklint-json.schema.json"), &report);
    let fps: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 4);
    // The published schema is strict: it rejects what it does not describe.
    let mut bad = report.clone();
    bad[0]["line"] = Value::from("nine");
    let validator =
        jsonschema::validator_for(&schema("schemas/leaklint-json.schema.json")).unwrap();
    assert!(!validator.is_valid(&bad));
}

// ---- the result cache ------------------------------------------------------------------------

/// The `parsed` column of `--statistics`' total row.
fn parsed(run: &Run) -> u64 {
    let total = run
        .stderr
        .lines()
        .find(|l| l.starts_with("total"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    total.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn a_second_run_reads_the_cache_and_changes_are_seen() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        write(dir.path(), &format!("p/w{i}.go"), GO_LEAK);
    }
    let first = leaklint(dir.path(), &["--format", "json", "--statistics"]);
    assert_eq!(parsed(&first), 5);
    let cache = dir.path().join(".leaklint_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    let second = leaklint(dir.path(), &["--format", "json", "--statistics"]);
    assert_eq!(parsed(&second), 0, "{}", second.stderr);
    assert_eq!(first.stdout, second.stdout);
    // An edit is seen; so is a configuration change.
    write(dir.path(), "p/w0.go", "package p\n");
    let third = leaklint(dir.path(), &["--format", "json", "--statistics"]);
    assert_eq!(found(&third).len(), 4);
    write(
        dir.path(),
        "leaklint.toml",
        "[severity]\nstringified-map-key = \"warning\"\n",
    );
    let fourth = leaklint(dir.path(), &["--format", "json", "--statistics"]);
    assert_eq!(parsed(&fourth), 4);
    assert_eq!(json(&fourth)[0]["severity"], "warning");
    // Human output is rendered from the cache too.
    let a = leaklint(dir.path(), &["--color", "never"]);
    let b = leaklint(dir.path(), &["--color", "never"]);
    assert_eq!(a.stdout, b.stdout);
    assert!(a.stdout.contains("m[fmt.Sprintf"), "{}", a.stdout);

    let other = tempfile::tempdir().unwrap();
    write(other.path(), "w.go", GO_LEAK);
    leaklint(other.path(), &["--no-cache"]);
    assert!(!other.path().join(".leaklint_cache").exists());
}

/// A verdict that rests on another file's declarations: the cache keeps each file's own
/// declarations and questions, not a verdict given with the project, so a warm run judges the
/// same way, and an edit of the other file changes the verdict.
#[test]
fn the_cache_keeps_facts_across_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "wal/registry.go",
        "package wal\n\nimport \"fmt\"\n\ntype registry struct{ open map[string]*Segment }\n\n\
         func (r *registry) track(s *Segment) {\n\tr.open[fmt.Sprintf(\"%v\", *s)] = s\n}\n",
    );
    let segment = |field: &str| {
        format!("package wal\n\nimport \"time\"\n\ntype Segment struct {{\n\tPath string\n\t{field}\n}}\n")
    };
    write(dir.path(), "wal/segment.go", segment("Opened time.Time"));
    let first = leaklint(dir.path(), &["--format", "json"]);
    assert_eq!(found(&first).len(), 1, "{}", first.stdout);
    let second = leaklint(dir.path(), &["--format", "json", "--statistics"]);
    assert_eq!(first.stdout, second.stdout);
    // Only the file whose question the project answers is judged again.
    assert_eq!(parsed(&second), 1, "{}", second.stderr);
    write(dir.path(), "wal/segment.go", segment("Seq uint64"));
    let third = leaklint(dir.path(), &["--format", "json"]);
    assert_eq!(found(&third).len(), 0, "{}", third.stdout);
}

// ---- README ----------------------------------------------------------------------------------

#[test]
fn readme_snippets_work_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for line in readme.lines().filter(|l| l.contains("cargo install")) {
        assert!(line.contains("--locked"), "without --locked: {line}");
    }
    for permission in ["contents: read", "actions: read", "security-events: write"] {
        assert!(readme.contains(permission), "workflow lacks {permission}");
    }
    // pre-commit's `rev` is a commit of this repository until a release is tagged.
    let revs: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.trim().strip_prefix("rev: "))
        .collect();
    assert!(!revs.is_empty());
    for rev in revs {
        let rev = rev.split_whitespace().next().unwrap();
        assert!(
            rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()),
            "`rev: {rev}` is not a commit hash"
        );
        let shallow = Command::new("git")
            .args(["rev-parse", "--is-shallow-repository"])
            .current_dir(root)
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"true"));
        // A shallow clone (CI's checkout) may not hold the commit.
        if root.join(".git").exists() && !shallow {
            let known = Command::new("git")
                .args(["cat-file", "-e", &format!("{rev}^{{commit}}")])
                .current_dir(root)
                .status()
                .unwrap();
            assert!(known.success(), "`rev: {rev}` is not a commit here");
        }
    }
}
