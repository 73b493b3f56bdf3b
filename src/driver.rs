//! Walks the paths, analyzes each file once on a pool of workers, and gathers a deterministic
//! report: diagnostics and warnings sorted, statistics summed.

use crate::checks::{self, Finding};
use crate::diagnostic::{fingerprint_context, Diagnostic, Label, LineIndex};
use crate::frontend;
use crate::model::Lang;
use crate::model::Span;
use crate::rules::{RuleSet, Severity};
use crate::suppress::{self, Suppression};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Options {
    pub threads: usize,
    /// Files larger than this are skipped with a warning.
    pub max_file_size: u64,
    /// Parse every file and stop: the benchmark's baseline.
    pub parse_only: bool,
    /// Skip files that contain none of the literals the active rules name.
    pub prefilter: bool,
    /// Render diagnostics for people, with or without colour.
    pub render: Option<Render>,
    /// Counts files done, for a progress display.
    pub progress: Option<std::sync::Arc<AtomicUsize>>,
    /// Results of earlier runs, by file content.
    pub cache: Option<std::sync::Arc<crate::cache::Cache>>,
    /// Files of four times this size or more are analyzed in pieces of about this size.
    pub piece_size: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: 1,
            max_file_size: 10 << 20,
            parse_only: false,
            prefilter: true,
            render: None,
            progress: None,
            cache: None,
            piece_size: frontend::PIECE,
        }
    }
}

#[derive(Clone, Copy)]
pub enum Render {
    Plain,
    Color,
}

/// Something that kept a file, or part of it, from being analyzed.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct LangStats {
    pub files: u64,
    pub bytes: u64,
    /// Files handed to the parser (the rest failed every rule's literal pre-check).
    pub parsed: u64,
    /// Parsing and lowering into the model.
    pub parse_time: Duration,
    /// Running the checks.
    pub analysis_time: Duration,
}

#[derive(Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub warnings: Vec<Warning>,
    pub stats: BTreeMap<Lang, LangStats>,
    /// Files where the parser skipped regions it did not understand: `path:line:column`.
    pub partial_parses: Vec<String>,
    /// Files whose analysis hit a bug in leaklint.
    pub internal_errors: usize,
    /// Files not analyzed at all (unreadable, too large, binary, unparsable, over the time
    /// budget, or hit by an internal error); each has a warning.
    pub skipped: usize,
}

impl Report {
    /// Adds another part of the run's report (a worker's, a configuration's) to this one.
    pub fn absorb(&mut self, part: Report) {
        self.diagnostics.extend(part.diagnostics);
        self.warnings.extend(part.warnings);
        self.partial_parses.extend(part.partial_parses);
        self.internal_errors += part.internal_errors;
        self.skipped += part.skipped;
        for (lang, s) in part.stats {
            let t = self.stats.entry(lang).or_default();
            t.files += s.files;
            t.bytes += s.bytes;
            t.parsed += s.parsed;
            t.parse_time += s.parse_time;
            t.analysis_time += s.analysis_time;
        }
    }

    fn warn(&mut self, path: &str, message: String) {
        self.warnings.push(Warning {
            path: path.to_string(),
            message,
        });
    }

    /// Warns that the file is not analyzed at all.
    fn skip(&mut self, path: &str, message: String) {
        self.skipped += 1;
        self.warn(path, message);
    }
}

/// Finds the source files under `paths`, honouring `.gitignore` and skipping hidden entries.
/// Paths named explicitly are kept whatever their name; a named path of no known language is
/// reported.
/// Source files found, and what kept others from being read.
pub type Collected = (Vec<(PathBuf, Lang)>, Vec<Warning>);

/// `exclude` holds gitignore-style globs relative to `exclude_root`.
///
/// Symbolic links below the paths are not followed unless `follow_links` (the walker then
/// reports loops); a link that leads out of the paths gets a warning, one within them is
/// skipped silently since its target is analyzed anyway. A file reached by two spellings
/// (`src` and `./src`, or through a followed link) is analyzed once, under the first spelling
/// in sorted order. FIFOs, sockets and devices get a warning and are never opened.
pub fn collect_files(
    paths: &[PathBuf],
    threads: usize,
    exclude: &[String],
    exclude_root: &Path,
    follow_links: bool,
) -> Result<Collected, String> {
    let found = Mutex::new(Vec::new());
    let warnings = Mutex::new(Vec::new());
    let Some((first, rest)) = paths.split_first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let excluded = Excludes::new(exclude, exclude_root)?;
    let mut builder = ignore::WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    builder
        .hidden(true)
        .git_ignore(true)
        .require_git(false)
        .follow_links(follow_links)
        .threads(threads);
    let roots: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let has_excludes = !exclude.is_empty();
    if has_excludes {
        let excluded = excluded.clone();
        builder.filter_entry(move |e| {
            !excluded.matches(e.path(), e.file_type().is_some_and(|t| t.is_dir()))
        });
    }
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(e) if !e.file_type().is_some_and(|t| t.is_file() || t.is_dir()) => {
                    let skipped = e.file_type().map_or(Some(SPECIAL), |t| {
                        if t.is_symlink() {
                            unfollowed_link(e.path(), &roots)
                        } else {
                            Some(SPECIAL)
                        }
                    });
                    let excluded = has_excludes && excluded.matches_or_parent(e.path());
                    if let (Some(message), false) = (skipped, excluded) {
                        warnings.lock().unwrap().push(Warning {
                            path: display(e.path()),
                            message: message.into(),
                        });
                    }
                }
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file());
                    // The walker prunes excluded folders below the paths it was given, but not
                    // the paths themselves: check files against every parent too, so that a
                    // named folder or file (pre-commit names files) honours the excludes.
                    let skip = is_file && has_excludes && excluded.matches_or_parent(e.path());
                    if is_file && !skip {
                        match Lang::from_path(e.path()) {
                            Some(lang) => found.lock().unwrap().push((e.into_path(), lang)),
                            None if e.depth() == 0 => warnings.lock().unwrap().push(Warning {
                                path: display(e.path()),
                                message: "not a C, Go, Java, Python or Rust file; skipped".into(),
                            }),
                            None => {}
                        }
                    }
                }
                Err(err) => warnings.lock().unwrap().push(walk_warning(err)),
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = found.into_inner().unwrap();
    files.sort();
    files.dedup();
    // The same file under two spellings, or through a followed link: keep the first. (One
    // path walked without following links cannot reach a file twice.)
    if paths.len() > 1 || follow_links {
        let mut seen = std::collections::HashSet::new();
        files.retain(|(p, _)| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())));
    }
    let mut warnings = warnings.into_inner().unwrap();
    warnings.sort();
    warnings.dedup();
    Ok((files, warnings))
}

