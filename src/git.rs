//! `--staged`: the files staged in the git index, read from the index (what the commit
//! will contain), not from the working tree. Runs `git` (rev-parse, diff, ls-files, one
//! `cat-file --batch-check` for the sizes, and one `cat-file --batch` that serves the
//! blobs one at a time as the workers ask for them: never every staged blob in memory
//! at once, and a blob larger than the limit is never read). Names are raw bytes
//! (`-z`), so a name that is not UTF-8 is a file like any other. Symlinks and
//! submodules are not documents and are left out.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use crate::extract::ExtractError;

/// A staged file: its path as seen from the current folder, its blob and size.
#[derive(Debug, Clone)]
pub struct StagedFile {
    pub path: PathBuf,
    oid: String,
    /// `None`: git does not have the blob.
    pub size: Option<u64>,
}

/// The staged files, and the reader that serves their blobs.
pub struct Staged {
    pub files: Vec<StagedFile>,
    top: PathBuf,
    /// Started on the first read; `None` inside once it failed.
    reader: Mutex<Option<Option<CatFile>>>,
}

/// Run `git [-C top] args…` and return its output; a failure is the run's (exit 2).
fn git(top: Option<&Path>, args: &[&str]) -> Result<Vec<u8>> {
    let mut cmd = Command::new("git");
    if let Some(top) = top {
        cmd.arg("-C").arg(top);
    }
    let out = cmd
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .context("--staged: cannot run git")?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        bail!("--staged: git {}: {}", args[0], msg.trim());
    }
    Ok(out.stdout)
}

/// Raw bytes from git as a path (lossless on Unix).
fn path_of(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Every file added, copied, modified or renamed in the index.
pub fn staged() -> Result<Staged> {
    let top = git(None, &["rev-parse", "--show-toplevel"])?;
    let top = path_of(top.strip_suffix(b"\n").unwrap_or(&top));
    let in_top = |args: &[&str]| git(Some(&top), args);
    let names = in_top(&[
        "diff",
        "--cached",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=ACMR",
    ])?;
    let wanted: HashSet<&[u8]> = names.split(|b| *b == 0).filter(|n| !n.is_empty()).collect();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    if !wanted.is_empty() {
        // mode, object id and name of every index entry; keep regular files that changed.
        let index = in_top(&["ls-files", "--stage", "-z"])?;
        for entry in index.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let Some(tab) = entry.iter().position(|b| *b == b'\t') else {
                continue;
            };
            let (meta, name) = (&entry[..tab], &entry[tab + 1..]);
            let mut f = meta.split(|b| *b == b' ');
            let (Some(mode), Some(oid)) = (f.next(), f.next()) else {
                continue;
            };
            if !mode.starts_with(b"100") || !wanted.contains(name) {
                continue;
            }
            files.push((path_of(name), String::from_utf8_lossy(oid).into_owned()));
        }
    }
    let sizes = blob_sizes(&top, files.iter().map(|(_, oid)| oid.as_str()))?;
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let mut out: Vec<StagedFile> = files
        .into_iter()
        .map(|(name, oid)| StagedFile {
            path: shown_path(&top.join(&name), &cwd),
            size: sizes.get(&oid).copied(),
            oid,
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Staged {
        files: out,
        top,
        reader: Mutex::new(None),
    })
}

fn shown_path(abs: &Path, cwd: &Path) -> PathBuf {
    match abs.strip_prefix(cwd) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => crate::baseline::relative(abs, cwd),
    }
}

/// The size of each blob, by object id, from one `git cat-file --batch-check` (the
/// contents are not read).
fn blob_sizes<'a>(top: &Path, oids: impl Iterator<Item = &'a str>) -> Result<HashMap<String, u64>> {
    let input: String = oids.map(|o| format!("{o}\n")).collect();
    if input.is_empty() {
        return Ok(HashMap::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["cat-file", "--batch-check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("--staged: cannot run git cat-file")?;
    let mut stdin = child.stdin.take().context("--staged: git stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut sizes = HashMap::new();
    let reader = BufReader::new(child.stdout.take().context("--staged: git stdout")?);
    for line in reader.lines() {
        let line = line.context("--staged: git cat-file")?;
        let mut f = line.split_whitespace();
        if let (Some(oid), Some("blob"), Some(size)) = (f.next(), f.next(), f.next())
            && let Ok(size) = size.parse()
        {
            sizes.insert(oid.to_string(), size);
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(sizes)
}

/// A running `git cat-file --batch`: one blob asked, one blob read, in turn.
struct CatFile {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl CatFile {
    fn start(top: &Path) -> std::io::Result<CatFile> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(top)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or(std::io::ErrorKind::BrokenPipe)?);
        Ok(CatFile {
            child,
            stdin,
            stdout,
        })
    }

    fn blob(&mut self, oid: &str, size: u64) -> std::io::Result<Vec<u8>> {
        let bad = |what: String| std::io::Error::other(what);
        let stdin = self.stdin.as_mut().ok_or(std::io::ErrorKind::BrokenPipe)?;
        stdin.write_all(format!("{oid}\n").as_bytes())?;
        stdin.flush()?;
        let mut header = Vec::new();
        (&mut self.stdout)
            .take(256)
            .read_until(b'\n', &mut header)?;
        let header = String::from_utf8_lossy(&header);
        let mut f = header.split_whitespace();
        match (
            f.next(),
            f.next(),
            f.next().and_then(|s| s.parse::<u64>().ok()),
        ) {
            (Some(got), Some("blob"), Some(n)) if got == oid && n == size => {}
            _ => return Err(bad(format!("git cat-file said `{}`", header.trim()))),
        }
        let mut bytes = Vec::with_capacity(size as usize);
        (&mut self.stdout).take(size).read_to_end(&mut bytes)?;
        let mut nl = [0u8; 1];
        self.stdout.read_exact(&mut nl)?;
        if bytes.len() as u64 != size || nl[0] != b'\n' {
            return Err(bad("git cat-file ended early".into()));
        }
        Ok(bytes)
    }
}

impl Drop for CatFile {
    fn drop(&mut self) {
        // Closing its input ends `git cat-file`.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

impl Staged {
    /// The staged bytes of `file`, at most `limit`: a larger blob is refused without
    /// reading it. Errors are the file's (ML900), never the run's.
    pub fn read(&self, file: &StagedFile, limit: u64) -> Result<Vec<u8>, ExtractError> {
        let size = file
            .size
            .ok_or_else(|| ExtractError::Io(format!("git has no staged blob {}", file.oid)))?;
        if size > limit {
            return Err(ExtractError::TooLarge {
                size_mb: size.div_ceil(1024 * 1024),
                limit_mb: limit / (1024 * 1024),
            });
        }
        let mut reader = self.reader.lock().unwrap_or_else(|e| e.into_inner());
        let slot = reader.get_or_insert_with(|| CatFile::start(&self.top).ok());
        let Some(cat) = slot.as_mut() else {
            return Err(ExtractError::Io("cannot run git cat-file".into()));
        };
        cat.blob(&file.oid, size).map_err(|e| {
            // The stream is out of step now: no later blob can be trusted from it.
            *slot = None;
            ExtractError::Io(format!("reading the staged blob: {e}"))
        })
    }

    /// The repository's top folder (canonical).
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// The file staged at `path` (as shown).
    pub fn get(&self, path: &Path) -> Option<&StagedFile> {
        self.files
            .binary_search_by(|f| f.path.as_path().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    pub fn paths(&self) -> Vec<PathBuf> {
        self.files.iter().map(|f| f.path.clone()).collect()
    }
}
