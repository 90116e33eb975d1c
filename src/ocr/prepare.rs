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

/// A band or strip made ready for OCR: the image, the dpi it is at, and the rows where
/// binarising it removed faint ink (see `faint_rows`).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub image: GrayImage,
    pub dpi: u32,
    /// Pixel rows (top, bottom; bottom exclusive) of ink in the left half that the
    /// binarisation turned white: text too faint to survive it (a 份号 printed light).
    pub faint: Vec<(u32, u32)>,
}

/// The top `band` (a fraction of the height; 1.0 for the whole page) of a page image
/// of known or guessed resolution, ready for OCR. Without a resolution, the page is
/// taken as A4 portrait (210 mm wide).
pub fn band_image(img: &DynamicImage, band: f32, dpi: Option<f32>, steps: Steps) -> Prepared {
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
        let kernel = if f > 1.0 {
            Kernel::CatmullRom
        } else {
            Kernel::Triangle
        };
        (resize(&gray, nw, nh, kernel), TARGET_DPI)
    } else {
        (gray, dpi)
    };
    let dpi = dpi.round() as u32;
    if !steps.binarise {
        return Prepared {
            image: gray,
            dpi,
            faint: Vec::new(),
        };
    }
    let threshold = otsu_threshold(&gray);
    let faint = faint_rows(&gray, threshold, dpi);
    Prepared {
        image: binarise(gray, threshold),
        dpi,
        faint,
    }
}

/// A PNG of `img` (small for a binarised band: the PDF worker's reply carries it).
pub fn png(img: &GrayImage) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// The resampling filters `band_image` uses: Catmull-Rom to enlarge, triangle (linear)
/// to shrink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    CatmullRom,
    Triangle,
}

impl Kernel {
    fn support(self) -> f32 {
        match self {
            Kernel::CatmullRom => 2.0,
            Kernel::Triangle => 1.0,
        }
    }

    fn weight(self, x: f32) -> f32 {
        let a = x.abs();
        match self {
            // Mitchell–Netravali with B = 0, C = 0.5.
            Kernel::CatmullRom if a < 1.0 => (9.0 * a.powi(3) - 15.0 * a.powi(2) + 6.0) / 6.0,
            Kernel::CatmullRom if a < 2.0 => {
                (-3.0 * a.powi(3) + 15.0 * a.powi(2) - 24.0 * a + 12.0) / 6.0
            }
            Kernel::Triangle if a < 1.0 => 1.0 - a,
            _ => 0.0,
        }
    }
}

/// The source span and normalised weights of each output position along one axis of
/// `from` pixels resampled to `to` (the image crate's separable scheme: a pixel's
/// centre maps to `(o + 0.5) · from / to`, the kernel widens when shrinking).
fn taps(from: u32, to: u32, kernel: Kernel) -> Vec<(usize, Vec<f32>)> {
    let ratio = from as f32 / to as f32;
    let sratio = ratio.max(1.0);
    let support = kernel.support() * sratio;
    (0..to)
        .map(|o| {
            let centre = (o as f32 + 0.5) * ratio;
            let left = ((centre - support).floor() as i64).clamp(0, i64::from(from) - 1);
            let right = ((centre + support).ceil() as i64).clamp(left + 1, i64::from(from));
            let centre = centre - 0.5;
            let mut ws: Vec<f32> = (left..right)
                .map(|i| kernel.weight((i as f32 - centre) / sratio))
                .collect();
            let sum: f32 = ws.iter().fold(0.0, |s, w| s + w);
            for w in &mut ws {
                *w /= sum;
            }
            (left as usize, ws)
        })
        .collect()
}

/// `img` resampled to `nw` × `nh`: the same arithmetic as `image::imageops::resize`
/// with the same filter (columns first, then rows, in `f32`; the test below compares
/// them pixel for pixel), on one channel and row by row. The image crate's version
/// works through four `f32` channels and column by column, and cost 170 ms of a
/// 200 dpi band (BENCHMARKS.md, "OCR of scans").
pub fn resize(img: &GrayImage, nw: u32, nh: u32, kernel: Kernel) -> GrayImage {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 || (nw, nh) == (w, h) || nw == 0 || nh == 0 {
        return image::imageops::resize(img, nw, nh, image::imageops::FilterType::Nearest);
    }
    let (w, nw_us) = (w as usize, nw as usize);
    let src = img.as_raw();
    let mut tall = vec![0f32; w * nh as usize];
    for (row, (top, ws)) in tall.chunks_exact_mut(w).zip(taps(h, nh, kernel)) {
        for (i, weight) in ws.iter().enumerate() {
            let line = &src[(top + i) * w..(top + i + 1) * w];
            for (t, p) in row.iter_mut().zip(line) {
                *t += f32::from(*p) * weight;
            }
        }
    }
    let across = taps(w as u32, nw, kernel);
    let mut out = vec![0u8; nw_us * nh as usize];
    for (row, line) in out.chunks_exact_mut(nw_us).zip(tall.chunks_exact(w)) {
        for (o, (left, ws)) in row.iter_mut().zip(&across) {
            let t = ws
                .iter()
                .zip(&line[*left..])
                .fold(0.0f32, |t, (w, p)| t + p * w);
            *o = t.clamp(0.0, 255.0).round() as u8;
        }
    }
    GrayImage::from_raw(nw, nh, out).expect("buffer of the output's size")
}

