//! Decoding bytes to text: BOM, strict UTF-8, BOM-less UTF-16, then GB18030/GBK and
//! other legacy encodings guessed by `chardetng` with the `.cn` hint
//! (`../shared/FORMATS-crates.md` §2). Returns `None` for binary data.

use encoding_rs::{Encoding, GBK, UTF_8, UTF_16BE, UTF_16LE};

pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// How much of a file the legacy-encoding detector reads: detection is the costly step.
const DETECT_PREFIX: usize = 16 * 1024;

/// Decode `bytes`; `None` when they are not text in any encoding we know.
pub fn decode(bytes: Vec<u8>, html: bool) -> Option<Decoded> {
    if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Some(Decoded {
            text: text.into_owned(),
            encoding: enc.name(),
        });
    }
    // Validation is most of the work on a corpus of UTF-8 text: do it with SIMD.
    let valid_utf8 = simdutf8::basic::from_utf8(&bytes).is_ok();
    let bytes = match valid_utf8 {
        // SAFETY: `simdutf8` has just validated these bytes as UTF-8.
        true => Ok(unsafe { String::from_utf8_unchecked(bytes) }),
        false => Err(bytes),
    };
    let bytes = match bytes {
        Ok(text) => {
            if memchr::memchr(0, text.as_bytes()).is_some() {
                return utf16_without_bom(text.as_bytes());
            }
            return Some(Decoded {
                text,
                encoding: UTF_8.name(),
            });
        }
        Err(bytes) => bytes,
    };
    let bytes = &bytes[..];
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return utf16_without_bom(bytes);
    }
    let enc = html
        .then(|| meta_charset(bytes))
        .flatten()
        .unwrap_or_else(|| guess_legacy(bytes));
    let (text, _, _) = enc.decode(bytes);
    Some(Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
    })
}

fn guess_legacy(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    let prefix = &bytes[..bytes.len().min(DETECT_PREFIX)];
    det.feed(prefix, prefix.len() == bytes.len());
    let guess = det.guess(Some(b"cn"), chardetng::Utf8Detection::Deny);
    // GBK's decoder is the GB18030 decoder: it reads 4-byte sequences too.
    if guess == encoding_rs::GB18030 {
        GBK
    } else {
        guess
    }
}

/// UTF-16 without a BOM: decode as LE and BE and keep the one that reads as text.
fn utf16_without_bom(bytes: &[u8]) -> Option<Decoded> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let score = |enc: &'static Encoding| -> Option<(usize, String)> {
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        if had_errors {
            return None;
        }
        let total = text.chars().count().max(1);
        let plausible = text.chars().filter(|c| plausible_char(*c)).count();
        (plausible * 10 >= total * 9).then(|| (plausible, text.into_owned()))
    };
    let best = match (score(UTF_16LE), score(UTF_16BE)) {
        (Some(le), Some(be)) if be.0 > le.0 => Some((UTF_16BE, be.1)),
        (Some(le), _) => Some((UTF_16LE, le.1)),
        (None, Some(be)) => Some((UTF_16BE, be.1)),
        (None, None) => None,
    };
    best.map(|(enc, text)| Decoded {
        text,
        encoding: enc.name(),
    })
}

fn plausible_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r' | ' '..='~'
        | '\u{3000}'..='\u{303f}'   // CJK punctuation
        | '\u{4e00}'..='\u{9fff}'   // CJK unified ideographs
        | '\u{3400}'..='\u{4dbf}'
        | '\u{ff00}'..='\u{ffef}'   // full-width forms
        | '\u{2000}'..='\u{27bf}'   // general punctuation, stars
        | '\u{a0}'..='\u{ff}')
}

/// `<meta charset="gbk">` or `content="text/html; charset=gbk"` in the first KiB.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let at = memchr::memmem::find(&lower, b"charset=")? + b"charset=".len();
    let rest = &lower[at..];
    let rest = rest
        .strip_prefix(b"\"")
        .or(rest.strip_prefix(b"'"))
        .unwrap_or(rest);
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .unwrap_or(rest.len());
    Encoding::for_label(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "000001\n秘密★5年\n云岭市人民政府办公室关于加强涉密文件管理工作的通知\n各县（市、区）人民政府：\n";

    fn utf16(s: &str, be: bool) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
            .collect()
    }

    #[test]
    fn every_encoding_round_trips() {
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend_from_slice(SAMPLE.as_bytes());
        let mut le_bom = vec![0xFF, 0xFE];
        le_bom.extend(utf16(SAMPLE, false));
        let mut be_bom = vec![0xFE, 0xFF];
        be_bom.extend(utf16(SAMPLE, true));
        let (gbk, _, _) = GBK.encode(SAMPLE);
        let (gb18030, _, _) = encoding_rs::GB18030.encode(SAMPLE);
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("utf8", SAMPLE.as_bytes().to_vec(), "UTF-8"),
            ("utf8 bom", bom8, "UTF-8"),
            ("utf16le bom", le_bom, "UTF-16LE"),
            ("utf16be bom", be_bom, "UTF-16BE"),
            ("utf16le", utf16(SAMPLE, false), "UTF-16LE"),
            ("utf16be", utf16(SAMPLE, true), "UTF-16BE"),
            ("gbk", gbk.into_owned(), "GBK"),
            ("gb18030", gb18030.into_owned(), "GBK"),
        ];
        for (name, bytes, enc) in cases {
            let d = decode(bytes, false).unwrap_or_else(|| panic!("{name}: not decoded"));
            assert_eq!(d.text, SAMPLE, "{name}");
            assert_eq!(d.encoding, enc, "{name}");
        }
    }

    #[test]
    fn html_meta_charset_wins() {
        let page = "<html><head><meta charset=\"gbk\"></head><body><p>机密★5年</p></body></html>";
        let (bytes, _, _) = GBK.encode(page);
        let d = decode(bytes.into_owned(), true).unwrap();
        assert_eq!(d.text, page);
    }

    #[test]
    fn binary_is_not_text() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01";
        assert!(decode(png.to_vec(), false).is_none());
    }
}
