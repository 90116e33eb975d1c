//! The cache of facts (`--cache DIR`): a cached run's output is the uncached run's in
//! every format, cold and warm; an entry is used only for its file, content, settings
//! and version, and a damaged one is written again, never trusted; no entry holds the
//! documents' text; `--today` is applied to the facts on every run; `cache clean`.
//! And sharding (`--shard I/N`): the shards' findings together are one whole run's.

use std::path::{Path, PathBuf};

use super::*;

const TODAY: &str = "2026-11-27";

fn notice(mark: &str, title: &str) -> String {
    format!("{mark}\n{title}\n正文。\n2024年3月5日\n")
}

/// A tree of several formats: clean, expired, malformed, indefinite, unmarked, an
/// archive carrying documents, an image (not read: `--ocr never`), a broken docx.
fn tree() -> tempfile::TempDir {
    let word = |paras: &[&str]| docx(paras);
    let files: Vec<(String, Vec<u8>)> = vec![
        (
            "通知/a.txt".into(),
            notice("机密★10年", "关于甲的通知").into(),
        ),
        ("b.txt".into(), notice("秘密★1年", "关于乙的通知").into()),
        ("c.txt".into(), "没有标志的文件。\n".into()),
        ("d.md".into(), notice("绝密★长期", "关于丁的通知").into()),
        (
            "e.html".into(),
            "<html><body><p>机密★5年</p><p>关于戊的通知</p><p>2024年3月5日</p></body></html>"
                .into(),
        ),
        (
            "f.docx".into(),
            word(&["机密★10年", "关于己的通知", "正文。", "2024年3月5日"]),
        ),
        (
            "g.docx".into(),
            word(&["机密*10年", "关于庚的通知", "2024年3月5日"]),
        ),
        (
            "bundle.zip".into(),
            zip_of(&[
                ("h.txt", notice("秘密★1年", "关于辛的通知").as_bytes()),
                (
                    "i.docx",
                    &word(&["秘密★5年", "关于壬的通知", "2024年3月5日"]),
                ),
            ]),
        ),
        (
            "photo.png".into(),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        ),
        (
            "broken.docx".into(),
            b"PK\x03\x04 not a zip at all".to_vec(),
        ),
    ];
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    folder_of(&refs)
}

/// `check` in `dir` with `extra`: (exit code, stdout, stderr).
fn check(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["check", "--today", TODAY, "--ocr", "never"];
    args.extend_from_slice(extra);
    run_in(dir, &args)
}

/// The facts entries of the cache at `cache` (not its `.gitignore` and tag, nor the
/// stamp entries: `stamps`).
fn entries(cache: &Path) -> Vec<PathBuf> {
    entries_in(cache, |sub| sub.file_name() != "stamps")
}

/// The stamp entries of the cache at `cache`.
fn stamps(cache: &Path) -> Vec<PathBuf> {
    let at = cache.join("stamps");
    if !at.exists() {
        return Vec::new();
    }
    entries_in(&at, |_| true)
}

