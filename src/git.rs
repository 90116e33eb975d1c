//! `--staged`: the files staged in the git index, read from the index (what the commit
//! will contain), not from the working tree. Runs `git` (diff, ls-files, one cat-file
//! batch); symlinks and submodules are not documents and are left out.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

/// A staged file: its path as seen from the current folder, and its staged bytes.
pub struct StagedFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

fn git(args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
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

/// Every file added, copied, modified or renamed in the index.
pub fn staged() -> Result<Vec<StagedFile>> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(String::from_utf8_lossy(&top).trim_end_matches('\n'));
    let top_s = top.to_string_lossy().into_owned();
    let names = git(&[
        "-C",
        &top_s,
        "diff",
        "--cached",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=ACMR",
    ])?;
    let wanted: HashSet<&[u8]> = names.split(|b| *b == 0).filter(|n| !n.is_empty()).collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    // mode, object id and name of every index entry; keep regular files that changed.
    let index = git(&["-C", &top_s, "ls-files", "--stage", "-z"])?;
    let mut files: Vec<(String, String)> = Vec::new();
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
        let name = std::str::from_utf8(name)
            .map_err(|_| anyhow!("--staged: a staged file name is not UTF-8"))?;
        files.push((name.to_string(), String::from_utf8_lossy(oid).into_owned()));
    }
    let blobs = cat_blobs(&top_s, files.iter().map(|(_, oid)| oid.as_str()))?;
    let cwd = std::env::current_dir().context("cannot read the current folder")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    let top = std::fs::canonicalize(&top).unwrap_or(top);
    let mut out = Vec::new();
    for (name, oid) in files {
        let bytes = blobs
            .get(&oid)
            .cloned()
            .ok_or_else(|| anyhow!("--staged: git did not return the blob of {name}"))?;
        out.push(StagedFile {
            path: shown_path(&top.join(&name), &cwd),
            bytes,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn shown_path(abs: &Path, cwd: &Path) -> PathBuf {
    match abs.strip_prefix(cwd) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => crate::baseline::relative(abs, cwd),
    }
}

/// The contents of the blobs, by object id, from one `git cat-file --batch`.
fn cat_blobs<'a>(
    top: &str,
    oids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, Vec<u8>>> {
    let oids: Vec<&str> = oids.collect();
    let mut child = Command::new("git")
        .args(["-C", top, "cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("--staged: cannot run git cat-file")?;
    let mut stdin = child.stdin.take().context("--staged: git stdin")?;
    let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut reader = BufReader::new(child.stdout.take().context("--staged: git stdout")?);
    let mut blobs = HashMap::new();
    for oid in &oids {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let mut f = header.split_whitespace();
        let (Some(got), Some(kind), Some(size)) = (f.next(), f.next(), f.next()) else {
            bail!("--staged: git cat-file said `{}` for {oid}", header.trim());
        };
        let size: usize = size
            .parse()
            .map_err(|_| anyhow!("--staged: bad blob size from git for {oid}"))?;
        if kind != "blob" {
            bail!("--staged: {got} is a {kind}, not a blob");
        }
        let mut bytes = vec![0; size];
        reader.read_exact(&mut bytes)?;
        let mut nl = [0u8; 1];
        reader.read_exact(&mut nl)?;
        blobs.insert(got.to_string(), bytes);
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(blobs)
}
