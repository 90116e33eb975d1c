//! A page's fonts (ISO 32000-1 §9.5–9.10): how a shown string splits into codes, each
//! code's Unicode text and its width. Unicode comes from the font's ToUnicode CMap, else
//! from its encoding (glyph names, or a predefined CJK CMap whose codes are a character
//! set); a code with neither is unmapped and the caller reports it — never guessed.

use super::cmap::{CMap, Code, Predefined};
use super::encoding::{self, Base};
use super::file::Pdf;
use super::object::{Dict, Object};

/// One code of a shown string.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Its Unicode text; `None` when the font gives no way to know it.
    pub text: Option<String>,
    /// Its advance in text space units (before the font size): width / 1000.
    pub width: f64,
    /// A single-byte code 32, to which word spacing applies (§9.3.3).
    pub space: bool,
}

enum Codes {
    /// One byte per code (simple fonts).
    Single,
    Predefined(Predefined),
    Embedded(Box<CMap>),
}

pub struct Font {
    /// `/BaseFont`, for messages.
    pub name: String,
    codes: Codes,
    to_unicode: Option<CMap>,
    /// Simple fonts: each byte's Unicode by the encoding.
    simple: Option<Box<[Option<String>; 256]>>,
    /// Simple fonts: `/FirstChar` and `/Widths`; composite: the `/W` ranges.
    widths: Widths,
    /// Text space units per glyph unit (1/1000, or a Type 3 font's matrix).
    scale: f64,
    /// A CID TrueType font without ToUnicode: each glyph's character by its own cmap,
    /// and the CID-to-glyph map (`None`: the identity).
    glyphs: Glyphs,
    pub vertical: bool,
}

enum Widths {
    Simple {
        first: i64,
        widths: Vec<f64>,
        missing: f64,
    },
    Cid {
        ranges: Vec<(u32, u32, f64)>,
        default: f64,
    },
}

impl Font {
    /// Read a font dictionary; a font that cannot be read gives `Err` (its text is
    /// then unmapped, and reported).
    pub fn load(pdf: &Pdf<'_>, dict: &Dict) -> Result<Font, String> {
        let subtype = dict.name(b"Subtype").unwrap_or_default();
        let name = dict
            .name(b"BaseFont")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_else(|| String::from_utf8_lossy(subtype).into_owned());
        // A ToUnicode CMap that cannot be read is an error, not a font without one: the
        // text would otherwise come from the encoding, which may say something else.
        let to_unicode = match pdf.get_in(dict, b"ToUnicode")?.as_stream() {
            Some(s) => {
                let data = pdf
                    .decode_whole(s)
                    .map_err(|e| format!("font {name}: its ToUnicode: {e}"))?;
                let cmap =
                    CMap::parse(&data).map_err(|e| format!("font {name}: its ToUnicode: {e}"))?;
                if cmap.dropped() > 0 {
                    // What those entries meant is unknown: the encoding must not stand in.
                    return Err(format!(
                        "font {name}: {} entries of its ToUnicode do not read",
                        cmap.dropped()
                    ));
                }
                Some(cmap)
            }
            None => None,
        };
        if subtype == b"Type0" {
            return Self::composite(pdf, dict, name, to_unicode);
        }
        let widths = simple_widths(pdf, dict, &name)?;
        let scale = match (subtype, pdf.get_in(dict, b"FontMatrix")?.as_array()) {
            (b"Type3", Some(m)) => m.first().and_then(Object::as_f64).unwrap_or(0.001),
            _ => 0.001,
        };
        let simple = simple_encoding(pdf, dict, &name)?;
        Ok(Font {
            name,
            codes: Codes::Single,
            to_unicode,
            simple: Some(simple),
            widths,
            scale,
            glyphs: None,
            vertical: false,
        })
    }

    fn composite(
        pdf: &Pdf<'_>,
        dict: &Dict,
        name: String,
        to_unicode: Option<CMap>,
    ) -> Result<Font, String> {
        let encoding = pdf.get_in(dict, b"Encoding")?;
        let codes = match &*encoding {
            Object::Name(n) => Codes::Predefined(Predefined::from_name(n).ok_or_else(|| {
                format!(
                    "font {name}: the CMap /{} is not known",
                    String::from_utf8_lossy(n)
                )
            })?),
            Object::Stream(s) => {
                let data = pdf
                    .decode_whole(s)
                    .map_err(|e| format!("font {name}: its CMap: {e}"))?;
                let cmap = CMap::parse(&data).map_err(|e| format!("font {name}: its CMap: {e}"))?;
                match (
                    cmap.has_codespace(),
                    cmap.usecmap().and_then(Predefined::from_name),
                ) {
                    (false, Some(p)) => Codes::Predefined(p),
                    _ => Codes::Embedded(Box::new(cmap)),
                }
            }
            _ => return Err(format!("font {name}: no encoding")),
        };
        let vertical = match &codes {
            Codes::Predefined(p) => p.vertical(),
            Codes::Embedded(c) => c.vertical(),
            Codes::Single => false,
        };
        let descendant = match pdf.get_in(dict, b"DescendantFonts")?.as_array() {
            Some(a) => a.first().cloned(),
            None => None,
        };
        let (widths, glyphs) = match descendant {
            Some(d) => (cid_widths(pdf, &d)?, embedded_glyphs(pdf, &d, &name)?),
            None => (
                Widths::Cid {
                    ranges: Vec::new(),
                    default: 1000.0,
                },
                None,
            ),
        };
        Ok(Font {
            name,
            codes,
            to_unicode,
            simple: None,
            widths,
            scale: 0.001,
            glyphs,
            vertical,
        })
    }

