//! `file:` URIs to paths and back. Only local files are checked: any other scheme (an
//! untitled buffer, a remote file) has no folder and so no config; it is checked as if
//! it stood in the server's working folder. Pure: never touches the file system.

use std::path::PathBuf;

/// The local path of a `file:` URI (`file:///home/a/%E6%9C%BA.md`), percent-decoded.
pub fn to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri
        .strip_prefix("file://")
        .or_else(|| uri.strip_prefix("FILE://"))?;
    // `file://localhost/…` and `file:///…`; another host is not this machine.
    let path = match rest.strip_prefix("localhost") {
        Some(p) if p.starts_with('/') => p,
        _ if rest.starts_with('/') => rest,
        _ => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let bytes = decode(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
    }
    #[cfg(not(unix))]
    {
        // `/C:/x` → `C:/x`.
        let s = String::from_utf8(bytes).ok()?;
        let s = match s.as_bytes() {
            [b'/', d, b':', ..] if d.is_ascii_alphabetic() => s[1..].to_string(),
            _ => s,
        };
        Some(PathBuf::from(s))
    }
}

/// The `file:` URI of an absolute local path, every byte outside the unreserved set
/// and `/` percent-encoded.
pub fn from_path(path: &std::path::Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = {
        let s = path.to_string_lossy().replace('\\', "/");
        if s.starts_with('/') {
            s
        } else {
            format!("/{s}")
        }
        .into_bytes()
    };
    let mut out = String::from("file://");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-decoding; `None` for a bad escape.
fn decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[cfg(unix)]
    #[test]
    fn file_uris_are_decoded() {
        let uri = "file:///tmp/%E6%B6%89%E5%AF%86%20a/b.md";
        assert_eq!(to_path(uri).as_deref(), Some(Path::new("/tmp/涉密 a/b.md")));
        assert_eq!(
            to_path("file://localhost/a/b.md").as_deref(),
            Some(Path::new("/a/b.md"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn paths_to_uris_and_back() {
        let path = Path::new("/tmp/涉密 a#b/c%.md");
        let uri = from_path(path);
        assert_eq!(uri, "file:///tmp/%E6%B6%89%E5%AF%86%20a%23b/c%25.md");
        assert_eq!(to_path(&uri).as_deref(), Some(path));
    }

    #[test]
    fn other_uris_have_no_path() {
        assert_eq!(to_path("untitled:Untitled-1"), None);
        assert_eq!(to_path("file://server/share/a.md"), None);
        assert_eq!(to_path("file:///a%G1"), None);
        assert_eq!(to_path("file:///a%"), None);
        assert_eq!(to_path("file:///a%机"), None);
    }
}
