//! `leaklint server`: a Language Server Protocol server over standard input and output.
//!
//! One thread runs the loop: it reads messages, keeps the open buffers, and analyzes a buffer
//! with the same driver entry point as `--stdin-filename` ([`driver::analyze_stdin`]) when it
//! is opened or saved, and a short pause ([`DEBOUNCE`]) after the last change. Each buffer is
//! analyzed on its own, with an index of its own declarations only (the project index of the
//! command line, `docs/model.md`, is not built here yet), so nothing ever waits for a pass over
//! the project; the server says so once on standard error when it starts.
//!
//! - **Diagnostics**: severity, the rule id as `code`, `codeDescription` linking the rule's
//!   docs, related sites as `relatedInformation`; an empty list when the buffer is closed.
//! - **Code actions**: each safe mechanical fix of [`crate::fix`], a suppression comment with a
//!   placeholder reason, and `source.fixAll.leaklint` for every safe fix of the buffer.
//! - **Configuration**: found as the command line finds it ([`rules_for`]); re-read when the
//!   file changes (its modification time is checked before each analysis, and the server asks
//!   the editor to report changes to configuration files so that open buffers are re-analyzed).
//! - **Robustness**: a buffer that does not parse, a configuration error, or a panic inside an
//!   analysis is logged to standard error (and, for configuration errors, shown to the user);
//!   the server carries on.

use crate::config::{self, Config};
use crate::diagnostic::Diagnostic;
use crate::driver::{self, Options};
use crate::fix::{self, Edit};
use crate::model::Lang;
use crate::rules::{RuleSet, Severity};
use crate::suppress;
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// How long after the last change a buffer is analyzed: long enough to let a burst of
/// keystrokes settle, short enough to stay well inside the 200 ms budget for a 2,000-line file.
pub const DEBOUNCE: Duration = Duration::from_millis(50);

/// The code action kind of "apply every safe fix of this buffer".
const FIX_ALL: &str = "source.fixAll.leaklint";

/// Runs the server on standard input and output until the editor shuts it down. Returns
/// whether it was shut down as the protocol asks (`shutdown`, then `exit`).
pub fn run() -> Result<bool, String> {
    eprintln!(
        "leaklint: each document is judged with its own declarations only; facts from the rest of the project are not used by the server yet"
    );
    let (conn, io) = Connection::stdio();
    let clean = serve(&conn)?;
    drop(conn);
    if clean {
        io.join().map_err(|e| format!("language server I/O: {e}"))?;
    }
    Ok(clean)
}

/// Runs the protocol on `conn`: the handshake, then the loop until `exit`. Returns whether
/// `shutdown` came first.
pub fn serve(conn: &Connection) -> Result<bool, String> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let params: lsp::InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("initialize: {e}"))?;
    let encoding = Encoding::negotiate(&params.capabilities);
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let capabilities = lsp::ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![
                    lsp::CodeActionKind::QUICKFIX,
                    lsp::CodeActionKind::new(FIX_ALL),
                ]),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    let result = json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "leaklint", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server::new(conn, encoding);
    if watch {
        server.watch_config_files();
    }
    server.main_loop()
}

/// How positions count characters within a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// UTF-8 when the editor offers it (no conversion), else UTF-16, which every editor speaks.
    fn negotiate(caps: &lsp::ClientCapabilities) -> Encoding {
        let offered = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref())
            .unwrap_or_default();
        if offered.contains(&lsp::PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&lsp::PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
            Encoding::Utf32 => lsp::PositionEncodingKind::UTF32,
        }
    }
}

/// Line starts of a buffer, to turn byte offsets into protocol positions.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
    encoding: Encoding,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str, encoding: Encoding) -> Lines<'t> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Lines {
            text,
            starts,
            encoding,
        }
    }

    fn position(&self, offset: usize) -> lsp::Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
            Encoding::Utf32 => before.chars().count(),
        };
        lsp::Position::new(line as u32, character as u32)
    }

    fn range(&self, span: crate::model::Span) -> lsp::Range {
        lsp::Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }
}

