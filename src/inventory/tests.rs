use super::*;
use crate::extract::{Document, Flavour};

fn ledger_of(text: &str, today: Date) -> Vec<Row> {
    let regime = Regime::builtin();
    let doc = Document::plain(Flavour::Markdown, text.to_string());
    let scan = crate::scan::scan(&regime, &doc, "a.md");
    rows(
        &regime,
        &scan,
        "a.md",
        Window {
            today,
            expiring_within_days: 90,
        },
    )
}

const TODAY: Date = Date::constant(2026, 11, 27);

#[test]
fn every_status() {
    let status = |text: &str| {
        ledger_of(text, TODAY)
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        status("秘密★5年\n\n正文。\n\n2026年3月5日\n"),
        [Status::Valid]
    );
    assert_eq!(
        status("秘密★1年\n\n正文。\n\n2026年1月15日\n"),
        [Status::Expiring]
    );
    assert_eq!(
        status("秘密★1年\n\n正文。\n\n2020年6月1日\n"),
        [Status::Expired]
    );
    assert_eq!(status("秘密★5年\n\n正文。\n"), [Status::Undated]);
    assert_eq!(status("绝密★长期\n\n正文。\n"), [Status::Indefinite]);
    assert_eq!(status("机密★启用前\n\n正文。\n"), [Status::Conditional]);
    assert_eq!(
        status("秘密★1年\n\n正文。\n\n2020年6月1日\n\n已解密\n"),
        [Status::Declassified]
    );
    assert!(status("本规定所称国家秘密是指……\n").is_empty());
}

#[test]
fn row_fields_and_attachments() {
    let rows = ledger_of(
        "000001\n机密★10年\n\n关于某事的通知\n\n知悉范围：局领导\n\n2026年3月5日\n\n附件\n\n秘密★1年\n\n附件内容\n",
        TODAY,
    );
    assert_eq!(rows.len(), 2, "{rows:#?}");
    let own = &rows[0];
    assert_eq!(
        (own.level.as_str(), own.raw.as_str(), own.term.as_str()),
        ("机密", "机密★10年", "10年")
    );
    assert_eq!(own.start, Some(Date::constant(2026, 3, 5)));
    assert_eq!(own.start_source, Some(DateSource::IssueDate));
    assert_eq!(own.last_day, Some(Date::constant(2036, 3, 5)));
    assert_eq!(own.copy_number.as_deref(), Some("000001"));
    assert_eq!(own.distribution.as_deref(), Some("局领导"));
    assert!(!own.attachment && rows[1].attachment);
    assert_eq!(rows[1].last_day, Some(Date::constant(2027, 3, 5)));
}

#[test]
fn decisions_due_this_year() {
    let row = |status, last: Option<Date>| Row {
        path: "a".into(),
        part: None,
        line: 1,
        level: "秘密".into(),
        rank: 1,
        raw: "秘密★1年".into(),
        term: "1年".into(),
        attachment: false,
        start: None,
        start_source: None,
        last_day: last,
        days_left: None,
        status,
        copy_number: None,
        distribution: None,
        ocr: None,
        label: None,
    };
    let d = |s, last| decision(&row(s, last), TODAY);
    assert_eq!(d(Status::Expired, None), Some(Decision::MarkDeclassified));
    assert_eq!(
        d(Status::Valid, Some(Date::constant(2026, 12, 31))),
        Some(Decision::ExtendOrLapse)
    );
    assert_eq!(d(Status::Valid, Some(Date::constant(2027, 12, 31))), None);
    assert_eq!(d(Status::Undated, None), Some(Decision::DateIt));
    assert_eq!(d(Status::Conditional, None), Some(Decision::Confirm));
    assert_eq!(d(Status::Declassified, None), None);
}

#[test]
fn declared_level_without_a_mark_is_listed() {
    let rows = ledger_of(
        "---\n密级: 机密\n保密期限: 5年\n---\n\n# 报告\n\n正文。\n\n2026年3月5日\n",
        TODAY,
    );
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0].level, "机密");
    assert_eq!(rows[0].term, "5年");
    assert_eq!(rows[0].last_day, Some(Date::constant(2031, 3, 5)));
    assert_eq!(rows[0].status, Status::Valid);
}

#[test]
fn filters_by_status_and_window() {
    let text = |last: &str| format!("秘密★1年\n\n正文。\n\n{last}\n");
    let mut ledger = Ledger::default();
    for (i, t) in [
        text("2026年1月15日"),                              // expiring, 49 days
        text("2020年6月1日"),                               // expired
        text("2020年6月1日\n\n已解密"),                     // declassified
        "秘密★5年\n\n正文。\n\n2026年3月5日\n".to_string(), // valid, years away
    ]
    .iter()
    .enumerate()
    {
        for mut r in ledger_of(t, TODAY) {
            r.path = format!("{i}.md");
            ledger.rows.push(r);
        }
    }
    let mut within = ledger.clone();
    within.filter(&[], Some(60));
    let statuses: Vec<Status> = within.rows.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Expiring, Status::Expired]);
    let mut only = ledger.clone();
    only.filter(&[Status::Valid, Status::Declassified], None);
    assert_eq!(only.rows.len(), 2);
}
