//! Day-to-day workflow (issue 5): inline suppressions, baselines, `--fix`/`--diff`,
//! `--staged`, stdin, several reports from one run, statistics, colour, `init`,
//! shell completions.

use super::*;

const TODAY: &str = "2026-11-27";

/// Copy a fixture folder into a fresh temporary folder.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root().join("tests/fixtures").join(name);
    for entry in walkdir::WalkDir::new(&from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&from).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

fn outcome(code: i32, stdout: &str, stderr: &str) -> String {
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

#[test]
fn inline_suppressions() {
    snap!(
        "suppress_human",
        run(&["check", "--today", TODAY, "tests/fixtures/suppress"])
    );
    snap!(
        "suppress_json",
        run(&[
            "check",
            "--today",
            TODAY,
            "--format",
            "json",
            "tests/fixtures/suppress"
        ])
    );
}

/// Without the directives, the suppressed findings are there: the directives (and not
/// something else) hide them.
#[test]
fn suppressions_hide_only_what_they_name() {
    let dir = copy_fixture("suppress");
    let codes = |dir: &Path| -> Vec<String> {
        let (_, out, _) = run_in(dir, &["check", "--today", TODAY, "--format", "concise"]);
        out.lines()
            .map(|l| {
                let mut f = l.split(' ');
                format!("{} {}", f.next().unwrap(), f.next().unwrap())
            })
            .collect()
    };
    let with = codes(dir.path());
    for f in ["history.md", "range.md", "legacy.txt", "page.html"] {
        let p = dir.path().join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        let stripped: String = text
            .lines()
            .filter(|l| !l.contains("mark-lint-") && !l.contains("mark-lint:"))
            .map(|l| format!("{l}\n"))
            .collect();
        // Keep line numbers: replace each directive by an empty line.
        let blanked: String = text
            .lines()
            .map(|l| {
                if l.contains("mark-lint-") || l.contains("mark-lint:") {
                    "\n".to_string()
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        assert_ne!(stripped, text);
        std::fs::write(&p, blanked).unwrap();
    }
    let without = codes(dir.path());
    let hidden: Vec<&String> = without.iter().filter(|c| !with.contains(c)).collect();
    assert_eq!(
        hidden,
        [
            "history.md:2:1: ML101",
            "history.md:2:1: ML106",
            "legacy.txt:2:1: ML101",
            "page.html:4:1: ML101",
            "range.md:17:1: ML002",
            "range.md:19:1: ML002",
        ]
    );
}

#[test]
fn baseline_round_trip() {
    let dir = copy_fixture("docs");
    let d = dir.path();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--today", TODAY, "--format", "concise"];
        args.extend_from_slice(extra);
        run_in(d, &args)
    };
    let (code, before, _) = check(&[]);
    assert_eq!(code, 1, "the fixture folder has errors");
    let findings = before.lines().count();
    assert!(findings >= 5);

    // Write: exit 0, entries sorted, no line numbers, no text, no timestamps.
    let (code, out, err) = check(&["--write-baseline", ".mark-lint-baseline.json"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        err.contains(&format!("wrote {findings} finding(s)")),
        "{err}"
    );
    let text = std::fs::read_to_string(d.join(".mark-lint-baseline.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), findings);
    let keys: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            let obj = e.as_object().unwrap();
            let mut names: Vec<&String> = obj.keys().collect();
            names.sort();
            assert_eq!(names, ["code", "hash", "path"]);
            (
                e["path"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
                e["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| (&a.1, &a.0, &a.2).cmp(&(&b.1, &b.0, &b.2)));
    assert_eq!(keys, sorted, "entries are sorted");
    // Paths are there (file names may be Chinese); marks, lines and text are not.
    for e in entries {
        let hash = e["hash"].as_str().unwrap();
        assert!(hash.len() == 32 && hash.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(e["code"].as_str().unwrap().starts_with("ML"));
    }
    assert!(!text.contains('★') && !text.contains("年"), "{text}");
    // No timestamps, no line numbers: only these keys.
    let mut top: Vec<&String> = json.as_object().unwrap().keys().collect();
    top.sort();
    assert_eq!(top, ["entries", "salt", "tool", "version"]);
    // Rewriting it gives the same file (the salt is kept).
    let (code, _, err) = check(&["--write-baseline", ".mark-lint-baseline.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join(".mark-lint-baseline.json")).unwrap(),
        text
    );

    // Re-run clean.
    let (code, out, err) = check(&["--baseline", ".mark-lint-baseline.json"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));

    // Moving a finding down (new lines above it) does not make it new.
    let moved = d.join("rules/ML101-over-limit.md");
    let old = std::fs::read_to_string(&moved).unwrap();
    assert!(old.contains('★'));
    std::fs::write(&moved, format!("\n\n{old}")).unwrap();
    let (code, out, _) = check(&["--baseline", ".mark-lint-baseline.json"]);
    assert_eq!((code, out.as_str()), (0, ""), "moved findings stay known");
    std::fs::write(&moved, old).unwrap();

    // A new violation: only it is reported.
    std::fs::write(d.join("new.md"), "机密★30年\n\n正文。\n\n2026年3月5日\n").unwrap();
    let (code, out, _) = check(&["--baseline", ".mark-lint-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "new.md:1:1: ML101 [error] mark `机密★30年`: term 30年 exceeds the 机密 maximum of 20年 (unless provided otherwise, 保密法 Art. 20 ¶2): the 定密责任人 checks the basis; without one, the term is changed through the change procedure\n"
    );

    // A fixed problem leaves a stale entry, listed on stderr.
    std::fs::remove_file(d.join("new.md")).unwrap();
    std::fs::remove_file(d.join("rules/ML101-over-limit.md")).unwrap();
    let (code, out, err) = check(&["--baseline", ".mark-lint-baseline.json"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        err.contains("stale baseline entr")
            && err.contains("stale: ML101 rules/ML101-over-limit.md"),
        "{err}"
    );

    // A broken baseline is a clear error with the file and line.
    std::fs::write(d.join("bad.json"), "{\n  \"version\": 1,\n  oops\n}\n").unwrap();
    let (code, _, err) = check(&["--baseline", "bad.json"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("mark-lint: error: bad.json:3:"), "{err}");
}

#[test]
fn baseline_paths_are_relative_to_the_baseline() {
    let dir = copy_fixture("docs");
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    run_expect(
        d,
        &["check", "--today", TODAY, "--write-baseline", "b.json", "."],
        0,
    );
    // The same tree seen from a subfolder, through `..`, and one of its folders.
    let (code, out, err) = run_in(
        &d.join("sub"),
        &[
            "check",
            "--today",
            TODAY,
            "--baseline",
            "../b.json",
            "-q",
            "..",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = run_in(
        &d.join("rules"),
        &[
            "check",
            "--today",
            TODAY,
            "--baseline",
            "../b.json",
            "-q",
            "--format",
            "concise",
            ".",
        ],
    );
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn fix_round_trip_keeps_encodings() {
    let dir = copy_fixture("fix/input");
    let d = dir.path();
    let fixed_codes = ["ML001", "ML107"];
    // --diff shows the change and touches nothing.
    let (code, diff, err) = run_in(d, &["check", "--today", TODAY, "--diff", "."]);
    snap!("fix_diff", outcome(code, &diff, &err));
    // The note says the same in Chinese, with no English but the option.
    let (zh_code, zh_diff, zh_err) = run_in(
        d,
        &["check", "--today", TODAY, "--lang", "zh", "--diff", "."],
    );
    assert_eq!((zh_code, zh_diff.as_str()), (code, diff.as_str()));
    let counts = err
        .trim_end()
        .strip_prefix("mark-lint: ")
        .and_then(|n| n.split_once(" fix(es) available in "))
        .and_then(|(fixes, rest)| Some((fixes, rest.split_once(" file(s)")?.0)))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(
        zh_err,
        format!(
            "mark-lint: 可自动修复{}处（{}个文件），加 --fix 执行\n",
            counts.0, counts.1
        )
    );
    let expected = root().join("tests/fixtures/fix/expected");
    let input = root().join("tests/fixtures/fix/input");
    for f in std::fs::read_dir(&input).unwrap() {
        let name = f.unwrap().file_name();
        assert_eq!(
            std::fs::read(d.join(&name)).unwrap(),
            std::fs::read(input.join(&name)).unwrap()
        );
    }
    let (code, out, err) = run_in(
        d,
        &[
            "check", "--today", TODAY, "--format", "concise", "--fix", ".",
        ],
    );
    snap!("fix_applied", outcome(code, &out, &err));
    // Byte-identical to the expected files: only the marks changed.
    for f in std::fs::read_dir(&expected).unwrap() {
        let name = f.unwrap().file_name();
        assert_eq!(
            std::fs::read(d.join(&name)).unwrap(),
            std::fs::read(expected.join(&name)).unwrap(),
            "{name:?}"
        );
    }
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 6);
    // Clean of the fixed codes, except the one that needs a human.
    let (_, out, _) = run_in(d, &["check", "--today", TODAY, "--format", "concise", "."]);
    let left: Vec<&str> = out
        .lines()
        .filter(|l| fixed_codes.iter().any(|c| l.contains(c)))
        .collect();
    assert_eq!(
        left,
        [
            "misspelt.md:1:1: ML001 [error] malformed mark `泌密★5年`: the level must be 绝密, 机密 or 秘密"
        ]
    );
}

#[test]
fn fix_refuses_staged_and_stdin() {
    let (code, _, err) = run_in(&root(), &["check", "--staged", "--fix"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run_in(&root(), &["check", "--fix", "-"]);
    assert_eq!(code, 2);
    assert!(err.contains("not with --staged or stdin"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {status:?}");
}

/// `--staged` lints what the commit will contain, not the working tree.
#[test]
fn staged_reads_the_index() {
    if Command::new("git").arg("--version").output().is_err() {
        skip("git is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    std::fs::create_dir(d.join("docs")).unwrap();
    std::fs::write(d.join("docs/a.md"), "机密★30年\n\n正文。\n\n2026年3月5日\n").unwrap();
    std::fs::write(d.join("clean.md"), "# 说明\n\n没有标志。\n").unwrap();
    std::fs::write(d.join(".marklintignore"), "ignored.md\n").unwrap();
    std::fs::write(d.join("ignored.md"), "机密★30年\n").unwrap();
    std::fs::write(d.join("unstaged.md"), "机密★30年\n").unwrap();
    git(
        d,
        &[
            "add",
            "docs/a.md",
            "clean.md",
            ".marklintignore",
            "ignored.md",
        ],
    );
    // Fixed in the working tree, not in the index: the staged fault is reported.
    std::fs::write(d.join("docs/a.md"), "机密★10年\n\n正文。\n\n2026年3月5日\n").unwrap();
    let (code, out, err) = run_in(
        d,
        &["check", "--staged", "--today", TODAY, "--format", "concise"],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "docs/a.md:1:1: ML101 [error] mark `机密★30年`: term 30年 exceeds the 机密 maximum of 20年 (unless provided otherwise, 保密法 Art. 20 ¶2): the 定密责任人 checks the basis; without one, the term is changed through the change procedure\n"
    );
    // Paths are shown from the current folder.
    let (_, out, _) = run_in(
        &d.join("docs"),
        &["check", "--staged", "--today", TODAY, "--format", "concise"],
    );
    assert!(out.starts_with("a.md:1:1: ML101"), "{out}");
    // Staging the fix clears it; a deleted working-tree file is still read from the index.
    git(d, &["add", "docs/a.md"]);
    std::fs::remove_file(d.join("clean.md")).unwrap();
    let (code, out, _) = run_in(d, &["check", "--staged", "--today", TODAY]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Checked 2 files (1 marked)"), "{out}");
    // Outside a repository: a one-line error.
    let plain = tempfile::tempdir().unwrap();
    let (code, _, err) = run_in(plain.path(), &["check", "--staged"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("mark-lint: error: --staged: git"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn stdin_with_a_file_name() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args([
            "check",
            "--today",
            TODAY,
            "--format",
            "concise",
            "--stdin-filename",
            "notes/a.md",
            "-",
        ])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("机密★30年\n\n正文。\n\n2026年3月5日\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "notes/a.md:1:1: ML101 [error] mark `机密★30年`: term 30年 exceeds the 机密 maximum of 20年 (unless provided otherwise, 保密法 Art. 20 ¶2): the 定密责任人 checks the basis; without one, the term is changed through the change procedure\n"
    );
}

#[test]
fn several_reports_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let concise = dir.path().join("r.txt");
    let (code, out, err) = run_in(
        &root(),
        &[
            "check",
            "--today",
            TODAY,
            "--quiet",
            "--format",
            "concise",
            "--output",
            &format!("json={}", json.display()),
            "-o",
            &format!("concise={}", concise.display()),
            "tests/fixtures/docs",
        ],
    );
    assert_eq!((code, err.as_str()), (1, ""));
    assert_eq!(std::fs::read_to_string(&concise).unwrap(), out);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        out.lines().count()
    );
    // A bad spec is a usage error.
    let (code, _, err) = run_in(&root(), &["check", "--output", "xml=r.xml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown format"), "{err}");
}

#[test]
fn statistics_and_colour() {
    snap!(
        "statistics",
        run(&[
            "check",
            "--today",
            TODAY,
            "--statistics",
            "tests/fixtures/docs"
        ])
    );
    let (_, plain, _) = run_in(&root(), &["check", "--today", TODAY, "tests/fixtures/docs"]);
    assert!(
        !plain.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let (_, coloured, _) = run_in(
        &root(),
        &[
            "check",
            "--today",
            TODAY,
            "--color",
            "always",
            "tests/fixtures/docs",
        ],
    );
    assert!(coloured.contains("\x1b[1;31merror[ML101]\x1b[0m"));
    // Colour never changes the text.
    let strip = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    assert_eq!(strip.replace_all(&coloured, ""), plain);
}

#[test]
fn init_writes_a_config_once() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("id: mark-lint\n") && out.contains("repo: local"),
        "{out}"
    );
    let config = std::fs::read_to_string(dir.path().join(".mark-lint.yaml")).unwrap();
    assert!(config.contains("system: classified"));
    // Editors validate it offline against the schema written beside it.
    assert!(config.starts_with("# yaml-language-server: $schema=.mark-lint.schema.json\n"));
    let schema = std::fs::read_to_string(dir.path().join(".mark-lint.schema.json")).unwrap();
    assert_eq!(
        schema,
        std::fs::read_to_string(root().join("schemas/config.schema.json")).unwrap()
    );
    // The written config is used as it stands.
    let (code, _, err) = run_in(dir.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_in(dir.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists (use --force"), "{err}");
    let (code, out, _) = run_in(dir.path(), &["init", "--force", "--system", "unclassified"]);
    assert_eq!(code, 0);
    assert!(out.contains("id: mark-lint-unclassified"));
    std::fs::write(dir.path().join("a.md"), "秘密★1年\n").unwrap();
    let (code, out, _) = run_in(dir.path(), &["check", "--format", "concise"]);
    assert_eq!(code, 1);
    assert!(out.contains("ML301"), "{out}");
}

#[test]
fn shell_completions() {
    for (shell, needle) in [
        ("bash", "_mark__lint()"),
        ("zsh", "#compdef mark-lint"),
        ("fish", "complete -c mark-lint"),
    ] {
        let (code, out, _) = run_in(&root(), &["completions", shell]);
        assert_eq!(code, 0);
        assert!(out.contains(needle), "{shell}");
        assert!(out.contains("write-baseline"), "{shell}");
    }
}

#[test]
fn user_rule_files_can_be_tested() {
    let (code, out, _) = run_in(
        &root(),
        &["test-rules", "tests/fixtures/user-rules/code-name.yaml"],
    );
    assert_eq!((code, out.as_str()), (0, "4 passed, 0 failed\n"));
    let (code, out, _) = run_in(
        &root(),
        &["test-rules", "tests/fixtures/user-rules/wrong-example.yaml"],
    );
    assert_eq!(code, 1);
    assert!(
        out.starts_with(
            "FAIL X-WRONG (tests/fixtures/user-rules/wrong-example.yaml): valid example 2"
        ) && out.ends_with("3 passed, 1 failed\n"),
        "{out}"
    );
}

/// A built-in rule file named to test-rules is the file on disk, not the built-in copy:
/// the repository's own file tests clean (it is not a duplicate of itself), and an
/// edited copy is tested as edited.
#[test]
fn a_built_in_rule_file_is_tested_as_it_is_on_disk() {
    let (code, out, err) = run_in(&root(), &["test-rules", "rules/bad-suppression.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.ends_with(" passed, 0 failed\n") && !out.starts_with("0 "),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let edited = std::fs::read_to_string(root().join("rules/bad-suppression.yaml"))
        .unwrap()
        .replace(
            "  invalid:\n",
            "  invalid:\n    - |\n      正文，没有忽略注释。\n",
        );
    std::fs::write(dir.path().join("bad-suppression.yaml"), edited).unwrap();
    let file = dir.path().join("bad-suppression.yaml");
    let (code, out, err) = run_in(&root(), &["test-rules", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.starts_with("FAIL ML901 (") && out.contains("invalid example 1 gave no finding"),
        "{out}"
    );
}

/// A user rule file the config lists, named to test-rules, is tested once (it is not a
/// duplicate of itself), and an edit to it is tested as edited.
#[test]
fn a_config_listed_rule_file_is_tested_as_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("my")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/user-rules/code-name.yaml"),
        d.join("my/code-name.yaml"),
    )
    .unwrap();
    std::fs::write(d.join(".mark-lint.yaml"), "rules: [\"my/\"]\n").unwrap();
    for named in ["my/code-name.yaml", "./my/code-name.yaml"] {
        let (code, out, err) = run_in(d, &["test-rules", named]);
        assert_eq!(
            (code, out.as_str()),
            (0, "4 passed, 0 failed\n"),
            "{named}: {err}"
        );
    }
    let (code, out, _) = run_in(d, &["test-rules"]);
    assert_eq!(code, 0);
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
}

/// The README's copy-paste local hook uses the published `files:` pattern.
#[test]
fn readme_hook_pattern_is_the_published_one() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let pattern = hooks
        .lines()
        .find_map(|l| l.strip_prefix("  files: (?i)"))
        .expect("the mark-lint hook has a files pattern");
    assert!(
        readme.contains(&format!("files: (?i){pattern}\n")),
        "README's local hook must use {pattern}"
    );
}

/// The progress line appears on a terminal and never in CI or with `--quiet` (`script`
/// gives the run a terminal; the delay is set to zero so a short run shows it).
#[test]
fn progress_line_only_on_a_terminal() {
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        skip("`script` (util-linux) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let typescript = dir.path().join("typescript");
    let on_terminal = |extra: &str, ci: bool| -> String {
        let cmd = format!(
            "{} check --today {TODAY} {extra} tests/fixtures/docs > /dev/null",
            env!("CARGO_BIN_EXE_mark-lint")
        );
        let mut c = Command::new("script");
        c.args(["-qfec", &cmd])
            .arg(&typescript)
            .current_dir(root())
            .env("MARK_LINT_PROGRESS_AFTER_MS", "0");
        if ci {
            c.env("CI", "true");
        } else {
            c.env_remove("CI");
        }
        c.output().unwrap();
        String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned()
    };
    let shown = on_terminal("", false);
    assert!(
        shown.contains("/103 files") && shown.contains("\x1b[2K"),
        "{shown:?}"
    );
    assert!(!on_terminal("--quiet", false).contains("/103 files"));
    assert!(!on_terminal("", true).contains("/103 files"));
    // Not a terminal (this test's pipes): nothing.
    let (_, _, err) = run_in(&root(), &["check", "--today", TODAY, "tests/fixtures/docs"]);
    assert_eq!(err, "");
}

/// A document carried inside a file (an OFD attachment) is recorded as the file plus its
/// path inside it, and a folder whose name ends in `!` is a folder: a baseline written
/// from one file keeps the other's entry, a full run is clean, and a version 1 baseline
/// (the inner path after the file's, `a.ofd!/…`) still hides what it recorded.
#[test]
fn baseline_entries_of_embedded_documents_and_bang_folders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("a!")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/office/ofd/attachment.ofd"),
        d.join("a!/attachment.ofd"),
    )
    .unwrap();
    std::fs::write(d.join("a!/b.md"), "机密★30年\n\n正文。\n\n2026年3月5日\n").unwrap();
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--today", TODAY, "--format", "concise"];
        args.extend_from_slice(extra);
        run_in(d, &args)
    };
    let (code, out, _) = check(&["."]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("a!/attachment.ofd!/Doc_0/Attachs/attach.ofd:2:1: ML104"),
        "{out}"
    );
    run_expect(
        d,
        &["check", "--today", TODAY, "--write-baseline", "b.json", "."],
        0,
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("b.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 2);
    let entries: Vec<(String, serde_json::Value)> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["inner"].clone()))
        .collect();
    assert_eq!(
        entries,
        [
            ("a!/b.md".to_string(), serde_json::Value::Null),
            (
                "a!/attachment.ofd".to_string(),
                serde_json::json!(["Doc_0/Attachs/attach.ofd"])
            ),
        ]
    );
    // Rewritten from one file: the other's entry stays, and nothing is stale.
    run_expect(
        d,
        &[
            "check",
            "--today",
            TODAY,
            "--write-baseline",
            "b.json",
            "a!/attachment.ofd",
        ],
        0,
    );
    let (code, out, err) = check(&["--baseline", "b.json", "."]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // The same entries as version 1 wrote them.
    let v1 = std::fs::read_to_string(d.join("b.json"))
        .unwrap()
        .replace("\"version\": 2", "\"version\": 1")
        .replace(
            "\"path\": \"a!/attachment.ofd\",\n      \"inner\": [\n        \"Doc_0/Attachs/attach.ofd\"\n      ],",
            "\"path\": \"a!/attachment.ofd!/Doc_0/Attachs/attach.ofd\",",
        );
    assert!(
        v1.contains("attachment.ofd!/Doc_0") && !v1.contains("inner"),
        "{v1}"
    );
    std::fs::write(d.join("v1.json"), v1).unwrap();
    let (code, out, err) = check(&["--baseline", "v1.json", "."]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // A fixed embedded finding is stale, shown where reports showed it.
    std::fs::remove_file(d.join("a!/attachment.ofd")).unwrap();
    let (_, _, err) = check(&["--baseline", "b.json", "."]);
    assert!(
        err.contains("stale: ML104 a!/attachment.ofd!/Doc_0/Attachs/attach.ofd"),
        "{err}"
    );
}

/// A baseline of a version this tool cannot read is neither read nor overwritten.
#[test]
fn a_baseline_of_an_unknown_version_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.md"), "机密★30年\n\n正文。\n\n2026年3月5日\n").unwrap();
    let v9 = "{\"version\": 9, \"tool\": \"mark-lint\", \"salt\": \"00\", \"entries\": []}\n";
    std::fs::write(d.join("b.json"), v9).unwrap();
    for flag in ["--baseline", "--write-baseline"] {
        let (code, _, err) = run_in(d, &["check", "--today", TODAY, flag, "b.json", "."]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains("b.json: baseline version 9"), "{flag}: {err}");
    }
    assert_eq!(std::fs::read_to_string(d.join("b.json")).unwrap(), v9);
}

/// Pre-commit and `--staged` check a few files: writing the baseline from such a run
/// keeps the other files' entries, and their entries are not stale.
#[test]
fn baseline_from_a_subset_keeps_the_rest() {
    let dir = copy_fixture("docs");
    let d = dir.path();
    let count = |d: &Path| -> usize {
        let text = std::fs::read_to_string(d.join("b.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["entries"].as_array().unwrap().len()
    };
    run_expect(
        d,
        &["check", "--today", TODAY, "--write-baseline", "b.json", "."],
        0,
    );
    let all = count(d);
    let one = "rules/ML101-over-limit.md";
    run_expect(
        d,
        &["check", "--today", TODAY, "--write-baseline", "b.json", one],
        0,
    );
    assert_eq!(count(d), all, "entries of unchecked files are kept");
    let (code, out, err) = run_in(d, &["check", "--today", TODAY, "--baseline", "b.json", one]);
    assert_eq!(
        (code, err.as_str()),
        (0, ""),
        "no stale note for unchecked files: {out}"
    );
    // A deleted file's entries are stale, and a rewrite drops them.
    std::fs::remove_file(d.join(one)).unwrap();
    let (_, _, err) = run_in(
        d,
        &[
            "check",
            "--today",
            TODAY,
            "--baseline",
            "b.json",
            "rules/ML106-undated.txt",
        ],
    );
    assert!(err.contains(&format!("stale: ML101 {one}")), "{err}");
    run_expect(
        d,
        &[
            "check",
            "--today",
            TODAY,
            "--write-baseline",
            "b.json",
            "rules/ML106-undated.txt",
        ],
        0,
    );
    assert_eq!(count(d), all - 1);
}

/// `--staged` with nothing staged still honours `--today`, `--lang` and the config: no
/// run falls back to a built-in date.
#[test]
fn staged_with_an_empty_index_uses_the_run_settings() {
    if Command::new("git").arg("--version").output().is_err() {
        skip("git is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    let (code, stdout, stderr) = run_in(
        d,
        &[
            "check",
            "--staged",
            "--today",
            "2031-05-06",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["today"], "2031-05-06");
    assert_eq!(report["summary"]["files"], 0);
    std::fs::write(d.join(".mark-lint.yaml"), "lang: zh\ntoday: 2032-01-02\n").unwrap();
    let (_, stdout, _) = run_in(d, &["check", "--staged"]);
    assert!(stdout.contains("检查"), "the config's language: {stdout}");
    let (_, stdout, _) = run_in(d, &["check", "--staged", "--format", "json"]);
    assert!(
        stdout.contains("\"today\": \"2032-01-02\""),
        "the config's date: {stdout}"
    );
}

/// `--fix` on every line break (CR alone, NEL, U+2028, U+2029, mixed with LF and CRLF)
/// in UTF-8, GB18030 and UTF-16: the mark on the line the lint reported is fixed, each
/// break is written back as it was, every other byte is unchanged.
#[test]
fn fix_keeps_every_line_break() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let breaks = [
        ("cr", ["\r"; 4]),
        ("nel", ["\u{85}"; 4]),
        ("ls", ["\u{2028}"; 4]),
        ("ps", ["\u{2029}"; 4]),
        ("mixed", ["\r", "\u{2028}", "\r\n", "\u{85}"]),
        ("cr-crlf", ["\r", "\r\n", "\r", "\n"]),
    ];
    let text = |brs: &[&str; 4], mark: &str| {
        format!(
            "关于加强保密工作的通知{}正文{}{mark}{}2026年3月5日{}",
            brs[0], brs[1], brs[2], brs[3]
        )
    };
    type Encode = fn(&str) -> Vec<u8>;
    let encodings: [(&str, Encode); 3] = [
        ("utf8", |s| s.as_bytes().to_vec()),
        ("gb18030", |s| encoding_rs::GB18030.encode(s).0.into_owned()),
        ("utf16le", |s| {
            let mut v = vec![0xFF, 0xFE];
            v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            v
        }),
    ];
    let mut expected = Vec::new();
    for (name, brs) in &breaks {
        for (enc, encode) in &encodings {
            let file = format!("{name}-{enc}.txt");
            std::fs::write(d.join(&file), encode(&text(brs, "机密☆１０年"))).unwrap();
            expected.push((file, encode(&text(brs, "机密★10年"))));
        }
    }
    let (code, out, err) = run_in(d, &["check", "--today", TODAY, "--diff", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("18 fix(es) available in 18 file(s)"), "{err}");
    // The diff shows the lines as lines.
    assert!(out.contains("-机密☆１０年\n+机密★10年\n"), "{out}");
    let (_, _, err) = run_in(d, &concise(&["--fix", "."]));
    assert!(err.contains("fixed 18 mark(s) in 18 file(s)"), "{err}");
    for (file, want) in expected {
        assert_eq!(std::fs::read(d.join(&file)).unwrap(), want, "{file}");
    }
    let (_, out, _) = run_in(d, &concise(&["--select", "ML001", "."]));
    assert_eq!(out, "", "all fixed");
}

/// What `--fix` refuses, each with a one-line note naming the file and why, leaving
/// the file as it was: read-only files, links out of the checked folder, files that
/// are not in one encoding. What it rewrites keeps its owner, group and mode.
#[cfg(unix)]
#[test]
fn fix_refuses_what_it_cannot_keep() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    let before = "机密☆１０年\n\n正文\n";
    let after = "机密★10年\n\n正文\n";
    std::fs::write(tree.join("read-only.md"), before).unwrap();
    std::fs::set_permissions(
        tree.join("read-only.md"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    let outside = dir.path().join("outside.md");
    std::fs::write(&outside, before).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join("link-out.md")).unwrap();
    let mut mixed = before.as_bytes().to_vec();
    mixed.extend_from_slice(&encoding_rs::GBK.encode("关于保密工作的通知\n").0);
    std::fs::write(tree.join("mixed.md"), &mixed).unwrap();
    let owned = tree.join("owned.md");
    std::fs::write(&owned, before).unwrap();
    std::fs::set_permissions(&owned, std::fs::Permissions::from_mode(0o640)).unwrap();
    // SAFETY: no arguments.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&owned, Some(4321), Some(8765)).unwrap();
    } else {
        eprintln!("SKIPPED owner change: not root");
    }
    let (_, _, err) = run_in(&tree, &concise(&["--fix", "."]));
    let notes: Vec<&str> = err.lines().collect();
    assert_eq!(
        notes,
        [
            "mark-lint: link-out.md: not fixed: it is a symlink to a file outside the checked folders",
            "mark-lint: mixed.md: not fixed: it is not UTF-8 throughout (some bytes were decoded otherwise, or not at all)",
            "mark-lint: read-only.md: not fixed: it is read-only",
            "mark-lint: fixed 1 mark(s) in 1 file(s)",
        ]
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(tree.join("read-only.md")).unwrap(),
        before
    );
    assert_eq!(std::fs::read(tree.join("mixed.md")).unwrap(), mixed);
    assert_eq!(std::fs::read_to_string(&owned).unwrap(), after);
    let meta = std::fs::metadata(&owned).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o640);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (4321, 8765));
    }
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(&tree).unwrap().count(), 4);
    // Named on the command line, the link is what the user asked for: fixed.
    let (_, _, err) = run_in(&tree, &concise(&["--fix", "link-out.md"]));
    assert!(err.contains("fixed 1 mark(s)"), "{err}");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), after);
    assert!(
        std::fs::symlink_metadata(tree.join("link-out.md"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

/// The notes about baselines and fixes speak the run's language.
#[test]
fn baseline_and_fix_notes_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.md"), "秘密★15年\n\n通知\n\n2026年3月5日\n").unwrap();
    let zh = ["--today", TODAY, "--lang", "zh"];
    let (_, err) = run_expect(
        d,
        &[&["check"][..], &zh, &["--write-baseline", "b.json", "."]].concat(),
        0,
    );
    assert!(err.contains("已将1项问题写入基线 b.json"), "{err}");
    std::fs::write(d.join("a.md"), "秘密★5年\n\n通知\n\n2026年3月5日\n").unwrap();
    let (_, err) = run_expect(
        d,
        &[&["check"][..], &zh, &["--baseline", "b.json", "."]].concat(),
        0,
    );
    assert!(
        err.contains("基线 b.json 中有1项已失效") && err.contains("已失效: ML101 a.md"),
        "{err}"
    );
}
