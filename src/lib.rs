//! mark-lint: a linter for Chinese state-secret markings (国家秘密标志).
//!
//! Data flows one way: paths → walk → extract → scan (the marking parser) → rules →
//! sorted diagnostics → report. `run` wires it together for the command line; nothing
//! below `report` prints.

pub mod baseline;
pub mod budget;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod extract;
pub mod fix;
pub mod git;
pub mod init;
pub mod input;
pub mod inventory;
pub mod marking;
pub mod normalize;
pub mod output;
pub mod progress;
pub mod regime;
pub mod report;
pub mod rules;
pub mod scan;
pub mod suppress;
pub mod term;
pub mod walk;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use jiff::civil::Date;
use rayon::prelude::*;

use cli::{CheckArgs, Cli, Command, Format, LangArg};
use config::{ConfigFile, FailOn, PathGlobs, SeverityOverride, SystemKind};
use diagnostic::{Diagnostic, Lang, Severity};
use extract::{Document, Extracted, Flavour};
use regime::Regime;
use rules::check::{CheckContext, check_document, unreadable};
use rules::{Registry, Rule};

/// Exit codes: nothing at or above fail-on / findings / failure.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

/// The date rule examples are checked against, so they never depend on today.
pub const EXAMPLE_TODAY: Date = Date::constant(2026, 11, 27);

/// Run the command line; returns the exit code. Errors are failures (exit 2).
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<i32> {
    match cli.command {
        Some(Command::Check(args)) => check(args, out),
        None => check(cli.check, out),
        Some(Command::Rules(args)) => {
            let (registry, _) = load_for(args.config.as_deref())?;
            let lang = pick_lang(args.lang, None);
            list_rules(&registry, args.format, lang, out)?;
            Ok(EXIT_CLEAN)
        }
        Some(Command::Explain(args)) => {
            let (registry, _) = load_for(args.config.as_deref())?;
            let rule = registry.find(&args.code).ok_or_else(|| {
                anyhow!("unknown rule `{}`; `mark-lint rules` lists them", args.code)
            })?;
            explain(rule, pick_lang(args.lang, None), out)?;
            Ok(EXIT_CLEAN)
        }
        Some(Command::TestRules(args)) => test_rules_command(args, out),
        Some(Command::Init(args)) => init_command(&args, out),
        Some(Command::Inventory(args)) => inventory_command(&args, out),
        Some(Command::Completions(args)) => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            // Into a buffer first: clap_complete panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "mark-lint", &mut script);
            out.write_all(&script)?;
            Ok(EXIT_CLEAN)
        }
    }
}

