//! Every built-in phrase in Chinese and English, in one place: the words of reports,
//! notes, listings and the ledger. A rule's own words (message, help, phrases) live in
//! its file under `rules/`, with the article it quotes.
//!
//! A fixed phrase is a `Phrase`; a phrase with values is a function, so the compiler
//! checks every value it takes.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Severity;
use crate::scan::DateSource;

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

/// A fixed phrase in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phrase {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Phrase {
    pub fn pick(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

const fn p(zh: &'static str, en: &'static str) -> Phrase {
    Phrase { zh, en }
}

// ---------------------------------------------------------------------------------
// Words used everywhere.

/// Between the items of a list: `甲、乙` / `a, b`.
pub const LIST_SEPARATOR: Phrase = p("、", ", ");
/// Between clauses: `甲；乙` / `a; b`.
pub const CLAUSE_SEPARATOR: Phrase = p("；", "; ");
/// After a label: `依据：` / `article: `.
pub const COLON: Phrase = p("：", ": ");
pub const NONE: Phrase = p("无", "none");

/// A remark after a text: `（…）` in Chinese, ` (…)` in English.
pub fn aside(text: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（{text}）"),
        Lang::En => format!(" ({text})"),
    }
}

/// A date in a sentence: `2027年1月15日` in Chinese, ISO in English (tables, CSV and
/// JSON keep ISO in every language).
pub fn date(date: Date, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.to_string(),
    }
}

/// A severity as a reader of `lang` names it (JSON and SARIF keep the English keys).
pub fn severity(severity: Severity, lang: Lang) -> &'static str {
    match (severity, lang) {
        (Severity::Error, Lang::Zh) => "错误",
        (Severity::Warning, Lang::Zh) => "警告",
        (Severity::Info, Lang::Zh) => "提示",
        (s, Lang::En) => s.as_str(),
    }
}

/// A container part as a reader of `lang` names it. The readers name parts in English
/// (`page 3`, `header 1 (first page)`, `slide 2 notes`, `sheet 1 (台账)`), which Chinese
/// output says in Chinese (`第3页`, `页眉1（首页）`, `第2张幻灯片备注`, `工作表1（台账）`);
/// the paths of zip parts and file names inside a container stay as they are.
pub fn part(part: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return part.to_string();
    }
    // `page 3 (OCR)`: a page read by OCR from a scan (`第3页（文字识别）`).
    let (name, ocr) = match part.strip_suffix(" (OCR)") {
        Some(p) => (p, "（文字识别）"),
        None => (part, ""),
    };
    match part_zh(name) {
        Some(zh) => format!("{zh}{ocr}"),
        None => part.to_string(),
    }
}

/// Reader part names in Chinese: `None` for a name no reader makes (a zip path).
fn part_zh(name: &str) -> Option<String> {
    const WHOLE: [(&str, &str); 16] = [
        ("main text", "正文"),
        ("PDF Info", "PDF 文档信息"),
        ("XMP metadata", "XMP 元数据"),
        ("document", "正文"),
        ("message", "邮件正文"),
        ("footnotes", "脚注"),
        ("endnotes", "尾注"),
        ("comments", "批注"),
        ("text boxes", "文本框"),
        ("header text boxes", "页眉文本框"),
        ("note separators", "注释分隔符"),
        ("headers and footers", "页眉页脚"),
        ("notes master", "备注母版"),
        ("handout master", "讲义母版"),
        ("header", "页眉"),
        ("footer", "页脚"),
    ];
    const WHICH: [(&str, &str); 4] = [
        (" (first page)", "（首页）"),
        (" (even pages)", "（偶数页）"),
        (" (left pages)", "（左页）"),
        (" (right pages)", "（右页）"),
    ];
    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    if let Some((_, zh)) = WHOLE.iter().find(|(en, _)| *en == name) {
        return Some((*zh).to_string());
    }
    // `header 1 (first page)`, `footer (left pages)`.
    for (en, zh) in [("header", "页眉"), ("footer", "页脚")] {
        if let Some(rest) = name.strip_prefix(en) {
            let (n, which) = match WHICH.iter().find(|(w, _)| rest.ends_with(w)) {
                Some((w, z)) => (&rest[..rest.len() - w.len()], *z),
                None => (rest, ""),
            };
            let n = n.trim_start();
            if n.is_empty() || number(n) {
                return Some(format!("{zh}{n}{which}"));
            }
        }
    }
    let (word, rest) = name.split_once(' ')?;
    let (n, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    if !number(n) {
        return None;
    }
    match (word, tail) {
        ("page", "") => Some(format!("第{n}页")),
        ("slide", "") => Some(format!("第{n}张幻灯片")),
        ("slide", "notes") => Some(format!("第{n}张幻灯片备注")),
        ("master", "") => Some(format!("母版{n}")),
        // `sheet 1 (台账)`: the sheet's own name stays.
        ("sheet", t) if t.starts_with('(') && t.ends_with(')') => {
            Some(format!("工作表{n}（{}）", &t[1..t.len() - 1]))
        }
        _ => None,
    }
}

/// A line of a document, in a part or not: `第3页第2行` / `page 3 line 2`.
pub fn at_line(part: Option<&str>, line: u32, lang: Lang) -> String {
    match (part, lang) {
        (Some(p), Lang::Zh) => format!("{}第{line}行", self::part(p, lang)),
        (Some(p), Lang::En) => format!("{p} line {line}"),
        (None, Lang::Zh) => format!("第{line}行"),
        (None, Lang::En) => format!("line {line}"),
    }
}

/// An article cited after a message: `【保密法第二十四条】` / ` [保密法第二十四条]`.
pub fn cited(citation: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("【{citation}】"),
        Lang::En => format!(" [{citation}]"),
    }
}

