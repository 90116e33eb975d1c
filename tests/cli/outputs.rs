//! Reports, ledgers and baselines are written only where the user meant: never through
//! a symbolic link planted in the checked tree, never to a device or FIFO, never over a
//! file that was checked. Each refusal is one line, exit 2, before anything is written.
use super::bounds::{mkfifo, timed};
use super::errors::temp_tree as tree;
use super::*;

const DOC: &str = "机密☆10年\n\n正文。\n\n2026年3月5日\n";

/// The three ways to write a file, with `target` as the file.
fn writers(target: &str) -> Vec<Vec<String>> {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let base = ["--today", "2026-11-27", "--lang", "en"];
    vec![
        [
            &["check"][..],
            &base,
            &["--output", &format!("json={target}"), "."],
        ]
        .concat(),
        [
            &["check"][..],
            &base,
            &[
                "--output",
                &format!("sarif={target}"),
                "--format",
                "concise",
                ".",
            ],
        ]
        .concat(),
        [&["check"][..], &base, &["--write-baseline", target, "."]].concat(),
        [&["inventory"][..], &base, &["-o", target, "."]].concat(),
    ]
    .into_iter()
    .map(|v| own(&v))
    .collect()
}

fn run_writer(dir: &Path, args: &[String]) -> (i32, String, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    timed(dir, &args, 20)
}

#[cfg(unix)]
#[test]
fn hostile_targets_are_refused_and_left_alone() {
    let outer = tree(&[
        ("secret.txt", b"keep me\n"),
        ("repo/doc.md", DOC.as_bytes()),
        ("repo/notes.txt", b"plain notes\n"),
    ]);
    let repo = outer.path().join("repo");
    let secret = outer.path().join("secret.txt");
    std::os::unix::fs::symlink(&secret, repo.join("planted.json")).unwrap();
    std::os::unix::fs::symlink("../secret.txt", repo.join("relative.json")).unwrap();
    std::os::unix::fs::symlink(outer.path(), repo.join("linkdir")).unwrap();
    std::os::unix::fs::symlink("/dev/null", repo.join("null.json")).unwrap();
    std::fs::create_dir(repo.join("folder.json")).unwrap();
    std::fs::create_dir(repo.join("sub")).unwrap();
    mkfifo(&repo.join("fifo.json"));
    std::fs::hard_link(repo.join("notes.txt"), repo.join("hard.json")).unwrap();
    let cases = [
        (
            "planted.json",
            "is a symbolic link inside the checked folder",
        ),
        (
            "relative.json",
            "is a symbolic link inside the checked folder",
        ),
        (
            "linkdir/secret.txt",
            "is a symbolic link inside the checked folder",
        ),
        (
            "linkdir/new.json",
            "is a symbolic link inside the checked folder",
        ),
        ("null.json", "is a symbolic link inside the checked folder"),
        ("/dev/null", "not a regular file (a character device)"),
        ("folder.json", "not a regular file (a folder)"),
        ("fifo.json", "not a regular file (a FIFO (named pipe))"),
        ("doc.md", "it is one of the files checked"),
        ("notes.txt", "it is one of the files checked"),
        ("./sub/../doc.md", "it is one of the files checked"),
        ("hard.json", "it is one of the files checked"),
    ];
    for (target, why) in cases {
        for args in writers(target) {
            let (code, out, err) = run_writer(&repo, &args);
            assert_eq!(code, 2, "{args:?}\n{out}\n{err}");
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
            assert!(err.contains(why), "{args:?}: {err}");
            assert!(err.contains(&format!("{target}: cannot write")), "{err}");
            assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep me\n");
            assert_eq!(std::fs::read_to_string(repo.join("doc.md")).unwrap(), DOC);
            assert_eq!(
                std::fs::read_to_string(repo.join("notes.txt")).unwrap(),
                "plain notes\n"
            );
            assert!(!outer.path().join("new.json").exists());
        }
    }
    // Nothing is fixed when a report cannot be written.
    let (code, _, _) = run_in(
        &repo,
        &concise(&["--fix", "--output", "json=planted.json", "."]),
    );
    assert_eq!(code, 2);
    assert_eq!(std::fs::read_to_string(repo.join("doc.md")).unwrap(), DOC);
}

#[cfg(unix)]
#[test]
fn what_the_user_names_is_written() {
    let outer = tree(&[("repo/doc.md", DOC.as_bytes()), ("reports/.keep", b"")]);
    let repo = outer.path().join("repo");
    let reports = outer.path().join("reports");
    // A link the user keeps outside the checked tree, named explicitly: written through.
    std::os::unix::fs::symlink(reports.join("real.json"), outer.path().join("latest.json"))
        .unwrap();
    for (i, args) in writers("../latest.json").iter().enumerate() {
        std::fs::write(reports.join("real.json"), "old").unwrap();
        let (code, _, err) = run_writer(&repo, args);
        assert!(code < 2, "{args:?}: {err}");
        let written = std::fs::read_to_string(reports.join("real.json")).unwrap();
        assert!(written.len() > 10, "{i}: {written}");
        assert!(
            std::fs::symlink_metadata(outer.path().join("latest.json"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    // A new file inside the tree, an old report inside the tree that is excluded from
    // the check, and a file elsewhere are written.
    std::fs::write(repo.join(".marklintignore"), "old.json\n").unwrap();
    std::fs::write(repo.join("old.json"), "previous report").unwrap();
    for target in ["new.json", "old.json", "../reports/out.json"] {
        for args in writers(target) {
            std::fs::remove_file(repo.join(target)).ok();
            let (code, _, err) = run_writer(&repo, &args);
            assert!(code < 2, "{args:?}: {err}");
            assert!(repo.join(target).is_file(), "{args:?}");
        }
    }
}

/// Running the same command again rewrites its own report, ledger or baseline left in
/// the checked folder: what mark-lint wrote is recognised by its content and is not a
/// document to protect. A document named as the target is still refused.
#[test]
fn a_second_run_rewrites_its_own_reports() {
    let dir = tree(&[("a.md", DOC.as_bytes())]);
    let d = dir.path();
    let runs: [&[&str]; 4] = [
        &[
            "check",
            "--today",
            "2026-11-27",
            "--output",
            "json=r.json",
            "--output",
            "sarif=r.sarif",
            "--output",
            "junit=r.xml",
            ".",
        ],
        &[
            "check",
            "--today",
            "2026-11-27",
            "--write-baseline",
            "b.json",
            ".",
        ],
        &[
            "inventory",
            "--today",
            "2026-11-27",
            "--format",
            "csv",
            "-o",
            "l.csv",
            ".",
        ],
        &[
            "inventory",
            "--today",
            "2026-11-27",
            "--format",
            "html",
            "-o",
            "l.html",
            ".",
        ],
    ];
    for args in runs {
        for round in 0..2 {
            let (code, _, err) = run_in(d, args);
            assert!(code != 2, "round {round} of {args:?}: {err}");
        }
    }
    for lang in ["zh", "en"] {
        let args = [
            "inventory",
            "--today",
            "2026-11-27",
            "--lang",
            lang,
            "--format",
            "csv",
            "-o",
            "l.csv",
            ".",
        ];
        let (code, _, err) = run_in(d, &args);
        assert_eq!(code, 0, "{lang}: {err}");
    }
    let before = std::fs::read(d.join("a.md")).unwrap();
    let (code, _, err) = run_in(
        d,
        &[
            "check",
            "--today",
            "2026-11-27",
            "--output",
            "json=a.md",
            ".",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("one of the files checked"), "{err}");
    assert_eq!(std::fs::read(d.join("a.md")).unwrap(), before);
}
