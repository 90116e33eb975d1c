//! A page image decoded for OCR (ISO 32000-1 §8.9): JPEG (DCT), CCITT Group 4 and
//! one-dimensional Group 3 fax, and raw samples in grey, RGB, CMYK, ICC-based and
//! indexed colour at 1–16 bits, all turned into grey. JPEG 2000, JBIG2 and
//! two-dimensional Group 3 are not decoded here: the error names them, and the caller
//! has the page rendered by pdftoppm instead.

use image::{DynamicImage, GrayImage};

use super::file::Pdf;
use super::object::{Dict, Object};

/// The most pixels an image may have to be decoded here.
pub const MAX_PIXELS: u64 = 100_000_000;

pub fn decode(pdf: &Pdf<'_>, dict: &Dict, data: &[u8]) -> Result<DynamicImage, String> {
    let decoded = pdf.decode_data(dict, data)?;
    if decoded.damaged {
        // A part of the page would be blank: pdftoppm renders what it can, or it is said.
        return Err("image data cut short or failing its checksum".into());
    }
    let width = int(pdf, dict, b"Width", b"W").unwrap_or(0);
    let height = int(pdf, dict, b"Height", b"H").unwrap_or(0);
    if width == 0 || height == 0 {
        return Err("an image without a size".into());
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!("{width}×{height} pixels"));
    }
    let invert = decode_inverted(pdf, dict);
    let img = match decoded.image {
        Some((name, parm)) => match name.as_slice() {
            b"DCTDecode" => {
                image::load_from_memory_with_format(&decoded.data, image::ImageFormat::Jpeg)
                    .map_err(|e| format!("JPEG: {e}"))?
            }
            b"CCITTFaxDecode" => {
                DynamicImage::ImageLuma8(fax(&decoded.data, &parm, width, height)?)
            }
            other => return Err(format!("{} images", String::from_utf8_lossy(other))),
        },
        None => DynamicImage::ImageLuma8(samples(pdf, dict, &decoded.data, width, height)?),
    };
    Ok(if invert {
        let mut grey = img.to_luma8();
        image::imageops::invert(&mut grey);
        DynamicImage::ImageLuma8(grey)
    } else {
        img
    })
}

fn int(pdf: &Pdf<'_>, dict: &Dict, key: &[u8], short: &[u8]) -> Option<u32> {
    let v = pdf.get_in(dict, key).ok()?;
    let v = match v.as_int() {
        Some(i) => i,
        None => pdf.get_in(dict, short).ok()?.as_int()?,
    };
    u32::try_from(v).ok()
}

/// `/Decode [1 0]` on a one-component image: its samples read inverted.
fn decode_inverted(pdf: &Pdf<'_>, dict: &Dict) -> bool {
    let Ok(d) = pdf.get_in(dict, b"Decode") else {
        return false;
    };
    let d = match d.as_array() {
        Some(a) => a.to_vec(),
        None => match dict.get(b"D").and_then(Object::as_array) {
            Some(a) => a.to_vec(),
            None => return false,
        },
    };
    d.len() == 2 && d[0].as_f64() == Some(1.0) && d[1].as_f64() == Some(0.0)
}

/// CCITT fax data (K < 0: Group 4; K = 0: one-dimensional Group 3).
fn fax(data: &[u8], parm: &Dict, width: u32, height: u32) -> Result<GrayImage, String> {
    let k = parm.int(b"K").unwrap_or(0);
    let columns = parm.int(b"Columns").unwrap_or(1728);
    let columns = u16::try_from(columns).map_err(|_| format!("fax data {columns} columns wide"))?;
    let rows = parm
        .int(b"Rows")
        .and_then(|r| u16::try_from(r).ok())
        .or_else(|| u16::try_from(height).ok());
    // The decoded samples are 0 for a black run, or 1 with `/BlackIs1 true`; a sample
    // of 1 is white in the image's grey (§7.4.6, Table 11).
    let black_is_1 = matches!(parm.get(b"BlackIs1"), Some(Object::Bool(true)));
    let (black, white) = if black_is_1 {
        (255u8, 0u8)
    } else {
        (0u8, 255u8)
    };
    let mut pixels: Vec<u8> = Vec::new();
    let mut lines = 0u32;
    let mut line = |transitions: &[u16]| {
        if lines < height {
            pixels.extend(fax::decoder::pels(transitions, columns).map(|c| match c {
                fax::Color::Black => black,
                fax::Color::White => white,
            }));
            lines += 1;
        }
    };
    let done = match k {
        k if k < 0 => fax::decoder::decode_g4(data.iter().copied(), columns, rows, &mut line),
        0 => fax::decoder::decode_g3(data.iter().copied(), &mut line),
        _ => return Err("two-dimensional Group 3 fax images".into()),
    };
    if done.is_none() && lines < height {
        // What follows the damage would be blank, unsaid.
        return Err(format!("damaged fax data after row {lines} of {height}"));
    }
    let w = u32::from(columns);
    pixels.resize((w * lines) as usize, white);
    let img = GrayImage::from_raw(w, lines, pixels).ok_or("fax data of the wrong size")?;
    if w != width {
        return Ok(image::imageops::crop_imm(&img, 0, 0, width.min(w), lines).to_image());
    }
    Ok(img)
}

