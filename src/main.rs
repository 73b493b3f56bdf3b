//! The `leaklint` command.

use clap::{Parser, ValueEnum};
use leaklint::driver::{self, Options, Render, Report};
use leaklint::emit;
use leaklint::rules::{RuleSet, Severity};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Finds leak-prone patterns (connections, file descriptors, memory) in C, Go, Java, Python and
/// Rust source.
///
/// Exit status: 0 when nothing is found, 1 when something is, 2 on a usage or internal error.
#[derive(Parser)]
#[command(name = "leaklint", version, about, long_about)]
struct Cli {
    /// Files or directories to analyze. Directories are walked honouring .gitignore and
    /// skipping hidden entries.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// When to colour human output. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// Number of worker threads [default: the number of CPUs].
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// Skip files larger than this (bytes; K, M and G suffixes accepted).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    max_file_size: u64,

    /// Print, per language, files, bytes, parse and analysis time, and peak memory, to stderr.
    #[arg(long)]
    statistics: bool,

    /// Only parse every file, analyze nothing: the benchmark's baseline.
    #[arg(long)]
    parse_only: bool,

    /// Parse every file, even those that contain none of the literals the rules look for.
    #[arg(long)]
    no_prefilter: bool,

    /// List every file whose syntax was only partly understood.
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => s.split_at(i),
        None => (s, ""),
    };
    let n: u64 = digits.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn main() -> ExitCode {
    // Panics are caught per file and reported as internal errors; keep the default hook from
    // printing a backtrace banner in the middle of the output.
    std::panic::set_hook(Box::new(|_| {}));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(code) => code,
        Err(_) => {
            eprintln!("leaklint: internal error; please report it");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    let start = Instant::now();
    for p in &cli.paths {
        if std::fs::symlink_metadata(p).is_err() {
            eprintln!("leaklint: error: `{}` does not exist", p.display());
            return ExitCode::from(2);
        }
    }
    let threads = cli
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let render = match cli.format {
        Format::Human => Some(match cli.color {
            Color::Always => Render::Color,
            Color::Never => Render::Plain,
            Color::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                if std::io::stdout().is_terminal() && !no_color {
                    Render::Color
                } else {
                    Render::Plain
                }
            }
        }),
        Format::Json => None,
    };
    let rules = RuleSet::builtin();
    let (files, walk_warnings) = driver::collect_files(&cli.paths, threads);
    let opts = Options {
        threads,
        max_file_size: cli.max_file_size,
        parse_only: cli.parse_only,
        prefilter: !cli.no_prefilter,
        render,
    };
    let mut report = driver::analyze(&files, &rules, &opts);
    report.warnings.extend(walk_warnings);
    report.warnings.sort();

    print_warnings(&report, cli.verbose);
    let written = match cli.format {
        Format::Human => print_human(&report, files.len()),
        Format::Json => {
            let value = emit::json::to_value(&report.diagnostics);
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &value)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
    };
    if cli.statistics {
        print_statistics(&report, start);
    }
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("leaklint: error: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if report.internal_errors > 0 {
        ExitCode::from(2)
    } else if report.diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_warnings(report: &Report, verbose: bool) {
    let mut err = std::io::stderr().lock();
    for w in &report.warnings {
        let _ = writeln!(err, "warning: {}: {}", w.path, w.message);
    }
    let partial = &report.partial_parses;
    if verbose {
        for p in partial {
            let _ = writeln!(err, "warning: {p}: syntax not understood; that region was skipped");
        }
    } else if !partial.is_empty() {
        let _ = writeln!(
            err,
            "warning: {} file{} had syntax the parser did not understand; those regions were skipped (--verbose lists them)",
            partial.len(),
            if partial.len() == 1 { "" } else { "s" }
        );
    }
}

fn print_human(report: &Report, files: usize) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for d in &report.diagnostics {
        if let Some(text) = &d.rendered {
            out.write_all(text.as_bytes())?;
        }
    }
    let n = report.diagnostics.len();
    if n > 0 {
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let in_files = {
            let mut paths: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
            paths.dedup();
            paths.len()
        };
        writeln!(
            out,
            "leaklint: {n} finding{} ({errors} error{}, {} warning{}) in {in_files} of {files} file{}",
            plural(n),
            plural(errors),
            n - errors,
            plural(n - errors),
            plural(files)
        )?;
    }
    out.flush()
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_statistics(report: &Report, start: Instant) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "{:<8} {:>8} {:>8} {:>12} {:>12} {:>12}",
        "language", "files", "parsed", "bytes", "parse ms", "analysis ms"
    );
    let mut total = driver::LangStats::default();
    for (lang, s) in &report.stats {
        let _ = writeln!(
            err,
            "{:<8} {:>8} {:>8} {:>12} {:>12.1} {:>12.1}",
            lang.key(),
            s.files,
            s.parsed,
            s.bytes,
            s.parse_time.as_secs_f64() * 1e3,
            s.analysis_time.as_secs_f64() * 1e3
        );
        total.files += s.files;
        total.parsed += s.parsed;
        total.bytes += s.bytes;
        total.parse_time += s.parse_time;
        total.analysis_time += s.analysis_time;
    }
    let _ = writeln!(
        err,
        "{:<8} {:>8} {:>8} {:>12} {:>12.1} {:>12.1}",
        "total",
        total.files,
        total.parsed,
        total.bytes,
        total.parse_time.as_secs_f64() * 1e3,
        total.analysis_time.as_secs_f64() * 1e3
    );
    let _ = writeln!(
        err,
        "wall time {:.3} s; peak memory {}",
        start.elapsed().as_secs_f64(),
        peak_memory().map_or("unknown".into(), |kib| format!("{:.1} MiB", kib as f64 / 1024.0))
    );
}

/// Peak resident set size in KiB, where the OS tells it (Linux).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
