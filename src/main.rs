//! The `leaklint` command.

use clap::{Args, Parser, Subcommand, ValueEnum};
use leaklint::cache::{self, Cache};
use leaklint::config::{self, Config, Configs};
use leaklint::diffbase::Changes;
use leaklint::driver::{self, Options, Render, Report};
use leaklint::model::Lang;
use leaklint::paths::Root;
use leaklint::progress::Progress;
use leaklint::rules::{Rule, RuleSet, Severity};
use leaklint::{baseline, emit};
use std::collections::BTreeMap;
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
/// Exit status: 0 when nothing is found, 1 when something is (see --fail-on), 2 on a usage,
/// configuration or internal error.
#[derive(Parser)]
#[command(name = "leaklint", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
    #[command(flatten)]
    global: GlobalArgs,
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
    /// Run a language server (LSP) on standard input and output, for editors.
    Server,
}

/// Options that apply to every command; they may stand before or after a subcommand.
#[derive(Args)]
struct GlobalArgs {
    /// When to colour human output. `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    color: Color,

    /// Run only these rules (comma-separated ids); replaces the configuration's `select`.
    #[arg(long, value_delimiter = ',', value_name = "RULES", global = true)]
    select: Vec<String>,

    /// Do not run these rules (comma-separated ids); adds to the configuration's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "RULES", global = true)]
    ignore: Vec<String>,

    /// Read configuration from FILE for every file, instead of each file's nearest
    /// leaklint.toml, .leaklint.toml or pyproject.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated", global = true)]
    config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long, global = true)]
    isolated: bool,

    /// Print only the findings: no warnings, summary or progress.
    #[arg(short, long, conflicts_with = "verbose", global = true)]
    quiet: bool,

    /// List every file whose syntax was only partly understood.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when there is an error-level finding.
    Error,
    /// Exit 1 when there is any finding.
    Warning,
    /// Exit 0 whatever is found.
    Never,
}

#[derive(Args)]
struct CheckArgs {
    /// Files or directories to analyze. Directories are walked honouring .gitignore and
    /// skipping hidden entries. (To analyze a directory named `rules`, `explain` or `server`,
    /// write `./rules`.)
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Number of worker threads [default: the number of CPUs].
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// Which findings make the exit status 1.
    #[arg(long, value_enum, value_name = "LEVEL", default_value_t = FailOn::Warning)]
    fail_on: FailOn,

    /// Exit 0 even when there are findings (2 still reports a usage or internal error).
    #[arg(long)]
    exit_zero: bool,

    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record all of today's findings in FILE, and exit 0. With --baseline naming the same
    /// file, refreshes it: fixed findings leave it, the rest stay.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// Report only findings that touch a line changed since this git revision.
    #[arg(long, value_name = "REV")]
    diff_base: Option<String>,

    /// Read one file from standard input, named NAME (its extension picks the language).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,

    /// Neither read nor write the result cache (.leaklint_cache/ at the report root).
    #[arg(long)]
    no_cache: bool,

    /// Skip files larger than this (bytes; K, M and G suffixes accepted).
    #[arg(long, value_name = "SIZE", default_value = "10M", value_parser = parse_size)]
    max_file_size: u64,

    /// Follow symbolic links below the given paths, also out of them (loops are detected).
    #[arg(long)]
    follow_links: bool,

    /// Print, per language, files, bytes, parse and analysis time, and peak memory, to stderr.
    #[arg(long)]
    statistics: bool,

    /// Only parse every file, analyze nothing: the benchmark's baseline.
    #[arg(long)]
    parse_only: bool,

    /// Parse every file, even those that contain none of the literals the rules look for.
    #[arg(long)]
    no_prefilter: bool,

    /// Apply the safe mechanical fixes (such as Go's `defer f.Close()` after the error check)
    /// to the files, then report what remains. With --stdin-filename, print the fixed text.
    #[arg(long, conflicts_with_all = ["diff", "write_baseline"])]
    fix: bool,

