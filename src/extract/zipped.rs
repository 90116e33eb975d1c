//! Zip containers (OOXML, ODF, OFD) read within the budget of the file they belong
//! to: entry count, inflated size per part and per file, compression ratio and parts
//! read, so a zip bomb costs a bounded amount of memory and time and becomes an ML900
//! naming the bound instead of a crash.

use std::collections::{HashMap, HashSet};
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
    /// Entries read so far.
    read: HashSet<usize>,
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
    for at in memchr::memmem::rfind_iter(tail, b"PK\x05\x06") {
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
        let mut index = HashMap::with_capacity(zip.len());
        let mut names = Vec::with_capacity(zip.len());
        for (i, name) in zip.file_names_raw().enumerate() {
            let name = normalise(&String::from_utf8_lossy(name));
            index.entry(name.to_lowercase()).or_insert(i);
            names.push(name);
        }
        let duplicate_names = zip.has_duplicate_names();
        Ok(Package {
            zip,
            budget,
            index,
            names,
            read: HashSet::new(),
            duplicate_names,
        })
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

    /// Entries not read yet, in archive order (directories left out).
    pub fn unread(&self) -> Vec<String> {
        (0..self.names.len())
            .filter(|i| !self.read.contains(i) && !self.names[*i].ends_with('/'))
            .map(|i| self.names[i].clone())
            .collect()
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
        self.read.insert(i);
        budget.charge_part(&name)?;
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
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut chunk).map_err(|e| {
                ExtractError::Corrupt(format!("{name}: cannot inflate: {}", super::io_message(&e)))
            })?;
            if n == 0 {
                break;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
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
