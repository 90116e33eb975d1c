//! The walk side of a run, on its own thread: resolve the config of each path, walk the
//! paths, send each file to be checked (in batches, as it is found) with the config
//! group it belongs to. A nested `.mark-lint.yaml` met in the walk becomes a group of
//! its own when its first file is found. Checking starts with the first batch, not
//! when the walk ends, and the walk never holds the tree's list of files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, OnceLock};

use anyhow::anyhow;

use super::{Key, Plan, Request, nested_config, open_cache, walk_problems};
use crate::cache::Cache;
use crate::config::ConfigFile;
use crate::config::resolve::{Settings, resolve};
use crate::diagnostic::Diagnostic;
use crate::engine::Preloaded;
use crate::progress::Progress;
use crate::walk;

/// The settings of one config, and where its results go.
pub(super) struct ConfigGroup {
    pub(super) key: Key,
    /// Its place in `Walked::groups` (and in `Run::regimes`).
    pub(super) index: usize,
    pub(super) settings: Settings,
    /// Opened before the group's first batch is sent (a group with no file opens none).
    cache: OnceLock<Option<Cache>>,
    /// Found in the walk below a path's own config: its excludes apply to its files
    /// (the walk applied the outer config's).
    nested: bool,
}

impl ConfigGroup {
    pub(super) fn cache(&self) -> Option<&Cache> {
        self.cache.get().and_then(Option::as_ref)
    }
}

/// Files to check with one group's settings.
pub(super) struct Batch {
    pub(super) group: Arc<ConfigGroup>,
    pub(super) files: Vec<PathBuf>,
}

/// What the walk gives once it ends.
pub(super) struct Walked {
    pub(super) groups: Vec<Arc<ConfigGroup>>,
    /// ML900 for what the walk could not read (unreadable folders, ignore files).
    pub(super) diags: Vec<Diagnostic>,
    /// A config that cannot be loaded or resolved, a cache that cannot be opened: the
    /// run stops with it (every config's errors at once).
    pub(super) error: Option<anyhow::Error>,
}

/// The first batches are small, so that checking starts early; later ones larger, so
/// that sending costs little.
const FIRST_BATCH: usize = 8;
const LAST_BATCH: usize = 256;

