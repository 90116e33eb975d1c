//! A progress line on stderr for long runs: only when stderr is a terminal, not under
//! CI (`CI` set), not with `--quiet`, and only once a run has taken more than a second.
//! Workers bump a counter; one thread redraws the line and erases it at the end.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Progress {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    painter: Option<JoinHandle<()>>,
}

/// Whether this run may draw a progress line.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

impl Progress {
    /// Start counting `total` files; draws nothing unless `show`.
    pub fn start(total: usize, show: bool) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let painter = show.then(|| {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::spawn(move || paint(total, &done, &stop))
        });
        Progress {
            done,
            stop,
            painter,
        }
    }

    pub fn tick(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(p) = self.painter.take() {
            let _ = p.join();
        }
    }
}

/// How long a run goes before the line appears; `MARK_LINT_PROGRESS_AFTER_MS` (tests)
/// changes it.
fn delay() -> Duration {
    std::env::var("MARK_LINT_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(1), Duration::from_millis)
}

fn draw(total: usize, done: &AtomicUsize) {
    let n = done.load(Ordering::Relaxed).min(total);
    let width = 30;
    let filled = (n * width).checked_div(total).unwrap_or(width);
    // `eprint!` would panic if stderr went away; a progress line is not worth that.
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {n}/{total} files",
        "#".repeat(filled),
        "-".repeat(width - filled)
    );
    let _ = err.flush();
}

fn paint(total: usize, done: &AtomicUsize, stop: &AtomicBool) {
    let started = Instant::now();
    let after = delay();
    let mut drawn = false;
    if after.is_zero() {
        draw(total, done);
        drawn = true;
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() >= after && !stop.load(Ordering::Relaxed) {
            draw(total, done);
            drawn = true;
        }
    }
    if drawn {
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
