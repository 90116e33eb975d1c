//! The cheap parts of the offline bundle (`scripts/bundle.sh`), without a release build:
//! the commit `--version` prints (git, the bundle's `COMMIT` file, "unknown"), the
//! checksum writer (SHA-256 and SM3 against the standards' own examples) and the SBOM
//! (every crate of Cargo.lock, with version, licence and .crate hash). Building the bundle
//! with no network and checking it is reproducible is `.ci/run`'s job
//! (`scripts/verify-bundle.sh`). Missing tools (git, python3, openssl, sha256sum) skip
//! here and fail in CI.

#![allow(clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../build/commit.rs"]
#[allow(dead_code)]
mod commit;
#[path = "support/skip.rs"]
mod support;
use support::skip;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether `tool --version` (or `args`) runs here; a skip (a failure in CI) when not.
fn have(tool: &str, args: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip(&format!("`{tool} {}` does not run here", args.join(" ")));
    }
    ok
}

/// Git in `dir` without the user's or the system's configuration; it must succeed.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.cn")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.cn")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn bundle_sh(args: &[&Path]) -> Output {
    Command::new("bash")
        .arg(root().join("scripts/bundle.sh"))
        .args(args)
        .output()
        .expect("bash runs")
}

const COMMIT_ID: &str = "0123456789abcdef0123456789abcdef01234567";

#[test]
fn commit_comes_from_the_commit_file_outside_git() {
    let dir = tempfile::tempdir().unwrap();
    let none = commit::commit(dir.path()).unwrap();
    assert_eq!(none.id, "unknown");
    assert!(none.watch.is_empty());

    let file = dir.path().join("COMMIT");
    std::fs::write(&file, format!("{COMMIT_ID}\n")).unwrap();
    let found = commit::commit(dir.path()).unwrap();
    assert_eq!(found.id, COMMIT_ID);
    assert_eq!(found.watch, vec![file.clone()]);

    for bad in [
        "",
        "main\n",
        "0123456789ABCDEF0123456789ABCDEF01234567\n",
        "0123\n",
    ] {
        std::fs::write(&file, bad).unwrap();
        let err = commit::commit(dir.path()).unwrap_err();
        assert_eq!(
            err,
            format!(
                "{}:1: not a commit id (40 or 64 hexadecimal digits on one line)",
                file.display()
            ),
            "{bad:?}"
        );
    }
    std::fs::write(&file, format!("{COMMIT_ID}\n{COMMIT_ID}\n")).unwrap();
    assert!(commit::commit(dir.path()).is_err());
}

/// In a work tree's top, HEAD; an unpacked bundle inside some other repository keeps its
/// own COMMIT, not that repository's HEAD.
#[test]
fn commit_comes_from_git_only_at_the_top_of_a_work_tree() {
    if !have("git", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path();
    git(top, &["init", "-q", "-b", "main"]);
    std::fs::write(top.join("a.txt"), "a").unwrap();
    git(top, &["add", "a.txt"]);
    git(top, &["commit", "-q", "-m", "a"]);
    let head = git(top, &["rev-parse", "HEAD"]);
    let found = commit::commit(top).unwrap();
    assert_eq!(found.id, head);
    // A commit rewrites the branch HEAD names: the build script watches both.
    assert!(found.watch.contains(&top.join(".git/HEAD")), "{found:?}");
    assert!(
        found.watch.contains(&top.join(".git/refs/heads/main")),
        "{found:?}"
    );

    let inner = top.join("mark-lint-0.1.0");
    std::fs::create_dir(&inner).unwrap();
    assert_eq!(commit::commit(&inner).unwrap().id, "unknown");
    std::fs::write(inner.join("COMMIT"), format!("{COMMIT_ID}\n")).unwrap();
    assert_eq!(commit::commit(&inner).unwrap().id, COMMIT_ID);
}

/// `--version` names the commit build.rs found (`MARK_LINT_COMMIT`, set for this test
/// too); in a git work tree that is a commit id, not "unknown". (Compared by form, not
/// with HEAD now: a commit made while the tests run would move HEAD.)
#[test]
fn version_names_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    let built = env!("MARK_LINT_COMMIT");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("mark-lint {} (commit {built})\n", env!("CARGO_PKG_VERSION"))
    );
    if commit::commit(&root()).unwrap().id != "unknown" {
        assert!(matches!(built.len(), 40 | 64), "{built}");
        assert!(built.bytes().all(|b| b.is_ascii_hexdigit()), "{built}");
    }
}

