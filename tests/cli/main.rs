//! CLI tests: the real binary on fixture folders, snapshotting exit code, stdout and
//! stderr. Tests that read `../shared/` (the law and the corpora) print a visible skip
//! message when it is absent (a fresh clone) and run in `.ci/run`.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../support/archives.rs"]
mod archive_kit;
#[path = "../support/skip.rs"]
mod support;
use support::skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run mark-lint in `cwd` (relative to the repo) and render the outcome for a snapshot.
fn run_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("mark-lint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `run_in` that insists on the exit code (stderr shown when it differs).
#[track_caller]
fn run_expect(cwd: &Path, args: &[&str], code: i32) -> (String, String) {
    let (got, stdout, stderr) = run_in(cwd, args);
    assert_eq!(got, code, "{args:?}\n{stdout}{stderr}");
    (stdout, stderr)
}

fn run(args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(&root(), args);
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

/// `check --today 2026-11-27 --format concise` followed by `extra`: the arguments most
/// tree and corpus tests run with.
fn concise<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["check", "--today", "2026-11-27", "--format", "concise"];
    args.extend_from_slice(extra);
    args
}

fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("law").is_dir() {
        Some(p)
    } else {
        skip("../shared/ is not here (a fresh clone); .ci/run runs this test");
        None
    }
}

/// A temporary folder holding `files` (paths relative to it).
fn folder_of(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

/// OOXML relationship types.
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A Word paragraph of one run.
fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// An OOXML relationships part: `rId<i>` of each (type, target).
fn rels(list: &[(&str, &str)]) -> String {
    let mut s = String::from(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (kind, target)) in list.iter().enumerate() {
        s.push_str(&format!(
            r#"<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{target}"/>"#
        ));
    }
    s + "</Relationships>"
}

/// A deflated zip of `entries`: how office documents are built in tests.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

/// A minimal .docx with `paras` as its body.
fn docx(paras: &[&str]) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let body: String = paras.iter().map(|p| para(p)).collect();
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc = format!("<w:document {w}><w:body>{body}</w:body></w:document>");
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
    ])
}

/// `cmd` isolated from the caller's git and locale: no inherited `GIT_*` variable (a test
/// run from a git hook inherits GIT_DIR and GIT_INDEX_FILE, which would point at
/// mark-lint's own repository), HOME and an empty global git config in `home`, a fixed
/// author, no system config.
fn isolate_git(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home)
        // An empty file rather than /dev/null: the same on every platform.
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
}

/// OFD's namespace, as GB/T 33190-2016 names it.
const OFD_NS: &str = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;

/// An OFD page of one text object.
fn ofd_page(text: &str) -> Vec<u8> {
    format!(r#"<ofd:Page {OFD_NS}><ofd:Content><ofd:Layer><ofd:TextObject ID="1" Boundary="28 37 150 6" Font="1" Size="5.6"><ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"#).into_bytes()
}

/// An OFD of one document whose `Document.xml` holds `document_body`, with the parts
/// `more`.
fn ofd(document_body: &str, more: &[(String, Vec<u8>)]) -> Vec<u8> {
    ofd_with_info("", document_body, more)
}

/// `ofd` with `doc_info` (the inside of `ofd:DocInfo`: `ofd:CustomDatas` …) in
/// `OFD.xml`.
fn ofd_with_info(doc_info: &str, document_body: &str, more: &[(String, Vec<u8>)]) -> Vec<u8> {
    let info = match doc_info {
        "" => String::new(),
        _ => format!("<ofd:DocInfo>{doc_info}</ofd:DocInfo>"),
    };
    let root = format!(
        r#"<ofd:OFD {OFD_NS} Version="1.0" DocType="OFD"><ofd:DocBody>{info}<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
    );
    let document = format!(r#"<ofd:Document {OFD_NS}>{document_body}</ofd:Document>"#);
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("OFD.xml", root.as_bytes()),
        ("Doc_0/Document.xml", document.as_bytes()),
    ];
    entries.extend(more.iter().map(|(n, d)| (n.as_str(), d.as_slice())));
    zip_of(&entries)
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![(r#""version": "\d+\.\d+\.\d+""#, r#""version": "[VERSION]""#)]}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

mod archives;
mod bounds;
mod cache;
mod carriers;
mod check;
#[cfg(unix)]
mod containers;
mod errors;
mod formats;
mod history;
#[cfg(unix)]
mod hostile;
mod inventory_html;
mod labels;
mod legacy;
mod names;
mod ocr;
mod office;
mod outputs;
mod paths;
mod precommit;
mod redaction;
mod server;
mod shared_corpora;
mod text_reading;
mod training;
mod trees;
mod workflow;
