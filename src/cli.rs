//! Command-line arguments (clap derive). `check` is also the default command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "mark-lint",
    version,
    about = "Lint Chinese state-secret markings (国家秘密标志) against 保守国家秘密法 (2024)",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check documents for marking problems (the default command).
    Check(CheckArgs),
    /// List every rule: code, name, severity, article.
    Rules(RulesArgs),
    /// Explain a rule: what it finds, the article verbatim, examples.
    Explain(ExplainArgs),
    /// Run every rule's valid/invalid examples.
    TestRules(TestRulesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Concise,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// JUnit XML: one test case per file.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    /// Files or folders to check [default: .]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Option<Format>,
    /// Use this config file instead of discovering `.mark-lint.yaml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The date to check terms against (YYYY-MM-DD); default: config `today`, else now.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// Only these rules (codes, code prefixes like ML1, or names; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Vec<String>,
    /// Skip these rules (codes, prefixes or names; comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Message language [default: config `lang`, else from LANG].
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// The system the files are on: `unclassified` reports every state-secret mark
    /// (ML301) [default: config `system`, else classified].
    #[arg(long, value_enum, value_name = "KIND")]
    pub system: Option<crate::config::SystemKind>,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Print findings only: no summary line.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Leave the document line out of human output (reports travel through CI logs).
    #[arg(long)]
    pub no_snippets: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Message language.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Also list rules from this config's `rules:`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// Rule code or name, e.g. ML101 or term-exceeds-limit.
    pub code: String,
    /// Message language.
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct TestRulesArgs {
    /// Rule files to test [default: the built-in rules and the config's `rules:`].
    pub files: Vec<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