/// Raw samples as grey.
fn samples(
    pdf: &Pdf<'_>,
    dict: &Dict,
    data: &[u8],
    width: u32,
    height: u32,
) -> Result<GrayImage, String> {
    let mask = matches!(
        dict.get(b"ImageMask").or_else(|| dict.get(b"IM")),
        Some(Object::Bool(true))
    );
    let bpc = if mask {
        1
    } else {
        int(pdf, dict, b"BitsPerComponent", b"BPC").unwrap_or(8)
    };
    if !matches!(bpc, 1 | 2 | 4 | 8 | 16) {
        return Err(format!("{bpc} bits per component"));
    }
    let space = if mask {
        Space::Gray
    } else {
        let cs = pdf.get_in(dict, b"ColorSpace")?;
        let cs = if matches!(&*cs, Object::Null) {
            dict.get(b"CS").cloned().unwrap_or(Object::Null)
        } else {
            cs.clone()
        };
        colour_space(pdf, &cs, 0)?
    };
    let comps = space.components();
    let row = (width as usize * comps * bpc as usize).div_ceil(8);
    let max = ((1u32 << bpc) - 1) as f64;
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height as usize {
        let Some(line) = data.get(y * row..(y + 1) * row) else {
            // Rows missing: that part of the page would be blank, unsaid.
            return Err(format!("image data ends at row {y} of {height}"));
        };
        for x in 0..width as usize {
            let mut raw = [0u32; 4];
            for (k, v) in raw.iter_mut().enumerate().take(comps) {
                *v = sample(line, (x * comps + k) * bpc as usize, bpc);
            }
            out.push((space.grey(&raw, max) * 255.0).round().clamp(0.0, 255.0) as u8);
        }
    }
    GrayImage::from_raw(width, height, out).ok_or_else(|| "image data of the wrong size".into())
}

fn sample(line: &[u8], bit: usize, bpc: u32) -> u32 {
    match bpc {
        8 => u32::from(line[bit / 8]),
        16 => {
            u32::from(line[bit / 8]) << 8 | u32::from(line.get(bit / 8 + 1).copied().unwrap_or(0))
        }
        _ => {
            let byte = u32::from(line[bit / 8]);
            let shift = 8 - bpc as usize - bit % 8;
            (byte >> shift) & ((1 << bpc) - 1)
        }
    }
}

enum Space {
    Gray,
    Rgb,
    Cmyk,
    /// An index into a palette of colours of the base space.
    Indexed(Box<Space>, Vec<u8>),
}

impl Space {
    fn components(&self) -> usize {
        match self {
            Space::Gray | Space::Indexed(..) => 1,
            Space::Rgb => 3,
            Space::Cmyk => 4,
        }
    }

    /// Grey (0–1) of samples whose maximum is `max`.
    fn grey(&self, raw: &[u32; 4], max: f64) -> f64 {
        let c = raw.map(|v| f64::from(v) / max);
        match self {
            Space::Gray => c[0],
            Space::Rgb => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2],
            Space::Cmyk => {
                let k = c[3];
                let rgb = [
                    (1.0 - c[0]) * (1.0 - k),
                    (1.0 - c[1]) * (1.0 - k),
                    (1.0 - c[2]) * (1.0 - k),
                ];
                0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
            }
            Space::Indexed(base, palette) => {
                let n = base.components();
                let colours = palette.len() / n.max(1);
                let i = (raw[0] as usize).min(colours.saturating_sub(1));
                let mut v = [0u32; 4];
                for (k, slot) in v.iter_mut().enumerate().take(n) {
                    *slot = u32::from(palette.get(i * n + k).copied().unwrap_or(0));
                }
                base.grey(&v, 255.0)
            }
        }
    }
}

fn colour_space(pdf: &Pdf<'_>, cs: &Object, depth: usize) -> Result<Space, String> {
    if depth > 4 {
        return Err("colour spaces nested too deep".into());
    }
    let cs = pdf.resolve(cs)?;
    let by_name = |n: &[u8]| -> Option<Space> {
        match n {
            b"DeviceGray" | b"G" | b"CalGray" => Some(Space::Gray),
            b"DeviceRGB" | b"RGB" | b"CalRGB" | b"Lab" => Some(Space::Rgb),
            b"DeviceCMYK" | b"CMYK" => Some(Space::Cmyk),
            _ => None,
        }
    };
    match &*cs {
        Object::Null => Ok(Space::Gray),
        Object::Name(n) => {
            by_name(n).ok_or_else(|| format!("colour space /{}", String::from_utf8_lossy(n)))
        }
        Object::Array(a) => {
            let family = a.first().and_then(Object::as_name).unwrap_or_default();
            match family {
                b"ICCBased" => {
                    let stream = pdf.resolve(a.get(1).unwrap_or(&Object::Null))?;
                    let n = stream.as_dict().and_then(|d| d.int(b"N")).unwrap_or(3);
                    Ok(match n {
                        1 => Space::Gray,
                        4 => Space::Cmyk,
                        _ => Space::Rgb,
                    })
                }
                b"Indexed" | b"I" => {
                    let base = colour_space(pdf, a.get(1).unwrap_or(&Object::Null), depth + 1)?;
                    let lookup = pdf.resolve(a.get(3).unwrap_or(&Object::Null))?;
                    let palette = match &*lookup {
                        Object::Str(s) => s.clone(),
                        Object::Stream(s) => pdf.decode_whole(s)?,
                        _ => return Err("an indexed colour space without a palette".into()),
                    };
                    Ok(Space::Indexed(Box::new(base), palette))
                }
                b"CalGray" => Ok(Space::Gray),
                b"CalRGB" | b"Lab" => Ok(Space::Rgb),
                other => by_name(other)
                    .ok_or_else(|| format!("colour space /{}", String::from_utf8_lossy(other))),
            }
        }
        _ => Err("a colour space that is not a name or an array".into()),
    }
}
