#![allow(clippy::print_stderr)]
//! Every built-in rule: the file list matches `rules/`, each rule's `valid` examples give
//! no finding of it and each `invalid` example gives it, and every quoted article is
//! verbatim from the law in force, whole and fully numbered (checked when `../shared/`
//! is present).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use mark_lint::rules::{BUILTIN, Registry};

#[path = "support/skip.rs"]
mod support;
use support::skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every rule file in `rules/` is built in, and the kind table and the rule files
/// agree: every kind a rule file names is in the table (or the file would not load),
/// and every kind in the table has a rule that uses it — a built-in rule, or, for the
/// kind meant for user rules, the example user rule.
#[test]
fn the_kind_table_and_the_rule_files_agree() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml") && n != "regime-cn.yaml")
        .map(|n| n.trim_end_matches(".yaml").to_string())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = BUILTIN.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
    let registry =
        Registry::load(&[root().join("tests/fixtures/user-rules/code-name.yaml")]).unwrap();
    for kind in &mark_lint::rules::kinds::KINDS {
        assert!(
            registry.rules.iter().any(|r| r.kind == kind.id),
            "kind `{}` is in the table but no rule uses it",
            kind.name
        );
    }
}

#[test]
fn codes_are_the_spec_catalogue() {
    let r = Registry::builtin();
    let codes: Vec<(&str, &str, &str)> = r
        .rules
        .iter()
        .map(|r| (r.code.as_str(), r.name.as_str(), r.severity.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("ML001", "malformed-mark", "error"),
            ("ML002", "misplaced-mark", "warning"),
            ("ML003", "conflicting-marks", "error"),
            ("ML004", "non-secret-star", "error"),
            ("ML005", "public-but-marked", "error"),
            ("ML006", "hidden-mark", "warning"),
            ("ML101", "term-exceeds-limit", "error"),
            ("ML102", "missing-term", "warning"),
            ("ML103", "indefinite-term", "warning"),
            ("ML104", "term-expired", "error"),
            ("ML105", "term-expiring", "warning"),
            ("ML106", "undated-mark", "info"),
            ("ML107", "term-unit", "warning"),
            ("ML108", "unmarked-change", "error"),
            ("ML201", "missing-mark", "error"),
            ("ML202", "mark-below-content", "error"),
            ("ML203", "missing-copy-number", "warning"),
            ("ML204", "missing-distribution", "info"),
            ("ML205", "authority-hint", "info"),
            ("ML206", "container-below-contents", "error"),
            ("ML301", "classified-on-unclassified-system", "error"),
            ("ML302", "top-secret-copy", "error"),
            ("ML303", "publish-review", "error"),
            ("ML304", "sensitive-keyword", "warning"),
            ("ML900", "unreadable-file", "warning"),
            ("ML901", "bad-suppression", "warning"),
        ]
    );
}

#[test]
fn every_rule_example_behaves() {
    let registry = Registry::builtin();
    let (count, failures) = mark_lint::test_rule_examples(&registry, None);
    assert!(count >= 100, "only {count} examples");
    assert!(failures.is_empty(), "{failures:#?}");
    for rule in &registry.rules {
        assert!(
            rule.valid.len() >= 3 && rule.invalid.len() >= 3,
            "{} needs examples",
            rule.code
        );
    }
}

/// A rule example is read as the command line reads a file of its name: the same
/// findings at the same lines, inline suppressions included, in every text format.
#[test]
fn an_example_is_linted_as_the_command_line_lints_its_file() {
    let docs: &[(&str, &str)] = &[
        (
            "a.md",
            "<!-- mark-lint-disable-next-line ML101 -- 档案 -->\n秘密★15年\n",
        ),
        ("b.md", "<!-- mark-lint-disable-next-line ML101 -->\n正文\n"),
        (
            "c.html",
            "<!-- mark-lint-disable-next-line ML101 -- 档案 -->\n<p>秘密★15年</p>\n",
        ),
        (
            "d.html",
            "<!-- mark-lint-disable-next-line ML101 -->\n<p>正文</p>\n",
        ),
        ("e.html", "<p>正文</p>\n<p>秘密&#9733;15年</p>\n"),
        ("f.txt", "# mark-lint: ignore ML101 -- 档案\n秘密★15年\n"),
        ("g.txt", "# mark-lint: ignore ML101\n正文\n"),
        ("h.txt", "正文\n机密★\n"),
    ];
    let registry = Registry::builtin();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), "system: classified\n").unwrap();
    for (name, text) in docs {
        std::fs::write(dir.path().join(name), text).unwrap();
        let ex = mark_lint::rules::schema::RawExample::Text(text.to_string()).doc();
        let ex = mark_lint::rules::schema::ExampleDoc {
            name: Some(name.to_string()),
            ..ex
        };
        let mut from_example: Vec<(String, u32)> = mark_lint::lint_example(&registry, None, &ex)
            .into_iter()
            .map(|d| (d.code.to_string(), d.line))
            .collect();
        from_example.sort();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mark-lint"))
            .current_dir(dir.path())
            .args(["check", "--today", "2026-11-27", "--format", "json", name])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut from_cli: Vec<(String, u32)> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let line = d["line"].as_u64().unwrap() as u32;
                (d["code"].as_str().unwrap().to_string(), line)
            })
            .collect();
        from_cli.sort();
        assert!(
            !from_cli.is_empty() || name.starts_with(['a', 'c', 'f']),
            "{name}"
        );
        assert_eq!(from_example, from_cli, "{name}");
    }
}

