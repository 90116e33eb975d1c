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

/// A machine without pdftoppm.
const NO_PDFTOPPM: (&str, &str) = ("MARK_LINT_PDFTOPPM", "/nonexistent/pdftoppm");

fn has_pdftoppm() -> bool {
    let ok = Command::new("pdftoppm")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip("pdftoppm is not installed (apt-get install poppler-utils)");
    }
    ok
}

/// The diagnostics of `check --format json` on an unclassified system, and its exit code.
fn unclassified_json(
    cwd: &Path,
    env: &[(&str, &str)],
    file: &str,
) -> (i32, Vec<serde_json::Value>) {
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
    let (code, stdout, stderr) = run_env(cwd, env, &args);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("{file}: {e}\n{stdout}{stderr}");
    });
    (code, v["diagnostics"].as_array().unwrap().clone())
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
    if !has_tesseract() || !has_pdftoppm() {
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
    // The ledger says which marks were read by OCR, and how surely, in every format.
    let csv = run_env(
        &dir,
        &[],
        &[
            "inventory",
            "--today",
            TODAY,
            "--lang",
            "en",
            "--format",
            "csv",
            ".",
        ],
    );
    snap!("ocr_scans_inventory_csv", csv.1.replace("\r\n", "\n"));
    let csv_zh = run_env(
        &dir,
        &[],
        &[
            "inventory",
            "--today",
            TODAY,
            "--lang",
            "zh",
            "--format",
            "csv",
            ".",
        ],
    );
    snap!("ocr_scans_inventory_csv_zh", csv_zh.1.replace("\r\n", "\n"));
    let html = run_env(
        &dir,
        &[],
        &[
            "inventory",
            "--today",
            TODAY,
            "--lang",
            "en",
            "--format",
            "html",
            ".",
        ],
    );
    let tags = html.1.matches("<span class=\"tag ocr\"").count();
    let rows = csv.1.lines().filter(|l| l.contains(",ocr,")).count();
    assert!(rows >= 10, "{}", csv.1);
    assert_eq!(tags, rows, "one OCR tag per row read by OCR");
}

