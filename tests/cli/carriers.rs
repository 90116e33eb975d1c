//! ML206 (container-below-contents) on containers built at test time: a Word document
//! with an embedded workbook, an archive whose name is its mark, an unmarked archive,
//! an email attachment; and a mark that exists only inside an embedded object, found
//! on an unclassified system.

use super::*;

const TODAY: &str = "2026-11-27";

/// A workbook of one sheet whose cells (one row each) hold `cells` as inline strings.
fn xlsx(cells: &[&str]) -> Vec<u8> {
    let x = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    let rows: String = cells
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                r#"<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{t}</t></is></c></row>"#,
                n = i + 1
            )
        })
        .collect();
    let sheet = format!("<worksheet {x}><sheetData>{rows}</sheetData></worksheet>");
    let book = format!(
        r#"<workbook {x}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId0"/></sheets></workbook>"#
    );
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        (
            "_rels/.rels",
            rels(&[("officeDocument", "xl/workbook.xml")]).as_bytes(),
        ),
        ("xl/workbook.xml", book.as_bytes()),
        (
            "xl/_rels/workbook.xml.rels",
            rels(&[("worksheet", "worksheets/sheet1.xml")]).as_bytes(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// A Word document whose body is `paras`, embedding `xlsx` as Word does
/// (`word/embeddings/Microsoft_Excel_Worksheet.xlsx`, a `package` relationship).
fn report_with_workbook(paras: &[&str], workbook: &[u8]) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let body: String = paras.iter().map(|p| para(p)).collect();
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let doc = format!("<w:document {w}><w:body>{body}</w:body></w:document>");
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        (
            "_rels/.rels",
            rels(&[("officeDocument", "word/document.xml")]).as_bytes(),
        ),
        ("word/document.xml", doc.as_bytes()),
        (
            "word/_rels/document.xml.rels",
            rels(&[("package", "embeddings/Microsoft_Excel_Worksheet.xlsx")]).as_bytes(),
        ),
        ("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook),
    ])
}

fn notice(mark: &str) -> Vec<u8> {
    format!("000001\n{mark}\n关于汛前检查的报告\n正文。\n2026年3月5日\n").into_bytes()
}

fn folder(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    folder_of(&refs)
}

