//! Simple-font encodings: a byte's glyph name in a base encoding (ISO 32000-1 Annex D), a
//! glyph name's Unicode by the Adobe Glyph List rules, and PDF text strings (§7.9.2.2).
//! A name it cannot know (`g12`, `cid123`, `.notdef`) is `None`, never a guess: the reader
//! reports such a font as unreadable instead of inventing text. No I/O, no panics.

use super::glyphs::{
    GLYPHS, MAC_EXPERT, MAC_ROMAN, PDF_DOC, STANDARD, SYMBOL, WIN_ANSI, ZAPF_DINGBATS,
};

/// A simple font's base encoding (ISO 32000-1 Annex D).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    Standard,
    WinAnsi,
    MacRoman,
    MacExpert,
    /// The built-in encoding of the Symbol font (its AFM file).
    Symbol,
    /// The built-in encoding of the ZapfDingbats font (its AFM file).
    ZapfDingbats,
}

/// The base encoding a font's `/Encoding` (or `/BaseEncoding`) names. Symbol and
/// ZapfDingbats have no PDF name: they are the built-in encodings of those fonts.
pub fn base_from_name(name: &[u8]) -> Option<Base> {
    match name {
        b"StandardEncoding" => Some(Base::Standard),
        b"WinAnsiEncoding" => Some(Base::WinAnsi),
        b"MacRomanEncoding" => Some(Base::MacRoman),
        b"MacExpertEncoding" => Some(Base::MacExpert),
        _ => None,
    }
}

/// The glyph name of a code in a base encoding; `None` for a code the encoding leaves out.
pub fn glyph_name(base: Base, code: u8) -> Option<&'static str> {
    let table = match base {
        Base::Standard => &STANDARD,
        Base::WinAnsi => &WIN_ANSI,
        Base::MacRoman => &MAC_ROMAN,
        Base::MacExpert => &MAC_EXPERT,
        Base::Symbol => &SYMBOL,
        Base::ZapfDingbats => &ZAPF_DINGBATS,
    };
    let name = table[usize::from(code)];
    (!name.is_empty()).then_some(name)
}

/// The Unicode of a glyph name by the Adobe Glyph List specification: drop any suffix
/// from the first `.`, split the rest at `_` into components, and map each by the list,
/// then as `uniXXXX…` (groups of four upper-case hex digits, no surrogates), then as
/// `uXXXX`–`uXXXXXX`. `None` when any component maps to nothing: half a ligature would
/// be wrong text.
pub fn glyph_unicode(name: &[u8]) -> Option<String> {
    // Real names are short; a long one is garbage and not worth scanning.
    if name.len() > 256 {
        return None;
    }
    let stem = match name.iter().position(|&b| b == b'.') {
        Some(dot) => &name[..dot],
        None => name,
    };
    if stem.is_empty() {
        return None;
    }
    let mut text = String::new();
    for component in stem.split(|&b| b == b'_') {
        text.push_str(&component_unicode(component)?);
    }
    Some(text)
}

fn component_unicode(component: &[u8]) -> Option<String> {
    if component.is_empty() {
        return None;
    }
    if let Ok(i) = GLYPHS.binary_search_by(|(name, _)| name.as_bytes().cmp(component)) {
        return Some(GLYPHS[i].1.to_owned());
    }
    if let Some(hex) = component.strip_prefix(b"uni")
        && !hex.is_empty()
        && hex.len() % 4 == 0
    {
        let mut text = String::new();
        for group in hex.chunks(4) {
            let value = upper_hex(group)?;
            // `uni` names are BMP-only; surrogates are not characters.
            text.push(char::from_u32(value)?);
        }
        return Some(text);
    }
    if let Some(hex) = component.strip_prefix(b"u")
        && (4..=6).contains(&hex.len())
    {
        return char::from_u32(upper_hex(hex)?).map(String::from);
    }
    None
}

/// Upper-case hex only, as the AGL specification says: with lower case, ordinary names
/// such as `uniface` would read as code points.
fn upper_hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some(acc * 16 + u32::from(v))
    })
}

