//! `mark-lint server` driven over stdio as an editor drives it: a small JSON-RPC client
//! with Content-Length framing, written here, against the real binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    /// Notifications met while waiting for a response.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mark-lint"))
            .arg("server")
            .current_dir(cwd)
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mark-lint server starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_frame(&mut r) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + WAIT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no answer to {method}"));
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                assert!(msg.get("error").is_none(), "{method}: {msg}");
                return msg["result"].clone();
            }
            self.pending.push(msg);
        }
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        self.incoming.recv_timeout(left).ok()
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_it = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(i) = self.pending.iter().position(is_it) {
            let m = self.pending.remove(i);
            return m["params"]["diagnostics"].as_array().unwrap().clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let m = self.recv(deadline).expect("diagnostics are published");
            if is_it(&m) {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.pending.push(m);
        }
    }
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().ok();
        }
    }
    let mut body = vec![0; len?];
    r.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri_of(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for b in path.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The codes and ranges (`line:col-line:col`, UTF-16) of published diagnostics.
fn shown(diags: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = diags
        .iter()
        .map(|d| {
            let r = &d["range"];
            format!(
                "{} {}:{}-{}:{}",
                d["code"].as_str().unwrap_or("-"),
                r["start"]["line"],
                r["start"]["character"],
                r["end"]["line"],
                r["end"]["character"]
            )
        })
        .collect();
    v.sort();
    v
}

/// Apply protocol edits (UTF-16 positions, LF lines) to `text`, independently of the
/// server's own conversion.
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let (line, ch) = (
            p["line"].as_u64().unwrap(),
            p["character"].as_u64().unwrap(),
        );
        let mut at = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i as u64 == line {
                let mut units = 0;
                for (j, c) in l.char_indices() {
                    if units == ch {
                        return at + j;
                    }
                    units += c.len_utf16() as u64;
                }
                return at + l.len();
            }
            at += l.len();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            let r = &e["range"];
            (
                offset(&r["start"]),
                offset(&r["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (from, to, new) in edits {
        out.replace_range(from..to, new);
    }
    out
}

const CONFIG: &str = "today: 2026-11-27\nlang: en\n";

/// A Markdown document with a malformed mark after two ideographic spaces, a mark
/// outside the first-page zone after a line that U+2028 splits in two for the readers
/// (one protocol line), and an HTML document whose mark follows astral characters.
fn markdown() -> String {
    let mut s = String::from("\u{3000}\u{3000}秘密☆5年\n\n# 通知\n\n");
    s.push_str(
        "一。\u{2028}二。\n三。\n四。\n五。\n六。\n七。\n八。\n\n机密★10年\n\n2026年1月5日\n",
    );
    s
}

#[test]
fn server_over_stdio() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    let md = dir.path().join("通知.md");
    let html = dir.path().join("page.html");
    let (md_uri, html_uri) = (uri_of(&md), uri_of(&html));
    let mut c = Client::start(dir.path());
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(dir.path()), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    c.notify("initialized", json!({}));

    // Unsaved text: neither file exists on disk.
    let mut text = markdown();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": md_uri, "languageId": "markdown", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics(&md_uri);
    assert_eq!(
        shown(&diags),
        ["ML001 0:2-0:7", "ML002 12:0-12:6"],
        "{diags:?}"
    );
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("[malformed-mark]")
    );

    let page = "<p title=\"𠮷𠮷\">秘密☆5年</p>\n<p>2026年1月5日</p>\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": html_uri, "languageId": "html", "version": 1, "text": page}}),
    );
    let diags = c.diagnostics(&html_uri);
    assert_eq!(shown(&diags), ["ML001 0:16-0:21"], "{diags:?}");

    // Hover: the rule, the article verbatim, the help.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": md_uri}, "position": {"line": 0, "character": 3}}),
    );
    let value = hover["contents"]["value"].as_str().unwrap();
    assert!(value.contains("ML001 malformed-mark"), "{value}");
    assert!(
        value.contains("国家秘密标志形式为“密级★保密期限”"),
        "{value}"
    );
    assert!(value.contains("help: "), "{value}");
    let nothing = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": md_uri}, "position": {"line": 2, "character": 0}}),
    );
    assert!(nothing.is_null());

    // Code actions: the `--fix` edit and a suppression; apply the fix.
    let range = json!({"start": {"line": 0, "character": 2}, "end": {"line": 0, "character": 2}});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": md_uri}, "range": range, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Fix: write `秘密★5年`",
            "Suppress ML001 on this line (with a reason)"
        ]
    );
    let fix = &actions[0]["edit"]["changes"][&md_uri];
    text = apply(&text, fix.as_array().unwrap());
    assert!(text.starts_with("\u{3000}\u{3000}秘密★5年\n"));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": md_uri, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(shown(&c.diagnostics(&md_uri)), ["ML002 12:0-12:6"]);

    // The suppression, applied, hides ML002.
    let range = json!({"start": {"line": 12, "character": 1}, "end": {"line": 12, "character": 1}});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": md_uri}, "range": range, "context": {"diagnostics": []}}),
    );
    let suppress = &actions[0]["edit"]["changes"][&md_uri];
    let suppressed = apply(&text, suppress.as_array().unwrap());
    assert!(
        suppressed.contains("\n<!-- mark-lint-disable-next-line ML002 -- reason -->\n机密★10年\n")
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": md_uri, "version": 3}, "contentChanges": [{"text": suppressed}]}),
    );
    assert_eq!(shown(&c.diagnostics(&md_uri)), Vec::<String>::new());

    // Pull diagnostics give the same as push.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": md_uri, "version": 4}, "contentChanges": [{"text": text}]}),
    );
    assert_eq!(shown(&c.diagnostics(&md_uri)), ["ML002 12:0-12:6"]);
    let pulled = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": md_uri}}),
    );
    assert_eq!(pulled["kind"], "full");
    assert_eq!(
        shown(pulled["items"].as_array().unwrap()),
        ["ML002 12:0-12:6"]
    );

    // The config changes on disk: every open document is checked again.
    std::fs::write(
        dir.path().join(".mark-lint.yaml"),
        format!("{CONFIG}ignore: [ML002]\n"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri_of(&dir.path().join(".mark-lint.yaml")), "type": 2}]}),
    );
    assert_eq!(shown(&c.diagnostics(&md_uri)), Vec::<String>::new());

    // A bad request is answered with an error, and the server goes on.
    c.send(json!({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {"x": 1}}));
    assert!(c.request("shutdown", Value::Null).is_null());
    assert!(
        c.pending
            .iter()
            .any(|m| m["id"] == 99 && m["error"]["code"] == -32602)
    );
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut log = String::new();
    c.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    // The log names paths and codes, never document text.
    assert!(log.contains("checked ") && log.contains("ML001"), "{log}");
    assert!(
        !log.contains("秘密★") && !log.contains("秘密☆") && !log.contains("一。"),
        "{log}"
    );
}
