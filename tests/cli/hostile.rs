//! The hostile corpus of issue 11, generated at test time and run in ONE invocation
//! under `--system unclassified` with the address space bounded: every class that once
//! made "no finding" false — bad bytes, invisible characters and star look-alikes in
//! marks, every line break, files that are not what their names say, container bombs,
//! special files, hostile ignore files, control characters and other encodings in
//! names, a file full of marks — together. The run finishes, exits 0, 1 or 2, and names
//! every file it was given: in a finding about its mark, or in an ML900 saying why it
//! could not be read. Set `MARK_LINT_HOSTILE_DIR` to keep the corpus there (the peak
//! memory script measures a run of it).

use super::bounds::mkfifo;
use super::*;

use std::os::unix::ffi::OsStrExt;

/// (file name as bytes, content): every file holds a mark (or is a file that cannot be
/// read), so "named in the report" is the oracle for every one of them.
fn text_classes() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut files: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>| files.push((name.as_bytes().to_vec(), bytes));
    let body = "\n\n关于城西水厂联络管工程的通知\n\n2026年3月5日\n";
    let text = |mark: &str| format!("{mark}{body}").into_bytes();
    // Bad bytes before, inside and after the mark; a GBK line pasted into UTF-8.
    let mut b = b"caf\xe9\n".to_vec();
    b.extend(text("秘密★5年"));
    add("latin1-before.txt", b);
    let mut b = "秘密★".as_bytes().to_vec();
    b.push(0xFF);
    b.extend("5年".as_bytes());
    b.extend(body.as_bytes());
    add("bad-byte-inside.txt", b);
    let mut b = text("秘密★5年");
    b.extend([0xE6, 0x9C]);
    add("cut-last-char.txt", b);
    let (gbk, _, _) = encoding_rs::GBK.encode("机密★10年");
    let mut b = "正文第一行\n".as_bytes().to_vec();
    b.extend(gbk.iter());
    b.extend(format!("\n{body}").as_bytes());
    add("gbk-line-in-utf8.md", b);
    let mut b = vec![0xFF, 0xFE];
    for u in "秘密★5年\n".encode_utf16() {
        b.extend(u.to_le_bytes());
    }
    b.extend([0x00, 0xD8, 0x0A, 0x00]);
    add("utf16-lone-surrogate.txt", b);
    let mut b = text("秘密★5年");
    b.insert(3, 0);
    add("nul-in-text", b);
    // Invisible characters and star look-alikes inside the mark; a label before one.
    for (name, mark) in [
        ("zwsp.md", "机\u{200B}密★10年"),
        ("soft-hyphen.md", "机密\u{AD}★10年"),
        ("variation.md", "机密★\u{FE0F}10年"),
        ("bidi.md", "机密\u{202E}★10年"),
        ("star-heavy.md", "机密✷10年"),
        ("star-emoji.md", "机密🌟10年"),
        ("star-operator.md", "机密⋆10年"),
        ("kangxi.md", "秘密★6个⽉"),
        ("label-star.md", "密级：绝密☆20年"),
        ("label-space.md", "密级：机密　3年"),
        ("formal-numeral.md", "机密★拾年"),
    ] {
        add(name, text(mark));
    }
    // Every line break, and one inside the mark's line.
    for (name, sep) in [
        ("cr.txt", "\r"),
        ("nel.txt", "\u{85}"),
        ("ls.txt", "\u{2028}"),
    ] {
        add(
            name,
            format!("秘密★5年{sep}{sep}正文{sep}{sep}2026年3月5日{sep}").into_bytes(),
        );
    }
    add("cr-in-line.txt", text("机密☆10年\r附注"));
    // A file full of marks: findings are capped, and counted.
    add(
        "full-of-marks.txt",
        "机密★10年\n".repeat(20_000).into_bytes(),
    );
    // A name that is not UTF-8: `【机密】报告.txt` in GBK.
    let (name, _, _) = encoding_rs::GBK.encode("【机密】报告.txt");
    files.push((name.into_owned(), "会议记录\n".as_bytes().to_vec()));
    // Control characters and line breaks in names.
    for (i, h) in ["\n::error::x", "\u{1b}[2J", "\u{202E}", "\u{2028}"]
        .iter()
        .enumerate()
    {
        files.push((format!("{i}{h}.md").into_bytes(), text("机密☆10年")));
    }
    files
}

