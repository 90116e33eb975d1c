//! OpenDocument (.odt/.ott, and the text of .ods/.odp): `content.xml` for the body,
//! the master pages of `styles.xml` for headers and footers, `meta.xml` for properties.
//! Tracked deletions and annotations (comments) are `Hidden`, notes are `Note`.

use super::xml::{self, Ev};
use super::zipped::Package;
use super::{Document, ExtractError, Flavour, Part, Property, Role, map_symbols, parse_iso_date};

pub fn extract(pkg: &mut Package) -> Result<Option<Document>, ExtractError> {
    if let Some(mime) = pkg.read("mimetype")? {
        let mime = String::from_utf8_lossy(&mime);
        if !mime
            .trim()
            .starts_with("application/vnd.oasis.opendocument")
        {
            return Ok(None);
        }
    }
    let depth = pkg.limits().max_depth;
    let content = pkg.require("content.xml")?;
    let mut parts = text_parts(&content, "content.xml", Role::Body, None, depth)?;
    if let Some(styles) = pkg.read("styles.xml")? {
        parts.extend(text_parts(
            &styles,
            "styles.xml",
            Role::Margin,
            Some("master-styles"),
            depth,
        )?);
    }
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    if let Some(meta) = pkg.read("meta.xml")? {
        read_meta(&meta, depth, &mut doc)?;
    }
    Ok(Some(doc))
}

/// Lines of one part, split by where a reader meets them. With `only_inside`, text
/// outside that element is ignored (styles.xml holds stray text in number styles).
fn text_parts(
    bytes: &[u8],
    name: &str,
    role: Role,
    only_inside: Option<&str>,
    max_depth: usize,
) -> Result<Vec<Part>, ExtractError> {
    let mut main = Part::new(Some(name.to_string()), role);
    let mut notes = Part::new(Some(name.to_string()), Role::Note);
    let mut hidden = Part::new(Some(name.to_string()), Role::Hidden);
    // Open elements that decide the sink, and paragraphs being built.
    let mut sinks: Vec<(usize, Role)> = Vec::new();
    let mut depth = 0usize;
    let mut inside = only_inside.is_none();
    let mut inside_depth = 0usize;
    let mut stack: Vec<(u32, Role, String)> = Vec::new();
    let mut no = 0u32;
    let mut skip = 0usize;
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => {
            depth += 1;
            if skip > 0 {
                skip += 1;
                return;
            }
            if Some(e.name) == only_inside && !inside {
                inside = true;
                inside_depth = depth;
            }
            if !inside {
                return;
            }
            let sink = sinks.last().map_or(role, |(_, r)| *r);
            match e.name {
                "tracked-changes" | "annotation" | "hidden-text" | "hidden-paragraph" => {
                    sinks.push((depth, Role::Hidden));
                }
                "note-body" => sinks.push((depth, Role::Note)),
                "note-citation" | "annotation-end" => skip = 1,
                "p" | "h" => {
                    no += 1;
                    stack.push((no, sink, String::new()));
                }
                "s" => {
                    let n: usize = e.attr("c").and_then(|c| c.parse().ok()).unwrap_or(1);
                    if let Some((_, _, s)) = stack.last_mut() {
                        s.extend(std::iter::repeat_n(' ', n.min(1000)));
                    }
                }
                "tab" => {
                    if let Some((_, _, s)) = stack.last_mut() {
                        s.push('\t');
                    }
                }
                "line-break" => {
                    if let Some((_, _, s)) = stack.last_mut() {
                        s.push('\n');
                    }
                }
                _ => {}
            }
        }
        Ev::Close(n) => {
            if skip > 0 {
                skip -= 1;
                depth -= 1;
                return;
            }
            if inside
                && (n == "p" || n == "h")
                && let Some((no, sink, s)) = stack.pop()
            {
                match sink {
                    Role::Hidden => hidden.push_line(&s, no),
                    Role::Note => notes.push_line(&s, no),
                    _ => main.push_line(&s, no),
                }
            }
            if sinks.last().is_some_and(|(d, _)| *d == depth) {
                sinks.pop();
            }
            if only_inside.is_some() && inside && depth == inside_depth {
                inside = false;
            }
            depth = depth.saturating_sub(1);
        }
        Ev::Text(t) => {
            if skip == 0
                && inside
                && let Some((_, _, s)) = stack.last_mut()
            {
                s.push_str(&map_symbols(t));
            }
        }
    })?;
    Ok([main, notes, hidden]
        .into_iter()
        .filter(|p| p.role == role || !p.is_blank())
        .collect())
}

/// `meta.xml`: `meta:creation-date` and `meta:user-defined meta:name="密级"`.
fn read_meta(bytes: &[u8], max_depth: usize, doc: &mut Document) -> Result<(), ExtractError> {
    let mut current: Option<(Option<String>, String)> = None;
    let mut found = Vec::new();
    let mut created = None;
    xml::walk(bytes, "meta.xml", max_depth, |ev| match ev {
        Ev::Open(e) => match e.name {
            "user-defined" => current = Some((e.attr("name"), String::new())),
            "creation-date" => current = Some((None, String::new())),
            _ => {}
        },
        Ev::Text(t) => {
            if let Some((_, v)) = current.as_mut() {
                v.push_str(t);
            }
        }
        Ev::Close(n) => {
            if matches!(n, "user-defined" | "creation-date")
                && let Some((key, value)) = current.take()
            {
                match key {
                    Some(k) => found.push((k, value)),
                    None => created = parse_iso_date(&value),
                }
            }
        }
    })?;
    doc.created = created;
    doc.props
        .extend(found.into_iter().map(|(key, value)| Property {
            key,
            value: value.trim().to_string(),
            part: "meta.xml".to_string(),
        }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_notes_comments_and_deletions_are_sorted_apart() {
        let xml = r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
<text:tracked-changes><text:changed-region><text:deletion><text:p>秘密★1年</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:p>机密<text:s text:c="0"/>★10年<office:annotation><text:p>绝密★5年</text:p></office:annotation></text:p>
<text:p>正文<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>注释</text:p></text:note-body></text:note></text:p>
</office:text></office:body></office:document-content>"#;
        let parts = text_parts(xml.as_bytes(), "content.xml", Role::Body, None, 64).unwrap();
        let by = |r: Role| parts.iter().find(|p| p.role == r).map(|p| p.text.clone());
        assert_eq!(by(Role::Body).as_deref(), Some("机密★10年\n正文\n"));
        assert_eq!(by(Role::Note).as_deref(), Some("注释\n"));
        assert_eq!(by(Role::Hidden).as_deref(), Some("秘密★1年\n绝密★5年\n"));
    }

    #[test]
    fn styles_only_master_pages() {
        let xml = r#"<office:document-styles><office:styles><number:date-style><number:text>年</number:text></number:date-style><text:p>样式</text:p></office:styles><office:master-styles><style:master-page><style:header><text:p>机密★10年</text:p></style:header></style:master-page></office:master-styles></office:document-styles>"#;
        let parts = text_parts(
            xml.as_bytes(),
            "styles.xml",
            Role::Margin,
            Some("master-styles"),
            64,
        )
        .unwrap();
        assert_eq!(parts[0].text, "机密★10年\n");
    }
}
