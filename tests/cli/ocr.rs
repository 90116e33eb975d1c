//! Scans (`tests/fixtures/scans`, see its README): the mark on image files and on
//! image-only PDF and OFD pages is read by OCR with the right level and term, unmarked
//! scans give no finding, and without Tesseract every scan behaves as documented.
//! Tests that need Tesseract with `chi_sim` print SKIPPED without it (CI installs it).

use super::*;

const TODAY: &str = "2026-11-27";

/// The scans and the mark each carries (`None`: unmarked).
const SCANS: &[(&str, Option<(&str, &str)>)] = &[
    ("page1-150.png", Some(("秘密", "5年"))),
    ("page1-200-q50.jpg", Some(("秘密", "5年"))),
    ("page1-300-g4.tif", Some(("秘密", "5年"))),
    ("page1-200-rot-2.ofd", Some(("秘密", "5年"))),
    ("header-200-rot2.jpg", Some(("机密", "10年"))),
    ("header-150-q30.pdf", Some(("机密", "10年"))),
    ("header-300-g4.pdf", Some(("机密", "10年"))),
    ("unmarked-200.png", None),
    ("unmarked-200-q75.pdf", None),
    ("unmarked-200.ofd", None),
];

fn scans() -> PathBuf {
    root().join("tests/fixtures/scans")
}

/// Run mark-lint in `cwd` with `env` set.
fn run_env(cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .envs(env.iter().copied())
        .output()
        .expect("mark-lint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A machine without Tesseract.
const NO_TESSERACT: (&str, &str) = ("MARK_LINT_TESSERACT", "/nonexistent/tesseract");

fn has_tesseract() -> bool {
    let ok = Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| {
            let all = [o.stdout, o.stderr].concat();
            String::from_utf8_lossy(&all)
                .lines()
                .any(|l| l.trim() == "chi_sim")
        });
    if !ok {
        skip(
            "Tesseract with chi_sim is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)",
        );
    }
    ok
}

/// The confidence of an OCR read may move with the engine's build: not snapshotted.
fn no_confidence(s: &str) -> String {
    let re = regex::Regex::new(r#""confidence": \d+"#).unwrap();
    re.replace_all(s, r#""confidence": [N]"#).into_owned()
}

/// Every scan on an unclassified system: each mark is ML301 with its level and term,
/// read by OCR; the unmarked scans give nothing at all.
#[test]
fn every_scan_gives_its_mark() {
    if !has_tesseract() {
        return;
    }
    for (file, want) in SCANS {
        let args = [
            "check",
            "--today",
            TODAY,
            "--system",
            "unclassified",
            "--format",
            "json",
            file,
        ];
        let (code, stdout, stderr) = run_env(&scans(), &[], &args);
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
        let diags = v["diagnostics"].as_array().unwrap();
        match want {
            Some((level, term)) => {
                assert_eq!(code, 1, "{file}: {stdout}{stderr}");
                let ml301: Vec<_> = diags.iter().filter(|d| d["code"] == "ML301").collect();
                assert_eq!(ml301.len(), 1, "{file}: {stdout}");
                let d = ml301[0];
                assert_eq!(d["mark"]["level"], *level, "{file}");
                assert_eq!(d["mark"]["term"], *term, "{file}");
                assert_eq!(d["source"], "ocr", "{file}");
                assert_eq!(d["part"], "page 1 (OCR)", "{file}");
                assert!(d["confidence"].as_u64().unwrap() >= 60, "{file}: {d}");
                assert!(
                    diags
                        .iter()
                        .all(|d| d["code"] != "ML001" && d["code"] != "ML900"),
                    "{file}: {stdout}"
                );
            }
            None => assert!(diags.is_empty() && code == 0, "{file}: {stdout}{stderr}"),
        }
    }
}

/// The default (classified archive) run on the folder, human and JSON: marks read by
/// OCR are judged for term and date like typed ones, and say where they were read.
#[test]
fn scans_folder_human_and_json() {
    if !has_tesseract() {
        return;
    }
    let dir = scans();
    let human = run_env(&dir, &[], &["check", "--today", TODAY, "--lang", "en", "."]);
    snap!(
        "ocr_scans_human",
        format!("exit: {}\n{}{}", human.0, human.1, human.2)
    );
    let zh = run_env(
        &dir,
        &[],
        &[
            "check", "--today", TODAY, "--lang", "zh", "--format", "concise", ".",
        ],
    );
    snap!(
        "ocr_scans_concise_zh",
        format!("exit: {}\n{}{}", zh.0, zh.1, zh.2)
    );
    let json = run_env(
        &dir,
        &[],
        &["check", "--today", TODAY, "--format", "json", "."],
    );
    snap!("ocr_scans_json", no_confidence(&json.1));
    let ledger = run_env(
        &dir,
        &[],
        &["inventory", "--today", TODAY, "--lang", "en", "."],
    );
    snap!("ocr_scans_inventory", ledger.1);
}

/// `--ocr never`, and a machine without Tesseract: image files are not documents (one
/// note says how many went unread and why), scanned PDF and OFD files are ML900 with
/// the way to install Tesseract; `--ocr always` there is an error (exit 2).
#[test]
fn without_ocr() {
    let dir = scans();
    let args = [
        "check", "--today", TODAY, "--lang", "en", "--format", "concise", ".",
    ];
    let none = run_env(&dir, &[NO_TESSERACT], &args);
    snap!(
        "ocr_absent",
        format!(
            "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            none.0, none.1, none.2
        )
    );
    let mut never = args.to_vec();
    never.extend(["--ocr", "never"]);
    let off = run_env(&dir, &[], &never);
    assert_eq!(off.1, none.1, "--ocr never is the same as no Tesseract");
    assert!(off.2.contains("5 image file(s) not checked"), "{}", off.2);
    assert!(off.2.contains("ocr: never"), "{}", off.2);
    let mut always = args.to_vec();
    always.extend(["--ocr", "always"]);
    let (code, stdout, stderr) = run_env(&dir, &[NO_TESSERACT], &always);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("tesseract-ocr-chi-sim"), "{stderr}");
    // The same from the config, naming the file and the key.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".mark-lint.yaml"), "ocr: always\n").unwrap();
    let (code, _, stderr) = run_env(tmp.path(), &[NO_TESSERACT], &["check", "."]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains(".mark-lint.yaml:1:1"), "{stderr}");
}

/// A picture that is no scan (a figure, a logo) reads as nothing: no finding, and no
/// ML900 either; a damaged image file is ML900 like any damaged document.
#[test]
fn pictures_are_not_findings() {
    if !has_tesseract() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let img = image::GrayImage::from_fn(300, 200, |x, y| image::Luma([((x * y) % 251) as u8]));
    img.save(tmp.path().join("figure.png")).unwrap();
    std::fs::write(tmp.path().join("broken.jpg"), b"\xFF\xD8\xFF\xE0\0\x10JFIF").unwrap();
    let (code, stdout, stderr) = run_env(
        tmp.path(),
        &[],
        &[
            "check", "--today", TODAY, "--lang", "en", "--format", "concise", ".",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stdout.contains("figure.png"), "{stdout}");
    assert!(stdout.contains("broken.jpg:1:1: ML900"), "{stdout}");
}
