//! Property tests for the extractors. A mark is planted in a fixture of every container
//! format, then the container is mutated *inside*: XML fragments inserted into its
//! parts (unbalanced tags, comments, DTDs, entities, junk bytes, deep nesting),
//! entries deleted, renamed, duplicated, swapped, truncated or replaced, the whole
//! rezipped with random compression, and a few bytes of the result flipped. The
//! oracle is the product's promise: the planted mark is read (in any part, of the
//! document or of one it carries), or an ML900 is reported — never silence, never a
//! panic. The same oracle holds for containers behind any name, for Word bodies
//! built from a grammar of WordprocessingML, and for archives (zip, tar, gzip) and
//! email messages with bytes flipped or cut.

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;

use mark_lint::extract::{Document, ExtractError, Extracted, Limits, extract_bytes};

#[path = "support/archives.rs"]
mod archive_kit;
use archive_kit::{gzip, tar_of};
use mark_lint::regime::Regime;
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// PDFs are read by the worker subcommand of the real binary.
fn use_built_worker() {
    mark_lint::extract::pdf::set_worker(env!("CARGO_BIN_EXE_mark-lint").into());
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/office").join(rel)).unwrap()
}

const PLANTED: &str = "绝密★27年";

/// Extract, then scan every resulting document (and embedded ones): no panic anywhere.
fn exercise(bytes: Vec<u8>, ext: &str) -> Result<Extracted, ExtractError> {
    let regime = Regime::builtin();
    let limits = Limits::new(64 << 20);
    let extracted = extract_bytes(bytes, ext, &limits, 0)?;
    if let Extracted::Doc(doc) = &extracted {
        scan_all(&regime, doc);
    }
    Ok(extracted)
}

fn scan_all(regime: &Regime, doc: &Document) {
    let _ = mark_lint::scan::scan(regime, doc, "fuzz");
    for inner in doc.embedded.iter().filter_map(|e| e.doc.as_ref().ok()) {
        scan_all(regime, inner);
    }
}

/// Whether `needle` was read anywhere in `doc` or the documents it carries.
fn read_anywhere(doc: &Document, needle: &str) -> bool {
    doc.parts.iter().any(|p| p.text.contains(needle))
        || doc
            .embedded
            .iter()
            .filter_map(|e| e.doc.as_ref().ok())
            .any(|d| read_anywhere(d, needle))
}

/// Whether anything in `doc` (or what it carries) is an ML900.
fn any_unreadable(doc: &Document) -> bool {
    !doc.gaps.is_empty()
        || doc.embedded.iter().any(|e| match &e.doc {
            Ok(d) => any_unreadable(d),
            Err(_) => true,
        })
}

/// The oracle: the planted mark is read, or an ML900 says something was not.
fn found_or_reported(result: &Result<Extracted, ExtractError>) -> Result<(), String> {
    match result {
        Err(_) => Ok(()),
        Ok(Extracted::Skip) => Err("a document was skipped".into()),
        Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED) || any_unreadable(d) => Ok(()),
        Ok(Extracted::Doc(d)) => Err(format!(
            "silence: the mark is not read and nothing is reported; embedded: {:?}; parts: {:?}",
            d.embedded.iter().map(|e| &e.name).collect::<Vec<_>>(),
            d.parts
                .iter()
                .map(|p| (
                    p.name.clone(),
                    p.role,
                    p.text.chars().take(80).collect::<String>()
                ))
                .collect::<Vec<_>>()
        )),
    }
}

/// Fixtures, the part a mark is planted in, and the element whose text it replaces.
const PLANTS: &[(&str, &str, &str, &str)] = &[
    (
        "docx/tracked-change.docx",
        "docx",
        "word/document.xml",
        "w:t",
    ),
    ("docx/textbox.docx", "docx", "word/document.xml", "w:t"),
    ("docx/header.docx", "docx", "word/header1.xml", "w:t"),
    ("docx/footnote.docx", "docx", "word/footnotes.xml", "w:t"),
    ("odt/header.odt", "odt", "styles.xml", "text:p"),
    ("odt/body.odt", "odt", "content.xml", "text:p"),
    ("xlsx/sheet.xlsx", "xlsx", "xl/sharedStrings.xml", "t"),
    ("pptx/slides.pptx", "pptx", "ppt/slides/slide1.xml", "a:t"),
    (
        "ofd/template.ofd",
        "ofd",
        "Doc_0/Tpls/Tpl_0/Content.xml",
        "ofd:TextCode",
    ),
    (
        "ofd/page.ofd",
        "ofd",
        "Doc_0/Pages/Page_0/Content.xml",
        "ofd:TextCode",
    ),
    (
        "ofd/annotation.ofd",
        "ofd",
        "Doc_0/Annots/Page_0/Annotation.xml",
        "ofd:TextCode",
    ),
];

/// The entries of a zip, in order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn rezip(entries: &[(String, Vec<u8>)], stored: u64) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut w = zip::ZipWriter::new(&mut buf);
        for (i, (name, data)) in entries.iter().enumerate() {
            let method = if stored >> (i % 64) & 1 == 1 {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            // Names made equal by a mutation: the writer refuses; keep the first.
            if w.start_file(name.as_str(), opts).is_ok() {
                w.write_all(data).unwrap();
            }
        }
        w.finish().unwrap();
    }
    buf.into_inner()
}

