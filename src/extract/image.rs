//! Image files (`.png .jpg .jpeg .tif .tiff .bmp`) as scanned documents: read by OCR
//! when the run can (see `crate::ocr`), one part per page read (`page 1 (OCR)`); each
//! page of a TIFF is a page. Without OCR, an image that looks like a scanned page
//! (`image_meta::page_like`: page size and proportions) is ML900 saying why it was not
//! read; any other image (a logo, an icon, a screenshot, a photo) is not a document and
//! is skipped — the engine counts it and the run says once that images went unread — so
//! that a folder of pictures does not become a flood of ML900.

use super::image_meta::{self, Tiff};
use super::{Budget, Document, ExtractError, Extracted, Flavour, Gap, Part};
use crate::ocr::{self, Mode, Pages};

/// Whether `bytes` start like one of the image formats read (PNG, JPEG, TIFF, BMP).
pub fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || (bytes.starts_with(b"BM") && bytes.len() > 26)
}

/// Pages of a multi-page TIFF probed for an attachment with `--ocr-pages first`; the
/// pages after them are said to be unread (`--ocr-pages all` reads them).
pub const MAX_PROBED_PAGES: usize = 100;

/// Read an image file by OCR; without OCR, ML900 for a scanned page and `Skip` for any
/// other picture.
pub fn extract(bytes: &[u8], budget: &Budget) -> Result<Extracted, ExtractError> {
    let opts = budget.limits.ocr;
    let head = image_meta::header(bytes);
    if !opts.usable() {
        return match head.as_ref().and_then(image_meta::page_like) {
            Some(what) if opts.mode == Mode::Never => Err(ExtractError::ScanOcrOff(what)),
            Some(what) => Err(ExtractError::ScanNoOcr(what)),
            None => Ok(Extracted::Skip),
        };
    }
    let dpi = head.as_ref().and_then(image_meta::page_dpi);
    let (part, unsure) = ocr::read_image(bytes, 1, opts.pages, dpi, false)?;
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    doc.extracted = true;
    doc.paged = true;
    add_page(&mut doc, budget, 1, part, unsure)?;
    if let Some(tiff) = Tiff::open(bytes) {
        later_pages(&mut doc, budget, &tiff, opts.pages)?;
    }
    Ok(Extracted::Doc(doc))
}

/// A page read: its part, its doubt as a gap.
fn add_page(
    doc: &mut Document,
    budget: &Budget,
    page: usize,
    part: Part,
    unsure: Option<ExtractError>,
) -> Result<(), ExtractError> {
    budget.charge_text(part.text.len(), part.name.as_deref().unwrap_or_default())?;
    doc.parts.push(part);
    doc.gaps.extend(unsure.map(|error| Gap {
        part: Some(ocr::part_name(page)),
        line: 1,
        error,
    }));
    Ok(())
}

/// Pages 2… of a TIFF: every one whole with `--ocr-pages all`; with `first`, the band
/// of each page whose top-left strip shows it starts an attachment (`附件`) or carries
/// a level word (`ocr::pages_to_read`, one OCR run for all the strips). A page that
/// cannot be decoded is a gap, never silence.
fn later_pages(
    doc: &mut Document,
    budget: &Budget,
    tiff: &Tiff,
    pages: Pages,
) -> Result<(), ExtractError> {
    let ifds = tiff.pages();
    let page_of = |n: usize| -> (Vec<u8>, Option<f32>) {
        let ifd = ifds[n - 1];
        let dpi = tiff.header(ifd).as_ref().and_then(image_meta::page_dpi);
        (tiff.page_first(ifd), dpi)
    };
    let gap = |page: usize, error| Gap {
        part: Some(ocr::part_name(page)),
        line: 1,
        error,
    };
    let wanted: Vec<usize> = match pages {
        Pages::All => (2..=ifds.len()).collect(),
        Pages::First => {
            let probed = ifds.len().min(MAX_PROBED_PAGES);
            if ifds.len() > probed {
                doc.gaps.push(Gap {
                    part: None,
                    line: 1,
                    error: ExtractError::Limit(format!(
                        "pages {}–{} of this TIFF were not looked at for an attachment \
                         (at most {MAX_PROBED_PAGES}; --ocr-pages all reads every page)",
                        probed + 1,
                        ifds.len()
                    )),
                });
            }
            let mut strips = Vec::new();
            for n in 2..=probed {
                let (bytes, dpi) = page_of(n);
                match ocr::prepare::decode(&bytes) {
                    Ok(img) => strips.push((n, ocr::strip(&img, dpi))),
                    Err(e) => doc.gaps.push(gap(n, e)),
                }
            }
            match ocr::pages_to_read(&strips) {
                Ok(found) => found,
                Err(e) => {
                    doc.gaps
                        .extend(strips.iter().map(|(n, _)| gap(*n, e.clone())));
                    Vec::new()
                }
            }
        }
    };
    for n in wanted {
        let (bytes, dpi) = page_of(n);
        match ocr::read_image(&bytes, n, pages, dpi, false) {
            Ok((part, unsure)) => add_page(doc, budget, n, part, unsure)?,
            Err(e) => doc.gaps.push(gap(n, e)),
        }
    }
    Ok(())
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

    /// Without OCR a picture is no document (the run counts it; see the engine), and a
    /// scanned page is ML900 saying why it was not read.
    #[test]
    fn without_ocr_pictures_are_skipped_and_pages_are_not() {
        let limits = super::super::Limits::new(1 << 20);
        assert_eq!(limits.ocr, ocr::Options::OFF);
        let budget = Budget::new(&limits);
        assert!(matches!(
            extract(b"\x89PNG\r\n\x1a\n", &budget),
            Ok(Extracted::Skip)
        ));
        let mut page = std::io::Cursor::new(Vec::new());
        image::GrayImage::new(827, 1169)
            .write_to(&mut page, image::ImageFormat::Png)
            .unwrap();
        assert_eq!(
            extract(page.get_ref(), &budget).err(),
            Some(ExtractError::ScanOcrOff(
                "827×1169 pixels in page proportions".into()
            ))
        );
    }
}
