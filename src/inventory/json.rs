//! The ledger as JSON, versioned like the check output: serialize-only wire structs.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::{Ledger, Status, decision, source_key};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    kind: &'static str,
    tool: Tool,
    today: String,
    expiring_within_days: i64,
    summary: Summary<'a>,
    rows: Vec<RowJson<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    documents: usize,
    rows: usize,
    by_status: BTreeMap<&'static str, usize>,
    by_level: BTreeMap<&'a str, usize>,
    unreadable: &'a [String],
}

#[derive(Serialize)]
struct RowJson<'a> {
    path: &'a str,
    part: Option<&'a str>,
    line: u32,
    level: &'a str,
    mark: &'a str,
    term: &'a str,
    attachment: bool,
    start: Option<String>,
    start_source: Option<&'static str>,
    last_day: Option<String>,
    days_left: Option<i64>,
    status: Status,
    decision: Option<&'static str>,
    copy_number: Option<&'a str>,
    distribution: Option<&'a str>,
    /// `"ocr"` for a mark read by OCR from a scan, with the read's mean confidence;
    /// absent for typed text.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<u8>,
    /// The document's sensitivity label mapped by config `label-map`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<LabelJson<'a>>,
}

#[derive(Serialize)]
struct LabelJson<'a> {
    name: &'a str,
    level: &'a str,
}

pub fn emit(
    w: &mut dyn Write,
    ledger: &Ledger,
    today: jiff::civil::Date,
    expiring_within_days: i64,
) -> std::io::Result<()> {
    let mut by_status = BTreeMap::new();
    for s in Status::ALL {
        by_status.insert(s.as_str(), ledger.count(s));
    }
    let mut by_level = BTreeMap::new();
    for r in &ledger.rows {
        *by_level.entry(r.level.as_str()).or_insert(0) += 1;
    }
    let report = Report {
        version: 1,
        kind: "inventory",
        tool: Tool {
            name: "mark-lint",
            version: env!("CARGO_PKG_VERSION"),
        },
        today: today.to_string(),
        expiring_within_days,
        summary: Summary {
            documents: ledger.documents,
            rows: ledger.rows.len(),
            by_status,
            by_level,
            unreadable: &ledger.unreadable,
        },
        rows: ledger
            .rows
            .iter()
            .map(|r| RowJson {
                path: &r.path,
                part: r.part.as_deref(),
                line: r.line,
                level: &r.level,
                mark: &r.raw,
                term: &r.term,
                attachment: r.attachment,
                start: r.start.map(|d| d.to_string()),
                start_source: r.start_source.map(source_key),
                last_day: r.last_day.map(|d| d.to_string()),
                days_left: r.days_left,
                status: r.status,
                decision: decision(r, today).map(|d| d.key()),
                copy_number: r.copy_number.as_deref(),
                distribution: r.distribution.as_deref(),
                source: r.ocr.map(|_| "ocr"),
                confidence: r.ocr,
                label: r.label.as_ref().map(|l| LabelJson {
                    name: &l.name,
                    level: &l.level,
                }),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}
