//! Command-line arguments (clap derive). `check` is also the default command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "mark-lint",
    // The commit comes from build.rs: git, the source bundle's COMMIT file, or "unknown".
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("MARK_LINT_COMMIT"), ")"),
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
    /// Run every rule's valid/invalid examples (the built-in rules, or the files named).
    TestRules(TestRulesArgs),
    /// The ledger (台账) of every marked document: level, term, start, last day, status.
    Inventory(InventoryArgs),
    /// Write a commented `.mark-lint.yaml` here and print the pre-commit snippet.
    Init(InitArgs),
    /// Print a shell completion script: `mark-lint completions bash > ...`.
    Completions(CompletionsArgs),
    /// Run as a Language Server over stdio, for editors (see the README).
    Server,
    /// Print the JSON Schema of a config file or a rule file (for editors).
    Schema(SchemaArgs),
    /// The cache of facts `check --cache` keeps: `mark-lint cache clean`.
    Cache(CacheArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub action: CacheAction,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CacheAction {
    /// Remove the cache folder (only one mark-lint made).
    Clean {
        /// The cache folder [default: config `cache:`, else .mark-lint-cache].
        dir: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct SchemaArgs {
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// `.mark-lint.yaml`.
    Config,
    /// A rule file (`rules/*.yaml`, or a file named in the config's `rules:`).
    Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    /// An aligned table for the terminal.
    Table,
    /// UTF-8 with BOM and CRLF: opens correctly in Excel and WPS.
    Csv,
    Json,
    /// One self-contained page with counts, an expiry timeline and a sortable table.
    Html,
}

#[derive(Debug, Clone, Args)]
pub struct InventoryArgs {
    /// Files or folders [default: .]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: LedgerFormat,
    /// Write the ledger to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The date to compute statuses for (YYYY-MM-DD) [default: config `today`, else now].
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// `expiring` means ending within DAYS [default: config `expiring-within-days`, 90];
    /// also keeps only the items ending within DAYS.
    #[arg(long, value_name = "DAYS")]
    pub expiring_within: Option<u32>,
    /// Only these statuses (comma-separated): valid, expiring, expired, undated,
    /// indefinite, conditional, declassified.
    #[arg(long, value_delimiter = ',', value_name = "STATUS")]
    pub status: Vec<String>,
    /// What the annual review must decide, grouped by decision.
    #[arg(long, conflicts_with = "format")]
    pub review: bool,
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Read scans by OCR (see `check --ocr`).
    #[arg(long, value_enum, value_name = "WHEN")]
    pub ocr: Option<crate::ocr::Mode>,
    /// What of a scan OCR reads (see `check --ocr-pages`).
    #[arg(long, value_enum, value_name = "PAGES")]
    pub ocr_pages: Option<crate::ocr::Pages>,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Overwrite an existing `.mark-lint.yaml`.
    #[arg(long)]
    pub force: bool,
    /// Write the config for an ordinary (non-classified) repository or website:
    /// every state-secret mark is a finding.
    #[arg(long, value_enum, value_name = "KIND", default_value = "classified")]
    pub system: crate::config::SystemKind,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

/// `--output FORMAT=FILE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    pub file: PathBuf,
}

fn parse_output(s: &str) -> Result<OutputSpec, String> {
    let (format, file) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FORMAT=FILE, e.g. sarif=mark-lint.sarif"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        format!("`{format}`: unknown format; one of human, concise, json, sarif, github, junit")
    })?;
    if file.is_empty() {
        return Err(format!("`{s}`: no file name after `=`"));
    }
    Ok(OutputSpec {
        format,
        file: PathBuf::from(file),
    })
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

impl From<Format> for crate::report::Format {
    fn from(f: Format) -> Self {
        use crate::report::Format as R;
        match f {
            Format::Human => R::Human,
            Format::Concise => R::Concise,
            Format::Json => R::Json,
            Format::Sarif => R::Sarif,
            Format::Github => R::Github,
            Format::Junit => R::Junit,
        }
    }
}

impl From<ColorChoice> for crate::report::Color {
    fn from(c: ColorChoice) -> Self {
        match c {
            ColorChoice::Auto => Self::Auto,
            ColorChoice::Always => Self::Always,
            ColorChoice::Never => Self::Never,
        }
    }
}

/// `mark-lint rules --format`: the rule list is a table or JSON; findings formats
/// (SARIF, JUnit, GitHub) have no findings to carry and are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
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
    /// Leave the document line out of every report (reports travel through CI logs).
    #[arg(long)]
    pub no_snippets: bool,
    /// Also write a report to FILE (repeatable): `--output sarif=mark-lint.sarif`.
    #[arg(long, short = 'o', value_name = "FORMAT=FILE", value_parser = parse_output)]
    pub output: Vec<OutputSpec>,
    /// Repair what is unambiguous (star glyph, full-width digits, spaces, `级`, months
    /// written for years) in text files, keeping encoding and line endings. Never removes
    /// a mark, lowers a level or shortens a term.
    #[arg(long)]
    pub fix: bool,
    /// Show what `--fix` would change as a unified diff; change nothing.
    #[arg(long)]
    pub diff: bool,
    /// Lint the files staged in the git index, as they will be committed, and compare
    /// each changed file with its version at HEAD (ML108).
    #[arg(long, conflicts_with_all = ["paths", "fix", "diff"])]
    pub staged: bool,
    /// Compare each changed file with its version at this git revision (renames
    /// followed): a mark lowered, shortened or removed without a change or 解密 mark is
    /// ML108. In CI: `--diff-base origin/main`.
    #[arg(long, value_name = "REV")]
    pub diff_base: Option<String>,
    /// Hide the findings recorded in this baseline file; report only new ones.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every current finding in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Show the number of findings per rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Colour in human output.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: Option<ColorChoice>,
    /// The file name to report for `-` (stdin); its folder decides the config.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Read scans (image-only PDF/OFD pages, image files) by OCR with Tesseract:
    /// `auto` when it is installed, `always` makes its absence an error [default:
    /// config `ocr`, else auto].
    #[arg(long, value_enum, value_name = "WHEN")]
    pub ocr: Option<crate::ocr::Mode>,
    /// What of a scan OCR reads: `first` the top band of page 1 (and of attachment
    /// pages), `all` every page whole [default: config `ocr-pages`, else first].
    #[arg(long, value_enum, value_name = "PAGES")]
    pub ocr_pages: Option<crate::ocr::Pages>,
    /// Keep the facts each file's scan found (never its text, never a finding) in DIR,
    /// and reuse them while the file, the settings and the version are unchanged
    /// [default: config `cache:`, else no cache]. Never for `--staged` or stdin.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache: Option<PathBuf>,
    /// No cache, whatever the config says.
    #[arg(long)]
    pub no_cache: bool,
    /// Check only part I of N of the files (1 <= I <= N), chosen by a hash of each
    /// path relative to the folder named: the N parts together are one whole run,
    /// except ML302 (copies of a 绝密 document), which needs the whole tree and does
    /// not run in a shard.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Set by `inventory`: the expiring window in days.
    #[arg(skip)]
    pub expiring_within: Option<u32>,
    /// Set by `inventory`: collect ledger rows.
    #[arg(skip)]
    pub inventory: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: RulesFormat,
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
    /// Rule files to test (your own rules) [default: the built-in rules and the
    /// config's `rules:`].
    pub files: Vec<PathBuf>,
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
