//! `mark-lint check`: the command line in, the engine's run, fixes, baselines, the
//! reports, and the exit code out.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::cli::{self, CheckArgs};
use crate::config::resolve::CacheChoice;
use crate::diagnostic::Diagnostic;
use crate::engine::{self, Preloaded, Run};
use crate::report::Format;
use crate::{EXIT_CLEAN, EXIT_FINDINGS, baseline, fix, git, lang, output, report};

/// The engine's request from the command line: clap's types become domain ones here.
pub fn request(args: &CheckArgs) -> Result<engine::Request> {
    let today = match &args.today {
        Some(t) => Some(crate::config::parse_today(t).context("--today")?),
        None => None,
    };
    Ok(engine::Request {
        overrides: crate::config::resolve::Overrides {
            today,
            lang: super::lang(args.lang),
            fail_on: args.fail_on,
            expiring_within: args.expiring_within,
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            system: args.system,
            snippets: !args.no_snippets,
            fixing: args.fix || args.diff,
            inventory: false,
            ocr: args.ocr,
            ocr_pages: args.ocr_pages,
            cache: match (&args.cache, args.no_cache) {
                (_, true) => CacheChoice::Off,
                (Some(dir), false) => CacheChoice::Folder(dir.clone()),
                (None, false) => CacheChoice::Config,
            },
        },
        config: args.config.clone(),
        jobs: args.jobs,
        quiet: args.quiet,
        keep_inputs: !args.output.is_empty() || args.write_baseline.is_some(),
        keep_checked: args.format == Some(crate::cli::Format::Junit)
            || args
                .output
                .iter()
                .any(|o| o.format == crate::cli::Format::Junit)
            || args.baseline.is_some()
            || args.write_baseline.is_some(),
        shard: args
            .shard
            .as_deref()
            .map(engine::Shard::parse)
            .transpose()?,
    })
}

pub fn check(args: CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let req = request(&args)?;
    let (paths, preloaded) = inputs(&args)?;
    let mut run = engine::lint(&req, &paths, &preloaded)?;
    if req.shard.is_some()
        && !args.quiet
        && run
            .rules
            .iter()
            .any(|r| r.kind == crate::rules::Kind::TopSecretCopy)
    {
        report::note(lang::shard_skips_copies(run.lang));
    }
    // Every place to write is checked before anything is written, fixes included.
    let targets = Targets::check(&args, &paths, &preloaded, &run)?;
    if args.fix || args.diff {
        let (fixes, changed) = fix_files(&args, &paths, &run, out)?;
        if args.diff {
            return Ok(if fixes > 0 { EXIT_FINDINGS } else { EXIT_CLEAN });
        }
        if changed > 0 {
            // Check the fixed files again: what the fix changed may change other findings.
            run = engine::lint(&req, &paths, &preloaded)?;
        }
    }
    if let Some(target) = &targets.baseline {
        write_baseline(&args, target, &run)?;
        return Ok(EXIT_CLEAN);
    }
    if let Some(file) = &args.baseline {
        apply_baseline(&args, file, &mut run)?;
    }
    emit(&args, &mut run, &targets, out)?;
    Ok(if run.failed() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// The paths to check, and the inputs that are not files on disk (stdin, the index).
fn inputs(args: &CheckArgs) -> Result<(Vec<PathBuf>, Preloaded)> {
    let mut preloaded = Preloaded::new();
    let paths = if args.staged {
        let staged = git::staged()?;
        let paths = staged.paths();
        preloaded.staged = Some(staged);
        paths
    } else if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        let mut paths = args.paths.clone();
        for p in paths.iter_mut().filter(|p| p.as_os_str() == "-") {
            if preloaded.stdin.is_some() {
                bail!("`-` (stdin) is named more than once");
            }
            *p = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| PathBuf::from("-"));
            preloaded.stdin = Some((p.clone(), std::sync::Mutex::new(false)));
        }
        paths
    };
    for p in paths.iter().filter(|p| !preloaded.contains_key(p)) {
        if std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or folder", report::path_text(p));
        }
    }
    if (args.fix || args.diff) && !preloaded.is_empty() {
        bail!("--fix and --diff rewrite files on disk: not with --staged or stdin");
    }
    if args.staged || args.diff_base.is_some() {
        preloaded.history = Some(git::history(args.diff_base.as_deref(), args.staged)?);
    }
    Ok((paths, preloaded))
}

