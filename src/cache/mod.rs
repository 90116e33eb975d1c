//! The content-free cache (`--cache DIR`, config `cache:`): per file, the facts the
//! rules read, found by extracting and scanning it once, so that a re-run over an
//! unchanged tree inflates and parses nothing again.
//!
//! What is stored is what the scan found — marks, levels, terms, dates, 份号, positions
//! (part, line, column), part names and OCR confidences, how many places could not be
//! read — and never the document's text: each position's line (`snippet`) is left
//! out, a 知悉范围 is stored as present or not. No verdict is stored either: the rules
//! run over the facts on every run, against that run's `--today`. A configured keyword
//! or `pattern` rule reads the text itself: for those only the fact that one matched
//! somewhere is stored.
//!
//! A file whose facts give a finding (or a 绝密 copy for ML302, or inline suppressions
//! to apply) is read again in full: the finding quotes its line, which the cache does
//! not hold. So the cache spares the work of the files that turn out clean, the common
//! case of an archive, and a cached run's output is the uncached one's by construction.
//!
//! An entry is found by its key: BLAKE3 of the format, the tool's version, the
//! settings that shape the facts (regime, limits, OCR, rule set, keywords, label map),
//! the file name and the file's bytes. Its header repeats the format, version and key
//! and carries a checksum of the facts: an entry that is truncated, damaged, from
//! another version or for another key is ignored and written again, never trusted.
//! Entries are written to a temporary file and renamed into place, so runs sharing the
//! folder never see half an entry.
//!
//! Each settled file's facts are also stored under a second key, made of its name and
//! its stamp (device, inode, size, times; `stamp`) instead of its bytes, in `stamps/`:
//! a file whose stamp has an entry is neither opened, read nor hashed on a warm run.
//! The content key stays the key of record: a file copied or touched (a new stamp,
//! the same bytes) is read and hashed once, and found by it.

mod stamp;

pub use stamp::Stamp;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::config::resolve::Settings;
use crate::marking::{Mark, Term};
use crate::rules::compile::Rule;
use crate::scan::{Declared, Position, Scan};

/// Bumped whenever the facts stored (or what they mean) change.
pub const FORMAT: u32 = 2;
const MAGIC: &str = "mark-lint-cache";
/// The folder a cache takes when none is named (`cache: true`).
pub const DEFAULT_DIR: &str = ".mark-lint-cache";
/// Written in the cache folder: its contents are never committed or walked.
const GITIGNORE: &str = "# Written by mark-lint: the folder is its cache.\n*\n";
/// The Cache Directory Tagging Specification's tag: backup tools skip the folder.
const TAG_NAME: &str = "CACHEDIR.TAG";
const TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by mark-lint.\n";
/// An entry larger than this is not read (facts are a few KB at most).
const MAX_ENTRY: u64 = 64 * 1024 * 1024;

/// The facts of one file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileFacts {
    /// A text file (`--fix` could rewrite it).
    pub text_file: bool,
    /// It holds inline suppressions (read in full each time: they quote their reason).
    pub directives: bool,
    /// Images carried inside that no OCR read.
    pub images_unread: usize,
    /// `None`: not a document (an image, a binary).
    pub doc: Option<DocFacts>,
    /// Whether scans could be read by OCR when the file was read, if that mattered to
    /// what it gave (it holds an image, or is one: `ocr::asking`); `None` when it did
    /// not. Facts read with another answer than this run's are not used.
    pub ocr: Option<bool>,
}

/// The facts of one document and of those it carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocFacts {
    pub archive: bool,
    /// Each part's name and, when it was read by OCR, the read's confidence.
    pub parts: Vec<(Option<String>, Option<f32>)>,
    /// The scan, with no line of text (`Scan::without_text`).
    pub scan: Scan,
    /// Places that could not be read (each an ML900).
    pub gaps: usize,
    /// A configured keyword or a `pattern` rule matched somewhere in the text.
    pub text_hits: bool,
    /// The documents carried, by name; `None` for one that could not be read.
    pub embedded: Vec<(String, Option<DocFacts>)>,
}

/// A cache folder, open for a run.
#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
    /// The part of every key that the settings give.
    settings: [u8; 32],
}

/// Where one file's entry is: its key, and whether it is a stamp entry (`stamps/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    hash: [u8; 32],
    stamped: bool,
}

