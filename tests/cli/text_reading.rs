//! Reading text robustly (issue 11, items 1 and 7): damaged encodings are read or
//! reported (ML900 partly undecodable, an error under `system: unclassified`), never
//! silently misread; every line break is a line break in every reader. Hostile files
//! are generated here, at test time.

use super::*;

fn tree(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn outcome(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(dir, args);
    assert!(!stderr.contains("panicked"), "{stderr}");
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

fn utf16(s: &str, be: bool, bom: bool) -> Vec<u8> {
    let mut out = match (bom, be) {
        (false, _) => vec![],
        (true, false) => vec![0xFF, 0xFE],
        (true, true) => vec![0xFE, 0xFF],
    };
    out.extend(
        s.encode_utf16()
            .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() }),
    );
    out
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

const BODY: &str = "关于加强涉密载体管理工作的通知\n各单位：请认真贯彻执行。\n";

/// Under `system: unclassified` every mark read is ML301 and every part that could
/// not be read is ML900, both errors: each file below says which it is.
#[test]
fn damaged_encodings_are_read_or_reported() {
    let mark = "秘密★5年\n";
    let text = format!("{mark}{BODY}");
    let le_surrogate = {
        let mut b = utf16(&text, false, true);
        b.extend_from_slice(&[0x00, 0xD8]); // a lone high surrogate, then more text
        b.extend(utf16("正文继续\n", false, false));
        b
    };
    let be_surrogate = {
        let mut b = utf16(mark, true, false);
        b.extend_from_slice(&[0xDC, 0x01]); // a lone low surrogate on line 2
        b.extend(utf16(BODY, true, false));
        b
    };
    let dir = tree(&[
        // One Latin-1 byte among Latin letters: UTF-8 stays UTF-8, nothing to report.
        (
            "latin1-byte.txt",
            cat(&[text.as_bytes(), b"Caf\xE9 du commerce\n"]),
        ),
        // Cut inside its last character.
        ("cut.md", cat(&[text.as_bytes(), &"正文".as_bytes()[..5]])),
        // A GBK line pasted into UTF-8 minutes, holding the mark.
        (
            "pasted-gbk.txt",
            cat(&[
                "会议纪要\n".as_bytes(),
                &gbk(mark),
                "出席：张三\n".as_bytes(),
            ]),
        ),
        // GBK with a sequence no encoding reads on line 3.
        (
            "gbk-damaged.txt",
            cat(&[&gbk(&text), b"\xFF\xFF\xFF\n", &gbk("散会。\n")]),
        ),
        ("utf16le-surrogate.txt", le_surrogate),
        ("utf16be-surrogate.txt", be_surrogate),
        // UTF-16 of odd length: cut short.
        ("utf16-odd.txt", cat(&[&utf16(&text, false, true), b"\x41"])),
        // Unknown extension, a NUL and two control bytes on line 2: text, not binary.
        (
            "notes.dat",
            cat(&[mark.as_bytes(), b"\x00\x01\x02", BODY.as_bytes()]),
        ),
        // Bytes that decode to nothing inside the mark: the mark cannot be read.
        (
            "broken-mark.txt",
            cat(&[
                "秘密".as_bytes(),
                b"\xFF\xFE",
                "★5年\n".as_bytes(),
                BODY.as_bytes(),
            ]),
        ),
        // A real binary stays skipped, whatever it contains.
        (
            "image.bin",
            cat(&[b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", mark.as_bytes()]),
        ),
    ]);
    snap!(
        "damaged_encodings",
        outcome(
            dir.path(),
            &concise(&["--system", "unclassified", "--lang", "en", "."])
        )
    );
}

/// Each break, alone and mixed, in plain text, Markdown and HTML: a malformed mark on
/// the third line is reported on line 3.
#[test]
fn every_line_break_in_every_reader() {
    let breaks = [
        ("lf", "\n"),
        ("crlf", "\r\n"),
        ("cr", "\r"),
        ("nel", "\u{85}"),
        ("ls", "\u{2028}"),
        ("ps", "\u{2029}"),
    ];
    let mut files = Vec::new();
    for (name, br) in breaks {
        let lines = [
            "关于加强保密工作的通知",
            "正文第一段",
            "机密☆１０年",
            "结尾",
        ];
        files.push((format!("{name}.txt"), lines.join(br)));
        files.push((format!("{name}.md"), lines.join(br)));
        let html = format!(
            "<html><body>{br}<p>关于加强保密工作的通知</p>{br}<p>机密☆１０年</p>{br}</body></html>"
        );
        files.push((format!("{name}.html"), html));
    }
    files.push((
        "mixed.txt".into(),
        "标题\r正文\u{2028}机密☆１０年\r\n结尾\u{85}".into(),
    ));
    let owned: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone().into_bytes()))
        .collect();
    let dir = tree(&owned);
    let (code, stdout, stderr) = run_in(dir.path(), &concise(&["--select", "ML001", "."]));
    assert_eq!(code, 1, "{stderr}");
    snap!("every_line_break", stdout);
    // GB18030 and UTF-16 files with a CR-only line: the same line.
    let text = "标题\r正文\r机密☆１０年\r结尾\r";
    let dir = tree(&[
        ("gb.txt", encoding_rs::GB18030.encode(text).0.into_owned()),
        ("le.txt", utf16(text, false, true)),
    ]);
    let (_, stdout, _) = run_in(dir.path(), &concise(&["--select", "ML001", "."]));
    let lines: Vec<&str> = stdout.lines().map(|l| &l[..l.find(' ').unwrap()]).collect();
    assert_eq!(lines, ["gb.txt:3:1:", "le.txt:3:1:"], "{stdout}");
}

/// Inline suppressions count lines as the findings do: with CR-only or U+2028 breaks
/// the directive hides the mark on the next line, not another.
#[test]
fn suppressions_count_every_break() {
    for br in ["\r", "\u{2028}", "\u{85}"] {
        let text = [
            "标题",
            "<!-- mark-lint-disable-next-line ML001 -- 草稿，待定密责任人确定 -->",
            "机密☆１０年",
            "正文",
            "秘密☆５年",
        ]
        .join(br);
        let dir = tree(&[("a.md", text.into_bytes())]);
        let (_, stdout, stderr) = run_in(dir.path(), &concise(&["--select", "ML001", "."]));
        let lines: Vec<&str> = stdout.lines().map(|l| &l[..l.find(' ').unwrap()]).collect();
        assert_eq!(lines, ["a.md:5:1:"], "{br:?}: {stdout}{stderr}");
    }
}
