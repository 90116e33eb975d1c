//! A streaming walk over one XML part, shared by every zip/XML format (DOCX, ODT, OFD,
//! XLSX, PPTX). It decodes the part (UTF-8, UTF-16 with BOM, or the encoding its
//! declaration names), resolves character and predefined entity references, never
//! expands DTD entities (no billion laughs), and bounds the nesting depth.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{Bound, ExtractError};

/// One step of the walk. Element and attribute names are local (prefix removed), so
/// both OFD namespace URIs and every producer's prefixes read the same.
pub enum Ev<'a> {
    Open(&'a Element<'a>),
    Close(&'a str),
    Text(&'a str),
}

/// An opening tag.
pub struct Element<'a> {
    pub name: &'a str,
    start: &'a BytesStart<'a>,
}

impl Element<'_> {
    /// The value of the attribute with local name `local`, unescaped.
    pub fn attr(&self, local: &str) -> Option<String> {
        self.start.attributes().flatten().find_map(|a| {
            if a.key.local_name().into_inner() != local {
                return None;
            }
            Some(
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(Cow::into_owned)
                    .unwrap_or_else(|_| a.value.into_owned()),
            )
        })
    }
}

impl Element<'_> {
    /// Every attribute but namespace declarations: (prefix, local name, value
    /// unescaped), in document order.
    pub fn attrs(&self) -> Vec<(Option<String>, String, String)> {
        self.start
            .attributes()
            .flatten()
            .filter(|a| a.key.as_namespace_binding().is_none())
            .map(|a| {
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(Cow::into_owned)
                    .unwrap_or_else(|_| a.value.to_string());
                (
                    a.key.prefix().map(|p| p.into_inner().to_string()),
                    a.key.local_name().into_inner().to_string(),
                    value,
                )
            })
            .collect()
    }

    /// The relationship id of an element (`r:id`), as opposed to its own `id`.
    pub fn rel_id(&self) -> Option<String> {
        self.start.attributes().flatten().find_map(|a| {
            (a.key.local_name().into_inner() == "id" && a.key.prefix().is_some())
                .then(|| a.value.clone().into_owned())
        })
    }
}

/// The text of a part: decoded per BOM or declaration. Undecodable bytes are an error.
pub fn decode<'a>(bytes: &'a [u8], part: &str) -> Result<Cow<'a, str>, ExtractError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, bad) = enc.decode_without_bom_handling(&bytes[bom..]);
        if bad {
            return Err(bad_encoding(part, enc.name()));
        }
        return Ok(text);
    }
    if let Some(enc) = declared_encoding(bytes)
        && enc != encoding_rs::UTF_8
    {
        let (text, bad) = enc.decode_without_bom_handling(bytes);
        if bad {
            return Err(bad_encoding(part, enc.name()));
        }
        return Ok(text);
    }
    // SIMD validation: XML parts are mostly ASCII, and large.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(s) => Ok(Cow::Borrowed(s)),
        Err(_) => Err(bad_encoding(part, "UTF-8")),
    }
}

fn bad_encoding(part: &str, enc: &str) -> ExtractError {
    ExtractError::Corrupt(format!("{part}: not valid {enc}"))
}