/// A fixture with the planted mark as the text of the first `element` of `part`; the
/// byte range of that element (which mutations leave alone).
/// Zip entries: (name, bytes).
type Entries = Vec<(String, Vec<u8>)>;

fn planted(which: usize) -> (Entries, usize, std::ops::Range<usize>) {
    let (rel, _, part, element) = PLANTS[which];
    let mut entries = unzip(&fixture(rel));
    let at = entries.iter().position(|(n, _)| n == part).unwrap();
    let xml = String::from_utf8(entries[at].1.clone()).unwrap();
    let open = format!("<{element}");
    let mut start = 0;
    let s = loop {
        let s = start + xml[start..].find(&open).unwrap();
        // `<t>`, not `<tab>`: the element name ends there.
        if matches!(xml.as_bytes()[s + open.len()], b'>' | b' ') {
            break s;
        }
        start = s + 1;
    };
    let content = s + xml[s..].find('>').unwrap() + 1;
    let close = format!("</{element}>");
    let end = content + xml[content..].find(&close).unwrap();
    let new = format!("{}{PLANTED}{}", &xml[..content], &xml[end..]);
    let span = s..content + PLANTED.len() + close.len();
    entries[at].1 = new.into_bytes();
    (entries, at, span)
}

/// XML fragments: unbalanced tags, markup that hides or breaks, hostile constructs.
const FRAGMENTS: &[&str] = &[
    "<w:p>",
    "</w:p>",
    "<w:del>",
    "</w:body>",
    "<w:pPr>",
    "<w:pPr/>",
    "<w:r><w:rPr><w:vanish/></w:rPr></w:r>",
    "<w:sdt><w:sdtContent></w:sdtContent></w:sdt>",
    "<mc:Fallback>",
    "<text:p>",
    "</text:p>",
    "<ofd:TextObject>",
    "</ofd:Layer>",
    "<a:t>",
    "<!-- a comment -->",
    "<!--",
    "<![CDATA[",
    "<![CDATA[x]]>",
    "<?pi data?>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    "&a;",
    "&#x0;",
    "&#xD800;",
    "\u{FEFF}",
    "\u{0}",
    "<x:y a=\"1\" a=\"2\"/>",
    "<x:y a='<'/>",
    "</",
    "<",
    ">",
    "&",
    "\"",
];

