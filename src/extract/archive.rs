//! Archives walked like folders: each member of a zip, tar or gzip file is checked as a
//! document of its own (`bundle.zip!/通知/附件1.docx`), within the budget of the file
//! that carries it. Nothing is ever unpacked to disk. RAR and 7z are refused with a
//! reason (ML900): they cannot be read here, and are never skipped silently.
//!
//! Members that are no documents (images, binaries) are skipped as the folder walk
//! skips them; identical members are read once per file (`Budget::first_visit`).

use std::cell::RefCell;
use std::io::{Cursor, Read};

use super::zipped::Package;
use super::{
    ARCHIVES, Bound, Budget, Document, Embedded, ExtractError, Extracted, Gap, extract_nested,
    named, names_a_document,
};

/// An archive format, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gzip,
    Tar,
    Rar,
    SevenZip,
}

impl Kind {
    /// Magic numbers: gzip (RFC 1952), POSIX and GNU tar (`ustar` at 257), RAR 4 and 5,
    /// 7z.
    fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0x1F, 0x8B]) {
            Some(Kind::Gzip)
        } else if is_tar(bytes) {
            Some(Kind::Tar)
        } else if bytes.starts_with(b"Rar!\x1A\x07") {
            Some(Kind::Rar)
        } else if bytes.starts_with(b"7z\xBC\xAF\x27\x1C") {
            Some(Kind::SevenZip)
        } else {
            None
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Gzip => "a gzip file",
            Kind::Tar => "a tar archive",
            Kind::Rar => "a RAR archive",
            Kind::SevenZip => "a 7z archive",
        }
    }
}

/// The `ustar` magic of POSIX (`ustar\0`) and GNU (`ustar  \0`) tar headers.
fn is_tar(bytes: &[u8]) -> bool {
    bytes
        .get(257..265)
        .is_some_and(|m| m.starts_with(b"ustar\0") || m == b"ustar  \0")
}

