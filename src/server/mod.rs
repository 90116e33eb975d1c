//! `mark-lint server`: a Language Server over stdio. Open text, Markdown and HTML
//! documents are checked from their unsaved text, office files and PDFs from disk on open
//! and save, each with the config of its own folder and the same engine and rules as
//! `check`. Findings go out as pushed or pulled diagnostics, with hover (rule, article,
//! help) and code actions (the safe `--fix` edit, an inline suppression).
//!
//! It must outlive any message and any document: a bad request is answered with an
//! error, a panic in a handler is caught, and nothing ends the loop but `exit` or the
//! client closing the stream. Nothing leaves the machine, and the log (stderr) holds
//! paths, codes and timings only — never document text.

mod features;
pub mod position;
mod transport;
pub mod uri;
mod workspace;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::Receiver;
use std::time::Instant;

use anyhow::Result;
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use serde_json::{Value, json};

use crate::config::ConfigFile;
use crate::config::resolve::{Overrides, Settings, resolve};
use crate::diagnostic::{Diagnostic, Lang, Severity};
use crate::extract::Flavour;
use position::Lines;
use transport::{Cancelled, Incoming};

/// Extensions of files read from disk (containers, office documents, PDFs): an editor
/// does not hold their text.
const FROM_DISK: &[&str] = &[
    "docx", "docm", "dotx", "odt", "ott", "ofd", "pdf", "doc", "dot", "wps", "et", "xls", "xlsx",
    "ppt", "pptx", "odp", "ods", "rtf", "zip", "tar", "gz", "tgz", "eml", "rar", "7z",
];

/// A closed text file larger than this is checked from disk, its findings at the
/// start of the file.
const MAX_TEXT_READ: u64 = 16 << 20;

/// An open document.
struct Doc {
    uri: lsp::Uri,
    version: Option<i32>,
    /// The editor's text (unsaved); `None` for a file read from disk.
    text: Option<String>,
    path: PathBuf,
    flavour: Flavour,
    /// The last findings, with their ranges.
    found: Vec<Found>,
}

/// One finding as the client sees it, with the mark-lint finding behind it.
pub(crate) struct Found {
    pub lsp: lsp::Diagnostic,
    /// `None` for a config error.
    pub diag: Option<Diagnostic>,
}

/// The settings of a config, kept while its text is the same.
type ConfigKey = Option<(PathBuf, String)>;

struct Server {
    incoming: Receiver<Incoming>,
    /// Requests the client cancelled, noted by the reader as they come.
    cancelled: Cancelled,
    docs: BTreeMap<String, Doc>,
    settings: BTreeMap<ConfigKey, Rc<Settings>>,
    /// The client's interface language, used when the config names none.
    locale: Option<Lang>,
    /// The client pulls diagnostics itself: nothing is pushed.
    pulls: bool,
    /// The client lets the server register a watcher for configs.
    watch: bool,
    /// The open folders, checked by workspace diagnostics.
    folders: Vec<PathBuf>,
    bounds: workspace::Bounds,
    shutdown: bool,
}

/// Run the server on stdin/stdout until `exit`; the exit code (1 for `exit` without
/// `shutdown`, as the protocol asks).
pub fn run() -> Result<i32> {
    let (incoming, cancelled) = transport::spawn_reader(std::io::BufReader::new(std::io::stdin()));
    Ok(match serve(incoming, cancelled) {
        Ok(code) => code,
        Err(e) => {
            log(&format!("stopped: {e}"));
            crate::EXIT_FAILURE
        }
    })
}

/// Wait for `initialize`: any other request is refused, a notification dropped.
fn handshake(incoming: &Receiver<Incoming>) -> Option<(RequestId, Value)> {
    while let Ok(msg) = incoming.recv() {
        match msg {
            Incoming::Malformed(e) => send_raw(&e),
            Incoming::Message(Message::Request(r)) if r.method == "initialize" => {
                return Some((r.id, r.params));
            }
            Incoming::Message(Message::Request(r)) => send(Response::new_err(
                r.id,
                ErrorCode::ServerNotInitialized as i32,
                "not initialized".into(),
            )),
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => return None,
            Incoming::Message(_) => {}
        }
    }
    None
}

