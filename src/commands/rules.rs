//! `mark-lint rules` and `mark-lint explain`: the rules, their articles and examples.

use std::io::Write;

use anyhow::Result;

use crate::cli::RulesFormat;
use crate::config::SystemKind;
use crate::diagnostic::Lang;
use crate::report;
use crate::rules::{self, Registry, Rule};

fn list_rules(
    registry: &Registry,
    format: RulesFormat,
    lang: Lang,
    out: &mut dyn Write,
) -> Result<()> {
    if format == RulesFormat::Json {
        let rows: Vec<serde_json::Value> = registry
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                    "enabled": r.enabled, "summary": r.summary.pick(lang),
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
    let cited = |r: &Rule| match (&r.article, lang) {
        (Some(a), _) => a.cite(),
        (None, Lang::Zh) => "无".to_string(),
        (None, Lang::En) => "none".to_string(),
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
    let sev_w = widest(&|r: &Rule| report::severity_label(r.severity, lang).to_string());
    let cite_w = widest(&|r: &Rule| cited(r));
    for r in &registry.rules {
        let off = match (r.enabled, lang) {
            (true, _) => "",
            (false, Lang::Zh) => "（默认关闭）",
            (false, Lang::En) => " (off by default)",
        };
        writeln!(
            out,
            "{:<6} {} {} {} {}{off}",
            r.code,
            pad(&r.name, name_w),
            pad(report::severity_label(r.severity, lang), sev_w),
            pad(&cited(r), cite_w),
            r.summary.pick(lang),
        )?;
    }
    Ok(())
}

fn explain(rule: &Rule, lang: Lang, out: &mut dyn Write) -> Result<()> {
    let zh = lang == Lang::Zh;
    let off = match (rule.enabled, lang) {
        (true, _) => "",
        (false, Lang::Zh) => "（默认关闭）",
        (false, Lang::En) => " (off by default)",
    };
    writeln!(
        out,
        "{} {} [{}]{off}",
        rule.code,
        rule.name,
        report::severity_label(rule.severity, lang)
    )?;
    writeln!(out, "{}", rule.summary.pick(lang))?;
    writeln!(out)?;
    writeln!(out, "{}", if zh { "依据" } else { "Article" })?;
    match &rule.article {
        Some(a) => writeln!(out, "  {}：{}", a.cite(), a.text.trim())?,
        None => writeln!(out, "  {}", report::no_article(lang))?,
    }
    if !rule.see_also.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", if zh { "相关规定" } else { "See also" })?;
        for a in &rule.see_also {
            writeln!(out, "  {}：{}", a.cite(), a.text.trim())?;
        }
    }
    if let Some(help) = &rule.help {
        writeln!(out)?;
        writeln!(out, "{}", if zh { "说明" } else { "Help" })?;
        writeln!(out, "  {}", help.pick(lang))?;
    }
    // The examples are what the rule does not report and what it reports; each with
    // the setting it runs under, or the same text can stand under both headings.
    for (title_zh, title_en, list) in [
        ("不报告的示例", "Not reported", &rule.valid),
        ("应报告的示例", "Reported", &rule.invalid),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{}", if zh { title_zh } else { title_en })?;
        for ex in list {
            for line in example_context(ex, lang) {
                writeln!(out, "  # {line}")?;
            }
            for line in ex.text.trim_end().lines() {
                writeln!(out, "  | {line}")?;
            }
            for other in &ex.also {
                writeln!(
                    out,
                    "  # {}",
                    if zh {
                        "同一文件夹中的另一文件："
                    } else {
                        "another file in the same folder:"
                    }
                )?;
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
fn example_context(ex: &rules::schema::ExampleDoc, lang: Lang) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let mut lines = Vec::new();
    if let Some(name) = &ex.name {
        lines.push(if zh {
            format!("文件名“{name}”")
        } else {
            name.clone()
        });
    }
    if ex.system == Some(SystemKind::Unclassified) {
        lines.push(if zh {
            "非涉密系统（配置项 system: unclassified）".to_string()
        } else {
            "on an unclassified system (system: unclassified)".to_string()
        });
    }
    for (set, key) in [
        (ex.public, "public-paths"),
        (ex.classified, "classified-paths"),
        (ex.publish, "publish-paths"),
    ] {
        if set {
            lines.push(if zh {
                format!("位于配置项 {key} 指定的文件夹中")
            } else {
                format!("in a folder listed in {key}")
            });
        }
    }
    if let Some(authority) = &ex.authority {
        lines.push(if zh {
            format!("配置项 authority: {authority}")
        } else {
            format!("authority: {authority}")
        });
    }
    for k in &ex.keywords {
        let level = k.level.as_deref().map(|l| match lang {
            Lang::Zh => format!("（{l}级）"),
            Lang::En => format!(" ({l})"),
        });
        lines.push(if zh {
            format!("涉密关键词“{}”{}", k.pattern, level.unwrap_or_default())
        } else {
            format!("keyword `{}`{}", k.pattern, level.unwrap_or_default())
        });
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
