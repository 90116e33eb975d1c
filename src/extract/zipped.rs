//! Zip containers (OOXML, ODF, OFD) read within the budget of the file they belong
//! to: entry count, inflated size per part and per file, compression ratio and parts
//! read, so a zip bomb costs a bounded amount of memory and time and becomes an ML900
//! naming the bound instead of a crash.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{Bound, Budget, Document, ExtractError, Gap, Limits, odf, ofd, ooxml};

/// An opened container.
pub struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    budget: &'a Budget,
    /// Lower-case, `/`-separated name without a leading `/` → entry index (the first
    /// of entries that differ only in case).
    index: HashMap<String, usize>,
    /// Entry names as stored (normalised separators), in archive order.
    names: Vec<String>,
    /// Entry names as stored, decoded (see `decode_names`) and nothing else.
    stored: Vec<String>,
    /// Two entries with the same name: the zip reader sees only one of them.
    pub duplicate_names: bool,
}

fn normalise(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_string()
}

fn le16(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 2)
        .map_or(0, |s| u64::from(u16::from_le_bytes([s[0], s[1]])))
}

fn le64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8)
        .and_then(|s| s.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The largest entry count any end-of-central-directory record in the tail of `bytes`
/// declares (zip64 included): known before the directory itself is parsed, whose
/// cost grows with it.
fn declared_entries(bytes: &[u8]) -> u64 {
    let tail_start = bytes.len().saturating_sub(65_557);
    let tail = &bytes[tail_start..];
    let mut most = 0;
    // By the signature's last byte (a SIMD search; the reverse substring search is not).
    let records = memchr::memchr_iter(0x06, tail)
        .filter(|&i| i >= 3 && tail[i - 3..=i] == *b"PK\x05\x06")
        .map(|i| i - 3);
    for at in records {
        let at = tail_start + at;
        let mut n = le16(bytes, at + 10).max(le16(bytes, at + 8));
        // A zip64 locator just before the record points at the zip64 record.
        if at >= 20 && bytes[at - 20..].starts_with(b"PK\x06\x07") {
            let off = le64(bytes, at - 20 + 8) as usize;
            if bytes
                .get(off..)
                .is_some_and(|r| r.starts_with(b"PK\x06\x06"))
            {
                n = n.max(le64(bytes, off + 32)).max(le64(bytes, off + 24));
            }
        }
        most = most.max(n);
    }
    most
}

/// The directory found must list the entry the file starts with. A directory that
/// does not is another zip's: a zip stored uncompressed inside this one and left at
/// the end of a cut file, whose reader would show only the inner zip's entries.
fn check_start(bytes: &[u8], zip: &ZipArchive<Cursor<&[u8]>>) -> Result<(), ExtractError> {
    let first = if bytes.starts_with(b"PK\x03\x04") {
        0
    } else if bytes.starts_with(b"PK\x07\x08PK\x03\x04") {
        // The marker of a split archive that fits in one part.
        4
    } else {
        return Ok(());
    };
    let starts = (0..zip.len()).filter_map(|i| zip.by_index_data(i).ok().map(|e| e.header_start()));
    match starts.min() {
        Some(start) if start != first => Err(ExtractError::Corrupt(
            "the zip directory does not list the file's first entry: damaged or cut".into(),
        )),
        _ => Ok(()),
    }
}

/// The general purpose flag saying a name is UTF-8 (APPNOTE 4.4.4, bit 11).
const UTF8_NAME: u16 = 1 << 11;

/// Enough of the legacy names to tell their encoding.
const NAME_SAMPLE: usize = 64 * 1024;

/// Every entry name, decoded: UTF-8 where the entry says so (flag bit 11); otherwise
/// UTF-8 where the bytes are UTF-8 and read as such, else the legacy code page of the
/// tool that wrote the archive, which in China is GBK (Windows' built-in zip, WinRAR,
/// 360压缩): guessed once for the whole archive from all such names (one name is too
/// short to tell), with the `.cn` hint, and GB18030 for a name the guess cannot decode.
/// One tool wrote the archive: once one unflagged name is not UTF-8, every unflagged
/// name is in the legacy code page, even one whose bytes happen to be valid UTF-8
/// (GBK `通知`, `CD A8 D6 AA`, is valid UTF-8 for `֪ͨ`).
fn decode_names(zip: &ZipArchive<Cursor<&[u8]>>) -> Vec<String> {
    let flagged: Vec<bool> = (0..zip.len())
        .map(|i| {
            zip.by_index_data(i)
                .is_ok_and(|e| e.flags().as_u16() & UTF8_NAME != 0)
        })
        .collect();
    let legacy = |(raw, flag): (&[u8], &bool)| !flag && std::str::from_utf8(raw).is_err();
    let mut sample = Vec::new();
    for (raw, _) in zip.file_names_raw().zip(&flagged).filter(|e| legacy(*e)) {
        if sample.len() >= NAME_SAMPLE {
            break;
        }
        sample.extend_from_slice(raw);
        sample.push(b'/');
    }
    let guess = (!sample.is_empty()).then(|| super::text::guess_legacy(&sample));
    zip.file_names_raw()
        .zip(&flagged)
        .map(|(raw, flag)| match (std::str::from_utf8(raw), guess) {
            (Ok(s), _) if *flag || s.is_ascii() => s.to_string(),
            (_, Some(enc)) if !flag => legacy_name(raw, enc),
            (Ok(s), None) if misread_gbk(s, raw) => legacy_name(raw, encoding_rs::GB18030),
            (Ok(s), None) => s.to_string(),
            _ => String::from_utf8_lossy(raw).into_owned(),
        })
        .collect()
}

/// Whether `s`, the UTF-8 reading of the unflagged name `raw`, is GBK misread: it holds
/// letters of the U+0300–U+07FF blocks (combining marks, Greek, Cyrillic, Hebrew,
/// Arabic…), which two GBK bytes make when they happen to form UTF-8, while the GB18030
/// reading is Chinese text throughout.
fn misread_gbk(s: &str, raw: &[u8]) -> bool {
    if !s.chars().any(|c| ('\u{300}'..='\u{7FF}').contains(&c)) {
        return false;
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(raw)
        .is_some_and(|g| {
            g.chars().all(|c| {
                c.is_ascii()
                    || ('\u{4E00}'..='\u{9FFF}').contains(&c)
                    || ('\u{3000}'..='\u{303F}').contains(&c)
                    || ('\u{FF00}'..='\u{FFEF}').contains(&c)
            })
        })
}

/// A name in a legacy encoding: the guess, else GB18030, else with replacements.
fn legacy_name(raw: &[u8], guess: &'static encoding_rs::Encoding) -> String {
    for enc in [guess, encoding_rs::GB18030] {
        if let Some(s) = enc.decode_without_bom_handling_and_without_replacement(raw) {
            return s.into_owned();
        }
    }
    encoding_rs::GB18030
        .decode_without_bom_handling(raw)
        .0
        .into_owned()
}

/// The entry-count bound, with the count found.
fn too_many(limits: &Limits, found: u64) -> ExtractError {
    ExtractError::Limit(format!(
        "{} (this one has {found})",
        Bound::Entries.describe(limits)
    ))
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8], budget: &'a Budget) -> Result<Package<'a>, ExtractError> {
        let limits = &budget.limits;
        let declared = declared_entries(bytes);
        if declared > limits.max_entries as u64 {
            return Err(too_many(limits, declared));
        }
        let zip = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ExtractError::Corrupt(format!("broken zip container: {e}")))?;
        if zip.len() > limits.max_entries {
            return Err(too_many(limits, zip.len() as u64));
        }
        check_start(bytes, &zip)?;
        let stored = decode_names(&zip);
        let mut index = HashMap::with_capacity(zip.len());
        let mut names = Vec::with_capacity(zip.len());
        for (i, name) in stored.iter().enumerate() {
            let name = normalise(name);
            index.entry(name.to_lowercase()).or_insert(i);
            names.push(name);
        }
        let duplicate_names = zip.has_duplicate_names();
        Ok(Package {
            zip,
            budget,
            index,
            names,
            stored,
            duplicate_names,
        })
    }

    /// The name of entry `i` as stored (decoded, `..` and leading `/` kept), and
    /// whether it is an empty folder, without inflating it. A symbolic link's data is
    /// its target, a path: harmless to read as text, and a damaged mode must not turn
    /// a document into something skipped.
    pub fn entry(&self, i: usize) -> Option<(&str, bool)> {
        let name = self.stored.get(i)?;
        let folder = self
            .zip
            .by_index_data(i)
            .is_ok_and(|e| e.is_dir() && e.size() == 0);
        Some((name, folder))
    }

    /// The inflated bytes of entry `i` (in archive order), within the bounds.
    pub fn read_at(&mut self, i: usize) -> Result<Vec<u8>, ExtractError> {
        if i >= self.names.len() {
            return Err(ExtractError::Corrupt(format!("no zip entry {i}")));
        }
        self.read_index(i)
    }

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(&normalise(name).to_lowercase())
    }

    /// The entry name as stored for `name` (matched without case).
    pub fn stored_name(&self, name: &str) -> Option<&str> {
        let i = *self.index.get(&normalise(name).to_lowercase())?;
        Some(&self.names[i])
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The inflated bytes of entry `name`; `None` when there is no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let Some(&i) = self.index.get(&normalise(name).to_lowercase()) else {
            return Ok(None);
        };
        self.read_index(i).map(Some)
    }

    fn read_index(&mut self, i: usize) -> Result<Vec<u8>, ExtractError> {
        let name = self.names[i].clone();
        let budget = self.budget;
        let limits = budget.limits;
        budget.charge_part(&name)?;
        // Known from the directory: the reader would refuse it without a password.
        if self.zip.by_index_data(i).is_ok_and(|e| e.encrypted()) {
            return Err(ExtractError::Encrypted);
        }
        let mut entry = self
            .zip
            .by_index(i)
            .map_err(|e| ExtractError::Corrupt(format!("{name}: {e}")))?;
        if entry.encrypted() {
            return Err(ExtractError::Encrypted);
        }
        // What the headers declare is refused before inflating anything; what they
        // understate is caught while inflating.
        if entry.size() > limits.max_entry_bytes {
            return Err(Bound::PartBytes.exceeded(&limits, &name));
        }
        let compressed = entry.compressed_size().max(1);
        let mut out = Vec::with_capacity(entry.size().min(1 << 20) as usize);
        // One buffer a thread, zeroed once: zeroing 64 KiB for each part cost more than
        // inflating a small one.
        thread_local! {
            static CHUNK: std::cell::RefCell<Box<[u8]>> =
                std::cell::RefCell::new(vec![0u8; 64 * 1024].into_boxed_slice());
        }
        CHUNK.with_borrow_mut(|chunk| {
            loop {
                let n = entry.read(chunk).map_err(|e| {
                    ExtractError::Corrupt(format!(
                        "{name}: cannot inflate: {}",
                        super::io_message(&e)
                    ))
                })?;
                if n == 0 {
                    return Ok(());
                }
                out.extend_from_slice(&chunk[..n]);
                let len = out.len() as u64;
                if len > limits.max_entry_bytes {
                    return Err(Bound::PartBytes.exceeded(&limits, &name));
                }
                budget.charge_inflated(n as u64, &name)?;
                if len > (1 << 20) && len / compressed > limits.max_ratio {
                    return Err(Bound::Ratio.exceeded(&limits, &name));
                }
            }
        })?;
        Ok(out)
    }

    /// Like `read`, but a missing entry is an error: the container names it.
    pub fn require(&mut self, name: &str) -> Result<Vec<u8>, ExtractError> {
        self.read(name)?
            .ok_or_else(|| ExtractError::Corrupt(format!("missing part {name}")))
    }

    pub fn limits(&self) -> &Limits {
        &self.budget.limits
    }

    pub fn budget(&self) -> &'a Budget {
        self.budget
    }
}

