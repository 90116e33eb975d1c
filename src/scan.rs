//! Scanning a document: every place that declares a level (banner marks, labels, front
//! matter, file name), where each stands (first-page zone, attachment), and the date the
//! term runs from. Pure: a `Document` in, a `Scan` out; rules read the `Scan`.
//!
//! Unmarked documents are the common case, so the scan is lazy: the first-page zone is
//! parsed, and the rest of the text is read line by line only when the document shows
//! a mark somewhere (or a star anywhere, found by a byte search).

use jiff::civil::Date;

use crate::extract::markdown::{self, LineCleaner};
use crate::extract::{Document, Flavour};
use crate::marking::{self, LineKind, Mark, ParseOptions, Term};
use crate::regime::Regime;

/// Where something was found, in terms a reader can follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 1-based line in the file.
    pub line: u32,
    /// 1-based column, in characters, of the first character of the finding.
    pub column: u32,
    /// The line as shown in a snippet (the source line, or the extracted text line).
    pub snippet: String,
    /// Character offset of the finding in `snippet`, and its length in characters.
    pub snippet_col: usize,
    pub width: usize,
}

#[derive(Debug, Clone)]
pub struct FoundMark {
    pub pos: Position,
    pub mark: Mark,
    pub in_zone: bool,
    /// Follows a `附件` line within 3 lines: the attachment's own mark.
    pub attachment: bool,
}

#[derive(Debug, Clone)]
pub struct FoundLabel {
    pub pos: Position,
    pub level: Option<usize>,
    pub term: Option<Term>,
    pub raw: String,
}

#[derive(Debug, Clone)]
pub struct FoundNonSecret {
    pub pos: Position,
    pub designation: String,
    pub raw: String,
}

/// Where the term's start date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// Front matter `定密日期` / `classified_on`.
    FrontMatter,
    /// The 成文日期: the last line of the body that is a date alone.
    IssueDate,
}

/// A level declared somewhere other than the banner.
#[derive(Debug, Clone)]
pub struct Declared {
    pub level: Option<usize>,
    pub term: Option<Term>,
    pub raw: String,
    pub pos: Option<Position>,
}

#[derive(Debug, Clone, Default)]
pub struct FrontMatterInfo {
    pub level: Option<Declared>,
    pub term: Option<Declared>,
    pub classified_on: Option<(Date, Position)>,
    pub public: Option<(Position, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub banners: Vec<FoundMark>,
    pub candidates: Vec<FoundMark>,
    pub changes: Vec<FoundMark>,
    pub labels: Vec<FoundLabel>,
    pub non_secret: Vec<FoundNonSecret>,
    pub declassified: Option<(Position, Option<Date>)>,
    pub public: Vec<(Position, String)>,
    pub front: FrontMatterInfo,
    pub file_name: Option<Declared>,
    pub start: Option<(Date, DateSource)>,
    pub legacy: bool,
    pub copy_number: bool,
}

impl Scan {
    /// Whether the document carries any state-secret mark or declaration.
    pub fn is_marked(&self) -> bool {
        !self.banners.is_empty()
            || !self.candidates.is_empty()
            || self.labels.iter().any(|l| l.level.is_some())
            || self.front.level.is_some()
            || self.file_name.is_some()
    }

    /// The document's own mark in force: the last banner in the first-page zone (a
    /// change mark follows the original), else the first outside it.
    pub fn mark_in_force(&self) -> Option<&FoundMark> {
        self.banners
            .iter()
            .rev()
            .find(|b| b.in_zone)
            .or_else(|| self.banners.iter().find(|b| !b.attachment))
            .or_else(|| self.candidates.first())
    }
}

/// One line of the body, ready for the parser.
struct BodyLine<'a> {
    /// 1-based line number in the source.
    no: u32,
    raw: &'a str,
}

