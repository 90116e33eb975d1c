//! Walking the paths the user named: `.gitignore`, `.marklintignore`,
//! `.git/info/exclude` and config `exclude` are honoured, also for files named on the
//! command line. Walk errors (symlink loops, unreadable folders, ignore files that
//! cannot be read) are returned, never fatal. Special files (FIFOs, sockets, devices)
//! are returned like files, for the reader to report: nothing is skipped silently.
//! Output is sorted.
//!
//! Ignore files are read here, not by the `ignore` crate's walker, so that each is
//! bounded in size and patterns before it is used, and one that cannot be read makes
//! its folder checked in full (fail closed) rather than the run abort or skip files.
//! Only the ignore files of the folders on the current path are kept in memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder};

use crate::config::{CONFIG_NAMES, PathGlobs};
use crate::extract::ExtractError;
use crate::input;

/// A problem met while walking: reported as ML900 on `path`.
#[derive(Debug, Clone)]
pub struct WalkError {
    pub path: PathBuf,
    pub error: ExtractError,
}

pub struct WalkOptions<'a> {
    pub exclude: Option<&'a PathGlobs>,
    /// Folders of user rule files, canonical: they contain marks on purpose.
    pub skip: &'a [PathBuf],
    /// The ignore files read so far, shared by the walks and the files named explicitly
    /// of one run.
    pub ignores: &'a Ignores,
}

const VCS_DIRS: [&str; 3] = [".git", ".hg", ".svn"];
const OWN_FILES: [&str; 3] = [".marklintignore", ".mark-lint-baseline.json", ".gitignore"];
const CUSTOM_IGNORE: &str = ".marklintignore";
const GIT_IGNORE: &str = ".gitignore";

/// Ignore patterns in force at once along one path (all ignore files from the root
/// down to a folder). Each costs some 10 KB once compiled: 4,096 keep a hostile tree
/// of ignore files to some 40 MB, far above what real repositories use.
pub const MAX_IGNORE_PATTERNS: usize = 4096;

/// `path.file_name()`, read from the bytes after the last `/` when they are a name (not
/// empty, `.` nor `..`): the same answer, for `Path::file_name` parses the path's
/// components from the back, which costs more than checking a small text file's lines.
/// Elsewhere, and on other systems, std's answer.
pub fn file_name(path: &Path) -> Option<&std::ffi::OsStr> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let b = path.as_os_str().as_bytes();
        let last = &b[memchr::memrchr(b'/', b).map_or(0, |i| i + 1)..];
        if !last.is_empty() && last != b"." && last != b".." {
            return Some(std::ffi::OsStr::from_bytes(last));
        }
    }
    path.file_name()
}

/// `Path::extension` of a file name (`file_name`'s answer): after its last dot, unless
/// that dot starts the name (`.gitignore`) or there is none.
pub fn extension(name: &std::ffi::OsStr) -> Option<&std::ffi::OsStr> {
    let b = name.as_encoded_bytes();
    match memchr::memrchr(b'.', b) {
        None | Some(0) => None,
        // SAFETY: split just after an ASCII byte of the same encoded string.
        Some(i) => Some(unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(&b[i + 1..]) }),
    }
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
        || opts.ignores.ignores_named(path))
}

/// A path inside one of the (canonical) folders of user rule files.
fn in_rule_dirs(path: &Path, dirs: &[PathBuf]) -> bool {
    !dirs.is_empty()
        && std::fs::canonicalize(path).is_ok_and(|c| dirs.iter().any(|d| c.starts_with(d)))
}

/// The absolute form of `path` as named, without resolving symlinks: ignore files see
/// a link at its own place, as git does.
fn absolute(path: &Path) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    Some(crate::config::normalize(&cwd.join(path)))
}

/// Every regular file under `root` (or `root` itself), sorted, with walk problems.
/// Special files (FIFOs, sockets, devices, also through symlinks) are problems: they
/// are never opened, and never left out silently.
pub fn walk(root: &Path, opts: &WalkOptions) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let errors = walk_each(root, opts, &mut |f| files.push(f));
    // Byte order is enough for determinism and much cheaper than `Path` ordering.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    (files, errors)
}