/// What one mutation does to the entries.
#[derive(Debug, Clone)]
enum Mutation {
    /// Insert fragment `f` (or 600 nested elements, or invalid UTF-8) into an entry,
    /// at a tag boundary outside the planted element.
    Insert {
        entry: usize,
        at: usize,
        f: usize,
    },
    Delete {
        entry: usize,
    },
    /// Rename: change case, move to another folder, or add a suffix.
    Rename {
        entry: usize,
        how: u8,
    },
    Duplicate {
        entry: usize,
    },
    Garbage {
        entry: usize,
        seed: u64,
    },
    Truncate {
        entry: usize,
        keep: f64,
    },
    Swap {
        a: usize,
        b: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let e = any::<usize>();
    prop_oneof![
        6 => (e, any::<usize>(), 0..FRAGMENTS.len() + 2)
            .prop_map(|(entry, at, f)| Mutation::Insert { entry, at, f }),
        1 => e.prop_map(|entry| Mutation::Delete { entry }),
        1 => (e, any::<u8>()).prop_map(|(entry, how)| Mutation::Rename { entry, how }),
        1 => e.prop_map(|entry| Mutation::Duplicate { entry }),
        1 => (e, any::<u64>()).prop_map(|(entry, seed)| Mutation::Garbage { entry, seed }),
        1 => (e, 0.0f64..1.0).prop_map(|(entry, keep)| Mutation::Truncate { entry, keep }),
        1 => (e, e).prop_map(|(a, b)| Mutation::Swap { a, b }),
    ]
}

/// Apply `m`; `planted` tracks the planted entry and element span as entries move.
/// True when `m` removed the planted entry from the archive.
fn apply(
    entries: &mut Vec<(String, Vec<u8>)>,
    planted: &mut Option<(usize, std::ops::Range<usize>)>,
    m: &Mutation,
) -> bool {
    if entries.is_empty() {
        return false;
    }
    let n = entries.len();
    // The entry a mutation aims at: half of them at the planted part itself.
    let pick = |e: usize, planted: &Option<(usize, std::ops::Range<usize>)>| match planted {
        Some((p, _)) if e.is_multiple_of(2) => *p,
        _ => e / 2 % n,
    };
    match m {
        Mutation::Insert { entry, at, f } => {
            let i = pick(*entry, planted);
            let data = &entries[i].1;
            let boundaries: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(j, b)| {
                    **b == b'<'
                        && !planted
                            .as_ref()
                            .is_some_and(|(p, r)| *p == i && r.contains(j))
                })
                .map(|(j, _)| j)
                .collect();
            let Some(&pos) = boundaries.get(at % boundaries.len().max(1)) else {
                return false;
            };
            let frag: Vec<u8> = match *f {
                f if f < FRAGMENTS.len() => FRAGMENTS[f].as_bytes().to_vec(),
                f if f == FRAGMENTS.len() => ["<x:d>".repeat(600), "</x:d>".repeat(600)]
                    .concat()
                    .into_bytes(),
                _ => vec![0xFF, 0xFE, 0xC0],
            };
            let len = frag.len();
            entries[i].1.splice(pos..pos, frag);
            if let Some((p, r)) = planted.as_mut()
                && *p == i
                && pos <= r.start
            {
                *r = r.start + len..r.end + len;
            }
        }
        Mutation::Delete { entry } => {
            let i = pick(*entry, planted);
            entries.remove(i);
            let removed = planted.as_ref().is_some_and(|(p, _)| *p == i);
            *planted = match planted.take() {
                Some((p, _)) if p == i => None,
                Some((p, r)) if p > i => Some((p - 1, r)),
                other => other,
            };
            return removed;
        }
        Mutation::Rename { entry, how } => {
            let i = pick(*entry, planted);
            let name = &entries[i].0;
            entries[i].0 = match how % 3 {
                0 => name.to_uppercase(),
                1 => format!("moved/{name}"),
                _ => format!("{name}.bak"),
            };
        }
        Mutation::Duplicate { entry } => {
            let i = pick(*entry, planted);
            let copy = entries[i].clone();
            entries.push((copy.0.to_uppercase(), copy.1));
        }
        Mutation::Garbage { entry, seed } => {
            let i = pick(*entry, planted);
            let mut x = *seed | 1;
            entries[i].1 = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            if planted.as_ref().is_some_and(|(p, _)| *p == i) {
                *planted = None;
            }
        }
        Mutation::Truncate { entry, keep } => {
            let i = pick(*entry, planted);
            let len = entries[i].1.len();
            let cut = (len as f64 * keep) as usize;
            entries[i].1.truncate(cut);
            if let Some((p, r)) = planted.as_ref()
                && *p == i
                && cut < r.end
            {
                *planted = None;
            }
        }
        Mutation::Swap { a, b } => {
            let (i, j) = (pick(*a, planted), b % n);
            let (da, db) = (entries[i].1.clone(), entries[j].1.clone());
            entries[i].1 = db;
            entries[j].1 = da;
            if let Some((p, _)) = planted.as_ref()
                && (*p == i || *p == j)
                && i != j
            {
                *planted = None;
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Mutations inside the container: the planted mark is read, or ML900.
    #[test]
    fn mutated_containers_read_the_mark_or_say_why_not(
        which in 0..PLANTS.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
        stored in any::<u64>(),
        flips in prop::collection::vec((any::<usize>(), 1u8..), 0..2),
    ) {
        let (mut entries, at, span) = planted(which);
        let mut plant = Some((at, span));
        let mut removed = false;
        for m in &mutations {
            removed |= apply(&mut entries, &mut plant, m);
        }
        let mut bytes = rezip(&entries, stored);
        // A flipped byte lands in headers, names or compressed data: damage the zip
        // checks (CRC, sizes) must catch.
        let len = bytes.len();
        for (at, v) in &flips {
            bytes[at % len] ^= v;
        }
        let result = exercise(bytes, PLANTS[which].1);
        if removed {
            // The part that held the mark is gone: there is nothing to find, unless a
            // reference to it remains (then ML900 "missing"); the document is still one.
            prop_assert!(!matches!(result, Ok(Extracted::Skip)), "a document was skipped");
        } else {
            prop_assert!(found_or_reported(&result).is_ok(), "{}", found_or_reported(&result).unwrap_err());
        }
    }

    /// A container of any format is read as itself behind any name: its mark is read
    /// (or ML900), never skipped.
    #[test]
    fn containers_behind_any_name(
        which in 0..PLANTS.len(),
        ext in prop::sample::select(vec![
            "txt", "md", "html", "", "dat", "zip", "bin", "docx", "odt", "ofd", "xlsx",
            "pptx", "doc", "wps", "rtf", "pdf", "png",
        ]),
    ) {
        let (entries, _, _) = planted(which);
        let result = exercise(rezip(&entries, 0), ext);
        prop_assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED)),
            "{}: {:?}", PLANTS[which].0, result.as_ref().err()
        );
    }

