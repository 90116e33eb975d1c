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
        let msg = self.call(method, params);
        assert!(msg.get("error").is_none(), "{method}: {msg}");
        msg["result"].clone()
    }

    /// Send a request; the whole response (result or error).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(&json!(id))
    }

    /// The response to request `id`.
    fn response(&mut self, id: &Value) -> Value {
        if let Some(i) = self
            .pending
            .iter()
            .position(|m| m.get("id") == Some(id) && m.get("method").is_none())
        {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let msg = self
                .recv(deadline)
                .unwrap_or_else(|| panic!("no answer to request {id}"));
            if msg.get("id") == Some(id) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push(msg);
        }
    }

    /// Bytes as they are, framed or not.
    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Initialize with `params` merged into a minimal request; then `initialized`.
    fn init(&mut self, root: &std::path::Path, more: Value) -> Value {
        let mut params = json!({"processId": null, "rootUri": uri_of(root), "capabilities": {}});
        for (k, v) in more.as_object().unwrap() {
            params[k] = v.clone();
        }
        let result = self.request("initialize", params);
        self.notify("initialized", json!({}));
        result
    }

    /// Shut down and exit; the exit code and the log.
    fn finish(mut self) -> (Option<i32>, String) {
        assert!(self.request("shutdown", Value::Null).is_null());
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        let mut log = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut log).unwrap();
        }
        (status.code(), log)
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

/// A message framed as the protocol frames it.
fn frame(msg: &Value) -> String {
    let body = msg.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
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

/// The server outlives garbage: bytes that are no frame, a body that is not JSON and
/// JSON that is no message, before and after `initialize`; each is answered with the
/// JSON-RPC error it deserves, and the next valid request with its reply.
#[test]
fn server_survives_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::start(dir.path());
    c.raw(b"hello\r\n\r\n\xff\xfe not a header\r\n\r\nContent-Length: 9\r\n\r\n{not json");
    let init = c.call(
        "initialize",
        json!({"processId": null, "rootUri": uri_of(dir.path()), "capabilities": {}}),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    let parse_error = c
        .pending
        .iter()
        .find(|m| m["error"]["code"] == -32700)
        .cloned()
        .expect("a parse error is answered");
    assert!(parse_error["id"].is_null(), "{parse_error}");
    c.notify("initialized", json!({}));
    // After initialize: garbage glued to the front of a valid frame, and a request whose
    // method is not a string.
    let bad = json!({"jsonrpc": "2.0", "id": 41, "method": 7});
    let hover = json!({"jsonrpc": "2.0", "id": 42, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri_of(&dir.path().join("a.md"))}, "position": {"line": 0, "character": 0}}});
    c.raw(format!("garbage{}\r\n{}", frame(&bad), frame(&hover)).as_bytes());
    assert_eq!(c.response(&json!(41))["error"]["code"], -32600);
    let answer = c.response(&json!(42));
    assert!(
        answer["result"].is_null() && answer.get("error").is_none(),
        "{answer}"
    );
    c.raw(b"Content-Length: 5\r\n\r\nhello");
    let (code, log) = c.finish();
    assert_eq!(code, Some(0), "{log}");
    assert!(!log.contains("hello"), "{log}");
}

/// Incremental changes: ranges in UTF-16 units across 𠮷 (two units) and CJK (one),
/// several changes in one notification applied in turn.
#[test]
fn incremental_sync_across_astral_and_cjk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    let md = dir.path().join("改.md");
    let md_uri = uri_of(&md);
    let mut c = Client::start(dir.path());
    let init = c.init(dir.path(), json!({}));
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    // A mark is alone on its line: after 𠮷𠮷 it is prose, and nothing is found.
    let text = "𠮷𠮷 秘密☆5年\n\n正文。\n\n2026年1月5日\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": md_uri, "languageId": "markdown", "version": 1, "text": text}}),
    );
    assert_eq!(shown(&c.diagnostics(&md_uri)), Vec::<String>::new());
    let change = |c: &mut Client, version: i32, edits: Value| {
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": md_uri, "version": version}, "contentChanges": edits}),
        );
        shown(&c.diagnostics(&md_uri))
    };
    let span = |from: (u32, u32), to: (u32, u32)| json!({"start": {"line": from.0, "character": from.1}, "end": {"line": to.0, "character": to.1}});
    // Five units are `𠮷𠮷 ` (counted in characters they would eat `秘密` too).
    assert_eq!(
        change(
            &mut c,
            2,
            json!([{"range": span((0, 0), (0, 5)), "text": ""}])
        ),
        ["ML001 0:0-0:5"]
    );
    // Two changes in turn: a line of 𠮷𠮷 above, then an ideographic space before the mark.
    assert_eq!(
        change(
            &mut c,
            3,
            json!([
                {"range": span((0, 0), (0, 0)), "text": "𠮷𠮷\n"},
                {"range": span((1, 0), (1, 0)), "text": "\u{3000}"}
            ])
        ),
        ["ML001 1:1-1:6"]
    );
    // Across the line break and the astral characters.
    assert_eq!(
        change(
            &mut c,
            4,
            json!([{"range": span((0, 0), (1, 1)), "text": "\u{3000}\u{3000}"}])
        ),
        ["ML001 0:2-0:7"]
    );
    // 𠮷 in the middle of the line, then out again by its two units.
    assert_eq!(
        change(
            &mut c,
            5,
            json!([{"range": span((0, 2), (0, 2)), "text": "𠮷 "}])
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        change(
            &mut c,
            6,
            json!([{"range": span((0, 2), (0, 5)), "text": ""}])
        ),
        ["ML001 0:2-0:7"]
    );
    // A whole-text change (no range) is still accepted.
    assert_eq!(
        change(&mut c, 7, json!([{"text": "机密★10年\n\n2026年1月5日\n"}])),
        Vec::<String>::new()
    );
    let (code, _) = c.finish();
    assert_eq!(code, Some(0));
}

