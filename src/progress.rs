//! A progress line on stderr for long runs on a terminal.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Progress {
    /// Shows `done/total` once the run has taken half a second, refreshed ten times a second.
    pub fn start(total: usize, done: Arc<AtomicUsize>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut shown = false;
            for tick in 0u32.. {
                std::thread::sleep(Duration::from_millis(100));
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                if tick < 5 {
                    continue;
                }
                let n = done.load(Ordering::Relaxed);
                let width = 30;
                let filled = (n * width).checked_div(total).unwrap_or(width);
                eprint!(
                    "\r\x1b[2K[{}{}] {n}/{total} files",
                    "=".repeat(filled),
                    " ".repeat(width - filled)
                );
                shown = true;
            }
            if shown {
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            }
        });
        Progress { stop, thread }
    }

    pub fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
