//! Baselines: `--write-baseline FILE` records today's findings, `--baseline
//! FILE` hides them so that only new ones fail. An entry is rule code + path (relative
//! to the baseline's folder, `/`-separated) + for a document carried in that file, its
//! path inside it + a salted hash of the marking's normalised text: no line numbers, no
//! timestamps, no document text; entries sorted for stable diffs. Entries that no
//! finding matched any more are stale and listed.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::config::normalize as lexical;

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, hash_hex};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    version: u32,
    tool: String,
    /// Random per baseline, kept when it is rewritten: the hashes of short, guessable
    /// marks cannot be looked up in a table made for every baseline at once.
    salt: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    /// The checked file.
    pub path: String,
    /// A document carried in it (an OFD attachment): its path inside each container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inner: Vec<String>,
    pub hash: String,
}

impl Entry {
    /// Where the finding was, as reports show it (`a.ofd!/Doc_0/Attachs/b.ofd`).
    pub fn shown(&self) -> String {
        crate::diagnostic::DocPath {
            file: self.path.clone(),
            inner: self.inner.clone(),
        }
        .to_string()
    }
}

/// Version 2 keeps an embedded document's path in `inner`; version 1 wrote it after the
/// file's, as `a.ofd!/Doc_0/Attachs/b.ofd`, and is still read.
const VERSION: u32 = 2;

impl Wire {
    /// A baseline of a version this tool reads, as the current version; `base` is the
    /// folder its paths are relative to.
    fn upgraded(mut self, base: &Path) -> Option<Wire> {
        match self.version {
            VERSION => Some(self),
            1 => {
                for e in &mut self.entries {
                    // The file is the part before a `!/` that names a file (a folder may
                    // be named `a!`); when none does, the file is gone and the entry stale.
                    let at = e
                        .path
                        .match_indices("!/")
                        .map(|(at, _)| at)
                        .find(|&at| base.join(&e.path[..at]).is_file());
                    if let Some(at) = at {
                        e.inner = e.path[at + 2..].split("!/").map(str::to_string).collect();
                        e.path.truncate(at);
                    }
                }
                self.version = VERSION;
                Some(self)
            }
            _ => None,
        }
    }
}

/// A loaded baseline, matched against one run's findings.
#[derive(Debug)]
pub struct Baseline {
    salt: String,
    /// The folder paths are relative to.
    base: PathBuf,
    cwd: PathBuf,
    /// Entry → how many findings it still stands for.
    remaining: BTreeMap<Entry, usize>,
}

impl Baseline {
    /// Read `file`. Errors name the file, line and problem.
    pub fn load(file: &Path) -> Result<Baseline> {
        let text =
            crate::input::read_text(file, crate::input::BASELINE_MAX, crate::input::Syntax::Json)
                .map_err(|why| {
                anyhow!(
                    "{}: cannot read the baseline: {why}",
                    crate::report::path_text(file)
                )
            })?;
        let wire: Wire = serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "{}:{}:{}: not a mark-lint baseline: {e}",
                crate::report::path_text(file),
                e.line(),
                e.column()
            )
        })?;
        let version = wire.version;
        let base = base_dir(file)?;
        let Some(wire) = wire.upgraded(&base) else {
            return Err(anyhow!(
                "{}: baseline version {version} (this mark-lint reads versions 1 and {VERSION})",
                crate::report::path_text(file),
            ));
        };
        let mut remaining = BTreeMap::new();
        for e in wire.entries {
            *remaining.entry(e).or_insert(0) += 1;
        }
        Ok(Baseline {
            salt: wire.salt,
            base,
            cwd: std::env::current_dir().context("cannot read the current folder")?,
            remaining,
        })
    }

    /// The baseline to be rewritten at `file`: the one already there (its salt, so a
    /// rewrite changes only what changed, and its entries for files this run did not
    /// check), or a new one.
    pub fn for_writing(file: &Path) -> Result<Baseline> {
        let base = base_dir(file)?;
        let old =
            crate::input::read_text(file, crate::input::BASELINE_MAX, crate::input::Syntax::Json)
                .ok()
                .and_then(|t| serde_json::from_str::<Wire>(&t).ok());
        // A baseline of a version this tool cannot read is not overwritten: its entries
        // for the files this run does not check would be lost.
        let old = match old {
            Some(w) => {
                let version = w.version;
                Some(w.upgraded(&base).ok_or_else(|| {
                    anyhow!(
                        "{}: baseline version {version} (this mark-lint reads versions 1 and {VERSION}); not rewritten",
                        crate::report::path_text(file),
                    )
                })?)
            }
            None => None,
        };
        let mut remaining = BTreeMap::new();
        let salt = match old {
            Some(w) => {
                for e in w.entries {
                    *remaining.entry(e).or_insert(0) += 1;
                }
                w.salt
            }
            None => new_salt(),
        };
        Ok(Baseline {
            salt,
            base,
            cwd: std::env::current_dir().context("cannot read the current folder")?,
            remaining,
        })
    }

    /// The files checked, as baseline paths.
    fn checked(&self, files: &[String]) -> std::collections::BTreeSet<String> {
        files
            .iter()
            .map(|f| normalise(f, &self.cwd, &self.base))
            .collect()
    }

    fn entry(&self, d: &Diagnostic) -> Entry {
        Entry {
            code: d.code.to_string(),
            path: normalise(&d.path.file, &self.cwd, &self.base),
            inner: d.path.inner.clone(),
            hash: hash_hex(&[&self.salt, &d.code, &d.content_key()])[..32].to_string(),
        }
    }

    /// Whether `d` is recorded (each entry hides one finding).
    pub fn take(&mut self, d: &Diagnostic) -> bool {
        let e = self.entry(d);
        match self.remaining.get_mut(&e) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// Entries of the files checked (`files`, as shown) that no finding matched: the
    /// problem was fixed. Entries of files not checked in this run (a pre-commit run
    /// sees only the staged files) are not stale; a file that is gone is.
    pub fn stale(&self, files: &[String]) -> Vec<&Entry> {
        let checked = self.checked(files);
        self.remaining
            .iter()
            .filter(|(e, _)| checked.contains(&e.path) || !self.base.join(&e.path).exists())
            .flat_map(|(e, n)| std::iter::repeat_n(e, *n))
            .collect()
    }

    /// Write the findings to `file`, sorted, keeping the entries of files this run did
    /// not check (`files`, as shown); returns how many entries.
    pub fn write(&self, file: &Path, diags: &[&Diagnostic], files: &[String]) -> Result<usize> {
        let checked = self.checked(files);
        let kept = self
            .remaining
            .iter()
            .filter(|(e, _)| !checked.contains(&e.path) && self.base.join(&e.path).exists())
            .flat_map(|(e, n)| std::iter::repeat_n(e.clone(), *n));
        let mut entries: Vec<Entry> = diags.iter().map(|d| self.entry(d)).chain(kept).collect();
        entries.sort();
        let wire = Wire {
            version: VERSION,
            tool: "mark-lint".to_string(),
            salt: self.salt.clone(),
            entries,
        };
        let mut text = serde_json::to_string_pretty(&wire)?;
        text.push('\n');
        crate::fix::write_atomically(file, text.as_bytes()).with_context(|| {
            format!(
                "{}: cannot write the baseline",
                crate::report::path_text(file)
            )
        })?;
        Ok(wire.entries.len())
    }
}

