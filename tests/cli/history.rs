//! ML108 unmarked-change in real git repositories made here: `--diff-base REV` and
//! `--staged` compare each changed file with its version at the base revision, read
//! from git objects (renames followed), in every readable format. Without git the tests
//! print SKIPPED (and fail under CI, where `.ci/run` installs git).

use std::process::Output;

use super::*;

const TODAY: &str = "2026-11-27";

/// A notice marked `mark`, long enough that git's rename detection (50% similar) still
/// pairs it with itself when one line changes.
fn notice(mark: &str) -> String {
    let body = "各单位：\n\n请按照会议要求，做好相关准备工作，按时报送材料。\n\n\
                一、工作安排按计划进行。\n\n二、材料统一报送办公室。\n\n\
                三、有关事项另行通知。\n\n";
    format!("{mark}\n\n# 关于某项工作的通知\n\n{body}2026年3月5日\n")
}

/// A Word document whose body is `paragraphs`.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs.iter().map(|p| para(p)).collect();
    mark_lint::extract::ooxml::docx_from_body(&body)
}

/// A throw-away git repository with its own empty git config; every command run in it
/// (git and mark-lint) sees none of the caller's git environment.
struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    /// `None` (and a SKIPPED message; a failure under CI) when git is not installed.
    fn new() -> Option<Repo> {
        let git = Command::new("git").arg("--version").output();
        if !git.is_ok_and(|o| o.status.success()) {
            skip("git is not installed");
            return None;
        }
        let repo = Repo {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        std::fs::write(repo.home.path().join("gitconfig"), "").unwrap();
        repo.git(&["init", "-q", "-b", "main"]);
        Some(repo)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path()).env("RUST_BACKTRACE", "0");
        isolate_git(&mut cmd, self.home.path());
        cmd
    }

    #[track_caller]
    fn git(&self, args: &[&str]) -> String {
        let out = self.command("git").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(&self, path: &str, content: &[u8]) {
        let p = self.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// mark-lint with `args`, in the repository.
    fn lint(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_mark-lint"))
            .args(args)
            .output()
            .unwrap()
    }

    /// `check --today TODAY` with `args`: exit code and stdout (stderr shown on an
    /// unexpected exit code).
    #[track_caller]
    fn check(&self, args: &[&str], code: i32) -> String {
        let mut all = vec!["check", "--today", TODAY];
        all.extend_from_slice(args);
        let out = self.lint(&all);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{all:?}\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

/// The repository of the main scenario: branch `base` holds the first version of every
/// file, `main` the second, committed.
fn scenario() -> Option<Repo> {
    let repo = Repo::new()?;
    let files: [(&str, Vec<u8>); 10] = [
        ("edit.md", notice("机密★10年").into_bytes()),
        ("lower.md", notice("机密★10年").into_bytes()),
        ("shorten.md", notice("000001\n机密★10年").into_bytes()),
        ("removed.md", notice("秘密★5年").into_bytes()),
        ("raise.md", notice("秘密★5年").into_bytes()),
        ("changed.md", notice("机密★10年").into_bytes()),
        ("old/旧方案.md", notice("机密★10年").into_bytes()),
        (
            "方案.docx",
            docx(&["机密★10年", "关于某项工作的方案", "2026年3月5日"]),
        ),
        (
            "deleted.md",
            "绝密★30年\n\n会议纪要\n\n2026年3月5日\n"
                .as_bytes()
                .to_vec(),
        ),
        ("plain.md", b"# README\n\nNo marks here.\n".to_vec()),
    ];
    for (name, bytes) in &files {
        repo.write(name, bytes);
    }
    repo.commit_all("base");
    repo.git(&["branch", "base"]);
    let edited = notice("机密★10年").replace("按时报送材料", "于月底前报送材料");
    repo.write("edit.md", edited.as_bytes());
    repo.write("lower.md", notice("秘密★10年").as_bytes());
    repo.write("shorten.md", notice("000001\n机密★5年").as_bytes());
    repo.write("removed.md", notice("").as_bytes());
    repo.write("raise.md", notice("机密★10年").as_bytes());
    let change = notice("机密★10年\n变更为：秘密★5年");
    repo.write("changed.md", change.as_bytes());
    repo.git(&["mv", "old/旧方案.md", "新方案.md"]);
    repo.write("新方案.md", notice("秘密★10年").as_bytes());
    repo.write(
        "方案.docx",
        &docx(&["秘密★10年", "关于某项工作的方案", "2026年3月5日"]),
    );
    repo.git(&["rm", "-q", "deleted.md"]);
    // Unlike anything deleted: git's rename detection would pair a similar file with
    // the deleted one (a rename, followed like any other).
    repo.write(
        "added.md",
        "秘密★5年\n\n工作简报\n\n2026年3月6日\n".as_bytes(),
    );
    repo.write("plain.md", b"# README\n\nStill no marks.\n");
    repo.commit_all("changes");
    Some(repo)
}

/// The findings of ML108 in a JSON report: (path, line, severity).
fn ml108(json: &str) -> Vec<(String, u64, String)> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "ML108")
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Lower, shorten, remove: errors at the new mark (line 1 when it is gone); a raise is a
/// warning; an edit that keeps the mark, a change mark, an added file and a deleted
/// file give nothing; a rename is followed; a Word document is read from git objects.
#[test]
fn diff_base_reports_unmarked_changes_at_the_new_mark() {
    let Some(repo) = scenario() else { return };
    let json = repo.check(&["--diff-base", "base", "--format", "json"], 1);
    let e = |p: &str, l: u64| (p.to_string(), l, "error".to_string());
    assert_eq!(
        ml108(&json),
        vec![
            e("lower.md", 1),
            ("raise.md".to_string(), 1, "warning".to_string()),
            e("removed.md", 1),
            e("shorten.md", 2),
            e("新方案.md", 1),
            e("方案.docx", 1),
        ]
    );
    snap!("history_diff_base_json", json);
    // The same tree without a base: no ML108 at all.
    let plain = repo.check(&["--format", "json"], 0);
    assert!(ml108(&plain).is_empty(), "{plain}");
    // Named paths: only those are checked, against the base all the same.
    let named = repo.check(&["--diff-base", "base", "--format", "json", "lower.md"], 1);
    assert_eq!(ml108(&named), vec![e("lower.md", 1)]);
}

#[test]
fn diff_base_human_output_in_both_languages() {
    let Some(repo) = scenario() else { return };
    let args = ["--diff-base", "base", "--select", "ML108"];
    let en = repo.check(&[&args[..], &["--lang", "en"]].concat(), 1);
    let zh = repo.check(&[&args[..], &["--lang", "zh"]].concat(), 1);
    snap!("history_diff_base_en", en);
    snap!("history_diff_base_zh", zh);
    assert!(zh.contains("原版本“base:old/旧方案.md”"), "{zh}");
}

/// SARIF and GitHub annotations point at the new version's mark.
#[test]
fn sarif_and_github_point_at_the_new_line() {
    let Some(repo) = scenario() else { return };
    let sarif = repo.check(
        &[
            "--diff-base",
            "base",
            "--select",
            "ML108",
            "--format",
            "sarif",
        ],
        1,
    );
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let at = |file: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == "ML108"
                    && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == file
            })
            .map(|r| {
                let region = &r["locations"][0]["physicalLocation"]["region"];
                (region["startLine"].as_u64(), r["level"].as_str())
            })
    };
    assert_eq!(at("shorten.md"), Some((Some(2), Some("error"))), "{sarif}");
    assert_eq!(at("raise.md"), Some((Some(1), Some("warning"))), "{sarif}");
    assert_eq!(results.len(), 6, "{sarif}");
    let github = repo.check(
        &[
            "--diff-base",
            "base",
            "--select",
            "ML108",
            "--format",
            "github",
        ],
        1,
    );
    let lines: Vec<&str> = github.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(lines.len(), 6, "{github}");
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("::error file=shorten.md,line=2,col=1,title=ML108 unmarked-change::")),
        "{github}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l
                .starts_with("::warning file=raise.md,line=1,col=1,title=ML108 unmarked-change::")),
        "{github}"
    );
}