/// `mark-lint inventory`: the ledger of every marked document.
fn inventory_command(args: &cli::InventoryArgs, out: &mut dyn Write) -> Result<i32> {
    let statuses = args
        .status
        .iter()
        .map(|s| {
            inventory::Status::parse(s).ok_or_else(|| {
                let all: Vec<&str> = inventory::Status::ALL.iter().map(|s| s.as_str()).collect();
                anyhow!("--status: unknown status `{s}`; one of: {}", all.join(", "))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let check = CheckArgs {
        paths: args.paths.clone(),
        config: args.config.clone(),
        today: args.today.clone(),
        lang: args.lang,
        jobs: args.jobs,
        quiet: true,
        expiring_within: args.expiring_within,
        inventory: true,
        ..CheckArgs::default()
    };
    let paths = if check.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        check.paths.clone()
    };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", report::path_text(p));
        }
    }
    let run = lint(&check, &paths, &Preloaded::new())?;
    let mut unreadable: Vec<String> = run
        .diags
        .iter()
        .filter(|d| {
            run.rules
                .iter()
                .any(|r| *r.code == *d.code && matches!(r.kind, rules::Kind::UnreadableFile))
        })
        .map(|d| d.path.clone())
        .collect();
    unreadable.dedup();
    let mut ledger = inventory::Ledger {
        rows: run.rows,
        documents: run.summary.files,
        unreadable,
    };
    ledger.filter(&statuses, args.expiring_within.map(i64::from));
    let mut file;
    let mut stdout_lock;
    let w: &mut dyn Write = match &args.output {
        Some(p) => {
            let inputs = output::Inputs::of(&run.inputs);
            let target = output::check(p, "the ledger", &output::tree_roots(&paths), &inputs)?;
            file = std::io::BufWriter::new(target.create("the ledger", &inputs)?);
            &mut file
        }
        None => {
            stdout_lock = out;
            &mut stdout_lock
        }
    };
    let (today, lang, window) = (run.today, run.lang, run.window);
    if args.review {
        inventory::table::review(w, &ledger, today, lang)?;
    } else {
        match args.format {
            cli::LedgerFormat::Table => inventory::table::emit(w, &ledger, lang)?,
            cli::LedgerFormat::Csv => inventory::csv::emit(w, &ledger, today, lang)?,
            cli::LedgerFormat::Json => inventory::json::emit(w, &ledger, today, window)?,
            cli::LedgerFormat::Html => inventory::html::emit(w, &ledger, today, window, lang)?,
        }
    }
    w.flush()?;
    Ok(EXIT_CLEAN)
}

fn init_command(args: &cli::InitArgs, out: &mut dyn Write) -> Result<i32> {
    let path = Path::new(config::CONFIG_NAMES[0]);
    if path.exists() && !args.force {
        bail!(
            "{} already exists (use --force to overwrite it)",
            path.display()
        );
    }
    fix::write_atomically(path, init::config_text(args.system).as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    report::note(&format!("wrote {}", path.display()));
    write!(out, "{}", init::pre_commit_snippet(args.system))?;
    Ok(EXIT_CLEAN)
}

fn pick_lang(arg: Option<LangArg>, config: Option<Lang>) -> Lang {
    match arg {
        Some(LangArg::Zh) => Lang::Zh,
        Some(LangArg::En) => Lang::En,
        None => config.unwrap_or_else(config::lang_from_env),
    }
}

/// The registry with the rule files of `config` (explicit, or discovered from `.`).
fn load_for(config: Option<&Path>) -> Result<(Registry, Option<ConfigFile>)> {
    let file = match config {
        Some(p) => Some(ConfigFile::load(p)?),
        None => ConfigFile::discover(Path::new("."))?,
    };
    let rule_files = match &file {
        Some(f) => f.rule_files()?,
        None => Vec::new(),
    };
    let registry = Registry::load(&rule_files).map_err(rule_errors)?;
    Ok((registry, file))
}

fn rule_errors(errors: Vec<rules::RuleError>) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    anyhow!(
        "{} error(s) in rule files:\n{}",
        errors.len(),
        lines.join("\n")
    )
}

/// Config `keywords`: literal strings, or regular expressions with `regex: true`.
pub fn compile_keywords(
    regime: &Regime,
    raw: &[config::RawKeyword],
) -> std::result::Result<Vec<rules::check::Keyword>, String> {
    raw.iter()
        .map(|k| {
            let source = if k.regex {
                k.pattern.clone()
            } else {
                regex::escape(&k.pattern)
            };
            let regex = regex::Regex::new(&source)
                .map_err(|e| format!("bad pattern `{}`: {e}", k.pattern))?;
            let level = match &k.level {
                Some(l) => Some(
                    regime
                        .level_named(l)
                        .ok_or_else(|| format!("unknown level `{l}` for `{}`", k.pattern))?,
                ),
                None => None,
            };
            Ok(rules::check::Keyword {
                pattern: k.pattern.clone(),
                regex,
                level,
            })
        })
        .collect()
}

/// A rule as it applies on `system`: on an unclassified system only ML301, ML900 (as
/// an error: an uninspectable file could hide a mark), ML304, ML901 and user pattern rules run —
/// every mark there is the finding, whatever its form or term; on a classified system
/// ML301 never runs.
pub fn for_system(rule: &Rule, system: SystemKind) -> Option<Rule> {
    use rules::Kind;
    let keep = match (system, &rule.kind) {
        (SystemKind::Classified, Kind::UnclassifiedSystem) => false,
        (SystemKind::Classified, _) => true,
        (
            SystemKind::Unclassified,
            Kind::UnclassifiedSystem
            | Kind::UnreadableFile
            | Kind::SensitiveKeyword
            | Kind::BadSuppression
            | Kind::Pattern,
        ) => true,
        (SystemKind::Unclassified, _) => false,
    };
    if !keep {
        return None;
    }
    let mut rule = rule.clone();
    if system == SystemKind::Unclassified && matches!(rule.kind, Kind::UnreadableFile) {
        rule.severity = Severity::Error;
    }
    Some(rule)
}

/// Everything one group of paths (sharing a config) is checked with.
struct Settings {
    /// Every rule known (for suppression codes), whether it runs or not.
    registry: Registry,
    regime: Regime,
    rules: Vec<Rule>,
    unreadable: Option<Rule>,
    today: Date,
    lang: Lang,
    fail_on: FailOn,
    window: i64,
    exclude: Option<PathGlobs>,
    public: Option<PathGlobs>,
    classified: Option<PathGlobs>,
    publish: Option<PathGlobs>,
    keywords: Vec<rules::check::Keyword>,
    authority: Option<regime::Authority>,
    term_start_printed: bool,
    /// Collect ledger rows (`inventory`).
    inventory: bool,
    rule_dirs: Vec<PathBuf>,
    limits: extract::Limits,
    /// `--no-snippets` unset.
    snippets: bool,
    /// `--fix` or `--diff`: note which file each text file was when it was read.
    fixing: bool,
}

fn settings(args: &CheckArgs, file: Option<&ConfigFile>) -> Result<Settings> {
    let raw = file.map(|f| f.raw.clone()).unwrap_or_default();
    let key_err = |key: &str, msg: String| match file {
        Some(f) => f.key_error(key, msg),
        None => anyhow!("{msg}"),
    };
    let rule_files = match file {
        Some(f) => f.rule_files()?,
        None => Vec::new(),
    };
    let registry = Registry::load(&rule_files).map_err(rule_errors)?;
    let regime = match (&raw.regime, file) {
        (Some(p), Some(f)) => {
            Regime::load(&f.resolve("regime", p)?).map_err(|e| f.key_error("regime", e))?
        }
        _ => Regime::builtin(),
    };
    let today = match (&args.today, &raw.today) {
        (Some(t), _) => config::parse_today(t).context("--today")?,
        (None, Some(t)) => config::parse_today(t).map_err(|e| key_err("today", e.to_string()))?,
        (None, None) => jiff::ZonedDateTime::now().date(),
    };
    let lang = pick_lang(args.lang, raw.lang);
    let fail_on = args.fail_on.or(raw.fail_on).unwrap_or(FailOn::Error);
    let window = i64::from(
        args.expiring_within
            .or(raw.expiring_within_days)
            .unwrap_or(90),
    );

    let resolve = |keys: &[String], what: &str, from_cli: bool| -> Result<Vec<String>> {
        let mut codes = Vec::new();
        for k in keys {
            let found = registry.matching(k);
            if found.is_empty() {
                let msg = format!("unknown rule `{k}` in {what}; `mark-lint rules` lists them");
                return Err(if from_cli {
                    anyhow!(msg)
                } else {
                    key_err(what, msg)
                });
            }
            codes.extend(found.iter().map(|r| r.code.clone()));
        }
        Ok(codes)
    };
    let select_cli = resolve(&args.select, "--select", true)?;
    let select_cfg = resolve(raw.select.as_deref().unwrap_or(&[]), "select", false)?;
    let ignore_cli = resolve(&args.ignore, "--ignore", true)?;
    let ignore_cfg = resolve(raw.ignore.as_deref().unwrap_or(&[]), "ignore", false)?;
    let select = if args.select.is_empty() {
        select_cfg
    } else {
        select_cli
    };
    let mut overrides: BTreeMap<String, SeverityOverride> = BTreeMap::new();
    for (k, v) in raw.severity.iter().flatten() {
        for code in resolve(std::slice::from_ref(k), "severity", false)? {
            overrides.insert(code, *v);
        }
    }
    let system = args.system.or(raw.system).unwrap_or(SystemKind::Classified);
    let keywords = compile_keywords(&regime, raw.keywords.as_deref().unwrap_or(&[]))
        .map_err(|e| key_err("keywords", e))?;
    let term_start_printed = match raw.term_start.as_deref() {
        None | Some("成文日期") => false,
        Some("印发日期") => true,
        Some(other) => {
            return Err(key_err(
                "term-start",
                format!("`{other}`: expected 成文日期 or 印发日期"),
            ));
        }
    };
    let authority = match &raw.authority {
        Some(a) => Some(regime.authority(a).cloned().ok_or_else(|| {
            let known: Vec<&str> = regime.authorities.iter().map(|a| a.name.as_str()).collect();
            key_err(
                "authority",
                format!("unknown authority `{a}`; one of: {}", known.join(", ")),
            )
        })?),
        None => None,
    };
    let mut rules = Vec::new();
    let mut unreadable_rule = None;
    for rule in registry.rules.iter().filter_map(|r| for_system(r, system)) {
        let selected = if select.is_empty() {
            // Configuring `authority` is asking for ML205.
            rule.enabled || (authority.is_some() && matches!(rule.kind, rules::Kind::AuthorityHint))
        } else {
            select.contains(&rule.code)
        };
        if !selected || ignore_cli.contains(&rule.code) || ignore_cfg.contains(&rule.code) {
            continue;
        }
        let mut rule = rule;
        match overrides.get(&rule.code) {
            Some(SeverityOverride::Off) => continue,
            Some(SeverityOverride::Error) => rule.severity = Severity::Error,
            Some(SeverityOverride::Warning) => rule.severity = Severity::Warning,
            Some(SeverityOverride::Info) => rule.severity = Severity::Info,
            None => {}
        }
        if matches!(rule.kind, rules::Kind::UnreadableFile) {
            unreadable_rule = Some(rule);
        } else {
            rules.push(rule);
        }
    }
    let globs = |key: &str, list: &Option<Vec<String>>| -> Result<Option<PathGlobs>> {
        match (file, list) {
            (Some(f), Some(l)) if !l.is_empty() => Ok(Some(PathGlobs::new(f, key, l)?)),
            _ => Ok(None),
        }
    };
    // Canonical once, for comparing with every walked path.
    let rule_dirs = rule_files
        .iter()
        .filter_map(|p| p.parent())
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .collect();
    Ok(Settings {
        registry,
        regime,
        rules,
        unreadable: unreadable_rule,
        today,
        lang,
        fail_on,
        window,
        exclude: globs("exclude", &raw.exclude)?,
        public: globs("public-paths", &raw.public_paths)?,
        classified: globs("classified-paths", &raw.classified_paths)?,
        publish: globs("publish-paths", &raw.publish_paths)?,
        keywords,
        authority,
        term_start_printed,
        inventory: args.inventory,
        rule_dirs,
        snippets: !args.no_snippets,
        fixing: args.fix || args.diff,
        limits: extract::Limits::new(
            raw.max_file_size_mb
                .unwrap_or(256)
                .saturating_mul(1024 * 1024),
        ),
    })
}

impl Settings {
    fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The context for checking `path` (`None`: not a document path).
    fn context(&self, path: Option<&Path>) -> CheckContext<'_> {
        let under =
            |g: &Option<PathGlobs>| g.as_ref().zip(path).is_some_and(|(g, p)| g.is_match(p));
        CheckContext {
            regime: &self.regime,
            today: self.today,
            expiring_within_days: self.window,
            lang: self.lang,
            public_path: under(&self.public),
            classified_path: under(&self.classified),
            publish_path: under(&self.publish),
            keywords: &self.keywords,
            authority: self.authority.as_ref(),
            term_start_printed: self.term_start_printed,
            snippets: self.snippets,
        }
    }
}

