use super::*;
use crate::extract::{Document, Flavour};

fn run(flavour: Flavour, text: &str, name: &str) -> Scan {
    let r = Regime::builtin();
    scan(&r, &Document::plain(flavour, text.to_string()), name)
}

#[test]
fn unmarked_documents_short_circuit() {
    let s = run(
        Flavour::Markdown,
        "# 中华人民共和国保守国家秘密法\n\n第十四条 国家秘密的密级分为绝密、机密、秘密三级。\n",
        "law.md",
    );
    assert!(!s.is_marked());
    assert!(s.start.is_none());
}

#[test]
fn zone_banner_date_and_copy_number() {
    let s = run(
        Flavour::Plain,
        "000001\n机密★5年\n特急\n\n云岭市人民政府文件\n\n正文。\n\n云岭市人民政府\n2026年3月5日\n",
        "a.txt",
    );
    assert_eq!(s.banners.len(), 1);
    let b = &s.banners[0];
    assert!(b.in_zone);
    assert_eq!((b.pos.line, b.pos.column), (2, 1));
    assert!(s.copy_number);
    assert_eq!(
        s.start,
        Some((Date::constant(2026, 3, 5), DateSource::IssueDate))
    );
    assert!(!s.legacy);
}

#[test]
fn marks_beyond_the_zone_and_attachments() {
    let mut text = String::from("标题\n");
    for i in 0..10 {
        text.push_str(&format!("第{i}段。\n"));
    }
    text.push_str("秘密★1年\n附件1\n\n机密★2年\n2026年1月1日\n");
    let s = run(Flavour::Plain, &text, "a.txt");
    let found: Vec<(u32, bool, bool)> = s
        .banners
        .iter()
        .map(|b| (b.pos.line, b.in_zone, b.attachment))
        .collect();
    assert_eq!(found, vec![(12, false, false), (15, false, true)]);
}

#[test]
fn front_matter_and_file_name_declare_levels() {
    let s = run(
        Flavour::Markdown,
        "---\n密级: 秘密\n定密日期: 2025-03-05\npublic: true\n---\n机密★10年\n\n正文\n",
        "【秘密】纪要.md",
    );
    assert_eq!(s.front.level.as_ref().and_then(|d| d.level), Some(2));
    assert_eq!(s.file_name.as_ref().and_then(|d| d.level), Some(2));
    assert_eq!(
        s.start,
        Some((Date::constant(2025, 3, 5), DateSource::FrontMatter))
    );
    assert!(s.front.public.is_some());
    assert_eq!(s.banners[0].pos.line, 6);
}

#[test]
fn file_names() {
    let r = Regime::builtin();
    let level = |n: &str| file_name_mark(&r, n).and_then(|d| d.level);
    assert_eq!(level("【机密】年度报告.docx"), Some(1));
    assert_eq!(level("(秘密)纪要.md"), Some(2));
    assert_eq!(level("机密★10年-方案.pdf"), Some(1));
    assert_eq!(level("机密文件管理办法.md"), None);
    assert_eq!(level("【通知】关于.md"), None);
    assert_eq!(level("README.md"), None);
}

#[test]
fn legacy_documents_accept_bare_levels() {
    let s = run(
        Flavour::Plain,
        "                                机　密\n\n云岭市人民政府文件\n\n正文。\n\n二〇一〇年五月四日\n",
        "old.txt",
    );
    assert!(s.legacy);
    assert_eq!(s.banners.len(), 1);
    assert!(s.banners[0].mark.legacy_bare);
    assert!(s.candidates.is_empty());
}

#[test]
fn fenced_marks_are_quotation() {
    let s = run(
        Flavour::Markdown,
        "# 说明\n\n```text\n机密★1年\n```\n\n示例：`秘密★1年`\n",
        "readme.md",
    );
    assert!(!s.is_marked(), "{s:?}");
}

#[test]
fn print_date_of_the_banji() {
    assert_eq!(
        print_date("云岭市水务局办公室　　2025年12月1日印发"),
        Some(Date::constant(2025, 12, 1))
    );
    assert_eq!(
        print_date("2026年3月6日印发"),
        Some(Date::constant(2026, 3, 6))
    );
    assert_eq!(print_date("本通知自印发之日起施行"), None);
}

fn run_html(html: &str) -> Scan {
    let r = Regime::builtin();
    let rendered = crate::extract::html::render(html);
    let mut doc = Document::plain(Flavour::Html, rendered.text);
    doc.parts[0].line_map = rendered.line_map;
    doc.parts[0].blocks = rendered.blocks;
    scan(&r, &doc, "a.html")
}

