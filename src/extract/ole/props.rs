//! The property sets of a compound file ([MS-OLEPS]): `\005SummaryInformation` (title,
//! creation date: the weak start of a term) and `\005DocumentSummaryInformation`, whose
//! user-defined section holds properties an office names 密级 / 保密期限 / 定密日期, read
//! like the custom properties of a .docx. Every offset is checked against the stream
//! and every count bounded by it; a set that does not parse is a gap, never a panic.

use jiff::civil::Date;

use super::{Compound, u16_at, u32_at};
use crate::extract::{ExtractError, Gap, Property};

/// What the property sets of one file say.
#[derive(Debug, Default)]
pub struct Summary {
    pub props: Vec<Property>,
    pub created: Option<Date>,
    /// A property set present but unreadable (ML900 beside what was read).
    pub gaps: Vec<Gap>,
}

const SUMMARY: &str = "/\u{5}SummaryInformation";
const DOCUMENT_SUMMARY: &str = "/\u{5}DocumentSummaryInformation";

/// FMTID of the user-defined section of `DocumentSummaryInformation`
/// (D5CDD505-2E9C-101B-9397-08002B2CF9AE, as stored: the first three fields little-endian).
pub(crate) const USER_DEFINED: [u8; 16] = [
    0x05, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10, 0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE,
];

const PID_DICTIONARY: u32 = 0;
const PID_CODEPAGE: u32 = 1;
const PIDSI_TITLE: u32 = 2;
const PIDSI_CREATE_DTM: u32 = 12;

/// The property sets of `file`, as far as they can be read.
pub fn read(file: &mut Compound) -> Summary {
    let mut summary = Summary::default();
    for (stream, user) in [(SUMMARY, false), (DOCUMENT_SUMMARY, true)] {
        let bytes = match file.read(stream) {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => {
                summary.gaps.push(gap(stream, e));
                continue;
            }
        };
        let part = stream.trim_start_matches(['/', '\u{5}']);
        match sections(&bytes) {
            Some(sections) => {
                for (fmtid, section) in sections {
                    read_section(section, fmtid == USER_DEFINED && user, part, &mut summary);
                }
            }
            None => summary.gaps.push(gap(
                stream,
                ExtractError::Corrupt(format!("unreadable property set {part}")),
            )),
        }
    }
    summary
}

fn gap(stream: &str, error: ExtractError) -> Gap {
    Gap {
        part: Some(stream.trim_start_matches(['/', '\u{5}']).to_string()),
        line: 1,
        error,
    }
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// The sections of a property set stream: (FMTID, the section's bytes from its start).
fn sections(b: &[u8]) -> Option<Vec<([u8; 16], &[u8])>> {
    if u16_at(b, 0)? != 0xFFFE {
        return None;
    }
    // At most two sections are defined; more is a damaged header.
    let count = u32_at(b, 24)?.min(2) as usize;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let at = 28 + 20 * i;
        let fmtid: [u8; 16] = b.get(at..at + 16)?.try_into().ok()?;
        let offset = u32_at(b, at + 16)? as usize;
        out.push((fmtid, b.get(offset..)?));
    }
    Some(out)
}

/// One section: its properties into `summary`. `user`: the user-defined section, whose
/// names come from its dictionary.
fn read_section(s: &[u8], user: bool, part: &str, summary: &mut Summary) {
    let Some(size) = u32_at(s, 0) else { return };
    let s = &s[..(size as usize).min(s.len())];
    let Some(count) = u32_at(s, 4) else { return };
    // Each property takes 8 bytes of the index: the section's size bounds the count.
    let count = (count as usize).min(s.len() / 8);
    let entries: Vec<(u32, usize)> = (0..count)
        .filter_map(|i| Some((u32_at(s, 8 + 8 * i)?, u32_at(s, 12 + 8 * i)? as usize)))
        .collect();
    let codepage = entries
        .iter()
        .find(|(id, _)| *id == PID_CODEPAGE)
        .and_then(|(_, at)| match value(s, *at, 1252)? {
            Value::Int(cp) => Some(cp as u16),
            _ => None,
        })
        .unwrap_or(1252);
    let names = match entries.iter().find(|(id, _)| *id == PID_DICTIONARY) {
        Some((_, at)) if user => dictionary(s, *at, codepage),
        _ => Vec::new(),
    };
    for (id, at) in &entries {
        if *id <= PID_CODEPAGE {
            continue;
        }
        let Some(v) = value(s, *at, codepage) else {
            continue;
        };
        if user {
            if let Some((_, name)) = names.iter().find(|(n, _)| n == id) {
                summary.props.push(Property {
                    key: name.clone(),
                    value: v.text(),
                    part: part.to_string(),
                });
            }
        } else if *id == PIDSI_TITLE {
            summary.props.push(Property {
                key: "title".to_string(),
                value: v.text(),
                part: part.to_string(),
            });
        } else if *id == PIDSI_CREATE_DTM
            && let Value::Date(d) = v
        {
            summary.created = Some(d);
        }
    }
}