/// `walk`, handing each file to `emit` as it is found (in the order the file system
/// lists folders, not sorted), so that checking can start before the walk ends.
pub fn walk_each(root: &Path, opts: &WalkOptions, emit: &mut dyn FnMut(PathBuf)) -> Vec<WalkError> {
    let mut errors = Vec::new();
    if let Ok(meta) = std::fs::metadata(root)
        && !meta.is_dir()
    {
        if keep_file(root, opts) {
            match special(root, meta.file_type()) {
                None => emit(root.to_path_buf()),
                Some(e) => errors.push(e),
            }
        }
        errors.extend(opts.ignores.take_problems());
        return errors;
    }
    let exclude = opts.exclude.cloned();
    let skip = opts.skip.to_vec();
    let ignores = opts.ignores.clone();
    let walk_root = root.to_path_buf();
    let abs_root = absolute(root);
    // The folder of the previous entry (as walked, absolute) and its rules: entries
    // come folder by folder, so most need no lookup at all.
    let last: Mutex<Option<(PathBuf, PathBuf, Arc<DirRules>)>> = Mutex::new(None);
    let mut b = WalkBuilder::new(root);
    b.standard_filters(false).hidden(false).follow_links(true);
    b.filter_entry(move |e| {
        if e.depth() == 0 {
            return true;
        }
        let name = e.file_name().to_str().unwrap_or("");
        let is_dir = e.file_type().is_some_and(|t| t.is_dir());
        // Also a `.git` file (a worktree or submodule naming its git folder).
        if VCS_DIRS.contains(&name) {
            return false;
        }
        if exclude.as_ref().is_some_and(|x| x.is_match(e.path())) {
            return false;
        }
        if in_rule_dirs(e.path(), &skip) {
            return false;
        }
        let (Some(abs_root), Some(parent)) = (&abs_root, e.path().parent()) else {
            return true;
        };
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let known = last
            .as_ref()
            .is_some_and(|(p, _, _)| p.as_os_str() == parent.as_os_str());
        if !known {
            let Ok(rel) = parent.strip_prefix(&walk_root) else {
                return true;
            };
            // (`join("")` would add a separator.)
            let abs_parent = if rel.as_os_str().is_empty() {
                abs_root.clone()
            } else {
                abs_root.join(rel)
            };
            let rules = ignores.rules(&abs_parent);
            *last = Some((parent.to_path_buf(), abs_parent, rules));
        }
        let Some((_, abs_parent, rules)) = last.as_ref() else {
            return true;
        };
        !(rules.any && matched(rules, &abs_parent.join(e.file_name()), is_dir))
    });
    for entry in b.build() {
        match entry {
            Ok(e) => {
                let Some(t) = e.file_type().filter(|t| !t.is_dir()) else {
                    continue;
                };
                if is_own_file(e.file_name().to_str().unwrap_or("")) {
                    continue;
                }
                match special(e.path(), t) {
                    None => emit(e.into_path()),
                    Some(err) => errors.push(err),
                }
            }
            Err(err) => errors.push(walk_error(root, err)),
        }
    }
    errors.extend(opts.ignores.take_problems());
    errors
}

/// A file that is not a regular one (the type as seen through symlinks): ML900.
fn special(path: &Path, t: std::fs::FileType) -> Option<WalkError> {
    (!t.is_file()).then(|| WalkError {
        path: path.to_path_buf(),
        error: ExtractError::Io(input::ReadError::NotRegular(input::kind_of(t)).to_string()),
    })
}

/// The ignore files of the folders on the current path, read once each and dropped
/// when the walk leaves the folder; problems met reading them, each reported once.
#[derive(Clone, Default)]
pub struct Ignores {
    state: Arc<Mutex<IgnoreState>>,
}

#[derive(Default)]
struct IgnoreState {
    /// From the file system root down to the folder last asked about.
    stack: Vec<Arc<DirRules>>,
    problems: Vec<WalkError>,
    reported: std::collections::HashSet<PathBuf>,
}

/// The ignore files of one folder, and of the folders above it through `parent`.
struct DirRules {
    /// Absolute, as named (not canonical).
    dir: PathBuf,
    custom: Option<Gitignore>,
    git: Option<Gitignore>,
    exclude: Option<Gitignore>,
    /// The folder holds `.git`: ignore files above it are not its repository's.
    has_git: bool,
    /// An ignore file here or above could not be read or was too much: nothing here
    /// or below is left out by ignore files, so no document is skipped on a guess.
    broken: bool,
    /// Patterns in force here and above.
    patterns: usize,
    /// Any ignore file here or above: without one, nothing needs matching.
    any: bool,
    parent: Option<Arc<DirRules>>,
}

