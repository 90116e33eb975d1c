//! Production paths that worked by hand but had no test: `public-paths`, ML900 as an
//! error under `system: unclassified`, `severity:` overrides, `--config`, a non-default
//! `expiring-within-days`, language from the environment, `--fix` leaving HTML and office
//! files alone, inventory's errors, and the syntax of the completion scripts.

use super::*;

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    folder_of(files)
}

/// Run with extra environment variables (the usual ones removed first).
fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mark-lint"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("mark-lint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const MARKED: &[u8] = "机密★10年\n\n关于城西水厂联络管工程的通知\n\n2026年3月5日\n".as_bytes();

#[test]
fn public_paths_make_any_mark_ml005() {
    let dir = tree(&[
        (".mark-lint.yaml", b"public-paths: [\"site/**\"]\n"),
        ("site/notice.md", MARKED),
        ("drafts/notice.md", MARKED),
    ]);
    let (code, stdout, stderr) = run_in(dir.path(), &concise(&["."]));
    assert_eq!(code, 1, "{stderr}");
    let ml005: Vec<&str> = stdout.lines().filter(|l| l.contains("ML005")).collect();
    assert_eq!(ml005.len(), 1, "{stdout}");
    assert!(ml005[0].starts_with("site/notice.md:1:1"), "{stdout}");
}

#[test]
fn unreadable_files_are_errors_on_unclassified_systems() {
    let dir = tree(&[("broken.docx", b"not a zip at all"), ("ok.md", b"# note\n")]);
    let (code, stdout, _) = run_in(dir.path(), &concise(&["."]));
    assert_eq!(code, 0, "a warning does not fail the run: {stdout}");
    assert!(
        stdout.contains("broken.docx:1:1: ML900 [warning]"),
        "{stdout}"
    );
    let (code, stdout, _) = run_in(dir.path(), &concise(&["--system", "unclassified", "."]));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("broken.docx:1:1: ML900 [error]"),
        "{stdout}"
    );
    // The config says the same as the flag.
    std::fs::write(dir.path().join(".mark-lint.yaml"), "system: unclassified\n").unwrap();
    let (code, stdout, _) = run_in(dir.path(), &concise(&["."]));
    assert_eq!(code, 1);
    assert!(stdout.contains("ML900 [error]"), "{stdout}");
}

#[test]
fn severity_overrides_change_severity_and_the_exit_code() {
    let misplaced = format!(
        "正文\n{}\n秘密★5年\n\n2026年3月5日\n",
        "段落。\n".repeat(10)
    );
    let dir = tree(&[("a.md", misplaced.as_bytes())]);
    let (code, stdout, _) = run_in(dir.path(), &concise(&["."]));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("ML002 [warning]"), "{stdout}");
    for (setting, shown, exit) in [
        ("error", Some("ML002 [error]"), 1),
        ("info", Some("ML002 [info]"), 0),
        ("off", None, 0),
    ] {
        std::fs::write(
            dir.path().join(".mark-lint.yaml"),
            format!("severity: {{ ML002: {setting} }}\n"),
        )
        .unwrap();
        let (code, stdout, stderr) = run_in(dir.path(), &concise(&["."]));
        assert_eq!(code, exit, "{setting}: {stdout}{stderr}");
        match shown {
            Some(s) => assert!(stdout.contains(s), "{setting}: {stdout}"),
            None => assert!(!stdout.contains("ML002"), "{setting}: {stdout}"),
        }
    }
}

#[test]
fn an_explicit_config_applies_to_every_path() {
    let dir = tree(&[
        ("configs/strict.yaml", b"system: unclassified\n"),
        ("docs/a.md", MARKED),
        // A config found by discovery is not used when --config names another.
        ("docs/.mark-lint.yaml", b"ignore: [ML106]\n"),
    ]);
    let (code, stdout, stderr) = run_in(
        dir.path(),
        &concise(&["--config", "configs/strict.yaml", "docs"]),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("docs/a.md:1:1: ML301"), "{stdout}");
    let (code, _, stderr) = run_in(
        dir.path(),
        &concise(&["--config", "configs/none.yaml", "docs"]),
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("configs/none.yaml"), "{stderr}");
}

