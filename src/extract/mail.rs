//! Email messages (`.eml`, RFC 5322 and MIME): the subject and the text body are the
//! document, one part named `message`; each attachment is a document of its own
//! (`报告.eml!/附件1.docx`), forwarded messages included. Charsets (GBK, GB18030,
//! GB2312) and RFC 2047 encoded words are decoded by `mail-parser`. Never panics;
//! a message that does not parse is ML900.

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::archive::Members;
use super::{Block, Budget, Document, ExtractError, Flavour, Gap, Part, Role, html, text};

/// The name of the one part a message's own text is in.
pub const PART: &str = "message";

/// The part holding text outside every MIME part.
pub const OUTSIDE: &str = "message, outside its MIME parts";

/// Read a message; `depth` counts the documents it is carried in.
pub fn extract(bytes: &[u8], budget: &Budget, depth: usize) -> Result<Document, ExtractError> {
    let message = starts_with_a_header(bytes)
        .then(|| MessageParser::new().with_minimal_headers().parse(bytes))
        .flatten()
        .filter(|m| m.parts.first().is_some_and(|p| !p.headers.is_empty()))
        .ok_or_else(|| ExtractError::Corrupt("not an email message (no header)".into()))?;
    budget.charge_part(PART)?;
    let (part, mut gaps) = body(&message);
    gaps.extend(stray_header_line(&message, bytes));
    budget.charge_text(part.text.len(), PART)?;
    let mut parts = vec![part];
    if let Some(outside) = outside_parts(&message, bytes) {
        budget.charge_text(outside.text.len(), OUTSIDE)?;
        parts.push(outside);
    }
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    doc.created = message
        .date()
        .and_then(|d| jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).ok());
    let (embedded, more) = attachments(&message, budget, depth);
    doc.embedded = embedded;
    gaps.extend(more);
    doc.gaps = gaps;
    Ok(doc)
}

/// Text outside every MIME part: before a multipart's first boundary (the preamble)
/// and after its last (the epilogue). Mail clients do not show it, so it is hidden
/// text (a mark there is ML006); a damaged boundary can put a whole body there.
fn outside_parts(message: &Message, raw: &[u8]) -> Option<Part> {
    let mut part = Part::new(Some(OUTSIDE.to_string()), Role::Hidden);
    for multi in &message.parts {
        let PartType::Multipart(children) = &multi.body else {
            continue;
        };
        let boundary = multi
            .content_type()
            .and_then(|ct| ct.attribute("boundary"))
            .unwrap_or_default();
        let child = |id: Option<&u32>| id.and_then(|i| message.parts.get(*i as usize));
        let spans = match (child(children.first()), child(children.last())) {
            (Some(first), Some(last)) => vec![
                (multi.offset_body, first.offset_header),
                (last.offset_end, multi.offset_end),
            ],
            // No part could be parsed: all of it is outside.
            _ => vec![(multi.offset_body, multi.offset_end)],
        };
        for (from, to) in spans {
            let Some(bytes) = raw.get(from as usize..to as usize) else {
                continue;
            };
            for line in bytes.split(|b| *b == b'\n') {
                let l = raw_line(line);
                let is_boundary = !boundary.is_empty()
                    && l.trim_end()
                        .strip_prefix("--")
                        .and_then(|r| r.strip_prefix(boundary))
                        .is_some_and(|r| r.is_empty() || r == "--");
                if !is_boundary && !l.trim().is_empty() {
                    push(&mut part, &l, Block::Text);
                }
            }
        }
    }
    (!part.is_blank()).then_some(part)
}

/// One raw line of a message, decoded on its own: UTF-8, else GB18030 where that is
/// clean, else UTF-8 with replacements.
fn raw_line(line: &[u8]) -> std::borrow::Cow<'_, str> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match std::str::from_utf8(line) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(line)
            .unwrap_or_else(|| String::from_utf8_lossy(line)),
    }
}

