//! Scanning a document: every place that declares a level (banner marks, labels, front
//! matter, file name), where each stands (first-page zone, attachment), and the date the
//! term runs from. Pure: a `Document` in, a `Scan` out; rules read the `Scan`.
//!
//! Unmarked documents are the common case, so the scan is lazy: the first-page zone is
//! parsed, and the rest of the text is read line by line only when the document shows
//! a mark somewhere (or a star anywhere, found by a byte search).

use jiff::civil::Date;

use std::borrow::Cow;

use crate::extract::markdown::{self, LineCleaner};
use crate::extract::{Block, Document, Flavour, Role, parse_iso_date};
use crate::marking::{self, LineKind, Mark, ParseOptions, Term};
use crate::regime::Regime;

/// Where something was found, in terms a reader can follow.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// The container part (`word/header1.xml`, `page 2`); `None` for a plain file.
    pub part: Option<String>,
    /// 1-based line in the file (or in the part).
    pub line: u32,
    /// 1-based column, in characters, of the first character of the finding.
    pub column: u32,
    /// The line as shown in a snippet (the source line, or the extracted text line).
    pub snippet: String,
    /// Character offset of the finding in `snippet`, and its length in characters.
    pub snippet_col: usize,
    pub width: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundMark {
    pub pos: Position,
    pub mark: Mark,
    pub in_zone: bool,
    /// Follows a `附件` line within 3 lines: the attachment's own mark.
    pub attachment: bool,
    /// Reading order of the line in the document.
    pub seq: usize,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundLabel {
    pub pos: Position,
    pub level: Option<usize>,
    pub term: Option<Term>,
    pub raw: String,
}

/// A portion mark `（机密）` opening a paragraph.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundPortion {
    pub pos: Position,
    pub level: usize,
    /// The bracketed level as written.
    pub raw: String,
}

/// A place that declares the document a state secret (ML301, ML303).
pub struct Declaration<'s> {
    pub raw: &'s str,
    pub pos: Option<&'s Position>,
    /// Set for marks; unset for labels and declared levels.
    pub mark: Option<&'s Mark>,
    /// For a level declared off the page: `front-matter`, `properties`,
    /// `sensitivity-label`, `file-name`.
    pub source: Option<&'static str>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FoundNonSecret {
    pub pos: Position,
    pub designation: String,
    pub raw: String,
    pub seq: usize,
}

/// Where the term's start date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DateSource {
    /// Front matter `定密日期` / `classified_on`.
    FrontMatter,
    /// A document property `定密日期`.
    Property,
    /// The 成文日期: the last line of the body that is a date alone.
    IssueDate,
    /// The creation date the producer recorded (the weakest source).
    Created,
    /// The 印发日期 of the 版记 (`… 2026年3月6日印发`), with config `term-start: 印发日期`.
    PrintDate,
}

/// A level declared somewhere other than the banner.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Declared {
    pub level: Option<usize>,
    pub term: Option<Term>,
    pub raw: String,
    pub pos: Option<Position>,
}

/// Declarations from front matter or document properties (`密级: 机密`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FrontMatterInfo {
    pub level: Option<Declared>,
    pub term: Option<Declared>,
    pub classified_on: Option<(Date, Position)>,
    pub public: Option<(Position, String)>,
    /// `知悉范围` / `distribution` as recorded.
    pub distribution: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Scan {
    pub banners: Vec<FoundMark>,
    pub candidates: Vec<FoundMark>,
    pub changes: Vec<FoundMark>,
    pub labels: Vec<FoundLabel>,
    pub non_secret: Vec<FoundNonSecret>,
    pub declassified: Option<(Position, Option<Date>)>,
    pub public: Vec<(Position, String)>,
    pub front: FrontMatterInfo,
    /// Office document properties (docx custom.xml, ODT meta, OFD DocInfo).
    pub props: FrontMatterInfo,
    /// The level a sensitivity label declares, mapped by config `label-map`
    /// (`labels`): a document property like the others.
    pub label: Option<Declared>,
    pub file_name: Option<Declared>,
    /// Marks only in what readers do not see (tracked deletions, comments, hidden text).
    pub hidden: Vec<FoundMark>,
    /// Portion marks `（机密）…` anywhere in the body.
    pub portions: Vec<FoundPortion>,
    /// The first-page zone looks like a 公文 head: an issuing-authority line
    /// (`…文件`) or a 文号 (`国发〔2024〕5号`).
    pub gongwen_head: bool,
    /// The body opens with an `附件` line: the file is an attachment itself, and the
    /// mark under that line is its own.
    pub starts_with_attachment: bool,
    /// A `知悉范围：…` line in the body (or the key in front matter or properties): what
    /// it says (empty when the line names no one).
    pub distribution: Option<String>,
    pub start: Option<(Date, DateSource)>,
    pub legacy: bool,
    pub copy_number: bool,
    /// The 印发日期 from the 版记 line `… 2026年3月6日印发`, if any.
    pub printed: Option<Date>,
    /// The 份号 written in the first-page zone (`000001`).
    pub copy_numbers: Vec<String>,
}