/// `encoding="GB2312"` in the XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(200)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(head, b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next()?;
    let label = rest[1..].split(quote).next()?;
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// Walk the part `bytes` (named `part` in errors), calling `f` for every event.
/// Stops at the first XML error, which becomes `Corrupt` naming the part and offset.
pub fn walk(
    bytes: &[u8],
    part: &str,
    max_depth: usize,
    mut f: impl FnMut(Ev),
) -> Result<(), ExtractError> {
    let text = decode(bytes, part)?;
    let mut reader = Reader::from_str(&text);
    reader.config_mut().expand_empty_elements = true;
    let mut depth = 0usize;
    let mut rooted = false;
    let mut scratch = String::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            ExtractError::Corrupt(format!(
                "{part}: XML error at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                rooted = true;
                depth += 1;
                if depth > max_depth {
                    return Err(Bound::XmlDepth.exceeded_with(&max_depth.to_string(), part));
                }
                // A parser that accepts `<<w:p>` would drop the element silently.
                if !is_name(e.name().into_inner()) {
                    return Err(ExtractError::Corrupt(format!(
                        "{part}: XML error at byte {}: `{}` is no element name",
                        reader.buffer_position(),
                        e.name().into_inner().chars().take(40).collect::<String>()
                    )));
                }
                let local = e.local_name();
                let el = Element {
                    name: local.into_inner(),
                    start: &e,
                };
                f(Ev::Open(&el));
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                f(Ev::Close(e.local_name().into_inner()));
            }
            Event::Text(t) => f(Ev::Text(&t.xml10_content())),
            Event::CData(c) => f(Ev::Text(&c.into_inner())),
            Event::GeneralRef(r) => {
                scratch.clear();
                match r.resolve_char_ref() {
                    Ok(Some(c)) => scratch.push(c),
                    Ok(None) => match r.xml10_content().as_ref() {
                        "amp" => scratch.push('&'),
                        "lt" => scratch.push('<'),
                        "gt" => scratch.push('>'),
                        "quot" => scratch.push('"'),
                        "apos" => scratch.push('\''),
                        // A DTD entity: never expanded (entity-expansion attacks).
                        _ => {}
                    },
                    Err(_) => {}
                }
                if !scratch.is_empty() {
                    f(Ev::Text(&scratch));
                }
            }
            // OPC (ECMA-376 Part 2, 8.1.4) forbids DTDs in package parts, and no
            // producer of these formats writes one: it can only be an entity attack.
            Event::DocType(_) => {
                return Err(ExtractError::Corrupt(format!(
                    "{part}: a DTD in a document part (entity declarations are refused)"
                )));
            }
            // A part cut short: what followed was never read.
            Event::Eof if depth > 0 => {
                return Err(ExtractError::Corrupt(format!(
                    "{part}: ends inside an element (cut short)"
                )));
            }
            // No element at all: an empty or truncated part, not an empty document.
            Event::Eof if !rooted => {
                return Err(ExtractError::Corrupt(format!("{part}: no XML element")));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(())
}

/// The local name of the root element of a part (`None` when it has none or the
/// head of the part is not XML). Only the head is parsed.
pub fn root_name(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = match decode(head, "") {
        Ok(t) => t,
        Err(_) => decode(bytes, "").ok()?,
    };
    let mut reader = Reader::from_str(&text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Some(e.local_name().into_inner().to_string());
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// Whether `s` is an XML name (a letter, `_` or `:` first; then also digits, `-`, `.`).
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.' | '\u{B7}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(xml: &str) -> String {
        let mut out = String::new();
        walk(xml.as_bytes(), "t.xml", 64, |ev| {
            if let Ev::Text(t) = ev {
                out.push_str(t);
            }
        })
        .unwrap();
        out
    }

    #[test]
    fn references_are_resolved_and_dtds_refused() {
        assert_eq!(texts("<a>A&amp;B&#x673A;&#23494;</a>"), "A&B机密");
        let laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><l>&b;x</l>";
        assert!(matches!(
            walk(laughs.as_bytes(), "l.xml", 8, |_| {}),
            Err(ExtractError::Corrupt(m)) if m.contains("DTD")
        ));
    }

    #[test]
    fn gbk_declared_part_is_decoded() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("<?xml version=\"1.0\" encoding=\"GB2312\"?><p>秘密★5年</p>");
        let mut out = String::new();
        walk(&bytes, "p.xml", 8, |ev| {
            if let Ev::Text(t) = ev {
                out.push_str(t);
            }
        })
        .unwrap();
        assert_eq!(out, "秘密★5年");
    }

    #[test]
    fn depth_and_syntax_errors_are_errors_not_panics() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(
            walk(deep.as_bytes(), "d.xml", 50, |_| {}).unwrap_err(),
            ExtractError::Limit("XML nesting depth 50, at d.xml".into())
        );
        assert!(walk(b"<a><b></a>", "x.xml", 50, |_| {}).is_err());
        // Not an element name: never skipped in silence.
        for bad in [&b"<a><<b/></a>"[..], b"<a><1b/></a>", b"<a><-b></-b></a>"] {
            assert!(
                walk(bad, "x.xml", 50, |_| {}).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        // Cut short: elements left open at the end.
        assert!(matches!(
            walk(b"<a><b>text", "x.xml", 50, |_| {}),
            Err(ExtractError::Corrupt(m)) if m.contains("cut short")
        ));
    }

    #[test]
    fn attributes_by_local_name() {
        let mut got = None;
        walk(
            b"<w:sym w:font=\"Wingdings\" w:char=\"F0AB\"/>",
            "s.xml",
            8,
            |ev| {
                if let Ev::Open(e) = ev {
                    got = Some((e.name.to_string(), e.attr("font"), e.attr("char")));
                }
            },
        )
        .unwrap();
        assert_eq!(
            got,
            Some(("sym".into(), Some("Wingdings".into()), Some("F0AB".into())))
        );
    }
}
