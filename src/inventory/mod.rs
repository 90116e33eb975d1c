//! The ledger (台账): one row per marked document and per attachment mark, with its
//! term, where the start date came from, the last day and a status; and the decisions
//! the annual review must take (Art. 24). Pure: scans in, rows out; rendering lives in
//! the submodules (table, CSV, JSON, HTML, review).

pub mod csv;
pub mod html;
pub mod json;
pub mod table;

use jiff::civil::Date;
use serde::Serialize;

use crate::diagnostic::Lang;
use crate::marking::Term;
use crate::regime::Regime;
use crate::scan::{DateSource, Scan};
use crate::term;

/// Where a marked item stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The term has passed: declassified by law, a 解密 mark is due.
    Expired,
    /// Ends within the expiring window: decide on an extension before then.
    Expiring,
    /// A duration with no classification date: the end cannot be computed.
    Undated,
    /// `长期` (or `永久`): allowed only where another rule provides.
    Indefinite,
    /// A 解密条件 (`启用前`, `工程竣工验收后`): ends when the condition is met.
    Conditional,
    Valid,
    /// A 解密 mark is on the document.
    Declassified,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Expired,
        Status::Expiring,
        Status::Undated,
        Status::Indefinite,
        Status::Conditional,
        Status::Valid,
        Status::Declassified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Expired => "expired",
            Status::Expiring => "expiring",
            Status::Undated => "undated",
            Status::Indefinite => "indefinite",
            Status::Conditional => "conditional",
            Status::Valid => "valid",
            Status::Declassified => "declassified",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        crate::lang::status(self, lang)
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// Where the start date came from, as a stable key.
pub fn source_key(s: DateSource) -> &'static str {
    match s {
        DateSource::FrontMatter => "front-matter",
        DateSource::Property => "property",
        DateSource::IssueDate => "issue-date",
        DateSource::PrintDate => "print-date",
        DateSource::Created => "created",
    }
}

/// One ledger row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub path: String,
    pub part: Option<String>,
    pub line: u32,
    pub level: String,
    /// Rank of the level (绝密 highest), for sorting.
    pub rank: u8,
    pub raw: String,
    /// The term as marked, canonical (`10年`, `2030年12月31日`, `启用前`); empty for `机密★`.
    pub term: String,
    /// The mark of an attachment inside the document.
    pub attachment: bool,
    pub start: Option<Date>,
    pub start_source: Option<DateSource>,
    pub last_day: Option<Date>,
    /// Days from today to the last day (negative: passed).
    pub days_left: Option<i64>,
    pub status: Status,
    pub copy_number: Option<String>,
    pub distribution: Option<String>,
    /// Read by OCR from a scan: the mean confidence of the read (0–100). Its part says
    /// so too (`page 1 (OCR)`), in every ledger format.
    pub ocr: Option<u8>,
    /// The document's sensitivity label that config `label-map` maps, beside its own
    /// mark (never on an attachment's row).
    pub label: Option<RowLabel>,
}

/// A sensitivity label as the ledger shows it: its name (else its GUID) and the level
/// config `label-map` maps it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowLabel {
    pub name: String,
    pub level: String,
}

/// The dates a ledger is computed for.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub today: Date,
    pub expiring_within_days: i64,
}

/// A marked item of a document: the level, term and mark as written, and where.
struct Item {
    level: usize,
    term: Term,
    raw: String,
    part: Option<String>,
    line: u32,
    attachment: bool,
}

/// What a document declares: its term marks (its own and its attachments'), else a
/// level declared without a mark (a `密级：` label, front matter, properties, the file
/// name, a mapped sensitivity label) with the term declared beside it, if any.
fn items(scan: &Scan) -> Vec<Item> {
    let marks: Vec<Item> = scan
        .term_marks()
        .into_iter()
        .map(|f| Item {
            level: f.mark.level,
            term: f.mark.term.clone(),
            raw: f.mark.raw.clone(),
            part: f.pos.part.clone(),
            line: f.pos.line,
            attachment: f.attachment,
        })
        .collect();
    if !marks.is_empty() {
        return marks;
    }
    let declared_term = || {
        [&scan.front.term, &scan.props.term]
            .into_iter()
            .flatten()
            .find_map(|d| d.term.clone())
    };
    let labels = scan
        .labels
        .iter()
        .filter_map(|l| Some((l.level?, l.term.clone(), l.raw.clone(), Some(&l.pos))));
    let declared = [
        &scan.front.level,
        &scan.props.level,
        &scan.file_name,
        &scan.label,
    ]
    .into_iter()
    .flatten()
    .filter_map(|d| Some((d.level?, d.term.clone(), d.raw.clone(), d.pos.as_ref())));
    labels
        .chain(declared)
        .take(1)
        .map(|(level, term, raw, pos)| Item {
            level,
            term: term.or_else(declared_term).unwrap_or(Term::None),
            raw,
            part: pos.and_then(|p| p.part.clone()),
            line: pos.map_or(1, |p| p.line),
            attachment: false,
        })
        .collect()
}

