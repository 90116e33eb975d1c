//! Office Open XML: .docx/.docm/.dotx (WordprocessingML), .xlsx (SpreadsheetML) and
//! .pptx (PresentationML). Parts are found through `[Content_Types].xml`, so templates
//! and macro-enabled files read the same as documents.
//!
//! Word text is rebuilt paragraph by paragraph (runs joined, so a mark split over runs
//! is whole again); table cells and text boxes are paragraphs of their own. What a
//! reader does not see — tracked deletions, hidden (`w:vanish`) runs, comments — goes
//! to `Hidden` parts for ML006.

use super::xml::{self, Ev};
use super::zipped::{Package, natural_key};
use super::{Document, ExtractError, Flavour, Part, Property, Role, map_symbols, parse_iso_date};

/// `[Content_Types].xml`: part name → content type.
struct ContentTypes {
    parts: Vec<(String, String)>,
}

impl ContentTypes {
    fn read(pkg: &mut Package) -> Result<ContentTypes, ExtractError> {
        let bytes = pkg.require("[Content_Types].xml")?;
        let mut parts = Vec::new();
        xml::walk(
            &bytes,
            "[Content_Types].xml",
            pkg.limits().max_depth,
            |ev| {
                if let Ev::Open(e) = ev
                    && e.name == "Override"
                    && let (Some(name), Some(ty)) = (e.attr("PartName"), e.attr("ContentType"))
                {
                    parts.push((name.trim_start_matches('/').to_string(), ty));
                }
            },
        )?;
        Ok(ContentTypes { parts })
    }

    /// Parts whose content type ends with `suffix`, in natural name order.
    fn find(&self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let mut found: Vec<String> = self
            .parts
            .iter()
            .filter(|(_, t)| pred(t))
            .map(|(n, _)| n.clone())
            .collect();
        found.sort_by_key(|n| natural_key(n));
        found
    }
}

pub fn extract(pkg: &mut Package) -> Result<Option<Document>, ExtractError> {
    let ct = ContentTypes::read(pkg)?;
    let main = |kind: &str| {
        let kind = kind.to_string();
        move |t: &str| t.contains(&kind) && t.ends_with("main+xml")
    };
    let mut doc = if let Some(body) = ct.find(main("word")).first() {
        word(pkg, &ct, body)?
    } else if !ct.find(main("sheet")).is_empty() {
        sheet(pkg, &ct)?
    } else if !ct.find(main("presentation")).is_empty() || !ct.find(main("slideshow")).is_empty() {
        slides(pkg, &ct)?
    } else {
        return Ok(None);
    };
    properties(pkg, &ct, &mut doc)?;
    Ok(Some(doc))
}

fn ends(suffix: &'static str) -> impl Fn(&str) -> bool {
    move |t: &str| t.ends_with(suffix)
}

fn word(pkg: &mut Package, ct: &ContentTypes, body: &str) -> Result<Document, ExtractError> {
    let mut parts = Vec::new();
    let depth = pkg.limits().max_depth;
    let mut read = |pkg: &mut Package, name: &str, role: Role| -> Result<(), ExtractError> {
        let bytes = pkg.require(name)?;
        let (visible, hidden) = word_part(&bytes, name, role, depth)?;
        parts.push(visible);
        if !hidden.is_blank() {
            parts.push(hidden);
        }
        Ok(())
    };
    read(pkg, body, Role::Body)?;
    for (suffix, role) in [
        ("wordprocessingml.footnotes+xml", Role::Note),
        ("wordprocessingml.endnotes+xml", Role::Note),
        ("wordprocessingml.header+xml", Role::Margin),
        ("wordprocessingml.footer+xml", Role::Margin),
        ("wordprocessingml.comments+xml", Role::Hidden),
    ] {
        for name in ct.find(ends(suffix)) {
            read(pkg, &name, role)?;
        }
    }
    Ok(Document::with_parts(Flavour::Plain, parts))
}

/// Where the characters of a `w:t`-like element go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chars {
    None,
    Text,
    Deleted,
}

#[derive(Default)]
struct Para {
    no: u32,
    /// What a reader sees.
    visible: String,
    /// The text before tracked changes, with hidden runs: what the file still holds.
    original: String,
    /// Only the deleted and hidden pieces.
    pieces: String,
}