// ---------------------------------------------------------------------------------
// Findings and their reports.

/// What stands where a rule about the tool itself would cite an article.
pub const NO_ARTICLE: Phrase = p(
    "无（本规则针对本工具自身，不是法律规定）",
    "none (a rule about the tool itself, not a legal requirement)",
);
/// The labels under a finding in human output.
pub const FIX_LABEL: Phrase = p("建议改为：", "fix: ");
pub const HELP_LABEL: Phrase = p("说明：", "help: ");
pub const ARTICLE_LABEL: Phrase = p("依据：", "article: ");

/// A suggested fix, quoted: `“秘密★1年”` / `` `秘密★1年` ``.
pub fn quoted(text: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("“{text}”"),
        Lang::En => format!("`{text}`"),
    }
}

/// The finding that stands for the findings of a rule not listed in a file.
pub fn omitted_findings(omitted: usize, most: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            format!("本文件中另有{omitted}处同类问题未逐一列出（每个文件每条规则最多列出{most}处）")
        }
        Lang::En => format!(
            "{omitted} more finding(s) of this rule in this file are not listed (at most {most} per file and rule)"
        ),
    }
}

/// The summary line's counts: files, marked files and findings by severity.
pub fn checked_counts(
    files: usize,
    marked: usize,
    [errors, warnings, infos]: [usize; 3],
    lang: Lang,
) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            word.to_string()
        } else {
            format!("{word}s")
        }
    };
    match (lang, errors + warnings + infos) {
        (Lang::Zh, 0) => format!("共检查文件{files}个（带国家秘密标志的{marked}个），未发现问题。"),
        (Lang::Zh, _) => format!(
            "共检查文件{files}个（带国家秘密标志的{marked}个）：错误{errors}个，警告{warnings}个，提示{infos}个。"
        ),
        (Lang::En, 0) => format!("Checked {files} files ({marked} marked): no findings."),
        (Lang::En, _) => format!(
            "Checked {files} files ({marked} marked): {errors} {}, {warnings} {}, {infos} {}.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info")
        ),
    }
}

/// The findings a summary does not show, said so a run never looks cleaner than it is.
pub fn hidden_findings(inline: usize, baselined: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（另有{inline}个被忽略注释忽略，{baselined}个在基线中）"),
        Lang::En => format!(" ({inline} suppressed inline, {baselined} in the baseline)"),
    }
}

// ---------------------------------------------------------------------------------
// Notes of `check` on stderr.

/// Image files skipped because the run reads no scans (said once, not per file).
pub fn images_unread(n: usize, why: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{n}个图片文件未检查：未进行文字识别（{why}）；扫描件中的国家秘密标志因此无法发现"
        ),
        Lang::En => format!(
            "{n} image file(s) not checked: scans are not read by OCR here ({why}), so a mark on a scanned page would go unseen"
        ),
    }
}