/// The result of checking one file.
struct FileResult {
    path: String,
    /// A text file (`--fix` may rewrite it).
    text_file: bool,
    /// The file as it was read (with `--fix`/`--diff`; `None` if it changed meanwhile).
    stamp: Option<fix::Stamp>,
    /// Its inline suppressions, if it has any.
    directives: Option<suppress::Directives>,
    found: Found,
    marked: bool,
    document: bool,
}

/// What checking a document (and the documents it carries) gives.
#[derive(Default)]
struct Found {
    diags: Vec<Diagnostic>,
    /// Facts for ML302, decided across the tree after the parallel part.
    top_secret: Vec<TopCopy>,
    /// Ledger rows (`inventory` only).
    rows: Vec<inventory::Row>,
}

impl Found {
    fn shrink_to_fit(&mut self) {
        self.diags.shrink_to_fit();
        self.top_secret.shrink_to_fit();
        self.rows.shrink_to_fit();
    }
}

/// A document marked at the top level: one fact for ML302 (top-secret-copy).
struct TopCopy {
    path: String,
    fingerprint: u64,
    copy: Option<String>,
    pos: scan::Position,
    mark: marking::Mark,
}

fn check_file(
    s: &Settings,
    path: &Path,
    preloaded: &Preloaded,
    budget: &budget::Budget,
) -> FileResult {
    let shown = display_path(path);
    let ctx = s.context(Some(path));
    // Taken before and after the read: `--fix` rewrites only a file that was the same
    // throughout, and is still that file when it is rewritten.
    let stamp_now = || {
        (s.fixing && !preloaded.contains_key(path))
            .then(|| fix::Stamp::of_path(path).ok())
            .flatten()
    };
    let before = stamp_now();
    // Held until the document is dropped, at the end of this function.
    let _permit;
    let extracted = match preloaded.read(path, &s.limits, budget) {
        Some((permit, bytes)) => {
            _permit = permit;
            bytes.and_then(|b| extract::extract_read(path, b, &s.limits))
        }
        None => match extract::open(path, &s.limits) {
            Ok(opened) => {
                let per_byte = if opened.is_container() {
                    budget::CONTAINER_COST
                } else {
                    budget::TEXT_COST
                };
                _permit = Some(budget.take(opened.len().saturating_mul(per_byte)));
                opened.extract(&s.limits)
            }
            Err(e) => {
                _permit = None;
                Err(e)
            }
        },
    };
    let stamp = before.filter(|b| stamp_now() == Some(*b));
    match extracted {
        Ok(Extracted::Doc(doc)) => {
            let name = readable_name(path.file_name());
            let mut found = Found::default();
            let marked = lint_tree(s, &ctx, &shown, &name, &doc, &mut found);
            // Kept until the whole group is done: no spare capacity (a vector of one
            // finding would hold room for four, 1.1 KB wasted a file on a large tree).
            found.shrink_to_fit();
            let source = doc.text_source();
            let directives = source
                .map(|t| suppress::parse(t, doc.flavour))
                .filter(|d| !d.is_empty());
            FileResult {
                path: shown,
                // HTML is never rewritten: its marks may be entity-encoded or split by tags.
                text_file: source.is_some() && doc.flavour != Flavour::Html,
                stamp,
                directives,
                found,
                marked,
                document: true,
            }
        }
        Ok(Extracted::Skip) => FileResult {
            path: shown,
            text_file: false,
            stamp: None,
            directives: None,
            found: Found::default(),
            marked: false,
            document: false,
        },
        Err(e) => FileResult {
            path: shown.clone(),
            text_file: false,
            stamp: None,
            directives: None,
            found: Found {
                diags: s
                    .unreadable
                    .iter()
                    .map(|r| unreadable(r, &ctx, &shown, &e))
                    .collect(),
                ..Found::default()
            },
            marked: false,
            document: true,
        },
    }
}

