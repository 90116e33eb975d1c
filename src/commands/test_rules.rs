//! `mark-lint test-rules`: every rule's examples, the user's rules included.

use std::io::Write;

use anyhow::Result;

use crate::rules::Registry;
use crate::rules::examples::test_rule_examples;
use crate::{EXIT_CLEAN, EXIT_FINDINGS, cli};

pub fn test_rules_command(args: cli::TestRulesArgs, out: &mut dyn Write) -> Result<i32> {
    let file = super::config_file(args.config.as_deref())?;
    let mut rule_files = match &file {
        Some(f) => f.rule_files()?,
        None => Vec::new(),
    };
    // A file named here and listed by the config too is tested once, as named.
    let named: Vec<_> = args
        .files
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    rule_files.retain(|p| std::fs::canonicalize(p).map_or(true, |c| !named.contains(&c)));
    // A file named here may be a built-in rule's file, edited: it replaces that rule.
    let registry = Registry::load_replacing(&rule_files, &args.files)
        .map_err(crate::config::resolve::rule_errors)?;
    let only: Option<Vec<String>> = (!args.files.is_empty()).then(|| {
        args.files
            .iter()
            .map(|p| crate::rules::origin_of(p))
            .collect()
    });
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
