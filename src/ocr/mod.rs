//! Reading scans: the top band of a page image (where GB/T 9704 puts the mark) through
//! Tesseract with the simplified-Chinese model, run as a child process with a time and
//! a memory bound from a run-wide pool. What comes back is OCR text, not typed text:
//! `read` turns each line into what the marking parser expects (a star-like glyph in
//! the star's place is `★`) and refuses to guess a mark read with low confidence.
//! Never downloads anything, never touches the network.

pub mod engine;
pub mod prepare;
pub mod render;
pub mod tsv;

use crate::extract::{ExtractError, Part, Role};

pub use engine::{Engine, engine};

/// `--ocr` / config `ocr:`: whether scans are read by OCR.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// When Tesseract with `chi_sim` is installed.
    #[default]
    Auto,
    Never,
    /// Its absence is an error (exit 2).
    Always,
}

/// `--ocr-pages` / config `ocr-pages:`: what of a scan is read.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Deserialize,
    schemars::JsonSchema,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Pages {
    /// The top band of page 1, and of each page that starts an attachment.
    #[default]
    First,
    /// Every page, whole.
    All,
}

/// How scans are read in one run (part of `extract::Limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub mode: Mode,
    pub pages: Pages,
}

impl Options {
    /// OCR off: scans stay ML900 (the default of library callers that set nothing).
    pub const OFF: Options = Options {
        mode: Mode::Never,
        pages: Pages::First,
    };

    /// Whether scans are read: OCR is wanted and the engine is installed.
    pub fn usable(&self) -> bool {
        self.mode != Mode::Never && engine().is_ok()
    }

    /// Why a scan was not read by OCR (the ML900 detail), when it was not.
    pub fn why_not(&self) -> &'static str {
        match (self.mode, engine()) {
            (Mode::Never, _) => "ocr: never",
            (_, Err(why)) => why,
            (_, Ok(_)) => "",
        }
    }
}

/// The image file extensions read as scans.
pub const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "tif", "tiff", "bmp"];

pub fn is_image_extension(ext: &str) -> bool {
    IMAGE_EXTENSIONS.contains(&ext)
}

/// Part of the page height read by default: GB/T 9704 puts the 份号, the mark and the
/// urgency above the 发文机关标志 (the top margin is 37 mm, the 版头 about 80 mm of
/// 297). In the benchmark's documents (BENCHMARKS.md) the mark's bottom edge lies at
/// 6–21 % of the page height (`pdftotext -bbox`); 30 % leaves room for wider top
/// margins and skewed scans.
pub const FIRST_PAGE_BAND: f32 = 0.30;

/// Scans below this resolution are not read: at 72 dpi Tesseract reads `机密` as `丁密`
/// with good confidence, a silent miss (measured, BENCHMARKS.md). Such a page is ML900.
pub const MIN_DPI: u32 = 100;

/// Mean word confidence (0–100) below which a line that looks like a mark is not taken
/// as one, and a scanned page is not taken as read. Clean reads of marks score about 90
/// (the TSV of the fixtures); the benchmark (BENCHMARKS.md) finds every mark at ≥ 150 dpi
/// but one, which falls below 60 and is reported, with no false mark.
pub const MIN_CONFIDENCE: f32 = 60.0;

/// `MARK_LINT_OCR_MIN_CONFIDENCE`: the benchmark's way to try other thresholds
/// (`scripts/ocr-bench.py --min-confidence`); not a setting.
pub const MIN_CONFIDENCE_ENV: &str = "MARK_LINT_OCR_MIN_CONFIDENCE";

/// The threshold of this run: `MIN_CONFIDENCE` unless the benchmark sets another.
pub fn min_confidence() -> f32 {
    static MIN: std::sync::OnceLock<f32> = std::sync::OnceLock::new();
    *MIN.get_or_init(|| {
        std::env::var(MIN_CONFIDENCE_ENV)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .filter(|c: &f32| (0.0..=100.0).contains(c))
            .unwrap_or(MIN_CONFIDENCE)
    })
}

