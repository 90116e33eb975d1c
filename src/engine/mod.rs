//! The check pipeline and nothing else: group the paths by the config above them, walk
//! them on a thread of their own (`walker`), check each batch of files in parallel as
//! the walk sends it (extract → scan → rules), decide what is decided across the tree,
//! apply inline suppressions. Returns what it found; never prints, never decides the
//! exit code.

mod file;
mod inputs;
mod walker;

pub use crate::rules::check::lint_document;
pub use inputs::Preloaded;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::ConfigFile;
use crate::config::resolve::{Overrides, Settings, resolve};
use crate::diagnostic::{Diagnostic, DocPath, Lang};
use crate::regime::Regime;
use crate::rules::Rule;
use crate::rules::check::unreadable;
use crate::{budget, fix, inventory, progress, report, rules, suppress, walk};
use file::{check_file, display_path};

/// What to check with: the command line's part of the settings, and how to run.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub overrides: Overrides,
    /// `--config`: one config for every path, instead of the one found above each.
    pub config: Option<PathBuf>,
    pub jobs: Option<usize>,
    /// No progress line.
    pub quiet: bool,
    /// Something will be written (a report, a ledger, a baseline): keep every input,
    /// which none may overwrite.
    pub keep_inputs: bool,
    /// Keep the name of every file checked (`Run::files`): a JUnit report lists them, a
    /// baseline is written or compared against them. Otherwise only counted, so that
    /// memory does not grow with the tree.
    pub keep_checked: bool,
    /// `--shard I/N`: check only this part of the files.
    pub shard: Option<Shard>,
}

/// `--shard I/N`: the `index`-th (1-based) of `count` parts of the files, each file's
/// part decided by a hash of its path relative to the root it was found under, so
/// that it is the same on every machine and every run. ML302, which compares the
/// documents of the whole tree, does not run in a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// `I/N` with 1 ≤ I ≤ N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || anyhow!("--shard {text}: expected I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u64>().map_err(|_| bad())?,
            n.trim().parse::<u64>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the file at `path`, found under `root`, is in this shard.
    fn holds(&self, path: &Path, root: &Path) -> bool {
        let rel = path
            .strip_prefix(root)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .unwrap_or(path);
        // Separators as `/` whatever the system: the same part on every machine.
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let hash = blake3::hash(parts.join("/").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(first) % self.count == self.index - 1
    }
}

/// What one pass over the inputs found.
pub struct Run {
    /// Ledger rows (`inventory`), sorted by path and line.
    pub rows: Vec<inventory::Row>,
    /// The expiring window of the first config.
    pub window: i64,
    /// Sorted; each knows whether it is at or above its own config's `fail-on`.
    pub diags: Vec<Diagnostic>,
    pub suppressed: Vec<report::Suppressed>,
    pub files: Vec<String>,
    pub rules: Vec<Rule>,
    pub summary: report::Summary,
    /// The date and language of the report: the first config's.
    pub today: Date,
    pub lang: Lang,
    /// Text files on disk that `--fix` may rewrite: shown path → the file as read.
    pub fixable_files: BTreeMap<String, Fixable>,
    /// The regime of each config group, by the index in `Fixable::regime`.
    pub regimes: Vec<Regime>,
    /// Every file checked or looked at, as walked, when something is to be written
    /// (no report, ledger or baseline may overwrite one); empty otherwise.
    pub inputs: Vec<PathBuf>,
}

/// A text file `--fix` may rewrite: where it is, what it was when read, and the regime
/// of the config that judged it.
pub struct Fixable {
    pub path: PathBuf,
    pub stamp: Option<fix::Stamp>,
    pub regime: usize,
}

impl Run {
    /// Whether any finding reaches its config's `fail-on` (each file is judged by its
    /// own config: a nested `.mark-lint.yaml` may be stricter or laxer).
    pub fn failed(&self) -> bool {
        self.diags.iter().any(|d| d.fails)
    }
}

/// Config key of a group: the config file's path, or none.
type Key = Option<PathBuf>;

/// The paths to check, grouped by the config above them (or `--config` for all).
struct Plan {
    groups: Vec<(Key, Vec<PathBuf>)>,
    configs: BTreeMap<Key, Option<ConfigFile>>,
    explicit: Option<ConfigFile>,
}

