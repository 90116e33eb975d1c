//! Training material is not classified: marks listed side by side are examples. The
//! precision class is generated — quiz options in every list style, tables of levels
//! with sample marks, slide bullets, right/wrong style guides — in every text format, and
//! must give zero findings in both modes. The counterpart class (a real 版头 laid out in a
//! table, a single mark in a list on the first page, a document's mark with its change
//! mark below it) must still be found.

use super::*;

/// Quiz options: each set holds marks that differ in form, level or term.
const OPTION_SETS: [[&str; 4]; 4] = [
    ["机密10年", "10年★机密", "机密★10年", "机密（10年）"],
    ["绝密★30年", "绝密★40年", "绝密☆30年", "绝密★三十年"],
    ["秘密★5年", "机密★5年", "绝密★5年", "工作秘密★5年"],
    ["秘密★6个月", "秘密★半年", "秘密★0.5年", "秘密 6个月"],
];

/// List markers of every style seen in quiz banks, as (prefix of item i, Markdown?).
fn markers() -> Vec<Box<dyn Fn(usize) -> String>> {
    let letters = ["A", "B", "C", "D"];
    let circled = ["①", "②", "③", "④"];
    vec![
        Box::new(|_| "- ".to_string()),
        Box::new(|_| "* ".to_string()),
        Box::new(|i| format!("{}. ", i + 1)),
        Box::new(move |i| format!("{}. ", letters[i])),
        Box::new(move |i| format!("{}．", letters[i])),
        Box::new(move |i| format!("{}、", letters[i])),
        Box::new(move |i| format!("（{}）", letters[i])),
        Box::new(move |i| format!("({})", letters[i])),
        Box::new(move |i| circled[i].to_string()),
        Box::new(|_| String::new()),
    ]
}

/// The generated training documents: (file name, bytes).
fn training_documents() -> Vec<(String, String)> {
    let mut docs = Vec::new();
    for (s, set) in OPTION_SETS.iter().enumerate() {
        for (m, marker) in markers().iter().enumerate() {
            let options: Vec<String> = set
                .iter()
                .enumerate()
                .map(|(i, o)| format!("{}{o}", marker(i)))
                .collect();
            // The quiz at the very top (first-page zone) and below a question.
            let top = format!("{}\n\n答案：C\n", options.join("\n"));
            let below = format!(
                "保密知识测试\n\n1. 下列国家秘密标志中，书写正确的是（　）\n\n{}\n\n答案：C\n",
                options.join("\n")
            );
            for ext in ["txt", "md"] {
                docs.push((format!("quiz-{s}-{m}-top.{ext}"), top.clone()));
                docs.push((format!("quiz-{s}-{m}-below.{ext}"), below.clone()));
            }
        }
        // HTML: an ordered list, an unordered list, and an answer-sheet table.
        let items: String = set.iter().map(|o| format!("<li>{o}</li>")).collect();
        docs.push((
            format!("quiz-{s}-ol.html"),
            format!("<html><body><ol type=\"A\">{items}</ol></body></html>"),
        ));
        docs.push((format!("quiz-{s}-ul.html"), format!("<ul>{items}</ul>")));
        let rows: String = set
            .iter()
            .enumerate()
            .map(|(i, o)| format!("<tr><td>{}</td><td>{o}</td></tr>", ["A", "B", "C", "D"][i]))
            .collect();
        docs.push((
            format!("answers-{s}.html"),
            format!("<table><tr><th>选项</th><th>标志</th></tr>{rows}</table>"),
        ));
        // A single-column Markdown table of the options.
        let md_rows: String = set.iter().map(|o| format!("| {o} |\n")).collect();
        docs.push((
            format!("answers-{s}.md"),
            format!("| 选项 |\n|---|\n{md_rows}"),
        ));
    }
    // A table of the levels with their maximum terms and one sample per level.
    let levels = [("绝密", 30), ("机密", 20), ("秘密", 10)];
    let md: String = levels
        .iter()
        .map(|(l, y)| format!("| {l} | {y}年 | {l}★{y}年 |\n"))
        .collect();
    docs.push((
        "levels.md".into(),
        format!("| 密级 | 最长保密期限 | 标注示例 |\n|---|---|---|\n{md}"),
    ));
    let cells: String = levels
        .iter()
        .map(|(l, y)| format!("<tr><td>{l}</td><td>{y}年</td><td>{l}★{y}年</td></tr>"))
        .collect();
    docs.push((
        "levels.html".into(),
        format!(
            "<table><tr><th>密级</th><th>最长保密期限</th><th>标注示例</th></tr>{cells}</table>"
        ),
    ));
    // Slides: the three forms as bullets, and a common-mistakes slide.
    docs.push((
        "slides.md".into(),
        "# 国家秘密标志的三种形式\n\n- 绝密★30年\n- 机密★2030年12月31日\n- 秘密★解密条件：工程竣工后\n\n---\n\n# 常见错误\n\n- 机密☆10年（星号错误）\n- 机密★十年（数字错误）\n- 机密 ★ 10 年（多余空格）\n".into(),
    ));
    // Style guides in plain text: judged lines, and notes in brackets.
    docs.push((
        "style-judged.txt".into(),
        "标志写法\n正确：\n机密★10年\n错误：\n机密10年\n机密*10年\n".into(),
    ));
    docs.push((
        "style-notes.txt".into(),
        "国家秘密标志常见错误\n\n机密☆10年（星号错误）\n\n机密★十年（数字错误）\n\n机密★10年（正确写法）\n".into(),
    ));
    docs.push((
        "style-three.txt".into(),
        "三种标志形式\n绝密★30年\n机密★2030年12月31日\n秘密★解密条件：工程竣工后\n".into(),
    ));
    // The three levels as a lecture note and an essay title.
    docs.push((
        "levels-list.md".into(),
        "# 密级\n\n- 绝密\n- 机密\n- 秘密\n".into(),
    ));
    docs.push((
        "essay.md".into(),
        "# 秘密\n\n团结协作是我们攻坚克难的秘密武器。\n".into(),
    ));
    docs
}

