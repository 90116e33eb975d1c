//! `mark-lint init`: a commented `.mark-lint.yaml` and the pre-commit snippet.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::{EXIT_CLEAN, cli, config, fix, init, report};

pub fn init_command(args: &cli::InitArgs, out: &mut dyn Write) -> Result<i32> {
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