    /// Compound files behind any name: a Word document is read (its mark found),
    /// never taken for text, never skipped.
    #[test]
    fn compound_files_behind_any_name(
        ext in prop::sample::select(vec!["txt", "md", "html", "", "dat", "zip", "doc", "docx", "png"]),
    ) {
        let result = exercise(fixture("corrupt/legacy.doc"), ext);
        prop_assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, "秘密★5年")),
            "{:?}", result.err()
        );
    }

    /// RTF behind any name: read as RTF (never as text, where `\'bb\'fa` escapes hide
    /// the mark), the mark found.
    #[test]
    fn rtf_behind_any_name(
        prefix in "[ \r\n]{0,3}",
        ext in prop::sample::select(vec!["txt", "md", "html", "", "dat", "zip", "doc", "docx", "png", "rtf"]),
    ) {
        let bytes = format!("{prefix}{{\\rtf1\\ansi\\ansicpg936 \\'bb\\'fa\\'c3\\'dc\\u9733?10\\'c4\\'ea\\par}}").into_bytes();
        let result = exercise(bytes, ext);
        prop_assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, "机密★10年")),
            "{result:?}"
        );
    }

    /// Word 97 documents whose streams are damaged (bytes changed, FIB fields set to
    /// extremes, streams cut short): read, or ML900, within bounded time — never a
    /// panic caught as a crash.
    #[test]
    fn damaged_word_documents_never_crash(
        which in 0..WORD_FIXTURES.len(),
        damage in prop::collection::vec((any::<bool>(), 0u8..3, any::<usize>(), any::<u32>()), 1..6),
    ) {
        let mut streams = compound_streams(&fixture(WORD_FIXTURES[which]));
        for (table, op, at, value) in &damage {
            let name = if *table { "/1Table" } else { "/WordDocument" };
            let Some((_, bytes)) = streams.iter_mut().find(|(n, _)| n == name) else {
                continue;
            };
            if bytes.is_empty() {
                continue;
            }
            match op {
                0 => {
                    let i = at % bytes.len();
                    bytes[i] ^= (*value as u8) | 1;
                }
                // A u32 in the FIB (counts, offsets, sizes) or the table's first bytes
                // (the piece table) set to an extreme.
                1 => {
                    let i = (at % bytes.len().min(900)) & !3;
                    let v = [0, 1, u32::MAX, *value][(*value % 4) as usize];
                    let end = (i + 4).min(bytes.len());
                    bytes[i..end].copy_from_slice(&v.to_le_bytes()[..end - i]);
                }
                _ => bytes.truncate(at % bytes.len()),
            }
        }
        let started = std::time::Instant::now();
        let result = exercise(compound_of(&streams), "doc");
        prop_assert!(!matches!(result, Err(ExtractError::Crashed(_))), "{result:?}");
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    /// RTF cut short or with bytes flipped: the mark is read or the file reports what
    /// it could not read — never silence, never a panic.
    #[test]
    fn rtf_survives_mutation(
        cut in 0.3f64..=1.0,
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..6),
    ) {
        let rtf = rtf_sample();
        let mut bytes = rtf.as_bytes()[..(rtf.len() as f64 * cut) as usize].to_vec();
        let len = bytes.len();
        for (at, v) in &flips {
            bytes[at % len] ^= v;
        }
        let _ = exercise(bytes.clone(), "rtf");
        if flips.is_empty() && bytes.len() > rtf.find("\\par\n").unwrap() {
            let result = exercise(bytes, "rtf");
            prop_assert!(matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED)), "{result:?}");
        }
    }

    /// Word bodies from a grammar of WordprocessingML (paragraphs, runs, tables, text
    /// boxes, tracked changes, fields, hidden runs, content controls) with the planted
    /// mark in one run: it is read, in some role.
    #[test]
    fn word_bodies_from_a_grammar(
        before in prop::collection::vec(0..WRAPS.len(), 0..4),
        inner in prop::collection::vec(0..RUNS.len(), 0..6),
        after in prop::collection::vec(0..RUNS.len(), 0..6),
    ) {
        let mut run = format!("<w:r><w:t>{PLANTED}</w:t></w:r>");
        for r in &inner {
            run = format!("{}{run}", RUNS[*r]);
        }
        for r in &after {
            run.push_str(RUNS[*r]);
        }
        let mut p = format!("<w:p>{run}</w:p>");
        for w in &before {
            let (open, close) = WRAPS[*w];
            p = format!("{open}{p}{close}");
        }
        let bytes = mark_lint::extract::ooxml::docx_from_body(&p);
        let result = exercise(bytes, "docx");
        prop_assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED)),
            "{p}: {result:?}"
        );
    }
}

/// An RTF document with the planted mark first, in GBK escapes and `\u` escapes.
fn rtf_sample() -> String {
    let planted: String = PLANTED
        .chars()
        .map(|c| format!("\\u{}?", c as u32))
        .collect();
    format!(
        "{{\\rtf1\\ansi\\ansicpg936\\deff0{{\\fonttbl{{\\f0\\fcharset134 SimSun;}}}}{{\\info{{\\creatim\\yr2026\\mo3\\dy5}}}}\\pard {planted}\\par\n{{\\header \\'d5\\'fd\\'ce\\'c4\\par}}\\pard\\intbl x\\cell\\row\\pard {{\\field{{\\*\\fldinst PAGE}}{{\\fldrslt 1}}}}\\par}}"
    )
}

/// Wrappers around a paragraph that keep its text in the document.
const WRAPS: &[(&str, &str)] = &[
    ("<w:tbl><w:tr><w:tc>", "</w:tc></w:tr></w:tbl>"),
    ("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>"),
    ("<w:customXml w:element=\"x\">", "</w:customXml>"),
    ("<w:ins w:id=\"1\">", "</w:ins>"),
    ("<w:del w:id=\"2\">", "</w:del>"),
    (
        "<w:p><w:r><w:drawing><wps:txbx><w:txbxContent>",
        "</w:txbxContent></wps:txbx></w:drawing></w:r></w:p>",
    ),
    (
        "<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent>",
        "</w:txbxContent></mc:Choice></mc:AlternateContent></w:r></w:p>",
    ),
];

