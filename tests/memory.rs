//! Memory on one large file: at most 20 times its size. A whole file's syntax tree and model
//! took 35 to 50 times (a 20 MB file, 0.7 to 1.1 GiB); a large file is now analyzed in pieces.
//! Alone in its test binary, so that the process's peak is this test's.

use leaklint::driver::{analyze_stdin, Options};
use leaklint::rules::RuleSet;
use std::path::Path;

/// A line of `/proc/self/status`, in KiB.
#[cfg(target_os = "linux")]
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The Go fixtures, repeated to about `size` bytes, in one file.
fn large_go_file(size: usize) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut one = String::new();
    for rule in [
        "stringified-map-key",
        "unclosed-on-error-path",
        "client-per-call",
    ] {
        let text = std::fs::read_to_string(root.join(rule).join("go.go")).unwrap();
        one.extend(
            text.lines()
                .filter(|l| !l.starts_with("package "))
                .map(|l| format!("{l}\n")),
        );
    }
    let mut out = String::from("package p\n");
    while out.len() < size {
        out.push_str(&one);
    }
    out
}

fn findings(text: &str, piece_size: usize) -> Vec<(String, u32, u32)> {
    let opts = Options {
        piece_size,
        ..Options::default()
    };
    let report = analyze_stdin(
        Path::new("big.go"),
        text.as_bytes(),
        &RuleSet::builtin(),
        &opts,
    );
    assert_eq!(report.warnings, []);
    report
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.clone(),
                d.location.start.line,
                d.location.start.column,
            )
        })
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn a_large_file_takes_at_most_twenty_times_its_size() {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            let text = large_go_file(1 << 20);
            // Pieces report about what the whole file does. (Not exactly: the copies define
            // the same names, which the whole file's analysis conflates and a piece's does not.)
            let small = &text[..text[..160 << 10].rfind("\n}\n").unwrap() + 3];
            let whole = findings(small, usize::MAX / 8).len();
            let pieces = findings(small, 8 << 10).len();
            assert!(whole > 100, "{whole}");
            assert!(
                pieces.abs_diff(whole) * 10 < whole,
                "{pieces} in pieces, {whole} whole"
            );

            // Reset the peak to the present (Linux 4.0 and later), else measure from it.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let before = status_kib("VmHWM:");
            let found = findings(&text, 128 << 10);
            let peak = status_kib("VmHWM:");
            let grew = (peak.saturating_sub(before) * 1024) as usize;
            assert!(
                grew <= 20 * text.len(),
                "peak grew by {} KiB on a {} KiB file ({:.1}×)",
                grew >> 10,
                text.len() >> 10,
                grew as f64 / text.len() as f64
            );
            assert!(found.len() > 1000, "{}", found.len());
        })
        .unwrap()
        .join()
        .unwrap();
}