/// A bare level word that is a list item, a heading or a table cell is prose; with a
/// star (or a term) it is still a mark or a candidate.
#[test]
fn bare_levels_in_lists_headings_and_cells_are_prose() {
    for text in [
        "- 绝密\n- 机密\n- 秘密\n",
        "* 机密\n",
        "1. 机密\n2. 秘密\n",
        "# 秘密\n\n团结是我们的秘密武器。\n",
        "## 机密级\n",
        "| 机密 |\n",
        "> - 秘密\n",
    ] {
        let s = run(Flavour::Markdown, text, "a.md");
        assert!(
            s.candidates.is_empty() && s.banners.is_empty(),
            "{text:?}: {:?}",
            s.candidates
        );
    }
    for html in [
        "<ul><li>绝密</li><li>机密</li><li>秘密</li></ul>",
        "<h1>秘密</h1><p>正文</p>",
        "<table><tr><td>机密</td></tr></table>",
        "<ol><li><p>机密</p></li></ol>",
    ] {
        let s = run_html(html);
        assert!(s.candidates.is_empty() && s.banners.is_empty(), "{html}");
    }
    // Still marks: a star, a wrong star, a term, or a bare level as plain text.
    for (text, banners, candidates) in [
        ("- 机密★10年\n", 1, 0),
        ("# 机密★10年\n", 1, 0),
        ("| 机密☆10年 |\n", 0, 1),
        ("- 机密 10年\n", 0, 1),
        ("机密\n\n正文\n", 0, 1),
    ] {
        let s = run(Flavour::Markdown, text, "a.md");
        assert_eq!(
            (s.banners.len(), s.candidates.len()),
            (banners, candidates),
            "{text:?}"
        );
    }
    let s = run_html("<ul><li>机密★10年</li></ul>");
    assert_eq!(s.banners.len(), 1);
    // A document before 2012-07-01 accepts a bare level as its mark, but not in a list.
    let s = run(
        Flavour::Markdown,
        "- 机　密\n\n正文\n\n2010年5月4日\n",
        "a.md",
    );
    assert!(s.legacy && s.banners.is_empty() && s.candidates.is_empty());
}

#[test]
fn wenhao_in_every_bracket_ime_offers() {
    for wenhao in [
        "国发〔2025〕7号",
        "国发﹝2025﹞7号",
        "国发【2025】7号",
        "国发〈2025〉7号",
        "国发[2025]7号",
        "国发（2025）7号",
        "国发〔2025〕第7号",
        "国发﹝2025﹞第 17 号",
    ] {
        let s = run(
            Flavour::Plain,
            &format!("机密★5年\n{wenhao}\n\n关于的通知\n\n2026年3月5日\n"),
            "a.txt",
        );
        assert!(s.gongwen_head, "{wenhao}");
    }
    for line in ["第7号", "2025年第7号公告", "〔2025〕"] {
        let s = run(Flavour::Plain, &format!("机密★5年\n{line}\n"), "a.txt");
        assert!(!s.gongwen_head, "{line}");
    }
}

#[test]
fn designations_by_shape_count_on_the_first_page_only() {
    let s = run(Flavour::Plain, "内部材料★3年\n\n通知\n", "a.txt");
    assert_eq!(s.non_secret.len(), 1);
    // Apart (a blank line between): two lines side by side would be a list of examples.
    let far = format!("{}内部材料★3年\n\n工作秘密★1年\n", "正文。\n".repeat(12));
    let s = run(Flavour::Plain, &far, "a.txt");
    let found: Vec<&str> = s
        .non_secret
        .iter()
        .map(|n| n.designation.as_str())
        .collect();
    assert_eq!(
        found,
        vec!["工作秘密"],
        "a listed designation counts anywhere"
    );
}

#[test]
fn lines_are_split_as_split_does() {
    for text in [
        "",
        "\n",
        "a",
        "a\n",
        "\na",
        "机密★\n\n秘密\r\n",
        "a\nb\nc",
        "\n\n",
    ] {
        let ours: Vec<&str> = super::split_lf(text).collect();
        let std: Vec<&str> = text.split('\n').collect();
        assert_eq!(ours, std, "{text:?}");
    }
}

#[test]
fn the_first_character_test_never_turns_away_an_option_line() {
    // Every character of the Basic Multilingual Plane as a line's first, followed by
    // what completes each alternative of `OPTION`: the cheap test must pass every line
    // the regex accepts.
    let tails = ["", ".", "）", "A）", "1)", "一）", " x", "、", "10."];
    for c in (0u32..0x1_0000).filter_map(char::from_u32) {
        for tail in tails {
            let line = format!("{c}{tail}");
            if OPTION.is_match(&line) {
                assert!(may_open_option(c), "{line:?} is an option line");
                assert!(is_option_line(&line));
            } else {
                assert!(!is_option_line(&line));
            }
        }
    }
}
