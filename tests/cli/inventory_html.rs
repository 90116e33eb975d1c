//! The ledger (issue 6) on `tests/fixtures/ledger/`, which has every status: snapshots of
//! the table, CSV, JSON and `--review`, and the HTML report opened in headless Chromium
//! (the chart rendered, the table sorts and filters through `#sort=`/`#filter=`, a
//! screenshot is not blank). Without Chromium those tests print SKIPPED (`.ci/run`
//! installs it). Nothing here touches the network.

use std::time::{Duration, Instant};

use regex::Regex;

use super::*;

const TODAY: &str = "2026-11-27";
const LEDGER: &str = "tests/fixtures/ledger";

// ---- Snapshots of the text formats -------------------------------------------------

#[test]
fn ledger_table() {
    for lang in ["en", "zh"] {
        snap!(
            format!("ledger_table_{lang}"),
            run(&["inventory", "--today", TODAY, "--lang", lang, LEDGER])
        );
    }
}

/// CSV for Excel and WPS: the BOM and the CRLF line ends are part of the contract, so the
/// snapshot shows them (`⏎` marks each `\r`).
#[test]
fn ledger_csv() {
    for (name, lang) in [("ledger_csv_en", "en"), ("ledger_csv_zh", "zh")] {
        let out = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
            .args([
                "inventory",
                "--today",
                TODAY,
                "--format",
                "csv",
                "--lang",
                lang,
                LEDGER,
            ])
            .current_dir(root())
            .output()
            .expect("mark-lint runs");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout.clone()).expect("UTF-8");
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "every line ends in CRLF"
        );
        let shown = format!(
            "first bytes: {:?}\n{}",
            &out.stdout[..3],
            text.trim_start_matches('\u{feff}').replace("\r\n", "⏎\n")
        );
        snap!(name, shown);
    }
}

#[test]
fn ledger_json() {
    snap!(
        "ledger_json",
        run(&["inventory", "--today", TODAY, "--format", "json", LEDGER])
    );
}

#[test]
fn ledger_review() {
    for lang in ["zh", "en"] {
        snap!(
            format!("ledger_review_{lang}"),
            run(&[
                "inventory",
                "--today",
                TODAY,
                "--review",
                "--lang",
                lang,
                LEDGER
            ])
        );
    }
}

#[test]
fn ledger_status_filter() {
    snap!(
        "ledger_status_expired_expiring",
        run(&[
            "inventory",
            "--today",
            TODAY,
            "--lang",
            "en",
            "--status",
            "expired,expiring",
            LEDGER
        ])
    );
}

/// The HTML page (written with `--output`) without its style sheet and script: what the
/// report says, reviewable.
#[test]
fn ledger_html() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(report(dir.path())).unwrap();
    let elide = |s: &str, open: &str, close: &str| -> String {
        let (a, b) = (s.find(open).unwrap(), s.find(close).unwrap());
        format!("{}{open}…{}", &s[..a], &s[b..])
    };
    let page = elide(&html, "<style>", "</style>");
    let page = elide(&page, "<script>", "</script>");
    snap!(
        "ledger_html_zh",
        page.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
    );
}

// ---- The HTML report in a browser ---------------------------------------------------

/// Chromium, if installed: `/usr/bin/chromium`, else `chromium` on PATH.
fn chromium() -> Option<PathBuf> {
    let usual = PathBuf::from("/usr/bin/chromium");
    let found = if usual.is_file() {
        Some(usual)
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("chromium"))
                .find(|p| p.is_file())
        })
    };
    if found.is_none() {
        skip("chromium is not installed (apt-get install chromium)");
    }
    found
}

/// The HTML report of the fixture folder, written with `--output` into `dir`.
fn report(dir: &Path) -> PathBuf {
    let path = dir.join("report.html");
    let (code, stdout, stderr) = run_in(
        &root(),
        &[
            "inventory",
            "--today",
            TODAY,
            "--format",
            "html",
            "--lang",
            "zh",
            "--output",
            path.to_str().unwrap(),
            LEDGER,
        ],
    );
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    path
}

/// Run headless Chromium on `page#hash` with `extra` flags (a fresh profile, nothing
/// that phones home); its stdout. Killed after a minute rather than hanging the suite.
fn browse(chromium: &Path, page: &Path, hash: &str, extra: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}{hash}", page.display());
    let started = Instant::now();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = reader.join().unwrap().expect("chromium's output is UTF-8");
    eprintln!("chromium {url} {extra:?}: {:?}", started.elapsed());
    out
}

fn dump(chromium: &Path, page: &Path, hash: &str) -> String {
    let dom = browse(chromium, page, hash, &["--dump-dom"]);
    assert!(dom.contains("</html>"), "no DOM dumped: {dom}");
    dom
}

