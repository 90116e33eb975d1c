//! Tests that need a tool or data this machine may lack (Chromium, pre-commit, the
//! jsonschema module, `../shared/`). Outside CI they skip, and say so past libtest's
//! output capture so the skip is seen; under CI (`CI` set, as `.ci/run` sets it) a
//! missing requirement fails the test: CI must run every test.

use std::io::Write;

/// Whether this run is CI: `CI` set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Give up on a test that cannot run here: a visible skip, or a failure in CI.
#[track_caller]
pub fn skip(reason: &str) {
    assert!(!in_ci(), "required in CI, missing: {reason}");
    // A direct write: `eprintln!` would be captured and never shown for a passing test.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}
