//! OLE objects embedded in legacy documents. Word keeps each in a storage of the
//! `ObjectPool` storage (`/ObjectPool/_1234567890`, [MS-DOC] 2.1.5 "ObjectPool"), Excel
//! in a storage at the root named `MBD` and eight hex digits ([MS-XLS] 2.1.7.1
//! "Embedding Storage"). Such a storage is the compound file the object was (a
//! workbook's `Workbook` stream, a document's `WordDocument`, a wrapped file's
//! `Ole10Native`, an OOXML `Package`), so it is copied out into a compound file of its
//! own and read like any carried document: an `Embedded` of the document, named by the
//! storage's path (`ObjectPool/_1234567890`); a wrapped file is named by the path and
//! its own name (`ObjectPool/_1234567890/附件.docx`, see `wrapped`). Equation objects hold no text a mark
//! could be in; an object that cannot be copied out is a gap naming it. PowerPoint
//! keeps its objects as records of its document stream (`ExOleObjStg`, often
//! zlib-compressed): `ppt` finds and inflates them and hands each to `carry`, the same
//! way in as these storages.

use std::io::{Cursor, Read, Write};

use super::Compound;
use crate::extract::{Budget, Document, ExtractError, Gap};

/// Whether `path` (`/ObjectPool/_123`, `/MBD0012ABCD`) is the storage of an object.
fn is_object_storage(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["ObjectPool", _] => true,
        [name] => {
            name.len() == 11
                && name.starts_with("MBD")
                && name[3..].bytes().all(|b| b.is_ascii_hexdigit())
        }
        _ => false,
    }
}

/// Read the objects embedded in `file` as embedded documents of `doc`, which lies at
/// nesting `depth`.
pub(super) fn read(file: &mut Compound, depth: usize, doc: &mut Document) {
    let storages: Vec<String> = file
        .cfb
        .walk()
        .filter(|e| e.is_storage() && is_object_storage(&e.path().to_string_lossy()))
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    for storage in storages {
        let name = storage.trim_start_matches('/').to_string();
        let bytes = match copy_out(file, &storage) {
            Ok(b) => b,
            Err(error) => {
                doc.gaps.push(Gap {
                    part: Some(name),
                    line: 1,
                    error,
                });
                continue;
            }
        };
        if !carry(name, bytes, file.budget, depth, doc) {
            return;
        }
    }
}

/// Read the object `bytes` (a compound file) as the embedded document `name` of `doc`,
/// which lies at nesting `depth`; an equation is passed over, a wrapped file is read as
/// the document it is (`wrapped::embed`). Whether more objects may be read (no
/// file-wide bound is reached).
pub(super) fn carry(
    name: String,
    bytes: Vec<u8>,
    budget: &Budget,
    depth: usize,
    doc: &mut Document,
) -> bool {
    doc.embedded
        .extend(super::wrapped::embed(&name, bytes, budget, depth));
    budget.spent().is_none()
}

/// The storage `path` of `file` as a compound file of its own: every stream and
/// storage below it, each stream read against the file's budget.
fn copy_out(file: &mut Compound, path: &str) -> Result<Vec<u8>, ExtractError> {
    let broken = |e: std::io::Error| ExtractError::Corrupt(format!("embedded object {path}: {e}"));
    let entries: Vec<(String, bool)> = file
        .cfb
        .walk_storage(path)
        .map_err(broken)?
        .filter_map(|e| {
            let full = e.path().to_string_lossy().into_owned();
            let inner = full.strip_prefix(path)?.to_string();
            (!inner.is_empty()).then_some((inner, e.is_storage()))
        })
        .collect();
    let mut out = cfb::CompoundFile::create(Cursor::new(Vec::new())).map_err(broken)?;
    for (inner, storage) in entries {
        if storage {
            out.create_storage(&inner).map_err(broken)?;
            continue;
        }
        let bytes = file.read(&format!("{path}{inner}"))?.unwrap_or_default();
        let mut stream = out.create_stream(&inner).map_err(broken)?;
        stream.write_all(&bytes).map_err(broken)?;
    }
    out.flush().map_err(broken)?;
    let mut bytes = Vec::new();
    let mut inner = out.into_inner();
    inner.set_position(0);
    inner.read_to_end(&mut bytes).map_err(broken)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::is_object_storage;

    #[test]
    fn object_storages_of_word_and_excel() {
        assert!(is_object_storage("/ObjectPool/_1234567890"));
        assert!(is_object_storage("/MBD0012ABCD"));
        assert!(!is_object_storage("/ObjectPool"));
        assert!(!is_object_storage("/ObjectPool/_1/Inner"));
        assert!(!is_object_storage("/MBDX"));
        assert!(!is_object_storage("/WordDocument"));
    }
}
