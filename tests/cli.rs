//! The command as users run it: exit codes, formats, determinism, and bad input.

use std::path::Path;

mod common;
use common::{write, Run};

/// Runs leaklint in `dir`; it must finish within a minute and not panic.
fn leaklint(args: &[&str], dir: &Path) -> Run {
    common::leaklint_in(dir, args, "")
}

const GO_LEAK: &str = "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\nfunc f(m map[string]int, ctx context.Context) {\n\tm[fmt.Sprintf(\"%v\", ctx)] = 1\n}\n";
const GO_CLEAN: &str = "package p\n\nfunc g(m map[string]int, k string) { m[k] = 1 }\n";

fn json(run: &Run) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.stdout))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean/a.go", GO_CLEAN);
    write(dir.path(), "leaky/b.go", GO_LEAK);
    assert_eq!(leaklint(&["clean"], dir.path()).code, 0);
    let found = leaklint(&["leaky"], dir.path());
    assert_eq!(found.code, 1, "{}", found.stdout);
    let missing = leaklint(&["no-such-dir"], dir.path());
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no-such-dir"), "{}", missing.stderr);
    assert_eq!(leaklint(&["--format", "yaml", "."], dir.path()).code, 2);
    assert_eq!(leaklint(&["--no-such-flag"], dir.path()).code, 2);
    assert_eq!(leaklint(&["--version"], dir.path()).code, 0);
    assert!(leaklint(&["--help"], dir.path())
        .stdout
        .contains("Exit status"));
}

#[test]
fn json_has_one_based_positions_and_related_sites() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.go", GO_LEAK);
    let run = leaklint(&["--format", "json", "."], dir.path());
    let diags = json(&run);
    assert_eq!(diags.len(), 1, "{}", run.stdout);
    let d = &diags[0];
    assert_eq!(d["rule"], "stringified-map-key");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "b.go");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(9), Some(4))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(9), Some(26))
    );
    assert!(d["message"].as_str().unwrap().contains("ctx"));
    assert_eq!(d["related"][0]["line"].as_u64(), Some(9));
    assert!(d["help"].as_str().unwrap().contains("stable identity"));
}

#[test]
fn human_output_is_a_snippet_with_help_and_respects_color_settings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.go", GO_LEAK);
    let plain = leaklint(&["--color", "never"], dir.path());
    assert!(
        plain.stdout.contains("error[stringified-map-key]"),
        "{}",
        plain.stdout
    );
    assert!(plain.stdout.contains("b.go:9:4"), "{}", plain.stdout);
    assert!(
        plain.stdout.contains("help: key the map"),
        "{}",
        plain.stdout
    );
    assert!(!plain.stdout.contains('\u{1b}'));
    let colored = leaklint(&["--color", "always"], dir.path());
    assert!(colored.stdout.contains('\u{1b}'));
    // Piped output is never coloured under `auto`.
    assert!(!leaklint(&[], dir.path()).stdout.contains('\u{1b}'));
}

#[test]
fn help_speaks_the_language_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "A.java",
        "import java.io.*;\nclass A {\n  int first(File f) throws IOException {\n    InputStream in = new FileInputStream(f);\n    return in.read();\n  }\n}\n",
    );
    write(
        dir.path(),
        "a.go",
        "package p\n\nimport \"os\"\n\nfunc size(p string) int64 {\n\tf, err := os.Open(p)\n\tif err != nil {\n\t\treturn 0\n\t}\n\tst, _ := f.Stat()\n\treturn st.Size()\n}\n",
    );
    let run = leaklint(&["--format", "json", "."], dir.path());
    let diags = json(&run);
    let help = |path: &str| {
        diags
            .iter()
            .find(|d| d["path"] == path && d["rule"] == "unreleased-resource")
            .and_then(|d| d["help"].as_str())
            .unwrap_or_else(|| panic!("no leak in {path}: {}", run.stdout))
            .to_string()
    };
    let java = help("A.java");
    assert!(java.contains("try-with-resources"), "{java}");
    assert!(!java.contains("defer"), "{java}");
    let go = help("a.go");
    assert!(go.contains("defer"), "{go}");
    assert!(!go.contains("try-with-resources"), "{go}");
}

#[test]
fn output_is_the_same_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(dir.path(), &format!("d{}/f{i}.go", i % 7), GO_LEAK);
        write(dir.path(), &format!("d{}/g{i}.go", i % 5), GO_CLEAN);
    }
    // Without the cache, or the second run would only replay the first.
    let one = leaklint(&["-j", "1", "--no-cache", "--format", "json"], dir.path());
    let many = leaklint(&["-j", "8", "--no-cache", "--format", "json"], dir.path());
    assert_eq!(json(&one).len(), 40);
    assert_eq!(one.stdout, many.stdout);
}