impl Ignores {
    fn lock(&self) -> std::sync::MutexGuard<'_, IgnoreState> {
        // A panic elsewhere cannot leave the cache half-written in a way that matters.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The problems met since last asked (ML900 each).
    pub fn take_problems(&self) -> Vec<WalkError> {
        std::mem::take(&mut self.lock().problems)
    }

    /// The rules in force in a folder (absolute) that is walked.
    fn rules(&self, dir: &Path) -> Arc<DirRules> {
        self.lock().rules_for(dir)
    }

    /// Whether a file named explicitly is left out: by the ignore files above it, or
    /// because a folder it is in is left out.
    fn ignores_named(&self, path: &Path) -> bool {
        let Some(abs) = absolute(path) else {
            return false;
        };
        let mut state = self.lock();
        let folders: Vec<&Path> = abs.ancestors().skip(1).collect();
        for folder in folders.iter().rev() {
            if let Some(parent) = folder.parent()
                && matched(&state.rules_for(parent), folder, true)
            {
                return true;
            }
        }
        match abs.parent() {
            Some(parent) => matched(&state.rules_for(parent), &abs, false),
            None => false,
        }
    }
}

impl IgnoreState {
    /// The rules of `dir` (absolute), loading the folders missing from the stack.
    fn rules_for(&mut self, dir: &Path) -> Arc<DirRules> {
        while self.stack.last().is_some_and(|top| !within(dir, &top.dir)) {
            self.stack.pop();
        }
        if let Some(top) = self.stack.last()
            && top.dir.as_os_str() == dir.as_os_str()
        {
            return top.clone();
        }
        let base = self.stack.last().map(|t| t.dir.clone());
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| Some(*a) != base.as_deref())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        for folder in missing {
            let parent = self.stack.last().cloned();
            let rules = self.load(folder, parent);
            self.stack.push(Arc::new(rules));
        }
        self.stack.last().cloned().expect("a folder was pushed")
    }

    fn load(&mut self, dir: PathBuf, parent: Option<Arc<DirRules>>) -> DirRules {
        let has_git = std::fs::symlink_metadata(dir.join(".git")).is_ok();
        let mut rules = DirRules {
            broken: parent.as_ref().is_some_and(|p| p.broken),
            patterns: parent.as_ref().map_or(0, |p| p.patterns),
            any: parent.as_ref().is_some_and(|p| p.any),
            custom: None,
            git: None,
            exclude: None,
            has_git,
            parent,
            dir,
        };
        if rules.broken {
            return rules;
        }
        let exclude = has_git.then(|| git_exclude_file(&rules.dir)).flatten();
        let files = [
            Some(rules.dir.join(CUSTOM_IGNORE)),
            Some(rules.dir.join(GIT_IGNORE)),
            exclude,
        ];
        let mut loaded = Vec::new();
        for file in files {
            let Some(file) = file else {
                loaded.push(None);
                continue;
            };
            match self.read_ignore_file(&rules.dir, &file, &mut rules.patterns) {
                Ok(g) => loaded.push(g),
                Err(()) => {
                    rules.broken = true;
                    return rules;
                }
            }
        }
        rules.any |= loaded.iter().any(Option::is_some);
        let mut loaded = loaded.into_iter();
        rules.custom = loaded.next().flatten();
        rules.git = loaded.next().flatten();
        rules.exclude = loaded.next().flatten();
        rules
    }

    fn problem(&mut self, path: &Path, error: ExtractError) {
        if self.reported.insert(path.to_path_buf()) {
            self.problems.push(WalkError {
                path: crate::config::relative_to_cwd(path),
                error,
            });
        }
    }

    /// One ignore file: `Ok(None)` when absent, `Err` when it exists but cannot be used
    /// (reported). Lines that are not patterns are reported and left out.
    fn read_ignore_file(
        &mut self,
        dir: &Path,
        file: &Path,
        patterns: &mut usize,
    ) -> Result<Option<Gitignore>, ()> {
        const NOT_APPLIED: &str = "so it is not applied and nothing in its folder is left out";
        let bytes = match input::read_limited(file, input::IGNORE_FILE_MAX) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(input::ReadError::TooLarge { size, limit }) => {
                let why = format!(
                    "ignore file size {}: it is {}, {NOT_APPLIED}",
                    input::bytes(limit),
                    input::bytes(size)
                );
                self.problem(file, ExtractError::Limit(why));
                return Err(());
            }
            Err(e) => {
                self.problem(file, ExtractError::Io(format!("{e}, {NOT_APPLIED}")));
                return Err(());
            }
        };
        let mut b = GitignoreBuilder::new(dir);
        let mut bad = Vec::new();
        for (i, line) in bytes.split(|c| *c == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Ok(line) = std::str::from_utf8(line) else {
                bad.push(format!("line {}: not UTF-8 text", i + 1));
                continue;
            };
            // Git reads a file that begins with a byte order mark.
            let line = if i == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let pattern = line.trim();
            if pattern.is_empty() || pattern.starts_with('#') {
                continue;
            }
            *patterns += 1;
            if *patterns > MAX_IGNORE_PATTERNS {
                let why = format!(
                    "ignore patterns in force at once {MAX_IGNORE_PATTERNS}: this file \
                     and those above it have more, {NOT_APPLIED}"
                );
                self.problem(file, ExtractError::Limit(why));
                return Err(());
            }
            if let Err(e) = b.add_line(Some(file.to_path_buf()), line) {
                bad.push(format!("line {}: {}", i + 1, pattern_error(&e)));
            }
        }
        if !bad.is_empty() {
            let why = format!("ignore file lines left out: {}", bad.join("; "));
            self.problem(file, ExtractError::Corrupt(why));
        }
        match b.build() {
            Ok(g) => Ok(Some(g)),
            Err(e) => {
                self.problem(file, ExtractError::Corrupt(format!("{e}, {NOT_APPLIED}")));
                Err(())
            }
        }
    }
}

