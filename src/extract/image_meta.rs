//! What an image file's headers say, read without decoding a pixel: its size, the
//! resolution it records (PNG `pHYs`, JFIF density or else the Exif `XResolution` of a
//! JPEG, TIFF `XResolution`, BMP pixels per metre), the pages of a TIFF, and from these
//! whether it looks like a scanned page.
//! Every read is bounds-checked; a header that says nothing, or nonsense, is `None`.

/// Size and recorded resolution of one image (one page of a TIFF).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    /// Dots per inch, as recorded (none, or a unit that is no length: `None`).
    pub dpi: Option<f32>,
}

/// The header of `bytes` (its first page for a TIFF).
pub fn header(bytes: &[u8]) -> Option<Header> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png(bytes)
    } else if bytes.starts_with(b"\xFF\xD8") {
        jpeg(bytes)
    } else if bytes.starts_with(b"BM") {
        bmp(bytes)
    } else {
        let tiff = Tiff::open(bytes)?;
        tiff.header(*tiff.pages().first()?)
    }
}

/// The shortest and longest side of a page, in mm, that counts as a page: A5 (148 ×
/// 210) to A3 (297 × 420), 8 % either way (trimmed or generous scans, US Letter and
/// Legal, 16K and 8K all fall inside).
const PAGE_MM: (f32, f32, f32, f32) = (136.0, 321.0, 193.0, 454.0);
/// Long side / short side of a page with a recorded resolution (Letter 1.29, ISO 1.41).
const PAGE_RATIO: (f32, f32) = (1.25, 1.56);
/// Without a recorded resolution only ISO proportions count (√2 ± 4 %), which leaves
/// out photographs (4:3 and 3:2) and screens (16:9, 16:10).
const ISO_RATIO: (f32, f32) = (1.36, 1.47);
/// Without a recorded resolution, the short side must hold A5 at 100 dpi (583 px):
/// fewer pixels than that is an icon or a thumbnail, never a page OCR could read.
const MIN_SHORT_PX: u32 = 583;

/// Whether an image looks like a scanned page, and what says so (the ML900 detail when
/// it is left unread): its recorded resolution makes it a page from A5 to A3 in page
/// proportions, or, whatever it records (scanners and converters may write 72 dpi), it
/// has ISO proportions and at least A5 at 100 dpi in pixels.
pub fn page_like(h: &Header) -> Option<String> {
    let size = format!("{}×{} pixels", h.width, h.height);
    if let (Some(dpi), Some((s, l))) = (h.dpi, page_mm(h)) {
        return Some(format!("{size} at {dpi:.0} dpi, a {s:.0}×{l:.0} mm page"));
    }
    let (short, long) = (h.width.min(h.height), h.width.max(h.height));
    let ratio = long as f32 / short.max(1) as f32;
    ((ISO_RATIO.0..=ISO_RATIO.1).contains(&ratio) && short >= MIN_SHORT_PX)
        .then(|| format!("{size} in page proportions"))
}

/// The recorded resolution, when it makes the image a page (A5 to A3): the one to read
/// it at. Any other recorded value is not trusted.
pub fn page_dpi(h: &Header) -> Option<f32> {
    page_mm(h).and(h.dpi)
}

/// The short and long side in mm, when the recorded resolution makes them a page's.
fn page_mm(h: &Header) -> Option<(f32, f32)> {
    let dpi = h.dpi?;
    let (short, long) = (h.width.min(h.height), h.width.max(h.height));
    let ratio = long as f32 / short.max(1) as f32;
    let mm = |px: u32| px as f32 / dpi * 25.4;
    let (s, l) = (mm(short), mm(long));
    ((PAGE_MM.0..=PAGE_MM.1).contains(&s)
        && (PAGE_MM.2..=PAGE_MM.3).contains(&l)
        && (PAGE_RATIO.0..=PAGE_RATIO.1).contains(&ratio))
    .then_some((s, l))
}

