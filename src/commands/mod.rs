//! One room per subcommand: each turns its command-line arguments into domain types,
//! calls the engine or the rules, and writes what the user asked for.

pub mod check;
pub mod init;
pub mod inventory;
pub mod rules;
pub mod schema;
pub mod test_rules;

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::EXIT_CLEAN;
use crate::cli::{Cli, LangArg};
use crate::config::ConfigFile;
use crate::config::resolve::load_registry;
use crate::diagnostic::Lang;
use crate::rules::Registry;

/// The language flag as a domain value.
pub fn lang(arg: Option<LangArg>) -> Option<Lang> {
    arg.map(|l| match l {
        LangArg::Zh => Lang::Zh,
        LangArg::En => Lang::En,
    })
}

/// The registry with the rule files of `config` (explicit, or discovered from `.`).
pub fn registry_for(config: Option<&Path>) -> Result<(Registry, Option<ConfigFile>)> {
    let file = config_file(config)?;
    let (registry, _) = load_registry(file.as_ref())?;
    Ok((registry, file))
}

/// The config `--config` names, else the one found from the current folder up.
pub fn config_file(config: Option<&Path>) -> Result<Option<ConfigFile>> {
    match config {
        Some(p) => Ok(Some(ConfigFile::load(p)?)),
        None => ConfigFile::discover(Path::new(".")),
    }
}

/// `mark-lint completions SHELL`: the completion script, from the same clap definition.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<i32> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    // Into a buffer first: clap_complete panics on a write error (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mark-lint", &mut script);
    out.write_all(&script)?;
    Ok(EXIT_CLEAN)
}

/// `mark-lint cache clean [DIR]`: remove the cache folder named, else the one the
/// config found here names, else `.mark-lint-cache`; a note says how many entries went.
pub fn cache_command(action: crate::cli::CacheAction) -> Result<i32> {
    let crate::cli::CacheAction::Clean { dir, config } = action;
    let dir = match dir {
        Some(d) => d,
        None => {
            let file = config_file(config.as_deref())?;
            let over = crate::config::resolve::Overrides::default();
            let named = match &file {
                Some(_) => crate::config::resolve::resolve(&over, file.as_ref())?.cache_dir,
                None => None,
            };
            named.unwrap_or_else(|| crate::cache::DEFAULT_DIR.into())
        }
    };
    let removed = crate::cache::clean(&dir)?;
    let lang = crate::config::lang_from_env();
    crate::report::note(&crate::lang::cache_cleaned(
        removed,
        &crate::report::path_text(&dir),
        lang,
    ));
    Ok(EXIT_CLEAN)
}