/// A Markdown document with a malformed mark.
const MALFORMED: &str = "秘密☆5年\n\n正文。\n\n2026年1月5日\n";

/// Five Markdown files with a malformed mark each, and the config.
fn five_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    for name in ["a", "b", "c", "d", "e"] {
        std::fs::write(dir.path().join(format!("{name}.md")), MALFORMED).unwrap();
    }
    dir
}

/// The reports of a workspace pull: `file code range` sorted.
fn workspace_shown(result: &Value) -> Vec<String> {
    let mut v: Vec<String> = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let name = r["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            let version = r["version"]
                .as_i64()
                .map_or(String::new(), |v| format!(" v{v}"));
            let items = shown(r["items"].as_array().unwrap());
            if items.is_empty() {
                vec![format!("{name}{version} -")]
            } else {
                items
                    .into_iter()
                    .map(|i| format!("{name}{version} {i}"))
                    .collect()
            }
        })
        .collect();
    v.sort();
    v
}

/// `workspace/diagnostic`: every file of the folder, an open one from its unsaved text;
/// a bound (files, bytes, time) stops it with a partial answer and a log message.
#[test]
fn workspace_diagnostics_are_bounded() {
    let dir = five_files();
    let folders = json!({"workspaceFolders": [{"uri": uri_of(dir.path()), "name": "w"}]});
    let mut c = Client::start(dir.path());
    let init = c.init(dir.path(), folders.clone());
    assert_eq!(
        init["capabilities"]["diagnosticProvider"]["workspaceDiagnostics"],
        true
    );
    let b_uri = uri_of(&dir.path().join("b.md"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": b_uri, "languageId": "markdown", "version": 7, "text": MALFORMED.replace('☆', "★")}}),
    );
    c.diagnostics(&b_uri);
    let all = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
    assert_eq!(
        workspace_shown(&all),
        [
            "a.md ML001 0:0-0:5",
            "b.md v7 -",
            "c.md ML001 0:0-0:5",
            "d.md ML001 0:0-0:5",
            "e.md ML001 0:0-0:5"
        ]
    );
    assert!(!c.pending.iter().any(|m| m["method"] == "window/logMessage"));
    c.finish();

    let bounded = |options: Value| {
        let mut c = Client::start(dir.path());
        let mut more = folders.clone();
        more["initializationOptions"] = json!({"workspaceDiagnostics": options});
        c.init(dir.path(), more);
        let result = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
        let said: Vec<String> = c
            .pending
            .iter()
            .filter(|m| m["method"] == "window/logMessage")
            .map(|m| {
                format!(
                    "{} {}",
                    m["params"]["type"],
                    m["params"]["message"].as_str().unwrap()
                )
            })
            .collect();
        c.finish();
        (workspace_shown(&result), said)
    };
    let (items, said) = bounded(json!({"maxFiles": 3}));
    assert_eq!(
        items,
        [
            "a.md ML001 0:0-0:5",
            "b.md ML001 0:0-0:5",
            "c.md ML001 0:0-0:5"
        ]
    );
    assert_eq!(said.len(), 1);
    assert!(
        said[0].starts_with("2 mark-lint: workspace diagnostics stopped at maxFiles = 3: 3 files"),
        "{said:?}"
    );
    // Room for two files and a half.
    let size = MALFORMED.len();
    let (items, said) = bounded(json!({"maxBytes": size * 5 / 2}));
    assert_eq!(items, ["a.md ML001 0:0-0:5", "b.md ML001 0:0-0:5"]);
    let expected = format!(
        "stopped at maxBytes = {}: 2 files ({} bytes)",
        size * 5 / 2,
        size * 2
    );
    assert!(said[0].contains(&expected), "{said:?}");
    let (items, said) = bounded(json!({"maxMillis": 0}));
    assert!(items.is_empty(), "{items:?}");
    assert!(
        said[0].contains("stopped at maxMillis = 0: 0 files"),
        "{said:?}"
    );
}

/// `$/cancelRequest` for a workspace pull under way and for pulls waiting in the
/// queue: each is answered with RequestCancelled (-32800); the server goes on.
#[test]
fn diagnostics_requests_are_cancellable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    let body = "正文。\n".repeat(300);
    for i in 0..300 {
        let text = format!("{MALFORMED}{body}第{i}号。\n");
        std::fs::write(dir.path().join(format!("{i:03}.md")), text).unwrap();
    }
    let mut c = Client::start(dir.path());
    // The log, line by line as it comes: it tells when the pull is under way.
    let (log_tx, log) = channel();
    let stderr = c.child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if log_tx.send(line).is_err() {
                break;
            }
        }
    });
    c.init(dir.path(), json!({}));
    let doc = json!({"textDocument": {"uri": uri_of(&dir.path().join("000.md"))}});
    let call = |id: i64, method: &str, params: &Value| {
        frame(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
    };
    let cancel = |id: i64| {
        frame(&json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}))
    };
    let ws = json!({"previousResultIds": []});
    // A pull under way: cancelled once the server has checked its first file.
    c.raw(call(100, "workspace/diagnostic", &ws).as_bytes());
    let under_way = log
        .iter()
        .find(|l| l.contains("checked ") && l.contains("000.md"));
    assert!(under_way.is_some(), "the log ended");
    c.raw(cancel(100).as_bytes());
    assert_eq!(c.response(&json!(100))["error"]["code"], -32800);
    // Pulls waiting behind another: one cancelled before it starts, the other answered.
    let batch = [
        call(102, "workspace/diagnostic", &ws),
        call(101, "textDocument/diagnostic", &doc),
        cancel(101),
        call(103, "workspace/diagnostic", &ws),
        cancel(103),
    ]
    .concat();
    c.raw(batch.as_bytes());
    let whole = c.response(&json!(102));
    assert_eq!(whole["result"]["items"].as_array().unwrap().len(), 300);
    assert_eq!(c.response(&json!(101))["error"]["code"], -32800);
    assert_eq!(c.response(&json!(103))["error"]["code"], -32800);
    // Not cancelled: answered.
    let pulled = c.request("textDocument/diagnostic", doc.clone());
    assert_eq!(
        shown(pulled["items"].as_array().unwrap()),
        ["ML001 0:0-0:5"]
    );
    let (code, _) = c.finish();
    assert_eq!(code, Some(0));
    let rest: Vec<String> = log.iter().collect();
    assert_eq!(
        rest.iter()
            .filter(|l| l.contains("workspace diagnostics cancelled"))
            .count(),
        1,
        "{rest:?}"
    );
}

