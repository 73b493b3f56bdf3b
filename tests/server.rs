//! `leaklint server` driven as an editor drives it: the real binary, JSON-RPC over its standard
//! input and output with `Content-Length` framing. Every wait has a deadline, and the child is
//! killed if a test fails, so no test can hang.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

struct Editor {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    stderr: std::thread::JoinHandle<String>,
    next_id: i64,
}

impl Drop for Editor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Editor {
    fn start(dir: &Path, env: &[(&str, &str)]) -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leaklint"))
            .arg("server")
            .current_dir(dir)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start leaklint server");
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut header = String::new();
                    if r.read_line(&mut header).unwrap_or(0) == 0 {
                        return;
                    }
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    if let Some(v) = header.strip_prefix("Content-Length: ") {
                        len = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; len.expect("a Content-Length header")];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Editor {
            stdin: child.stdin.take(),
            child,
            incoming,
            stderr,
            next_id: 0,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response's `result`.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let response = self.wait_for(&format!("the response to {method}"), |m| m["id"] == id);
        assert!(response["error"].is_null(), "{response}");
        response["result"].clone()
    }

    /// The next message that satisfies `pred`; others are skipped (after answering requests the
    /// server makes, as an editor would).
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => {
                    if m["method"].is_string() && !m["id"].is_null() {
                        let id = m["id"].clone();
                        self.send(json!({ "jsonrpc": "2.0", "id": id, "result": null }));
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {WAIT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server stopped before {what}"),
            }
        }
    }

    fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics for {uri}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn initialize(&mut self, root: &Path) -> Value {
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": {
                    "general": { "positionEncodings": ["utf-16"] },
                    "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
                },
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    fn open(&mut self, uri: &str, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": {
                "uri": uri, "languageId": language, "version": 1, "text": text
            }}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }],
            }),
        );
    }

    /// `shutdown`, `exit`, and the exit status; and what the server wrote to stderr.
    fn shut_down(mut self) -> (i32, String) {
        let result = self.request("shutdown", Value::Null);
        assert!(result.is_null());
        self.notify("exit", Value::Null);
        self.stdin.take();
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let (_, stderr) = {
            let handle = std::mem::replace(&mut self.stderr, std::thread::spawn(String::new));
            ((), handle.join().unwrap())
        };
        (status.code().unwrap_or(-1), stderr)
    }
}

/// Moves a file's modification time a second on, so that a rewrite within the same clock tick
/// is still seen as a change.
fn bump_mtime(path: &Path) {
    let f = std::fs::File::options().append(true).open(path).unwrap();
    let now = std::time::SystemTime::now() + Duration::from_secs(1);
    f.set_modified(now).unwrap();
}

fn uri(path: &Path) -> String {
    let s = path.to_str().unwrap();
    format!("file://{}", s.replace(' ', "%20"))
}

const LEAKY: &str = "package a

import (
\t\"encoding/json\"
\t\"os\"
)

func load(path string, v any) error {
\tf, err := os.Open(path)
\tif err != nil {
\t\treturn err
\t}
\tif err := json.NewDecoder(f).Decode(v); err != nil {
\t\treturn err
\t}
\treturn f.Close()
}
";

