//! Human output, like rustc and ruff: severity and code, path:line:col, the marking
//! line with a caret aligned by display width (CJK is two columns), the message, the
//! article. And the one-line `concise` format for grep and editors.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::{Batch, ReportOptions, Summary, basis, escape};
use crate::diagnostic::{Diagnostic, Lang, Severity};
use crate::lang::{self, ARTICLE_LABEL, COLON, FIX_LABEL, HELP_LABEL};

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
    let l = opts.lang;
    let p = Paint(opts.color);
    for d in diags {
        let label = lang::severity(d.severity, l);
        writeln!(
            w,
            "{}{}{}",
            p.severity(d.severity, &format!("{label}[{}]", d.code)),
            COLON.pick(l),
            p.bold(&escape(&d.message))
        )?;
        let arrow = p.dim("-->");
        let path = escape(&d.path.to_string()).into_owned();
        let part = part_aside(d.part.as_deref(), l);
        writeln!(w, "  {arrow} {path}:{}:{}{part}", d.line, d.column)?;
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
        if let Some(fix) = d
            .fix
            .as_ref()
            .filter(|_| opts.snippets || !d.fix_quotes_text)
        {
            let fix = lang::quoted(&escape(fix), l);
            writeln!(w, "{lead} = {}{fix}", FIX_LABEL.pick(l))?;
        }
        if let Some(help) = &d.help {
            writeln!(w, "{lead} = {}{}", HELP_LABEL.pick(l), escape(help))?;
        }
        writeln!(w, "{lead} = {}{}", ARTICLE_LABEL.pick(l), basis(d, l))?;
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
        let sev = lang::severity(sev, opts.lang);
        writeln!(w, "{n:>wide$}  {code}  {name:<34} [{sev}]")?;
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
        let note = lang::hidden_findings(s.inline_suppressed, s.baselined, lang);
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
    lang::checked_counts(s.files, s.marked, [s.errors, s.warnings, s.infos], lang)
}

/// A part after a position: `（第2页）` / ` (page 2)`, escaped.
fn part_aside(part: Option<&str>, l: Lang) -> String {
    part.map(|p| lang::aside(&escape(&lang::part(p, l)), l))
        .unwrap_or_default()
}

/// `path:line:col: CODE [severity] message`, one line per finding. The severity stays
/// the English key in every language, like JSON's: editors and scripts match on it.
pub fn emit_concise(w: &mut dyn Write, diags: &[Diagnostic], lang: Lang) -> std::io::Result<()> {
    for d in diags {
        let part = part_aside(d.part.as_deref(), lang);
        writeln!(
            w,
            "{}:{}:{}: {} [{}] {}{part}",
            escape(&d.path.to_string()),
            d.line,
            d.column,
            d.code,
            d.severity.as_str(),
            escape(&d.message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Format;
    use crate::report::test_support::{diag, opts};

    fn render(diags: &[Diagnostic], lang: Lang) -> String {
        let mut out = Vec::new();
        let summary = Summary {
            files: 3,
            marked: 2,
            errors: 1,
            inline_suppressed: 1,
            ..Summary::default()
        };
        emit(&mut out, diags, &summary, &opts(Format::Human, lang, false)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn chinese_output_has_chinese_labels() {
        let mut d = diag("a.pdf");
        d.part = Some("page 2".into());
        d.fix = Some("秘密★1年".into());
        d.help = Some("说明文字。".into());
        d.article_text = "国家秘密的保密期限已满的，自行解密。".into();
        let zh = render(&[d.clone()], Lang::Zh);
        assert!(zh.starts_with("错误[ML104]：mark"), "{zh}");
        assert!(zh.contains("a.pdf:2:1（第2页）\n"), "{zh}");
        assert!(zh.contains("= 建议改为：“秘密★1年”\n"), "{zh}");
        assert!(zh.contains("= 说明：说明文字。\n"), "{zh}");
        assert!(
            zh.contains("= 依据：保密法第二十四条：国家秘密的保密期限已满的，自行解密。\n"),
            "{zh}"
        );
        assert!(
            zh.ends_with("共检查文件3个（带国家秘密标志的2个）：错误1个，警告0个，提示0个（另有1个被忽略注释忽略，0个在基线中）。\n"),
            "{zh}"
        );
        assert!(
            !zh.contains("： "),
            "no space after a full-width colon: {zh}"
        );
        let en = render(&[d], Lang::En);
        assert!(en.starts_with("error[ML104]: mark"), "{en}");
        assert!(en.contains("a.pdf:2:1 (page 2)\n"), "{en}");
        assert!(en.contains("= fix: `秘密★1年`\n"), "{en}");
        assert!(en.contains("= article: 保密法第二十四条："), "{en}");
    }

    #[test]
    fn a_rule_about_the_tool_says_it_cites_nothing() {
        let mut d = diag("a.md");
        (d.law, d.article, d.article_text) = Default::default();
        let zh = render(&[d.clone()], Lang::Zh);
        assert!(
            zh.contains("= 依据：无（本规则针对本工具自身，不是法律规定）\n"),
            "{zh}"
        );
        let en = render(&[d], Lang::En);
        assert!(
            en.contains(
                "= article: none (a rule about the tool itself, not a legal requirement)\n"
            ),
            "{en}"
        );
    }

    #[test]
    fn concise_keeps_the_severity_key_and_names_pages_in_chinese() {
        let mut d = diag("a.pdf");
        d.part = Some("page 2".into());
        let mut out = Vec::new();
        emit_concise(&mut out, &[d], Lang::Zh).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a.pdf:2:1: ML104 [error] mark `秘密★1年`: expired（第2页）\n"
        );
    }
}