fn serve(incoming: Receiver<Incoming>, cancelled: Cancelled) -> Result<i32> {
    let (id, params) =
        handshake(&incoming).ok_or_else(|| anyhow::anyhow!("no initialize request"))?;
    let init: lsp::InitializeParams = serde_json::from_value(params.clone()).unwrap_or_default();
    let locale = init.locale.as_deref().map(|l| {
        if l.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    });
    let pulls = init
        .capabilities
        .text_document
        .as_ref()
        .is_some_and(|t| t.diagnostic.is_some());
    let watch = init
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|w| w.dynamic_registration)
        .unwrap_or(false);
    let result = json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "mark-lint", "version": env!("CARGO_PKG_VERSION")},
    });
    send(Response::new_ok(id, result));
    log("initialized");
    let mut server = Server {
        incoming,
        cancelled,
        docs: BTreeMap::new(),
        settings: BTreeMap::new(),
        locale,
        pulls,
        watch,
        folders: workspace::folders(&params),
        bounds: workspace::Bounds::from_options(init.initialization_options.as_ref()),
        shutdown: false,
    };
    while let Ok(msg) = server.incoming.recv() {
        let msg = match msg {
            Incoming::Message(m) => m,
            Incoming::Malformed(e) => {
                log("a message that is not JSON-RPC: answered with an error");
                send_raw(&e);
                continue;
            }
        };
        match msg {
            Message::Request(req) => server.request(req),
            Message::Notification(n) if n.method == "exit" => {
                return Ok(if server.shutdown { 0 } else { 1 });
            }
            Message::Notification(n) => server.notification(n),
            Message::Response(_) => {}
        }
    }
    Ok(if server.shutdown { 0 } else { 1 })
}

/// Send a message; the client gone, the loop ends at the next receive.
fn send(msg: impl Into<Message>) {
    let _ = transport::write_message(&msg.into());
}

fn send_raw(value: &Value) {
    let _ = transport::write(value);
}

fn capabilities() -> Value {
    serde_json::json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "diagnosticProvider": {
            "identifier": "mark-lint",
            "interFileDependencies": false,
            "workspaceDiagnostics": true,
        },
    })
}

/// A line on stderr, the server's log: paths, codes and timings only.
fn log(msg: &str) {
    let msg = crate::report::escape_keeping(msg, &[]);
    let _ = writeln!(std::io::stderr(), "mark-lint server: {msg}");
}