/// The checksum files over a folder: sorted names, `sha256sum -c` accepts them, and the
/// SM3 of the GB/T 32905-2016 examples (A.1 "abc", A.2 "abcd" × 16) is the standard's.
#[test]
fn checksum_files_verify_and_sm3_is_the_standards() {
    if !have("openssl", &["version"]) || !have("sha256sum", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("b-abcd.bin"), "abcd".repeat(16)).unwrap();
    std::fs::write(d.join("a-abc.txt"), "abc").unwrap();
    let out = bundle_sh(&[Path::new("sums"), d]);
    assert!(out.status.success(), "{out:?}");
    let sm3 = std::fs::read_to_string(d.join("SM3SUMS")).unwrap();
    assert_eq!(
        sm3,
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0  a-abc.txt\n\
         debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732  b-abcd.bin\n"
    );
    let sha = std::fs::read_to_string(d.join("SHA256SUMS")).unwrap();
    assert!(
        sha.starts_with(
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a-abc.txt\n"
        ),
        "{sha}"
    );
    let check = Command::new("sha256sum")
        .args(["--strict", "-c", "SHA256SUMS"])
        .current_dir(d)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");

    // Written again over the same folder: the sums never list themselves.
    let again = bundle_sh(&[Path::new("sums"), d]);
    assert!(again.status.success(), "{again:?}");
    assert_eq!(std::fs::read_to_string(d.join("SM3SUMS")).unwrap(), sm3);
    assert_eq!(std::fs::read_to_string(d.join("SHA256SUMS")).unwrap(), sha);
}

/// Every `[[package]]` of Cargo.lock: (name, version) → checksum ("" for the root).
fn lock_packages() -> BTreeMap<(String, String), String> {
    let text = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let value = |block: &str, key: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
    };
    text.split("[[package]]")
        .skip(1)
        .map(|block| {
            let name = value(block, "name").expect("a name");
            let version = value(block, "version").expect("a version");
            (
                (name, version),
                value(block, "checksum").unwrap_or_default(),
            )
        })
        .collect()
}

/// The SBOM of this tree: CycloneDX, every crate of Cargo.lock once with its version,
/// licence expression, purl and the lock's .crate SHA-256, and the same bytes twice.
#[test]
fn sbom_lists_every_crate_of_the_lock_file() {
    if !have("python3", &["--version"]) {
        return;
    }
    // The SBOM reads every crate's manifest, other platforms' too (`cargo fetch`).
    let cached = Command::new(env!("CARGO"))
        .args(["metadata", "--offline", "--locked", "--format-version", "1"])
        .current_dir(root())
        .output()
        .is_ok_and(|o| o.status.success());
    if !cached {
        skip("not every crate of Cargo.lock is in cargo's cache: run `cargo fetch`");
        return;
    }
    let out = bundle_sh(&[Path::new("sbom"), &root()]);
    assert!(out.status.success(), "{out:?}");
    let bom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.5");
    let top = &bom["metadata"]["component"];
    assert_eq!(top["name"], "mark-lint");
    assert_eq!(top["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(top["licenses"][0]["expression"], "MIT OR Apache-2.0");

    let mut listed = BTreeMap::new();
    for c in bom["components"].as_array().unwrap() {
        let key = (
            c["name"].as_str().unwrap().to_string(),
            c["version"].as_str().unwrap().to_string(),
        );
        assert_eq!(c["purl"], format!("pkg:cargo/{}@{}", key.0, key.1));
        let licence = c["licenses"][0]["expression"].as_str().unwrap_or("");
        assert!(
            !licence.is_empty() && !licence.contains('/'),
            "{key:?}: licence {licence:?}"
        );
        assert!(["required", "excluded"].contains(&c["scope"].as_str().unwrap()));
        assert!(
            listed.insert(key.clone(), c.clone()).is_none(),
            "{key:?} twice"
        );
    }
    let lock = lock_packages();
    // The lock file was read whole: 190 packages since the own PDF reader replaced
    // pdf_oxide's tree (248 before).
    assert!(lock.len() > 150, "{}", lock.len());
    for ((name, version), checksum) in &lock {
        if name == "mark-lint" {
            continue;
        }
        let key = (name.clone(), version.clone());
        let c = listed
            .get(&key)
            .unwrap_or_else(|| panic!("{name} {version} of Cargo.lock is not in the SBOM"));
        assert_eq!(c["hashes"][0]["alg"], "SHA-256", "{name}");
        assert_eq!(c["hashes"][0]["content"], checksum.as_str(), "{name}");
    }
    assert_eq!(
        listed.len(),
        lock.len() - 1,
        "the SBOM lists crates not in Cargo.lock"
    );
    // What reaches the binary is `required`: the PDF reader's AES is, a test-only crate
    // is not.
    let scope = |name: &str| {
        listed
            .iter()
            .find(|((n, _), _)| n == name)
            .map(|(_, c)| c["scope"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(scope("aes"), "required");
    assert_eq!(scope("insta"), "excluded");

    let again = bundle_sh(&[Path::new("sbom"), &root()]);
    assert_eq!(again.stdout, out.stdout, "the SBOM differs from run to run");
}