/// The texts every quotation is checked against: (`law` as rule files name it, the
/// articles of that instrument, each a list of its paragraphs).
struct Sources {
    instruments: Vec<(&'static str, BTreeMap<String, Vec<String>>)>,
    /// The 2024 law as published, one article per line (the structured copy must agree
    /// with it).
    law_clean: String,
    /// LAW-NOTES, for GB/T 9704, whose text is not public law.
    notes: String,
}

const BAOMIFA: &str = "中华人民共和国保守国家秘密法";

fn sources() -> Option<Sources> {
    let shared = root().join("../shared");
    let read = |p: &str| std::fs::read_to_string(shared.join(p)).ok();
    let law_clean = read("law/baomifa-2024.clean.txt")?;
    let notes = read("LAW-NOTES.md")?;
    let instruments = vec![
        // Paragraph layout of the same law (the clean copy runs a whole article on
        // one line, so its 款 cannot be told apart).
        (
            BAOMIFA,
            articles(&read("corpora/laws/行政法/保守国家秘密法(2024-02-27).md")?),
        ),
        (
            "中华人民共和国保守国家秘密法实施条例",
            articles(&read(
                "corpora/laws/行政法规/保守国家秘密法实施条例(2024-07-10).md",
            )?),
        ),
        (
            "国家秘密定密管理规定",
            articles(&read("law/dingmi-guiding-2025.md")?),
        ),
        (
            "党政机关公文处理工作条例",
            articles(&read("law/gongwen-tiaoli-2012-excerpt.md")?),
        ),
    ];
    Some(Sources {
        instruments,
        law_clean,
        notes,
    })
}

/// Articles of a Markdown law text: `第十九条 …` starts one, each further non-empty
/// line is a paragraph (a 款, or an item `（一）…` of the 款 before it).
fn articles(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with("<!--") {
            continue;
        }
        if let Some((number, rest)) = article_header(line) {
            out.insert(number.clone(), vec![rest.to_string()]);
            current = Some(number);
        } else if line.starts_with('第') && line.contains('章') && line.chars().count() < 20 {
            current = None;
        } else if let Some(n) = &current {
            out.get_mut(n).unwrap().push(line.to_string());
        }
    }
    out
}

/// `第十九条 text` → (`第十九条`, `text`).
fn article_header(line: &str) -> Option<(String, &str)> {
    let rest = line.strip_prefix('第')?;
    let digits: String = rest.chars().take_while(|c| NUMERALS.contains(*c)).collect();
    let after = rest[digits.len()..].strip_prefix('条')?;
    (!digits.is_empty()).then(|| (format!("第{digits}条"), after.trim_start()))
}

const NUMERALS: &str = "零一二三四五六七八九十百";