const SPECIAL: &str = "not a regular file (a FIFO, socket or device); skipped";

/// Why a symbolic link the walk did not follow deserves a warning, if it does: it is broken,
/// or it leads out of the scanned `roots` to a folder or a source file.
fn unfollowed_link(link: &Path, roots: &[PathBuf]) -> Option<&'static str> {
    let Ok(target) = std::fs::canonicalize(link) else {
        return Lang::from_path(link)
            .map(|_| "cannot read: the symbolic link's target does not exist");
    };
    if roots.iter().any(|r| target.starts_with(r)) {
        return None;
    }
    let worth = target.is_dir() || Lang::from_path(link).or(Lang::from_path(&target)).is_some();
    worth.then_some(
        "symbolic link out of the scanned paths; not followed (--follow-links follows it)",
    )
}

/// The configuration's `exclude` globs, in gitignore syntax relative to the configuration file.
#[derive(Clone)]
struct Excludes {
    root: PathBuf,
    globs: std::sync::Arc<ignore::gitignore::Gitignore>,
}

impl Excludes {
    fn new(globs: &[String], root: &Path) -> Result<Excludes, String> {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        let mut b = ignore::gitignore::GitignoreBuilder::new(&root);
        for g in globs {
            b.add_line(None, g)
                .map_err(|e| format!("exclude: bad pattern `{g}`: {e}"))?;
        }
        let globs = b.build().map_err(|e| format!("exclude: {e}"))?;
        Ok(Excludes {
            root,
            globs: std::sync::Arc::new(globs),
        })
    }

    /// The absolute path, when it lies under the configuration's directory.
    fn under_root(&self, p: &Path) -> Option<PathBuf> {
        let abs = std::path::absolute(p).ok()?;
        abs.starts_with(&self.root).then_some(abs)
    }

    fn matches(&self, p: &Path, is_dir: bool) -> bool {
        self.under_root(p)
            .is_some_and(|abs| self.globs.matched(abs, is_dir).is_ignore())
    }

    fn matches_or_parent(&self, p: &Path) -> bool {
        self.under_root(p).is_some_and(|abs| {
            let is_dir = abs.is_dir();
            self.globs
                .matched_path_or_any_parents(&abs, is_dir)
                .is_ignore()
        })
    }
}

fn walk_warning(err: ignore::Error) -> Warning {
    // `ignore` nests the path and the cause; show them as `path: cause`.
    let mut path = String::new();
    let mut err = &err;
    loop {
        match err {
            ignore::Error::WithPath {
                path: p,
                err: inner,
            } => {
                path = display(p);
                err = inner;
            }
            ignore::Error::WithDepth { err: inner, .. }
            | ignore::Error::WithLineNumber { err: inner, .. } => err = inner,
            ignore::Error::Loop { child, .. } => {
                return Warning {
                    path: display(child),
                    message: "symbolic link loop; not followed".into(),
                }
            }
            other => {
                return Warning {
                    path,
                    message: format!("cannot read: {other}"),
                }
            }
        }
    }
}

/// The path as the user wrote it, without a leading `./`, with `/` separators.
pub fn display(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

/// Analyzes `files` on `opts.threads` workers and returns the merged, sorted report.
///
/// Two passes (see [`analyze_project`]); `--parse-only` runs the first alone, parsing only.
pub fn analyze(files: &[(PathBuf, Lang)], rules: &RuleSet, opts: &Options) -> Report {
    if opts.parse_only {
        let per_file = on_workers(files, opts, true, |path, lang, report| {
            analyze_file(path, lang, rules, opts, report, Scope::ParseOnly)
        });
        return merge(per_file.into_iter().map(|(r, _)| r));
    }
    analyze_project(files, rules, opts)
}

// ------------------------------------------------------------------ two passes over a project

/// What pass 1 keeps of a file: its declarations, and the names its checks asked the file's own
/// index about and did not find there.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct Pass1 {
    pub decls: crate::index::FileDecls,
    pub misses: Vec<crate::index::Miss>,
    /// Whether the leak rules looked at the file: the literal pre-check may leave them out of
    /// a file whose only acquisitions are of the project's own resources.
    #[serde(default)]
    pub leaks_checked: bool,
    /// The file's model, encoded, and the size of its source, kept (within [`KEPT_MODELS`])
    /// when its checks asked the project something: if the project answers, pass 2 judges
    /// the model without parsing the file again.
    #[serde(skip)]
    pub unit: Option<KeptModel>,
}

/// A model pass 1 kept for pass 2 ([`crate::model::Unit::encode`]), with the size of the
/// source it was made from.
type KeptModel = (Box<[u8]>, usize);

/// How many bytes the models kept from pass 1 for pass 2 may take, so that memory stays
/// bounded whatever the tree's size. Encoded, a model takes at most about its source's size
/// (half of it in Java, 0.9 in Go; in memory, ten times or more); what is not kept is parsed
/// again.
const KEPT_MODELS: usize = 32 << 20;