/// A typed property value, as far as a mark linter needs it.
#[derive(Debug, PartialEq)]
enum Value {
    Text(String),
    Int(i64),
    Date(Date),
    Other,
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Other => String::new(),
        }
    }
}

/// The typed value at `at` in section `s`.
fn value(s: &[u8], at: usize, codepage: u16) -> Option<Value> {
    const VT_I2: u16 = 0x02;
    const VT_I4: u16 = 0x03;
    const VT_DATE: u16 = 0x07;
    const VT_LPSTR: u16 = 0x1E;
    const VT_LPWSTR: u16 = 0x1F;
    const VT_FILETIME: u16 = 0x40;
    let data = at.checked_add(4)?;
    Some(match u16_at(s, at)? {
        VT_I2 => Value::Int(i64::from(u16_at(s, data)? as i16)),
        VT_I4 => Value::Int(i64::from(u32_at(s, data)? as i32)),
        VT_LPSTR => {
            let len = u32_at(s, data)? as usize;
            let bytes = s.get(data + 4..(data + 4).checked_add(len)?)?;
            Value::Text(decode(bytes, codepage))
        }
        VT_LPWSTR => {
            let chars = u32_at(s, data)? as usize;
            let bytes = s.get(data + 4..(data + 4).checked_add(chars.checked_mul(2)?)?)?;
            Value::Text(utf16(bytes))
        }
        VT_FILETIME => Value::Date(filetime(u64_at(s, data)?)?),
        VT_DATE => Value::Date(ole_date(f64::from_bits(u64_at(s, data)?))?),
        _ => Value::Other,
    })
}

/// The dictionary of a user-defined section: property id → name.
fn dictionary(s: &[u8], at: usize, codepage: u16) -> Vec<(u32, String)> {
    let mut names = Vec::new();
    let Some(count) = u32_at(s, at) else {
        return names;
    };
    let mut pos = at + 4;
    // Each entry takes at least 8 bytes: the section bounds the count.
    for _ in 0..(count as usize).min(s.len() / 8) {
        let (Some(id), Some(len)) = (u32_at(s, pos), u32_at(s, pos + 4)) else {
            break;
        };
        let len = len as usize;
        pos += 8;
        let (name, size) = if codepage == 1200 {
            let Some(size) = len.checked_mul(2) else {
                break;
            };
            let Some(bytes) = s.get(pos..pos.saturating_add(size)) else {
                break;
            };
            // UTF-16 names are padded to a multiple of 4 bytes.
            (utf16(bytes), size.next_multiple_of(4))
        } else {
            let Some(bytes) = s.get(pos..pos.saturating_add(len)) else {
                break;
            };
            (decode(bytes, codepage), len)
        };
        names.push((id, name));
        pos = pos.saturating_add(size);
    }
    names
}

/// Bytes in Windows code page `cp`, up to the first NUL.
fn decode(bytes: &[u8], cp: u16) -> String {
    let bytes = bytes.split(|b| *b == 0).next().unwrap_or_default();
    let enc = crate::extract::text::codepage(u32::from(cp)).unwrap_or(encoding_rs::GB18030);
    enc.decode_without_bom_handling(bytes).0.trim().to_string()
}

/// UTF-16LE up to the first NUL.
fn utf16(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|u| *u != 0)
        .collect();
    String::from_utf16_lossy(&units).trim().to_string()
}

/// A FILETIME (100 ns ticks since 1601-01-01 UTC): its date; `None` for zero (unset).
fn filetime(ticks: u64) -> Option<Date> {
    const TICKS_PER_DAY: u64 = 864_000_000_000;
    if ticks == 0 {
        return None;
    }
    let days = i64::try_from(ticks / TICKS_PER_DAY).ok()?;
    Date::new(1601, 1, 1)
        .ok()?
        .checked_add(jiff::Span::new().try_days(days).ok()?)
        .ok()
}

