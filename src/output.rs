//! Where reports (`--output`), ledgers (`inventory -o`) and baselines
//! (`--write-baseline`) may be written. The checked tree may be someone else's: a
//! symbolic link planted there must not make the tool write anywhere the user did not
//! name, a device node or FIFO must not be written to or replaced, and no file that was
//! just checked may be overwritten by its own report. Each refusal is one line (exit 2)
//! and comes before anything is written.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};

/// A path the user named for writing, checked.
#[derive(Debug, Clone)]
pub struct Target {
    /// As named (for messages).
    pub named: PathBuf,
    /// Where to write: `named`, or the file a symbolic link outside the checked tree
    /// points to (the user named the link, so its target is what they meant).
    pub path: PathBuf,
    /// Inside the checked tree: opened without following a link in its last part.
    inside: bool,
}

/// The identity of a file on disk (device, inode), to recognise it under any name.
#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The files of one run, recognised whatever name reaches them.
#[derive(Debug, Default)]
pub struct Inputs {
    ids: std::collections::HashSet<(u64, u64)>,
}

impl Inputs {
    /// The files read (and those named but not on disk are skipped).
    pub fn of(paths: &[PathBuf]) -> Inputs {
        Inputs {
            ids: paths
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .filter(|m| m.is_file())
                .map(|m| identity(&m))
                .collect(),
        }
    }

    fn contains(&self, meta: &std::fs::Metadata) -> bool {
        cfg!(unix) && self.ids.contains(&identity(meta))
    }
}

/// The folders that make up the checked tree: each folder named, the folder of each
/// file named.
pub fn tree_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    paths
        .iter()
        .map(|p| {
            let abs = crate::config::normalize(&cwd.join(p));
            if std::fs::metadata(&abs).is_ok_and(|m| m.is_dir()) {
                abs
            } else {
                abs.parent().map(Path::to_path_buf).unwrap_or(abs)
            }
        })
        .collect()
}

/// Check `named` as a place to write `what` (`the report`): refuses a symbolic link in
/// the checked tree (in the file's name or any folder below the tree's root), anything
/// but a regular file, and a file of `inputs`.
pub fn check(named: &Path, what: &str, roots: &[PathBuf], inputs: &Inputs) -> Result<Target> {
    let refuse = |why: String| {
        anyhow!(
            "{}: cannot write {what}: {why}",
            crate::report::path_text(named)
        )
    };
    let cwd = std::env::current_dir()?;
    let abs = crate::config::normalize(&cwd.join(named));
    let root = roots
        .iter()
        .filter(|r| abs.starts_with(r))
        .max_by_key(|r| r.components().count());
    let mut target = Target {
        named: named.to_path_buf(),
        path: named.to_path_buf(),
        inside: root.is_some(),
    };
    if let Some(root) = root {
        // Every part below the root, the file itself last.
        let below: Vec<&Path> = abs
            .ancestors()
            .take_while(|a| *a != root.as_path())
            .collect();
        for part in below.iter().rev() {
            if std::fs::symlink_metadata(part).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(refuse(format!(
                    "{} is a symbolic link inside the checked folder {}; name the file \
                     it should write, or a place outside the checked folders",
                    crate::report::path_text(part),
                    crate::report::path_text(root)
                )));
            }
        }
    } else if std::fs::symlink_metadata(named).is_ok_and(|m| m.file_type().is_symlink()) {
        // Named by the user outside the tree: write where it points, keeping the link.
        if let Ok(real) = std::fs::canonicalize(named) {
            target.path = real;
        }
    }
    match std::fs::metadata(&target.path) {
        Ok(meta) if !meta.is_file() => Err(refuse(format!(
            "not a regular file ({}); reports are written to regular files only",
            crate::input::kind_of(meta.file_type())
        ))),
        Ok(meta) if inputs.contains(&meta) && !is_own_report(&target.path) => Err(refuse(
            "it is one of the files checked; write it outside the checked files, or \
             exclude it"
                .into(),
        )),
        _ => Ok(target),
    }
}

/// Whether `path` holds a report, ledger or baseline mark-lint wrote (JSON, SARIF,
/// JUnit, the HTML ledger, the CSV ledger, a baseline): rewriting it is what running the
/// same command again means, so it is not refused as a checked document. Decided from
/// the first few KiB, by the marks each format carries.
fn is_own_report(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if std::io::Read::read_to_end(&mut std::io::Read::take(file, 4096), &mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}');
    let tool_name = |t: &str| {
        ["\"tool\": \"mark-lint\"", "\"name\": \"mark-lint\""]
            .iter()
            .any(|m| t.contains(m))
    };
    // The first 15 columns: a ledger written before the label's and OCR's columns is ours too.
    let csv_header = |columns: &[&str]| text.starts_with(&columns[..15].join(","));
    (text.starts_with('{') && tool_name(text))
        || text.contains("<testsuites name=\"mark-lint\"")
        || text.contains("<meta name=\"generator\" content=\"mark-lint ")
        || csv_header(&crate::inventory::csv::columns(crate::lang::Lang::En))
        || csv_header(&crate::inventory::csv::columns(crate::lang::Lang::Zh))
}

