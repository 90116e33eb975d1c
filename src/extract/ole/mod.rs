//! OLE compound files (CFB): legacy Office and WPS documents, Outlook messages,
//! password-protected OOXML packages, objects embedded in documents. `kind` tells which
//! one a file is from its directory's stream names (a bounded number of sectors, no
//! allocation beyond the names); `Compound` opens it with the `cfb` crate and reads
//! streams against the file's budget; `extract` hands it to the reader of its kind and
//! adds the property sets every compound document carries (`props`): Word and WPS
//! documents (`word`), workbooks (`xls`) and presentations (`ppt`). What is not read
//! (encrypted packages, Outlook messages, objects) is an ML900 naming what it is.
//! Objects embedded in a legacy document (`objects`; PowerPoint's, found in its stream
//! by `ppt`) are embedded documents, read as the stand-alone compound files they were
//! before they were embedded; an object that wraps a file (`wrapped`: an OOXML
//! `Package`, a Packager's `Ole10Native`) carries that file.

mod objects;
pub mod ppt;
pub mod props;
pub mod word;
pub(crate) mod wrapped;
pub mod xls;

use std::io::{Cursor, Read};

use super::{Bound, Budget, Document, ExtractError, Extracted, Gap, Part};

/// An opened compound file whose streams are read against the budget of the file it
/// belongs to.
pub struct Compound<'a> {
    pub(crate) cfb: cfb::CompoundFile<Cursor<&'a [u8]>>,
    pub budget: &'a Budget,
    /// How deep the document it holds is nested (0: a file of its own): the objects a
    /// reader finds inside a stream are carried one level deeper.
    pub(crate) depth: usize,
}

impl<'a> Compound<'a> {
    /// Open `bytes`; a directory or allocation table the `cfb` crate rejects (a sector
    /// chain that loops or points outside the file) is a corrupt file.
    pub fn open(bytes: &'a [u8], budget: &'a Budget) -> Result<Compound<'a>, ExtractError> {
        let cfb = cfb::CompoundFile::open(Cursor::new(bytes))
            .map_err(|e| ExtractError::Corrupt(format!("broken compound file: {e}")))?;
        Ok(Compound {
            cfb,
            budget,
            depth: 0,
        })
    }

    /// Whether a stream `path` (`/WordDocument`, `/1Table`) exists.
    pub fn has(&self, path: &str) -> bool {
        self.cfb.entry(path).is_ok_and(|e| e.is_stream())
    }

    /// The paths of every stream, in directory order.
    pub fn streams(&self) -> Vec<String> {
        self.cfb
            .walk()
            .filter(|e| e.is_stream())
            .map(|e| e.path().to_string_lossy().into_owned())
            .collect()
    }

    /// The bytes of stream `path`, charged to the budget as one part; `None` when there
    /// is no such stream. A stream longer than one part may be, or whose sector chain is
    /// broken, is an error naming it.
    pub fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>, ExtractError> {
        let Ok(entry) = self.cfb.entry(path) else {
            return Ok(None);
        };
        if !entry.is_stream() {
            return Ok(None);
        }
        let place = path.trim_start_matches('/');
        let limits = &self.budget.limits;
        if entry.len() > limits.max_entry_bytes {
            return Err(Bound::PartBytes.exceeded(limits, place));
        }
        self.budget.charge_part(place)?;
        self.budget.charge_inflated(entry.len(), place)?;
        let mut stream = self
            .cfb
            .open_stream(path)
            .map_err(|e| ExtractError::Corrupt(format!("broken stream {place}: {e}")))?;
        let mut bytes = Vec::with_capacity(entry.len() as usize);
        (&mut stream)
            .take(limits.max_entry_bytes)
            .read_to_end(&mut bytes)
            .map_err(|e| ExtractError::Corrupt(format!("broken stream {place}: {e}")))?;
        Ok(Some(bytes))
    }
}

/// A reader of one kind of compound document.
type Reader = fn(&mut Compound) -> Result<Document, ExtractError>;