/// Whether `line` is a header field: a name of printable ASCII, then a colon
/// (whitespace before it is obsolete syntax, still read).
fn is_field(line: &[u8]) -> bool {
    let name = line
        .iter()
        .take_while(|b| matches!(b, b'!'..=b'9' | b';'..=b'~'))
        .count();
    let rest = &line[name..];
    let colon = rest.iter().position(|b| !matches!(b, b' ' | b'\t'));
    name > 0 && colon.is_some_and(|c| rest[c] == b':')
}

/// A line among the headers of a part that is no header field and no continuation:
/// the parser drops it, and any text on it (a damaged line break can push the first
/// lines of a body into its headers). A gap, so that the loss is said.
fn stray_header_line(message: &Message, raw: &[u8]) -> Option<Gap> {
    for (i, part) in message.parts.iter().enumerate() {
        let head = raw.get(part.offset_header as usize..part.offset_body as usize)?;
        for (n, line) in head.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let allowed = line.is_empty()
                || line.starts_with(b" ")
                || line.starts_with(b"\t")
                || (i == 0 && n == 0 && line.starts_with(b"From "))
                || is_field(line);
            if !allowed {
                return Some(Gap {
                    part: Some(PART.to_string()),
                    line: 1,
                    error: ExtractError::Corrupt(format!(
                        "a line in the headers of MIME part {} is no header field: it was not read",
                        i + 1
                    )),
                });
            }
        }
    }
    None
}

/// Whether `bytes` start as a message does: a header field (`Subject: …`, a name of
/// printable ASCII and a colon), or an mbox `From ` line before one. The parser takes
/// anything for a message; text that is none is a finding, not an empty message.
fn starts_with_a_header(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"From ") {
        return true;
    }
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    is_field(first)
}

/// The subject (its first lines), then each text body: plain text as it is, HTML
/// rendered as a reader sees it. A body whose transfer encoding was damaged is a gap.
fn body(message: &Message) -> (Part, Vec<Gap>) {
    let mut part = Part::new(Some(PART.to_string()), Role::Body);
    if let Some(subject) = message.subject() {
        for (l, _) in text::split_lines(subject) {
            push(&mut part, l, Block::Text);
        }
    }
    let mut gaps = Vec::new();
    for body in message.text_bodies() {
        if body.is_encoding_problem {
            gaps.push(damaged(next_line(&part)));
        }
        match &body.body {
            PartType::Html(h) => {
                let rendered = html::render(h);
                for (i, (l, _)) in text::split_lines(&rendered.text).enumerate() {
                    let block = rendered.blocks.get(i).copied().unwrap_or_default();
                    push(&mut part, l, block);
                }
            }
            PartType::Text(t) => {
                for (l, _) in text::split_lines(t) {
                    push(&mut part, l, Block::Text);
                }
            }
            _ => {}
        }
    }
    (part, gaps)
}

/// The number of the next line of `part`: lines are numbered as the part shows them.
fn next_line(part: &Part) -> u32 {
    u32::try_from(part.line_map.len()).map_or(u32::MAX, |n| n.saturating_add(1))
}

/// One line of the message's text.
fn push(part: &mut Part, s: &str, block: Block) {
    let n = next_line(part);
    part.push_line_in(s, n, block);
}

fn damaged(line: u32) -> Gap {
    Gap {
        part: Some(PART.to_string()),
        line,
        error: ExtractError::Undecodable("a body whose transfer encoding is damaged".into()),
    }
}

/// Each attachment, read as a document against the file's budget.
fn attachments(
    message: &Message,
    budget: &Budget,
    depth: usize,
) -> (Vec<super::Embedded>, Vec<Gap>) {
    let mut members = Members::new(budget, depth);
    for (i, att) in message.attachments().enumerate() {
        if members.stopped() {
            break;
        }
        let name = attachment_name(att, i + 1);
        if members.too_deep(&name) {
            continue;
        }
        if let Err(e) = budget.charge_part(&name) {
            members.fail(&name, e);
            continue;
        }
        let bytes = att.contents().to_vec();
        if att.is_message() && !name.to_ascii_lowercase().ends_with(".eml") {
            // A forwarded message is read as one, whatever it is called.
            members.read_as(&name, &format!("{name}.eml"), bytes);
        } else {
            members.read(&name, bytes);
        }
    }
    members.finish()
}