/// One WordprocessingML part: the visible text (role `role`) and what is hidden.
fn word_part(
    bytes: &[u8],
    name: &str,
    role: Role,
    max_depth: usize,
) -> Result<(Part, Part), ExtractError> {
    let mut visible = Part::new(Some(name.to_string()), role);
    let mut hidden = Part::new(Some(name.to_string()), Role::Hidden);
    let mut stack: Vec<Para> = Vec::new();
    let mut para_no = 0u32;
    let mut skip = 0usize;
    let (mut del, mut ins) = (0usize, 0usize);
    let mut in_rpr = false;
    let mut run_hidden = false;
    let mut chars = Chars::None;

    let push = |stack: &mut Vec<Para>, s: &str, deleted: bool, run_hidden: bool, ins: bool| {
        let Some(p) = stack.last_mut() else { return };
        let unseen = deleted || run_hidden;
        if !unseen {
            p.visible.push_str(s);
        }
        if !ins {
            p.original.push_str(s);
        }
        if unseen {
            p.pieces.push_str(s);
        }
    };
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => {
            if skip > 0 {
                skip += 1;
                return;
            }
            match e.name {
                // Properties, field codes and the fallback copy of a text box.
                "pPr" | "sectPr" | "tblPr" | "trPr" | "tcPr" | "instrText" | "delInstrText"
                | "Fallback" | "rPrChange" | "pPrChange" | "fldData" => skip = 1,
                "p" => {
                    para_no += 1;
                    stack.push(Para {
                        no: para_no,
                        ..Para::default()
                    });
                }
                "r" => run_hidden = false,
                "rPr" => in_rpr = true,
                "vanish" if in_rpr => {
                    run_hidden = !matches!(e.attr("val").as_deref(), Some("0" | "false" | "off"));
                }
                "t" => chars = Chars::Text,
                "delText" => chars = Chars::Deleted,
                "del" | "moveFrom" if !in_rpr => del += 1,
                "ins" | "moveTo" if !in_rpr => ins += 1,
                "tab" | "ptab" => push(&mut stack, "\t", del > 0, run_hidden, ins > 0),
                "br" | "cr" => push(&mut stack, "\n", del > 0, run_hidden, ins > 0),
                "noBreakHyphen" => push(&mut stack, "-", del > 0, run_hidden, ins > 0),
                "sym" => {
                    let font = e.attr("font").unwrap_or_default();
                    if let Some(c) = e.attr("char").and_then(|c| sym_char(&font, &c)) {
                        let s = c.to_string();
                        push(&mut stack, &s, del > 0, run_hidden, ins > 0);
                    }
                }
                _ => {}
            }
        }
        Ev::Close(n) => {
            if skip > 0 {
                skip -= 1;
                return;
            }
            match n {
                "p" => {
                    if let Some(p) = stack.pop() {
                        visible.push_line(&p.visible, p.no);
                        let seen = p.visible.trim();
                        if p.original.trim() != seen && !p.original.trim().is_empty() {
                            hidden.push_line(&p.original, p.no);
                        }
                        if !p.pieces.trim().is_empty() && p.pieces.trim() != p.original.trim() {
                            hidden.push_line(&p.pieces, p.no);
                        }
                    }
                }
                "rPr" => in_rpr = false,
                "t" | "delText" => chars = Chars::None,
                "del" | "moveFrom" if !in_rpr => del = del.saturating_sub(1),
                "ins" | "moveTo" if !in_rpr => ins = ins.saturating_sub(1),
                _ => {}
            }
        }
        Ev::Text(t) => {
            if skip > 0 || chars == Chars::None {
                return;
            }
            let t = map_symbols(t);
            let deleted = chars == Chars::Deleted || del > 0;
            push(&mut stack, &t, deleted, run_hidden, ins > 0);
        }
    })?;
    Ok((visible, hidden))
}

/// `w:sym w:font="Wingdings" w:char="F0AB"`: the character a symbol font draws, as
/// Unicode. Star-like glyphs keep their own code point, so a wrong star stays wrong.
fn sym_char(font: &str, code: &str) -> Option<char> {
    let n = u32::from_str_radix(code.trim(), 16).ok()?;
    // Word stores the code either as U+F0xx or as the bare byte.
    let byte = if (0xF000..=0xF0FF).contains(&n) {
        n - 0xF000
    } else {
        n
    };
    let font = font.trim().to_ascii_lowercase();
    match (font.as_str(), byte) {
        ("wingdings", 0xAB) | ("wingdings 2", 0xEA) => Some('★'),
        ("wingdings", 0xAA) => Some('✦'),
        ("wingdings", 0xAC) => Some('✶'),
        ("wingdings", 0xB5) => Some('✪'),
        ("wingdings", 0xB6) => Some('✰'),
        // Any other symbol glyph: not a letter of a mark; ordinary code points stay.
        _ => char::from_u32(n).filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)),
    }
}

