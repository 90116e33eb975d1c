//! Sensitivity labels (issue 16 part 2): Word documents labelled as Microsoft 365
//! writes them — `MSIP_Label_<guid>_*` custom properties ([MS-OI29500] / the MIP SDK's
//! label metadata) and `docMetadata/LabelInfo.xml` ([MS-OFFCRYPTO] 2.6.4), reached by
//! a package relationship of type `…/2020/02/relationships/classificationlabels` —
//! built at test time. Config `label-map` maps label names or GUIDs to levels.

use super::*;

const GUID: &str = "3a4b5c6d-1111-2222-3333-444455556666";
const SITE: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// The custom properties Microsoft 365 writes for a label applied by hand.
fn msip_custom(name: &str) -> String {
    let props = [
        ("Enabled", "true"),
        ("SetDate", "2026-03-05T08:00:00Z"),
        ("Method", "Standard"),
        ("Name", name),
        ("SiteId", SITE),
        ("ActionId", "0d9a2f71-5e3b-4c1a-9f00-1234567890ab"),
        ("ContentBits", "0"),
    ];
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">"#,
    );
    for (i, (attr, value)) in props.iter().enumerate() {
        s.push_str(&format!(
            r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="MSIP_Label_{GUID}_{attr}"><vt:lpwstr>{value}</vt:lpwstr></property>"#,
            i + 2
        ));
    }
    s + "</Properties>"
}

/// `docMetadata/LabelInfo.xml` as [MS-OFFCRYPTO] 2.6.4 describes it.
fn label_info(enabled: bool, removed: bool) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8" standalone="yes"?><clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label id="{{{GUID}}}" enabled="{}" method="Standard" siteId="{{{SITE}}}" removed="{}"/></clbl:labelList>"#,
        u8::from(enabled),
        u8::from(removed)
    )
}

/// A .docx with `paras` as its body, the label's custom properties, and LabelInfo if
/// given.
fn labelled_docx(paras: &[&str], name: &str, info: Option<String>) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let body: String = paras
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let doc = format!("<w:document {w}><w:body>{body}</w:body></w:document>");
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/><Override PartName="/docMetadata/LabelInfo.xml" ContentType="application/vnd.ms-office.classificationlabels+xml"/></Types>"#;
    let mut rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="{REL}/custom-properties" Target="docProps/custom.xml"/>"#
    );
    if info.is_some() {
        rels.push_str(r#"<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels" Target="docMetadata/LabelInfo.xml"/>"#);
    }
    rels.push_str("</Relationships>");
    let custom = msip_custom(name);
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
        ("docProps/custom.xml", custom.as_bytes()),
    ];
    if let Some(info) = &info {
        entries.push(("docMetadata/LabelInfo.xml", info.as_bytes()));
    }
    zip_of(&entries)
}

const CONFIG: &str = "label-map: {\"Highly Confidential\": 机密}\n";

fn marked(mark: &str) -> Vec<&str> {
    vec![
        "000001",
        mark,
        "关于管网改造的报告",
        "正文。",
        "2026年3月5日",
    ]
}

