//! `--staged`: the files staged in the git index, read from the index (what the commit
//! will contain), not from the working tree. `--diff-base REV` (and `--staged`, against
//! HEAD): the version of each changed file at the base revision, renames followed, read
//! from git objects — never checked out, never written to disk. Runs `git` (rev-parse,
//! diff, ls-files, one `cat-file --batch-check` for the sizes, and one `cat-file --batch`
//! that serves the blobs one at a time as the workers ask for them: never every blob in
//! memory at once, and a blob larger than the limit is never read). Names are raw bytes
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
    blobs: Blobs,
}

/// The blobs of one repository, served by one `git cat-file --batch` started on the
/// first read.
struct Blobs {
    top: PathBuf,
    /// Started on the first read; `None` inside once it failed.
    reader: Mutex<Option<Option<CatFile>>>,
}

/// Run `git [-C top] args…` and return its output; a failure is the run's (exit 2).
fn git(top: Option<&Path>, args: &[&str]) -> Result<Vec<u8>> {
    git_for("--staged", top, args)
}

/// `git`, its errors named after the option that ran it (`--staged`, `--diff-base`).
fn git_for(option: &str, top: Option<&Path>, args: &[&str]) -> Result<Vec<u8>> {
    let mut cmd = Command::new("git");
    if let Some(top) = top {
        cmd.arg("-C").arg(top);
    }
    let out = cmd
        .args(args)
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("{option}: cannot run git"))?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr);
        bail!("{option}: git {}: {}", args[0], msg.trim());
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
        blobs: Blobs::new(&top),
        top,
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

impl Blobs {
    fn new(top: &Path) -> Blobs {
        Blobs {
            top: top.to_path_buf(),
            reader: Mutex::new(None),
        }
    }

    /// The bytes of blob `oid` of `size` (`None`: git does not have it), at most
    /// `limit`: a larger blob is refused without reading it. Errors are the file's
    /// (ML900), never the run's.
    fn read(&self, oid: &str, size: Option<u64>, limit: u64) -> Result<Vec<u8>, ExtractError> {
        let size = size.ok_or_else(|| ExtractError::Io(format!("git has no blob {oid}")))?;
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
        cat.blob(oid, size).map_err(|e| {
            // The stream is out of step now: no later blob can be trusted from it.
            *slot = None;
            ExtractError::Io(format!("reading the git blob: {e}"))
        })
    }
}

