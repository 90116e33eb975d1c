//! JSON output, version 1 (SPEC §5): serialize-only wire structs, separate from the
//! internal model so the contract changes only on purpose.

use std::io::Write;

use serde::Serialize;

use super::{ReportOptions, Summary};
use crate::diagnostic::Diagnostic;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    today: String,
    summary: SummaryJson,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct SummaryJson {
    files: usize,
    marked: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct DiagnosticJson<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    path: &'a str,
    line: u32,
    column: u32,
    part: Option<&'a str>,
    message: &'a str,
    article: &'a str,
    mark: Option<MarkJson<'a>>,
    fix: Option<&'a str>,
    /// On the last finding of a rule in a file whose findings were capped: how many
    /// more there are, not listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<usize>,
}

#[derive(Serialize)]
struct MarkJson<'a> {
    level: &'a str,
    term: &'a str,
    raw: &'a str,
}

pub fn emit(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    s: &Summary,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let report = Report {
        version: 1,
        tool: Tool {
            name: "mark-lint",
            version: env!("CARGO_PKG_VERSION"),
        },
        today: opts.today.to_string(),
        summary: SummaryJson {
            files: s.files,
            marked: s.marked,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
        },
        diagnostics: diags
            .iter()
            .map(|d| DiagnosticJson {
                code: &d.code,
                name: &d.name,
                severity: d.severity.as_str(),
                path: &d.path,
                line: d.line,
                column: d.column,
                part: d.part.as_deref(),
                message: &d.message,
                article: &d.article,
                mark: d.mark.as_ref().map(|m| MarkJson {
                    level: &m.level,
                    term: &m.term,
                    raw: &m.raw,
                }),
                fix: d
                    .fix
                    .as_deref()
                    .filter(|_| opts.snippets || !d.fix_quotes_text),
                omitted: d.omitted,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}