/// What OCR read of one image: lines in reading order, each with its mean confidence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// Mean confidence of its words, 0–100 (a glyph taken as the star not counted).
    pub confidence: f32,
}

impl Reading {
    /// Mean confidence over the characters read (0 when nothing was read).
    pub fn confidence(&self) -> f32 {
        let (sum, n) = self.lines.iter().fold((0.0, 0usize), |(s, n), l| {
            let c = l.text.chars().filter(|c| !c.is_whitespace()).count();
            (s + l.confidence * c as f32, n + c)
        });
        if n == 0 { 0.0 } else { sum / n as f32 }
    }

    /// Characters read, whitespace apart.
    pub fn chars(&self) -> usize {
        self.lines
            .iter()
            .map(|l| l.text.chars().filter(|c| !c.is_whitespace()).count())
            .sum()
    }
}

/// A part read by OCR: `page 1 (OCR)`, its lines, and its mean confidence. A line
/// that looks like a mark but was read with low confidence is left out and returned
/// as the reason to report (never guessed).
pub fn part(page: usize, reading: &Reading) -> (Part, Option<ExtractError>) {
    let mut part = Part::new(Some(part_name(page)), Role::Body);
    let mut unsure = None;
    for (i, line) in reading.lines.iter().enumerate() {
        if looks_like_mark(&line.text) && line.confidence < min_confidence() {
            unsure.get_or_insert(ExtractError::Ocr(format!(
                "line {} read with confidence {:.0}% < {:.0}%",
                i + 1,
                line.confidence,
                min_confidence()
            )));
            part.push_line("", i as u32 + 1);
            continue;
        }
        part.push_line(&line.text, i as u32 + 1);
    }
    part.ocr = Some(reading.confidence());
    part.ocr_head = head_doubt(reading);
    (part, unsure)
}

/// Mean confidence below which the head of a page (its lines down to the first mark)
/// is not taken as read for sure, so a 份号 missing from it is not judged: stricter
/// than `MIN_CONFIDENCE`, as a wrong ML203 would blame the document for a misread. A
/// 份号 in faint numbering-machine ink can vanish in binarisation and leave only this
/// trace (the mark line reads at about 78 % where clean reads score 90 and more).
pub const HEAD_CONFIDENCE: f32 = 85.0;

/// Why the head of a reading (its lines down to the first mark-like line) is not read
/// for sure: a line above the mark that looks like a misread number (`UUU0U01`), or a
/// line there read below `HEAD_CONFIDENCE`. `None` without a mark: nothing to judge.
pub fn head_doubt(reading: &Reading) -> Option<String> {
    let mark = reading
        .lines
        .iter()
        .position(|l| looks_like_mark(&l.text))?;
    reading.lines[..=mark]
        .iter()
        .enumerate()
        .find_map(|(i, l)| {
            // What was read is not said: reports travel through CI logs.
            if i < mark && misread_number(&l.text) {
                Some(format!("line {} reads as a garbled number", i + 1))
            } else if l.confidence < HEAD_CONFIDENCE {
                Some(format!(
                    "line {} read with confidence {:.0}% < {:.0}%",
                    i + 1,
                    l.confidence,
                    HEAD_CONFIDENCE
                ))
            } else {
                None
            }
        })
}

/// A short line mostly of digits and the glyphs OCR takes digits for, that is not all
/// digits: what a 份号 misread looks like (`UUU0U01`, `0O0OO1`, `00000l`).
fn misread_number(s: &str) -> bool {
    let chars: Vec<char> = s.chars().filter(|c| !c.is_whitespace()).collect();
    let digitish = |c: &char| c.is_ascii_digit() || "OoQDUuIl|!SsBZz〇○口".contains(*c);
    !chars.is_empty()
        && chars.len() <= 12
        && chars.iter().filter(|c| digitish(c)).count() * 3 >= chars.len() * 2
        && chars.iter().any(|c| c.is_ascii_digit())
        && !chars.iter().all(char::is_ascii_digit)
}