/// Scan `doc`, whose file name (for file-name marks) is `file_name`.
pub fn scan(regime: &Regime, doc: &Document, file_name: &str) -> Scan {
    let mut scan = Scan {
        file_name: file_name_mark(regime, file_name),
        ..Scan::default()
    };
    let text = doc.text.as_str();
    let (body_start, first_line) = match doc.flavour {
        Flavour::Markdown => match markdown::front_matter(text) {
            Some(fm) => {
                scan.front = front_matter_info(regime, &fm.lines);
                (fm.body_start, fm.body_first_line)
            }
            None => (0, 1),
        },
        _ => (0, 1),
    };
    let body = &text[body_start..];
    let opts = ParseOptions {
        extracted: doc.extracted,
        ..ParseOptions::new()
    };

    // The first-page zone.
    let mut cleaner = (doc.flavour == Flavour::Markdown).then(LineCleaner::new);
    let mut zone: Vec<(BodyLine, String)> = Vec::new();
    let mut lines = numbered_lines(body, first_line);
    let mut non_blank = 0;
    for line in lines.by_ref() {
        let clean = match &mut cleaner {
            Some(c) => c.clean(line.raw).map(|s| s.into_owned()),
            None => Some(line.raw.to_string()),
        };
        if !line.raw.trim().is_empty() {
            non_blank += 1;
        }
        if let Some(clean) = clean
            && (clean.contains('密')
                || clean.contains(regime.star)
                || clean.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        {
            zone.push((line, clean));
        }
        if non_blank >= regime.first_page_lines {
            break;
        }
    }
    // The zone is tiny next to the body: searching all of it is simpler and as fast.
    let rest_has_star = memchr::memmem::find(
        body.as_bytes(),
        regime.star.encode_utf8(&mut [0; 4]).as_bytes(),
    )
    .is_some();
    let zone_infos: Vec<_> = zone
        .iter()
        .map(|(l, clean)| marking::parse_line(regime, clean, opts).map(|i| (l, clean, i)))
        .collect();
    let zone_marked = zone_infos.iter().flatten().any(|(_, _, i)| {
        matches!(
            i.kind,
            LineKind::Banner(_)
                | LineKind::Candidate(_)
                | LineKind::Label { .. }
                | LineKind::NonSecretStar { .. }
                | LineKind::Declassified { .. }
                | LineKind::Change(_)
        )
    });
    if !zone_marked && !rest_has_star && scan.front.level.is_none() && scan.file_name.is_none() {
        return scan;
    }

    // The whole body: marks beyond the zone, 解密 marks, public declarations, dates.
    let mut cleaner = (doc.flavour == Flavour::Markdown).then(LineCleaner::new);
    let mut non_blank = 0usize;
    let mut since_attachment: Option<usize> = None;
    let mut last_date = None;
    for line in numbered_lines(body, first_line) {
        let clean = match &mut cleaner {
            Some(c) => match c.clean(line.raw) {
                Some(s) => s,
                None => {
                    non_blank += 1;
                    continue;
                }
            },
            None => std::borrow::Cow::Borrowed(line.raw),
        };
        if clean.trim().is_empty() {
            continue;
        }
        non_blank += 1;
        let in_zone = non_blank <= regime.first_page_lines;
        if let Some(n) = since_attachment.as_mut() {
            *n += 1;
        }
        if !worth_parsing(regime, &clean) {
            continue;
        }
        let Some(info) = marking::parse_line(regime, &clean, opts) else {
            continue;
        };
        let attachment = since_attachment.is_some_and(|n| n <= 3);
        match info.kind {
            LineKind::Date(d) => last_date = Some(d),
            LineKind::PublicDeclaration(d) => {
                scan.public.push((position(doc, &line, &d), d));
            }
            LineKind::Attachment => since_attachment = Some(0),
            // Zone lines are read below, once the date is known.
            _ if in_zone => {}
            kind => record(&mut scan, doc, &line, &clean, kind, false, attachment),
        }
    }
    scan.start = scan
        .front
        .classified_on
        .as_ref()
        .map(|(d, _)| (*d, DateSource::FrontMatter))
        .or(last_date.map(|d| (d, DateSource::IssueDate)));
    scan.legacy = scan.start.is_some_and(|(d, _)| d < regime.legacy_before);

    // Now that the date is known, read the zone (legacy documents accept a bare level).
    let zone_opts = ParseOptions {
        legacy: scan.legacy,
        ..opts
    };
    for (line, clean) in &zone {
        let Some(info) = marking::parse_line(regime, clean, zone_opts) else {
            continue;
        };
        scan.copy_number |= info.copy_number;
        record(&mut scan, doc, line, clean, info.kind, true, false);
    }
    // The zone was read last: restore document order.
    scan.banners.sort_by_key(|b| b.pos.line);
    scan.changes.sort_by_key(|b| b.pos.line);
    scan.non_secret.sort_by_key(|n| n.pos.line);
    scan
}

/// File what a line declares. Star-less candidates and labels count only in the zone.
fn record(
    scan: &mut Scan,
    doc: &Document,
    line: &BodyLine,
    clean: &str,
    kind: LineKind,
    in_zone: bool,
    attachment: bool,
) {
    let found = |mark: Mark| FoundMark {
        pos: position(doc, line, &mark.raw),
        mark,
        in_zone,
        attachment,
    };
    match kind {
        LineKind::Banner(mark) => scan.banners.push(found(mark)),
        LineKind::Candidate(mark) if in_zone => scan.candidates.push(found(mark)),
        LineKind::Change(mark) => scan.changes.push(found(mark)),
        LineKind::NonSecretStar {
            designation, raw, ..
        } => scan.non_secret.push(FoundNonSecret {
            pos: position(doc, line, &raw),
            designation,
            raw,
        }),
        LineKind::Label {
            level, term, raw, ..
        } if in_zone => scan.labels.push(FoundLabel {
            pos: position(doc, line, &raw),
            level,
            term,
            raw,
        }),
        LineKind::Declassified { date } => {
            scan.declassified = Some((position(doc, line, clean.trim()), date));
        }
        _ => {}
    }
}

/// Cheap tests before the parser: only lines that can declare something.
fn worth_parsing(regime: &Regime, s: &str) -> bool {
    s.contains(regime.star)
        || s.contains("解密")
        || s.contains("公开")
        || s.contains("变更")
        || s.trim_start().starts_with("附件")
        || (s.len() < 64
            && s.trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || matches!(c, '一' | '二' | '〇' | '○')))
}

