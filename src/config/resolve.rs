//! Config file + command line → the typed settings one group of paths is checked with:
//! which rules run (selection, the system's policy, severities), the regime, dates,
//! keywords, path globs and limits. Every bad key is reported, not only the first.
//! Nothing here reads documents or prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use jiff::civil::Date;

use super::{ConfigFile, FailOn, PathGlobs, RawKeyword, SeverityOverride, SystemKind};
use crate::diagnostic::{Lang, Severity};
use crate::regime::{Authority, Regime};
use crate::rules::check::{CheckContext, Keyword};
use crate::rules::{Kind, Registry, Rule, RuleError};

/// What the command line says, already in domain types (the command converts clap's).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub today: Option<Date>,
    pub lang: Option<Lang>,
    pub fail_on: Option<FailOn>,
    pub expiring_within: Option<u32>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub system: Option<SystemKind>,
    /// `--no-snippets` unset.
    pub snippets: bool,
    /// `--fix` or `--diff`: note which file each text file was when it was read.
    pub fixing: bool,
    /// Collect ledger rows (`inventory`).
    pub inventory: bool,
    /// `--ocr`, `--ocr-pages`.
    pub ocr: Option<crate::ocr::Mode>,
    pub ocr_pages: Option<crate::ocr::Pages>,
    pub cache: CacheChoice,
}

/// `--cache DIR`, `--no-cache`, or neither: config `cache:` decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CacheChoice {
    #[default]
    Config,
    Off,
    Folder(PathBuf),
}

/// Everything one group of paths (sharing a config) is checked with.
pub struct Settings {
    /// Every rule known (for suppression codes), whether it runs or not.
    pub registry: Registry,
    pub regime: Regime,
    /// The rules that run on documents; ML900 apart.
    pub rules: Vec<Rule>,
    /// The rules of `rules` that read a file's name and nothing else of it (ML301 on an
    /// unclassified system, file-name patterns): all that runs on an archive, whose
    /// name is all it has of its own. Chosen once here, not per archive.
    pub name_rules: Vec<Rule>,
    pub unreadable: Option<Rule>,
    pub today: Date,
    pub lang: Lang,
    pub fail_on: FailOn,
    pub window: i64,
    pub exclude: Option<PathGlobs>,
    pub public: Option<PathGlobs>,
    pub classified: Option<PathGlobs>,
    pub publish: Option<PathGlobs>,
    pub keywords: Vec<Keyword>,
    /// Config `label-map`: sensitivity label names and GUIDs with their levels.
    pub label_map: Vec<(String, usize)>,
    pub authority: Option<Authority>,
    pub term_start_printed: bool,
    pub inventory: bool,
    /// Folders of user rule files, canonical: they hold marks on purpose.
    pub rule_dirs: Vec<PathBuf>,
    pub limits: crate::extract::Limits,
    pub snippets: bool,
    pub fixing: bool,
    /// The cache folder (`--cache`, config `cache:`); `None`: no cache.
    pub cache_dir: Option<PathBuf>,
}

/// The language: the flag, else the config, else the environment.
pub fn pick_lang(flag: Option<Lang>, config: Option<Lang>) -> Lang {
    flag.or(config).unwrap_or_else(super::lang_from_env)
}

/// The registry with the rule files of `file`: the built-in rules and the user's.
pub fn load_registry(file: Option<&ConfigFile>) -> Result<(Registry, Vec<PathBuf>)> {
    let rule_files = match file {
        Some(f) => f.rule_files()?,
        None => Vec::new(),
    };
    let registry = Registry::load(&rule_files).map_err(rule_errors)?;
    Ok((registry, rule_files))
}

/// All the errors of the rule files, one a line.
pub fn rule_errors(errors: Vec<RuleError>) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    anyhow!(
        "{} error(s) in rule files:\n{}",
        errors.len(),
        lines.join("\n")
    )
}

/// Errors found while resolving, all reported at the end.
struct Problems<'f> {
    file: Option<&'f ConfigFile>,
    errors: Vec<anyhow::Error>,
}

impl Problems<'_> {
    /// A bad value of `key` in the config file.
    fn key(&mut self, key: &str, message: String) {
        self.errors.push(match self.file {
            Some(f) => f.key_error(key, message),
            None => anyhow!("{message}"),
        });
    }

    /// Keep the value, or note the error and go on without it.
    fn take<T>(&mut self, r: Result<T>) -> Option<T> {
        r.map_err(|e| self.errors.push(e)).ok()
    }
}