/// Lint a document and the documents it carries (`file.ofd!/Doc_0/Attachs/a.ofd`).
fn lint_tree(
    s: &Settings,
    ctx: &CheckContext,
    shown: &str,
    name: &str,
    doc: &Document,
    out: &mut Found,
) -> bool {
    let (diags, scan) = lint_scanned(&s.rules, ctx, shown, name, doc);
    out.diags.extend(diags);
    if let Some(rule) = &s.unreadable {
        let mut gaps: Vec<Diagnostic> = doc
            .gaps
            .iter()
            .map(|gap| rules::check::unread_gap(rule, ctx, shown, gap))
            .collect();
        rules::check::cap_per_rule(&mut gaps, std::slice::from_ref(rule), ctx.lang, shown);
        out.diags.extend(gaps);
    }
    let mut marked = scan.is_marked();
    out.top_secret
        .extend(top_copy(&s.rules, ctx, shown, doc, &scan));
    if s.inventory {
        let window = inventory::Window {
            today: ctx.today,
            expiring_within_days: ctx.expiring_within_days,
        };
        out.rows
            .extend(inventory::rows(ctx.regime, &scan, shown, window));
    }
    for inner in &doc.embedded {
        let path = format!("{shown}!/{}", inner.name);
        let inner_name = inner.name.rsplit('/').next().unwrap_or(&inner.name);
        match &inner.doc {
            Ok(d) => marked |= lint_tree(s, ctx, &path, inner_name, d, out),
            Err(e) => out
                .diags
                .extend(s.unreadable.iter().map(|r| unreadable(r, ctx, &path, e))),
        }
    }
    marked
}

/// Scan and check one document; also says whether it is marked.
pub fn lint_document(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &str,
    file_name: &str,
    doc: &Document,
) -> (Vec<Diagnostic>, bool) {
    let (diags, scan) = lint_scanned(rules, ctx, path, file_name, doc);
    (diags, scan.is_marked())
}

/// Scan and check one document; the scan is returned for tree-level rules.
fn lint_scanned(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &str,
    file_name: &str,
    doc: &Document,
) -> (Vec<Diagnostic>, scan::Scan) {
    let mut scan = scan::scan(ctx.regime, doc, file_name);
    if ctx.term_start_printed {
        scan.start_from_print_date();
    }
    let diags = check_document(rules, ctx, path, file_name, doc, &scan);
    (diags, scan)
}