/// Applies LSP text edits (UTF-16 positions; the texts here are ASCII) to `text`.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap() as usize;
        let ch = p["character"].as_u64().unwrap() as usize;
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + ch
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort();
    let mut out = text.to_string();
    for (start, end, new) in edits.into_iter().rev() {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut ed = Editor::start(&root, &[("LEAKLINT_TEST_PANIC", "explodes")]);
    let init = ed.initialize(&root);
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 1, "{caps}");
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap()
        .contains(&json!("quickfix")));

    // Open a leaky buffer (never saved to disk): diagnostics name the rule.
    let a = uri(&root.join("a.go"));
    ed.open(&a, "go", LEAKY);
    let diags = ed.diagnostics(&a, Some(1));
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "unclosed-on-error-path");
    assert_eq!(d["source"], "leaklint");
    assert_eq!(d["severity"], 1);
    assert_eq!(
        d["range"],
        json!({ "start": { "line": 8, "character": 11 }, "end": { "line": 8, "character": 24 } })
    );
    assert!(d["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/rules/unclosed-on-error-path.toml"));
    let related = d["relatedInformation"].as_array().unwrap();
    assert!(related.iter().any(|r| r["location"]["uri"] == a
        && r["location"]["range"]["start"]["line"] == 13
        && r["message"].as_str().unwrap().contains("returns an error")));

    // Code actions at the finding: the fix, and the suppression.
    let actions = ed.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": a },
            "range": d["range"],
            "context": { "diagnostics": [d] },
        }),
    );
    let actions = actions.as_array().unwrap();
    let titled = |t: &str| {
        actions
            .iter()
            .find(|x| x["title"] == t)
            .unwrap_or_else(|| panic!("no action `{t}` in {actions:?}"))
    };
    let suppress = titled("Suppress `unclosed-on-error-path` here, with a reason");
    assert_eq!(suppress["kind"], "quickfix");
    let edits = suppress["edit"]["changes"][&a].as_array().unwrap();
    let suppressed = apply(LEAKY, edits);
    assert!(
        suppressed.contains(
            "\n\t// leaklint: ignore[unclosed-on-error-path] TODO: say why this is not a leak\n\tf, err := os.Open(path)\n"
        ),
        "{suppressed}"
    );
    let fix = titled("Insert `defer f.Close()` after the error check");
    assert_eq!(
        titled("Apply every safe leaklint fix")["kind"],
        "source.fixAll.leaklint"
    );
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(fix["diagnostics"][0]["code"], "unclosed-on-error-path");
    let fixed = apply(LEAKY, fix["edit"]["changes"][&a].as_array().unwrap());
    assert!(
        fixed.contains("\t}\n\tdefer f.Close()\n\tif err := json"),
        "{fixed}"
    );

    // Nothing to offer away from the finding.
    let elsewhere = ed.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": a },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
            "context": { "diagnostics": [] },
        }),
    );
    assert_eq!(elsewhere, json!([]));

    // The fixed text: the diagnostics are cleared.
    ed.change(&a, 2, &fixed);
    assert_eq!(ed.diagnostics(&a, Some(2)), Vec::<Value>::new());
    // The suppressed text: silent too (the placeholder counts as a reason).
    ed.change(&a, 3, &suppressed);
    assert_eq!(ed.diagnostics(&a, Some(3)), Vec::<Value>::new());

    // A burst of changes is analyzed once settled, for the last version.
    ed.change(&a, 4, "package a\n");
    ed.change(&a, 5, &LEAKY.replace("func load", "func load2"));
    assert_eq!(ed.diagnostics(&a, Some(5)).len(), 1);

    // A buffer that does not parse, and a panic inside an analysis, do not stop the server.
    let bad = uri(&root.join("bad.rs"));
    ed.open(
        &bad,
        "rust",
        "fn main( { let fd = unsafe { libc::open(p, 0) };",
    );
    let boom = uri(&root.join("explodes.go"));
    ed.open(&boom, "go", LEAKY);
    assert_eq!(ed.diagnostics(&boom, Some(1)), Vec::<Value>::new());
    let still = ed.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": a },
            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 30, "character": 0 } },
            "context": { "diagnostics": [], "only": ["source.fixAll"] },
        }),
    );
    assert_eq!(still[0]["kind"], "source.fixAll.leaklint", "{still}");

    // Closing a buffer clears its diagnostics.
    ed.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": a } }),
    );
    assert_eq!(ed.diagnostics(&a, None), Vec::<Value>::new());

    let (code, stderr) = ed.shut_down();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("cannot parse"), "{stderr}");
    assert!(
        stderr.contains("internal error analyzing") && stderr.contains("explodes.go, "),
        "{stderr}"
    );
}

#[test]
fn configuration_is_found_like_the_command_line_and_read_again_when_it_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir(root.join("pkg")).unwrap();
    std::fs::create_dir(root.join("gen")).unwrap();
    let config = root.join("leaklint.toml");
    std::fs::write(&config, "ignore = [\"unclosed-on-error-path\"]\n").unwrap();
    let mut ed = Editor::start(&root, &[]);
    ed.initialize(&root);
    let a = uri(&root.join("pkg/a.go"));
    ed.open(&a, "go", LEAKY);
    assert_eq!(ed.diagnostics(&a, Some(1)), Vec::<Value>::new());
    // The file itself is read again when it changes, even unannounced (here, with an exclude).
    std::fs::write(&config, "exclude = [\"gen/\"]\n").unwrap();
    bump_mtime(&config);
    ed.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": a } }),
    );
    assert_eq!(ed.diagnostics(&a, Some(1)).len(), 1);
    let generated = uri(&root.join("gen/g.go"));
    ed.open(&generated, "go", LEAKY);
    assert_eq!(ed.diagnostics(&generated, Some(1)), Vec::<Value>::new());

    std::fs::write(
        &config,
        "[severity]\nunclosed-on-error-path = \"warning\"\n",
    )
    .unwrap();
    ed.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&config), "type": 2 }] }),
    );
    let diags = ed.diagnostics(&a, Some(1));
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], 2);

    // A broken configuration is shown to the user; the server carries on.
    std::fs::write(&config, "ignore = [\"no-such-rule\"]\n").unwrap();
    ed.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&config), "type": 2 }] }),
    );
    let shown = ed.wait_for("a message", |m| m["method"] == "window/showMessage");
    assert!(
        shown["params"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown rule `no-such-rule`"),
        "{shown}"
    );
    let (code, _) = ed.shut_down();
    assert_eq!(code, 0);
}