/// An unknown revision is a one-line error and exit 2, as is a folder outside git.
#[test]
fn an_unknown_revision_exits_2() {
    let Some(repo) = scenario() else { return };
    for rev in ["no-such-branch", "-x", "base~99"] {
        let out = repo.lint(&["check", &format!("--diff-base={rev}")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{rev}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("unknown revision"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

/// Uncommitted changes are compared too (the working tree against REV), and a path
/// named from a subfolder finds its base.
#[test]
fn the_working_tree_is_compared_from_any_folder() {
    let Some(repo) = Repo::new() else { return };
    repo.write("docs/a.md", notice("机密★10年").as_bytes());
    repo.commit_all("base");
    repo.write("docs/a.md", notice("秘密★10年").as_bytes());
    let out = repo
        .command(env!("CARGO_BIN_EXE_mark-lint"))
        .current_dir(repo.path().join("docs"))
        .args(["check", "--today", TODAY, "--diff-base", "HEAD"])
        .args(["--format", "json", "a.md"])
        .output()
        .unwrap();
    let json = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        ml108(&json),
        vec![("a.md".to_string(), 1, "error".to_string())]
    );
    assert!(json.contains("HEAD:docs/a.md"), "{json}");
}

/// A base version that cannot be read is ML900 naming it (fail closed), never silence;
/// under `--system unclassified` ML108 is off (ML301 reports every mark).
#[test]
fn an_unreadable_base_is_ml900_and_unclassified_systems_skip_ml108() {
    let Some(repo) = Repo::new() else { return };
    repo.write(".mark-lint.yaml", b"max-file-size-mb: 1\n");
    let big = notice("机密★10年") + &"正文。\n".repeat(200_000);
    repo.write("big.md", big.as_bytes());
    repo.write("lower.md", notice("机密★10年").as_bytes());
    // Read only in part and no mark seen: the mark may be in what was not read.
    let mut gap = notice("").into_bytes();
    gap.splice(33..33, *b"\xff\xfe\xff\xfe\x80\x80");
    repo.write("gap.md", &gap);
    repo.commit_all("base");
    repo.write("big.md", notice("秘密★10年").as_bytes());
    repo.write("lower.md", notice("秘密★10年").as_bytes());
    repo.write("gap.md", notice("").as_bytes());
    let json = repo.check(&["--diff-base", "HEAD", "--format", "json"], 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ml900: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "ML900")
        .map(|d| (d["path"].as_str().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(ml900.len(), 2, "{json}");
    let (path, message) = ml900[0];
    assert_eq!(path, "big.md");
    assert!(
        message.contains("`HEAD:big.md`") && message.contains("size limit"),
        "{message}"
    );
    let (path, message) = ml900[1];
    assert_eq!(path, "gap.md");
    assert!(
        message.contains("`HEAD:gap.md`") && message.contains("partly undecodable"),
        "{message}"
    );
    assert_eq!(
        ml108(&json),
        vec![("lower.md".to_string(), 1, "error".to_string())]
    );
    let json = repo.check(
        &[
            "--diff-base",
            "HEAD",
            "--system",
            "unclassified",
            "--format",
            "json",
        ],
        1,
    );
    assert!(ml108(&json).is_empty(), "{json}");
    assert!(json.contains("\"ML301\""), "{json}");
    // Nor is a base read where ML108 does not run: no ML900 about one.
    assert!(!json.contains("HEAD:"), "{json}");
    let json = repo.check(
        &[
            "--diff-base",
            "HEAD",
            "--ignore",
            "ML108",
            "--format",
            "json",
        ],
        0,
    );
    assert!(!json.contains("HEAD:") && !json.contains("ML108"), "{json}");
}

/// `--staged` in a real git pre-commit hook: a staged lowering blocks the commit (the
/// working tree does not count), a change mark lets it through, a rename is followed.
#[test]
fn staged_in_a_pre_commit_hook() {
    let Some(repo) = Repo::new() else { return };
    let bin = env!("CARGO_BIN_EXE_mark-lint");
    let hook = format!("#!/bin/sh\nexec '{bin}' check --staged --today {TODAY} --format concise\n");
    repo.write(".git/hooks/pre-commit", hook.as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = repo.path().join(".git/hooks/pre-commit");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // The first commit has no base: every file is added.
    repo.write("a.md", notice("机密★10年").as_bytes());
    repo.write("b.md", notice("机密★10年").as_bytes());
    repo.commit_all("first");
    let commit = |message: &str| {
        let out = repo
            .command("git")
            .args(["commit", "-q", "-m", message])
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    };
    // Lowered in the index, not in the working tree: the hook sees the index.
    repo.write("a.md", notice("秘密★10年").as_bytes());
    repo.git(&["add", "a.md"]);
    repo.write("a.md", notice("机密★10年").as_bytes());
    let (ok, out) = commit("lower a");
    assert!(!ok, "{out}");
    assert!(
        out.contains("a.md:1:1: ML108 [error]") && out.contains("HEAD:a.md"),
        "{out}"
    );
    // With a change mark the commit goes through.
    repo.write("a.md", notice("机密★10年\n变更为：秘密★5年").as_bytes());
    repo.git(&["add", "a.md"]);
    let (ok, out) = commit("change a");
    assert!(ok, "{out}");
    // A rename with a lowered mark is followed to its old name.
    repo.git(&["mv", "b.md", "c.md"]);
    repo.write("c.md", notice("秘密★10年").as_bytes());
    repo.git(&["add", "c.md"]);
    let (ok, out) = commit("rename b");
    assert!(!ok, "{out}");
    assert!(
        out.contains("c.md:1:1: ML108 [error]") && out.contains("HEAD:b.md"),
        "{out}"
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");
}

/// Every readable format is compared from git objects: a PDF, an OFD and a Word 97
/// document each lowered (found at the new mark's page or part and line), and an
/// encrypted PDF at the base, which cannot be read: ML900 naming it, no guess.
#[test]
fn every_format_is_read_from_git_objects() {
    let Some(repo) = Repo::new() else { return };
    let fixture =
        |name: &str| std::fs::read(root().join("tests/fixtures/office").join(name)).unwrap();
    let files = [
        ("报告.pdf", "pdf/header.pdf", "pdf/page1.pdf"),
        ("公文.ofd", "ofd/template.ofd", "ofd/page.ofd"),
        ("纪要.doc", "legacy/header.doc", "legacy/body.doc"),
        ("加密.pdf", "pdf/encrypted.pdf", "pdf/page1.pdf"),
    ];
    for (name, before, _) in files {
        repo.write(name, &fixture(before));
    }
    repo.commit_all("base");
    for (name, _, after) in files {
        repo.write(name, &fixture(after));
    }
    let json = repo.check(&["--diff-base", "HEAD", "--format", "json"], 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let found: Vec<(String, String, u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "ML108" || d["message"].as_str().unwrap().contains("HEAD:"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["part"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, l: u64, p: &str| (a.to_string(), b.to_string(), l, p.to_string());
    assert_eq!(
        found,
        vec![
            s("ML108", "公文.ofd", 2, "page 1"),
            s("ML900", "加密.pdf", 1, ""),
            s("ML108", "报告.pdf", 2, "page 1"),
            s("ML108", "纪要.doc", 2, "main text"),
        ],
        "{json}"
    );
    assert!(
        json.contains("`HEAD:加密.pdf` could not be read: encrypted"),
        "{json}"
    );
}

/// `--no-snippets`: an ML108 message carries the marks in their canonical form only (a
/// 解密条件 is `…`), never the document's words.
#[test]
fn no_snippets_leaves_conditions_out() {
    let Some(repo) = Repo::new() else { return };
    repo.write("试卷.md", notice("绝密★启用前").as_bytes());
    repo.commit_all("base");
    repo.write("试卷.md", notice("绝密★考试结束后").as_bytes());
    let json = repo.check(
        &["--diff-base", "HEAD", "--no-snippets", "--format", "json"],
        0,
    );
    assert_eq!(
        ml108(&json),
        vec![("试卷.md".to_string(), 1, "warning".to_string())]
    );
    assert!(
        json.contains("`绝密★…` in the earlier version `HEAD:试卷.md` to `绝密★…`"),
        "{json}"
    );
    assert!(
        !json.contains("启用前") && !json.contains("考试结束后"),
        "{json}"
    );
}