#[test]
fn a_mapped_label_is_compared_with_the_visible_mark() {
    let hc = "Highly Confidential";
    let files: Vec<(&str, Vec<u8>)> = vec![
        (".mark-lint.yaml", CONFIG.as_bytes().to_vec()),
        // The label says 机密, the page 秘密: ML003, at the label (line 1 of its part).
        (
            "低于标签.docx",
            labelled_docx(&marked("秘密★5年"), hc, None),
        ),
        // The same level: nothing.
        ("一致.docx", labelled_docx(&marked("机密★10年"), hc, None)),
        // A label and no visible mark: ML201.
        (
            "无标志.docx",
            labelled_docx(&["关于管网改造的报告", "正文。"], hc, None),
        ),
        // An unmapped label: ignored.
        (
            "未映射.docx",
            labelled_docx(&["关于管网改造的报告"], "General", None),
        ),
        // LabelInfo takes precedence ([MS-OFFCRYPTO] 2.6.3): the label was removed
        // there, whatever the stale custom properties still say.
        (
            "已移除.docx",
            labelled_docx(&["关于管网改造的报告"], hc, Some(label_info(true, true))),
        ),
        // LabelInfo names the label enabled: the custom properties' name maps it.
        (
            "新格式.docx",
            labelled_docx(&marked("秘密★5年"), hc, Some(label_info(true, false))),
        ),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let dir = folder_of(&refs);
    let (code, out, err) = run_in(dir.path(), &concise(&["--select", "ML003,ML201", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "低于标签.docx:1:1: ML003",
        "无标志.docx:1:1: ML201",
        "新格式.docx:1:1: ML003",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "{want} not in\n{out}"
        );
    }
    assert_eq!(lines.len(), 3, "{out}");
    assert!(out.contains("Highly Confidential"), "{out}");
    // Without the map, labels mean nothing.
    std::fs::remove_file(dir.path().join(".mark-lint.yaml")).unwrap();
    let (_, out, _) = run_in(dir.path(), &concise(&["--select", "ML003,ML201", "."]));
    assert_eq!(out, "", "{out}");
}

#[test]
fn a_mapped_label_on_an_unclassified_system_and_a_bad_map() {
    let dir = folder_of(&[
        (".mark-lint.yaml", CONFIG.as_bytes()),
        (
            "周报.docx",
            &labelled_docx(&["本周工作"], "Highly Confidential", None),
        ),
    ]);
    let (code, out, _) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("周报.docx:1:1: ML301"), "{out}");
    let bad = folder_of(&[(
        ".mark-lint.yaml",
        "label-map: {\"Secret\": 顶级}\n".as_bytes(),
    )]);
    let (code, _, err) = run_in(bad.path(), &["check", "."]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("label-map") && err.contains("顶级"), "{err}");
}

/// The committed label fixtures (tests/fixtures/office/labels/, `make_labels.py`):
/// LibreOffice's .odt/.docx/.doc and PDF/A with the label's custom properties, PDFs
/// with custom Info keys or a `pdfx:` XMP description appended as an incremental
/// update, and .docx files with a LabelInfo part added by the script.
fn label_fixtures(config: &str) -> tempfile::TempDir {
    let dir = folder_of(&[(".mark-lint.yaml", config.as_bytes())]);
    let from = root().join("tests/fixtures/office/labels");
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

/// The names and the GUID (LabelInfo names a label by GUID alone) mapped.
fn guid_config() -> String {
    format!("label-map: {{\"Highly Confidential\": 机密, \"{{{GUID}}}\": 机密}}\n")
}

#[test]
fn labels_in_every_format_made_by_real_producers() {
    let dir = label_fixtures(&guid_config());
    let (code, out, err) = run_in(dir.path(), &concise(&["--select", "ML003,ML201", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let mut got: Vec<String> = out
        .lines()
        .map(|l| {
            let (file, rest) = l.split_once(':').unwrap();
            let code = rest.split(' ').nth(1).unwrap();
            format!("{file} {code}")
        })
        .collect();
    got.sort();
    let want = [
        // LibreOffice's custom properties in each format: the label says 机密, the
        // page 秘密★5年.
        "label-below.doc ML003",
        "label-below.docx ML003",
        "label-below.odt ML003",
        // A label and no visible mark.
        "label-unmarked.doc ML201",
        "label-unmarked.docx ML201",
        "label-unmarked.odt ML201",
        // LabelInfo alone, naming the label by GUID.
        "labelinfo-only.docx ML003",
        // The label in the PDF Info dictionary, and in the XMP packet.
        "pdf-info-label.pdf ML003",
        // 密级 and 保密期限 in the Info dictionary (each disagrees), and 密级 in XMP
        // on a page without a mark.
        "pdf-info-level.pdf ML003",
        "pdf-info-level.pdf ML003",
        "pdf-xmp-label.pdf ML003",
        "pdf-xmp-level.pdf ML201",
    ];
    // Not there: labelinfo-removed.docx (LabelInfo removed the label the stale custom
    // properties still name) and no-label.pdf (LibreOffice writes no custom property
    // into a PDF: its Title, Subject and Keywords declare nothing).
    assert_eq!(got, want, "{out}");
    for (file, label) in [
        ("label-below.doc", "Highly Confidential"),
        ("pdf-info-label.pdf", "Highly Confidential"),
        ("pdf-xmp-label.pdf", "Highly Confidential"),
        ("labelinfo-only.docx", GUID),
    ] {
        let line = out.lines().find(|l| l.starts_with(file)).unwrap();
        assert!(line.contains(label) && line.contains("机密"), "{line}");
    }
}

#[test]
fn label_messages_name_the_label_and_its_level_in_both_languages() {
    let dir = label_fixtures(CONFIG);
    for lang in ["zh", "en"] {
        let (_, out, err) = run_in(
            dir.path(),
            &[
                "check",
                "--today",
                "2026-11-27",
                "--lang",
                lang,
                "--select",
                "ML003,ML201",
                "label-below.docx",
                "label-unmarked.docx",
            ],
        );
        snap!(format!("label_messages_{lang}"), format!("{out}{err}"));
        let (_, out, err) = run_in(
            dir.path(),
            &[
                "check",
                "--today",
                "2026-11-27",
                "--lang",
                lang,
                "--system",
                "unclassified",
                "--select",
                "ML301",
                "label-unmarked.doc",
            ],
        );
        snap!(format!("label_unclassified_{lang}"), format!("{out}{err}"));
    }
}

#[test]
fn labels_in_pdf_and_legacy_files_on_an_unclassified_system() {
    let dir = label_fixtures(CONFIG);
    let files = [
        "label-unmarked.doc",
        "label-below.doc",
        "pdf-info-label.pdf",
        "pdf-xmp-label.pdf",
        "pdf-xmp-level.pdf",
    ];
    let args = concise(
        &[
            &["--system", "unclassified", "--select", "ML301"][..],
            &files,
        ]
        .concat(),
    );
    let (code, out, _) = run_in(dir.path(), &args);
    assert_eq!(code, 1, "{out}");
    for f in files {
        assert!(
            out.lines().any(|l| l.starts_with(f) && l.contains("ML301")),
            "{f} not in\n{out}"
        );
    }
    // The label itself is named where the level came from it.
    let label = |f: &str| {
        out.lines()
            .any(|l| l.starts_with(f) && l.contains("`Highly Confidential`"))
    };
    assert!(
        label("label-unmarked.doc") && label("pdf-info-label.pdf") && label("pdf-xmp-label.pdf"),
        "{out}"
    );
}

/// OFD keeps custom metadata in `DocInfo/CustomDatas` (GB/T 33190-2016 7.5); a label
/// there is mapped like any other.
fn labelled_ofd(page: &str) -> Vec<u8> {
    let customs: String = [("Enabled", "true"), ("Name", "Highly Confidential")]
        .iter()
        .map(|(attr, value)| {
            format!(r#"<ofd:CustomData Name="MSIP_Label_{GUID}_{attr}">{value}</ofd:CustomData>"#)
        })
        .collect();
    ofd_with_info(
        &format!("<ofd:CustomDatas>{customs}</ofd:CustomDatas>"),
        r#"<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/P0.xml"/></ofd:Pages>"#,
        &[("Doc_0/Pages/P0.xml".into(), ofd_page(page))],
    )
}

#[test]
fn labels_in_ofd_custom_data() {
    let dir = folder_of(&[
        (".mark-lint.yaml", CONFIG.as_bytes()),
        ("低于标签.ofd", &labelled_ofd("秘密★5年")),
        ("无标志.ofd", &labelled_ofd("关于管网改造的报告")),
        ("一致.ofd", &labelled_ofd("机密★10年")),
    ]);
    let (code, out, err) = run_in(dir.path(), &concise(&["--select", "ML003,ML201", "."]));
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("低于标签.ofd:1:1: ML003")),
        "{out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("无标志.ofd:1:1: ML201")),
        "{out}"
    );
    let (code, out, _) = run_in(
        dir.path(),
        &concise(&[
            "--system",
            "unclassified",
            "--select",
            "ML301",
            "无标志.ofd",
        ]),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("无标志.ofd:1:1: ML301") && out.contains("Highly Confidential"),
        "{out}"
    );
}

#[test]
fn the_ledger_shows_the_label_beside_the_mark() {
    let dir = label_fixtures(&guid_config());
    let files = ["label-below.docx", "label-unmarked.doc", "no-label.pdf"];
    let inventory = |format: &str, lang: &str| {
        let args = [
            &[
                "inventory",
                "--today",
                "2026-11-27",
                "--format",
                format,
                "--lang",
                lang,
            ][..],
            &files,
        ]
        .concat();
        run_expect(dir.path(), &args, 0).0
    };
    let json: serde_json::Value = serde_json::from_str(&inventory("json", "en")).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let row = |path: &str| rows.iter().find(|r| r["path"] == path).unwrap();
    let below = row("label-below.docx");
    assert_eq!(
        (below["mark"].as_str(), below["level"].as_str()),
        (Some("秘密★5年"), Some("秘密"))
    );
    assert_eq!(
        below["label"],
        serde_json::json!({"name": "Highly Confidential", "level": "机密"})
    );
    // A label alone puts the document in the ledger: its mark is the label.
    let alone = row("label-unmarked.doc");
    assert_eq!(alone["level"], "机密");
    assert_eq!(alone["label"]["name"], "Highly Confidential");
    assert!(row("no-label.pdf").get("label").is_none(), "{json}");
    let csv = inventory("csv", "en");
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header.ends_with(",today,label,label_level,source,confidence"),
        "{header}"
    );
    let line = csv
        .lines()
        .find(|l| l.starts_with("label-below.docx"))
        .unwrap();
    assert!(line.ends_with(",Highly Confidential,机密,text,"), "{line}");
    let html = inventory("html", "zh");
    assert!(
        html.contains("标签“Highly Confidential”对应机密"),
        "labels missing from the page"
    );
    for lang in ["zh", "en"] {
        snap!(format!("label_ledger_{lang}"), inventory("table", lang));
    }
}