fn sheet(pkg: &mut Package, ct: &ContentTypes) -> Result<Document, ExtractError> {
    let depth = pkg.limits().max_depth;
    let mut parts = Vec::new();
    for name in ct.find(ends("spreadsheetml.sharedStrings+xml")) {
        let bytes = pkg.require(&name)?;
        parts.push(paragraphs(
            &bytes,
            &name,
            Role::Body,
            depth,
            "si",
            &["t"],
            &["rPh"],
        )?);
    }
    for name in ct.find(ends("spreadsheetml.worksheet+xml")) {
        let bytes = pkg.require(&name)?;
        // Inline strings in cells.
        let cells = paragraphs(&bytes, &name, Role::Body, depth, "is", &["t"], &["rPh"])?;
        if !cells.is_blank() {
            parts.push(cells);
        }
        let mut margin = Part::new(Some(name.clone()), Role::Margin);
        let mut current: Option<String> = None;
        let mut no = 0u32;
        xml::walk(&bytes, &name, depth, |ev| match ev {
            Ev::Open(e) => {
                if matches!(
                    e.name,
                    "oddHeader"
                        | "oddFooter"
                        | "evenHeader"
                        | "evenFooter"
                        | "firstHeader"
                        | "firstFooter"
                ) {
                    current = Some(String::new());
                }
            }
            Ev::Text(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(t);
                }
            }
            Ev::Close(_) => {
                if let Some(c) = current.take() {
                    no += 1;
                    margin.push_line(&header_footer_text(&c), no);
                }
            }
        })?;
        if !margin.is_blank() {
            parts.push(margin);
        }
    }
    Ok(Document::with_parts(Flavour::Plain, parts))
}

/// A sheet header/footer without its formatting codes: `&L`/`&C`/`&R` start sections
/// (one line each), `&"font,style"`, `&12`, `&P` and the like vanish, `&&` is `&`.
pub fn header_footer_text(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '&' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('&') => out.push('&'),
            Some('L' | 'C' | 'R') if !out.is_empty() && !out.ends_with('\n') => out.push('\n'),
            Some('"') => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            Some(d) if d.is_ascii_digit() => {
                while chars.peek().is_some_and(|c| c.is_ascii_digit()) {
                    chars.next();
                }
            }
            Some('K') => {
                // &Kxxxxxx: a colour.
                for _ in 0..6 {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    out.trim_end_matches('\n').to_string()
}

fn slides(pkg: &mut Package, ct: &ContentTypes) -> Result<Document, ExtractError> {
    let depth = pkg.limits().max_depth;
    let mut parts = Vec::new();
    for (suffix, role) in [
        ("presentationml.slide+xml", Role::Body),
        ("presentationml.notesSlide+xml", Role::Note),
    ] {
        for name in ct.find(ends(suffix)) {
            let bytes = pkg.require(&name)?;
            parts.push(paragraphs(&bytes, &name, role, depth, "p", &["t"], &[])?);
        }
    }
    let mut doc = Document::with_parts(Flavour::Plain, parts);
    doc.paged = true;
    Ok(doc)
}

/// A part as lines: one per `para` element, text from `text` elements, `a:br`/`a:tab`
/// honoured, subtrees in `skip` ignored.
fn paragraphs(
    bytes: &[u8],
    name: &str,
    role: Role,
    max_depth: usize,
    para: &str,
    text: &[&str],
    skip_names: &[&str],
) -> Result<Part, ExtractError> {
    let mut part = Part::new(Some(name.to_string()), role);
    let mut stack: Vec<(u32, String)> = Vec::new();
    let mut no = 0u32;
    let mut skip = 0usize;
    let mut in_text = false;
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => {
            if skip > 0 || skip_names.contains(&e.name) {
                skip += 1;
            } else if e.name == para {
                no += 1;
                stack.push((no, String::new()));
            } else if text.contains(&e.name) {
                in_text = true;
            } else if let Some((_, s)) = stack.last_mut() {
                match e.name {
                    "br" => s.push('\n'),
                    "tab" => s.push('\t'),
                    _ => {}
                }
            }
        }
        Ev::Close(n) => {
            if skip > 0 {
                skip -= 1;
            } else if n == para {
                if let Some((no, s)) = stack.pop() {
                    part.push_line(&s, no);
                }
            } else if text.contains(&n) {
                in_text = false;
            }
        }
        Ev::Text(t) => {
            if skip == 0
                && in_text
                && let Some((_, s)) = stack.last_mut()
            {
                s.push_str(&map_symbols(t));
            }
        }
    })?;
    Ok(part)
}

