//! The server's own framing of messages on stdin/stdout. `lsp-server`'s stdio reader
//! ends its thread at the first frame it cannot parse (a bad header, a body that is not
//! JSON), and the server with it; this reader survives any input. A header line that is
//! not a header is skipped (a `Content-Length:` inside it, after garbage, starts the
//! next frame); a body that is not JSON is answered with a parse error, a JSON body that
//! is no message with an invalid-request error (its `id` when it has one).
//!
//! The reader also notes `$/cancelRequest` at once, so that a long request on the main
//! thread (workspace diagnostics) can see its cancellation while it runs.

use std::collections::HashSet;
use std::io::{BufRead, Read, Write};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use lsp_server::{ErrorCode, Message, RequestId};
use serde_json::{Value, json};

/// A body larger than this is skipped unread (and answered as a parse error): no
/// client sends a document of 256 MiB.
const MAX_BODY: usize = 256 << 20;

/// What the reader hands the main thread.
pub enum Incoming {
    Message(Message),
    /// A frame that is no message: the error to answer it with.
    Malformed(Value),
}

/// The ids of requests the client cancelled, shared with the reader.
#[derive(Clone, Default)]
pub struct Cancelled(Arc<Mutex<HashSet<RequestId>>>);

/// Cancellations kept at most: one for a request already answered is never asked
/// about, and clients send such (the set is emptied when it is full).
const MAX_CANCELLED: usize = 4096;

impl Cancelled {
    fn add(&self, id: RequestId) {
        if let Ok(mut set) = self.0.lock() {
            if set.len() >= MAX_CANCELLED {
                set.clear();
            }
            set.insert(id);
        }
    }

    /// Whether `id` was cancelled.
    pub fn contains(&self, id: &RequestId) -> bool {
        self.0.lock().is_ok_and(|set| set.contains(id))
    }

    /// Whether `id` was cancelled, forgetting it.
    pub fn take(&self, id: &RequestId) -> bool {
        self.0.lock().is_ok_and(|mut set| set.remove(id))
    }
}

/// Start the reader thread on `input`: messages until the stream ends.
pub fn spawn_reader(input: impl BufRead + Send + 'static) -> (Receiver<Incoming>, Cancelled) {
    let (tx, rx) = channel();
    let cancelled = Cancelled::default();
    let noted = cancelled.clone();
    std::thread::spawn(move || read_all(input, &tx, &noted));
    (rx, cancelled)
}

fn read_all(mut input: impl BufRead, tx: &Sender<Incoming>, cancelled: &Cancelled) {
    while let Some(frame) = read_frame(&mut input) {
        let incoming = match frame {
            Ok(body) => parse(&body),
            Err(()) => {
                Incoming::Malformed(error(Value::Null, ErrorCode::ParseError, "body too large"))
            }
        };
        if let Incoming::Message(Message::Notification(n)) = &incoming
            && n.method == "$/cancelRequest"
            && let Some(id) = n.params.get("id").and_then(request_id)
        {
            cancelled.add(id);
        }
        if tx.send(incoming).is_err() {
            return;
        }
    }
}

/// A JSON-RPC error response (`id` null when the message had none).
fn error(id: Value, code: ErrorCode, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code as i32, "message": message}})
}

fn request_id(v: &Value) -> Option<RequestId> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(RequestId::from),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}

/// A body as a message, or the error that answers it: a request has a method and an
/// id, a notification a method alone, a response an id alone.
fn parse(body: &[u8]) -> Incoming {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Incoming::Malformed(error(Value::Null, ErrorCode::ParseError, "not JSON"));
    };
    let id = value.get("id").filter(|v| request_id(v).is_some()).cloned();
    let parsed = match (value.get("method").is_some(), &id) {
        (true, Some(_)) => serde_json::from_value(value).map(Message::Request).ok(),
        (true, None) if value.get("id").is_none() => serde_json::from_value(value)
            .map(Message::Notification)
            .ok(),
        (false, Some(_)) => serde_json::from_value(value).map(Message::Response).ok(),
        _ => None,
    };
    match parsed {
        Some(m) => Incoming::Message(m),
        None => Incoming::Malformed(error(
            id.unwrap_or(Value::Null),
            ErrorCode::InvalidRequest,
            "not a message",
        )),
    }
}