fn write_all(dir: &Path, docs: &[(String, String)]) {
    for (name, text) in docs {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn training_material_gives_no_finding_in_either_mode() {
    let dir = tempfile::tempdir().unwrap();
    let docs = training_documents();
    assert!(docs.len() > 100, "{} documents", docs.len());
    write_all(dir.path(), &docs);
    for system in ["classified", "unclassified"] {
        let (code, stdout, stderr) = run_in(
            dir.path(),
            &concise(&["--system", system, "--fail-on", "info", "."]),
        );
        assert_eq!(
            (code, stdout.as_str()),
            (0, ""),
            "--system {system}: training material gave findings\n{stderr}"
        );
    }
    // Every document was read (none skipped): the summary counts them all.
    let (_, json, _) = run_in(
        dir.path(),
        &["check", "--today", "2026-11-27", "--format", "json", "."],
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["summary"]["files"], docs.len());
}

/// The counterpart class: real marks stay marks.
#[test]
fn real_marks_beside_lists_and_tables_are_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let docs: Vec<(String, String)> = vec![
        // A 版头 laid out in table cells: one mark among 份号 and urgency.
        (
            "banner-table.html".into(),
            "<table><tr><td>000001</td><td>机密★10年</td><td>特急</td></tr></table><p>关于城西水厂联络管工程的通知</p><p>2026年3月5日</p>".into(),
        ),
        (
            "banner-table.md".into(),
            "| 000001 |\n| 机密★10年 |\n| 特急 |\n\n关于城西水厂联络管工程的通知\n\n2026年3月5日\n".into(),
        ),
        // A single mark in a list on the first page.
        (
            "list-mark.md".into(),
            "- 机密★10年\n\n关于城西水厂联络管工程的通知\n\n2026年3月5日\n".into(),
        ),
        (
            "list-mark.html".into(),
            "<ul><li>机密★10年</li><li>关于城西水厂联络管工程的通知</li></ul><p>2026年3月5日</p>".into(),
        ),
        // A mark repeated identically in a list (a header on every page, flattened).
        (
            "repeated.md".into(),
            "- 秘密★5年\n- 秘密★5年\n- 秘密★5年\n\n会议纪要\n\n2026年3月5日\n".into(),
        ),
        // The document's mark and its change mark below it (定密规定第四十条).
        (
            "changed.txt".into(),
            "机密★10年\n秘密★5年\n\n关于城西水厂联络管工程的通知\n\n2026年3月5日\n".into(),
        ),
        // A clean mark with a note that does not judge its form.
        (
            "noted.txt".into(),
            "机密★5年（自印发之日起计算）\n\n通知\n\n2026年3月5日\n".into(),
        ),
    ];
    write_all(dir.path(), &docs);
    let (_, stdout, stderr) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    for (name, _) in &docs {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}:")) && l.contains("ML301")),
            "{name} lost its mark:\n{stdout}{stderr}"
        );
    }
    // In archive mode the same marks are read: their terms run out by 2060 (the mark with
    // a note after its term is malformed, as it was before).
    let (_, stdout, _) = run_in(
        dir.path(),
        &["check", "--today", "2060-01-01", "--format", "concise", "."],
    );
    for (name, _) in &docs {
        let code = if name == "noted.txt" {
            "ML001"
        } else {
            "ML104"
        };
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}:")) && l.contains(code)),
            "{name}: no {code} in 2060:\n{stdout}"
        );
    }
}