/// Runs beside the planted one.
const RUNS: &[&str] = &[
    "<w:r><w:t>正文</w:t></w:r>",
    "<w:r><w:rPr><w:vanish/></w:rPr><w:t>隐藏</w:t></w:r>",
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
    "<w:r><w:tab/></w:r>",
    "<w:r><w:br/></w:r>",
    "<w:del w:id=\"3\"><w:r><w:delText>删</w:delText></w:r></w:del>",
    "<w:r><w:sym w:font=\"Wingdings\" w:char=\"F0AB\"/></w:r>",
    "<w:bookmarkStart w:id=\"0\" w:name=\"a\"/><w:bookmarkEnd w:id=\"0\"/>",
    "<w:proofErr w:type=\"spellStart\"/>",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Arbitrary bytes, with and without a container signature, under every name:
    /// never a panic.
    #[test]
    fn arbitrary_bytes_with_every_extension(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        ext in prop::sample::select(vec![
            "docx", "odt", "ofd", "xlsx", "pptx", "txt", "md", "html", "doc", "wps", "",
            "zip", "tar", "tgz", "gz", "eml", "rar", "7z",
        ]),
        magic in 0..8usize,
    ) {
        let mut bytes = bytes;
        let sig: &[u8] = match magic {
            0 => b"PK\x03\x04",
            1 => &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            2 => b"{\\rtf1",
            3 => &[0x1F, 0x8B, 0x08, 0x00],
            4 => b"Rar!\x1a\x07\x01\x00",
            5 => b"Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
            _ => b"",
        };
        bytes.splice(0..0, sig.iter().copied());
        if magic == 6 && bytes.len() > 265 {
            bytes[257..265].copy_from_slice(b"ustar\x0000");
        }
        let _ = exercise(bytes, ext);
    }
}

/// Legacy fixtures, their document stream and a mark they hold.
const LEGACY_STREAMS: &[(&str, &str, &str, &str)] = &[
    ("legacy/sheet.xls", "xls", "/Workbook", "秘密★5年"),
    (
        "legacy/slides.ppt",
        "ppt",
        "/PowerPoint Document",
        "机密★10年",
    ),
    // The mark is only in the worksheet embedded as a compressed ExOleObjStg record.
    (
        "embedded/embedded-only.ppt",
        "ppt",
        "/PowerPoint Document",
        "秘密★5年",
    ),
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A legacy workbook or presentation whose document stream is cut anywhere: its
    /// mark is read or an ML900 says what was not; with bytes flipped or spliced
    /// anywhere, it never panics (a flipped record type can turn text into a record
    /// no reader knows, which nothing can tell from a real one).
    #[test]
    fn legacy_streams_cut_or_damaged(
        which in 0..LEGACY_STREAMS.len(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 0..6),
        splice in prop::option::of((any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..64))),
    ) {
        let (rel, ext, stream, mark) = LEGACY_STREAMS[which];
        let mut streams = compound_streams(&fixture(rel));
        let at = streams.iter().position(|(p, _)| p == stream).unwrap();
        let len = streams[at].1.len();
        streams[at].1.truncate(cut.index(len + 1));
        let result = exercise(compound_of(&streams), ext);
        let ok = match &result {
            Err(_) => true,
            Ok(Extracted::Doc(d)) => read_anywhere(d, mark) || any_unreadable(d),
            Ok(Extracted::Skip) => false,
        };
        prop_assert!(ok, "{rel} cut at {}: silence", cut.index(len + 1));
        let data = &mut streams[at].1;
        if !data.is_empty() {
            for (i, v) in &flips {
                let n = data.len();
                data[i.index(n)] ^= v;
            }
            if let Some((i, junk)) = &splice {
                let n = data.len();
                data.splice(i.index(n)..i.index(n), junk.iter().copied());
            }
        }
        let _ = exercise(compound_of(&streams), ext);
    }
}