pub fn fixes_available(fixes: usize, files: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("可自动修复{fixes}处（{files}个文件），加 --fix 执行"),
        Lang::En => {
            format!("{fixes} fix(es) available in {files} file(s); run with --fix to apply")
        }
    }
}

pub fn fixed(fixes: usize, files: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("已自动修复{fixes}处标志（{files}个文件）"),
        Lang::En => format!("fixed {fixes} mark(s) in {files} file(s)"),
    }
}

/// A file `--fix` left alone, and the technical reason.
pub fn not_fixed(file: &str, why: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{file}：未修复（技术信息：{why}）"),
        Lang::En => format!("{file}: not fixed: {why}"),
    }
}

pub fn wrote_baseline(entries: usize, file: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("已将{entries}项问题写入基线 {file}"),
        Lang::En => format!("wrote {entries} finding(s) to the baseline {file}"),
    }
}

/// `--shard`: the tree rule left out.
pub fn shard_skips_copies(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "分片检查不运行 ML302（绝密文件的多份副本）：它需要比对整个目录",
        Lang::En => {
            "ML302 (copies of a 绝密 document) does not run in a shard: it needs the whole tree"
        }
    }
}

/// `mark-lint cache clean`.
pub fn cache_cleaned(entries: usize, dir: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("已删除缓存 {dir}（{entries}项）"),
        Lang::En => format!("removed the cache {dir} ({entries} entries)"),
    }
}

/// The head of the list of stale baseline entries.
pub fn stale_entries(count: usize, file: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "基线 {file} 中有{count}项已失效（问题已改正，或者文件已不在）；可用 --write-baseline {file} 重写："
        ),
        Lang::En => format!(
            "{count} stale baseline entr{} in {file} (fixed, or the file is gone); rewrite it with --write-baseline {file}:",
            if count == 1 { "y" } else { "ies" },
        ),
    }
}

/// Before each stale entry.
pub const STALE: Phrase = p("已失效", "stale");

// ---------------------------------------------------------------------------------
// `rules` and `explain`.

pub const OFF_BY_DEFAULT: Phrase = p("（默认关闭）", " (off by default)");
pub const EXPLAIN_ARTICLE: Phrase = p("依据", "Article");
pub const EXPLAIN_SEE_ALSO: Phrase = p("相关规定", "See also");
pub const EXPLAIN_HELP: Phrase = p("说明", "Help");
pub const EXPLAIN_VALID: Phrase = p("不报告的示例", "Not reported");
pub const EXPLAIN_INVALID: Phrase = p("应报告的示例", "Reported");
pub const EXPLAIN_ALSO: Phrase = p(
    "同一文件夹中的另一文件：",
    "another file in the same folder:",
);

/// Above an example's earlier version (ML108), which it is compared with.
pub const EXPLAIN_BASE: Phrase = p(
    "修改前的版本（上一次提交中的同一文件）：",
    "the earlier version (the same file at the last commit):",
);

/// The file name an example runs under.
pub fn example_file(name: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("文件名“{name}”"),
        Lang::En => name.to_string(),
    }
}

pub const EXAMPLE_UNCLASSIFIED: Phrase = p(
    "非涉密系统（配置项 system: unclassified）",
    "on an unclassified system (system: unclassified)",
);

/// An example in a folder listed under a config key (`public-paths`).
pub fn example_in_paths(key: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("位于配置项 {key} 指定的文件夹中"),
        Lang::En => format!("in a folder listed in {key}"),
    }
}

pub fn example_authority(authority: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("配置项 authority: {authority}"),
        Lang::En => format!("authority: {authority}"),
    }
}

/// A configured keyword an example runs with, and the level it implies.
pub fn example_keyword(pattern: &str, level: Option<&str>, lang: Lang) -> String {
    match (lang, level) {
        (Lang::Zh, Some(l)) => format!("涉密关键词“{pattern}”（{l}级）"),
        (Lang::Zh, None) => format!("涉密关键词“{pattern}”"),
        (Lang::En, Some(l)) => format!("keyword `{pattern}` ({l})"),
        (Lang::En, None) => format!("keyword `{pattern}`"),
    }
}

// ---------------------------------------------------------------------------------
// Words the checks put into rule phrases.

