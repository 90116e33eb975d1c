//! The hooks of `.pre-commit-hooks.yaml`, run by the real pre-commit in throw-away git
//! repositories: a faulty document blocks the commit, a fixed one goes through, and
//! ignored or binary files that pre-commit names do not fail the hook. Never touches the
//! network; without pre-commit or git the tests print SKIPPED (`.ci/run` installs it).

use std::ffi::OsString;
use std::process::Output;

use serde_yaml::{Mapping, Value};

use super::*;

/// Every hook run checks terms against this date (`--today`), so whether a commit goes
/// through never depends on the day the test runs.
const TODAY: &str = "2026-11-27";

/// ML101: a 机密 term over the 20-year maximum.
const OVERLONG_TERM: &str =
    "机密★30年\n\n# 关于某项工作的通知\n\n各单位：\n\n请按要求执行。\n\n2026年3月5日\n";
/// The same notice with a lawful term, dated: nothing to report on `TODAY`.
const LAWFUL_TERM: &str =
    "机密★10年\n\n# 关于某项工作的通知\n\n各单位：\n\n请按要求执行。\n\n2026年3月5日\n";

/// The hooks the repository ships (`.pre-commit-hooks.yaml`).
fn manifest() -> Vec<Mapping> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml"))
        .expect(".pre-commit-hooks.yaml is at the repository root");
    serde_yaml::from_str(&text).expect(".pre-commit-hooks.yaml is a list of hooks")
}

fn hook(id: &str) -> Mapping {
    manifest()
        .into_iter()
        .find(|h| h.get("id").and_then(Value::as_str) == Some(id))
        .unwrap_or_else(|| panic!("no hook `{id}` in .pre-commit-hooks.yaml"))
}

fn field<'a>(hook: &'a Mapping, key: &str) -> &'a str {
    hook.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("hook without a `{key}` string"))
}

/// How to start pre-commit: the executable on PATH, else the Python module.
fn pre_commit() -> Option<Vec<OsString>> {
    let candidates: [&[&str]; 2] = [&["pre-commit"], &["python3", "-m", "pre_commit"]];
    candidates.iter().find_map(|cmd| {
        let ok = Command::new(cmd[0])
            .args(&cmd[1..])
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| cmd.iter().map(OsString::from).collect())
    })
}

/// Quoted for the `shlex` split pre-commit applies to `entry`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r#"'"'"'"#))
}

/// A `.pre-commit-config.yaml` running hook `id` from the real manifest as a local hook.
/// `language: rust` would `cargo install` mark-lint from the network; `language: system`
/// runs the binary under test instead. Every other key is copied unchanged, so the
/// `files`, `exclude`, `pass_filenames` and `args` tested are the ones users get.
fn local_config(id: &str) -> String {
    let mut hook = hook(id);
    assert_eq!(field(&hook, "language"), "rust", "hook `{id}`");
    let entry = field(&hook, "entry");
    let rest = entry
        .strip_prefix("mark-lint")
        .filter(|r| r.is_empty() || r.starts_with(' '))
        .unwrap_or_else(|| panic!("hook `{id}`: entry `{entry}` does not start with mark-lint"));
    let entry = format!("{}{rest}", shell_quote(env!("CARGO_BIN_EXE_mark-lint")));
    hook.insert("entry".into(), entry.into());
    hook.insert("language".into(), "system".into());
    let mut args = match hook.get("args") {
        Some(Value::Sequence(a)) => a.clone(),
        _ => Vec::new(),
    };
    // One word: a bare 2026-11-27 in the YAML would load as a date, which pre-commit
    // refuses for an argument.
    args.push(format!("--today={TODAY}").into());
    hook.insert("args".into(), Value::Sequence(args));
    let mut repo = Mapping::new();
    repo.insert("repo".into(), "local".into());
    repo.insert("hooks".into(), Value::Sequence(vec![Value::Mapping(hook)]));
    let mut config = Mapping::new();
    config.insert("repos".into(), Value::Sequence(vec![Value::Mapping(repo)]));
    serde_yaml::to_string(&config).expect("config serialises")
}