/// The attachment's file name (decoded), without folders; else one made from its
/// position and type, so that its content is read as what it is.
fn attachment_name(att: &MessagePart, n: usize) -> String {
    if let Some(name) = att.attachment_name() {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
        if !base.is_empty() && base != "." && base != ".." {
            return base.to_string();
        }
    }
    let ext = match &att.body {
        PartType::Message(_) => ".eml",
        PartType::Html(_) => ".html",
        PartType::Text(_) => ".txt",
        _ => "",
    };
    format!("attachment-{n}{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::zipped::testkit::{self, docx, para};
    use crate::extract::{Extracted, Limits};

    fn read(eml: &[u8]) -> Document {
        testkit::doc(eml.to_vec(), "eml")
    }

    /// `=?GB2312?B?...?=` for `s`.
    fn encoded_word(s: &str) -> String {
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        format!("=?GB2312?B?{}?=", base64(&gbk))
    }

    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in bytes.chunks(3) {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Quoted-printable of `bytes` (every byte escaped: valid, if long).
    fn quoted_printable(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|b| format!("={b:02X}"))
            .collect::<Vec<_>>()
            .chunks(20)
            .map(|c| c.concat())
            .collect::<Vec<_>>()
            .join("=\r\n")
    }

    pub(crate) fn gbk_message(
        subject: &str,
        body: &str,
        attachment: Option<(&str, &[u8])>,
    ) -> Vec<u8> {
        let (gbk_body, _, _) = encoding_rs::GBK.encode(body);
        let mut m = format!(
            "From: a@example.cn\r\nTo: b@example.cn\r\nSubject: {}\r\nDate: Thu, 5 Mar 2026 08:00:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n",
            encoded_word(subject),
            quoted_printable(&gbk_body)
        );
        if let Some((name, data)) = attachment {
            m.push_str(&format!(
                "--XX\r\nContent-Type: application/octet-stream; name=\"{0}\"\r\nContent-Disposition: attachment; filename=\"{0}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{1}\r\n",
                encoded_word(name),
                base64(data)
            ));
        }
        m.push_str("--XX--\r\n");
        m.into_bytes()
    }

    #[test]
    fn gbk_subject_and_body_are_the_document() {
        let doc = read(&gbk_message(
            "机密★10年 关于会议的通知",
            "各单位：\n请于3月10日前报送。",
            None,
        ));
        assert_eq!(doc.parts.len(), 1);
        let part = &doc.parts[0];
        assert_eq!(part.name.as_deref(), Some(PART));
        assert!(
            part.text.starts_with("机密★10年 关于会议的通知\n"),
            "{}",
            part.text
        );
        assert!(part.text.contains("请于3月10日前报送。"), "{}", part.text);
        assert_eq!(doc.created, jiff::civil::Date::new(2026, 3, 5).ok());
        assert!(
            doc.gaps.is_empty() && doc.embedded.is_empty(),
            "{:?}",
            doc.gaps
        );
    }

    #[test]
    fn an_attachment_is_a_document_named_by_its_decoded_name() {
        let attached = docx(&para("秘密★5年"), &[], &[]);
        let eml = gbk_message("通知", "见附件。", Some(("附件1.docx", &attached)));
        let doc = read(&eml);
        assert_eq!(doc.embedded.len(), 1);
        assert_eq!(doc.embedded[0].name, "附件1.docx");
        assert_eq!(testkit::role_of(&doc, "秘密★5年"), Some(Role::Body));
    }

    #[test]
    fn html_only_is_rendered() {
        let eml = b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>\xe6\x9c\xba\xe5\xaf\x86&#9733;10\xe5\xb9\xb4</p><!-- c --></body></html>\r\n";
        let doc = read(eml);
        assert!(
            doc.parts[0].text.contains("机密★10年"),
            "{:?}",
            doc.parts[0].text
        );
        assert!(!doc.parts[0].text.contains("<p>"));
    }

    /// A forwarded message (message/rfc822) nests; the nesting is bounded.
    #[test]
    fn forwarded_messages_nest_within_the_bound() {
        let mut eml =
            b"Subject: inner\r\n\r\n\xe7\xbb\x9d\xe5\xaf\x86\xe2\x98\x8510\xe5\xb9\xb4\r\n"
                .to_vec();
        for i in 0..6 {
            eml = [
                format!("Subject: fwd {i}\r\nContent-Type: multipart/mixed; boundary=\"B{i}\"\r\n\r\n--B{i}\r\nContent-Type: text/plain\r\n\r\nsee below\r\n--B{i}\r\nContent-Type: message/rfc822\r\n\r\n").into_bytes(),
                eml,
                format!("\r\n--B{i}--\r\n").into_bytes(),
            ]
            .concat();
        }
        let doc = read(&eml);
        let mut d = &doc;
        let mut depth = 0;
        loop {
            let Some(e) = d.embedded.first() else {
                panic!("ends at {depth}")
            };
            match &e.doc {
                Ok(inner) => d = inner,
                Err(err) => {
                    assert!(
                        matches!(err, ExtractError::Limit(m) if m.starts_with("documents nested in documents 3")),
                        "{err:?}"
                    );
                    break;
                }
            }
            depth += 1;
        }
        assert_eq!(depth, 3);
    }

    /// Text outside every MIME part is read as hidden text; a damaged boundary can
    /// put a whole body there. A line in a part's headers that is no header field is
    /// a gap (the parser drops it).
    #[test]
    fn text_outside_the_parts_and_stray_header_lines() {
        let eml = "Subject: x\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n,-b\r\nContent-Type: text/plain\r\n\r\n机密★10年\r\n--b\r\nContent-Type: text/plain\r\n\r\n正文\r\n--b--\r\n";
        let doc = read(eml.as_bytes());
        assert_eq!(testkit::role_of(&doc, "机密★10年"), Some(Role::Hidden));
        let eml = "Subject: x\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\x0b\r\n机密★10年\r\n\r\n正文\r\n--b--\r\n";
        let doc = read(eml.as_bytes());
        assert!(
            testkit::gaps(&doc)
                .iter()
                .any(|g| g.contains("is no header field")),
            "{:?}",
            testkit::gaps(&doc)
        );
    }

    #[test]
    fn what_does_not_parse_is_corrupt() {
        for bytes in [&b""[..], b"\r\n\r\n", b"\x00\x01\x02"] {
            let got = testkit::extract(bytes.to_vec(), "eml");
            assert!(
                matches!(got, Err(ExtractError::Corrupt(_))),
                "{bytes:?}: {got:?}"
            );
        }
        // Text with a header line is a message.
        assert!(matches!(
            testkit::extract(b"Subject: x\r\n\r\nbody".to_vec(), "eml"),
            Ok(Extracted::Doc(_))
        ));
    }

    #[test]
    fn the_budget_bounds_attachments() {
        let attached = b"\xe7\xa7\x98\xe5\xaf\x86\xe2\x98\x855\xe5\xb9\xb4".repeat(100);
        let eml = gbk_message("通知", "正文", Some(("a.txt", &attached)));
        let limits = Limits {
            max_text_bytes: 200,
            ..Limits::new(1 << 20)
        };
        let got = crate::extract::extract_bytes(eml, "eml", &limits, 0);
        let Ok(Extracted::Doc(doc)) = got else {
            panic!("{got:?}")
        };
        assert!(
            testkit::gaps(&doc)
                .iter()
                .any(|g| g.contains("text read from one file")),
            "{:?}",
            testkit::gaps(&doc)
        );
    }
}