/// The Unicode of a byte in a base encoding; `None` when the code has no glyph there or
/// its glyph is no single character.
pub fn base_unicode(base: Base, code: u8) -> Option<char> {
    let text = glyph_unicode(glyph_name(base, code)?.as_bytes())?;
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// A PDF text string (ISO 32000-2 §7.9.2.2): UTF-16BE after the BOM FE FF, UTF-8 after
/// EF BB BF, else PDFDocEncoding. Language escapes (1B … 1B) are dropped; whatever cannot
/// be decoded becomes U+FFFD.
pub fn text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let mut units: Vec<u16> = Vec::with_capacity(rest.len() / 2);
        let mut in_escape = false;
        for pair in rest.chunks(2) {
            let [hi, lo] = pair else {
                // An odd last byte is half a unit.
                units.push(0xFFFD);
                break;
            };
            let unit = u16::from_be_bytes([*hi, *lo]);
            if unit == 0x1B {
                in_escape = !in_escape;
            } else if !in_escape {
                units.push(unit);
            }
        }
        return char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        let mut kept = Vec::with_capacity(rest.len());
        let mut in_escape = false;
        for &b in rest {
            if b == 0x1B {
                in_escape = !in_escape;
            } else if !in_escape {
                kept.push(b);
            }
        }
        return String::from_utf8_lossy(&kept).into_owned();
    }
    bytes.iter().map(|&b| PDF_DOC[usize::from(b)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Base; 6] = [
        Base::Standard,
        Base::WinAnsi,
        Base::MacRoman,
        Base::MacExpert,
        Base::Symbol,
        Base::ZapfDingbats,
    ];

    fn decode(base: Base) -> String {
        (0..=255u8)
            .map(|b| base_unicode(base, b).unwrap_or('\u{FFFD}'))
            .collect()
    }

    #[test]
    fn glyph_list_is_sorted_without_duplicates() {
        for pair in GLYPHS.windows(2) {
            assert!(pair[0].0.as_bytes() < pair[1].0.as_bytes(), "{:?}", pair);
        }
        assert!(GLYPHS.len() > 800);
        assert!(GLYPHS.iter().all(|(_, text)| !text.is_empty()));
    }

    #[test]
    fn win_ansi_matches_cp1252() {
        // Expected: Python `bytes([i]).decode('cp1252')` for 0x20..=0xFF, U+FFFD where
        // cp1252 has no character and for 0x7F; Annex D puts `space` at 0xA0 and
        // `hyphen` at 0xAD, so those two are U+0020 and U+002D here.
        let expected: String = (0x20..=0xFFu32)
            .map(|i| match i {
                0x7F | 0x81 | 0x8D | 0x8F | 0x90 | 0x9D => '\u{FFFD}',
                0xA0 => ' ',
                0xAD => '-',
                0x80..=0x9F => CP1252_80[(i - 0x80) as usize],
                _ => char::from_u32(i).unwrap_or('\u{FFFD}'),
            })
            .collect();
        assert_eq!(
            &decode(Base::WinAnsi).chars().skip(0x20).collect::<String>(),
            &expected
        );
        assert!((0..0x20).all(|b| base_unicode(Base::WinAnsi, b).is_none()));
    }

    // Python: bytes(range(0x80, 0xA0)).decode('cp1252', errors='replace').
    const CP1252_80: [char; 32] = [
        '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
        '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
        '\u{FFFD}', 'ž', 'Ÿ',
    ];

    #[test]
    fn mac_roman_matches_python_except_annex_d_changes() {
        // Python: bytes(range(0x80, 0x100)).decode('mac_roman'). Annex D leaves out the
        // Mac math symbols and the Apple logo (U+FFFD below), puts `space` at 0xCA and
        // `currency` (not the later Euro) at 0xDB.
        let python = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
                      ¿¡¬√ƒ≈∆«»…\u{A0}ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\u{F8FF}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ";
        let absent = [
            0xAD, 0xB0, 0xB2, 0xB3, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBD, 0xC3, 0xC5, 0xC6, 0xD7,
            0xF0,
        ];
        for (i, py) in python.chars().enumerate() {
            let code = 0x80 + i as u8;
            let want = match code {
                0xCA => Some(' '),
                0xDB => Some('¤'),
                c if absent.contains(&c) => None,
                _ => Some(py),
            };
            assert_eq!(base_unicode(Base::MacRoman, code), want, "{code:#x}");
        }
        for b in 0x20..0x7Fu8 {
            let want = if b == b'\'' { '\'' } else { char::from(b) };
            assert_eq!(base_unicode(Base::MacRoman, b), Some(want));
        }
    }

    #[test]
    fn standard_differs_from_ascii_only_at_quotes() {
        assert_eq!(base_unicode(Base::Standard, 0x27), Some('’'));
        assert_eq!(base_unicode(Base::Standard, 0x60), Some('‘'));
        assert_eq!(base_unicode(Base::Standard, 0xAE), Some('ﬁ'));
        assert_eq!(base_unicode(Base::Standard, 0xE8), Some('Ł'));
        for b in (0x20..0x7Fu8).filter(|b| ![0x27, 0x60].contains(b)) {
            assert_eq!(base_unicode(Base::Standard, b), Some(char::from(b)));
        }
        assert_eq!(base_unicode(Base::Standard, 0x80), None);
    }

    #[test]
    fn every_base_encoding_name_maps_except_private_use_ones() {
        // The AGL gives these only private-use code points: no text is in them.
        let private = |n: &str| {
            ["small", "superior", "inferior", "ex", "tp", "bt", "mid"]
                .iter()
                .any(|end| n.ends_with(end))
                || matches!(n, "onefitted" | "rupiah" | "threequartersemdash")
        };
        for base in ALL {
            for code in 0..=255u8 {
                if let Some(name) = glyph_name(base, code) {
                    let mapped = glyph_unicode(name.as_bytes()).is_some();
                    assert!(mapped || private(name), "{base:?} {code:#x} {name}");
                }
            }
        }
    }

    #[test]
    fn symbol_and_dingbats() {
        assert_eq!(base_unicode(Base::Symbol, 0x61), Some('α'));
        assert_eq!(base_unicode(Base::Symbol, 0xA0), Some('€'));
        assert_eq!(base_unicode(Base::Symbol, 0xE3), Some('©'));
        assert_eq!(glyph_name(Base::ZapfDingbats, 0x48), Some("a35"));
        assert_eq!(base_unicode(Base::ZapfDingbats, 0x48), Some('★'));
        assert_eq!(base_unicode(Base::ZapfDingbats, 0x80), Some('❨'));
        assert_eq!(base_unicode(Base::ZapfDingbats, 0x8D), Some('❵'));
        assert_eq!(base_unicode(Base::ZapfDingbats, 0xF0), None);
        assert_eq!(base_unicode(Base::MacExpert, 0x31), Some('1'));
        assert_eq!(base_unicode(Base::MacExpert, 0x61), None);
    }

    #[test]
    fn names_from_pdf() {
        assert_eq!(base_from_name(b"WinAnsiEncoding"), Some(Base::WinAnsi));
        assert_eq!(base_from_name(b"MacExpertEncoding"), Some(Base::MacExpert));
        assert_eq!(base_from_name(b"PDFDocEncoding"), None);
    }

    #[test]
    fn glyph_names() {
        let u = |n: &str| glyph_unicode(n.as_bytes());
        assert_eq!(u("a35").as_deref(), Some("★"));
        assert_eq!(u("uni5BC6").as_deref(), Some("密"));
        assert_eq!(u("uni5BC65BC6").as_deref(), Some("密密"));
        assert_eq!(u("u1F600").as_deref(), Some("😀"));
        assert_eq!(u("u5BC6").as_deref(), Some("密"));
        assert_eq!(u("T.alt").as_deref(), Some("T"));
        assert_eq!(u("f_f_i").as_deref(), Some("ffi"));
        assert_eq!(u("f_f_i.liga").as_deref(), Some("ffi"));
        assert_eq!(u("uni673A_uni5BC6.vert").as_deref(), Some("机密"));
        assert_eq!(u("Euro").as_deref(), Some("€"));
        for unknown in [
            "g12", "cid123", "glyph5", ".notdef", "", "uni5bc6", "uniD800", "uni5BC", "u110000",
            "uD800", "u12", "u1234567", "f__i", "f_g12", "uniface", "Asmall", "_",
        ] {
            assert_eq!(u(unknown), None, "{unknown}");
        }
        assert_eq!(glyph_unicode(&[0xFF, 0xFE]), None);
        assert_eq!(glyph_unicode(&[b'a'; 300]), None);
    }

    #[test]
    fn text_strings() {
        let utf16 = [
            0xFE, 0xFF, 0x67, 0x3A, 0x5B, 0xC6, 0x26, 0x05, 0xD8, 0x3D, 0xDE, 0x00,
        ];
        assert_eq!(text_string(&utf16), "机密★😀");
        // Language escape: ESC "zh" ESC before the text.
        let escaped = [0xFE, 0xFF, 0x00, 0x1B, 0x7A, 0x68, 0x00, 0x1B, 0x5B, 0xC6];
        assert_eq!(text_string(&escaped), "密");
        assert_eq!(
            text_string(&[0xFE, 0xFF, 0xD8, 0x3D, 0x00]),
            "\u{FFFD}\u{FFFD}"
        );
        assert_eq!(text_string(&[0xFE, 0xFF]), "");
        let utf8 = [&[0xEF, 0xBB, 0xBF][..], "机密★10年".as_bytes()].concat();
        assert_eq!(text_string(&utf8), "机密★10年");
        assert_eq!(text_string(&[0xEF, 0xBB, 0xBF, 0xE6]), "\u{FFFD}");
        assert_eq!(text_string(b"Secret (1)"), "Secret (1)");
    }

    #[test]
    fn pdf_doc_encoding_matches_annex_d() {
        // ISO 32000-2 Table D.2, written out: 0x18-0x1F, then 0x80-0x9F (0x9F undefined).
        let low = "˘ˇˆ˙˝˛˚˜";
        let high = "•†‡…—–ƒ⁄‹›−‰„“”‘’‚™ﬁﬂŁŒŠŸŽıłœšž\u{FFFD}";
        let bytes: Vec<u8> = (0x18..0x20).chain(0x80..0xA0).collect();
        assert_eq!(text_string(&bytes), format!("{low}{high}"));
        assert_eq!(
            text_string(&[0xA0, 0xAD, 0xE9, 0x7F, 0x00, 0x0A]),
            "€\u{FFFD}é\u{FFFD}\u{FFFD}\n"
        );
    }
}
