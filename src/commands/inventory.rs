//! `mark-lint inventory`: the ledger of every marked document.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};

use crate::cli;
use crate::engine::{self, Preloaded};
use crate::{EXIT_CLEAN, inventory, output, report, rules};

/// `mark-lint inventory`: the ledger of every marked document.
pub fn inventory_command(args: &cli::InventoryArgs, out: &mut dyn Write) -> Result<i32> {
    let statuses = args
        .status
        .iter()
        .map(|s| {
            inventory::Status::parse(s).ok_or_else(|| {
                let all: Vec<&str> = inventory::Status::ALL.iter().map(|s| s.as_str()).collect();
                anyhow!("--status: unknown status `{s}`; one of: {}", all.join(", "))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let today = match &args.today {
        Some(t) => Some(crate::config::parse_today(t).context("--today")?),
        None => None,
    };
    let req = engine::Request {
        overrides: crate::config::resolve::Overrides {
            today,
            lang: super::lang(args.lang),
            expiring_within: args.expiring_within,
            snippets: true,
            inventory: true,
            ocr: args.ocr,
            ocr_pages: args.ocr_pages,
            ..Default::default()
        },
        config: args.config.clone(),
        jobs: args.jobs,
        quiet: true,
        keep_inputs: true,
        keep_checked: true,
        shard: None,
    };
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", report::path_text(p));
        }
    }
    let run = engine::lint(&req, &paths, &Preloaded::new())?;
    let mut unreadable: Vec<String> = run
        .diags
        .iter()
        .filter(|d| {
            run.rules
                .iter()
                .any(|r| *r.code == *d.code && matches!(r.kind, rules::Kind::UnreadableFile))
        })
        .map(|d| d.path.to_string())
        .collect();
    unreadable.dedup();
    let mut ledger = inventory::Ledger {
        rows: run.rows,
        documents: run.summary.files,
        unreadable,
    };
    ledger.filter(&statuses, args.expiring_within.map(i64::from));
    let mut file;
    let mut stdout_lock;
    let w: &mut dyn Write = match &args.output {
        Some(p) => {
            let inputs = output::Inputs::of(&run.inputs);
            let target = output::check(p, "the ledger", &output::tree_roots(&paths), &inputs)?;
            file = std::io::BufWriter::new(target.create("the ledger", &inputs)?);
            &mut file
        }
        None => {
            stdout_lock = out;
            &mut stdout_lock
        }
    };
    let (today, lang, window) = (run.today, run.lang, run.window);
    if args.review {
        inventory::table::review(w, &ledger, today, lang)?;
    } else {
        match args.format {
            cli::LedgerFormat::Table => inventory::table::emit(w, &ledger, lang)?,
            cli::LedgerFormat::Csv => inventory::csv::emit(w, &ledger, today, lang)?,
            cli::LedgerFormat::Json => inventory::json::emit(w, &ledger, today, window)?,
            cli::LedgerFormat::Html => inventory::html::emit(w, &ledger, today, window, lang)?,
        }
    }
    w.flush()?;
    Ok(EXIT_CLEAN)
}