/// Read `bytes` as an archive if its content says it is one (`None` otherwise), whatever
/// its name (`ext`, lower case; `name`, the file name where known). An archive behind a
/// document's name is a finding; behind another name (none, `.bin`) it is skipped, as
/// zip archives are; RAR and 7z are refused whatever their name.
pub(crate) fn by_content(
    bytes: &[u8],
    name: &str,
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Option<Result<Extracted, ExtractError>> {
    Some(read(Kind::sniff(bytes)?, bytes, name, ext, budget, depth))
}

/// Read `bytes`, which have no archive's signature, as the archive their name says.
pub(crate) fn by_name(
    bytes: &[u8],
    name: &str,
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Option<Result<Extracted, ExtractError>> {
    let kind = match ext {
        // Old (v7) tar headers have no magic.
        "tar" => Kind::Tar,
        "rar" => Kind::Rar,
        "7z" => Kind::SevenZip,
        "gz" | "tgz" | "zip" => {
            let what = if ext == "zip" {
                "zip container"
            } else {
                "gzip stream"
            };
            return Some(Err(ExtractError::Corrupt(format!(
                "not a .{ext} file (no {what})"
            ))));
        }
        _ => return None,
    };
    Some(read(kind, bytes, name, ext, budget, depth))
}

fn read(
    kind: Kind,
    bytes: &[u8],
    name: &str,
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Result<Extracted, ExtractError> {
    let archive_name = ARCHIVES.contains(&ext);
    match kind {
        Kind::Rar | Kind::SevenZip => Err(refusal(kind)),
        _ if !archive_name && names_a_document(ext) => Err(ExtractError::Corrupt(format!(
            "{} that is no document, {}",
            kind.what(),
            named(ext)
        ))),
        _ if !archive_name => Ok(Extracted::Skip),
        Kind::Tar => Ok(Extracted::Doc(tar(Cursor::new(bytes), None, budget, depth))),
        Kind::Gzip => gzip(bytes, name, ext, budget, depth).map(Extracted::Doc),
    }
}

/// Why a RAR or 7z archive is not read, and what to do.
fn refusal(kind: Kind) -> ExtractError {
    let ext = if kind == Kind::Rar { "rar" } else { "7z" };
    ExtractError::Unsupported(format!(
        "{}: mark-lint does not read .{ext}; unpack it and check the folder",
        kind.what()
    ))
}

/// A member name an extractor would write outside the folder it unpacks into (`/etc/x`,
/// `C:\x`, `../../x`). mark-lint writes nothing to disk, so it could read the member
/// safely; it is reported instead because whoever unpacks the archive would put that
/// file elsewhere than the rest, where this check never looked.
pub(crate) fn leaves_the_archive(name: &str) -> Option<ExtractError> {
    let n = name.replace('\\', "/");
    let drive = n.as_bytes().get(1) == Some(&b':') && n.as_bytes()[0].is_ascii_alphabetic();
    (n.starts_with('/') || drive || n.split('/').any(|c| c == ".."))
        .then(|| ExtractError::Corrupt(format!("member name leaves the archive: {name}")))
}

/// A member name as shown: `/` separators, without a leading `./`.
fn shown_name(name: &str) -> String {
    let n = name.replace('\\', "/");
    let mut rest = n.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r.trim_start_matches('/');
    }
    if rest.is_empty() { n } else { rest.to_string() }
}

/// The members of one archive as they are read: documents carried, and what could
/// not be read.
pub(crate) struct Members<'a> {
    budget: &'a Budget,
    /// Nesting of the archive itself (0: the checked file).
    depth: usize,
    embedded: Vec<Embedded>,
    gaps: Vec<Gap>,
    /// Members not read because they would nest too deep: reported once.
    too_deep: Vec<String>,
}

impl<'a> Members<'a> {
    pub(crate) fn new(budget: &'a Budget, depth: usize) -> Members<'a> {
        Members {
            budget,
            depth,
            embedded: Vec::new(),
            gaps: Vec::new(),
            too_deep: Vec::new(),
        }
    }

    /// A file-wide bound was reached: nothing more of the file is read.
    pub(crate) fn stopped(&self) -> bool {
        self.budget.spent().is_some()
    }

    /// Whether member `name` would nest deeper than the bound: then it is noted
    /// (reported once for the archive) and not even inflated.
    pub(crate) fn too_deep(&mut self, name: &str) -> bool {
        let deep = self.budget.check_depth(self.depth + 1, name).is_err();
        if deep {
            self.too_deep.push(name.to_string());
        }
        deep
    }

    /// Member `name` could not be read: an ML900 on it.
    pub(crate) fn fail(&mut self, name: &str, error: ExtractError) {
        self.embedded.push(Embedded {
            name: name.to_string(),
            doc: Err(error),
        });
    }

    /// Something about the archive as a whole (a cut, a bound on its entries).
    pub(crate) fn gap(&mut self, error: ExtractError) {
        self.gaps.push(Gap {
            part: None,
            line: 1,
            error,
        });
    }

    /// Member `name` with its bytes: checked if it is a document not read before.
    pub(crate) fn read(&mut self, name: &str, bytes: Vec<u8>) {
        self.read_as(name, name, bytes);
    }

    /// The same, read as if named `as_name` (a forwarded message without `.eml`).
    pub(crate) fn read_as(&mut self, name: &str, as_name: &str, bytes: Vec<u8>) {
        if let Some(doc) = extract_nested(bytes, as_name, self.budget, self.depth + 1) {
            self.embedded.push(Embedded {
                name: name.to_string(),
                doc,
            });
        }
    }

    /// The members read, with the nesting bound reported once (on the first member
    /// that reached it).
    pub(crate) fn finish(mut self) -> (Vec<Embedded>, Vec<Gap>) {
        if let Some(first) = self.too_deep.first() {
            let place = match self.too_deep.len() {
                1 => first.clone(),
                n => format!("{first} and {} more", n - 1),
            };
            let error = Bound::Embedding.exceeded(&self.budget.limits, &place);
            self.fail(&first.clone(), error);
        }
        (self.embedded, self.gaps)
    }

    pub(crate) fn into_document(self) -> Document {
        let (embedded, gaps) = self.finish();
        Document::archive(embedded, gaps)
    }
}

/// A zip archive that is no office document: every file in it, in archive order.
/// Folders are only prefixes of the names.
pub(crate) fn zip(pkg: &mut Package, depth: usize) -> Document {
    let mut members = Members::new(pkg.budget(), depth);
    for i in 0..pkg.names().len() {
        if members.stopped() {
            break;
        }
        let Some((stored, folder)) = pkg.entry(i) else {
            break;
        };
        if folder {
            continue;
        }
        let name = shown_name(stored);
        if let Some(e) = leaves_the_archive(stored) {
            members.fail(&name, e);
            continue;
        }
        if members.too_deep(&name) {
            continue;
        }
        match pkg.read_at(i) {
            Ok(bytes) => members.read(&name, bytes),
            Err(e) => members.fail(&name, e),
        }
    }
    if pkg.duplicate_names {
        members.gap(ExtractError::Corrupt(
            "two zip entries with the same name: only one of them was read".into(),
        ));
    }
    members.into_document()
}

/// A reader that counts the bytes it gives.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n += n as u64;
        Ok(n)
    }
}