impl Key {
    /// The salt of the digests in the entry's facts (`Scan::without_text`).
    pub fn salt(&self) -> &[u8; 32] {
        &self.hash
    }

    /// The key in lower-case hex (BLAKE3's own, without allocating: a `write!` per byte
    /// was 8 % of a warm run).
    fn hex(&self) -> impl std::ops::Deref<Target = str> {
        blake3::Hash::from_bytes(self.hash).to_hex()
    }
}

/// The first line of every entry: the format, the version and the commit the binary was
/// built from (`--version`), so that a build with other readers at the same version
/// number never trusts facts an older one read. A build that knows no commit (no git,
/// no `COMMIT` file) says `unknown`, and only `FORMAT` tells such builds apart.
fn header() -> String {
    format!(
        "{MAGIC} {FORMAT} {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("MARK_LINT_COMMIT")
    )
}

impl Cache {
    /// Open (and make) the cache folder `dir` for the settings `s`: a `.gitignore` with
    /// `*` and a `CACHEDIR.TAG` are written in it, like other tools' caches.
    pub fn open(dir: &Path, s: &Settings) -> Result<Cache> {
        std::fs::create_dir_all(dir).with_context(|| {
            format!(
                "{}: cannot make the cache folder",
                crate::report::path_text(dir)
            )
        })?;
        for (name, text) in [(".gitignore", GITIGNORE), (TAG_NAME, TAG)] {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                write_atomic(&path, text.as_bytes()).with_context(|| {
                    format!(
                        "{}: cannot write in the cache folder",
                        crate::report::path_text(&path)
                    )
                })?;
            }
        }
        Ok(Cache {
            dir: dir.to_path_buf(),
            settings: settings_key(s),
        })
    }

    /// The key of a file named `name` whose bytes hash to `content` (`content_hash`).
    pub fn key_of(&self, name: &str, content: &Content) -> Key {
        self.key_in(b"", name, &content.0, false)
    }

    /// The key of the stamp entry of a file named `name` stamped `stamp`: the facts of
    /// the bytes it held when its stamp was recorded, under these settings. Keys of
    /// their own (another domain of the hash), kept apart in `stamps/`.
    pub fn stamp_key(&self, name: &str, stamp: &Stamp) -> Key {
        self.key_in(b"stamp\0", name, &stamp.bytes(), true)
    }

    fn key_in(&self, domain: &[u8], name: &str, what: &[u8], stamped: bool) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(domain);
        h.update(header().as_bytes());
        h.update(&[0]);
        h.update(&self.settings);
        h.update(&(name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update(what);
        Key {
            hash: *h.finalize().as_bytes(),
            stamped,
        }
    }

    fn entry_path(&self, key: &Key) -> PathBuf {
        let hex = key.hex();
        let dir = if key.stamped {
            self.dir.join(STAMPS)
        } else {
            self.dir.clone()
        };
        dir.join(&hex[..2]).join(&hex[2..])
    }

    /// The facts stored under `key`, if an entry is there and sound: written by this
    /// format and version, for this key, whole (its checksum holds) and parseable.
    pub fn get(&self, key: &Key) -> Option<FileFacts> {
        let bytes = read_entry(&self.entry_path(key))?;
        serde_json::from_slice(unseal(&bytes, key)?).ok()
    }

    /// Store `facts` under `key`, atomically; a failure leaves the run as it is (the
    /// cache only saves work).
    pub fn put(&self, key: &Key, facts: &FileFacts) {
        let Ok(payload) = serde_json::to_vec(facts) else {
            return;
        };
        write_entry(&self.entry_path(key), &seal(key, &payload));
    }
}

/// The hash of a file's bytes, as keys and stamp entries hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Content([u8; 32]);

/// The hash of `bytes`.
pub fn content_hash(bytes: &[u8]) -> Content {
    Content(*blake3::hash(bytes).as_bytes())
}

/// The folder of the stamp entries, inside the cache folder.
const STAMPS: &str = "stamps";

/// An entry's bytes, if it can be read (and is not absurdly large).
fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    // Room for a whole entry of most files (a few hundred bytes to a few KB): one read
    // and the one that finds the end (an empty vector grows through seven).
    let mut bytes = Vec::with_capacity(8 * 1024);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_ENTRY), &mut bytes).ok()?;
    Some(bytes)
}

/// Write an entry atomically, its folder made if need be; a failure is ignored.
fn write_entry(path: &Path, entry: &[u8]) {
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = write_atomic(path, entry);
}