/// A part that could not be read, as a gap of the document (ML900 at that part).
pub fn gap(part: &str, error: ExtractError) -> Gap {
    Gap {
        part: Some(part.to_string()),
        line: 1,
        error,
    }
}

/// Read a zip container as a document; `Ok(None)` when it is not a document format
/// (a plain archive). `depth` counts enclosing documents.
pub fn extract(pkg: &mut Package, depth: usize) -> Result<Option<Document>, ExtractError> {
    let mut doc = if pkg.has("[Content_Types].xml") || pkg.has("_rels/.rels") {
        ooxml::extract(pkg, depth)?
    } else if pkg.has("OFD.xml") {
        Some(ofd::extract(pkg, depth)?)
    } else if pkg.has("mimetype") || pkg.has("content.xml") {
        odf::extract(pkg, depth)?
    } else {
        None
    };
    if let Some(doc) = doc.as_mut()
        && pkg.duplicate_names
    {
        doc.gaps.push(Gap {
            part: None,
            line: 1,
            error: ExtractError::Corrupt(
                "two zip entries with the same name: only one of them was read".into(),
            ),
        });
    }
    Ok(doc)
}

/// Natural order for numbered parts: `slide2.xml` before `slide10.xml`.
pub fn natural_key(name: &str) -> (String, u64, String) {
    let digits_at = name
        .char_indices()
        .rev()
        .skip_while(|(_, c)| !c.is_ascii_digit())
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i);
    match digits_at {
        Some(i) => {
            let end = name[i..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(name.len(), |e| i + e);
            (
                name[..i].to_string(),
                name[i..end].parse().unwrap_or(u64::MAX),
                name[end..].to_string(),
            )
        }
        None => (name.to_string(), 0, String::new()),
    }
}