/// A resolution that can be one (50–2400 dpi); anything else is not used.
fn plausible(dpi: f32) -> Option<f32> {
    (50.0..=2400.0).contains(&dpi).then_some(dpi)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

/// PNG: IHDR's size, `pHYs` in pixels per metre (unit 1) before the image data.
fn png(b: &[u8]) -> Option<Header> {
    let (width, height) = (be32(b, 16)?, be32(b, 20)?);
    let mut at = 8;
    let mut dpi = None;
    while let (Some(len), Some(kind)) = (be32(b, at), b.get(at + 4..at + 8)) {
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        if kind == b"pHYs" && b.get(at + 16) == Some(&1) {
            dpi = plausible(be32(b, at + 8)? as f32 * 0.0254);
        }
        at = at.checked_add(12 + len as usize)?;
    }
    Some(Header { width, height, dpi })
}

/// JPEG: the frame's size (SOFn), the JFIF density (units 1: per inch, 2: per cm) or,
/// where JFIF gives none (no JFIF segment, or only an aspect ratio: units 0, as cameras
/// and many scanners write), the Exif resolution of the image (its APP1 segment holds a
/// TIFF header and directory: `XResolution`, `ResolutionUnit`).
fn jpeg(b: &[u8]) -> Option<Header> {
    let mut at = 2;
    let mut dpi = None;
    let mut exif_dpi = None;
    loop {
        if *b.get(at)? != 0xFF {
            return None;
        }
        let marker = *b.get(at + 1)?;
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = be16(b, at + 2)? as usize;
        let seg = b.get(at + 4..at + 2 + len)?;
        match marker {
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                let density = be16(seg, 8)? as f32;
                dpi = match seg[7] {
                    1 => plausible(density),
                    2 => plausible(density * 2.54),
                    _ => None,
                };
            }
            0xE1 if seg.starts_with(b"Exif\0\0") => {
                // Offsets in the Exif TIFF count from its own header: the slice is it.
                let tiff = Tiff::open(&seg[6..]);
                exif_dpi = tiff.and_then(|t| t.resolution(*t.pages().first()?));
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let (height, width) = (be16(seg, 1)? as u32, be16(seg, 3)? as u32);
                let dpi = dpi.or(exif_dpi);
                return Some(Header { width, height, dpi });
            }
            0xDA | 0xD9 => return None,
            _ => {}
        }
        at += 2 + len;
    }
}

/// BMP: BITMAPINFOHEADER's size and horizontal pixels per metre.
fn bmp(b: &[u8]) -> Option<Header> {
    let le32 = |at: usize| Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
    if le32(14)? < 40 {
        return None;
    }
    let (w, h, ppm) = (le32(18)?, le32(22)?, le32(38)?);
    Some(Header {
        width: w.unsigned_abs(),
        height: h.unsigned_abs(),
        dpi: plausible(ppm as f32 * 0.0254),
    })
}

/// A classic TIFF (not BigTIFF): its byte order and the chain of image directories.
pub struct Tiff<'a> {
    bytes: &'a [u8],
    little: bool,
}

/// Pages of a TIFF walked at most (a chain that loops or never ends stops here).
pub const MAX_TIFF_PAGES: usize = 10_000;

