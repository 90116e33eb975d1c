//! Archives walked like folders (zip, tar, gzip) and email messages, built at test time
//! in a temporary folder: findings name the member (`bundle.zip!/通知/附件1.txt`) in
//! every output, the ledger and the baseline; what cannot be read is an ML900 naming
//! why; an archive of nothing gives nothing. Runs say `--ocr never`: image members are
//! then skipped on every machine, whether Tesseract is installed or not.

use std::time::{Duration, Instant};

use super::archive_kit::{gzip, tar_of};
use super::*;

const TODAY: &str = "2026-11-27";

/// A marked notice whose one-year term has expired (ML104 names the mark).
fn notice(mark: &str) -> Vec<u8> {
    format!("000001\n{mark}\n云岭市水务局关于做好汛前检查的通知\n正文。\n2024年3月5日\n")
        .into_bytes()
}

/// Replace every `from` by `to` (the same length): a zip name in both its headers.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(from.len()).position(|w| w == from) {
        bytes[at + i..at + i + from.len()].copy_from_slice(to);
        at += i + 1;
    }
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

/// A zip whose names are GBK without the UTF-8 flag, as Windows' built-in zip writes
/// them: written under ASCII names of the same length, then renamed in place.
fn gbk_zip() -> Vec<u8> {
    let mut zip = zip_of(&[("AAAA/BBBBBBBB.txt", &notice("秘密★1年"))]);
    patch(&mut zip, b"AAAA", &gbk("文件"));
    patch(&mut zip, b"BBBBBBBB", &gbk("会议纪要"));
    zip
}

/// Zips nested `levels` deep, each level marked `秘密★{level}年`.
fn nested_zip(levels: usize) -> Vec<u8> {
    let mut bytes = zip_of(&[("leaf.txt", &notice("绝密★30年"))]);
    for level in (1..=levels).rev() {
        bytes = zip_of(&[
            (&format!("z{level}.zip"), &bytes),
            (
                &format!("m{level}.txt"),
                &notice(&format!("秘密★{level}年")),
            ),
        ]);
    }
    bytes
}