impl Server {
    fn send(&self, msg: impl Into<Message>) {
        send(msg);
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        if self.shutdown {
            let e = Response::new_err(id, ErrorCode::InvalidRequest as i32, "shut down".into());
            return self.send(e);
        }
        // Cancelled while it waited: not even started.
        if self.cancelled.take(&id) {
            return self.send(cancelled(id));
        }
        let method = req.method.clone();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.answer(req)));
        let response = match caught {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => {
                log(&format!("{method}: internal error (caught)"));
                Response::new_err(id, ErrorCode::InternalError as i32, "internal error".into())
            }
        };
        // A cancellation that came too late is forgotten.
        self.cancelled.take(&response.id);
        self.send(response);
    }

    fn answer(&mut self, req: Request) -> Result<Value, (ErrorCode, String)> {
        let bad = |e: serde_json::Error| (ErrorCode::InvalidParams, e.to_string());
        match req.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            "textDocument/hover" => {
                let p: lsp::HoverParams = serde_json::from_value(req.params).map_err(bad)?;
                let doc = &p.text_document_position_params;
                let key = doc.text_document.uri.as_str();
                let Some(path) = self.docs.get(key).map(|d| d.path.clone()) else {
                    return Ok(Value::Null);
                };
                let lang = self.lang_of(&path);
                let hover = self
                    .docs
                    .get(key)
                    .and_then(|d| features::hover(&d.found, doc.position, lang));
                Ok(serde_json::to_value(hover).unwrap_or(Value::Null))
            }
            "textDocument/codeAction" => {
                let p: lsp::CodeActionParams = serde_json::from_value(req.params).map_err(bad)?;
                let actions = self.code_actions(&p);
                Ok(serde_json::to_value(actions).unwrap_or(Value::Null))
            }
            "workspace/diagnostic" => self.workspace_diagnostics(&req.id),
            "textDocument/diagnostic" => {
                let p: lsp::DocumentDiagnosticParams =
                    serde_json::from_value(req.params).map_err(bad)?;
                let items = self.pull(&p.text_document.uri);
                Ok(serde_json::json!({"kind": "full", "items": items}))
            }
            other => Err((ErrorCode::MethodNotFound, format!("unknown method {other}"))),
        }
    }

    fn notification(&mut self, n: Notification) {
        let method = n.method.clone();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notified(n)));
        if caught.is_err() {
            log(&format!("{method}: internal error (caught)"));
        }
    }

    fn notified(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.open(d.uri, &d.language_id, d.version, d.text);
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    self.change(&p);
                }
            }
            "textDocument/didSave" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params) {
                    self.saved(p.text_document.uri.as_str());
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.close(p.text_document.uri.as_str());
                }
            }
            "workspace/didChangeWatchedFiles" | "workspace/didChangeConfiguration" => self.reload(),
            "initialized" => self.register_watcher(),
            _ => {}
        }
    }

    fn open(&mut self, uri: lsp::Uri, language: &str, version: i32, text: String) {
        let path = doc_path(uri.as_str(), language);
        let from_disk = is_from_disk(&path);
        let flavour = flavour_of(&path);
        let doc = Doc {
            uri: uri.clone(),
            version: Some(version),
            text: (!from_disk).then_some(text),
            path,
            flavour,
            found: Vec::new(),
        };
        self.docs.insert(uri.as_str().to_string(), doc);
        self.check(uri.as_str());
    }

    /// Ask the client to watch the configs, when it lets servers register watchers.
    fn register_watcher(&self) {
        if !self.watch {
            return;
        }
        let watchers: Vec<Value> = crate::config::CONFIG_NAMES
            .iter()
            .map(|n| json!({"globPattern": format!("**/{n}")}))
            .collect();
        let params = json!({"registrations": [{
            "id": "mark-lint/configs",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": watchers},
        }]});
        self.send(Request::new(
            RequestId::from("mark-lint/register-watcher".to_string()),
            "client/registerCapability".into(),
            params,
        ));
    }

    fn change(&mut self, p: &lsp::DidChangeTextDocumentParams) {
        let key = p.text_document.uri.as_str();
        let Some(doc) = self.docs.get_mut(key) else {
            return;
        };
        // Incremental sync: each change in turn, a range replaced or (no range) the
        // whole text. A file read from disk keeps no text: its changes are ignored.
        if let Some(text) = &mut doc.text {
            for change in &p.content_changes {
                match change.range {
                    Some(r) => {
                        let from = position::offset(text, r.start);
                        let to = position::offset(text, r.end).max(from);
                        text.replace_range(from..to, &change.text);
                    }
                    None => *text = change.text.clone(),
                }
            }
        }
        doc.version = Some(p.text_document.version);
        if is_config(&doc.path) {
            return self.reload();
        }
        self.check(key);
    }

    fn saved(&mut self, key: &str) {
        let config = self.docs.get(key).is_some_and(|d| is_config(&d.path));
        if config {
            self.reload();
        } else if self.docs.get(key).is_some_and(|d| d.text.is_none()) {
            self.check(key);
        }
    }

    fn close(&mut self, key: &str) {
        if let Some(doc) = self.docs.remove(key)
            && !self.pulls
        {
            self.publish(&doc.uri, None, Vec::new());
        }
    }

    /// A config changed: forget every settings and check every open document again.
    fn reload(&mut self) {
        self.settings.clear();
        log("configs reloaded");
        let keys: Vec<String> = self.docs.keys().cloned().collect();
        for key in keys {
            self.check(&key);
        }
        if self.pulls {
            // Ask the client to pull again (it may decline: the answer is ignored).
            let refresh = Request::new(
                lsp_server::RequestId::from("mark-lint/refresh".to_string()),
                "workspace/diagnostic/refresh".into(),
                Value::Null,
            );
            self.send(refresh);
        }
    }

    /// Check an open document again; push its findings unless the client pulls them.
    fn check(&mut self, key: &str) {
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        if is_config(&doc.path) {
            return;
        }
        let (path, text) = (doc.path.clone(), doc.text.clone());
        let found = self.findings(&path, text.as_deref());
        let Some(doc) = self.docs.get_mut(key) else {
            return;
        };
        doc.found = found;
        if !self.pulls {
            let diags = doc.found.iter().map(|f| f.lsp.clone()).collect();
            let (uri, version) = (doc.uri.clone(), doc.version);
            self.publish(&uri, version, diags);
        }
    }

    /// The findings of the document at `path`, from `text` or (`None`) from disk.
    fn findings(&mut self, path: &Path, text: Option<&str>) -> Vec<Found> {
        let started = Instant::now();
        let found = match self.settings_for(path) {
            Ok(s) => {
                let bytes = text.map(|t| t.as_bytes().to_vec());
                let diags = crate::engine::lint_one(&s, path, bytes);
                convert(diags, &Lines::new(text.unwrap_or("")), text.is_some())
            }
            Err(message) => vec![config_error(message)],
        };
        let codes: Vec<String> = found
            .iter()
            .map(|f| {
                f.diag
                    .as_ref()
                    .map_or("config".into(), |d| d.code.to_string())
            })
            .collect();
        log(&format!(
            "checked {} in {} ms: [{}]",
            path.display(),
            started.elapsed().as_millis(),
            codes.join(" ")
        ));
        found
    }

    fn publish(&self, uri: &lsp::Uri, version: Option<i32>, diagnostics: Vec<lsp::Diagnostic>) {
        let params = lsp::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new(
            "textDocument/publishDiagnostics".into(),
            params,
        ));
    }

    /// The findings of a document for a pull; a document that is not open is read from
    /// disk (and not kept).
    fn pull(&mut self, uri: &lsp::Uri) -> Vec<lsp::Diagnostic> {
        let found = match self.docs.get(uri.as_str()) {
            Some(d) => return d.found.iter().map(|f| f.lsp.clone()).collect(),
            None => match uri::to_path(uri.as_str()) {
                Some(path) if !is_config(&path) => self.closed_findings(&path),
                _ => Vec::new(),
            },
        };
        found.into_iter().map(|f| f.lsp).collect()
    }

    /// The findings of a file no editor holds: a text file in UTF-8 through its text
    /// (so that ranges are exact), any other from disk.
    fn closed_findings(&mut self, path: &Path) -> Vec<Found> {
        let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_TEXT_READ);
        let text = (small && !is_from_disk(path))
            .then(|| std::fs::read(path).ok())
            .flatten()
            .and_then(|b| String::from_utf8(b).ok());
        self.findings(path, text.as_deref())
    }

    /// The settings of the config above `path` (found afresh, kept while its text is
    /// the same); an error names what is wrong with the config.
    fn settings_for(&mut self, path: &Path) -> Result<Rc<Settings>, String> {
        let file = ConfigFile::discover(path).map_err(|e| format!("{e:#}"))?;
        let key: ConfigKey = file.as_ref().map(|f| (f.path.clone(), f.source.clone()));
        if let Some(s) = self.settings.get(&key) {
            return Ok(s.clone());
        }
        let over = Overrides {
            snippets: true,
            ..Overrides::default()
        };
        let mut s = resolve(&over, file.as_ref()).map_err(|e| format!("{e:#}"))?;
        if file.as_ref().is_none_or(|f| f.raw.lang.is_none())
            && let Some(l) = self.locale
        {
            s.lang = l;
        }
        let s = Rc::new(s);
        self.settings.insert(key, s.clone());
        Ok(s)
    }

    fn lang_of(&mut self, path: &Path) -> Lang {
        self.settings_for(path)
            .map(|s| s.lang)
            .unwrap_or(self.locale.unwrap_or_else(crate::config::lang_from_env))
    }

    fn code_actions(&mut self, p: &lsp::CodeActionParams) -> Vec<lsp::CodeAction> {
        let key = p.text_document.uri.as_str();
        let Some(path) = self.docs.get(key).map(|d| d.path.clone()) else {
            return Vec::new();
        };
        let Ok(s) = self.settings_for(&path) else {
            return Vec::new();
        };
        let Some(doc) = self.docs.get(key) else {
            return Vec::new();
        };
        let Some(text) = doc.text.as_deref() else {
            return Vec::new();
        };
        let ctx = features::ActionContext {
            uri: &doc.uri,
            text,
            flavour: doc.flavour,
            settings: &s,
        };
        features::code_actions(&ctx, &doc.found, &p.range)
    }
}