/// The rows of one scanned document (none when it carries no mark).
pub fn rows(regime: &Regime, scan: &Scan, path: &str, window: Window) -> Vec<Row> {
    let declassified = scan.declassified.is_some();
    items(scan)
        .into_iter()
        .map(|item| {
            let level = &regime.levels[item.level];
            let start = scan.start;
            let last_day = term::last_day(&item.term, start.map(|s| s.0), level.max_years);
            let days_left = last_day.map(|d| term::days_between(window.today, d));
            let status = match (&item.term, days_left) {
                _ if declassified => Status::Declassified,
                (Term::Condition(_), _) => Status::Conditional,
                (Term::Indefinite(_), _) => Status::Indefinite,
                (_, None) => Status::Undated,
                (_, Some(d)) if d < 0 => Status::Expired,
                (_, Some(d)) if d <= window.expiring_within_days => Status::Expiring,
                _ => Status::Valid,
            };
            // A 解密时间 needs no start; say where a start came from only if it was used.
            let uses_start = matches!(item.term, Term::Duration(_) | Term::None);
            Row {
                path: path.to_string(),
                part: item.part,
                line: item.line,
                level: level.name.clone(),
                rank: level.rank,
                raw: item.raw,
                term: crate::marking::term_text(&item.term),
                attachment: item.attachment,
                start: start.filter(|_| uses_start).map(|s| s.0),
                start_source: start.filter(|_| uses_start).map(|s| s.1),
                last_day,
                days_left,
                status,
                copy_number: scan.copy_numbers.first().cloned(),
                distribution: scan.distribution.clone().filter(|d| !d.is_empty()),
                ocr: None,
                label: row_label(regime, scan).filter(|_| !item.attachment),
            }
        })
        .collect()
}

/// The mapped sensitivity label of a document, as its rows show it.
fn row_label(regime: &Regime, scan: &Scan) -> Option<RowLabel> {
    let d = scan.label.as_ref()?;
    Some(RowLabel {
        name: d.raw.clone(),
        level: regime.levels[d.level?].name.clone(),
    })
}

/// The ledger of a run: rows sorted by path then line, and what could not be read.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub rows: Vec<Row>,
    /// Documents read (marked or not).
    pub documents: usize,
    /// Files that could not be inspected: the ledger has a hole there.
    pub unreadable: Vec<String>,
}

impl Ledger {
    /// Keep only the rows with these statuses, and (if set) ending within `days` (or
    /// already ended, unless declassified: those need nothing more).
    pub fn filter(&mut self, statuses: &[Status], within: Option<i64>) {
        self.rows.retain(|r| {
            (statuses.is_empty() || statuses.contains(&r.status))
                && within.is_none_or(|w| {
                    r.status != Status::Declassified && r.days_left.is_some_and(|d| d <= w)
                })
        });
    }

    pub fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|r| r.status == status).count()
    }
}

/// What the annual review must decide about a row (Art. 24; 定密规定 第三十八条至第四十四条).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Decision {
    /// The term has passed: place a 解密 mark (or record the extension decided in time).
    MarkDeclassified,
    /// Ends this year: extend before expiry, or let it lapse.
    ExtendOrLapse,
    /// No classification date: record it so the end can be computed.
    DateIt,
    /// 长期 / 解密条件: confirm the basis, or whether the condition has been met.
    Confirm,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::MarkDeclassified,
        Decision::ExtendOrLapse,
        Decision::DateIt,
        Decision::Confirm,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Decision::MarkDeclassified => "declassify",
            Decision::ExtendOrLapse => "extend-or-lapse",
            Decision::DateIt => "date",
            Decision::Confirm => "confirm",
        }
    }

    pub fn title(self, lang: Lang) -> &'static str {
        crate::lang::decision(self, lang)
    }
}

/// The decision a row needs this year, if any.
pub fn decision(row: &Row, today: Date) -> Option<Decision> {
    match row.status {
        Status::Expired => Some(Decision::MarkDeclassified),
        Status::Expiring | Status::Valid
            if row.last_day.is_some_and(|d| d.year() == today.year()) =>
        {
            Some(Decision::ExtendOrLapse)
        }
        Status::Expiring => Some(Decision::ExtendOrLapse),
        Status::Undated => Some(Decision::DateIt),
        Status::Indefinite | Status::Conditional => Some(Decision::Confirm),
        Status::Valid | Status::Declassified => None,
    }
}

/// Rows grouped by the decision they need, in decision order; within a group the most
/// urgent first (earliest last day; undated ones by path at the end).
pub fn decisions(ledger: &Ledger, today: Date) -> Vec<(Decision, Vec<&Row>)> {
    Decision::ALL
        .into_iter()
        .map(|d| {
            let mut rows: Vec<&Row> = ledger
                .rows
                .iter()
                .filter(|r| decision(r, today) == Some(d))
                .collect();
            rows.sort_by(|a, b| {
                (a.last_day.is_none(), a.last_day, &a.path, a.line).cmp(&(
                    b.last_day.is_none(),
                    b.last_day,
                    &b.path,
                    b.line,
                ))
            });
            (d, rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