/// Where the first ExOleObjStg record (type 0x1011) of a `PowerPoint Document` stream
/// starts and ends, walking its top-level records.
fn ole_object_record(stream: &[u8]) -> (usize, usize) {
    let mut at = 0;
    loop {
        let kind = u16::from_le_bytes([stream[at + 2], stream[at + 3]]);
        let len = u32::from_le_bytes(stream[at + 4..at + 8].try_into().unwrap()) as usize;
        if kind == 0x1011 {
            return (at, at + 8 + len);
        }
        at += 8 + len;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A .ppt whose only mark is in an embedded worksheet (a compressed ExOleObjStg
    /// record), with that record's size or zlib data damaged — bytes flipped, the record
    /// shortened (its data cut), or a declared size set to an extreme:
    /// the mark is read or an ML900 names what was not. Never silence, never a panic.
    #[test]
    fn ppt_objects_damaged_are_read_or_reported(
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 0..6),
        cut in prop::option::of(any::<prop::sample::Index>()),
        declared in prop::option::of(prop::sample::select(vec![0u32, 1, 5631, 5633, u32::MAX])),
    ) {
        let mut streams = compound_streams(&fixture("embedded/embedded-only.ppt"));
        let at = streams.iter().position(|(p, _)| p == "/PowerPoint Document").unwrap();
        let stream = &mut streams[at].1;
        let (start, end) = ole_object_record(stream);
        for (i, v) in &flips {
            // After the record header: the declared size and the zlib stream.
            let i = start + 8 + i.index(end - start - 8);
            stream[i] ^= v;
        }
        if let Some(size) = declared {
            stream[start + 8..start + 12].copy_from_slice(&size.to_le_bytes());
        }
        if let Some(cut) = cut {
            // The record keeps `keep` bytes of its data; the rest becomes a record of a
            // type no reader knows, so that every later record stays where the persist
            // directory says.
            let keep = cut.index(end - start - 16);
            stream[start + 4..start + 8].copy_from_slice(&(keep as u32).to_le_bytes());
            let filler = start + 8 + keep;
            stream[filler..filler + 4].copy_from_slice(&[0, 0, 0xAD, 0x0B]);
            let rest = (end - filler - 8) as u32;
            stream[filler + 4..filler + 8].copy_from_slice(&rest.to_le_bytes());
        }
        let result = exercise(compound_of(&streams), "ppt");
        prop_assert!(found_or_reported_mark(&result, "秘密★5年"), "{result:?}");
    }
}

/// The oracle for a mark other than the planted one.
fn found_or_reported_mark(result: &Result<Extracted, ExtractError>, mark: &str) -> bool {
    match result {
        Err(_) => true,
        Ok(Extracted::Doc(d)) => read_anywhere(d, mark) || any_unreadable(d),
        Ok(Extracted::Skip) => false,
    }
}

proptest! {
    // Each case starts a worker process: fewer cases.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Truncated PDFs, and PDFs after junk a reader accepts: the mark is read or the
    /// file is ML900 — never a document that reads as nothing. (Flipped bytes may turn
    /// the mark's own glyph codes into other text, which no reader can tell: those
    /// cases only must not bring the run down.)
    #[test]
    fn pdfs_survive_mutation(
        which in prop::sample::select(vec![
            ("pdf/page1.pdf", "秘密★5"),
            ("pdf/two-pages.pdf", "机密★10"),
            ("pdf/owner-only-encrypted.pdf", "秘密★5"),
        ]),
        flip in any::<bool>(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16),
        cut in 0.2f64..=1.0,
        junk in 0usize..1000,
    ) {
        use_built_worker();
        let (rel, mark) = which;
        let flips = if flip { flips } else { Vec::new() };
        let mut bytes = fixture(rel);
        let len = bytes.len();
        for (at, v) in &flips {
            bytes[at % len] ^= v | 1;
        }
        bytes.truncate(((len as f64 * cut) as usize).max(1));
        // Junk before the header, as PDF readers accept up to 1024 bytes of it.
        bytes.splice(0..0, std::iter::repeat_n(b'#', junk));
        let result = exercise(bytes, "pdf");
        if flips.is_empty() {
            let read = match &result {
                Err(_) => true,
                Ok(Extracted::Doc(d)) => read_anywhere(d, mark) || any_unreadable(d),
                Ok(Extracted::Skip) => false,
            };
            prop_assert!(read, "{rel} cut at {cut} after {junk} bytes: {:?}", result.map(|_| ()));
        }
    }
}

/// The class behind a case the property test above found (two-pages.pdf cut at 96.6%
/// read page 1, lost page 2 with its mark, and said nothing): a PDF cut at any point is
/// read with its mark or reported — cut inside each object and at each end of one.
#[test]
fn pdfs_cut_anywhere_are_read_or_reported() {
    use_built_worker();
    for (rel, mark) in [
        ("pdf/page1.pdf", "秘密★5"),
        ("pdf/two-pages.pdf", "机密★10"),
    ] {
        let bytes = fixture(rel);
        let objects = memchr::memmem::find_iter(&bytes, b" obj").map(|at| at + 16);
        let ends = memchr::memmem::find_iter(&bytes, b"endobj").map(|at| at + 6);
        let mut cuts: Vec<usize> = objects.chain(ends).filter(|&n| n < bytes.len()).collect();
        cuts.sort_unstable();
        assert!(cuts.len() > 20, "{rel}: {} cuts", cuts.len());
        for n in cuts {
            let cut = &bytes[..n];
            let pct = n * 100 / bytes.len();
            let read = match exercise(cut.to_vec(), "pdf") {
                Err(_) => true,
                Ok(Extracted::Doc(d)) => read_anywhere(&d, mark) || any_unreadable(&d),
                Ok(Extracted::Skip) => false,
            };
            assert!(
                read,
                "{rel} cut at byte {n} ({pct}%): neither the mark nor an ML900"
            );
        }
    }
}

/// Word 97 fixtures for the damage above (LibreOffice's conversions of the docx
/// fixtures: headers, text boxes, comments, tables, footnotes, hidden text).
const WORD_FIXTURES: &[&str] = &[
    "legacy/header.doc",
    "legacy/textbox.doc",
    "legacy/comment.doc",
    "legacy/table-head.doc",
    "legacy/footnote.doc",
    "legacy/hidden-run.doc",
];

/// The streams of a compound file: (path, bytes).
fn compound_streams(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let paths: Vec<String> = cfb
        .walk()
        .filter(|e| e.is_stream())
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    paths
        .into_iter()
        .map(|p| {
            let mut data = Vec::new();
            cfb.open_stream(&p).unwrap().read_to_end(&mut data).unwrap();
            (p, data)
        })
        .collect()
}

/// A compound file holding `streams`.
fn compound_of(streams: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        let parent = std::path::Path::new(path).parent().unwrap();
        if parent != std::path::Path::new("/") && !cfb.exists(parent) {
            cfb.create_storage_all(parent).unwrap();
        }
        cfb.create_stream(path).unwrap().write_all(data).unwrap();
    }
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

#[test]
fn unmutated_fixtures_read() {
    use_built_worker();
    for (which, (rel, ext, _, _)) in PLANTS.iter().enumerate() {
        let result = exercise(fixture(rel), ext);
        assert!(matches!(result, Ok(Extracted::Doc(_))), "{rel}");
        let (entries, _, _) = planted(which);
        let result = exercise(rezip(&entries, 0), ext);
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED) && !any_unreadable(d)),
            "{rel}: {:?}",
            result.err()
        );
    }
    for rel in WORD_FIXTURES {
        let rebuilt = compound_of(&compound_streams(&fixture(rel)));
        let result = exercise(rebuilt, "doc");
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, "密★") && !any_unreadable(d)),
            "{rel}: {:?}",
            result.err()
        );
    }
    for (rel, ext, _, mark) in LEGACY_STREAMS {
        let rebuilt = compound_of(&compound_streams(&fixture(rel)));
        let result = exercise(rebuilt, ext);
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, mark) && !any_unreadable(d)),
            "{rel}: {:?}",
            result.err()
        );
    }
    for (rel, mark) in [
        ("pdf/page1.pdf", "秘密★5"),
        ("pdf/two-pages.pdf", "机密★10"),
    ] {
        let result = exercise(fixture(rel), "pdf");
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, mark) && !any_unreadable(d)),
            "{rel}"
        );
    }
}

