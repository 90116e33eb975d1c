//! The ledger in the terminal: an aligned table (columns measured in display width, CJK
//! is two columns), and the `--review` view grouped by the decision each item needs.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::{Ledger, Row, Status, decisions};
use crate::diagnostic::Lang;
use crate::lang;
use crate::report::escape;

/// `path:line (part)`; in Chinese `path:line（第2页）`. Names reach people escaped.
pub(super) fn place(r: &Row, lang: Lang) -> String {
    let part = r
        .part
        .as_deref()
        .map(|p| lang::aside(&escape(&lang::part(p, lang)), lang))
        .unwrap_or_default();
    format!("{}:{}{part}", escape(&r.path), r.line)
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

fn cells(r: &Row, lang: Lang) -> Vec<String> {
    let start = match (r.start, r.start_source) {
        (Some(d), Some(s)) => format!("{d} {}", lang::date_source(s, lang)),
        _ => "—".to_string(),
    };
    vec![
        r.status.label(lang).to_string(),
        r.level.clone(),
        format!(
            "{}{}{}{}",
            escape(&r.raw),
            attachment_note(r, lang),
            label_note(r, lang),
            r.ocr.map(|c| lang::ocr_note(c, lang)).unwrap_or_default()
        ),
        start,
        date(r.last_day),
        r.days_left
            .map_or_else(|| "—".to_string(), |d| d.to_string()),
        r.copy_number
            .as_deref()
            .map_or_else(|| "—".to_string(), |c| escape(c).into_owned()),
        place(r, lang),
    ]
}

/// `（附件）` after the mark of an attachment, else nothing.
pub(super) fn attachment_note(r: &Row, lang: Lang) -> &'static str {
    match r.attachment {
        false => "",
        true => lang::ATTACHMENT_NOTE.pick(lang),
    }
}

/// The mapped sensitivity label after the mark: `（标签“…”对应机密）`, else nothing.
pub(super) fn label_note(r: &Row, lang: Lang) -> String {
    r.label.as_ref().map_or_else(String::new, |l| {
        let note = lang::label_note(&escape(&l.name), &l.level, lang);
        lang::aside(&note, lang)
    })
}

/// When the row ends, said for the review: `2021年6月1日届满（已届满2005天）`.
pub(super) fn ending(r: &Row, lang: Lang) -> String {
    match (r.last_day, r.days_left) {
        (Some(d), Some(n)) => lang::ending(d, n, lang),
        _ => r.status.label(lang).to_string(),
    }
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

pub fn emit(w: &mut dyn Write, ledger: &Ledger, lang: Lang) -> std::io::Result<()> {
    let header: Vec<String> = lang::TABLE_COLUMNS
        .iter()
        .map(|c| c.pick(lang).to_string())
        .collect();
    let body: Vec<Vec<String>> = ledger.rows.iter().map(|r| cells(r, lang)).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &body {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.width());
        }
    }
    for row in std::iter::once(&header).chain(&body) {
        let last = row.len() - 1;
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    c.clone()
                } else {
                    pad(c, widths[i])
                }
            })
            .collect();
        writeln!(w, "{}", line.join("  "))?;
    }
    writeln!(w)?;
    writeln!(w, "{}", summary(ledger, lang))
}

fn unreadable(ledger: &Ledger) -> Vec<String> {
    ledger
        .unreadable
        .iter()
        .map(|p| escape(p).into_owned())
        .collect()
}

/// `12 marked items in 10 documents: 2 expired, …`.
pub fn summary(ledger: &Ledger, lang: Lang) -> String {
    let counts: Vec<String> = Status::ALL
        .into_iter()
        .filter(|s| ledger.count(*s) > 0)
        .map(|s| lang::status_count(s, ledger.count(s), lang))
        .collect();
    let mut line = match ledger.rows.is_empty() {
        true => lang::nothing_marked(ledger.documents, lang),
        false => lang::ledger_summary(ledger.rows.len(), ledger.documents, &counts, lang),
    };
    if !ledger.unreadable.is_empty() {
        line.push('\n');
        line.push_str(&lang::ledger_unreadable(&unreadable(ledger), lang));
    }
    line
}

/// `--review`: what the annual review must decide, grouped by decision.
pub fn review(
    w: &mut dyn Write,
    ledger: &Ledger,
    today: jiff::civil::Date,
    lang: Lang,
) -> std::io::Result<()> {
    let groups = decisions(ledger, today);
    writeln!(w, "{}", lang::review_heading(today, lang))?;
    if groups.is_empty() {
        writeln!(w)?;
        writeln!(w, "{}", lang::NOTHING_TO_DECIDE.pick(lang))?;
    }
    for (decision, rows) in groups {
        writeln!(w)?;
        writeln!(w, "{}", lang::decision_heading(decision, rows.len(), lang))?;
        for r in rows {
            writeln!(
                w,
                "  {}  {}{}  {}",
                place(r, lang),
                escape(&r.raw),
                label_note(r, lang),
                ending(r, lang)
            )?;
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", summary(ledger, lang))
}