#[test]
fn gitignored_and_hidden_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", "generated/\n");
    write(dir.path(), "generated/x.go", GO_LEAK);
    write(dir.path(), ".hidden/y.go", GO_LEAK);
    write(dir.path(), "src/z.go", GO_LEAK);
    let diags = json(&leaklint(&["--format", "json"], dir.path()));
    let paths: Vec<_> = diags.iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["src/z.go"]);
}

/// Each bad input gets a clear message, and the good file beside them is still analyzed.
fn assert_still_finds_the_leak(dir: &Path, expect_in_stderr: &[&str]) {
    assert_still_finds_the_leak_with(dir, &[], expect_in_stderr)
}

fn assert_still_finds_the_leak_with(dir: &Path, flags: &[&str], expect_in_stderr: &[&str]) {
    write(dir, "good/leak.go", GO_LEAK);
    let mut args = vec!["--format", "json", "."];
    args.extend(flags);
    let run = leaklint(&args, dir);
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let diags = json(&run);
    assert!(
        diags.iter().any(|d| d["path"] == "good/leak.go"),
        "{}",
        run.stdout
    );
    for needle in expect_in_stderr {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn binary_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bin.c", b"\x7fELF\x00\x00\x01\x02binary");
    assert_still_finds_the_leak(dir.path(), &["bin.c: skipped: binary file"]);
}

#[test]
fn non_utf8_file_is_analyzed_with_replacement() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = b"// caf\xe9 latin-1 comment\n".to_vec();
    text.extend_from_slice(GO_LEAK.as_bytes());
    write(dir.path(), "latin1.go", text);
    let run = leaklint(&["--format", "json", "."], dir.path());
    assert!(
        run.stderr.contains("latin1.go: not valid UTF-8 (line 1)"),
        "{}",
        run.stderr
    );
    // The leak below the bad byte is still found.
    assert!(json(&run).iter().any(|d| d["path"] == "latin1.go"));
}

#[test]
fn rust_syntax_error_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    // It names what a rule looks for, so the pre-check hands it to the parser.
    write(
        dir.path(),
        "broken.rs",
        "fn main() {\n    let x = ;\n    m.insert(format!(\"{:?}\", req), 1);\n}\n",
    );
    assert_still_finds_the_leak(dir.path(), &["broken.rs: 2:13: cannot parse, file skipped"]);
}

#[test]
fn tree_sitter_errors_leave_the_rest_of_the_file_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    // The broken function comes first: analysis resumes after it.
    let src = GO_LEAK.replace("\nfunc f(", "\nfunc broken( { x := }\n\nfunc f(");
    write(dir.path(), "partial.go", src);
    let run = leaklint(&["--format", "json", "-v", "."], dir.path());
    let diags = json(&run);
    assert!(
        diags
            .iter()
            .any(|d| d["path"] == "partial.go" && d["line"] == 11),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("partial.go:8:"), "{}", run.stderr);
    // Without --verbose, one summary line instead of a line per file.
    let quiet = leaklint(&["."], dir.path());
    assert!(
        quiet
            .stderr
            .contains("1 file had syntax the parser did not understand"),
        "{}",
        quiet.stderr
    );
}

#[test]
fn empty_file_is_clean_and_silent() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["e.go", "e.java", "e.py", "e.c", "e.rs"] {
        write(dir.path(), name, "");
    }
    let run = leaklint(&[], dir.path());
    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, "");
}

#[test]
fn unreadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret.go");
    std::fs::write(&path, GO_LEAK).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reads. A dangling link is unreadable for
        // everyone.
        std::fs::remove_file(&path).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("gone.go"), &path).unwrap();
    }
    assert_still_finds_the_leak(dir.path(), &["secret.go", "cannot read"]);
}

#[cfg(unix)]
#[test]
fn symlink_loop() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
    assert_still_finds_the_leak_with(
        dir.path(),
        &["--follow-links"],
        &["a/up: symbolic link loop; not followed"],
    );
}

#[test]
fn deep_nesting_in_every_language() {
    let dir = tempfile::tempdir().unwrap();
    // `--no-prefilter`: these files name no API a rule looks for, and would not be parsed.
    let (open, close) = ("(".repeat(5000), ")".repeat(5000));
    write(
        dir.path(),
        "deep.go",
        format!("package p\nvar x = {open}1{close}\n"),
    );
    write(
        dir.path(),
        "deep.java",
        format!("class A {{ int x = {open}1{close}; }}\n"),
    );
    write(dir.path(), "deep.py", format!("x = {open}1{close}\n"));
    write(dir.path(), "deep.c", format!("int x = {open}1{close};\n"));
    write(
        dir.path(),
        "deep.rs",
        format!("const X: i32 = {open}1{close};\n"),
    );
    assert_still_finds_the_leak_with(
        dir.path(),
        &["--no-prefilter"],
        &[
            "deep.go: 2:",
            "deep.java: 1:",
            "deep.py: 1:",
            "deep.c: 1:",
            "deep.rs: 1:",
        ],
    );
}