/// Where the reports and the baseline go, each checked before anything is written.
struct Targets {
    reports: Vec<(Format, output::Target)>,
    baseline: Option<output::Target>,
    inputs: output::Inputs,
}

impl Targets {
    fn check(
        args: &CheckArgs,
        paths: &[PathBuf],
        preloaded: &Preloaded,
        run: &Run,
    ) -> Result<Targets> {
        let mut roots = output::tree_roots(paths);
        roots.extend(preloaded.staged.as_ref().map(|s| s.top().to_path_buf()));
        // Stat'ing every input costs a system call a file: only when something is written.
        let inputs = if args.output.is_empty() && args.write_baseline.is_none() {
            output::Inputs::default()
        } else {
            output::Inputs::of(&run.inputs)
        };
        let reports = args
            .output
            .iter()
            .map(|o| {
                output::check(&o.file, "the report", &roots, &inputs).map(|t| (o.format.into(), t))
            })
            .collect::<Result<Vec<_>>>()?;
        let baseline = args
            .write_baseline
            .as_ref()
            .map(|f| output::check(f, "the baseline", &roots, &inputs))
            .transpose()?;
        Ok(Targets {
            reports,
            baseline,
            inputs,
        })
    }
}

/// `--fix` or `--diff`: (fixes, files changed), with a note of what was (or could be)
/// done.
fn fix_files(
    args: &CheckArgs,
    paths: &[PathBuf],
    run: &Run,
    out: &mut dyn Write,
) -> Result<(usize, usize)> {
    // A rewrite stays inside what was named: a link out of it is not followed.
    let roots: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let (fixes, changed) = apply_fixes(run, &roots, !args.diff, out)?;
    if !args.quiet && (args.diff || fixes > 0) {
        report::note(&match args.diff {
            true => lang::fixes_available(fixes, changed, run.lang),
            false => lang::fixed(fixes, changed, run.lang),
        });
    }
    Ok((fixes, changed))
}

/// `--write-baseline`: every finding of the run (those already in the baseline too).
fn write_baseline(args: &CheckArgs, target: &output::Target, run: &Run) -> Result<()> {
    let file = &target.path;
    let baseline = baseline::Baseline::for_writing(file)?;
    let all: Vec<&Diagnostic> = run
        .diags
        .iter()
        .chain(
            run.suppressed
                .iter()
                .filter(|s| s.by == report::SuppressedBy::Baseline)
                .map(|s| &s.diag),
        )
        .collect();
    let n = baseline.write(file, &all, &run.files)?;
    if !args.quiet {
        let named = report::path_text(&target.named);
        report::note(&lang::wrote_baseline(n, &named, run.lang));
    }
    Ok(())
}

/// `--baseline`: findings it knows move to the suppressed; stale entries get a note.
fn apply_baseline(args: &CheckArgs, file: &std::path::Path, run: &mut Run) -> Result<()> {
    let mut baseline = baseline::Baseline::load(file)?;
    let mut shown = Vec::new();
    for d in std::mem::take(&mut run.diags) {
        if baseline.take(&d) {
            run.suppressed.push(report::Suppressed {
                diag: d,
                by: report::SuppressedBy::Baseline,
                justification: None,
            });
        } else {
            shown.push(d);
        }
    }
    run.diags = shown;
    let stale = baseline.stale(&run.files);
    if !stale.is_empty() && !args.quiet {
        let name = report::path_text(file);
        let mut msg = lang::stale_entries(stale.len(), &name, run.lang);
        let label = lang::STALE.pick(run.lang);
        for e in &stale {
            msg.push_str(&format!(
                "\n  {label}: {} {}",
                e.code,
                report::escape(&e.shown())
            ));
        }
        report::note(&msg);
    }
    Ok(())
}