impl Scan {
    /// Set the level a sensitivity label declares (config `label-map`).
    pub fn map_labels(&mut self, regime: &Regime, doc: &Document, map: &labels::LabelMap) {
        let Some((level, shown, part)) = labels::mapped_level(regime, &doc.props, map) else {
            return;
        };
        let width = shown.chars().count();
        self.label = Some(Declared {
            level: Some(level),
            term: None,
            pos: Some(Position {
                part: Some(part),
                line: 1,
                column: 1,
                snippet: shown.clone(),
                snippet_col: 0,
                width,
            }),
            raw: shown,
        });
    }

    /// Start the term at the 印发日期 instead of the 成文日期 (config `term-start`);
    /// a declared 定密日期 still wins.
    pub fn start_from_print_date(&mut self) {
        if let (Some(d), None | Some((_, DateSource::IssueDate | DateSource::Created))) =
            (self.printed, self.start)
        {
            self.start = Some((d, DateSource::PrintDate));
        }
    }

    /// Whether the document carries any state-secret mark or declaration.
    pub fn is_marked(&self) -> bool {
        !self.banners.is_empty()
            || !self.candidates.is_empty()
            || self.labels.iter().any(|l| l.level.is_some())
            || self.front.level.is_some()
            || self.props.level.is_some()
            || self.label.is_some()
            || self.file_name.is_some()
    }

    /// Every state-secret mark (clean, malformed, changed or hidden), level label, and
    /// level declared in front matter, properties or the file name.
    pub fn declarations(&self) -> Vec<Declaration<'_>> {
        let marks = self
            .banners
            .iter()
            .chain(&self.candidates)
            .chain(&self.changes)
            .chain(&self.hidden)
            .map(|f| Declaration {
                raw: &f.mark.raw,
                pos: Some(&f.pos),
                mark: Some(&f.mark),
                source: None,
            });
        let labels = self
            .labels
            .iter()
            .filter(|l| l.level.is_some())
            .map(|l| Declaration {
                raw: &l.raw,
                pos: Some(&l.pos),
                mark: None,
                source: None,
            });
        let declared = [
            ("front-matter", &self.front.level),
            ("properties", &self.props.level),
            ("sensitivity-label", &self.label),
            ("file-name", &self.file_name),
        ]
        .into_iter()
        .filter_map(|(source, d)| {
            d.as_ref().map(|d| Declaration {
                raw: &d.raw,
                pos: d.pos.as_ref(),
                mark: None,
                source: Some(source),
            })
        });
        marks.chain(labels).chain(declared).collect()
    }

    /// The document's own mark in force, never an attachment's: the last banner in the
    /// first-page zone (a change mark follows the original), else the first outside it,
    /// else the first malformed candidate.
    pub fn mark_in_force(&self) -> Option<&FoundMark> {
        self.banners
            .iter()
            .rev()
            .find(|b| b.in_zone && !b.attachment)
            .or_else(|| self.banners.iter().find(|b| !b.attachment))
            .or_else(|| self.candidates.iter().find(|c| !c.attachment))
    }

    /// The marks whose terms run: the document's own (its latest change mark, else the
    /// mark in force), then each attachment's.
    pub fn term_marks(&self) -> Vec<&FoundMark> {
        let own = self.changes.last().or_else(|| self.mark_in_force());
        own.into_iter()
            .chain(self.banners.iter().filter(|b| b.attachment))
            .collect()
    }
}

