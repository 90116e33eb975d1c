use super::*;

const TODAY: &str = "--today=2026-11-27";

#[test]
fn examples_human_zh() {
    snap!(
        "examples_human_zh",
        run(&["check", TODAY, "--lang", "zh", "examples"])
    );
}

#[test]
fn examples_human_en() {
    snap!(
        "examples_human_en",
        run(&["check", TODAY, "--lang", "en", "examples"])
    );
}

#[test]
fn examples_json() {
    snap!(
        "examples_json",
        run(&[
            "check", TODAY, "--lang", "en", "--format", "json", "examples"
        ])
    );
}

#[test]
fn examples_default_command_and_no_snippets() {
    snap!(
        "examples_no_snippets",
        run(&[
            TODAY,
            "--lang",
            "en",
            "--no-snippets",
            "--quiet",
            "examples/urban-renewal-minutes.md"
        ])
    );
}

/// One concise snapshot per fixture folder: every rule, term form, encoding, non-mark.
#[test]
fn fixture_folders() {
    for topic in ["rules", "terms", "non-marks"] {
        let dir = format!("tests/fixtures/docs/{topic}");
        snap!(
            format!("fixtures_{topic}"),
            run(&["check", TODAY, "--lang", "en", "--format", "concise", &dir])
        );
    }
    // Valid marks give no finding; the summary's marked count shows they were read.
    for topic in ["encodings", "html", "markdown"] {
        let dir = format!("tests/fixtures/docs/{topic}");
        snap!(
            format!("fixtures_{topic}"),
            run(&["check", TODAY, "--lang", "en", &dir])
        );
    }
}

#[test]
fn fixture_rules_human_zh() {
    snap!(
        "fixtures_rules_human_zh",
        run(&["check", TODAY, "--lang", "zh", "tests/fixtures/docs/rules"])
    );
}

#[test]
fn fixture_terms_json() {
    snap!(
        "fixtures_terms_json",
        run(&[
            "check",
            TODAY,
            "--lang",
            "en",
            "--format",
            "json",
            "tests/fixtures/docs/terms"
        ])
    );
}

#[test]
fn non_marks_are_silent() {
    let (code, stdout, _) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--format",
            "concise",
            "tests/fixtures/docs/non-marks",
        ],
    );
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn same_output_whatever_the_thread_count() {
    let one = run(&[
        "check",
        TODAY,
        "--lang",
        "en",
        "--format",
        "json",
        "--jobs",
        "1",
        "tests/fixtures/docs",
    ]);
    let many = run(&[
        "check",
        TODAY,
        "--lang",
        "en",
        "--format",
        "json",
        "--jobs",
        "4",
        "tests/fixtures/docs",
    ]);
    assert_eq!(one, many);
}

#[test]
fn select_ignore_and_fail_on() {
    snap!(
        "select_ml1",
        run(&[
            "check", TODAY, "--lang", "en", "--format", "concise", "--select", "ML1", "examples"
        ])
    );
    snap!(
        "ignore_ml104_ml002",
        run(&[
            "check",
            TODAY,
            "--lang",
            "en",
            "--format",
            "concise",
            "--ignore",
            "ML104,misplaced-mark",
            "examples"
        ])
    );
    let (code, _, _) = run_in(&root(), &["check", TODAY, "--fail-on", "never", "examples"]);
    assert_eq!(code, 0);
    let (code, _, _) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--select",
            "ML002",
            "--fail-on",
            "error",
            "examples",
        ],
    );
    assert_eq!(code, 0, "warnings only: below fail-on=error");
    let (code, _, _) = run_in(
        &root(),
        &[
            "check",
            TODAY,
            "--select",
            "ML002",
            "--fail-on",
            "warning",
            "examples",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn rules_and_explain() {
    snap!("rules_en", run(&["rules", "--lang", "en"]));
    snap!(
        "explain_ml101_zh",
        run(&["explain", "ML101", "--lang", "zh"])
    );
    snap!(
        "explain_by_name_en",
        run(&["explain", "term-expired", "--lang", "en"])
    );
}

/// The rule list is a table or JSON. A findings format (SARIF, JUnit, GitHub, concise)
/// is refused with exit 2 and the formats it takes, never answered with the table.
#[test]
fn rules_refuses_findings_formats() {
    for format in ["sarif", "junit", "github", "concise"] {
        let (out, err) = run_expect(&root(), &["rules", "--format", format], 2);
        assert!(out.is_empty(), "--format {format} printed: {out}");
        assert!(
            err.contains(&format!("invalid value '{format}' for '--format"))
                && err.contains("[possible values: human, json]"),
            "--format {format}: {err}"
        );
    }
    for format in ["human", "json"] {
        let (out, _) = run_expect(&root(), &["rules", "--format", format], 0);
        assert!(out.contains("ML101"), "--format {format}: {out}");
    }
}

/// A rule about the tool itself cites no article, and every listing says so.
#[test]
fn tool_rules_cite_no_article() {
    let (code, json, _) = run_in(&root(), &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    for row in rows.as_array().unwrap() {
        let tool = ["ML900", "ML901"].contains(&row["code"].as_str().unwrap());
        assert_eq!(row["article"].is_null(), tool, "{row}");
        assert_eq!(row["law"].is_null(), tool, "{row}");
    }
    let (_, zh, _) = run_in(&root(), &["explain", "ML901", "--lang", "zh"]);
    assert!(
        zh.contains("依据\n  无（本规则针对本工具自身，不是法律规定）\n"),
        "{zh}"
    );
    let (_, en, _) = run_in(&root(), &["explain", "ML900", "--lang", "en"]);
    assert!(
        en.contains(
            "Article\n  none (a rule about the tool itself, not a legal requirement)\n\nSee also\n"
        ),
        "{en}"
    );
}

#[test]
fn test_rules_command_passes() {
    let (code, stdout, _) = run_in(&root(), &["test-rules"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
}
