use super::*;
use crate::suppress;

fn md(text: &str) -> Directives {
    parse(text, Flavour::Markdown)
}

fn codes(d: &Directives) -> Vec<(String, u32, u32, Option<String>)> {
    d.entries
        .iter()
        .map(|e| (e.code.clone(), e.from, e.to, e.reason.clone()))
        .collect()
}

fn problems(d: &Directives) -> Vec<(Problem, u32)> {
    d.bad.iter().map(|b| (b.problem, b.at.line)).collect()
}

#[test]
fn next_line_with_reason() {
    let d = md("# t\n<!-- mark-lint-disable-next-line ML002 -- 附件正文，已核 -->\n机密★1年\n");
    assert_eq!(
        codes(&d),
        [("ML002".into(), 3, 3, Some("附件正文，已核".into()))]
    );
    assert_eq!(d.entries[0].at.column, 1);
    assert!(d.bad.is_empty());
}

#[test]
fn disable_enable_range_and_open_range_to_end() {
    let d =
        md("a\n<!-- mark-lint-disable ML106, ML002 -->\nb\n<!-- mark-lint-enable ML106 -->\nc\n");
    assert_eq!(
        codes(&d),
        [("ML106".into(), 2, 4, None), ("ML002".into(), 2, 6, None)]
    );
}

#[test]
fn codes_are_mandatory_and_verbs_checked() {
    let d = md(
        "<!-- mark-lint-disable -->\n<!-- mark-lint-disabel ML002 -->\n<!-- mark-lint-enable ML101 -->\n",
    );
    assert_eq!(
        problems(&d),
        [
            (Problem::NoCode, 1),
            (Problem::Malformed, 2),
            (Problem::UnmatchedEnable, 3)
        ]
    );
}

#[test]
fn mentions_are_not_directives() {
    // In prose, in inline code, inside a fence, or a comment that is not the whole line.
    let text = "写 `<!-- mark-lint-disable ML106 -->` 即可。\n\
                ```\n<!-- mark-lint-disable ML106 -->\n```\n\
                前文 <!-- mark-lint-disable ML106 --> 后文\n\
                \n    <!-- mark-lint-disable ML106 -->\n\
                \t<!-- mark-lint-disable ML106 -->\n\
                <!-- 关于 mark-lint 的说明 -->\n";
    let d = md(text);
    assert!(d.is_empty(), "{d:?}");
}

#[test]
fn line_comments_in_plain_text_only() {
    let text = "机密★30年  # mark-lint: ignore ML101 -- 历史档案\n\
                // mark-lint: ignore term-expired\n\
                见 mark-lint: ignore 的用法\n\
                x #mark-lint: skip ML101\n";
    let d = parse(text, Flavour::Plain);
    assert_eq!(
        codes(&d),
        [
            ("ML101".into(), 1, 1, Some("历史档案".into())),
            ("term-expired".into(), 2, 3, None)
        ]
    );
    assert_eq!(problems(&d), [(Problem::Malformed, 4)]);
    assert_eq!(d.entries[0].at.column, 9);
    // Markdown headings are not comments.
    assert!(md("# mark-lint: ignore ML101\n").is_empty());
}

#[test]
fn crlf_and_no_directive_fast_path() {
    let d = md("x\r\n<!-- mark-lint-disable-next-line ML002 -->\r\n机密★1年\r\n");
    assert_eq!(codes(&d), [("ML002".into(), 3, 3, None)]);
    assert!(md("机密★1年\n").is_empty());
}

fn diag(code: &str, line: u32) -> Diagnostic {
    Diagnostic {
        code: code.into(),
        name: String::new(),
        severity: crate::diagnostic::Severity::Error,
        path: "a.md".into(),
        line,
        column: 1,
        part: None,
        message: String::new(),
        help: None,
        article: String::new(),
        law: String::new(),
        article_text: String::new(),
        mark: None,
        fix: None,
        fix_quotes_text: false,
        omitted: None,
        snippet: None,
    }
}

#[test]
fn apply_hides_reports_unused_unknown_and_unsuppressible() {
    let d = md(
        "<!-- mark-lint-disable-next-line ML002, ML101 -- ok -->\n机密★1年\n\
                <!-- mark-lint-disable-next-line ML999 -->\n\
                <!-- mark-lint-disable-next-line ML301 -->\n",
    );
    let resolve = |c: &str| match c {
        "ML002" | "ML101" => Some(RuleInfo {
            code: c.into(),
            suppressible: true,
            ran: true,
        }),
        "ML301" => Some(RuleInfo {
            code: c.into(),
            suppressible: false,
            ran: true,
        }),
        _ => None,
    };
    let suppress::Applied { shown, hidden, bad } =
        apply(&d, vec![diag("ML002", 2), diag("ML106", 2)], resolve);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].code, "ML106");
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].1.as_deref(), Some("ok"));
    let got: Vec<(Problem, Option<&str>)> =
        bad.iter().map(|b| (b.problem, b.code.as_deref())).collect();
    assert_eq!(
        got,
        [
            (Problem::Unused, Some("ML101")),
            (Problem::UnknownCode, Some("ML999")),
            (Problem::Unsuppressible, Some("ML301"))
        ]
    );
}

#[test]
fn unused_only_for_rules_that_ran() {
    let d = md("<!-- mark-lint-disable-next-line ML106 -->\n机密★1年\n");
    let resolve = |c: &str| {
        Some(RuleInfo {
            code: c.into(),
            suppressible: true,
            ran: false,
        })
    };
    assert!(apply(&d, Vec::new(), resolve).bad.is_empty());
}