/// An entry: the header, the key, the payload's checksum, each a line, then the payload.
fn seal(key: &Key, payload: &[u8]) -> Vec<u8> {
    let mut entry = Vec::with_capacity(payload.len() + 200);
    entry.extend_from_slice(header().as_bytes());
    entry.push(b'\n');
    entry.extend_from_slice(key.hex().as_bytes());
    entry.push(b'\n');
    entry.extend_from_slice(blake3::hash(payload).to_hex().as_bytes());
    entry.push(b'\n');
    entry.extend_from_slice(payload);
    entry
}

/// An entry's payload, if its header, key and checksum hold.
fn unseal<'a>(bytes: &'a [u8], key: &Key) -> Option<&'a [u8]> {
    let mut lines = bytes.splitn(4, |b| *b == b'\n');
    let (head, stored_key, sum, payload) =
        (lines.next()?, lines.next()?, lines.next()?, lines.next()?);
    if head != header().as_bytes() || stored_key != key.hex().as_bytes() {
        return None;
    }
    if sum != blake3::hash(payload).to_hex().as_bytes() {
        return None;
    }
    Some(payload)
}

/// Write `bytes` to a new temporary file beside `path`, then rename it over `path`: a
/// reader sees the old file or the new one, never a part.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
    let tmp = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes));
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The part of every key the settings give: everything that shapes what extraction and
/// the scan find (the regime, the limits), and the rule set, keywords and label map.
/// Whether OCR can read scans here is not in it (the engine would be looked for on
/// every run): the facts of a file that depended on it say so (`FileFacts::ocr`). Not the date, language or `fail-on`: they shape
/// verdicts, which are never stored.
fn settings_key(s: &Settings) -> [u8; 32] {
    let r = &s.regime;
    // Every field of the regime but its gate, which is made from them (and holds
    // searchers whose `Debug` is no stable text).
    let regime = format!(
        "{:?}",
        (
            (&r.name, &r.title, r.star, &r.wrong_stars, &r.levels),
            (&r.level_words, &r.non_secret, &r.other_regime_marks),
            (&r.example_words, &r.urgency, &r.indefinite),
            (&r.unlawful_indefinite, &r.level_labels, &r.term_labels),
            (r.copy_number_len, &r.public_declarations, &r.publication),
            (r.first_page_lines, r.legacy_before),
            (&r.legacy_copy_number_levels, &r.authorities),
        )
    );
    let mut h = blake3::Hasher::new();
    let parts = [
        regime,
        format!("{:?}", s.limits),
        format!("{:?}", shapes(&s.rules)),
        format!("{:?}", shapes(&s.name_rules)),
        format!("{:?}", s.keywords),
        format!("{:?}", s.label_map),
        format!("term-start printed {}", s.term_start_printed),
    ];
    for p in &parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    *h.finalize().as_bytes()
}

/// What of each rule can shape the facts: which rule it is, its kind and parameters
/// (a `pattern` rule's expression), whether and how it runs. Not its texts (message,
/// help, the article quoted, examples): they shape only what a finding says, and no
/// finding is stored. (Formatting them, every CJK character escaped by `Debug`, was a
/// third of a warm run, on the walk's thread before the first file was sent.)
fn shapes(rules: &[Rule]) -> Vec<impl std::fmt::Debug + '_> {
    rules
        .iter()
        .map(|r| {
            (
                &r.code,
                r.kind,
                &r.params,
                r.enabled,
                r.severity,
                r.suppressible,
            )
        })
        .collect()
}

/// A string of the document that the rules only compare (a mark as written, a 解密条件,
/// a label): a digest keyed by the entry, so that two equal strings of one document stay
/// equal and no text is stored (nor can be guessed from another document's entry).
fn digest(salt: &[u8; 32], text: &mut String) {
    let hash = blake3::keyed_hash(salt, text.as_bytes());
    *text = format!("#{}", &hash.to_hex()[..24]);
}

fn digest_term(salt: &[u8; 32], term: &mut Term) {
    if let Term::Condition(text) = term {
        digest(salt, text);
    }
}

fn digest_mark(salt: &[u8; 32], mark: &mut Mark) {
    digest(salt, &mut mark.raw);
    digest_term(salt, &mut mark.term);
    mark.fix.iter_mut().for_each(|f| digest(salt, f));
}

