//! Baselines (SPEC §5): `--write-baseline FILE` records today's findings, `--baseline
//! FILE` hides them so that only new ones fail. An entry is rule code + path (relative
//! to the baseline's folder, `/`-separated) + a salted hash of the marking's normalised
//! text: no line numbers, no timestamps, no document text; entries sorted for stable
//! diffs. Entries that no finding matched any more are stale and listed.

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
    pub path: String,
    pub hash: String,
}

const VERSION: u32 = 1;

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

/// The file an entry's path names (an embedded document's container).
fn file_of(path: &str) -> &str {
    path.split_once("!/").map_or(path, |(f, _)| f)
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
        if wire.version != VERSION {
            return Err(anyhow!(
                "{}: baseline version {} (this mark-lint reads version {VERSION})",
                crate::report::path_text(file),
                wire.version
            ));
        }
        let mut remaining = BTreeMap::new();
        for e in wire.entries {
            *remaining.entry(e).or_insert(0) += 1;
        }
        Ok(Baseline {
            salt: wire.salt,
            base: base_dir(file)?,
            cwd: std::env::current_dir().context("cannot read the current folder")?,
            remaining,
        })
    }

    /// The baseline to be rewritten at `file`: the one already there (its salt, so a
    /// rewrite changes only what changed, and its entries for files this run did not
    /// check), or a new one.
    pub fn for_writing(file: &Path) -> Result<Baseline> {
        let old =
            crate::input::read_text(file, crate::input::BASELINE_MAX, crate::input::Syntax::Json)
                .ok()
                .and_then(|t| serde_json::from_str::<Wire>(&t).ok());
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
            base: base_dir(file)?,
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
            path: normalise(&d.path, &self.cwd, &self.base),
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
            .filter(|(e, _)| {
                checked.contains(file_of(&e.path)) || !self.base.join(file_of(&e.path)).exists()
            })
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
            .filter(|(e, _)| {
                !checked.contains(file_of(&e.path)) && self.base.join(file_of(&e.path)).exists()
            })
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

/// A finding's path relative to `base`, `/`-separated; an embedded document keeps its
/// `!/inner` suffix.
pub fn normalise(shown: &str, cwd: &Path, base: &Path) -> String {
    let (file, inner) = match shown.split_once("!/") {
        Some((f, i)) => (f, Some(i)),
        None => (shown, None),
    };
    let abs = lexical(&cwd.join(file));
    let rel = relative(&abs, &lexical(base));
    let mut s = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if let Some(i) = inner {
        s.push_str("!/");
        s.push_str(i);
    }
    s
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
        assert_eq!(
            normalise("f.ofd!/Doc_0/Attachs/a.ofd", cwd, base),
            "docs/f.ofd!/Doc_0/Attachs/a.ofd"
        );
    }

    #[test]
    fn salts_differ() {
        assert_ne!(new_salt(), new_salt());
        assert_eq!(new_salt().len(), 32);
    }
}
