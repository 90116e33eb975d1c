//! The OCR engine: Tesseract (`tesseract-ocr` with `tesseract-ocr-chi-sim`), found once
//! per run and run as a child process — image on stdin, TSV on stdout — with a bound on
//! its address space (set before exec), on its wall time, and on the OCR time of the
//! whole run, in a pool of slots shared by every thread (like the PDF workers).

use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use super::prepare::Prepared;
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

/// Pixels of the images one Tesseract run reads (a multi-page TIFF of 8-bit gray: this
/// many bytes on its stdin, which it holds while it reads): the band of page 1 and the
/// strips of about 30 later pages at 300 dpi. More images take more runs.
pub const MAX_RUN_PIXELS: u64 = 40_000_000;

impl Engine {
    /// Read prepared images: one reading each, in order, with the faint rows of each.
    /// Images of one resolution are read in one run (a multi-page TIFF: the model is
    /// loaded once), within `MAX_RUN_PIXELS`; an image of another resolution takes a
    /// run of its own, as `--dpi` is one per run.
    pub fn read(&self, images: &[&Prepared]) -> Result<Vec<Reading>, ExtractError> {
        let mut out = vec![Reading::default(); images.len()];
        for run in runs(images) {
            let pages: Vec<&image::GrayImage> = run.iter().map(|&i| &images[i].image).collect();
            let dpi = images[run[0]].dpi;
            let tiff = super::prepare::tiff(&pages, dpi);
            let tsv = pool().run(|time, memory| self.run(tiff, dpi, time, memory))?;
            for (&i, mut reading) in run.iter().zip(tsv::parse_pages(&tsv, run.len())) {
                reading.faint.clone_from(&images[i].faint);
                out[i] = reading;
            }
        }
        Ok(out)
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

/// The images of each run, by index: grouped by resolution in order of first
/// appearance, and cut where a run would pass `MAX_RUN_PIXELS` (an image larger than
/// that alone is a run).
fn runs(images: &[&Prepared]) -> Vec<Vec<usize>> {
    let mut dpis: Vec<u32> = Vec::new();
    for p in images {
        if !dpis.contains(&p.dpi) {
            dpis.push(p.dpi);
        }
    }
    let mut runs = Vec::new();
    for dpi in dpis {
        let (mut run, mut pixels) = (Vec::new(), 0u64);
        for (i, p) in images.iter().enumerate().filter(|(_, p)| p.dpi == dpi) {
            let n = u64::from(p.image.width()) * u64::from(p.image.height());
            if !run.is_empty() && pixels + n > MAX_RUN_PIXELS {
                runs.push(std::mem::take(&mut run));
                pixels = 0;
            }
            run.push(i);
            pixels += n;
        }
        runs.push(run);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared(w: u32, h: u32, dpi: u32) -> Prepared {
        Prepared {
            image: image::GrayImage::new(w, h),
            dpi,
            faint: Vec::new(),
        }
    }

    /// Images at one dpi share a run until the pixel bound; another dpi runs apart.
    #[test]
    fn runs_by_resolution_and_size() {
        let band = prepared(2480, 1053, 300);
        let strip = prepared(992, 1053, 300);
        let odd = prepared(800, 300, 260);
        assert_eq!(runs(&[&band, &strip, &strip]), [vec![0, 1, 2]]);
        assert_eq!(runs(&[&band, &odd, &strip]), [vec![0, 2], vec![1]]);
        let many: Vec<&Prepared> = std::iter::once(&band)
            .chain(std::iter::repeat_n(&strip, 60))
            .collect();
        let cut = runs(&many);
        assert_eq!(cut.len(), 2, "{cut:?}");
        assert_eq!(cut.iter().map(Vec::len).sum::<usize>(), 61);
        for run in &cut {
            let px: u64 = run
                .iter()
                .map(|&i| u64::from(many[i].image.width()) * u64::from(many[i].image.height()))
                .sum();
            assert!(px <= MAX_RUN_PIXELS, "{px}");
        }
        assert!(runs(&[]).is_empty());
    }
}