/// With dynamic registration the server asks the client to watch its configs; without
/// it, it asks nothing.
#[test]
fn config_watcher_is_registered() {
    let dir = tempfile::tempdir().unwrap();
    let caps = json!({"capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}});
    let mut c = Client::start(dir.path());
    c.init(dir.path(), caps);
    let deadline = Instant::now() + WAIT;
    let req = loop {
        let m = c.recv(deadline).expect("a registration request");
        if m["method"] == "client/registerCapability" {
            break m;
        }
    };
    let reg = &req["params"]["registrations"][0];
    assert_eq!(reg["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        reg["registerOptions"]["watchers"],
        json!([{"globPattern": "**/.mark-lint.yaml"}, {"globPattern": "**/.mark-lint.yml"}])
    );
    c.send(json!({"jsonrpc": "2.0", "id": req["id"], "result": null}));
    let (code, _) = c.finish();
    assert_eq!(code, Some(0));

    let mut c = Client::start(dir.path());
    c.init(dir.path(), json!({}));
    assert!(c.request("shutdown", Value::Null).is_null());
    assert!(
        !c.pending
            .iter()
            .any(|m| m["method"] == "client/registerCapability"),
        "{:?}",
        c.pending
    );
}

/// A minimal .docx whose body is `paras`.
fn docx(paras: &[&str]) -> Vec<u8> {
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let body: String = paras.iter().map(|p| super::para(p)).collect();
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let rels = super::rels(&[("officeDocument", "word/document.xml")]);
    let doc = format!("<w:document {w}><w:body>{body}</w:body></w:document>");
    super::zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
    ])
}

/// A Word document is checked from disk on open (whatever text the client sends) and
/// again on save; the text of its changes is never taken for the document.
#[test]
fn office_documents_are_read_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    let path = dir.path().join("报告.docx");
    std::fs::write(&path, docx(&["秘密☆5年", "正文。", "2026年1月5日"])).unwrap();
    let uri = uri_of(&path);
    let mut c = Client::start(dir.path());
    c.init(dir.path(), json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "plaintext", "version": 1, "text": "PK\u{3}\u{4}\u{fffd}\u{fffd}"}}),
    );
    let diags = c.diagnostics(&uri);
    assert_eq!(shown(&diags), ["ML001 0:0-0:0"], "{diags:?}");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("word/document.xml:1: "),
        "{diags:?}"
    );
    // The document changes on disk and is saved: checked again from disk.
    std::fs::write(&path, docx(&["机密☆10年", "正文。", "2026年1月5日"])).unwrap();
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    );
    let diags = c.diagnostics(&uri);
    assert_eq!(shown(&diags), ["ML001 0:0-0:0"], "{diags:?}");
    assert!(diags[0]["message"].as_str().unwrap().contains("机密☆10年"));
    // A change with the client's idea of the text is not the document.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "秘密☆5年"}]}),
    );
    let pulled = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    let items = pulled["items"].as_array().unwrap();
    assert_eq!(shown(items), ["ML001 0:0-0:0"]);
    assert!(items[0]["message"].as_str().unwrap().contains("机密☆10年"));
    let (code, _) = c.finish();
    assert_eq!(code, Some(0));
}