/// Read one page image (an image file, an OFD image resource) by OCR, drawn at `dpi`
/// when known: its part and, when it was not read with confidence, why. A `document`
/// (an OFD page) with no confident text is a doubt; an image file is one only where a
/// mark-like line was unsure (a logo reads as nothing, and is nothing).
pub fn read_image(
    bytes: &[u8],
    page: usize,
    pages: Pages,
    dpi: Option<f32>,
    document: bool,
) -> Result<(Part, Option<ExtractError>), ExtractError> {
    let engine = engine()
        .as_ref()
        .map_err(|why| ExtractError::Ocr(why.clone()))?;
    let img = prepare::decode(bytes)?;
    let band = match pages {
        Pages::First => FIRST_PAGE_BAND,
        Pages::All => 1.0,
    };
    let (pgm, at) = prepare::band(&img, band, dpi, prepare::Steps::from_env());
    drop(img);
    if let Some(scanned) = dpi.map(|d| d.round() as u32)
        && scanned < MIN_DPI
    {
        return Err(ExtractError::Ocr(format!(
            "scanned at {scanned} dpi, below the {MIN_DPI} dpi OCR reads reliably"
        )));
    }
    let reading = engine.read(pgm, at)?;
    let (part, unsure) = part(page, &reading);
    let unsure = unsure.or_else(|| document.then(|| unsure_page(&reading)).flatten());
    Ok((part, unsure))
}

/// Read the band of a PDF page that pdftoppm renders (its image could not be decoded
/// in-process: `why`).
pub fn read_rendered(
    pdf: std::sync::Arc<Vec<u8>>,
    band: render::Band,
    why: &str,
) -> Result<Reading, ExtractError> {
    let engine = engine()
        .as_ref()
        .map_err(|why| ExtractError::Ocr(why.clone()))?;
    let gray = render::band(pdf, band, why)?;
    let img = image::DynamicImage::ImageLuma8(gray);
    let (pgm, at) = prepare::band(
        &img,
        1.0,
        Some(prepare::TARGET_DPI),
        prepare::Steps::from_env(),
    );
    engine.read(pgm, at)
}

/// The top-left strip of a page that is looked at to see whether the page starts an
/// attachment: GB/T 9704 puts `附件` (3号 黑体) flush left on the first line of the type
/// area (top margin 37 mm, left 28 mm: its line ends about 45 mm down, 15 % of an A4
/// page, and `附件12` about 55 mm in, 26 %). 35 % × 22 % leaves room for skew and
/// wider margins, and holds a mark set flush left above or below it.
pub const ATTACHMENT_STRIP: (f32, f32) = (0.35, 0.22);

/// A page's attachment strip, prepared for OCR like a band (gray, ~300 dpi, binarised).
/// `dpi` is the page's (guessed from its width as A4 when unknown).
pub fn strip(img: &image::DynamicImage, dpi: Option<f32>) -> image::GrayImage {
    let dpi = dpi.unwrap_or(img.width() as f32 / (210.0 / 25.4));
    let w = ((img.width() as f32 * ATTACHMENT_STRIP.0).ceil() as u32).clamp(1, img.width().max(1));
    let left = img.crop_imm(0, 0, w, img.height());
    prepare::band_image(
        &left,
        ATTACHMENT_STRIP.1,
        Some(dpi),
        prepare::Steps::from_env(),
    )
    .0
}

/// White rows between two strips stacked for one OCR run.
const STRIP_GAP: u32 = 48;