/// One line a reader sees, ready for the parser.
pub struct Line<'a> {
    /// Index of the part in `Document::parts`.
    pub part: usize,
    /// 1-based line number within the part's text.
    pub no: u32,
    /// Reading order across the document.
    pub seq: usize,
    pub raw: &'a str,
    /// The line without Markdown syntax; `None` inside code (a quotation).
    pub clean: Option<Cow<'a, str>>,
    pub in_zone: bool,
    pub role: Role,
    /// List item, heading, table cell, or plain text.
    pub block: Block,
    /// Consecutive list items (or option lines), cells of one table, or short plain
    /// lines share a run: where a run lists different marks, they are examples.
    pub run: usize,
    /// What kind of run (`None`: a line that belongs to no run).
    run_kind: Option<RunKind>,
}

/// What kind of run a line continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunKind {
    /// List items and option lines (`A.`, `（A）`, `①`, `1.`).
    List,
    /// Cells of a table.
    Cells,
    /// Short lines of plain text, one after the other.
    Short,
}

/// Assigns runs to lines in reading order.
#[derive(Default)]
struct Runs {
    id: usize,
    last: Option<RunKind>,
    /// The run of each group of cells in the current part: the cells of one column of a
    /// sheet share a run though a row's other cells come between them.
    cells: std::collections::HashMap<u32, usize>,
}

impl Runs {
    /// The run of the next line. Blank lines continue lists and tables (loose lists)
    /// but end a run of plain lines; code, headings and long lines end every run.
    fn next(&mut self, clean: Option<&str>, block: Block) -> (usize, Option<RunKind>) {
        let kind = match clean.map(str::trim) {
            None => None,
            Some("") => {
                if self.last == Some(RunKind::Short) {
                    self.break_run();
                }
                return (self.id, self.last);
            }
            Some(text) => match block {
                Block::ListItem => Some(RunKind::List),
                Block::TableCell(group) => {
                    self.last = Some(RunKind::Cells);
                    let next = &mut self.id;
                    let run = *self.cells.entry(group).or_insert_with(|| {
                        *next += 1;
                        *next
                    });
                    return (run, Some(RunKind::Cells));
                }
                Block::Heading => None,
                Block::Text if is_option_line(text) => Some(RunKind::List),
                Block::Text if marking::at_most_chars(text, SHORT_LINE_CHARS) => {
                    Some(RunKind::Short)
                }
                Block::Text => None,
            },
        };
        if kind.is_none() || kind != self.last {
            self.break_run();
        }
        self.last = kind;
        (self.id, kind)
    }

    fn break_run(&mut self) {
        self.id += 1;
        self.last = None;
    }

    /// A new part: no run continues into it.
    fn new_part(&mut self) {
        self.break_run();
        self.cells.clear();
    }
}

/// Plain lines up to this length can be a run of examples (a style guide's lines).
const SHORT_LINE_CHARS: usize = 24;

/// The option lines of `is_option_line`.
static OPTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^(?:[A-Ha-h][.．、)）]|[（(](?:[A-Ha-h]|[0-9]{1,2}|[一二三四五六七八九十])[)）]|[①-⑳]|[0-9]{1,2}[.．、)）]|[-•·*+]\s)",
    )
    .expect("valid regex")
});

/// A quiz option or list line in plain text: `A.`, `A．`, `A、`, `（A）`, `(1)`, `①`,
/// `1.`, `-`, `•`.
fn is_option_line(s: &str) -> bool {
    // Most lines are prose: the first character settles them without the regex.
    if !s.starts_with(may_open_option) {
        return false;
    }
    OPTION.is_match(s)
}

/// The characters an option line (`OPTION` in `is_option_line`) can start with.
fn may_open_option(c: char) -> bool {
    matches!(c, 'A'..='H' | 'a'..='h' | '0'..='9' | '（' | '(' | '①'..='⑳' | '-' | '•' | '·' | '*' | '+')
}