impl Staged {
    /// The staged bytes of `file`, at most `limit`: a larger blob is refused without
    /// reading it. Errors are the file's (ML900), never the run's.
    pub fn read(&self, file: &StagedFile, limit: u64) -> Result<Vec<u8>, ExtractError> {
        self.blobs.read(&file.oid, file.size, limit)
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

/// The version of a changed file at the base revision: its name there (a rename is
/// followed) and its blob.
#[derive(Debug, Clone)]
pub struct BaseFile {
    /// The name at the base revision, relative to the repository's top folder.
    pub name: PathBuf,
    oid: String,
    /// `None`: git does not have the blob.
    pub size: Option<u64>,
}

/// `--diff-base REV` (or `--staged`, against HEAD): the version at the base revision of
/// every file changed since, by the file's name now, and the reader of their blobs.
/// Added files have no base; deleted ones are not checked.
pub struct History {
    /// The revision as the user named it (`origin/main`, `HEAD`), for messages.
    pub rev: String,
    top: PathBuf,
    /// The current folder, canonical: checked paths are relative to it.
    cwd: PathBuf,
    /// Name now (relative to the top folder) → the version at the base revision.
    bases: HashMap<PathBuf, BaseFile>,
    /// The last component of every name in `bases`: most files of a tree did not
    /// change, and are told so without a look at the file system.
    leaves: HashSet<std::ffi::OsString>,
    blobs: Blobs,
}

/// The history to compare with: `rev` (`--diff-base`) against the working tree, or,
/// with `staged`, against the index (`rev` defaults to HEAD there; a repository without
/// a commit yet has no base at all). An unknown revision is the run's error (exit 2).
pub fn history(rev: Option<&str>, staged: bool) -> Result<History> {
    let option = if rev.is_some() {
        "--diff-base"
    } else {
        "--staged"
    };
    let top = git_for(option, None, &["rev-parse", "--show-toplevel"])?;
    let top = path_of(top.strip_suffix(b"\n").unwrap_or(&top));
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let shown = rev.unwrap_or("HEAD").to_string();
    let mut history = History {
        rev: shown.clone(),
        bases: HashMap::new(),
        leaves: HashSet::new(),
        blobs: Blobs::new(&top),
        top,
        cwd,
    };
    let Some(commit) = resolve_commit(&history.top, &shown) else {
        if rev.is_none() {
            // `--staged` before the first commit: every staged file is added.
            return Ok(history);
        }
        bail!("--diff-base: unknown revision `{shown}` (not a commit of this repository)");
    };
    let mut args = vec!["diff", "-M", "--raw", "-z", "--no-abbrev", "--no-ext-diff"];
    if staged {
        args.push("--cached");
    }
    args.extend([commit.as_str(), "--"]);
    let raw = git_for(option, Some(&history.top), &args)?;
    let changed = parse_raw_diff(&raw);
    let sizes = blob_sizes(&history.top, changed.iter().map(|(_, b)| b.oid.as_str()))?;
    for (now, mut base) in changed {
        base.size = sizes.get(&base.oid).copied();
        history
            .leaves
            .extend(now.file_name().map(|n| n.to_os_string()));
        history.bases.insert(now, base);
    }
    Ok(history)
}

/// The commit `rev` names, if it names one. A name that starts with `-` is never an
/// option to git.
fn resolve_commit(top: &Path, rev: &str) -> Option<String> {
    if rev.is_empty() || rev.starts_with('-') {
        return None;
    }
    let spec = format!("{rev}^{{commit}}");
    let out = git_for(
        "--diff-base",
        Some(top),
        &["rev-parse", "--verify", "-q", &spec],
    )
    .ok()?;
    let oid = String::from_utf8_lossy(&out).trim().to_string();
    (!oid.is_empty()).then_some(oid)
}

/// `git diff --raw -z` records (`:old-mode new-mode old-oid new-oid status NUL path
/// NUL [new-path NUL]`): (name now, its base) for every regular file modified or
/// renamed (copies are not renames: the original is still there).
fn parse_raw_diff(raw: &[u8]) -> Vec<(PathBuf, BaseFile)> {
    let mut fields = raw.split(|b| *b == 0);
    let mut out = Vec::new();
    while let Some(meta) = fields.next() {
        let Some(meta) = meta.strip_prefix(b":") else {
            continue;
        };
        let meta = String::from_utf8_lossy(meta);
        let f: Vec<&str> = meta.split(' ').collect();
        let [old_mode, new_mode, old_oid, _new_oid, status] = f[..] else {
            continue;
        };
        let Some(first) = fields.next() else { break };
        let kind = status.chars().next().unwrap_or(' ');
        let second = match kind {
            'R' | 'C' => fields.next(),
            _ => None,
        };
        let regular = old_mode.starts_with("100") && new_mode.starts_with("100");
        let (old, new) = match (kind, second) {
            ('M', _) => (first, first),
            ('R', Some(second)) => (first, second),
            _ => continue,
        };
        if regular {
            let base = BaseFile {
                name: path_of(old),
                oid: old_oid.to_string(),
                size: None,
            };
            out.push((path_of(new), base));
        }
    }
    out
}

impl History {
    /// The base version of the file checked at `path` (as named from the current
    /// folder), if it changed since the base revision and was there then.
    pub fn base(&self, path: &Path) -> Option<&BaseFile> {
        if !self.leaves.contains(path.file_name()?) {
            return None;
        }
        let abs = lexical(&self.cwd.join(path));
        // The folder may be reached through a link: compare canonical folders.
        let abs = match (abs.parent(), abs.file_name()) {
            (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                .map(|d| d.join(name))
                .unwrap_or(abs.clone()),
            _ => abs.clone(),
        };
        self.bases.get(abs.strip_prefix(&self.top).ok()?)
    }

    /// The bytes of `base`, at most `limit` (errors are the file's: ML900).
    pub fn read(&self, base: &BaseFile, limit: u64) -> Result<Vec<u8>, ExtractError> {
        self.blobs.read(&base.oid, base.size, limit)
    }

    /// `REV:name`, git's name for the file's version at the base revision.
    pub fn shown(&self, base: &BaseFile) -> String {
        let name = crate::report::name_text(base.name.as_os_str());
        format!("{}:{}", self.rev, name)
    }
}

/// `path` without `.` and with each `..` taking its folder away (no file system).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_diff_records_give_modified_and_renamed_files() {
        let z = "0".repeat(40);
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        let raw = format!(
            ":100644 100644 {a} {z} M\0docs/a.md\0\
             :100644 100644 {b} {z} R087\0old.md\0new name.md\0\
             :000000 100644 {z} {z} A\0added.md\0\
             :100644 000000 {a} {z} D\0gone.md\0\
             :120000 100644 {a} {z} T\0link.md\0\
             :100644 100644 {a} {z} C075\0src.md\0copy.md\0\
             :100644 100755 {a} {z} M\0exec.md\0"
        );
        let got: Vec<(String, String, String)> = parse_raw_diff(raw.as_bytes())
            .into_iter()
            .map(|(now, base)| {
                let now = now.to_string_lossy().into_owned();
                (now, base.name.to_string_lossy().into_owned(), base.oid)
            })
            .collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            got,
            vec![
                (s("docs/a.md"), s("docs/a.md"), a.clone()),
                (s("new name.md"), s("old.md"), b.clone()),
                (s("exec.md"), s("exec.md"), a.clone()),
            ]
        );
    }

    #[test]
    fn lexical_paths_lose_dots() {
        assert_eq!(
            lexical(Path::new("/r/./a/../b/c.md")),
            Path::new("/r/b/c.md")
        );
    }
}
