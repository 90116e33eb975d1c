//! PDF: the text of each page in reading order, one part per page (`page 3`), and the
//! Info dictionary's creation date. No pure-Rust PDF reader is crash-proof (deep
//! nesting overflows the stack, which no `catch_unwind` can catch), so the reading runs
//! in a child process — `mark-lint __pdf-worker`, the same binary — with a time and a
//! memory bound; a crash, a timeout or an exhausted bound is ML900, and the run goes on.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Document, ExtractError, Flavour, Part, Role, map_symbols, parse_iso_date};

/// What the worker sends back.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Reply {
    pub pages: Vec<Page>,
    /// Info `CreationDate` as written (`D:20260305…`).
    pub created: Option<String>,
    /// `encrypted`, `corrupt`: why nothing could be read.
    pub error: Option<(String, String)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Page {
    pub text: String,
    /// Images drawn on a page without text: such a page is a scan.
    pub images: usize,
}

/// How long one PDF may take, and how much memory the worker may use.
pub const TIME_LIMIT: Duration = Duration::from_secs(30);
pub const MEMORY_LIMIT: u64 = 2 << 30;

/// The environment variable naming the worker binary (tests point it at the built
/// `mark-lint`; by default it is the running executable).
pub const WORKER_ENV: &str = "MARK_LINT_PDF_WORKER";

/// The hidden subcommand that runs the worker.
pub const WORKER_COMMAND: &str = "__pdf-worker";

static WORKER: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Use `exe` as the worker binary (for programs other than `mark-lint` itself, such as
/// tests); the first call wins. Without it: `MARK_LINT_PDF_WORKER`, then this program.
pub fn set_worker(exe: std::path::PathBuf) {
    let _ = WORKER.set(exe);
}

/// Read a PDF (its bytes go to the worker without a copy).
pub fn extract(bytes: Vec<u8>) -> Result<Document, ExtractError> {
    if !bytes.starts_with(b"%PDF-") {
        let head = &bytes[..bytes.len().min(1024)];
        if memchr::memmem::find(head, b"%PDF-").is_none() {
            return Err(ExtractError::Corrupt("no %PDF header".into()));
        }
    }
    if !cfg!(feature = "pdf") {
        return Err(ExtractError::Unsupported(
            ".pdf (this build has no PDF reader: cargo feature `pdf`)".into(),
        ));
    }
    let reply = run_worker(bytes)?;
    to_document(reply)
}

/// Turn the worker's reply into a document, or the reason it cannot be inspected.
pub fn to_document(reply: Reply) -> Result<Document, ExtractError> {
    if let Some((kind, detail)) = reply.error {
        return Err(match kind.as_str() {
            "encrypted" => ExtractError::Encrypted,
            _ => ExtractError::Corrupt(detail),
        });
    }
    if reply.pages.is_empty() {
        return Err(ExtractError::Corrupt("no pages".into()));
    }
    let scanned = |p: &Page| p.text.trim().is_empty() && p.images > 0;
    // The first page carries the mark; any scanned page could carry one unseen.
    if reply.pages.iter().all(|p| p.text.trim().is_empty()) || reply.pages.iter().any(scanned) {
        return Err(ExtractError::NoText);
    }
    let parts = reply
        .pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let mut part = Part::new(Some(format!("page {}", i + 1)), Role::Body);
            for (n, line) in page.text.lines().enumerate() {
                part.push_line(&map_symbols(line), n as u32 + 1);
            }
            part
        })
        .collect();
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    doc.created = reply.created.as_deref().and_then(parse_iso_date);
    doc.extracted = true;
    doc.paged = true;
    Ok(doc)
}

/// Run the worker on `bytes` (sent on its stdin) within the time and memory bounds.
fn run_worker(input: Vec<u8>) -> Result<Reply, ExtractError> {
    let exe = match (WORKER.get(), std::env::var_os(WORKER_ENV)) {
        (Some(p), _) => p.clone(),
        (None, Some(p)) => p.into(),
        (None, None) => std::env::current_exe()
            .map_err(|e| ExtractError::Crashed(format!("cannot start the PDF reader: {e}")))?,
    };
    let mut child = Command::new(exe)
        .arg(WORKER_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            ExtractError::Crashed(format!(
                "cannot start the PDF reader: {}",
                super::io_message(&e)
            ))
        })?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        // The worker may die before reading everything: that shows in its exit status.
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = stdout.read_to_end(&mut out);
        out
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > TIME_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = writer.join();
                let _ = reader.join();
                return Err(ExtractError::Crashed(format!(
                    "the PDF reader took longer than {} s",
                    TIME_LIMIT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(ExtractError::Crashed(super::io_message(&e))),
        }
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(ExtractError::Crashed(format!(
            "the PDF reader stopped ({status})"
        )));
    }
    serde_json::from_slice(&out)
        .map_err(|e| ExtractError::Crashed(format!("the PDF reader gave no answer: {e}")))
}

