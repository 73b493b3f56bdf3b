//! One input: a byte choosing the language (and whether the literal pre-check is on), then the
//! source. It is analyzed as leaklint analyzes a file; a panic, an internal error, an abort or
//! a run past the time budget is a crash. Each crash becomes a case in `tests/fuzz.rs`.
#![no_main]

use leaklint::driver::{analyze_stdin, Options};
use leaklint::rules::RuleSet;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

const NAMES: [&str; 5] = ["f.c", "f.go", "F.java", "f.py", "f.rs"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, source)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(first & 0x7f) % NAMES.len()];
    let opts = Options {
        prefilter: first & 0x80 != 0,
        ..Options::default()
    };
    let source = source.to_vec();
    // The stack leaklint's workers have: parsers and lowering recurse on nesting.
    let report = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || analyze_stdin(Path::new(name), &source, &RULES, &opts))
        .expect("spawn")
        .join()
        .expect("no panic");
    assert_eq!(report.internal_errors, 0, "{:?}", report.warnings);
});