/// How a file's checks see the rest of the project.
enum Scope<'a> {
    /// `--parse-only`: parse and stop.
    ParseOnly,
    /// Pass 1: a file a check wants is lowered and summarized, and its checks run against the
    /// file's own index, which records what they could not find there.
    Collect(&'a mut Option<Pass1>),
    /// Pass 2: the checks run against the whole project's index; with `true`, the leak rules
    /// run whatever the literal pre-check says (the file names a project resource). The
    /// model pass 1 kept, if any, is judged instead of parsing the file again.
    Project(&'a crate::index::Index, bool, Option<&'a KeptModel>),
}

/// The whole run over a project, in two passes:
///
/// 1. Every file is read; a file a check wants is lowered once and summarized into its
///    declarations ([`crate::index::summarize`]), and its checks run at once against an index
///    of that file alone, which records each question it could not answer. The tree and the
///    model are dropped; only the summary stays.
/// 2. The files no check wants are searched for closeable classes and for the declarations of
///    what was asked (and, in turn, of what those declarations name); those found are lowered
///    for their declarations only. The summaries are joined into the project index. A file is
///    analyzed again, against it, only if it answers one of the questions the file's checks
///    asked, or if the leak rules skipped it and it calls a project resource's constructor or
///    a function returning one: for every other file the index could not have changed a
///    verdict, and its pass-1 report stands.
///
/// The index is built in path order and a file's verdict depends only on it and the file, so
/// the report is the same for any number of threads. See `docs/model.md`.
fn analyze_project(files: &[(PathBuf, Lang)], rules: &RuleSet, opts: &Options) -> Report {
    let started = Instant::now();
    let kept_bytes = AtomicUsize::new(0);
    let first = on_workers(files, opts, true, |path, lang, report| {
        let mut kept: Option<Pass1> = None;
        analyze_file(path, lang, rules, opts, report, Scope::Collect(&mut kept));
        if let Some(p) = kept.as_mut() {
            let n = p.unit.as_ref().map_or(0, |(m, _)| m.len());
            if n > 0 && kept_bytes.fetch_add(n, Ordering::Relaxed) + n > KEPT_MODELS {
                p.unit = None;
            }
        }
        kept
    });
    if debug_index() {
        let kept = first.iter().filter(|(_, k)| k.is_some()).count();
        let models = first.iter().filter_map(|(_, k)| k.as_ref()?.unit.as_ref());
        let (encoded, source) = models.fold((0, 0), |(e, s), (m, n)| (e + m.len(), s + n));
        eprintln!(
            "index: pass 1 took {:?}, {kept} files summarized, models of {source} bytes of source kept in {encoded} bytes ({} asked)",
            started.elapsed(),
            kept_bytes.load(Ordering::Relaxed)
        );
    }
    let mut reports = Vec::with_capacity(files.len());
    let mut decls = Vec::new();
    let mut redo_candidates = Vec::new();
    let mut unparsed = Vec::new();
    // Files the leak rules did not look at, which may acquire a project resource.
    let mut leaks_unchecked = Vec::new();
    let mut units = HashMap::new();
    for (i, (report, kept)) in first.into_iter().enumerate() {
        match kept {
            Some(p) => {
                if let Some(kept) = p.unit {
                    units.insert(i, kept);
                }
                if !p.misses.is_empty() {
                    redo_candidates.push((i, p.decls.path.clone(), p.misses));
                }
                if !p.leaks_checked {
                    leaks_unchecked.push(i);
                }
                decls.push(p.decls);
            }
            // Not read as source (binary, unreadable, too large) or not parsed.
            None if report.warnings.is_empty() => {
                unparsed.push(files[i].clone());
                leaks_unchecked.push(i);
            }
            None => {}
        }
        reports.push(report);
    }
    // The files no check wanted were not parsed. Those that may declare what the checks asked
    // about (and, in turn, what those declarations name) are parsed now, for their
    // declarations only.
    let mut names: BTreeSet<String> = redo_candidates
        .iter()
        .flat_map(|(_, _, misses)| misses.iter().flat_map(miss_names))
        .collect();
    // A Go name is declared in the package of the file that wrote it (its directory), or in
    // a package named like the qualifier it was written with: other Go files are not read.
    let mut go_dirs: BTreeSet<String> = BTreeSet::new();
    let mut go_packages: BTreeSet<String> = BTreeSet::new();
    for (_, path, misses) in redo_candidates
        .iter()
        .filter(|(_, p, _)| p.ends_with(".go"))
    {
        go_dirs.insert(parent_dir(path).to_string());
        go_packages.extend(misses.iter().filter_map(go_qualifier));
    }
    let mut searched: BTreeSet<String> = BTreeSet::new();
    let mut declaration_time: BTreeMap<Lang, (u64, Duration)> = BTreeMap::new();
    for round in 0..8 {
        // First the Java and Python files that may declare a project resource, whoever
        // asked: a file may acquire one without any literal the leak rules look for.
        let finder = if round == 0 {
            aho_corasick::AhoCorasick::new(CLOSE_DECLARATIONS).ok()
        } else {
            let fresh: Vec<String> = names.difference(&searched).cloned().collect();
            if fresh.is_empty() {
                break;
            }
            searched.extend(fresh.iter().cloned());
            declaration_finder(&fresh)
        };
        if unparsed.is_empty() {
            break;
        }
        let Some(finder) = finder else {
            break;
        };
        let may_declare = |path: &Path, lang: Lang| match lang {
            Lang::Java | Lang::Python => true,
            Lang::Go if round > 0 => {
                let shown = display(path);
                let dir = parent_dir(&shown);
                go_dirs.contains(dir) || go_packages.contains(last_segment_of(dir))
            }
            _ => round > 0,
        };
        let hits = on_workers(&unparsed, opts, false, |path, lang, _| {
            may_declare(path, lang) && std::fs::read(path).is_ok_and(|b| finder.is_match(&b))
        });
        let (hit, rest): (Vec<_>, Vec<_>) =
            unparsed.into_iter().zip(hits).partition(|(_, (_, h))| *h);
        unparsed = rest.into_iter().map(|(f, _)| f).collect();
        let hit: Vec<(PathBuf, Lang)> = hit.into_iter().map(|(f, _)| f).collect();
        let found = on_workers(&hit, opts, false, |path, lang, _| {
            declarations_of(path, lang)
        });
        for ((_, lang), (_, d)) in hit.iter().zip(found) {
            let Some((d, took)) = d else { continue };
            // The files that may declare resources were not asked about: all their types count.
            let asked = (round > 0).then_some(&names);
            let more = declared_names(&d, asked);
            names.extend(more);
            if d.lang == Lang::Go {
                go_dirs.insert(parent_dir(&d.path).to_string());
            }
            let e = declaration_time.entry(*lang).or_default();
            e.0 += 1;
            e.1 += took;
            decls.push(d);
        }
    }
    let searched_at = started.elapsed();
    let mut index = crate::index::Index::build(decls);
    // Files the leak rules did not look at that call a project resource's constructor or a
    // function returning one are judged again with the leak rules; those not yet indexed give
    // the index their declarations first (their imports resolve the call).
    let resources = index.resource_names();
    let calls: Vec<String> = resources.iter().map(|n| format!("{n}(")).collect();
    let mut leak_hits = Vec::new();
    if let Some(finder) = (!calls.is_empty())
        .then(|| aho_corasick::AhoCorasick::new(&calls).ok())
        .flatten()
    {
        let unchecked: Vec<(PathBuf, Lang)> =
            leaks_unchecked.iter().map(|&i| files[i].clone()).collect();
        let hits = on_workers(&unchecked, opts, false, |path, _, _| {
            std::fs::read(path).is_ok_and(|b| finder.is_match(&b))
        });
        leak_hits = leaks_unchecked
            .iter()
            .zip(hits)
            .filter(|(_, (_, hit))| *hit)
            .map(|(&i, _)| i)
            .collect();
        let new: Vec<(PathBuf, Lang)> = leak_hits
            .iter()
            .map(|&i| &files[i])
            .filter(|(p, _)| index.file_of(&display(p)).is_none())
            .cloned()
            .collect();
        if !new.is_empty() {
            let found = on_workers(&new, opts, false, |path, lang, _| {
                declarations_of(path, lang)
            });
            let mut decls = index.into_files();
            decls.extend(found.into_iter().filter_map(|(_, d)| d.map(|(d, _)| d)));
            index = crate::index::Index::build(decls);
        }
    }
    // Judged again: files whose questions the project answers, and the leak hits (`true`).
    let mut redo: BTreeMap<usize, bool> = redo_candidates
        .into_iter()
        .filter(|(_, path, misses)| {
            let answered = index
                .file_of(path)
                .and_then(|f| misses.iter().find(|m| index.answers(f, m)));
            if let (Some(m), true) = (answered, debug_index()) {
                eprintln!("index: {path} judged again: the project answers {m:?}");
            }
            answered.is_some()
        })
        .map(|(i, _, _)| (i, false))
        .collect();
    redo.extend(leak_hits.into_iter().map(|i| (i, true)));
    let redo: Vec<(usize, bool)> = redo.into_iter().collect();
    // Only the models of files judged again are needed now.
    let units: HashMap<&Path, KeptModel> = redo
        .iter()
        .filter_map(|&(i, _)| Some((files[i].0.as_path(), units.remove(&i)?)))
        .collect();
    if debug_index() {
        let fs = index.files();
        let count = |f: &dyn Fn(&crate::index::FileDecls) -> usize| fs.iter().map(f).sum::<usize>();
        eprintln!(
            "index: {:?} to search, {:?} to build; {} files, {} indexed, {} analyzed again ({} from kept models of {} bytes of source); {} types, {} fields, {} functions, {} imports",
            searched_at,
            started.elapsed() - searched_at,
            files.len(),
            fs.len(),
            redo.len(),
            units.len(),
            units.values().map(|(_, n)| n).sum::<usize>(),
            count(&|f| f.types.len()),
            count(&|f| f.types.iter().map(|t| t.fields.len()).sum()),
            count(&|f| f.functions.len()),
            count(&|f| f.imports.len()),
        );
    }
    for (lang, (n, took)) in declaration_time {
        let t = reports
            .first_mut()
            .map(|r| r.stats.entry(lang).or_default());
        if let Some(t) = t {
            t.parsed += n;
            t.parse_time += took;
        }
    }
    if !redo.is_empty() {
        let again_files: Vec<(PathBuf, Lang)> =
            redo.iter().map(|&(i, _)| files[i].clone()).collect();
        let leaks: std::collections::HashSet<&Path> = redo
            .iter()
            .filter(|&&(_, all)| all)
            .map(|&(i, _)| files[i].0.as_path())
            .collect();
        let again = on_workers(&again_files, opts, false, |path, lang, report| {
            let scope = Scope::Project(&index, leaks.contains(path), units.get(path));
            analyze_file(path, lang, rules, opts, report, scope)
        });
        for (&(i, _), (mut r, _)) in redo.iter().zip(again) {
            // Counted once, in pass 1; the time of the second look is added.
            for (lang, s) in std::mem::take(&mut reports[i].stats) {
                let t = r.stats.entry(lang).or_default();
                t.files = s.files;
                t.bytes = s.bytes;
                t.parsed = s.parsed.max(t.parsed);
                t.parse_time += s.parse_time;
                t.analysis_time += s.analysis_time;
            }
            reports[i] = r;
        }
    }
    merge(reports)
}

