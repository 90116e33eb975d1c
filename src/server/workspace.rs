//! `workspace/diagnostic`: every file of the open folders, as `check` would walk them
//! (the config's `exclude`, `.gitignore`, `.marklintignore`), open documents from their
//! unsaved text. Bounded by a number of files, of bytes and a time: when a bound is
//! reached the files checked so far are the (partial) answer, and the client is told in
//! a `window/logMessage` which bound stopped it. Cancellable: the reader notes a
//! `$/cancelRequest` at once, and the walk looks at it before each file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Notification, RequestId};
use serde_json::{Value, json};

use super::position::Lines;
use super::{Found, Server, convert, is_config, log, uri};
use crate::walk;

/// How much one workspace pull may check. The defaults keep a pull on a large folder
/// to seconds; `initializationOptions.workspaceDiagnostics` sets them (`maxFiles`,
/// `maxBytes`, `maxMillis`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub files: usize,
    pub bytes: u64,
    pub time: Duration,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            files: 2000,
            bytes: 256 << 20,
            time: Duration::from_secs(20),
        }
    }
}

impl Bounds {
    pub fn from_options(options: Option<&Value>) -> Bounds {
        let mut b = Bounds::default();
        let Some(o) = options.and_then(|o| o.get("workspaceDiagnostics")) else {
            return b;
        };
        if let Some(n) = o.get("maxFiles").and_then(Value::as_u64) {
            b.files = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = o.get("maxBytes").and_then(Value::as_u64) {
            b.bytes = n;
        }
        if let Some(n) = o.get("maxMillis").and_then(Value::as_u64) {
            b.time = Duration::from_millis(n);
        }
        b
    }
}

/// The open folders of an `initialize` request: its workspace folders, else its root.
pub fn folders(params: &Value) -> Vec<PathBuf> {
    let listed: Vec<PathBuf> = params["workspaceFolders"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["uri"].as_str().and_then(uri::to_path))
                .collect()
        })
        .unwrap_or_default();
    if !listed.is_empty() {
        return listed;
    }
    if let Some(p) = params["rootUri"].as_str().and_then(uri::to_path) {
        return vec![p];
    }
    params["rootPath"]
        .as_str()
        .map(|p| vec![PathBuf::from(p)])
        .unwrap_or_default()
}

/// How far a workspace pull got.
struct Tally {
    started: Instant,
    files: usize,
    bytes: u64,
}

impl Tally {
    /// Which bound checking `size` more bytes would pass, if any.
    fn over(&self, b: &Bounds, size: u64) -> Option<String> {
        if self.files >= b.files {
            Some(format!("maxFiles = {}", b.files))
        } else if self.bytes.saturating_add(size) > b.bytes {
            Some(format!("maxBytes = {}", b.bytes))
        } else if self.started.elapsed() >= b.time {
            Some(format!("maxMillis = {}", b.time.as_millis()))
        } else {
            None
        }
    }
}

type Answer = Result<Value, (ErrorCode, String)>;

impl Server {
    /// The findings of every file of the open folders, within the bounds.
    pub(super) fn workspace_diagnostics(&mut self, id: &RequestId) -> Answer {
        let mut tally = Tally {
            started: Instant::now(),
            files: 0,
            bytes: 0,
        };
        let open: BTreeMap<PathBuf, String> = self
            .docs
            .iter()
            .map(|(k, d)| (d.path.clone(), k.clone()))
            .collect();
        let mut items = Vec::new();
        let mut stopped = None;
        'folders: for folder in self.folders.clone() {
            let (files, problems) = self.walk_folder(&folder);
            items.extend(problems);
            for path in files {
                if self.cancelled.contains(id) {
                    log("workspace diagnostics cancelled");
                    return Err((ErrorCode::RequestCanceled, "cancelled".into()));
                }
                let size = match open.get(&path).and_then(|k| self.docs.get(k)) {
                    Some(d) => d.text.as_ref().map_or(0, |t| t.len() as u64),
                    None => std::fs::metadata(&path).map_or(0, |m| m.len()),
                };
                if let Some(bound) = tally.over(&self.bounds, size) {
                    stopped = Some(bound);
                    break 'folders;
                }
                tally.files += 1;
                tally.bytes += size;
                items.push(self.file_report(&path, open.get(&path)));
            }
        }
        let ms = tally.started.elapsed().as_millis();
        if let Some(bound) = stopped {
            let message = format!(
                "mark-lint: workspace diagnostics stopped at {bound}: {} files ({} bytes) checked in {ms} ms, the others not checked",
                tally.files, tally.bytes
            );
            log(&message);
            self.send(Notification::new(
                "window/logMessage".into(),
                json!({"type": 2, "message": message}),
            ));
        } else {
            log(&format!(
                "workspace diagnostics: {} files in {ms} ms",
                tally.files
            ));
        }
        Ok(json!({ "items": items }))
    }

    /// The files of `folder` as `check` walks it, and its walk problems as reports.
    fn walk_folder(&mut self, folder: &Path) -> (Vec<PathBuf>, Vec<Value>) {
        let settings = self.settings_for(folder).ok();
        let ignores = walk::Ignores::default();
        let opts = walk::WalkOptions {
            exclude: settings.as_ref().and_then(|s| s.exclude.as_ref()),
            skip: settings.as_ref().map_or(&[][..], |s| &s.rule_dirs),
            ignores: &ignores,
        };
        let (files, errors) = walk::walk(folder, &opts);
        let files = files.into_iter().filter(|p| !is_config(p)).collect();
        let Some(s) = settings else {
            return (files, Vec::new());
        };
        let mut by_path: BTreeMap<PathBuf, Vec<Found>> = BTreeMap::new();
        for (e, d) in errors.iter().zip(crate::engine::walk_problems(&s, &errors)) {
            let found = convert(vec![d], &Lines::new(""), false);
            by_path.entry(e.path.clone()).or_default().extend(found);
        }
        let reports = by_path
            .into_iter()
            .map(|(p, found)| report(&uri::from_path(&p), None, &found))
            .collect();
        (files, reports)
    }

    /// One file's report: an open document's findings as last checked, any other
    /// file's from disk.
    fn file_report(&mut self, path: &Path, open: Option<&String>) -> Value {
        if let Some(d) = open.and_then(|k| self.docs.get(k)) {
            return report(d.uri.as_str(), d.version, &d.found);
        }
        let found = self.closed_findings(path);
        report(&uri::from_path(path), None, &found)
    }
}

fn report(uri: &str, version: Option<i32>, found: &[Found]) -> Value {
    let items: Vec<&lsp_types::Diagnostic> = found.iter().map(|f| &f.lsp).collect();
    json!({"kind": "full", "uri": uri, "version": version, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_from_options() {
        assert_eq!(Bounds::from_options(None), Bounds::default());
        let o = json!({"workspaceDiagnostics": {"maxFiles": 3, "maxBytes": 10, "maxMillis": 5}});
        let b = Bounds::from_options(Some(&o));
        assert_eq!(
            (b.files, b.bytes, b.time),
            (3, 10, Duration::from_millis(5))
        );
    }

    #[test]
    fn folders_from_initialize() {
        let p = json!({"workspaceFolders": [{"uri": "file:///a/b", "name": "b"}], "rootUri": "file:///c"});
        assert_eq!(folders(&p), [PathBuf::from("/a/b")]);
        assert_eq!(
            folders(&json!({"rootUri": "file:///c"})),
            [PathBuf::from("/c")]
        );
        assert_eq!(folders(&json!({"rootPath": "/d"})), [PathBuf::from("/d")]);
        assert!(folders(&json!({})).is_empty());
    }
}
