//! `--fix` and `--diff`: replace a malformed mark by its corrected form in a
//! text file, keeping the file's encoding, BOM and line endings; everything else stays
//! byte-identical. Only the mark as written is replaced, and only where it occurs once
//! on its line. Files whose encoding does not round-trip are left alone.
//!
//! A rewrite touches only the file that was linted: it is opened once, inside its
//! folder (never through a link out of the checked folders), checked to be the same
//! file unchanged (device, inode, size, modification time), and replaced atomically by
//! a temporary file in the same folder that keeps its owner, group, mode and extended
//! attributes. What cannot be kept is refused with the reason, never done halfway.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;

use crate::extract::text;

/// One replacement: `raw` on `line` (1-based) becomes `fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub line: u32,
    pub raw: String,
    pub fix: String,
}

/// What fixing one file did.
#[derive(Debug, Default)]
pub struct Fixed {
    /// The edits applied (indices into the edits given).
    pub applied: Vec<usize>,
    /// The file's text before and after (decoded, line breaks as LF), for `--diff`.
    pub before: String,
    pub after: String,
}

/// The bytes as read and how to write text back in the same form.
struct Form {
    encoding: &'static Encoding,
    bom: &'static [u8],
}

fn form_of(bytes: &[u8], html: bool) -> Result<(String, Form), String> {
    let decoded = text::decode(bytes.to_vec(), html).ok_or("not a text file")?;
    if !decoded.exact {
        return Err(format!(
            "it is not {} throughout (some bytes were decoded otherwise, or not at all)",
            decoded.encoding
        ));
    }
    let encoding = Encoding::for_label(decoded.encoding.as_bytes())
        .ok_or_else(|| format!("its {} text is not rewritten", decoded.encoding))?;
    let bom: &'static [u8] = match Encoding::for_bom(bytes) {
        Some((e, _)) if e == encoding_rs::UTF_8 => b"\xEF\xBB\xBF",
        Some((e, _)) if e == encoding_rs::UTF_16LE => b"\xFF\xFE",
        Some((e, _)) if e == encoding_rs::UTF_16BE => b"\xFE\xFF",
        _ => b"",
    };
    Ok((decoded.text, Form { encoding, bom }))
}

/// Encode `text` in `form`; `None` if a character has no encoding there.
fn encode(text: &str, form: &Form) -> Option<Vec<u8>> {
    let mut out = form.bom.to_vec();
    if form.encoding == encoding_rs::UTF_16LE || form.encoding == encoding_rs::UTF_16BE {
        let le = form.encoding == encoding_rs::UTF_16LE;
        for unit in text.encode_utf16() {
            out.extend(if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            });
        }
        return Some(out);
    }
    let (bytes, _, unmappable) = form.encoding.encode(text);
    (!unmappable).then(|| {
        out.extend_from_slice(&bytes);
        out
    })
}

/// Apply `edits` to the text of `bytes`: the new bytes and what was applied.
/// `Err` says why the file cannot be fixed. Lines are counted as the readers count
/// them (LF, CRLF, CR, NEL, U+2028, U+2029), and each keeps the break it had.
pub fn fix_bytes(bytes: &[u8], html: bool, edits: &[Edit]) -> Result<(Vec<u8>, Fixed), String> {
    let (before, mut form) = form_of(bytes, html)?;
    // A file detected as GBK may hold GB18030's four-byte characters: GBK decodes them
    // (its decoder is GB18030's) but cannot encode them.
    if form.encoding == encoding_rs::GBK && encode(&before, &form).as_deref() != Some(bytes) {
        form.encoding = encoding_rs::GB18030;
    }
    // Only a file that round-trips can be rewritten without touching other bytes.
    if encode(&before, &form).as_deref() != Some(bytes) {
        return Err(format!(
            "its {} text does not re-encode to the same bytes",
            form.encoding.name()
        ));
    }
    let mut lines: Vec<(String, &str)> = text::split_lines(&before)
        .map(|(l, term)| (l.to_string(), term))
        .collect();
    let mut applied = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        let Some((line, _)) = (e.line as usize)
            .checked_sub(1)
            .and_then(|n| lines.get_mut(n))
        else {
            continue;
        };
        if let Some(at) = only_occurrence(line, &e.raw) {
            line.replace_range(at..at + e.raw.len(), &e.fix);
            applied.push(i);
        }
    }
    let after: String = lines.iter().flat_map(|(l, t)| [l.as_str(), t]).collect();
    let out =
        encode(&after, &form).ok_or("the fixed text cannot be encoded in the file's encoding")?;
    Ok((
        out,
        Fixed {
            applied,
            before: text::normalise_breaks(before),
            after: text::normalise_breaks(after),
        },
    ))
}