/// An OLE automation date (days since 1899-12-30): its date.
fn ole_date(days: f64) -> Option<Date> {
    if !days.is_finite() || !(1.0..3_000_000.0).contains(&days) {
        return None;
    }
    Date::new(1899, 12, 30)
        .ok()?
        .checked_add(jiff::Span::new().try_days(days.floor() as i64).ok()?)
        .ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A property set stream with one section of `(id, typed value bytes)` properties.
    pub fn property_set(fmtid: [u8; 16], props: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0u8; 48];
        b[0..2].copy_from_slice(&0xFFFEu16.to_le_bytes());
        b[24..28].copy_from_slice(&1u32.to_le_bytes());
        b[28..44].copy_from_slice(&fmtid);
        b[44..48].copy_from_slice(&48u32.to_le_bytes());
        let mut section = vec![0u8; 8 + 8 * props.len()];
        for (i, (id, value)) in props.iter().enumerate() {
            let at = section.len() as u32;
            section[8 + 8 * i..12 + 8 * i].copy_from_slice(&id.to_le_bytes());
            section[12 + 8 * i..16 + 8 * i].copy_from_slice(&at.to_le_bytes());
            section.extend(value);
            section.resize(section.len().next_multiple_of(4), 0);
        }
        let size = section.len() as u32;
        section[0..4].copy_from_slice(&size.to_le_bytes());
        section[4..8].copy_from_slice(&(props.len() as u32).to_le_bytes());
        b.extend(section);
        b
    }

    pub fn lpstr(bytes: &[u8]) -> Vec<u8> {
        let mut v = 0x1Eu32.to_le_bytes().to_vec();
        v.extend((bytes.len() as u32 + 1).to_le_bytes());
        v.extend(bytes);
        v.push(0);
        v
    }

    pub fn codepage(cp: u16) -> Vec<u8> {
        let mut v = 0x02u32.to_le_bytes().to_vec();
        v.extend(cp.to_le_bytes());
        v
    }

    /// A dictionary of GBK names.
    pub fn dictionary_of(names: &[(u32, &str)]) -> Vec<u8> {
        let mut v = (names.len() as u32).to_le_bytes().to_vec();
        for (id, name) in names {
            let bytes = encoding_rs::GBK.encode(name).0;
            v.extend(id.to_le_bytes());
            v.extend((bytes.len() as u32 + 1).to_le_bytes());
            v.extend(bytes.iter());
            v.push(0);
        }
        v
    }

    fn summary_of(stream: &[u8], user: bool) -> Summary {
        let mut summary = Summary::default();
        for (fmtid, section) in sections(stream).unwrap() {
            read_section(section, fmtid == USER_DEFINED && user, "x", &mut summary);
        }
        summary
    }

    #[test]
    fn user_defined_properties_in_gbk() {
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let stream = property_set(
            USER_DEFINED,
            &[
                (0, dictionary_of(&[(2, "密级"), (3, "保密期限")])),
                (1, codepage(936)),
                (2, lpstr(&gbk("机密"))),
                (3, lpstr(&gbk("10年"))),
            ],
        );
        let s = summary_of(&stream, true);
        let got: Vec<(&str, &str)> = s
            .props
            .iter()
            .map(|p| (p.key.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(got, [("密级", "机密"), ("保密期限", "10年")]);
        // The same section outside DocumentSummaryInformation has no dictionary: its
        // property 2 is the title.
        let plain = summary_of(&stream, false);
        assert!(
            plain.props.iter().all(|p| p.key == "title"),
            "{:?}",
            plain.props
        );
    }

    #[test]
    fn title_and_creation_date() {
        let mut filetime = 0x40u32.to_le_bytes().to_vec();
        // 2026-03-05 00:00 UTC.
        let days_1601_to_2026_03_05: u64 = 155_291;
        filetime.extend((days_1601_to_2026_03_05 * 864_000_000_000).to_le_bytes());
        let stream = property_set(
            [0; 16],
            &[
                (1, codepage(65001)),
                (2, lpstr("通知".as_bytes())),
                (12, filetime),
            ],
        );
        let s = summary_of(&stream, false);
        assert_eq!(s.created, Date::new(2026, 3, 5).ok());
        assert_eq!(s.props[0].key, "title");
        assert_eq!(s.props[0].value, "通知");
        assert_eq!(ole_date(46086.5), Date::new(2026, 3, 5).ok());
        assert_eq!(super::filetime(0), None);
    }

    /// Every prefix and every single-byte change of a set reads without panic.
    #[test]
    fn damaged_sets_never_panic() {
        let stream = property_set(
            USER_DEFINED,
            &[
                (0, dictionary_of(&[(2, "密级")])),
                (1, codepage(936)),
                (2, lpstr(b"\xbb\xfa\xc3\xdc")),
            ],
        );
        for cut in 0..stream.len() {
            if let Some(sections) = sections(&stream[..cut]) {
                for (_, s) in sections {
                    read_section(s, true, "x", &mut Summary::default());
                }
            }
        }
        for i in 0..stream.len() {
            for v in [0x00, 0x7F, 0xFF] {
                let mut b = stream.clone();
                b[i] = v;
                let _ = summary_of_lenient(&b);
            }
        }
    }

    fn summary_of_lenient(stream: &[u8]) -> Summary {
        let mut summary = Summary::default();
        for (fmtid, section) in sections(stream).unwrap_or_default() {
            read_section(section, fmtid == USER_DEFINED, "x", &mut summary);
        }
        summary
    }
}
