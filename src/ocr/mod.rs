//! Reading scans: the top band of a page image (where GB/T 9704 puts the mark) through
//! Tesseract with the simplified-Chinese model, run as a child process with a time and
//! a memory bound from a run-wide pool. What comes back is OCR text, not typed text:
//! `read` turns each line into what the marking parser expects (a star-like glyph in
//! the star's place is `★`) and refuses to guess a mark read with low confidence.
//! Never downloads anything, never touches the network.

pub mod engine;
pub mod prepare;
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
        if looks_like_mark(&line.text) && line.confidence < MIN_CONFIDENCE {
            unsure.get_or_insert(ExtractError::Ocr(format!(
                "line {} read with confidence {:.0}% < {:.0}%",
                i + 1,
                line.confidence,
                MIN_CONFIDENCE
            )));
            part.push_line("", i as u32 + 1);
            continue;
        }
        part.push_line(&line.text, i as u32 + 1);
    }
    part.ocr = Some(reading.confidence());
    (part, unsure)
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
    (c < MIN_CONFIDENCE)
        .then(|| ExtractError::Ocr(format!("mean confidence {c:.0}% < {:.0}%", MIN_CONFIDENCE)))
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