fn digest_declared(salt: &[u8; 32], d: &mut Declared) {
    digest(salt, &mut d.raw);
    d.term.iter_mut().for_each(|t| digest_term(salt, t));
}

impl Scan {
    /// The scan as the cache stores it, with no text of the document: each position's
    /// line (snippet) emptied, a 知悉范围 only as present, and every other string the
    /// rules read (marks and labels as written, 解密条件, designations) replaced by a
    /// digest keyed by `salt` (equal strings stay equal). Levels, terms, dates, 份号 and
    /// positions stay: they are the facts.
    pub fn without_text(&self, salt: &[u8; 32]) -> Scan {
        let mut s = self.clone();
        for m in s.found_marks_mut() {
            digest_mark(salt, &mut m.mark);
        }
        for l in &mut s.labels {
            digest(salt, &mut l.raw);
            l.term.iter_mut().for_each(|t| digest_term(salt, t));
        }
        s.portions.iter_mut().for_each(|p| digest(salt, &mut p.raw));
        for n in &mut s.non_secret {
            digest(salt, &mut n.raw);
            digest(salt, &mut n.designation);
        }
        s.public.iter_mut().for_each(|(_, t)| digest(salt, t));
        for info in [&mut s.front, &mut s.props] {
            for d in [&mut info.level, &mut info.term].into_iter().flatten() {
                digest_declared(salt, d);
            }
            info.public.iter_mut().for_each(|(_, t)| digest(salt, t));
        }
        for d in [&mut s.label, &mut s.file_name].into_iter().flatten() {
            digest_declared(salt, d);
        }
        s.blank_lines();
        s
    }

    /// Every mark the scan found: banners, candidates, change marks, hidden ones.
    fn found_marks_mut(&mut self) -> impl Iterator<Item = &mut crate::scan::FoundMark> {
        self.banners
            .iter_mut()
            .chain(&mut self.candidates)
            .chain(&mut self.changes)
            .chain(&mut self.hidden)
    }

    /// Every position's line emptied; a 知悉范围 kept only as present.
    fn blank_lines(&mut self) {
        let s = self;
        let blank = |p: &mut Position| p.snippet = String::new();
        for m in s.found_marks_mut() {
            blank(&mut m.pos);
        }
        s.labels.iter_mut().for_each(|l| blank(&mut l.pos));
        s.non_secret.iter_mut().for_each(|n| blank(&mut n.pos));
        s.portions.iter_mut().for_each(|p| blank(&mut p.pos));
        s.public.iter_mut().for_each(|(p, _)| blank(p));
        if let Some((p, _)) = &mut s.declassified {
            blank(p);
        }
        for info in [&mut s.front, &mut s.props] {
            for d in [&mut info.level, &mut info.term].into_iter().flatten() {
                d.pos.iter_mut().for_each(blank);
            }
            if let Some((_, p)) = &mut info.classified_on {
                blank(p);
            }
            if let Some((p, _)) = &mut info.public {
                blank(p);
            }
            info.distribution = info.distribution.as_ref().map(|_| String::new());
        }
        for d in [&mut s.label, &mut s.file_name].into_iter().flatten() {
            d.pos.iter_mut().for_each(blank);
        }
        s.distribution = s.distribution.as_ref().map(|_| String::new());
    }
}