fn base_dir(file: &Path) -> Result<PathBuf> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::canonicalize(&dir).with_context(|| {
        format!(
            "{}: no such folder for the baseline",
            crate::report::path_text(&dir)
        )
    })
}

fn new_salt() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    for _ in 0..2 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// A file's path relative to `base`, `/`-separated.
pub fn normalise(file: &str, cwd: &Path, base: &Path) -> String {
    let abs = lexical(&cwd.join(file));
    relative(&abs, &lexical(base))
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `path` as seen from `base` (both absolute and lexical).
pub fn relative(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_baseline_folder() {
        let cwd = Path::new("/repo/docs");
        let base = Path::new("/repo");
        assert_eq!(normalise("a/b.md", cwd, base), "docs/a/b.md");
        assert_eq!(normalise("./a/../c.md", cwd, base), "docs/c.md");
        assert_eq!(normalise("../x.md", cwd, base), "x.md");
        assert_eq!(normalise("/elsewhere/y.md", cwd, base), "../elsewhere/y.md");
        // A folder whose name ends in `!` is a folder like any other.
        assert_eq!(normalise("a!/b.md", cwd, base), "docs/a!/b.md");
    }

    /// A version 1 baseline (the embedded document's path after the file's) is read as
    /// version 2, the file being the part that names a file; any other version is
    /// refused.
    #[test]
    fn version_1_is_read_as_version_2() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(base.path().join("x!/d!")).unwrap();
        std::fs::write(base.path().join("x!/d!/f.ofd"), "").unwrap();
        std::fs::write(base.path().join("x!/b.md"), "").unwrap();
        let v1 = r#"{"version":1,"tool":"mark-lint","salt":"00","entries":[
            {"code":"ML101","path":"x!/d!/f.ofd!/Doc_0/Attachs/a.ofd!/b.ofd","hash":"1"},
            {"code":"ML101","path":"x!/b.md","hash":"2"},
            {"code":"ML101","path":"gone.ofd!/a.ofd","hash":"3"}]}"#;
        let wire = serde_json::from_str::<Wire>(v1).unwrap();
        let wire = wire.upgraded(base.path()).unwrap();
        assert_eq!(wire.version, 2);
        let got: Vec<(&str, &[String])> = wire
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.inner.as_slice()))
            .collect();
        let attachment = ["Doc_0/Attachs/a.ofd".to_string(), "b.ofd".to_string()];
        assert_eq!(
            got,
            [
                ("x!/d!/f.ofd", &attachment[..]),
                ("x!/b.md", &[][..]),
                ("gone.ofd!/a.ofd", &[][..]),
            ]
        );
        // Shown as reports show it.
        assert_eq!(
            wire.entries[0].shown(),
            "x!/d!/f.ofd!/Doc_0/Attachs/a.ofd!/b.ofd"
        );
        let v3 = v1.replace(r#""version":1"#, r#""version":3"#);
        let v3 = serde_json::from_str::<Wire>(&v3).unwrap();
        assert!(v3.upgraded(base.path()).is_none());
    }

    #[test]
    fn salts_differ() {
        assert_ne!(new_salt(), new_salt());
        assert_eq!(new_salt().len(), 32);
    }
}
