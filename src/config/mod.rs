//! Configuration: `.mark-lint.yaml` found by walking up from a path (or `--config`),
//! layered defaults < file < command line. Unknown keys and bad values are errors that
//! name the file, line and key (exit 2).

use std::collections::BTreeMap;
pub mod resolve;

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use jiff::civil::Date;
use serde::Deserialize;

use crate::diagnostic::{Lang, Severity};

pub const CONFIG_NAMES: [&str; 2] = [".mark-lint.yaml", ".mark-lint.yml"];

/// The config file as written: every key the README documents; any other key is an
/// error that names it.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConfig {
    pub system: Option<SystemKind>,
    pub today: Option<String>,
    pub lang: Option<Lang>,
    pub expiring_within_days: Option<u32>,
    pub fail_on: Option<FailOn>,
    pub term_start: Option<String>,
    pub authority: Option<String>,
    pub classified_paths: Option<Vec<String>>,
    pub public_paths: Option<Vec<String>>,
    pub publish_paths: Option<Vec<String>>,
    pub keywords: Option<Vec<RawKeyword>>,
    /// Sensitivity labels (names or GUIDs) and the levels they stand for; a label not
    /// listed is ignored.
    pub label_map: Option<BTreeMap<String, String>>,
    pub rules: Option<Vec<String>>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub severity: Option<BTreeMap<String, SeverityOverride>>,
    pub exclude: Option<Vec<String>>,
    pub max_file_size_mb: Option<u64>,
    pub regime: Option<String>,
    /// Scans read by OCR: auto | never | always.
    pub ocr: Option<crate::ocr::Mode>,
    /// What of a scan OCR reads: first | all.
    pub ocr_pages: Option<crate::ocr::Pages>,
    /// Keep the facts of each file in a cache folder (not its text): `true` for
    /// `.mark-lint-cache` beside this file, or the folder. Off unless set.
    pub cache: Option<CacheSetting>,
}

