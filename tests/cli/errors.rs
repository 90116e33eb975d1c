//! Bad input: one-line causes, the right exit code, never a panic.
use super::*;

pub(crate) fn temp_tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

fn run_tmp(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_in(dir, args);
    assert!(!stderr.contains("panicked"), "{stderr}");
    format!("exit: {code}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}")
}

#[test]
fn missing_path() {
    snap!(
        "missing_path",
        run(&["check", "--today", "2026-11-27", "no/such/folder"])
    );
}

#[test]
fn malformed_config_unknown_key() {
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"lang: en\nfail_on: error\n"),
        ("a.md", b"x\n"),
    ]);
    snap!(
        "config_unknown_key",
        run_tmp(dir.path(), &["check", "--today", "2026-11-27"])
    );
}

#[test]
fn malformed_config_bad_value_and_unknown_rule() {
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"lang: en\nexpiring-within-days: soon\n"),
        ("a.md", b"x\n"),
    ]);
    snap!(
        "config_bad_value",
        run_tmp(dir.path(), &["check", "--today", "2026-11-27"])
    );
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"lang: en\nignore: [ML999]\n"),
        ("a.md", b"x\n"),
    ]);
    snap!(
        "config_unknown_rule",
        run_tmp(dir.path(), &["check", "--today", "2026-11-27"])
    );
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"today: 27/11/2026\n"),
        ("a.md", b"x\n"),
    ]);
    snap!("config_bad_today", run_tmp(dir.path(), &["check"]));
}

#[test]
fn bad_rule_files_are_all_reported() {
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"lang: en\nrules: [my-rules]\n"),
        ("my-rules/bad-regex.yaml", b"code: X-1\nname: bad-regex\nkind: pattern\nseverity: warning\nsummary: {zh: a, en: a}\narticle: {law: a, number: b, text: c}\nmessage: {zh: \"{match}\", en: \"{match}\"}\nparams: {pattern: \"(unclosed\"}\nexamples: {invalid: [x]}\n"),
        ("my-rules/dup.yaml", b"code: ML101\nname: dup\nkind: pattern\nseverity: warning\nsummary: {zh: a, en: a}\narticle: {law: a, number: b, text: c}\nmessage: {zh: \"{match}\", en: \"{match}\"}\nparams: {pattern: x}\nexamples: {invalid: [x]}\n"),
        ("my-rules/unknown-key.yaml", b"code: X-3\nname: unknown-key\nkind: pattern\ncolour: red\n"),
        ("my-rules/bad-severity.yaml", b"code: X-4\nname: bad-severity\nkind: pattern\nseverity: fatal\n"),
        ("a.md", b"x\n"),
    ]);
    snap!(
        "rule_file_errors",
        run_tmp(dir.path(), &["check", "--today", "2026-11-27"])
    );
}

#[test]
fn user_pattern_rule_runs() {
    let dir = temp_tree(&[
        (".mark-lint.yaml", b"lang: en\nrules: [\"rules/*.yaml\"]\n"),
        ("rules/code-name.yaml", "code: X-1\nname: code-name\nkind: pattern\nseverity: warning\nsummary: {zh: 代号, en: project code name}\narticle: {law: 中华人民共和国保守国家秘密法, number: 第十九条, text: 有条件的可以标注密点。}\nmessage: {zh: \"出现代号“{match}”\", en: \"code name `{match}` in an unmarked document\"}\nparams: {pattern: 天河工程, scope: body}\nexamples: {valid: [\"无\"], invalid: [\"天河工程\"]}\n".as_bytes()),
        ("doc.md", "# 周报\n\n天河工程进展顺利。\n".as_bytes()),
    ]);
    snap!(
        "user_pattern_rule",
        run_tmp(
            dir.path(),
            &["check", "--today", "2026-11-27", "--format", "concise"]
        )
    );
}

#[test]
fn unreadable_binary_and_too_large_files() {
    let dir = temp_tree(&[
        ("binary.txt", b"\x00\x01\x02\xff\xfe\x00garbage\x00"),
        ("report.docx", b"PK\x03\x04"),
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00"),
        ("ok.md", "秘密★5年\n\n2026年3月5日\n".as_bytes()),
    ]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("missing-target.md", dir.path().join("dangling.md")).unwrap();
    snap!(
        "unreadable_files",
        run_tmp(
            dir.path(),
            &[
                "check",
                "--today",
                "2026-11-27",
                "--lang",
                "en",
                "--format",
                "concise",
                // Without OCR an image is no document (it is counted in a note): the
                // same on every machine, Tesseract or not.
                "--ocr",
                "never"
            ]
        )
    );
    std::fs::write(
        dir.path().join(".mark-lint.yaml"),
        "max-file-size-mb: 0\nlang: en\n",
    )
    .unwrap();
    snap!(
        "too_large",
        run_tmp(
            dir.path(),
            &[
                "check",
                "--today",
                "2026-11-27",
                "--format",
                "concise",
                "ok.md"
            ]
        )
    );
}

#[test]
fn symlink_loops_are_reported_not_fatal() {
    let dir = temp_tree(&[("sub/a.md", "秘密★5年\n\n2026年3月5日\n".as_bytes())]);
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", dir.path().join("sub/loop")).unwrap();
    snap!(
        "symlink_loop",
        run_tmp(
            dir.path(),
            &[
                "check",
                "--today",
                "2026-11-27",
                "--lang",
                "en",
                "--format",
                "concise"
            ]
        )
    );
}

#[test]
fn ignore_files_and_exclude_apply_to_named_paths_too() {
    let dir = temp_tree(&[
        (".gitignore", b"ignored-by-git.md\n"),
        (".marklintignore", b"drafts/\n"),
        (".mark-lint.yaml", b"lang: en\nexclude: [\"build/**\"]\n"),
        ("ignored-by-git.md", "机密☆10年\n".as_bytes()),
        ("drafts/a.md", "机密☆10年\n".as_bytes()),
        ("build/b.md", "机密☆10年\n".as_bytes()),
        ("kept.md", "机密☆10年\n".as_bytes()),
    ]);
    let args = ["check", "--today", "2026-11-27", "--format", "concise"];
    snap!("ignored_walk", run_tmp(dir.path(), &args));
    let named = [
        &args[..],
        &["ignored-by-git.md", "drafts/a.md", "build/b.md", "kept.md"],
    ]
    .concat();
    snap!("ignored_named", run_tmp(dir.path(), &named));
}

#[test]
fn bad_arguments() {
    snap!(
        "bad_today_flag",
        run(&["check", "--today", "tomorrow", "examples"])
    );
    snap!(
        "unknown_select",
        run(&["check", "--select", "ML999", "examples"])
    );
    snap!("unknown_explain", run(&["explain", "ML999"]));
}