/// `dir` is `top` or below it. Both are lexically normal, so comparing bytes is
/// enough (and much cheaper than comparing components, for every walked entry).
fn within(dir: &Path, top: &Path) -> bool {
    let (d, t) = (
        dir.as_os_str().as_encoded_bytes(),
        top.as_os_str().as_encoded_bytes(),
    );
    d.starts_with(t)
        && (d.len() == t.len()
            || t.last()
                .is_some_and(|c| std::path::is_separator(*c as char))
            || std::path::is_separator(d[t.len()] as char))
}

fn pattern_error(e: &ignore::Error) -> String {
    match e {
        ignore::Error::Glob { err, .. } => err.clone(),
        other => other.to_string(),
    }
}

/// The `info/exclude` of the repository whose `.git` is in `dir`: in the `.git` folder,
/// or, for a worktree or submodule (`.git` is a file naming the git folder), in its
/// common folder.
fn git_exclude_file(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    if std::fs::metadata(&dot_git).ok()?.is_dir() {
        return Some(dot_git.join("info/exclude"));
    }
    let text = input::read_limited(&dot_git, 4096).ok()?;
    let text = String::from_utf8(text).ok()?;
    let git_dir = dir.join(text.strip_prefix("gitdir:")?.trim());
    let common = match input::read_limited(&git_dir.join("commondir"), 4096) {
        Ok(c) => git_dir.join(String::from_utf8(c).ok()?.trim()),
        Err(_) => git_dir,
    };
    Some(common.join("info/exclude"))
}