/// Config `cache:`: on (the default folder) or off, or the folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum CacheSetting {
    On(bool),
    Folder(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SystemKind {
    Classified,
    Unclassified,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RawKeyword {
    pub pattern: String,
    pub level: Option<String>,
    /// `pattern` is a regular expression (default: a literal string).
    #[serde(default)]
    pub regex: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// The lowest severity that fails the run.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    Error,
    Warning,
    Info,
    Off,
}

/// A parsed config file and where it lives (globs are relative to its folder).
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub raw: RawConfig,
    pub source: String,
    /// Named by the user (`--config`), not found in the tree: only then may it name
    /// rule files and a regime outside its own folder.
    pub explicit: bool,
}

impl ConfigFile {
    /// The config the user named (`--config`).
    pub fn load(path: &Path) -> Result<ConfigFile> {
        ConfigFile::read(path, true)
    }

    /// A config found in the tree (discovery, or nested in a walked folder): whoever
    /// wrote the tree wrote it.
    pub fn load_found(path: &Path) -> Result<ConfigFile> {
        ConfigFile::read(path, false)
    }

    fn read(path: &Path, explicit: bool) -> Result<ConfigFile> {
        let source =
            crate::input::read_text(path, crate::input::CONFIG_MAX, crate::input::Syntax::Yaml)
                .map_err(|why| {
                    anyhow!(
                        "{}: cannot read config: {why}",
                        crate::report::path_text(path)
                    )
                })?;
        let raw: RawConfig = if source.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(&source).map_err(|e| {
                let loc = e
                    .location()
                    .map_or(String::new(), |l| format!(":{}:{}", l.line(), l.column()));
                let msg = e.to_string();
                let msg = msg
                    .find(" at line ")
                    .map_or(msg.clone(), |i| msg[..i].to_string());
                anyhow!("{}{loc}: {msg}", crate::report::path_text(path))
            })?
        };
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(ConfigFile {
            path: path.to_path_buf(),
            dir,
            raw,
            source,
            explicit,
        })
    }

    /// A path this config names under `key` (`rules`, `regime`), relative to its
    /// folder. A config found in the tree may name only what lies inside its own folder,
    /// symbolic links resolved: a tree must not make the tool read (and quote in its
    /// errors) any file on the machine. `--config` lifts this: the user chose the file.
    pub fn resolve(&self, key: &str, entry: &str) -> Result<PathBuf> {
        let path = self.dir.join(entry);
        if self.explicit {
            return Ok(path);
        }
        let outside = || {
            self.key_error(
                key,
                format!(
                    "`{entry}` is outside the folder of this config; a config found in the \
                     tree may only name files inside its folder (name the config with \
                     --config to allow it)"
                ),
            )
        };
        let cwd = std::env::current_dir()?;
        if !normalize(&cwd.join(&path)).starts_with(normalize(&cwd.join(&self.dir))) {
            return Err(outside());
        }
        if let (Ok(real), Ok(dir)) = (
            std::fs::canonicalize(&path),
            std::fs::canonicalize(&self.dir),
        ) && !real.starts_with(dir)
        {
            return Err(outside());
        }
        Ok(path)
    }

    /// Whether `file` (found below a folder this config named) is inside the config's
    /// folder once symbolic links are resolved, when that matters (see `resolve`).
    pub fn may_read(&self, file: &Path) -> bool {
        self.explicit
            || match (
                std::fs::canonicalize(file),
                std::fs::canonicalize(&self.dir),
            ) {
                (Ok(real), Ok(dir)) => real.starts_with(dir),
                _ => false,
            }
    }

    /// Config `rules:` entries: files, folders (every .yaml/.yml below) or globs
    /// (relative to the config's folder), in a stable order.
    pub fn rule_files(&self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let yaml_files = |root: &Path, keep: &dyn Fn(&Path) -> bool| -> Vec<PathBuf> {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(root)
                .into_iter()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .filter(|p| keep(p) && self.may_read(p))
                .collect();
            found.sort();
            found
        };
        for entry in self.raw.rules.iter().flatten() {
            if entry.contains(['*', '?', '[']) && !self.dir.join(entry).exists() {
                let glob = Glob::new(entry)
                    .map_err(|e| {
                        self.key_error("rules", format!("bad glob `{entry}`: {}", e.kind()))
                    })?
                    .compile_matcher();
                out.extend(yaml_files(&self.dir, &|p| {
                    p.strip_prefix(&self.dir)
                        .is_ok_and(|rel| glob.is_match(rel))
                }));
                continue;
            }
            let path = self.resolve("rules", entry)?;
            if path.is_dir() {
                out.extend(yaml_files(&path, &|p| {
                    p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                }));
            } else if path.is_file() {
                out.push(path);
            } else {
                return Err(self.key_error("rules", format!("no rule file or folder `{entry}`")));
            }
        }
        Ok(out)
    }

    /// An error about `key`, pointing at the line where it is written.
    pub fn key_error(&self, key: &str, message: impl std::fmt::Display) -> anyhow::Error {
        let (line, col) = crate::input::yaml_key_location(&self.source, key);
        anyhow!(
            "{}:{line}:{col}: key `{key}`: {message}",
            crate::report::path_text(&self.path)
        )
    }

    /// The nearest config file at or above `start` (a file or folder).
    pub fn discover(start: &Path) -> Result<Option<ConfigFile>> {
        let abs = if start.is_absolute() {
            start.to_path_buf()
        } else {
            std::env::current_dir()?.join(start)
        };
        let mut dir = if abs.is_dir() {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        while let Some(d) = dir {
            for name in CONFIG_NAMES {
                let candidate = d.join(name);
                // Whatever it is: a config that exists but cannot be read is an error,
                // never a run without it.
                if std::fs::symlink_metadata(&candidate).is_ok() {
                    // Keep the path relative when the user's path was relative.
                    let shown = relative_to_cwd(&candidate);
                    return ConfigFile::load_found(&shown).map(Some);
                }
            }
            dir = d.parent();
        }
        Ok(None)
    }
}

/// `p` relative to the current folder when it is below it (as the user would write it).
pub fn relative_to_cwd(p: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => match p.strip_prefix(&cwd) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
            _ => p.to_path_buf(),
        },
        Err(_) => p.to_path_buf(),
    }
}

