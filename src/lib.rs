//! mark-lint: a linter for Chinese state-secret markings (国家秘密标志).
//!
//! Data flows one way: paths → walk → extract → scan (the marking parser) → rules →
//! sorted diagnostics → report. `run` hands each subcommand to its room in `commands`;
//! the pipeline is `engine`; nothing below `report` prints.
//!
//! The public modules are the library API: reading documents (`extract`), the parser
//! and checks (`scan`, `rules`, `regime`, `suppress`, `fix`), findings and their reports
//! (`diagnostic`, `report`) and the command line (`cli`, `run`). The rest is internal.

pub(crate) mod baseline;
pub(crate) mod budget;
pub(crate) mod cache;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod config;
pub mod diagnostic;
pub(crate) mod engine;
pub mod extract;
pub mod fix;
pub(crate) mod git;
pub(crate) mod init;
pub(crate) mod input;
pub(crate) mod inventory;
pub mod lang;
pub(crate) mod marking;
pub(crate) mod normalize;
pub mod ocr;
pub(crate) mod output;
pub(crate) mod progress;
pub mod regime;
pub mod report;
pub mod rules;
pub mod scan;
pub(crate) mod server;
pub mod suppress;
pub(crate) mod term;
pub(crate) mod walk;

use std::io::Write;

use anyhow::Result;

use cli::{Cli, Command};

/// Exit codes: nothing at or above fail-on / findings / failure.
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_FAILURE: i32 = 2;

pub use engine::lint_document;
pub use rules::examples::{EXAMPLE_TODAY, lint_example, lint_example_in, test_rule_examples};

/// `mark-lint server`: the Language Server on stdin/stdout, until the client says
/// `exit`. The caller must not hold the stdout lock (the server writes from a thread).
pub fn run_server() -> Result<i32> {
    server::run()
}

/// Run the command line; returns the exit code. Errors are failures (exit 2).
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<i32> {
    match cli.command {
        Some(Command::Check(args)) => commands::check::check(args, out),
        None => commands::check::check(cli.check, out),
        Some(Command::Rules(args)) => commands::rules::rules(&args, out),
        Some(Command::Explain(args)) => commands::rules::explain_command(&args, out),
        Some(Command::TestRules(args)) => commands::test_rules::test_rules_command(args, out),
        Some(Command::Init(args)) => commands::init::init_command(&args, out),
        Some(Command::Inventory(args)) => commands::inventory::inventory_command(&args, out),
        Some(Command::Completions(args)) => commands::completions(args.shell, out),
        Some(Command::Server) => run_server(),
        Some(Command::Schema(args)) => commands::schema::schema_command(args.kind, out),
        Some(Command::Cache(args)) => commands::cache_command(args.action),
    }
}