/// Visit the visible lines in reading order — margins (headers, footers, templates:
/// all first-page zone), then the body (the zone is its first non-blank lines; on a
/// paged document only those of the first page), then notes. `f` returns `false` to
/// stop; stopping is how the lazy first pass reads only the zone.
pub fn visit_lines<'a>(regime: &Regime, doc: &'a Document, mut f: impl FnMut(Line<'a>) -> bool) {
    let start = doc.body_start();
    let first_body = doc.parts.iter().position(|p| p.role == Role::Body);
    let mut seq = 0usize;
    let mut non_blank = 0usize;
    let mut runs = Runs::default();
    for role in [Role::Margin, Role::Body, Role::Note] {
        for (index, part) in doc.parts.iter().enumerate().filter(|(_, p)| p.role == role) {
            runs.new_part();
            let (text, first_line) = match (start, index) {
                (Some((byte, line)), 0) => (&part.text[byte..], line),
                _ => (part.text.as_str(), 1),
            };
            let mut cleaner = (doc.flavour == Flavour::Markdown).then(LineCleaner::new);
            for (i, raw) in split_lf(text).enumerate() {
                let raw = raw.strip_suffix('\r').unwrap_or(raw);
                let (clean, block) = match &mut cleaner {
                    Some(c) => (c.clean(raw), c.block()),
                    None => (Some(Cow::Borrowed(raw)), part.block(first_line + i as u32)),
                };
                let blank = clean.as_ref().is_some_and(|c| c.trim().is_empty());
                let in_zone = match role {
                    Role::Margin => true,
                    Role::Body => {
                        if !blank {
                            non_blank += 1;
                        }
                        non_blank <= regime.first_page_lines
                            && (!doc.paged || Some(index) == first_body)
                    }
                    _ => false,
                };
                seq += 1;
                let (run, run_kind) = runs.next(clean.as_deref(), block);
                let line = Line {
                    part: index,
                    no: first_line + i as u32,
                    seq,
                    raw,
                    clean,
                    in_zone,
                    role,
                    block,
                    run,
                    run_kind,
                };
                if !f(line) {
                    return;
                }
            }
            if role == Role::Body && doc.paged {
                // The zone is the first page only.
                non_blank = non_blank.max(regime.first_page_lines);
            }
        }
    }
}

/// Scan `doc`, whose file name (for file-name marks) is `file_name`.
pub fn scan(regime: &Regime, doc: &Document, file_name: &str) -> Scan {
    let mut scan = Scan {
        file_name: file_name_mark(regime, file_name),
        ..Scan::default()
    };
    declared_off_page(regime, doc, &mut scan);
    hidden_marks(regime, doc, &mut scan);
    let opts = ParseOptions {
        extracted: doc.extracted,
        ..ParseOptions::new()
    };
    let zone = first_page(regime, doc, opts);
    // Unmarked documents are the common case: the first page and one search of the
    // rest decide whether anything more is read.
    let rest_has_star = doc
        .visible()
        .any(|p| regime.gate.is_match_in(p.text.as_bytes(), doc.absent));
    if !zone.marked
        && !rest_has_star
        && scan.front.level.is_none()
        && scan.props.level.is_none()
        && scan.file_name.is_none()
    {
        return scan;
    }
    scan.gongwen_head = zone.gongwen_head;
    scan.distribution = scan
        .front
        .distribution
        .clone()
        .or_else(|| scan.props.distribution.clone());
    let mut body = every_line(regime, doc, opts, &mut scan);
    scan.start = scan
        .front
        .classified_on
        .as_ref()
        .map(|(d, _)| (*d, DateSource::FrontMatter))
        .or(scan
            .props
            .classified_on
            .as_ref()
            .map(|(d, _)| (*d, DateSource::Property)))
        .or(body.last_date.map(|d| (d, DateSource::IssueDate)))
        .or(doc.created.map(|d| (d, DateSource::Created)));
    scan.legacy = scan.start.is_some_and(|(d, _)| d < regime.legacy_before);
    read_zone(regime, doc, opts, zone.lines, &mut body, &mut scan);
    record_marks(doc, body, &mut scan);
    scan
}

/// Level, term and dates declared in Markdown front matter and document properties.
fn declared_off_page(regime: &Regime, doc: &Document, scan: &mut Scan) {
    if doc.flavour == Flavour::Markdown
        && let Some(first) = doc.parts.first()
        && let Some(fm) = markdown::front_matter(&first.text)
    {
        let entries: Vec<(String, String, Position)> = fm
            .lines
            .iter()
            .filter_map(|(no, line)| front_matter_entry(*no, line))
            .collect();
        scan.front = declarations(regime, &entries);
    }
    if !doc.props.is_empty() {
        let entries: Vec<(String, String, Position)> = doc
            .props
            .iter()
            .map(|p| {
                let shown = format!("{}: {}", p.key, p.value);
                let col = p.key.chars().count() + 2;
                (
                    p.key.to_lowercase(),
                    p.value.clone(),
                    Position {
                        part: Some(p.part.clone()),
                        line: 1,
                        column: col as u32 + 1,
                        snippet_col: col,
                        width: p.value.chars().count(),
                        snippet: shown,
                    },
                )
            })
            .collect();
        scan.props = declarations(regime, &entries);
    }
}

