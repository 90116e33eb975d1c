//! Opening and reading what the tool reads: documents, and the files that steer a run
//! (ignore files, configs, rule files, regimes, baselines). Never blocks (a FIFO is
//! opened non-blocking and its type checked on the handle), never reads past a bound
//! fixed before reading, and never hands a parser more nesting than `MAX_NESTING`.
//! It does not decide what a failure means: callers make it ML900 or a one-line error.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

/// Configs (`.mark-lint.yaml`): a few keys and lists.
pub const CONFIG_MAX: u64 = 1024 * 1024;
/// One user rule file, and a regime file.
pub const RULE_FILE_MAX: u64 = 1024 * 1024;
/// A baseline: about 150 bytes an entry, so some 400,000 entries.
pub const BASELINE_MAX: u64 = 64 * 1024 * 1024;
/// One `.gitignore`, `.marklintignore` or `.git/info/exclude`.
pub const IGNORE_FILE_MAX: u64 = 1024 * 1024;
/// Collections inside collections in a config, rule file, regime or baseline: the
/// deepest real one is 5; the YAML parser's work grows with the square of the depth.
pub const MAX_NESTING: usize = 64;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// Not a regular file: what it is (`a FIFO (named pipe)`).
    NotRegular(&'static str),
    /// Larger than the bound (bytes).
    TooLarge {
        size: u64,
        limit: u64,
    },
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => f.write_str(&crate::extract::io_message(e)),
            ReadError::NotRegular(kind) => write!(f, "not a regular file: {kind}"),
            ReadError::TooLarge { size, limit } => {
                write!(f, "{} is over the limit of {}", bytes(*size), bytes(*limit))
            }
        }
    }
}

/// `1 MiB`, `512 KiB`, `300 bytes`: sizes as a person reads them.
pub fn bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= MIB {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}

/// What a file that is not a regular file is, in words.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
    }
    if t.is_dir() {
        return "a folder";
    }
    if t.is_symlink() {
        return "a symbolic link";
    }
    "a special file"
}

/// Open a regular file for reading, following symbolic links. Special files are
/// refused before opening when the path already shows one (opening a device can
/// have effects), and on the handle after opening (it may have been swapped in
/// meanwhile): a FIFO opened non-blocking never waits for a writer.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let before = std::fs::metadata(path).map_err(ReadError::Io)?;
    if !before.is_file() {
        return Err(ReadError::NotRegular(kind_of(before.file_type())));
    }
    open_checked(path)
}

/// `open_regular` for a path already known to be a regular file (the walk saw it):
/// no look at the path before opening, only the check on the handle, which catches
/// what was swapped in since.
pub fn open_checked(path: &Path) -> Result<(File, Metadata), ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind_of(meta.file_type())));
    }
    Ok((file, meta))
}

/// Read a whole regular file of at most `limit` bytes. The size is checked before
/// reading, and the read stops at the limit whatever the size said (a file that grows
/// meanwhile, a `/proc` file that reports 0).
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    read_to_limit(file, meta.len(), limit)
}

/// Read from `r` at most `limit` bytes, `expected` being the size announced.
pub fn read_to_limit(r: impl Read, expected: u64, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(expected.min(limit) as usize);
    r.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// A text file that steers the run (config, rule file, regime, baseline): bounded in
/// size, UTF-8, and nested at most `MAX_NESTING` deep. The error is the reason only;
/// the caller names the file and what it is.
pub fn read_text(path: &Path, limit: u64, syntax: Syntax) -> Result<String, String> {
    let bytes = read_limited(path, limit).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1;
        format!("line {line}: not UTF-8 text")
    })?;
    check_nesting(&text, syntax)?;
    Ok(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Json,
}

/// Refuse a text nested deeper than `MAX_NESTING` before it is parsed: `line L:
/// collections nested more than 64 deep`.
pub fn check_nesting(text: &str, syntax: Syntax) -> Result<(), String> {
    let deep = match syntax {
        Syntax::Yaml => yaml::too_deep(text.as_bytes(), MAX_NESTING),
        Syntax::Json => json_too_deep(text.as_bytes(), MAX_NESTING),
    };
    match deep {
        Some(line) => Err(format!(
            "line {line}: collections nested more than {MAX_NESTING} deep"
        )),
        None => Ok(()),
    }
}

/// Line and column (1-based, in characters) where `key:` is written in a YAML text, for
/// errors the parser cannot place: a block key (`key:` at the start of a line or of a
/// list item), else a key inside a flow mapping (`params: {key: …}`), else (1, 1).
pub fn yaml_key_location(src: &str, key: &str) -> (usize, usize) {
    let needle = format!("{key}:");
    let column = |line: &str, at: usize| line[..at].chars().count() + 1;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t);
        if t.starts_with(&needle) {
            return (i + 1, column(line, line.len() - t.len()));
        }
    }
    for (i, line) in src.lines().enumerate() {
        if let Some(at) = line.find(&needle)
            && (at == 0
                || !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_'))
        {
            return (i + 1, column(line, at));
        }
    }
    (1, 1)
}