/// The declarations of a file no check wants, and how long they took to read.
fn declarations_of(path: &Path, lang: Lang) -> Option<(crate::index::FileDecls, Duration)> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let t = Instant::now();
    let unit = std::panic::catch_unwind(|| frontend::lower_declarations(lang, &text))
        .ok()?
        .ok()?;
    let d = crate::index::summarize(&display(path), &unit);
    Some((d, t.elapsed()))
}

/// Whether to say on stderr how the project index was built (`LEAKLINT_DEBUG_INDEX`).
fn debug_index() -> bool {
    std::env::var_os("LEAKLINT_DEBUG_INDEX").is_some()
}

/// The directory part of a shown path (`""` for a bare file name).
fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The last segment of a directory path.
fn last_segment_of(dir: &str) -> &str {
    dir.rsplit('/').next().unwrap_or(dir)
}

/// The package qualifier a Go miss was written with: `wal` of `wal.Segment`.
fn go_qualifier(m: &crate::index::Miss) -> Option<String> {
    use crate::index::Miss;
    match m {
        Miss::Type(t) | Miss::Unstable(t) | Miss::Function(t) => t
            .rsplit_once('.')
            .map(|(q, _)| last_segment_of(q.trim_start_matches(['*', '&'])).to_string()),
        _ => None,
    }
}