/// The first-page zone (margins and the first lines of the body): the lines that may
/// declare something, whether one does, and whether it looks like a 公文 head.
struct Zone<'a> {
    lines: Vec<(Line<'a>, String)>,
    marked: bool,
    gongwen_head: bool,
}

fn first_page<'a>(regime: &Regime, doc: &'a Document, opts: ParseOptions) -> Zone<'a> {
    let mut lines: Vec<(Line, String)> = Vec::new();
    let mut gongwen_head = false;
    visit_lines(regime, doc, |line| {
        if !line.in_zone {
            return line.role == Role::Margin;
        }
        if let Some(clean) = &line.clean {
            gongwen_head |= is_gongwen_head(clean);
        }
        if let Some(clean) = &line.clean
            && (clean.contains('密')
                || clean.contains(regime.star)
                || clean.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        {
            let clean = clean.to_string();
            lines.push((line, clean));
        }
        true
    });
    let marked = lines.iter().any(|(_, clean)| {
        marking::may_hold_mark(regime, clean)
            && marking::parse_line(regime, clean, opts).is_some_and(|i| i.kind.marks_document())
    });
    Zone {
        lines,
        marked,
        gongwen_head,
    }
}

/// What reading every line leaves for after the zone is read.
struct Body<'a> {
    /// Zone lines that follow an `附件` line: attachment marks once the zone is read.
    zone_attachments: Vec<usize>,
    last_date: Option<Date>,
    /// Marks and candidates wait until every line is read: a run that lists different
    /// ones is a set of examples.
    marks: Vec<(Line<'a>, String, LineKind, bool)>,
    /// Runs of plain lines that judge forms (`正确：`, `错误写法`): a style guide.
    judged: std::collections::BTreeSet<usize>,
}

/// Every line: marks beyond the zone, 解密 marks, public declarations, dates, 知悉范围,
/// the 印发日期. Zone lines wait (they are read once the document's date is known).
fn every_line<'a>(
    regime: &Regime,
    doc: &'a Document,
    opts: ParseOptions,
    scan: &mut Scan,
) -> Body<'a> {
    let mut body = Body {
        zone_attachments: Vec::new(),
        last_date: None,
        marks: Vec::new(),
        judged: std::collections::BTreeSet::new(),
    };
    let mut since_attachment: Option<usize> = None;
    let mut first_body_line = true;
    visit_lines(regime, doc, |line| {
        let Some(clean) = &line.clean else {
            return true;
        };
        if clean.trim().is_empty() {
            return true;
        }
        if let Some(n) = since_attachment.as_mut() {
            *n += 1;
        }
        let first = line.role == Role::Body && std::mem::take(&mut first_body_line);
        if line.run_kind == Some(RunKind::Short)
            && regime
                .example_words
                .iter()
                .any(|w| clean.contains(w.as_str()))
        {
            body.judged.insert(line.run);
        }
        if let Some(rest) = clean.trim_start().strip_prefix("知悉范围")
            && scan.distribution.is_none()
        {
            let who = rest.trim_start_matches([':', '：', ' ', '\u{3000}']).trim();
            scan.distribution = Some(who.to_string());
        }
        if line.role == Role::Body
            && let Some(d) = print_date(clean)
        {
            scan.printed = Some(d);
        }
        if !worth_parsing(regime, clean) {
            return true;
        }
        let Some(info) = marking::parse_line(regime, clean, opts) else {
            return true;
        };
        let attachment = since_attachment.is_some_and(|n| n <= 3);
        match info.kind {
            LineKind::Date(d) if line.role == Role::Body => body.last_date = Some(d),
            LineKind::PublicDeclaration(d) => {
                scan.public.push((position(doc, &line, &d), d));
            }
            LineKind::Attachment => {
                since_attachment = Some(0);
                scan.starts_with_attachment |= first;
            }
            _ if line.in_zone => {
                if attachment {
                    body.zone_attachments.push(line.seq);
                }
            }
            kind => {
                let clean = clean.to_string();
                if is_mark_like(&kind) {
                    body.marks.push((line, clean, kind, attachment));
                } else {
                    record(scan, doc, &line, &clean, kind, attachment);
                }
            }
        }
        true
    });
    body
}