/// A repair never removes a mark, lowers its level or changes its term: the fixed text
/// must read as a clean mark with the level and the same term (`24个月` = `2年`) of the
/// mark as written.
pub fn safe_fix(
    regime: &crate::regime::Regime,
    mark: &crate::diagnostic::MarkInfo,
    fixed: &str,
) -> bool {
    let parse = |text: &str| match crate::marking::parse_line(
        regime,
        text,
        crate::marking::ParseOptions::new(),
    ) {
        Some(crate::marking::LineInfo {
            kind: crate::marking::LineKind::Banner(m) | crate::marking::LineKind::Candidate(m),
            ..
        }) => Some(m),
        _ => None,
    };
    let (Some(before), Some(after)) = (parse(&mark.raw), parse(fixed)) else {
        return false;
    };
    let same_term = match (&before.term, &after.term) {
        (crate::marking::Term::Duration(a), crate::marking::Term::Duration(b)) => {
            (a.years * 12 + a.months, a.days) == (b.years * 12 + b.months, b.days)
        }
        (a, b) => a == b,
    };
    after.problems.is_empty()
        && after.raw == fixed
        && before.level == after.level
        && regime.levels[after.level].name == mark.level
        && same_term
}

/// The byte offset of `raw` in `line` when it occurs there exactly once. A finding's
/// column counts the text a reader sees (comments and code spans removed), so with two
/// copies on one line — one in a comment, say — the right one cannot be told: no fix.
fn only_occurrence(line: &str, raw: &str) -> Option<usize> {
    if raw.is_empty() {
        return None;
    }
    let mut found = line.match_indices(raw).map(|(at, _)| at);
    match (found.next(), found.next()) {
        (Some(at), None) => Some(at),
        _ => None,
    }
}

/// A file as it was when it was read for the lint: a rewrite must find the same file,
/// unchanged. Taken from the metadata of an open file, or of the path (followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Stamp {
                dev: meta.dev(),
                ino: meta.ino(),
                size: meta.size(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            Stamp {
                dev: 0,
                ino: 0,
                size: meta.len(),
                mtime_ns,
            }
        }
    }

    pub fn of_path(path: &Path) -> std::io::Result<Stamp> {
        std::fs::metadata(path).map(|m| Stamp::of(&m))
    }
}

/// The file `--fix` may rewrite, as the lint saw it.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub path: &'a Path,
    /// The file as read for the lint; `None` when it changed while being read.
    pub stamp: Option<Stamp>,
    /// The checked folders and files, canonical: a rewrite stays inside them.
    pub roots: &'a [PathBuf],
}

/// Why a file that was linted is not the one found now.
const CHANGED: &str = "it changed after it was checked";

/// Fix the target in place (or only compute the change when `write` is false: `--diff`
/// reads, so only the checks on what is read apply).
pub fn fix_file(target: &Target, edits: &[Edit], write: bool) -> Result<Fixed, String> {
    let io = |e: std::io::Error| crate::extract::io_message(&e);
    let stamp = target
        .stamp
        .ok_or("it changed while it was being checked")?;
    // Through a symlink to the file itself (renaming over the link would replace it).
    let real = std::fs::canonicalize(target.path).map_err(io)?;
    if write && !target.roots.iter().any(|r| real.starts_with(r)) {
        return Err("it is a symlink to a file outside the checked folders".into());
    }
    let (Some(dir), Some(name)) = (real.parent(), real.file_name()) else {
        return Err("not a file".into());
    };
    let folder = safe::Folder::open(dir).map_err(io)?;
    if !folder.is_at(dir) {
        return Err(CHANGED.into());
    }
    // The name resolved to a file a moment ago: a link found there now was swapped in.
    let mut file = folder
        .open_file(name)
        .map_err(|e| match safe::is_symlink_error(&e) {
            true => CHANGED.to_string(),
            false => io(e),
        })?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() || Stamp::of(&meta) != stamp {
        return Err(CHANGED.into());
    }
    if safe::links(&meta) > 1 {
        return Err("it has several hard links, which a rewrite would split".into());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).map_err(io)?;
    let (out, fixed) = fix_bytes(&bytes, false, edits)?;
    if write && !fixed.applied.is_empty() {
        folder.replace(name, &file, &meta, stamp, &out)?;
    }
    Ok(fixed)
}

