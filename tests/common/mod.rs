//! Running the leaklint binary from integration tests, as a user would.
#![allow(dead_code)] // each test file uses what it needs

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Runs leaklint in `dir` with `stdin`, as in CI (no terminal, no colour setting of the
/// caller's). Fails the test if it does not finish within a minute (it must never hang), if a
/// signal killed it (an abort), or if it panicked.
pub fn leaklint_in(dir: &Path, args: &[&str], stdin: &str) -> Run {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leaklint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("CI", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run leaklint");
    // Feed and drain the pipes on threads, so that neither side can block the other.
    let mut input = child.stdin.take().unwrap();
    let text = stdin.as_bytes().to_vec();
    let feed = std::thread::spawn(move || {
        // A run that does not read its input closes the pipe early: not an error here.
        let _ = input.write_all(&text);
    });
    let read = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("leaklint {args:?} did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = feed.join();
    let run = Run {
        code: status.code().expect("exited, not killed by a signal"),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        took: start.elapsed(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "leaklint panicked:\n{}",
        run.stderr
    );
    run
}

/// Writes `text` to `dir/name`, making the folders on the way.
pub fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `(path, line)` of each finding in a run's JSON report.
pub fn findings(run: &Run) -> Vec<(String, u64)> {
    let v: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr));
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Runs git in `dir` with a committer set and signing off, whatever the user's configuration;
/// fails the test if git fails.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