/// The zone, read once the date is known (documents before the legacy date accept a
/// bare level as their mark).
fn read_zone<'a>(
    regime: &Regime,
    doc: &Document,
    opts: ParseOptions,
    zone: Vec<(Line<'a>, String)>,
    body: &mut Body<'a>,
    scan: &mut Scan,
) {
    let zone_opts = ParseOptions {
        legacy: scan.legacy,
        ..opts
    };
    for (line, clean) in zone {
        let Some(info) = marking::parse_line(regime, &clean, zone_opts) else {
            continue;
        };
        scan.copy_number |= info.copy_number;
        if info.copy_number
            && let Some(n) = digit_run(&clean, regime.copy_number_len)
        {
            scan.copy_numbers.push(n);
        }
        let attachment = body.zone_attachments.contains(&line.seq);
        if is_mark_like(&info.kind) {
            body.marks.push((line, clean, info.kind, attachment));
        } else {
            record(scan, doc, &line, &clean, info.kind, attachment);
        }
    }
}

/// The marks that are not examples, in reading order.
fn record_marks(doc: &Document, body: Body, scan: &mut Scan) {
    let examples = enumerations(&body.marks, &body.judged);
    // The ledger mark-lint writes lists marks in its table: mentions, however few.
    let ledger = is_own_ledger(doc);
    for (line, clean, kind, attachment) in body.marks {
        let mention = examples.contains(&line.run) || (ledger && line.block != Block::Text);
        if !mention {
            record(scan, doc, &line, &clean, kind, attachment);
        }
    }
    // The zone was read last: restore reading order.
    scan.banners.sort_by_key(|b| b.seq);
    scan.candidates.sort_by_key(|b| b.seq);
    scan.changes.sort_by_key(|b| b.seq);
    scan.non_secret.sort_by_key(|n| n.seq);
}

/// The HTML ledger `mark-lint inventory --format html` writes: its generator tag in the
/// head and its ledger table. Only the table's cells and lists are mentions; a mark
/// written anywhere else in such a page still counts.
fn is_own_ledger(doc: &Document) -> bool {
    let Some(source) = doc
        .source
        .as_deref()
        .filter(|_| doc.flavour == Flavour::Html)
    else {
        return false;
    };
    let head_end = source.find("</head>").unwrap_or(0);
    source[..head_end].contains("<meta name=\"generator\" content=\"mark-lint ")
        && source[head_end..].contains("<table id=\"ledger\">")
}

/// What has the shape of a mark: a banner, a candidate, a star on a designation.
fn is_mark_like(kind: &LineKind) -> bool {
    matches!(
        kind,
        LineKind::Banner(_) | LineKind::Candidate(_) | LineKind::NonSecretStar { .. }
    )
}

/// The runs that list marks differing in level, term or form: training material, quiz
/// options, a style guide's right and wrong forms. Their marks are examples, not marks.
/// Two different marks suffice in list items, option lines and table cells, whose
/// structure says they are items; plain lines need three, or two under a line that
/// judges them (`错误：`) — a document's own mark with its change mark below it
/// (定密规定第四十条) is two plain lines too. A run with one mark (a 版头 laid out in
/// table cells), or one mark repeated, keeps it.
fn enumerations(
    marks: &[(Line, String, LineKind, bool)],
    judged: &std::collections::BTreeSet<usize>,
) -> std::collections::BTreeSet<usize> {
    let mut distinct: std::collections::BTreeMap<usize, Vec<&str>> = Default::default();
    let mut kinds: std::collections::BTreeMap<usize, Option<RunKind>> = Default::default();
    for (line, _, kind, _) in marks {
        let raw = match kind {
            // A bare level word in a list or table is prose, not a candidate.
            LineKind::Banner(m) | LineKind::Candidate(m)
                if line.block != Block::Text && is_bare_level(m) =>
            {
                continue;
            }
            LineKind::Banner(m) | LineKind::Candidate(m) => m.raw.as_str(),
            LineKind::NonSecretStar { raw, .. } => raw.as_str(),
            _ => continue,
        };
        kinds.insert(line.run, line.run_kind);
        let seen = distinct.entry(line.run).or_default();
        if !seen.contains(&raw) {
            seen.push(raw);
        }
    }
    distinct
        .into_iter()
        .filter(|(run, seen)| {
            let needed = match kinds.get(run).copied().flatten() {
                Some(RunKind::List | RunKind::Cells) => 2,
                Some(RunKind::Short) if judged.contains(run) => 2,
                Some(RunKind::Short) => 3,
                None => usize::MAX,
            };
            seen.len() >= needed
        })
        .map(|(run, _)| run)
        .collect()
}