/// Text that declares a close method, or a type that is closeable by inheritance: Java's
/// `void close()` and `extends Closeable`, Python's `def close(self`. (A Go function returns
/// a resource only by a summary, from a file the leak rules read anyway.)
const CLOSE_DECLARATIONS: &[&str] = &["void close()", "Closeable", "def close(self"];

/// The simple name a miss asks about.
fn miss_names(m: &crate::index::Miss) -> Vec<String> {
    use crate::index::Miss;
    let last = |t: &str| crate::model::last_segment(t).to_string();
    match m {
        Miss::Type(t) | Miss::Unstable(t) => vec![last(t)],
        // A resource is declared in a file the close round finds, and a function returns or
        // releases one by a summary of a file the leak rules read (their pre-check names the
        // release calls too): nothing more to parse for them.
        Miss::Resource(_) | Miss::Returns(_) | Miss::Releases(_) | Miss::NoThrow(_) => Vec::new(),
        // `Util.open`: the function, or a method of the class `Util`.
        Miss::Function(t) => {
            let mut out = vec![last(t)];
            if let Some((q, _)) = t.rsplit_once(['.', ':']) {
                out.push(last(q));
            }
            out
        }
        Miss::Method { owner, .. } => vec![last(owner)],
    }
}

/// The names a file's declarations refer to that the index's facts follow, for the types
/// that were asked about (`None`: all of them): supertypes and embedded types (resources, text
/// inherited) and a Go struct's field types (its `%v` text). A Go or Rust type's methods
/// declared apart are found with the type, by the receiver patterns of [`declaration_finder`].
/// Other types are not followed: each would pull in more files, and a question about them
/// stays unknown.
fn declared_names(d: &crate::index::FileDecls, asked: Option<&BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for t in &d.types {
        if asked.is_some_and(|a| !a.contains(&*t.name)) {
            continue;
        }
        for r in t.supertypes.iter().chain(&t.embedded).chain(&t.superclass) {
            out.push(r.simple().to_string());
        }
        if d.lang == Lang::Go {
            for (_, ty) in &t.fields {
                out.extend(ty.as_ref().map(|ty| ty.simple().to_string()));
            }
        }
    }
    out.retain(|n| n.len() > 1);
    out
}

/// A search for the text that declares one of `names` in any language (`type X`, `func X(`,
/// a Go receiver `X) `, `class X`, `interface X`, `def X(`, `struct X`, …). It may find more
/// than declarations; it never misses one written the usual way.
fn declaration_finder(names: &[String]) -> Option<aho_corasick::AhoCorasick> {
    let mut pats = Vec::new();
    for n in names.iter().filter(|n| n.len() > 1) {
        for p in [
            format!("type {n}"),
            format!("func {n}"),
            format!(" {n}) "),
            format!("*{n}) "),
            format!("\t{n} "),
            format!("class {n}"),
            format!("interface {n}"),
            format!("enum {n}"),
            format!("record {n}"),
            format!("def {n}"),
            format!("struct {n}"),
            format!("trait {n}"),
            format!("fn {n}"),
        ] {
            pats.push(p);
        }
    }
    if pats.is_empty() {
        return None;
    }
    aho_corasick::AhoCorasick::new(pats).ok()
}

/// The one line that says a run judged files without the rest of their project: when files
/// are named one by one (pre-commit passes the staged files) or read from standard input, the
/// project index holds only those, and facts declared in the other files are unknown.
pub fn subset_note(paths: &[PathBuf], stdin: bool) -> Option<String> {
    if stdin {
        return Some(
            "leaklint: judged standard input with its own declarations only; the rest of the project was not indexed".into(),
        );
    }
    paths.iter().any(|p| p.is_file()).then(|| {
        "leaklint: judged the named files with an index of the paths given only; declarations in the rest of the project were not read (name a folder to index it)".into()
    })
}

/// Runs `f` on every file on `opts.threads` workers, largest files first, and returns each
/// file's report and result in the order of `files`.
fn on_workers<T: Send>(
    files: &[(PathBuf, Lang)],
    opts: &Options,
    count_progress: bool,
    f: impl Fn(&Path, Lang, &mut Report) -> T + Sync,
) -> Vec<(Report, T)> {
    // Largest files first, so that no worker is left with a big file while the others idle;
    // the results are put back in file order, so the order of work does not show.
    let mut order: Vec<(u64, usize)> = files
        .iter()
        .enumerate()
        .map(|(i, (p, _))| (std::fs::metadata(p).map_or(0, |m| m.len()), i))
        .collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let next = AtomicUsize::new(0);
    let threads = opts.threads.clamp(1, files.len().max(1));
    let done: Vec<Vec<(usize, Report, T)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                std::thread::Builder::new()
                    // Parsers and lowering recurse; give them room for deep (if bounded) trees.
                    .stack_size(64 << 20)
                    .spawn_scoped(scope, || {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&(_, k)) = order.get(i) else {
                                break;
                            };
                            let (path, lang) = &files[k];
                            let mut report = Report::default();
                            let t = f(path, *lang, &mut report);
                            out.push((k, report, t));
                            if let (Some(done), true) = (&opts.progress, count_progress) {
                                done.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        out
                    })
                    .expect("spawn a worker thread")
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut all: Vec<(usize, Report, T)> = done.into_iter().flatten().collect();
    all.sort_by_key(|(k, _, _)| *k);
    all.into_iter().map(|(_, r, t)| (r, t)).collect()
}