/// A tar name: UTF-8, else GB18030 (names written on Chinese Windows), else with
/// replacement characters.
fn tar_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

/// A bound reached while inflating, kept for whoever reads the stream: the tar reader
/// sees only an I/O error.
type Reached = RefCell<Option<ExtractError>>;

/// A tar archive from `reader` (plain, or inflating a gzip stream: `inflating` then
/// holds the bound it reached, if any): its regular files. The bytes of members of a
/// plain tar count against the file's inflated bytes; a gzip stream counted them.
fn tar<R: Read>(reader: R, inflating: Option<&Reached>, budget: &Budget, depth: usize) -> Document {
    let mut archive = tar::Archive::new(Counted {
        inner: reader,
        n: 0,
    });
    let mut members = Members::new(budget, depth);
    let mut walk = TarWalk {
        inflating,
        ..TarWalk::default()
    };
    match archive.entries() {
        Ok(entries) => {
            for entry in entries {
                if members.stopped() {
                    walk.stopped = true;
                    break;
                }
                if !walk.next(entry, &mut members) {
                    break;
                }
            }
        }
        Err(e) => members.gap(walk.error(&e, None)),
    }
    let consumed = archive.into_inner().n;
    // Entries end at two zero blocks; a tar cut between two members ends at the end
    // of the last one instead, which the reader takes for a clean end.
    if let Some(last) = walk.last.filter(|_| walk.clean && !walk.stopped)
        && consumed <= walk.end
    {
        members.gap(ExtractError::Corrupt(format!(
            "truncated tar after {last}: no end-of-archive blocks"
        )));
    }
    members.into_document()
}

/// The state of a walk through a tar's entries.
#[derive(Default)]
struct TarWalk<'a> {
    inflating: Option<&'a Reached>,
    entries: usize,
    /// The last member seen, and where its data ends (padded to a block).
    last: Option<String>,
    end: u64,
    /// No entry failed to read.
    clean: bool,
    stopped: bool,
}

impl TarWalk<'_> {
    /// Why the tar stopped early: the bound the gzip stream reached, or a cut.
    fn error(&self, e: &std::io::Error, after: Option<&str>) -> ExtractError {
        if let Some(bound) = self.inflating.and_then(|b| b.borrow_mut().take()) {
            return bound;
        }
        let at = match after {
            Some(name) => format!(" after {name}"),
            None => String::new(),
        };
        ExtractError::Corrupt(format!("truncated tar{at}: {}", super::io_message(e)))
    }

    /// Read one entry; `false` when the walk must stop.
    fn next<R: Read>(
        &mut self,
        entry: std::io::Result<tar::Entry<'_, R>>,
        members: &mut Members,
    ) -> bool {
        let limits = members.budget.limits;
        self.entries += 1;
        if self.entries > limits.max_entries {
            // The bound on a zip's entries, named for what it counts here.
            members.gap(ExtractError::Limit(format!(
                "entries in one tar archive {}",
                limits.max_entries
            )));
            self.stopped = true;
            return false;
        }
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let error = self.error(&e, self.last.as_deref());
                members.gap(error);
                self.clean = false;
                return false;
            }
        };
        self.clean = true;
        let size = entry.size();
        self.end = entry
            .raw_file_position()
            .saturating_add(size.div_ceil(512).saturating_mul(512));
        let name = shown_name(&tar_name(&entry.path_bytes()));
        self.last = Some(name.clone());
        // Links, folders, devices and FIFOs hold no document (a link's target is
        // checked where it is a member itself).
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            return true;
        }
        if let Some(e) = leaves_the_archive(&tar_name(&entry.path_bytes())) {
            members.fail(&name, e);
            return true;
        }
        if members.too_deep(&name) {
            return true;
        }
        self.member(&mut entry, &name, size, members)
    }

    /// The bytes of one regular member, within the bounds.
    fn member<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        name: &str,
        size: u64,
        members: &mut Members,
    ) -> bool {
        let budget = members.budget;
        let limits = budget.limits;
        if let Err(e) = budget.charge_part(name) {
            members.fail(name, e);
            return true;
        }
        if size > limits.max_entry_bytes {
            members.fail(name, Bound::PartBytes.exceeded(&limits, name));
            return true;
        }
        let mut data = Vec::with_capacity(size.min(1 << 20) as usize);
        if let Err(e) = entry.take(size).read_to_end(&mut data) {
            let error = self.error(&e, Some(name));
            members.gap(error);
            self.clean = false;
            return false;
        }
        if self.inflating.is_none()
            && let Err(e) = budget.charge_inflated(data.len() as u64, name)
        {
            members.fail(name, e);
            return true;
        }
        let cut = (data.len() as u64) < size;
        members.read(name, data);
        if cut {
            members.gap(ExtractError::Corrupt(format!(
                "truncated tar: {name} is cut short"
            )));
            self.clean = false;
            return false;
        }
        true
    }
}