/// The ML302 fact of a document marked at the top level (when ML302 runs).
fn top_copy(
    rules: &[Rule],
    ctx: &CheckContext,
    shown: &str,
    doc: &Document,
    scan: &scan::Scan,
) -> Option<TopCopy> {
    let top = ctx.regime.levels.iter().map(|l| l.rank).max();
    let m = scan.mark_in_force()?;
    let runs = rules
        .iter()
        .any(|r| matches!(r.kind, rules::Kind::TopSecretCopy));
    (runs && Some(ctx.regime.levels[m.mark.level].rank) == top).then(|| TopCopy {
        path: shown.to_string(),
        fingerprint: scan::body_fingerprint(ctx.regime, doc, scan),
        copy: scan.copy_numbers.first().cloned(),
        pos: m.pos.clone(),
        mark: m.mark.clone(),
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
        found = config::CONFIG_NAMES
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

/// ML302: the same 绝密 document more than once in the tree without distinct 份号,
/// reported on every such copy, naming the others. Decided after the parallel part,
/// in path order, so the output does not depend on scheduling.
fn top_secret_copies(
    rules: &[Rule],
    ctx: &CheckContext,
    copies: &[TopCopy],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(rule) = rules
        .iter()
        .find(|r| matches!(r.kind, rules::Kind::TopSecretCopy))
    else {
        return;
    };
    let mut groups: BTreeMap<u64, Vec<&TopCopy>> = BTreeMap::new();
    for c in copies {
        groups.entry(c.fingerprint).or_default().push(c);
    }
    for group in groups.values().filter(|g| g.len() > 1) {
        for c in group {
            // The copies this one cannot be told apart from.
            let others: Vec<&str> = group
                .iter()
                .filter(|o| !std::ptr::eq(**o, *c))
                .filter(|o| c.copy.is_none() || o.copy.is_none() || o.copy == c.copy)
                .map(|o| o.path.as_str())
                .collect();
            if others.is_empty() {
                continue;
            }
            diags.push(rules::check::tree_finding(
                rule,
                ctx,
                &c.path,
                &c.pos,
                &c.mark,
                &[
                    (rules::kinds::Var::Raw, c.mark.raw.clone()),
                    (
                        rules::kinds::Var::Others,
                        others.join(match ctx.lang {
                            Lang::Zh => "、",
                            Lang::En => ", ",
                        }),
                    ),
                    (
                        rules::kinds::Var::Copy,
                        c.copy.clone().unwrap_or_else(|| match ctx.lang {
                            Lang::Zh => "无".to_string(),
                            Lang::En => "none".to_string(),
                        }),
                    ),
                ],
            ));
        }
    }
}

/// The path of a finding: as named, losslessly (a byte that is not UTF-8 is `\xB9`).
fn display_path(p: &Path) -> String {
    let s = report::name_text(p.as_os_str());
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A file name as a reader sees it, for the marks it carries (`【机密】报告.txt`): UTF-8,
/// else GB18030 (names written on Chinese Windows, unpacked from zip files or copied
/// from FAT volumes), else with replacement characters.
fn readable_name(name: Option<&std::ffi::OsStr>) -> String {
    let Some(name) = name else {
        return String::new();
    };
    if let Some(s) = name.to_str() {
        return s.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if let Some(s) = encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(name.as_bytes())
        {
            return s.into_owned();
        }
    }
    name.to_string_lossy().into_owned()
}

/// What one pass over the inputs found.
struct Run {
    /// Ledger rows (`inventory`), sorted by path and line.
    rows: Vec<inventory::Row>,
    /// The expiring window of the first config.
    window: i64,
    diags: Vec<Diagnostic>,
    suppressed: Vec<report::Suppressed>,
    files: Vec<String>,
    rules: Vec<Rule>,
    summary: report::Summary,
    today: Date,
    lang: Lang,
    fail_on: FailOn,
    /// Text files on disk that `--fix` may rewrite: shown path → path, as read.
    fixable_files: BTreeMap<String, (PathBuf, Option<fix::Stamp>)>,
    regime: Regime,
    /// Every file checked or looked at, as walked, when something is to be written
    /// (no report, ledger or baseline may overwrite one); empty otherwise.
    inputs: Vec<PathBuf>,
}

/// Inputs whose bytes do not come from a file on disk: stdin and staged blobs, by the
/// path shown for them. Both are read when their file is checked, within its size
/// limit and the run's memory budget: never all at once, never past the limit.
#[derive(Default)]
struct Preloaded {
    /// The path shown for stdin, and whether it was read (it can be, once).
    stdin: Option<(PathBuf, std::sync::Mutex<bool>)>,
    staged: Option<git::Staged>,
}

impl Preloaded {
    fn new() -> Preloaded {
        Preloaded::default()
    }

    fn contains_key(&self, path: &Path) -> bool {
        self.stdin.as_ref().is_some_and(|(p, _)| p == path)
            || self.staged.as_ref().is_some_and(|s| s.get(path).is_some())
    }

    fn is_empty(&self) -> bool {
        self.stdin.is_none() && self.staged.as_ref().is_none_or(|s| s.files.is_empty())
    }

    /// The bytes of `path` if it is not on disk (`None`: it is), read at most `limit`,
    /// with the share of the budget they hold.
    fn read<'b>(
        &self,
        path: &Path,
        limits: &extract::Limits,
        budget: &'b budget::Budget,
    ) -> Option<PreloadedBytes<'b>> {
        if let Some((p, read)) = &self.stdin
            && p == path
        {
            let mut read = read.lock().unwrap_or_else(|e| e.into_inner());
            if *read {
                return Some((
                    None,
                    Err(extract::ExtractError::Io("stdin was read already".into())),
                ));
            }
            *read = true;
            let bytes = read_stdin(limits.max_bytes);
            let permit = bytes
                .as_ref()
                .ok()
                .map(|b| budget.take(b.len() as u64 * budget::TEXT_COST));
            return Some((permit, bytes));
        }
        let staged = self.staged.as_ref()?;
        let file = staged.get(path)?;
        let cost = file.size.unwrap_or(0).min(limits.max_bytes) * budget::TEXT_COST;
        let permit = budget.take(cost);
        Some((Some(permit), staged.read(file, limits.max_bytes)))
    }
}

/// The bytes of a preloaded input, and the share of the budget they hold.
type PreloadedBytes<'b> = (
    Option<budget::Permit<'b>>,
    Result<Vec<u8>, extract::ExtractError>,
);

/// Stdin, at most `limit` bytes: a longer input is refused without reading the rest.
fn read_stdin(limit: u64) -> Result<Vec<u8>, extract::ExtractError> {
    let stdin = std::io::stdin().lock();
    match input::read_to_limit(stdin, 0, limit) {
        Ok(bytes) => Ok(bytes),
        Err(input::ReadError::TooLarge { limit, .. }) => {
            Err(extract::ExtractError::Limit(format!(
                "stdin is longer than the file size limit of {}",
                input::bytes(limit)
            )))
        }
        Err(e) => Err(extract::ExtractError::Io(format!("stdin: {e}"))),
    }
}

fn check(args: CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let mut preloaded = Preloaded::new();
    let paths = if args.staged {
        let staged = git::staged()?;
        let paths = staged.paths();
        preloaded.staged = Some(staged);
        paths
    } else if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        let mut paths = args.paths.clone();
        for p in paths.iter_mut().filter(|p| p.as_os_str() == "-") {
            if preloaded.stdin.is_some() {
                bail!("`-` (stdin) is named more than once");
            }
            *p = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("-"));
            preloaded.stdin = Some((p.clone(), std::sync::Mutex::new(false)));
        }
        paths
    };
    for p in paths.iter().filter(|p| !preloaded.contains_key(p)) {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", report::path_text(p));
        }
    }
    if (args.fix || args.diff) && !preloaded.is_empty() {
        bail!("--fix and --diff rewrite files on disk: not with --staged or stdin");
    }
    let mut run = lint(&args, &paths, &preloaded)?;
    // Every place to write is checked before anything is written, fixes included.
    let mut roots = output::tree_roots(&paths);
    roots.extend(preloaded.staged.as_ref().map(|s| s.top().to_path_buf()));
    // Stat'ing every input costs a system call a file: only when something is written.
    let inputs = if args.output.is_empty() && args.write_baseline.is_none() {
        output::Inputs::default()
    } else {
        output::Inputs::of(&run.inputs)
    };
    let reports = args
        .output
        .iter()
        .map(|o| output::check(&o.file, "the report", &roots, &inputs).map(|t| (o.format, t)))
        .collect::<Result<Vec<_>>>()?;
    let baseline_target = args
        .write_baseline
        .as_ref()
        .map(|f| output::check(f, "the baseline", &roots, &inputs))
        .transpose()?;
    if args.fix || args.diff {
        // A rewrite stays inside what was named: a link out of it is not followed.
        let roots: Vec<PathBuf> = paths
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let (fixes, changed) = apply_fixes(&run, &roots, !args.diff, out)?;
        if args.diff {
            if !args.quiet {
                report::note(&match run.lang {
                    Lang::Zh => format!("可自动修复{fixes}处（{changed}个文件），加 --fix 执行"),
                    Lang::En => format!(
                        "{fixes} fix(es) available in {changed} file(s); run with --fix to apply"
                    ),
                });
            }
            return Ok(if fixes > 0 { EXIT_FINDINGS } else { EXIT_CLEAN });
        }
        if fixes > 0 {
            if !args.quiet {
                report::note(&match run.lang {
                    Lang::Zh => format!("已自动修复{fixes}处标志（{changed}个文件）"),
                    Lang::En => format!("fixed {fixes} mark(s) in {changed} file(s)"),
                });
            }
            // Check the fixed files again: what the fix changed may change other findings.
            run = lint(&args, &paths, &preloaded)?;
        }
    }
    if let Some(target) = &baseline_target {
        let file = &target.path;
        let baseline = baseline::Baseline::for_writing(file)?;
        let all: Vec<&Diagnostic> = run
            .diags
            .iter()
            .chain(
                run.suppressed
                    .iter()
                    .filter(|s| s.by == report::SuppressedBy::Baseline)
                    .map(|s| &s.diag),
            )
            .collect();
        let n = baseline.write(file, &all, &run.files)?;
        if !args.quiet {
            let named = report::path_text(&target.named);
            report::note(&match run.lang {
                Lang::Zh => format!("已将{n}项问题写入基线 {named}"),
                Lang::En => format!("wrote {n} finding(s) to the baseline {named}"),
            });
        }
        return Ok(EXIT_CLEAN);
    }
    if let Some(file) = &args.baseline {
        let mut baseline = baseline::Baseline::load(file)?;
        let mut shown = Vec::new();
        for d in std::mem::take(&mut run.diags) {
            if baseline.take(&d) {
                run.suppressed.push(report::Suppressed {
                    diag: d,
                    by: report::SuppressedBy::Baseline,
                    justification: None,
                });
            } else {
                shown.push(d);
            }
        }
        run.diags = shown;
        let stale = baseline.stale(&run.files);
        if !stale.is_empty() && !args.quiet {
            let name = report::path_text(file);
            let mut msg = match run.lang {
                Lang::Zh => format!(
                    "基线 {name} 中有{}项已失效（问题已改正，或者文件已不在）；可用 --write-baseline {name} 重写：",
                    stale.len()
                ),
                Lang::En => format!(
                    "{} stale baseline entr{} in {name} (fixed, or the file is gone); rewrite it with --write-baseline {name}:",
                    stale.len(),
                    if stale.len() == 1 { "y" } else { "ies" },
                ),
            };
            let label = match run.lang {
                Lang::Zh => "已失效",
                Lang::En => "stale",
            };
            for e in &stale {
                msg.push_str(&format!(
                    "\n  {label}: {} {}",
                    e.code,
                    report::escape(&e.path)
                ));
            }
            report::note(&msg);
        }
    }
    run.suppressed.sort_by(|a, b| a.diag.sort_key_cmp(&b.diag));
    let mut summary = run.summary;
    summary.count(&run.diags);
    for s in &run.suppressed {
        match s.by {
            report::SuppressedBy::Inline => summary.inline_suppressed += 1,
            report::SuppressedBy::Baseline => summary.baselined += 1,
        }
    }
    let batch = report::Batch {
        diags: &run.diags,
        suppressed: &run.suppressed,
        files: &run.files,
        rules: &run.rules,
        summary: &summary,
    };
    let opts = |format: Format, color: bool, statistics: bool| report::ReportOptions {
        format,
        lang: run.lang,
        quiet: args.quiet,
        snippets: !args.no_snippets,
        today: run.today,
        color,
        statistics,
    };
    let format = args.format.unwrap_or(Format::Human);
    let color = report::use_color(args.color.unwrap_or(cli::ColorChoice::Auto));
    report::emit(out, &batch, &opts(format, color, args.statistics))?;
    for (format, target) in &reports {
        let mut file = std::io::BufWriter::new(target.create("the report", &inputs)?);
        report::emit(&mut file, &batch, &opts(*format, false, false))
            .and_then(|_| file.flush())
            .with_context(|| {
                format!(
                    "{}: cannot write the report",
                    report::path_text(&target.named)
                )
            })?;
    }
    let failed = run
        .fail_on
        .threshold()
        .is_some_and(|t| run.diags.iter().any(|d| d.severity >= t));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_CLEAN })
}

