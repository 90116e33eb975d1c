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
/// real markings; the law and the laws corpus give nothing.
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
    let lines: Vec<&str> = stdout.lines().collect();
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