/// Which pages (of `strips`: page number, its strip) have their band read: those whose
/// strip shows `附件` or a level word. The strips are stacked into one image and read
/// by one Tesseract run, each word going to the strip it stands in, so that looking at
/// five pages costs one engine start, not five (measured in BENCHMARKS.md).
pub fn pages_to_read(strips: &[(usize, image::GrayImage)]) -> Result<Vec<usize>, ExtractError> {
    if strips.is_empty() {
        return Ok(Vec::new());
    }
    let engine = engine()
        .as_ref()
        .map_err(|why| ExtractError::Ocr(why.clone()))?;
    let width = strips.iter().map(|(_, s)| s.width()).max().unwrap_or(1);
    let height: u32 = strips.iter().map(|(_, s)| s.height() + STRIP_GAP).sum();
    let mut sheet = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let mut spans = Vec::with_capacity(strips.len());
    let mut top = 0;
    for (page, s) in strips {
        image::imageops::replace(&mut sheet, s, 0, i64::from(top));
        spans.push((*page, top, top + s.height()));
        top += s.height() + STRIP_GAP;
    }
    let words = engine.read_words(prepare::pgm(&sheet), prepare::TARGET_DPI as u32)?;
    Ok(spans
        .into_iter()
        .filter(|(_, top, bottom)| {
            let text: String = words
                .iter()
                .filter(|(y, _)| (*top..*bottom).contains(y))
                .map(|(_, w)| w.as_str())
                .collect();
            text.contains("附件") || looks_like_mark(&text)
        })
        .map(|(page, _, _)| page)
        .collect())
}

/// `page 3 (OCR)`: the name of a part read by OCR.
pub fn part_name(page: usize) -> String {
    format!("page {page} (OCR)")
}

/// A scanned page of a document (PDF, OFD) that OCR could not read with confidence:
/// the reason, or `None` when it was read.
pub fn unsure_page(reading: &Reading) -> Option<ExtractError> {
    if reading.chars() < 4 {
        return Some(ExtractError::Ocr("no text in the top band".to_string()));
    }
    let c = reading.confidence();
    let min = min_confidence();
    (c < min).then(|| ExtractError::Ocr(format!("mean confidence {c:.0}% < {min:.0}%")))
}

/// Whether an OCR line (spaces apart) carries a level word: it could be a mark.
fn looks_like_mark(s: &str) -> bool {
    ["绝密", "机密", "秘密"].iter().any(|w| s.contains(w))
}

