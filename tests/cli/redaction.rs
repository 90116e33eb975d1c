//! `--no-snippets`: reports travel through CI logs, so with it no format and no baseline
//! carries document text — a mark only in its canonical form (level, star, duration or
//! date). A sentence planted beside marks of every rule must appear nowhere.

use super::*;

/// The planted text: each piece is searched for on its own.
const SECRET: &str = "青鸟暗号甲乙丙";
const PIECES: [&str; 3] = ["青鸟", "暗号", "甲乙丙"];

fn planted_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(String, Vec<u8>)> = vec![
        // ML001 (a bad term that runs on into the sentence; a wrong star before a
        // condition), ML106.
        ("ml001.md".into(), format!("机密★10年{SECRET}\n\n正文\n").into()),
        (
            "ml001-condition.md".into(),
            format!("机密☆解密条件：{SECRET}竣工后\n\n正文\n").into(),
        ),
        // ML002 and ML003: a misplaced mark with a condition; front matter disagreeing.
        (
            "ml002.md".into(),
            format!(
                "---\n密级: 秘密\n---\n机密★5年\n\n{}\n秘密★{SECRET}启用前\n\n2026年3月5日\n",
                "正文。\n".repeat(10)
            )
            .into(),
        ),
        // ML004: a designation by its shape is the planted text itself.
        ("ml004.md".into(), format!("{SECRET}★3年\n\n通知\n").into()),
        // ML005: a publication note naming the planted text.
        (
            "ml005.md".into(),
            format!("秘密★1年\n\n通知\n\n2026年3月5日\n\n（此件在{SECRET}网站公开发布）\n").into(),
        ),
        // ML101, ML104 with a condition nearby, ML201 and ML202 (portion marks).
        (
            "ml101.md".into(),
            format!("秘密★15年\n\n{SECRET}。\n\n2020年3月5日\n").into(),
        ),
        (
            "ml201.md".into(),
            format!("关于{SECRET}的报告\n\n（机密）{SECRET}的参数如下。\n").into(),
        ),
        (
            "ml202.md".into(),
            format!("秘密★1年\n\n报告\n\n（绝密）{SECRET}的参数如下。\n\n2026年3月5日\n").into(),
        ),
        // ML103, ML901 (a directive whose reason is the planted text).
        (
            "ml103.md".into(),
            format!(
                "机密★长期\n\n{SECRET}\n\n<!-- mark-lint-disable-next-line ML002 -- {SECRET} -->\n正文\n"
            )
            .into(),
        ),
        // ML006: a mark in tracked-deleted text of a Word document.
        (
            "ml006.docx".into(),
            mark_lint::extract::ooxml::docx_from_body(&format!(
                "<w:p><w:r><w:t>关于{SECRET}的报告</w:t></w:r></w:p><w:p><w:del w:id=\"1\" w:author=\"a\"><w:r><w:delText>机密★10年{SECRET}</w:delText></w:r></w:del></w:p><w:p><w:del w:id=\"2\" w:author=\"a\"><w:r><w:delText>机密★解密条件：{SECRET}</w:delText></w:r></w:del></w:p>"
            )),
        ),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::write(
        dir.path().join(".mark-lint.yaml"),
        "rules: [\"rules\"]\nkeywords:\n  - { pattern: \"甲乙丙\", level: 绝密 }\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    std::fs::write(
        dir.path().join("rules/codename.yaml"),
        "code: X100\nname: codename\nkind: pattern\nseverity: warning\nsummary: { zh: 代号, en: code name }\narticle: { law: 中华人民共和国保守国家秘密法, number: 第二十二条, text: 不属于国家秘密的，不得作出国家秘密标志。 }\nmessage: { zh: \"代号：{match}\", en: \"code name: {match}\" }\nparams: { pattern: \"青鸟\\\\S+\", scope: body }\nexamples: { valid: [\"正文\\n\"], invalid: [\"青鸟一号\\n\"] }\n",
    )
    .unwrap();
    dir
}