/// A gzip stream inflated within the file's bounds: every byte counts against the
/// inflated bytes of the file, and past 1 MiB against the compression ratio. The
/// bound reached is kept for the caller (the tar reader sees only an I/O error).
struct Inflating<'a, R> {
    inner: R,
    budget: &'a Budget,
    compressed: u64,
    out: u64,
    place: &'a str,
    bound: &'a Reached,
}

impl<R: Read> Read for Inflating<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.bound.borrow().is_some() {
            return Err(std::io::Error::other("a reading limit was reached"));
        }
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        let limits = &self.budget.limits;
        let over = match self.budget.charge_inflated(n as u64, self.place) {
            Err(e) => Some(e),
            Ok(()) if self.out > 1 << 20 && self.out / self.compressed > limits.max_ratio => {
                Some(Bound::Ratio.exceeded(limits, self.place))
            }
            Ok(()) => None,
        };
        if let Some(e) = over {
            *self.bound.borrow_mut() = Some(e);
            return Err(std::io::Error::other("a reading limit was reached"));
        }
        Ok(n)
    }
}

/// The name of the file a gzip stream holds: the file's name without `.gz`, else the
/// name its header records, else none.
fn inner_name(name: &str, header: Option<&[u8]>) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    if lower.len() > 3 && lower.ends_with(".gz") {
        return base[..base.len() - 3].to_string();
    }
    match header.filter(|h| !h.is_empty()) {
        Some(h) => shown_name(&tar_name(h)),
        None => "(gzip content)".to_string(),
    }
}

