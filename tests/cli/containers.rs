//! Hostile containers and files that are not what their names say, generated at test
//! time: one run over all of them finishes quickly within bounded memory, and names
//! every file either in a finding about its mark or in an ML900 naming the cause.
//! Also the run-wide PDF budgets (memory: workers at once; time: all workers).

use std::time::{Duration, Instant};

use super::*;

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

/// A .docx whose body is `body`, with relationships of the main part and more entries.
fn docx(body: &str, main_rels: &[(&str, &str)], more: &[(String, Vec<u8>)]) -> Vec<u8> {
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let doc = format!("<w:document {W}><w:body>{body}</w:body></w:document>");
    let pkg = rels(&[("officeDocument", "word/document.xml")]);
    let main = rels(main_rels);
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", pkg.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
        ("word/_rels/document.xml.rels", main.as_bytes()),
    ];
    entries.extend(more.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
    zip_of(&entries)
}

/// A marked notice body: number, mark, title, a date that makes a one-year term
/// expired (ML104 names the mark).
fn marked(mark: &str) -> String {
    [
        "000001",
        mark,
        "云岭市水务局关于做好汛前检查的通知",
        "正文。",
        "2024年3月5日",
    ]
    .iter()
    .map(|t| para(t))
    .collect()
}

/// Zip entries: (name, bytes).
type Entries = Vec<(String, Vec<u8>)>;

fn headers(n: usize, text: &str) -> (Vec<(String, String)>, Entries) {
    let names: Vec<(String, String)> = (0..n)
        .map(|i| ("header".to_string(), format!("h{i}.xml")))
        .collect();
    let entries = names
        .iter()
        .map(|(_, n)| {
            (
                format!("word/{n}"),
                format!("<w:hdr {W}>{}</w:hdr>", para(text)).into_bytes(),
            )
        })
        .collect();
    (names, entries)
}

/// An OFD that carries `child` under 30 names, each listed twice.
fn ofd_carrying(child: &[u8]) -> Vec<u8> {
    let mut list = format!("<ofd:Attachments {OFD_NS}>");
    for i in 0..60 {
        list.push_str(&format!(
            r#"<ofd:Attachment ID="{i}" Name="a{i}"><ofd:FileLoc>c{}.ofd</ofd:FileLoc></ofd:Attachment>"#,
            i % 30
        ));
    }
    list.push_str("</ofd:Attachments>");
    let mut more = vec![
        ("Doc_0/Pages/P0.xml".to_string(), ofd_page("正文")),
        (
            "Doc_0/Attachs/Attachments.xml".to_string(),
            list.into_bytes(),
        ),
    ];
    more.extend((0..30).map(|i| (format!("Doc_0/Attachs/c{i}.ofd"), child.to_vec())));
    ofd(
        r#"<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/P0.xml"/></ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments>"#,
        &more,
    )
}