/// A zip with one member flagged as encrypted (bit 0 of its flags, in both headers).
fn locked_zip() -> Vec<u8> {
    let mut zip = zip_of(&[("密件.txt", &notice("机密★1年"))]);
    let local = zip.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
    zip[local + 6] |= 1;
    let central = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    zip[central + 8] |= 1;
    zip
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= c.len() {
                A[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// A message as a Chinese mail client writes it: GB2312 subject (RFC 2047), GBK
/// quoted-printable body, a .docx attachment with a GB2312-encoded name.
fn gbk_email(subject: &str, body: &str, attachment: (&str, &[u8])) -> Vec<u8> {
    let word = |s: &str| format!("=?GB2312?B?{}?=", base64(&gbk(s)));
    let qp: String = gbk(body)
        .iter()
        .map(|b| match b {
            b'\n' => "\r\n".to_string(),
            b if b.is_ascii_alphanumeric() => (*b as char).to_string(),
            b => format!("={b:02X}"),
        })
        .collect::<Vec<_>>()
        .concat()
        .lines()
        .map(|l| {
            // Soft breaks keep lines under the 76-character limit.
            l.as_bytes()
                .chunks(72)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("=\r\n")
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    format!(
        "From: =?GB2312?B?{from}?= <bgs@example.cn>\r\nTo: all@example.cn\r\nSubject: {subject}\r\nDate: Thu, 5 Mar 2026 08:00:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=\"GBK\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n--=_b\r\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{data}\r\n--=_b--\r\n",
        from = base64(&gbk("办公室")),
        subject = word(subject),
        name = word(attachment.0),
        data = base64(attachment.1),
    )
    .into_bytes()
}

/// A folder holding `files`.
fn folder(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    folder_of(&refs)
}

fn bundle() -> Vec<u8> {
    zip_of(&[
        ("通知/", b""),
        ("通知/附件1.txt", &notice("秘密★1年")),
        ("通知/照片.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
    ])
}

fn email() -> Vec<u8> {
    let attached = docx(&["000002", "机密★1年", "关于检查的报告", "2024年3月5日"]);
    gbk_email(
        "关于汛前检查的通知",
        "各单位：\n请按附件要求做好检查。\n",
        ("附件1.docx", &attached),
    )
}

/// `run`, in `dir`, for a snapshot.
fn run_at(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(dir, args);
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

#[test]
fn member_path_in_human_and_json_output() {
    let dir = folder(&[("bundle.zip", bundle())]);
    snap!(
        "archives_member_human",
        run_at(
            dir.path(),
            &["check", "--today", TODAY, "--ocr", "never", "bundle.zip"]
        )
    );
    snap!(
        "archives_member_json",
        run_at(
            dir.path(),
            &[
                "check",
                "--today",
                TODAY,
                "--ocr",
                "never",
                "--format",
                "json",
                "bundle.zip"
            ]
        )
    );
}

/// Every kind of archive and message in one run: what each holds, or why not.
#[test]
fn archives_and_messages_concise() {
    let tar = tar_of(&[("docs/报告.txt", &notice("机密★1年"))]);
    let dir = folder(&[
        ("bundle.zip", bundle()),
        ("gbk.zip", gbk_zip()),
        ("nested2.zip", nested_zip(2)),
        ("nested10.zip", nested_zip(10)),
        (
            "escape.zip",
            zip_of(&[("../../x.txt", b"x"), ("ok.txt", &notice("秘密★1年"))]),
        ),
        ("locked.zip", locked_zip()),
        ("empty.zip", zip_of(&[])),
        ("images.zip", zip_of(&[("a.png", b"\x89PNG\r\n\x1a\n\0\0")])),
        ("plain.tar", tar.clone()),
        ("packed.tgz", gzip(&tar)),
        (
            "packed.tar.gz",
            gzip(&tar_of(&[("b.txt", &notice("秘密★1年"))])),
        ),
        ("cut.tar", tar[..1024 + 100].to_vec()),
        ("notice.txt.gz", gzip(&notice("绝密★1年"))),
        ("bomb.gz", gzip(&vec![b' '; 64 << 20])),
        ("a.rar", b"Rar!\x1a\x07\x01\x00rest".to_vec()),
        ("b.7z", b"7z\xbc\xaf\x27\x1c\x00\x04rest".to_vec()),
        ("报告.eml", email()),
        ("app.jar", zip_of(&[("a.txt", &notice("秘密★1年"))])),
    ]);
    let start = Instant::now();
    snap!(
        "archives_concise",
        run_at(
            dir.path(),
            &concise(&["--ocr", "never", "--select", "ML104,ML900", "."])
        )
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

/// Under `--system unclassified` a mark in a zip member and in an email attachment is
/// ML301: archives and mail are where documents leave a classified system.
#[test]
fn unclassified_finds_marks_in_members_and_attachments() {
    let dir = folder(&[("bundle.zip", bundle()), ("报告.eml", email())]);
    let out = run_at(
        dir.path(),
        &concise(&[
            "--ocr",
            "never",
            "--system",
            "unclassified",
            "--select",
            "ML301",
            ".",
        ]),
    );
    assert!(
        out.contains("bundle.zip!/通知/附件1.txt:2:1: ML301"),
        "{out}"
    );
    assert!(out.contains("报告.eml!/附件1.docx:2:1: ML301"), "{out}");
    snap!("archives_unclassified", out);
}

/// The formats of an office share, one of each, on an unclassified system: a mark in
/// a .doc, a .wps, an .xls, an .rtf, a zip member and an email attachment is ML301.
#[test]
fn unclassified_finds_marks_in_every_office_format() {
    let fixture =
        |rel: &str| std::fs::read(root().join("tests/fixtures/office").join(rel)).unwrap();
    let dir = folder(&[
        ("公文.doc", fixture("legacy/body.doc")),
        ("公文.wps", fixture("legacy/header.doc")),
        ("台账.xls", fixture("legacy/sheet.xls")),
        ("报告.rtf", fixture("rtf/footer.rtf")),
        ("bundle.zip", bundle()),
        ("报告.eml", email()),
    ]);
    let (code, out, err) = run_in(
        dir.path(),
        &concise(&[
            "--ocr",
            "never",
            "--system",
            "unclassified",
            "--select",
            "ML301",
            ".",
        ]),
    );
    // The photo in the bundle is the one thing not read, and the run says so.
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.starts_with("mark-lint: 1 image file(s) not checked") && err.lines().count() == 1,
        "{err}"
    );
    for want in [
        "公文.doc:2:1: ML301",
        "公文.wps:1:1: ML301",
        "台账.xls:1:1: ML301",
        "报告.rtf:1:1: ML301",
        "bundle.zip!/通知/附件1.txt:2:1: ML301",
        "报告.eml!/附件1.docx:2:1: ML301",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(want)),
            "{want} not in\n{out}"
        );
    }
}

/// An archive's own name is read like any file name: `【机密】资料.zip` on an
/// unclassified system is ML301 even when its members are clean, and a file-name rule
/// sees it; on a classified system the labelled carrier gives nothing of its own.
#[test]
fn an_archive_name_that_declares_a_level() {
    let clean = zip_of(&[("说明.txt", "会议安排见附件。\n".as_bytes())]);
    let dir = folder(&[("【机密】资料.zip", clean)]);
    let (code, out, _) = run_in(
        dir.path(),
        &concise(&["--ocr", "never", "--system", "unclassified", "."]),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("【机密】资料.zip:1:1: ML301"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (code, out, _) = run_in(dir.path(), &concise(&["--ocr", "never", "."]));
    assert_eq!((code, out.as_str()), (0, ""));
}

/// The subject and the body of a GBK message are read: a mark in the subject is found.
#[test]
fn message_subject_is_read() {
    let attached = docx(&["正文"]);
    let dir = folder(&[(
        "a.eml",
        gbk_email("机密★1年 通知", "正文。\n", ("b.docx", &attached)),
    )]);
    let out = run_at(
        dir.path(),
        &concise(&[
            "--ocr",
            "never",
            "--system",
            "unclassified",
            "--select",
            "ML301",
            ".",
        ]),
    );
    assert!(out.contains("a.eml:1:1: ML301"), "{out}");
}

/// The ledger has a row for a marked member, named by its path inside the archive;
/// the archive itself has none.
#[test]
fn inventory_rows_for_members() {
    let dir = folder(&[("bundle.zip", bundle()), ("报告.eml", email())]);
    snap!(
        "archives_inventory",
        run_at(
            dir.path(),
            &["inventory", "--today", TODAY, "--ocr", "never", "."]
        )
    );
}

/// A finding inside a zip member goes into the baseline with its inner path, and the
/// baseline then hides it.
#[test]
fn baseline_round_trip_inside_a_member() {
    let dir = folder(&[("bundle.zip", bundle())]);
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "check", "--today", TODAY, "--ocr", "never", "--format", "concise",
        ];
        a.extend_from_slice(extra);
        a.push(".");
        a
    };
    let (before, _) = run_expect(dir.path(), &args(&[]), 1);
    assert!(before.contains("bundle.zip!/通知/附件1.txt"), "{before}");
    run_expect(dir.path(), &args(&["--write-baseline", "b.json"]), 0);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let entries = baseline["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "{baseline}");
    // Findings about the member name it; ML206 (the unmarked archive below its 秘密
    // member) is about the archive itself.
    assert!(
        entries.iter().all(|e| e["path"] == "bundle.zip"
            && (e["inner"] == serde_json::json!(["通知/附件1.txt"]) || e["code"] == "ML206")),
        "{baseline}"
    );
    let (after, _) = run_expect(dir.path(), &args(&["--baseline", "b.json"]), 0);
    assert!(!after.contains("附件1.txt"), "{after}");
}

/// Archives and messages from real producers, made at test time: Info-ZIP `zip` (UTF-8
/// names without the flag, and GBK names as a Chinese Windows leaves them on disk), GNU
/// `tar` with gzip, Python's `tarfile` (PAX headers for non-ASCII names) and Python's
/// `email` package (a GB2312 subject, a base64 attachment). Each member's expired mark
/// is found under its decoded name.
#[cfg(unix)]
#[test]
fn archives_and_messages_from_real_producers() {
    use std::os::unix::ffi::OsStrExt;
    let tools = ["zip", "tar", "python3"];
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| Command::new(t).arg("--version").output().is_err())
        .collect();
    if !missing.is_empty() {
        skip(&format!(
            "{missing:?} not installed (apt-get install zip tar python3)"
        ));
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("通知")).unwrap();
    std::fs::write(src.join("通知/附件1.txt"), notice("秘密★1年")).unwrap();
    // A folder named in GBK bytes (旧档 in GBK), as unpacked on a Chinese Windows.
    let gbk_bytes = gbk("旧档");
    let gbk_name = std::ffi::OsStr::from_bytes(&gbk_bytes);
    std::fs::create_dir_all(src.join(gbk_name)).unwrap();
    std::fs::write(src.join(gbk_name).join("a.txt"), notice("机密★1年")).unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let sh = |cmd: &str| {
        let status = Command::new("sh")
            .args(["-c", cmd])
            .current_dir(&src)
            .env("OUT", &out)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    sh("zip -qr \"$OUT/utf8.zip\" 通知");
    sh("zip -qr \"$OUT/gbk.zip\" \"$(printf '\\276\\311\\265\\265')\"");
    sh("tar -czf \"$OUT/gnu.tar.gz\" 通知");
    sh(r#"python3 - "$OUT" <<'PY'
import sys, tarfile, email.message, email.policy
out = sys.argv[1]
with tarfile.open(f"{out}/pax.tar", "w", format=tarfile.PAX_FORMAT) as t:
    t.add("通知/附件1.txt")
m = email.message.EmailMessage(policy=email.policy.SMTP)
m["Subject"] = "关于汛前检查的通知"
m["From"] = "办公室 <office@example.cn>"
m["Date"] = "Thu, 05 Mar 2026 09:00:00 +0800"
m.set_content("各单位：\n请按附件要求做好检查。\n", charset="gb2312")
m.add_attachment(open("通知/附件1.txt", "rb").read(), maintype="text", subtype="plain", filename="附件1.txt")
open(f"{out}/通知.eml", "wb").write(bytes(m))
PY"#);
    let (code, stdout, stderr) = run_in(
        &out,
        &concise(&["--ocr", "never", "--select", "ML104", "."]),
    );
    assert_eq!((code, stderr.as_str()), (1, ""), "{stdout}");
    for want in [
        "utf8.zip!/通知/附件1.txt:2:1: ML104",
        "gbk.zip!/旧档/a.txt:2:1: ML104",
        "gnu.tar.gz!/通知/附件1.txt:2:1: ML104",
        "pax.tar!/通知/附件1.txt:2:1: ML104",
        "通知.eml!/附件1.txt:2:1: ML104",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(want)),
            "{want} not in\n{stdout}"
        );
    }
}