/// An open buffer.
struct Doc {
    /// The name the analysis sees: the file's path, whose extension picks the language.
    path: PathBuf,
    lang: Option<Lang>,
    text: String,
    version: i32,
    /// When a change is waiting to be analyzed.
    due: Option<Instant>,
    /// The findings of the last analysis of `text`.
    found: Vec<Diagnostic>,
}

/// The rules for one configuration file, as last read.
struct Settings {
    rules: RuleSet,
    /// The configuration's `exclude` globs, relative to its directory.
    exclude: Option<ignore::gitignore::Gitignore>,
    /// The configuration file's modification time when it was read.
    stamp: Option<SystemTime>,
}

struct Server<'c> {
    conn: &'c Connection,
    encoding: Encoding,
    docs: HashMap<lsp::Uri, Doc>,
    /// By configuration file (`None`: no file, the defaults).
    settings: HashMap<Option<PathBuf>, Arc<Settings>>,
    /// Configuration errors already shown, so that each is shown once.
    shown_errors: HashSet<String>,
    /// Ids of the built-in rules, whose docs have a public address.
    builtin: HashSet<String>,
    /// For the integration test: a panic is raised while analyzing a path containing this.
    panic_on: Option<String>,
    next_request: i32,
}

impl<'c> Server<'c> {
    fn new(conn: &'c Connection, encoding: Encoding) -> Server<'c> {
        Server {
            conn,
            encoding,
            docs: HashMap::new(),
            settings: HashMap::new(),
            shown_errors: HashSet::new(),
            builtin: RuleSet::builtin().rules.into_iter().map(|r| r.id).collect(),
            panic_on: std::env::var("LEAKLINT_TEST_PANIC").ok(),
            next_request: 0,
        }
    }

    fn main_loop(&mut self) -> Result<bool, String> {
        loop {
            let next = self.docs.values().filter_map(|d| d.due).min();
            let wait = next.map_or(Duration::from_secs(3600), |t| {
                t.saturating_duration_since(Instant::now())
            });
            match self.conn.receiver.recv_timeout(wait) {
                Ok(Message::Request(req)) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(true);
                    }
                    self.request(req);
                }
                Ok(Message::Notification(n)) => {
                    if n.method == "exit" {
                        eprintln!("leaklint: exit without shutdown");
                        return Ok(false);
                    }
                    self.notification(n);
                }
                Ok(Message::Response(_)) => {}
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                    eprintln!("leaklint: the editor closed the connection without shutdown");
                    return Ok(false);
                }
            }
            let now = Instant::now();
            let due: Vec<lsp::Uri> = self
                .docs
                .iter()
                .filter(|(_, d)| d.due.is_some_and(|t| t <= now))
                .map(|(u, _)| u.clone())
                .collect();
            for uri in due {
                self.analyze(&uri);
            }
        }
    }

    fn send(&self, message: Message) {
        // The editor is gone when this fails; the loop ends on the next read.
        let _ = self.conn.sender.send(message);
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Notification::new(method.to_string(), params).into());
    }

    fn request(&mut self, req: Request) {
        let response = match req.method.as_str() {
            "textDocument/codeAction" => match serde_json::from_value(req.params) {
                Ok(p) => {
                    let actions = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.code_actions(p)
                    }));
                    match actions {
                        Ok(actions) => Response::new_ok(req.id, actions),
                        Err(panic) => {
                            let what = panic_message(&*panic);
                            eprintln!("leaklint: internal error in a code action request: {what}");
                            Response::new_err(
                                req.id,
                                lsp_server::ErrorCode::InternalError as i32,
                                format!("internal error in leaklint: {what}"),
                            )
                        }
                    }
                }
                Err(e) => invalid(req.id, e),
            },
            _ => Response::new_err(
                req.id,
                lsp_server::ErrorCode::MethodNotFound as i32,
                format!("leaklint does not handle `{}`", req.method),
            ),
        };
        self.send(response.into());
    }

    fn notification(&mut self, n: Notification) {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params)
                .map_err(|e| eprintln!("leaklint: ignoring a malformed `{}`: {e}", n.method))
                .ok()
        }
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = params::<lsp::DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let d = p.text_document;
                let path = analysis_path(&d.uri, &d.language_id);
                let doc = Doc {
                    lang: Lang::from_path(&path),
                    path,
                    text: d.text,
                    version: d.version,
                    due: None,
                    found: Vec::new(),
                };
                self.docs.insert(d.uri.clone(), doc);
                self.analyze(&d.uri);
            }
            "textDocument/didChange" => {
                let Some(p) = params::<lsp::DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let Some(doc) = self.docs.get_mut(&p.text_document.uri) else {
                    return;
                };
                // Full synchronization: the last change holds the whole text.
                if let Some(change) = p.content_changes.into_iter().last() {
                    doc.text = change.text;
                }
                doc.version = p.text_document.version;
                doc.due = Some(Instant::now() + DEBOUNCE);
            }
            "textDocument/didSave" => {
                let Some(p) = params::<lsp::DidSaveTextDocumentParams>(n) else {
                    return;
                };
                if self.docs.contains_key(&p.text_document.uri) {
                    self.analyze(&p.text_document.uri);
                }
            }
            "textDocument/didClose" => {
                let Some(p) = params::<lsp::DidCloseTextDocumentParams>(n) else {
                    return;
                };
                if self.docs.remove(&p.text_document.uri).is_some() {
                    self.publish(p.text_document.uri, Vec::new(), None);
                }
            }
            "workspace/didChangeWatchedFiles" => {
                // A configuration file or rule pack changed: read them again, re-analyze all.
                self.settings.clear();
                self.shown_errors.clear();
                let now = Instant::now();
                for d in self.docs.values_mut() {
                    d.due = Some(now);
                }
            }
            _ => {}
        }
    }

    /// Asks the editor to report changes to configuration files and rule packs.
    fn watch_config_files(&mut self) {
        // Configuration files and rule packs are all TOML.
        let watchers = vec![lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String("**/*.toml".into()),
            kind: None,
        }];
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "leaklint-config".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_request += 1;
        let id = RequestId::from(format!("leaklint-{}", self.next_request));
        self.send(Request::new(id, "client/registerCapability".into(), params).into());
    }

    /// The settings that govern `path`, read again when the configuration file changed.
    fn settings_for(&mut self, path: &Path) -> Result<Arc<Settings>, String> {
        let file = config_file_for(path);
        let stamp = file
            .as_deref()
            .and_then(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok());
        if let Some(s) = self.settings.get(&file) {
            if s.stamp == stamp {
                return Ok(s.clone());
            }
        }
        let (rules, exclude) = rules_for(file.as_deref())?;
        let settings = Arc::new(Settings {
            rules,
            exclude,
            stamp,
        });
        self.settings.insert(file, settings.clone());
        Ok(settings)
    }

    /// Analyzes the buffer and publishes its diagnostics.
    fn analyze(&mut self, uri: &lsp::Uri) {
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        doc.due = None;
        let path = doc.path.clone();
        if doc.lang.is_none() {
            return;
        }
        let settings = match self.settings_for(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("leaklint: {e}");
                if self.shown_errors.insert(e.clone()) {
                    self.notify(
                        "window/showMessage",
                        lsp::ShowMessageParams {
                            typ: lsp::MessageType::ERROR,
                            message: format!("leaklint: {e}"),
                        },
                    );
                }
                return;
            }
        };
        let Some(doc) = self.docs.get_mut(uri) else {
            return;
        };
        let excluded = settings
            .exclude
            .as_ref()
            .is_some_and(|g| is_excluded(g, &path));
        let found = if excluded {
            Vec::new()
        } else {
            let panic_here = self
                .panic_on
                .as_deref()
                .is_some_and(|p| path.to_string_lossy().contains(p));
            let text = doc.text.as_bytes();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if panic_here {
                    panic!("LEAKLINT_TEST_PANIC");
                }
                driver::analyze_stdin(&path, text, &settings.rules, &Options::default())
            }));
            match outcome {
                Ok(report) => {
                    for w in &report.warnings {
                        eprintln!("leaklint: {}: {}", w.path, w.message);
                    }
                    report.diagnostics
                }
                Err(panic) => {
                    // What was found in an older text would point at the wrong lines.
                    eprintln!(
                        "leaklint: internal error analyzing {}, no diagnostics for it: {}",
                        path.display(),
                        panic_message(&*panic)
                    );
                    Vec::new()
                }
            }
        };
        doc.found = found;
        let version = doc.version;
        let lines = Lines::new(&doc.text, self.encoding);
        let diagnostics = doc
            .found
            .iter()
            .map(|d| to_lsp(d, uri, &lines, &self.builtin))
            .collect();
        self.publish(uri.clone(), diagnostics, Some(version));
    }

    fn publish(&self, uri: lsp::Uri, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) {
        self.notify(
            "textDocument/publishDiagnostics",
            lsp::PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        );
    }

    fn code_actions(&mut self, p: lsp::CodeActionParams) -> Vec<lsp::CodeActionOrCommand> {
        let uri = p.text_document.uri;
        // A request between a change and its analysis is answered for the current text.
        if self.docs.get(&uri).is_some_and(|d| d.due.is_some()) {
            self.analyze(&uri);
        }
        let Some(doc) = self.docs.get(&uri) else {
            return Vec::new();
        };
        let Some(lang) = doc.lang else {
            return Vec::new();
        };
        let wanted = |kind: &str| {
            p.context.only.as_ref().is_none_or(|only| {
                only.iter()
                    .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let lines = Lines::new(&doc.text, self.encoding);
        let edit = |edits: &[&Edit]| {
            let changes = edits
                .iter()
                .map(|e| lsp::TextEdit::new(lines.range(e.location.span), e.text.clone()))
                .collect();
            lsp::WorkspaceEdit::new(HashMap::from([(uri.clone(), changes)]))
        };
        let mut actions = Vec::new();
        let quickfix = lsp::CodeActionKind::QUICKFIX;
        for d in &doc.found {
            let diag = to_lsp(d, &uri, &lines, &self.builtin);
            let r = &diag.range;
            if r.end < p.range.start || r.start > p.range.end {
                continue;
            }
            if !wanted(quickfix.as_str()) {
                break;
            }
            for f in &d.fixes {
                actions.push(lsp::CodeAction {
                    title: f.title.clone(),
                    kind: Some(quickfix.clone()),
                    diagnostics: Some(vec![diag.clone()]),
                    edit: Some(edit(&f.edits.iter().collect::<Vec<_>>())),
                    is_preferred: Some(true),
                    ..Default::default()
                });
            }
            // A finding about a suppression is fixed by editing that suppression.
            if d.rule != suppress::UNUSED && d.rule != suppress::UNEXPLAINED {
                let e = fix::suppression(&doc.text, lang, &d.rule, d.location.start.line);
                actions.push(lsp::CodeAction {
                    title: format!("Suppress `{}` here, with a reason", d.rule),
                    kind: Some(quickfix.clone()),
                    diagnostics: Some(vec![diag]),
                    edit: Some(edit(&[&e])),
                    ..Default::default()
                });
            }
        }
        // Fix-all is offered when asked for by kind (on save, from a menu of source actions), or
        // beside a fix at the cursor; not at every position of the file.
        let asked = p.context.only.is_some() && wanted(FIX_ALL);
        let beside_a_fix = actions.iter().any(|a| a.is_preferred == Some(true));
        let fixes: Vec<&fix::Fix> = doc.found.iter().flat_map(|d| &d.fixes).collect();
        if !fixes.is_empty() && (asked || beside_a_fix) {
            // Fixes that clash with one before them are left out, as `--fix` leaves them.
            let (_, edits, _) = fix::apply_fixes(&doc.text, fixes);
            actions.push(lsp::CodeAction {
                title: "Apply every safe leaklint fix".into(),
                kind: Some(lsp::CodeActionKind::new(FIX_ALL)),
                edit: Some(edit(&edits)),
                ..Default::default()
            });
        }
        actions
            .into_iter()
            .map(lsp::CodeActionOrCommand::CodeAction)
            .collect()
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

fn invalid(id: RequestId, e: serde_json::Error) -> Response {
    Response::new_err(
        id,
        lsp_server::ErrorCode::InvalidParams as i32,
        e.to_string(),
    )
}

/// The configuration file that governs `path`: the same discovery as the command line.
fn config_file_for(path: &Path) -> Option<PathBuf> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty())?;
    config::discover(dir)
}

/// The rules and excludes of a configuration file (`None`: the defaults), built as the
/// command line builds them.
pub fn rules_for(
    file: Option<&Path>,
) -> Result<(RuleSet, Option<ignore::gitignore::Gitignore>), String> {
    let config = match file {
        Some(f) => Config::load(f)?,
        None => Config::default(),
    };
    let rules = config.rules(&[], &[])?;
    let exclude = if config.exclude().is_empty() {
        None
    } else {
        let mut b = ignore::gitignore::GitignoreBuilder::new(config.dir());
        for g in config.exclude() {
            b.add_line(None, &g)
                .map_err(|e| format!("exclude: bad pattern `{g}`: {e}"))?;
        }
        Some(b.build().map_err(|e| format!("exclude: {e}"))?)
    };
    Ok((rules, exclude))
}

fn is_excluded(globs: &ignore::gitignore::Gitignore, path: &Path) -> bool {
    // The configuration's folder is canonical (as discovery found it); make the path so too.
    let canonical = path
        .parent()
        .and_then(|d| std::fs::canonicalize(d).ok())
        .zip(path.file_name())
        .map(|(d, f)| d.join(f));
    let path = canonical.as_deref().unwrap_or(path);
    path.starts_with(globs.path()) && globs.matched_path_or_any_parents(path, false).is_ignore()
}

/// The path a buffer is analyzed as: its file path, or, for an unsaved buffer or a file whose
/// extension does not tell, a name whose extension is the editor's language id.
fn analysis_path(uri: &lsp::Uri, language_id: &str) -> PathBuf {
    let path = file_path(uri.as_str()).unwrap_or_else(|| PathBuf::from("untitled"));
    if Lang::from_path(&path).is_some() {
        return path;
    }
    let ext = match language_id {
        "go" => "go",
        "java" => "java",
        "python" => "py",
        "rust" => "rs",
        "c" => "c",
        _ => return path,
    };
    let mut name = path.into_os_string();
    name.push(format!(".{ext}"));
    PathBuf::from(name)
}

/// The local path of a `file:` URI, percent-decoded.
fn file_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path` names another machine; only `file:///path` (empty host) is local.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let path = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    let path = match path.as_bytes() {
        [b'/', d, b':', ..] if d.is_ascii_alphabetic() && cfg!(windows) => path[1..].to_string(),
        _ => path,
    };
    Some(PathBuf::from(path))
}

