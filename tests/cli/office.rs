//! Office, OFD and PDF fixtures (`tests/fixtures/office`, see its README): every
//! container part is read, findings name the part, and damaged files are ML900.

use super::*;

const TODAY: &str = "2026-11-27";

fn office(sub: &str) -> String {
    format!("tests/fixtures/office/{sub}")
}

/// `check --format concise` on one path: exit code, stdout, stderr.
fn concise(path: &str) -> (i32, String, String) {
    run_in(
        &root(),
        &["check", "--today", TODAY, "--format", "concise", path],
    )
}

#[test]
fn office_folders_concise() {
    for sub in [
        "docx", "odt", "xlsx", "pptx", "ofd", "pdf", "legacy", "rtf", "corrupt",
    ] {
        // Scans without OCR (the same on every machine): `tests/cli/ocr.rs` reads them.
        snap!(
            format!("office_{sub}"),
            run(&[
                "check",
                "--today",
                TODAY,
                "--format",
                "concise",
                "--ocr",
                "never",
                &office(sub)
            ])
        );
    }
}

/// Far in the future every mark has expired: one ML104 per mark read, with its part,
/// shows that the "nothing" fixtures were read rather than missed.
#[test]
fn office_marks_are_all_read() {
    for sub in ["docx", "odt", "xlsx", "pptx", "ofd", "pdf", "legacy", "rtf"] {
        let (code, stdout, stderr) = run_in(
            &root(),
            &[
                "check",
                "--today",
                "2060-01-01",
                "--format",
                "concise",
                "--select",
                "ML104",
                &office(sub),
            ],
        );
        // Every folder has expired marks (errors), and nothing goes wrong on the way.
        assert_eq!((code, stderr.as_str()), (1, ""), "{sub}");
        snap!(format!("office_{sub}_2060"), stdout);
    }
}

#[test]
fn part_is_shown_in_human_and_json_output() {
    snap!(
        "office_part_human",
        run(&[
            "check",
            "--today",
            TODAY,
            &office("docx/expired-header.docx")
        ])
    );
    snap!(
        "office_part_json",
        run(&[
            "check",
            "--today",
            TODAY,
            "--format",
            "json",
            &office("ofd/attachment.ofd")
        ])
    );
}

/// A damaged file of every supported type is ML900, one each, and the run goes on to
/// the next file (the count of checked files includes them all). `legacy.doc` and
/// `legacy.wps` (body.docx as Word 97) were kept here while .doc was not read: they are
/// read now and, like body.docx, give nothing.
#[test]
fn corrupt_files_are_unreadable_and_the_run_continues() {
    let (code, stdout, stderr) = concise(&office("corrupt"));
    assert_eq!(code, 0, "ML900 is a warning: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    const READ: [&str; 2] = ["legacy.doc", "legacy.wps"];
    for f in READ {
        assert!(!stdout.contains(&format!("/{f}:")), "{f}: {stdout}");
    }
    let files: Vec<_> = std::fs::read_dir(root().join(office("corrupt")))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| !READ.contains(&f.as_str()))
        .collect();
    for f in &files {
        let hits = stdout
            .lines()
            .filter(|l| l.contains(&format!("/{f}:")) && l.contains(" ML900 "))
            .count();
        assert_eq!(hits, 1, "{f}: {stdout}");
    }
    assert_eq!(stdout.lines().count(), files.len(), "{stdout}");
}

/// The PDF reader runs in a child process: if it dies, the file is ML900 and the run
/// goes on.
#[test]
fn pdf_worker_crash_is_a_finding() {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(["check", "--today", TODAY, "--format", "concise"])
        .arg(office("pdf/page1.pdf"))
        .arg(office("docx/expired-header.docx"))
        .current_dir(root())
        .env("MARK_LINT_PDF_WORKER", "/bin/false")
        .env_remove("LANG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The expired header is an error: exit 1, not a failure of the run.
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout.contains("page1.pdf:1:1: ML900") && stdout.contains("the PDF reader"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expired-header.docx:1:1: ML104"),
        "{stdout}"
    );
}

/// Deeply nested arrays overflow the stack of every pure-Rust PDF parser: the worker
/// may die, the linter may not.
#[test]
fn pdf_stack_overflow_is_contained() {
    let dir = tempfile::tempdir().unwrap();
    let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X ".to_vec();
    pdf.extend(std::iter::repeat_n(b'[', 2_000_000));
    pdf.extend(std::iter::repeat_n(b']', 2_000_000));
    pdf.extend(b" >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let path = dir.path().join("deep.pdf");
    std::fs::write(&path, pdf).unwrap();
    let (code, stdout, stderr) = concise(path.to_str().unwrap());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("deep.pdf:1:1: ML900"), "{stdout}");
}
