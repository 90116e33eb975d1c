//! Reporters: one emitter per format over the sorted batch of diagnostics. The only
//! place (with `main.rs`) that writes to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod human;
pub mod json;

use std::io::Write;

use jiff::civil::Date;

use crate::cli::Format;
use crate::diagnostic::{Diagnostic, Lang, Severity};

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub marked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

pub struct ReportOptions {
    pub format: Format,
    pub lang: Lang,
    pub quiet: bool,
    pub snippets: bool,
    pub today: Date,
}

pub fn emit(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    match opts.format {
        Format::Human => human::emit(w, diags, summary, opts),
        Format::Concise => human::emit_concise(w, diags),
        Format::Json => json::emit(w, diags, summary, opts),
    }
}