/// One OCR line as the marking parser should see it. Tesseract's Chinese model has no
/// `★`: it reads the star as whatever glyph is nearest (`女 太 友 妇 六 文 大 *`, or
/// nothing). Only a line that is a level word, one such glyph (and a stray mark of
/// punctuation) and a term that cannot be anything else (a duration, a date, `启用前`,
/// `长期`, `解密条件…`) is rewritten, to `level★term` without spaces; every other line
/// is left as read.
pub fn canonical_mark(line: &str) -> Option<String> {
    static MARK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"^(?P<pre>密级[:：]?)?(?P<level>绝密|机密|秘密)",
            r"(?P<star>[^0-9０-９级]?[^0-9０-９级\p{Han}]?)",
            r"(?P<term>[0-9]{1,2}(?:年(?:[0-9]{1,2}个月)?|个月|月|日|天)",
            r"|[0-9]{4}年[0-9]{1,2}月(?:[0-9]{1,2}日)?前?",
            r"|[0-9]{4}-[0-9]{2}-[0-9]{2}",
            r"|启用前|长期|解密条件.*)$"
        ))
        .expect("valid regex")
    });
    let squeezed: String = line
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .trim_matches(|c: char| "|[]{}()'\"‘’“”,.:;—-_~`!".contains(c))
        .to_string();
    let m = MARK.captures(&squeezed)?;
    Some(format!(
        "{}{}★{}",
        m.name("pre").map_or("", |p| p.as_str()),
        &m["level"],
        &m["term"]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Tesseract 5.3 `chi_sim` read on rendered marks (survey in BENCHMARKS.md):
    /// the star as any of a dozen glyphs, or not at all; spaces inside the term.
    #[test]
    fn star_glyphs_in_the_stars_place_are_the_star() {
        for (read, want) in [
            ("秘密女5 年", "秘密★5年"),
            ("秘密太5年", "秘密★5年"),
            ("机密妇10 年", "机密★10年"),
            ("机密友10 年", "机密★10年"),
            ("机密六1年", "机密★1年"),
            ("秘密六]1 年", "秘密★1年"),
            ("绝密 * 启用前", "绝密★启用前"),
            ("绝密 启用前", "绝密★启用前"),
            ("绝密 ★ 启用前", "绝密★启用前"),
            ("秘密☆6个月", "秘密★6个月"),
            ("机密大2040年12月31日", "机密★2040年12月31日"),
            ("| 机密女10 年 |", "机密★10年"),
            ("密级：机密女5年", "密级：机密★5年"),
            ("秘密1年6个月", "秘密★1年6个月"),
        ] {
            assert_eq!(canonical_mark(read).as_deref(), Some(want), "{read}");
        }
    }

    /// Prose, titles and near-marks stay as read: nothing is guessed into a mark.
    #[test]
    fn prose_is_not_a_mark() {
        for read in [
            "机密文件管理办法",
            "秘密级5年",
            "关于机密★10年的说明",
            "机密",
            "绝密级国家秘密",
            "秘密女5年以上",
            "机密女性10年",
            "000001",
            "秘密女123年",
        ] {
            assert_eq!(canonical_mark(read), None, "{read}");
        }
    }

    #[test]
    fn low_confidence_mark_lines_are_not_guessed() {
        let reading = Reading {
            lines: vec![
                Line {
                    text: "000001".into(),
                    confidence: 90.0,
                },
                Line {
                    text: "机密★10年".into(),
                    confidence: 41.0,
                },
                Line {
                    text: "云岭市水务局文件".into(),
                    confidence: 92.0,
                },
            ],
        };
        let (part, unsure) = part(1, &reading);
        assert_eq!(part.name.as_deref(), Some("page 1 (OCR)"));
        assert!(!part.text.contains("机密"), "{}", part.text);
        assert!(part.text.contains("云岭市水务局文件"));
        assert_eq!(
            unsure,
            Some(ExtractError::Ocr(
                "line 2 read with confidence 41% < 60%".into()
            ))
        );
        assert!(part.ocr.is_some_and(|c| c > 60.0));
    }

    /// A head whose 份号 was misread, or read below `HEAD_CONFIDENCE` (what 100 dpi
    /// scans of `gongwen-100-faint.jpg` read), is not read for sure; a clean one is.
    #[test]
    fn heads_not_read_for_sure() {
        let line = |t: &str, c| Line {
            text: t.into(),
            confidence: c,
        };
        let reading = |lines| Reading { lines };
        let clean = reading(vec![line("000001", 91.0), line("机密★10年", 93.0)]);
        assert_eq!(head_doubt(&clean), None);
        let misread = reading(vec![line("UUU0U01", 44.0), line("机密★10年", 91.0)]);
        assert_eq!(
            head_doubt(&misread).as_deref(),
            Some("line 1 reads as a garbled number")
        );
        let faint = reading(vec![
            line("机密★10年", 78.0),
            line("云岭市水务局文件", 92.0),
        ]);
        assert_eq!(
            head_doubt(&faint).as_deref(),
            Some("line 1 read with confidence 78% < 85%")
        );
        let unmarked = reading(vec![line("UUU0U01", 44.0)]);
        assert_eq!(head_doubt(&unmarked), None);
        for s in ["0O0OO1", "00000l", "UUU0U01"] {
            assert!(misread_number(s), "{s}");
        }
        for s in [
            "000001",
            "云岭市水务局文件",
            "特急",
            "云水发〔2026〕8号",
            "OOO",
        ] {
            assert!(!misread_number(s), "{s}");
        }
    }

    #[test]
    fn scanned_pages_read_without_confidence() {
        let line = |t: &str, c| Line {
            text: t.into(),
            confidence: c,
        };
        let empty = Reading::default();
        assert!(unsure_page(&empty).is_some());
        let noise = Reading {
            lines: vec![line("狐殴 广电咱障 它", 30.0)],
        };
        assert_eq!(
            unsure_page(&noise),
            Some(ExtractError::Ocr("mean confidence 30% < 60%".into()))
        );
        let good = Reading {
            lines: vec![line("云岭市水务局文件", 93.0)],
        };
        assert_eq!(unsure_page(&good), None);
    }
}
