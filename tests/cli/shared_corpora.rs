//! The law and everything that only talks about secrecy must give zero findings.
use super::*;

#[test]
fn law_and_seed_give_nothing() {
    let Some(shared) = shared() else { return };
    let (law, seed) = (shared.join("law"), shared.join("corpora/seed"));
    let (law, seed) = (law.display().to_string(), seed.display().to_string());
    let (code, stdout, stderr) = run_in(&root(), &concise(&[&law, &seed]));
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

/// The third-party 公文 samples (`../shared/corpora/gongwen/SOURCES.md`): the marked
/// ones are read from their containers, the rest give nothing.
#[test]
fn gongwen_samples_are_read_correctly() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpora/gongwen");
    let check = |today: &str, extra: &[&str], path: &Path| {
        let mut args = vec!["check", "--today", today, "--format", "concise"];
        args.extend_from_slice(extra);
        let p = path.display().to_string();
        args.push(&p);
        run_in(&root(), &args).1
    };
    let standard = "kamisky__GB-T-9704-2012-gongwen-format/samples/公文样例_standard.docx";
    let main_pdf = "zy19970__Latex-for-GB-T-9704-2012/main.pdf";
    let exam = "xkwxdyy__exam-zh/doc/figures/firstpage.pdf";
    // Today: the two marked 公文 also carry a public-release 附注 (`（此文公开发布）` in
    // the docx, `（此件公开发布）` on page 1 of main.pdf, as pdftotext shows): ML005.
    // SOURCES.md expects nothing for main.pdf, but its text has that 附注 too. The exam
    // paper's title font (STHeitiSC-Medium: Identity-H, no ToUnicode, no cmap in its
    // program) cannot be read: ML900 names it, as pdftotext prints its codes as garbage.
    let today = check("2026-11-27", &[], &dir);
    let lines: Vec<&str> = today.lines().collect();
    assert_eq!(lines.len(), 3, "{today}");
    assert!(
        lines.iter().any(|l| l.contains(exam)
            && l.contains(":1:1: ML900 ")
            && l.contains("53 characters in font GMHWQT+STHeitiSC-Medium have no Unicode mapping")),
        "{today}"
    );
    assert!(
        lines.iter().any(|l| l.contains(standard)
            && l.contains(":2:1: ML005")
            && l.contains("`秘密★1年`")
            && l.ends_with("(word/document.xml)")),
        "{today}"
    );
    assert!(
        lines.iter().any(|l| l.contains(main_pdf)
            && l.contains(" ML005 ")
            && l.contains("★1年`")
            && l.ends_with("(page 1)")),
        "{today}"
    );
    // In 2060 every dated mark has expired: exactly the two 1-year marks, read with
    // their 成文日期 (2026-07-16 in the docx, 2026-07-18 in the PDF).
    let later = check("2060-01-01", &["--select", "ML104"], &dir);
    let lines: Vec<&str> = later.lines().collect();
    assert_eq!(lines.len(), 2, "{later}");
    assert!(
        lines[0].contains(standard) && lines[0].contains("from 2026-07-16"),
        "{later}"
    );
    assert!(
        lines[1].contains(main_pdf) && lines[1].contains("from 2026-07-18"),
        "{later}"
    );
    // The exam paper's `绝密 ★ 启用前` is a lawful 解密条件 mark: marked, no finding.
    let (_, exam_out, _) = run_in(
        &root(),
        &[
            "check",
            "--today",
            "2026-11-27",
            &dir.join(exam).display().to_string(),
        ],
    );
    // Marked, nothing expired or misplaced; its title font unreadable (ML900, above).
    assert!(
        exam_out.contains("Checked 1 files (1 marked): 0 errors, 1 warning, 0 infos.")
            && exam_out.contains("warning[ML900]")
            && exam_out.contains("GMHWQT+STHeitiSC-Medium"),
        "{exam_out}"
    );
}

/// What the scanner reads from the marked samples: level, term, copy number, part.
#[test]
fn gongwen_marks_and_copy_numbers() {
    let Some(shared) = shared() else { return };
    let dir = shared.join("corpora/gongwen");
    mark_lint::extract::pdf::set_worker(env!("CARGO_BIN_EXE_mark-lint").into());
    let regime = mark_lint::regime::Regime::builtin();
    let limits = mark_lint::extract::Limits::new(256 << 20);
    let read = |rel: &str| {
        let path = dir.join(rel);
        let Ok(mark_lint::extract::Extracted::Doc(doc)) =
            mark_lint::extract::extract(&path, &limits)
        else {
            panic!("{rel} is not readable");
        };
        mark_lint::scan::scan(&regime, &doc, "sample")
    };
    let mark = |s: &mark_lint::scan::Scan| {
        let m = s.mark_in_force().expect("a mark");
        (
            regime.levels[m.mark.level].name.clone(),
            m.mark.term_text(),
            m.pos.part.clone(),
        )
    };
    let docx = read("kamisky__GB-T-9704-2012-gongwen-format/samples/公文样例_standard.docx");
    assert_eq!(
        mark(&docx),
        (
            "秘密".into(),
            "1年".into(),
            Some("word/document.xml".into())
        )
    );
    assert!(docx.copy_number, "份号 000001");
    let pdf = read("zy19970__Latex-for-GB-T-9704-2012/main.pdf");
    assert_eq!(
        mark(&pdf),
        ("机密".into(), "1年".into(), Some("page 1".into()))
    );
    assert!(pdf.copy_number, "份号 000001");
    let exam = read("xkwxdyy__exam-zh/doc/figures/firstpage.pdf");
    let (level, term, part) = mark(&exam);
    assert_eq!((level.as_str(), part.as_deref()), ("绝密", Some("page 1")));
    assert!(term.contains("启用前"), "{term}");
    assert!(!exam.copy_number);
}
