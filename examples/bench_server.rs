//! Latency of `leaklint server`: the time from a `didChange` to the diagnostics of that
//! version, as an editor sees it (debounce included), over real stdio with JSON-RPC framing.
//! Run it through `scripts/bench_server.sh`, which builds both in release mode.
//!
//!   bench_server LEAKLINT_BINARY [FILE.go]
//!
//! Without a file it generates a 2,000-line Go file of functions that open files, check
//! errors and return early. Each of `$RUNS` (default 50) changes edits one line, waits for
//! the diagnostics of the new version, and then pauses longer than the debounce so that each
//! change is measured alone.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let bin = args
        .next()
        .expect("usage: bench_server LEAKLINT_BINARY [FILE]");
    // The server runs in a scratch directory: name the binary absolutely.
    let bin = std::fs::canonicalize(&bin).expect("the leaklint binary exists");
    let (name, text) = match args.next() {
        Some(f) => (
            f.clone(),
            std::fs::read_to_string(&f).expect("read the file"),
        ),
        None => ("bench.go".to_string(), generate(2000)),
    };
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50);
    let dir = std::env::temp_dir().join(format!("leaklint-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(std::path::Path::new(&name).file_name().unwrap());
    let uri = format!("file://{}", path.display());

    let mut child = Command::new(&bin)
        .arg("server")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut stdin = child.stdin.take().unwrap();
    let incoming = reader(child.stdout.take().unwrap());

    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": { "processId": null, "capabilities": {} } }),
    );
    wait(&incoming, |m| m["id"] == 1);
    notify(&mut stdin, "initialized", json!({}));
    let start = Instant::now();
    notify(
        &mut stdin,
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "go", "version": 1, "text": text } }),
    );
    let first = diagnostics(&incoming, 1);
    let open = start.elapsed();

    let lines: Vec<&str> = text.lines().collect();
    let mut latencies = Vec::with_capacity(runs);
    let mut found = first;
    for run in 0..runs {
        let version = run as i64 + 2;
        // Append a comment to one line: the file stays the same size and as leaky.
        let at = (run * 37) % lines.len();
        let edited: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == at {
                    format!("{l} // edit {run}\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        let sent = Instant::now();
        notify(
            &mut stdin,
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version },
                    "contentChanges": [{ "text": edited }] }),
        );
        found = diagnostics(&incoming, version);
        latencies.push(sent.elapsed());
        std::thread::sleep(Duration::from_millis(120));
    }

    send(
        &mut stdin,
        json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": null }),
    );
    wait(&incoming, |m| m["id"] == 2);
    notify(&mut stdin, "exit", Value::Null);
    drop(stdin);
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    println!(
        "{} lines, {} bytes, {found} diagnostics; first analysis on open {:.1} ms",
        lines.len(),
        text.len(),
        ms(open)
    );
    println!(
        "didChange -> publishDiagnostics over {runs} changes (debounce {} ms included): \
         min {:.1} ms, median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        leaklint::server::DEBOUNCE.as_millis(),
        ms(latencies[0]),
        ms(pct(0.5)),
        ms(pct(0.95)),
        ms(*latencies.last().unwrap())
    );
}

/// `n` lines of Go: functions that open a file, check the error, and return early on a
/// failed decode — half of them leaking, half closing with `defer`.
fn generate(n: usize) -> String {
    let mut out = String::from("package bench\n\nimport (\n\t\"encoding/json\"\n\t\"os\"\n)\n\n");
    let mut i = 0;
    while out.lines().count() + 14 <= n {
        let close = if i % 2 == 0 {
            "\tdefer f.Close()\n"
        } else {
            ""
        };
        out.push_str(&format!(
            "func load{i}(path string, v any) error {{\n\
             \tf, err := os.Open(path)\n\
             \tif err != nil {{\n\
             \t\treturn err\n\
             \t}}\n\
             {close}\
             \tif err := json.NewDecoder(f).Decode(v); err != nil {{\n\
             \t\treturn err\n\
             \t}}\n\
             \tif len(path) > {i} {{\n\
             \t\treturn nil\n\
             \t}}\n\
             \treturn f.Close()\n\
             }}\n\n"
        ));
        i += 1;
    }
    while out.lines().count() < n {
        out.push_str("// padding\n");
    }
    out
}

fn send(stdin: &mut ChildStdin, message: Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

fn notify(stdin: &mut ChildStdin, method: &str, params: Value) {
    send(
        stdin,
        json!({ "jsonrpc": "2.0", "method": method, "params": params }),
    );
}

fn reader(stdout: std::process::ChildStdout) -> Receiver<Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = 0;
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
                    len = v.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_err()
                || tx.send(serde_json::from_slice(&body).unwrap()).is_err()
            {
                return;
            }
        }
    });
    rx
}

fn wait(incoming: &Receiver<Value>, pred: impl Fn(&Value) -> bool) -> Value {
    loop {
        let m = incoming
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answers within 30 s");
        if pred(&m) {
            return m;
        }
    }
}

fn diagnostics(incoming: &Receiver<Value>, version: i64) -> usize {
    let m = wait(incoming, |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
    });
    m["params"]["diagnostics"].as_array().unwrap().len()
}