#[test]
fn training_fixture_folder() {
    snap!(
        "training_archive",
        run(&["check", "--today", "2026-11-27", "tests/fixtures/training"])
    );
    snap!(
        "training_unclassified",
        run(&[
            "check",
            "--today",
            "2026-11-27",
            "--system",
            "unclassified",
            "tests/fixtures/training"
        ])
    );
}

/// mark-lint's own HTML ledger lists marks in its table: mentions, even with one row;
/// a mark written elsewhere in such a page still counts.
#[test]
fn the_tools_own_ledger_is_not_a_marked_document() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::write(docs.join("a.md"), "机密★10年\n\n通知\n\n2026年3月5日\n").unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    for (name, source) in [
        ("one-row.html", "docs"),
        ("ledger.html", "../tests/fixtures/ledger"),
    ] {
        let source = if source == "docs" {
            docs.clone()
        } else {
            root().join("tests/fixtures/ledger")
        };
        let out = reports.join(name);
        let (code, _, stderr) = run_in(
            dir.path(),
            &[
                "inventory",
                "--today",
                "2026-11-27",
                "--format",
                "html",
                "-o",
                out.to_str().unwrap(),
                source.to_str().unwrap(),
            ],
        );
        assert_eq!(code, 0, "{stderr}");
    }
    for system in ["classified", "unclassified"] {
        let (code, stdout, stderr) = run_in(dir.path(), &concise(&["--system", system, "reports"]));
        assert_eq!((code, stdout.as_str()), (0, ""), "{system}: {stderr}");
    }
    // A mark pasted into the page outside the ledger table is a mark.
    let page = std::fs::read_to_string(reports.join("one-row.html")).unwrap();
    let planted = page.replacen("<main>", "<main><p>绝密★30年</p>", 1);
    assert_ne!(planted, page);
    std::fs::write(reports.join("one-row.html"), planted).unwrap();
    let (_, stdout, _) = run_in(
        dir.path(),
        &concise(&["--system", "unclassified", "reports"]),
    );
    assert!(
        stdout.contains("one-row.html") && stdout.contains("绝密★30年"),
        "{stdout}"
    );
}

// ---- Office formats: the same classes in Word, Writer, PowerPoint and Calc files ----

const W_NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

