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
