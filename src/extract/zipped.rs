//! Zip containers (OOXML, ODF, OFD) read with hard limits: entry count, inflated size
//! per entry and per file, and compression ratio, so a zip bomb costs a bounded amount
//! of memory and time and becomes ML900 instead of a crash.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::ZipArchive;

use super::{Document, ExtractError, Limits, odf, ofd, ooxml};

/// An opened container.
pub struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    limits: Limits,
    /// Lower-case, `/`-separated name without a leading `/` → entry index.
    index: HashMap<String, usize>,
    /// Entry names as stored (normalised separators), in archive order.
    names: Vec<String>,
    inflated: u64,
}

fn normalise(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_string()
}

impl<'a> Package<'a> {
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Package<'a>, ExtractError> {
        let zip = ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ExtractError::Corrupt(format!("broken zip container: {e}")))?;
        if zip.len() > limits.max_entries {
            return Err(ExtractError::Corrupt(format!(
                "zip container with {} entries (limit {})",
                zip.len(),
                limits.max_entries
            )));
        }
        let mut index = HashMap::with_capacity(zip.len());
        let mut names = Vec::with_capacity(zip.len());
        for (i, name) in zip.file_names_raw().enumerate() {
            let name = normalise(&String::from_utf8_lossy(name));
            index.insert(name.to_lowercase(), i);
            names.push(name);
        }
        Ok(Package {
            zip,
            limits: *limits,
            index,
            names,
            inflated: 0,
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.index.contains_key(&normalise(name).to_lowercase())
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The inflated bytes of entry `name`; `None` when there is no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let Some(&i) = self.index.get(&normalise(name).to_lowercase()) else {
            return Ok(None);
        };
        let limits = self.limits;
        let already = self.inflated;
        let mut entry = self
            .zip
            .by_index(i)
            .map_err(|e| ExtractError::Corrupt(format!("{name}: {e}")))?;
        if entry.encrypted() {
            return Err(ExtractError::Encrypted);
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
            if len > limits.max_entry_bytes || already + len > limits.max_total_bytes {
                return Err(ExtractError::Corrupt(format!(
                    "zip bomb: {name} inflates beyond {} MB",
                    limits.max_entry_bytes.min(limits.max_total_bytes) >> 20
                )));
            }
            if len > (1 << 20) && len / compressed > limits.max_ratio {
                return Err(ExtractError::Corrupt(format!(
                    "zip bomb: {name} inflates more than {}:1",
                    limits.max_ratio
                )));
            }
        }
        self.inflated += out.len() as u64;
        Ok(Some(out))
    }

    /// Like `read`, but a missing entry is an error: the container names it.
    pub fn require(&mut self, name: &str) -> Result<Vec<u8>, ExtractError> {
        self.read(name)?
            .ok_or_else(|| ExtractError::Corrupt(format!("missing part {name}")))
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// Read a zip container as a document; `Ok(None)` when it is not a document format
/// (a plain archive). `depth` counts enclosing documents.
pub fn extract(
    bytes: &[u8],
    limits: &Limits,
    depth: usize,
) -> Result<Option<Document>, ExtractError> {
    let mut pkg = Package::open(bytes, limits)?;
    if pkg.has("[Content_Types].xml") {
        return ooxml::extract(&mut pkg);
    }
    if pkg.has("OFD.xml") {
        return ofd::extract(&mut pkg, depth).map(Some);
    }
    if pkg.has("mimetype") || pkg.has("content.xml") {
        return odf::extract(&mut pkg);
    }
    Ok(None)
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
        let mut pkg = Package::open(&bytes, &Limits::new(1 << 30)).unwrap();
        let err = pkg.read("word/document.xml").unwrap_err();
        assert!(matches!(err, ExtractError::Corrupt(m) if m.contains("zip bomb")));
    }

    #[test]
    fn lookups_ignore_case_and_leading_slash() {
        let bytes = zip_of(&[("Word/Document.xml", b"<a/>")]);
        let mut pkg = Package::open(&bytes, &Limits::new(1 << 30)).unwrap();
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
            Package::open(&bytes, &limits),
            Err(ExtractError::Corrupt(_))
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