/// The answer to a cancelled request.
fn cancelled(id: RequestId) -> Response {
    Response::new_err(id, ErrorCode::RequestCanceled as i32, "cancelled".into())
}

/// The path a document is checked as: its file, or for an unsaved buffer a name in the
/// working folder with the extension of its language.
fn doc_path(uri: &str, language: &str) -> PathBuf {
    uri::to_path(uri).unwrap_or_else(|| {
        let ext = match language {
            "markdown" => "md",
            "html" => "html",
            _ => "txt",
        };
        std::env::current_dir()
            .unwrap_or_default()
            .join(format!("untitled.{ext}"))
    })
}

fn is_from_disk(path: &Path) -> bool {
    FROM_DISK.contains(&crate::extract::extension(path).as_str())
}

fn flavour_of(path: &Path) -> Flavour {
    match crate::extract::extension(path).as_str() {
        "md" | "markdown" | "mdown" | "mkd" => Flavour::Markdown,
        "html" | "htm" | "xhtml" => Flavour::Html,
        _ => Flavour::Plain,
    }
}

fn is_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| crate::config::CONFIG_NAMES.contains(&n))
}

/// Findings as the client sees them. A finding inside a part of an office document
/// (`word/header1.xml`) or a carried document has no place in an editor's text: it
/// stands at the start, its place named in the message.
fn convert(diags: Vec<Diagnostic>, lines: &Lines, has_text: bool) -> Vec<Found> {
    diags
        .into_iter()
        .map(|d| {
            let in_text = has_text && d.part.is_none() && d.path.inner.is_empty();
            let range = if in_text {
                lines.finding_range(&d)
            } else {
                lsp::Range::default()
            };
            let mut message = format!("{} [{}]", d.message, d.name);
            if !in_text {
                let mut place = d.path.inner_text().unwrap_or_default();
                if let Some(part) = &d.part {
                    if !place.is_empty() {
                        place.push_str("!/");
                    }
                    place.push_str(part);
                }
                message = format!("{place}:{}: {message}", d.line);
            }
            let lsp = lsp::Diagnostic {
                range,
                severity: Some(severity(d.severity)),
                code: Some(lsp::NumberOrString::String(d.code.to_string())),
                source: Some("mark-lint".into()),
                message,
                data: Some(serde_json::json!({"name": &*d.name})),
                ..lsp::Diagnostic::default()
            };
            Found { lsp, diag: Some(d) }
        })
        .collect()
}

fn severity(s: Severity) -> lsp::DiagnosticSeverity {
    match s {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// A config that cannot be read: one finding at the start of the document, saying why.
fn config_error(message: String) -> Found {
    let lsp = lsp::Diagnostic {
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        source: Some("mark-lint".into()),
        message: format!("mark-lint: config: {message}"),
        ..lsp::Diagnostic::default()
    };
    Found { lsp, diag: None }
}
