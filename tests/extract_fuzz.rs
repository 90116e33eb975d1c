//! Property tests for the extractors: every container format is fed arbitrary bytes and
//! mutated fixture files (byte flips, truncation, spliced garbage). Extraction must
//! return a document or an `ExtractError` — never panic, never hang — and whatever text
//! comes out must scan and lint without panicking.

use std::path::PathBuf;

use mark_lint::extract::{ExtractError, Extracted, Limits, extract_bytes};
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

/// Extract, then scan every resulting document (and embedded ones): no panic anywhere.
fn exercise(bytes: Vec<u8>, ext: &str) -> Result<(), ExtractError> {
    let regime = Regime::builtin();
    let limits = Limits::new(64 << 20);
    match extract_bytes(bytes, ext, &limits, 0)? {
        Extracted::Doc(doc) => {
            let _ = mark_lint::scan::scan(&regime, &doc, &format!("fuzz.{ext}"));
            for inner in doc.embedded.iter().filter_map(|e| e.doc.as_ref().ok()) {
                let _ = mark_lint::scan::scan(&regime, inner, "inner");
            }
            Ok(())
        }
        Extracted::Skip => Ok(()),
    }
}

const ZIPPED: &[(&str, &str)] = &[
    ("docx/tracked-change.docx", "docx"),
    ("docx/textbox.docx", "docx"),
    ("docx/properties.docx", "docx"),
    ("odt/header.odt", "odt"),
    ("xlsx/sheet.xlsx", "xlsx"),
    ("pptx/slides.pptx", "pptx"),
    ("ofd/attachment.ofd", "ofd"),
    ("ofd/template.ofd", "ofd"),
];

/// Mutate `bytes`: flip bytes at the given positions, then cut at `cut` (a fraction).
fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: f64) -> Vec<u8> {
    let len = bytes.len();
    for (at, v) in flips {
        if len > 0 {
            bytes[at % len] ^= v | 1;
        }
    }
    let keep = ((len as f64) * cut) as usize;
    bytes.truncate(keep.max(1));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn zipped_formats_survive_mutation(
        which in 0..ZIPPED.len(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8),
        cut in 0.3f64..=1.0,
    ) {
        let (rel, ext) = ZIPPED[which];
        let _ = exercise(mutate(fixture(rel), &flips, cut), ext);
    }

    #[test]
    fn arbitrary_bytes_with_every_extension(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        ext in prop::sample::select(vec!["docx", "odt", "ofd", "xlsx", "pptx", "txt", "md", "html", "doc", "wps"]),
        zip_magic: bool,
    ) {
        let mut bytes = bytes;
        if zip_magic {
            bytes.splice(0..0, *b"PK\x03\x04");
        }
        let _ = exercise(bytes, ext);
    }

    /// Valid XML structure, random content: the parts the walkers care about.
    #[test]
    fn docx_bodies_with_random_text(text in "[<>&;a-z/:=\" 机密★0-9年]{0,200}") {
        let bytes = mark_lint::extract::ooxml::docx_from_body(&text);
        let _ = exercise(bytes, "docx");
    }
}

proptest! {
    // Each case starts a worker process: fewer cases.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn pdfs_survive_mutation(
        which in prop::sample::select(vec!["pdf/page1.pdf", "pdf/two-pages.pdf", "pdf/owner-only-encrypted.pdf"]),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..16),
        cut in 0.2f64..=1.0,
    ) {
        use_built_worker();
        let _ = exercise(mutate(fixture(which), &flips, cut), "pdf");
    }
}

#[test]
fn unmutated_fixtures_read() {
    use_built_worker();
    for (rel, ext) in ZIPPED {
        assert!(exercise(fixture(rel), ext).is_ok(), "{rel}");
    }
    assert!(exercise(fixture("pdf/page1.pdf"), "pdf").is_ok());
}
