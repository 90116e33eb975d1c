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
    // The schema the config's modeline points at, from this binary: editors with the
    // YAML language server complete and validate the config offline.
    let schema = Path::new(super::schema::CONFIG_SCHEMA_FILE);
    if !schema.exists() || args.force {
        let text = super::schema::schema_text(cli::SchemaKind::Config);
        fix::write_atomically(schema, text.as_bytes())
            .with_context(|| format!("{}: cannot write", schema.display()))?;
        report::note(&format!("wrote {}", schema.display()));
    }
    write!(out, "{}", init::pre_commit_snippet(args.system))?;
    Ok(EXIT_CLEAN)
}