/// Read the compound file `bytes` (named `.ext`) as the document it holds, whatever its
/// name: a legacy document is read by the reader of its kind, with its property sets;
/// a compound file holding no document stream (a `Thumbs.db` thumbnail cache, an
/// installer) is no document unless its name says it is one; the rest is refused.
pub fn extract(
    bytes: &[u8],
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Result<Extracted, ExtractError> {
    let reader: Option<Reader> = match kind(bytes) {
        Kind::Other if !super::names_a_document(ext) => return Ok(Extracted::Skip),
        Kind::Package => return wrapped::extract(bytes, budget, depth).map(Extracted::Doc),
        Kind::Excel => Some(xls::read),
        Kind::PowerPoint => Some(ppt::read),
        Kind::Word => Some(word::read),
        _ => None,
    };
    match reader {
        Some(reader) => read_with(bytes, budget, depth, reader).map(Extracted::Doc),
        // A file whose directory the `cfb` crate rejects is damaged, whatever streams the
        // bounded first look found (a FAT past the end hides the document stream).
        None => match Compound::open(bytes, budget) {
            Err(damaged) => Err(damaged),
            Ok(_) => Err(refusal(bytes, ext)),
        },
    }
}

/// Open `bytes` and read it with `reader`, then its property sets. The readers are
/// bounded and written not to panic; a panic all the same (in them or in the `cfb`
/// crate) is this file's ML900, never the end of the run.
fn read_with(
    bytes: &[u8],
    budget: &Budget,
    depth: usize,
    reader: Reader,
) -> Result<Document, ExtractError> {
    let read = || {
        let mut file = Compound::open(bytes, budget)?;
        file.depth = depth;
        let mut doc = reader(&mut file)?;
        let summary = props::read(&mut file);
        doc.props.extend(summary.props);
        doc.created = doc.created.or(summary.created);
        doc.gaps.extend(summary.gaps);
        objects::read(&mut file, depth, &mut doc);
        Ok(doc)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(ExtractError::Crashed(
            "the compound-file reader failed on this file".to_string(),
        ))
    })
}

/// What an OLE compound file holds, by its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `EncryptedPackage`: a password-protected .docx/.xlsx/.pptx.
    Encrypted,
    Word,
    Excel,
    PowerPoint,
    Outlook,
    /// `Ole10Native` / `Package`: any file wrapped as an object.
    Package,
    /// `Equation Native`: an equation editor object.
    Equation,
    Other,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Encrypted => "an encrypted Office package",
            Kind::Word => "a Word 97-2003 or WPS document (.doc/.wps)",
            Kind::Excel => "an Excel 97-2003 or WPS workbook (.xls/.et)",
            Kind::PowerPoint => "a PowerPoint 97-2003 or WPS presentation (.ppt/.dps)",
            Kind::Outlook => "an Outlook message (.msg)",
            Kind::Package => "a file wrapped as an OLE object",
            Kind::Equation => "an equation object",
            Kind::Other => "an OLE compound file",
        }
    }
}

/// The kind of the compound file `bytes`.
pub fn kind(bytes: &[u8]) -> Kind {
    let names = stream_names(bytes);
    let has = |n: &str| names.iter().any(|s| s.eq_ignore_ascii_case(n));
    if has("EncryptedPackage") {
        Kind::Encrypted
    } else if has("WordDocument") {
        Kind::Word
    } else if has("Workbook") || has("Book") {
        Kind::Excel
    } else if has("PowerPoint Document") {
        Kind::PowerPoint
    } else if names.iter().any(|s| s.starts_with("__substg1.0_")) {
        Kind::Outlook
    } else if has("\u{1}Ole10Native") || has("Package") {
        Kind::Package
    } else if has("Equation Native") {
        Kind::Equation
    } else {
        Kind::Other
    }
}

/// The ML900 reason for a compound file named `.ext` that holds nothing mark-lint reads:
/// an encrypted package, a format not read (an Outlook message, an OLE object), or, in
/// a file named as a document, no document at all (damaged, or not what its name says).
pub fn refusal(bytes: &[u8], ext: &str) -> ExtractError {
    match kind(bytes) {
        Kind::Encrypted => ExtractError::Encrypted,
        // Microsoft Works 4–9 word processor files: a `CONTENTS` stream, no Word text.
        Kind::Other
            if matches!(ext, "wps" | "wpt")
                && stream_names(bytes).iter().any(|n| n == "CONTENTS") =>
        {
            ExtractError::Legacy(format!(
                "a Microsoft Works document, not Word's format, .{ext}"
            ))
        }
        // Named as a format mark-lint reads, yet holding no such document.
        Kind::Other => ExtractError::Corrupt(format!(
            "a compound file holding no Word, Excel or PowerPoint document, {}",
            super::named(ext)
        )),
        k => ExtractError::Legacy(format!("{}, {}", k.describe(), super::named(ext))),
    }
}

/// The little-endian `u16` at byte `at` of `b`, if it is there.
pub(crate) fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

/// The little-endian `u32` at byte `at` of `b`, if it is there.
pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// The parts a reader made, charged to the budget one by one: a part beyond a
/// file-wide bound is dropped with a gap saying which bound, and so is every part after.
pub(crate) fn admit(budget: &Budget, made: Vec<Part>, doc: &mut Document) {
    for part in made {
        if part.is_blank() {
            continue;
        }
        let place = part.name.clone().unwrap_or_default();
        let charged = budget
            .charge_part(&place)
            .and_then(|()| budget.charge_text(part.text.len(), &place));
        if let Err(error) = charged {
            doc.gaps.push(Gap {
                part: Some(place),
                line: 1,
                error,
            });
            return;
        }
        doc.parts.push(part);
    }
}