/// `mark-lint cache clean`: remove the cache folder `dir`; how many entries it held.
/// Only a folder mark-lint made (its tag inside) is removed: a folder named by mistake
/// (`cache clean src`) is refused, not emptied.
pub fn clean(dir: &Path) -> Result<usize> {
    let shown = crate::report::path_text(dir);
    match std::fs::symlink_metadata(dir) {
        Err(_) => return Ok(0),
        Ok(m) if !m.is_dir() => bail!("{shown}: not a folder"),
        Ok(_) => {}
    }
    let tag = std::fs::read_to_string(dir.join(TAG_NAME)).unwrap_or_default();
    if !tag.contains("created by mark-lint") {
        bail!("{shown}: not a mark-lint cache (no {TAG_NAME} written by mark-lint): left as it is");
    }
    let entries = walkdir::WalkDir::new(dir)
        .min_depth(2)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .count();
    std::fs::remove_dir_all(dir).with_context(|| format!("{shown}: cannot remove"))?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> FileFacts {
        FileFacts {
            text_file: true,
            directives: false,
            images_unread: 0,
            doc: None,
            ocr: None,
        }
    }

    fn open(dir: &Path) -> Cache {
        let s = crate::config::resolve::resolve(&Default::default(), None).unwrap();
        Cache::open(dir, &s).unwrap()
    }

    #[test]
    fn an_entry_is_read_back_only_for_its_own_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let a = cache.key_of("a.txt", &content_hash(b"one"));
        let b = cache.key_of("a.txt", &content_hash(b"two"));
        let c = cache.key_of("b.txt", &content_hash(b"one"));
        assert_ne!(a, b);
        assert_ne!(a, c);
        cache.put(&a, &facts());
        assert!(cache.get(&a).is_some());
        assert!(cache.get(&b).is_none());
        // The entry of `a` put where `b`'s would be: a foreign key, not trusted.
        std::fs::create_dir_all(cache.entry_path(&b).parent().unwrap()).unwrap();
        std::fs::copy(cache.entry_path(&a), cache.entry_path(&b)).unwrap();
        assert!(cache.get(&b).is_none());
    }

    #[test]
    fn a_damaged_entry_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let key = cache.key_of("a.txt", &content_hash(b"one"));
        cache.put(&key, &facts());
        let path = cache.entry_path(&key);
        let whole = std::fs::read(&path).unwrap();
        for cut in [0, 10, whole.len() / 2, whole.len() - 1] {
            std::fs::write(&path, &whole[..cut]).unwrap();
            assert!(cache.get(&key).is_none(), "cut at {cut}");
        }
        // One fact changed, the checksum left: refused.
        let text = String::from_utf8(whole.clone()).unwrap();
        std::fs::write(
            &path,
            text.replace("\"text_file\":true", "\"text_file\":fals"),
        )
        .unwrap();
        assert!(cache.get(&key).is_none());
        std::fs::write(&path, &whole).unwrap();
        assert!(cache.get(&key).is_some());
    }

    #[cfg(unix)]
    #[test]
    fn a_stamp_entry_is_found_only_for_its_name_and_stamp_and_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(&dir.path().join("c"));
        let stamp_of = |name: &str, text: &str| {
            let file = dir.path().join(name);
            std::fs::write(&file, text).unwrap();
            Stamp::of(&std::fs::metadata(&file).unwrap()).unwrap()
        };
        let (a, b) = (stamp_of("a.txt", "一"), stamp_of("b.txt", "二"));
        let key = cache.stamp_key("a.txt", &a);
        assert_ne!(key, cache.stamp_key("a.txt", &b));
        assert_ne!(key, cache.stamp_key("b.txt", &a), "the name is in the key");
        assert_ne!(key.hash, cache.key_of("a.txt", &content_hash(b"one")).hash);
        assert!(cache.get(&key).is_none());
        cache.put(&key, &facts());
        assert!(cache.get(&key).is_some());
        assert!(cache.get(&cache.stamp_key("a.txt", &b)).is_none());
        let path = cache.entry_path(&key);
        assert!(
            path.starts_with(dir.path().join("c").join(STAMPS)),
            "{path:?}"
        );
        // The same hash as a facts key is another entry (another folder).
        let plain = Key {
            stamped: false,
            ..key
        };
        assert!(cache.get(&plain).is_none());
    }

    #[test]
    fn a_key_is_written_as_64_lower_case_hex_digits() {
        let key = Key {
            hash: std::array::from_fn(|i| (i * 37 % 256) as u8),
            stamped: false,
        };
        let text = key.hex().to_string();
        assert_eq!(&text[..10], "00254a6f94");
        assert_eq!(text.len(), 64);
        assert_eq!(text, text.to_lowercase());
    }

    #[test]
    fn the_folder_is_ignored_and_tagged_and_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("c");
        let cache = open(&at);
        assert_eq!(
            std::fs::read_to_string(at.join(".gitignore")).unwrap(),
            GITIGNORE
        );
        assert!(at.join(TAG_NAME).is_file());
        let key = cache.key_of("a.txt", &content_hash(b"one"));
        cache.put(&key, &facts());
        assert_eq!(clean(&at).unwrap(), 1);
        assert!(!at.exists());
        assert_eq!(clean(&at).unwrap(), 0);
        // A folder mark-lint did not make is left alone.
        std::fs::create_dir(&at).unwrap();
        std::fs::write(at.join("keep.txt"), "x").unwrap();
        assert!(clean(&at).is_err());
        assert!(at.join("keep.txt").is_file());
    }
}