/// The reports: to stdout in `--format`, and to each `--output` file.
fn emit(args: &CheckArgs, run: &mut Run, targets: &Targets, out: &mut dyn Write) -> Result<()> {
    run.suppressed.sort_by(|a, b| a.diag.sort_key_cmp(&b.diag));
    let mut summary = run.summary;
    summary.count(&run.diags);
    for s in &run.suppressed {
        match s.by {
            report::SuppressedBy::Inline => summary.inline_suppressed += 1,
            report::SuppressedBy::Baseline => summary.baselined += 1,
        }
    }
    let batch = report::Batch {
        diags: &run.diags,
        suppressed: &run.suppressed,
        files: &run.files,
        rules: &run.rules,
        summary: &summary,
    };
    let opts = |format: Format, color: bool, statistics: bool| report::ReportOptions {
        format,
        lang: run.lang,
        quiet: args.quiet,
        snippets: !args.no_snippets,
        today: run.today,
        color,
        statistics,
    };
    if summary.images_unread > 0 && !args.quiet {
        report::note(&lang::images_unread(
            summary.images_unread,
            summary.ocr_missing,
            run.lang,
        ));
    }
    let format = args.format.map_or(Format::Human, Format::from);
    let color = report::use_color(args.color.unwrap_or(cli::ColorChoice::Auto).into());
    report::emit(out, &batch, &opts(format, color, args.statistics))?;
    for (format, target) in &targets.reports {
        let mut file = std::io::BufWriter::new(target.create("the report", &targets.inputs)?);
        report::emit(&mut file, &batch, &opts(*format, false, false))
            .and_then(|_| file.flush())
            .with_context(|| {
                format!(
                    "{}: cannot write the report",
                    report::path_text(&target.named)
                )
            })?;
    }
    Ok(())
}

/// Apply (or, for `--diff`, print) the unambiguous repairs: (fixes, files changed).
fn apply_fixes(
    run: &Run,
    roots: &[PathBuf],
    write: bool,
    out: &mut dyn Write,
) -> Result<(usize, usize)> {
    let mut edits: BTreeMap<&str, Vec<fix::Edit>> = BTreeMap::new();
    for d in &run.diags {
        // Each file's fix is judged by the regime of its own config.
        if let (Some(fixed), Some(mark), None, true) =
            (&d.fix, &d.mark, &d.part, d.path.inner.is_empty())
            && let Some(file) = run.fixable_files.get(&d.path.file)
            && fix::safe_fix(&run.regimes[file.regime], mark, fixed)
        {
            edits.entry(&d.path.file).or_default().push(fix::Edit {
                line: d.line,
                raw: mark.raw.clone(),
                fix: fixed.clone(),
            });
        }
    }
    let (mut fixes, mut changed) = (0, 0);
    for (shown, mut list) in edits {
        list.dedup();
        let file = &run.fixable_files[shown];
        let target = fix::Target {
            path: &file.path,
            stamp: file.stamp,
            roots,
        };
        match fix::fix_file(&target, &list, write) {
            Ok(done) if !done.applied.is_empty() => {
                fixes += done.applied.len();
                changed += 1;
                if !write {
                    write!(out, "{}", fix::unified_diff(shown, &done))?;
                }
            }
            Ok(_) => {}
            Err(why) => {
                let why = why.to_string();
                let (shown, why) = (report::escape(shown), report::escape(&why));
                report::note(&lang::not_fixed(&shown, &why, run.lang))
            }
        }
    }
    Ok((fixes, changed))
}
