//! Files wrapped as OLE objects. Office 2007+ embeds a .docx/.xlsx/.pptx into a 97–2003
//! file as a compound file whose `Package` stream is the OOXML package; the Packager
//! wraps any file (a .txt, a .pdf, a .docx) in an `\x01Ole10Native` stream, OLE 1.0
//! native data ([MS-OLEDS] 2.3.6) holding a label, the source and temporary paths and
//! the file's bytes. `unwrap` takes the file out; it is read as the carried document,
//! named after the object and the file (`ObjectPool/_123/附件.docx`,
//! `ObjectPool/_123/Package`). Every length in the native data is checked against what
//! is left; what cannot be taken out for sure is an error naming the object, never a
//! guess. Names from the file are untrusted: only the last path component is kept,
//! without control or bidirectional formatting characters.

use super::{Compound, Kind};
use crate::extract::{
    Budget, Document, Embedded, ExtractError, Signature, extract_nested, read_nested, signature,
};

/// The stream of an OOXML package embedded by Office 2007+.
const PACKAGE: &str = "Package";
/// The stream of OLE 1.0 native data (the Packager's).
const NATIVE: &str = "\u{1}Ole10Native";
/// The header a Packager object's native data starts with.
const PACKAGER_HEADER: u16 = 2;
/// The longest name, in characters, kept from a wrapped file's header.
const MAX_NAME: usize = 255;

/// A file taken out of an object: its bytes and the name to read them under.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Wrapped {
    pub name: String,
    pub bytes: Vec<u8>,
    /// No name came with the file (an OOXML `Package`, raw native data): it is read by
    /// its content, and must turn out to be a document.
    pub by_content: bool,
}

/// The embedded document that the object `bytes` (a compound file), found at `name` in
/// a document at nesting `depth`, carries: an equation carries none, a wrapped file is
/// taken out (`name/附件.docx`), any other object is read as the document it is. `None`
/// when there is nothing to lint (see `extract_nested`).
pub(crate) fn embed(name: &str, bytes: Vec<u8>, budget: &Budget, depth: usize) -> Option<Embedded> {
    if signature(&bytes) == Signature::Ole {
        match super::kind(&bytes) {
            Kind::Equation => return None,
            Kind::Package => return embed_wrapped(name, &bytes, budget, depth),
            _ => {}
        }
    }
    let doc = extract_nested(bytes, name, budget, depth + 1)?;
    Some(Embedded {
        name: name.to_string(),
        doc,
    })
}

/// `embed` for an object that wraps a file: the file, named `name/file name`; a wrapper
/// that cannot be opened is an error naming the object.
fn embed_wrapped(name: &str, bytes: &[u8], budget: &Budget, depth: usize) -> Option<Embedded> {
    let file = match unwrap(bytes, budget) {
        Ok(file) => file,
        Err(error) => {
            return Some(Embedded {
                name: name.to_string(),
                doc: Err(error),
            });
        }
    };
    let inner = format!("{name}/{}", file.name);
    let doc = read(file, &inner, budget, depth + 1)?;
    Some(Embedded { name: inner, doc })
}

/// A compound file that is nothing but a wrapped file (an object saved on its own, an
/// archive member), at nesting `depth`: a carrier with no text of its own, like an
/// archive of one member, named by the file (`object.bin!/附件.docx`).
pub(super) fn extract(
    bytes: &[u8],
    budget: &Budget,
    depth: usize,
) -> Result<Document, ExtractError> {
    let file = unwrap(bytes, budget)?;
    let name = file.name.clone();
    let members = read(file, &name, budget, depth + 1)
        .map(|doc| Embedded { name, doc })
        .into_iter()
        .collect();
    Ok(Document::archive(members, Vec::new()))
}