/// The line where JSON nesting passes `max`, if it does. Brackets inside strings do
/// not count.
fn json_too_deep(text: &[u8], max: usize) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in text {
        if b == b'\n' {
            line += 1;
        }
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(line);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The nesting of a YAML text, measured by the same parser `serde_yaml` uses (libyaml),
/// event by event, so that the answer is exact whatever the quoting, block scalars or
/// flow style. Stopping at the first event past the bound is what bounds the time:
/// libyaml's work for each token grows with the flow depth.
mod yaml {
    use std::mem::MaybeUninit;

    /// The 1-based line where nesting passes `max`; `None` when it never does or the
    /// text is not YAML (the real parse reports that, with its position).
    pub fn too_deep(text: &[u8], max: usize) -> Option<usize> {
        // Boxed: libyaml keeps a pointer to the parser inside the parser (the read
        // handler's data), so it must not move once the input is set.
        let mut parser: Box<MaybeUninit<unsafe_libyaml::yaml_parser_t>> =
            Box::new(MaybeUninit::uninit());
        let p = parser.as_mut_ptr();
        // SAFETY: `p` points to owned, pinned (boxed) memory initialised by
        // `yaml_parser_initialize` before any other call; the input outlives the parser,
        // which is deleted before returning; every event parsed is deleted once read.
        unsafe {
            if unsafe_libyaml::yaml_parser_initialize(p).fail {
                return None;
            }
            unsafe_libyaml::yaml_parser_set_input_string(p, text.as_ptr(), text.len() as _);
            let mut depth = 0usize;
            let found = loop {
                let mut event = MaybeUninit::<unsafe_libyaml::yaml_event_t>::uninit();
                let e = event.as_mut_ptr();
                if unsafe_libyaml::yaml_parser_parse(p, e).fail {
                    break None;
                }
                let (kind, line) = ((*e).type_, (*e).start_mark.line as usize + 1);
                unsafe_libyaml::yaml_event_delete(e);
                match kind {
                    unsafe_libyaml::YAML_SEQUENCE_START_EVENT
                    | unsafe_libyaml::YAML_MAPPING_START_EVENT => {
                        depth += 1;
                        if depth > max {
                            break Some(line);
                        }
                    }
                    unsafe_libyaml::YAML_SEQUENCE_END_EVENT
                    | unsafe_libyaml::YAML_MAPPING_END_EVENT => {
                        depth = depth.saturating_sub(1);
                    }
                    unsafe_libyaml::YAML_STREAM_END_EVENT => break None,
                    _ => {}
                }
            };
            unsafe_libyaml::yaml_parser_delete(p);
            found
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn yaml_keys_are_found_in_blocks_list_items_and_flow_mappings() {
        let src = "code: ML1\nrules:\n  - path: x\nparams: {pattern: a, kw: b}\n";
        assert_eq!(super::yaml_key_location(src, "code"), (1, 1));
        assert_eq!(super::yaml_key_location(src, "path"), (3, 5));
        assert_eq!(super::yaml_key_location(src, "kw"), (4, 22));
        // A key is not found inside a longer key.
        assert_eq!(super::yaml_key_location("my-code: 1\n", "code"), (1, 1));
        assert_eq!(
            super::yaml_key_location("a: 1\n机密: {等级: 2}\n", "等级"),
            (2, 6)
        );
        assert_eq!(super::yaml_key_location(src, "absent"), (1, 1));
    }

    use super::*;
    use std::time::{Duration, Instant};

    fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
        format!("{}{inner}{}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn yaml_nesting_of_every_style_is_measured() {
        let ok = [
            "a: 1\n".to_string(),
            format!("a: {}\n", nested("[", "1", "]", MAX_NESTING - 1)),
            // Brackets inside scalars are text, not nesting.
            format!("a: \"{}\"\n", "[".repeat(1000)),
            format!("a: '{}'\n", "{".repeat(1000)),
            format!("a: |\n  {}\n", "[".repeat(1000)),
            format!("a: >-\n  {}\nb: 1\n", "{[".repeat(500)),
            format!("a: x{}\n", "[".repeat(1000)),
            format!("# {}\na: 1\n", "[".repeat(1000)),
        ];
        for t in &ok {
            assert_eq!(check_nesting(t, Syntax::Yaml), Ok(()), "{t:.60}");
        }
        let deep = [
            format!("a: {}\n", nested("[", "1", "]", 100_000)),
            format!("a: {}\n", nested("{a: ", "1", "}", 100_000)),
            format!("a:\n{}x\n", "- ".repeat(100_000)),
            (0..200)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect(),
            format!("a: \"x\" \nb: {}\n", nested("[", "'a'", "]", 100)),
            // Unclosed: still refused at the depth, not by a slow parse.
            format!("a: {}", "[".repeat(100_000)),
        ];
        for (i, t) in deep.iter().enumerate() {
            let started = Instant::now();
            let e = check_nesting(t, Syntax::Yaml).expect_err(&i.to_string());
            assert!(e.contains("nested more than 64 deep"), "{e}");
            assert!(started.elapsed() < Duration::from_secs(2), "{t:.60}");
        }
        assert_eq!(
            check_nesting(
                "a: 1\nb:\n  c: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                Syntax::Yaml
            ),
            Err("line 3: collections nested more than 64 deep".into())
        );
        // Not YAML at all: left to the real parser, which says where.
        assert_eq!(check_nesting("a: [\n- b: {", Syntax::Yaml), Ok(()));
    }

    #[test]
    fn json_nesting_ignores_strings() {
        assert_eq!(
            check_nesting(r#"{"a": [1, {"b": "[[[["}]}"#, Syntax::Json),
            Ok(())
        );
        assert_eq!(
            check_nesting(&format!("\"\\\"{}\"", "[".repeat(100)), Syntax::Json),
            Ok(())
        );
        for t in [
            nested("[", "", "]", 100_000),
            format!("{{\"a\":\n{}", nested("{\"b\":", "1", "}", 65)),
            format!("\"]]]]\" {}", "[".repeat(65)),
        ] {
            assert!(check_nesting(&t, Syntax::Json).is_err(), "{t:.60}");
        }
        assert_eq!(
            check_nesting(
                &format!("{{\"a\":\n{}", nested("{\"b\":", "1", "}", 65)),
                Syntax::Json
            ),
            Err("line 2: collections nested more than 64 deep".into())
        );
    }

    #[test]
    fn sizes_are_checked_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        std::fs::write(&p, vec![b'a'; 2048]).unwrap();
        assert_eq!(read_limited(&p, 2048).unwrap().len(), 2048);
        let e = read_limited(&p, 1024).unwrap_err();
        assert!(matches!(
            e,
            ReadError::TooLarge {
                size: 2048,
                limit: 1024
            }
        ));
        assert_eq!(e.to_string(), "2 KiB is over the limit of 1 KiB");
        assert!(
            read_limited(&dir.path().join("none"), 10)
                .unwrap_err()
                .is_not_found()
        );
        let e = read_limited(dir.path(), 10).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file: a folder");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_limited(&fifo, 10).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file: a FIFO (named pipe)");
        for (i, dev) in ["/dev/zero", "/dev/null", "/dev/urandom"]
            .iter()
            .enumerate()
        {
            let link = dir.path().join(format!("link{i}"));
            std::os::unix::fs::symlink(dev, &link).unwrap();
            let e = read_limited(&link, 10).unwrap_err();
            assert_eq!(e.to_string(), "not a regular file: a character device");
        }
        // A symlink to a regular file is read.
        let real = dir.path().join("real");
        std::fs::write(&real, "x").unwrap();
        let link = dir.path().join("to-real");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert_eq!(read_limited(&link, 10).unwrap(), b"x");
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.yaml");
        std::fs::write(&p, b"a: 1\nb: \xff\n").unwrap();
        assert_eq!(
            read_text(&p, 100, Syntax::Yaml).unwrap_err(),
            "line 2: not UTF-8 text"
        );
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes(300), "300 bytes");
        assert_eq!(bytes(1024 * 1024), "1 MiB");
        assert_eq!(bytes(5 * 1024 * 1024 + 1), "5.0 MiB");
        assert_eq!(bytes(64 * 1024), "64 KiB");
    }

    proptest::proptest! {
        /// Nesting of any mix of block sequences, block mappings, flow sequences and
        /// flow mappings: refused exactly when deeper than the bound, and what is
        /// accepted is YAML the real parser reads.
        #[test]
        fn yaml_nesting_is_exact(
            block in proptest::collection::vec(proptest::bool::ANY, 0..80),
            flow in proptest::collection::vec(proptest::bool::ANY, 0..80),
        ) {
            let mut text = String::new();
            for (i, seq) in block.iter().enumerate() {
                let indent = " ".repeat(2 * i);
                text.push_str(&if *seq { format!("{indent}-") } else { format!("{indent}k{i}:") });
                if i + 1 < block.len() {
                    text.push('\n');
                }
            }
            if !block.is_empty() {
                text.push(' ');
            }
            for seq in &flow {
                text.push_str(if *seq { "[" } else { "{a: " });
            }
            text.push('1');
            for seq in flow.iter().rev() {
                text.push(if *seq { ']' } else { '}' });
            }
            text.push('\n');
            let depth = block.len() + flow.len();
            let checked = check_nesting(&text, Syntax::Yaml);
            proptest::prop_assert_eq!(checked.is_err(), depth > MAX_NESTING, "{}", text);
            if depth <= MAX_NESTING {
                let parsed = serde_yaml::from_str::<serde_yaml::Value>(&text);
                proptest::prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed, text);
            }
        }
    }
}
