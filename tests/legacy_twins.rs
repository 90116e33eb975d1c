//! Each legacy fixture (Excel/PowerPoint 97-2003, WPS) reads like its modern twin, from
//! which LibreOffice made it: the same marks in parts of the same roles, the same
//! findings (codes and marks) from the real binary, the same creation date.

use std::path::PathBuf;
use std::process::Command;

use mark_lint::extract::{Document, Extracted, Limits, Role, extract_bytes};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/office")
        .join(rel)
}

fn doc(rel: &str) -> Document {
    let ext = rel.rsplit('.').next().unwrap();
    let bytes = std::fs::read(fixture(rel)).unwrap();
    match extract_bytes(bytes, ext, &Limits::new(64 << 20), 0) {
        Ok(Extracted::Doc(d)) => d,
        other => panic!("{rel}: {:?}", other.err()),
    }
}

/// Every line holding a star, with its part's role, in reading order.
fn marked_lines(doc: &Document) -> Vec<(Role, String)> {
    doc.parts
        .iter()
        .flat_map(|p| {
            p.text
                .lines()
                .filter(|l| l.contains('★'))
                .map(|l| (p.role, l.trim().to_string()))
        })
        .collect()
}

/// (code, mark) of every finding of `mark-lint check` on `rel`, sorted.
fn findings(rel: &str) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(["check", "--format", "json", "--today", "2026-11-27"])
        .arg(fixture(rel))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut got: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["mark"]["raw"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    got.sort();
    got
}

const TWINS: &[(&str, &str)] = &[
    ("legacy/sheet.xls", "xlsx/sheet.xlsx"),
    ("legacy/sheet.et", "xlsx/sheet.xlsx"),
    ("legacy/slides.ppt", "pptx/slides.pptx"),
    ("legacy/slides.dps", "pptx/slides.pptx"),
];

#[test]
fn legacy_files_read_like_their_twins() {
    for (legacy, modern) in TWINS {
        let (old, new) = (doc(legacy), doc(modern));
        assert!(old.gaps.is_empty(), "{legacy}: {:?}", old.gaps);
        assert_eq!(
            marked_lines(&old),
            marked_lines(&new),
            "{legacy} vs {modern}"
        );
        assert_eq!(old.created, new.created, "{legacy} vs {modern}");
        assert_eq!(old.paged, new.paged, "{legacy} vs {modern}");
    }
}

#[test]
fn legacy_files_give_their_twins_findings() {
    for (legacy, modern) in TWINS {
        let (old, new) = (findings(legacy), findings(modern));
        assert!(!new.is_empty() || modern.ends_with("xlsx"));
        assert_eq!(old, new, "{legacy} vs {modern}");
    }
}