fn run_at(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(dir, args);
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

fn tree() -> tempfile::TempDir {
    // A report marked `own` embedding a workbook marked `inner`.
    let report = |own: &str, inner: &str| {
        report_with_workbook(
            &["000001", own, "关于管网改造的报告", "2026年3月5日"],
            &xlsx(&["000001", inner, "管网参数表"]),
        )
    };
    folder(&[
        // The issue's case: 报告.docx is 秘密, its embedded workbook 机密.
        ("报告.docx", report("秘密★5年", "机密★10年")),
        // The same at the workbook's level: nothing.
        ("报告-已核.docx", report("机密★10年", "机密★10年")),
        // At the workbook's level but with a shorter term, and above it with a shorter
        // term: the carrier takes the longest term inside (定密规定第三十一条第二款).
        ("报告-期限.docx", report("机密★5年", "机密★10年")),
        ("报告-秘级.docx", report("机密★5年", "秘密★10年")),
        // A longer term on the carrier is enough.
        ("报告-长期.docx", report("机密★20年", "秘密★10年")),
        // An archive's name is its mark: 【秘密】 below a 绝密 member, 【机密】 enough.
        (
            "【秘密】资料.zip",
            zip_of(&[("a/纪要.txt", &notice("绝密★20年"))]),
        ),
        (
            "【机密】资料.zip",
            zip_of(&[("纪要.txt", &notice("机密★10年"))]),
        ),
        // No mark at all around a 秘密 member; nothing marked inside, nothing found.
        ("资料.zip", zip_of(&[("纪要.txt", &notice("秘密★1年"))])),
        (
            "说明.zip",
            zip_of(&[("说明.txt", "会议安排见附件。\n".as_bytes())]),
        ),
        // Nested: the outer zip is compared with the member of the inner one.
        (
            "【秘密】汇编.zip",
            zip_of(&[("内层.zip", &zip_of(&[("纪要.txt", &notice("机密★10年"))]))]),
        ),
    ])
}

#[test]
fn containers_below_their_contents_in_both_languages() {
    let dir = tree();
    let (code, out, err) = run_in(dir.path(), &concise(&["--select", "ML206", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "报告.docx:2:1: ML206",
        "【秘密】资料.zip:1:1: ML206",
        "资料.zip:1:1: ML206",
        "【秘密】汇编.zip:1:1: ML206",
        // The inner archive is a carrier of its own, with no mark in its name.
        "【秘密】汇编.zip!/内层.zip:1:1: ML206",
        "报告-期限.docx:2:1: ML206",
        "报告-秘级.docx:2:1: ML206",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "{want} not in\n{out}"
        );
    }
    assert_eq!(lines.len(), 7, "{out}");
    let term = lines
        .iter()
        .find(|l| l.starts_with("报告-秘级.docx:"))
        .unwrap();
    assert!(
        term.contains("shorter term") && term.contains("`秘密★10年`"),
        "{term}"
    );
    assert!(
        out.contains("`报告.docx!/word/embeddings/Microsoft_Excel_Worksheet.xlsx`"),
        "the finding names both paths:\n{out}"
    );
    assert!(
        out.contains("`【秘密】汇编.zip!/内层.zip!/纪要.txt`"),
        "{out}"
    );
    snap!(
        "carriers_zh",
        run_at(
            dir.path(),
            &[
                "check", "--today", TODAY, "--lang", "zh", "--select", "ML206", "."
            ]
        )
    );
    snap!(
        "carriers_en",
        run_at(
            dir.path(),
            &[
                "check", "--today", TODAY, "--lang", "en", "--select", "ML206", "."
            ]
        )
    );
}

/// A mark that exists only inside an embedded object is ML301 on an unclassified
/// system, at the embedded document's path.
#[test]
fn unclassified_finds_a_mark_only_inside_an_embedded_object() {
    let dir = folder(&[(
        "周报.docx",
        report_with_workbook(
            &["本周工作", "见附表。"],
            &xlsx(&["机密★10年", "管网参数表"]),
        ),
    )]);
    let (code, out, err) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    assert!(
        out.starts_with("周报.docx!/word/embeddings/Microsoft_Excel_Worksheet.xlsx:1:1: ML301"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

/// LibreOffice's Word 97-2003 files carrying an embedded worksheet
/// (tests/fixtures/office/embedded/, `make_embedded.py`): the object is an Excel
/// 97-2003 workbook in the storage `ObjectPool/_2147483647` of the .doc.
fn embedded_legacy() -> tempfile::TempDir {
    let from = root().join("tests/fixtures/office/embedded");
    let files: Vec<(&str, Vec<u8>)> = ["embedded-higher.doc", "embedded-only.doc"]
        .into_iter()
        .map(|f| (f, std::fs::read(from.join(f)).unwrap()))
        .collect();
    folder(&files)
}

/// `--select ML206` on the file of `at` (`embedded-higher.doc:2:1`): exit 1, nothing on
/// stderr, and one finding, at `at`, naming the file's `object` and its 机密★10年.
#[track_caller]
fn one_carrier_below_its_object(dir: &Path, at: &str, object: &str) {
    let file = at.split(':').next().unwrap();
    let (code, out, err) = run_in(dir, &concise(&["--select", "ML206", file]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    assert!(
        out.starts_with(&format!("{at}: ML206"))
            && out.contains(&format!("`{file}!/{object}`"))
            && out.contains("机密★10年"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
}

/// The human ML206 output for `file` in Chinese and English, snapshotted as
/// `{name}_zh` and `{name}_en`.
fn snap_ml206_in_both_languages(dir: &Path, file: &str, name: &str) {
    for lang in ["zh", "en"] {
        let (_, out, _) = run_in(
            dir,
            &[
                "check", "--today", TODAY, "--lang", lang, "--select", "ML206", file,
            ],
        );
        snap!(format!("{name}_{lang}"), out);
    }
}

#[test]
fn objects_embedded_in_legacy_files_are_carried_documents() {
    let dir = embedded_legacy();
    let object = "ObjectPool/_2147483647";
    // The .doc is marked 秘密★5年; the worksheet inside it is 机密★10年.
    one_carrier_below_its_object(dir.path(), "embedded-higher.doc:2:1", object);
    snap_ml206_in_both_languages(dir.path(), "embedded-higher.doc", "legacy_object_below");
    // The mark exists only inside the object: an unclassified system finds it there.
    let (_, out, _) = run_in(
        dir.path(),
        &concise(&[
            "--system",
            "unclassified",
            "--select",
            "ML301",
            "embedded-only.doc",
        ]),
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [format!(
            "embedded-only.doc!/{object}:1:1: ML301 [error] a file marked as a state secret (`机密★10年`, sheet 1 (Sheet1) line 1) is on an unclassified system: stop using it, do not copy, forward or delete it yourself, and report it to your secrecy office at once, which deals with it as the rules require (sheet 1 (Sheet1))"
        )],
        "{out}"
    );
}

/// LibreOffice's PowerPoint 97-2003 decks carrying an embedded worksheet
/// (tests/fixtures/office/embedded/, `make_embedded.py`): the object is an Excel
/// 97-2003 workbook in a zlib-compressed ExOleObjStg record of the `PowerPoint
/// Document` stream, persist id 6 (named `ExOleObjStg/6`).
fn embedded_decks() -> tempfile::TempDir {
    let from = root().join("tests/fixtures/office/embedded");
    let files: Vec<(&str, Vec<u8>)> = ["embedded-higher.ppt", "embedded-only.ppt"]
        .into_iter()
        .map(|f| (f, std::fs::read(from.join(f)).unwrap()))
        .collect();
    folder(&files)
}

/// `deck` with the adler-32 checksum that ends its one ExOleObjStg record's zlib
/// stream changed: the object's data is corrupt, the slides are whole.
fn with_corrupt_object(deck: &[u8]) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut file = cfb::CompoundFile::open(Cursor::new(deck.to_vec())).unwrap();
    let mut stream = Vec::new();
    file.open_stream("/PowerPoint Document")
        .unwrap()
        .read_to_end(&mut stream)
        .unwrap();
    let mut at = 0;
    let end = loop {
        let kind = u16::from_le_bytes([stream[at + 2], stream[at + 3]]);
        let len = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
        if kind == 0x1011 {
            assert_eq!(stream[at] >> 4, 1, "LibreOffice compresses the object");
            break at + 8 + len;
        }
        at += 8 + len;
    };
    stream[end - 1] ^= 0xFF;
    file.create_stream("/PowerPoint Document")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

#[test]
fn objects_embedded_in_presentations_are_carried_documents() {
    let dir = embedded_decks();
    let object = "ExOleObjStg/6";
    // The deck is marked 秘密★5年 on its slide; the worksheet inside it is 机密★10年.
    one_carrier_below_its_object(dir.path(), "embedded-higher.ppt:1:1", object);
    snap_ml206_in_both_languages(dir.path(), "embedded-higher.ppt", "ppt_object_below");
    // The deck has no mark; its worksheet is 秘密★5年: an unclassified system finds it
    // there, and nowhere else.
    let (code, out, err) = run_in(
        dir.path(),
        &concise(&["--system", "unclassified", "embedded-only.ppt"]),
    );
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [format!(
            "embedded-only.ppt!/{object}:1:1: ML301 [error] a file marked as a state secret (`秘密★5年`, sheet 1 (Sheet1) line 1) is on an unclassified system: stop using it, do not copy, forward or delete it yourself, and report it to your secrecy office at once, which deals with it as the rules require (sheet 1 (Sheet1))"
        )],
        "{out}"
    );
}

/// A compressed object whose zlib data is corrupt is an ML900 naming the object; the
/// deck's own slides are still read (its mark is in the ledger), and no ML206 is
/// guessed from an object nobody could read.
#[test]
fn a_corrupt_object_in_a_presentation_is_reported() {
    let from = root().join("tests/fixtures/office/embedded/embedded-higher.ppt");
    let broken = with_corrupt_object(&std::fs::read(from).unwrap());
    let dir = folder(&[("损坏对象.ppt", broken)]);
    // ML900 is a warning, below the default fail-on level.
    let (code, out, err) = run_in(dir.path(), &concise(&["损坏对象.ppt"]));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("损坏对象.ppt:1:1: ML106") && lines[0].contains("`秘密★5年`"),
        "the slide's mark is read:\n{out}"
    );
    assert!(
        lines[1].starts_with("损坏对象.ppt!/ExOleObjStg/6:1:1: ML900")
            && lines[1].contains("zlib data is broken"),
        "{out}"
    );
    assert_eq!(lines.len(), 2, "no ML206 without the object's mark:\n{out}");
    let (_, ledger, _) = run_in(
        dir.path(),
        &[
            "inventory",
            "--today",
            TODAY,
            "--format",
            "csv",
            "损坏对象.ppt",
        ],
    );
    assert!(ledger.contains("秘密★5年"), "{ledger}");
    snap!(
        "ppt_object_corrupt_human",
        run_at(
            dir.path(),
            &["check", "--today", TODAY, "--lang", "en", "损坏对象.ppt"]
        )
    );
    snap!(
        "ppt_object_corrupt_json",
        run_at(
            dir.path(),
            &[
                "check",
                "--today",
                TODAY,
                "--format",
                "json",
                "损坏对象.ppt"
            ]
        )
    );
}

/// The storage of the object in the Word fixtures of tests/fixtures/office/embedded/.
const WORD_OBJECT: &str = "/ObjectPool/_2147483647";

/// The `\x01Ole10Native` stream of a Packager object wrapping `data` ([MS-OLEDS]
/// 2.3.6; the Packager's fields): header 2, `label` and `source` NUL-terminated, two
/// u16 flags, a temporary path, the file's size and bytes.
fn packager(label: &str, source: &str, data: &[u8]) -> Vec<u8> {
    let mut native = vec![2, 0];
    native.extend(label.bytes().chain([0]));
    native.extend(source.bytes().chain([0]));
    native.extend([0, 0, 3, 0]);
    let temp = format!("C:\\Temp\\{label}\0");
    native.extend((temp.len() as u32).to_le_bytes());
    native.extend(temp.bytes());
    native.extend((data.len() as u32).to_le_bytes());
    native.extend(data);
    let mut stream = (native.len() as u32).to_le_bytes().to_vec();
    stream.extend(native);
    stream
}

/// The Word fixture `file` with its object replaced by a wrapper holding `streams`
/// (`Package`, `\x01Ole10Native`): no installed producer writes one (LibreOffice
/// writes a native Excel 97 object), so it is built here with the `cfb` crate.
fn with_wrapped_object(file: &str, streams: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::{Cursor, Write};
    let path = root().join("tests/fixtures/office/embedded").join(file);
    let mut doc = cfb::CompoundFile::open(Cursor::new(std::fs::read(path).unwrap())).unwrap();
    doc.remove_storage_all(WORD_OBJECT).unwrap();
    doc.create_storage(WORD_OBJECT).unwrap();
    for (name, bytes) in streams {
        doc.create_stream(format!("{WORD_OBJECT}/{name}"))
            .unwrap()
            .write_all(bytes)
            .unwrap();
    }
    doc.flush().unwrap();
    doc.into_inner().into_inner()
}

/// A .docx marked 机密★10年: the file a .doc wraps.
fn secret_attachment() -> Vec<u8> {
    docx(&["000002", "机密★10年", "附件：管网参数", "正文。"])
}

/// A 秘密 .doc carrying a 机密 .docx wrapped by the Packager (`Ole10Native`) or by
/// Office 2007+ (`Package`): ML206 names the wrapped file, under the object's path
/// and the file's own name, or under `Package`.
#[test]
fn files_wrapped_as_objects_are_carried_documents() {
    let attachment = secret_attachment();
    let native = packager("附件.docx", "C:\\Users\\u\\附件.docx", &attachment);
    let dir = folder(&[
        (
            "包装.doc",
            with_wrapped_object("embedded-higher.doc", &[("\u{1}Ole10Native", &native)]),
        ),
        (
            "套件.doc",
            with_wrapped_object("embedded-higher.doc", &[("Package", &attachment)]),
        ),
    ]);
    for (file, inner) in [
        ("包装.doc", "ObjectPool/_2147483647/附件.docx"),
        ("套件.doc", "ObjectPool/_2147483647/Package"),
    ] {
        let (code, out, err) = run_in(dir.path(), &concise(&["--select", "ML206,ML900", file]));
        assert_eq!((code, err.as_str()), (1, ""), "{out}");
        assert!(
            out.starts_with(&format!("{file}:2:1: ML206"))
                && out.contains(&format!("`{file}!/{inner}`"))
                && out.contains("机密★10年"),
            "{out}"
        );
        assert_eq!(out.lines().count(), 1, "{out}");
    }
    snap_ml206_in_both_languages(dir.path(), "包装.doc", "wrapped_object_below");
}

/// A mark that exists only inside a wrapped file is ML301 on an unclassified system,
/// at the wrapped file's path — in a .doc's object, and in a compound file that is
/// nothing but the wrapper (an object saved on its own).
#[test]
fn unclassified_finds_a_mark_only_inside_a_wrapped_file() {
    let native = packager("附件.docx", "附件.docx", &secret_attachment());
    let dir = folder(&[
        (
            "仅附件.doc",
            with_wrapped_object("embedded-only.doc", &[("\u{1}Ole10Native", &native)]),
        ),
        ("对象.bin", {
            use std::io::{Cursor, Write};
            let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
            let mut stream = file.create_stream("/\u{1}Ole10Native").unwrap();
            stream.write_all(&native).unwrap();
            drop(stream);
            file.flush().unwrap();
            file.into_inner().into_inner()
        }),
    ]);
    let (code, out, err) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let at: Vec<&str> = out
        .lines()
        .map(|l| l.split(" [").next().unwrap_or(l))
        .collect();
    assert_eq!(
        at,
        [
            "仅附件.doc!/ObjectPool/_2147483647/附件.docx:2:1: ML301",
            "对象.bin!/附件.docx:2:1: ML301",
        ],
        "{out}"
    );
}

/// A wrapper whose native data lies about the file's size is an ML900 naming the
/// object and the field; the .doc's own text is still read, and no ML206 is guessed
/// from a file nobody could read.
#[test]
fn a_damaged_wrapper_is_reported() {
    let mut native = packager("附件.docx", "附件.docx", &secret_attachment());
    let size_at = native.len() - secret_attachment().len() - 4;
    native[size_at..size_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let dir = folder(&[(
        "损坏包装.doc",
        with_wrapped_object("embedded-higher.doc", &[("\u{1}Ole10Native", &native)]),
    )]);
    let (code, out, err) = run_in(
        dir.path(),
        &concise(&["--select", "ML206,ML900", "损坏包装.doc"]),
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(
        out.starts_with("损坏包装.doc!/ObjectPool/_2147483647:1:1: ML900")
            && out.contains("Ole10Native: the file (4294967295 bytes) runs past"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");
    for lang in ["zh", "en"] {
        snap!(
            format!("wrapped_object_damaged_{lang}"),
            run_at(
                dir.path(),
                &["check", "--today", TODAY, "--lang", lang, "损坏包装.doc"]
            )
        );
    }
    snap!(
        "wrapped_object_damaged_json",
        run_at(
            dir.path(),
            &[
                "check",
                "--today",
                TODAY,
                "--format",
                "json",
                "损坏包装.doc"
            ]
        )
    );
}
