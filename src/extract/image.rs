//! Image files (`.png .jpg .jpeg .tif .tiff .bmp`) as scanned documents: read by OCR
//! when the run can (see `crate::ocr`), one part per page read (`page 1 (OCR)`).
//! Without OCR an image is not a document and is skipped — the engine counts it and the
//! run says once that images went unread — because a folder of logos and screenshots
//! must not become a flood of ML900; a scanned PDF or OFD is a document whatever the
//! OCR, and stays ML900 without it.

use super::{Budget, Document, ExtractError, Extracted, Flavour, Gap};
use crate::ocr::{self, Pages};

/// Whether `bytes` start like one of the image formats read (PNG, JPEG, TIFF, BMP).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || (bytes.starts_with(b"BM") && bytes.len() > 26)
}

/// Read an image file by OCR; `Skip` when the run has no OCR.
pub fn extract(bytes: &[u8], budget: &Budget) -> Result<Extracted, ExtractError> {
    let opts = budget.limits.ocr;
    if !opts.usable() {
        return Ok(Extracted::Skip);
    }
    let (part, unsure) = ocr::read_image(bytes, 1, opts.pages, None, false)?;
    budget.charge_text(part.text.len(), part.name.as_deref().unwrap_or_default())?;
    let mut doc = Document::with_parts(Flavour::Plain, vec![part]);
    doc.extracted = true;
    doc.paged = true;
    doc.gaps.extend(unsure.map(|error| Gap {
        part: Some(ocr::part_name(1)),
        line: 1,
        error,
    }));
    if let Some(more) = tiff_pages(bytes).filter(|n| *n > 1) {
        doc.gaps.extend(later_pages(more, opts.pages));
    }
    Ok(Extracted::Doc(doc))
}

/// Pages of a TIFF (`None` for other formats or a TIFF that does not say).
fn tiff_pages(bytes: &[u8]) -> Option<usize> {
    if !(bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*")) {
        return None;
    }
    let count = || {
        let mut d = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).ok()?;
        let mut n = 1usize;
        // Bounded: a page list that loops or never ends stops at 10 000.
        while d.more_images() && n < 10_000 {
            d.next_image().ok()?;
            n += 1;
        }
        Some(n)
    };
    std::panic::catch_unwind(count).ok().flatten()
}

/// Pages after the first of a multi-page TIFF. With `--ocr-pages first` they are not
/// read, as for any scan (the mark is on page 1); with `all` they are not read either
/// (only the first page of a TIFF is decoded): said as a gap, never silent.
fn later_pages(pages: usize, mode: Pages) -> Option<Gap> {
    (mode == Pages::All).then(|| Gap {
        part: None,
        line: 1,
        error: ExtractError::Ocr(format!(
            "pages 2–{pages} of this TIFF were not read (only its first page is)"
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_signatures() {
        assert!(is_image(b"\x89PNG\r\n\x1a\nrest"));
        assert!(is_image(b"\xFF\xD8\xFF\xE0"));
        assert!(is_image(b"II*\0\x08\0\0\0"));
        assert!(is_image(b"MM\0*\0\0\0\x08"));
        assert!(!is_image(b"BM"));
        assert!(!is_image("机密★10年".as_bytes()));
    }

    /// Without OCR an image is no document (the run counts it; see the engine).
    #[test]
    fn without_ocr_an_image_is_skipped() {
        let limits = super::super::Limits::new(1 << 20);
        assert_eq!(limits.ocr, ocr::Options::OFF);
        let budget = Budget::new(&limits);
        assert!(matches!(
            extract(b"\x89PNG\r\n\x1a\n", &budget),
            Ok(Extracted::Skip)
        ));
    }
}
