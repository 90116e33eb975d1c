//! Page images made ready for OCR, in-process: decoded within a bound on size and
//! memory (a decoder that panics is an error, not a crash), the band to read cut out,
//! grayscale, scaled to about 300 dpi, binarised with Otsu's threshold, and written as
//! a PGM for Tesseract's stdin. What each step buys is measured in BENCHMARKS.md.

use image::{DynamicImage, GrayImage, ImageReader};

use crate::extract::ExtractError;

/// Pixels of one decoded image (a 600 dpi A3 scan is 7000 × 9900).
const MAX_PIXELS: u64 = 100_000_000;
/// Memory one decoder may allocate.
const MAX_ALLOC: u64 = 512 << 20;

/// The resolution Tesseract reads Chinese best at (its documentation; measured).
pub const TARGET_DPI: f32 = 300.0;

/// Decode an image file's first page (PNG, JPEG, TIFF, BMP: by content).
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, ExtractError> {
    let decode = || -> Result<DynamicImage, String> {
        let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(MAX_ALLOC);
        limits.max_image_width = Some(40_000);
        limits.max_image_height = Some(40_000);
        reader.limits(limits.clone());
        let (w, h) = reader.into_dimensions().map_err(|e| e.to_string())?;
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(format!("{w}×{h} pixels, more than {MAX_PIXELS}"));
        }
        let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        reader.limits(limits);
        reader.decode().map_err(|e| e.to_string())
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode)) {
        Ok(Ok(img)) => Ok(img),
        Ok(Err(why)) => Err(ExtractError::Corrupt(format!("image: {why}"))),
        Err(_) => Err(ExtractError::Crashed("the image decoder failed".into())),
    }
}

/// The pixel width of an image, from its header (nothing decoded).
pub fn width(bytes: &[u8]) -> Option<u32> {
    ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
        .map(|(w, _)| w)
}

/// What is done to an image before OCR (all of it by default; the benchmark script
/// turns steps off with `MARK_LINT_OCR_PREPARE=none|gray|scale` to measure them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Steps {
    pub scale: bool,
    pub binarise: bool,
}

impl Steps {
    pub fn from_env() -> Steps {
        match std::env::var("MARK_LINT_OCR_PREPARE").as_deref() {
            Ok("none" | "gray") => Steps {
                scale: false,
                binarise: false,
            },
            Ok("scale") => Steps {
                scale: true,
                binarise: false,
            },
            _ => Steps {
                scale: true,
                binarise: true,
            },
        }
    }
}

/// The top `band` (a fraction of the height; 1.0 for the whole page) of a page image
/// of known or guessed resolution, ready for OCR: a PGM and the dpi it is at. Without
/// a resolution, the page is taken as A4 portrait (210 mm wide).
pub fn band(img: &DynamicImage, band: f32, dpi: Option<f32>, steps: Steps) -> (Vec<u8>, u32) {
    let (gray, dpi) = band_image(img, band, dpi, steps);
    (pgm(&gray), dpi)
}

/// `band`, as an image: the PDF worker sends it to the parent as a PNG.
pub fn band_image(
    img: &DynamicImage,
    band: f32,
    dpi: Option<f32>,
    steps: Steps,
) -> (GrayImage, u32) {
    let (w, h) = (img.width(), img.height());
    let cut = ((h as f32 * band.clamp(0.05, 1.0)).ceil() as u32).clamp(1, h.max(1));
    let gray = img.crop_imm(0, 0, w, cut).into_luma8();
    let dpi = dpi
        .filter(|d| (50.0..=2400.0).contains(d))
        .unwrap_or(w as f32 / (210.0 / 25.4));
    let (gray, dpi) = if steps.scale && !(250.0..=400.0).contains(&dpi) {
        let f = TARGET_DPI / dpi.max(1.0);
        let (nw, nh) = (
            ((w as f32 * f).round() as u32).max(1),
            ((cut as f32 * f).round() as u32).max(1),
        );
        let filter = if f > 1.0 {
            image::imageops::FilterType::CatmullRom
        } else {
            image::imageops::FilterType::Triangle
        };
        (image::imageops::resize(&gray, nw, nh, filter), TARGET_DPI)
    } else {
        (gray, dpi)
    };
    let gray = if steps.binarise { otsu(gray) } else { gray };
    (gray, dpi.round() as u32)
}

/// A PNG of `img` (small for a binarised band: the PDF worker's reply carries it).
pub fn png(img: &GrayImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Black and white at Otsu's threshold (the one that best separates the two classes
/// of the histogram).
pub fn otsu(mut img: GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, n)| i as f64 * *n as f64)
        .sum();
    let (mut w_b, mut sum_b, mut best, mut threshold) = (0u64, 0f64, -1f64, 127u8);
    for (t, n) in hist.iter().enumerate() {
        w_b += n;
        if w_b == 0 {
            continue;
        }
        let w_f = total - w_b;
        if w_f == 0 {
            break;
        }
        sum_b += t as f64 * *n as f64;
        let (m_b, m_f) = (sum_b / w_b as f64, (sum - sum_b) / w_f as f64);
        let between = w_b as f64 * w_f as f64 * (m_b - m_f) * (m_b - m_f);
        if between > best {
            best = between;
            threshold = t as u8;
        }
    }
    for p in img.pixels_mut() {
        p.0[0] = if p.0[0] > threshold { 255 } else { 0 };
    }
    img
}

/// A binary PGM (P5), which Tesseract reads from stdin.
pub fn pgm(img: &GrayImage) -> Vec<u8> {
    let mut out = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
    out.extend_from_slice(img.as_raw());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otsu_splits_two_tones() {
        let mut img = GrayImage::new(4, 1);
        for (i, v) in [30u8, 40, 200, 220].iter().enumerate() {
            img.put_pixel(i as u32, 0, image::Luma([*v]));
        }
        let out = otsu(img);
        assert_eq!(out.as_raw(), &[0, 0, 255, 255]);
    }

    /// A 100 dpi A4 scan is scaled to 300 dpi; only the band is kept.
    #[test]
    fn band_scaled_to_300_dpi() {
        let img = DynamicImage::new_luma8(827, 1169);
        let all = Steps {
            scale: true,
            binarise: true,
        };
        let (pgm, dpi) = band(&img, 0.3, None, all);
        assert_eq!(dpi, 300);
        assert!(pgm.starts_with(b"P5\n2480 1053\n255\n"), "{:?}", &pgm[..20]);
        // Already near 300 dpi: left as it is.
        let img = DynamicImage::new_luma8(2480, 3508);
        let (pgm, dpi) = band(&img, 1.0, Some(300.0), all);
        assert_eq!(dpi, 300);
        assert!(pgm.starts_with(b"P5\n2480 3508\n"));
    }

    #[test]
    fn what_is_no_image_is_an_error() {
        assert!(matches!(
            decode(b"not an image"),
            Err(ExtractError::Corrupt(_))
        ));
        assert!(matches!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(ExtractError::Corrupt(_))
        ));
    }
}
