//! File names and document text reach people escaped: no control character, line or
//! paragraph separator or bidirectional control from a name or a document leaves
//! mark-lint as it is in a human-facing format (human, concise, github, junit, the
//! ledger table and review, notes and errors on stderr). Names that are not UTF-8 are
//! printed losslessly, and a mark in a GBK-encoded name is read.
use super::bounds::timed;
use super::errors::temp_tree as tree;
use super::*;

/// Characters a name or a line may carry that must never reach the output as they are.
fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{61C}' | '\u{200E}' | '\u{200F}'
                | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// What hostile names and lines contain: every class, not only the newline of the report.
const HOSTILE: [&str; 12] = [
    "\n::error file=x.md,line=1::injected",
    "\r::warning::injected",
    "\u{1b}[2J\u{1b}[31mred",
    "\u{7}bell",
    "\u{7f}del",
    "\u{85}nel",
    "\u{9b}31mcsi",
    "\u{2028}ls",
    "\u{2029}ps",
    "\u{202E}gpj.exe",
    "\u{2067}isolate\u{2069}",
    "\ttab\u{b}vt\u{c}ff",
];

#[cfg(unix)]
fn hostile_tree() -> tempfile::TempDir {
    let dir = tree(&[]);
    for (i, h) in HOSTILE.iter().enumerate() {
        // A finding in each (a malformed star), and the hostile text in the line too
        // (after a line break of its own where it holds one: the finding stays on line 1).
        let line = if h.contains('\r') {
            format!("机密☆10年\n{h}\n\n正文。\n\n2026年3月5日\n")
        } else {
            format!("机密☆10年{h}\n\n正文。\n\n2026年3月5日\n")
        };
        let name = format!("{i}{h}.md");
        std::fs::write(dir.path().join(&name), line).unwrap();
        std::fs::create_dir_all(dir.path().join(format!("d{i}{h}"))).unwrap();
        std::fs::write(
            dir.path().join(format!("d{i}{h}/inner.md")),
            "秘密★1年\n\n2020年3月5日\n",
        )
        .unwrap();
    }
    dir
}

fn check_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|c| forbidden(*c)) {
        panic!("{what}: U+{:04X} reached the output:\n{text}", c as u32);
    }
}