/// Bytes no reader takes for text: a PNG signature and pseudo-random noise with NULs.
fn png_noise() -> Vec<u8> {
    // A valid PNG of noise (a figure): read by OCR where Tesseract is installed (no
    // text, no finding), skipped with a note where it is not — passing either way.
    let mut x: u32 = 0x9E37_79B9;
    let img = image::GrayImage::from_fn(64, 64, |_, _| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        image::Luma([x as u8])
    });
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .expect("a PNG");
    bytes
}

/// A git repository configured to run one hook; HOME, the pre-commit cache and the git
/// config live in temporary folders, so nothing of the user's setup takes part.
struct Sandbox {
    repo: tempfile::TempDir,
    home: tempfile::TempDir,
    pre_commit: Vec<OsString>,
    /// The hook's `name`, which pre-commit prints before Passed/Failed/Skipped.
    hook_name: String,
}

struct Commit {
    ok: bool,
    output: String,
}

impl Sandbox {
    /// `None` (and a SKIPPED message) when pre-commit or git is not installed.
    fn new(id: &str) -> Option<Sandbox> {
        let sandbox = Sandbox::bare(id)?;
        sandbox.write(".pre-commit-config.yaml", local_config(id).as_bytes());
        Some(sandbox)
    }

    /// The repository with no `.pre-commit-config.yaml` yet.
    fn bare(id: &str) -> Option<Sandbox> {
        let Some(pre_commit) = pre_commit() else {
            skip("pre-commit is not installed (pip install pre-commit)");
            return None;
        };
        if !Command::new("git")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            skip("git is not installed");
            return None;
        }
        let sandbox = Sandbox {
            repo: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            pre_commit,
            hook_name: field(&hook(id), "name").to_string(),
        };
        std::fs::write(sandbox.home.path().join("gitconfig"), "").unwrap();
        std::fs::create_dir(sandbox.home.path().join("bin")).unwrap();
        sandbox.git(&["init", "-q"]);
        Some(sandbox)
    }

    fn command(&self, program: &OsString) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.repo.path());
        // SKIP would silence the hook under test.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("PRE_COMMIT") || k == "SKIP" {
                cmd.env_remove(&key);
            }
        }
        let home = self.home.path();
        isolate_git(&mut cmd, home);
        cmd.env("PRE_COMMIT_HOME", home.join("pre-commit"))
            .env("PRE_COMMIT_COLOR", "never");
        cmd
    }

    fn run(&self, program: &OsString, args: &[&str]) -> Output {
        // `$HOME/bin` first: where a test installs mark-lint for the `language: system`
        // hooks, as a user would.
        let path = std::env::var_os("PATH").unwrap_or_default();
        let bin = self.home.path().join("bin");
        let path =
            std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))).unwrap();
        self.command(program)
            .env("PATH", path)
            .args(args)
            .output()
            .expect("the command starts")
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.run(&"git".into(), args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "git {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    fn install(&self) {
        let out = self
            .command(&self.pre_commit[0])
            .args(&self.pre_commit[1..])
            .arg("install")
            .output()
            .expect("pre-commit starts");
        assert!(
            out.status.success(),
            "pre-commit install: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(&self, path: &str, content: &[u8]) {
        let p = self.repo.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    /// Stage `path` with `content` and try to commit it (the hook runs).
    fn commit(&self, path: &str, content: &[u8]) -> Commit {
        self.write(path, content);
        self.git(&["add", "--", path]);
        let out = self.run(&"git".into(), &["commit", "-m", &format!("add {path}")]);
        Commit {
            ok: out.status.success(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }

    fn commits(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }

    /// What pre-commit printed for the hook: `Passed`, `Failed` or `Skipped`.
    fn status<'a>(&self, commit: &'a Commit) -> &'a str {
        commit
            .output
            .lines()
            .find(|l| l.starts_with(&self.hook_name))
            .and_then(|l| l.rsplit(['.', ')']).next())
            .unwrap_or_else(|| panic!("no status line for the hook in:\n{}", commit.output))
            .trim()
    }
}

/// The `mark-lint` hook: a bad mark blocks the commit until it is fixed; files that
/// `.marklintignore` names pass although pre-commit passes them by name.
#[test]
fn hook_blocks_faulty_documents() {
    let start = std::time::Instant::now();
    let Some(repo) = Sandbox::new("mark-lint") else {
        return;
    };
    // Committed before the hook is installed: pre-commit refuses an unstaged config.
    repo.write(".marklintignore", b"drafts/\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "config"]);
    repo.install();

    let c = repo.commit("notices/report.md", OVERLONG_TERM.as_bytes());
    assert!(!c.ok, "a 机密★30年 mark was committed:\n{}", c.output);
    assert_eq!(repo.status(&c), "Failed", "{}", c.output);
    assert!(c.output.contains("notices/report.md"), "{}", c.output);
    assert!(c.output.contains("ML101"), "{}", c.output);
    assert_eq!(repo.commits(), 1, "the failed commit left a commit");

    let c = repo.commit("notices/report.md", LAWFUL_TERM.as_bytes());
    assert!(c.ok, "the fixed document was refused:\n{}", c.output);
    assert_eq!(repo.status(&c), "Passed", "{}", c.output);
    assert_eq!(repo.commits(), 2);

    // pre-commit names the file (the hook runs: Passed, not Skipped); mark-lint
    // honours .marklintignore for it.
    let c = repo.commit("drafts/old-report.md", OVERLONG_TERM.as_bytes());
    assert!(c.ok, "an ignored file was linted:\n{}", c.output);
    assert_eq!(repo.status(&c), "Passed", "{}", c.output);
    assert!(!c.output.contains("ML101"), "{}", c.output);

    // Not a document extension: the hook's `files` keeps it out.
    let c = repo.commit("figures/plot.png", &png_noise());
    assert!(c.ok, "{}", c.output);
    assert_eq!(repo.status(&c), "Skipped", "{}", c.output);
    assert_eq!(repo.commits(), 4);
    eprintln!("hook_blocks_faulty_documents: {:?}", start.elapsed());
}

/// The `mark-lint-unclassified` guard: any state-secret mark blocks the commit (ML301),
/// prose about secrecy and binary files named by pre-commit do not.
#[test]
fn unclassified_guard_blocks_marked_files() {
    let start = std::time::Instant::now();
    let Some(repo) = Sandbox::new("mark-lint-unclassified") else {
        return;
    };
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "config"]);
    repo.install();

    let c = repo.commit("weekly.md", "秘密★1年\n\n# 周报\n\n本周工作。\n".as_bytes());
    assert!(!c.ok, "a 秘密 document was committed:\n{}", c.output);
    assert_eq!(repo.status(&c), "Failed", "{}", c.output);
    assert!(c.output.contains("weekly.md"), "{}", c.output);
    assert!(c.output.contains("ML301"), "{}", c.output);
    assert_eq!(repo.commits(), 1, "the failed commit left a commit");
    repo.git(&["rm", "-q", "-f", "--", "weekly.md"]);

    let policy = "# 保密制度\n\n本规定所称国家秘密是指关系国家安全和利益，依照法定程序确定，\
                  在一定时间内只限一定范围的人员知悉的事项。\n";
    let c = repo.commit("policy.md", policy.as_bytes());
    assert!(c.ok, "prose about secrecy was refused:\n{}", c.output);
    assert_eq!(repo.status(&c), "Passed", "{}", c.output);

    // `files` matches everything: the PNG reaches mark-lint, which skips it.
    let c = repo.commit("figures/plot.png", &png_noise());
    assert!(c.ok, "a binary file failed the hook:\n{}", c.output);
    assert_eq!(repo.status(&c), "Passed", "{}", c.output);
    assert_eq!(repo.commits(), 3);
    eprintln!(
        "unclassified_guard_blocks_marked_files: {:?}",
        start.elapsed()
    );
}