fn w_para(text: &str, numbered: bool) -> String {
    let ppr = if numbered {
        r#"<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>"#
    } else {
        ""
    };
    format!("<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn w_table(rows: &[Vec<&str>]) -> String {
    let rows: String = rows
        .iter()
        .map(|r| {
            let cells: String = r
                .iter()
                .map(|c| format!("<w:tc><w:tcPr/>{}</w:tc>", w_para(c, false)))
                .collect();
            format!("<w:tr>{cells}</w:tr>")
        })
        .collect();
    format!("<w:tbl><w:tblPr/>{rows}</w:tbl>")
}

fn docx(body: &str) -> Vec<u8> {
    let _ = W_NS;
    mark_lint::extract::ooxml::docx_from_body(body)
}

fn odf(mimetype: &str, body: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body>{body}</office:body></office:document-content>"#
    );
    let manifest = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#
    );
    zip_of(&[
        ("mimetype", mimetype.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}

fn odt(text: &str) -> Vec<u8> {
    odf(
        "application/vnd.oasis.opendocument.text",
        &format!("<office:text>{text}</office:text>"),
    )
}

fn ods(rows: &[Vec<&str>]) -> Vec<u8> {
    let rows: String = rows
        .iter()
        .map(|r| {
            let cells: String = r
                .iter()
                .map(|c| format!("<table:table-cell><text:p>{c}</text:p></table:table-cell>"))
                .collect();
            format!("<table:table-row>{cells}</table:table-row>")
        })
        .collect();
    odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        &format!(
            "<office:spreadsheet><table:table table:name=\"题库\">{rows}</table:table></office:spreadsheet>"
        ),
    )
}

/// A presentation of one slide per entry: (title, bullets in the body placeholder).
fn pptx(slides: &[(&str, Vec<&str>)]) -> Vec<u8> {
    const P: &str = r#"xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let shape = |ph: &str, paras: &[&str]| {
        let paras: String = paras
            .iter()
            .map(|t| format!("<a:p><a:r><a:t>{t}</a:t></a:r></a:p>"))
            .collect();
        format!(
            r#"<p:sp><p:nvSpPr><p:cNvPr id="2" name="x"/><p:cNvSpPr/><p:nvPr><p:ph {ph}/></p:nvPr></p:nvSpPr><p:txBody><a:bodyPr/>{paras}</p:txBody></p:sp>"#
        )
    };
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ids = String::new();
    let mut pres_rels = String::new();
    for (i, (title, bullets)) in slides.iter().enumerate() {
        let n = i + 1;
        let slide = format!(
            r#"<p:sld {P}><p:cSld><p:spTree>{}{}</p:spTree></p:cSld></p:sld>"#,
            shape(r#"type="title""#, &[title]),
            shape(r#"idx="1""#, bullets)
        );
        entries.push((format!("ppt/slides/slide{n}.xml"), slide.into_bytes()));
        ids.push_str(&format!(r#"<p:sldId id="{}" r:id="rId{n}"/>"#, 255 + n));
        pres_rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{REL}/slide" Target="slides/slide{n}.xml"/>"#
        ));
    }
    let pres = format!(r#"<p:presentation {P}><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>"#);
    let rels = |body: &str| {
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>"#
        )
    };
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#;
    entries.push(("[Content_Types].xml".into(), types.as_bytes().to_vec()));
    entries.push((
        "_rels/.rels".into(),
        rels(&format!(
            r#"<Relationship Id="rId1" Type="{REL}/officeDocument" Target="ppt/presentation.xml"/>"#
        ))
        .into_bytes(),
    ));
    entries.push(("ppt/presentation.xml".into(), pres.into_bytes()));
    entries.push((
        "ppt/_rels/presentation.xml.rels".into(),
        rels(&pres_rels).into_bytes(),
    ));
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&refs)
}

/// A workbook of one sheet whose rows are `rows`, every cell a shared string (as
/// Excel and WPS write them).
fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const S: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
    let mut strings: Vec<&str> = Vec::new();
    let mut sheet_rows = String::new();
    for (r, row) in rows.iter().enumerate() {
        let mut cells = String::new();
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            let index = match strings.iter().position(|s| s == text) {
                Some(i) => i,
                None => {
                    strings.push(text);
                    strings.len() - 1
                }
            };
            let col = (b'A' + c as u8) as char;
            cells.push_str(&format!(
                r#"<c r="{col}{}" t="s"><v>{index}</v></c>"#,
                r + 1
            ));
        }
        sheet_rows.push_str(&format!(r#"<row r="{}">{cells}</row>"#, r + 1));
    }
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<sst {S} count="{0}" uniqueCount="{0}">{sst}</sst>"#,
        strings.len()
    );
    let sheet = format!("<worksheet {S}><sheetData>{sheet_rows}</sheetData></worksheet>");
    let workbook = format!(
        r#"<workbook {S} xmlns:r="{REL}"><sheets><sheet name="题库" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = |body: &str| {
        format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{body}</Relationships>"#
        )
    };
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
    let pkg_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>"#
    ));
    let wb_rels = rels(&format!(
        r#"<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>"#
    ));
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", pkg_rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ])
}