pub(super) struct Walker<'a> {
    req: &'a Request,
    plan: &'a Plan,
    preloaded: &'a Preloaded,
    progress: &'a Progress,
    /// Set when the run is to stop: checkers skip what is still sent.
    abort: &'a AtomicBool,
    tx: SyncSender<Batch>,
    groups: Vec<Arc<ConfigGroup>>,
    by_key: HashMap<Key, usize>,
    /// Nested configs that failed (reported once, their files not checked).
    failed: HashSet<Key>,
    pending: BTreeMap<usize, Vec<PathBuf>>,
    batch: usize,
    /// The paths' own configs' resolve errors, in the order the paths were given.
    errors: Vec<String>,
    /// Nested configs' errors, by config: loading (which stops the run by itself) and
    /// resolving.
    load_errors: BTreeMap<Key, anyhow::Error>,
    nested_errors: BTreeMap<Key, String>,
    fatal: Option<anyhow::Error>,
    diags: Vec<Diagnostic>,
    dir_configs: super::DirConfigs,
    /// Paths sent (as `spelled_once`), when several roots could name one file twice.
    seen: Option<HashSet<PathBuf>>,
    cwd: Option<PathBuf>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(
        req: &'a Request,
        plan: &'a Plan,
        preloaded: &'a Preloaded,
        progress: &'a Progress,
        abort: &'a AtomicBool,
        tx: SyncSender<Batch>,
    ) -> Walker<'a> {
        let roots: usize = plan.groups.iter().map(|(_, r)| r.len()).sum();
        Walker {
            req,
            plan,
            preloaded,
            progress,
            abort,
            tx,
            groups: Vec::new(),
            by_key: HashMap::new(),
            failed: HashSet::new(),
            pending: BTreeMap::new(),
            batch: FIRST_BATCH,
            errors: Vec::new(),
            load_errors: BTreeMap::new(),
            nested_errors: BTreeMap::new(),
            fatal: None,
            diags: Vec::new(),
            dir_configs: super::DirConfigs::default(),
            seen: (roots > 1).then(HashSet::new),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// Walk every path; each file goes to the nearest config above it.
    pub(super) fn run(mut self) -> Walked {
        let plan = self.plan;
        for (key, _) in &plan.groups {
            let file = plan.configs.get(key).and_then(|f| f.as_ref());
            match resolve(&self.req.overrides, file) {
                Ok(s) => {
                    self.add_group(key.clone(), s, false);
                }
                Err(e) => self.errors.push(format!("{e:#}")),
            }
        }
        // A config with errors still lets the walk go on (with no settings of its own),
        // so that the errors of the configs nested below it are reported with its own.
        let fallback = match self.errors.is_empty() {
            true => None,
            false => match resolve(&self.req.overrides, None) {
                Ok(s) => Some(s),
                Err(e) => {
                    self.abort.store(true, Ordering::Relaxed);
                    return self.end(Some(e));
                }
            },
        };
        if fallback.is_some() {
            self.abort.store(true, Ordering::Relaxed);
        }
        let ignores = walk::Ignores::default();
        for (key, roots) in &plan.groups {
            for root in roots {
                self.walk_root(key, root, &ignores, fallback.as_ref());
            }
        }
        let indices: Vec<usize> = self.pending.keys().copied().collect();
        for i in indices {
            self.flush(i);
        }
        let error = self.error();
        self.end(error)
    }

    /// The walk is over (the channel closes as `self` goes).
    fn end(self, error: Option<anyhow::Error>) -> Walked {
        self.progress.walked();
        Walked {
            groups: self.groups,
            diags: self.diags,
            error,
        }
    }

    /// The run's error, if any: a nested config that cannot be loaded (the first by
    /// path), else every config's resolve errors at once, else a cache that failed.
    fn error(&mut self) -> Option<anyhow::Error> {
        if let Some(e) = std::mem::take(&mut self.load_errors).into_values().next() {
            return Some(e);
        }
        let mut errors = std::mem::take(&mut self.errors);
        errors.extend(std::mem::take(&mut self.nested_errors).into_values());
        if !errors.is_empty() {
            return Some(anyhow!("{}", errors.join("\n")));
        }
        self.fatal.take()
    }

    fn add_group(&mut self, key: Key, settings: Settings, nested: bool) -> usize {
        let index = self.groups.len();
        self.by_key.insert(key.clone(), index);
        self.groups.push(Arc::new(ConfigGroup {
            key,
            index,
            settings,
            cache: OnceLock::new(),
            nested,
        }));
        index
    }

    /// The settings the walk of a path uses: its config's, or (when a config failed)
    /// the defaults, only to go on finding the errors below.
    fn settings<'s>(&'s self, key: &Key, fallback: Option<&'s Settings>) -> Option<&'s Settings> {
        match self.by_key.get(key) {
            Some(i) => Some(&self.groups[*i].settings),
            None => fallback,
        }
    }

    fn walk_root(
        &mut self,
        key: &Key,
        root: &Path,
        ignores: &walk::Ignores,
        fb: Option<&Settings>,
    ) {
        let Some(s) = self.settings(key, fb) else {
            return;
        };
        let (exclude, skip) = (s.exclude.clone(), s.rule_dirs.clone());
        let opts = walk::WalkOptions {
            exclude: exclude.as_ref(),
            skip: &skip,
            ignores,
        };
        let shard = self.req.shard;
        let mut errors = if self.preloaded.contains_key(root) {
            let shard_holds = shard.is_none_or(|sh| sh.holds(root, root));
            if shard_holds && walk::keep_file(root, &opts) {
                self.route(key.clone(), root.to_path_buf());
            }
            ignores.take_problems()
        } else {
            let explicit = self.plan.explicit.is_some();
            walk::walk_each(root, &opts, &mut |f| {
                if shard.is_some_and(|sh| !sh.holds(&f, root)) {
                    return;
                }
                let nested = match explicit {
                    true => None,
                    false => nested_config(&f, root, &mut self.dir_configs),
                };
                self.route(nested.or_else(|| key.clone()), f);
            })
        };
        if let Some(shard) = &shard {
            errors.retain(|e| shard.holds(&e.path, root));
        }
        if let Some(s) = self.settings(key, fb) {
            let found = walk_problems(s, &errors);
            self.diags.extend(found);
        }
    }

    /// A file found: to its group's next batch.
    fn route(&mut self, key: Key, file: PathBuf) {
        let Some(i) = self.group_of(key) else {
            return;
        };
        let g = &self.groups[i];
        if g.nested
            && let Some(ex) = &g.settings.exclude
            && ex.is_match(&file)
        {
            return;
        }
        if self.abort.load(Ordering::Relaxed) {
            return;
        }
        if let Some(seen) = &mut self.seen
            && !seen.insert(spelled_once(&file, self.cwd.as_deref()))
        {
            return;
        }
        let pending = self.pending.entry(i).or_default();
        pending.push(file);
        if pending.len() >= self.batch {
            self.flush(i);
        }
    }

    /// The group of a config, made when a nested one is first met; none for a config
    /// that failed.
    fn group_of(&mut self, key: Key) -> Option<usize> {
        if let Some(i) = self.by_key.get(&key) {
            return Some(*i);
        }
        if self.failed.contains(&key) || self.plan.configs.contains_key(&key) {
            return None;
        }
        let path = key.clone()?;
        let settings = ConfigFile::load_found(&path)
            .map_err(|e| (true, e))
            .and_then(|f| resolve(&self.req.overrides, Some(&f)).map_err(|e| (false, e)));
        match settings {
            Ok(s) => Some(self.add_group(key, s, true)),
            Err((loading, e)) => {
                self.abort.store(true, Ordering::Relaxed);
                self.failed.insert(key.clone());
                if loading {
                    self.load_errors.insert(key, e);
                } else {
                    self.nested_errors.insert(key, format!("{e:#}"));
                }
                None
            }
        }
    }

    /// Send a group's pending files to be checked.
    fn flush(&mut self, i: usize) {
        let files = self.pending.remove(&i).unwrap_or_default();
        if files.is_empty() || self.abort.load(Ordering::Relaxed) {
            return;
        }
        let group = self.groups[i].clone();
        // Only files on disk are cached: never stdin or the index (`--staged`).
        let on_disk = files.iter().any(|f| !self.preloaded.contains_key(f));
        if on_disk && group.cache.get().is_none() {
            let opened = match open_cache(&group.settings) {
                None => None,
                Some(Ok(c)) => Some(c),
                Some(Err(e)) => {
                    self.abort.store(true, Ordering::Relaxed);
                    self.fatal.get_or_insert(e);
                    return;
                }
            };
            let _ = group.cache.set(opened);
        }
        self.progress.found(files.len());
        if self.tx.send(Batch { group, files }).is_err() {
            // The checkers are gone (one panicked): nothing more to send.
            self.abort.store(true, Ordering::Relaxed);
        }
        self.batch = (self.batch * 2).min(LAST_BATCH);
    }
}

/// A path with its `.` components dropped and made absolute, so that `share/a.md`,
/// `./share/a.md` and `/here/share/a.md` are one file; `..` is kept (through a
/// symlink it may lead elsewhere: two files must never be taken for one).
fn spelled_once(path: &Path, cwd: Option<&Path>) -> PathBuf {
    let joined;
    let path = match cwd.filter(|_| path.is_relative()) {
        Some(cwd) => {
            joined = cwd.join(path);
            joined.as_path()
        }
        None => path,
    };
    path.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_spelled_three_ways_is_one_and_dot_dot_is_kept() {
        let cwd = Path::new("/here");
        let key = |p: &str| spelled_once(Path::new(p), Some(cwd));
        assert_eq!(key("share/a.md"), key("./share/./a.md"));
        assert_eq!(key("share/a.md"), key("/here/share/a.md"));
        assert_ne!(key("share/a.md"), key("link/../share/a.md"));
    }
}