/// `--ocr never`, and a machine without Tesseract: image files that look like scanned
/// pages (all of this folder's) are ML900 saying why they were not read and how to
/// install Tesseract, or that OCR is off; scanned PDF and OFD files are ML900 with the
/// way to install Tesseract; `--ocr always` there is an error (exit 2).
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
    snap!(
        "ocr_never",
        format!(
            "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            off.0, off.1, off.2
        )
    );
    // The same files are findings, for the reason of each run.
    let said = |out: &str, why: &str| {
        out.lines()
            .filter(|l| l.contains(why))
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let images = said(&none.1, "OCR is not installed");
    // Every image file of the folder (the PDFs and OFDs say "no text layer").
    assert_eq!(images.len(), 12, "{}", none.1);
    assert_eq!(said(&off.1, "OCR is turned off"), images);
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

/// Page images the in-process decoder cannot decode — JPEG 2000 (Pillow's OpenJPEG,
/// wrapped by img2pdf) and JBIG2 (a generic region, see the fixtures' README) — are
/// rendered by pdftoppm, the band only, and read: the mark is found. Without pdftoppm
/// each is ML900 with the decoder's reason and the package to install.
#[test]
fn undecodable_page_images_rendered_by_pdftoppm() {
    if !has_tesseract() {
        return;
    }
    let files = [
        ("page1-150-jpx.pdf", "JPXDecode"),
        ("page1-200-jbig2.pdf", "JBIG2Decode"),
    ];
    for (file, filter) in files {
        let (code, diags) = unclassified_json(&scans(), &[NO_PDFTOPPM], file);
        assert_eq!(code, 1, "{file}: {diags:?}");
        assert_eq!(diags.len(), 1, "{file}: {diags:?}");
        let msg = diags[0]["message"].as_str().unwrap();
        assert_eq!(diags[0]["code"], "ML900", "{file}");
        assert!(msg.contains(filter), "{file}: {msg}");
        assert!(
            msg.contains("apt-get install poppler-utils"),
            "{file}: {msg}"
        );
    }
    if !has_pdftoppm() {
        return;
    }
    for (file, _) in files {
        let (code, diags) = unclassified_json(&scans(), &[], file);
        assert_eq!(code, 1, "{file}: {diags:?}");
        assert_eq!(diags.len(), 1, "{file}: {diags:?}");
        let d = &diags[0];
        assert_eq!(d["code"], "ML301", "{file}: {d}");
        assert_eq!(d["mark"]["level"], "秘密", "{file}");
        assert_eq!(d["mark"]["term"], "5年", "{file}");
        assert_eq!(d["source"], "ocr", "{file}");
        assert_eq!(d["part"], "page 1 (OCR)", "{file}");
    }
}

/// Pictures that are no page (an icon, a logo, a screenshot, a photo in 4:3) are not
/// documents without OCR: one note counts them. A page-like image is ML900 whatever
/// its name or container: an image file, a zip member, with no Tesseract or `--ocr
/// never`, each with its own reason.
#[test]
fn without_ocr_pages_are_findings_and_pictures_are_counted() {
    let png = |w: u32, h: u32, dpi: Option<u32>| {
        let img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        let mut bytes = out.into_inner();
        if let Some(dpi) = dpi {
            // pHYs after IHDR: pixels per metre, unit 1 (metre).
            let ppm = ((dpi as f64) / 0.0254).round() as u32;
            let mut chunk = 9u32.to_be_bytes().to_vec();
            let mut body = b"pHYs".to_vec();
            body.extend(ppm.to_be_bytes());
            body.extend(ppm.to_be_bytes());
            body.push(1);
            let crc = crc32(&body);
            chunk.extend(body);
            chunk.extend(crc.to_be_bytes());
            bytes.splice(33..33, chunk);
        }
        bytes
    };
    let page = png(1241, 1754, Some(150));
    let a5 = png(1165, 1654, None);
    let icon = png(64, 64, None);
    let screenshot = png(1920, 1080, Some(96));
    let photo = png(1600, 1200, None);
    let zip = zip_of(&[
        ("扫描/第1页.png", page.as_slice()),
        ("logo.png", icon.as_slice()),
    ]);
    let dir = folder_of(&[
        ("scan.png", page.as_slice()),
        ("a5.png", a5.as_slice()),
        ("icon.png", icon.as_slice()),
        ("screenshot.png", screenshot.as_slice()),
        ("photo.png", photo.as_slice()),
        ("scans.zip", zip.as_slice()),
    ]);
    let args = [
        "check", "--today", TODAY, "--lang", "en", "--format", "concise", ".",
    ];
    let (code, stdout, stderr) = run_env(dir.path(), &[NO_TESSERACT], &args);
    snap!(
        "ocr_absent_pages_and_pictures",
        format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
    );
    for file in ["scan.png", "a5.png", "scans.zip!/扫描/第1页.png"] {
        assert!(
            stdout.contains(&format!("{file}:1:1: ML900")),
            "{file}: {stdout}"
        );
    }
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(stderr.contains("4 image file(s) not checked"), "{stderr}");
    let mut never = args.to_vec();
    never.extend(["--ocr", "never"]);
    let (code, stdout, stderr) = run_env(dir.path(), &[], &never);
    // ML900 is a warning here (an error under `system: unclassified`).
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.matches("OCR is turned off").count(), 3, "{stdout}");
    assert!(stderr.contains("4 image file(s) not checked"), "{stderr}");
    // In Chinese, the install command stands in quotes.
    let zh = [
        "check", "--today", TODAY, "--lang", "zh", "--format", "concise", "scan.png",
    ];
    let (_, stdout, _) = run_env(dir.path(), &[NO_TESSERACT], &zh);
    assert!(
        stdout.contains("“apt-get install tesseract-ocr tesseract-ocr-chi-sim”"),
        "{stdout}"
    );
}

