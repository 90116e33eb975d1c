//! Every input that steers a run (configs, rule files, regimes, baselines, ignore files,
//! stdin) is bounded before it is read: a hostile one is a one-line error (exit 2) or an
//! ML900 finding, fast, never an abort, a hang or a run that reads the whole machine.
use super::errors::temp_tree as tree;
use super::*;

use std::time::{Duration, Instant};

/// Run in `dir`; the outcome, after checking it took less than `secs` and did not crash.
pub(crate) fn timed(dir: &Path, args: &[&str], secs: u64) -> (i32, String, String) {
    let started = Instant::now();
    let (code, out, err) = run_in(dir, args);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(secs),
        "{args:?} took {took:?}\n{err}"
    );
    assert!(
        (0..=2).contains(&code) && !err.contains("panicked"),
        "{args:?}: exit {code}\n{out}\n{err}"
    );
    (code, out, err)
}

/// A one-line failure naming `what`.
fn assert_one_line_error(outcome: &(i32, String, String), what: &str) {
    assert_error(outcome, what, 1);
}

/// A failure of at most `lines` lines (rule file errors list each error on its own
/// line) naming `what`.
fn assert_error(outcome: &(i32, String, String), what: &str, lines: usize) {
    let (code, out, err) = outcome;
    assert_eq!(*code, 2, "{out}\n{err}");
    assert!(err.lines().count() <= lines, "{err}");
    assert!(err.starts_with("mark-lint: error: "), "{err}");
    assert!(err.contains(what), "{what} not in {err}");
}

#[cfg(unix)]
pub(crate) fn mkfifo(p: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// The hostile forms of one input file: every way it can be too much to read.
#[cfg(unix)]
fn hostile_variants(dir: &Path, name: &str, limit: usize, deep: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, target) in ["/dev/zero", "/dev/urandom", "/dev/null", "/dev/tty"]
        .iter()
        .enumerate()
    {
        let link = format!("{i}-link-{name}");
        std::os::unix::fs::symlink(target, dir.join(&link)).unwrap();
        names.push(link);
    }
    let fifo = format!("fifo-{name}");
    mkfifo(&dir.join(&fifo));
    names.push(fifo);
    let big = format!("big-{name}");
    std::fs::write(dir.join(&big), "#".repeat(limit + 1)).unwrap();
    names.push(big);
    let nested = format!("deep-{name}");
    std::fs::write(dir.join(&nested), deep).unwrap();
    names.push(nested);
    std::fs::create_dir(dir.join(format!("dir-{name}"))).unwrap();
    names.push(format!("dir-{name}"));
    names
}

const MIB: usize = 1024 * 1024;