/// Where a document's term starts counting from.
pub fn date_source(source: DateSource, lang: Lang) -> &'static str {
    match (source, lang) {
        (DateSource::FrontMatter, Lang::Zh) => "文件头元数据中的定密日期",
        (DateSource::FrontMatter, Lang::En) => "front matter 定密日期",
        (DateSource::IssueDate, Lang::Zh) => "成文日期",
        (DateSource::IssueDate, Lang::En) => "成文日期, the issue date",
        (DateSource::Property, Lang::Zh) => "文档属性中的定密日期",
        (DateSource::Property, Lang::En) => "document property 定密日期",
        (DateSource::PrintDate, Lang::Zh) => "印发日期",
        (DateSource::PrintDate, Lang::En) => "印发日期, the printing date",
        (DateSource::Created, Lang::Zh) => "文档创建日期，未找到成文日期",
        (DateSource::Created, Lang::En) => "the file's creation date, no 成文日期 found",
    }
}

/// Where a declared level or term comes from, other than a line of the text.
pub fn declared_in(source: &str, lang: Lang) -> &'static str {
    match (source, lang) {
        ("banner", Lang::Zh) => "首页标志",
        ("banner", Lang::En) => "banner mark",
        ("label", Lang::Zh) => "首页密级字样",
        ("label", Lang::En) => "first-page label",
        ("front-matter", Lang::Zh) => "文件头元数据",
        ("front-matter", Lang::En) => "front matter",
        ("properties", Lang::Zh) => "文档属性",
        ("properties", Lang::En) => "document properties",
        ("sensitivity-label", Lang::Zh) => "敏感度标签",
        ("sensitivity-label", Lang::En) => "sensitivity label",
        (_, Lang::Zh) => "文件名",
        (_, Lang::En) => "file name",
    }
}

/// A sensitivity label and the level config `label-map` maps it to, where a message
/// names the place a level is declared: `按配置项 label-map 对应机密的敏感度标签`.
pub fn mapped_label(level: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("按配置项 label-map 对应{level}的敏感度标签"),
        Lang::En => format!("sensitivity label that config `label-map` maps to {level}"),
    }
}

/// A banner mark in another part of an office document: a header or footer (页眉,
/// 页脚) or a template page.
pub fn banner_in_part(part: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => {
            let what = if part.contains("header") {
                "页眉"
            } else if part.contains("footer") {
                "页脚"
            } else {
                "首页标志"
            };
            format!("{what}（{}）", self::part(part, lang))
        }
        Lang::En => format!("{} ({part})", declared_in("banner", lang)),
    }
}

/// The zone where a banner mark belongs.
pub fn first_page_zone(lines: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("正文前{lines}个非空行"),
        Lang::En => format!("the first {lines} non-blank lines"),
    }
}

/// A mark with no term, shown as the maximum it is read as.
pub fn no_term_marked(maximum: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{maximum}（未标注，按最长期限）"),
        Lang::En => format!("{maximum} (none marked: the maximum)"),
    }
}

// ---------------------------------------------------------------------------------
// The ledger (`inventory`): the terminal table, the review, CSV and the HTML page.

use crate::inventory::{Decision, Status};

/// A status as a reader of `lang` names it (keys stay English).
pub fn status(status: Status, lang: Lang) -> &'static str {
    match (status, lang) {
        (Status::Expired, Lang::Zh) => "已届满",
        (Status::Expiring, Lang::Zh) => "即将届满",
        (Status::Undated, Lang::Zh) => "未标日期",
        (Status::Indefinite, Lang::Zh) => "长期",
        (Status::Conditional, Lang::Zh) => "附解密条件",
        (Status::Valid, Lang::Zh) => "有效",
        (Status::Declassified, Lang::Zh) => "已解密",
        (s, Lang::En) => s.as_str(),
    }
}

/// What a status means, under its count on the HTML page.
pub fn status_note(status: Status, expiring_within_days: i64, lang: Lang) -> String {
    let days = expiring_within_days;
    match (status, lang) {
        (Status::Expired, Lang::Zh) => "保密期限已满，应作解密标志".into(),
        (Status::Expiring, Lang::Zh) => format!("{days}天内届满"),
        (Status::Undated, Lang::Zh) => "未找到起算日期，无法计算届满日".into(),
        (Status::Indefinite, Lang::Zh) => "长期：须有保密事项范围的依据".into(),
        (Status::Conditional, Lang::Zh) => "解密条件成就时解密".into(),
        (Status::Valid, Lang::Zh) => "在保密期限内".into(),
        (Status::Declassified, Lang::Zh) => "已作解密标志".into(),
        (Status::Expired, Lang::En) => "term passed: a 解密 mark is due".into(),
        (Status::Expiring, Lang::En) => format!("ends within {days} days"),
        (Status::Undated, Lang::En) => "no classification date: no end".into(),
        (Status::Indefinite, Lang::En) => "长期, 永久: needs a basis".into(),
        (Status::Conditional, Lang::En) => "ends when the condition is met".into(),
        (Status::Valid, Lang::En) => "within its term".into(),
        (Status::Declassified, Lang::En) => "a 解密 mark is on it".into(),
    }
}