fn numbered_lines(body: &str, first: u32) -> impl Iterator<Item = BodyLine<'_>> {
    body.split('\n').enumerate().map(move |(i, l)| BodyLine {
        no: first + i as u32,
        raw: l.strip_suffix('\r').unwrap_or(l),
    })
}

/// Locate `needle` (a mark as written) in the line, for the reported column.
fn position(doc: &Document, line: &BodyLine, needle: &str) -> Position {
    let snippet = line.raw.trim_end().to_string();
    let byte = snippet
        .find(needle)
        .unwrap_or_else(|| snippet.len() - snippet.trim_start_matches(marking::is_space).len());
    let snippet_col = snippet[..byte].chars().count();
    let width = if snippet[byte..].starts_with(needle) {
        needle.chars().count()
    } else {
        snippet[byte..].chars().count()
    };
    Position {
        line: doc.source_line(line.no),
        column: snippet_col as u32 + 1,
        snippet,
        snippet_col,
        width,
    }
}

fn front_matter_info(regime: &Regime, lines: &[(u32, &str)]) -> FrontMatterInfo {
    let mut info = FrontMatterInfo::default();
    for (no, line) in lines {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':').or_else(|| line.split_once('：')) else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value
            .split(" #")
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\''])
            .trim();
        if value.is_empty() {
            continue;
        }
        let pos = || {
            let col = line.find(value).unwrap_or(0);
            let snippet_col = line[..col].chars().count();
            Position {
                line: *no,
                column: snippet_col as u32 + 1,
                snippet: line.to_string(),
                snippet_col,
                width: value.chars().count(),
            }
        };
        match key.as_str() {
            "密级" | "classification" | "secret_level" | "secret-level" => {
                info.level = declared_level(regime, value).map(|(level, term)| Declared {
                    level: Some(level),
                    term,
                    raw: value.to_string(),
                    pos: Some(pos()),
                });
            }
            "保密期限" | "term" => {
                let (term, problems) = marking::parse_term_text(regime, value);
                if problems.is_empty() && term != Term::None {
                    info.term = Some(Declared {
                        level: None,
                        term: Some(term),
                        raw: value.to_string(),
                        pos: Some(pos()),
                    });
                }
            }
            "定密日期" | "classified_on" | "classified-on" => {
                if let Some(d) = marking::parse_date(value) {
                    info.classified_on = Some((d, pos()));
                }
            }
            "公开" | "public" => {
                if matches!(
                    value.to_ascii_lowercase().as_str(),
                    "true" | "yes" | "是" | "y"
                ) {
                    info.public = Some((pos(), format!("{}: {value}", key)));
                }
            }
            _ => {}
        }
    }
    info
}

/// A level (and maybe a term) written as a value: `机密`, `机密级`, `机密★10年`.
fn declared_level(regime: &Regime, value: &str) -> Option<(usize, Option<Term>)> {
    if let Some(level) = regime.level_named(value) {
        return Some((level, None));
    }
    match marking::parse_line(regime, value, ParseOptions::new())?.kind {
        LineKind::Banner(m) if m.problems.is_empty() => {
            Some((m.level, (m.term != Term::None).then_some(m.term)))
        }
        _ => None,
    }
}

/// `【机密】年度报告.docx`, `(秘密)纪要.md`, `机密★10年-方案.pdf`.
pub fn file_name_mark(regime: &Regime, file_name: &str) -> Option<Declared> {
    let stem = match file_name.rfind('.') {
        Some(i) if i > 0 => &file_name[..i],
        _ => file_name,
    };
    let first = stem.chars().next()?;
    let closing = ['】', ']', ')', '）', '〕'];
    if matches!(first, '【' | '[' | '(' | '（' | '〔') {
        let inner = &stem[first.len_utf8()..];
        let end = inner.find(closing)?;
        let word = inner[..end].trim();
        let (level, term) = declared_level(regime, word)?;
        let close_len = inner[end..].chars().next().map_or(0, char::len_utf8);
        return Some(Declared {
            level: Some(level),
            term,
            raw: stem[..first.len_utf8() + end + close_len].to_string(),
            pos: None,
        });
    }
    if !stem.contains(regime.star) {
        return None;
    }
    let end = stem
        .find(['-', '_', ' ', '—', '－', '【', '（', '('])
        .unwrap_or(stem.len());
    let head = &stem[..end];
    let (level, term) = declared_level(regime, head)?;
    Some(Declared {
        level: Some(level),
        term,
        raw: head.to_string(),
        pos: None,
    })
}

#[cfg(test)]
mod tests;