/// Opening and replacing a file relative to its open folder, so that nothing swapped
/// into the path after the check is followed.
#[cfg(unix)]
mod safe {
    use std::ffi::{CString, OsStr};
    use std::fs::{File, Metadata, Permissions};
    use std::io::{self, Write};
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    use super::{CHANGED, Stamp};

    pub fn links(meta: &Metadata) -> u64 {
        meta.nlink()
    }

    /// What `O_NOFOLLOW` answers when the name is a symlink.
    pub fn is_symlink_error(e: &io::Error) -> bool {
        matches!(e.raw_os_error(), Some(libc::ELOOP | libc::EMLINK))
    }

    fn c_name(name: &OsStr) -> io::Result<CString> {
        CString::new(name.as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a name with a NUL byte"))
    }

    fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
        if ret < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(ret)
        }
    }

    fn message(what: &str, e: &io::Error) -> String {
        format!("{what} ({})", crate::extract::io_message(e))
    }

    pub struct Folder {
        dir: File,
    }

    impl Folder {
        pub fn open(dir: &Path) -> io::Result<Folder> {
            let dir = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(dir)?;
            Ok(Folder { dir })
        }

        /// The folder opened is the one at `path`: no folder on the way was swapped for
        /// a link since `path` was resolved.
        pub fn is_at(&self, path: &Path) -> bool {
            #[cfg(target_os = "linux")]
            if let Ok(p) = std::fs::read_link(format!("/proc/self/fd/{}", self.dir.as_raw_fd())) {
                return p == path;
            }
            match (self.dir.metadata(), std::fs::metadata(path)) {
                (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
                _ => false,
            }
        }

        /// Open `name` in this folder for reading, never through a symlink, never
        /// waiting on a FIFO.
        pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
            let c = c_name(name)?;
            let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC | libc::O_NONBLOCK;
            // SAFETY: a folder descriptor we own and a NUL-terminated name.
            let fd = check(unsafe { libc::openat(self.dir.as_raw_fd(), c.as_ptr(), flags) })?;
            // SAFETY: `fd` was just opened and nothing else owns it.
            Ok(unsafe { File::from_raw_fd(fd) })
        }

        /// A new temporary file beside `name`, readable by the owner only until its
        /// mode is set.
        fn create_temp(&self, name: &OsStr) -> io::Result<(CString, File)> {
            let flags =
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC;
            let mut n = 0u32;
            loop {
                let tmp = format!(
                    ".{}.mark-lint-{}-{n}.tmp",
                    name.to_string_lossy(),
                    std::process::id()
                );
                let c = c_name(OsStr::new(&tmp))?;
                // SAFETY: as in `open_file`; the mode is a plain integer.
                let fd = unsafe {
                    libc::openat(
                        self.dir.as_raw_fd(),
                        c.as_ptr(),
                        flags,
                        0o600 as libc::c_uint,
                    )
                };
                match check(fd) {
                    // SAFETY: `fd` was just opened and nothing else owns it.
                    Ok(fd) => return Ok((c, unsafe { File::from_raw_fd(fd) })),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 100 => n += 1,
                    Err(e) => return Err(e),
                }
            }
        }

        /// Replace `name` (open as `file`, described by `meta`, as linted: `stamp`) by
        /// `bytes`, keeping owner, group, mode and extended attributes; refuse when one
        /// of them cannot be kept, or when `name` is no longer the file linted.
        pub fn replace(
            &self,
            name: &OsStr,
            file: &File,
            meta: &Metadata,
            stamp: Stamp,
            bytes: &[u8],
        ) -> Result<(), String> {
            if meta.mode() & 0o200 == 0 {
                return Err("it is read-only".into());
            }
            // SAFETY: no arguments, no failure.
            let euid = unsafe { libc::geteuid() };
            if euid != 0 && meta.uid() != euid {
                return Err(format!(
                    "it belongs to another user (uid {}), who would lose it",
                    meta.uid()
                ));
            }
            let (tmp_name, tmp) = self
                .create_temp(name)
                .map_err(|e| message("no temporary file can be made beside it", &e))?;
            let result = self.fill_and_swap(name, file, meta, stamp, &tmp_name, &tmp, bytes);
            if result.is_err() {
                // SAFETY: our folder descriptor and the temporary file's own name.
                unsafe { libc::unlinkat(self.dir.as_raw_fd(), tmp_name.as_ptr(), 0) };
            }
            result
        }

        #[allow(clippy::too_many_arguments)]
        fn fill_and_swap(
            &self,
            name: &OsStr,
            file: &File,
            meta: &Metadata,
            stamp: Stamp,
            tmp_name: &CString,
            mut tmp: &File,
            bytes: &[u8],
        ) -> Result<(), String> {
            let write = |e: io::Error| message("the new text cannot be written", &e);
            tmp.write_all(bytes).map_err(write)?;
            std::os::unix::fs::fchown(tmp, Some(meta.uid()), Some(meta.gid())).map_err(|e| {
                message(
                    &format!(
                        "its owner and group ({}:{}) cannot be kept",
                        meta.uid(),
                        meta.gid()
                    ),
                    &e,
                )
            })?;
            // After the owner: changing it clears the set-user/group-ID bits.
            let mode = meta.mode() & 0o7777;
            tmp.set_permissions(Permissions::from_mode(mode))
                .map_err(|e| message(&format!("its mode {mode:o} cannot be kept"), &e))?;
            match tmp.metadata() {
                Ok(m) if m.mode() & 0o7777 == mode => {}
                _ => return Err(format!("its mode {mode:o} cannot be kept")),
            }
            xattrs::copy(file, tmp)?;
            tmp.sync_all().map_err(write)?;
            // Still the file that was linted, unchanged: not swapped meanwhile.
            let now = self.open_file(name).and_then(|f| f.metadata());
            if !now.is_ok_and(|m| m.is_file() && Stamp::of(&m) == stamp) {
                return Err(CHANGED.into());
            }
            let c = c_name(name).map_err(write)?;
            let dir = self.dir.as_raw_fd();
            // SAFETY: our folder descriptor twice and two NUL-terminated names.
            check(unsafe { libc::renameat(dir, tmp_name.as_ptr(), dir, c.as_ptr()) })
                .map_err(|e| message("it cannot be replaced", &e))?;
            // The rename itself survives a crash only once the folder is synced.
            let _ = self.dir.sync_all();
            Ok(())
        }
    }

    /// Extended attributes (ACLs, security labels, user attributes): the new file gets
    /// exactly the old file's, or the rewrite is refused.
    #[cfg(target_os = "linux")]
    mod xattrs {
        use std::ffi::CStr;
        use std::fs::File;
        use std::os::fd::AsRawFd;

        fn names(f: &File) -> Result<Vec<Vec<u8>>, String> {
            let fd = f.as_raw_fd();
            loop {
                // SAFETY: a null buffer of size 0 asks for the size.
                let size = unsafe { libc::flistxattr(fd, std::ptr::null_mut(), 0) };
                if size < 0 {
                    let e = std::io::Error::last_os_error();
                    // A file system without extended attributes has none to keep.
                    if e.raw_os_error() == Some(libc::ENOTSUP) {
                        return Ok(Vec::new());
                    }
                    return Err(format!("its extended attributes cannot be read ({e})"));
                }
                let mut buf = vec![0u8; size as usize];
                // SAFETY: `buf` has the size passed.
                let got = unsafe { libc::flistxattr(fd, buf.as_mut_ptr().cast(), buf.len()) };
                if got < 0 {
                    // Grown meanwhile: ask again.
                    if std::io::Error::last_os_error().raw_os_error() == Some(libc::ERANGE) {
                        continue;
                    }
                    return Err("its extended attributes cannot be read".into());
                }
                buf.truncate(got as usize);
                return Ok(buf
                    .split(|b| *b == 0)
                    .filter(|n| !n.is_empty())
                    .map(|n| [n, b"\0"].concat())
                    .collect());
            }
        }

        fn value(f: &File, name: &CStr) -> Result<Vec<u8>, String> {
            let fd = f.as_raw_fd();
            let failed = || format!("its extended attribute {name:?} cannot be read");
            loop {
                // SAFETY: a null buffer of size 0 asks for the size.
                let size = unsafe { libc::fgetxattr(fd, name.as_ptr(), std::ptr::null_mut(), 0) };
                if size < 0 {
                    return Err(failed());
                }
                let mut buf = vec![0u8; size as usize];
                // SAFETY: `buf` has the size passed.
                let got = unsafe {
                    libc::fgetxattr(fd, name.as_ptr(), buf.as_mut_ptr().cast(), buf.len())
                };
                if got < 0 {
                    if std::io::Error::last_os_error().raw_os_error() == Some(libc::ERANGE) {
                        continue;
                    }
                    return Err(failed());
                }
                buf.truncate(got as usize);
                return Ok(buf);
            }
        }

        pub fn copy(from: &File, to: &File) -> Result<(), String> {
            let wanted = names(from)?;
            // What the new file got by itself (a folder's default ACL) and the old one
            // did not have.
            for extra in names(to)?.iter().filter(|n| !wanted.contains(n)) {
                let name = CStr::from_bytes_with_nul(extra).map_err(|e| e.to_string())?;
                // SAFETY: our descriptor and a NUL-terminated name.
                if unsafe { libc::fremovexattr(to.as_raw_fd(), name.as_ptr()) } < 0 {
                    return Err(format!(
                        "its extended attributes cannot be kept ({name:?} would be added)"
                    ));
                }
            }
            for n in &wanted {
                let name = CStr::from_bytes_with_nul(n).map_err(|e| e.to_string())?;
                let v = value(from, name)?;
                // SAFETY: our descriptor, a NUL-terminated name and a buffer with its size.
                let ret = unsafe {
                    libc::fsetxattr(to.as_raw_fd(), name.as_ptr(), v.as_ptr().cast(), v.len(), 0)
                };
                if ret < 0 {
                    let e = std::io::Error::last_os_error();
                    return Err(format!(
                        "its extended attribute {name:?} cannot be kept ({})",
                        crate::extract::io_message(&e)
                    ));
                }
            }
            Ok(())
        }
    }

    /// Other systems: their extended-attribute calls differ; nothing is copied.
    #[cfg(not(target_os = "linux"))]
    mod xattrs {
        pub fn copy(_: &std::fs::File, _: &std::fs::File) -> Result<(), String> {
            Ok(())
        }
    }
}