/// `docProps/core.xml` (creation date) and `docProps/custom.xml` (密级, 保密期限 …).
fn properties(
    pkg: &mut Package,
    ct: &ContentTypes,
    doc: &mut Document,
) -> Result<(), ExtractError> {
    let depth = pkg.limits().max_depth;
    let mut core = ct.find(ends("core-properties+xml"));
    if core.is_empty() && pkg.has("docProps/core.xml") {
        core.push("docProps/core.xml".to_string());
    }
    for name in core {
        let Some(bytes) = pkg.read(&name)? else {
            continue;
        };
        let mut in_created = false;
        let mut created = String::new();
        xml::walk(&bytes, &name, depth, |ev| match ev {
            Ev::Open(e) => in_created = e.name == "created",
            Ev::Close(_) => in_created = false,
            Ev::Text(t) if in_created => created.push_str(t),
            Ev::Text(_) => {}
        })?;
        doc.created = doc.created.or(parse_iso_date(&created));
    }
    let mut custom = ct.find(ends("custom-properties+xml"));
    if custom.is_empty() && pkg.has("docProps/custom.xml") {
        custom.push("docProps/custom.xml".to_string());
    }
    for name in custom {
        let Some(bytes) = pkg.read(&name)? else {
            continue;
        };
        let mut current: Option<(String, String)> = None;
        let mut found = Vec::new();
        xml::walk(&bytes, &name, depth, |ev| match ev {
            Ev::Open(e) if e.name == "property" => {
                current = e.attr("name").map(|n| (n, String::new()));
            }
            Ev::Text(t) => {
                if let Some((_, v)) = current.as_mut() {
                    v.push_str(t);
                }
            }
            Ev::Close("property") => {
                if let Some((k, v)) = current.take() {
                    found.push((k, v));
                }
            }
            _ => {}
        })?;
        doc.props
            .extend(found.into_iter().map(|(key, value)| Property {
                key,
                value: value.trim().to_string(),
                part: name.clone(),
            }));
    }
    Ok(())
}

/// A minimal .docx whose `w:body` holds `body` (prefix `w:`): how rule examples
/// about Word documents are written.
pub fn docx_from_body(body: &str) -> Vec<u8> {
    use std::io::Write;
    const TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in [
        ("[Content_Types].xml", TYPES.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ] {
        // Writing to memory cannot fail short of allocation failure.
        zip.start_file(name, opts).expect("zip in memory");
        zip.write_all(data).expect("zip in memory");
    }
    zip.finish().expect("zip in memory");
    buf.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word_text(xml: &str) -> (String, String) {
        let (v, h) = word_part(xml.as_bytes(), "word/document.xml", Role::Body, 64).unwrap();
        (v.text, h.text)
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    #[test]
    fn runs_join_and_tab_stops_do_not_leak() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>机</w:t></w:r><w:r><w:t>密</w:t></w:r><w:r><w:sym w:font="Wingdings" w:char="F0AB"/></w:r><w:r><w:t>10年</w:t></w:r></w:p></w:body></w:document>"#
        );
        assert_eq!(word_text(&xml), ("机密★10年\n".into(), String::new()));
    }

    #[test]
    fn tracked_change_keeps_the_old_mark_hidden() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:del w:id="1"><w:r><w:delText>秘密★1年</w:delText></w:r></w:del><w:ins w:id="2"><w:r><w:t>机密★5年</w:t></w:r></w:ins></w:p></w:body></w:document>"#
        );
        assert_eq!(word_text(&xml), ("机密★5年\n".into(), "秘密★1年\n".into()));
    }

    #[test]
    fn hidden_run_and_text_box_fallback() {
        let xml = format!(
            r#"<w:document {W}><w:body><w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>绝密★长期</w:t></w:r><w:r><w:t>正文</w:t></w:r></w:p><w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>绝密★20年</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>绝密★20年</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p></w:body></w:document>"#
        );
        let (v, h) = word_text(&xml);
        assert_eq!(v, "正文\n绝密★20年\n\n");
        assert_eq!(h, "绝密★长期正文\n绝密★长期\n");
    }

    #[test]
    fn symbol_font_stars() {
        assert_eq!(sym_char("Wingdings", "F0AB"), Some('★'));
        assert_eq!(sym_char("Wingdings", "AB"), Some('★'));
        assert_eq!(sym_char("Wingdings 2", "F0EA"), Some('★'));
        assert_eq!(sym_char("Wingdings", "F0B6"), Some('✰'));
        assert_eq!(sym_char("Wingdings 2", "F0AB"), None);
        assert_eq!(sym_char("Symbol", "F02A"), None);
    }

    #[test]
    fn sheet_header_codes_are_stripped() {
        assert_eq!(
            header_footer_text("&C&\"宋体,常规\"&12秘密★5年"),
            "秘密★5年"
        );
        assert_eq!(header_footer_text("&L第&P页&R机密★10年"), "第页\n机密★10年");
        assert_eq!(header_footer_text("A&&B"), "A&B");
    }
}
