//! Mutation fuzzing of every frontend and the driver, within `cargo test`: the project's own
//! fixtures, mutated by a seeded generator, analyzed as leaklint analyzes a file. Nothing may
//! panic, report an internal error, abort (that kills the test) or run past its time budget.
//!
//! The seed and the time are fixed (`LEAKLINT_FUZZ_SEED`, `LEAKLINT_FUZZ_SECS`, default 3
//! seconds), so a failure names the seed and the case, and writes the input beside the test
//! binary's temporary files. For a longer run on stable Rust:
//!
//! ```sh
//! LEAKLINT_FUZZ_SECS=600 LEAKLINT_FUZZ_SEED=7 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! A crash found this way (or by the coverage-guided target in `fuzz/`) becomes a case in
//! [`regressions`].

use leaklint::driver::{self, Options};
use leaklint::model::Lang;
use leaklint::rules::RuleSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// xorshift64*: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Fragments that make parsers and lowerers work: brackets, strings, comments, indentation,
/// keywords, suppressions, continuation lines, bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"<",
    b">",
    b"\"",
    b"'",
    b"`",
    b"\"\"\"",
    b"'''",
    b"r#\"",
    b"\"#",
    b"/*",
    b"*/",
    b"//",
    b"#",
    b"\\",
    b"\\\n",
    b"\n",
    b"\n    ",
    b"\n\t\t",
    b"\r\n",
    b"\x0c",
    b":",
    b";",
    b",",
    b".",
    b"?",
    b"!",
    b"&",
    b"*",
    b"=",
    b"->",
    b"=>",
    b"if x:",
    b"else",
    b"else if",
    b"try",
    b"catch",
    b"finally",
    b"with",
    b"defer",
    b"return",
    b"raise",
    b"throw",
    b"goto",
    b"fn",
    b"def",
    b"func",
    b"class",
    b"import",
    b"lambda",
    b"f\"{x}\"",
    b"format!(\"{:?}\", x)",
    b"fmt.Sprintf(\"%v\", ctx)",
    b"open(p)",
    b"close()",
    b"leaklint: ignore[stringified-map-key] why",
    b"leaklint: ignore[]",
    b"\xff\xfe",
    b"\xc3",
    b"\xe2\x82\xac",
    b"\0",
];

/// The fixtures, by language: the seeds the mutations start from.
fn seeds() -> Vec<(Lang, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .collect();
    paths.sort();
    let mut out: Vec<(Lang, Vec<u8>)> = paths
        .iter()
        .filter_map(|p| Some((Lang::from_path(p)?, std::fs::read(p).ok()?)))
        .collect();
    for lang in Lang::ALL {
        assert!(out.iter().any(|(l, _)| *l == lang), "no {lang} fixture");
    }
    out.sort_by_key(|(l, _)| l.key());
    out
}

/// One mutation of `text` (`other` is another seed, for splices).
fn mutate(rng: &mut Rng, text: &mut Vec<u8>, other: &[u8]) {
    let len = text.len();
    let at = rng.below(len + 1);
    match rng.below(9) {
        0 => {
            let t = TOKENS[rng.below(TOKENS.len())];
            text.splice(at..at, t.iter().copied());
        }
        1 if len > 0 => {
            let end = (at + 1 + rng.below(64)).min(len);
            text.drain(at.min(len)..end);
        }
        2 if len > 0 => {
            // Duplicate a span many times: deep nesting, long lists, huge lines.
            let start = at.min(len - 1);
            let end = (start + 1 + rng.below(16)).min(len);
            let piece = text[start..end].to_vec();
            let most = if rng.below(4) == 0 { 2000 } else { 8 };
            let times = 1 + rng.below(most);
            let copies: Vec<u8> = piece
                .iter()
                .copied()
                .cycle()
                .take(piece.len() * times)
                .collect();
            text.splice(start..start, copies);
        }
        3 if !other.is_empty() => {
            let start = rng.below(other.len());
            let end = (start + rng.below(256)).min(other.len());
            text.splice(at..at, other[start..end].iter().copied());
        }
        4 if len > 0 => text.truncate(at),
        5 if len > 0 => {
            let i = at.min(len - 1);
            text[i] ^= 1 << rng.below(8);
        }
        6 => {
            // Indentation, which Python's grammar keeps on a stack.
            let indent = if rng.below(2) == 0 { b' ' } else { b'\t' };
            let n = rng.below(600);
            let mut line = vec![b'\n'];
            line.extend(std::iter::repeat_n(indent, n));
            line.extend_from_slice(b"if x:");
            text.splice(at..at, line);
        }
        7 => {
            let t = TOKENS[rng.below(TOKENS.len())];
            let times = rng.below(1200);
            let run: Vec<u8> = t.iter().copied().cycle().take(t.len() * times).collect();
            text.splice(at..at, run);
        }
        _ => {
            // Swap two lines' worth of text.
            if len > 2 {
                let a = rng.below(len / 2);
                let b = len / 2 + rng.below(len / 2);
                text.swap(a, b);
            }
        }
    }
    // Keep cases small enough that thousands run in a few seconds.
    text.truncate(64 << 10);
}

fn file_name(lang: Lang) -> &'static str {
    match lang {
        Lang::C => "case.c",
        Lang::Go => "case.go",
        Lang::Java => "Case.java",
        Lang::Python => "case.py",
        Lang::Rust => "case.rs",
    }
}