/// Read the wrapped `file` as the document `name` at nesting `depth`. A file without a
/// name of its own must be a document: anything else is an error, never a skip.
fn read(
    file: Wrapped,
    name: &str,
    budget: &Budget,
    depth: usize,
) -> Option<Result<Document, ExtractError>> {
    if !file.by_content {
        return extract_nested(file.bytes, name, budget, depth);
    }
    if let Err(e) = budget.check_depth(depth, name) {
        return Some(Err(e));
    }
    if !budget.first_visit(&file.bytes) {
        return None;
    }
    Some(
        read_nested(file.bytes, name, budget, depth).unwrap_or_else(|| {
            Err(ExtractError::Corrupt(
                "a file wrapped as an OLE object that holds no document".to_string(),
            ))
        }),
    )
}

/// The file the wrapper `bytes` (a compound file) holds: its `Package` stream, else the
/// file in its `\x01Ole10Native` stream. A panic all the same (in the `cfb` crate) is
/// this object's error.
pub(crate) fn unwrap(bytes: &[u8], budget: &Budget) -> Result<Wrapped, ExtractError> {
    let take = || {
        let mut file = Compound::open(bytes, budget)?;
        if let Some(path) = stream_named(&file, PACKAGE) {
            let bytes = file.read(&path)?.unwrap_or_default();
            if signature(&bytes) != Signature::Zip {
                return Err(ExtractError::Corrupt(
                    "the Package stream of an OLE object is no OOXML package".to_string(),
                ));
            }
            return Ok(Wrapped {
                name: PACKAGE.to_string(),
                bytes,
                by_content: true,
            });
        }
        let Some(path) = stream_named(&file, NATIVE) else {
            return Err(ExtractError::Corrupt(
                "an OLE object with neither a Package nor an Ole10Native stream".to_string(),
            ));
        };
        let stream = file.read(&path)?.unwrap_or_default();
        from_native(&stream)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(take)).unwrap_or_else(|_| {
        Err(ExtractError::Crashed(
            "the compound-file reader failed on this OLE object".to_string(),
        ))
    })
}

/// The path of the stream `name` at the root of `file`, whatever its case.
fn stream_named(file: &Compound, name: &str) -> Option<String> {
    file.streams().into_iter().find(|path| {
        path.strip_prefix('/')
            .is_some_and(|p| p.eq_ignore_ascii_case(name))
    })
}

/// The file in the native data `stream`: a Packager object's file under its own name;
/// native data of another OLE 1.0 object only when it is a container whose content
/// tells what it is (zip, compound file, PDF, RTF).
fn from_native(stream: &[u8]) -> Result<Wrapped, ExtractError> {
    let bad = |why: String| ExtractError::Corrupt(format!("Ole10Native: {why}"));
    match parse_native(stream).map_err(bad)? {
        Native::Packaged(p) => {
            let name = p.file_name();
            Ok(Wrapped {
                by_content: name.is_none(),
                name: name.unwrap_or_else(|| "Ole10Native".to_string()),
                bytes: p.data.to_vec(),
            })
        }
        Native::Raw(data) if signature(data) != Signature::None => Ok(Wrapped {
            name: "Ole10Native".to_string(),
            bytes: data.to_vec(),
            by_content: true,
        }),
        Native::Raw(_) => Err(bad(
            "the native data of an OLE 1.0 object that is no Packager object".to_string(),
        )),
    }
}

/// OLE 1.0 native data, parsed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Native<'a> {
    /// A Packager object: a file with its names.
    Packaged(Packaged<'a>),
    /// Native data of another kind of object (no Packager header): its bytes.
    Raw(&'a [u8]),
}

/// A Packager object: the label shown in the document, the path the file came from,
/// the temporary path it was unpacked to, the file's bytes, and the Unicode versions
/// of the three names where the producer wrote them after the data.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Packaged<'a> {
    pub label: String,
    pub source: String,
    pub temp: String,
    pub data: &'a [u8],
    pub wide: Option<[String; 3]>,
}

impl Packaged<'_> {
    /// The wrapped file's name: the last component of the path it came from, else its
    /// label, else the last component of its temporary path (the Unicode names before
    /// the ANSI ones), made safe; `None` when none gives a name.
    pub fn file_name(&self) -> Option<String> {
        let (temp, label, source) = match &self.wide {
            Some([temp, label, source]) => (Some(temp), Some(label), Some(source)),
            None => (None, None, None),
        };
        [
            source,
            Some(&self.source),
            label,
            Some(&self.label),
            temp,
            Some(&self.temp),
        ]
        .into_iter()
        .flatten()
        .find_map(|name| safe_name(name))
    }
}