/// Elsewhere: the path-based rewrite (no folder descriptors to hold on to).
#[cfg(not(unix))]
mod safe {
    use std::ffi::OsStr;
    use std::fs::{File, Metadata};
    use std::io;
    use std::path::{Path, PathBuf};

    use super::Stamp;

    pub fn links(_: &Metadata) -> u64 {
        1
    }

    pub fn is_symlink_error(_: &io::Error) -> bool {
        false
    }

    pub struct Folder {
        dir: PathBuf,
    }

    impl Folder {
        pub fn open(dir: &Path) -> io::Result<Folder> {
            Ok(Folder {
                dir: dir.to_path_buf(),
            })
        }

        pub fn is_at(&self, _: &Path) -> bool {
            true
        }

        pub fn open_file(&self, name: &OsStr) -> io::Result<File> {
            File::open(self.dir.join(name))
        }

        pub fn replace(
            &self,
            name: &OsStr,
            _: &File,
            meta: &Metadata,
            _: Stamp,
            bytes: &[u8],
        ) -> Result<(), String> {
            if meta.permissions().readonly() {
                return Err("it is read-only".into());
            }
            super::write_atomically(&self.dir.join(name), bytes)
                .map_err(|e| crate::extract::io_message(&e))
        }
    }
}

/// Unified diff of one file's fix.
pub fn unified_diff(shown: &str, fixed: &Fixed) -> String {
    similar::TextDiff::from_lines(&fixed.before, &fixed.after)
        .unified_diff()
        .context_radius(1)
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// Replace `path` by `bytes` atomically, keeping its permissions.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_default();
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.mark-lint-{}-{n}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        file.write_all(bytes)?;
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(line: u32, raw: &str, fix: &str) -> Edit {
        Edit {
            line,
            raw: raw.into(),
            fix: fix.into(),
        }
    }

    #[test]
    fn utf8_bom_crlf_kept() {
        let src = "\u{feff}机密☆１０年\r\n正文 机密☆１０年\r\n".as_bytes();
        let (out, f) = fix_bytes(src, false, &[edit(1, "机密☆１０年", "机密★10年")]).unwrap();
        assert_eq!(f.applied, [0]);
        assert_eq!(out, "\u{feff}机密★10年\r\n正文 机密☆１０年\r\n".as_bytes());
    }

    #[test]
    fn gb18030_and_utf16_round_trip() {
        let text = "秘密 ★ 5年\r\n关于加强保密管理工作的通知，请各单位认真贯彻执行。\r\n";
        let fixed = text.replace("秘密 ★ 5年", "秘密★5年");
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let (gb_fixed, _, _) = encoding_rs::GB18030.encode(&fixed);
        let (out, _) = fix_bytes(&gb, false, &[edit(1, "秘密 ★ 5年", "秘密★5年")]).unwrap();
        assert_eq!(out, gb_fixed.as_ref());

        let utf16 = |s: &str| {
            let mut v = vec![0xFF, 0xFE];
            v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            v
        };
        let (out, _) =
            fix_bytes(&utf16(text), false, &[edit(1, "秘密 ★ 5年", "秘密★5年")]).unwrap();
        assert_eq!(out, utf16(&fixed));
    }

    #[test]
    fn only_a_mark_that_occurs_once_on_its_line() {
        let src = "机密☆1年 与 机密☆1年\n秘密☆2年\n".as_bytes();
        let edits = [
            edit(1, "机密☆1年", "机密★1年"),
            edit(2, "秘密☆2年", "秘密★2年"),
            edit(2, "x", "y"),
        ];
        let (out, f) = fix_bytes(src, false, &edits).unwrap();
        assert_eq!(f.applied, [1]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "机密☆1年 与 机密☆1年\n秘密★2年\n"
        );
    }

    /// Every line break, alone and mixed: the mark is found on the line the readers
    /// count, and every other byte (each break included) is written back as it was.
    #[test]
    fn every_line_break_is_kept() {
        let breaks = ["\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"];
        let mut cases: Vec<Vec<&str>> = breaks.iter().map(|b| vec![*b; 4]).collect();
        cases.push(breaks.to_vec());
        cases.push(vec!["\r", "\r\n", "\n", "\u{2028}"]);
        cases.push(vec!["\r\n", "\r", "\r", "\u{85}"]);
        for brs in cases {
            let text =
                |mark: &str| format!("标题{}正文{}{mark}{}结尾{}", brs[0], brs[1], brs[2], brs[3]);
            let (before, after) = (text("机密☆１０年"), text("机密★10年"));
            // The mark is on line 3 however the breaks are written.
            let (out, f) = fix_bytes(
                before.as_bytes(),
                false,
                &[edit(3, "机密☆１０年", "机密★10年")],
            )
            .unwrap();
            assert_eq!(f.applied, [0], "{brs:?}");
            assert_eq!(String::from_utf8(out).unwrap(), after, "{brs:?}");
            // In UTF-16 and GB18030 too (NEL and the separators exist in both).
            let mut le = vec![0xFF, 0xFE];
            le.extend(before.encode_utf16().flat_map(u16::to_le_bytes));
            let mut le_after = vec![0xFF, 0xFE];
            le_after.extend(after.encode_utf16().flat_map(u16::to_le_bytes));
            let (out, _) = fix_bytes(&le, false, &[edit(3, "机密☆１０年", "机密★10年")]).unwrap();
            assert_eq!(out, le_after, "{brs:?}");
            let gb = encoding_rs::GB18030.encode(&before).0.into_owned();
            let gb_after = encoding_rs::GB18030.encode(&after).0.into_owned();
            let (out, _) = fix_bytes(&gb, false, &[edit(3, "机密☆１０年", "机密★10年")]).unwrap();
            assert_eq!(out, gb_after, "{brs:?}");
        }
    }

    #[test]
    fn a_file_not_in_one_encoding_is_not_fixed() {
        // A GBK line in a UTF-8 file: read, but not written back.
        let mut bytes = "机密☆１０年\n".as_bytes().to_vec();
        bytes.extend(encoding_rs::GBK.encode("关于保密工作的通知\n").0.iter());
        let err = fix_bytes(&bytes, false, &[edit(1, "机密☆１０年", "机密★10年")]).unwrap_err();
        assert!(err.contains("not UTF-8 throughout"), "{err}");
        // Bytes that decode to nothing.
        let mut bytes = "机密☆１０年\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"\xFF\xFE\xFD\n");
        assert!(fix_bytes(&bytes, false, &[edit(1, "机密☆１０年", "机密★10年")]).is_err());
    }

    /// A folder with a file as linted, and the target to fix it.
    struct Tree {
        dir: tempfile::TempDir,
        roots: Vec<PathBuf>,
    }

    impl Tree {
        fn new() -> Tree {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("checked");
            std::fs::create_dir(&root).unwrap();
            let roots = vec![std::fs::canonicalize(&root).unwrap()];
            Tree { dir, roots }
        }

        fn root(&self) -> PathBuf {
            self.dir.path().join("checked")
        }

        fn fix(&self, path: &Path, stamp: Option<Stamp>) -> Result<Fixed, String> {
            let target = Target {
                path,
                stamp,
                roots: &self.roots,
            };
            fix_file(&target, &[edit(1, "秘密☆2年", "秘密★2年")], true)
        }

        /// Only the file itself in its folder: no temporary file left behind.
        fn files(&self) -> usize {
            std::fs::read_dir(self.root()).unwrap().count()
        }
    }

    const BEFORE: &str = "秘密☆2年\n正文\n";
    const AFTER: &str = "秘密★2年\n正文\n";

    #[cfg(unix)]
    #[test]
    fn symlinks_inside_are_followed_and_hard_links_refused() {
        let t = Tree::new();
        let real = t.root().join("real.md");
        std::fs::write(&real, BEFORE).unwrap();
        let link = t.root().join("link.md");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let fixed = t.fix(&link, Stamp::of_path(&link).ok()).unwrap();
        assert_eq!(fixed.applied, [0]);
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), AFTER);
        let hard = t.root().join("hard.md");
        std::fs::write(&real, BEFORE).unwrap();
        std::fs::hard_link(&real, &hard).unwrap();
        let err = t.fix(&hard, Stamp::of_path(&hard).ok()).unwrap_err();
        assert!(err.contains("hard links"), "{err}");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), BEFORE);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_checked_folders_is_refused() {
        let t = Tree::new();
        let outside = t.dir.path().join("outside.md");
        std::fs::write(&outside, BEFORE).unwrap();
        let link = t.root().join("link.md");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = t.fix(&link, Stamp::of_path(&link).ok()).unwrap_err();
        assert_eq!(err, "it is a symlink to a file outside the checked folders");
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), BEFORE);
        // A folder linked in from outside is outside too.
        let out_dir = t.dir.path().join("elsewhere");
        std::fs::create_dir(&out_dir).unwrap();
        std::fs::write(out_dir.join("a.md"), BEFORE).unwrap();
        std::os::unix::fs::symlink(&out_dir, t.root().join("sub")).unwrap();
        let via = t.root().join("sub/a.md");
        assert!(t.fix(&via, Stamp::of_path(&via).ok()).is_err());
        assert_eq!(
            std::fs::read_to_string(out_dir.join("a.md")).unwrap(),
            BEFORE
        );
        // `--diff` only reads: it shows the change.
        let target = Target {
            path: &link,
            stamp: Stamp::of_path(&link).ok(),
            roots: &t.roots,
        };
        let shown = fix_file(&target, &[edit(1, "秘密☆2年", "秘密★2年")], false).unwrap();
        assert_eq!(shown.after, AFTER);
    }

    #[cfg(unix)]
    #[test]
    fn read_only_files_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let t = Tree::new();
        let p = t.root().join("a.md");
        std::fs::write(&p, BEFORE).unwrap();
        for mode in [0o444, 0o400, 0o040, 0o000] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            // As root too: read-only is the owner's decision.
            let err = t.fix(&p, Stamp::of_path(&p).ok()).unwrap_err();
            assert_eq!(err, "it is read-only", "{mode:o}");
            assert_eq!(std::fs::read_to_string(&p).unwrap(), BEFORE);
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
                mode
            );
            assert_eq!(t.files(), 1);
        }
    }

    /// Owner, group, mode and extended attributes survive the rewrite (the owner change
    /// needs root: skipped otherwise, with a note).
    #[cfg(target_os = "linux")]
    #[test]
    #[allow(clippy::print_stderr)]
    fn owner_group_mode_and_attributes_are_kept() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let t = Tree::new();
        let p = t.root().join("a.md");
        std::fs::write(&p, BEFORE).unwrap();
        // SAFETY: no arguments.
        let root = unsafe { libc::geteuid() } == 0;
        if root {
            std::os::unix::fs::chown(&p, Some(4321), Some(8765)).unwrap();
        } else {
            eprintln!("SKIPPED owner change: not root");
        }
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o2640)).unwrap();
        let name = c"user.mark-lint-test";
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: NUL-terminated path and name, a buffer with its size.
        let xattr =
            unsafe { libc::setxattr(c.as_ptr(), name.as_ptr(), b"v1".as_ptr().cast(), 2, 0) } == 0;
        let before = std::fs::metadata(&p).unwrap();
        t.fix(&p, Stamp::of_path(&p).ok()).unwrap();
        let after = std::fs::metadata(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), AFTER);
        assert_ne!(before.ino(), after.ino(), "replaced, not written in place");
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
        if root {
            assert_eq!((after.uid(), after.gid()), (4321, 8765));
        }
        assert_eq!(after.mode() & 0o7777, 0o2640);
        if xattr {
            let mut buf = [0u8; 8];
            // SAFETY: as above.
            let n = unsafe {
                libc::getxattr(
                    c.as_ptr(),
                    name.as_ptr(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                )
            };
            assert_eq!(&buf[..n.max(0) as usize], b"v1");
        }
        assert_eq!(t.files(), 1);
    }

    /// The file found at fix time must be the file linted: replaced by another file,
    /// by a symlink, or changed in place, it is left alone.
    #[cfg(unix)]
    #[test]
    fn a_file_swapped_after_the_lint_is_refused() {
        let t = Tree::new();
        let p = t.root().join("a.md");
        let outside = t.dir.path().join("secret.md");
        std::fs::write(&outside, BEFORE).unwrap();
        // Replaced by another file with the same text (a new inode).
        std::fs::write(&p, BEFORE).unwrap();
        let stamp = Stamp::of_path(&p).ok();
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, BEFORE).unwrap();
        assert_eq!(t.fix(&p, stamp).unwrap_err(), CHANGED);
        // Replaced by a symlink out of the tree.
        let stamp = Stamp::of_path(&p).ok();
        std::fs::remove_file(&p).unwrap();
        std::os::unix::fs::symlink(&outside, &p).unwrap();
        assert!(t.fix(&p, stamp).is_err());
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), BEFORE);
        // Replaced by a symlink to a file inside: not the file linted either.
        std::fs::remove_file(&p).unwrap();
        let other = t.root().join("other.md");
        std::fs::write(&other, BEFORE).unwrap();
        std::os::unix::fs::symlink(&other, &p).unwrap();
        assert_eq!(t.fix(&p, stamp).unwrap_err(), CHANGED);
        assert_eq!(std::fs::read_to_string(&other).unwrap(), BEFORE);
        // Changed in place (same inode, new size).
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, BEFORE).unwrap();
        let stamp = Stamp::of_path(&p).ok();
        std::fs::write(&p, format!("{BEFORE}追加\n")).unwrap();
        assert_eq!(t.fix(&p, stamp).unwrap_err(), CHANGED);
        // Changed while it was read for the lint.
        assert_eq!(
            t.fix(&p, None).unwrap_err(),
            "it changed while it was being checked"
        );
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{BEFORE}追加\n")
        );
    }

    /// The last check before the rename: the name must still be the file linted.
    #[cfg(unix)]
    #[test]
    fn the_name_is_checked_again_before_the_rename() {
        let t = Tree::new();
        let p = t.root().join("a.md");
        std::fs::write(&p, BEFORE).unwrap();
        let folder = safe::Folder::open(&std::fs::canonicalize(t.root()).unwrap()).unwrap();
        let file = folder.open_file(std::ffi::OsStr::new("a.md")).unwrap();
        let meta = file.metadata().unwrap();
        let stamp = Stamp::of(&meta);
        // Swapped between the read and the write.
        std::fs::remove_file(&p).unwrap();
        std::fs::write(&p, "另一个文件\n").unwrap();
        let err = folder
            .replace(
                std::ffi::OsStr::new("a.md"),
                &file,
                &meta,
                stamp,
                AFTER.as_bytes(),
            )
            .unwrap_err();
        assert_eq!(err, CHANGED);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "另一个文件\n");
        assert_eq!(t.files(), 1, "the temporary file is removed");
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "old").unwrap();
        write_atomically(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