fn plan(req: &Request, paths: &[PathBuf]) -> Result<Plan> {
    let explicit = match &req.config {
        Some(c) => Some(ConfigFile::load(c)?),
        None => None,
    };
    let mut groups: Vec<(Key, Vec<PathBuf>)> = Vec::new();
    let mut configs = BTreeMap::new();
    for p in paths {
        let file = match &explicit {
            Some(f) => Some(f.clone()),
            None if p.as_os_str() == "-" => ConfigFile::discover(Path::new("."))?,
            None => ConfigFile::discover(p)?,
        };
        let key = file.as_ref().map(|f| f.path.clone());
        configs.entry(key.clone()).or_insert(file);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(p.clone()),
            None => groups.push((key, vec![p.clone()])),
        }
    }
    Ok(Plan {
        groups,
        configs,
        explicit,
    })
}

/// What the checks of all groups add up to.
#[derive(Default)]
struct Totals {
    diags: Vec<Diagnostic>,
    suppressed: Vec<report::Suppressed>,
    summary: report::Summary,
    checked: Vec<String>,
    fixable_files: BTreeMap<String, Fixable>,
    rows: Vec<inventory::Row>,
    inputs: Vec<PathBuf>,
    /// The group whose settings say why images went unread (the first config's that
    /// met one, whichever worker got there first).
    ocr_missing_from: Option<usize>,
}

/// Checked files' results as they come in: the totals, and what each group's tree
/// rules and suppressions need once all its files are checked.
#[derive(Default)]
struct Gathered {
    totals: Totals,
    groups: BTreeMap<usize, Group>,
}

/// How many batches the walk may be ahead of the checkers: it waits beyond that, so
/// that memory holds a few batches of paths, not the tree's.
const AHEAD: usize = 8;

/// One pass: walk (on its own thread), check every file in parallel as it is found,
/// decide tree rules, apply inline suppressions.
pub fn lint(req: &Request, paths: &[PathBuf], preloaded: &Preloaded) -> Result<Run> {
    let plan = plan(req, paths)?;
    // However many workers run, the documents in memory at once stay within this.
    let budget = budget::Budget::new(budget::RUN_BUDGET);
    let pool = match req.jobs {
        Some(n) => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .context("cannot start worker threads")?,
        ),
        None => None,
    };
    let progress = progress::Progress::start(progress::wanted(req.quiet));
    let abort = AtomicBool::new(false);
    let gathered = Mutex::new(Gathered::default());
    let (tx, rx) = std::sync::mpsc::sync_channel::<walker::Batch>(AHEAD);
    let walked = std::thread::scope(|scope| {
        let (plan, progress, abort) = (&plan, &progress, &abort);
        let walking = scope
            .spawn(move || walker::Walker::new(req, plan, preloaded, progress, abort, tx).run());
        let checking = Checking {
            req,
            preloaded,
            budget: &budget,
            progress,
            abort,
            gathered: &gathered,
        };
        match &pool {
            Some(pool) => pool.in_place_scope(|scope| checking.feed(scope, rx)),
            None => rayon::in_place_scope(|scope| checking.feed(scope, rx)),
        }
        walking.join()
    });
    progress.finish();
    let walked = walked.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    if let Some(e) = walked.error {
        return Err(e);
    }
    let Gathered {
        mut totals,
        mut groups,
    } = gathered.into_inner().unwrap_or_else(|e| e.into_inner());
    totals.diags.extend(walked.diags);
    // In the order of the configs' paths, as the groups were when checked one by one.
    let mut by_key: Vec<&walker::ConfigGroup> = walked.groups.iter().map(|g| &**g).collect();
    by_key.sort_by(|a, b| a.key.cmp(&b.key));
    for g in by_key {
        let group = groups.remove(&g.index).unwrap_or_default();
        check_group(req, &g.settings, group, &mut totals);
    }
    finish(req, &plan, &walked.groups, totals)
}

/// What checking a batch needs, shared by the workers.
#[derive(Clone, Copy)]
struct Checking<'a> {
    req: &'a Request,
    preloaded: &'a Preloaded,
    budget: &'a budget::Budget,
    progress: &'a progress::Progress,
    abort: &'a AtomicBool,
    gathered: &'a Mutex<Gathered>,
}

/// A batch's place in the workers' queue, given back when dropped.
struct Token(std::sync::mpsc::SyncSender<()>);