/// The `-system` hooks are the two hooks above run by the installed binary: every key the
/// same but `id`, `description` and `language: system` (nothing is built).
#[test]
fn system_hooks_are_the_hooks_without_a_build() {
    for (system, built) in [
        ("mark-lint-system", "mark-lint"),
        ("mark-lint-unclassified-system", "mark-lint-unclassified"),
    ] {
        let mut system = hook(system);
        let mut built = hook(built);
        assert_eq!(field(&system, "language"), "system");
        for key in ["id", "description", "language"] {
            system.remove(key);
            built.remove(key);
        }
        assert_eq!(system, built);
    }
}

/// `mark-lint-system` from a mirror of this repository (a local git repository holding
/// `.pre-commit-hooks.yaml`, as an air-gapped network would host it): pre-commit builds
/// nothing and runs the `mark-lint` on PATH.
#[cfg(unix)]
#[test]
fn system_hook_runs_the_installed_binary() {
    let Some(repo) = Sandbox::bare("mark-lint-system") else {
        return;
    };
    let mirror = tempfile::tempdir().unwrap();
    let hooks = std::fs::read(root().join(".pre-commit-hooks.yaml")).unwrap();
    std::fs::write(mirror.path().join(".pre-commit-hooks.yaml"), hooks).unwrap();
    let mirror_git = |args: &[&str]| {
        let out = repo
            .command(&"git".into())
            .current_dir(mirror.path())
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    mirror_git(&["init", "-q"]);
    mirror_git(&["add", ".pre-commit-hooks.yaml"]);
    mirror_git(&["commit", "-q", "-m", "hooks"]);
    let rev = mirror_git(&["rev-parse", "HEAD"]);
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_mark-lint"),
        repo.home.path().join("bin/mark-lint"),
    )
    .unwrap();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: mark-lint-system\n        args: ['--today={TODAY}']\n",
        mirror.path().display(),
        rev.trim()
    );
    repo.write(".pre-commit-config.yaml", config.as_bytes());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "config"]);
    repo.install();

    let c = repo.commit("notices/report.md", OVERLONG_TERM.as_bytes());
    assert!(!c.ok, "a 机密★30年 mark was committed:\n{}", c.output);
    assert_eq!(repo.status(&c), "Failed", "{}", c.output);
    assert!(c.output.contains("ML101"), "{}", c.output);
    let c = repo.commit("notices/report.md", LAWFUL_TERM.as_bytes());
    assert!(c.ok, "the fixed document was refused:\n{}", c.output);
    assert_eq!(repo.status(&c), "Passed", "{}", c.output);
}

