//! CLI tests: the real binary on fixture folders, snapshotting exit code, stdout and
//! stderr. Tests that read `../shared/` (the law and the corpora) print a visible skip
//! message when it is absent (a fresh clone) and run in `.ci/run`.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run mark-lint in `cwd` (relative to the repo) and render the outcome for a snapshot.
fn run_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("mark-lint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn run(args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(&root(), args);
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

/// `check --today 2026-11-27 --format concise` followed by `extra`: the arguments most
/// tree and corpus tests run with.
fn concise<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["check", "--today", "2026-11-27", "--format", "concise"];
    args.extend_from_slice(extra);
    args
}

fn shared() -> Option<PathBuf> {
    let p = root().join("../shared");
    if p.join("law").is_dir() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared/ is not here (a fresh clone); .ci/run runs this test");
        None
    }
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({filters => vec![(r#""version": "\d+\.\d+\.\d+""#, r#""version": "[VERSION]""#)]}, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

mod bounds;
mod check;
mod errors;
mod formats;
mod inventory_html;
mod names;
mod office;
mod outputs;
mod precommit;
mod shared_corpora;
mod trees;
mod workflow;