/// Merges per-file reports into one, sorted, with occurrence numbers in the fingerprints.
fn merge(reports: impl IntoIterator<Item = Report>) -> Report {
    let mut total = Report::default();
    for r in reports {
        total.absorb(r);
    }
    total
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    crate::diagnostic::assign_fingerprints(&mut total.diagnostics);
    total.warnings.sort();
    total.partial_parses.sort();
    total
}

/// Analyzes one file into `report`. A bug in leaklint is caught here, reported, and does not
/// stop the other files.
fn analyze_file(
    path: &Path,
    lang: Lang,
    rules: &RuleSet,
    opts: &Options,
    report: &mut Report,
    scope: Scope,
) {
    let shown = display(path);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze_source(path, &shown, lang, rules, opts, report, scope)
    }));
    if let Err(panic) = outcome {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        report.internal_errors += 1;
        report.skip(
            &shown,
            format!("internal error in leaklint, file skipped: {what}"),
        );
    }
}

/// How much of a file is looked at for a NUL byte to call it binary (as git and ripgrep do).
const BINARY_PROBE: usize = 8 << 10;

fn analyze_source(
    path: &Path,
    shown: &str,
    lang: Lang,
    rules: &RuleSet,
    opts: &Options,
    report: &mut Report,
    scope: Scope,
) {
    let mut warn = |message: String| report.skip(shown, message);
    let size = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) => return warn(format!("cannot read: {e}")),
    };
    if size > opts.max_file_size {
        return warn(format!(
            "skipped: {} exceeds the size limit of {} (--max-file-size)",
            human_bytes(size),
            human_bytes(opts.max_file_size)
        ));
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return warn(format!("cannot read: {e}")),
    };
    match (&opts.cache, scope) {
        (Some(cache), Scope::Collect(kept)) => {
            *kept = cache.analyze(shown, lang, &bytes, opts.render, report, |report| {
                let mut kept = None;
                let scope = Scope::Collect(&mut kept);
                analyze_bytes(shown, lang, &bytes, rules, opts, report, scope);
                kept
            })
        }
        (_, scope) => analyze_bytes(shown, lang, &bytes, rules, opts, report, scope),
    }
}

/// Analyzes text read from standard input as if it were the file `name`.
pub fn analyze_stdin(name: &Path, bytes: &[u8], rules: &RuleSet, opts: &Options) -> Report {
    let mut report = Report::default();
    let shown = display(name);
    match Lang::from_path(name) {
        // Judged with the file's own index: the rest of the project is not read.
        Some(lang) => {
            let mut kept = None;
            let scope = Scope::Collect(&mut kept);
            analyze_bytes(&shown, lang, bytes, rules, opts, &mut report, scope)
        }
        None => report.skip(
            &shown,
            "not a C, Go, Java, Python or Rust file name; nothing analyzed".into(),
        ),
    }
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    crate::diagnostic::assign_fingerprints(&mut report.diagnostics);
    report
}