/// The settings for paths under `file` (or with no config), the command line first.
pub fn resolve(over: &Overrides, file: Option<&ConfigFile>) -> Result<Settings> {
    let raw = file.map(|f| f.raw.clone()).unwrap_or_default();
    let (registry, rule_files) = load_registry(file)?;
    let mut p = Problems {
        file,
        errors: Vec::new(),
    };
    let regime = match (&raw.regime, file) {
        (Some(path), Some(f)) => p
            .take(f.resolve("regime", path))
            .and_then(|path| match Regime::load(&path) {
                Ok(r) => Some(r),
                Err(e) => {
                    p.errors.push(f.key_error("regime", e));
                    None
                }
            })
            .unwrap_or_else(Regime::builtin),
        _ => Regime::builtin(),
    };
    let today = match (over.today, &raw.today) {
        (Some(t), _) => t,
        (None, Some(t)) => super::parse_today(t).unwrap_or_else(|e| {
            p.key("today", e.to_string());
            jiff::ZonedDateTime::now().date()
        }),
        (None, None) => jiff::ZonedDateTime::now().date(),
    };
    let keywords = compile_keywords(&regime, raw.keywords.as_deref().unwrap_or(&[]))
        .unwrap_or_else(|e| {
            p.key("keywords", e);
            Vec::new()
        });
    let mut label_map = Vec::new();
    for (label, level) in raw.label_map.iter().flatten() {
        match regime.level_named(level) {
            Some(l) => label_map.push((label.clone(), l)),
            None => p.key(
                "label-map",
                format!("unknown level `{level}` for label `{label}`"),
            ),
        }
    }
    let term_start_printed = term_start_printed(&raw, &mut p);
    let authority = raw.authority.as_ref().and_then(|a| {
        let found = regime.authority(a).cloned();
        if found.is_none() {
            let known: Vec<&str> = regime.authorities.iter().map(|a| a.name.as_str()).collect();
            p.key(
                "authority",
                format!("unknown authority `{a}`; one of: {}", known.join(", ")),
            );
        }
        found
    });
    let system = over.system.or(raw.system).unwrap_or(SystemKind::Classified);
    let ocr = ocr_options(over, &raw, &mut p);
    let cache_dir = cache_dir(over, file, &raw, &mut p);
    let (rules, unreadable) =
        running_rules(over, &raw, &registry, system, authority.is_some(), &mut p);
    let mut globs = |key: &str, list: &Option<Vec<String>>| match (file, list) {
        (Some(f), Some(l)) if !l.is_empty() => p.take(PathGlobs::new(f, key, l)),
        _ => None,
    };
    let (exclude, public, classified, publish) = (
        globs("exclude", &raw.exclude),
        globs("public-paths", &raw.public_paths),
        globs("classified-paths", &raw.classified_paths),
        globs("publish-paths", &raw.publish_paths),
    );
    if !p.errors.is_empty() {
        let lines: Vec<String> = p.errors.iter().map(|e| format!("{e:#}")).collect();
        return Err(anyhow!("{}", lines.join("\n")));
    }
    let name_rules = rules
        .iter()
        .filter(|r| reads_file_name(r))
        .cloned()
        .collect();
    Ok(Settings {
        registry,
        regime,
        rules,
        name_rules,
        unreadable,
        today,
        lang: pick_lang(over.lang, raw.lang),
        fail_on: over.fail_on.or(raw.fail_on).unwrap_or(FailOn::Error),
        window: i64::from(
            over.expiring_within
                .or(raw.expiring_within_days)
                .unwrap_or(90),
        ),
        exclude,
        public,
        classified,
        publish,
        keywords,
        label_map,
        authority,
        term_start_printed,
        inventory: over.inventory,
        rule_dirs: canonical_dirs(&rule_files),
        snippets: over.snippets,
        fixing: over.fixing,
        cache_dir,
        limits: crate::extract::Limits {
            ocr,
            ..crate::extract::Limits::new(
                raw.max_file_size_mb
                    .unwrap_or(256)
                    .saturating_mul(1024 * 1024),
            )
        },
    })
}

/// Config `term-start`: whether terms run from the 印发日期 (else the 成文日期).
fn term_start_printed(raw: &super::RawConfig, p: &mut Problems) -> bool {
    match raw.term_start.as_deref() {
        None | Some("成文日期") => false,
        Some("印发日期") => true,
        Some(other) => {
            p.key(
                "term-start",
                format!("`{other}`: expected 成文日期 or 印发日期"),
            );
            false
        }
    }
}

/// How scans are read: the flag, else the config, else auto and the first page.
/// `always` without the engine is an error (exit 2), said in one line.
fn ocr_options(over: &Overrides, raw: &super::RawConfig, p: &mut Problems) -> crate::ocr::Options {
    use crate::ocr::{Mode, Options};
    let opts = Options {
        mode: over.ocr.or(raw.ocr).unwrap_or_default(),
        pages: over.ocr_pages.or(raw.ocr_pages).unwrap_or_default(),
    };
    if opts.mode == Mode::Always
        && let Err(why) = crate::ocr::engine()
    {
        let message = format!("OCR is required (ocr: always), but {}", lower_first(why));
        match (over.ocr, p.file) {
            (None, Some(_)) => p.key("ocr", message),
            _ => p.errors.push(anyhow!("--ocr always: {}", lower_first(why))),
        }
    }
    opts
}

