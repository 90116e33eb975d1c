//! `mark-lint rules` and `mark-lint explain`: the rules, their articles and examples.

use std::io::Write;

use anyhow::Result;

use crate::cli::RulesFormat;
use crate::config::SystemKind;
use crate::diagnostic::Lang;
use crate::lang::{self, OFF_BY_DEFAULT};
use crate::rules::{self, Registry, Rule};

fn list_rules(
    registry: &Registry,
    format: RulesFormat,
    l: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    if format == RulesFormat::Json {
        let rows: Vec<serde_json::Value> = registry
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                    "enabled": r.enabled, "summary": r.summary.pick(l),
                    "law": r.article.as_ref().map(|a| &a.law),
                    "article": r.article.as_ref().map(|a| &a.number),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    use unicode_width::UnicodeWidthStr;
    let cited = |r: &Rule| match &r.article {
        Some(a) => a.cite(),
        None => lang::NONE.pick(l).to_string(),
    };
    let pad = |s: &str, width: usize| format!("{s}{}", " ".repeat(width.saturating_sub(s.width())));
    let widest = |f: &dyn Fn(&Rule) -> String| {
        registry
            .rules
            .iter()
            .map(|r| f(r).width())
            .max()
            .unwrap_or(0)
    };
    let name_w = widest(&|r: &Rule| r.name.clone());
    let sev_w = widest(&|r: &Rule| lang::severity(r.severity, l).to_string());
    let cite_w = widest(&|r: &Rule| cited(r));
    for r in &registry.rules {
        let off = off_note(r, l);
        writeln!(
            out,
            "{:<6} {} {} {} {}{off}",
            r.code,
            pad(&r.name, name_w),
            pad(lang::severity(r.severity, l), sev_w),
            pad(&cited(r), cite_w),
            r.summary.pick(l),
        )?;
    }
    Ok(())
}

/// After a rule that is off by default, a note that it is.
fn off_note(rule: &Rule, l: Lang) -> &'static str {
    if rule.enabled {
        ""
    } else {
        OFF_BY_DEFAULT.pick(l)
    }
}

fn explain(rule: &Rule, l: Lang, out: &mut dyn Write) -> Result<()> {
    let off = off_note(rule, l);
    writeln!(
        out,
        "{} {} [{}]{off}",
        rule.code,
        rule.name,
        lang::severity(rule.severity, l)
    )?;
    writeln!(out, "{}", rule.summary.pick(l))?;
    writeln!(out)?;
    writeln!(out, "{}", lang::EXPLAIN_ARTICLE.pick(l))?;
    match &rule.article {
        Some(a) => writeln!(out, "  {}：{}", a.cite(), a.text.trim())?,
        None => writeln!(out, "  {}", lang::NO_ARTICLE.pick(l))?,
    }
    if !rule.see_also.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", lang::EXPLAIN_SEE_ALSO.pick(l))?;
        for a in &rule.see_also {
            writeln!(out, "  {}：{}", a.cite(), a.text.trim())?;
        }
    }
    if let Some(help) = &rule.help {
        writeln!(out)?;
        writeln!(out, "{}", lang::EXPLAIN_HELP.pick(l))?;
        writeln!(out, "  {}", help.pick(l))?;
    }
    // The examples are what the rule does not report and what it reports; each with
    // the setting it runs under, or the same text can stand under both headings.
    for (title, list) in [
        (lang::EXPLAIN_VALID, &rule.valid),
        (lang::EXPLAIN_INVALID, &rule.invalid),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{}", title.pick(l))?;
        for ex in list {
            for line in example_context(ex, l) {
                writeln!(out, "  # {line}")?;
            }
            for line in ex.text.trim_end().lines() {
                writeln!(out, "  | {line}")?;
            }
            if let Some(base) = &ex.base {
                writeln!(out, "  # {}", lang::EXPLAIN_BASE.pick(l))?;
                for line in base.trim_end().lines() {
                    writeln!(out, "  | {line}")?;
                }
            }
            for other in &ex.also {
                writeln!(out, "  # {}", lang::EXPLAIN_ALSO.pick(l))?;
                for line in other.trim_end().lines() {
                    writeln!(out, "  | {line}")?;
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The file name and settings an example runs under, one line each.
fn example_context(ex: &rules::schema::ExampleDoc, l: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(name) = &ex.name {
        lines.push(lang::example_file(name, l));
    }
    if ex.system == Some(SystemKind::Unclassified) {
        lines.push(lang::EXAMPLE_UNCLASSIFIED.pick(l).to_string());
    }
    for (set, key) in [
        (ex.public, "public-paths"),
        (ex.classified, "classified-paths"),
        (ex.publish, "publish-paths"),
    ] {
        if set {
            lines.push(lang::example_in_paths(key, l));
        }
    }
    if let Some(authority) = &ex.authority {
        lines.push(lang::example_authority(authority, l));
    }
    for k in &ex.keywords {
        lines.push(lang::example_keyword(&k.pattern, k.level.as_deref(), l));
    }
    lines
}

/// `mark-lint rules`.
pub fn rules(args: &crate::cli::RulesArgs, out: &mut dyn Write) -> Result<i32> {
    let (registry, _) = super::registry_for(args.config.as_deref())?;
    let lang = crate::config::resolve::pick_lang(super::lang(args.lang), None);
    list_rules(&registry, args.format, lang, out)?;
    Ok(crate::EXIT_CLEAN)
}

/// `mark-lint explain CODE`.
pub fn explain_command(args: &crate::cli::ExplainArgs, out: &mut dyn Write) -> Result<i32> {
    let (registry, _) = super::registry_for(args.config.as_deref())?;
    let rule = registry.find(&args.code).ok_or_else(|| {
        anyhow::anyhow!("unknown rule `{}`; `mark-lint rules` lists them", args.code)
    })?;
    explain(
        rule,
        crate::config::resolve::pick_lang(super::lang(args.lang), None),
        out,
    )?;
    Ok(crate::EXIT_CLEAN)
}
