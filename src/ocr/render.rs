//! PDF pages whose image the in-process decoder cannot decode (JBIG2, JPEG 2000, …),
//! rendered by poppler's `pdftoppm` when it is installed: only the band to read, cropped
//! by pdftoppm itself, gray, at 300 dpi, as a PGM on stdout. It runs as a bounded child
//! (time and address space, in the OCR engine's pool) with the PDF on its stdin; never
//! a shell, never a temporary file. Without it the page stays ML900 and says what to
//! install.

use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use image::GrayImage;

use crate::extract::pdf::TIMED_OUT;
use crate::extract::{ExtractError, child};

/// `MARK_LINT_PDFTOPPM` names the program (tests point it at a missing one to see a
/// machine without it); by default `pdftoppm` on the PATH.
pub const PROGRAM_ENV: &str = "MARK_LINT_PDFTOPPM";

/// One band may take this long (pdftoppm renders a 300 dpi band in well under a second).
pub const TIME_LIMIT: Duration = Duration::from_secs(30);

/// Pixels of one rendered band (an A3 page at 300 dpi is 3508 × 4961).
const MAX_PIXELS: u64 = 40_000_000;

static RENDERER: OnceLock<Option<std::ffi::OsString>> = OnceLock::new();

/// The installed `pdftoppm` (found once: `pdftoppm -v`); without it a page that needs
/// it is ML900 `scan-undecodable`, which says to install poppler-utils.
fn renderer() -> Option<&'static std::ffi::OsString> {
    RENDERER
        .get_or_init(|| {
            let program = std::env::var_os(PROGRAM_ENV).unwrap_or_else(|| "pdftoppm".into());
            let mut cmd = Command::new(&program);
            cmd.arg("-v");
            child::run(cmd, Vec::<u8>::new(), Duration::from_secs(10))
                .is_ok_and(|out| out.status.success())
                .then_some(program)
        })
        .as_ref()
}

/// Where on a page the band lies: the page's size in points and the part of its
/// height read from the top.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub page: usize,
    pub width_pt: f32,
    pub height_pt: f32,
    pub fraction: f32,
}

impl Band {
    /// The crop in pixels at `dpi`: width and height from the page's top left.
    fn pixels(&self, dpi: f32) -> (u32, u32) {
        let px = |pt: f32| ((pt.abs() / 72.0 * dpi).ceil() as u32).max(1);
        (
            px(self.width_pt),
            px(self.height_pt * self.fraction.clamp(0.05, 1.0)),
        )
    }
}

/// Render `band` of the PDF `pdf` with pdftoppm at the OCR resolution, gray. `why` is
/// what the in-process decoder said, kept in the reason when this fails too.
pub fn band(pdf: Arc<Vec<u8>>, band: Band, why: &str) -> Result<GrayImage, ExtractError> {
    let undecoded = |more: &str| {
        ExtractError::Ocr(format!(
            "the page image could not be decoded ({why}) {more}"
        ))
    };
    let program = renderer().ok_or_else(|| ExtractError::Unrendered(why.to_string()))?;
    let dpi = super::prepare::TARGET_DPI;
    let (w, h) = band.pixels(dpi);
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(undecoded(&format!("and its band is {w}×{h} pixels")));
    }
    let mut cmd = Command::new(program);
    let page = band.page.to_string();
    cmd.args(["-f", &page, "-l", &page, "-r"])
        .arg(format!("{dpi}"))
        .args(["-x", "0", "-y", "0", "-W"])
        .arg(w.to_string())
        .arg("-H")
        .arg(h.to_string())
        .args(["-gray", "-"]);
    let out = super::engine::pool().run(|time, memory| {
        child::limit_address_space(&mut cmd, memory);
        match child::run(cmd, pdf, time.min(TIME_LIMIT)) {
            Ok(out) => Ok(out),
            Err(child::Failure::TimedOut) => Err(ExtractError::Limit(TIMED_OUT.into())),
            Err(child::Failure::Start(e) | child::Failure::Wait(e)) => {
                Err(ExtractError::Crashed(format!("cannot run pdftoppm: {e}")))
            }
        }
    })?;
    if !out.status.success() {
        return Err(undecoded(&format!(
            "and pdftoppm could not render it ({})",
            out.status
        )));
    }
    parse_pgm(&out.stdout).ok_or_else(|| undecoded("and pdftoppm gave no image"))
}

/// A binary 8-bit PGM (P5) as pdftoppm writes it: `P5`, width, height and maximum
/// value separated by whitespace, one whitespace byte, then the pixels.
pub fn parse_pgm(bytes: &[u8]) -> Option<GrayImage> {
    let mut fields = Vec::with_capacity(4);
    let mut at = 0;
    while fields.len() < 4 {
        while bytes.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).ok()?);
    }
    at += 1;
    let num = |s: &str| s.parse::<u32>().ok();
    let (w, h, max) = (num(fields[1])?, num(fields[2])?, num(fields[3])?);
    if fields[0] != "P5" || max != 255 || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return None;
    }
    let len = w as usize * h as usize;
    GrayImage::from_raw(w, h, bytes.get(at..at + len)?.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgm_header_and_pixels() {
        let img = parse_pgm(b"P5\n3 2\n255\n\x00\x01\x02\x03\x04\x05").unwrap();
        assert_eq!((img.width(), img.height()), (3, 2));
        assert_eq!(img.as_raw(), &[0, 1, 2, 3, 4, 5]);
        assert!(parse_pgm(b"P5\n3 2\n255\n\x00\x01").is_none());
        assert!(parse_pgm(b"P6\n1 1\n255\n\x00\x00\x00").is_none());
        assert!(parse_pgm(b"P5 1").is_none());
        assert!(parse_pgm(b"").is_none());
    }

    /// The top 30 % of an A4 page at 300 dpi.
    #[test]
    fn band_in_pixels() {
        let band = Band {
            page: 1,
            width_pt: 595.28,
            height_pt: 841.89,
            fraction: 0.3,
        };
        assert_eq!(band.pixels(300.0), (2481, 1053));
    }
}
