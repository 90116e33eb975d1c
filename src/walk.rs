//! Walking the paths the user named: `.gitignore`, `.marklintignore` and config
//! `exclude` are honoured, also for files named on the command line. Walk errors
//! (symlink loops, unreadable folders) are returned, never fatal. Output is sorted.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::config::{CONFIG_NAMES, PathGlobs};

/// A problem met while walking: reported as ML900 on `path`.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub message: String,
}

pub struct WalkOptions<'a> {
    pub exclude: Option<&'a PathGlobs>,
    /// Folders of user rule files, canonical: they contain marks on purpose.
    pub skip: &'a [PathBuf],
    /// Ignore files already read for files named explicitly (pre-commit names every
    /// staged file: each folder's ignore files are parsed once, not once per file).
    pub ignores: &'a IgnoreCache,
}

/// Parsed ignore files by path (`None`: absent or unreadable).
pub type IgnoreCache =
    std::cell::RefCell<std::collections::HashMap<PathBuf, Option<ignore::gitignore::Gitignore>>>;

const VCS_DIRS: [&str; 3] = [".git", ".hg", ".svn"];
const OWN_FILES: [&str; 3] = [".marklintignore", ".mark-lint-baseline.json", ".gitignore"];

fn builder(root: &Path) -> WalkBuilder {
    let mut b = WalkBuilder::new(root);
    b.standard_filters(false)
        .hidden(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(true)
        .add_custom_ignore_filename(".marklintignore");
    b
}

fn is_own_file(name: &str) -> bool {
    CONFIG_NAMES.contains(&name) || OWN_FILES.contains(&name)
}

/// Whether a file named explicitly (on the command line, by pre-commit, or staged) is
/// checked: `exclude`, `.gitignore`, `.marklintignore` and mark-lint's own files are
/// honoured for it too. It need not exist on disk (a staged blob).
pub fn keep_file(path: &Path, opts: &WalkOptions) -> bool {
    !(opts.exclude.is_some_and(|e| e.is_match(path))
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_own_file)
        || in_rule_dirs(path, opts.skip)
        || ignored_by_files(path, opts.ignores))
}

/// A path inside one of the (canonical) folders of user rule files.
fn in_rule_dirs(path: &Path, dirs: &[PathBuf]) -> bool {
    !dirs.is_empty()
        && std::fs::canonicalize(path).is_ok_and(|c| dirs.iter().any(|d| c.starts_with(d)))
}

/// Every file under `root` (or `root` itself), sorted, with walk problems.
pub fn walk(root: &Path, opts: &WalkOptions) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if root.is_file() {
        if keep_file(root, opts) {
            files.push(root.to_path_buf());
        }
        return (files, errors);
    }
    let exclude = opts.exclude.cloned();
    let skip = opts.skip.to_vec();
    let mut b = builder(root);
    b.filter_entry(move |e| {
        let name = e.file_name().to_str().unwrap_or("");
        if e.depth() > 0 && e.file_type().is_some_and(|t| t.is_dir()) && VCS_DIRS.contains(&name) {
            return false;
        }
        if e.depth() > 0 && exclude.as_ref().is_some_and(|x| x.is_match(e.path())) {
            return false;
        }
        !in_rule_dirs(e.path(), &skip)
    });
    for entry in b.build() {
        match entry {
            Ok(e) => {
                if e.file_type().is_some_and(|t| t.is_file()) {
                    let name = e.file_name().to_str().unwrap_or("");
                    if !is_own_file(name) {
                        files.push(e.into_path());
                    }
                }
            }
            Err(err) => errors.push(walk_error(root, err)),
        }
    }
    // Byte order is enough for determinism and much cheaper than `Path` ordering.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    (files, errors)
}

/// Whether a `.gitignore` or `.marklintignore` in an ancestor folder ignores `path`
/// (a file named on the command line); the nearest file that decides wins.
fn ignored_by_files(path: &Path, cache: &IgnoreCache) -> bool {
    // The path as named, not a symlink's target (a directory walk sees the link's own
    // place), and it need not exist (a staged blob).
    let abs = match std::env::current_dir() {
        Ok(cwd) => crate::config::normalize(&cwd.join(path)),
        Err(_) => return false,
    };
    for dir in abs.ancestors().skip(1) {
        for name in [".marklintignore", ".gitignore", ".git/info/exclude"] {
            let file = dir.join(name);
            let mut cache = cache.borrow_mut();
            let matcher = cache.entry(file).or_insert_with_key(|file| {
                if !file.is_file() {
                    return None;
                }
                let mut b = ignore::gitignore::GitignoreBuilder::new(dir);
                if b.add(file).is_some() {
                    return None;
                }
                b.build().ok()
            });
            let Some(matcher) = matcher else { continue };
            match matcher.matched_path_or_any_parents(&abs, false) {
                ignore::Match::Ignore(_) => return true,
                ignore::Match::Whitelist(_) => return false,
                ignore::Match::None => {}
            }
        }
    }
    false
}

fn walk_error(root: &Path, err: ignore::Error) -> WalkError {
    let mut path = None;
    let mut e = &err;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                e = err
            }
            ignore::Error::Loop { child, ancestor } => {
                return WalkError {
                    path: child.clone(),
                    message: format!("symbolic link loop back to {}", ancestor.display()),
                };
            }
            ignore::Error::Io(io) => {
                return WalkError {
                    path: path.unwrap_or_else(|| root.to_path_buf()),
                    message: crate::extract::io_message(io),
                };
            }
            other => {
                return WalkError {
                    path: path.unwrap_or_else(|| root.to_path_buf()),
                    message: other.to_string(),
                };
            }
        }
    }
}
