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

/// A directive is code exactly where the extractor finds code: fences open and close
/// the same way for both (a fence line with an info string does not close a block; a
/// longer run of the same character does; the other character does not).
#[test]
fn fences_are_the_extractors_fences() {
    let text = "正文\n\
                ```\n<!-- mark-lint-disable ML106 -->\n```rust\n<!-- mark-lint-disable ML101 -->\n~~~\n\
                <!-- mark-lint-disable ML002 -->\n````\n\
                <!-- mark-lint-disable ML104 -->\n秘密★1年\n";
    let d = md(text);
    let mut cleaner = crate::extract::markdown::LineCleaner::new();
    let visible: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| cleaner.clean(l).is_some_and(|c| !c.trim().is_empty()))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    // Lines 1 and 10 are prose; lines 2 to 8 are one block; line 9 is read.
    assert_eq!(visible, [1, 10]);
    assert_eq!(codes(&d), [("ML104".into(), 9, 11, None)]);
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
        name: "".into(),
        severity: crate::diagnostic::Severity::Error,
        path: crate::diagnostic::DocPath::file("a.md"),
        line,
        column: 1,
        part: None,
        message: String::new(),
        help: None,
        article: "".into(),
        law: "".into(),
        article_text: "".into(),
        mark: None,
        fix: None,
        fix_quotes_text: false,
        omitted: None,
        fails: false,
        ocr: None,
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
    assert_eq!(&*shown[0].code, "ML106");
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

/// Shown (code, line), hidden (code, line, reason), problems (line, key).
type Outcome = (
    Vec<(String, u32)>,
    Vec<(String, u32, Option<String>)>,
    Vec<(u32, &'static str)>,
);

/// The first directive written that covers a finding's line for its code hides it: the
/// rule `apply` implements by a sweep, spelled out by brute force.
fn apply_by_brute_force(dirs: &Directives, diags: &[Diagnostic], known: &[&str]) -> Outcome {
    let mut used = vec![false; dirs.entries.len()];
    let mut shown = Vec::new();
    let mut hidden = Vec::new();
    for d in diags {
        let hit = dirs.entries.iter().position(|e| {
            known.contains(&e.code.as_str())
                && *e.code == *d.code
                && d.part.is_none()
                && (e.from..=e.to).contains(&d.line)
        });
        match hit {
            Some(i) => {
                used[i] = true;
                hidden.push((d.code.to_string(), d.line, dirs.entries[i].reason.clone()));
            }
            None => shown.push((d.code.to_string(), d.line)),
        }
    }
    let mut bad: Vec<(u32, &str)> = dirs
        .bad
        .iter()
        .map(|b| (b.at.line, b.problem.key()))
        .collect();
    for (e, used) in dirs.entries.iter().zip(used) {
        if !known.contains(&e.code.as_str()) {
            bad.push((e.at.line, Problem::UnknownCode.key()));
        } else if !used {
            bad.push((e.at.line, Problem::Unused.key()));
        }
    }
    bad.sort();
    (shown, hidden, bad)
}

proptest::proptest! {
    /// Any mix of directives (nested, overlapping, unmatched, unknown codes) and
    /// findings: the sweep hides exactly what the brute force hides, with the same
    /// reason, and reports the same problems.
    #[test]
    fn apply_agrees_with_brute_force(
        lines in proptest::collection::vec((0u8..8, 0u8..3, proptest::bool::ANY), 1..60),
        found in proptest::collection::vec((0u8..3, 1u32..70, proptest::bool::ANY), 0..60),
    ) {
        let codes = ["ML001", "ML002", "X9"];
        let known = ["ML001", "ML002"];
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, (verb, code, reason))| {
                let code = codes[*code as usize];
                let reason = if *reason { format!(" -- r{i}") } else { String::new() };
                match verb {
                    0 => format!("<!-- mark-lint-disable-next-line {code}{reason} -->\n"),
                    1 => format!("<!-- mark-lint-disable {code}{reason} -->\n"),
                    2 => format!("<!-- mark-lint-enable {code} -->\n"),
                    3 => format!("<!-- mark-lint-disable {code}, ML002{reason} -->\n"),
                    _ => "机密★1年\n".to_string(),
                }
            })
            .collect();
        let dirs = md(&text);
        let diags: Vec<Diagnostic> = found
            .iter()
            .map(|(code, line, in_part)| {
                let mut d = diag(codes[*code as usize], *line);
                if *in_part {
                    d.part = Some("word/header1.xml".into());
                }
                d
            })
            .collect();
        let resolve = |c: &str| {
            known.contains(&c).then(|| RuleInfo { code: c.into(), suppressible: true, ran: true })
        };
        let applied = apply(&dirs, diags.clone(), resolve);
        let (shown, hidden, bad) = apply_by_brute_force(&dirs, &diags, &known);
        let got_shown: Vec<(String, u32)> =
            applied.shown.iter().map(|d| (d.code.to_string(), d.line)).collect();
        let got_hidden: Vec<(String, u32, Option<String>)> = applied
            .hidden
            .iter()
            .map(|(d, why)| (d.code.to_string(), d.line, why.clone()))
            .collect();
        let mut got_bad: Vec<(u32, &str)> =
            applied.bad.iter().map(|b| (b.at.line, b.problem.key())).collect();
        got_bad.sort();
        proptest::prop_assert_eq!(got_shown, shown);
        proptest::prop_assert_eq!(got_hidden, hidden);
        proptest::prop_assert_eq!(got_bad, bad);
    }
}

/// 100,000 directives of every shape that was quadratic (enables searching the open
/// ranges, findings searching the directives) parse and apply in linear time: the
/// sweep takes at most a few steps per directive and finding (counted, not timed).
#[test]
fn many_directives_are_linear() {
    let n = 50_000;
    let mut shapes: Vec<String> = Vec::new();
    // Unmatched enables after many opens, and enables in reverse order.
    shapes.push(
        (0..n)
            .map(|_| "<!-- mark-lint-disable ML001 -->\n".to_string())
            .chain((0..n).map(|_| "<!-- mark-lint-enable ML002 -->\n".to_string()))
            .collect(),
    );
    shapes.push(
        (0..n)
            .map(|i| format!("<!-- mark-lint-disable X{i} -->\n"))
            .chain(
                (0..n)
                    .rev()
                    .map(|i| format!("<!-- mark-lint-enable X{i} -->\n")),
            )
            .collect(),
    );
    // One directive per line, each hiding the finding on the next.
    shapes.push(
        (0..n)
            .map(|_| "<!-- mark-lint-disable-next-line ML001 -->\n机密★1年\n".to_string())
            .collect(),
    );
    for text in shapes {
        let dirs = md(&text);
        let lines = text.lines().count() as u32;
        let diags: Vec<Diagnostic> = (1..=lines).map(|l| diag("ML001", l)).collect();
        let resolve = |c: &str| {
            Some(RuleInfo {
                code: c.into(),
                suppressible: true,
                ran: true,
            })
        };
        let entries = dirs.entries.len() as u64;
        super::STEPS.with(|s| s.set(0));
        let applied = apply(&dirs, diags, resolve);
        let steps = super::STEPS.with(|s| s.get());
        assert!(applied.shown.len() + applied.hidden.len() == lines as usize);
        // Each finding is one step, each directive enters and leaves the heap once.
        let bound = u64::from(lines) + 2 * entries;
        assert!(
            steps <= bound,
            "{steps} steps for {lines} findings and {entries} directives"
        );
    }
}