    /// The glyphs of a shown string.
    pub fn glyphs(&self, bytes: &[u8], out: &mut Vec<Glyph>) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let code = match &self.codes {
                Codes::Single => Some(Code {
                    code: u32::from(rest[0]),
                    len: 1,
                    in_codespace: true,
                }),
                Codes::Predefined(p) => p.next_code(rest),
                Codes::Embedded(c) => c.next_code(rest),
            }
            .unwrap_or(Code {
                code: u32::from(rest[0]),
                len: 1,
                in_codespace: false,
            });
            let len = usize::from(code.len).clamp(1, rest.len());
            rest = &rest[len..];
            out.push(Glyph {
                text: self.unicode(code),
                width: self.width(code) * self.scale,
                space: code.len == 1 && code.code == 32,
            });
        }
    }

    fn unicode(&self, code: Code) -> Option<String> {
        let mapped = self
            .to_unicode
            .as_ref()
            .and_then(|t| t.unicode(code.code, code.len))
            .filter(|s| !s.is_empty() && s != "\0");
        if mapped.is_some() {
            return mapped;
        }
        let by_encoding = match &self.codes {
            Codes::Single => self.simple.as_ref()?[code.code as usize & 0xff].clone(),
            Codes::Predefined(p) => p.unicode(code),
            Codes::Embedded(_) => None,
        };
        by_encoding.or_else(|| {
            // The font's own cmap, read backwards: CID → glyph → character.
            let (map, cid_to_gid) = self.glyphs.as_ref()?;
            let cid = self.cid(code)?;
            let gid = match cid_to_gid {
                None => u16::try_from(cid).ok()?,
                Some(table) => *table.get(usize::try_from(cid).ok()?)?,
            };
            map.get(&gid).map(|c| c.to_string())
        })
    }

    /// The CID of a code, where the encoding says it.
    fn cid(&self, code: Code) -> Option<u32> {
        match &self.codes {
            Codes::Predefined(p) if p.is_identity() => Some(code.code),
            Codes::Embedded(c) => c.cid(code.code, code.len),
            _ => None,
        }
    }

    fn width(&self, code: Code) -> f64 {
        match &self.widths {
            Widths::Simple {
                first,
                widths,
                missing,
            } => i64::from(code.code)
                .checked_sub(*first)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| widths.get(i).copied())
                .unwrap_or(*missing),
            Widths::Cid { ranges, default } => self
                .cid(code)
                .and_then(|cid| {
                    let i = ranges.partition_point(|r| r.1 < cid);
                    ranges.get(i).filter(|r| r.0 <= cid).map(|r| r.2)
                })
                .unwrap_or(*default),
        }
    }
}

/// A CIDFontType2's embedded TrueType program read for its glyphs' characters, and
/// its `/CIDToGIDMap`; `None` for other fonts or a program without a Unicode cmap. A
/// program that cannot be decoded is an error (the text would go unmapped unsaid).
type Glyphs = Option<(std::collections::HashMap<u16, char>, Option<Vec<u16>>)>;

