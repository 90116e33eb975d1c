//! Human output, like rustc and ruff: severity and code, path:line:col, the marking
//! line with a caret aligned by display width (CJK is two columns), the message, the
//! article. And the one-line `concise` format for grep and editors.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::{Batch, ReportOptions, Summary, escape};
use crate::diagnostic::{Diagnostic, Lang, Severity};

/// ANSI styles, or nothing when colour is off.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.wrap(code, s)
    }

    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }

    fn dim(&self, s: &str) -> String {
        self.wrap("34", s)
    }
}

pub fn emit(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    summary: &Summary,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let zh = opts.lang == Lang::Zh;
    let p = Paint(opts.color);
    for d in diags {
        writeln!(
            w,
            "{}: {}",
            p.severity(d.severity, &format!("{}[{}]", d.severity.as_str(), d.code)),
            p.bold(&escape(&d.message))
        )?;
        let arrow = p.dim("-->");
        let path = escape(&d.path);
        match &d.part {
            Some(part) => writeln!(
                w,
                "  {arrow} {path}:{}:{} ({})",
                d.line,
                d.column,
                escape(part)
            )?,
            None => writeln!(w, "  {arrow} {path}:{}:{}", d.line, d.column)?,
        }
        if let (true, Some(s)) = (opts.snippets, &d.snippet) {
            let gutter = d.line.to_string();
            let pad = " ".repeat(gutter.len());
            // Tabs as spaces, then controls escaped: the carets are measured on what is
            // printed.
            let shown = |t: String| escape(&t.replace('\t', "    ")).into_owned();
            let text = shown(s.text.clone());
            let before = shown(s.text.chars().take(s.col).collect());
            let marked = shown(s.text.chars().skip(s.col).take(s.width).collect());
            let carets = "^".repeat(marked.width().max(1));
            let bar = p.dim("|");
            writeln!(w, "{pad} {bar}")?;
            writeln!(w, "{} {bar} {text}", p.dim(&gutter))?;
            writeln!(
                w,
                "{pad} {bar} {}{}",
                " ".repeat(before.width()),
                p.severity(d.severity, &carets)
            )?;
        }
        let lead = if opts.snippets && d.snippet.is_some() {
            " ".repeat(d.line.to_string().len())
        } else {
            "  ".to_string()
        };
        if let Some(fix) = &d.fix {
            writeln!(
                w,
                "{lead} = {} `{}`",
                if zh { "建议改为：" } else { "fix:" },
                escape(fix)
            )?;
        }
        if let Some(help) = &d.help {
            let help = escape(help);
            writeln!(w, "{lead} = {} {help}", if zh { "说明：" } else { "help:" })?;
        }
        writeln!(
            w,
            "{lead} = {} {}{}：{}",
            if zh { "依据：" } else { "article:" },
            d.law,
            d.article,
            d.article_text
        )?;
        writeln!(w)?;
    }
    if !opts.quiet {
        writeln!(w, "{}", summary_line(summary, opts.lang))?;
    }
    Ok(())
}

/// `--statistics`: findings per rule, most frequent first.
pub fn emit_statistics(
    w: &mut dyn Write,
    batch: &Batch,
    opts: &ReportOptions,
) -> std::io::Result<()> {
    let mut counts: std::collections::BTreeMap<(&str, &str, Severity), usize> =
        std::collections::BTreeMap::new();
    for d in batch.diags {
        *counts.entry((&d.code, &d.name, d.severity)).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let wide = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(1);
    for ((code, name, sev), n) in rows {
        writeln!(w, "{n:>wide$}  {code}  {name:<34} [{}]", sev.as_str())?;
    }
    if !opts.quiet {
        writeln!(w, "{}", summary_line(batch.summary, opts.lang))?;
    }
    Ok(())
}

pub fn summary_line(s: &Summary, lang: Lang) -> String {
    let mut line = counts_line(s, lang);
    // Hidden findings are said, so a run never looks cleaner than it is.
    if s.inline_suppressed + s.baselined > 0 {
        let (a, b) = (s.inline_suppressed, s.baselined);
        let note = match lang {
            Lang::Zh => format!("（另有 {a} 个被行内指令抑制，{b} 个在基线中）"),
            Lang::En => format!(" ({a} suppressed inline, {b} in the baseline)"),
        };
        match line.pop() {
            Some(end @ ('。' | '.')) => {
                line.push_str(&note);
                line.push(end);
            }
            Some(c) => {
                line.push(c);
                line.push_str(&note);
            }
            None => {}
        }
    }
    line
}

fn counts_line(s: &Summary, lang: Lang) -> String {
    let found = s.errors + s.warnings + s.infos;
    match (lang, found) {
        (Lang::Zh, 0) => format!(
            "检查了 {} 个文件（{} 个带国家秘密标志），未发现问题。",
            s.files, s.marked
        ),
        (Lang::Zh, _) => format!(
            "检查了 {} 个文件（{} 个带国家秘密标志）：{} 个错误，{} 个警告，{} 个提示。",
            s.files, s.marked, s.errors, s.warnings, s.infos
        ),
        (Lang::En, 0) => format!(
            "Checked {} files ({} marked): no findings.",
            s.files, s.marked
        ),
        (Lang::En, _) => format!(
            "Checked {} files ({} marked): {} {}, {} {}, {} {}.",
            s.files,
            s.marked,
            s.errors,
            plural(s.errors, "error"),
            s.warnings,
            plural(s.warnings, "warning"),
            s.infos,
            plural(s.infos, "info")
        ),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// `path:line:col: CODE [severity] message`, one line per finding.
pub fn emit_concise(w: &mut dyn Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags {
        let part = d
            .part
            .as_ref()
            .map(|p| format!(" ({})", escape(p)))
            .unwrap_or_default();
        writeln!(
            w,
            "{}:{}:{}: {} [{}] {}{part}",
            escape(&d.path),
            d.line,
            d.column,
            d.code,
            d.severity.as_str(),
            escape(&d.message)
        )?;
    }
    Ok(())
}