/// Globs relative to a config file's folder, matched against paths relative to it.
#[derive(Debug, Clone)]
pub struct PathGlobs {
    base: PathBuf,
    set: GlobSet,
}

impl PathGlobs {
    pub fn new(file: &ConfigFile, key: &str, globs: &[String]) -> Result<PathGlobs> {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            let glob = Glob::new(g)
                .map_err(|e| file.key_error(key, format!("bad glob `{g}`: {}", e.kind())))?;
            b.add(glob);
            // `build/**` should also match `build` itself; `dir` all that is under it.
            if !g.contains('*') {
                b.add(
                    Glob::new(&format!("{}/**", g.trim_end_matches('/')))
                        .map_err(|e| file.key_error(key, e))?,
                );
            }
        }
        let set = b.build().map_err(|e| file.key_error(key, e))?;
        let base = std::fs::canonicalize(&file.dir).unwrap_or_else(|_| file.dir.clone());
        Ok(PathGlobs { base, set })
    }

    pub fn is_match(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            match std::env::current_dir() {
                Ok(c) => c.join(path),
                Err(_) => return false,
            }
        };
        let abs = normalize(&abs);
        match abs.strip_prefix(&self.base) {
            Ok(rel) => self.set.is_match(rel),
            Err(_) => false,
        }
    }
}

/// Remove `.` and `..` components without touching the file system (nor following
/// symlinks).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Parse `YYYY-MM-DD` for `today`.
pub fn parse_today(s: &str) -> Result<Date> {
    match s.parse::<Date>() {
        Ok(d) if s.len() == 10 => Ok(d),
        _ => bail!("`{s}` is not a date like 2026-11-27"),
    }
}

/// The language from LC_ALL / LC_MESSAGES / LANG: zh* is Chinese, anything else English.
pub fn lang_from_env() -> Lang {
    for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return if v.to_ascii_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            };
        }
    }
    Lang::En
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ConfigFile> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".mark-lint.yaml");
        std::fs::write(&p, text).unwrap();
        ConfigFile::load(&p)
    }

    #[test]
    fn full_spec_config_parses() {
        let c = load("system: classified\ntoday: 2026-11-27\nlang: zh\nexpiring-within-days: 90\nfail-on: error\nterm-start: 成文日期\nauthority: null\nclassified-paths: [\"涉密/**\"]\npublic-paths: [\"公开/**\"]\npublish-paths: [\"site/**\"]\nkeywords:\n  - { pattern: \"天河工程\", level: 机密 }\nrules: [\"my-rules/*.yaml\"]\nselect: []\nignore: [\"ML106\"]\nseverity: { ML002: error }\nexclude: [\"build/**\"]\nmax-file-size-mb: 256\n").unwrap();
        assert_eq!(c.raw.lang, Some(Lang::Zh));
        assert_eq!(c.raw.fail_on, Some(FailOn::Error));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_line_and_key() {
        let e = load("lang: zh\nfail_on: error\n").unwrap_err().to_string();
        assert!(
            e.contains(".mark-lint.yaml:2:1: unknown field `fail_on`"),
            "{e}"
        );
        let e = load("lang: fr\n").unwrap_err().to_string();
        assert!(e.contains(":1:7: lang: unknown variant `fr`"), "{e}");
    }

    #[test]
    fn today_must_be_iso() {
        assert!(parse_today("2026-11-27").is_ok());
        assert!(parse_today("2026-13-01").is_err());
        assert!(parse_today("27/11/2026").is_err());
    }
}
