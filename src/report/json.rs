//! JSON output, version 1: serialize-only wire structs, separate from the
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
    path: String,
    line: u32,
    column: u32,
    part: Option<&'a str>,
    message: &'a str,
    /// The instrument (`国家秘密定密管理规定`) and the provision in it
    /// (`第四十三条第二款`): `null` for a rule about the tool itself, which cites none.
    law: Option<&'a str>,
    article: Option<&'a str>,
    mark: Option<MarkJson<'a>>,
    fix: Option<&'a str>,
    /// On the last finding of a rule in a file whose findings were capped: how many
    /// more there are, not listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    omitted: Option<usize>,
    /// `"ocr"` for a finding in text read by OCR from a scan (absent otherwise), with
    /// the mean confidence of that read (0–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<u8>,
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
                path: d.path.to_string(),
                line: d.line,
                column: d.column,
                part: d.part.as_deref(),
                message: &d.message,
                law: Some(&*d.law).filter(|_| !d.article.is_empty()),
                article: Some(&*d.article).filter(|a| !a.is_empty()),
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
                source: d.ocr.map(|_| "ocr"),
                confidence: d.ocr,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Lang;
    use crate::report::Format;
    use crate::report::test_support::{diag, opts};

    #[test]
    fn article_is_null_for_a_rule_about_the_tool() {
        let mut tool = diag("a.md");
        (tool.law, tool.article, tool.article_text) = Default::default();
        let diags = [diag("a.md"), tool];
        let mut out = Vec::new();
        emit(
            &mut out,
            &diags,
            &Summary::default(),
            &opts(Format::Json, Lang::Zh, true),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["diagnostics"][0]["article"], "第二十四条");
        assert_eq!(v["diagnostics"][0]["law"], "保密法");
        assert!(v["diagnostics"][1]["article"].is_null(), "{v}");
        assert!(v["diagnostics"][1]["law"].is_null(), "{v}");
        // Keys and severities stay English in every language.
        assert_eq!(v["diagnostics"][0]["severity"], "error");
    }
}