/// Hostile and ordinary containers built at test time.
#[cfg(test)]
pub(crate) mod testkit {
    use std::io::{Cursor, Write};

    use crate::extract::{Document, ExtractError, Extracted, Limits, Role, extract_bytes};

    /// A zip of `entries`, deflated.
    pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    pub const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    /// A Word paragraph holding `text`.
    pub fn para(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    /// `<Relationships>` with (type suffix, target) pairs.
    pub fn rels(list: &[(&str, &str)]) -> String {
        let mut s = String::from(
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
        );
        for (i, (kind, target)) in list.iter().enumerate() {
            s.push_str(&format!(
                r#"<Relationship Id="rId{i}" Type="{REL}/{kind}" Target="{target}"/>"#
            ));
        }
        s + "</Relationships>"
    }

    pub fn word_document(body: &str) -> String {
        format!("<w:document {W}><w:body>{body}</w:body></w:document>")
    }

    /// A .docx: `word/document.xml` with `body`, the relationships of the main part,
    /// and further entries.
    pub fn docx(body: &str, main_rels: &[(&str, &str)], more: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let types = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
        let pkg_rels = rels(&[("officeDocument", "word/document.xml")]);
        let doc = word_document(body);
        let main_rels = rels(main_rels);
        let mut entries: Vec<(&str, &[u8])> = vec![
            ("[Content_Types].xml", types.as_bytes()),
            ("_rels/.rels", pkg_rels.as_bytes()),
            ("word/document.xml", doc.as_bytes()),
            ("word/_rels/document.xml.rels", main_rels.as_bytes()),
        ];
        entries.extend(more.iter().map(|(n, d)| (*n, d.as_slice())));
        zip_of(&entries)
    }

    pub fn extract(bytes: Vec<u8>, ext: &str) -> Result<Extracted, ExtractError> {
        extract_bytes(bytes, ext, &Limits::new(256 << 20), 0)
    }

    pub fn doc(bytes: Vec<u8>, ext: &str) -> Document {
        match extract(bytes, ext) {
            Ok(Extracted::Doc(d)) => d,
            Ok(Extracted::Skip) => panic!("skipped"),
            Err(e) => panic!("{e:?}"),
        }
    }

    const OFD_NS: &str = r#"xmlns:ofd="http://www.ofdspec.org/2016""#;

    /// An OFD page `Content.xml` with one line of text.
    pub fn ofd_page(text: &str) -> String {
        format!(
            r#"<ofd:Page {OFD_NS}><ofd:Content><ofd:Layer><ofd:TextObject ID="1" Boundary="28 37 150 6" Font="1" Size="5.6"><ofd:TextCode X="0" Y="5">{text}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>"#
        )
    }

    /// An OFD: `Doc_0/Document.xml` with `document_body` (pages, attachments …) and
    /// further entries (paths from the package root).
    pub fn ofd(document_body: &str, more: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let root = format!(
            r#"<ofd:OFD {OFD_NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>x</ofd:DocID></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"#
        );
        let document = format!(
            r#"<ofd:Document {OFD_NS}><ofd:CommonData><ofd:MaxUnitID>9</ofd:MaxUnitID></ofd:CommonData>{document_body}</ofd:Document>"#
        );
        let mut entries: Vec<(&str, &[u8])> = vec![
            ("OFD.xml", root.as_bytes()),
            ("Doc_0/Document.xml", document.as_bytes()),
        ];
        entries.extend(more.iter().map(|(n, d)| (*n, d.as_slice())));
        zip_of(&entries)
    }

    /// `<ofd:Pages>` listing `locs`.
    pub fn ofd_pages(locs: &[&str]) -> String {
        let mut s = String::from("<ofd:Pages>");
        for (i, l) in locs.iter().enumerate() {
            s.push_str(&format!(r#"<ofd:Page ID="{}" BaseLoc="{l}"/>"#, i + 10));
        }
        s + "</ofd:Pages>"
    }

    /// An `Attachments.xml` listing `locs`.
    pub fn ofd_attachments(locs: &[&str]) -> Vec<u8> {
        let mut s = format!("<ofd:Attachments {OFD_NS}>");
        for (i, l) in locs.iter().enumerate() {
            s.push_str(&format!(
                r#"<ofd:Attachment ID="{i}" Name="a{i}" Format="ofd"><ofd:FileLoc>{l}</ofd:FileLoc></ofd:Attachment>"#
            ));
        }
        (s + "</ofd:Attachments>").into_bytes()
    }

    /// The role of the first part whose text holds `needle`, in the document or the
    /// documents it carries.
    pub fn role_of(doc: &Document, needle: &str) -> Option<Role> {
        doc.parts
            .iter()
            .find(|p| p.text.contains(needle))
            .map(|p| p.role)
            .or_else(|| {
                doc.embedded
                    .iter()
                    .filter_map(|e| e.doc.as_ref().ok())
                    .find_map(|d| role_of(d, needle))
            })
    }

    /// The gaps (and the errors of carried documents) of `doc`, as phrases.
    pub fn gaps(doc: &Document) -> Vec<String> {
        let mut out: Vec<String> = doc
            .gaps
            .iter()
            .map(|g| format!("{}: {:?}", g.part.as_deref().unwrap_or("-"), g.error))
            .collect();
        for e in &doc.embedded {
            match &e.doc {
                Ok(d) => out.extend(gaps(d)),
                Err(err) => out.push(format!("{}: {err:?}", e.name)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::zip_of;
    use super::*;

    /// Names of an unflagged zip, stored as `raw` bytes in place of ASCII placeholders.
    fn names_of(raw: &[&[u8]]) -> Vec<String> {
        let placeholders: Vec<String> = (0..raw.len())
            .map(|i| format!("{i}").repeat(raw[i].len()))
            .collect();
        let entries: Vec<(&str, &[u8])> = placeholders
            .iter()
            .map(|p| (p.as_str(), &b"x"[..]))
            .collect();
        let mut bytes = testkit::zip_of(&entries);
        for (p, r) in placeholders.iter().zip(raw) {
            let p = p.as_bytes();
            let mut at = 0;
            while let Some(i) = bytes[at..].windows(p.len()).position(|w| w == p) {
                bytes[at + i..at + i + p.len()].copy_from_slice(r);
                at += i + p.len();
            }
        }
        let budget = Budget::new(&Limits::new(1 << 20));
        Package::open(&bytes, &budget).unwrap().names().to_vec()
    }

    /// GBK names without the UTF-8 flag are read as GBK even where their bytes happen to
    /// be valid UTF-8 (`通知` is `CD A8 D6 AA`, UTF-8 for `֪ͨ`): alone, or beside GBK
    /// names that are not UTF-8; unflagged UTF-8 names (Info-ZIP on Linux) stay UTF-8.
    /// Every end-of-central-directory record in the tail counts, found by its last
    /// byte: the count each declares, the largest kept, whatever stands around them.
    #[test]
    fn declared_entries_reads_every_record() {
        let record = |n: u16| {
            let mut r = b"PK\x05\x06".to_vec();
            r.extend_from_slice(&[0; 4]);
            r.extend_from_slice(&n.to_le_bytes());
            r.extend_from_slice(&n.to_le_bytes());
            r.extend_from_slice(&[0; 10]);
            r
        };
        let mut bytes = b"\x06\x06PK\x05".to_vec();
        bytes.extend(record(7));
        bytes.extend_from_slice(b"\x06junk\x05\x06");
        bytes.extend(record(300));
        bytes.extend(record(2));
        assert_eq!(declared_entries(&bytes), 300);
        assert_eq!(declared_entries(&record(5)), 5);
        assert_eq!(declared_entries(b"PK\x05"), 0);
        assert_eq!(declared_entries(b""), 0);
    }

    #[test]
    fn gbk_names_that_look_like_utf8() {
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let tongzhi = gbk("通知");
        assert!(std::str::from_utf8(&tongzhi).is_ok());
        assert_eq!(names_of(&[&tongzhi]), ["通知"]);
        let fujian = gbk("附件一");
        assert!(std::str::from_utf8(&fujian).is_err());
        assert_eq!(names_of(&[&tongzhi, &fujian]), ["通知", "附件一"]);
        assert_eq!(
            names_of(&["通知".as_bytes(), "附件1.txt".as_bytes()]),
            ["通知", "附件1.txt"]
        );
    }

    use super::testkit::{self as kit, docx, gaps, para};
    use crate::extract::{Extracted, extract_bytes};
    use std::time::{Duration, Instant};

    fn within(limits: &Limits, bytes: Vec<u8>, ext: &str) -> Result<Document, ExtractError> {
        let start = Instant::now();
        let r = match extract_bytes(bytes, ext, limits, 0) {
            Ok(Extracted::Doc(d)) => Ok(d),
            Ok(Extracted::Skip) => panic!("skipped"),
            Err(e) => Err(e),
        };
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
        r
    }

    fn limit_of(r: &Result<Document, ExtractError>) -> String {
        match r {
            Err(ExtractError::Limit(m)) => m.clone(),
            Ok(d) => gaps(d).join("\n"),
            Err(e) => format!("{e:?}"),
        }
    }

    /// Bound: compression ratio (a part of spaces), with the default limits; a header
    /// beside it is still read.
    #[test]
    fn ratio_bomb() {
        let spaces = vec![b' '; 8 << 20];
        let bytes = docx(
            &para("正文"),
            &[("header", "header1.xml"), ("footer", "footer1.xml")],
            &[
                ("word/header1.xml", spaces),
                (
                    "word/footer1.xml",
                    format!("<w:ftr {}>{}</w:ftr>", kit::W, para("机密★10年")).into_bytes(),
                ),
            ],
        );
        let r = within(&Limits::new(256 << 20), bytes, "docx");
        assert!(
            limit_of(&r).contains("compression ratio 500:1, at word/header1.xml"),
            "{}",
            limit_of(&r)
        );
        assert_eq!(
            kit::role_of(r.as_ref().unwrap(), "机密★10年"),
            Some(crate::extract::Role::Margin)
        );
    }

    /// Bound: inflated size of one file, reached over several parts each within
    /// the per-part bound and the ratio.
    #[test]
    fn total_inflated_bomb() {
        let limits = Limits {
            max_total_bytes: 3 << 20,
            ..Limits::new(256 << 20)
        };
        // Compressible, but not beyond the ratio.
        let mut chunk = Vec::with_capacity(1 << 20);
        let mut x = 7u32;
        while chunk.len() < (1 << 20) {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            chunk.extend(format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", x >> 20).bytes());
        }
        let names: Vec<String> = (0..6).map(|i| format!("h{i}.xml")).collect();
        let rels: Vec<(&str, &str)> = names.iter().map(|n| ("header", n.as_str())).collect();
        let entries: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|n| {
                (
                    format!("word/{n}"),
                    [b"<w:hdr>".as_slice(), &chunk, b"</w:hdr>"].concat(),
                )
            })
            .collect();
        let more: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        let r = within(&limits, docx(&para("机密★10年"), &rels, &more), "docx");
        let m = limit_of(&r);
        assert!(m.contains("inflated size of one file 3 MiB"), "{m}");
        // Reached once: nothing more is read, and it is said once.
        assert_eq!(m.matches("inflated size").count(), 1, "{m}");
        assert_eq!(
            kit::role_of(r.as_ref().unwrap(), "机密★10年"),
            Some(crate::extract::Role::Body)
        );
    }

    /// Bound: entries in one container (default limits), known before the directory
    /// is parsed.
    #[test]
    fn entry_count() {
        let names: Vec<String> = (0..10_001).map(|i| format!("z/{i}")).collect();
        let mut entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        entries.push(("[Content_Types].xml", b"<Types/>"));
        let bytes = kit::zip_of(&entries);
        let r = within(&Limits::new(256 << 20), bytes, "docx");
        assert_eq!(
            limit_of(&r),
            "entries in one zip container 10000 (this one has 10002)"
        );
    }

    /// Bound: XML nesting depth (default limits), in a header: the body is read.
    #[test]
    fn deep_xml() {
        let deep = format!(
            "<w:hdr>{}{}</w:hdr>",
            "<w:sdt>".repeat(100_000),
            "</w:sdt>".repeat(100_000)
        );
        let bytes = docx(
            &para("机密★10年"),
            &[("header", "h.xml")],
            &[("word/h.xml", deep.into_bytes())],
        );
        let r = within(&Limits::new(256 << 20), bytes, "docx");
        assert!(
            limit_of(&r).contains("XML nesting depth 512, at word/h.xml"),
            "{}",
            limit_of(&r)
        );
        assert_eq!(
            kit::role_of(r.as_ref().unwrap(), "机密★10年"),
            Some(crate::extract::Role::Body)
        );
    }

    /// Bound: parts read from one file.
    #[test]
    fn part_count() {
        let limits = Limits {
            max_parts: 20,
            ..Limits::new(256 << 20)
        };
        let names: Vec<String> = (0..50).map(|i| format!("h{i}.xml")).collect();
        let rels: Vec<(&str, &str)> = names.iter().map(|n| ("header", n.as_str())).collect();
        let hdr = format!("<w:hdr {}>{}</w:hdr>", kit::W, para("页眉"));
        let entries: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|n| (format!("word/{n}"), hdr.clone().into_bytes()))
            .collect();
        let more: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        let r = within(&limits, docx(&para("机密★10年"), &rels, &more), "docx");
        let m = limit_of(&r);
        assert_eq!(m.matches("parts read from one file 20").count(), 1, "{m}");
    }

    /// Bound: text read from one file, also where a few bytes make much text
    /// (`text:s text:c="1000"` in ODF).
    #[test]
    fn text_amplification() {
        let limits = Limits::new(1 << 20);
        let content = format!(
            r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:p>机密★10年</text:p><text:p>{}</text:p></office:text></office:body></office:document-content>"#,
            r#"<text:s text:c="1000"/>"#.repeat(20_000)
        );
        let bytes = kit::zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content.as_bytes()),
        ]);
        let r = within(&limits, bytes, "odt");
        assert!(
            limit_of(&r).contains("text read from one file 1 MiB"),
            "{}",
            limit_of(&r)
        );
    }

    /// Many marked headers and footers: linear, not quadratic, to scan and check.
    #[test]
    fn many_marked_headers() {
        let names: Vec<String> = (0..4000).map(|i| format!("h{i}.xml")).collect();
        let rels: Vec<(&str, &str)> = names.iter().map(|n| ("header", n.as_str())).collect();
        let hdr = format!("<w:hdr {}>{}</w:hdr>", kit::W, para("机密★10年"));
        let entries: Vec<(String, Vec<u8>)> = names
            .iter()
            .map(|n| (format!("word/{n}"), hdr.clone().into_bytes()))
            .collect();
        let more: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        let doc = within(
            &Limits::new(256 << 20),
            docx(&para("正文"), &rels, &more),
            "docx",
        )
        .unwrap();
        assert_eq!(doc.parts.len(), 4001);
        let regime = crate::regime::Regime::builtin();
        let start = Instant::now();
        let scan = crate::scan::scan(&regime, &doc, "x.docx");
        assert!(scan.is_marked());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }

    /// Two entries with one name: the zip reader sees one, so the other is a gap.
    #[test]
    fn duplicate_names_are_a_gap() {
        let hdr = |t: &str| format!("<w:hdr {}>{}</w:hdr>", kit::W, para(t)).into_bytes();
        let bytes = docx(
            &para("机密★10年"),
            &[("header", "h1.xml")],
            &[
                ("word/h1.xml", hdr("页眉")),
                ("word/h2.xml", hdr("秘密★5年")),
            ],
        );
        // Rename the second entry to the first's name, in its local and central headers.
        let (from, to) = (b"word/h2.xml", b"word/h1.xml");
        let mut dup = bytes.clone();
        let mut at = 0;
        while let Some(i) = memchr::memmem::find(&dup[at..], from) {
            dup[at + i..at + i + from.len()].copy_from_slice(to);
            at += i + 1;
        }
        let doc = within(&Limits::new(256 << 20), dup, "docx").unwrap();
        let g = gaps(&doc);
        assert!(
            g.iter()
                .any(|g| g.contains("two zip entries with the same name")),
            "{g:?}"
        );
    }

    #[test]
    fn bomb_is_refused_by_ratio() {
        let zeros = vec![b' '; 8 << 20];
        let bytes = zip_of(&[("word/document.xml", &zeros)]);
        let budget = Budget::new(&Limits::new(1 << 30));
        let mut pkg = Package::open(&bytes, &budget).unwrap();
        let err = pkg.read("word/document.xml").unwrap_err();
        assert_eq!(
            err,
            ExtractError::Limit("compression ratio 500:1, at word/document.xml".into())
        );
    }

    #[test]
    fn lookups_ignore_case_and_leading_slash() {
        let bytes = zip_of(&[("Word/Document.xml", b"<a/>")]);
        let budget = Budget::new(&Limits::new(1 << 30));
        let mut pkg = Package::open(&bytes, &budget).unwrap();
        assert_eq!(
            pkg.read("/word/document.xml").unwrap().as_deref(),
            Some(&b"<a/>"[..])
        );
        assert_eq!(pkg.read("word/other.xml").unwrap(), None);
    }

    #[test]
    fn too_many_entries() {
        let many: Vec<(String, &[u8])> = (0..30).map(|i| (format!("f{i}"), &b""[..])).collect();
        let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let bytes = zip_of(&refs);
        let limits = Limits {
            max_entries: 20,
            ..Limits::new(1 << 30)
        };
        assert!(matches!(
            Package::open(&bytes, &Budget::new(&limits)),
            Err(ExtractError::Limit(m)) if m == "entries in one zip container 20 (this one has 30)"
        ));
    }

    #[test]
    fn natural_order() {
        let mut v = vec![
            "ppt/slides/slide10.xml",
            "ppt/slides/slide2.xml",
            "ppt/slides/slide1.xml",
        ];
        v.sort_by_key(|n| natural_key(n));
        assert_eq!(
            v,
            [
                "ppt/slides/slide1.xml",
                "ppt/slides/slide2.xml",
                "ppt/slides/slide10.xml"
            ]
        );
    }
}