/// The next frame's body; `Err` for a body too large to read (skipped); `None` at the
/// end of the stream.
fn read_frame(input: &mut impl BufRead) -> Option<Result<Vec<u8>, ()>> {
    let mut length: Option<usize> = None;
    let mut seen_header = false;
    loop {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if seen_header && let Some(n) = length {
                break read_body(input, n);
            }
            // A blank line with no length before it: garbage, keep looking.
            (length, seen_header) = (None, false);
            continue;
        }
        // Garbage before a header on the same line: the header starts the frame.
        let lower = text.to_ascii_lowercase();
        let header = match lower.find("content-length:") {
            Some(at) => &text[at..],
            None => text,
        };
        match header.split_once(':') {
            Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                length = value.trim().parse().ok();
                seen_header = true;
            }
            Some((name, _)) if is_token(name) => seen_header = true,
            // Not a header: garbage, forgotten with whatever came before it.
            _ => (length, seen_header) = (None, false),
        }
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn read_body(input: &mut impl BufRead, n: usize) -> Option<Result<Vec<u8>, ()>> {
    if n > MAX_BODY {
        let skipped = std::io::copy(&mut input.take(n as u64), &mut std::io::sink()).ok()?;
        return (skipped == n as u64).then_some(Err(()));
    }
    let mut body = Vec::with_capacity(n.min(1 << 20));
    input.take(n as u64).read_to_end(&mut body).ok()?;
    (body.len() == n).then_some(Ok(body))
}

/// Write one message (or a raw error response) on stdout, framed.
pub fn write(value: &impl serde::Serialize) -> std::io::Result<()> {
    let text = serde_json::to_string(value)?;
    let mut out = std::io::stdout().lock();
    write!(out, "Content-Length: {}\r\n\r\n", text.len())?;
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// A message as it goes out (`Message` serialises without the `jsonrpc` member).
pub fn write_message(msg: &Message) -> std::io::Result<()> {
    let mut value = serde_json::to_value(msg)?;
    if let Some(map) = value.as_object_mut() {
        map.insert("jsonrpc".into(), "2.0".into());
    }
    write(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<String> {
        let mut r = std::io::BufReader::new(input);
        let mut out = Vec::new();
        while let Some(f) = read_frame(&mut r) {
            out.push(match f {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(()) => "<too large>".into(),
            });
        }
        out
    }

    #[test]
    fn frames_survive_garbage() {
        let input = b"hello world\r\n\r\nContent-Length: 2\r\n\r\n{}garbage\xff\xfeContent-Length: 4\r\nContent-Type: x\r\n\r\nnull\n\nContent-Length: 3\n\n[1]";
        assert_eq!(frames(input), ["{}", "null", "[1]"]);
    }

    #[test]
    fn bad_lengths_and_short_bodies() {
        assert_eq!(frames(b"Content-Length: x\r\n\r\n{}"), Vec::<String>::new());
        assert_eq!(frames(b"Content-Length: 9\r\n\r\n{}"), Vec::<String>::new());
        let big = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
        let mut input = big.into_bytes();
        input.extend(std::iter::repeat_n(b' ', MAX_BODY + 1));
        input.extend(b"Content-Length: 2\r\n\r\n{}");
        assert_eq!(frames(&input), ["<too large>", "{}"]);
    }

    #[test]
    fn bodies_that_are_no_message() {
        let Incoming::Malformed(e) = parse(b"{not json") else {
            panic!("parsed")
        };
        assert_eq!(e["error"]["code"], -32700);
        assert!(e["id"].is_null());
        let Incoming::Malformed(e) = parse(br#"{"id": 7, "method": 5}"#) else {
            panic!("parsed")
        };
        assert_eq!(
            (e["id"].clone(), e["error"]["code"].clone()),
            (json!(7), json!(-32600))
        );
        let Incoming::Malformed(e) = parse(br#"{"id": {}, "method": "x"}"#) else {
            panic!("parsed")
        };
        assert!(e["id"].is_null());
        assert!(matches!(parse(b"[1]"), Incoming::Malformed(_)));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            Incoming::Message(Message::Request(_))
        ));
    }
}
