//! The rule registry: built-in rule files (embedded) plus user rule files, loaded by one
//! loader, validated together (duplicate codes and names are errors).

pub mod check;
pub mod compile;
pub mod examples;
pub mod kinds;
pub mod schema;

use std::path::Path;

pub use compile::{Kind, Params, Rule, RuleError};

// The built-in rules: every `rules/*.yaml` but the regime, embedded by build.rs.
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[derive(Debug, Clone)]
pub struct Registry {
    /// Sorted by code.
    pub rules: Vec<Rule>,
}

impl Registry {
    /// Built-in rules plus the rule files at `extra` (already expanded to files).
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Registry, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut rules = Vec::new();
        for (stem, src) in BUILTIN {
            match compile::compile(src, &format!("rules/{stem}.yaml"), Some(stem)) {
                Ok(r) => rules.push(r),
                Err(e) => errors.extend(e),
            }
        }
        for path in extra {
            let path = path.as_ref();
            let shown = crate::report::path_text(path);
            let origin = shown
                .strip_prefix("./")
                .map(str::to_string)
                .unwrap_or(shown);
            let read = crate::input::read_text(
                path,
                crate::input::RULE_FILE_MAX,
                crate::input::Syntax::Yaml,
            );
            let src = match read {
                Ok(s) => s,
                Err(why) => {
                    errors.push(RuleError {
                        file: origin,
                        line: 1,
                        column: 1,
                        key: String::new(),
                        message: format!("cannot read rule file: {why}"),
                    });
                    continue;
                }
            };
            let stem = path.file_stem().and_then(|s| s.to_str());
            match compile::compile(&src, &origin, stem) {
                Ok(r) => rules.push(r),
                Err(e) => errors.extend(e),
            }
        }
        for (i, r) in rules.iter().enumerate() {
            for other in &rules[..i] {
                for (what, a, b) in [
                    ("code", &r.code, &other.code),
                    ("name", &r.name, &other.name),
                ] {
                    if a == b {
                        let src = crate::input::read_limited(
                            Path::new(&r.origin),
                            crate::input::RULE_FILE_MAX,
                        )
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                        let line = src
                            .lines()
                            .position(|l| l.starts_with(&format!("{what}:")))
                            .map_or(1, |l| l + 1);
                        errors.push(RuleError {
                            file: r.origin.clone(),
                            line,
                            column: 1,
                            key: what.to_string(),
                            message: format!(
                                "duplicate {what} `{a}`, already defined in {}",
                                other.origin
                            ),
                        });
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        rules.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Registry { rules })
    }

    pub fn builtin() -> Registry {
        Registry::load(&[] as &[&Path]).expect("built-in rules are valid")
    }

    /// A rule by code (`ML101`, case-insensitive) or name (`term-exceeds-limit`).
    pub fn find(&self, key: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
    }

    /// Rules whose code starts with `prefix` (`ML1` selects ML101–ML107), or by name.
    pub fn matching(&self, key: &str) -> Vec<&Rule> {
        let upper = key.to_ascii_uppercase();
        self.rules
            .iter()
            .filter(|r| r.code.starts_with(&upper) || r.name == key)
            .collect()
    }
}