/// Every file in the cache at `cache`, at any depth.
fn every_file(cache: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![cache.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for e in std::fs::read_dir(folder).unwrap().flatten() {
            if e.path().is_dir() {
                folders.push(e.path());
            } else {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found
}

/// The files two levels down in `cache`, under the first-level folders `keep` keeps.
fn entries_in(cache: &Path, keep: impl Fn(&std::fs::DirEntry) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for sub in std::fs::read_dir(cache).unwrap().flatten() {
        if sub.path().is_dir() && keep(&sub) {
            found.extend(
                std::fs::read_dir(sub.path())
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        }
    }
    found.sort();
    found
}

/// The entry of the one plain document (not an archive) whose facts contain `needle`.
fn entry_with(cache: &Path, needle: &str) -> PathBuf {
    let found: Vec<PathBuf> = entries(cache)
        .into_iter()
        .filter(|e| {
            let text = std::fs::read_to_string(e).unwrap();
            text.contains(needle) && !text.contains("\"archive\":true")
        })
        .collect();
    assert_eq!(found.len(), 1, "one entry holds {needle}: {found:?}");
    found.into_iter().next().unwrap()
}

/// Change an entry's facts and seal it again with a checksum that holds: what a sound
/// entry with other facts looks like.
fn reseal(entry: &Path, change: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(entry).unwrap();
    let mut lines = text.splitn(4, '\n');
    let (head, key, _, payload) = (
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
        lines.next().unwrap(),
    );
    let payload = change(payload);
    let sum = blake3::hash(payload.as_bytes()).to_hex();
    std::fs::write(entry, format!("{head}\n{key}\n{sum}\n{payload}")).unwrap();
}

/// Whether an entry is one this version wrote and its checksum holds.
fn sound(entry: &Path) -> bool {
    let text = std::fs::read_to_string(entry).unwrap();
    let mut lines = text.splitn(4, '\n');
    let head = lines.next().unwrap_or_default();
    let _key = lines.next();
    let sum = lines.next().unwrap_or_default();
    let payload = lines.next().unwrap_or_default();
    head == format!(
        "mark-lint-cache 2 {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("MARK_LINT_COMMIT")
    ) && sum == blake3::hash(payload.as_bytes()).to_hex().as_str()
}

#[test]
fn a_cached_run_reports_what_an_uncached_run_reports_in_every_format() {
    let dir = tree();
    let formats: [&[&str]; 9] = [
        &["--format", "human", "--color", "never"],
        &["--format", "concise"],
        &["--format", "json"],
        &["--format", "sarif"],
        &["--format", "junit"],
        &["--format", "github"],
        &["--format", "human", "--lang", "zh", "--color", "never"],
        &["--format", "json", "--no-snippets"],
        &["--format", "concise", "--statistics"],
    ];
    for format in formats {
        let plain = check(dir.path(), format);
        assert_eq!(plain.0, 1, "{format:?}: the tree has errors\n{}", plain.1);
        let mut cached = format.to_vec();
        cached.extend(["--cache", "cache-dir"]);
        let cold = check(dir.path(), &cached);
        let warm = check(dir.path(), &cached);
        assert_eq!(cold, plain, "{format:?}, cold cache");
        assert_eq!(warm, plain, "{format:?}, warm cache");
    }
    // Every document read has an entry; the broken file (ML900) has none: it is read
    // again each run. The image is not a document: its entry says so.
    assert_eq!(entries(&dir.path().join("cache-dir")).len(), 9);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cache-dir/.gitignore")).unwrap(),
        "# Written by mark-lint: the folder is its cache.\n*\n"
    );
}

#[test]
fn a_warm_run_reads_the_facts_and_a_changed_file_is_read_again() {
    let dir = tree();
    let cached = ["--format", "concise", "--cache", "cc"];
    let (_, truth, _) = check(dir.path(), &cached);
    assert!(truth.contains("b.txt:1:1: ML104"), "{truth}");
    // Facts resealed to say b.txt's term is 10 years: a warm run that trusts its sound
    // entry shows no expiry there (how this test knows the document was not read).
    let entry = entry_with(&dir.path().join("cc"), "\"years\":1,");
    reseal(&entry, |p| p.replace("\"years\":1,", "\"years\":10,"));
    let (_, warm, _) = check(dir.path(), &cached);
    assert!(!warm.contains("b.txt:1:1: ML104"), "{warm}");
    // The file's content changes (a line added): another key, read in full.
    std::fs::write(
        dir.path().join("b.txt"),
        notice("秘密★1年", "关于乙的通知（修订）"),
    )
    .unwrap();
    let (_, changed, _) = check(dir.path(), &cached);
    assert!(changed.contains("b.txt:1:1: ML104"), "{changed}");
    assert_eq!(changed, check(dir.path(), &["--format", "concise"]).1);
}

#[test]
fn damaged_or_foreign_entries_are_ignored_and_written_again() {
    let dir = tree();
    let cached = ["--format", "json", "--cache", "cc"];
    let truth = check(dir.path(), &["--format", "json"]);
    check(dir.path(), &cached);
    let cache = dir.path().join("cc");
    let entry = entry_with(&cache, "\"years\":1,");
    let whole = std::fs::read(&entry).unwrap();
    let other = entries(&cache).into_iter().find(|e| *e != entry).unwrap();
    let other_entry = std::fs::read(&other).unwrap();
    let text = String::from_utf8(whole.clone()).unwrap();
    let version = format!(
        "mark-lint-cache 2 {} {}",
        env!("CARGO_PKG_VERSION"),
        env!("MARK_LINT_COMMIT")
    );
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", whole[..whole.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"\x00\xff garbage \n\n\n{".to_vec()),
        // Facts changed but the checksum not: refused.
        (
            "tampered",
            text.replace("\"years\":1,", "\"years\":10,").into_bytes(),
        ),
        // Another version's entry, sealed as it would seal it.
        (
            "other version",
            text.replace(&version, "mark-lint-cache 2 0.0.1-other")
                .into_bytes(),
        ),
        // The same version number built from another commit (other readers).
        (
            "other commit",
            text.replace(
                &version,
                &format!(
                    "mark-lint-cache 2 {} 0000000000000000000000000000000000000000",
                    env!("CARGO_PKG_VERSION")
                ),
            )
            .into_bytes(),
        ),
        (
            "other format",
            text.replace(
                &version,
                &format!("mark-lint-cache 999 {}", env!("CARGO_PKG_VERSION")),
            )
            .into_bytes(),
        ),
        // Another file's entry (a clean one) put in its place.
        ("another key", other_entry),
    ];
    for (what, bytes) in damages {
        std::fs::write(&entry, &bytes).unwrap();
        assert_eq!(check(dir.path(), &cached), truth, "{what}");
        assert!(sound(&entry), "{what}: the entry is written again");
        assert_eq!(std::fs::read(&entry).unwrap(), whole, "{what}");
    }
}

#[test]
fn the_key_holds_the_rules_the_config_and_the_version() {
    let rule = |message: &str, pattern: &str| {
        format!(
            "code: X-PROJECT\nname: project\nkind: pattern\nseverity: warning\n\
             summary: {{zh: 项目代号, en: a project word}}\n\
             article: {{law: 中华人民共和国保守国家秘密法, number: 第十九条, text: \
             国家秘密的密级、保密期限和知悉范围，应当根据情况变化及时变更。}}\n\
             message: {{zh: \"{message}“{{match}}”\", en: \"{message} `{{match}}`\"}}\n\
             params: {{pattern: {pattern}, scope: body}}\n\
             examples: {{valid: [\"无\\n\"], invalid: [\"{pattern}\\n\"]}}\n"
        )
    };
    let dir = tree();
    let root = dir.path();
    std::fs::write(
        root.join(".mark-lint.yaml"),
        "rules: [rules/project.yaml]\ncache: true\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("rules")).unwrap();
    std::fs::write(
        root.join("rules/project.yaml"),
        rule("项目代号", "长江计划"),
    )
    .unwrap();
    std::fs::write(root.join("k.txt"), "长江计划的材料。\n").unwrap();
    let cache = root.join(".mark-lint-cache");
    let run = || check(root, &["--format", "concise"]);
    let uncached = || check(root, &["--format", "concise", "--no-cache"]);
    let first = run();
    assert!(first.1.contains("k.txt:1:1: X-PROJECT"), "{}", first.1);
    assert_eq!(first, uncached());
    let n = entries(&cache).len();
    assert!(n >= 9, "{n} entries");
    assert_eq!(run(), first);
    assert_eq!(entries(&cache).len(), n, "a warm run adds nothing");
    // A custom rule's words change (its message): the facts are the same, no key
    // changes, and the finding (the file is read again to show it) says the new words.
    std::fs::write(
        root.join("rules/project.yaml"),
        rule("项目代号出现", "长江计划"),
    )
    .unwrap();
    let reworded = run();
    assert!(reworded.1.contains("项目代号出现"), "{}", reworded.1);
    assert_eq!(reworded, uncached());
    assert_eq!(entries(&cache).len(), n, "a rule's words are no fact");
    // What the rule matches changes: every key changes, the finding follows the rule.
    std::fs::write(
        root.join("rules/project.yaml"),
        rule("项目代号出现", "长江"),
    )
    .unwrap();
    std::fs::write(root.join("l.txt"), "长江的材料。\n").unwrap();
    let changed = run();
    assert!(changed.1.contains("l.txt:1:1: X-PROJECT"), "{}", changed.1);
    assert_eq!(changed, uncached());
    assert_eq!(
        entries(&cache).len(),
        2 * n + 1,
        "new keys for the new rule set (and l.txt's)"
    );
    // The config changes what is read (a label map): new keys again.
    std::fs::write(
        root.join(".mark-lint.yaml"),
        "rules: [rules/project.yaml]\ncache: true\nlabel-map: { 内部资料: 秘密 }\n",
    )
    .unwrap();
    assert_eq!(run(), uncached());
    assert_eq!(
        entries(&cache).len(),
        3 * n + 2,
        "new keys for the new config"
    );
    // Another version wrote the entries (its header): each is ignored and rewritten.
    for e in entries(&cache) {
        let text = std::fs::read_to_string(&e).unwrap();
        let version = format!(
            "mark-lint-cache 2 {} {}\n",
            env!("CARGO_PKG_VERSION"),
            env!("MARK_LINT_COMMIT")
        );
        std::fs::write(&e, text.replace(&version, "mark-lint-cache 2 9.9.9\n")).unwrap();
    }
    assert_eq!(run(), uncached());
    let rewritten = entries(&cache).iter().filter(|e| sound(e)).count();
    assert_eq!(
        rewritten,
        n + 1,
        "the entries of the current settings are written again"
    );
}

#[test]
fn two_runs_writing_one_cache_at_once_agree() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..60 {
        let mark = ["机密★10年", "秘密★1年", "绝密★长期", "机密*5年", ""][i % 5];
        files.push((
            format!("d{}/n{i}.txt", i % 4),
            notice(mark, &format!("第{i}号通知")).into(),
        ));
        if i % 6 == 0 {
            files.push((format!("w{i}.docx"), docx(&[mark, "通知", "2024年3月5日"])));
        }
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = folder_of(&refs);
    let truth = check(dir.path(), &["--format", "json"]);
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mark-lint"))
            .args([
                "check", "--today", TODAY, "--ocr", "never", "--format", "json",
            ])
            .args(["--cache", "shared-cache", "-j", "2"])
            .current_dir(dir.path())
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    for round in 0..2 {
        let (a, b) = (spawn(), spawn());
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            let got = (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
            assert_eq!(got, truth, "round {round}");
        }
    }
    let cache = dir.path().join("shared-cache");
    let all = entries(&cache);
    assert_eq!(all.len(), files.len());
    assert!(all.iter().all(|e| sound(e)), "every entry whole");
    let leftovers: Vec<_> = all
        .iter()
        .filter(|e| e.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(
        check(dir.path(), &["--format", "json", "--cache", "shared-cache"]),
        truth
    );
}

#[test]
fn no_cache_entry_holds_the_documents_text() {
    // Planted in every format, as a paragraph of its own, after a mark on its line and
    // as the 知悉范围 (names of readers are text, not facts).
    let secret = "蓝鲸行动的第七份计划书";
    let latin = "Zebra-Quartz-7419";
    let body = |mark: &str| {
        vec![
            format!("{mark} {secret}"),
            "关于某事的通知".to_string(),
            format!("{secret}，{latin}。"),
            format!("知悉范围：{secret}"),
            "2024年3月5日".to_string(),
        ]
    };
    let text = |mark: &str| body(mark).join("\n") + "\n";
    let html = body("机密★10年")
        .iter()
        .map(|l| format!("<p>{l}</p>"))
        .collect::<String>();
    let paras = body("秘密★1年");
    let paras: Vec<&str> = paras.iter().map(String::as_str).collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("a.txt", text("机密★10年").into_bytes()),
        (
            "b.md",
            format!("---\n密级: 机密\n---\n{}", text("")).into_bytes(),
        ),
        (
            "c.html",
            format!("<html><body>{html}</body></html>").into_bytes(),
        ),
        ("d.docx", docx(&paras)),
        (
            "e.zip",
            zip_of(&[
                ("inner.txt", text("绝密★长期").as_bytes()),
                ("f.docx", &docx(&paras)),
            ]),
        ),
        ("g.txt", format!("{secret}\n").into_bytes()),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let dir = folder_of(&refs);
    for extra in [&[][..], &["--no-snippets"][..], &["--format", "json"][..]] {
        let mut args = vec!["--cache", "cc"];
        args.extend_from_slice(extra);
        let (_, out, _) = check(dir.path(), &args);
        assert!(out.contains("a.txt") || out.contains("b.md"), "{out}");
    }
    let cache = dir.path().join("cc");
    assert_eq!(entries(&cache).len(), files.len());
    // Every file the cache holds: facts entries, stamp entries (if the files had
    // settled by the time they were read), the tag and the ignore file.
    let all = every_file(&cache);
    for e in &all {
        let bytes = std::fs::read(e).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for needle in [secret, latin, "蓝鲸", "计划书", "关于某事"] {
            assert!(
                !text.contains(needle),
                "{needle} in {}: {text}",
                e.display()
            );
        }
    }
    // The marks are there as facts (their levels: 机密 is level 1), not as written.
    let all_text: String = all
        .iter()
        .map(|e| std::fs::read_to_string(e).unwrap())
        .collect();
    assert!(all_text.contains("\"level\":1,"), "{all_text}");
    assert!(!all_text.contains('★'), "{all_text}");
}

/// The one stamp entry whose facts contain `needle` (and none of `not`).
fn stamp_with(cache: &Path, needle: &str, not: &[&str]) -> PathBuf {
    let found: Vec<PathBuf> = stamps(cache)
        .into_iter()
        .filter(|e| {
            let text = std::fs::read_to_string(e).unwrap();
            text.contains(needle) && !not.iter().any(|n| text.contains(n))
        })
        .collect();
    assert_eq!(found.len(), 1, "one stamp entry with {needle}: {found:?}");
    found.into_iter().next().unwrap()
}

/// An entry's payload (its facts).
fn payload(entry: &Path) -> String {
    let text = std::fs::read_to_string(entry).unwrap();
    text.splitn(4, '\n').nth(3).unwrap().to_string()
}

/// Run `check` (about files written at `written`) if they cannot have settled yet: on
/// a machine so loaded that 3 s went by, say so instead.
fn unsettled(written: std::time::Instant, check: impl FnOnce()) {
    if written.elapsed() < std::time::Duration::from_millis(2_500) {
        check();
    } else {
        eprintln!("NOT CHECKED: the machine took over 2.5 s; the files may have settled");
    }
}

/// Long enough for a file just written to have settled (the cache's `SETTLE`, 3 s).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(3_500));
}

#[test]
fn a_settled_file_is_known_by_its_stamp_and_any_write_makes_it_read_again() {
    let clean = notice("", "关于甲的通知");
    let expired = notice("秘密★1年", "关于乙的通知");
    let written = std::time::Instant::now();
    let dir = folder_of(&[
        ("x/same.txt", clean.as_bytes()),
        ("y/same.txt", expired.as_bytes()),
        (
            "z.docx",
            &docx(&["机密★10年", "关于丙的通知", "2024年3月5日"]),
        ),
    ]);
    let root = dir.path();
    let cache = root.join("cc");
    let cached = ["--format", "concise", "--cache", "cc"];
    let truth = check(root, &["--format", "concise"]);
    assert!(truth.1.contains("y/same.txt:1:1: ML104"), "{}", truth.1);
    // Files read within the settling time of their last write: no stamp recorded (a
    // write in the same tick would leave the stamp as it was).
    assert_eq!(check(root, &cached), truth);
    unsettled(written, || {
        assert!(stamps(&cache).is_empty(), "{:?}", stamps(&cache))
    });
    settle();
    assert_eq!(check(root, &cached), truth);
    assert_eq!(stamps(&cache).len(), 3, "every settled file's stamp");
    assert_eq!(check(root, &cached), truth, "warm, through the stamps");
    assert_eq!(stamps(&cache).len(), 3);
    // The stamps are trusted: y's stamp entry made to hold x's facts (sealed as the
    // cache seals it). A run that does not read y shows no finding there.
    let y_stamp = stamp_with(&cache, "\"years\":1,", &[]);
    let x_stamp = stamp_with(&cache, "\"parts\"", &["years", "word/"]);
    let x_facts = payload(&x_stamp);
    reseal(&y_stamp, |_| x_facts.clone());
    let (_, trusted, _) = check(root, &cached);
    assert!(!trusted.contains("y/same.txt"), "{trusted}");
    // Any write gives the file another stamp, read again: here the same bytes written
    // over it with the modification time put back (a careless copy), and a change of
    // the same size with its time put back too.
    let y = root.join("y/same.txt");
    let mtime = std::fs::metadata(&y).unwrap().modified().unwrap();
    let rewrite = |text: &str| {
        std::fs::write(&y, text).unwrap();
        let f = std::fs::File::options().write(true).open(&y).unwrap();
        f.set_modified(mtime).unwrap();
    };
    rewrite(&expired);
    assert_eq!(check(root, &cached), truth);
    let other = notice("秘密★2年", "关于乙的通知");
    assert_eq!(other.len(), expired.len());
    let written = std::time::Instant::now();
    rewrite(&other);
    let changed = check(root, &cached);
    assert_eq!(changed, check(root, &["--format", "concise"]));
    assert!(changed.1.contains("y/same.txt:1:1: ML104"), "{}", changed.1);
    assert!(changed.1.contains("2年"), "{}", changed.1);
    // Written just now: not recorded yet (the old, wrong entry stays unused).
    unsettled(written, || assert_eq!(stamps(&cache).len(), 3));
    settle();
    assert_eq!(check(root, &cached), changed);
    assert_eq!(stamps(&cache).len(), 4, "recorded once settled");
    stamp_with(&cache, "\"years\":2,", &[]);
    // A damaged stamp entry is not trusted, and written again.
    let z = stamp_with(&cache, "word/document.xml", &[]);
    let whole = std::fs::read(&z).unwrap();
    let damaged: [&[u8]; 3] = [&whole[..whole.len() / 2], b"", b"\x00\xff\n\n\n"];
    for bytes in damaged {
        std::fs::write(&z, bytes).unwrap();
        assert_eq!(check(root, &cached), changed);
        assert_eq!(std::fs::read(&z).unwrap(), whole, "written again");
    }
    // They hold a hash each, no text.
    for e in stamps(&cache) {
        let text = std::fs::read_to_string(&e).unwrap();
        assert!(sound(&e), "{}", e.display());
        assert!(!text.contains("通知") && !text.contains('★'), "{text}");
    }
}

#[test]
fn today_is_applied_to_the_cached_facts_on_every_run() {
    let dir = tree();
    let run = |today: &str, cache: bool| {
        let mut args = vec![
            "check", "--today", today, "--ocr", "never", "--format", "concise",
        ];
        if cache {
            args.extend(["--cache", "cc"]);
        }
        run_in(dir.path(), &args)
    };
    let before = run(TODAY, true);
    assert!(!before.1.contains("通知/a.txt"), "{}", before.1);
    // 机密★10年 from 2024-03-05 ends on 2034-03-05: on a warm cache, a later today
    // makes it an expiry finding, and an earlier today takes it away again.
    let after = run("2034-06-01", true);
    assert!(after.1.contains("通知/a.txt:1:1: ML104"), "{}", after.1);
    assert_eq!(after, run("2034-06-01", false));
    assert_eq!(run(TODAY, true), before);
    assert_eq!(before, run(TODAY, false));
}

#[test]
fn the_cache_follows_the_config_and_stays_off_for_stdin() {
    let dir = tree();
    let root = dir.path();
    // No cache unless asked.
    check(root, &["--format", "concise"]);
    assert!(!root.join(".mark-lint-cache").exists());
    std::fs::write(root.join(".mark-lint.yaml"), "cache: true\n").unwrap();
    check(root, &["--format", "concise", "--no-cache"]);
    assert!(!root.join(".mark-lint-cache").exists());
    check(root, &["--format", "concise"]);
    assert_eq!(entries(&root.join(".mark-lint-cache")).len(), 9);
    std::fs::write(root.join(".mark-lint.yaml"), "cache: build/facts\n").unwrap();
    check(root, &["--format", "concise"]);
    assert_eq!(entries(&root.join("build/facts")).len(), 9);
    // A config found in the tree may not put its cache outside its folder.
    std::fs::write(root.join(".mark-lint.yaml"), "cache: ../elsewhere\n").unwrap();
    let (code, _, err) = check(root, &["--format", "concise"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cache"), "{err}");
    std::fs::remove_file(root.join(".mark-lint.yaml")).unwrap();
    // stdin is never cached.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mark-lint"))
        .args(["check", "--today", TODAY, "--cache", "stdin-cache", "-"])
        .current_dir(root)
        .stdin(std::fs::File::open(root.join("b.txt")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!root.join("stdin-cache").exists());
}

#[test]
fn cache_clean_removes_only_a_cache() {
    let dir = tree();
    let root = dir.path();
    check(root, &["--cache", "cc"]);
    let (_, err) = run_expect(root, &["cache", "clean", "cc"], 0);
    assert_eq!(err, "mark-lint: removed the cache cc (9 entries)\n");
    assert!(!root.join("cc").exists());
    // Nothing there: nothing to do.
    run_expect(root, &["cache", "clean", "cc"], 0);
    // The default folder, and the config's.
    std::fs::write(root.join(".mark-lint.yaml"), "cache: true\n").unwrap();
    check(root, &[]);
    assert!(root.join(".mark-lint-cache").is_dir());
    run_expect(root, &["cache", "clean"], 0);
    assert!(!root.join(".mark-lint-cache").exists());
    // A folder mark-lint did not make is refused, whole.
    let (_, err) = run_expect(root, &["cache", "clean", "通知"], 2);
    assert!(err.contains("not a mark-lint cache"), "{err}");
    assert!(root.join("通知/a.txt").is_file());
}

/// The findings of a JSON report, each as one line of JSON, sorted.
fn findings(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut all: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    all.sort();
    all
}

#[test]
fn the_shards_together_are_one_whole_run_but_ml302() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let marks = [
        "机密★10年",
        "秘密★1年",
        "绝密★长期",
        "机密*5年",
        "",
        "秘密★20年",
        "機密★3年",
    ];
    for i in 0..70 {
        let mark = marks[i % marks.len()];
        let name = format!("{}/f{i}.{}", ["a", "b/c", "d"][i % 3], ["txt", "md"][i % 2]);
        files.push((name, notice(mark, &format!("第{i}号通知")).into()));
    }
    // The same 绝密 document twice without 份号: ML302, in the whole run only.
    let copy = notice("绝密★10年", "关于同一事项的通知");
    files.push(("copies/one.txt".into(), copy.clone().into()));
    files.push(("copies/two.txt".into(), copy.into()));
    files.push(("w.docx".into(), docx(&["秘密★1年", "通知", "2024年3月5日"])));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = folder_of(&refs);
    let whole = check(dir.path(), &["--format", "json", "."]).1;
    let whole_findings = findings(&whole);
    let codes: std::collections::BTreeSet<String> = whole_findings
        .iter()
        .map(|f| serde_json::from_str::<serde_json::Value>(f).unwrap()["code"].to_string())
        .collect();
    assert!(codes.len() >= 5, "several rules: {codes:?}");
    assert!(whole.contains("\"ML302\""), "{whole}");
    let expected: Vec<String> = whole_findings
        .iter()
        .filter(|f| !f.contains("\"code\":\"ML302\""))
        .cloned()
        .collect();
    for n in [1, 2, 3, 7] {
        let mut union = Vec::new();
        let mut files_checked = 0;
        for i in 1..=n {
            let shard = format!("{i}/{n}");
            let (_, out, err) = check(dir.path(), &["--format", "json", "--shard", &shard, "."]);
            assert!(err.contains("ML302") && err.contains("shard"), "{err}");
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            files_checked += v["summary"]["files"].as_u64().unwrap();
            union.extend(findings(&out));
        }
        union.sort();
        assert_eq!(union, expected, "{n} shards");
        assert_eq!(
            files_checked,
            files.len() as u64,
            "{n} shards: each file once"
        );
    }
    // The same shard twice, and from another folder naming the tree: the same files.
    let here = check(dir.path(), &["--format", "json", "--shard", "2/3", "."]).1;
    assert_eq!(
        check(dir.path(), &["--format", "json", "--shard", "2/3", "."]).1,
        here
    );
    let parent = dir.path().parent().unwrap();
    let name = dir.path().file_name().unwrap().to_str().unwrap();
    let there = check(parent, &["--format", "json", "--shard", "2/3", name]).1;
    let strip = |s: &str| s.replace(&format!("{name}/"), "");
    assert_eq!(findings(&strip(&there)), findings(&here));
}

#[test]
fn a_bad_shard_is_a_one_line_error() {
    let dir = tree();
    for bad in ["0/3", "4/3", "1/0", "x", "1/", "/2", "1/2/3"] {
        let (code, out, err) = check(dir.path(), &["--shard", bad]);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{bad}: {err}");
        assert!(
            err.contains("--shard") && err.contains("I/N"),
            "{bad}: {err}"
        );
    }
}