#[cfg(unix)]
#[test]
fn hostile_names_and_lines_are_escaped_in_every_human_format() {
    let dir = hostile_tree();
    let d = dir.path();
    let base = ["check", "--today", "2026-11-27", "--lang", "en"];
    for format in ["human", "concise", "github", "junit"] {
        for extra in [&[][..], &["--no-snippets"], &["--statistics"]] {
            let args = [&base[..], &["--format", format], extra].concat();
            let (code, out, err) = timed(d, &args, 20);
            assert_eq!(code, 1, "{args:?}: {err}");
            check_clean(&format!("{args:?} stdout"), &out);
            check_clean(&format!("{args:?} stderr"), &err);
            if format == "github" {
                // One command per finding: nothing injected.
                let commands = out.lines().filter(|l| l.starts_with("::")).count();
                assert_eq!(commands, out.lines().count(), "{out}");
                // Control characters inside document text are also reported (ML900,
                // partly undecodable): count the two findings every file has.
                let marks = out
                    .lines()
                    .filter(|l| l.contains("title=ML001") || l.contains("title=ML104"))
                    .count();
                assert_eq!(marks, 2 * HOSTILE.len(), "{out}");
                assert!(
                    !out.contains("injected::") && !out.contains("::injected"),
                    "{out}"
                );
            }
            if format == "concise" && extra.is_empty() {
                // Every file is named, escaped.
                let marks = out
                    .lines()
                    .filter(|l| l.contains(": ML001 ") || l.contains(": ML104 "))
                    .count();
                assert_eq!(marks, 2 * HOSTILE.len(), "{out}");
                for needle in [
                    "0\\n::error",
                    "1\\r::warning",
                    "2\\x1B[2J",
                    "5\\u{85}nel",
                    "9\\u{202E}gpj",
                    "d7\\u{2028}ls/inner.md",
                ] {
                    assert!(out.contains(needle), "{needle} not in {out}");
                }
            }
        }
    }
    for extra in [&["--format", "table"][..], &["--review"]] {
        let args = [
            &["inventory", "--today", "2026-11-27", "--lang", "en"][..],
            extra,
        ]
        .concat();
        let (code, out, err) = timed(d, &args, 20);
        assert_eq!(code, 0, "{err}");
        check_clean(&format!("{args:?}"), &out);
        assert!(out.contains("d3\\x07bell/inner.md"), "{out}");
    }
    // Notes on stderr: stale baseline entries name paths from the baseline file.
    let baseline = r#"{"version":1,"tool":"mark-lint","salt":"00","entries":[{"code":"ML104","path":"gone\n::error::x\u001b[2J.md","hash":"0"}]}"#;
    std::fs::write(d.join("b.json"), baseline).unwrap();
    let (_, out, err) = timed(
        d,
        &concise(&[
            "--baseline",
            "b.json",
            "--output",
            "json=out\u{1b}.json",
            "0\n::error file=x.md,line=1::injected.md",
        ]),
        20,
    );
    check_clean("notes", &err);
    check_clean("stdout", &out);
    assert!(
        err.contains("stale: ML104 gone\\n::error::x\\x1B[2J.md"),
        "{err}"
    );
    // Errors name paths escaped too.
    for name in ["missing\n::error::x.md", "missing\u{1b}[2J.md"] {
        let (code, _, err) = timed(d, &concise(&[name]), 10);
        assert_eq!(code, 2);
        check_clean("error", &err);
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// Names that are not UTF-8: printed losslessly in every format, and read for marks.
#[cfg(unix)]
#[test]
fn names_in_other_encodings() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tree(&[]);
    let d = dir.path();
    let body = "关于某事的通知\n\n正文。\n";
    // `【机密】报告.txt` and `【秘密】通知.md` in GBK, and a name with one stray byte.
    let names: [&[u8]; 3] = [
        b"\xa1\xbe\xbb\xfa\xc3\xdc\xa1\xbf\xb1\xa8\xb8\xe6.txt",
        b"\xa1\xbe\xc3\xd8\xc3\xdc\xa1\xbf\xcd\xa8\xd6\xaa.md",
        b"plain\xff.md",
    ];
    for n in names {
        std::fs::write(d.join(std::ffi::OsStr::from_bytes(n)), body).unwrap();
    }
    let (code, out, err) = timed(d, &concise(&["--lang", "en"]), 20);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "\\xA1\\xBE\\xBB\\xFA\\xC3\\xDC\\xA1\\xBF\\xB1\\xA8\\xB8\\xE6.txt:1:1: ML201 [error] the document has no banner mark, but the file name says `【机密】`\n\
         \\xA1\\xBE\\xC3\\xD8\\xC3\\xDC\\xA1\\xBF\\xCD\\xA8\\xD6\\xAA.md:1:1: ML201 [error] the document has no banner mark, but the file name says `【秘密】`\n"
    );
    // JSON carries the same lossless path; names differ, so findings do not merge.
    let (_, out, _) = timed(
        d,
        &["check", "--today", "2026-11-27", "--format", "json"],
        20,
    );
    assert!(
        out.contains(
            r#""path": "\\xA1\\xBE\\xBB\\xFA\\xC3\\xDC\\xA1\\xBF\\xB1\\xA8\\xB8\\xE6.txt""#
        ),
        "{out}"
    );
    assert!(out.contains(r#""files": 3"#), "{out}");
    // Named on the command line too.
    let named = std::ffi::OsStr::from_bytes(names[1]);
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(["check", "--today", "2026-11-27", "--format", "concise"])
        .arg(named)
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ML201"));
}

/// Run git in `dir` without the user's configuration; it must succeed.
fn git_in(dir: &Path, args: &[&std::ffi::OsStr]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// `--staged` with names git writes as raw bytes: every file is checked, none fails the run.
#[cfg(unix)]
#[test]
fn staged_names_in_other_encodings() {
    use std::os::unix::ffi::OsStrExt;
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: git is not installed");
        return;
    }
    let dir = tree(&[("ok.md", "机密★30年\n\n正文。\n\n2026年3月5日\n".as_bytes())]);
    let d = dir.path();
    let git = |args: &[&std::ffi::OsStr]| git_in(d, args);
    git(&["init".as_ref(), "-q".as_ref()]);
    let gbk = std::ffi::OsStr::from_bytes(b"\xa1\xbe\xbb\xfa\xc3\xdc\xa1\xbf\xb1\xa8\xb8\xe6.txt");
    std::fs::write(d.join(gbk), "关于某事的通知\n\n正文。\n").unwrap();
    let newline = std::ffi::OsStr::new("n\n::error::x.md");
    std::fs::write(d.join(newline), "机密☆10年\n").unwrap();
    git(&["add".as_ref(), "ok.md".as_ref(), gbk, newline]);
    let (code, out, err) = timed(d, &concise(&["--staged", "--lang", "en"]), 20);
    assert_eq!(code, 1, "{err}");
    check_clean("staged", &out);
    let mut files: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
    files.dedup();
    assert_eq!(
        files,
        [
            "\\xA1\\xBE\\xBB\\xFA\\xC3\\xDC\\xA1\\xBF\\xB1\\xA8\\xB8\\xE6.txt",
            "n\\n",
            "ok.md"
        ],
        "{out}"
    );
}

/// A large staged blob is refused without being read; the others are checked.
#[test]
fn staged_blobs_over_the_limit() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("SKIPPED: git is not installed");
        return;
    }
    let dir = tree(&[
        (".mark-lint.yaml", b"max-file-size-mb: 1\nlang: en\n"),
        ("a.md", "机密★30年\n\n正文。\n\n2026年3月5日\n".as_bytes()),
    ]);
    let d = dir.path();
    std::fs::write(d.join("big.md"), "秘密★1年\n".repeat(200_000)).unwrap();
    for args in [&["init", "-q"][..], &["add", "."]] {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        git_in(d, &args);
    }
    let (code, out, err) = timed(d, &concise(&["--staged"]), 20);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "a.md:1:1: ML101 [error] mark `机密★30年`: term 30年 exceeds the 机密 maximum of 20年 (unless provided otherwise, 保密法 Art. 20 ¶2): the 定密责任人 checks the basis; without one, the term is changed through the change procedure\n\
         big.md:1:1: ML900 [warning] file could not be inspected: file exceeds the size limit (3 MB > 1 MB); it may hide a mark, so check it by hand\n"
    );
}
