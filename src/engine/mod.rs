//! The check pipeline and nothing else: group the paths by the config above them, walk
//! each group, check its files in parallel (extract → scan → rules), decide what is
//! decided across the tree, apply inline suppressions. Returns what it found; never
//! prints, never decides the exit code.

mod file;
mod inputs;

pub use crate::rules::check::lint_document;
pub use inputs::Preloaded;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::resolve::{Overrides, Settings, resolve};
use crate::config::{ConfigFile, FailOn};
use crate::diagnostic::{Diagnostic, Lang};
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
}

/// What one pass over the inputs found.
pub struct Run {
    /// Ledger rows (`inventory`), sorted by path and line.
    pub rows: Vec<inventory::Row>,
    /// The expiring window of the first config.
    pub window: i64,
    pub diags: Vec<Diagnostic>,
    pub suppressed: Vec<report::Suppressed>,
    pub files: Vec<String>,
    pub rules: Vec<Rule>,
    pub summary: report::Summary,
    pub today: Date,
    pub lang: Lang,
    pub fail_on: FailOn,
    /// Text files on disk that `--fix` may rewrite: shown path → path, as read.
    pub fixable_files: BTreeMap<String, (PathBuf, Option<fix::Stamp>)>,
    pub regime: Regime,
    /// Every file checked or looked at, as walked, when something is to be written
    /// (no report, ledger or baseline may overwrite one); empty otherwise.
    pub inputs: Vec<PathBuf>,
}