/// What the annual review must decide, with the provisions behind it.
pub fn decision(decision: Decision, lang: Lang) -> &'static str {
    match (decision, lang) {
        (Decision::MarkDeclassified, Lang::Zh) => {
            "已届满：依法自行解密，应在原标志附近作出解密标志（保密法第二十四条第二款；定密规定第四十四条第二款）"
        }
        (Decision::ExtendOrLapse, Lang::Zh) => {
            "即将届满：本年内或者提醒期内届满，由原定密机关、单位在届满前决定是否延长；延长的，在原标志附近重新作出国家秘密标志（保密法第二十四条第二款；定密规定第三十八条、第四十条第二款）"
        }
        (Decision::DateIt, Lang::Zh) => {
            "未找到起算日期：补充登记成文日期或者书面通知日期后，才能计算届满日"
        }
        (Decision::Confirm, Lang::Zh) => {
            "保密期限为长期或者附解密条件：由定密责任人核对保密事项范围的依据，或者解密条件是否已经成就"
        }
        (Decision::MarkDeclassified, Lang::En) => {
            "Expired: declassified by law; place a 解密 mark (Art. 24; 定密规定 Art. 44)"
        }
        (Decision::ExtendOrLapse, Lang::En) => {
            "Ending soon (this year, or within the expiring window): decide before expiry whether to extend (and mark the change) or let it lapse (Art. 24; 定密规定 Arts. 38, 40)"
        }
        (Decision::DateIt, Lang::En) => {
            "No classification date: record it, so the end can be computed"
        }
        (Decision::Confirm, Lang::En) => {
            "Indefinite or conditional: confirm the basis in the 保密事项范围, or whether the condition has been met"
        }
    }
}

/// A decision's heading with its count: `已届满（1项）：…` / `Expired: … [1]`.
pub fn decision_heading(d: Decision, count: usize, lang: Lang) -> String {
    match (lang, decision(d, lang).split_once('：')) {
        (Lang::Zh, Some((head, rest))) => format!("{head}（{count}项）：{rest}"),
        _ => format!("{} [{count}]", decision(d, lang)),
    }
}

/// After the mark of an attachment in the table and the review.
pub const ATTACHMENT_NOTE: Phrase = p("（附件）", " (attachment)");
/// After a mark read by OCR, with the read's mean confidence: `（文字识别，置信度93%）`.
pub fn ocr_note(confidence: u8, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（文字识别，置信度{confidence}%）"),
        Lang::En => format!(" (OCR, {confidence}%)"),
    }
}
/// The tag on a mark read by OCR on the HTML page.
pub const OCR: Phrase = p("文字识别", "OCR");
/// How a ledger row's mark was read, in the CSV: from text, or by OCR from a scan.
pub const READ_FROM_TEXT: Phrase = p("文字", "text");
pub const READ_BY_OCR: Phrase = p("文字识别", "ocr");
/// The tag on an attachment's mark on the HTML page.
pub const ATTACHMENT: Phrase = p("附件", "attachment");

/// A mapped sensitivity label beside the mark in the ledger:
/// `标签“Highly Confidential”对应机密` / `label "Highly Confidential" maps to 机密`.
pub fn label_note(name: &str, level: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("标签“{name}”对应{level}"),
        Lang::En => format!("label \"{name}\" maps to {level}"),
    }
}

/// When a row ends, for the review: `2021年6月1日届满（已届满2005天）`.
pub fn ending(last_day: Date, days_left: i64, lang: Lang) -> String {
    let day = date(last_day, lang);
    match (lang, days_left) {
        (Lang::Zh, n) if n < 0 => format!("{day}届满（已届满{}天）", -n),
        (Lang::Zh, 0) => format!("今日届满（{day}）"),
        (Lang::Zh, n) => format!("{day}届满（还有{n}天）"),
        (Lang::En, n) if n < 0 => format!("ended {day} ({} days ago)", -n),
        (Lang::En, 0) => format!("ends today ({day})"),
        (Lang::En, n) => format!("ends {day} (in {n} days)"),
    }
}

