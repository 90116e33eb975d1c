//! A progress line on stderr for long runs: only when stderr is a terminal, not under
//! CI (`CI` set), not with `--quiet`, and only once a run has taken more than a second.
//! The walk adds to the total as it finds files, workers bump a counter; one thread
//! redraws the line and erases it at the end.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Progress {
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    painter: Option<JoinHandle<()>>,
}

/// Files found so far, whether the walk is over, and files checked.
#[derive(Default)]
struct Counts {
    total: AtomicUsize,
    walked: AtomicBool,
    done: AtomicUsize,
}

/// Whether this run may draw a progress line.
pub fn wanted(quiet: bool) -> bool {
    !quiet && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

impl Progress {
    /// Start counting; draws nothing unless `show`. The total grows by `found`.
    pub fn start(show: bool) -> Progress {
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let painter = show.then(|| {
            let (counts, stop) = (counts.clone(), stop.clone());
            std::thread::spawn(move || paint(&counts, &stop))
        });
        Progress {
            counts,
            stop,
            painter,
        }
    }

    /// `n` more files to check.
    pub fn found(&self, n: usize) {
        self.counts.total.fetch_add(n, Ordering::Relaxed);
    }

    /// The walk is over: the total is final.
    pub fn walked(&self) {
        self.counts.walked.store(true, Ordering::Relaxed);
    }

    pub fn tick(&self) {
        self.counts.done.fetch_add(1, Ordering::Relaxed);
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

fn draw(counts: &Counts) {
    let total = counts.total.load(Ordering::Relaxed);
    let n = counts.done.load(Ordering::Relaxed).min(total);
    // While the walk goes on, the total is what it has found so far.
    let more = if counts.walked.load(Ordering::Relaxed) {
        ""
    } else {
        "+"
    };
    let width = 30;
    let filled = (n * width).checked_div(total).unwrap_or(width);
    // `eprint!` would panic if stderr went away; a progress line is not worth that.
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{}{}] {n}/{total}{more} files",
        "#".repeat(filled),
        "-".repeat(width - filled)
    );
    let _ = err.flush();
}

fn paint(counts: &Counts, stop: &AtomicBool) {
    let started = Instant::now();
    let after = delay();
    let mut drawn = false;
    if after.is_zero() {
        draw(counts);
        drawn = true;
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() >= after && !stop.load(Ordering::Relaxed) {
            draw(counts);
            drawn = true;
        }
    }
    if drawn {
        // The line as the run ended (the total final), then erased.
        draw(counts);
        let mut err = std::io::stderr();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