fn embedded_glyphs(pdf: &Pdf<'_>, descendant: &Object, name: &str) -> Result<Glyphs, String> {
    let font = pdf.resolve(descendant)?;
    let Some(d) = font.as_dict() else {
        return Ok(None);
    };
    if d.name(b"Subtype") != Some(b"CIDFontType2") {
        return Ok(None);
    }
    let descriptor = pdf.get_in(d, b"FontDescriptor")?;
    let Some(descriptor) = descriptor.as_dict() else {
        return Ok(None);
    };
    let program = pdf.get_in(descriptor, b"FontFile2")?;
    let Some(program) = program.as_stream() else {
        return Ok(None);
    };
    let data = pdf
        .decode_whole(program)
        .map_err(|e| format!("font {name}: its program: {e}"))?;
    let Some(map) = super::truetype::glyph_unicode(&data) else {
        return Ok(None);
    };
    let cid_to_gid = match &*pdf.get_in(d, b"CIDToGIDMap")? {
        Object::Stream(s) => {
            let table = pdf
                .decode_whole(s)
                .map_err(|e| format!("font {name}: its CIDToGIDMap: {e}"))?;
            Some(
                table
                    .chunks_exact(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect(),
            )
        }
        _ => None,
    };
    Ok(Some((map, cid_to_gid)))
}

/// The widths of a simple font; a standard font without `/Widths` gets an average
/// width (its metrics are not in this reader), which only moves where spaces go.
fn simple_widths(pdf: &Pdf<'_>, dict: &Dict, name: &str) -> Result<Widths, String> {
    let first = pdf.get_in(dict, b"FirstChar")?.as_int().unwrap_or(0);
    let widths: Vec<f64> = match pdf.get_in(dict, b"Widths")?.as_array() {
        Some(a) => a
            .iter()
            .map(|w| pdf.resolve(w).ok().and_then(|w| w.as_f64()).unwrap_or(0.0))
            .collect(),
        None => Vec::new(),
    };
    let descriptor = pdf.get_in(dict, b"FontDescriptor")?;
    let missing = descriptor
        .as_dict()
        .and_then(|d| d.get(b"MissingWidth"))
        .and_then(Object::as_f64)
        .filter(|&w| w > 0.0)
        .unwrap_or(if name.contains("Courier") {
            600.0
        } else {
            500.0
        });
    Ok(Widths::Simple {
        first,
        widths,
        missing,
    })
}

/// A CIDFont's `/W` (`c [w1 w2 …]` and `c_first c_last w`) and `/DW`.
fn cid_widths(pdf: &Pdf<'_>, descendant: &Object) -> Result<Widths, String> {
    let font = pdf.resolve(descendant)?;
    let Some(d) = font.as_dict() else {
        return Ok(Widths::Cid {
            ranges: Vec::new(),
            default: 1000.0,
        });
    };
    let default = pdf.get_in(d, b"DW")?.as_f64().unwrap_or(1000.0);
    let w = pdf.get_in(d, b"W")?;
    let items: Vec<Object> = w.as_array().map(<[Object]>::to_vec).unwrap_or_default();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let Some(c) = items[i].as_int().and_then(|c| u32::try_from(c).ok()) else {
            i += 1;
            continue;
        };
        let next = pdf.resolve(items.get(i + 1).unwrap_or(&Object::Null))?;
        if let Some(list) = next.as_array() {
            for (k, w) in list.iter().enumerate().take(65_536) {
                let cid = c.saturating_add(k as u32);
                ranges.push((cid, cid, w.as_f64().unwrap_or(default)));
            }
            i += 2;
        } else {
            let last = next
                .as_int()
                .and_then(|l| u32::try_from(l).ok())
                .unwrap_or(c);
            let w = items.get(i + 2).and_then(Object::as_f64).unwrap_or(default);
            ranges.push((c, last.max(c), w));
            i += 3;
        }
    }
    ranges.sort_by_key(|r| (r.1, r.0));
    Ok(Widths::Cid { ranges, default })
}

/// A simple font's 256 codes as Unicode: `/Encoding` (a name, or a dictionary with
/// `/BaseEncoding` and `/Differences`), else the font's own encoding — Standard for a
/// non-symbolic font, the built-in one of Symbol and ZapfDingbats; the built-in
/// encoding of an embedded symbolic font is not known here, so its codes are unmapped
/// unless `/Differences` or ToUnicode names them.
fn simple_encoding(
    pdf: &Pdf<'_>,
    dict: &Dict,
    name: &str,
) -> Result<Box<[Option<String>; 256]>, String> {
    let encoding = pdf.get_in(dict, b"Encoding")?;
    let stripped = name.split('+').next_back().unwrap_or(name);
    let builtin = if stripped.starts_with("Symbol") {
        Some(Base::Symbol)
    } else if stripped.starts_with("ZapfDingbats") || stripped.starts_with("Dingbats") {
        Some(Base::ZapfDingbats)
    } else {
        None
    };
    let descriptor = pdf.get_in(dict, b"FontDescriptor")?;
    let flags = descriptor
        .as_dict()
        .and_then(|d| d.int(b"Flags"))
        .unwrap_or(0);
    let symbolic = flags & 4 != 0 && flags & 32 == 0;
    let (base_name, differences) = match &*encoding {
        Object::Name(n) => (Some(n.clone()), None),
        Object::Dict(d) => (
            d.name(b"BaseEncoding").map(<[u8]>::to_vec),
            d.get(b"Differences").cloned(),
        ),
        _ => (None, None),
    };
    let base = base_name
        .as_deref()
        .and_then(encoding::base_from_name)
        .or(builtin)
        .or((!symbolic).then_some(Base::Standard));
    let mut table: Box<[Option<String>; 256]> = Box::new(std::array::from_fn(|_| None));
    if let Some(base) = base {
        for (code, slot) in table.iter_mut().enumerate() {
            *slot = encoding::base_unicode(base, code as u8).map(String::from);
        }
    }
    if let Some(diffs) = differences {
        let diffs = pdf.resolve(&diffs)?;
        let mut code: i64 = 0;
        for item in diffs.as_array().unwrap_or_default() {
            match item {
                Object::Int(c) => code = *c,
                Object::Name(glyph) => {
                    if let Some(slot) = usize::try_from(code).ok().and_then(|c| table.get_mut(c)) {
                        *slot = encoding::glyph_unicode(glyph);
                    }
                    code = code.saturating_add(1);
                }
                _ => {}
            }
        }
    }
    Ok(table)
}
