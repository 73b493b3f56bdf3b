//! No file can abort, stall or blind a run: each case that once did, as a regression test. Each
//! hostile file sits beside a file with a known finding, which must still be reported.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{findings, write, Run};

/// Runs leaklint in `dir`; fails if it takes over a minute or dies of a signal (an abort).
fn leaklint(args: &[&str], dir: &Path) -> Run {
    common::leaklint_in(dir, args, "")
}

const GO_LEAK: &str = "package p\n\nimport (\n\t\"context\"\n\t\"fmt\"\n)\n\nfunc f(m map[string]int, ctx context.Context) {\n\tm[fmt.Sprintf(\"%v\", ctx)] = 1\n}\n";

/// Runs on `dir` (with `good/leak.go` added) and checks that the run ends with the leak
/// reported and each of `expect` in the warnings.
fn assert_leak_still_found(dir: &Path, flags: &[&str], expect: &[&str]) -> Run {
    write(dir, "good/leak.go", GO_LEAK);
    let mut args = vec!["--format", "json"];
    args.extend(flags);
    args.push(".");
    let run = leaklint(&args, dir);
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        findings(&run).contains(&("good/leak.go".into(), 9)),
        "{}",
        run.stdout
    );
    for needle in expect {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            run.stderr
        );
    }
    run
}

#[test]
fn deep_python_indentation_does_not_abort_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // 600 levels, one space each, with a string open at the bottom: the grammar's scanner
    // overran tree-sitter's 1 KiB state buffer and the process died of SIGABRT.
    let mut deep: String = (0..600)
        .map(|i| format!("{}if x:\n", " ".repeat(i)))
        .collect();
    deep.push_str(&format!("{}y = f\"{{a}}\" + 'b'\n", " ".repeat(600)));
    // What comes after the deep part is still analyzed.
    deep.push_str("def first_line(path):\n    f = open(path)\n    line = f.readline()\n    if not line:\n        raise EmptyFile(path)\n    f.close()\n    return line\n");
    write(dir.path(), "deep.py", &deep);
    // Tabs count eight columns; backslash-continued blank lines add up.
    let tabs: String = (0..200)
        .map(|i| format!("{}if x:\n", "\t".repeat(i)))
        .collect();
    write(dir.path(), "tabs.py", tabs + &"\t".repeat(200) + "'a'\n");
    let cont: String = (0..600).map(|_| " \\\n").collect();
    write(dir.path(), "cont.py", format!("if x:\n{cont}  'a'\n"));
    let run = assert_leak_still_found(
        dir.path(),
        &["--no-prefilter"],
        &[
            "deep.py: ",
            "tabs.py: ",
            "nests deeper than leaklint descends",
        ],
    );
    let line = deep.lines().position(|l| l.contains("open(path)")).unwrap() as u64 + 1;
    assert!(
        findings(&run).contains(&("deep.py".into(), line)),
        "{}",
        run.stdout
    );
}

#[test]
fn a_file_that_makes_the_parser_quadratic_stops_at_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    // Quadratic in the parser: at 30 KB each took one to ten seconds, depending on the
    // machine, close to its budget; at 120 KB each takes far longer than its 3.2 s.
    write(
        dir.path(),
        "imports.go",
        format!("package p\nimport ({})\n", "x, ".repeat(40_000)),
    );
    write(
        dir.path(),
        "Imports.java",
        format!("import {};\nclass A {{}}\n", "x, ".repeat(40_000)),
    );
    let run = assert_leak_still_found(
        dir.path(),
        &["--no-prefilter"],
        &[
            "imports.go: 2:",
            "Imports.java: 1:",
            "longer than its time budget",
        ],
    );
    // Unbounded, each would take minutes; `leaklint` fails the test past one. (Wall time on a
    // busy machine says little: the budget counts processor time.)
    assert!(run.took < Duration::from_secs(60), "took {:?}", run.took);
}

#[test]
fn rust_nested_too_deep_for_syn_is_analyzed_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 5000;
    let src = format!(
        "fn deep() {{ let x = {}1{}; }}\n\npub fn count_start(starts: &mut HashMap<String, u32>, started: Instant) {{\n    let slot = starts.entry(format!(\"{{:?}}\", started)).or_insert(0);\n    *slot += 1;\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    write(dir.path(), "deep.rs", src);
    let run = assert_leak_still_found(dir.path(), &[], &["deep.rs: 1:", "nests deeper"]);
    // The finding after the deep part: the file was not skipped whole.
    assert!(
        findings(&run).contains(&("deep.rs".into(), 4)),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_scanned_paths_are_not_followed_unless_asked() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    write(&outside, "leak.go", GO_LEAK);
    let root = dir.path().join("root");
    write(&root, "clean.go", "package p\n");
    symlink(&outside, root.join("outdir")).unwrap();
    symlink(outside.join("leak.go"), root.join("outfile.go")).unwrap();
    // A loop, followed only with --follow-links.
    symlink("..", root.join("up")).unwrap();
    let run = leaklint(&["--format", "json", "."], &root);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for link in ["outdir", "outfile.go"] {
        assert!(
            run.stderr
                .contains(&format!("{link}: symbolic link out of the scanned paths")),
            "{}",
            run.stderr
        );
    }
    let run = leaklint(&["--format", "json", "--follow-links", "."], &root);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // One finding: the file reached through two links is analyzed once.
    assert_eq!(findings(&run), [("outdir/leak.go".to_string(), 9)]);
    assert!(
        run.stderr.contains("up: symbolic link loop"),
        "{}",
        run.stderr
    );
    // A path named on the command line is followed.
    let run = leaklint(&["--format", "json", "outdir"], &root);
    assert_eq!(findings(&run), [("outdir/leak.go".to_string(), 9)]);
}

#[test]
fn the_same_file_under_two_spellings_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "t4/f.go", GO_LEAK);
    write(dir.path(), "f.go", GO_LEAK);
    let run = leaklint(
        &[
            "--format", "json", "t4", "./t4", "t4/f.go", "f.go", "./f.go",
        ],
        dir.path(),
    );
    assert_eq!(
        findings(&run),
        [("f.go".to_string(), 9), ("t4/f.go".to_string(), 9)]
    );
}

#[cfg(unix)]
#[test]
fn special_files_get_a_warning_and_are_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.go");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("no mkfifo here; skipped");
        return;
    }
    // Opening a FIFO for reading would block the run for ever.
    assert_leak_still_found(dir.path(), &[], &["pipe.go: not a regular file"]);
    let run = leaklint(&["pipe.go"], dir.path());
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_run_where_every_input_was_skipped_fails() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "leak.go", GO_LEAK);
    write(dir.path(), "bin.go", b"\x00\x01binary");
    let cases: [&[&str]; 3] = [
        &["--max-file-size", "10", "leak.go"],
        &["bin.go"],
        &["--max-file-size", "10", "."],
    ];
    for args in cases {
        let run = leaklint(args, dir.path());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("no file was analyzed"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // One file analyzed is a run like any other.
    let run = leaklint(&["--max-file-size", "1K", "."], dir.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
}