/// Apply (or, for `--diff`, print) the unambiguous repairs: (fixes, files changed).
fn apply_fixes(
    run: &Run,
    roots: &[PathBuf],
    write: bool,
    out: &mut dyn Write,
) -> Result<(usize, usize)> {
    let mut edits: BTreeMap<&str, Vec<fix::Edit>> = BTreeMap::new();
    for d in &run.diags {
        if let (Some(fixed), Some(mark), None) = (&d.fix, &d.mark, &d.part)
            && run.fixable_files.contains_key(&d.path)
            && safe_fix(&run.regime, mark, fixed)
        {
            edits.entry(&d.path).or_default().push(fix::Edit {
                line: d.line,
                raw: mark.raw.clone(),
                fix: fixed.clone(),
            });
        }
    }
    let (mut fixes, mut changed) = (0, 0);
    for (shown, mut list) in edits {
        list.dedup();
        let (path, stamp) = &run.fixable_files[shown];
        let target = fix::Target {
            path,
            stamp: *stamp,
            roots,
        };
        match fix::fix_file(&target, &list, write) {
            Ok(done) if !done.applied.is_empty() => {
                fixes += done.applied.len();
                changed += 1;
                if !write {
                    write!(out, "{}", fix::unified_diff(shown, &done))?;
                }
            }
            Ok(_) => {}
            Err(why) => {
                let why = why.to_string();
                let (shown, why) = (report::escape(shown), report::escape(&why));
                report::note(&match run.lang {
                    Lang::Zh => format!("{shown}：未修复（技术信息：{why}）"),
                    Lang::En => format!("{shown}: not fixed: {why}"),
                })
            }
        }
    }
    Ok((fixes, changed))
}

/// A repair never removes a mark, lowers its level or changes its term: the fixed text
/// must read as a clean mark with the level and the same term (`24个月` = `2年`) of the
/// mark as written.
fn safe_fix(regime: &Regime, mark: &diagnostic::MarkInfo, fixed: &str) -> bool {
    let parse = |text: &str| match marking::parse_line(regime, text, marking::ParseOptions::new()) {
        Some(marking::LineInfo {
            kind: marking::LineKind::Banner(m) | marking::LineKind::Candidate(m),
            ..
        }) => Some(m),
        _ => None,
    };
    let (Some(before), Some(after)) = (parse(&mark.raw), parse(fixed)) else {
        return false;
    };
    let same_term = match (&before.term, &after.term) {
        (marking::Term::Duration(a), marking::Term::Duration(b)) => {
            (a.years * 12 + a.months, a.days) == (b.years * 12 + b.months, b.days)
        }
        (a, b) => a == b,
    };
    after.problems.is_empty()
        && after.raw == fixed
        && before.level == after.level
        && regime.levels[after.level].name == mark.level
        && same_term
}