/// The terminal table's column headings.
pub const TABLE_COLUMNS: [Phrase; 8] = [
    p("状态", "status"),
    p("密级", "level"),
    p("标志", "mark"),
    p("起算日期", "start"),
    p("届满日", "last day"),
    p("剩余天数", "days left"),
    p("份号", "copy"),
    p("位置", "where"),
];

/// The CSV's header: keys in English, words in Chinese (read in WPS or Excel). Later
/// columns (the label's, then the OCR's) came last, after `today`, so the earlier ones
/// keep their places.
pub const CSV_COLUMNS: [Phrase; 19] = [
    p("路径", "path"),
    p("部件", "part"),
    p("行", "line"),
    p("密级", "level"),
    p("标志", "mark"),
    p("保密期限", "term"),
    p("附件", "attachment"),
    p("起算日期", "start"),
    p("起算日期来源", "start_source"),
    p("届满日", "last_day"),
    p("剩余天数", "days_left"),
    p("状态", "status"),
    p("份号", "copy_number"),
    p("知悉范围", "distribution"),
    p("检查日期", "today"),
    p("敏感度标签", "label"),
    p("标签对应密级", "label_level"),
    p("识读方式", "source"),
    p("识别置信度", "confidence"),
];

pub const YES: Phrase = p("是", "yes");
pub const NO: Phrase = p("否", "no");

/// A status and its count in the summary: `已届满2项` / `2 expired`.
pub fn status_count(s: Status, count: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}{count}项", status(s, lang)),
        Lang::En => format!("{count} {}", status(s, lang)),
    }
}

/// The ledger's summary: items, files and the counts by status.
pub fn ledger_summary(items: usize, files: usize, counts: &[String], lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("共{items}项（检查文件{files}个）：{}。", counts.join("，")),
        Lang::En => format!(
            "{items} marked item(s) in {files} file(s) checked: {}.",
            counts.join(", ")
        ),
    }
}

pub fn nothing_marked(files: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("共检查文件{files}个，没有带国家秘密标志的文件。"),
        Lang::En => format!("{files} file(s) checked: nothing is marked."),
    }
}

/// The files a ledger could not read: it may be incomplete.
pub fn ledger_unreadable(files: &[String], lang: Lang) -> String {
    let n = files.len();
    match lang {
        Lang::Zh => format!(
            "另有{n}个文件无法检查，台账可能不完整：{}",
            files.join("、")
        ),
        Lang::En => format!(
            "{n} file(s) could not be inspected, so the ledger may be incomplete: {}",
            files.join(", ")
        ),
    }
}

/// The heading of `--review`.
pub fn review_heading(today: Date, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}年度国家秘密审核（检查日期：{}）",
            today.year(),
            date(today, lang)
        ),
        Lang::En => format!("Annual secrecy review {} ({today})", today.year()),
    }
}

pub const NOTHING_TO_DECIDE: Phrase = p(
    "本年度没有需要决定的事项。",
    "Nothing needs a decision this year.",
);

// The HTML page.
pub const PAGE_TITLE: Phrase = p("国家秘密标志台账", "Ledger of state-secret marks");
pub const PAGE_LANG: Phrase = p("zh-CN", "en");
pub const BY_LEVEL: Phrase = p("按密级", "By level (密级)");
pub const BY_STATUS: Phrase = p("按状态", "By status");
pub const SHOW_ONLY_STATUS: Phrase = p("只看这一状态", "Show only this status");
pub const TIMELINE: Phrase = p("保密期限时间线", "Timeline of the terms");
pub const TIMELINE_TITLE: Phrase = p(
    "每项标志从起算日期到届满日的保密期限",
    "Each mark's term, from its start to its last day",
);
pub const NOTHING_MARKED_SHORT: Phrase = p("没有带标志的文件", "Nothing is marked");
pub const TODAY: Phrase = p("今天", "today");
pub const THE_LEDGER: Phrase = p("台账明细", "The ledger");
pub const FILTER: Phrase = p("筛选", "Filter");
pub const FILTER_HINT: Phrase = p("路径、标志、份号、知悉范围…", "path, mark, copy, 知悉范围…");
pub const STATUS: Phrase = p("状态", "Status");
pub const ALL: Phrase = p("全部", "all");
/// `{n}` and `{total}` are filled in by the page's script as the filter changes.
pub const SHOWING: Phrase = p("显示 {n} / {total} 项", "showing {n} of {total}");
/// The HTML table's column headings, in the order of its columns.
pub const PAGE_COLUMNS: [Phrase; 9] = [
    p("状态", "status"),
    p("密级", "level"),
    p("标志", "mark"),
    p("起算日期", "start"),
    p("届满日", "last day"),
    p("剩余天数", "days left"),
    p("份号", "copy"),
    p("知悉范围", "知悉范围"),
    p("位置", "where"),
];