impl<'a> Tiff<'a> {
    pub fn open(bytes: &'a [u8]) -> Option<Tiff<'a>> {
        let little = match bytes.get(..4)? {
            b"II*\0" => true,
            b"MM\0*" => false,
            _ => return None,
        };
        Some(Tiff { bytes, little })
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.bytes.get(at..at + 2)?.try_into().ok()?;
        Some(if self.little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.bytes.get(at..at + 4)?.try_into().ok()?;
        Some(if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    /// The offset of each page's directory, in order; the walk stops at the end of the
    /// chain, at a directory out of the file or seen before, or at `MAX_TIFF_PAGES`.
    pub fn pages(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut next = self.u32(4).unwrap_or(0);
        while next != 0 && out.len() < MAX_TIFF_PAGES && !out.contains(&next) {
            let at = next as usize;
            let Some(n) = self.u16(at) else { break };
            out.push(next);
            next = self.u32(at + 2 + 12 * n as usize).unwrap_or(0);
        }
        out
    }

    /// The value of tag `tag` in the directory at `ifd`: a SHORT or LONG held in the
    /// entry, or the offset of a value stored elsewhere.
    fn tag(&self, ifd: u32, tag: u16) -> Option<(u16, u32)> {
        let at = ifd as usize;
        let n = self.u16(at)? as usize;
        (0..n).find_map(|i| {
            let e = at + 2 + 12 * i;
            (self.u16(e)? == tag).then_some(())?;
            let kind = self.u16(e + 2)?;
            let value = match kind {
                3 => self.u16(e + 8)? as u32,
                _ => self.u32(e + 8)?,
            };
            Some((kind, value))
        })
    }

    /// The size and resolution of the page whose directory is at `ifd`.
    pub fn header(&self, ifd: u32) -> Option<Header> {
        let width = self.tag(ifd, 256)?.1;
        let height = self.tag(ifd, 257)?.1;
        let dpi = self.resolution(ifd);
        Some(Header { width, height, dpi })
    }

    /// The resolution the directory at `ifd` records, in dots per inch: `XResolution`
    /// (a RATIONAL) in its `ResolutionUnit` (2 inch, the default; 3 centimetre; 1 none).
    pub fn resolution(&self, ifd: u32) -> Option<f32> {
        let unit = self.tag(ifd, 296).map_or(2, |(_, u)| u);
        let Some((5, off)) = self.tag(ifd, 282) else {
            return None;
        };
        let (num, den) = (self.u32(off as usize)?, self.u32(off as usize + 4)?);
        let per_unit = (den != 0).then(|| num as f32 / den as f32)?;
        match unit {
            2 => plausible(per_unit),
            3 => plausible(per_unit * 2.54),
            _ => None,
        }
    }

    /// The file with its page at `ifd` made the first (the header's pointer to the first
    /// directory rewritten; offsets are absolute, so everything else stays valid): a
    /// single-image decoder then decodes that page.
    pub fn page_first(&self, ifd: u32) -> Vec<u8> {
        let mut out = self.bytes.to_vec();
        let at = if self.little {
            ifd.to_le_bytes()
        } else {
            ifd.to_be_bytes()
        };
        out[4..8].copy_from_slice(&at);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(img: image::GrayImage, format: image::ImageFormat) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn sizes_from_every_format() {
        let img = image::GrayImage::new(620, 877);
        for format in [
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::Bmp,
            image::ImageFormat::Tiff,
        ] {
            let h = header(&encoded(img.clone(), format)).unwrap();
            assert_eq!((h.width, h.height), (620, 877), "{format:?}");
        }
        assert_eq!(header(b"\x89PNG\r\n\x1a\n\0\0"), None);
        assert_eq!(header(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), None);
        assert_eq!(header(b"II*\0\xFF\xFF\xFF\xFF"), None);
    }

    /// Resolutions as scanners and Pillow write them.
    #[test]
    fn recorded_resolutions() {
        let mut png = encoded(image::GrayImage::new(10, 10), image::ImageFormat::Png);
        // pHYs of 11811 pixels per metre (300 dpi), inserted after IHDR.
        let mut phys = vec![0, 0, 0, 9];
        phys.extend_from_slice(b"pHYs");
        phys.extend_from_slice(&11811u32.to_be_bytes());
        phys.extend_from_slice(&11811u32.to_be_bytes());
        phys.extend_from_slice(&[1, 0, 0, 0, 0]);
        png.splice(33..33, phys);
        assert_eq!(header(&png).unwrap().dpi.map(|d| d.round()), Some(300.0));
        let jfif = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\0\x01\x01\x01\x00\xC8\x00\xC8\0\0\
                     \xFF\xC0\x00\x0B\x08\x06\xDA\x04\xD9\x01\x01\x11\x00";
        let h = header(jfif).unwrap();
        assert_eq!((h.width, h.height, h.dpi), (1241, 1754, Some(200.0)));
        let fixture = |name: &str| {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scans/");
            std::fs::read(format!("{path}{name}")).unwrap()
        };
        let tif = fixture("page1-300-g4.tif");
        let tiff = Tiff::open(&tif).unwrap();
        let pages = tiff.pages();
        assert_eq!(pages.len(), 2);
        let second = tiff.header(pages[1]).unwrap();
        assert_eq!((second.width, second.dpi), (2481, Some(300.0)));
        let h = header(&tiff.page_first(pages[1])).unwrap();
        assert_eq!(h, second);
    }

    /// An Exif APP1 segment whose IFD0 records `XResolution` = `num/den` in `unit`
    /// (little-endian TIFF, as cameras write; the rational stored after the directory).
    fn exif(num: u32, den: u32, unit: u16) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&3u16.to_le_bytes());
        let entry = |tag: u16, kind: u16, value: u32| {
            let mut e = tag.to_le_bytes().to_vec();
            e.extend_from_slice(&kind.to_le_bytes());
            e.extend_from_slice(&1u32.to_le_bytes());
            e.extend_from_slice(&value.to_le_bytes());
            e
        };
        let rational_at = 8 + 2 + 3 * 12 + 4;
        tiff.extend(entry(282, 5, rational_at));
        tiff.extend(entry(283, 5, rational_at));
        tiff.extend(entry(296, 3, u32::from(unit)));
        tiff.extend_from_slice(&0u32.to_le_bytes());
        tiff.extend_from_slice(&num.to_le_bytes());
        tiff.extend_from_slice(&den.to_le_bytes());
        let mut seg = b"\xFF\xE1".to_vec();
        seg.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend(tiff);
        seg
    }

    /// A JPEG whose resolution is only in Exif (JFIF absent, or with an aspect ratio
    /// only) has that resolution; JFIF's density, when it gives one, comes first.
    #[test]
    fn exif_resolutions() {
        let sof = b"\xFF\xC0\x00\x0B\x08\x0C\xE4\x09\xF6\x01\x01\x11\x00";
        let jpeg = |segments: &[&[u8]]| {
            let mut b = b"\xFF\xD8".to_vec();
            for s in segments {
                b.extend_from_slice(s);
            }
            b.extend_from_slice(sof);
            b
        };
        let aspect_only = b"\xFF\xE0\x00\x10JFIF\0\x01\x01\x00\x00\x01\x00\x01\0\0";
        let at_200 = b"\xFF\xE0\x00\x10JFIF\0\x01\x01\x01\x00\xC8\x00\xC8\0\0";
        let h = header(&jpeg(&[&exif(300, 1, 2)])).unwrap();
        assert_eq!((h.width, h.height, h.dpi), (2550, 3300, Some(300.0)));
        let h = header(&jpeg(&[aspect_only, &exif(300, 1, 2)])).unwrap();
        assert_eq!(h.dpi, Some(300.0));
        let per_cm = header(&jpeg(&[&exif(11811, 100, 3)])).unwrap().dpi.unwrap();
        assert!((per_cm - 300.0).abs() < 0.1, "{per_cm}");
        assert_eq!(
            header(&jpeg(&[at_200, &exif(300, 1, 2)])).unwrap().dpi,
            Some(200.0)
        );
        // No unit, a zero denominator, 72 dpi nonsense kept out by `plausible`, a cut
        // or looping directory: no resolution, and the size still read.
        for bad in [exif(300, 1, 1), exif(300, 0, 2), exif(1, 1, 2)] {
            assert_eq!(header(&jpeg(&[&bad])).unwrap().dpi, None);
        }
        let mut cut = exif(300, 1, 2);
        cut.truncate(30);
        cut[2..4].copy_from_slice(&28u16.to_be_bytes());
        assert_eq!(header(&jpeg(&[&cut])).unwrap().dpi, None);
        let mut looping = exif(300, 1, 2);
        // The directory's next-IFD pointer (after its three entries) back to itself.
        let next = 4 + 6 + 8 + 2 + 3 * 12;
        looping[next..next + 4].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(header(&jpeg(&[&looping])).unwrap().dpi, Some(300.0));
        // US Letter at 300 dpi (not ISO proportions) is a page only with its resolution.
        let letter = header(&jpeg(&[aspect_only, &exif(300, 1, 2)])).unwrap();
        assert!(page_like(&letter).is_some());
        let plain = header(&jpeg(&[aspect_only])).unwrap();
        assert!(page_like(&plain).is_none());
    }

    #[test]
    fn what_looks_like_a_page() {
        let page = |width, height, dpi| page_like(&Header { width, height, dpi });
        // A4 at 150 and 300 dpi, A5 at 200, A3 at 300, Letter at 200, landscape A4.
        for (w, h, d) in [
            (1241, 1754, 150.0),
            (2480, 3508, 300.0),
            (1165, 1654, 200.0),
            (3508, 4961, 300.0),
            (1700, 2200, 200.0),
            (3508, 2480, 300.0),
        ] {
            assert!(page(w, h, Some(d)).is_some(), "{w}×{h} at {d}");
        }
        assert_eq!(
            page(1241, 1754, Some(150.0)).as_deref(),
            Some("1241×1754 pixels at 150 dpi, a 210×297 mm page")
        );
        // Without a resolution, or with one that makes no page: A4 proportions and
        // enough pixels.
        assert!(page(1241, 1754, None).is_some());
        assert!(page(827, 1169, None).is_some());
        assert_eq!(
            page(2480, 3508, Some(72.0)).as_deref(),
            Some("2480×3508 pixels in page proportions")
        );
        // Icons, logos, screenshots, photos, a 72 dpi photo of 4032 × 3024.
        for (w, h, d) in [
            (64, 64, None),
            (400, 566, None),
            (1920, 1080, None),
            (1080, 1920, None),
            (1440, 1080, None),
            (4032, 3024, None),
            (6000, 4000, None),
            (4032, 3024, Some(72.0)),
            (1920, 1080, Some(96.0)),
            (400, 566, Some(300.0)),
        ] {
            assert!(page(w, h, d).is_none(), "{w}×{h} at {d:?}");
        }
    }
}