/// A compound file (made by the `cfb` crate) holding one empty stream named `stream`.
fn compound_file(stream: &str) -> Vec<u8> {
    let mut cfb = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    cfb.create_stream(format!("/{stream}")).unwrap();
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

/// The hostile corpus: (file name, bytes, what its line must say).
pub(super) fn corpus() -> Vec<(String, Vec<u8>, &'static str)> {
    let mut files: Vec<(String, Vec<u8>, &'static str)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, expect: &'static str| {
        files.push((name.to_string(), bytes, expect));
    };
    let good = docx(&marked("秘密★1年"), &[], &[]);
    // Not what their names say.
    add("docx-named.txt", good.clone(), "秘密★1年");
    add("docx-named.md", good.clone(), "秘密★1年");
    add("docx-without-extension", good.clone(), "秘密★1年");
    add(
        "archive-named.txt",
        zip_of(&[("a/b.txt", "机密★10年".as_bytes())]),
        "no document",
    );
    add(
        "archive-named.docx",
        zip_of(&[("a/b.txt", "机密★10年".as_bytes())]),
        "no document",
    );
    // A Word 97 document is read whatever its name; one whose compound file is
    // damaged says so, as does a damaged workbook; an Outlook message is refused.
    let word97 = std::fs::read(root().join("tests/fixtures/office/legacy/expired-header.doc"));
    add("word97-named.md", word97.unwrap(), "秘密★1年");
    add("word97-named.txt", compound_file("WordDocument"), "damaged");
    add("excel97-named.txt", compound_file("Workbook"), "damaged");
    add(
        "outlook-named.txt",
        compound_file("__substg1.0_0037001F"),
        "legacy",
    );
    add(
        "encrypted.docx",
        compound_file("EncryptedPackage"),
        "encrypted",
    );
    // RTF behind a text name: read as RTF, its GBK escapes decoded.
    add(
        "letter.txt",
        b"{\\rtf1\\ansi\\ansicpg936 \\'bb\\'fa\\'c3\\'dc\\u9733?10\\'c4\\'ea\\par}".to_vec(),
        "机密★10年",
    );
    let mut pdf = b"junk before the header\n".to_vec();
    pdf.extend(std::fs::read(root().join("tests/fixtures/office/pdf/page1.pdf")).unwrap());
    // Its mark is fine today: checked far in the future below.
    add("pdf-named.txt", pdf, "");
    // A decoy main part in the content types; the relationships name the real body.
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/decoy.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let decoy = format!(
        "<w:document {W}><w:body>{}</w:body></w:document>",
        para("正文")
    );
    let real = format!(
        "<w:document {W}><w:body>{}</w:body></w:document>",
        marked("秘密★1年")
    );
    add(
        "decoy.docx",
        zip_of(&[
            ("[Content_Types].xml", types.as_bytes()),
            (
                "_rels/.rels",
                rels(&[("officeDocument", "word/document.xml")]).as_bytes(),
            ),
            ("word/decoy.xml", decoy.as_bytes()),
            ("word/document.xml", real.as_bytes()),
        ]),
        "秘密★1年",
    );
    add(
        "missing-header.docx",
        docx(&para("正文"), &[("header", "header1.xml")], &[]),
        "missing part word/header1.xml",
    );
    // One per bound.
    add(
        "ratio-bomb.docx",
        docx(
            &para("正文"),
            &[("header", "h.xml")],
            &[("word/h.xml".into(), vec![b' '; 16 << 20])],
        ),
        "compression ratio 500:1",
    );
    let names: Vec<String> = (0..10_001).map(|i| format!("z/{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    add(
        "entries.docx",
        zip_of(&entries),
        "entries in one zip container 10000",
    );
    let deep = format!(
        "<w:hdr {W}>{}{}</w:hdr>",
        "<w:sdt>".repeat(100_000),
        "</w:sdt>".repeat(100_000)
    );
    add(
        "deep-xml.docx",
        docx(
            &para("正文"),
            &[("header", "h.xml")],
            &[("word/h.xml".into(), deep.into_bytes())],
        ),
        "XML nesting depth 512",
    );
    let (hrels, hentries) = headers(5000, "秘密★1年");
    let hrels: Vec<(&str, &str)> = hrels
        .iter()
        .map(|(k, t)| (k.as_str(), t.as_str()))
        .collect();
    add(
        "many-headers.docx",
        docx(&marked("秘密★1年"), &hrels, &hentries),
        "秘密★1年",
    );
    // The text bound of this tree is 4 MiB (max-file-size-mb: 4).
    let spaces = r#"<text:s text:c="1000"/>"#.repeat(10_000);
    let content = format!(
        r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:p>正文</text:p><text:p>{spaces}</text:p></office:text></office:body></office:document-content>"#
    );
    add(
        "text-bomb.odt",
        zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.as_bytes()),
        ]),
        "text read from one file 4 MiB",
    );
    let mut pages = String::from("<ofd:Pages>");
    for i in 0..1_000_000 {
        pages.push_str(&format!(r#"<ofd:Page ID="{i}" BaseLoc="Pages/P0.xml"/>"#));
    }
    pages.push_str("</ofd:Pages>");
    add(
        "page-million-times.ofd",
        ofd(
            &pages,
            &[("Doc_0/Pages/P0.xml".into(), ofd_page("秘密★1年"))],
        ),
        "秘密★1年",
    );
    let leaf = ofd(
        r#"<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/P0.xml"/></ofd:Pages>"#,
        &[("Doc_0/Pages/P0.xml".into(), ofd_page("秘密★1年"))],
    );
    let mut nested = leaf;
    for _ in 0..5 {
        nested = ofd_carrying(&nested);
    }
    add(
        "attachments-carrying-each-other.ofd",
        nested,
        "documents nested in documents 3",
    );
    files
}

/// Run mark-lint on `dir` with the address space bounded: a run that needed more
/// than `limit` would fail instead of passing.
fn run_bounded(dir: &Path, limit: u64, env: &[(&str, &str)]) -> (i32, String, String, Duration) {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mark-lint"));
    cmd.args(concise(&[dir.to_str().unwrap()]))
        .current_dir(dir)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env("MARK_LINT_PDF_WORKER", env!("CARGO_BIN_EXE_mark-lint"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            let l = libc::rlimit {
                rlim_cur: limit as libc::rlim_t,
                rlim_max: limit as libc::rlim_t,
            };
            libc::setrlimit(libc::RLIMIT_AS, &l);
            Ok(())
        });
    }
    let start = Instant::now();
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

#[test]
fn hostile_containers_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), "max-file-size-mb: 4\n").unwrap();
    let files = corpus();
    for (name, bytes, _) in &files {
        assert!(bytes.len() < 4 << 20, "{name}: {} bytes", bytes.len());
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let (code, stdout, stderr, took) = run_bounded(dir.path(), 3 << 30, &[]);
    assert!(matches!(code, 0 | 1), "exit {code}: {stderr}");
    assert!(took < Duration::from_secs(120), "{took:?}");
    for (name, _, expect) in files.iter().filter(|f| !f.2.is_empty()) {
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(&format!("/{name}")))
            .collect();
        assert!(
            lines.iter().any(|l| l.contains(expect)),
            "{name}: expected `{expect}` in\n{}",
            lines.join("\n")
        );
    }
    // The PDF behind a text name, with junk before its header, was read as a PDF.
    let pdf = dir.path().join("pdf-named.txt");
    let (_, stdout, _) = run_in(
        dir.path(),
        &[
            "check",
            "--today",
            "2060-01-01",
            "--format",
            "concise",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(
        stdout.contains("ML104") && stdout.contains("秘密★5年"),
        "{stdout}"
    );
}

/// With the run's PDF time budget spent, no PDF is read, and each says so.
#[test]
fn pdf_time_budget_of_the_run() {
    let (_, stdout, _, _) = run_bounded(
        &root().join("tests/fixtures/office/pdf"),
        4 << 30,
        &[("MARK_LINT_PDF_TIME_BUDGET", "0")],
    );
    let pdfs = std::fs::read_dir(root().join("tests/fixtures/office/pdf"))
        .unwrap()
        .count();
    let limited = stdout
        .lines()
        .filter(|l| l.contains("ML900") && l.contains("PDF time budget of the run 0 s"))
        .count();
    assert_eq!(limited, pdfs, "{stdout}");
}

/// However many jobs, no more PDF workers run at once than the memory budget holds:
/// with a budget of one worker's limit, a worker that notices another beside it
/// (a lock folder it cannot create) leaves a mark.
#[test]
fn pdf_workers_at_once_within_the_memory_budget() {
    let dir = tempfile::tempdir().unwrap();
    let lock = dir.path().join("lock");
    let worker = dir.path().join("worker.sh");
    std::fs::write(
        &worker,
        format!(
            "#!/bin/sh\ncat > /dev/null\nif ! mkdir '{l}' 2>/dev/null; then touch '{l}.overlap'; fi\nsleep 0.1\nrmdir '{l}' 2>/dev/null\nprintf '%s' '{{\"pages\":[{{\"text\":\"正文\",\"images\":0}}],\"created\":null,\"error\":null}}'\n",
            l = lock.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&worker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pdfs = dir.path().join("pdfs");
    std::fs::create_dir(&pdfs).unwrap();
    for i in 0..6 {
        // Whole in structure (startxref at its one object, %%EOF), or it is a cut file.
        let pdf = format!("%PDF-1.7\n1 0 obj\n{i}\nendobj\nstartxref\n9\n%%EOF\n");
        std::fs::write(pdfs.join(format!("{i}.pdf")), pdf).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(concise(&["--jobs", "6", pdfs.to_str().unwrap()]))
        .env("MARK_LINT_PDF_WORKER", &worker)
        .env("MARK_LINT_PDF_MEMORY_BUDGET", "2048")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("ML900"), "{stdout}");
    assert!(
        !dir.path().join("lock.overlap").exists(),
        "two workers ran at once"
    );
}