fn write_bytes(dir: &Path, docs: &[(String, Vec<u8>)]) {
    for (name, bytes) in docs {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn training_material_in_office_formats_gives_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
    for (s, set) in OPTION_SETS.iter().enumerate() {
        let question = w_para("下列国家秘密标志中，书写规范的是（　）", false);
        let numbered: String = set.iter().map(|o| w_para(o, true)).collect();
        docs.push((
            format!("quiz-{s}-list.docx"),
            docx(&format!("{question}{numbered}")),
        ));
        let mut rows = vec![vec!["选项", "标志"]];
        for (i, o) in set.iter().enumerate() {
            rows.push(vec![["A", "B", "C", "D"][i], o]);
        }
        docs.push((format!("quiz-{s}-sheet.docx"), docx(&w_table(&rows))));
        let items: String = set
            .iter()
            .map(|o| format!("<text:list-item><text:p>{o}</text:p></text:list-item>"))
            .collect();
        docs.push((
            format!("quiz-{s}.odt"),
            odt(&format!(
                "<text:p>单选题</text:p><text:list>{items}</text:list>"
            )),
        ));
        docs.push((format!("quiz-{s}.ods"), ods(&rows)));
        docs.push((
            format!("quiz-{s}.odp"),
            odf(
                "application/vnd.oasis.opendocument.presentation",
                &format!(
                    "<office:presentation><draw:page xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\"><draw:frame><draw:text-box><text:p>保密知识测试</text:p><text:list>{items}</text:list></draw:text-box></draw:frame></draw:page></office:presentation>"
                ),
            ),
        ));
        docs.push((format!("quiz-{s}.xlsx"), xlsx(&rows)));
        docs.push((
            format!("quiz-{s}.pptx"),
            pptx(&[("保密知识测试", set.to_vec())]),
        ));
    }
    let levels = vec![
        vec!["密级", "最长保密期限", "标注示例"],
        vec!["绝密", "30年", "绝密★30年"],
        vec!["机密", "20年", "机密★20年"],
        vec!["秘密", "10年", "秘密★10年"],
    ];
    docs.push(("levels.docx".into(), docx(&w_table(&levels))));
    docs.push(("levels.ods".into(), ods(&levels)));
    docs.push(("levels.xlsx".into(), xlsx(&levels)));
    docs.push((
        "slides.pptx".into(),
        pptx(&[
            ("国家秘密标志", vec!["绝密", "机密", "秘密"]),
            (
                "三种形式",
                vec![
                    "绝密★30年",
                    "机密★2030年12月31日",
                    "秘密★解密条件：工程竣工后",
                ],
            ),
            ("常见错误", vec!["机密☆10年", "机密★十年", "机密 ★ 10 年"]),
        ]),
    ));
    docs.push((
        "heading.odt".into(),
        odt("<text:h>秘密</text:h><text:p>团结协作是我们攻坚克难的秘密武器。</text:p>"),
    ));
    write_bytes(dir.path(), &docs);
    for system in ["classified", "unclassified"] {
        let (code, stdout, stderr) = run_in(
            dir.path(),
            &concise(&["--system", system, "--fail-on", "info", "."]),
        );
        assert_eq!(
            (code, stdout.as_str()),
            (0, ""),
            "--system {system}: training material gave findings\n{stderr}"
        );
    }
    let (_, json, _) = run_in(
        dir.path(),
        &["check", "--today", "2026-11-27", "--format", "json", "."],
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        report["summary"]["files"],
        docs.len(),
        "every file was read"
    );
}

#[test]
fn real_marks_in_office_tables_and_lists_are_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let title = w_para("关于城西水厂联络管工程的通知", false);
    let date = w_para("2026年3月5日", false);
    let docs: Vec<(String, Vec<u8>)> = vec![
        (
            "banner-table.docx".into(),
            docx(&format!(
                "{}{title}{date}",
                w_table(&[vec!["000001", "机密★10年", "特急"]])
            )),
        ),
        (
            "list-mark.docx".into(),
            docx(&format!("{}{title}{date}", w_para("机密★10年", true))),
        ),
        (
            "list-mark.odt".into(),
            odt(
                "<text:list><text:list-item><text:p>机密★10年</text:p></text:list-item></text:list><text:p>关于城西水厂联络管工程的通知</text:p><text:p>2026年3月5日</text:p>",
            ),
        ),
        // A workbook marked in its first cell, listing other documents' marks in a
        // column of its own: the first cell is still the workbook's mark.
        (
            "ledger.ods".into(),
            ods(&[
                vec!["机密★10年", "", ""],
                vec!["文件", "密级", "标志"],
                vec!["a.docx", "机密", "机密★5年"],
                vec!["b.docx", "秘密", "秘密★1年"],
            ]),
        ),
        (
            "ledger.xlsx".into(),
            xlsx(&[
                vec!["机密★10年", "", ""],
                vec!["文件", "密级", "标志"],
                vec!["a.docx", "机密", "机密★5年"],
                vec!["b.docx", "秘密", "秘密★1年"],
            ]),
        ),
        (
            "deck.pptx".into(),
            pptx(&[("机密★10年", vec!["关于城西水厂联络管工程的汇报"])]),
        ),
    ];
    write_bytes(dir.path(), &docs);
    let (_, stdout, stderr) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    for (name, _) in &docs {
        assert!(
            stdout.lines().any(|l| l.starts_with(&format!("{name}:"))
                && l.contains("ML301")
                && l.contains("机密★10年")),
            "{name} lost its mark:\n{stdout}{stderr}"
        );
    }
    // The workbooks' column of other documents' marks is a list: mentions.
    for name in ["ledger.ods", "ledger.xlsx"] {
        assert!(
            !stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}:")) && l.contains("机密★5年")),
            "{name}: the ledger column is not a list:\n{stdout}"
        );
    }
}
