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