/// `text.split('\n')` by the memchr crate's search (core's `CharSearcher` was 13.5 M
/// instructions on the laws corpus, a call per line). A part's breaks are LF by now;
/// `extract::text::split_lines` is the reader's split at every kind of break.
fn split_lf(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let now = rest?;
        match memchr::memchr(b'\n', now.as_bytes()) {
            Some(at) => {
                rest = now.get(at + 1..);
                now.get(..at)
            }
            None => {
                rest = None;
                Some(now)
            }
        }
    })
}

/// Marks in the parts readers do not see (ML006).
fn hidden_marks(regime: &Regime, doc: &Document, scan: &mut Scan) {
    let opts = ParseOptions {
        extracted: doc.extracted,
        ..ParseOptions::new()
    };
    for (index, part) in doc.parts.iter().enumerate() {
        if part.role != Role::Hidden || !part.text.contains(regime.star) {
            continue;
        }
        for (i, raw) in part.text.lines().enumerate() {
            if !raw.contains(regime.star) {
                continue;
            }
            let Some(info) = marking::parse_line(regime, raw, opts) else {
                continue;
            };
            if let LineKind::Banner(mark) | LineKind::Change(mark) = info.kind {
                let line = Line {
                    part: index,
                    no: i as u32 + 1,
                    seq: 0,
                    raw,
                    clean: None,
                    in_zone: false,
                    role: Role::Hidden,
                    block: Block::Text,
                    run: 0,
                    run_kind: None,
                };
                scan.hidden.push(FoundMark {
                    pos: position(doc, &line, &mark.raw),
                    mark,
                    in_zone: false,
                    attachment: false,
                    seq: 0,
                });
            }
        }
    }
}

/// File what a line declares. Star-less candidates and labels count only in the zone.
fn record(
    scan: &mut Scan,
    doc: &Document,
    line: &Line,
    clean: &str,
    kind: LineKind,
    attachment: bool,
) {
    let in_zone = line.in_zone;
    let found = |mark: Mark| FoundMark {
        pos: position(doc, line, &mark.raw),
        mark,
        in_zone,
        attachment,
        seq: line.seq,
    };
    match kind {
        // A bare level word as a list item, heading or table cell is prose (a lecture
        // note listing the levels, an essay titled `# 秘密`), not a mark missing its star.
        LineKind::Banner(mark) | LineKind::Candidate(mark)
            if line.block != Block::Text && is_bare_level(&mark) => {}
        LineKind::Banner(mark) => scan.banners.push(found(mark)),
        LineKind::Candidate(mark) if in_zone => scan.candidates.push(found(mark)),
        LineKind::Change(mark) => scan.changes.push(found(mark)),
        // By shape alone, only on a first-page line; a listed designation anywhere.
        LineKind::NonSecretStar { listed: false, .. } if !in_zone => {}
        LineKind::NonSecretStar {
            designation, raw, ..
        } => scan.non_secret.push(FoundNonSecret {
            pos: position(doc, line, &raw),
            designation,
            raw,
            seq: line.seq,
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
        LineKind::Portion { level, raw } => {
            scan.portions.push(FoundPortion {
                pos: position(doc, line, &raw),
                level,
                raw,
            });
        }
        _ => {}
    }
}

/// A level word alone: no star of any kind, no term.
fn is_bare_level(mark: &Mark) -> bool {
    mark.term == Term::None
        && (mark.legacy_bare || mark.problems.contains(&marking::Problem::MissingStar))
}

/// The first run of exactly `len` ASCII digits in `s`.
fn digit_run(s: &str, len: usize) -> Option<String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == len {
                return Some(s[start..i].to_string());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// A fingerprint of what a reader sees in the body, whitespace and 份号 removed: two
/// copies of one document have the same fingerprint whatever their file names.
pub fn body_fingerprint(regime: &Regime, doc: &Document, scan: &Scan) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    visit_lines(regime, doc, |line| {
        if line.role == Role::Body
            && let Some(clean) = &line.clean
        {
            let mut text: String = clean.chars().filter(|c| !marking::is_space(*c)).collect();
            for n in &scan.copy_numbers {
                text = text.replace(n.as_str(), "");
            }
            // Raw bytes, no separator: line breaks do not count either.
            hasher.write(text.as_bytes());
        }
        true
    });
    hasher.finish()
}

/// `云岭市人民政府办公室　　2026年3月6日印发`: the 印发日期 of the 版记.
fn print_date(s: &str) -> Option<Date> {
    let head = s.trim_end().strip_suffix("印发")?;
    let token = head.split(marking::is_space).rfind(|t| !t.is_empty())?;
    marking::parse_date(token)
}

/// `云岭市水务局文件` (发文机关标志) or `云水发〔2026〕8号` (发文字号).
fn is_gongwen_head(s: &str) -> bool {
    let s = s.trim();
    // Byte bounds first (3 bytes a CJK character): this runs on every zone line.
    if s.len() > 40 * 3 {
        return false;
    }
    if s.ends_with("文件") {
        return s.len() > "文件".len() + 3;
    }
    static WENHAO: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        // IMEs offer ﹝﹞ 【】 〈〉 for 〔〕, and some offices write 第 before the number.
        regex::Regex::new(r"[〔﹝\[［(（【〈]\s*\d{4}\s*[〕﹞\]］)）】〉]\s*第?\s*\d+\s*号")
            .expect("valid regex")
    });
    // `str::contains` with a CJK char builds a substring searcher per call: iterate.
    s.chars().any(|c| c == '号') && WENHAO.is_match(s)
}