fn deep_yaml(key: &str) -> String {
    format!("{key}: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000))
}

#[cfg(unix)]
#[test]
fn configs_are_bounded() {
    let dir = tree(&[("a.md", "秘密★5年\n".as_bytes())]);
    let deep_map = format!("lang: {}1{}\n", "{a: ".repeat(50_000), "}".repeat(50_000));
    std::fs::write(dir.path().join("deep-map.yaml"), deep_map).unwrap();
    let mut names = hostile_variants(dir.path(), "c.yaml", MIB, &deep_yaml("lang"));
    names.push("deep-map.yaml".into());
    for name in &names {
        // Named with --config, and found in the tree.
        let outcome = timed(dir.path(), &["check", "--config", name, "a.md"], 10);
        assert_one_line_error(&outcome, name);
        std::fs::remove_file(dir.path().join(".mark-lint.yaml")).ok();
        #[cfg(unix)]
        std::os::unix::fs::symlink(name, dir.path().join(".mark-lint.yaml")).unwrap();
        let outcome = timed(dir.path(), &concise(&["a.md"]), 10);
        assert_one_line_error(&outcome, ".mark-lint.yaml");
    }
    // The messages say what was wrong.
    std::fs::remove_file(dir.path().join(".mark-lint.yaml")).ok();
    let say = |name: &str| run_in(dir.path(), &["check", "--config", name, "a.md"]).2;
    assert!(say("0-link-c.yaml").contains("not a regular file: a character device"));
    assert!(say("fifo-c.yaml").contains("not a regular file: a FIFO (named pipe)"));
    assert!(say("big-c.yaml").contains("over the limit of 1 MiB"));
    assert!(say("deep-c.yaml").contains("line 1: collections nested more than 64 deep"));
    assert!(say("dir-c.yaml").contains("not a regular file: a folder"));
}

#[cfg(unix)]
#[test]
fn rule_files_and_regimes_are_bounded() {
    let dir = tree(&[("a.md", "秘密★5年\n".as_bytes())]);
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let deep_rule = format!(
        "code: X-1\nname: x\nkind: pattern\nparams: {}1{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for name in hostile_variants(&rules, "r.yaml", MIB, &deep_rule) {
        if name.starts_with("dir-") {
            continue; // a folder of rules is read as a folder
        }
        let config = format!("lang: en\nrules: [\"rules/{name}\"]\n");
        std::fs::write(dir.path().join(".mark-lint.yaml"), config).unwrap();
        let outcome = timed(dir.path(), &concise(&["a.md"]), 10);
        assert_error(&outcome, &name, 2);
        let config = format!("lang: en\nregime: \"rules/{name}\"\n");
        std::fs::write(dir.path().join(".mark-lint.yaml"), config).unwrap();
        let outcome = timed(dir.path(), &concise(&["a.md"]), 10);
        assert_one_line_error(&outcome, &name);
    }
}

#[cfg(unix)]
#[test]
fn baselines_are_bounded() {
    let dir = tree(&[("a.md", "秘密★5年\n".as_bytes())]);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for name in hostile_variants(dir.path(), "b.json", 64 * MIB, &deep) {
        let outcome = timed(dir.path(), &concise(&["--baseline", &name, "a.md"]), 20);
        assert_one_line_error(&outcome, &name);
    }
    let (_, _, err) = run_in(dir.path(), &concise(&["--baseline", "deep-b.json", "a.md"]));
    assert!(
        err.contains("line 1: collections nested more than 64 deep"),
        "{err}"
    );
}

#[test]
fn stdin_is_bounded_by_the_file_size_limit() {
    let dir = tree(&[(".mark-lint.yaml", b"max-file-size-mb: 1\nlang: en\n")]);
    let run_stdin = |bytes: Vec<u8>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
            .args(concise(&["--stdin-filename", "in.md", "-"]))
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // The writer may see the pipe closed early: mark-lint stops reading at the bound.
        let writer = std::thread::spawn(move || {
            let _ = std::io::Write::write_all(&mut stdin, &bytes);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run_stdin("hello\n".repeat(10).into_bytes());
    assert_eq!((code, out.as_str()), (0, ""));
    for size in [MIB + 1, 3 * MIB, 50 * MIB] {
        let (code, out) = run_stdin(vec![b'a'; size]);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.starts_with(
                "in.md:1:1: ML900 [warning] file could not be inspected: a reading limit \
                 was reached (stdin is longer than the file size limit of 1 MiB)"
            ),
            "{out}"
        );
    }
}

#[test]
fn discovered_configs_name_rule_files_only_inside_their_folder() {
    let outer = tree(&[
        ("elsewhere/r.yaml", b"not: [a rule"),
        ("elsewhere/regime.yaml", b"secret: data\n"),
        ("repo/a.md", "秘密★5年\n".as_bytes()),
        ("repo/inner/rules/README.txt", b""),
    ]);
    let repo = outer.path().join("repo");
    #[cfg(unix)]
    std::os::unix::fs::symlink("../elsewhere", repo.join("link")).unwrap();
    let abs = outer.path().join("elsewhere").display().to_string();
    let cases = [
        "rules: [\"/\"]".to_string(),
        format!("rules: [\"{abs}\"]"),
        format!("rules: [\"{abs}/r.yaml\"]"),
        "rules: [\"../elsewhere\"]".to_string(),
        "rules: [\"../elsewhere/r.yaml\"]".to_string(),
        "rules: [\"inner/../../elsewhere/r.yaml\"]".to_string(),
        #[cfg(unix)]
        "rules: [\"link\"]".to_string(),
        #[cfg(unix)]
        "rules: [\"link/r.yaml\"]".to_string(),
        "regime: \"../elsewhere/regime.yaml\"".to_string(),
        "regime: /etc/passwd".to_string(),
    ];
    for case in &cases {
        std::fs::write(repo.join(".mark-lint.yaml"), format!("lang: en\n{case}\n")).unwrap();
        let outcome = timed(&repo, &concise(&["a.md"]), 10);
        assert_one_line_error(&outcome, "is outside the folder of this config");
        // Nothing of the foreign file is quoted.
        assert!(
            !outcome.2.contains("secret") && !outcome.2.contains("root:"),
            "{}",
            outcome.2
        );
        // Named with --config, the user chose it: the same entries are followed.
        let (_, _, err) = run_in(&repo, &concise(&["--config", ".mark-lint.yaml", "a.md"]));
        assert!(!err.contains("outside the folder"), "{case}: {err}");
    }
    // A config nested in a walked folder is found in the tree too.
    std::fs::write(repo.join(".mark-lint.yaml"), "lang: en\n").unwrap();
    std::fs::write(
        repo.join("inner/.mark-lint.yaml"),
        "rules: [\"../../elsewhere\"]\n",
    )
    .unwrap();
    std::fs::write(repo.join("inner/b.md"), "秘密★5年\n").unwrap();
    assert_error(
        &timed(&repo, &concise(&[]), 10),
        "is outside the folder of this config",
        1,
    );
    // Inside its folder is fine.
    std::fs::write(repo.join("inner/.mark-lint.yaml"), "rules: [\"rules\"]\n").unwrap();
    let (code, _, err) = run_in(&repo, &concise(&[]));
    assert_ne!(code, 2, "{err}");
}

/// Special files are never read and never skipped silently: ML900 whether met in the
/// walk or named, and the run never blocks on a FIFO nobody writes to.
#[cfg(unix)]
#[test]
fn special_files_are_reported_never_read() {
    let dir = tree(&[("a.md", "秘密★5年\n\n2026年3月5日\n".as_bytes())]);
    let d = dir.path();
    mkfifo(&d.join("pipe.md"));
    mkfifo(&d.join("pipe-no-extension"));
    std::fs::create_dir(d.join("sub")).unwrap();
    mkfifo(&d.join("sub/deeper.txt"));
    for (name, target) in [
        ("zero.txt", "/dev/zero"),
        ("rand.md", "/dev/urandom"),
        ("null.md", "/dev/null"),
    ] {
        std::os::unix::fs::symlink(target, d.join(name)).unwrap();
    }
    let socket = std::os::unix::net::UnixListener::bind(d.join("sock.md")).unwrap();
    let (code, out, err) = timed(d, &concise(&["--lang", "en"]), 10);
    assert_eq!(code, 0, "{err}");
    let reported: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("ML900"))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(
        reported,
        [
            "null.md",
            "pipe-no-extension",
            "pipe.md",
            "rand.md",
            "sock.md",
            "sub/deeper.txt",
            "zero.txt"
        ],
        "{out}"
    );
    assert!(out.contains("pipe.md:1:1: ML900 [warning] file could not be inspected: read error (not a regular file: a FIFO (named pipe))"), "{out}");
    assert!(out.contains("zero.txt:1:1: ML900 [warning] file could not be inspected: read error (not a regular file: a character device)"), "{out}");
    assert!(out.contains("sock.md:1:1: ML900 [warning] file could not be inspected: read error (not a regular file: a socket)"), "{out}");
    // Named on the command line, and under `system: unclassified` (an error).
    for name in ["pipe.md", "pipe-no-extension", "zero.txt", "sock.md"] {
        let (code, out, _) = timed(d, &concise(&["--system", "unclassified", name]), 10);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.starts_with(&format!("{name}:1:1: ML900 [error]")),
            "{out}"
        );
    }
    drop(socket);
}

/// A FIFO swapped in for a file after the walk: the reader opens it without waiting for
/// a writer and reports it.
#[cfg(unix)]
#[test]
fn a_fifo_swapped_in_is_not_waited_for() {
    let dir = tree(&[]);
    let p = dir.path().join("swapped.md");
    mkfifo(&p);
    let (tx, rx) = std::sync::mpsc::channel();
    let path = p.clone();
    std::thread::spawn(move || {
        let limits = mark_lint::extract::Limits::new(1 << 20);
        // The walk saw a regular file; `extract` opens whatever is there now.
        let r = mark_lint::extract::extract(&path, &limits).map(|_| ());
        tx.send(r).unwrap();
    });
    let r = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("extract returned without blocking");
    assert_eq!(
        r,
        Err(mark_lint::extract::ExtractError::Io(
            "not a regular file: a FIFO (named pipe)".into()
        ))
    );
}