/// The ledger as JSON: how many rows, and how many have a last day (a bar each).
fn expected_rows() -> (usize, usize) {
    let (code, json, _) = run_in(
        &root(),
        &["inventory", "--today", TODAY, "--format", "json", LEDGER],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = v["rows"].as_array().unwrap();
    let dated = rows.iter().filter(|r| !r["last_day"].is_null()).count();
    (rows.len(), dated)
}

/// One table row of the dumped DOM.
struct TableRow {
    status: String,
    hidden: bool,
    /// The `data-sort` value of every cell, in column order.
    sort: Vec<String>,
}

fn table_rows(dom: &str) -> Vec<TableRow> {
    let body = &dom[dom.find("<tbody>").expect("a table body")..];
    let body = &body[..body.find("</tbody>").unwrap()];
    let row = Regex::new(r"(?s)<tr ([^>]*)>(.*?)</tr>").unwrap();
    let status = Regex::new(r#"data-status="([^"]*)""#).unwrap();
    let cell = Regex::new(r#"<td data-sort="([^"]*)""#).unwrap();
    row.captures_iter(body)
        .map(|c| TableRow {
            status: status.captures(&c[1]).expect("data-status")[1].to_string(),
            hidden: c[1].contains("hidden"),
            sort: cell
                .captures_iter(&c[2])
                .map(|d| d[1].to_string())
                .collect(),
        })
        .collect()
}

/// The column of `key` in the header.
fn column(dom: &str, key: &str) -> usize {
    let th = Regex::new(r#"<th data-key="([^"]*)""#).unwrap();
    th.captures_iter(dom)
        .position(|c| &c[1] == key)
        .unwrap_or_else(|| panic!("no column {key}"))
}

fn aria_sort(dom: &str, key: &str) -> String {
    let re = Regex::new(&format!(r#"<th data-key="{key}"[^>]*aria-sort="([^"]*)""#)).unwrap();
    re.captures(dom).expect("the header cell")[1].to_string()
}

#[test]
fn html_chart_and_table_render() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = report(dir.path());
    let dom = dump(&chromium, &page, "");
    let (rows, dated) = expected_rows();
    assert_eq!(rows, 13, "the fixture folder's README lists 13 rows");

    assert!(dom.contains("<svg id=\"timeline\""));
    assert_eq!(dom.matches("<rect class=\"bar status-").count(), dated);
    assert_eq!(
        dom.matches("<g class=\"marker status-").count(),
        rows - dated
    );
    assert!(dom.contains("id=\"today-line\""));
    assert!(dom.contains("id=\"expiring-window\""));
    assert!(!dom.contains("id=\"unreadable\""));

    let table = table_rows(&dom);
    assert_eq!(table.len(), rows);
    assert!(table.iter().all(|r| !r.hidden));
    for status in [
        "expired",
        "expiring",
        "undated",
        "indefinite",
        "conditional",
        "valid",
        "declassified",
    ] {
        assert!(table.iter().any(|r| r.status == status), "{status}");
        assert!(dom.contains(&format!("id=\"count-{status}\"")), "{status}");
    }
    assert!(dom.contains("<section id=\"decisions\">"));
    assert!(dom.contains("显示 13 / 13 项"));
}

#[test]
fn html_sorts_by_last_day() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = report(dir.path());
    let (rows, dated) = expected_rows();
    for (hash, desc) in [("#sort=last_day", false), ("#sort=last_day:desc", true)] {
        let dom = dump(&chromium, &page, hash);
        let col = column(&dom, "last_day");
        let days: Vec<String> = table_rows(&dom)
            .into_iter()
            .map(|r| r.sort[col].clone())
            .collect();
        assert_eq!(days.len(), rows, "{hash}");
        // Dates first, in order; the rows without a last day after them either way.
        let (with, without) = days.split_at(dated);
        assert!(without.iter().all(String::is_empty), "{hash}: {days:?}");
        let mut sorted = with.to_vec();
        sorted.sort();
        if desc {
            sorted.reverse();
        }
        assert_eq!(with, sorted, "{hash}");
        assert_ne!(with.first(), with.last());
        assert_eq!(
            aria_sort(&dom, "last_day"),
            if desc { "descending" } else { "ascending" }
        );
    }
}

#[test]
fn html_filters() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = report(dir.path());
    let (rows, _) = expected_rows();
    let visible = |dom: &str| -> Vec<String> {
        table_rows(dom)
            .into_iter()
            .filter(|r| !r.hidden)
            .map(|r| r.status)
            .collect()
    };
    // `附件`, percent-encoded as a browser would: only the attachment's row.
    let dom = dump(&chromium, &page, "#filter=%E9%99%84%E4%BB%B6");
    assert_eq!(table_rows(&dom).len(), rows, "filtering hides, never drops");
    assert_eq!(visible(&dom), ["valid"]);
    assert!(dom.contains("显示 1 / 13 项"));
    // The status menu, and both together with a sort.
    let dom = dump(&chromium, &page, "#status=conditional");
    assert_eq!(visible(&dom), ["conditional", "conditional"]);
    let dom = dump(&chromium, &page, "#sort=days_left&filter=秘密★1年");
    assert_eq!(visible(&dom), ["declassified", "expired", "expiring"]);
}

#[test]
fn html_screenshot_is_not_blank() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = report(dir.path());
    let shot = dir.path().join("shot.png");
    browse(
        &chromium,
        &page,
        "",
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(
        png.len() > 20_000,
        "a {}-byte screenshot is a blank page",
        png.len()
    );
}