/// Analyzes one input as the driver does a file; returns what went wrong, if anything.
fn analyze_one(lang: Lang, bytes: &[u8], rules: &RuleSet, opts: &Options) -> Option<String> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        driver::analyze_stdin(Path::new(file_name(lang)), bytes, rules, opts)
    }));
    match outcome {
        Err(panic) => Some(format!(
            "panicked: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        )),
        Ok(report) if report.internal_errors > 0 => Some(format!("{:?}", report.warnings)),
        Ok(_) => None,
    }
}

fn save(name: &str, bytes: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Runs `f` on a thread with the stack the driver's workers have.
fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn mutated_sources_never_crash_any_frontend_or_the_driver() {
    let seed: u64 = std::env::var("LEAKLINT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(14);
    let secs: f64 = std::env::var("LEAKLINT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    on_worker_stack(move || {
        // No banner per caught panic: the failure message says it all.
        std::panic::set_hook(Box::new(|_| {}));
        let seeds = seeds();
        let rules = RuleSet::builtin();
        let mut opts = Options {
            prefilter: false,
            ..Options::default()
        };
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let mut cases = 0u64;
        let mut per_lang = [0u64; 5];
        let mut failure = None;
        // At least a few cases per language however slow the machine.
        while cases < 25 || Instant::now() < deadline {
            // Each language in turn, then one of its fixtures at random.
            let lang = &Lang::ALL[cases as usize % Lang::ALL.len()];
            let mine: Vec<&Vec<u8>> = seeds
                .iter()
                .filter(|(l, _)| l == lang)
                .map(|(_, t)| t)
                .collect();
            let seed_text = mine[rng.below(mine.len())];
            let other = &seeds[rng.below(seeds.len())].1;
            let mut text = seed_text.clone();
            for _ in 0..1 + rng.below(6) {
                mutate(&mut rng, &mut text, other);
            }
            // Every so often, with the pre-check on, as users run it; and in small pieces, as
            // a large file is analyzed.
            opts.prefilter = rng.below(4) == 0;
            opts.piece_size = if rng.below(3) == 0 {
                2 << 10
            } else {
                leaklint::frontend::PIECE
            };
            let t = Instant::now();
            if let Some(what) = analyze_one(*lang, &text, &rules, &opts) {
                failure = Some((cases, *lang, text, what));
                break;
            }
            // The parse budget of a 64 KiB file is under 3 s; lowering and checks add little.
            let took = t.elapsed();
            if took > Duration::from_secs(20) {
                failure = Some((cases, *lang, text, format!("took {took:?}")));
                break;
            }
            per_lang[Lang::ALL.iter().position(|l| l == lang).unwrap()] += 1;
            cases += 1;
        }
        let _ = std::panic::take_hook();
        if let Some((case, lang, text, what)) = failure {
            let path = save(&format!("fuzz-{seed}-{case}-{}", file_name(lang)), &text);
            panic!(
                "seed {seed}, case {case} ({lang}): {what}\ninput saved to {}",
                path.display()
            );
        }
        eprintln!("fuzz: seed {seed}: {cases} cases in {secs} s, per language {per_lang:?}");
        assert!(per_lang.iter().all(|&n| n > 0), "{per_lang:?}");
    });
}

/// The driver over a folder of mutated files on several threads: same report each time.
#[test]
fn the_driver_survives_a_tree_of_mutated_files() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = seeds();
    let mut rng = Rng(0x5eed);
    for i in 0..40 {
        let (lang, seed_text) = &seeds[i % seeds.len()];
        let mut text = seed_text.clone();
        for _ in 0..3 {
            let other = rng.below(seeds.len());
            mutate(&mut rng, &mut text, &seeds[other].1);
        }
        std::fs::write(dir.path().join(format!("{i}-{}", file_name(*lang))), text).unwrap();
    }
    let root = dir.path().to_path_buf();
    on_worker_stack(move || {
        let rules = RuleSet::builtin();
        let (files, _) = driver::collect_files(&[root], 2, &[], Path::new("."), false).unwrap();
        assert_eq!(files.len(), 40);
        let runs: Vec<_> = [1, 2]
            .into_iter()
            .map(|threads| {
                let opts = Options {
                    threads,
                    ..Options::default()
                };
                let report = driver::analyze(&files, &rules, &opts);
                assert_eq!(report.internal_errors, 0, "{:?}", report.warnings);
                let found: Vec<_> = report
                    .diagnostics
                    .iter()
                    .map(|d| (d.path.clone(), d.location, d.message.clone()))
                    .collect();
                (found, report.warnings)
            })
            .collect();
        assert_eq!(runs[0], runs[1]);
    });
}

/// Inputs that once crashed, stalled or aborted a run (issue 14, and any the fuzzers find).
#[test]
fn regressions() {
    on_worker_stack(|| {
        let rules = RuleSet::builtin();
        let opts = Options {
            prefilter: false,
            ..Options::default()
        };
        let deep_python: String = (0..600)
            .map(|i| format!("{}if x:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(600)
            + "'a'\n";
        let cases: Vec<(Lang, Vec<u8>)> = vec![
            // SIGABRT in tree-sitter: the Python scanner overran its state buffer.
            (Lang::Python, deep_python.into_bytes()),
            // Rust deeper than syn can take: once skipped whole.
            (
                Lang::Rust,
                format!("fn f() {{ {}x{} }}", "(".repeat(3000), ")".repeat(3000)).into_bytes(),
            ),
        ];
        for (lang, bytes) in cases {
            assert_eq!(analyze_one(lang, &bytes, &rules, &opts), None, "{lang}");
        }
    });
}
