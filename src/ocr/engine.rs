//! The OCR engine: Tesseract (`tesseract-ocr` with `tesseract-ocr-chi-sim`), found once
//! per run and run as a child process — image on stdin, TSV on stdout — with a bound on
//! its address space (set before exec), on its wall time, and on the OCR time of the
//! whole run, in a pool of slots shared by every thread (like the PDF workers).

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::{Reading, tsv};
use crate::extract::ExtractError;
use crate::extract::child;
use crate::extract::pdf::{PdfBudget, Pool, TIMED_OUT};

/// `MARK_LINT_TESSERACT` names the program (tests point it at a missing one to see a
/// machine without it); by default `tesseract` on the PATH.
pub const PROGRAM_ENV: &str = "MARK_LINT_TESSERACT";
/// `MARK_LINT_OCR_TIME_BUDGET` (seconds): the OCR time of the whole run.
pub const TIME_BUDGET_ENV: &str = "MARK_LINT_OCR_TIME_BUDGET";

/// `MARK_LINT_OCR_PSM`: the benchmark's way to try other page segmentation modes
/// (`scripts/ocr-bench.py --psm`); not a setting.
pub const PSM_ENV: &str = "MARK_LINT_OCR_PSM";

/// Tesseract's page segmentation mode: 6 (one uniform block of text, which a band cut
/// from a page is; BENCHMARKS.md compares 3, 4, 6 and 11) unless the benchmark sets
/// another of 3–13.
fn psm() -> &'static str {
    static PSM: OnceLock<String> = OnceLock::new();
    PSM.get_or_init(|| {
        std::env::var(PSM_ENV)
            .ok()
            .filter(|v| v.parse::<u8>().is_ok_and(|n| (3..=13).contains(&n)))
            .unwrap_or_else(|| "6".to_string())
    })
}

/// One image may take this long; Tesseract reads a band in about a second.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
/// Address space of one Tesseract (it needs about 100 MiB resident for `chi_sim`; the
/// model is mapped, and OpenMP threads reserve stacks).
pub const MEMORY_LIMIT: u64 = 1 << 30;

/// The installed engine.
#[derive(Debug, Clone)]
pub struct Engine {
    program: std::ffi::OsString,
}

/// How to install the engine, said wherever its absence leaves a scan unread.
pub const INSTALL_HINT: &str = "install Tesseract with the simplified-Chinese model (apt-get install tesseract-ocr tesseract-ocr-chi-sim)";

static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();

/// The engine of this run, or why there is none (found once: `tesseract --list-langs`).
pub fn engine() -> &'static Result<Engine, String> {
    ENGINE.get_or_init(detect)
}

fn detect() -> Result<Engine, String> {
    let program = std::env::var_os(PROGRAM_ENV).unwrap_or_else(|| "tesseract".into());
    let mut cmd = Command::new(&program);
    cmd.arg("--list-langs");
    let out = child::run(cmd, Vec::<u8>::new(), Duration::from_secs(10))
        .map_err(|_| format!("Tesseract is not installed: {INSTALL_HINT}"))?;
    // Tesseract 4 printed the list on stderr.
    let listed = [out.stdout, out.stderr].concat();
    let has_chi_sim = String::from_utf8_lossy(&listed)
        .lines()
        .any(|l| l.trim() == "chi_sim");
    if !out.status.success() || !has_chi_sim {
        return Err(format!(
            "Tesseract has no simplified-Chinese model: {INSTALL_HINT}"
        ));
    }
    Ok(Engine { program })
}

static POOL: OnceLock<Pool> = OnceLock::new();

/// The run's pool of Tesseract (and pdftoppm) slots: as many at once as the machine has cores (each
/// uses one thread), within a memory budget of 2 GiB.
pub(crate) fn pool() -> &'static Pool {
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
        let total = std::env::var(TIME_BUDGET_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map_or(Duration::from_secs(1800), Duration::from_secs);
        Pool::labelled(
            PdfBudget {
                worker_memory: MEMORY_LIMIT,
                memory: MEMORY_LIMIT * cores.clamp(1, 4),
                per_pdf: TIME_LIMIT,
                total,
            },
            ("OCR", "OCR"),
        )
    })
}

impl Engine {
    /// Read a prepared image (any format Tesseract reads; here a PGM) at `dpi`.
    pub fn read(&self, image: Vec<u8>, dpi: u32) -> Result<Reading, ExtractError> {
        let tsv = pool().run(|time, memory| self.run(image, dpi, time, memory))?;
        Ok(tsv::parse(&tsv))
    }

    /// Read a prepared image at `dpi` into its words, each with the pixel row of its top.
    pub fn read_words(&self, image: Vec<u8>, dpi: u32) -> Result<Vec<(u32, String)>, ExtractError> {
        let tsv = pool().run(|time, memory| self.run(image, dpi, time, memory))?;
        Ok(tsv::words(&tsv))
    }

    fn run(
        &self,
        image: Vec<u8>,
        dpi: u32,
        time: Duration,
        memory: u64,
    ) -> Result<String, ExtractError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["stdin", "stdout", "-l", "chi_sim", "--psm", psm(), "--dpi"])
            .arg(dpi.to_string())
            .arg("tsv")
            // One thread each: the pool runs several at once.
            .env("OMP_THREAD_LIMIT", "1");
        child::limit_address_space(&mut cmd, memory);
        let out = match child::run(cmd, image, time) {
            Ok(out) => out,
            Err(child::Failure::TimedOut) => return Err(ExtractError::Limit(TIMED_OUT.into())),
            Err(child::Failure::Start(e) | child::Failure::Wait(e)) => {
                return Err(ExtractError::Crashed(format!("cannot run Tesseract: {e}")));
            }
        };
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let why = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            return Err(ExtractError::Crashed(format!(
                "Tesseract stopped ({}){}",
                out.status,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.chars().take(120).collect::<String>())
                }
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}