/// Black and white at Otsu's threshold (the one that best separates the two classes
/// of the histogram).
pub fn otsu(img: GrayImage) -> GrayImage {
    let threshold = otsu_threshold(&img);
    binarise(img, threshold)
}

/// Otsu's threshold of `img`: values above it are paper.
pub fn otsu_threshold(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.as_raw() {
        hist[*p as usize] += 1;
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
    threshold
}

fn binarise(mut img: GrayImage, threshold: u8) -> GrayImage {
    for p in img.pixels_mut() {
        p.0[0] = if p.0[0] > threshold { 255 } else { 0 };
    }
    img
}

/// How much darker than the paper a pixel that binarisation turned white must be to
/// count as faint ink (JPEG noise on paper stays within a few levels).
const FAINT_BELOW_PAPER: u8 = 40;
/// Faint pixels a row's left half needs to count as a row of faint ink.
const FAINT_PIXELS_PER_ROW: usize = 8;
/// Height (mm) a run of faint rows needs to be text: the rows just above and below a
/// dark line, grey from anti-aliasing and resampling, are thinner than this.
const FAINT_MIN_MM: f32 = 1.2;

/// Runs of rows where the left half of `gray` holds ink that binarising at `threshold`
/// turns white — lighter than the threshold, clearly darker than the paper — and no
/// ink that survives it: a line of text too faint to be read (GB/T 9704 puts the 份号
/// top left, above the mark). Rows of dark text, with their grey edges, are not counted.
pub fn faint_rows(gray: &GrayImage, threshold: u8, dpi: u32) -> Vec<(u32, u32)> {
    let (w, h) = (gray.width() as usize, gray.height());
    let mut hist = [0u64; 256];
    for p in gray.as_raw() {
        hist[*p as usize] += 1;
    }
    // The paper: the commonest value above the threshold.
    let paper = (usize::from(threshold) + 1..256)
        .max_by_key(|v| (hist[*v], *v))
        .unwrap_or(255) as u8;
    let Some(faint_max) = paper.checked_sub(FAINT_BELOW_PAPER) else {
        return Vec::new();
    };
    if faint_max <= threshold {
        return Vec::new();
    }
    let half = (w / 2).max(1);
    let faint_row = |y: u32| {
        let row = &gray.as_raw()[y as usize * w..y as usize * w + half];
        let faint = row
            .iter()
            .filter(|p| **p > threshold && **p <= faint_max)
            .count();
        let dark = row.iter().filter(|p| **p <= threshold).count();
        faint >= FAINT_PIXELS_PER_ROW && dark * 20 <= faint
    };
    let min_rows = (FAINT_MIN_MM / 25.4 * dpi as f32).ceil() as u32;
    let mut runs = Vec::new();
    let mut start = None;
    for y in 0..=h {
        match (y < h && faint_row(y), start) {
            (true, None) => start = Some(y),
            (false, Some(s)) => {
                if y - s >= min_rows {
                    runs.push((s, y));
                }
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// The images of one OCR run, all at `dpi`, as one multi-page TIFF (uncompressed,
/// little-endian): what Tesseract reads from stdin page by page, loading its model once
/// for all of them. A black-and-white image (every pixel 0 or 255, as binarised) is
/// written with one bit per pixel: Tesseract then skips its own thresholding, which
/// cost about 0.05 s of CPU on a 300 dpi band (BENCHMARKS.md); any other image with
/// eight.
pub fn tiff(pages: &[&GrayImage], dpi: u32) -> Vec<u8> {
    let mut out = b"II*\0\0\0\0\0".to_vec();
    // Where the offset of the next directory goes: the header's, then each directory's.
    let mut link = 4;
    for page in pages {
        let (w, h) = page.dimensions();
        let bilevel = page.as_raw().iter().all(|p| *p == 0 || *p == 255);
        let data_at = out.len() as u32;
        if bilevel {
            for row in page.as_raw().chunks_exact(w.max(1) as usize) {
                out.extend(row.chunks(8).map(|bits| {
                    bits.iter()
                        .enumerate()
                        .fold(0u8, |b, (i, p)| b | (u8::from(*p == 255) << (7 - i)))
                }));
            }
        } else {
            out.extend_from_slice(page.as_raw());
        }
        let data_len = out.len() as u32 - data_at;
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd = out.len() as u32;
        out[link..link + 4].copy_from_slice(&ifd.to_le_bytes());
        const ENTRIES: u16 = 12;
        let rational = ifd + 2 + 12 * u32::from(ENTRIES) + 4;
        // (tag, type: 3 SHORT, 4 LONG, 5 RATIONAL, value or offset), in tag order.
        let entries: [(u16, u16, u32); ENTRIES as usize] = [
            (256, 4, w),
            (257, 4, h),
            (258, 3, if bilevel { 1 } else { 8 }),
            (259, 3, 1),
            // BlackIsZero: 0 is black, in one bit as in eight.
            (262, 3, 1),
            (273, 4, data_at),
            (277, 3, 1),
            (278, 4, h),
            (279, 4, data_len),
            (282, 5, rational),
            (283, 5, rational),
            (296, 3, 2),
        ];
        out.extend_from_slice(&ENTRIES.to_le_bytes());
        for (tag, kind, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes());
            out.extend_from_slice(&value.to_le_bytes());
        }
        link = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&dpi.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
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
        let band = band_image(&img, 0.3, None, all);
        assert_eq!(band.dpi, 300);
        assert_eq!(band.image.dimensions(), (2480, 1053));
        // Already near 300 dpi: left as it is.
        let img = DynamicImage::new_luma8(2480, 3508);
        let page = band_image(&img, 1.0, Some(300.0), all);
        assert_eq!(page.dpi, 300);
        assert_eq!(page.image.dimensions(), (2480, 3508));
    }

    /// Gray ink of varied tones on paper: a picture to resample.
    fn sample(w: u32, h: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let v = (x * 37 + y * 91 + (x * y) % 17) % 256;
            image::Luma([if (x / 7 + y / 5) % 3 == 0 {
                v as u8
            } else {
                250
            }])
        })
    }

    /// `resize` gives the image crate's result pixel for pixel, enlarging (Catmull-Rom)
    /// and shrinking (triangle), by whole and by odd factors.
    #[test]
    fn resize_equals_the_image_crates() {
        use image::imageops::FilterType;
        let img = sample(157, 83);
        for (nw, nh) in [
            (471, 249),
            (236, 125),
            (200, 83),
            (157, 100),
            (60, 31),
            (31, 60),
        ] {
            for (kernel, filter) in [
                (Kernel::CatmullRom, FilterType::CatmullRom),
                (Kernel::Triangle, FilterType::Triangle),
            ] {
                let ours = resize(&img, nw, nh, kernel);
                let theirs = image::imageops::resize(&img, nw, nh, filter);
                assert_eq!(ours.dimensions(), theirs.dimensions());
                assert!(ours == theirs, "{nw}×{nh} {kernel:?}");
            }
        }
        assert_eq!(resize(&img, 157, 83, Kernel::CatmullRom), img);
    }

    /// A light-grey line above black text: Otsu's threshold turns it white, and its
    /// rows are faint; the grey edges of the black text are not; noise on the paper is
    /// not.
    #[test]
    fn faint_ink_lost_in_binarisation() {
        let (w, h) = (600u32, 300u32);
        let img = GrayImage::from_fn(w, h, |x, y| {
            let ink = (x / 6) % 2 == 0 && x < 240;
            let v = match y {
                40..=79 if ink => 176,
                150..=199 if ink => 0,
                // Anti-aliased edges of the black line.
                147..=149 | 200..=202 if ink => 170,
                _ => 250 - ((x * 7 + y * 13) % 5) as u8,
            };
            image::Luma([v])
        });
        let t = otsu_threshold(&img);
        assert!(t < 176, "{t}");
        assert_eq!(faint_rows(&img, t, 300), [(40, 80)]);
        let binarised = binarise(img, t);
        assert!((40..80).all(|y| binarised.get_pixel(0, y).0[0] == 255));
        // Without faint ink: nothing.
        let clean = GrayImage::from_fn(w, h, |x, y| {
            image::Luma([if (150..200).contains(&y) && x % 12 < 6 {
                0
            } else {
                248
            }])
        });
        assert!(faint_rows(&clean, otsu_threshold(&clean), 300).is_empty());
    }

    /// The images of one run as a multi-page TIFF: each page whole, in order, at its
    /// resolution; black-and-white pages in one bit per pixel (rows padded to a byte),
    /// others in eight.
    #[test]
    fn images_as_one_tiff() {
        let gray = sample(40, 30);
        let bilevel = binarise(sample(25, 61), 128);
        let bytes = tiff(&[&gray, &bilevel, &gray], 300);
        let file = crate::extract::image_meta::Tiff::open(&bytes).unwrap();
        let pages = file.pages();
        assert_eq!(pages.len(), 3);
        for (ifd, want) in pages.iter().zip([&gray, &bilevel, &gray]) {
            let h = file.header(*ifd).unwrap();
            assert_eq!(
                (h.width, h.height, h.dpi),
                (want.width(), want.height(), Some(300.0))
            );
            let page = decode(&file.page_first(*ifd)).unwrap().into_luma8();
            assert!(page == *want);
        }
        // 25 pixels a row: 4 bytes each, 61 rows.
        assert!(
            bytes.len() < 2 * 40 * 30 + 4 * 61 + 3 * 200,
            "{}",
            bytes.len()
        );
        assert_eq!(tiff(&[], 300), b"II*\0\0\0\0\0");
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