/// The worker: read a PDF from stdin, write a `Reply` as JSON to stdout.
pub fn worker_main() -> i32 {
    limit_memory(MEMORY_LIMIT);
    let mut bytes = Vec::new();
    if std::io::stdin().read_to_end(&mut bytes).is_err() {
        return 3;
    }
    let reply = read(&bytes);
    let mut out = std::io::stdout().lock();
    if serde_json::to_writer(&mut out, &reply).is_err() || out.flush().is_err() {
        return 3;
    }
    0
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit reads a valid, initialised struct; failure only leaves the
    // limit unset, and the parent's timeout still bounds the worker.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

#[cfg(feature = "pdf")]
fn read(bytes: &[u8]) -> Reply {
    backend::read(bytes)
}

#[cfg(not(feature = "pdf"))]
fn read(_bytes: &[u8]) -> Reply {
    Reply {
        error: Some(("corrupt".into(), "no PDF reader in this build".into())),
        ..Reply::default()
    }
}

#[cfg(feature = "pdf")]
mod backend {
    use pdf_oxide::PdfDocument;
    use pdf_oxide::optional_content::decode_pdf_text_string;

    use super::{Page, Reply};

    fn fail(kind: &str, detail: String) -> Reply {
        Reply {
            error: Some((kind.to_string(), detail)),
            ..Reply::default()
        }
    }

    pub fn read(bytes: &[u8]) -> Reply {
        let doc = match PdfDocument::from_bytes(bytes.to_vec()) {
            Ok(d) => d,
            Err(e) => return fail("corrupt", e.to_string()),
        };
        // Opening tries the empty user password: owner-only protection still reads.
        if doc.is_encrypted() && !doc.is_authenticated() {
            return fail("encrypted", String::new());
        }
        let count = match doc.page_count() {
            Ok(n) => n,
            Err(e) => return fail("corrupt", e.to_string()),
        };
        let mut pages = Vec::with_capacity(count);
        for i in 0..count {
            let text = match doc.extract_text(i) {
                Ok(t) => t,
                Err(e) => return fail("corrupt", format!("page {}: {e}", i + 1)),
            };
            // Only a page without text needs its images counted.
            let images = if text.trim().is_empty() {
                doc.page_image_handles(i).map_or(0, |h| h.len())
            } else {
                0
            };
            pages.push(Page { text, images });
        }
        Reply {
            pages,
            created: creation_date(&doc),
            error: None,
        }
    }

    /// Info `/CreationDate`, as written.
    fn creation_date(doc: &PdfDocument) -> Option<String> {
        let info = doc.trailer().as_dict()?.get("Info")?;
        let info = doc.resolve_object(info).ok()?;
        let value = info.as_dict()?.get("CreationDate")?;
        let value = doc.resolve_object(value).ok()?;
        Some(decode_pdf_text_string(value.as_string()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_and_empty_pages_are_no_text() {
        let page = |t: &str, images| Page {
            text: t.into(),
            images,
        };
        let reply = |pages| Reply {
            pages,
            ..Reply::default()
        };
        assert_eq!(
            to_document(reply(vec![page("", 1)])).unwrap_err(),
            ExtractError::NoText
        );
        assert_eq!(
            to_document(reply(vec![page("正文", 0), page("", 2)])).unwrap_err(),
            ExtractError::NoText
        );
        // A blank page without images is just blank.
        let doc = to_document(reply(vec![page("机密★1年\n", 0), page("", 0)])).unwrap();
        assert_eq!(doc.parts[0].name.as_deref(), Some("page 1"));
        assert!(doc.paged && doc.extracted);
    }

    #[test]
    fn worker_errors_map_to_reasons() {
        let r = Reply {
            error: Some(("encrypted".into(), String::new())),
            ..Reply::default()
        };
        assert_eq!(to_document(r).unwrap_err(), ExtractError::Encrypted);
    }
}