/// Sector numbers at and above this are markers (end of chain, free, FAT, DIFAT).
const MAX_SECTOR: u32 = 0xFFFF_FFFA;

/// The names in the directory of a compound file (empty when it cannot be parsed).
pub fn stream_names(bytes: &[u8]) -> Vec<String> {
    let Some(shift) = u16_at(bytes, 0x1E) else {
        return Vec::new();
    };
    if shift != 9 && shift != 12 {
        return Vec::new();
    }
    let size = 1usize << shift;
    // Every loop below is bounded by the number of sectors the file can hold.
    let sectors = bytes.len() / size + 1;
    let sector = |n: u32| -> Option<&[u8]> {
        let start = (n as usize).checked_add(1)?.checked_mul(size)?;
        bytes.get(start..start.checked_add(size)?)
    };
    let mut fat_sectors: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
        .filter(|s| *s < MAX_SECTOR)
        .collect();
    let mut difat = u32_at(bytes, 0x44).unwrap_or(u32::MAX);
    let mut steps = 0;
    while difat < MAX_SECTOR && steps < sectors {
        let Some(s) = sector(difat) else { break };
        let per = size / 4 - 1;
        fat_sectors.extend(
            (0..per)
                .filter_map(|i| u32_at(s, 4 * i))
                .filter(|s| *s < MAX_SECTOR),
        );
        difat = u32_at(s, size - 4).unwrap_or(u32::MAX);
        steps += 1;
    }
    let per_fat = size / 4;
    let next = |n: u32| -> Option<u32> {
        let fat = *fat_sectors.get(n as usize / per_fat)?;
        u32_at(sector(fat)?, 4 * (n as usize % per_fat))
    };
    let mut names = Vec::new();
    let mut dir = u32_at(bytes, 0x30).unwrap_or(u32::MAX);
    let mut steps = 0;
    while dir < MAX_SECTOR && steps < sectors {
        let Some(s) = sector(dir) else { break };
        for entry in s.chunks_exact(128) {
            let len = u16_at(entry, 64).unwrap_or(0) as usize;
            let kind = entry[66];
            if !(2..=64).contains(&len) || !matches!(kind, 1 | 2 | 5) {
                continue;
            }
            let units: Vec<u16> = entry[..len - 2]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            names.push(String::from_utf16_lossy(&units));
        }
        dir = next(dir).unwrap_or(u32::MAX);
        steps += 1;
    }
    names
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A minimal compound file (512-byte sectors): header, one FAT sector, one
    /// directory sector holding `names` (at most 4).
    pub fn compound_file(names: &[&str]) -> Vec<u8> {
        let mut b = vec![0u8; 512 * 3];
        b[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        b[0x1A] = 0x3E;
        b[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
        b[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
        b[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
        // Directory at sector 1, FAT at sector 0.
        b[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        b[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        for i in 0..109 {
            b[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        b[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes());
        let fat = 512;
        for i in 0..128 {
            b[fat + 4 * i..fat + 4 * i + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        }
        b[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
        b[fat + 4..fat + 8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
        let dir = 1024;
        let all: Vec<&str> = std::iter::once("Root Entry")
            .chain(names.iter().copied())
            .collect();
        for (i, name) in all.iter().take(4).enumerate() {
            let e = dir + 128 * i;
            let units: Vec<u16> = name.encode_utf16().collect();
            for (j, u) in units.iter().enumerate() {
                b[e + 2 * j..e + 2 * j + 2].copy_from_slice(&u.to_le_bytes());
            }
            b[e + 64..e + 66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
            b[e + 66] = if i == 0 { 5 } else { 2 };
        }
        b
    }

    /// A compound file written by the `cfb` crate holding `streams` (path, bytes).
    pub fn compound_with(streams: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        for (path, bytes) in streams {
            cfb.create_stream(path).unwrap().write_all(bytes).unwrap();
        }
        cfb.flush().unwrap();
        cfb.into_inner().into_inner()
    }

    /// `bytes` read as a compound document named `.ext`.
    pub fn read_doc(bytes: &[u8], ext: &str) -> Result<Document, ExtractError> {
        let budget = Budget::new(&crate::extract::Limits::new(64 << 20));
        match extract(bytes, ext, &budget, 0)? {
            Extracted::Doc(d) => Ok(d),
            Extracted::Skip => Err(ExtractError::Unsupported("skipped".into())),
        }
    }

    /// The lines of `doc` as (part, role, reported line, block, text).
    pub fn lines(
        doc: &Document,
    ) -> Vec<(
        String,
        crate::extract::Role,
        u32,
        crate::extract::Block,
        String,
    )> {
        let mut out = Vec::new();
        for p in &doc.parts {
            for (i, l) in p.text.lines().enumerate() {
                let n = i as u32 + 1;
                out.push((
                    p.name.clone().unwrap_or_default(),
                    p.role,
                    p.source_line(n),
                    p.block(n),
                    l.to_string(),
                ));
            }
        }
        out
    }

    #[test]
    fn kinds_by_stream_names() {
        let k = |names: &[&str]| kind(&compound_file(names));
        assert_eq!(k(&["WordDocument", "1Table"]), Kind::Word);
        assert_eq!(k(&["Workbook"]), Kind::Excel);
        assert_eq!(k(&["PowerPoint Document"]), Kind::PowerPoint);
        assert_eq!(k(&["EncryptionInfo", "EncryptedPackage"]), Kind::Encrypted);
        assert_eq!(k(&["__substg1.0_0037001F"]), Kind::Outlook);
        assert_eq!(k(&["\u{1}Ole10Native"]), Kind::Package);
        assert_eq!(k(&["\u{1}CompObj", "Equation Native"]), Kind::Equation);
        assert_eq!(k(&["Catalog"]), Kind::Other);
    }

    #[test]
    fn refusal_names_the_content_and_the_name() {
        let message = compound_file(&["__substg1.0_0037001F"]);
        assert_eq!(
            refusal(&message, "doc"),
            ExtractError::Legacy("an Outlook message (.msg), named .doc".into())
        );
        let cache = compound_file(&["Catalog"]);
        assert_eq!(
            refusal(&cache, "xls"),
            ExtractError::Corrupt(
                "a compound file holding no Word, Excel or PowerPoint document, named .xls".into()
            )
        );
        let enc = compound_file(&["EncryptedPackage"]);
        assert_eq!(refusal(&enc, "docx"), ExtractError::Encrypted);
        let works = compound_file(&["CONTENTS", "SPELLING"]);
        assert!(matches!(refusal(&works, "wps"), ExtractError::Legacy(m) if m.contains("Works")));
    }

    #[test]
    fn damaged_directories_end_without_panic() {
        let mut b = compound_file(&["WordDocument"]);
        // A FAT that loops the directory onto itself, then a header cut short.
        b[512 + 4..512 + 8].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(kind(&b), Kind::Word);
        for cut in [0, 8, 0x30, 511, 600, 1100] {
            let _ = kind(&b[..cut.min(b.len())]);
        }
        let mut odd = b.clone();
        odd[0x1E] = 30;
        assert_eq!(kind(&odd), Kind::Other);
    }

    /// A real Word file whose allocation table is damaged — the WordDocument chain
    /// looping onto itself, pointing past the end of the file, or the FAT's own sector
    /// pointing nowhere — is ML900 damaged, at once, never a hang or a panic.
    #[test]
    fn damaged_allocation_tables_are_corrupt_files() {
        let good = std::fs::read("tests/fixtures/office/legacy/body.doc").unwrap();
        let sector = |n: u32| 512 * (n as usize + 1);
        let first_fat = u32_at(&good, 0x4C).unwrap();
        // The directory entry named WordDocument (entries are 128-byte aligned after
        // the header): its first sector.
        let name: Vec<u8> = "WordDocument"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let start = good[512..]
            .chunks_exact(128)
            .find(|e| e.starts_with(&name) && e[66] == 2)
            .map(|e| u32_at(e, 116).unwrap())
            .unwrap();
        let fat_entry = sector(first_fat) + 4 * start as usize;
        let patched = |at: usize, value: u32| {
            let mut b = good.clone();
            b[at..at + 4].copy_from_slice(&value.to_le_bytes());
            b
        };
        for (what, bytes) in [
            ("a chain looping onto itself", patched(fat_entry, start)),
            (
                "a chain past the end of the file",
                patched(fat_entry, 0x00FF_FFF0),
            ),
            (
                "a FAT sector past the end of the file",
                patched(0x4C, 0x00FF_FFF0),
            ),
        ] {
            let started = std::time::Instant::now();
            let got = crate::extract::extract_bytes(
                bytes,
                "doc",
                &crate::extract::Limits::new(64 << 20),
                0,
            );
            assert!(
                matches!(&got, Err(ExtractError::Corrupt(why)) if !why.is_empty()),
                "{what}: {:?}",
                got.as_ref().err()
            );
            assert!(
                started.elapsed() < std::time::Duration::from_secs(2),
                "{what}"
            );
        }
    }
}
