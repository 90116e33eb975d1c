//! The law and everything that only talks about secrecy must give zero findings.
use super::*;

#[test]
fn law_and_seed_give_nothing() {
    let Some(shared) = shared() else { return };
    let (code, stdout, stderr) = run_in(
        &root(),
        &[
            "check",
            "--today",
            "2026-11-27",
            "--format",
            "concise",
            &shared.join("law").display().to_string(),
            &shared.join("corpora/seed").display().to_string(),
        ],
    );
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
}

#[test]
fn laws_corpus_gives_nothing() {
    let Some(shared) = shared() else { return };
    let laws = shared.join("corpora/laws");
    let (code, stdout, stderr) = run_in(
        &root(),
        &[
            "check",
            "--today",
            "2026-11-27",
            "--lang",
            "en",
            &laws.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.starts_with("Checked 3504 files (0 marked): no findings."),
        "{stdout}"
    );
}

#[test]
fn gongwen_text_files_have_no_false_positives() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpora/gongwen");
    let (_, stdout, _) = run_in(
        &root(),
        &[
            "check",
            "--today",
            "2026-11-27",
            "--format",
            "concise",
            &dir.display().to_string(),
        ],
    );
    // Office and PDF files are ML900 until their readers land; text files are clean.
    for line in stdout.lines() {
        assert!(
            line.contains(" ML900 ")
                && (line.contains(".docx:") || line.contains(".pdf:") || line.contains(".dotx:")),
            "{line}"
        );
    }
}