impl Drop for Token {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

impl<'a> Checking<'a> {
    /// Hand each batch the walk sends to the workers, from this thread: no worker ever
    /// waits on the channel, for the walk itself runs work on the pool (compiling a
    /// nested config's rules) and a worker waiting for the walk would wait for itself.
    /// A token per batch in hand keeps the walk at most `AHEAD` batches ahead.
    fn feed(&self, scope: &rayon::Scope<'a>, rx: std::sync::mpsc::Receiver<walker::Batch>) {
        let (tokens, returned) = std::sync::mpsc::sync_channel::<()>(AHEAD);
        for _ in 0..AHEAD {
            let _ = tokens.send(());
        }
        for batch in rx {
            if returned.recv().is_err() {
                break;
            }
            // Given back however the batch ends (a panic included, or the walk would wait).
            let token = Token(tokens.clone());
            let this = *self;
            scope.spawn(move |_| {
                let _token = token;
                this.check(batch);
            });
        }
    }

    fn check(&self, batch: walker::Batch) {
        if self.abort.load(Ordering::Relaxed) {
            return;
        }
        let g = &batch.group;
        let results: Vec<_> = batch
            .files
            .par_iter()
            .map(|p| {
                let r = check_file(&g.settings, p, self.preloaded, self.budget, g.cache());
                self.progress.tick();
                r
            })
            .collect();
        let mut gathered = self.gathered.lock().unwrap_or_else(|e| e.into_inner());
        absorb(
            self.req,
            g,
            (&batch.files, results),
            self.preloaded,
            &mut gathered,
        );
    }
}

/// The cache of a group's settings, if it has one: not for `inventory` (its ledger
/// quotes lines) nor `--fix`/`--diff` (they rewrite the text).
fn open_cache(s: &Settings) -> Option<Result<crate::cache::Cache>> {
    match &s.cache_dir {
        Some(dir) if !s.inventory && !s.fixing => Some(crate::cache::Cache::open(dir, s)),
        _ => None,
    }
}

/// What a group's files gave, gathered batch by batch until the group is done.
#[derive(Default)]
struct Group {
    diags: Vec<Diagnostic>,
    copies: Vec<rules::check::TopCopy>,
    directives: BTreeMap<String, suppress::Directives>,
}

/// A batch's results into the totals and its group: what each file gave, kept as
/// findings, ledger rows and counts (the results themselves are dropped).
fn absorb(
    req: &Request,
    g: &walker::ConfigGroup,
    (files, results): (&[PathBuf], Vec<file::FileResult>),
    preloaded: &Preloaded,
    gathered: &mut Gathered,
) {
    let s = &g.settings;
    let t = &mut gathered.totals;
    let group = gathered.groups.entry(g.index).or_default();
    if req.keep_inputs {
        t.inputs.extend(files.iter().cloned());
    }
    group
        .diags
        .reserve(results.iter().map(|r| r.found.diags.len()).sum());
    for (p, r) in files.iter().zip(results) {
        if r.document && req.keep_checked {
            t.checked.push(r.path.clone());
        }
        // Only `--fix` and `--diff` need them: a large tree would keep every path twice.
        if req.overrides.fixing && r.text_file && !preloaded.contains_key(p) {
            let fixable = Fixable {
                path: p.clone(),
                stamp: r.stamp,
                regime: g.index,
            };
            t.fixable_files.insert(r.path.clone(), fixable);
        }
        if let Some(d) = r.directives {
            group.directives.insert(r.path, d);
        }
        t.summary.files += usize::from(r.document);
        t.summary.images_unread += r.unread_images;
        if r.unread_images > 0 && t.ocr_missing_from.is_none_or(|i| g.index < i) {
            t.summary.ocr_missing = s.limits.ocr.why_not();
            t.ocr_missing_from = Some(g.index);
        }
        t.summary.marked += usize::from(r.marked);
        group.diags.extend(r.found.diags);
        group.copies.extend(r.found.top_secret);
        t.rows.extend(r.found.rows);
    }
}

/// A group's findings into the totals once all its files are checked: tree rules
/// (ML302), inline suppressions, and each finding judged against the group's own
/// `fail-on`.
fn check_group(req: &Request, s: &Settings, group: Group, t: &mut Totals) {
    let Group {
        diags: mut group,
        mut copies,
        directives,
    } = group;
    // A shard sees part of the tree: ML302 would miss the copies in other shards.
    if req.shard.is_none() {
        // In path order, whatever order the workers finished in: ML302 lists the others.
        copies.sort_by_cached_key(|c| c.path.to_string());
        rules::check::top_secret_copies(&s.rules, &s.context(None), &copies, &mut group);
    }
    let (mut shown, hidden) = apply_directives(s, group, &directives);
    let threshold = s.fail_on.threshold();
    for d in &mut shown {
        d.fails = threshold.is_some_and(|t| d.severity >= t);
    }
    if t.diags.is_empty() {
        t.diags = shown;
    } else {
        t.diags.extend(shown);
    }
    t.suppressed.extend(hidden);
}

/// Sort and assemble the run; the report's date and language are the first config's
/// (or, with no path at all — an empty index under `--staged` — the flags' and the
/// config found here).
fn finish(
    req: &Request,
    plan: &Plan,
    groups: &[Arc<walker::ConfigGroup>],
    mut t: Totals,
) -> Result<Run> {
    t.diags.sort_by(|a, b| a.sort_key_cmp(b));
    t.checked.sort();
    t.checked.dedup();
    // The rules that ran in any group, once each, in code order.
    let mut ran: BTreeMap<&str, &Rule> = BTreeMap::new();
    for g in groups {
        for r in g.settings.rules.iter().chain(&g.settings.unreadable) {
            ran.entry(r.code.as_str()).or_insert(r);
        }
    }
    let rules: Vec<Rule> = ran.into_values().cloned().collect();
    let first = plan
        .groups
        .first()
        .and_then(|(k, _)| groups.iter().find(|g| g.key == *k));
    let (today, lang, window) = match first {
        Some(g) => (g.settings.today, g.settings.lang, g.settings.window),
        None => {
            let file = match &plan.explicit {
                Some(f) => Some(f.clone()),
                None => ConfigFile::discover(Path::new("."))?,
            };
            let s = resolve(&req.overrides, file.as_ref())?;
            (s.today, s.lang, s.window)
        }
    };
    t.rows.sort_by(|a: &inventory::Row, b: &inventory::Row| {
        (&a.path, a.line, a.attachment).cmp(&(&b.path, b.line, b.attachment))
    });
    Ok(Run {
        rows: t.rows,
        window,
        diags: t.diags,
        suppressed: t.suppressed,
        files: t.checked,
        rules,
        summary: t.summary,
        today,
        lang,
        fixable_files: t.fixable_files,
        regimes: groups.iter().map(|g| g.settings.regime.clone()).collect(),
        inputs: t.inputs,
    })
}

/// The config file in the nearest folder between `file` and `root` (exclusive: the
/// root's own config is the group's), cached per parent folder: files come from
/// walking `root`, so every ancestor up to it is a folder of the tree.
fn nested_config(file: &Path, root: &Path, cache: &mut DirConfigs) -> Option<PathBuf> {
    let parent = file.parent()?;
    if let Some((dir, found)) = &cache.last
        && dir.as_os_str() == parent.as_os_str()
    {
        return found.clone();
    }
    let found = match cache.seen.get(parent) {
        Some(found) => found.clone(),
        None => {
            let found = config_above(parent, root);
            cache.seen.insert(parent.to_path_buf(), found.clone());
            found
        }
    };
    cache.last = Some((parent.to_path_buf(), found.clone()));
    found
}

/// The nested config found for each folder, the last folder asked about first: the walk
/// gives a folder's files one after another, and comparing bytes is cheaper than hashing
/// a path (`Path`'s hash walks its components).
#[derive(Default)]
pub(super) struct DirConfigs {
    last: Option<(PathBuf, Option<PathBuf>)>,
    seen: std::collections::HashMap<PathBuf, Option<PathBuf>>,
}

/// The config file in `dir` or the nearest folder above it, below `root`.
fn config_above(dir: &Path, root: &Path) -> Option<PathBuf> {
    let root_len = root.as_os_str().len();
    let mut dir = Some(dir);
    while let Some(d) = dir {
        if d.as_os_str().len() <= root_len || d == root {
            break;
        }
        let found = crate::config::CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            .find(|p| std::fs::symlink_metadata(p).is_ok());
        if found.is_some() {
            return found;
        }
        dir = d.parent();
    }
    None
}

/// Inline suppressions of each file: (shown, hidden); directive problems become ML901.
fn apply_directives(
    s: &Settings,
    diags: Vec<Diagnostic>,
    directives: &BTreeMap<String, suppress::Directives>,
) -> (Vec<Diagnostic>, Vec<report::Suppressed>) {
    if directives.is_empty() {
        return (diags, Vec::new());
    }
    let mut by_path: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let mut shown = Vec::new();
    for d in diags {
        // Directives are in text files, which carry no documents of their own.
        if d.path.inner.is_empty() && directives.contains_key(&d.path.file) {
            by_path.entry(d.path.file.clone()).or_default().push(d);
        } else {
            shown.push(d);
        }
    }
    let mut hidden = Vec::new();
    for (path, dirs) in directives {
        let found = by_path.remove(path).unwrap_or_default();
        let applied = rules::check::suppress_in(&s.registry, &s.rules, dirs, found);
        shown.extend(applied.shown);
        hidden.extend(
            applied
                .hidden
                .into_iter()
                .map(|(diag, why)| report::Suppressed {
                    diag,
                    by: report::SuppressedBy::Inline,
                    justification: why,
                }),
        );
        let ctx = s.context(None);
        let path = DocPath::file(path);
        let mut bad = rules::check::tool::bad_suppressions(&s.rules, &ctx, &path, &applied.bad);
        rules::check::cap_per_rule(&mut bad, &s.rules, ctx.lang, &path);
        shown.extend(bad);
    }
    (shown, hidden)
}

/// The problems of a walk as ML900 findings on their paths (none when the config turns
/// ML900 off), each judged against `fail-on`.
pub fn walk_problems(s: &Settings, errors: &[walk::WalkError]) -> Vec<Diagnostic> {
    let Some(rule) = &s.unreadable else {
        return Vec::new();
    };
    let ctx = s.context(None);
    let threshold = s.fail_on.threshold();
    errors
        .iter()
        .map(|e| {
            let path = DocPath::file(display_path(&e.path));
            let mut d = unreadable(rule, &ctx, &path, &e.error);
            d.fails = threshold.is_some_and(|t| d.severity >= t);
            d
        })
        .collect()
}

/// One document checked on its own, as `check` would check the file at `path` with the
/// settings of its folder's config: from `bytes` (an editor's unsaved text) or, with
/// `None`, from disk. Its findings after inline suppressions, sorted, each judged against
/// the config's `fail-on`. Tree rules (ML302) need the whole tree and do not run.
pub fn lint_one(s: &Settings, path: &Path, bytes: Option<Vec<u8>>) -> Vec<Diagnostic> {
    let result = match bytes {
        Some(bytes) => {
            let extracted = crate::extract::extract_read(path, bytes, &s.limits);
            file::check_extracted(s, path, display_path(path), extracted, false)
        }
        None => {
            let budget = budget::Budget::new(budget::RUN_BUDGET);
            check_file(s, path, &Preloaded::new(), &budget, None)
        }
    };
    let mut directives = BTreeMap::new();
    if let Some(d) = result.directives {
        directives.insert(result.path.clone(), d);
    }
    let (mut shown, _) = apply_directives(s, result.found.diags, &directives);
    let threshold = s.fail_on.threshold();
    for d in &mut shown {
        d.fails = threshold.is_some_and(|t| d.severity >= t);
    }
    shown.sort_by(|a, b| a.sort_key_cmp(b));
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_is_parsed_or_refused_in_one_line() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        for bad in ["0/4", "5/4", "1/0", "", "1", "a/b", "1/2/3", "-1/2"] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with("--shard ") && !e.contains('\n'), "{bad}: {e}");
        }
    }

    #[test]
    fn a_files_shard_is_its_path_below_the_root_hashed() {
        let shard_of = |path: &str, root: &str| {
            (1..=5)
                .find(|i| {
                    Shard {
                        index: *i,
                        count: 5,
                    }
                    .holds(Path::new(path), Path::new(root))
                })
                .unwrap()
        };
        // The same file named from anywhere is in the same shard: only the path below
        // the root named counts.
        assert_eq!(
            shard_of("docs/a/b.txt", "docs"),
            shard_of("/ci/x/docs/a/b.txt", "/ci/x/docs")
        );
        assert_eq!(shard_of("./a/b.txt", "."), shard_of("a/b.txt", ""));
        // Fixed values: a shard must not move between versions or machines.
        let fixed: Vec<u64> = ["a.txt", "b.txt", "通知/附件1.docx", "x/y/z.md"]
            .iter()
            .map(|p| shard_of(p, ""))
            .collect();
        assert_eq!(fixed, FIXED_SHARDS);
        // Spread: 1,000 names over 5 shards, none empty or holding most.
        let mut counts = [0usize; 5];
        for i in 0..1000 {
            counts[shard_of(&format!("d{}/f{i}.txt", i % 7), "") as usize - 1] += 1;
        }
        assert!(counts.iter().all(|c| (120..=280).contains(c)), "{counts:?}");
    }

    const FIXED_SHARDS: [u64; 4] = [4, 4, 5, 2];
}