/// One pass: walk, check every file in parallel, decide tree rules, apply inline
/// suppressions.
fn lint(args: &CheckArgs, paths: &[PathBuf], preloaded: &Preloaded) -> Result<Run> {
    // Each path is checked with the config found above it (or --config for all).
    let mut groups: Vec<(Option<PathBuf>, Vec<PathBuf>)> = Vec::new();
    let explicit = match &args.config {
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
    let pool = match args.jobs {
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
        let s = settings(args, file)?;
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
    let progress = progress::Progress::start(total, progress::wanted(args.quiet));
    for (key, mut files) in work {
        if !loaded.contains_key(&key) {
            let file = match &key {
                Some(p) => Some(ConfigFile::load_found(p)?),
                None => None,
            };
            let s = settings(args, file.as_ref())?;
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
        if !args.output.is_empty() || args.write_baseline.is_some() || args.inventory {
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
            if (args.fix || args.diff) && r.text_file && !preloaded.contains_key(p) {
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
        top_secret_copies(&s.rules, &s.context(None), &copies, &mut group);
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
            let s = settings(args, file.as_ref())?;
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
        let applied = suppress_in(s.registry(), &s.rules, dirs, found);
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
        let mut bad = bad_suppressions(&s.rules, &ctx, path, &applied.bad);
        rules::check::cap_per_rule(&mut bad, &s.rules, ctx.lang, path);
        shown.extend(bad);
    }
    (shown, hidden)
}

/// `suppress::apply` with codes resolved against the registry and the rules that ran.
fn suppress_in(
    registry: &Registry,
    ran: &[Rule],
    dirs: &suppress::Directives,
    diags: Vec<Diagnostic>,
) -> suppress::Applied {
    suppress::apply(dirs, diags, |code| {
        registry.find(code).map(|r| suppress::RuleInfo {
            code: r.code.clone(),
            suppressible: r.suppressible,
            ran: ran.iter().any(|x| x.code == r.code),
        })
    })
}

/// ML901 findings, when the rule runs.
fn bad_suppressions(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &str,
    bad: &[suppress::Bad],
) -> Vec<Diagnostic> {
    match rules
        .iter()
        .find(|r| matches!(r.kind, rules::Kind::BadSuppression))
    {
        Some(rule) => bad
            .iter()
            .map(|b| rules::check::bad_suppression(rule, ctx, path, b))
            .collect(),
        None => Vec::new(),
    }
}

fn list_rules(registry: &Registry, format: Format, lang: Lang, out: &mut dyn Write) -> Result<()> {
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = registry
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "code": r.code, "name": r.name, "severity": r.severity.as_str(),
                    "enabled": r.enabled, "summary": r.summary.pick(lang),
                    "law": r.article.as_ref().map(|a| &a.law),
                    "article": r.article.as_ref().map(|a| &a.number),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)?;
        return Ok(());
    }
    use unicode_width::UnicodeWidthStr;
    let cited = |r: &Rule| match (&r.article, lang) {
        (Some(a), _) => a.cite(),
        (None, Lang::Zh) => "无".to_string(),
        (None, Lang::En) => "none".to_string(),
    };
    let pad = |s: &str, width: usize| format!("{s}{}", " ".repeat(width.saturating_sub(s.width())));
    let widest = |f: &dyn Fn(&Rule) -> String| {
        registry
            .rules
            .iter()
            .map(|r| f(r).width())
            .max()
            .unwrap_or(0)
    };
    let name_w = widest(&|r: &Rule| r.name.clone());
    let sev_w = widest(&|r: &Rule| report::severity_label(r.severity, lang).to_string());
    let cite_w = widest(&|r: &Rule| cited(r));
    for r in &registry.rules {
        let off = match (r.enabled, lang) {
            (true, _) => "",
            (false, Lang::Zh) => "（默认关闭）",
            (false, Lang::En) => " (off by default)",
        };
        writeln!(
            out,
            "{:<6} {} {} {} {}{off}",
            r.code,
            pad(&r.name, name_w),
            pad(report::severity_label(r.severity, lang), sev_w),
            pad(&cited(r), cite_w),
            r.summary.pick(lang),
        )?;
    }
    Ok(())
}

fn explain(rule: &Rule, lang: Lang, out: &mut dyn Write) -> Result<()> {
    let zh = lang == Lang::Zh;
    let off = match (rule.enabled, lang) {
        (true, _) => "",
        (false, Lang::Zh) => "（默认关闭）",
        (false, Lang::En) => " (off by default)",
    };
    writeln!(
        out,
        "{} {} [{}]{off}",
        rule.code,
        rule.name,
        report::severity_label(rule.severity, lang)
    )?;
    writeln!(out, "{}", rule.summary.pick(lang))?;
    writeln!(out)?;
    writeln!(out, "{}", if zh { "依据" } else { "Article" })?;
    match &rule.article {
        Some(a) => writeln!(out, "  {}：{}", a.cite(), a.text.trim())?,
        None => writeln!(out, "  {}", report::no_article(lang))?,
    }
    if !rule.see_also.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", if zh { "相关规定" } else { "See also" })?;
        for a in &rule.see_also {
            writeln!(out, "  {}：{}", a.cite(), a.text.trim())?;
        }
    }
    if let Some(help) = &rule.help {
        writeln!(out)?;
        writeln!(out, "{}", if zh { "说明" } else { "Help" })?;
        writeln!(out, "  {}", help.pick(lang))?;
    }
    // The examples are what the rule does not report and what it reports; each with
    // the setting it runs under, or the same text can stand under both headings.
    for (title_zh, title_en, list) in [
        ("不报告的示例", "Not reported", &rule.valid),
        ("应报告的示例", "Reported", &rule.invalid),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{}", if zh { title_zh } else { title_en })?;
        for ex in list {
            for line in example_context(ex, lang) {
                writeln!(out, "  # {line}")?;
            }
            for line in ex.text.trim_end().lines() {
                writeln!(out, "  | {line}")?;
            }
            for other in &ex.also {
                writeln!(
                    out,
                    "  # {}",
                    if zh {
                        "同一文件夹中的另一文件："
                    } else {
                        "another file in the same folder:"
                    }
                )?;
                for line in other.trim_end().lines() {
                    writeln!(out, "  | {line}")?;
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// The file name and settings an example runs under, one line each.
fn example_context(ex: &rules::schema::ExampleDoc, lang: Lang) -> Vec<String> {
    let zh = lang == Lang::Zh;
    let mut lines = Vec::new();
    if let Some(name) = &ex.name {
        lines.push(if zh {
            format!("文件名“{name}”")
        } else {
            name.clone()
        });
    }
    if ex.system == Some(SystemKind::Unclassified) {
        lines.push(if zh {
            "非涉密系统（配置项 system: unclassified）".to_string()
        } else {
            "on an unclassified system (system: unclassified)".to_string()
        });
    }
    for (set, key) in [
        (ex.public, "public-paths"),
        (ex.classified, "classified-paths"),
        (ex.publish, "publish-paths"),
    ] {
        if set {
            lines.push(if zh {
                format!("位于配置项 {key} 指定的文件夹中")
            } else {
                format!("in a folder listed in {key}")
            });
        }
    }
    if let Some(authority) = &ex.authority {
        lines.push(if zh {
            format!("配置项 authority: {authority}")
        } else {
            format!("authority: {authority}")
        });
    }
    for k in &ex.keywords {
        let level = k.level.as_deref().map(|l| match lang {
            Lang::Zh => format!("（{l}级）"),
            Lang::En => format!(" ({l})"),
        });
        lines.push(if zh {
            format!("涉密关键词“{}”{}", k.pattern, level.unwrap_or_default())
        } else {
            format!("keyword `{}`{}", k.pattern, level.unwrap_or_default())
        });
    }
    lines
}

/// A rule example that did not behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub code: String,
    pub origin: String,
    pub valid: bool,
    pub index: usize,
    /// The line an invalid example expects its finding at.
    pub line: u32,
    pub found: Vec<String>,
}

/// Lint a rule example with every default rule plus `rule` (which may be off by
/// default), today fixed.
pub fn lint_example(
    registry: &Registry,
    rule: Option<&str>,
    ex: &rules::schema::ExampleDoc,
) -> Vec<Diagnostic> {
    lint_example_in(registry, rule, ex, Lang::En)
}

/// `lint_example` with messages in `lang` (the tests read every message in both).
pub fn lint_example_in(
    registry: &Registry,
    rule: Option<&str>,
    ex: &rules::schema::ExampleDoc,
    lang: Lang,
) -> Vec<Diagnostic> {
    let name = ex.name.as_deref().unwrap_or("example.md");
    let text = ex.text.as_str();
    let system = ex.system.unwrap_or(SystemKind::Classified);
    let regime = Regime::builtin();
    // A bad example keyword drops them all: its invalid example then fails loudly.
    let keywords = compile_keywords(&regime, &ex.keywords).unwrap_or_default();
    let authority = ex
        .authority
        .as_deref()
        .and_then(|a| regime.authority(a))
        .cloned();
    let ctx = CheckContext {
        authority: authority.as_ref(),
        term_start_printed: false,
        keywords: &keywords,
        publish_path: ex.publish,
        regime: &regime,
        today: EXAMPLE_TODAY,
        expiring_within_days: 90,
        lang,
        public_path: ex.public,
        classified_path: ex.classified,
        snippets: true,
    };
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("md");
    let doc = match ext {
        // The body XML of a Word document is built into a real .docx; any other office
        // or binary name takes the text as the file's bytes (what such a file holds
        // when it is not what its name says). Both go through the extractors.
        "docx" | "docm" | "odt" | "ofd" | "xlsx" | "pptx" | "doc" | "wps" | "et" | "xls"
        | "ppt" | "rtf" => {
            let bytes = match ext {
                "docx" => extract::ooxml::docx_from_body(text),
                _ => text.as_bytes().to_vec(),
            };
            let limits = extract::Limits::new(1 << 30);
            match extract::extract_bytes(bytes, ext, &limits, 0) {
                Ok(Extracted::Doc(d)) => d,
                Ok(Extracted::Skip) => return Vec::new(),
                // A broken example shows as ML900, so its test fails loudly.
                Err(e) => {
                    return registry
                        .rules
                        .iter()
                        .filter(|r| matches!(r.kind, rules::Kind::UnreadableFile))
                        .map(|r| unreadable(r, &ctx, name, &e))
                        .collect();
                }
            }
        }
        "html" | "htm" => {
            let rendered = extract::html::render(text);
            let mut doc = Document::plain(Flavour::Html, rendered.text);
            doc.parts[0].line_map = rendered.line_map;
            doc.parts[0].blocks = rendered.blocks;
            doc
        }
        "txt" => Document::plain(Flavour::Plain, text.to_string()),
        _ => Document::plain(Flavour::Markdown, text.to_string()),
    };
    let rules: Vec<Rule> = registry
        .rules
        .iter()
        .filter(|r| r.enabled || Some(r.code.as_str()) == rule)
        .filter_map(|r| for_system(r, system))
        .collect();
    let (mut diags, scan) = lint_scanned(&rules, &ctx, name, name, &doc);
    for rule in rules
        .iter()
        .filter(|r| matches!(r.kind, rules::Kind::UnreadableFile))
    {
        diags.extend(
            doc.gaps
                .iter()
                .map(|g| rules::check::unread_gap(rule, &ctx, name, g)),
        );
    }
    if let Some(source) = doc.text_source() {
        let dirs = suppress::parse(source, doc.flavour);
        if !dirs.is_empty() {
            let applied = suppress_in(registry, &rules, &dirs, diags);
            diags = applied.shown;
            diags.extend(bad_suppressions(&rules, &ctx, name, &applied.bad));
        }
    }
    if ex.also.is_empty() {
        return diags;
    }
    // Other files of the same folder (Markdown), for rules decided across files.
    let mut copies: Vec<TopCopy> = top_copy(&rules, &ctx, name, &doc, &scan)
        .into_iter()
        .collect();
    for (i, text) in ex.also.iter().enumerate() {
        let other = format!("also-{}.md", i + 1);
        let doc = Document::plain(Flavour::Markdown, text.clone());
        let (found, scan) = lint_scanned(&rules, &ctx, &other, &other, &doc);
        diags.extend(found);
        copies.extend(top_copy(&rules, &ctx, &other, &doc, &scan));
    }
    top_secret_copies(&rules, &ctx, &copies, &mut diags);
    diags
}

/// Check every rule's examples: valid ones give no finding of that rule, invalid ones
/// give at least one.
pub fn test_rule_examples(
    registry: &Registry,
    only: Option<&[String]>,
) -> (usize, Vec<ExampleFailure>) {
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in &registry.rules {
        if only.is_some_and(|o| !o.contains(&rule.origin)) {
            continue;
        }
        for (valid, list) in [(true, &rule.valid), (false, &rule.invalid)] {
            for (i, ex) in list.iter().enumerate() {
                count += 1;
                let diags = lint_example(registry, Some(&rule.code), ex);
                let name = ex.name.as_deref().unwrap_or("example.md");
                let hits = diags.iter().filter(|d| *d.code == *rule.code).count();
                // An invalid example must be found where it says (line 1 unless given),
                // in its own file: a finding anywhere else does not count.
                let at = ex.line.unwrap_or(1);
                let placed = diags
                    .iter()
                    .any(|d| *d.code == *rule.code && d.path == name && d.line == at);
                if (valid && hits > 0) || (!valid && !placed) {
                    failures.push(ExampleFailure {
                        code: rule.code.clone(),
                        origin: rule.origin.clone(),
                        valid,
                        index: i + 1,
                        line: at,
                        found: diags
                            .iter()
                            .map(|d| format!("{}:{}:{} {}", d.path, d.line, d.code, d.message))
                            .collect(),
                    });
                }
            }
        }
    }
    (count, failures)
}

fn test_rules_command(args: cli::TestRulesArgs, out: &mut dyn Write) -> Result<i32> {
    let file = match &args.config {
        Some(p) => Some(ConfigFile::load(p)?),
        None => ConfigFile::discover(Path::new("."))?,
    };
    let mut rule_files = match &file {
        Some(f) => f.rule_files()?,
        None => Vec::new(),
    };
    rule_files.extend(args.files.iter().cloned());
    let registry = Registry::load(&rule_files).map_err(rule_errors)?;
    let only: Option<Vec<String>> = (!args.files.is_empty())
        .then(|| args.files.iter().map(|p| p.display().to_string()).collect());
    let (count, failures) = test_rule_examples(&registry, only.as_deref());
    for f in &failures {
        writeln!(
            out,
            "FAIL {} ({}): {} example {} {}",
            f.code,
            f.origin,
            if f.valid { "valid" } else { "invalid" },
            f.index,
            if f.valid {
                "gave a finding of this rule".to_string()
            } else {
                format!("gave no finding of this rule at line {}", f.line)
            }
        )?;
        for line in &f.found {
            writeln!(out, "    {line}")?;
        }
    }
    writeln!(
        out,
        "{} passed, {} failed",
        count - failures.len(),
        failures.len()
    )?;
    Ok(if failures.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    })
}
