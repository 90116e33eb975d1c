//! Whole trees with their own `.mark-lint.yaml`: a classified archive (classified-paths,
//! publish-paths, keywords) and an ordinary repository (`system: unclassified`).

use super::*;

/// `check --format concise` on one fixture tree, rendered for a snapshot.
fn tree(path: &str) -> String {
    run(&concise(&[path]))
}

#[test]
fn classified_archive_tree() {
    snap!("tree_archive", tree("tests/fixtures/trees/archive"));
}

/// `term-start: 印发日期`: the same notice expires (成文日期) or is about to (印发日期).
#[test]
fn term_start_print_date() {
    snap!("tree_printdate", tree("tests/fixtures/trees/printdate"));
}

/// ML302: two copies of one 绝密 report share 份号 000001 (reported on both, naming
/// each other); a third copy numbered 000002 and another 绝密 document are fine.
#[test]
fn top_secret_copies() {
    snap!("tree_copies", tree("tests/fixtures/trees/copies"));
}

/// A nested `.mark-lint.yaml` applies below its folder: the outer tree ignores ML106,
/// its `ordinary/` subfolder is an unclassified share (ML301).
#[test]
fn nested_configs_apply_below_their_folder() {
    snap!("tree_nested", tree("tests/fixtures/trees/nested"));
    // Walking the parent of every tree gives exactly the union of the trees checked
    // one by one: each file is checked with its nearest config.
    let lines = |path: &str| {
        let (_, stdout, _) = run_in(&root(), &concise(&[path]));
        stdout.lines().map(str::to_string).collect::<Vec<_>>()
    };
    let mut each = Vec::new();
    for tree in ["archive", "copies", "nested", "printdate", "repo"] {
        each.extend(lines(&format!("tests/fixtures/trees/{tree}")));
    }
    each.sort();
    let mut all = lines("tests/fixtures/trees");
    all.sort();
    assert_eq!(all, each);
    assert!(all.len() >= 10, "{all:?}");
}

/// The two rules that are off by default, selected: 知悉范围 and 定密权限.
#[test]
fn off_by_default_rules_when_selected() {
    snap!(
        "tree_archive_ml204_ml205",
        run(&concise(&[
            "--select",
            "ML204,ML205",
            "tests/fixtures/trees/archive"
        ]))
    );
}

#[test]
fn unclassified_repository_tree() {
    snap!("tree_repo", tree("tests/fixtures/trees/repo"));
    // The same files, the mode from the command line instead of the config.
    snap!(
        "tree_examples_unclassified",
        run(&concise(&["--system", "unclassified", "examples"]))
    );
}

/// SOURCES.md: under `--system unclassified` the gongwen corpus flags exactly the three
/// real markings, and the exam paper's unreadable title font (an ML900 error here);
/// the law and the laws corpus give nothing.
#[test]
fn unclassified_mode_on_the_corpora() {
    let Some(shared) = shared() else { return };
    let corpus = |rel: &str| shared.join(rel).display().to_string();
    let args = |path: String| {
        let (code, stdout, stderr) =
            run_in(&root(), &concise(&["--system", "unclassified", &path]));
        assert!(stderr.is_empty(), "{stderr}");
        (code, stdout)
    };
    for quiet in ["law", "corpora/laws", "corpora/seed"] {
        let (code, stdout) = args(corpus(quiet));
        assert_eq!((code, stdout.as_str()), (0, ""), "{quiet}");
    }
    let (code, stdout) = args(corpus("corpora/gongwen"));
    assert_eq!(code, 1);
    let unread: Vec<&str> = stdout.lines().filter(|l| l.contains(" ML900 ")).collect();
    assert_eq!(unread.len(), 1, "{stdout}");
    assert!(
        unread[0].contains("firstpage.pdf:1:1: ML900 [error]")
            && unread[0].contains("STHeitiSC-Medium"),
        "{stdout}"
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.contains(" ML900 ")).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, (file, mark)) in lines.iter().zip([
        ("公文样例_standard.docx", "`秘密★1年`"),
        ("firstpage.pdf", "启用前`"),
        ("main.pdf", "★1年`"),
    ]) {
        assert!(
            line.contains(file) && line.contains(" ML301 ") && line.contains(mark),
            "{line}"
        );
    }
}

/// A tree the walk sends in many batches while nested configs are met mid-walk (each
/// compiles its rules while files are being checked): every file is checked once with
/// its nearest config, whatever the number of workers, and a path named twice is
/// checked once. Also: a nested config that fails, met after hundreds of files were
/// sent, stops the run with its error (exit 2), never a hang or a partial report.
#[test]
fn a_streamed_walk_checks_each_file_once_with_its_config() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // Files in the root and in three subfolders, a config in two of them.
    for (sub, config) in [
        ("", None),
        ("classified/", Some("ignore: [ML106]\n")),
        ("share/", Some("system: unclassified\n")),
        ("plain/", None),
    ] {
        if let Some(c) = config {
            files.push((format!("{sub}.mark-lint.yaml"), c.as_bytes().to_vec()));
        }
        for i in 0..300 {
            let text = match i % 3 {
                0 => format!("# 第{i}号\n\n机密★10年\n\n正文。\n"),
                1 => format!("# 说明{i}\n\n本文件讲保密制度。\n"),
                _ => format!("秘密★5年\n\n第{i}号通知\n\n2026年3月5日\n"),
            };
            files.push((format!("{sub}d{i:03}.md"), text.into_bytes()));
        }
    }
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = folder_of(&named);
    let sorted_lines = |args: &[&str]| {
        let (code, out, err) = run_in(dir.path(), &concise(args));
        assert_eq!(err, "", "{args:?}");
        let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
        lines.sort();
        (code, lines)
    };
    let mut each = Vec::new();
    for path in ["classified", "share", "plain"] {
        each.extend(sorted_lines(&[path]).1);
    }
    for path in (0..300).map(|i| format!("d{i:03}.md")) {
        each.extend(sorted_lines(&[path.as_str()]).1);
    }
    each.sort();
    // Each config judged its own files: the unclassified share flags every mark.
    assert!(each.iter().filter(|l| l.contains(" ML301 ")).count() >= 200);
    assert!(
        !each
            .iter()
            .any(|l| l.starts_with("classified/") && l.contains("ML106"))
    );
    for jobs in ["1", "2", "4"] {
        let (code, all) = sorted_lines(&["--jobs", jobs, "."]);
        assert_eq!(code, 1);
        assert!(
            all == each,
            "--jobs {jobs}: {} lines, {} one by one",
            all.len(),
            each.len()
        );
        // The same folder named again, inside and as itself: each file once.
        let (_, twice) = sorted_lines(&["--jobs", jobs, ".", "share", "./plain", "."]);
        assert!(
            twice == each,
            "--jobs {jobs}, paths named twice: {}",
            twice.len()
        );
    }
    // A broken nested config deep in the walk: the run stops with its error.
    std::fs::write(
        dir.path().join("plain/.mark-lint.yaml"),
        "authority: nowhere\n",
    )
    .unwrap();
    for jobs in ["1", "2"] {
        let (code, out, err) = run_in(dir.path(), &concise(&["--jobs", jobs, "."]));
        assert_eq!((code, out.as_str()), (2, ""), "--jobs {jobs}: {err}");
        assert!(
            err.contains("key `authority`") && err.lines().count() <= 3,
            "{err}"
        );
    }
}
