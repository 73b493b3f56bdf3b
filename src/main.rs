//! The `leaklint` command.

use clap::{Args, Parser, Subcommand, ValueEnum};
use leaklint::config::{self, Config};
use leaklint::diffbase::Changes;
use leaklint::driver::{self, Options, Render, Report};
use leaklint::progress::Progress;
use leaklint::rules::{RuleSet, Severity};
use leaklint::{baseline, emit};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

// The model is many small boxes, strings and vectors, built and dropped once per file on
// every worker: glibc's allocator spent as much time on them as lowering itself.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Instant;

/// Finds leak-prone patterns (connections, file descriptors, memory) in C, Go, Java, Python and
/// Rust source.
///
/// Exit status: 0 when nothing is found, 1 when something is, 2 on a usage or internal error.
#[derive(Parser)]
#[command(
    name = "leaklint",
    version,
    about,
    long_about,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// List every rule with its severity and languages.
    Rules {
        /// Print the table as Markdown (as in the README).
        #[arg(long)]
        markdown: bool,
    },
    /// Print a rule's documentation: what it finds, why, how to fix it, examples.
    Explain { rule: String },
}

#[derive(Args)]
struct CheckArgs {
    /// Files or directories to analyze. Directories are walked honouring .gitignore and
    /// skipping hidden entries. (To analyze a directory named `rules` or `explain`, write
    /// `./rules`.)
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// When to colour human output. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,

    /// Number of worker threads [default: the number of CPUs].
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// Run only these rules (comma-separated ids); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,

    /// Do not run these rules (comma-separated ids); adds to the configuration's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,

    /// Read configuration from FILE instead of discovering leaklint.toml, .leaklint.toml or
    /// pyproject.toml from the first path upward.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long)]
    isolated: bool,

    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record today's findings in FILE, and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Report only findings on lines changed since this git revision.
    #[arg(long, value_name = "REV")]
    diff_base: Option<String>,

    /// Read one file from standard input, named NAME (its extension picks the language).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,

    /// Skip files larger than this (bytes; K, M and G suffixes accepted).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    max_file_size: u64,

    /// Print, per language, files, bytes, parse and analysis time, and peak memory, to stderr.
    #[arg(long)]
    statistics: bool,

    /// Print only the findings: no warnings, summary or progress.
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,

    /// List every file whose syntax was only partly understood.
    #[arg(short, long)]
    verbose: bool,

    /// Only parse every file, analyze nothing: the benchmark's baseline.
    #[arg(long)]
    parse_only: bool,

    /// Parse every file, even those that contain none of the literals the rules look for.
    #[arg(long)]
    no_prefilter: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
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
    // printing a banner in the middle of the output.
    std::panic::set_hook(Box::new(|_| {}));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = std::panic::catch_unwind(|| match cli.command {
        Some(Command::Rules { markdown }) => list_rules(markdown),
        Some(Command::Explain { rule }) => explain(&rule),
        None => check(cli.check),
    });
    match outcome {
        Ok(Ok(code)) => code,
        Ok(Err(message)) => {
            eprintln!("leaklint: error: {message}");
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!("leaklint: internal error; please report it");
            ExitCode::from(2)
        }
    }
}

/// The rules as configured for the current directory.
fn configured_rules() -> Result<RuleSet, String> {
    let config = match config::discover(Path::new(".")) {
        Some(file) => Config::load(&file)?,
        None => Config::default(),
    };
    config.rules(&[], &[])
}