#[test]
fn huge_generated_file() {
    let dir = tempfile::tempdir().unwrap();
    let line = "var generated = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}\n";
    let text = format!("package p\n{}", line.repeat(20_000_000 / line.len()));
    write(dir.path(), "huge.go", text);
    assert_still_finds_the_leak(
        dir.path(),
        &["huge.go: skipped: 19.1 MiB exceeds the size limit"],
    );
}

#[test]
fn named_file_of_unknown_language_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "notes.txt", "hello");
    let run = leaklint(&["notes.txt"], dir.path());
    // It was the only input: nothing was analyzed, which is not a clean run.
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("notes.txt: not a C, Go, Java, Python or Rust file"),
        "{}",
        run.stderr
    );
}

#[test]
fn java_annotated_array_types_do_not_hide_the_rest_of_the_file() {
    // tree-sitter-java rejects `byte @NonNull [] @NonNull...` (spring-data-redis uses it).
    let dir = tempfile::tempdir().unwrap();
    let src = "import java.util.Map;\n\
        interface Geo {\n\
        \x20   List<@NonNull String> geoHash(byte @NonNull [] key, byte @NonNull [] @NonNull... members);\n\
        }\n\
        class A {\n\
        \x20   Map<String, Object> seen;\n\
        \x20   void f(HttpServletRequest request) {\n\
        \x20       seen.put(String.valueOf(request), this);\n\
        \x20   }\n\
        }\n";
    write(dir.path(), "A.java", src);
    let run = leaklint(&["--format", "json", "-v", "."], dir.path());
    assert!(run.stderr.contains("A.java:3:"), "{}", run.stderr);
    let diags = json(&run);
    assert!(
        diags
            .iter()
            .any(|d| d["path"] == "A.java" && d["line"] == 8),
        "{}",
        run.stdout
    );
}

#[test]
fn a_leak_only_on_exception_is_a_warning_and_config_still_lowers_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.py",
        "def copy(path):\n    f = open(path)\n    data = f.read()\n    f.close()\n    return data\n\n\
         def first(path):\n    g = open(path)\n    if not g.readable():\n        raise OSError(path)\n    g.close()\n",
    );
    let severities = |run: &Run| -> Vec<(u64, String)> {
        json(run)
            .iter()
            .map(|d| {
                (
                    d["line"].as_u64().unwrap(),
                    d["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let run = leaklint(&["--format", "json", "a.py"], dir.path());
    assert_eq!(
        severities(&run),
        [(2, "warning".to_string()), (8, "error".to_string())],
        "{}",
        run.stdout
    );
    assert!(json(&run)[0]["message"]
        .as_str()
        .unwrap()
        .contains("if `f.read()` raises"));
    write(
        dir.path(),
        "leaklint.toml",
        "[severity]\nunclosed-on-error-path = \"warning\"\n",
    );
    let run = leaklint(&["--format", "json", "a.py"], dir.path());
    assert_eq!(
        severities(&run),
        [(2, "warning".to_string()), (8, "warning".to_string())],
        "{}",
        run.stdout
    );
}

#[test]
fn named_files_are_judged_without_the_rest_of_the_project_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "wal/segment.go",
        "package wal\nimport \"time\"\ntype Segment struct{ Opened time.Time }\n",
    );
    write(
        dir.path(),
        "wal/use.go",
        "package wal\nimport \"fmt\"\nvar m = map[string]int{}\nfunc add(s *Segment) { m[fmt.Sprintf(\"%v\", s)] = 1 }\n",
    );
    let note = "judged the named files with an index of the paths given only";
    // The folder: the declaration in segment.go decides the finding in use.go.
    let whole = leaklint(&["--format", "json", "wal"], dir.path());
    assert_eq!(json(&whole).len(), 1, "{}", whole.stdout);
    assert!(!whole.stderr.contains(note), "{}", whole.stderr);
    // The file alone: the type is unknown, nothing is reported, and the run says why.
    let alone = leaklint(&["--format", "json", "wal/use.go"], dir.path());
    assert_eq!(json(&alone).len(), 0, "{}", alone.stdout);
    assert!(alone.stderr.contains(note), "{}", alone.stderr);
}
