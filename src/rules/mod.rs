//! The rule registry: built-in rule files (embedded) plus user rule files, loaded by one
//! loader, validated together (duplicate codes and names are errors).

pub mod check;
pub mod compile;
pub mod examples;
pub mod kinds;
pub mod schema;

use rayon::prelude::*;
use std::path::Path;

pub use compile::{Kind, Rule, RuleError};

// The built-in rules: every `rules/*.yaml` but the regime, embedded by build.rs.
include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How a user rule file is named in errors and in `Rule::origin`: as given, without `./`.
pub fn origin_of(path: &Path) -> String {
    let shown = crate::report::path_text(path);
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}

#[derive(Debug, Clone)]
pub struct Registry {
    /// Sorted by code.
    pub rules: Vec<Rule>,
}

impl Registry {
    /// Built-in rules plus the rule files at `extra` (already expanded to files).
    pub fn load(extra: &[impl AsRef<Path>]) -> Result<Registry, Vec<RuleError>> {
        Self::load_with(extra, &[] as &[&Path])
    }

    /// `load`, plus the rule files at `replacing`, each of which takes the place of the
    /// built-in rule it shares a code or name with (`test-rules rules/term-expired.yaml`:
    /// a built-in rule file edited on disk, tested before the tool is rebuilt).
    pub fn load_replacing(
        extra: &[impl AsRef<Path>],
        replacing: &[impl AsRef<Path>],
    ) -> Result<Registry, Vec<RuleError>> {
        Self::load_with(extra, replacing)
    }

    fn load_with(
        extra: &[impl AsRef<Path>],
        replacing: &[impl AsRef<Path>],
    ) -> Result<Registry, Vec<RuleError>> {
        let mut errors = Vec::new();
        // Each rule with its source, so that an error about it can name the line, and
        // whether it is built in.
        let mut rules: Vec<(Rule, String, bool)> = Vec::new();
        // From their JSON form (build.rs), in parallel: reading the built-in rules is
        // most of a run's serial start-up. The results keep BUILTIN's order.
        let builtin: Vec<_> = BUILTIN
            .par_iter()
            .zip(BUILTIN_JSON)
            .map(|((stem, src), json)| {
                compile::compile_json(json, src, &format!("rules/{stem}.yaml"), Some(stem))
            })
            .collect();
        for ((_, src), compiled) in BUILTIN.iter().zip(builtin) {
            match compiled {
                Ok(r) => rules.push((r, src.to_string(), true)),
                Err(e) => errors.extend(e),
            }
        }
        for path in extra.iter().map(AsRef::as_ref) {
            match Self::compile_file(path) {
                Ok((r, src)) => rules.push((r, src, false)),
                Err(e) => errors.extend(e),
            }
        }
        for path in replacing.iter().map(AsRef::as_ref) {
            match Self::compile_file(path) {
                Ok((r, src)) => {
                    rules.retain(|(b, _, builtin)| {
                        !(*builtin && (b.code == r.code || b.name == r.name))
                    });
                    rules.push((r, src, false));
                }
                Err(e) => errors.extend(e),
            }
        }
        for (i, (r, src, _)) in rules.iter().enumerate() {
            for (other, _, _) in &rules[..i] {
                for (what, a, b) in [
                    ("code", &r.code, &other.code),
                    ("name", &r.name, &other.name),
                ] {
                    if a == b {
                        let (line, column) = crate::input::yaml_key_location(src, what);
                        errors.push(RuleError {
                            file: r.origin.clone(),
                            line,
                            column,
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
        let mut rules: Vec<Rule> = rules.into_iter().map(|(r, _, _)| r).collect();
        rules.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(Registry { rules })
    }

    /// One user rule file, compiled, with its source.
    fn compile_file(path: &Path) -> Result<(Rule, String), Vec<RuleError>> {
        let origin = origin_of(path);
        let src = crate::input::read_text(
            path,
            crate::input::RULE_FILE_MAX,
            crate::input::Syntax::Yaml,
        )
        .map_err(|why| {
            vec![RuleError {
                file: origin.clone(),
                line: 1,
                column: 1,
                key: String::new(),
                message: format!("cannot read rule file: {why}"),
            }]
        })?;
        let stem = path.file_stem().and_then(|s| s.to_str());
        compile::compile(&src, &origin, stem).map(|r| (r, src))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A run reads the built-in rules from the JSON build.rs writes: each must compile to
    /// the very rule its YAML compiles to (every field, examples and texts included).
    #[test]
    fn each_built_in_rule_reads_the_same_from_json_as_from_yaml() {
        assert_eq!(BUILTIN.len(), BUILTIN_JSON.len());
        assert!(BUILTIN.len() >= 20, "the rule files are embedded");
        for ((stem, src), json) in BUILTIN.iter().zip(BUILTIN_JSON) {
            let origin = format!("rules/{stem}.yaml");
            let from_yaml = compile::compile(src, &origin, Some(stem)).expect("valid YAML rule");
            let from_json =
                compile::compile_json(json, src, &origin, Some(stem)).expect("valid JSON rule");
            assert_eq!(format!("{from_json:?}"), format!("{from_yaml:?}"), "{stem}");
        }
    }

    #[test]
    fn json_that_does_not_read_is_an_error_naming_the_rule_file() {
        let (stem, src) = BUILTIN[0];
        let origin = format!("rules/{stem}.yaml");
        let errors = compile::compile_json("{", src, &origin, Some(stem)).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].file, origin);
        assert!(errors[0].message.contains("JSON"), "{}", errors[0].message);
    }
}