pub fn page_footer(today: Date, lang: Lang) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        Lang::Zh => format!(
            "<p>由 mark-lint {version} 生成，按{}计算。本页不引用任何网络资源，可离线存档。</p>\n\
             <p>台账列出涉密文件的位置，本身应按有关规定管理。</p>",
            date(today, lang)
        ),
        Lang::En => format!(
            "<p>Made by mark-lint {version} for {today}. This page loads nothing from the network \
             and can be archived as it is.</p>\n\
             <p>The ledger says where classified documents are: handle it according to the \
             rules that apply.</p>"
        ),
    }
}

/// Under the page's title: the date, the counts and the expiring window.
pub fn page_subtitle(today: Date, files: usize, items: usize, days: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "<p class=\"sub\">检查日期<time datetime=\"{today}\">{}</time> · \
             检查文件{files}个，带国家秘密标志{items}项 · 提醒期{days}天</p>",
            date(today, lang)
        ),
        Lang::En => format!(
            "<p class=\"sub\">As of <time datetime=\"{today}\">{today}</time> · \
             {files} file(s) checked, {items} marked item(s) · expiring window \
             {days} days</p>"
        ),
    }
}

/// The warning over the page when files could not be read.
pub fn page_unreadable(files: usize, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "<strong>台账可能不完整：</strong>以下{files}个文件无法检查，其中的标志未计入。"
        ),
        Lang::En => format!(
            "<strong>The ledger may be incomplete:</strong> {files} file(s) could not be \
             inspected, and any mark in them is missing here."
        ),
    }
}

/// The expiring window on the timeline: its tooltip and its label.
pub fn window_title(from: Date, to: Date, days: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "提醒期：{}至{}（{days}天）",
            date(from, lang),
            date(to, lang)
        ),
        Lang::En => format!("Expiring window: {from} to {to} ({days} days)"),
    }
}

pub fn window_label(days: i64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("提醒期{days}天"),
        Lang::En => format!("expiring window: {days} days"),
    }
}

/// The heading of the page's review section.
pub fn page_review_heading(year: i16, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{year}年度国家秘密审核：需要决定的事项"),
        Lang::En => format!("Annual secrecy review {year}: what needs a decision"),
    }
}

#[cfg(test)]
mod part_tests {
    use super::*;

    /// Every part name the readers make is said in Chinese in Chinese output; zip paths
    /// and names the readers do not make stay as written; English output is unchanged.
    #[test]
    fn reader_part_names_in_chinese() {
        for (en, zh) in [
            ("page 3", "第3页"),
            ("page 1 (OCR)", "第1页（文字识别）"),
            ("main text", "正文"),
            ("document", "正文"),
            ("message", "邮件正文"),
            ("header 1", "页眉1"),
            ("header 1 (first page)", "页眉1（首页）"),
            ("footer 2 (even pages)", "页脚2（偶数页）"),
            ("header (left pages)", "页眉（左页）"),
            ("footer", "页脚"),
            ("footnotes", "脚注"),
            ("comments", "批注"),
            ("slide 2", "第2张幻灯片"),
            ("slide 2 notes", "第2张幻灯片备注"),
            ("master 1", "母版1"),
            ("sheet 1 (检查台账)", "工作表1（检查台账）"),
            ("word/header1.xml", "word/header1.xml"),
            ("Doc_0/Attachs/a.ofd", "Doc_0/Attachs/a.ofd"),
            ("page x", "page x"),
            ("header footer", "header footer"),
        ] {
            assert_eq!(part(en, Lang::Zh), zh, "{en}");
            assert_eq!(part(en, Lang::En), en);
        }
    }
}