/// Git's precedence: `.marklintignore` from the nearest folder up decides first, then
/// `.gitignore` and `info/exclude` of the folders up to the repository's root.
fn matched(rules: &DirRules, abs: &Path, is_dir: bool) -> bool {
    if rules.broken {
        return false;
    }
    let (mut custom, mut git, mut exclude) = (Match::None, Match::None, Match::None);
    let mut saw_git = false;
    let mut level = Some(rules);
    while let Some(r) = level {
        let test = |g: &Option<Gitignore>| match g {
            Some(g) => g.matched(abs, is_dir).map(|_| ()),
            None => Match::None,
        };
        if custom.is_none() {
            custom = test(&r.custom);
        }
        if !saw_git && git.is_none() {
            git = test(&r.git);
        }
        if !saw_git && exclude.is_none() {
            exclude = test(&r.exclude);
        }
        saw_git |= r.has_git;
        level = r.parent.as_deref();
    }
    custom.or(git).or(exclude).is_ignore()
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
                    error: ExtractError::Io(format!(
                        "symbolic link loop back to {}",
                        ancestor.display()
                    )),
                };
            }
            ignore::Error::Io(io) => {
                return WalkError {
                    path: path.unwrap_or_else(|| root.to_path_buf()),
                    error: ExtractError::Io(crate::extract::io_message(io)),
                };
            }
            other => {
                return WalkError {
                    path: path.unwrap_or_else(|| root.to_path_buf()),
                    error: ExtractError::Io(other.to_string()),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path of up to five pieces from a set that holds the cases (`.`, `..`, empty
    /// parts, dots inside and at the start of names, a byte that is not UTF-8): the same
    /// file name and extension as std's.
    #[test]
    fn file_name_and_extension_are_std_s() {
        use std::os::unix::ffi::OsStrExt;
        let pieces: [&[u8]; 9] = [
            b"/", b".", b"..", b"a", b".b", b"c.", b"d.txt", b"\xb9", b"\xb9.md",
        ];
        let mut paths: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = paths
                .iter()
                .flat_map(|p| pieces.iter().map(move |x| [p.as_slice(), x].concat()))
                .collect();
            paths.extend(longer);
        }
        for bytes in &paths {
            let path = Path::new(std::ffi::OsStr::from_bytes(bytes));
            assert_eq!(file_name(path), path.file_name(), "{path:?}");
            assert_eq!(
                file_name(path).and_then(extension),
                path.extension(),
                "{path:?}"
            );
        }
    }

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    /// The walked files relative to the root, and the problems' file names.
    fn walked(root: &Path) -> (Vec<String>, Vec<String>) {
        let ignores = Ignores::default();
        let opts = WalkOptions {
            exclude: None,
            skip: &[],
            ignores: &ignores,
        };
        let (files, errors) = walk(root, &opts);
        let files = files
            .iter()
            .map(|f| f.strip_prefix(root).unwrap().display().to_string())
            .collect();
        let errors = errors
            .iter()
            .map(|e| {
                let name = e.path.file_name().unwrap().to_string_lossy();
                format!("{name}: {}", e.error.phrase().1)
            })
            .collect();
        (files, errors)
    }

    #[test]
    fn git_precedence() {
        let dir = tree(&[
            (".gitignore", "*.log\nbuild/\n!keep.log\n"),
            (".marklintignore", "secret-*.md\n"),
            ("a.md", ""),
            ("x.log", ""),
            ("keep.log", ""),
            ("build/b.md", ""),
            ("secret-1.md", ""),
            // Nearer files win; .marklintignore wins over any .gitignore.
            ("sub/.gitignore", "!y.log\nlocal.md\n"),
            ("sub/.marklintignore", "!secret-2.md\n"),
            ("sub/y.log", ""),
            ("sub/local.md", ""),
            ("sub/secret-2.md", ""),
            ("sub/secret-3.md", ""),
        ]);
        let (files, errors) = walked(dir.path());
        assert_eq!(
            files,
            ["a.md", "keep.log", "sub/secret-2.md", "sub/y.log"],
            "{errors:?}"
        );
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn ignore_files_above_the_repository_do_not_apply_to_it() {
        let dir = tree(&[
            (".gitignore", "*.md\n"),
            ("repo/.git/info/exclude", "excluded.md\n"),
            ("repo/a.md", ""),
            ("repo/excluded.md", ""),
            ("other/b.md", ""),
        ]);
        assert_eq!(walked(&dir.path().join("repo")).0, ["a.md"]);
        assert_eq!(walked(&dir.path().join("other")).0, Vec::<String>::new());
        // A worktree: `.git` is a file naming the git folder; exclude is in the common one.
        let dir = tree(&[
            ("main/.git/info/exclude", "x.md\n"),
            ("main/.git/worktrees/wt/commondir", "../..\n"),
            ("wt/a.md", ""),
            ("wt/x.md", ""),
        ]);
        std::fs::write(
            dir.path().join("wt/.git"),
            format!(
                "gitdir: {}\n",
                dir.path().join("main/.git/worktrees/wt").display()
            ),
        )
        .unwrap();
        assert_eq!(walked(&dir.path().join("wt")).0, ["a.md"]);
    }

    /// An ignore file that cannot be used is reported, and its folder is checked in
    /// full: never a document left out on a guess, never an abort.
    #[test]
    fn unusable_ignore_files_leave_nothing_out() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("too large", vec![b'#'; input::IGNORE_FILE_MAX as usize + 1]),
            (
                "too many patterns",
                (0..=MAX_IGNORE_PATTERNS)
                    .map(|i| format!("p{i}/**/*.t{i}\n"))
                    .collect::<String>()
                    .into_bytes(),
            ),
        ];
        for (what, bytes) in cases {
            for name in [GIT_IGNORE, CUSTOM_IGNORE] {
                let dir = tree(&[
                    (".gitignore", "top.md\n"),
                    ("sub/a.md", ""),
                    ("sub/b.md", ""),
                    ("sub/deeper/.gitignore", "c.md\n"),
                    ("sub/deeper/c.md", ""),
                    ("top.md", ""),
                ]);
                std::fs::write(dir.path().join("sub").join(name), &bytes).unwrap();
                let (files, errors) = walked(dir.path());
                assert_eq!(
                    files,
                    ["sub/a.md", "sub/b.md", "sub/deeper/c.md"],
                    "{what} {name}"
                );
                assert_eq!(errors.len(), 1, "{what} {name}: {errors:?}");
                assert!(errors[0].starts_with(name), "{errors:?}");
                assert!(errors[0].contains("not applied"), "{errors:?}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn special_ignore_files_are_reported_not_read() {
        for target in ["/dev/zero", "/dev/urandom", "/dev/null"] {
            for name in [GIT_IGNORE, CUSTOM_IGNORE] {
                let dir = tree(&[("a.md", ""), ("b.log", "")]);
                std::os::unix::fs::symlink(target, dir.path().join(name)).unwrap();
                let (files, errors) = walked(dir.path());
                assert_eq!(files, ["a.md", "b.log"]);
                assert_eq!(
                    errors,
                    [format!(
                        "{name}: not a regular file: a character device, so it is not \
                         applied and nothing in its folder is left out"
                    )]
                );
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_special_exclude_file_is_reported_not_read() {
        let dir = tree(&[(".gitignore", "b.log\n"), ("a.md", ""), ("b.log", "")]);
        std::fs::create_dir_all(dir.path().join(".git/info")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(".git/info/exclude")).unwrap();
        let (files, errors) = walked(dir.path());
        // The folder's ignore files are not applied: b.log is checked too.
        assert_eq!(files, ["a.md", "b.log"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("exclude: not a regular file"),
            "{errors:?}"
        );
    }

    #[test]
    fn bad_lines_are_reported_and_the_rest_applies() {
        let dir = tree(&[("a.md", ""), ("b.log", ""), ("c.tmp", "")]);
        std::fs::write(
            dir.path().join(".gitignore"),
            b"*.log\n\xff\xfe\na[\n*.tmp\n",
        )
        .unwrap();
        let (files, errors) = walked(dir.path());
        assert_eq!(files, ["a.md"]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("line 2: not UTF-8 text"), "{errors:?}");
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_problems_never_files() {
        let dir = tree(&[("a.md", "")]);
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.md")).unwrap();
        let c = std::ffi::CString::new(dir.path().join("fifo.md").to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (files, errors) = walked(dir.path());
        assert_eq!(files, ["a.md"]);
        assert_eq!(
            errors,
            [
                "fifo.md: not a regular file: a FIFO (named pipe)",
                "zero.md: not a regular file: a character device"
            ]
        );
        // Named explicitly, too.
        let ignores = Ignores::default();
        let opts = WalkOptions {
            exclude: None,
            skip: &[],
            ignores: &ignores,
        };
        let (files, errors) = walk(&dir.path().join("fifo.md"), &opts);
        assert!(files.is_empty());
        assert_eq!(errors.len(), 1);
    }

    /// Memory: the ignore files of folders the walk has left are dropped.
    #[test]
    fn only_the_current_path_is_kept() {
        let mut files: Vec<(String, String)> = Vec::new();
        for i in 0..50 {
            files.push((format!("d{i}/.gitignore"), "x.md\n".into()));
            files.push((format!("d{i}/x.md"), String::new()));
            files.push((format!("d{i}/y.md"), String::new()));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let dir = tree(&refs);
        let ignores = Ignores::default();
        let opts = WalkOptions {
            exclude: None,
            skip: &[],
            ignores: &ignores,
        };
        let (found, _) = walk(dir.path(), &opts);
        assert_eq!(found.len(), 50);
        assert!(within(Path::new("/a/b"), Path::new("/a")));
        assert!(within(Path::new("/a"), Path::new("/a")));
        assert!(within(Path::new("/a"), Path::new("/")));
        assert!(!within(Path::new("/ab"), Path::new("/a")));
        let depth = dir.path().components().count() + 1;
        assert!(
            ignores.lock().stack.len() <= depth,
            "{}",
            ignores.lock().stack.len()
        );
    }
}