/// A gzip file (`.gz`, `.tgz`, `.tar.gz`): a tar inside is walked as one; any other
/// content is the single file it holds, named by the file's name without `.gz`.
fn gzip(
    bytes: &[u8],
    name: &str,
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Result<Document, ExtractError> {
    let bound = RefCell::new(None);
    let place = if name.is_empty() { "gzip stream" } else { name };
    let mut stream = Inflating {
        inner: flate2::read::MultiGzDecoder::new(bytes),
        budget,
        compressed: (bytes.len() as u64).max(1),
        out: 0,
        place,
        bound: &bound,
    };
    let broken = |e: std::io::Error, bound: &Reached| {
        bound.borrow_mut().take().unwrap_or_else(|| {
            ExtractError::Corrupt(format!("broken gzip stream: {}", super::io_message(&e)))
        })
    };
    // The first block says whether a tar is inside.
    let mut head = Vec::with_capacity(512);
    if let Err(e) = (&mut stream).take(512).read_to_end(&mut head) {
        return Err(broken(e, &bound));
    }
    let tar_named = ext == "tgz" || name.to_ascii_lowercase().ends_with(".tar.gz");
    if tar_named || is_tar(&head) {
        let reader = Cursor::new(head).chain(&mut stream);
        let mut doc = tar(reader, Some(&bound), budget, depth);
        // The tar ends before the stream does: the rest (the end-of-archive padding,
        // the checksum) is inflated too, so that damage anywhere is noticed.
        if doc.gaps.is_empty()
            && let Err(e) = std::io::copy(&mut stream, &mut std::io::sink())
        {
            doc.gaps.push(Gap {
                part: None,
                line: 1,
                error: broken(e, &bound),
            });
        }
        return Ok(doc);
    }
    let inner = inner_name(name, stream.inner.header().and_then(|h| h.filename()));
    let mut members = Members::new(budget, depth);
    if members.too_deep(&inner) {
        return Ok(members.into_document());
    }
    let limits = budget.limits;
    let mut data = head;
    let rest = (&mut stream)
        .take(limits.max_entry_bytes.saturating_add(1))
        .read_to_end(&mut data);
    let read = match rest {
        Err(e) => Err(broken(e, &bound)),
        Ok(_) if data.len() as u64 > limits.max_entry_bytes => {
            Err(Bound::PartBytes.exceeded(&limits, &inner))
        }
        Ok(_) => budget.charge_part(&inner).map(|()| data),
    };
    match read {
        Ok(data) => members.read(&inner, data),
        Err(e) => members.fail(&inner, e),
    }
    Ok(members.into_document())
}

/// Archives built at test time.
#[cfg(test)]
pub(crate) mod testkit {
    use std::io::Write;

    /// Replace every occurrence of `from` by `to` (the same length) in `bytes`: a name
    /// in both the local and the central header of a zip.
    pub fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut at = 0;
        while let Some(i) = memchr::memmem::find(&bytes[at..], from) {
            bytes[at + i..at + i + from.len()].copy_from_slice(to);
            at += i + 1;
        }
    }

    /// A tar (ustar) of regular files.
    pub fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    /// Rename the first member of a tar `from` → `to` (the same length), with the
    /// header checksum made right: names the tar writer refuses (`..`, GBK bytes).
    pub fn rename_first(tar: &mut [u8], from: &[u8], to: &[u8]) {
        patch(&mut tar[..512], from, to);
        let sum: u32 = tar[..512]
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(*b)
                }
            })
            .sum();
        tar[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }

    pub fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::testkit::{gzip, patch, rename_first, tar_of};
    use super::*;
    use crate::extract::zipped::testkit::{self as kit, docx, gaps, para, zip_of};
    use crate::extract::{Limits, Role, extract_bytes};

    fn archive(bytes: Vec<u8>, ext: &str) -> Document {
        let doc = kit::doc(bytes, ext);
        assert!(doc.archive && doc.parts.is_empty(), ".{ext}");
        doc
    }

    /// The members read (`name`, or `name: error`), in order.
    fn members(doc: &Document) -> Vec<String> {
        doc.embedded
            .iter()
            .map(|e| match &e.doc {
                Ok(_) => e.name.clone(),
                Err(err) => format!("{}: {err:?}", e.name),
            })
            .collect()
    }

    #[test]
    fn zip_members_are_documents_and_folders_are_prefixes() {
        let zip = zip_of(&[
            ("通知/", b""),
            ("通知/附件1.docx", &docx(&para("机密★10年"), &[], &[])),
            ("通知/附件2.txt", "秘密★5年\n".as_bytes()),
            ("图片.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            ("README", b"plain notes\n"),
        ]);
        let doc = archive(zip, "zip");
        assert_eq!(
            members(&doc),
            ["通知/附件1.docx", "通知/附件2.txt", "README"]
        );
        assert_eq!(kit::role_of(&doc, "机密★10年"), Some(Role::Body));
        assert_eq!(kit::role_of(&doc, "秘密★5年"), Some(Role::Body));
        assert!(doc.gaps.is_empty());
    }

    #[test]
    fn empty_archives_and_archives_of_images_carry_nothing() {
        for bytes in [
            zip_of(&[]),
            zip_of(&[("a.png", b"\x89PNG\r\n\x1a\n\0\0")]),
            tar_of(&[]),
            gzip(&tar_of(&[("a.png", b"\x89PNG\r\n\x1a\n\0\0")])),
        ] {
            let ext = if bytes.starts_with(b"PK") {
                "zip"
            } else if bytes[0] == 0x1F {
                "tgz"
            } else {
                "tar"
            };
            let doc = archive(bytes, ext);
            assert!(
                doc.embedded.is_empty() && doc.gaps.is_empty(),
                "{:?}",
                gaps(&doc)
            );
        }
    }

    /// Names without the UTF-8 flag are GBK (Windows' zip, WinRAR); flagged ones UTF-8.
    #[test]
    fn zip_names_in_gbk_without_the_utf8_flag() {
        let mut zip = zip_of(&[
            ("AAAA/BBBBBBBB.txt", "秘密★5年\n".as_bytes()),
            ("已是UTF-8.txt", "机密★1年\n".as_bytes()),
        ]);
        let (dir, _, _) = encoding_rs::GBK.encode("通知");
        let (file, _, _) = encoding_rs::GBK.encode("会议纪要");
        patch(&mut zip, b"AAAA", &dir);
        patch(&mut zip, b"BBBBBBBB", &file);
        let doc = archive(zip, "zip");
        assert_eq!(members(&doc), ["通知/会议纪要.txt", "已是UTF-8.txt"]);
    }

    #[test]
    fn names_that_leave_the_archive_are_reported() {
        let zip = zip_of(&[
            ("../../x.txt", b"x"),
            ("/etc/y.txt", b"y"),
            ("a/../../z.txt", b"z"),
            ("C:\\w.txt", b"w"),
            ("ok/../fine..txt", "秘密★5年".as_bytes()),
        ]);
        let got = members(&archive(zip, "zip"));
        for name in ["../../x.txt", "/etc/y.txt", "a/../../z.txt", "C:/w.txt"] {
            assert!(
                got.iter()
                    .any(|m| m.starts_with(name) && m.contains("member name leaves the archive")),
                "{name}: {got:?}"
            );
        }
        assert!(
            got.iter().any(|m| m.contains("../fine..txt: Corrupt")),
            "{got:?}"
        );
        let mut tar = tar_of(&[("docs/xx/xx/x.txt", b"x")]);
        rename_first(&mut tar, b"docs/xx/xx", b"docs/../..");
        let got = members(&archive(tar, "tar"));
        assert!(
            got[0].contains("member name leaves the archive: docs/../../x.txt"),
            "{got:?}"
        );
    }

    #[test]
    fn an_encrypted_member_is_reported_and_the_rest_read() {
        let mut zip = zip_of(&[
            ("locked.txt", b"secret"),
            ("open.txt", "秘密★5年".as_bytes()),
        ]);
        // Set bit 0 (encrypted) of the general purpose flags of `locked.txt`, in its
        // local header (offset 6) and its central directory entry (offset 8).
        let local = memchr::memmem::find(&zip, b"PK\x03\x04").unwrap();
        zip[local + 6] |= 1;
        let central = memchr::memmem::find(&zip, b"PK\x01\x02").unwrap();
        zip[central + 8] |= 1;
        let doc = archive(zip, "zip");
        assert_eq!(members(&doc), ["locked.txt: Encrypted", "open.txt"]);
    }

    /// A zip of zips ten deep: the members above the bound are read; where it stops,
    /// one ML900 names the bound.
    #[test]
    fn nested_archives_stop_at_the_bound() {
        let mut bytes = zip_of(&[("leaf.txt", "绝密★30年".as_bytes())]);
        for level in (1..=10).rev() {
            let mark = format!("秘密★{level}年");
            bytes = zip_of(&[
                (&format!("z{level}.zip"), &bytes),
                (&format!("mark{level}.txt"), mark.as_bytes()),
            ]);
        }
        let doc = archive(bytes, "zip");
        let mut d = &doc;
        let mut path = Vec::new();
        loop {
            let Some(e) = d.embedded.iter().find(|e| e.name.ends_with(".zip")) else {
                panic!("no nested zip under {path:?}")
            };
            path.push(e.name.clone());
            match &e.doc {
                Ok(inner) => d = inner,
                Err(err) => {
                    assert_eq!(
                        *err,
                        ExtractError::Limit(format!(
                            "documents nested in documents 3, at {} and 1 more",
                            e.name
                        ))
                    );
                    break;
                }
            }
        }
        assert_eq!(path, ["z1.zip", "z2.zip", "z3.zip", "z4.zip"]);
        for level in 1..=3 {
            assert!(
                kit::role_of(&doc, &format!("秘密★{level}年")).is_some(),
                "{level}"
            );
        }
        assert!(kit::role_of(&doc, "秘密★4年").is_none());
    }

    /// A cut zip whose last bytes are a zip stored inside it: the inner zip's
    /// directory is found, which does not list the file's first entry.
    #[test]
    fn a_cut_zip_is_not_taken_for_the_zip_stored_in_it() {
        let inner = zip_of(&[("c.txt", b"plain")]);
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            use std::io::Write;
            let mut w = zip::ZipWriter::new(&mut buf);
            let stored = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.start_file("a.txt", stored).unwrap();
            w.write_all("秘密★5年".as_bytes()).unwrap();
            w.start_file("inner.zip", stored).unwrap();
            w.write_all(&inner).unwrap();
            w.finish().unwrap();
        }
        let outer = buf.into_inner();
        let end = memchr::memmem::find(&outer, &inner).unwrap() + inner.len();
        let got = kit::extract(outer[..end].to_vec(), "zip");
        assert!(
            matches!(&got, Err(ExtractError::Corrupt(m)) if m.contains("does not list the file's first entry")),
            "{got:?}"
        );
    }

    #[test]
    fn identical_members_are_read_once() {
        let txt = "秘密★5年\n".as_bytes();
        let doc = archive(zip_of(&[("a.txt", txt), ("b/a.txt", txt)]), "zip");
        assert_eq!(members(&doc), ["a.txt"]);
    }

    #[test]
    fn zip_bounds_name_themselves() {
        let limits = Limits {
            max_parts: 2,
            ..Limits::new(1 << 30)
        };
        let zip = zip_of(&[
            ("a.txt", b"a"),
            ("b.txt", b"b"),
            ("c.txt", b"c"),
            ("d.txt", b"d"),
        ]);
        let Ok(Extracted::Doc(doc)) = extract_bytes(zip, "zip", &limits, 0) else {
            panic!()
        };
        assert_eq!(
            members(&doc),
            [
                "a.txt",
                "b.txt",
                "c.txt: Limit(\"parts read from one file 2, at c.txt\")"
            ]
        );
    }

    #[test]
    fn tar_regular_files_only() {
        let mut b = tar::Builder::new(Vec::new());
        let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, kind: tar::EntryType, data: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_entry_type(kind);
            h.set_mode(0o644);
            b.append_data(&mut h, name, data).unwrap();
        };
        add(&mut b, "docs/", tar::EntryType::Directory, b"");
        add(
            &mut b,
            "docs/a.txt",
            tar::EntryType::Regular,
            "机密★10年\n".as_bytes(),
        );
        let mut link = tar::Header::new_gnu();
        link.set_entry_type(tar::EntryType::Symlink);
        link.set_size(0);
        b.append_link(&mut link, "docs/link.txt", "/etc/passwd")
            .unwrap();
        add(&mut b, "dev", tar::EntryType::Char, b"");
        let bytes = b.into_inner().unwrap();
        let doc = archive(bytes, "tar");
        assert_eq!(members(&doc), ["docs/a.txt"]);
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    #[test]
    fn tar_names_in_gbk() {
        let mut tar = tar_of(&[("AAAA.txt", "秘密★5年".as_bytes())]);
        // (The GBK bytes of 通知 happen to be valid UTF-8, and are read as such.)
        let (gbk, _, _) = encoding_rs::GBK.encode("报告");
        rename_first(&mut tar, b"AAAA", &gbk);
        assert_eq!(members(&archive(tar, "tar")), ["报告.txt"]);
    }

    /// A cut tar: what came before the cut is read, and the cut is reported.
    #[test]
    fn truncated_tars() {
        let tar = tar_of(&[("a.txt", "秘密★5年\n".as_bytes()), ("b.txt", &[b'x'; 2000])]);
        // Inside b's data, inside b's header, and between the two members.
        for (cut, says) in [
            (512 * 3 + 100, "b.txt is cut short"),
            (512 * 2 + 100, "truncated tar after a.txt"),
            (512 * 2, "no end-of-archive blocks"),
        ] {
            let doc = archive(tar[..cut].to_vec(), "tar");
            assert_eq!(kit::role_of(&doc, "秘密★5年"), Some(Role::Body), "{cut}");
            let g = gaps(&doc);
            assert!(g.iter().any(|g| g.contains(says)), "{cut}: {g:?}");
        }
        assert!(gaps(&archive(tar, "tar")).is_empty());
    }

    #[test]
    fn tar_entry_count_is_bounded() {
        let names: Vec<String> = (0..30).map(|i| format!("{i}.txt")).collect();
        let entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), n.as_bytes())).collect();
        let limits = Limits {
            max_entries: 20,
            ..Limits::new(1 << 30)
        };
        let Ok(Extracted::Doc(doc)) = extract_bytes(tar_of(&entries), "tar", &limits, 0) else {
            panic!()
        };
        assert_eq!(doc.embedded.len(), 20);
        assert_eq!(gaps(&doc), ["-: Limit(\"entries in one tar archive 20\")"]);
    }

    #[test]
    fn gzip_tar_and_single_files() {
        let tar = tar_of(&[("a/b.txt", "秘密★5年\n".as_bytes())]);
        for ext in ["tgz", "gz"] {
            let doc = archive(gzip(&tar), ext);
            assert_eq!(members(&doc), ["a/b.txt"], ".{ext}");
        }
        let budget = Budget::new(&Limits::new(1 << 30));
        let one = gzip("机密★1年\n".as_bytes());
        let Ok(Extracted::Doc(doc)) = read(Kind::Gzip, &one, "dir/通知.txt.gz", "gz", &budget, 0)
        else {
            panic!()
        };
        assert_eq!(members(&doc), ["通知.txt"]);
        // Without a name: the one the gzip header records, else none.
        let doc = archive(one, "gz");
        assert_eq!(members(&doc), ["(gzip content)"]);
        assert!(matches!(
            kit::extract(b"not gzip".to_vec(), "tgz"),
            Err(ExtractError::Corrupt(m)) if m == "not a .tgz file (no gzip stream)"
        ));
        let cut = gzip(&tar);
        let got = kit::extract(cut[..cut.len() / 2].to_vec(), "gz");
        assert!(
            matches!(&got, Err(ExtractError::Corrupt(m)) if m.starts_with("broken gzip stream")),
            "{got:?}"
        );
    }

    /// Gzip bombs stop at the ratio bound: a single file, and a member of a tar.
    #[test]
    fn gzip_bombs_are_bounded() {
        let zeros = vec![b' '; 64 << 20];
        let doc = archive(gzip(&zeros), "gz");
        assert_eq!(
            members(&doc),
            ["(gzip content): Limit(\"compression ratio 500:1, at gzip stream\")"]
        );
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_size(zeros.len() as u64);
        b.append_data(&mut h, "big.txt", zeros.as_slice()).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_size(3);
        b.append_data(&mut h, "after.txt", &b"abc"[..]).unwrap();
        let doc = archive(gzip(&b.into_inner().unwrap()), "tgz");
        let g = gaps(&doc);
        assert!(
            g.iter().any(|g| g.contains("compression ratio 500:1")),
            "{g:?}"
        );
    }

    #[test]
    fn rar_and_7z_are_refused_by_name_or_content() {
        let rar = b"Rar!\x1a\x07\x01\x00rest".to_vec();
        let seven = b"7z\xbc\xaf\x27\x1c\x00\x04rest".to_vec();
        for (bytes, ext, says) in [
            (
                rar.clone(),
                "rar",
                "a RAR archive: mark-lint does not read .rar",
            ),
            (rar, "", "a RAR archive"),
            (
                seven.clone(),
                "7z",
                "a 7z archive: mark-lint does not read .7z",
            ),
            (seven, "txt", "a 7z archive"),
            (b"anything".to_vec(), "rar", "a RAR archive"),
        ] {
            let got = kit::extract(bytes, ext);
            assert!(
                matches!(&got, Err(ExtractError::Unsupported(m)) if m.starts_with(says) && m.ends_with("unpack it and check the folder")),
                ".{ext}: {got:?}"
            );
        }
    }

    /// A tar or gzip behind another name: skipped like a zip archive, a finding behind
    /// a document's name.
    #[test]
    fn archives_behind_other_names() {
        let tar = tar_of(&[("a.txt", "秘密★5年".as_bytes())]);
        for bytes in [tar.clone(), gzip(&tar)] {
            for ext in ["", "bin", "jar"] {
                assert!(
                    matches!(kit::extract(bytes.clone(), ext), Ok(Extracted::Skip)),
                    ".{ext}"
                );
            }
            for ext in ["txt", "docx", "eml"] {
                assert!(
                    matches!(kit::extract(bytes.clone(), ext), Err(ExtractError::Corrupt(m)) if m.contains("no document")),
                    ".{ext}"
                );
            }
        }
        assert!(matches!(
            kit::extract(b"plain text".to_vec(), "zip"),
            Err(ExtractError::Corrupt(m)) if m == "not a .zip file (no zip container)"
        ));
    }

    #[test]
    fn shown_names() {
        assert_eq!(shown_name("./a/b.txt"), "a/b.txt");
        assert_eq!(shown_name(".//./a"), "a");
        assert_eq!(shown_name("a\\b.txt"), "a/b.txt");
        assert_eq!(shown_name("./"), "./");
        assert_eq!(inner_name("a/b.TXT.GZ", None), "b.TXT");
        assert_eq!(inner_name("", Some(b"x.txt")), "x.txt");
    }
}