fn analyze_bytes(
    shown: &str,
    lang: Lang,
    bytes: &[u8],
    rules: &RuleSet,
    opts: &Options,
    report: &mut Report,
    scope: Scope,
) {
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_some() {
        return report.skip(shown, "skipped: binary file".into());
    }
    let mut warn = |message: String| report.warn(shown, message);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => Cow::Borrowed(t),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            warn(format!(
                "not valid UTF-8 (line {line}); analyzed with invalid bytes replaced"
            ));
            String::from_utf8_lossy(bytes)
        }
    };
    let stats = report.stats.entry(lang).or_default();
    stats.files += 1;
    stats.bytes += bytes.len() as u64;
    if opts.parse_only || matches!(scope, Scope::ParseOnly) {
        let t = Instant::now();
        frontend::parse_only(lang, &text);
        stats.parsed += 1;
        stats.parse_time += t.elapsed();
        return;
    }
    let suppressions = suppress::parse(&text, lang);
    let mut wanted: Vec<usize> = if opts.prefilter {
        rules.wanting(lang, text.as_bytes())
    } else {
        (0..rules.rules.len()).collect()
    };
    let is_leak_rule = |i: usize| {
        let r = &rules.rules[i];
        r.check == crate::rules::CheckKind::MustRelease && r.model(lang).is_some()
    };
    if let Scope::Project(_, true, _) = scope {
        wanted.extend((0..rules.rules.len()).filter(|&i| is_leak_rule(i)));
        wanted.sort_unstable();
        wanted.dedup();
    }
    let leaks_checked = wanted.iter().any(|&i| is_leak_rule(i));
    if wanted.is_empty() && suppressions.is_empty() {
        return;
    }
    stats.parsed += 1;
    // A large file is analyzed in pieces, so that memory follows the piece, not the file; the
    // header the pieces share is reported from the first only.
    let pieces = frontend::pieces(lang, &text, opts.piece_size);
    let whole = std::iter::once(0..text.len()).collect::<Vec<_>>();
    let parts: Vec<&[std::ops::Range<usize>]> = if pieces.is_empty() {
        vec![whole.as_slice()]
    } else {
        pieces.iter().map(Vec::as_slice).collect()
    };
    let mut found: Vec<(usize, Finding)> = Vec::new();
    let index = LineIndex::new(&text);
    // Per finding (rule and span): its fixes and the function around it.
    let mut context: HashMap<(usize, Span), (Vec<crate::fix::Fix>, String)> = HashMap::new();
    let mut first_syntax_error: Option<Span> = None;
    let mut truncated_at: Option<Span> = None;
    let mut skipped_pieces = 0;
    let mut piece_warnings = Vec::new();
    let mut summary: Option<crate::index::FileDecls> = None;
    let mut misses = BTreeSet::new();
    let mut whole_unit = None;
    for (k, ranges) in parts.iter().enumerate() {
        let t = Instant::now();
        let kept = match &scope {
            // The same source as pass 1 read, unless the file was written since.
            Scope::Project(_, _, Some((model, n))) if *n == bytes.len() && pieces.is_empty() => {
                crate::model::Unit::decode(model)
            }
            _ => None,
        };
        let lowered = match (kept, pieces.is_empty()) {
            (Some(unit), _) => Ok(unit),
            (None, true) => frontend::lower(lang, &text),
            (None, false) => frontend::lower_part(lang, &text, ranges),
        };
        stats.parse_time += t.elapsed();
        let unit = match lowered {
            Ok(unit) => unit,
            // One piece of a large file: the others stand on their own.
            Err(e) if parts.len() > 1 && (k + 1 < parts.len() || skipped_pieces < k) => {
                let index = LineIndex::new(&text);
                let pos = index.position(e.span.start as usize);
                let (from, to) = (
                    index.position(ranges[1].start).line,
                    index.position(ranges[1].end.saturating_sub(1)).line,
                );
                piece_warnings.push(format!(
                    "{}:{}: cannot parse, lines {from} to {to} skipped: {}",
                    pos.line, pos.column, e.message
                ));
                skipped_pieces += 1;
                continue;
            }
            Err(e) => {
                for message in piece_warnings {
                    report.warn(shown, message);
                }
                let pos = LineIndex::new(&text).position(e.span.start as usize);
                report.skip(
                    shown,
                    format!(
                        "{}:{}: cannot parse, file skipped: {}",
                        pos.line, pos.column, e.message
                    ),
                );
                return;
            }
        };
        // Later pieces repeat the header (ranges[0]): what lies in it came with the first.
        let mine = |s: &Span| k == 0 || s.start as usize >= ranges[0].end;
        let t = Instant::now();
        let mut out = Vec::new();
        match &scope {
            Scope::Project(project, ..) => {
                let ctx = checks::Ctx::new(project, project.file_of(shown));
                checks::run_all(rules, &wanted, &unit, &ctx, &mut out);
            }
            // Pass 1 (or standard input): the piece is summarized and judged by its own index.
            _ => {
                let decls = crate::index::summarize(shown, &unit);
                let own = crate::index::Index::of_file(decls.clone());
                let ctx = checks::Ctx::new(&own, Some(0));
                checks::run_all(rules, &wanted, &unit, &ctx, &mut out);
                misses.extend(ctx.misses());
                let mut decls = decls;
                decls.absorb_facts(ctx.exports());
                match &mut summary {
                    Some(whole) => whole.absorb_piece(decls),
                    None => summary = Some(decls),
                }
            }
        }
        for (i, f) in out.into_iter().filter(|(_, f)| mine(&f.span)) {
            // What needs the piece's model is taken now: the fixes, the function around it.
            let fixes = crate::fix::for_finding(&rules.rules[i], &unit, &text, &index, &f);
            context.insert((i, f.span), (fixes, enclosing_function(&unit, f.span)));
            found.push((i, f));
        }
        stats.analysis_time += t.elapsed();
        let first = unit.syntax_errors.iter().copied().find(|s| mine(s));
        first_syntax_error = earliest(first_syntax_error, first);
        let deep = unit.truncated_at.filter(|s| mine(s));
        truncated_at = earliest(truncated_at, deep);
        if pieces.is_empty() {
            whole_unit = Some(unit);
        }
    }
    for message in piece_warnings {
        report.warn(shown, message);
    }
    if let (Scope::Collect(kept), Some(decls)) = (scope, summary) {
        let misses: Vec<_> = misses.into_iter().collect();
        // Kept for any question, which the project may answer, and where the leak rules did
        // not look: the file may acquire a project resource.
        let unit = whole_unit
            .filter(|_| !misses.is_empty() || !leaks_checked)
            .and_then(|u| u.encode())
            .map(|m| (m.into_boxed_slice(), bytes.len()));
        *kept = Some(Pass1 {
            decls,
            misses,
            leaks_checked,
            unit,
        });
    }
    apply_suppressions(&suppressions, rules, &text, &mut found);

    if first_syntax_error.is_none() && truncated_at.is_none() && found.is_empty() {
        return;
    }
    if let Some(first) = first_syntax_error {
        let p = index.position(first.start as usize);
        report
            .partial_parses
            .push(format!("{shown}:{}:{}", p.line, p.column));
    }
    if let Some(at) = truncated_at {
        let p = index.position(at.start as usize);
        report.warn(
            shown,
            format!(
                "{}:{}: nests deeper than leaklint descends ({} levels, or {} columns of \
                 Python indentation); the deeper part was not analyzed",
                p.line,
                p.column,
                crate::model::MAX_DEPTH,
                frontend::PYTHON_MAX_INDENT
            ),
        );
    }
    let test_file = is_test_path(shown);
    for (i, f) in found {
        let rule = &rules.rules[i];
        // A leak only when a call throws, in a test: the test fails there, and its process or
        // runner reclaims what it held; reporting each would bury the findings that matter. So
        // with what a test's loop defers until it returns: the test ends soon after.
        if f.demoted && test_file {
            continue;
        }
        // Findings the driver adds (suppressions) have no model behind them.
        let (fixes, function) = context.remove(&(i, f.span)).unwrap_or_default();
        let mut d = Diagnostic {
            rule: rule.id.clone(),
            // A demoted finding is at most a warning; a rule the user lowered stays lowered.
            severity: if f.demoted {
                rule.severity.min(Severity::Warning)
            } else {
                rule.severity
            },
            path: shown.to_string(),
            location: index.locate(f.span),
            message: f.message,
            labels: f
                .labels
                .into_iter()
                .map(|(span, message)| Label {
                    location: index.locate(span),
                    message,
                })
                .collect(),
            help: rule.fix_for(lang).to_string(),
            // Completed with the occurrence number once all findings are sorted.
            fingerprint: fingerprint_context(
                index.line_text(index.position(f.span.start as usize).line),
                &function,
            ),
            rendered: None,
            fixes,
        };
        if let Some(render) = opts.render {
            d.rendered = Some(crate::emit::human::render(&d, &text, render));
        }
        report.diagnostics.push(d);
    }
}