#[test]
fn the_hostile_corpus_in_one_run() {
    let kept = std::env::var_os("MARK_LINT_HOSTILE_DIR").map(PathBuf::from);
    let temp = tempfile::tempdir().unwrap();
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".mark-lint.yaml"), "max-file-size-mb: 4\n").unwrap();
    let mut expected: Vec<Vec<u8>> = Vec::new();
    for (name, bytes, _) in super::containers::corpus() {
        std::fs::write(dir.join(&name), bytes).unwrap();
        expected.push(name.into_bytes());
    }
    for (name, bytes) in text_classes() {
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(&name)), bytes).unwrap();
        expected.push(name);
    }
    // Special files and hostile ignore files: each is named in an ML900.
    mkfifo(&dir.join("pipe.md"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.txt")).unwrap();
    std::fs::create_dir_all(dir.join("ign")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("ign/.gitignore")).unwrap();
    std::fs::write(dir.join("ign/b.md"), "机密☆1年\n").unwrap();
    std::fs::create_dir_all(dir.join("big-ignore")).unwrap();
    std::fs::write(
        dir.join("big-ignore/.marklintignore"),
        "x/**/*.tmp\n".repeat(200_000),
    )
    .unwrap();
    std::fs::write(dir.join("big-ignore/c.md"), "秘密☆1年\n").unwrap();
    for special in [
        "pipe.md",
        "zero.txt",
        "ign/.gitignore",
        "ign/b.md",
        "big-ignore/.marklintignore",
        "big-ignore/c.md",
    ] {
        expected.push(special.as_bytes().to_vec());
    }

    let started = std::time::Instant::now();
    let out = {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mark-lint"));
        cmd.args([
            "check",
            "--today",
            "2026-11-27",
            "--system",
            "unclassified",
            "--format",
            "json",
            ".",
        ])
        .current_dir(&dir)
        .env_remove("LANG")
        .env("MARK_LINT_PDF_WORKER", env!("CARGO_BIN_EXE_mark-lint"));
        // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                let limit = 3u64 << 30;
                let l = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                libc::setrlimit(libc::RLIMIT_AS, &l);
                Ok(())
            });
        }
        cmd.output().unwrap()
    };
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().unwrap_or(-1);
    assert!(matches!(code, 0..=2), "exit {code}: {stderr}");
    assert!(took < std::time::Duration::from_secs(120), "{took:?}");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"));
    let diags = report["diagnostics"].as_array().unwrap();
    // Paths as the report shows them: non-UTF-8 bytes escaped (`\xB9`), so compare on
    // the escaped form of each expected name.
    let shown: Vec<&str> = diags.iter().filter_map(|d| d["path"].as_str()).collect();
    // A name that is not UTF-8 shows every byte outside ASCII as `\xNN`.
    let escape = |name: &[u8]| -> String {
        match std::str::from_utf8(name) {
            Ok(s) => s.to_string(),
            Err(_) => name
                .iter()
                .map(|b| match b {
                    0x20..=0x7E => (*b as char).to_string(),
                    _ => format!("\\x{b:02X}"),
                })
                .collect(),
        }
    };
    let mut missing = Vec::new();
    for name in &expected {
        let plain = String::from_utf8_lossy(name).into_owned();
        let escaped = escape(name);
        let named = shown.iter().any(|p| {
            let p = p.trim_start_matches("./");
            p == plain || p == escaped || p.starts_with(&format!("{plain}!/"))
        });
        if !named {
            missing.push(escaped);
        }
    }
    assert!(
        missing.is_empty(),
        "files the run did not name: {missing:?}\npaths: {shown:?}\n{stderr}"
    );
    // Every finding is the mark (ML301) or why a file was not read (ML900): nothing
    // else runs on an unclassified system here, and nothing was silently dropped.
    for d in diags {
        let code = d["code"].as_str().unwrap();
        assert!(matches!(code, "ML301" | "ML900" | "ML304" | "ML901"), "{d}");
    }
    // The file full of marks was capped and counted.
    assert!(
        diags
            .iter()
            .any(|d| d["path"] == "full-of-marks.txt" && d["omitted"].as_u64() == Some(19_900)),
        "no count for the capped file"
    );
    drop(temp);
}