/// The last component of `name` (after `/`, `\` or a drive's `:`), without control or
/// bidirectional formatting characters, trimmed and at most `MAX_NAME` characters;
/// `None` when nothing (or only `.`/`..`) is left.
pub(crate) fn safe_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\', ':']).next().unwrap_or(name);
    let kept: String = last
        .chars()
        .filter(|&c| !c.is_control() && !is_bidi_format(c))
        .take(MAX_NAME)
        .collect();
    let kept = kept.trim();
    (!kept.is_empty() && kept != "." && kept != "..").then(|| kept.to_string())
}

/// Characters that reorder how a name is displayed (`附件\u{202E}xcod.exe`).
fn is_bidi_format(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A bounded reader over native data: every read checks what is left.
struct Fields<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Fields<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "the {field} ({n} bytes) runs past the end of the data ({} bytes left)",
                self.left()
            ));
        }
        let got = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(got)
    }

    fn u16(&mut self, field: &str) -> Result<u16, String> {
        let b = self.take(2, field)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, field: &str) -> Result<u32, String> {
        let b = self.take(4, field)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated ANSI string (the NUL is consumed).
    fn c_string(&mut self, field: &str) -> Result<String, String> {
        let rest = &self.bytes[self.at..];
        let Some(end) = memchr::memchr(0, rest) else {
            return Err(format!("the {field} has no terminating NUL"));
        };
        self.at += end + 1;
        Ok(ansi(&rest[..end]))
    }

    /// A length-prefixed ANSI string (the length counts its NUL).
    fn sized_string(&mut self, field: &str) -> Result<String, String> {
        let n = self.u32(&format!("length of the {field}"))? as usize;
        let b = self.take(n, field)?;
        Ok(ansi(b.split(|&c| c == 0).next().unwrap_or(b)))
    }

    /// A string of UTF-16 code units prefixed by their count.
    fn wide_string(&mut self, field: &str) -> Result<String, String> {
        let n = self.u32(&format!("length of the {field}"))? as usize;
        let bytes = n
            .checked_mul(2)
            .ok_or_else(|| format!("the length of the {field} is too large"))?;
        let b = self.take(bytes, field)?;
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0)
            .collect();
        Ok(String::from_utf16_lossy(&units))
    }
}