/// Whether a path is test code by the conventions of the five languages: a `test`, `tests`,
/// `testing` or `testdata` directory (Maven's `src/test`), or a file named `*_test.go`,
/// `test_*.py`, `*_test.py`, `conftest.py`, `*Test.java`, `*Tests.java` or `*IT.java`.
pub fn is_test_path(path: &str) -> bool {
    let mut parts = path.split(['/', '\\']).peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            let stem = part.rsplit_once('.').map_or(part, |(s, _)| s);
            return part.ends_with("_test.go")
                || part.ends_with(".py")
                    && (stem.starts_with("test_")
                        || stem.ends_with("_test")
                        || stem == "conftest")
                || part.ends_with(".java")
                    && (stem.ends_with("Test") || stem.ends_with("Tests") || stem.ends_with("IT"));
        }
        if matches!(part, "test" | "tests" | "testing" | "testdata") {
            return true;
        }
    }
    false
}

/// The name of the innermost named function around `span`, with those it is nested in
/// (`outer.inner`), for fingerprints; empty at top level.
fn enclosing_function(unit: &crate::model::Unit, span: Span) -> String {
    let inner = unit.function_around(span);
    let mut names = Vec::new();
    let mut at = inner;
    while let Some(f) = at.and_then(|i| unit.functions.get(i)) {
        if !f.name.is_empty() {
            names.push(f.name.as_str());
        }
        // Parents come before their children; anything else would loop.
        at = f.parent.filter(|&p| Some(p) < at);
    }
    names.reverse();
    names.join(".")
}

/// Drops the findings a suppression covers, and adds findings for suppressions that cover
/// nothing or give no reason, when the rules that report those are active.
fn apply_suppressions(
    suppressions: &[Suppression],
    rules: &RuleSet,
    text: &str,
    found: &mut Vec<(usize, Finding)>,
) {
    if suppressions.is_empty() {
        return;
    }
    let index = LineIndex::new(text);
    let mut used = vec![false; suppressions.len()];
    found.retain(|(i, f)| {
        let rule = &rules.rules[*i].id;
        let line = index.position(f.span.start as usize).line;
        let hit = suppressions.iter().position(|s| s.covers(rule, line));
        if let Some(k) = hit {
            used[k] = true;
        }
        hit.is_none()
    });
    let unused = rules.index_of(suppress::UNUSED);
    let unexplained = rules.index_of(suppress::UNEXPLAINED);
    for (s, used) in suppressions.iter().zip(used) {
        let span = Span::new(s.offset, s.offset + s.len);
        // A suppression of a rule that is switched off cannot be judged unused.
        let judged = !s.rules.iter().any(|r| rules.disabled.contains(r));
        if let (Some(i), false, true) = (unused, used, judged) {
            let unknown: Vec<&str> = s
                .rules
                .iter()
                .filter(|r| rules.get(r).is_none())
                .map(String::as_str)
                .collect();
            let message = if unknown.is_empty() {
                format!(
                    "this suppression of `{}` matches no finding on its line or the next",
                    s.rules.join(", ")
                )
            } else {
                format!(
                    "this suppression names no leaklint rule: `{}`",
                    unknown.join(", ")
                )
            };
            found.push((
                i,
                Finding {
                    span,
                    message,
                    labels: Vec::new(),
                    demoted: false,
                },
            ));
        }
        if let (Some(i), true) = (unexplained, s.reason.is_empty()) {
            found.push((
                i,
                Finding {
                    span,
                    message: "this suppression gives no reason".into(),
                    labels: Vec::new(),
                    demoted: false,
                },
            ));
        }
    }
}

fn earliest(a: Option<Span>, b: Option<Span>) -> Option<Span> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1 << 20;
    if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_code_is_known_by_its_path() {
        for p in [
            "pkg/wal/wal_test.go",
            "src/test/java/a/PoolTest.java",
            "a/FooIT.java",
            "tests/unit/helpers.py",
            "pkg/test_cli.py",
            "lib/conftest.py",
            "internal/testing/server.go",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "pkg/wal/wal.go",
            "src/main/java/a/Pool.java",
            "a/Testimony.java",
            "lib/contest.py",
            "latest/x.py",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn a_piece_that_does_not_parse_leaves_the_other_pieces_analyzed() {
        let item = "pub fn count_start(starts: &mut HashMap<String, u32>, started: Instant) {\n    let slot = starts.entry(format!(\"{:?}\", started)).or_insert(0);\n    *slot += 1;\n}\n";
        let mut src = item.repeat(40);
        // A syntax error in the middle: syn refuses the piece it falls in.
        let middle = src.len() / 2;
        let at = middle + src[middle..].find("let slot").unwrap();
        src.insert_str(at, "let = ;");
        let opts = Options {
            piece_size: 4 * item.len(),
            ..Options::default()
        };
        let report = analyze_stdin(
            Path::new("big.rs"),
            src.as_bytes(),
            &RuleSet::builtin(),
            &opts,
        );
        assert_eq!(report.skipped, 0, "{:?}", report.warnings);
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        assert!(
            report.warnings[0]
                .message
                .contains("82:9: cannot parse, lines 81 to 96 skipped"),
            "{:?}",
            report.warnings
        );
        // Ten pieces of four items: the one with the error is lost, the others are reported.
        assert_eq!(report.diagnostics.len(), 36);
    }
}
