use super::*;

/// A compact, readable summary of what a line parses to.
fn show_opts(line: &str, opts: ParseOptions) -> String {
    let r = Regime::builtin();
    let Some(info) = parse_line(&r, line, opts) else {
        return "-".into();
    };
    let mut out = String::new();
    if info.copy_number {
        out.push_str("份号 ");
    }
    if let Some(u) = &info.urgency {
        out.push_str(&format!("{u} "));
    }
    let mark = |kind: &str, m: &Mark| {
        let mut s = format!(
            "{kind} {} {}",
            r.levels[m.level].name,
            match &m.term {
                Term::None => "-".to_string(),
                Term::Duration(_) => format!("dur:{}", m.term_text()),
                Term::Date(_) => format!("date:{}", m.term_text()),
                Term::Condition(c) => format!("cond:{c}"),
                Term::Indefinite(w) => format!("indef:{w}"),
            }
        );
        if !m.problems.is_empty() {
            let p: Vec<_> = m.problems.iter().map(|p| p.key()).collect();
            s.push_str(&format!(" [{}]", p.join(",")));
        }
        if let Some(f) = &m.fix {
            s.push_str(&format!(" fix={f}"));
        }
        if m.legacy_bare {
            s.push_str(" legacy");
        }
        s
    };
    out.push_str(&match &info.kind {
        LineKind::Banner(m) => mark("banner", m),
        LineKind::Candidate(m) => mark("candidate", m),
        LineKind::Change(m) => mark("change", m),
        LineKind::NonSecretStar { designation, .. } => format!("non-secret {designation}"),
        LineKind::Label { level, term, .. } => format!(
            "label {} {}",
            level.map_or("-".to_string(), |l| r.levels[l].name.clone()),
            term.as_ref().map_or("-".to_string(), term_text)
        ),
        LineKind::Declassified { date } => {
            format!(
                "declassified {}",
                date.map_or("-".to_string(), |d| d.to_string())
            )
        }
        LineKind::PublicDeclaration(d) => format!("public {d}"),
        LineKind::Attachment => "attachment".into(),
        LineKind::Date(d) => format!("date {d}"),
        LineKind::CopyNumber => "copy-number".into(),
        LineKind::Portion { level, raw } => format!("portion {} {raw}", r.levels[*level].name),
    });
    out.trim().to_string()
}

fn show(line: &str) -> String {
    show_opts(line, ParseOptions::new())
}

fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (line, want) in cases {
        let got = show(line);
        if got != *want {
            failures.push(format!("{line:?}\n   want: {want}\n    got: {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn lawful_banner_marks() {
    check(&[
        ("机密★10年", "banner 机密 dur:10年"),
        ("秘密★6个月", "banner 秘密 dur:6个月"),
        ("秘密★6月", "banner 秘密 dur:6个月"),
        ("秘密★1年6个月", "banner 秘密 dur:1年6个月"),
        ("秘密★30日", "banner 秘密 dur:30日"),
        ("秘密★90天", "banner 秘密 dur:90日"),
        ("绝密★2040年12月31日", "banner 绝密 date:2040年12月31日"),
        ("机密★2031年6月前", "banner 机密 date:2031年6月前"),
        ("机密★2031年6月", "banner 机密 date:2031年6月"),
        ("机密★2030-12-31", "banner 机密 date:2030年12月31日"),
        (
            "机密★解密条件：工程竣工验收后",
            "banner 机密 cond:解密条件：工程竣工验收后",
        ),
        ("绝密★启用前", "banner 绝密 cond:启用前"),
        ("机密★会议开始前", "banner 机密 cond:会议开始前"),
        ("绝密★长期", "banner 绝密 indef:长期"),
        ("秘密★永久", "banner 秘密 indef:永久"),
        ("机密★", "banner 机密 -"),
        ("  机密★10年  ", "banner 机密 dur:10年"),
        ("【机密★10年】", "banner 机密 dur:10年"),
        ("（机密★10年）", "banner 机密 dur:10年"),
        ("密级：机密★5年", "banner 机密 dur:5年"),
        ("密级: 秘密★1年", "banner 秘密 dur:1年"),
        ("000001 机密★5年 特急", "份号 特急 banner 机密 dur:5年"),
        ("特急 机密★5年", "特急 banner 机密 dur:5年"),
        ("机密★5年 000123", "份号 banner 机密 dur:5年"),
    ]);
}

#[test]
fn malformed_with_star() {
    check(&[
        (
            "机密★十年",
            "banner 机密 dur:10年 [chinese-numerals] fix=机密★10年",
        ),
        (
            "秘密★一年",
            "banner 秘密 dur:1年 [chinese-numerals] fix=秘密★1年",
        ),
        (
            "机密★１０年",
            "banner 机密 dur:10年 [full-width-digits] fix=机密★10年",
        ),
        (
            "机密 ★ 10 年",
            "banner 机密 dur:10年 [spacing] fix=机密★10年",
        ),
        ("秘密★3 年", "banner 秘密 dur:3年 [spacing] fix=秘密★3年"),
        ("极密★5年", "banner 机密 dur:5年 [misspelt-level]"),
        (
            "秘密级★5年",
            "banner 秘密 dur:5年 [level-suffix] fix=秘密★5年",
        ),
        (
            "机密★10年年",
            "banner 机密 dur:10年 [doubled-unit] fix=机密★10年",
        ),
        (
            "绝密★(30年)",
            "banner 绝密 dur:30年 [bracketed-term] fix=绝密★30年",
        ),
        (
            "绝密★（30年）",
            "banner 绝密 dur:30年 [bracketed-term] fix=绝密★30年",
        ),
        (
            "★机密 10年",
            "banner 机密 dur:10年 [star-before-level] fix=机密★10年",
        ),
        (
            "絕密★5年",
            "banner 绝密 dur:5年 [traditional-level] fix=绝密★5年",
        ),
        (
            "機密★5年",
            "banner 机密 dur:5年 [traditional-level] fix=机密★5年",
        ),
        ("秘密★1年半", "banner 秘密 cond:1年半 [bad-term]"),
        (
            "机密★2030年13月1日",
            "banner 机密 cond:2030年13月1日 [bad-date]",
        ),
        ("秘密★1年6月", "banner 秘密 dur:1年6个月 [bad-term]"),
        ("机密★解密条件：", "banner 机密 cond:解密条件： [bad-term]"),
    ]);
}

#[test]
fn malformed_candidates_without_star() {
    check(&[
        (
            "机密☆10年",
            "candidate 机密 dur:10年 [wrong-star] fix=机密★10年",
        ),
        (
            "机密*10年",
            "candidate 机密 dur:10年 [wrong-star] fix=机密★10年",
        ),
        (
            "机密＊10年",
            "candidate 机密 dur:10年 [wrong-star] fix=机密★10年",
        ),
        (
            "机密·10年",
            "candidate 机密 dur:10年 [wrong-star] fix=机密★10年",
        ),
        (
            "机密 10年",
            "candidate 机密 dur:10年 [missing-star] fix=机密★10年",
        ),
        (
            "机密10年",
            "candidate 机密 dur:10年 [missing-star] fix=机密★10年",
        ),
        (
            "机密(10年)",
            "candidate 机密 dur:10年 [missing-star,bracketed-term] fix=机密★10年",
        ),
        ("机密", "candidate 机密 - [missing-star]"),
        ("【机密】", "candidate 机密 - [missing-star]"),
        ("机　密", "candidate 机密 - [missing-star,spacing]"),
        (
            "机密⭐5年",
            "candidate 机密 dur:5年 [wrong-star] fix=机密★5年",
        ),
        (
            "绝密☆启用前",
            "candidate 绝密 cond:启用前 [wrong-star] fix=绝密★启用前",
        ),
    ]);
}

#[test]
fn mentions_and_non_marks() {
    check(&[
        ("绝密级国家秘密是最重要的国家秘密", "-"),
        ("国家秘密标志形式为“密级★保密期限”", "-"),
        ("密级★保密期限", "-"),
        ("（二）涉及机密级以上军事秘密的案件；", "-"),
        ("讨论：如何判断文件是否属于机密级？", "-"),
        ("秘密武器", "-"),
        ("工作秘密", "-"),
        ("机密文件管理办法", "-"),
        ("秘密★★", "-"),
        ("秘密★★★", "-"),
        ("★1年保証", "-"),
        ("★★★★☆", "-"),
        ("内部资料 注意保存", "-"),
        ("机密★10年的文件，应当妥善保管。", "-"),
        ("这份文件标注了机密★10年", "-"),
        ("", "-"),
        ("   ", "-"),
    ]);
}

#[test]
fn non_secret_designations_with_star() {
    check(&[
        ("工作秘密★1年", "non-secret 工作秘密"),
        ("内部★", "non-secret 内部"),
        ("内部资料★5年", "non-secret 内部资料"),
        ("商业秘密★3年", "non-secret 商业秘密"),
        ("【内部】★", "non-secret 内部"),
    ]);
}

#[test]
fn other_line_kinds() {
    check(&[
        ("000001", "份号 copy-number"),
        ("特急", "特急 copy-number"),
        ("2020年3月5日", "date 2020-03-05"),
        ("2024 年 8 月 10 日", "date 2024-08-10"),
        ("二〇二〇年三月五日", "date 2020-03-05"),
        ("二○二○年十二月三十一日", "date 2020-12-31"),
        ("2020-03-05", "date 2020-03-05"),
        ("2020年2月30日", "-"),
        ("2024 年 8 月 10 日 印", "-"),
        ("（此件公开发布）", "public （此件公开发布）"),
        ("（此件主动公开）", "public （此件主动公开）"),
        ("附注：（此件公开发布）", "public （此件公开发布）"),
        ("附件", "attachment"),
        ("附件1", "attachment"),
        ("附件：1.实施方案", "attachment"),
        ("解密", "declassified -"),
        ("已解密", "declassified -"),
        ("解密日期：2024年1月1日", "declassified 2024-01-01"),
        ("已于2024年1月1日解密", "declassified 2024-01-01"),
        ("变更为：秘密★2年", "change 秘密 dur:2年"),
        ("密级：机密", "label 机密 -"),
        ("密级: 秘密级", "label 秘密 -"),
        ("保密期限：5年", "label - 5年"),
        ("密级：机密 保密期限：5年", "label 机密 5年"),
        ("密级：公开", "-"),
    ]);
}

#[test]
fn legacy_documents_accept_a_bare_level() {
    let legacy = ParseOptions {
        legacy: true,
        ..ParseOptions::new()
    };
    assert_eq!(show_opts("机　密", legacy), "banner 机密 - legacy");
    assert_eq!(show_opts("        秘密", legacy), "banner 秘密 - legacy");
    assert_eq!(show_opts("机密★10年", legacy), "banner 机密 dur:10年");
}

#[test]
fn extracted_text_spacing_is_not_a_problem() {
    let pdf = ParseOptions {
        extracted: true,
        ..ParseOptions::new()
    };
    assert_eq!(show_opts("绝密 ★ 启用前", pdf), "banner 绝密 cond:启用前");
    assert_eq!(show_opts("秘密★3 年", pdf), "banner 秘密 dur:3年");
}

#[test]
fn spans_point_at_the_mark() {
    let r = Regime::builtin();
    let line = "000001  机密★5年  特急";
    let info = parse_line(&r, line, ParseOptions::new()).unwrap();
    let LineKind::Banner(m) = info.kind else {
        panic!("not a banner")
    };
    assert_eq!(&line[m.span.clone()], "机密★5年");
    let line = "  密级：机密★5年";
    let LineKind::Banner(m) = parse_line(&r, line, ParseOptions::new()).unwrap().kind else {
        panic!("not a banner")
    };
    assert_eq!(&line[m.span.clone()], "机密★5年");
}

#[test]
fn chinese_numbers() {
    assert_eq!(cn_number("十"), Some(10));
    assert_eq!(cn_number("十五"), Some(15));
    assert_eq!(cn_number("二十"), Some(20));
    assert_eq!(cn_number("三十一"), Some(31));
    assert_eq!(cn_number("二〇四〇"), Some(2040));
    assert_eq!(cn_number("一百"), Some(100));
    assert_eq!(cn_number("两"), Some(2));
    assert_eq!(cn_number("二二十"), None);
    assert_eq!(cn_number(""), None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn mark_alphabet() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "机",
            "密",
            "绝",
            "秘",
            "★",
            "☆",
            "*",
            "年",
            "月",
            "日",
            "个",
            "天",
            "前",
            "1",
            "0",
            "９",
            "十",
            "〇",
            "：",
            ":",
            "（",
            "）",
            "(",
            ")",
            "【",
            "】",
            " ",
            "\u{3000}",
            "级",
            "解",
            "条件",
            "长期",
            "工作",
            "内部",
            "附件",
            "-",
            "000001",
            "特急",
            "密级",
            "保密期限",
            "变更为",
            "已",
            "于",
            "\u{feff}",
            "é",
            "\u{10ffff}",
        ]);
        prop::collection::vec(pieces, 0..16).prop_map(|v| v.concat())
    }

    /// Every star-like glyph and every ignorable code point Unicode defines.
    fn class_of(pred: fn(char) -> bool) -> Vec<char> {
        (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| pred(*c))
            .collect()
    }

    /// A mark as people type it, disguised by the classes that once hid marks:
    /// invisible characters anywhere, a star look-alike, compatibility forms, a label.
    fn disguised_mark() -> impl Strategy<Value = (String, usize, bool)> {
        let stars = class_of(crate::normalize::is_star_like);
        let ignorables = class_of(crate::normalize::is_ignorable);
        (
            0usize..3,
            prop::sample::select(vec!["10年", "5年", "6个月", "2030年12月31日", "长期", ""]),
            prop_oneof![Just('★'), prop::sample::select(stars)],
            prop::collection::vec(
                (
                    any::<prop::sample::Index>(),
                    prop::sample::select(ignorables),
                ),
                0..4,
            ),
            prop::sample::select(vec!["", "密级：", "000001 ", "特急 ", "【"]),
            any::<bool>(),
        )
            .prop_map(|(level, term, star, hidden, prefix, fold)| {
                let r = Regime::builtin();
                let term = if fold {
                    term.replace('月', "⽉").replace('日', "⽇")
                } else {
                    term.to_string()
                };
                let core = format!("{}{star}{term}", r.levels[level].name);
                let mut chars: Vec<char> = core.chars().collect();
                let mut inside = fold && term.contains(['⽉', '⽇']);
                for (at, c) in hidden {
                    let i = at.index(chars.len() - 1) + 1;
                    chars.insert(i, c);
                    inside |= i < chars.len() - 1;
                }
                let close = if prefix == "【" { "】" } else { "" };
                let line = format!("{prefix}{}{close}", chars.into_iter().collect::<String>());
                (line, level, star != '★' || inside)
            })
    }

    /// Lines of every level word, label, star and urgency word of the regime, with
    /// digits, brackets, spaces (ideographic and zero-width too), compatibility forms and
    /// prose around them.
    fn regime_words_line() -> impl Strategy<Value = String> {
        let r = Regime::builtin();
        let mut words: Vec<String> = r.level_words.iter().map(|(w, _, _)| w.clone()).collect();
        words.extend(r.level_labels.iter().cloned());
        words.extend(r.term_labels.iter().cloned());
        words.extend(r.urgency.iter().cloned());
        words.extend(r.non_secret.iter().cloned());
        words.extend(r.other_regime_marks.iter().cloned());
        words.extend(r.wrong_stars.iter().map(|c| c.to_string()));
        words.extend(r.mark_openers.chars().iter().map(|c| c.to_string()));
        for w in [
            "★",
            "解密",
            "已",
            "变更为",
            "：",
            "（",
            "）",
            "【",
            "】",
            " ",
            "\u{3000}",
            "\u{200b}",
            "000001",
            "5",
            "年",
            "个月",
            "2026年3月5日",
            "１０",
            "⽉",
            "长期",
            "前",
            "发布",
            "关于",
        ] {
            words.push(w.to_string());
        }
        prop::collection::vec(prop::sample::select(words), 0..7).prop_map(|v| v.concat())
    }

    /// A designation, a star and a term in the grammar of marks, with what may come
    /// before: level words, non-secret and other regimes' designations, other words.
    fn mark_shaped_line() -> impl Strategy<Value = String> {
        let r = Regime::builtin();
        let mut designations: Vec<String> =
            r.level_words.iter().map(|(w, _, _)| w.clone()).collect();
        designations.extend(r.non_secret.iter().cloned());
        designations.extend(r.other_regime_marks.iter().cloned());
        designations.extend(["工作", "测试", "重要", "核心"].map(String::from));
        let mut stars: Vec<String> = r.wrong_stars.iter().map(|c| c.to_string()).collect();
        stars.extend(["★", ""].map(String::from));
        (
            prop::sample::select(vec![
                "",
                "密级：",
                "000001 ",
                "特急 ",
                "【",
                "变更为：",
                "已",
            ]),
            prop::sample::select(designations),
            prop::sample::select(stars),
            prop::sample::select(vec![
                "5年",
                "10年",
                "6个月",
                "长期",
                "",
                "2030年1月1日前",
                "解密",
            ]),
        )
            .prop_map(|(pre, d, star, term)| format!("{pre}{d}{star}{term}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// `may_hold_mark` never turns away a line `parse_line` reads as a mark, under
        /// any options.
        #[test]
        fn lines_turned_away_hold_no_mark(
            line in prop_oneof![
                mark_alphabet(),
                regime_words_line(),
                mark_shaped_line(),
                disguised_mark().prop_map(|d| d.0),
            ],
            legacy in any::<bool>(),
            extracted in any::<bool>(),
        ) {
            let r = Regime::builtin();
            let opts = ParseOptions { legacy, extracted, ..ParseOptions::new() };
            let kind = parse_line(&r, &line, opts).map(|i| i.kind);
            let mark = kind.as_ref().is_some_and(LineKind::marks_document);
            prop_assert!(!mark || may_hold_mark(&r, &line), "{:?}: {:?}", line, kind);
        }

        /// The oracle for the class: the mark is found, with its level, and it is clean
        /// only when nothing disguised it.
        #[test]
        fn disguised_marks_are_found((line, level, disguised) in disguised_mark()) {
            let r = Regime::builtin();
            let info = parse_line(&r, &line, ParseOptions::new());
            let mark = match info.map(|i| i.kind) {
                Some(LineKind::Banner(m) | LineKind::Candidate(m)) => m,
                other => return Err(TestCaseError::fail(format!("{line:?}: {other:?}"))),
            };
            prop_assert_eq!(mark.level, level, "{:?}", line);
            if disguised {
                prop_assert!(!mark.problems.is_empty(), "{:?} passed as clean", line);
            }
            prop_assert!(line.contains(&mark.raw), "raw {:?} not in {:?}", mark.raw, line);
        }

        #[test]
        fn never_panics_on_any_string(s in "\\PC{0,80}") {
            let r = Regime::builtin();
            let _ = parse_line(&r, &s, ParseOptions::new());
            let _ = parse_date(&s);
        }

        #[test]
        fn never_panics_on_mark_like_strings(s in mark_alphabet(), legacy: bool, extracted: bool) {
            let r = Regime::builtin();
            let opts = ParseOptions { legacy, extracted, ..ParseOptions::new() };
            if let Some(info) = parse_line(&r, &s, opts) {
                match info.kind {
                    LineKind::Banner(m) | LineKind::Candidate(m) | LineKind::Change(m) => {
                        // Spans are valid, and fixes parse back as clean marks.
                        prop_assert!(s.get(m.span.clone()).is_some());
                        if let Some(fix) = m.fix {
                            let again = parse_line(&r, &fix, ParseOptions::new());
                            match again.map(|i| i.kind) {
                                Some(LineKind::Banner(f)) => prop_assert!(f.problems.is_empty(), "fix {fix} of {s}"),
                                other => prop_assert!(false, "fix {fix} of {s} parses as {other:?}"),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn portion_marks_open_a_paragraph() {
    assert_eq!(show("（机密）本段内容另行下发。"), "portion 机密 （机密）");
    assert_eq!(show("(秘密) 线路方案"), "portion 秘密 (秘密)");
    assert_eq!(show("【绝密】核心参数"), "portion 绝密 【绝密】");
    // Prose and lone brackets are not portion marks.
    assert!(!show("（二）涉及机密级以上军事秘密的案件；").starts_with("portion"));
    assert!(!show("（机密）").starts_with("portion"));
    assert!(!show("（内部）仅限本单位").starts_with("portion"));
}

/// Every default-ignorable code point Unicode defines, anywhere inside a mark: the mark
/// is still found, malformed, with the canonical form as its fix and its raw text as
/// written in the line.
#[test]
fn invisible_characters_inside_a_mark_make_it_malformed() {
    let r = Regime::builtin();
    let mark = "机密★10年";
    let chars: Vec<(usize, char)> = mark.char_indices().collect();
    let mut tried = 0;
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        if !crate::normalize::is_ignorable(c) {
            continue;
        }
        for &(at, _) in &chars[1..] {
            let line = format!("{}{c}{}", &mark[..at], &mark[at..]);
            let info = parse_line(&r, &line, ParseOptions::new())
                .unwrap_or_else(|| panic!("U+{:04X} at {at}: no mark", c as u32));
            let LineKind::Banner(m) = info.kind else {
                panic!("U+{:04X} at {at}: {:?}", c as u32, info.kind);
            };
            assert!(
                m.problems.contains(&Problem::IrregularCharacters),
                "U+{:04X} at {at}: {:?}",
                c as u32,
                m.problems
            );
            assert_eq!(m.raw, line, "raw is the mark as written");
            assert_eq!(m.fix.as_deref(), Some(mark));
            assert_eq!(
                m.term,
                Term::Duration(Duration {
                    years: 10,
                    months: 0,
                    days: 0
                })
            );
            tried += 1;
        }
    }
    assert!(tried > 4000, "only {tried} variants");
    // Around the mark, not inside it: the mark itself is clean.
    for line in [
        "\u{200B}机密★10年",
        "机密★10年\u{FEFF}",
        "\u{2060}秘密★5年\u{200D}",
    ] {
        assert!(
            show(line).starts_with("banner") && !show(line).contains('['),
            "{line}: {}",
            show(line)
        );
    }
    // In a candidate and a label too.
    assert_eq!(
        show("机\u{200B}密 10年"),
        "candidate 机密 dur:10年 [missing-star,irregular-characters] fix=机密★10年"
    );
    assert_eq!(show("密级：机\u{AD}密"), "label 机密 -");
}

/// Every glyph Unicode names a star, asterisk or sparkle, put where the star belongs, is a
/// wrong star: in archive mode a malformed mark, and a candidate under the unclassified
/// guard (which takes every candidate).
#[test]
fn every_star_like_glyph_is_a_wrong_star() {
    let mut tried = 0;
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        if !crate::normalize::is_star_like(c) {
            continue;
        }
        for (line, level) in [
            (format!("机密{c}10年"), "机密"),
            (format!("绝密{c}启用前"), "绝密"),
            (format!("秘密{c}"), "秘密"),
            (format!("密级：秘密{c}5年"), "秘密"),
        ] {
            let got = show(&line);
            assert!(
                got.starts_with(&format!("candidate {level}")) && got.contains("wrong-star"),
                "U+{:04X}: {line} -> {got}",
                c as u32
            );
        }
        // A rating is no mark, whatever the stars.
        assert_eq!(show(&format!("秘密{c}{c}")), "-", "U+{:04X}", c as u32);
        tried += 1;
    }
    assert!(tried > 60, "only {tried} star-like glyphs");
    // Emoji presentation: the variation selector goes, the glyph stays wrong.
    assert!(show("机密⭐\u{FE0F}10年").contains("wrong-star"));
}

#[test]
fn compatibility_characters_fold() {
    // Kangxi radicals and compatibility ideographs, as PDF producers emit them.
    assert_eq!(
        show("秘密★6个⽉"),
        "banner 秘密 dur:6个月 [irregular-characters] fix=秘密★6个月"
    );
    assert_eq!(
        show("机密★2030年1⽉1⽇"),
        "banner 机密 date:2030年1月1日 [irregular-characters] fix=机密★2030年1月1日"
    );
    assert_eq!(
        show("机密★¹⁰年"),
        "banner 机密 dur:10年 [irregular-characters] fix=机密★10年"
    );
}

/// A `密级：` label followed by something that is almost a mark reads exactly as the
/// same line without the label.
#[test]
fn a_label_before_a_malformed_mark_changes_nothing() {
    for mark in [
        "绝密☆20年",
        "机密＊3年",
        "机密　3年",
        "机密*10年",
        "机密 10年",
        "机密10年",
        "机密★十年",
        "机密★１０年",
        "极密★5年",
        "秘密级★5年",
        "机密★10年年",
        "机密·10年",
        "机密(10年)",
        "绝密★(30年)",
        "★机密 10年",
        "絕密★5年",
        "机密⭑10年",
        "机密★拾年",
    ] {
        let bare = show(mark);
        assert!(
            bare.starts_with("banner") || bare.starts_with("candidate"),
            "{mark}: {bare}"
        );
        assert!(bare.contains('['), "{mark} is malformed: {bare}");
        for label in ["密级：", "密级:", "密级： ", "密　级：", "秘密等级："] {
            assert_eq!(show(&format!("{label}{mark}")), bare, "{label}{mark}");
        }
    }
    // What a label alone declares is still a label.
    assert_eq!(show("密级：机密"), "label 机密 -");
    assert_eq!(show("密级：机密 保密期限：5年"), "label 机密 5年");
}

#[test]
fn non_secret_designations_by_shape() {
    for (line, designation) in [
        ("内部材料★3年", "内部材料"),
        ("限内部使用★1年", "限内部使用"),
        ("内部文件★2030年12月31日", "内部文件"),
        ("【内部资料汇编】★5年", "内部资料汇编"),
        ("办公室文件★十年", "办公室文件"),
        ("内部参考★长期", "内部参考"),
    ] {
        assert_eq!(show(line), format!("non-secret {designation}"), "{line}");
    }
    // The listed designations, as before.
    assert_eq!(show("工作秘密★1年"), "non-secret 工作秘密");
    // Another lawful regime's marks are left alone.
    for line in ["核心商密★5年", "普通商密★3年", "核心商密★长期"] {
        assert_eq!(show(line), "-", "{line}");
    }
    // Not the shape: no term, a term that is not one, no designation, ratings, prose.
    for line in [
        "第一名★10年老店",
        "评分★4.5",
        "★1年保証",
        "推荐指数★★★",
        "酒店★五星",
        "A★10年",
        "注：以上均为示例★1年",
        "机密文件★10年",
    ] {
        assert!(
            !show(line).starts_with("non-secret"),
            "{line}: {}",
            show(line)
        );
    }
}

#[test]
fn formal_numerals_are_chinese_numerals() {
    for (line, years) in [
        ("机密★拾年", 10),
        ("秘密★贰年", 2),
        ("绝密★叁拾年", 30),
        ("机密★壹拾伍年", 15),
    ] {
        assert_eq!(
            show(line),
            format!(
                "banner {} dur:{years}年 [chinese-numerals] fix={}★{years}年",
                &line[..6],
                &line[..6]
            ),
            "{line}"
        );
    }
    assert_eq!(
        show("机密 拾年"),
        "candidate 机密 dur:10年 [missing-star,chinese-numerals] fix=机密★10年"
    );
}

#[test]
fn publication_declarations_are_a_family() {
    for line in [
        "（此件公开发布）",
        "（此件可公开发布）",
        "（此件在政府网站公开发布）",
        "（此文主动公开）",
        "(此件可以公开发布)",
        "此件可公开发布",
        "附注：（此件可公开发布）",
        "公开方式：主动公开",
        "公开方式：依申请公开",
        "公开方式: 依申请公开。",
        "信息公开选项：主动公开",
        "政府信息公开选项：依申请公开",
    ] {
        assert_eq!(
            show(line),
            format!("public {}", line.trim_start_matches("附注：")),
            "{line}"
        );
    }
    for line in [
        "（此件不予公开）",
        "（此件不公开）",
        "公开方式：不予公开",
        "信息公开选项：不公开",
        "信息公开选项：免予公开",
        "（此件公开发布后，由办公室负责解释，各单位不得擅自转发）",
        "本办法所称公开，是指主动公开和依申请公开。",
        "公开方式：在政府网站发布",
    ] {
        assert!(!show(line).starts_with("public"), "{line}: {}", show(line));
    }
}

#[test]
fn decimal_terms_are_bad_terms() {
    for line in ["秘密★0.5年", "机密★1.5年", "机密★2．5个月"] {
        let got = show(line);
        assert!(
            got.starts_with("banner") && got.contains("bad-term"),
            "{line}: {got}"
        );
    }
}

/// A fix is offered only when it reads back as a clean mark (found by the property test:
/// the canonical form of `绝密★（★` is a star rating).
#[test]
fn fixes_read_back_as_clean_marks() {
    for line in ["绝密★（★", "绝密★（★）", "机密☆（★"] {
        assert!(!show(line).contains("fix="), "{line}: {}", show(line));
    }
}

/// The characters `has_prose_punctuation` looks for, one by one.
fn is_prose_punctuation(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '；' | '！' | '？' | ',' | ';' | '!' | '?' | '“' | '”' | '"' | '、'
    )
}

/// `has_prose_punctuation` reads bytes; `is_prose_punctuation` is its definition. Every
/// character alone and between others, and the byte sequences that share a first byte
/// with the punctuation (`EF BC 8D`, `E3 80 83`, `E2 80 9E`).
#[test]
fn prose_punctuation_by_bytes_is_prose_punctuation_by_characters() {
    let chars = (0u32..0x11_0000).filter_map(char::from_u32);
    for c in chars.filter(|c| (*c as u32) < 0x1_0000 || (*c as u32).is_multiple_of(97)) {
        let want = is_prose_punctuation(c);
        assert_eq!(has_prose_punctuation(&c.to_string()), want, "{c:?}");
        assert_eq!(has_prose_punctuation(&format!("机密{c}5年")), want, "{c:?}");
    }
    assert!(!has_prose_punctuation(""));
    assert!(has_prose_punctuation("机密，"));
}

#[test]
fn at_most_chars_is_a_bounded_count() {
    let (twenty_four, twenty_five) = ("密".repeat(24), "密".repeat(25));
    for s in [
        "",
        "a",
        "机密",
        "机密★5年",
        &twenty_four,
        &twenty_five,
        &"a".repeat(30),
    ] {
        for n in [0, 1, 2, 5, 24, 25, 40, 60] {
            assert_eq!(at_most_chars(s, n), s.chars().count() <= n, "{s:?} {n}");
        }
    }
}

/// A date line is read after its spaces are trimmed: the quick test of its last
/// character comes after the trim.
#[test]
fn dates_with_trailing_spaces_and_other_endings() {
    for (s, ok) in [
        ("2026年3月5日", true),
        ("2026年3月5日\u{3000} ", true),
        ("2026 年 3 月 5 日", true),
        ("2026-03-05", true),
        ("2026-03-05 ", true),
        ("二〇二六年三月五日", true),
        ("2026年3月5日发布", false),
        ("2026年3月5日。", false),
        ("2026-03-05x", false),
    ] {
        assert_eq!(parse_date(s).is_some(), ok, "{s:?}");
    }
}