fn numeral(s: &str) -> usize {
    let (mut n, mut digit) = (0, 0);
    for c in s.chars() {
        match c {
            '十' => (n, digit) = (n + digit.max(1) * 10, 0),
            '百' => (n, digit) = (n + digit.max(1) * 100, 0),
            _ => digit = "零一二三四五六七八九".chars().position(|d| d == c).unwrap(),
        }
    }
    n + digit
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `第二十九条第一款第二项` → (`第二十九条`, 款 [1], 项 [2]); `、` joins several.
fn parse_number(number: &str) -> Option<(String, Vec<usize>, Vec<usize>)> {
    let re = regex::Regex::new(
        r"^(第[零一二三四五六七八九十百]+条)((?:、?第[一二三四五六七八九十]+款)*)((?:、?第[一二三四五六七八九十]+项)*)$",
    )
    .unwrap();
    let c = re.captures(number)?;
    let list = |s: &str, unit: char| -> Vec<usize> {
        s.split(['、', unit])
            .filter_map(|p| p.strip_prefix('第'))
            .map(numeral)
            .collect()
    };
    Some((c[1].to_string(), list(&c[2], '款'), list(&c[3], '项')))
}

/// What is wrong with one quotation, if anything.
fn quotation_problems(src: &Sources, law: &str, number: &str, text: &str) -> Vec<String> {
    let text = text.trim();
    let mut problems = Vec::new();
    if !(text.ends_with('。') || text.ends_with("……")) {
        problems.push("does not end at a sentence end (。) or with ……".to_string());
    }
    if law.starts_with("GB/T") {
        // `> 7.2.2 密级和保密期限　如需标注…`: the clause of that number.
        let clause = src
            .notes
            .lines()
            .find(|l| l.starts_with(&format!("> {number} ")));
        match clause {
            Some(c) if squeeze(c).contains(&squeeze(text)) => {}
            _ => problems.push(format!("not in LAW-NOTES under clause {number}")),
        }
        return problems;
    }
    let Some((_, articles)) = src.instruments.iter().find(|(name, _)| *name == law) else {
        problems.push(format!("no full text of {law} to check against"));
        return problems;
    };
    let Some((article, kuan, xiang)) = parse_number(number) else {
        problems.push(format!(
            "number {number} does not name 条 (and 款/项) like 第四十三条第二款"
        ));
        return problems;
    };
    let Some(paragraphs) = articles.get(&article) else {
        problems.push(format!("{law} has no {article}"));
        return problems;
    };
    if law == BAOMIFA && !squeeze(&src.law_clean).contains(&squeeze(&paragraphs.concat())) {
        problems.push(format!("{article}: the two copies of the law disagree"));
    }
    // The article as one string; each character knows its 款 and item.
    let item = regex::Regex::new(r"^（([一二三四五六七八九十]+)）").unwrap();
    let mut flat: Vec<char> = Vec::new();
    let mut owner: Vec<(usize, Option<usize>)> = Vec::new();
    let mut starts = Vec::new();
    let mut paragraphs_seen = 0;
    for p in paragraphs {
        let p = squeeze(p);
        let it = item.captures(&p).map(|c| numeral(&c[1]));
        if it.is_none() {
            paragraphs_seen += 1;
        }
        starts.push(flat.len());
        for c in p.chars() {
            flat.push(c);
            owner.push((paragraphs_seen, it));
        }
    }
    let count = paragraphs_seen;
    // Each part between `……` in order, inside this article.
    let (mut from, mut first) = (0, None);
    let (mut touched_kuan, mut touched_items) = (BTreeSet::new(), BTreeSet::new());
    for part in text.split("……").map(squeeze).filter(|p| !p.is_empty()) {
        let needle: Vec<char> = part.chars().collect();
        let Some(at) = (from..=flat.len().saturating_sub(needle.len()))
            .find(|&i| flat[i..].starts_with(&needle))
        else {
            problems.push(format!("not verbatim in {law}{article}: {part}"));
            return problems;
        };
        if law == BAOMIFA && !squeeze(&src.law_clean).contains(&part) {
            problems.push(format!("not in baomifa-2024.clean.txt: {part}"));
        }
        first.get_or_insert(at);
        for &(k, it) in &owner[at..at + needle.len()] {
            touched_kuan.insert(k);
            if let Some(it) = it {
                touched_items.insert((k, it));
            }
        }
        from = at + needle.len();
    }
    let first = first.unwrap_or(0);
    let at_sentence_start = starts.contains(&first) || flat[first - 1] == '。';
    if !text.starts_with("……") && !at_sentence_start {
        problems.push("starts mid-sentence without ……".to_string());
    }
    // The number names the 款 the quotation is from (unless the article has one, or
    // the quotation spans them all) and the items it quotes.
    let (want_kuan, want_xiang): (Vec<usize>, Vec<usize>) = if touched_items.is_empty() {
        let all = touched_kuan.len() == count;
        let kuan = if count == 1 || all {
            Vec::new()
        } else {
            touched_kuan.iter().copied().collect()
        };
        (kuan, Vec::new())
    } else {
        let kuan: BTreeSet<usize> = touched_items.iter().map(|(k, _)| *k).collect();
        let kuan = if count == 1 {
            Vec::new()
        } else {
            kuan.into_iter().collect()
        };
        (kuan, touched_items.iter().map(|(_, i)| *i).collect())
    };
    if kuan != want_kuan || xiang != want_xiang {
        let names = |v: &[usize], unit: &str| {
            v.iter()
                .map(|n| format!("第{n}{unit}"))
                .collect::<Vec<_>>()
                .join("、")
        };
        problems.push(format!(
            "number {number}: the quotation is from {article}{}{}",
            names(&want_kuan, "款"),
            names(&want_xiang, "项")
        ));
    }
    problems
}

/// Every quotation in the rule files (article and see-also) is verbatim from the law in
/// force, whole sentences or visibly an excerpt, and its number names 条, 款 and 项.
#[test]
fn quotations_are_verbatim_whole_and_numbered() {
    let Some(src) = sources() else {
        skip("../shared/law or the law corpus is not here (a fresh clone); .ci/run runs this test");
        return;
    };
    let mut problems = Vec::new();
    let mut count = 0;
    for rule in &Registry::builtin().rules {
        for a in rule.article.iter().chain(&rule.see_also) {
            count += 1;
            for p in quotation_problems(&src, &a.law, &a.number, &a.text) {
                problems.push(format!("{} {}{}: {p}", rule.code, a.law, a.number));
            }
        }
    }
    assert!(count >= 60, "only {count} quotations");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The checker itself: the truncations and bare numbers the review found are caught.
#[test]
fn the_quotation_check_catches_what_the_review_found() {
    let Some(src) = sources() else {
        skip("../shared/law or the law corpus is not here (a fresh clone); .ci/run runs this test");
        return;
    };
    let bad = [
        // An item without its chapeau, a bare 条, ending in ；.
        (
            BAOMIFA,
            "第三十一条",
            "（三）使用非涉密信息系统、非涉密信息设备存储或者处理国家秘密；",
        ),
        // No subject, no full stop.
        (
            "国家秘密定密管理规定",
            "第三十八条",
            "应当在保密期限届满前作出决定",
        ),
        // A 款 of a three-款 article cited as the whole article.
        (
            BAOMIFA,
            "第二十二条",
            "不属于国家秘密的，不得作出国家秘密标志。",
        ),
        // The wrong 款.
        (
            "国家秘密定密管理规定",
            "第四十三条第一款",
            "国家另有规定的，从其规定。",
        ),
        // Not the article's text.
        (
            BAOMIFA,
            "第二十条第二款",
            "国家秘密的保密期限，绝密级不超过三十年。",
        ),
        // An item of the first of two 款 without its 款.
        (
            "国家秘密定密管理规定",
            "第二十九条第二项",
            "下列事项不得确定为国家秘密：……（二）属于工作秘密、商业秘密、个人隐私的；……",
        ),
        // Starts mid-sentence without ……
        (
            "中华人民共和国保守国家秘密法实施条例",
            "第十九条第二款",
            "自标明的制发日起计算。",
        ),
        // A bare article number with no instrument text behind it.
        (
            "党政机关公文处理工作条例",
            "第九条",
            "（一）份号。公文印制份数的顺序号。涉密公文应当标注份号。",
        ),
        (
            "GB/T 9704-2012 党政机关公文格式",
            "7.2.1",
            "如需标注份号，一般用6位3号阿拉伯数字",
        ),
    ];
    for (law, number, text) in bad {
        assert!(
            !quotation_problems(&src, law, number, text).is_empty(),
            "not caught: {law}{number}: {text}"
        );
    }
    let good = [
        (
            BAOMIFA,
            "第三十一条第三项",
            "任何组织和个人不得有下列行为：……（三）使用非涉密信息系统、非涉密信息设备存储或者处理国家秘密；……",
        ),
        (
            "国家秘密定密管理规定",
            "第二十九条第一款第二项",
            "下列事项不得确定为国家秘密：……（二）属于工作秘密、商业秘密、个人隐私的；……",
        ),
        (
            "国家秘密定密管理规定",
            "第四十条",
            "国家秘密变更按照国家秘密确定程序进行并作出书面记录。国家秘密变更后，应当及时在原国家秘密标志附近重新作出国家秘密标志。",
        ),
        (
            "党政机关公文处理工作条例",
            "第九条第一项",
            "（一）份号。公文印制份数的顺序号。涉密公文应当标注份号。",
        ),
    ];
    for (law, number, text) in good {
        assert_eq!(
            quotation_problems(&src, law, number, text),
            Vec::<String>::new(),
            "{law}{number}"
        );
    }
}

/// A rule about the tool itself cites no article; every other built-in rule does.
#[test]
fn only_rules_about_the_tool_cite_no_article() {
    for rule in &Registry::builtin().rules {
        let about_tool = rule.kind.spec().about_the_tool;
        if rule.code == "ML901" {
            assert!(rule.article.is_none(), "ML901 cites {:?}", rule.article);
        }
        assert!(
            about_tool || rule.article.is_some(),
            "{} cites no article",
            rule.code
        );
    }
}

/// README's rule table says what the rule files say: code, name, Chinese summary and the
/// provision cited, one row per rule, in order.
#[test]
fn readme_rule_table_matches_the_rules() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let rows: Vec<Vec<String>> = readme
        .lines()
        .skip_while(|l| !l.starts_with("| code | name | 摘要 | 依据 |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    let rules = Registry::builtin().rules;
    assert_eq!(rows.len(), rules.len(), "{rows:#?}");
    for (row, rule) in rows.iter().zip(&rules) {
        let cited = rule.article.as_ref().map_or("—".to_string(), |a| a.cite());
        assert_eq!(
            row[..4],
            [
                rule.code.clone(),
                rule.name.clone(),
                rule.summary.zh.clone(),
                cited
            ],
            "README row for {}",
            rule.code
        );
    }
}

/// rules/README.md's table of kinds says what the code's kind table says: the same
/// kinds, each with its placeholders and the phrases its file must define.
#[test]
fn rules_readme_matches_the_kind_table() {
    let readme = std::fs::read_to_string(root().join("rules/README.md")).unwrap();
    let section = readme
        .split("## Kinds")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Kinds section");
    let rows: Vec<(&str, &str)> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let name = l.split('`').nth(1)?;
            Some((name, l))
        })
        .collect();
    let kinds = &mark_lint::rules::kinds::KINDS;
    let mut in_readme: Vec<&str> = rows.iter().map(|(n, _)| *n).collect();
    let mut in_code: Vec<&str> = kinds.iter().map(|k| k.name).collect();
    in_readme.sort_unstable();
    in_code.sort_unstable();
    assert_eq!(in_readme, in_code, "rules/README.md kinds");
    for kind in kinds {
        let (_, row) = rows.iter().find(|(n, _)| *n == kind.name).unwrap();
        let mut shown: Vec<&str> = row
            .split('{')
            .skip(1)
            .filter_map(|p| p.split('}').next())
            .collect();
        shown.sort_unstable();
        shown.dedup();
        let mut vars: Vec<&str> = kind.vars.iter().map(|v| v.name()).collect();
        vars.sort_unstable();
        assert_eq!(shown, vars, "placeholders of `{}`", kind.name);
        // Phrases from closed sets (problems of form, reasons, directive problems) are
        // named by those sets; every other phrase is named in the row.
        let closed = matches!(
            kind.name,
            "malformed-mark" | "unreadable-file" | "bad-suppression"
        );
        if !closed {
            for p in kind.phrases {
                assert!(
                    row.contains(p),
                    "rules/README.md: `{}` does not name phrase `{p}`",
                    kind.name
                );
            }
        }
    }
}

/// Every text of every built-in rule (message, help, every phrase), in both languages,
/// rendered with its kind's placeholders: nothing of the form `{name}` is left over and
/// nothing panics.
#[test]
fn every_phrase_renders_with_its_variables() {
    use mark_lint::diagnostic::Lang;
    use mark_lint::rules::check::render;
    let left_over = regex::Regex::new(r"\{[a-z_]+\}").unwrap();
    let registry = Registry::builtin();
    let mut rendered = 0;
    for rule in &registry.rules {
        let vars: Vec<_> = rule
            .kind
            .spec()
            .vars
            .iter()
            .map(|v| (*v, format!("«{}»", v.name())))
            .collect();
        let texts = std::iter::once(&rule.message)
            .chain(rule.help.as_ref())
            .chain(rule.phrases.values());
        for text in texts {
            for lang in [Lang::Zh, Lang::En] {
                let out = render(text.pick(lang), &vars);
                assert!(
                    !left_over.is_match(&out),
                    "{} ({lang:?}): a placeholder is left in `{out}`",
                    rule.code
                );
                rendered += 1;
            }
        }
    }
    assert!(rendered > 150, "only {rendered} texts");
}
