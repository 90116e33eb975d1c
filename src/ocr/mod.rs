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

    /// Whether scans are read: OCR is wanted and the engine is installed. When the
    /// answer rests on the engine (OCR is wanted), the question is noted on this thread
    /// (`asking`).
    pub fn usable(&self) -> bool {
        if self.mode == Mode::Never {
            return false;
        }
        ASKED.with(|a| a.set(true));
        engine().is_ok()
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

thread_local! {
    /// Whether `Options::usable` was asked on this thread, with OCR wanted (`asking`).
    static ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` and say whether it asked whether scans can be read with the answer resting
/// on the engine being installed: what a document gave (extracted on this thread) then
/// depends on the engine, and the cache stores its facts with the answer. So a run
/// whose documents hold no image never looks for the engine (`tesseract --list-langs`
/// is 30 ms of CPU).
pub fn asking<T>(f: impl FnOnce() -> T) -> (T, bool) {
    let outer = ASKED.with(|a| a.replace(false));
    let out = f();
    let asked = ASKED.with(|a| a.replace(outer || a.get()));
    (out, asked)
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

/// What OCR read of one image: lines in reading order, each with its mean confidence
/// and its box, and where binarising the image removed faint ink.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub lines: Vec<Line>,
    /// Rows of faint ink the binarisation turned white (`prepare::Prepared::faint`).
    pub faint: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    /// Mean confidence of its words, 0–100 (a glyph taken as the star not counted).
    pub confidence: f32,
    /// Left, top, right and bottom edges of its words, in pixels of the image read.
    pub bbox: (u32, u32, u32, u32),
}

impl Line {
    /// A line with no known place.
    pub fn new(text: impl Into<String>, confidence: f32) -> Line {
        Line {
            text: text.into(),
            confidence,
            bbox: (0, 0, 0, 0),
        }
    }
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
/// for sure: a line above the mark that looks like a misread number (`UUU0U01`), a
/// line there read below `HEAD_CONFIDENCE`, or faint ink above the mark (where GB/T
/// 9704 puts the 份号) that binarisation removed and OCR read nothing of. `None`
/// without a mark: nothing to judge.
pub fn head_doubt(reading: &Reading) -> Option<String> {
    let mark = reading
        .lines
        .iter()
        .position(|l| looks_like_mark(&l.text))?;
    let doubt = reading.lines[..=mark]
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
        });
    doubt.or_else(|| unread_faint_ink(reading, reading.lines[mark].bbox.1))
}

/// Faint ink above `mark_top` in rows where OCR read no line: text lost in binarisation.
fn unread_faint_ink(reading: &Reading, mark_top: u32) -> Option<String> {
    let read = |top: u32, bottom: u32| {
        reading
            .lines
            .iter()
            .any(|l| l.bbox.1 < bottom && top < l.bbox.3)
    };
    reading
        .faint
        .iter()
        .any(|&(top, bottom)| (top + bottom) / 2 < mark_top && !read(top, bottom))
        .then(|| "ink above the mark too faint to read".to_string())
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

/// The part of the page height read of each page: the band with `first`, all of it
/// with `all`.
pub fn band_fraction(pages: Pages) -> f32 {
    match pages {
        Pages::First => FIRST_PAGE_BAND,
        Pages::All => 1.0,
    }
}

/// Why a page scanned at `dpi` is not read: below `MIN_DPI`.
pub fn too_coarse(dpi: Option<f32>) -> Option<ExtractError> {
    let scanned = dpi?.round() as u32;
    (scanned < MIN_DPI).then(|| {
        ExtractError::Ocr(format!(
            "scanned at {scanned} dpi, below the {MIN_DPI} dpi OCR reads reliably"
        ))
    })
}

/// The engine, or why there is none, as an error.
pub fn installed() -> Result<&'static Engine, ExtractError> {
    engine()
        .as_ref()
        .map_err(|why| ExtractError::Ocr(why.clone()))
}

/// What OCR read of each image that could be prepared, in one run (`Engine::read`), or
/// why an image has no reading: its own error, or the run's.
pub fn read_each(
    images: &[&Result<prepare::Prepared, ExtractError>],
) -> Vec<Result<Reading, ExtractError>> {
    let ok: Vec<&prepare::Prepared> = images.iter().filter_map(|p| p.as_ref().ok()).collect();
    let read = if ok.is_empty() {
        Ok(Vec::new())
    } else {
        installed().and_then(|engine| engine.read(&ok))
    };
    let mut readings = read.clone().unwrap_or_default().into_iter();
    images
        .iter()
        .map(|p| match (p, &read) {
            (Err(e), _) | (Ok(_), Err(e)) => Err(e.clone()),
            (Ok(_), Ok(_)) => Ok(readings.next().unwrap_or_default()),
        })
        .collect()
}

/// The top `band` of an image file's page, decoded and prepared for OCR.
pub fn prepare_image(
    bytes: &[u8],
    band: f32,
    dpi: Option<f32>,
) -> Result<prepare::Prepared, ExtractError> {
    let img = prepare::decode(bytes)?;
    Ok(prepare::band_image(
        &img,
        band,
        dpi,
        prepare::Steps::from_env(),
    ))
}

/// A page's part from what OCR read, and its doubt: a mark-like line read unsurely,
/// or, for a `document`'s page (PDF, OFD), a page read without confidence.
pub fn read_part(page: usize, reading: &Reading, document: bool) -> (Part, Option<ExtractError>) {
    let (part, unsure) = part(page, reading);
    let unsure = unsure.or_else(|| document.then(|| unsure_page(reading)).flatten());
    (part, unsure)
}

/// The band of a PDF page that pdftoppm renders (its image could not be decoded
/// in-process: `why`), prepared for OCR.
pub fn prepare_rendered(
    pdf: std::sync::Arc<Vec<u8>>,
    band: render::Band,
    why: &str,
) -> Result<prepare::Prepared, ExtractError> {
    installed()?;
    let gray = render::band(pdf, band, why)?;
    let img = image::DynamicImage::ImageLuma8(gray);
    Ok(prepare::band_image(
        &img,
        1.0,
        Some(prepare::TARGET_DPI),
        prepare::Steps::from_env(),
    ))
}

/// The top-left strip of a page after the first that is read to see whether the page
/// starts an attachment, and what mark it carries. GB/T 9704 puts `附件` (3号 黑体) flush
/// left on the first line of the type area (top margin 37 mm, left 28 mm), and the
/// attachment's own mark at the top left, under or beside it: `附件1　机密★10年` ends
/// about 84 mm in (40 % of an A4 page). The strip is as tall as the first page's band
/// (30 %), so a mark that band would hold on page 1 is in the strip of a later page;
/// a mark line that runs into the strip's right edge is read again from the page's
/// band (`Look::Band`).
pub const ATTACHMENT_STRIP: (f32, f32) = (0.40, FIRST_PAGE_BAND);

/// A page's attachment strip, prepared for OCR like a band (gray, ~300 dpi, binarised).
/// `dpi` is the page's (guessed from its width as A4 when unknown).
pub fn strip(img: &image::DynamicImage, dpi: Option<f32>) -> prepare::Prepared {
    let dpi = dpi.unwrap_or(img.width() as f32 / (210.0 / 25.4));
    let w = ((img.width() as f32 * ATTACHMENT_STRIP.0).ceil() as u32).clamp(1, img.width().max(1));
    let left = img.crop_imm(0, 0, w, img.height());
    prepare::band_image(
        &left,
        ATTACHMENT_STRIP.1,
        Some(dpi),
        prepare::Steps::from_env(),
    )
}

/// What the strip of a later page shows, and so what of the page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// No `附件` heading and no level word: the page is not read.
    Nothing,
    /// An attachment heading, or a mark that ends inside the strip: the strip's reading
    /// is the page's part (no further OCR run).
    Strip,
    /// A line with a level word that runs into the strip's right edge (a long term, a
    /// mark beside a wide heading, prose): the page's band is read.
    Band,
}

/// What `strip` (the reading of a strip `width` pixels wide) shows.
pub fn look(strip: &Reading, width: u32) -> Look {
    let marks = strip.lines.iter().filter(|l| looks_like_mark(&l.text));
    if marks.clone().any(|l| runs_to_edge(l, width)) {
        Look::Band
    } else if marks.count() > 0 || strip.lines.iter().any(|l| attachment_heading(&l.text)) {
        Look::Strip
    } else {
        Look::Nothing
    }
}

/// Whether a line ends within one and a half of its heights (about one character) of
/// the right edge of an image `width` pixels wide: what stood to its right was cut off.
fn runs_to_edge(line: &Line, width: u32) -> bool {
    let (_, top, right, bottom) = line.bbox;
    let height = bottom.saturating_sub(top).max(1);
    right.saturating_add(height * 3 / 2) >= width
}

/// `附件`, `附件2`, `附件三` alone on a line (the heading of an attachment's first page;
/// not `附件：1.…`, the list of attachments at the end of the main text).
fn attachment_heading(s: &str) -> bool {
    let squeezed: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    squeezed
        .trim_matches(|c: char| "|[]{}()'\"‘’“”,.:;—-_~`!".contains(c))
        .strip_prefix("附件")
        .is_some_and(|n| {
            n.chars().all(|c| {
                c.is_ascii_digit() || "０１２３４５６７８９一二三四五六七八九十".contains(c)
            })
        })
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
                Line::new("000001", 90.0),
                Line::new("机密★10年", 41.0),
                Line::new("云岭市水务局文件", 92.0),
            ],
            ..Reading::default()
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
        let line = |t: &str, c| Line::new(t, c);
        let reading = |lines| Reading {
            lines,
            ..Reading::default()
        };
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
        let line = |t: &str, c| Line::new(t, c);
        let empty = Reading::default();
        assert!(unsure_page(&empty).is_some());
        let noise = Reading {
            lines: vec![line("狐殴 广电咱障 它", 30.0)],
            ..Reading::default()
        };
        assert_eq!(
            unsure_page(&noise),
            Some(ExtractError::Ocr("mean confidence 30% < 60%".into()))
        );
        let good = Reading {
            lines: vec![line("云岭市水务局文件", 93.0)],
            ..Reading::default()
        };
        assert_eq!(unsure_page(&good), None);
    }

    fn placed(text: &str, bbox: (u32, u32, u32, u32)) -> Line {
        Line {
            bbox,
            ..Line::new(text, 93.0)
        }
    }

    /// Faint ink above the mark that OCR read nothing of (a light 份号 lost in
    /// binarisation) leaves the head unsure; faint rows OCR did read, or below the
    /// mark's top, do not.
    #[test]
    fn faint_ink_above_the_mark_unread() {
        let lines = vec![
            placed("机密★10年", (330, 570, 680, 640)),
            placed("云岭市水务局文件", (330, 800, 1600, 880)),
        ];
        let with = |faint| Reading {
            lines: lines.clone(),
            faint,
        };
        assert_eq!(
            head_doubt(&with(vec![(460, 510)])).as_deref(),
            Some("ink above the mark too faint to read")
        );
        assert_eq!(head_doubt(&with(Vec::new())), None);
        // Faint rows beside the mark or under it: not above it.
        assert_eq!(head_doubt(&with(vec![(600, 640), (900, 950)])), None);
        // Read there: the line OCR made of it is judged as before.
        let mut read = with(vec![(460, 510)]);
        read.lines.insert(0, placed("000001", (330, 462, 540, 508)));
        assert_eq!(head_doubt(&read), None);
    }

    /// What a later page's strip shows decides what of the page is read.
    #[test]
    fn strips_looked_at() {
        let strip = |lines| Reading {
            lines,
            ..Reading::default()
        };
        let width = 992;
        let attachment = strip(vec![
            placed("附件", (334, 457, 461, 520)),
            placed("机密★10年", (331, 567, 670, 640)),
        ]);
        assert_eq!(look(&attachment, width), Look::Strip);
        let heading_only = strip(vec![
            placed("附件2", (334, 457, 520, 520)),
            placed("城西水厂联络管", (331, 690, 990, 760)),
        ]);
        assert_eq!(look(&heading_only, width), Look::Strip);
        // A mark running into the edge may go on beyond it: the band is read.
        let cut = strip(vec![placed("机密★2040年12月", (331, 567, 960, 640))]);
        assert_eq!(look(&cut, width), Look::Band);
        let prose = strip(vec![placed("本文件属机密，请妥", (331, 567, 985, 640))]);
        assert_eq!(look(&prose, width), Look::Band);
        // The list of attachments, and prose that names one, start nothing.
        let body = strip(vec![
            placed("线路方案见附件", (333, 573, 830, 640)),
            placed("附件：1.城西水厂", (333, 690, 985, 760)),
        ]);
        assert_eq!(look(&body, width), Look::Nothing);
        assert_eq!(look(&Reading::default(), width), Look::Nothing);
        for s in ["附件", "附件1", "附件 12", "附件三", "| 附件2"] {
            assert!(attachment_heading(s), "{s}");
        }
        for s in ["附件：1.方案", "见附件", "附件说明", "附"] {
            assert!(!attachment_heading(s), "{s}");
        }
    }
}