fn list_rules(markdown: bool) -> Result<ExitCode, String> {
    let rules = configured_rules()?;
    if markdown {
        print!("{}", rules.markdown_table());
        return Ok(ExitCode::SUCCESS);
    }
    let width = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &rules.rules {
        let langs: Vec<&str> = r.langs().map(|l| l.key()).collect();
        let langs = if langs.is_empty() {
            "all".to_string()
        } else {
            langs.join(",")
        };
        println!(
            "{:<width$} {:<8} {:<22} {}",
            r.id,
            r.severity.as_str(),
            langs,
            r.summary
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn explain(id: &str) -> Result<ExitCode, String> {
    let rules = configured_rules()?;
    let rule = rules
        .get(id)
        .ok_or_else(|| format!("unknown rule `{id}` (see `leaklint rules`)"))?;
    print!("{}", rule.help_markdown());
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode, String> {
    let start = Instant::now();
    let config = if args.isolated {
        Config::default()
    } else if let Some(file) = &args.config {
        Config::load(file)?
    } else {
        let from = args
            .stdin_filename
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(&args.paths[0]);
        match config::discover(from) {
            Some(file) => Config::load(&file)?,
            None => Config::default(),
        }
    };
    let rules = config.rules(&args.select, &args.ignore)?;
    let threads = args
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let render = (args.format == Format::Human).then(|| match args.color {
        Color::Always => Render::Color,
        Color::Never => Render::Plain,
        Color::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if to_terminal && !no_color {
                Render::Color
            } else {
                Render::Plain
            }
        }
    });
    let mut opts = Options {
        threads,
        max_file_size: args.max_file_size,
        parse_only: args.parse_only,
        prefilter: !args.no_prefilter,
        render,
        progress: None,
    };

    let (mut report, files) = if let Some(name) = &args.stdin_filename {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        (driver::analyze_stdin(name, &bytes, &rules, &opts), 1)
    } else {
        for p in &args.paths {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(format!("`{}` does not exist", p.display()));
            }
        }
        let (files, walk_warnings) =
            driver::collect_files(&args.paths, threads, config.exclude(), &config.dir())?;
        let progress =
            (!args.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none())
                .then(|| {
                    let done = Arc::new(AtomicUsize::new(0));
                    opts.progress = Some(done.clone());
                    Progress::start(files.len(), done)
                });
        let mut report = driver::analyze(&files, &rules, &opts);
        if let Some(p) = progress {
            p.finish();
        }
        report.warnings.extend(walk_warnings);
        report.warnings.sort();
        (report, files.len())
    };

    if let Some(file) = &args.baseline {
        baseline::filter(file, &mut report.diagnostics)?;
    }
    if let Some(rev) = &args.diff_base {
        let changes = Changes::since(rev)?;
        report.diagnostics.retain(|d| changes.touches(d));
    }
    if !args.quiet {
        print_warnings(&report, args.verbose);
        if let Some(note) = driver::subset_note(&args.paths, args.stdin_filename.is_some()) {
            eprintln!("{note}");
        }
    }
    if let Some(file) = &args.write_baseline {
        baseline::write(file, &report.diagnostics)?;
        if !args.quiet {
            eprintln!(
                "leaklint: recorded {} finding{} in {}",
                report.diagnostics.len(),
                plural(report.diagnostics.len()),
                file.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }

    let text = render_report(&report, &rules, args.format, files, args.quiet)?;
    match &args.output {
        Some(file) => std::fs::write(file, text)
            .map_err(|e| format!("{}: cannot write: {e}", file.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(format!("cannot write the report: {e}"));
                }
            }
        }
    }
    if args.statistics {
        print_statistics(&report, start);
    }
    Ok(if report.internal_errors > 0 {
        ExitCode::from(2)
    } else if report.diagnostics.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn render_report(
    report: &Report,
    rules: &RuleSet,
    format: Format,
    files: usize,
    quiet: bool,
) -> Result<String, String> {
    let json = |v: serde_json::Value| {
        serde_json::to_string_pretty(&v)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string())
    };
    match format {
        Format::Human => Ok(human(report, files, quiet)),
        Format::Json => json(emit::json::to_value(&report.diagnostics)),
        Format::Gitlab => json(emit::gitlab::to_value(&report.diagnostics)),
        Format::Github => Ok(emit::github::render(&report.diagnostics)),
        Format::Sarif => {
            let root = std::env::current_dir()
                .map_err(|e| format!("cannot read the current directory: {e}"))?;
            json(emit::sarif::to_value(&report.diagnostics, rules, &root))
        }
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
            let _ = writeln!(
                err,
                "warning: {p}: syntax not understood; that region was skipped"
            );
        }
    } else if !partial.is_empty() {
        let _ = writeln!(
            err,
            "warning: {} file{} had syntax the parser did not understand; those regions were skipped (--verbose lists them)",
            partial.len(),
            plural(partial.len())
        );
    }
}

fn human(report: &Report, files: usize, quiet: bool) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        if let Some(text) = &d.rendered {
            out.push_str(text);
        }
    }
    let n = report.diagnostics.len();
    if n > 0 && !quiet {
        let errors = report
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let mut paths: Vec<&str> = report.diagnostics.iter().map(|d| d.path.as_str()).collect();
        paths.dedup();
        out.push_str(&format!(
            "leaklint: {n} finding{} ({errors} error{}, {} warning{}) in {} of {files} file{}\n",
            plural(n),
            plural(errors),
            n - errors,
            plural(n - errors),
            paths.len(),
            plural(files)
        ));
    }
    out
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
    let row = |err: &mut std::io::StderrLock, name: &str, s: &driver::LangStats| {
        let _ = writeln!(
            err,
            "{:<8} {:>8} {:>8} {:>12} {:>12.1} {:>12.1}",
            name,
            s.files,
            s.parsed,
            s.bytes,
            s.parse_time.as_secs_f64() * 1e3,
            s.analysis_time.as_secs_f64() * 1e3
        );
    };
    let _ = writeln!(
        err,
        "{:<8} {:>8} {:>8} {:>12} {:>12} {:>12}",
        "language", "files", "parsed", "bytes", "parse ms", "analysis ms"
    );
    let mut total = driver::LangStats::default();
    for (lang, s) in &report.stats {
        row(&mut err, lang.key(), s);
        total.files += s.files;
        total.parsed += s.parsed;
        total.bytes += s.bytes;
        total.parse_time += s.parse_time;
        total.analysis_time += s.analysis_time;
    }
    row(&mut err, "total", &total);
    let _ = writeln!(
        err,
        "wall time {:.3} s; peak memory {}",
        start.elapsed().as_secs_f64(),
        peak_memory().map_or("unknown".into(), |kib| format!(
            "{:.1} MiB",
            kib as f64 / 1024.0
        ))
    );
}

/// Peak resident set size in KiB, where the OS tells it (Linux).
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