/// The cache folder: the flag, else the config's `cache:` (`true`: `.mark-lint-cache`
/// beside the config; a folder: relative to it), else none.
fn cache_dir(
    over: &Overrides,
    file: Option<&ConfigFile>,
    raw: &super::RawConfig,
    p: &mut Problems,
) -> Option<PathBuf> {
    use super::CacheSetting;
    match (&over.cache, &raw.cache, file) {
        (CacheChoice::Off, _, _) => None,
        (CacheChoice::Folder(dir), _, _) => Some(dir.clone()),
        (CacheChoice::Config, Some(CacheSetting::On(true)), Some(f)) => {
            Some(f.dir.join(crate::cache::DEFAULT_DIR))
        }
        (CacheChoice::Config, Some(CacheSetting::Folder(dir)), Some(_)) if dir.is_empty() => {
            p.key(
                "cache",
                "an empty folder name; `true` names .mark-lint-cache".into(),
            );
            None
        }
        (CacheChoice::Config, Some(CacheSetting::Folder(dir)), Some(f)) => {
            p.take(f.resolve("cache", dir))
        }
        _ => None,
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The folders of the rule files, canonical once, for comparing with every walked path.
fn canonical_dirs(rule_files: &[PathBuf]) -> Vec<PathBuf> {
    rule_files
        .iter()
        .filter_map(|p| p.parent())
        .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_path_buf()))
        .collect()
}

/// The rules that run: the system's policy, then selection (`select`/`--select`,
/// `ignore` and `--ignore` both), then severities; ML900 apart (it runs outside the
/// document checks).
fn running_rules(
    over: &Overrides,
    raw: &super::RawConfig,
    registry: &Registry,
    system: SystemKind,
    authority: bool,
    p: &mut Problems,
) -> (Vec<Rule>, Option<Rule>) {
    let mut codes = |keys: &[String], what: &str, from_cli: bool| -> Vec<String> {
        let mut codes = Vec::new();
        for k in keys {
            let found = registry.matching(k);
            if found.is_empty() {
                let msg = format!("unknown rule `{k}` in {what}; `mark-lint rules` lists them");
                if from_cli {
                    p.errors.push(anyhow!(msg));
                } else {
                    p.key(what, msg);
                }
            }
            codes.extend(found.iter().map(|r| r.code.clone()));
        }
        codes
    };
    let select_cli = codes(&over.select, "--select", true);
    let select_cfg = codes(raw.select.as_deref().unwrap_or(&[]), "select", false);
    let ignored: Vec<String> = codes(&over.ignore, "--ignore", true)
        .into_iter()
        .chain(codes(raw.ignore.as_deref().unwrap_or(&[]), "ignore", false))
        .collect();
    let select = if over.select.is_empty() {
        select_cfg
    } else {
        select_cli
    };
    let mut overrides: BTreeMap<String, SeverityOverride> = BTreeMap::new();
    for (k, v) in raw.severity.iter().flatten() {
        for code in codes(std::slice::from_ref(k), "severity", false) {
            overrides.insert(code, *v);
        }
    }
    let mut rules = Vec::new();
    let mut unreadable = None;
    for mut rule in registry.rules.iter().filter_map(|r| for_system(r, system)) {
        let selected = if select.is_empty() {
            // Configuring `authority` is asking for ML205.
            rule.enabled || (authority && rule.kind == Kind::AuthorityHint)
        } else {
            select.contains(&rule.code)
        };
        if !selected || ignored.contains(&rule.code) {
            continue;
        }
        match overrides.get(&rule.code) {
            Some(SeverityOverride::Off) => continue,
            Some(SeverityOverride::Error) => rule.severity = Severity::Error,
            Some(SeverityOverride::Warning) => rule.severity = Severity::Warning,
            Some(SeverityOverride::Info) => rule.severity = Severity::Info,
            None => {}
        }
        if rule.kind == Kind::UnreadableFile {
            unreadable = Some(rule);
        } else {
            rules.push(rule);
        }
    }
    (rules, unreadable)
}

/// Whether `rule` judges a file by its name: ML301 (a declaration in the name counts)
/// and a pattern rule with `scope: file-name`.
fn reads_file_name(rule: &Rule) -> bool {
    use crate::rules::compile::{Params, Scope};
    rule.kind == Kind::UnclassifiedSystem
        || matches!(
            rule.params,
            Params::Pattern {
                scope: Scope::FileName,
                ..
            }
        )
}

/// Config `keywords`: literal strings, or regular expressions with `regex: true`.
pub fn compile_keywords(
    regime: &Regime,
    raw: &[RawKeyword],
) -> std::result::Result<Vec<Keyword>, String> {
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
            Ok(Keyword { regex, level })
        })
        .collect()
}

/// A rule as it applies on `system`: on an unclassified system only ML301, ML900 (as
/// an error: an uninspectable file could hide a mark), ML304, ML901 and user pattern
/// rules run — every mark there is the finding, whatever its form or term; on a
/// classified system ML301 never runs.
pub fn for_system(rule: &Rule, system: SystemKind) -> Option<Rule> {
    let keep = match (system, rule.kind) {
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
    if system == SystemKind::Unclassified && rule.kind == Kind::UnreadableFile {
        rule.severity = Severity::Error;
    }
    Some(rule)
}

impl Settings {
    /// The context for checking `path` (`None`: not a document path).
    pub fn context(&self, path: Option<&Path>) -> CheckContext<'_> {
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
            label_map: &self.label_map,
        }
    }
}