/// What the headless Neovim writes: the client API it used, then each diagnostic as
/// `code line:col-line:col` (UTF-16 columns) and its byte columns in the buffer.
const NVIM_SCRIPT: &str = r#"
local env = vim.env
vim.cmd('edit ' .. vim.fn.fnameescape(env.ML_FILE))
local buf = vim.api.nvim_get_current_buf()
local config = { name = 'mark-lint', cmd = { env.ML_BIN, 'server' }, root_dir = env.ML_ROOT }
local api
if vim.lsp.start then
  vim.lsp.start(config)
  api = 'vim.lsp.start'
else
  -- Neovim 0.7 (Debian bookworm): what vim.lsp.start wraps since 0.8.
  vim.lsp.buf_attach_client(buf, vim.lsp.start_client(config))
  api = 'vim.lsp.start_client'
end
vim.wait(30000, function() return #vim.diagnostic.get(buf) >= tonumber(env.ML_COUNT) end, 50)
local out = { api }
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1] or ''
  local last = vim.api.nvim_buf_get_lines(buf, d.end_lnum, d.end_lnum + 1, false)[1] or ''
  local _, from = vim.str_utfindex(line, d.col)
  local _, to = vim.str_utfindex(last, d.end_col)
  table.insert(out, string.format('%s %d:%d-%d:%d bytes %d-%d', d.code, d.lnum, from, d.end_lnum, to, d.col, d.end_col))
end
vim.fn.writefile(out, env.ML_OUT)
vim.cmd('qa!')
"#;

/// A real editor's client: headless Neovim starts the real binary, opens a Markdown
/// document with marks, and writes down the diagnostics it received.
#[test]
fn neovim_receives_the_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".mark-lint.yaml"), CONFIG).unwrap();
    let md = dir.path().join("通知.md");
    std::fs::write(&md, markdown()).unwrap();
    let (script, out) = (dir.path().join("client.lua"), dir.path().join("seen.txt"));
    std::fs::write(&script, NVIM_SCRIPT).unwrap();
    let spawned = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(dir.path())
        .env("ML_FILE", &md)
        .env("ML_BIN", env!("CARGO_BIN_EXE_mark-lint"))
        .env("ML_ROOT", dir.path())
        .env("ML_OUT", &out)
        .env("ML_COUNT", "2")
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return super::skip(&format!("the Neovim test needs nvim ({e})")),
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let seen = std::fs::read_to_string(&out).unwrap_or_default();
    let mut lines: Vec<&str> = seen.lines().collect();
    assert!(!lines.is_empty(), "nvim wrote nothing");
    let api = lines.remove(0);
    assert!(api.starts_with("vim.lsp.start"), "{api}");
    lines.sort();
    // ML001 after two ideographic spaces: UTF-16 columns 2-7, bytes 6-19; ML002 on
    // line 12 (the readers' line 13: U+2028 splits a line for them, not for Neovim).
    assert_eq!(
        lines,
        ["ML001 0:2-0:7 bytes 6-19", "ML002 12:0-12:6 bytes 0-14"],
        "{seen}"
    );
}