/// A name in the system's ANSI code page, which is not recorded: GBK (the code page of
/// Chinese Windows, where these files are made), unless the bytes are UTF-8 whose
/// every other character takes three or four bytes (CJK) — a pair of GBK characters
/// is often valid UTF-8 too, of two-byte characters (GBK `通知` is U+0368 U+05AA).
fn ansi(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) if s.chars().all(|c| c.is_ascii() || c.len_utf8() >= 3) => s.to_string(),
        _ => encoding_rs::GBK
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// Parse the `\x01Ole10Native` stream `stream`: a u32 size of the native data, then
/// the data. A Packager object's data is a u16 header (2), the label and the source
/// path (NUL-terminated), two u16s, the temporary path (u32 length), the file (u32
/// size), and optionally the three names again in UTF-16 (u32 count each). Data of
/// another header is `Raw`. Every length is checked against what is left: a size
/// beyond the stream is an error saying which field.
pub(crate) fn parse_native(stream: &[u8]) -> Result<Native<'_>, String> {
    let mut outer = Fields {
        bytes: stream,
        at: 0,
    };
    let size = outer.u32("size of the native data")? as usize;
    let data = outer.take(size, "native data")?;
    let mut f = Fields { bytes: data, at: 0 };
    if data.len() < 2 || f.u16("header")? != PACKAGER_HEADER {
        return Ok(Native::Raw(data));
    }
    let label = f.c_string("label")?;
    let source = f.c_string("source path")?;
    f.u16("first flags")?;
    f.u16("second flags")?;
    let temp = f.sized_string("temporary path")?;
    let n = f.u32("size of the file")? as usize;
    let file = f.take(n, "file")?;
    // The Unicode names are optional: kept only when all three are whole.
    let wide = (f.left() > 0)
        .then(|| -> Result<[String; 3], String> {
            Ok([
                f.wide_string("temporary path")?,
                f.wide_string("label")?,
                f.wide_string("source path")?,
            ])
        })
        .and_then(Result::ok);
    Ok(Native::Packaged(Packaged {
        label,
        source,
        temp,
        data: file,
        wide,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Packager object's native stream: header 2, `label`, `source`, flags 0 and 3,
    /// `temp` (length counting its NUL), `data`, then `wide` names if given.
    pub(crate) fn native(
        label: &[u8],
        source: &[u8],
        temp: &[u8],
        data: &[u8],
        wide: Option<[&str; 3]>,
    ) -> Vec<u8> {
        let mut body = 2u16.to_le_bytes().to_vec();
        for s in [label, source] {
            body.extend_from_slice(s);
            body.push(0);
        }
        body.extend_from_slice(&0u16.to_le_bytes());
        body.extend_from_slice(&3u16.to_le_bytes());
        body.extend_from_slice(&(temp.len() as u32 + 1).to_le_bytes());
        body.extend_from_slice(temp);
        body.push(0);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        for name in wide.iter().flatten() {
            let units: Vec<u16> = name.encode_utf16().collect();
            body.extend_from_slice(&(units.len() as u32).to_le_bytes());
            body.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        }
        let mut stream = (body.len() as u32).to_le_bytes().to_vec();
        stream.extend(body);
        stream
    }

    fn packaged(stream: &[u8]) -> Packaged<'_> {
        match parse_native(stream) {
            Ok(Native::Packaged(p)) => p,
            other => panic!("{other:?}"),
        }
    }

    fn file_name(stream: &[u8]) -> Option<String> {
        packaged(stream).file_name()
    }

    #[test]
    fn a_packager_object_gives_its_file_and_names() {
        let stream = native(
            "附件.docx".as_bytes(),
            r"C:\Users\张三\Desktop\附件.docx".as_bytes(),
            r"C:\Temp\附件.docx".as_bytes(),
            b"PK\x03\x04 the file",
            None,
        );
        let p = packaged(&stream);
        assert_eq!(p.label, "附件.docx");
        assert_eq!(p.source, r"C:\Users\张三\Desktop\附件.docx");
        assert_eq!(p.temp, r"C:\Temp\附件.docx");
        assert_eq!(p.data, b"PK\x03\x04 the file");
        assert_eq!(p.wide, None);
        assert_eq!(p.file_name().as_deref(), Some("附件.docx"));
        let file = from_native(&stream).unwrap();
        assert_eq!((file.name.as_str(), file.by_content), ("附件.docx", false));
    }

    /// The Unicode names after the data come first; ANSI names in GBK (Chinese
    /// Windows) and in UTF-8 are both read; a label is the name when no path is.
    #[test]
    fn unicode_and_gbk_names() {
        let stream = native(
            b"label",
            b"a.txt",
            b"t.txt",
            b"x",
            Some([r"C:\Temp\报告.txt", "报告", r"D:\文件\报告.txt"]),
        );
        let p = packaged(&stream);
        assert_eq!(
            p.wide,
            Some([
                r"C:\Temp\报告.txt".into(),
                "报告".into(),
                r"D:\文件\报告.txt".into()
            ])
        );
        assert_eq!(p.file_name().as_deref(), Some("报告.txt"));
        let (gbk, _, _) = encoding_rs::GBK.encode("通知.txt");
        assert_eq!(
            file_name(&native(b"", &gbk, b"", b"x", None)).as_deref(),
            Some("通知.txt")
        );
        // Bytes that are neither UTF-8 nor GBK decode to replacement characters,
        // never a panic; a lone label names the file.
        let odd = native(b"\xFF\xFE\x80", b"", b"", b"x", None);
        assert!(packaged(&odd).label.contains('\u{FFFD}'), "{odd:?}");
        let label = native("清单.md".as_bytes(), b"", b"", b"x", None);
        assert_eq!(file_name(&label).as_deref(), Some("清单.md"));
        // Unicode names that run past the end are dropped, the ANSI ones kept.
        let mut cut = native(b"l", b"s.txt", b"t", b"x", Some(["a", "b", "c.txt"]));
        let n = cut.len();
        cut.truncate(n - 2);
        let size = (cut.len() as u32 - 4).to_le_bytes();
        cut[..4].copy_from_slice(&size);
        assert_eq!(packaged(&cut).wide, None);
        assert_eq!(file_name(&cut).as_deref(), Some("s.txt"));
    }

    #[test]
    fn names_from_the_file_are_made_safe() {
        for (name, safe) in [
            (r"C:\a\b\附件.docx", Some("附件.docx")),
            ("../../etc/passwd", Some("passwd")),
            ("C:附件.txt", Some("附件.txt")),
            ("a\u{0}b\u{7}c\u{1B}[31m.txt\n", Some("abc[31m.txt")),
            ("附件\u{202E}xcod.exe", Some("附件xcod.exe")),
            ("  空格.txt  ", Some("空格.txt")),
            ("dir/", None),
            ("..", None),
            (".", None),
            ("\u{1}\u{2}", None),
            ("", None),
        ] {
            assert_eq!(safe_name(name).as_deref(), safe, "{name:?}");
        }
        let long = "长".repeat(1000) + ".txt";
        assert_eq!(safe_name(&long).unwrap().chars().count(), MAX_NAME);
        assert_eq!(
            file_name(&native(b"..", b"C:\\", b"/tmp/", b"x", None)),
            None
        );
        let file = from_native(&native(b"..", b"", b"", b"PK\x03\x04", None)).unwrap();
        assert_eq!((file.name.as_str(), file.by_content), ("Ole10Native", true));
    }

    /// Cut anywhere, the stream is an error naming the field (its size then says it is
    /// longer than it is), never a panic; cut with its size fixed, every field that
    /// runs short is named.
    #[test]
    fn truncated_at_every_field() {
        let whole = native(b"label", b"C:\\a.txt", b"C:\\t.txt", b"data!", None);
        for cut in 0..whole.len() {
            let got = parse_native(&whole[..cut]);
            assert!(got.is_err(), "cut at {cut}: {got:?}");
        }
        let mut named = std::collections::BTreeSet::new();
        for cut in 6..whole.len() {
            let mut short = whole[..cut].to_vec();
            let size = (cut as u32 - 4).to_le_bytes();
            short[..4].copy_from_slice(&size);
            match parse_native(&short) {
                Err(why) => {
                    named.insert(why);
                }
                Ok(got) => panic!("cut at {cut}: {got:?}"),
            }
        }
        let named: Vec<&String> = named.iter().collect();
        for field in [
            "label",
            "source path",
            "first flags",
            "second flags",
            "length of the temporary path",
            "temporary path",
            "size of the file",
            "the file (5 bytes)",
        ] {
            assert!(
                named.iter().any(|w| w.contains(field)),
                "{field}: {named:?}"
            );
        }
    }

    #[test]
    fn sizes_that_lie_and_absurd_sizes() {
        let whole = native(b"l", b"a.txt", b"t", b"data", None);
        // The outer size larger than the stream, up to u32::MAX.
        for size in [whole.len() as u32 - 3, 1 << 20, u32::MAX] {
            let mut b = whole.clone();
            b[..4].copy_from_slice(&size.to_le_bytes());
            let why = parse_native(&b).unwrap_err();
            assert!(why.contains("native data"), "{why}");
        }
        // The file's size beyond the native data.
        let at = whole.len() - 4 - 4;
        for size in [5u32, 1 << 31, u32::MAX] {
            let mut b = whole.clone();
            b[at..at + 4].copy_from_slice(&size.to_le_bytes());
            let why = parse_native(&b).unwrap_err();
            assert!(
                why.contains("the file") && why.contains("runs past"),
                "{why}"
            );
        }
        // The temporary path's length beyond it.
        let at = 4 + 2 + 2 + 6 + 4;
        let mut b = whole.clone();
        b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_native(&b).unwrap_err().contains("temporary path"));
        // Unicode counts that would overflow are dropped, not trusted.
        let mut b = native(b"l", b"a.txt", b"t", b"d", Some(["x", "y", "z"]));
        let at = b.len() - 18;
        b[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(packaged(&b).wide, None);
        // A shorter outer size than the stream: what is after it is not read.
        let mut b = whole.clone();
        b.extend_from_slice(b"trailing");
        assert_eq!(packaged(&b).data, b"data");
    }

    /// Native data without a Packager header is read only when it is a container
    /// whose content says what it is; otherwise the object is refused, named.
    #[test]
    fn raw_native_data() {
        let raw = |data: &[u8]| {
            let mut b = (data.len() as u32).to_le_bytes().to_vec();
            b.extend_from_slice(data);
            b
        };
        let zip = raw(b"PK\x03\x04rest");
        assert_eq!(parse_native(&zip), Ok(Native::Raw(b"PK\x03\x04rest")));
        let file = from_native(&zip).unwrap();
        assert_eq!((file.name.as_str(), file.by_content), ("Ole10Native", true));
        for data in [&b"plain text"[..], b"", b"\x02"] {
            let got = from_native(&raw(data));
            assert!(
                matches!(&got, Err(ExtractError::Corrupt(m)) if m.contains("no Packager")),
                "{got:?}"
            );
        }
        // A Packager header whose fields do not parse is malformed, not raw.
        let got = from_native(&raw(b"\x02\x00label-without-nul"));
        assert!(
            matches!(&got, Err(ExtractError::Corrupt(m)) if m.contains("label has no terminating NUL")),
            "{got:?}"
        );
    }

    /// An object wrapping a file carries it under `name/file name`; an OOXML package
    /// that is no document, or a Package stream that is no zip, is an error naming the
    /// object, never a skip; the same file met twice in one file is read once; a
    /// compound file that is only a wrapper is a carrier of the file.
    #[test]
    fn wrapped_files_are_carried_documents() {
        use crate::extract::ole::tests::{compound_with, read_doc};
        use crate::extract::{Budget, Limits};
        let text = "机密★10年\n附件正文\n".as_bytes();
        let wrapper = compound_with(&[(
            "/\u{1}Ole10Native",
            &native(
                "附件.txt".as_bytes(),
                "C:\\a\\附件.txt".as_bytes(),
                b"",
                text,
                None,
            ),
        )]);
        let budget = Budget::new(&Limits::new(64 << 20));
        let got = embed(
            "word/embeddings/oleObject1.bin",
            wrapper.clone(),
            &budget,
            0,
        )
        .unwrap();
        assert_eq!(got.name, "word/embeddings/oleObject1.bin/附件.txt");
        let doc = got.doc.unwrap();
        assert!(doc.parts[0].text.contains("机密★10年"), "{:?}", doc.parts);
        assert!(embed("again", wrapper.clone(), &budget, 0).is_none());
        for (stream, why, named) in [
            (
                &b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"[..],
                "holds no document",
                "ObjectPool/_1/Package",
            ),
            (b"not a zip", "no OOXML package", "ObjectPool/_1"),
        ] {
            let object = compound_with(&[("/Package", stream)]);
            let got = embed("ObjectPool/_1", object, &budget, 0).unwrap();
            assert_eq!(got.name, named);
            assert!(
                matches!(&got.doc, Err(ExtractError::Corrupt(m)) if m.contains(why)),
                "{:?}",
                got.doc
            );
        }
        let doc = read_doc(&wrapper, "bin").unwrap();
        assert!(doc.archive && doc.parts.is_empty());
        assert_eq!(doc.embedded.len(), 1);
        assert_eq!(doc.embedded[0].name, "附件.txt");
        assert!(doc.embedded[0].doc.is_ok());
    }
}