/// A PDF behind a text name, after junk, is read as a PDF; a text that only quotes a
/// PDF header stays text.
#[test]
fn pdf_headers_behind_text_names() {
    use_built_worker();
    let mut bytes = b"% junk a reader skips\n".to_vec();
    bytes.extend(fixture("pdf/page1.pdf"));
    for ext in ["txt", "md", "", "docx"] {
        let result = exercise(bytes.clone(), ext);
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if d.extracted && read_anywhere(d, "秘密★5")),
            ".{ext}: {:?}",
            result.err()
        );
    }
    let quoted = "PDF 文件以 %PDF-1.7 开头。\n机密★10年\n"
        .as_bytes()
        .to_vec();
    for ext in ["txt", "md"] {
        let result = exercise(quoted.clone(), ext);
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if !d.extracted && read_anywhere(d, "机密★10年")),
            ".{ext}: {:?}",
            result.err()
        );
    }
}

/// Blocks around a planted line in HTML: (open, close, whether its text is the
/// document's own). Code, preformatted text, scripts, styles and comments are not.
const HTML_WRAPS: &[(&str, &str, bool)] = &[
    ("<p>", "</p>", true),
    ("<div class=\"x\">", "</div>", true),
    ("<li>", "</li>", true),
    ("<td>", "</td>", true),
    ("<h1>", "</h1>", true),
    ("<p><strong>", "</strong></p>", true),
    ("<p><span style=\"color:red\">", "</span></p>", true),
    ("<blockquote>", "</blockquote>", true),
    ("<pre>", "</pre>", false),
    ("<p><code>", "</code></p>", false),
    ("<script>var s='", "';</script>", false),
    ("<style>/*", "*/</style>", false),
    ("<!--", "-->", false),
];

/// Text beside the planted block: markup, entities, comments, line breaks.
const HTML_NOISE: &[&str] = &[
    "<p>正文段落。</p>",
    "<br>",
    "<!-- 注释 -->",
    "&nbsp;&amp;&lt;&#9733;",
    "<img src=\"a.png\" alt=\"图\">",
    "<table><tr><td>表格</td></tr></table>",
    "\n",
    "\r\n",
    "<p>\n跨行\n文字</p>",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// HTML pages from a grammar: the planted line is read exactly when it is the page's
    /// own text, never when it is code, a script, a style or a comment.
    #[test]
    fn html_pages_from_a_grammar(
        before in prop::collection::vec(0..HTML_NOISE.len(), 0..6),
        wrap in 0..HTML_WRAPS.len(),
        after in prop::collection::vec(0..HTML_NOISE.len(), 0..6),
        entity_star in any::<bool>(),
    ) {
        let (open, close, own) = HTML_WRAPS[wrap];
        let planted = if entity_star { PLANTED.replace('★', "&#9733;") } else { PLANTED.to_string() };
        let mut page = String::from("<html><head><title>t</title></head><body>");
        page.extend(before.iter().map(|i| HTML_NOISE[*i]));
        page.push_str(&format!("{open}{planted}{close}"));
        page.extend(after.iter().map(|i| HTML_NOISE[*i]));
        page.push_str("</body></html>");
        let result = exercise(page.clone().into_bytes(), "html");
        let doc = match &result {
            Ok(Extracted::Doc(d)) => d,
            other => return Err(TestCaseError::fail(format!("{page}: {other:?}"))),
        };
        prop_assert_eq!(read_anywhere(doc, PLANTED), own, "{}", page);
    }

    /// Markdown from a grammar: the planted line is read unless it is code (fenced,
    /// indented, inline) or a comment; block syntax and emphasis around it go.
    #[test]
    fn markdown_from_a_grammar(
        before in prop::collection::vec(0..MD_NOISE.len(), 0..6),
        wrap in 0..MD_WRAPS.len(),
    ) {
        let (open, close, own) = MD_WRAPS[wrap];
        let mut text: String = before.iter().map(|i| MD_NOISE[*i]).collect();
        text.push_str(&format!("\n\n{open}{PLANTED}{close}\n\n正文。\n"));
        let result = exercise(text.clone().into_bytes(), "md");
        let doc = match &result {
            Ok(Extracted::Doc(d)) => d,
            other => return Err(TestCaseError::fail(format!("{text}: {other:?}"))),
        };
        // What the scanner reads: the lines as the Markdown cleaner leaves them.
        let regime = Regime::builtin();
        let mut seen = false;
        mark_lint::scan::visit_lines(&regime, doc, |line| {
            seen |= line.clean.as_deref().is_some_and(|c| c.contains(PLANTED));
            true
        });
        prop_assert_eq!(seen, own, "{}", text);
    }
}