/// Where a built-in rule's docs are published; the same address as SARIF's `helpUri`.
fn docs_url(rule: &str) -> String {
    format!(
        "{}/blob/main/rules/{rule}.toml",
        env!("CARGO_PKG_REPOSITORY")
    )
}

fn to_lsp(
    d: &Diagnostic,
    uri: &lsp::Uri,
    lines: &Lines,
    builtin: &HashSet<String>,
) -> lsp::Diagnostic {
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .map(|l| lsp::DiagnosticRelatedInformation {
            location: lsp::Location::new(uri.clone(), lines.range(l.location.span)),
            message: l.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: lines.range(d.location.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.rule.clone())),
        code_description: builtin
            .contains(&d.rule)
            .then(|| lsp::Uri::from_str(&docs_url(&d.rule)).ok())
            .flatten()
            .map(|href| lsp::CodeDescription { href }),
        source: Some("leaklint".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_the_negotiated_units() {
        let text = "aé😀b\nx";
        let b = text.find('b').unwrap();
        for (enc, ch) in [
            (Encoding::Utf8, 7),
            (Encoding::Utf16, 4),
            (Encoding::Utf32, 3),
        ] {
            assert_eq!(Lines::new(text, enc).position(b), lsp::Position::new(0, ch));
        }
        let x = text.find('x').unwrap();
        assert_eq!(
            Lines::new(text, Encoding::Utf16).position(x),
            lsp::Position::new(1, 0)
        );
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path("file:///tmp/a%20b/c.go"),
            Some(PathBuf::from("/tmp/a b/c.go"))
        );
        assert_eq!(file_path("untitled:Untitled-1"), None);
        let uri = lsp::Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(analysis_path(&uri, "go"), PathBuf::from("untitled.go"));
    }
}
