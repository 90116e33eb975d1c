//! `--fix` and `--diff` (SPEC §5): replace a malformed mark by its corrected form in a
//! text file, keeping the file's encoding, BOM and line endings; everything else stays
//! byte-identical. Only the mark as written is replaced, and only where it occurs once
//! on its line. Files whose encoding does not round-trip are left alone. Writes are atomic
//! (a temporary file in the same folder, renamed over the original).

use std::io::Write;
use std::path::Path;

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
    /// The file's text before and after (decoded), for `--diff`.
    pub before: String,
    pub after: String,
}

/// The bytes as read and how to write text back in the same form.
struct Form {
    encoding: &'static Encoding,
    bom: &'static [u8],
}

fn form_of(bytes: &[u8], html: bool) -> Option<(String, Form)> {
    let decoded = text::decode(bytes.to_vec(), html)?;
    let encoding = Encoding::for_label(decoded.encoding.as_bytes())?;
    let bom: &'static [u8] = match Encoding::for_bom(bytes) {
        Some((e, _)) if e == encoding_rs::UTF_8 => b"\xEF\xBB\xBF",
        Some((e, _)) if e == encoding_rs::UTF_16LE => b"\xFF\xFE",
        Some((e, _)) if e == encoding_rs::UTF_16BE => b"\xFE\xFF",
        _ => b"",
    };
    Some((decoded.text, Form { encoding, bom }))
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
/// `Err` says why the file cannot be fixed.
pub fn fix_bytes(bytes: &[u8], html: bool, edits: &[Edit]) -> Result<(Vec<u8>, Fixed), String> {
    let (before, mut form) = form_of(bytes, html).ok_or("not a text file")?;
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
    let mut lines: Vec<String> = before.split('\n').map(str::to_string).collect();
    let mut applied = Vec::new();
    for (i, e) in edits.iter().enumerate() {
        let Some(line) = (e.line as usize)
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
    let after = lines.join("\n");
    let out =
        encode(&after, &form).ok_or("the fixed text cannot be encoded in the file's encoding")?;
    Ok((
        out,
        Fixed {
            applied,
            before,
            after,
        },
    ))
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

/// Fix `path` in place (or only compute the change when `write` is false).
pub fn fix_file(path: &Path, edits: &[Edit], write: bool) -> Result<Fixed, String> {
    let io = |e: std::io::Error| crate::extract::io_message(&e);
    // Through a symlink to the file itself (renaming over the link would replace it).
    let path = &std::fs::canonicalize(path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if std::fs::metadata(path).map_err(io)?.nlink() > 1 {
            return Err("it has several hard links, which a rewrite would split".into());
        }
    }
    let bytes = std::fs::read(path).map_err(io)?;
    let (out, fixed) = fix_bytes(&bytes, false, edits)?;
    if write && !fixed.applied.is_empty() {
        write_atomically(path, &out).map_err(|e| crate::extract::io_message(&e))?;
    }
    Ok(fixed)
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

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_hard_links_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.md");
        std::fs::write(&real, "秘密☆2年\n").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let fixed = fix_file(&link, &[edit(1, "秘密☆2年", "秘密★2年")], true).unwrap();
        assert_eq!(fixed.applied, [0]);
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "秘密★2年\n");
        let hard = dir.path().join("hard.md");
        std::fs::hard_link(&real, &hard).unwrap();
        assert!(fix_file(&hard, &[edit(1, "秘密★2年", "x")], true).is_err());
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