/// A JPEG whose resolution is recorded only in Exif (JFIF with an aspect ratio only,
/// as cameras and many scanners write it) is a page by that resolution: US Letter at
/// 300 dpi (2550 × 3300, not ISO proportions) is ML900 without Tesseract; the same
/// pixels with no resolution are a picture, counted and skipped.
#[test]
fn exif_resolution_makes_a_page() {
    let img = image::GrayImage::from_pixel(2550, 3300, image::Luma([255]));
    let mut plain = std::io::Cursor::new(Vec::new());
    img.write_to(&mut plain, image::ImageFormat::Jpeg).unwrap();
    let plain = plain.into_inner();
    // After SOI and the encoder's JFIF APP0 (aspect ratio only): an Exif APP1 whose
    // IFD0 says 300/1 per inch (big-endian TIFF this time).
    assert_eq!(&plain[2..4], b"\xFF\xE0");
    assert_eq!(plain[13], 0, "JFIF density units: aspect ratio only");
    let app0_end = 4 + usize::from(u16::from_be_bytes([plain[4], plain[5]]));
    let mut tiff = b"MM\0*\0\0\0\x08\0\x02".to_vec();
    tiff.extend_from_slice(b"\x01\x1A\0\x05\0\0\0\x01\0\0\0\x26");
    tiff.extend_from_slice(b"\x01\x28\0\x03\0\0\0\x01\0\x02\0\0");
    tiff.extend_from_slice(b"\0\0\0\0\0\0\x01\x2C\0\0\0\x01");
    let mut app1 = b"\xFF\xE1".to_vec();
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend(tiff);
    let mut exif = plain.clone();
    exif.splice(app0_end..app0_end, app1);
    let dir = folder_of(&[("letter-exif.jpg", &exif), ("letter-plain.jpg", &plain)]);
    let args = [
        "check", "--today", TODAY, "--lang", "en", "--format", "concise", ".",
    ];
    let (_, stdout, stderr) = run_env(dir.path(), &[NO_TESSERACT], &args);
    assert!(
        stdout.contains(
            "letter-exif.jpg:1:1: ML900 [warning] file could not be inspected: an image that \
             looks like a scanned page (2550×3300 pixels at 300 dpi, a 216×279 mm page)"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stderr.contains("1 image file(s) not checked"), "{stderr}");
}

/// CRC-32 (IEEE) of a PNG chunk's type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A `tesseract` that notes each OCR run (not the `--list-langs` that finds it) in a
/// log, then runs the real one: `(its folder, the log)`.
fn counting_tesseract() -> (tempfile::TempDir, PathBuf) {
    script_tesseract(
        "case \"$1\" in --list-langs) ;; *) echo run >> \"$LOG\" ;; esac\nexec tesseract \"$@\"\n",
    )
}

/// A `tesseract` that is the shell script `body` (which may write to `$LOG`):
/// `(its folder, the log)`.
fn script_tesseract(body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("tesseract.log");
    let script = dir.path().join("tesseract");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nLOG='{}'\n{body}", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, log)
}

/// The OCR runs `check` makes on `file`, and its JSON diagnostics.
fn runs_and_diagnostics(file: &str) -> (usize, Vec<serde_json::Value>) {
    let (dir, log) = counting_tesseract();
    let program = dir.path().join("tesseract");
    let env = [("MARK_LINT_TESSERACT", program.to_str().unwrap())];
    let args = ["check", "--today", TODAY, "--format", "json", file];
    let (code, stdout, stderr) = run_env(&scans(), &env, &args);
    assert_eq!(code, 1, "{file}: {stdout}{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let runs = std::fs::read_to_string(&log).unwrap_or_default();
    (
        runs.lines().count(),
        v["diagnostics"].as_array().unwrap().clone(),
    )
}

/// A four-page scan whose page 3 starts an attachment (`附件`) with its own, higher
/// mark (`机密★10年` under a `秘密★5年` document), as a multi-page TIFF and as an
/// image-only PDF: by default page 1 and page 3 are read (page 3 found by OCR of the
/// pages' top-left strips), and the banner below the attachment's mark is ML202; pages
/// 2 and 4 are not read — their strips name 附件 inside a sentence. It all takes one
/// OCR run: page 1's band and the strips of pages 2–4 are one multi-page image, and
/// page 3's mark is read from its strip. `--ocr-pages all` reads every page of the TIFF.
#[test]
fn attachment_pages_found_by_ocr() {
    if !has_tesseract() {
        return;
    }
    for file in ["attachment-200-g4.tif", "attachment-200-g4.pdf"] {
        let (runs, _) = runs_and_diagnostics(file);
        assert_eq!(runs, 1, "{file}: OCR runs");
        let args = ["check", "--today", TODAY, "--format", "json", file];
        let (code, stdout, stderr) = run_env(&scans(), &[], &args);
        assert_eq!(code, 1, "{file}: {stdout}{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let diags = v["diagnostics"].as_array().unwrap();
        let ml202: Vec<_> = diags.iter().filter(|d| d["code"] == "ML202").collect();
        assert_eq!(ml202.len(), 1, "{file}: {stdout}");
        assert_eq!(ml202[0]["mark"]["raw"], "秘密★5年", "{file}");
        assert!(
            ml202[0]["message"].as_str().unwrap().contains("机密★10年"),
            "{file}: {stdout}"
        );
        let parts: std::collections::BTreeSet<&str> =
            diags.iter().filter_map(|d| d["part"].as_str()).collect();
        assert_eq!(
            parts.into_iter().collect::<Vec<_>>(),
            ["page 1 (OCR)", "page 3 (OCR)"],
            "{file}: {stdout}"
        );
        assert!(
            diags.iter().all(|d| d["code"] != "ML900"),
            "{file}: {stdout}"
        );
    }
    let (_, stdout, _) = run_env(
        &scans(),
        &[],
        &[
            "inventory",
            "--today",
            TODAY,
            "--lang",
            "en",
            "--format",
            "json",
            "--ocr-pages",
            "all",
            "attachment-200-g4.tif",
        ],
    );
    for page in ["page 1 (OCR)", "page 3 (OCR)"] {
        assert!(stdout.contains(page), "{page}: {stdout}");
    }
    let (code, stdout, stderr) = run_env(
        &scans(),
        &[],
        &[
            "check",
            "--today",
            TODAY,
            "--format",
            "json",
            "--ocr-pages",
            "all",
            "attachment-200-g4.tif",
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("ML202"), "{stdout}");
    assert!(!stdout.contains("ML900"), "{stdout}");
}

/// A 公文 head scanned at 100 dpi whose 份号 is in faint ink reads as a misread number:
/// not ML203 (no copy number) but an ML900 that says the 份号 could not be read; the
/// same head at 100 dpi in black ink reads its 份号 (no finding about it); at 300 dpi
/// without a 份号, ML203 stands.
#[test]
fn copy_number_misread_is_not_missing() {
    if !has_tesseract() {
        return;
    }
    let codes = |file: &str| {
        let args = ["check", "--today", TODAY, "--format", "json", file];
        let (_, stdout, _) = run_env(&scans(), &[], &args);
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let faint = codes("gongwen-100-faint.jpg");
    assert!(faint.iter().all(|(c, _)| c != "ML203"), "{faint:?}");
    let ml900: Vec<_> = faint.iter().filter(|(c, _)| c == "ML900").collect();
    assert_eq!(ml900.len(), 1, "{faint:?}");
    assert!(
        ml900[0].1.contains("the 份号 could not be read"),
        "{faint:?}"
    );
    let black = codes("gongwen-100.png");
    assert!(
        black.iter().all(|(c, _)| c != "ML203" && c != "ML900"),
        "{black:?}"
    );
    let none = codes("gongwen-300-no-copy.png");
    assert!(none.iter().any(|(c, _)| c == "ML203"), "{none:?}");
    assert!(none.iter().all(|(c, _)| c != "ML900"), "{none:?}");
}

/// An image-only OFD of two pages whose page 2 starts an attachment with a higher mark:
/// its pages after the first are looked at like a PDF's (they were not before: no
/// finding at all), in the same single OCR run as page 1's band: ML202, and the
/// attachment's mark in the ledger from `page 2 (OCR)`.
#[test]
fn ofd_attachment_pages_found_by_ocr() {
    if !has_tesseract() {
        return;
    }
    let file = "attachment-200.ofd";
    let (runs, diags) = runs_and_diagnostics(file);
    assert_eq!(runs, 1, "{file}: OCR runs");
    let ml202: Vec<_> = diags.iter().filter(|d| d["code"] == "ML202").collect();
    assert_eq!(ml202.len(), 1, "{file}: {diags:?}");
    assert_eq!(ml202[0]["mark"]["raw"], "秘密★5年");
    assert!(
        ml202[0]["message"].as_str().unwrap().contains("机密★10年"),
        "{diags:?}"
    );
    assert!(diags.iter().all(|d| d["code"] != "ML900"), "{diags:?}");
    let args = ["inventory", "--today", TODAY, "--format", "csv", file];
    let (_, csv, _) = run_env(&scans(), &[], &args);
    let row = csv.lines().find(|l| l.contains("page 2 (OCR)"));
    assert!(row.is_some_and(|r| r.contains(",机密★10年,")), "{csv}");
}

/// An attachment whose mark (`机密★2040年12月31日`) runs past the strip that is looked
/// at: what the strip shows of it is not taken (it could read as `机密★2040年12月`);
/// the page's band is read in a second OCR run (for the PDF, cut by a second worker
/// run), and ML202 names the whole mark at `page 2 (OCR)`.
#[test]
fn attachment_mark_cut_by_the_strip_is_read_from_the_band() {
    if !has_tesseract() {
        return;
    }
    for file in ["attachment-long-200-g4.tif", "attachment-long-200-g4.pdf"] {
        let (runs, diags) = runs_and_diagnostics(file);
        assert_eq!(runs, 2, "{file}: OCR runs");
        let ml202: Vec<_> = diags.iter().filter(|d| d["code"] == "ML202").collect();
        assert_eq!(ml202.len(), 1, "{file}: {diags:?}");
        let message = ml202[0]["message"].as_str().unwrap();
        assert!(message.contains("机密★2040年12月31日"), "{file}: {message}");
        assert!(
            diags.iter().all(|d| d["code"] != "ML900"),
            "{file}: {diags:?}"
        );
        // The ledger has the attachment's mark, read whole, from page 2.
        let args = ["inventory", "--today", TODAY, "--format", "csv", file];
        let (_, csv, _) = run_env(&scans(), &[], &args);
        let row = csv.lines().find(|l| l.contains("page 2 (OCR)"));
        assert!(
            row.is_some_and(|r| r.contains(",机密★2040年12月31日,")),
            "{file}: {csv}"
        );
    }
}

/// A 份号 in light grey (#B0B0B0) that Otsu's binarisation turns white: OCR reads
/// nothing above the mark, where the unbinarised band has ink. That is not "no 份号"
/// (ML203, which the pipeline gave before) but an ML900 saying the 份号 could not be
/// read — as a gray PNG at 300 dpi and as JPEG in a PDF at 200 dpi (the worker's
/// band). The same heads with no 份号 at all still give ML203 and no ML900.
#[test]
fn faint_grey_copy_number_is_not_missing() {
    if !has_tesseract() {
        return;
    }
    let codes = |file: &str| {
        let (_, diags) = default_json(file);
        diags
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    for file in ["gongwen-300-grey-copy.png", "gongwen-200-grey-copy.pdf"] {
        let found = codes(file);
        assert!(found.iter().all(|(c, _)| c != "ML203"), "{file}: {found:?}");
        let ml900: Vec<_> = found.iter().filter(|(c, _)| c == "ML900").collect();
        assert_eq!(ml900.len(), 1, "{file}: {found:?}");
        assert!(
            ml900[0]
                .1
                .contains("the 份号 could not be read: ink above the mark too faint to read"),
            "{file}: {found:?}"
        );
    }
    for file in ["gongwen-300-no-copy-gray.png", "gongwen-200-no-copy.pdf"] {
        let found = codes(file);
        assert!(found.iter().any(|(c, _)| c == "ML203"), "{file}: {found:?}");
        assert!(found.iter().all(|(c, _)| c != "ML900"), "{file}: {found:?}");
    }
}

/// `check --format json` in English on a classified archive (the default system).
fn default_json(file: &str) -> (i32, Vec<serde_json::Value>) {
    let args = [
        "check", "--today", TODAY, "--lang", "en", "--format", "json", file,
    ];
    let (code, stdout, stderr) = run_env(&scans(), &[], &args);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("{file}: {e}\n{stdout}{stderr}");
    });
    (code, v["diagnostics"].as_array().unwrap().clone())
}

/// A `tesseract` that notes every time it is run, `--list-langs` included, and lists
/// `chi_sim` without running anything: `(its folder, the log)`.
fn noting_tesseract() -> (tempfile::TempDir, PathBuf) {
    script_tesseract(
        "echo \"$@\" >> \"$LOG\"\nprintf 'List of available languages:\\nchi_sim\\n'\n",
    )
}

/// Documents without an image never need OCR: a run over them, cached (cold and warm)
/// or not, never looks for the engine; an image in the tree makes it look.
#[test]
fn a_run_over_documents_without_images_never_looks_for_the_engine() {
    let (engine, log) = noting_tesseract();
    let program = engine.path().join("tesseract");
    let env = [("MARK_LINT_TESSERACT", program.to_str().unwrap())];
    let dir = folder_of(&[
        (
            "a.txt",
            "机密★10年\n关于甲的通知\n2024年3月5日\n".as_bytes(),
        ),
        (
            "b.docx",
            &docx(&["秘密★1年", "关于乙的通知", "2024年3月5日"]),
        ),
        ("c.zip", &zip_of(&[("d.md", "无标志的说明。\n".as_bytes())])),
    ]);
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--today", TODAY, "--format", "concise"];
        args.extend_from_slice(extra);
        run_env(dir.path(), &env, &args)
    };
    let plain = check(&[]);
    assert!(plain.1.contains("b.docx"), "{}", plain.1);
    for round in ["cold", "warm"] {
        assert_eq!(check(&["--cache", "cc"]), plain, "{round}");
    }
    assert!(!log.exists(), "{}", std::fs::read_to_string(&log).unwrap());
    std::fs::copy(scans().join("unmarked-200.png"), dir.path().join("e.png")).unwrap();
    check(&["--cache", "cc"]);
    let asked = std::fs::read_to_string(&log).unwrap();
    assert!(asked.contains("--list-langs"), "{asked}");
}

/// Facts of a file read while OCR could not read its scans are not those of the same
/// file read with OCR. A picture (not in a page's proportions, so not ML900 without
/// OCR: skipped and counted) holding a mark, alone and in a zip, checked without
/// Tesseract, then with it (its mark seen: ML301 on an unclassified system), then
/// without it again, through one cache: each run gives what it gives uncached.
#[test]
fn facts_read_without_ocr_are_not_used_by_a_run_with_it() {
    if !has_tesseract() {
        return;
    }
    // The band of page1-150.png that holds its 秘密★5年: 1241×500 pixels, no resolution.
    let picture = image::open(scans().join("page1-150.png"))
        .unwrap()
        .crop_imm(0, 200, 1241, 500);
    let mut png = Vec::new();
    picture
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let dir = folder_of(&[
        ("picture.png", &png),
        ("bundle.zip", &zip_of(&[("inner.png", &png)])),
    ]);
    let check = |env: &[(&str, &str)], extra: &[&str]| {
        let mut args = vec![
            "check",
            "--today",
            TODAY,
            "--format",
            "concise",
            "--system",
            "unclassified",
        ];
        args.extend_from_slice(extra);
        run_env(dir.path(), env, &args)
    };
    let without = check(&[NO_TESSERACT], &["--no-cache"]);
    let with = check(&[], &["--no-cache"]);
    assert_eq!(without.1, "", "{without:?}");
    assert!(
        without.2.contains("2 image file(s) not checked"),
        "{}",
        without.2
    );
    assert!(with.1.contains("picture.png:2:1: ML301"), "{}", with.1);
    assert!(
        with.1.contains("bundle.zip!/inner.png:2:1: ML301"),
        "{}",
        with.1
    );
    for (round, env, truth) in [
        ("without", &[NO_TESSERACT][..], &without),
        ("without, warm", &[NO_TESSERACT][..], &without),
        ("with", &[][..], &with),
        ("with, warm", &[][..], &with),
        ("without again", &[NO_TESSERACT][..], &without),
    ] {
        assert_eq!(&check(env, &["--cache", "cc"]), truth, "{round}");
    }
}