fn assert_clean(what: &str, text: &str) {
    for piece in PIECES {
        assert!(
            !text.contains(piece),
            "{what} leaks `{piece}` with --no-snippets:\n{text}"
        );
    }
}

#[test]
fn no_snippets_leaks_no_document_text() {
    let dir = planted_tree();
    let base = ["check", "--today", "2026-11-27", "--no-snippets", "."];
    // Without --no-snippets the planted text shows: the tree does reach every rule.
    let (_, shown, _) = run_in(
        dir.path(),
        &base[..4].iter().chain(&["."]).copied().collect::<Vec<_>>(),
    );
    for code in [
        "ML001", "ML002", "ML003", "ML004", "ML005", "ML006", "ML101", "ML103", "ML201", "ML202",
        "ML304", "ML901", "X100",
    ] {
        assert!(
            shown.contains(code),
            "the planted tree misses {code}:\n{shown}"
        );
    }
    for lang in ["en", "zh"] {
        for format in ["human", "concise", "json", "sarif", "github", "junit"] {
            let mut args = base.to_vec();
            args.extend(["--format", format, "--lang", lang]);
            let (code, stdout, stderr) = run_in(dir.path(), &args);
            assert_eq!(code, 1, "{format}: {stderr}");
            assert_clean(&format!("--format {format} --lang {lang}"), &stdout);
            assert_clean(&format!("stderr of {format}"), &stderr);
        }
        let mut args = base.to_vec();
        args.extend([
            "--system",
            "unclassified",
            "--format",
            "json",
            "--lang",
            lang,
        ]);
        let (_, stdout, _) = run_in(dir.path(), &args);
        assert!(stdout.contains("ML301"), "{stdout}");
        assert_clean("--system unclassified", &stdout);
    }
    let mut args = base.to_vec();
    args.extend(["--write-baseline", "baseline.json"]);
    let (code, _, stderr) = run_in(dir.path(), &args);
    assert_eq!(code, 0, "{stderr}");
    assert_clean(
        "the baseline",
        &std::fs::read_to_string(dir.path().join("baseline.json")).unwrap(),
    );
}

/// A file full of marks: at most 100 findings per file and rule are listed, then one
/// finding counts the rest (JSON `omitted`), so memory stays bounded and the count is
/// still true.
#[test]
fn findings_per_file_and_rule_are_capped_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("机密★10年\n\n正文\n");
    for _ in 0..1000 {
        text.push_str("工作秘密★1年\n");
    }
    for i in 0..250 {
        text.push_str(&format!(
            "<!-- mark-lint-disable-next-line ML999 -- {i} -->\n正文\n"
        ));
    }
    std::fs::write(dir.path().join("full.md"), &text).unwrap();
    std::fs::write(dir.path().join("few.md"), "工作秘密★1年\n\n通知\n").unwrap();
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &["check", "--today", "2026-11-27", "--format", "json", "."],
    );
    assert_eq!(code, 1, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    let count = |path: &str, code: &str| {
        let of: Vec<&serde_json::Value> = diags
            .iter()
            .filter(|d| d["path"] == path && d["code"] == code)
            .collect();
        let omitted: Vec<u64> = of.iter().filter_map(|d| d["omitted"].as_u64()).collect();
        (of.len(), omitted)
    };
    assert_eq!(count("full.md", "ML004"), (101, vec![900]));
    assert_eq!(count("full.md", "ML901"), (101, vec![150]));
    assert_eq!(count("few.md", "ML004"), (1, vec![]));
    // The count comes last among the rule's findings in the file.
    let last = diags
        .iter()
        .rfind(|d| d["path"] == "full.md" && d["code"] == "ML004")
        .unwrap();
    assert_eq!(last["omitted"], 900);
    let (_, human, _) = run_in(
        dir.path(),
        &["check", "--today", "2026-11-27", "--lang", "zh", "full.md"],
    );
    assert!(
        human.contains("本文件中另有900处同类问题未逐一列出"),
        "{human}"
    );
}
