//! Every message of every rule, printed in both languages: each rule's examples run in
//! Chinese and English and are printed as the human report prints them, with ML900 for
//! every way a file can fail to be read; every template and phrase of every rule must
//! show up in that output (so each variant is printed with real values, not a stand-in).
//! The Chinese output has no English outside code, paths, rule codes, quoted text and
//! the `（技术信息：…）` of a reader's error, no ISO dates in sentences, and no doubled
//! brackets. `rules`, `explain` and the ledger review are held to the same.

use std::collections::BTreeMap;
use std::process::Command;

use mark_lint::diagnostic::{Diagnostic, DocPath, Lang};
use mark_lint::extract::{Document, ExtractError, Flavour, Gap, Part, Property, Role};
use mark_lint::regime::Regime;
use mark_lint::report::Format;
use mark_lint::report::{ReportOptions, Summary};
use mark_lint::rules::Registry;
use mark_lint::rules::check::{CheckContext, unread_gap, unreadable, unreadable_base};

/// Names an officer reads as names: the standard, office suites, this tool.
const PROPER_NAMES: [&str; 5] = ["GB/T", "WPS", "LibreOffice", "Tesseract", "mark-lint"];

/// What is wrong with a piece of Chinese output, one entry per problem.
fn zh_problems(text: &str, rule_names: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for bad in ["（（", "））", "）”（", "： "] {
        if text.contains(bad) {
            problems.push(format!("`{bad}` (doubled bracket or stray space)"));
        }
    }
    // What may hold English: quoted text (marks, directives, document text) and a
    // reader's technical message. The rest is prose.
    let prose = strip_regions(text);
    if prose.contains('`') {
        problems.push("Markdown backtick in Chinese prose".to_string());
    }
    let mut depth = 0i32;
    for c in prose.chars() {
        match c {
            '（' => {
                depth += 1;
                if depth > 1 {
                    problems.push("nested （…（…）…）".to_string());
                }
            }
            '）' => depth -= 1,
            '(' | ')' => problems.push(format!("ASCII bracket `{c}` in Chinese prose")),
            _ => {}
        }
    }
    let iso = regex::Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
    if let Some(m) = iso.find(&prose) {
        problems.push(format!("ISO date {} in a sentence", m.as_str()));
    }
    let token = regex::Regex::new(r"[!-~]*[A-Za-z][!-~]*").unwrap();
    // A rule code (`ML101`, `[ML101]`), a file name (`.docx`, `a.md:2:1`), and a config
    // value after its key (`配置项 system: unclassified`).
    let code = regex::Regex::new(r"^\[?(ML|X-)\d+[\]:]*$").unwrap();
    let file = regex::Regex::new(r"^[\w.-]*\.[a-z0-9]{1,5}(:\d+)*:?$").unwrap();
    let value = regex::Regex::new(r"配置项 [a-z-]+: $").unwrap();
    for m in token.find_iter(&prose) {
        let t = m.as_str();
        let before = &prose[..m.start()];
        let allowed = PROPER_NAMES.iter().any(|n| t.trim_end_matches(':') == *n)
            || code.is_match(t)
            || t.starts_with("--")
            || t.contains('/')
            || file.is_match(t)
            || rule_names.iter().any(|n| n == t)
            || before.ends_with("配置项 ")
            || value.is_match(before);
        if !allowed {
            problems.push(format!("English `{t}` in Chinese prose"));
        }
    }
    problems
}