impl Target {
    /// Open for writing, the checks repeated on the handle (the path may have changed
    /// since `check`): never follows a link swapped in inside the tree, never waits on
    /// a FIFO, and writes nothing before the file is known to be a regular one that is
    /// not an input.
    pub fn create(&self, what: &str, inputs: &Inputs) -> Result<File> {
        let refuse = |why: String| {
            anyhow!(
                "{}: cannot write {what}: {why}",
                crate::report::path_text(&self.named)
            )
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            let nofollow = if self.inside { libc::O_NOFOLLOW } else { 0 };
            options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | nofollow);
        }
        let file = options
            .open(&self.path)
            .map_err(|e| refuse(crate::extract::io_message(&e)))?;
        let meta = file
            .metadata()
            .map_err(|e| refuse(crate::extract::io_message(&e)))?;
        if !meta.is_file() {
            bail!(refuse(format!(
                "not a regular file ({})",
                crate::input::kind_of(meta.file_type())
            )));
        }
        if inputs.contains(&meta) && !is_own_report(&self.path) {
            bail!(refuse("it is one of the files checked".into()));
        }
        file.set_len(0)
            .map_err(|e| refuse(crate::extract::io_message(&e)))?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn refusals() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let tree = d.join("tree");
        std::fs::create_dir_all(tree.join("sub")).unwrap();
        std::fs::write(tree.join("doc.md"), "x").unwrap();
        std::fs::write(d.join("secret"), "keep").unwrap();
        std::os::unix::fs::symlink(d.join("secret"), tree.join("link.sarif")).unwrap();
        std::os::unix::fs::symlink(d, tree.join("linkdir")).unwrap();
        std::os::unix::fs::symlink("/dev/null", d.join("null-link")).unwrap();
        std::os::unix::fs::symlink(d.join("secret"), d.join("outside-link")).unwrap();
        std::fs::hard_link(tree.join("doc.md"), d.join("hard.md")).unwrap();
        let roots = tree_roots(std::slice::from_ref(&tree));
        let inputs = Inputs::of(&[tree.join("doc.md")]);
        let check = |p: &Path| check(p, "the report", &roots, &inputs).map(|t| t.path);
        let err = |p: &Path| check(p).unwrap_err().to_string();
        assert!(err(&tree.join("link.sarif")).contains("is a symbolic link inside"));
        assert!(err(&tree.join("linkdir/x.sarif")).contains("is a symbolic link inside"));
        assert!(err(&tree.join("sub/../link.sarif")).contains("is a symbolic link inside"));
        assert!(err(&tree.join("doc.md")).contains("one of the files checked"));
        assert!(err(&d.join("hard.md")).contains("one of the files checked"));
        assert!(err(&tree.join("sub")).contains("not a regular file (a folder)"));
        assert!(err(Path::new("/dev/null")).contains("not a regular file (a character device)"));
        assert!(err(&d.join("null-link")).contains("not a regular file (a character device)"));
        // Outside the tree, a link the user names is followed (and kept).
        assert_eq!(
            check(&d.join("outside-link")).unwrap(),
            d.join("secret").canonicalize().unwrap()
        );
        assert_eq!(
            check(&tree.join("new.sarif")).unwrap(),
            tree.join("new.sarif")
        );
        assert_eq!(
            check(&tree.join("sub/new.sarif")).unwrap(),
            tree.join("sub/new.sarif")
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_handle_is_checked_again() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().canonicalize().unwrap();
        std::fs::write(d.join("input.md"), "doc").unwrap();
        std::fs::write(d.join("secret"), "keep").unwrap();
        let roots = tree_roots(std::slice::from_ref(&d));
        let inputs = Inputs::of(&[d.join("input.md")]);
        let target = check(&d.join("out.json"), "the report", &roots, &inputs).unwrap();
        // Swapped for a link after the check: not followed.
        std::os::unix::fs::symlink(d.join("secret"), d.join("out.json")).unwrap();
        assert!(target.create("the report", &inputs).is_err());
        assert_eq!(std::fs::read_to_string(d.join("secret")).unwrap(), "keep");
        // Swapped for a hard link to an input: refused, nothing truncated.
        std::fs::remove_file(d.join("out.json")).unwrap();
        std::fs::hard_link(d.join("input.md"), d.join("out.json")).unwrap();
        let e = target
            .create("the report", &inputs)
            .unwrap_err()
            .to_string();
        assert!(e.contains("one of the files checked"), "{e}");
        assert_eq!(std::fs::read_to_string(d.join("input.md")).unwrap(), "doc");
        // A regular file is truncated and written.
        std::fs::remove_file(d.join("out.json")).unwrap();
        std::fs::write(d.join("out.json"), "old old old").unwrap();
        let mut f = target.create("the report", &inputs).unwrap();
        std::io::Write::write_all(&mut f, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(d.join("out.json")).unwrap(), "new");
    }
}