/// One pass: walk, check every file in parallel, decide tree rules, apply inline
/// suppressions.
pub fn lint(req: &Request, paths: &[PathBuf], preloaded: &Preloaded) -> Result<Run> {
    // Each path is checked with the config found above it (or --config for all).
    let mut groups: Vec<(Option<PathBuf>, Vec<PathBuf>)> = Vec::new();
    let explicit = match &req.config {
        Some(c) => Some(ConfigFile::load(c)?),
        None => None,
    };
    let mut configs: BTreeMap<Option<PathBuf>, Option<ConfigFile>> = BTreeMap::new();
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
    let mut diags = Vec::new();
    let mut suppressed = Vec::new();
    let mut summary = report::Summary::default();
    let mut checked: Vec<String> = Vec::new();
    let mut fixable_files = BTreeMap::new();
    let mut rows = Vec::new();
    let mut inputs = Vec::new();
    let mut first: Option<(Date, Lang, FailOn, i64)> = None;
    // Walk each group with its config; then every file goes to the nearest config
    // above it (a nested `.mark-lint.yaml` inside a walked tree applies below it).
    let mut loaded: BTreeMap<Option<PathBuf>, Settings> = BTreeMap::new();
    let mut work: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
    let mut dir_configs: std::collections::HashMap<PathBuf, Option<PathBuf>> =
        std::collections::HashMap::new();
    let ignores = walk::Ignores::default();
    for (key, roots) in &groups {
        let file = configs.get(key).and_then(|f| f.as_ref());
        let s = resolve(&req.overrides, file)?;
        first.get_or_insert((s.today, s.lang, s.fail_on, s.window));
        let opts = walk::WalkOptions {
            exclude: s.exclude.as_ref(),
            skip: &s.rule_dirs,
            ignores: &ignores,
        };
        for root in roots {
            let (found, errors) = if preloaded.contains_key(root) {
                let kept = walk::keep_file(root, &opts);
                if kept {
                    work.entry(key.clone()).or_default().push(root.clone());
                }
                (Vec::new(), ignores.take_problems())
            } else {
                walk::walk(root, &opts)
            };
            for f in found {
                let nested = match &explicit {
                    Some(_) => None,
                    None => nested_config(&f, root, &mut dir_configs),
                };
                work.entry(nested.or_else(|| key.clone()))
                    .or_default()
                    .push(f);
            }
            for e in errors {
                if let Some(rule) = &s.unreadable {
                    let ctx = s.context(None);
                    diags.push(unreadable(rule, &ctx, &display_path(&e.path), &e.error));
                }
            }
        }
        loaded.insert(key.clone(), s);
    }
    let total: usize = work.values().map(Vec::len).sum();
    let progress = progress::Progress::start(total, progress::wanted(req.quiet));
    for (key, mut files) in work {
        if !loaded.contains_key(&key) {
            let file = match &key {
                Some(p) => Some(ConfigFile::load_found(p)?),
                None => None,
            };
            let s = resolve(&req.overrides, file.as_ref())?;
            // The walk applied the outer config's excludes; apply the nested one's too.
            if let Some(ex) = &s.exclude {
                files.retain(|f| !ex.is_match(f));
            }
            loaded.insert(key.clone(), s);
        }
        let s = &loaded[&key];
        files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        files.dedup();
        // Kept only when something will be written (and must not overwrite an input).
        if req.keep_inputs {
            inputs.extend(files.iter().cloned());
        }
        let run_all = || {
            files
                .par_iter()
                .map(|p| {
                    let r = check_file(s, p, preloaded, &budget);
                    progress.tick();
                    r
                })
                .collect::<Vec<_>>()
        };
        let results = match &pool {
            Some(pool) => pool.install(run_all),
            None => run_all(),
        };
        // Sized once: growing by doubling would copy every finding and leave up to
        // half of the vector unused.
        let mut group = Vec::with_capacity(results.iter().map(|r| r.found.diags.len()).sum());
        let mut copies = Vec::new();
        let mut directives = BTreeMap::new();
        for (r, p) in results.into_iter().zip(&files) {
            if r.document {
                checked.push(r.path.clone());
            }
            // Only `--fix` and `--diff` need them: a large tree would keep every path twice.
            if req.overrides.fixing && r.text_file && !preloaded.contains_key(p) {
                fixable_files.insert(r.path.clone(), (p.clone(), r.stamp));
            }
            if let Some(d) = r.directives {
                directives.insert(r.path, d);
            }
            summary.files += usize::from(r.document);
            summary.marked += usize::from(r.marked);
            group.extend(r.found.diags);
            copies.extend(r.found.top_secret);
            rows.extend(r.found.rows);
        }
        rules::check::carriers::top_secret_copies(&s.rules, &s.context(None), &copies, &mut group);
        let (shown, hidden) = apply_directives(s, group, &directives);
        if diags.is_empty() {
            diags = shown;
        } else {
            diags.extend(shown);
        }
        suppressed.extend(hidden);
    }
    progress.finish();
    diags.sort_by(|a, b| a.sort_key_cmp(b));
    checked.sort();
    checked.dedup();
    // The rules that ran in any group, once each, in code order.
    let mut ran: BTreeMap<&str, &Rule> = BTreeMap::new();
    for s in loaded.values() {
        for r in s.rules.iter().chain(&s.unreadable) {
            ran.entry(r.code.as_str()).or_insert(r);
        }
    }
    let rules: Vec<Rule> = ran.into_values().cloned().collect();
    // No path at all (an empty index under --staged): the run's date, language and
    // threshold still come from the flags and the config found here.
    let (today, lang, fail_on, window) = match first {
        Some(f) => f,
        None => {
            let file = match &explicit {
                Some(f) => Some(f.clone()),
                None => ConfigFile::discover(Path::new("."))?,
            };
            let s = resolve(&req.overrides, file.as_ref())?;
            (s.today, s.lang, s.fail_on, s.window)
        }
    };
    let regime = loaded
        .values()
        .next()
        .map_or_else(Regime::builtin, |s| s.regime.clone());
    rows.sort_by(|a: &inventory::Row, b: &inventory::Row| {
        (&a.path, a.line, a.attachment).cmp(&(&b.path, b.line, b.attachment))
    });
    Ok(Run {
        rows,
        window,
        diags,
        suppressed,
        files: checked,
        rules,
        summary,
        today,
        lang,
        fail_on,
        fixable_files,
        regime,
        inputs,
    })
}

/// The config file in the nearest folder between `file` and `root` (exclusive: the
/// root's own config is the group's), cached per parent folder: files come from
/// walking `root`, so every ancestor up to it is a folder of the tree.
fn nested_config(
    file: &Path,
    root: &Path,
    cache: &mut std::collections::HashMap<PathBuf, Option<PathBuf>>,
) -> Option<PathBuf> {
    let parent = file.parent()?;
    if let Some(found) = cache.get(parent) {
        return found.clone();
    }
    let root_len = root.as_os_str().len();
    let mut found = None;
    let mut dir = Some(parent);
    while let Some(d) = dir {
        if d.as_os_str().len() <= root_len || d == root {
            break;
        }
        found = crate::config::CONFIG_NAMES
            .iter()
            .map(|n| d.join(n))
            .find(|p| std::fs::symlink_metadata(p).is_ok());
        if found.is_some() {
            break;
        }
        dir = d.parent();
    }
    cache.insert(parent.to_path_buf(), found.clone());
    found
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
        if directives.contains_key(&d.path) {
            by_path.entry(d.path.clone()).or_default().push(d);
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
        let mut bad = rules::check::tool::bad_suppressions(&s.rules, &ctx, path, &applied.bad);
        rules::check::cap_per_rule(&mut bad, &s.rules, ctx.lang, path);
        shown.extend(bad);
    }
    (shown, hidden)
}