const MD_WRAPS: &[(&str, &str, bool)] = &[
    ("", "", true),
    ("# ", "", true),
    ("- ", "", true),
    ("1. ", "", true),
    ("> ", "", true),
    ("**", "**", true),
    ("| ", " |", true),
    ("```\n", "\n```", false),
    ("~~~~\n", "\n~~~~", false),
    ("    ", "", false),
    ("`", "`", false),
    ("<!-- ", " -->", false),
];

const MD_NOISE: &[&str] = &[
    "正文第一段。\n",
    "\n",
    "# 标题\n",
    "- 列表项\n",
    "| 表 | 格 |\n",
    "<!-- 注释 -->\n",
    "`代码` 与文字\n",
    "```\n代码块\n```\n",
    "\r\n",
];

/// A planted archive or message: its bytes, its extension, and where the planted mark
/// lies raw in the bytes (flips there would change the mark, not hide it).
struct PlantedArchive {
    bytes: Vec<u8>,
    ext: &'static str,
    span: Option<std::ops::Range<usize>>,
    /// The format checks its bytes (CRC, header checksums): a cut is always noticed.
    checked: bool,
}

fn span_of(bytes: &[u8], needle: &[u8]) -> Option<std::ops::Range<usize>> {
    let at = bytes.windows(needle.len()).position(|w| w == needle)?;
    Some(at..at + needle.len())
}

fn planted_archive(which: usize) -> PlantedArchive {
    let mark = format!("通知\n{PLANTED}\n正文\n").into_bytes();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let inner = rezip(&[("c.txt".to_string(), b"plain".to_vec())], 0);
    let tar = tar_of(&[("docs/a.txt", &mark), ("b.png", png), ("inner.zip", &inner)]);
    let (bytes, ext, checked) = match which {
        0 => {
            let entries = vec![
                ("通知/a.txt".to_string(), mark.clone()),
                ("b.png".to_string(), png.to_vec()),
                ("inner.zip".to_string(), inner),
            ];
            (rezip(&entries, 0b101), "zip", true)
        }
        1 => (tar, "tar", true),
        2 => (gzip(&tar), "tgz", true),
        3 => (gzip(&mark), "gz", true),
        _ => {
            let eml = format!(
                "Subject: =?UTF-8?B?6YCa55+l?=\r\nDate: Thu, 5 Mar 2026 08:00:00 +0800\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n--b\r\nContent-Type: image/png; name=\"x.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n",
                String::from_utf8_lossy(&mark)
            );
            (eml.into_bytes(), "eml", false)
        }
    };
    let span = span_of(&bytes, PLANTED.as_bytes());
    PlantedArchive {
        bytes,
        ext,
        span,
        checked,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Archives and messages with bytes flipped (never inside the planted mark itself)
    /// or cut: never a panic; the planted mark is read or an ML900 says what was not
    /// (a cut message can lose its end unnoticed: MIME has no checksum).
    #[test]
    fn mutated_archives_read_the_mark_or_say_why_not(
        which in 0..5usize,
        flips in prop::collection::vec((any::<usize>(), 1u8..), 0..3),
        keep in prop::option::of(0.0f64..1.0),
    ) {
        let PlantedArchive { mut bytes, ext, span, checked } = planted_archive(which);
        let len = bytes.len();
        for (at, v) in &flips {
            let at = at % len;
            if !span.as_ref().is_some_and(|s| s.contains(&at)) {
                bytes[at] ^= v;
            }
        }
        let cut = keep.map(|k| (len as f64 * k) as usize).filter(|c| *c < len);
        if let Some(c) = cut {
            bytes.truncate(c);
        }
        let result = exercise(bytes, ext);
        if cut.is_none() || checked {
            prop_assert!(
                found_or_reported(&result).is_ok(),
                "{ext}: {}", found_or_reported(&result).unwrap_err()
            );
        }
    }
}

#[test]
fn unmutated_archives_read() {
    for which in 0..5 {
        let PlantedArchive { bytes, ext, .. } = planted_archive(which);
        let result = exercise(bytes, ext);
        assert!(
            matches!(&result, Ok(Extracted::Doc(d)) if read_anywhere(d, PLANTED) && !any_unreadable(d)),
            "{ext}: {result:?}"
        );
    }
}