/// The quoted extensions between `start` and the next `end` in `src`.
fn quoted_words(src: &str, start: &str, end: &str) -> Vec<String> {
    let from = src
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not in src/extract/mod.rs"));
    let body = &src[from..];
    let body = &body[..body.find(end).expect("end marker")];
    regex::Regex::new(r#""([a-z0-9]+)""#)
        .unwrap()
        .captures_iter(body)
        .map(|c| c[1].to_string())
        .collect()
}

/// The `mark-lint` hook's `files` covers every extension the readers know, in any case;
/// the unclassified guard takes every file.
#[test]
fn hook_files_cover_every_document_extension() {
    let src = std::fs::read_to_string(root().join("src/extract/mod.rs")).unwrap();
    let mut exts = quoted_words(&src, "fn flavour_of", "_ =>");
    for list in [
        "const ZIP_DOCS",
        "const LEGACY",
        "const OTHER_DOCS",
        "const ARCHIVES",
        "const MESSAGES",
    ] {
        exts.extend(quoted_words(&src, list, "];"));
    }
    assert!(exts.len() > 40, "{exts:?}");
    let files = regex::Regex::new(field(&hook("mark-lint"), "files")).unwrap();
    for ext in &exts {
        for name in [format!("a/b.{ext}"), format!("B.{}", ext.to_uppercase())] {
            assert!(files.is_match(&name), "`files` misses {name}");
        }
    }
    for name in [
        "plot.png",
        "Cargo.toml",
        "notes.md.orig",
        "app.jar",
        "book.epub",
    ] {
        assert!(!files.is_match(name), "`files` takes {name}");
    }
    let all = regex::Regex::new(field(&hook("mark-lint-unclassified"), "files")).unwrap();
    for name in ["plot.png", "Makefile", "data/list.csv", "x.md"] {
        assert!(all.is_match(name), "the guard's `files` misses {name}");
    }
}
