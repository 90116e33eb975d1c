//! The commit mark-lint is built from, for `mark-lint --version`: `git rev-parse HEAD`
//! when the crate root is the top of a git work tree, else the `COMMIT` file the source
//! bundle writes (`scripts/bundle.sh`), else "unknown". Only the commit text may differ
//! between builds of one source: nothing here reads the clock or the build folder.
//! Shared by build.rs and the tests (`tests/bundle.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the commit was found, and the files whose change must rerun the build script.
#[derive(Debug, PartialEq, Eq)]
pub struct Commit {
    pub id: String,
    pub watch: Vec<PathBuf>,
}

/// The commit of the source at `root` (the crate root). A `COMMIT` file that holds no
/// commit id is an error naming the file, never a silent "unknown".
pub fn commit(root: &Path) -> Result<Commit, String> {
    if let Some(found) = from_git(root) {
        return Ok(found);
    }
    let file = root.join("COMMIT");
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            let id = text.trim();
            if is_commit_id(id) && text.lines().count() == 1 {
                Ok(Commit {
                    id: id.to_string(),
                    watch: vec![file],
                })
            } else {
                Err(format!(
                    "{}:1: not a commit id (40 or 64 hexadecimal digits on one line)",
                    file.display()
                ))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Commit {
            id: "unknown".to_string(),
            watch: Vec::new(),
        }),
        Err(e) => Err(format!("{}: cannot be read: {e}", file.display())),
    }
}

/// A SHA-1 or SHA-256 object name in lower-case hexadecimal.
fn is_commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `git` in `root`, its trimmed stdout when it succeeds.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

/// HEAD's commit when `root` is the top of a work tree. An unpacked bundle inside some
/// other repository is not: that repository's HEAD says nothing about this source.
fn from_git(root: &Path) -> Option<Commit> {
    let top = git(root, &["rev-parse", "--show-toplevel"])?;
    let same = std::fs::canonicalize(&top).ok()? == std::fs::canonicalize(root).ok()?;
    if !same {
        return None;
    }
    let id = git(root, &["rev-parse", "--verify", "HEAD^{commit}"])?;
    if !is_commit_id(&id) {
        return None;
    }
    // HEAD, the branch it names (loose or packed): a commit or a checkout moves one.
    let mut names = vec!["HEAD".to_string(), "packed-refs".to_string()];
    names.extend(git(root, &["symbolic-ref", "-q", "HEAD"]));
    let watch = names
        .iter()
        .filter_map(|name| git(root, &["rev-parse", "--git-path", name]))
        .map(|p| root.join(p))
        .filter(|p| p.exists())
        .collect();
    Some(Commit { id, watch })
}