#[test]
fn the_expiring_window_comes_from_the_config_or_the_flag() {
    // Issued 2024-03-05 with 3 years: the last day is 2027-03-05, 98 days after
    // 2026-11-27 — outside the default 90 days, inside 120.
    let dir = tree(&[("a.md", "秘密★3年\n\n通知\n\n2024年3月5日\n".as_bytes())]);
    let (_, stdout, _) = run_in(dir.path(), &concise(&["."]));
    assert!(!stdout.contains("ML105"), "{stdout}");
    std::fs::write(
        dir.path().join(".mark-lint.yaml"),
        "expiring-within-days: 120\n",
    )
    .unwrap();
    let (_, stdout, _) = run_in(dir.path(), &concise(&["."]));
    assert!(stdout.contains("a.md:1:1: ML105"), "{stdout}");
    // The ledger reads the same window; its flag narrows the list to what ends within it.
    let ledger = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["inventory", "--today", "2026-11-27", "--format", "json"];
        args.extend_from_slice(extra);
        args.push(".");
        let (code, stdout, stderr) = run_in(dir.path(), &args);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str(&stdout).unwrap()
    };
    let all = ledger(&[]);
    assert_eq!(all["rows"][0]["status"], "expiring", "{all}");
    assert_eq!(
        ledger(&["--expiring-within", "30"])["rows"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        ledger(&["--expiring-within", "100"])["rows"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn language_comes_from_the_environment() {
    let dir = tree(&[("a.md", "秘密★15年\n\n通知\n\n2026年3月5日\n".as_bytes())]);
    let zh = "超过";
    for (env, chinese) in [
        (vec![("LANG", "zh_CN.UTF-8")], true),
        (vec![("LANG", "en_US.UTF-8")], false),
        (
            vec![("LC_ALL", "zh_CN.UTF-8"), ("LANG", "en_US.UTF-8")],
            true,
        ),
        (vec![("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")], false),
        (vec![("LC_MESSAGES", "zh_TW.UTF-8")], true),
        (vec![], false),
    ] {
        let (_, stdout, _) = run_env(dir.path(), &concise(&["."]), &env);
        assert_eq!(stdout.contains(zh), chinese, "{env:?}: {stdout}");
    }
    // --lang and the config's lang win over the environment.
    let (_, stdout, _) = run_env(
        dir.path(),
        &concise(&["--lang", "en", "."]),
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert!(!stdout.contains(zh), "{stdout}");
    std::fs::write(dir.path().join(".mark-lint.yaml"), "lang: zh\n").unwrap();
    let (_, stdout, _) = run_env(dir.path(), &concise(&["."]), &[("LANG", "en_US.UTF-8")]);
    assert!(stdout.contains(zh), "{stdout}");
}

#[test]
fn fix_leaves_html_and_office_files_alone() {
    let docx = mark_lint::extract::ooxml::docx_from_body(
        "<w:p><w:r><w:t>机密☆10年</w:t></w:r></w:p><w:p><w:r><w:t>2026年3月5日</w:t></w:r></w:p>",
    );
    let html = "<p>机密☆10年</p><p>通知</p><p>2026年3月5日</p>";
    let dir = tree(&[
        ("a.html", html.as_bytes()),
        ("b.docx", &docx),
        ("c.md", "机密☆10年\n\n通知\n\n2026年3月5日\n".as_bytes()),
    ]);
    let (_, stdout, stderr) = run_in(
        dir.path(),
        &[
            "check",
            "--today",
            "2026-11-27",
            "--format",
            "concise",
            "--fix",
            ".",
        ],
    );
    // The Markdown file was fixed; the others still carry their (reported) malformed mark.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.md")).unwrap(),
        "机密★10年\n\n通知\n\n2026年3月5日\n",
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.html")).unwrap(),
        html
    );
    assert_eq!(std::fs::read(dir.path().join("b.docx")).unwrap(), docx);
    assert!(stdout.contains("a.html:1:1: ML001"), "{stdout}");
    assert!(stdout.contains("b.docx:1:1: ML001"), "{stdout}");
    assert!(!stdout.contains("c.md:1:1: ML001"), "{stdout}");
}

#[test]
fn inventory_errors_are_one_line_and_exit_2() {
    let dir = tree(&[("a.md", MARKED)]);
    for (args, needle) in [
        (
            vec!["inventory", "missing"],
            "missing: no such file or folder",
        ),
        (
            vec!["inventory", "--status", "secret", "."],
            "--status: unknown status `secret`",
        ),
        (vec!["inventory", "--format", "pdf", "."], "pdf"),
        (
            vec!["inventory", "-o", "no/such/folder/ledger.csv", "."],
            "ledger.csv",
        ),
        (vec!["inventory", "--today", "2026-13-01", "."], "--today"),
    ] {
        let (code, stdout, stderr) = run_in(dir.path(), &args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
    }
}

#[test]
fn completion_scripts_are_valid_shell() {
    for (shell, check) in [
        ("bash", vec!["bash", "-n"]),
        ("zsh", vec!["zsh", "-n"]),
        ("fish", vec!["fish", "--no-execute"]),
    ] {
        if Command::new(check[0]).arg("--version").output().is_err() {
            skip(&format!(
                "{shell} is not installed: its completion script is not checked"
            ));
            continue;
        }
        let (code, script, stderr) = run_in(&root(), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(script.contains("mark-lint"), "{shell}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("mark-lint.{shell}"));
        std::fs::write(&file, &script).unwrap();
        let out = Command::new(check[0])
            .args(&check[1..])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{shell} rejects its completion script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Each file is judged by its own config: a nested `.mark-lint.yaml` decides whether
/// its files' findings fail the run, and its regime judges their fixes.
#[test]
fn each_file_is_judged_by_its_own_config() {
    let misplaced = format!(
        "正文\n{}\n秘密★5年\n\n2026年3月5日\n",
        "段落。\n".repeat(10)
    );
    let regime = std::fs::read_to_string(root().join("rules/regime-cn.yaml"))
        .unwrap()
        .replace("机密", "甲密");
    let dir = tree(&[
        (".mark-lint.yaml", b"fail-on: error\n"),
        ("top.md", misplaced.as_bytes()),
        ("strict/.mark-lint.yaml", b"fail-on: warning\n"),
        ("lax/.mark-lint.yaml", b"fail-on: never\n"),
        (
            "lax/over.md",
            "秘密★15年\n\n通知\n\n2026年3月5日\n".as_bytes(),
        ),
        ("own/.mark-lint.yaml", b"regime: regime-x.yaml\n"),
        ("own/regime-x.yaml", regime.as_bytes()),
        ("own/a.md", "甲密☆5年\n\n通知\n\n2026年3月5日\n".as_bytes()),
    ]);
    let d = dir.path();
    // A warning at the top, an error under `fail-on: never`: nothing fails.
    let (code, stdout, stderr) = run_in(d, &concise(&["top.md", "lax"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ML002") && stdout.contains("ML101"),
        "{stdout}"
    );
    // The same warning in the strict folder fails the run.
    std::fs::write(d.join("strict/b.md"), &misplaced).unwrap();
    let (code, stdout, _) = run_in(d, &concise(&["."]));
    assert_eq!(code, 1, "{stdout}");
    std::fs::remove_file(d.join("strict/b.md")).unwrap();
    let (code, stdout, _) = run_in(d, &concise(&["top.md", "lax", "strict"]));
    assert_eq!(code, 0, "{stdout}");
    // The nested regime judges the fix of its own file.
    let (_, _, stderr) = run_in(d, &["check", "--today", "2026-11-27", "--fix", "."]);
    assert_eq!(
        std::fs::read_to_string(d.join("own/a.md")).unwrap(),
        "甲密★5年\n\n通知\n\n2026年3月5日\n",
        "{stderr}"
    );
}

/// Every bad key of every config is reported in one run, nested configs included.
#[test]
fn every_bad_key_of_every_config_is_reported() {
    let dir = tree(&[
        (
            ".mark-lint.yaml",
            b"fail-on: error\nterm-start: someday\nselect: [ML999]\n",
        ),
        ("a.md", b"# a\n"),
        (
            "sub/.mark-lint.yaml",
            b"authority: nowhere\ntoday: tomorrow\n",
        ),
        ("sub/b.md", b"# b\n"),
    ]);
    let (code, _, stderr) = run_in(dir.path(), &["check", "--format", "concise", "."]);
    assert_eq!(code, 2, "{stderr}");
    for key in ["term-start", "select", "authority", "today"] {
        let needle = format!("key `{key}`");
        assert_eq!(
            stderr.matches(&needle).count(),
            1,
            "{needle} once in {stderr}"
        );
    }
}