    /// Print the safe mechanical fixes as a unified diff instead of the findings; change
    /// nothing. Exits 1 when there is something to fix.
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,
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
        Some(Command::Rules { markdown }) => list_rules(&cli.global, markdown),
        Some(Command::Explain { rule }) => explain(&cli.global, &rule),
        Some(Command::Server) => leaklint::server::run().map(exit_code),
        None => check(cli.check, &cli.global),
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
fn configured_rules(g: &GlobalArgs) -> Result<RuleSet, String> {
    let config = if g.isolated {
        Config::default()
    } else if let Some(file) = &g.config {
        Config::load(file)?
    } else {
        match config::discover(Path::new(".")) {
            Some(file) => Config::load(&file)?,
            None => Config::default(),
        }
    };
    config.rules(&g.select, &g.ignore)
}

fn list_rules(g: &GlobalArgs, markdown: bool) -> Result<ExitCode, String> {
    let rules = configured_rules(g)?;
    if markdown {
        return print(&rules.markdown_table());
    }
    let width = rules.rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut text = String::new();
    for r in &rules.rules {
        let langs: Vec<&str> = r.langs().map(|l| l.key()).collect();
        let langs = if langs.is_empty() {
            "all".to_string()
        } else {
            langs.join(",")
        };
        text.push_str(&format!(
            "{:<width$} {:<8} {:<22} {}\n",
            r.id,
            r.severity.as_str(),
            langs,
            r.summary
        ));
    }
    print(&text)
}

fn explain(g: &GlobalArgs, id: &str) -> Result<ExitCode, String> {
    let rules = configured_rules(g)?;
    let rule = rules
        .get(id)
        .ok_or_else(|| format!("unknown rule `{id}` (see `leaklint rules`)"))?;
    print(&rule.help_markdown())
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn print(text: &str) -> Result<ExitCode, String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the report: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn check(args: CheckArgs, g: &GlobalArgs) -> Result<ExitCode, String> {
    let start = Instant::now();
    let mut configs = if g.isolated {
        Configs::fixed(Config::default())
    } else if let Some(file) = &g.config {
        Configs::fixed(Config::load(file)?)
    } else {
        Configs::discovering()
    };
    let threads = args
        .threads
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let render = (args.format == Format::Human).then(|| match g.color {
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
        ..Options::default()
    };

    // Inputs skipped before analysis: links not followed, special files, unknown languages.
    let mut walk_skipped = 0;
    let mut stdin_bytes = Vec::new();
    let (mut report, files, root, rule_sets) = if let Some(name) = &args.stdin_filename {
        let ci = configs.for_path(name)?;
        let config = configs.get(ci);
        let root = Root::find(
            std::slice::from_ref(name),
            config.file.as_deref().and_then(Path::parent),
        );
        let bytes = &mut stdin_bytes;
        std::io::stdin()
            .read_to_end(bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let rules = config.rules(&g.select, &g.ignore)?;
        if config.excludes_path(name) {
            (Report::default(), 0, root, vec![rules])
        } else {
            let mut report = driver::analyze_stdin(name, bytes, &rules, &opts);
            report
                .diagnostics
                .retain(|d| !config.ignores(name, &d.rule));
            (report, 1, root, vec![rules])
        }
    } else {
        for p in &args.paths {
            if std::fs::symlink_metadata(p).is_err() {
                return Err(format!("`{}` does not exist", p.display()));
            }
        }
        let (report, files, root, rule_sets, skipped) =
            analyze_paths(&args, g, &mut configs, &mut opts)?;
        walk_skipped = skipped;
        (report, files, root, rule_sets)
    };

    // Baselines and diffs see every finding; --write-baseline records them all.
    let all = args
        .write_baseline
        .as_ref()
        .map(|_| report.diagnostics.clone())
        .unwrap_or_default();
    if let Some(file) = &args.baseline {
        baseline::filter(file, &mut report.diagnostics, &root)?;
    }
    if let Some(rev) = &args.diff_base {
        let changes = Changes::since(rev, &root.dir)?;
        report.diagnostics.retain(|d| changes.touches(d, &root));
    }
    if args.fix || args.diff {
        let rules = rule_sets.first().ok_or("no rules")?;
        if let Some(code) = fix_or_diff(&report, &args, g, &stdin_bytes, rules, &opts)? {
            return Ok(code);
        }
        // Files were fixed: report what remains, as a run without --fix would.
        return check(CheckArgs { fix: false, ..args }, g);
    }
    if !g.quiet {
        print_warnings(&report, g.verbose);
        if files == 0 {
            eprintln!(
                "leaklint: warning: no file was analyzed: no C, Go, Java, Python or Rust file under the paths given, or all were excluded"
            );
        }
        if let Some(note) = driver::subset_note(&args.paths, args.stdin_filename.is_some()) {
            eprintln!("{note}");
        }
    }
    if let Some(file) = &args.write_baseline {
        baseline::write(file, &all, &root)?;
        if !g.quiet {
            eprintln!(
                "leaklint: recorded {} finding{} in {}",
                all.len(),
                plural(all.len()),
                file.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }

    if args.format != Format::Human {
        for d in &mut report.diagnostics {
            d.path = root.relative(&d.path);
        }
    }
    // Every rule that could have reported, for SARIF: the first configuration's, then the
    // others' that it lacks.
    let mut rules: Vec<&Rule> = Vec::new();
    for set in &rule_sets {
        for r in &set.rules {
            if !rules.iter().any(|k| k.id == r.id) {
                rules.push(r);
            }
        }
    }
    let text = render_report(&report, &rules, &root, args.format, files, g.quiet)?;
    match &args.output {
        Some(file) => std::fs::write(file, text)
            .map_err(|e| format!("{}: cannot write: {e}", file.display()))?,
        None => {
            print(&text)?;
        }
    }
    if args.statistics {
        print_statistics(&report, start);
    }
    let fails = match args.fail_on {
        _ if args.exit_zero => false,
        FailOn::Never => false,
        FailOn::Warning => !report.diagnostics.is_empty(),
        FailOn::Error => report
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error),
    };
    // Every input was skipped: nothing was checked, which must not pass as clean.
    let nothing_analyzed = report.skipped >= files && report.skipped + walk_skipped > 0;
    if nothing_analyzed {
        eprintln!("leaklint: error: no file was analyzed; every input was skipped (see the warnings above)");
    }
    Ok(if report.internal_errors > 0 || nothing_analyzed {
        ExitCode::from(2)
    } else if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Walks the paths and analyzes each file under its own configuration: the files are grouped
/// by configuration, and each group runs with its rules (and its cache).
fn analyze_paths(
    args: &CheckArgs,
    g: &GlobalArgs,
    configs: &mut Configs,
    opts: &mut Options,
) -> Result<(Report, usize, Root, Vec<RuleSet>, usize), String> {
    // The walk prunes what the configuration over each given path excludes.
    let mut walks: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
    for p in &args.paths {
        walks
            .entry(configs.for_path(p)?)
            .or_default()
            .push(p.clone());
    }
    let first = configs.for_path(&args.paths[0])?;
    let root = Root::find(
        &args.paths,
        configs.get(first).file.as_deref().and_then(Path::parent),
    );
    let mut found = Vec::new();
    let mut warnings = Vec::new();
    for (&ci, paths) in &walks {
        let config = configs.get(ci);
        let (files, w) = driver::collect_files(
            paths,
            opts.threads,
            &config.exclude(),
            &config.dir(),
            args.follow_links,
        )?;
        found.extend(files.into_iter().map(|f| (f, ci)));
        warnings.extend(w);
    }
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    // Each file then answers to its nearest configuration, and to that one's excludes.
    let mut groups: BTreeMap<usize, Vec<(PathBuf, Lang)>> = BTreeMap::new();
    for ((path, lang), walked_with) in found {
        let ci = configs.for_file(&path)?;
        if ci != walked_with && configs.get(ci).excludes_path(&path) {
            continue;
        }
        groups.entry(ci).or_default().push((path, lang));
    }
    let mut rule_sets = BTreeMap::new();
    for &ci in groups.keys() {
        rule_sets.insert(ci, configs.get(ci).rules(&g.select, &g.ignore)?);
    }
    let total: usize = groups.values().map(Vec::len).sum();
    let progress = (!g.quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none())
    .then(|| {
        let done = Arc::new(AtomicUsize::new(0));
        opts.progress = Some(done.clone());
        Progress::start(total, done)
    });
    let use_cache = !args.no_cache && !args.parse_only;
    let mut report = Report::default();
    for (ci, files) in &groups {
        let rules = &rule_sets[ci];
        let config = configs.get(*ci);
        opts.cache = use_cache.then(|| {
            Arc::new(Cache::open(
                &root.dir.join(cache::DIR),
                rules,
                &format!("prefilter={}", opts.prefilter),
            ))
        });
        let mut part = driver::analyze(files, rules, opts);
        if let Some(cache) = opts.cache.take().and_then(|c| Arc::try_unwrap(c).ok()) {
            cache.save();
        }
        part.diagnostics
            .retain(|d| !config.ignores(Path::new(&d.path), &d.rule));
        report.absorb(part);
    }
    if let Some(p) = progress {
        p.finish();
    }
    // Each walk warning is an input skipped: a link not followed, a special file.
    let skipped = warnings.len();
    report.warnings.extend(warnings);
    report.warnings.sort();
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.partial_parses.sort();
    Ok((
        report,
        total,
        root,
        rule_sets.into_values().collect(),
        skipped,
    ))
}

/// `--diff`: prints the fixes as a unified diff. `--fix`: applies them to the files, or, for
/// standard input, prints the fixed text. Returns the exit code, or `None` when files were
/// fixed and the run should go on to report what remains.
fn fix_or_diff(
    report: &Report,
    args: &CheckArgs,
    g: &GlobalArgs,
    stdin: &[u8],
    rules: &RuleSet,
    opts: &Options,
) -> Result<Option<ExitCode>, String> {
    use leaklint::fix::{apply_fixes, unified_diff, Fix};
    // Each file's fixes, in the order of its findings (the report is sorted by path).
    let mut by_path: Vec<(&str, Vec<&Fix>)> = Vec::new();
    for d in &report.diagnostics {
        match by_path.last_mut() {
            Some((p, f)) if *p == d.path => f.extend(&d.fixes),
            _ => by_path.push((&d.path, d.fixes.iter().collect())),
        }
    }
    by_path.retain(|(_, f)| !f.is_empty());

    if let Some(name) = &args.stdin_filename {
        let text = String::from_utf8_lossy(stdin);
        let fixes = by_path.into_iter().flat_map(|(_, f)| f);
        let (fixed, edits, _) = apply_fixes(&text, fixes);
        if args.diff {
            let diff = unified_diff(&driver::display(name), &text, &edits);
            print!("{diff}");
            return Ok(Some(exit_code(diff.is_empty())));
        }
        print!("{fixed}");
        let again = driver::analyze_stdin(name, fixed.as_bytes(), rules, opts);
        return Ok(Some(exit_code(again.diagnostics.is_empty())));
    }

    if args.diff {
        let mut out = String::new();
        for (path, fixes) in &by_path {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
            let (_, edits, _) = apply_fixes(&text, fixes.iter().copied());
            out.push_str(&unified_diff(path, &text, &edits));
        }
        print!("{out}");
        return Ok(Some(exit_code(out.is_empty())));
    }
    let mut fixed = 0;
    for (path, fixes) in &by_path {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
        let (new, _, n) = apply_fixes(&text, fixes.iter().copied());
        std::fs::write(path, new).map_err(|e| format!("{path}: cannot write: {e}"))?;
        fixed += n;
    }
    if !g.quiet {
        eprintln!(
            "leaklint: fixed {fixed} finding{} in {} file{}",
            plural(fixed),
            by_path.len(),
            plural(by_path.len())
        );
    }
    Ok(None)
}

fn exit_code(clean: bool) -> ExitCode {
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn render_report(
    report: &Report,
    rules: &[&Rule],
    root: &Root,
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
        Format::Sarif => json(emit::sarif::to_value(&report.diagnostics, rules, &root.dir)),
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
