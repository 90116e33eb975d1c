#![allow(clippy::print_stderr)]
//! Every built-in rule: the file list matches `rules/`, each rule's `valid` examples give
//! no finding of it and each `invalid` example gives it, and every quoted article is
//! verbatim from the law (checked when `../shared/` is present).

use std::path::PathBuf;

use mark_lint::rules::{BUILTIN, Registry};

#[path = "support/skip.rs"]
mod support;
use support::skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn builtin_list_matches_the_rules_folder() {
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
            ("ML201", "missing-mark", "error"),
            ("ML202", "mark-below-content", "error"),
            ("ML203", "missing-copy-number", "warning"),
            ("ML204", "missing-distribution", "info"),
            ("ML205", "authority-hint", "info"),
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

#[test]
fn articles_are_quoted_verbatim() {
    let law = root().join("../shared/law/baomifa-2024.clean.txt");
    let notes = root().join("../shared/LAW-NOTES.md");
    let (Ok(law), Ok(notes)) = (
        std::fs::read_to_string(&law),
        std::fs::read_to_string(&notes),
    ) else {
        skip("../shared/law is not here (a fresh clone); .ci/run runs this test");
        return;
    };
    let notes: String = notes
        .lines()
        .map(|l| l.trim_start_matches("> "))
        .collect::<Vec<_>>()
        .join("\n");
    for rule in &Registry::builtin().rules {
        for a in std::iter::once(&rule.article).chain(&rule.see_also) {
            let text = a.text.trim();
            if a.law == "中华人民共和国保守国家秘密法" {
                // The article runs from its line to the next article (items follow on
                // lines of their own).
                let start = law
                    .find(&format!("\n{} ", a.number))
                    .unwrap_or_else(|| panic!("{}: no {} in the law", rule.code, a.number));
                let mut lines = law[start + 1..].lines();
                let mut article = lines.next().unwrap_or("").to_string();
                for l in lines {
                    let header = l.starts_with('第')
                        && l.chars().take(8).collect::<String>().contains("条 ");
                    if header || l.starts_with("第") && l.contains("章 ") {
                        break;
                    }
                    article.push_str(l);
                }
                assert!(
                    article.contains(text),
                    "{} {}: not verbatim: {text}",
                    rule.code,
                    a.number
                );
            } else {
                assert!(
                    notes.contains(text),
                    "{} {} {}: not in LAW-NOTES: {text}",
                    rule.code,
                    a.law,
                    a.number
                );
            }
        }
    }
}