/// The text with quoted spans (“…”) and technical messages （技术信息：…） replaced by
/// `…`.
fn strip_regions(text: &str) -> String {
    const TECH: &str = "（技术信息：";
    let chars: Vec<char> = text.chars().collect();
    let tech: Vec<char> = TECH.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i..].starts_with(&tech) {
            // A technical message may hold brackets of its own.
            let mut depth = 1;
            i += tech.len();
            while i < chars.len() && depth > 0 {
                match chars[i] {
                    '（' => depth += 1,
                    '）' => depth -= 1,
                    _ => {}
                }
                i += 1;
            }
            out.push('…');
        } else if chars[i] == '“' {
            i += chars[i..]
                .iter()
                .position(|&c| c == '”')
                .unwrap_or(chars.len() - i)
                + 1;
            out.push('…');
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The human report of `diags` as `mark-lint check` prints it, snippet lines left out
/// (they are the document's own text).
fn human(diags: &[Diagnostic], lang: Lang) -> String {
    let snippet = regex::Regex::new(r"^\s*\d*\s*\|").unwrap();
    let opts = ReportOptions {
        format: Format::Human,
        lang,
        quiet: false,
        snippets: true,
        today: jiff::civil::date(2026, 11, 27),
        color: false,
        statistics: false,
    };
    let mut summary = Summary {
        files: 1,
        marked: 1,
        ..Summary::default()
    };
    summary.count(diags);
    let mut out = Vec::new();
    mark_lint::report::human::emit(&mut out, diags, &summary, &opts).unwrap();
    // The file's own path on the `-->` line is not the tool's wording.
    let path = regex::Regex::new(r"^(\s*--> ).*?(:\d+:\d+)").unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter(|l| !snippet.is_match(l))
        .map(|l| path.replace(l, "${1}文件${2}").into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// ML900 for every way a file can fail to be read, with details as the readers write
/// them (English), whole and as a gap on a page.
fn unreadable_findings(registry: &Registry, lang: Lang) -> Vec<Diagnostic> {
    let rule = registry.find("ML900").unwrap();
    let regime = Regime::builtin();
    let ctx = CheckContext {
        keywords: &[],
        term_start_printed: false,
        authority: None,
        publish_path: false,
        regime: &regime,
        today: jiff::civil::date(2026, 11, 27),
        expiring_within_days: 90,
        lang,
        public_path: false,
        classified_path: false,
        snippets: true,
        label_map: &[],
    };
    let errors = [
        ExtractError::Io("Permission denied (os error 13)".into()),
        ExtractError::TooLarge {
            size_mb: 300,
            limit_mb: 256,
        },
        ExtractError::Unsupported("image/tiff".into()),
        ExtractError::Binary,
        ExtractError::Corrupt(
            "broken zip container: invalid Zip archive: Could not find EOCD".into(),
        ),
        ExtractError::Encrypted,
        ExtractError::NoText,
        ExtractError::Legacy("Word 97-2003 (.doc)".into()),
        ExtractError::Crashed("the PDF reader panicked (index out of bounds)".into()),
        ExtractError::Undecodable("bytes 120-184 of line 3".into()),
        ExtractError::Limit("inflated bytes 512 MiB".into()),
        ExtractError::Ocr("a mark-like line read at 41% confidence".into()),
    ];
    let keys: Vec<&str> = errors.iter().map(|e| e.phrase().0).collect();
    for key in ExtractError::PHRASES {
        assert!(
            keys.contains(&key),
            "no ML900 case for `{key}`: add one here"
        );
    }
    let mut out: Vec<Diagnostic> = errors
        .iter()
        .map(|e| unreadable(rule, &ctx, &DocPath::file("扫描件.pdf"), e))
        .collect();
    // The version at the base revision (ML108) that could not be read.
    out.push(unreadable_base(
        rule,
        &ctx,
        &DocPath::file("方案.docx"),
        "origin/main:方案.docx",
        &ExtractError::Corrupt("broken zip container: invalid Zip archive".into()),
    ));
    out.push(unread_gap(
        rule,
        &ctx,
        &DocPath::file("报告.pdf"),
        &Gap {
            part: Some("page 2".into()),
            line: 3,
            error: ExtractError::Limit("text 64 MiB".into()),
        },
    ));
    out
}

/// Documents no rule example can spell (properties, creation dates, headers, pages,
/// the 印发日期), run through every rule: (what, document, term starts at 印发日期).
fn constructed() -> Vec<(&'static str, Document, bool)> {
    let text = |t: &str| Document::plain(Flavour::Plain, t.to_string());
    let prop = |key: &str, value: &str| Property {
        key: key.into(),
        value: value.into(),
        part: "docProps/custom.xml".into(),
    };
    let mut public = text("秘密★1年\n\n关于调整会议安排的通知\n\n2026年3月5日\n");
    public.props.push(prop("公开", "是"));
    let mut declared = text("关于调整会议安排的通知\n\n正文。\n\n2026年3月5日\n");
    declared.props.push(prop("密级", "机密"));
    let mut created = text("秘密★1年\n\n关于调整会议安排的通知\n");
    created.created = Some(jiff::civil::date(2020, 6, 12));
    let mut dated = text("秘密★1年\n\n关于调整会议安排的通知\n");
    dated.props.push(prop("定密日期", "2020-06-12"));
    let front = Document::plain(
        Flavour::Markdown,
        "---\n定密日期: 2020-06-12\n---\n\n秘密★1年\n\n# 纪要\n".to_string(),
    );
    let printed = text(
        "秘密★1年\n\n关于调整会议安排的通知\n\n正文。\n\n2020年3月5日\n\n云岭市人民政府办公室　　2020年3月6日印发\n",
    );
    let mut body = Part::new(Some("word/document.xml".into()), Role::Body);
    body.text = "秘密★5年\n\n关于调整会议安排的通知\n\n2026年3月5日\n".into();
    let mut header = Part::new(Some("word/header1.xml".into()), Role::Margin);
    header.text = "机密★10年\n".into();
    let headed = Document::with_parts(Flavour::Plain, vec![header, body]);
    let mut page = Part::new(Some("page 1".into()), Role::Body);
    page.text = "秘密★1年\n\n关于调整会议安排的通知\n\n2025年11月27日\n".into();
    let mut paged = Document::with_parts(Flavour::Plain, vec![page]);
    paged.paged = true;
    vec![
        ("properties declare it public", public, false),
        ("properties declare a level", declared, false),
        ("term from the creation date", created, false),
        ("term from a 定密日期 property", dated, false),
        ("term from front matter", front, false),
        ("term from the 印发日期", printed, true),
        ("a header disagrees", headed, false),
        ("a page, ending today", paged, false),
    ]
}

/// Every finding of every rule's examples, by rule code, in `lang`.
fn findings(registry: &Registry, lang: Lang) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut by_code: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for rule in &registry.rules {
        for ex in rule.invalid.iter().chain(&rule.valid) {
            for d in mark_lint::lint_example_in(registry, Some(&rule.code), ex, lang) {
                by_code.entry(d.code.to_string()).or_default().push(d);
            }
        }
    }
    for d in unreadable_findings(registry, lang) {
        by_code.entry(d.code.to_string()).or_default().push(d);
    }
    let regime = Regime::builtin();
    for (what, doc, printed) in constructed() {
        let ctx = CheckContext {
            keywords: &[],
            term_start_printed: printed,
            authority: None,
            publish_path: false,
            regime: &regime,
            today: jiff::civil::date(2026, 11, 27),
            expiring_within_days: 90,
            lang,
            public_path: false,
            classified_path: false,
            snippets: true,
            label_map: &[],
        };
        let (diags, _) =
            mark_lint::lint_document(&registry.rules, &ctx, &DocPath::file(what), what, &doc);
        assert!(!diags.is_empty(), "{what}: no finding");
        for d in diags {
            by_code.entry(d.code.to_string()).or_default().push(d);
        }
    }
    by_code
}

/// The literal pieces of a template, between its `{placeholders}`.
fn literal_pieces(template: &str) -> Vec<String> {
    regex::Regex::new(r"\{[a-z_]+\}")
        .unwrap()
        .split(template)
        .map(str::trim)
        .filter(|p| p.chars().count() >= 2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_message_of_every_rule_prints_in_both_languages() {
    let registry = Registry::builtin();
    let names: Vec<String> = registry.rules.iter().map(|r| r.name.clone()).collect();
    let mut problems = Vec::new();
    for lang in [Lang::Zh, Lang::En] {
        let by_code = findings(&registry, lang);
        for rule in &registry.rules {
            let found = by_code.get(&rule.code).map(Vec::as_slice).unwrap_or(&[]);
            let printed = human(found, lang);
            // Every template and phrase shows up in what was printed: each variant
            // was rendered with real values.
            let mut templates = vec![("message", &rule.message)];
            templates.extend(rule.help.as_ref().map(|h| ("help", h)));
            templates.extend(rule.phrases.iter().map(|(k, t)| (k.as_str(), t)));
            for (key, t) in templates {
                for piece in literal_pieces(t.pick(lang)) {
                    if !printed.contains(&piece) {
                        problems.push(format!(
                            "{} {lang:?} `{key}` never printed by any example: {piece}",
                            rule.code
                        ));
                    }
                }
            }
            if lang == Lang::Zh {
                for d in found {
                    let one = human(std::slice::from_ref(d), lang);
                    for p in zh_problems(&one, &names) {
                        problems.push(format!("{}: {p}\n    {one}", rule.code));
                    }
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rules_explain_and_the_review_are_chinese_in_chinese() {
    let bin = env!("CARGO_BIN_EXE_mark-lint");
    let registry = Registry::builtin();
    let names: Vec<String> = registry.rules.iter().map(|r| r.name.clone()).collect();
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let mut outputs = vec![
        ("rules".to_string(), run(&["rules", "--lang", "zh"])),
        (
            "inventory --review".to_string(),
            run(&[
                "inventory",
                "--review",
                "--lang",
                "zh",
                "--today",
                "2026-11-27",
                "tests/fixtures/ledger",
            ]),
        ),
    ];
    for rule in &registry.rules {
        let text = run(&["explain", &rule.code, "--lang", "zh"]);
        // Example documents are the documents' own text.
        let text: Vec<&str> = text.lines().filter(|l| !l.starts_with("  |")).collect();
        outputs.push((format!("explain {}", rule.code), text.join("\n")));
    }
    let mut problems = Vec::new();
    for (what, text) in &outputs {
        assert!(!text.is_empty(), "{what} printed nothing");
        for line in text.lines() {
            // Ledger lines start with the file's path.
            let line = line
                .trim_start()
                .split_once("  ")
                .map_or(
                    line,
                    |(head, tail)| {
                        if head.contains('/') { tail } else { line }
                    },
                );
            for p in zh_problems(line, &names) {
                problems.push(format!("{what}: {p}\n    {line}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_catches_what_the_review_found() {
    let names = vec!["term-expired".to_string()];
    let bad = [
        "文件已声明公开（（此件公开发布））",
        "首页标志“秘密★5年”低于文内第5行的“（机密）”（机密）",
        "自2025-01-10（文档创建日期（无成文日期））起算",
        "将于2027-01-15届满",
        "error[ML104]：标志",
        "= 说明： 国家秘密标志",
        "建议改为：`机密★10年`",
        "无法检查该文件：文件已损坏（broken zip container）",
        "首页标志 (word/header1.xml)标注的",
        "定密日期（front matter）",
        "ML205 authority-hint info (off by default)",
    ];
    for text in bad {
        assert!(!zh_problems(text, &names).is_empty(), "not caught: {text}");
    }
    let good = [
        "错误[ML104]：标志“秘密★1年”的保密期限自2020年6月12日（成文日期）起算",
        "无法检查该文件：文件已损坏或者与扩展名不符（技术信息：invalid Zip archive (EOCD)）",
        "忽略注释“<!-- mark-lint-disable -->”未写明规则代码",
        "提醒窗口由配置项 expiring-within-days 设定，在非涉密系统中（配置项 system: unclassified）",
        "  --> examples/a.md:2:1（第2页）",
        "可用 --fix 自动改正（GB/T 9704-2012 7.2.2），用 WPS 另存为 .docx",
        "ML205  term-expired  提示",
    ];
    for text in good {
        assert_eq!(zh_problems(text, &names), Vec::<String>::new(), "{text}");
    }
}