/// Cheap tests before the parser: only lines that can declare something.
fn worth_parsing(regime: &Regime, s: &str) -> bool {
    s.contains(regime.star)
        || (s.trim_start().starts_with(['（', '(', '【', '[']) && s.contains('密'))
        || s.contains("解密")
        || s.contains("公开")
        || s.contains("变更")
        || s.trim_start().starts_with("附件")
        // A star-less candidate may stand in a run of examples beyond the first page.
        || (s.len() <= SHORT_LINE_CHARS * 3 && s.contains('密'))
        || (s.len() < 64
            && s.trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || matches!(c, '一' | '二' | '〇' | '○')))
}

/// Locate `needle` (a mark as written) in the line, for the reported column.
pub fn position(doc: &Document, line: &Line, needle: &str) -> Position {
    let part = &doc.parts[line.part];
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
        part: part.name.clone(),
        line: part.source_line(line.no),
        column: snippet_col as u32 + 1,
        snippet,
        snippet_col,
        width,
    }
}

/// A `key: value` line of front matter, with the value's position.
fn front_matter_entry(no: u32, line: &str) -> Option<(String, String, Position)> {
    if line.starts_with([' ', '\t', '-', '#']) {
        return None;
    }
    let (key, value) = line.split_once(':').or_else(|| line.split_once('：'))?;
    let key = key.trim().to_ascii_lowercase();
    let value = value
        .split(" #")
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\''])
        .trim();
    if value.is_empty() {
        return None;
    }
    let col = line.find(value).unwrap_or(0);
    let snippet_col = line[..col].chars().count();
    Some((
        key,
        value.to_string(),
        Position {
            part: None,
            line: no,
            column: snippet_col as u32 + 1,
            snippet: line.to_string(),
            snippet_col,
            width: value.chars().count(),
        },
    ))
}

/// What front matter or properties declare: level, term, 定密日期, public.
fn declarations(regime: &Regime, entries: &[(String, String, Position)]) -> FrontMatterInfo {
    let mut info = FrontMatterInfo::default();
    for (key, value, pos) in entries {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "密级" | "classification" | "secret_level" | "secret-level" => {
                info.level = declared_level(regime, value).map(|(level, term)| Declared {
                    level: Some(level),
                    term,
                    raw: value.to_string(),
                    pos: Some(pos.clone()),
                });
            }
            "保密期限" | "term" => {
                let (term, problems) = marking::parse_term_text(regime, value);
                if problems.is_empty() && term != Term::None {
                    info.term = Some(Declared {
                        level: None,
                        term: Some(term),
                        raw: value.to_string(),
                        pos: Some(pos.clone()),
                    });
                }
            }
            "定密日期" | "classified_on" | "classified-on" => {
                if let Some(d) = marking::parse_date(value).or_else(|| parse_iso_date(value)) {
                    info.classified_on = Some((d, pos.clone()));
                }
            }
            "知悉范围" | "distribution" => info.distribution = Some(value.to_string()),
            "公开" | "public" => {
                if matches!(
                    value.to_ascii_lowercase().as_str(),
                    "true" | "yes" | "是" | "y"
                ) {
                    info.public = Some((pos.clone(), format!("{key}: {value}")));
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

pub mod labels;
