//! The ledger in the terminal: an aligned table (columns measured in display width, CJK
//! is two columns), and the `--review` view grouped by the decision each item needs.

use std::io::Write;

use unicode_width::UnicodeWidthStr;

use super::{Ledger, Row, Status, decisions, source_label};
use crate::diagnostic::Lang;
use crate::report::escape;
use crate::rules::check::date_text;

/// `path:line (part)`; in Chinese `path:line（第2页）`. Names reach people escaped.
pub(super) fn place(r: &Row, lang: Lang) -> String {
    let path = escape(&r.path);
    match (&r.part, lang) {
        (Some(p), Lang::Zh) => format!(
            "{path}:{}（{}）",
            r.line,
            escape(&crate::report::part_label(p, lang))
        ),
        (Some(p), Lang::En) => format!("{path}:{} ({})", r.line, escape(p)),
        (None, _) => format!("{path}:{}", r.line),
    }
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

fn cells(r: &Row, lang: Lang) -> Vec<String> {
    let start = match (r.start, r.start_source) {
        (Some(d), Some(s)) => format!("{d} {}", source_label(s, lang)),
        _ => "—".to_string(),
    };
    vec![
        r.status.label(lang).to_string(),
        r.level.clone(),
        format!("{}{}", escape(&r.raw), attachment_note(r, lang)),
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
    match (r.attachment, lang) {
        (false, _) => "",
        (true, Lang::Zh) => "（附件）",
        (true, Lang::En) => " (attachment)",
    }
}

/// When the row ends, said for the review: `2021年6月1日届满（已届满2005天）`.
pub(super) fn ending(r: &Row, lang: Lang) -> String {
    match (r.last_day, r.days_left) {
        (Some(d), Some(n)) if n < 0 => match lang {
            Lang::Zh => format!("{}届满（已届满{}天）", date_text(d, lang), -n),
            Lang::En => format!("ended {d} ({} days ago)", -n),
        },
        (Some(d), Some(0)) => match lang {
            Lang::Zh => format!("今日届满（{}）", date_text(d, lang)),
            Lang::En => format!("ends today ({d})"),
        },
        (Some(d), Some(n)) => match lang {
            Lang::Zh => format!("{}届满（还有{n}天）", date_text(d, lang)),
            Lang::En => format!("ends {d} (in {n} days)"),
        },
        _ => r.status.label(lang).to_string(),
    }
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

pub fn emit(w: &mut dyn Write, ledger: &Ledger, lang: Lang) -> std::io::Result<()> {
    let header: Vec<String> = match lang {
        Lang::Zh => [
            "状态",
            "密级",
            "标志",
            "起算日期",
            "届满日",
            "剩余天数",
            "份号",
            "位置",
        ],
        Lang::En => [
            "status",
            "level",
            "mark",
            "start",
            "last day",
            "days left",
            "copy",
            "where",
        ],
    }
    .iter()
    .map(|s| s.to_string())
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
        .map(|s| match lang {
            Lang::Zh => format!("{}{}项", s.label(lang), ledger.count(s)),
            Lang::En => format!("{} {}", ledger.count(s), s.label(lang)),
        })
        .collect();
    let mut line = match lang {
        Lang::Zh => format!(
            "共{}项（检查文件{}个）：{}。",
            ledger.rows.len(),
            ledger.documents,
            counts.join("，")
        ),
        Lang::En => format!(
            "{} marked item(s) in {} file(s) checked: {}.",
            ledger.rows.len(),
            ledger.documents,
            counts.join(", ")
        ),
    };
    if ledger.rows.is_empty() {
        line = match lang {
            Lang::Zh => format!(
                "共检查文件{}个，没有带国家秘密标志的文件。",
                ledger.documents
            ),
            Lang::En => format!("{} file(s) checked: nothing is marked.", ledger.documents),
        };
    }
    if !ledger.unreadable.is_empty() {
        line.push('\n');
        line.push_str(&match lang {
            Lang::Zh => format!(
                "另有{}个文件无法检查，台账可能不完整：{}",
                ledger.unreadable.len(),
                unreadable(ledger).join("、")
            ),
            Lang::En => format!(
                "{} file(s) could not be inspected, so the ledger may be incomplete: {}",
                ledger.unreadable.len(),
                unreadable(ledger).join(", ")
            ),
        });
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
    match lang {
        Lang::Zh => writeln!(
            w,
            "{}年度国家秘密审核（检查日期：{}）",
            today.year(),
            date_text(today, lang)
        )?,
        Lang::En => writeln!(w, "Annual secrecy review {} ({today})", today.year())?,
    }
    if groups.is_empty() {
        writeln!(w)?;
        match lang {
            Lang::Zh => writeln!(w, "本年度没有需要决定的事项。")?,
            Lang::En => writeln!(w, "Nothing needs a decision this year.")?,
        }
    }
    for (decision, rows) in groups {
        writeln!(w)?;
        // `已届满（1项）：…`; English keeps `… [1]`.
        match (lang, decision.title(lang).split_once('：')) {
            (Lang::Zh, Some((head, rest))) => writeln!(w, "{head}（{}项）：{rest}", rows.len())?,
            _ => writeln!(w, "{} [{}]", decision.title(lang), rows.len())?,
        }
        for r in rows {
            writeln!(
                w,
                "  {}  {}  {}",
                place(r, lang),
                escape(&r.raw),
                ending(r, lang)
            )?;
        }
    }
    writeln!(w)?;
    writeln!(w, "{}", summary(ledger, lang))
}
