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

/// Pages of a multi-page TIFF looked at for an attachment with `--ocr-pages first`; the
/// pages after them are said to be unread (`--ocr-pages all` reads them).
pub const MAX_PROBED_PAGES: usize = 100;

/// Read an image file by OCR; without OCR, ML900 for a scanned page and `Skip` for any
/// other picture. The band of page 1 and, for a TIFF, what is looked at of its other
/// pages are read in one OCR run.
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
    let engine = ocr::installed()?;
    if let Some(e) = ocr::too_coarse(dpi) {
        return Err(e);
    }
    let first = ocr::prepare_image(bytes, ocr::band_fraction(opts.pages), dpi)?;
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    doc.extracted = true;
    doc.paged = true;
    let tiff = Tiff::open(bytes);
    let later = match &tiff {
        Some(tiff) => later_pages(&mut doc, tiff, opts.pages),
        None => Vec::new(),
    };
    let images: Vec<&ocr::prepare::Prepared> = std::iter::once(&first)
        .chain(later.iter().map(|l| &l.image))
        .collect();
    let mut readings = engine.read(&images)?.into_iter();
    let mut read = vec![(1, readings.next().unwrap_or_default())];
    let mut bands = Vec::new();
    for (page, reading) in later.iter().zip(readings) {
        let look = match opts.pages {
            Pages::All => ocr::Look::Strip,
            Pages::First => ocr::look(&reading, page.image.image.width()),
        };
        match (look, page.coarse.clone()) {
            (ocr::Look::Nothing, _) => {}
            (_, Some(e)) => doc.gaps.push(gap(page.page, e)),
            (ocr::Look::Strip, None) => read.push((page.page, reading)),
            (ocr::Look::Band, None) => bands.push(page.page),
        }
    }
    if let Some(tiff) = &tiff {
        read.extend(read_bands(&mut doc, tiff, &bands));
    }
    // Parts in page order, whichever run read them.
    read.sort_by_key(|(page, _)| *page);
    for (page, reading) in read {
        let (part, unsure) = ocr::read_part(page, &reading, false);
        add_page(&mut doc, budget, page, part, unsure)?;
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
    doc.gaps.extend(unsure.map(|error| gap(page, error)));
    Ok(())
}

fn gap(page: usize, error: ExtractError) -> Gap {
    Gap {
        part: Some(ocr::part_name(page)),
        line: 1,
        error,
    }
}

/// A page after the first of a TIFF, prepared for the run that reads page 1: its
/// top-left strip (`--ocr-pages first`) or the whole page (`all`).
struct Later {
    page: usize,
    image: ocr::prepare::Prepared,
    /// Why the page cannot be read, if it has to be: scanned too coarsely.
    coarse: Option<ExtractError>,
}

/// The bytes and recorded resolution of page `n` of a TIFF (1-based).
fn tiff_page(tiff: &Tiff, ifds: &[u32], n: usize) -> (Vec<u8>, Option<f32>) {
    let ifd = ifds[n - 1];
    let dpi = tiff.header(ifd).as_ref().and_then(image_meta::page_dpi);
    (tiff.page_first(ifd), dpi)
}

/// Pages 2… of a TIFF, prepared: every one whole with `--ocr-pages all`; with `first`,
/// the top-left strip of each (`ocr::strip`), which shows whether the page starts an
/// attachment and what mark it carries (`ocr::look`). A page that cannot be decoded is
/// a gap, never silence.
fn later_pages(doc: &mut Document, tiff: &Tiff, pages: Pages) -> Vec<Later> {
    let ifds = tiff.pages();
    let last = match pages {
        Pages::All => ifds.len(),
        Pages::First => ifds.len().min(MAX_PROBED_PAGES),
    };
    if last < ifds.len() {
        doc.gaps.push(Gap {
            part: None,
            line: 1,
            error: ExtractError::Limit(format!(
                "pages {}–{} of this TIFF were not looked at for an attachment \
                 (at most {MAX_PROBED_PAGES}; --ocr-pages all reads every page)",
                last + 1,
                ifds.len()
            )),
        });
    }
    let mut out = Vec::new();
    for n in 2..=last {
        let (bytes, dpi) = tiff_page(tiff, &ifds, n);
        let image = match (pages, ocr::prepare::decode(&bytes)) {
            (_, Err(e)) => {
                doc.gaps.push(gap(n, e));
                continue;
            }
            (Pages::All, Ok(img)) => {
                ocr::prepare::band_image(&img, 1.0, dpi, ocr::prepare::Steps::from_env())
            }
            (Pages::First, Ok(img)) => ocr::strip(&img, dpi),
        };
        let coarse = ocr::too_coarse(dpi);
        out.push(Later {
            page: n,
            image,
            coarse,
        });
    }
    out
}

/// The bands of the TIFF pages whose strip showed a mark line cut at its edge, read in
/// one OCR run; a page that cannot be read is a gap.
fn read_bands(doc: &mut Document, tiff: &Tiff, pages: &[usize]) -> Vec<(usize, ocr::Reading)> {
    if pages.is_empty() {
        return Vec::new();
    }
    let ifds = tiff.pages();
    let mut bands = Vec::new();
    for &n in pages {
        let (bytes, dpi) = tiff_page(tiff, &ifds, n);
        match ocr::prepare_image(&bytes, ocr::FIRST_PAGE_BAND, dpi) {
            Ok(band) => bands.push((n, band)),
            Err(e) => doc.gaps.push(gap(n, e)),
        }
    }
    let images: Vec<&ocr::prepare::Prepared> = bands.iter().map(|(_, b)| b).collect();
    match ocr::installed().and_then(|engine| engine.read(&images)) {
        Ok(readings) => bands.iter().map(|(n, _)| *n).zip(readings).collect(),
        Err(e) => {
            doc.gaps
                .extend(bands.iter().map(|(n, _)| gap(*n, e.clone())));
            Vec::new()
        }
    }
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
