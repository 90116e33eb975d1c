//! Legacy office formats (Word/Excel/PowerPoint 97-2003, WPS, RTF): every fixture in
//! `tests/fixtures/office/legacy` and `…/rtf` is a conversion of a modern fixture (its twin, see
//! the README there) and must give what its twin gives: the same findings, the same
//! ledger rows, and each mark in a part of the same role.

use std::collections::BTreeMap;

use mark_lint::extract::{self, Extracted, Limits, Role};

use super::*;

const TODAY: &str = "2026-11-27";
const LEGACY: &str = "tests/fixtures/office/legacy";
const RTF: &str = "tests/fixtures/office/rtf";

/// The modern fixture a legacy file was converted from.
fn twin(legacy: &Path) -> PathBuf {
    let stem = legacy.file_stem().unwrap().to_str().unwrap();
    let modern = match legacy.extension().unwrap().to_str().unwrap() {
        "doc" | "wps" | "rtf" => "docx",
        "xls" | "et" => "xlsx",
        "ppt" | "dps" => "pptx",
        other => panic!("no twin folder for .{other}"),
    };
    root().join(format!("tests/fixtures/office/{modern}/{stem}.{modern}"))
}

fn legacy_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [LEGACY, RTF]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root().join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // 27 Word/Excel/PowerPoint/WPS files, 11 RTF files.
    assert!(files.len() >= 38, "fixtures missing: {files:?}");
    files
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = run_in(&root(), args);
    assert!(code == 0 || code == 1, "{args:?}: {code}\n{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

/// What a file's findings say, without where they are: code, severity and mark (the
/// part names differ between formats; their roles are compared below).
fn findings(path: &Path) -> Vec<String> {
    let p = path.to_str().unwrap();
    let v = json(&["check", "--today", TODAY, "--format", "json", p]);
    let mut out: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {} {}", d["code"], d["severity"], d["mark"]))
        .collect();
    out.sort();
    out
}

/// The ledger rows of a file, without path, part and line.
fn ledger(path: &Path) -> Vec<String> {
    let p = path.to_str().unwrap();
    let v = json(&["inventory", "--today", TODAY, "--format", "json", p]);
    let mut out: Vec<String> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let keys = [
                "level",
                "mark",
                "term",
                "attachment",
                "start",
                "last_day",
                "status",
            ];
            keys.iter()
                .map(|k| r[*k].to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    out.sort();
    out
}

/// Each line that holds a level word, by the role of its part; then whether anything
/// was left unread (gaps), the creation date and whether the document is paged.
fn reading(path: &Path) -> Result<String, String> {
    let doc = match extract::extract(path, &Limits::new(64 << 20)) {
        Ok(Extracted::Doc(doc)) => doc,
        other => return Err(format!("not read: {other:?}")),
    };
    let mut by_role: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for part in &doc.parts {
        let role = match part.role {
            Role::Body => "body",
            Role::Margin => "margin",
            Role::Note => "note",
            Role::Hidden => "hidden",
        };
        for line in part.text.lines() {
            let line = line.trim();
            if ["绝密", "机密", "秘密"].iter().any(|l| line.contains(l)) {
                by_role
                    .entry(role.to_string())
                    .or_default()
                    .push(line.to_string());
            }
        }
    }
    for lines in by_role.values_mut() {
        lines.sort();
    }
    Ok(format!(
        "{by_role:?} gaps: {:?} created: {:?} paged: {}",
        doc.gaps, doc.created, doc.paged
    ))
}

#[test]
fn every_legacy_file_gives_what_its_twin_gives() {
    let mut failures = Vec::new();
    for legacy in legacy_files() {
        let modern = twin(&legacy);
        let name = legacy.file_name().unwrap().to_string_lossy().into_owned();
        for (what, a, b) in [
            ("findings", findings(&legacy), findings(&modern)),
            ("ledger", ledger(&legacy), ledger(&modern)),
        ] {
            if a != b {
                failures.push(format!("{name} {what}:\n  legacy {a:?}\n  twin   {b:?}"));
            }
        }
        let (a, b) = (reading(&legacy), reading(&modern));
        if a != b {
            failures.push(format!("{name} reading:\n  legacy {a:?}\n  twin   {b:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// LibreOffice, if installed.
fn soffice() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("soffice"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui");
    }
    found
}

/// Real third-party documents through the legacy readers: every Word document of the
/// gongwen corpus (public 公文 templates, see its SOURCES.md), converted by LibreOffice
/// into .doc and .rtf at test time (never committed), gives what the original gives.
#[test]
fn gongwen_documents_converted_give_what_the_originals_give() {
    let (Some(shared), Some(soffice)) = (shared(), soffice()) else {
        return;
    };
    let mut originals: Vec<PathBuf> = walkdir::WalkDir::new(shared.join("corpora/gongwen"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "docx" || e == "dotx"))
        .collect();
    originals.sort();
    assert!(originals.len() >= 8, "{originals:?}");
    let dir = tempfile::tempdir().unwrap();
    // Short ASCII names: LibreOffice names its output after its input.
    let inputs: Vec<PathBuf> = originals
        .iter()
        .enumerate()
        .map(|(i, original)| {
            let input = dir.path().join(format!("{i:02}.docx"));
            std::fs::copy(original, &input).unwrap();
            input
        })
        .collect();
    let mut failures = Vec::new();
    for (ext, filter) in [("doc", "doc:MS Word 97"), ("rtf", "rtf:Rich Text Format")] {
        // One LibreOffice start per format converts every file.
        let out = Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                dir.path().join("profile").display()
            ))
            .args(["--headless", "--convert-to", filter, "--outdir"])
            .arg(dir.path())
            .args(&inputs)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (input, original) in inputs.iter().zip(&originals) {
            let converted = input.with_extension(ext);
            let name = original.file_name().unwrap().to_string_lossy();
            for (what, a, b) in [
                ("findings", findings(&converted), findings(input)),
                ("ledger", ledger(&converted), ledger(input)),
            ] {
                if a != b {
                    failures.push(format!("{name} as .{ext} {what}:\n  {a:?}\n  {b:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
