//! OpenDocument (.odt/.ott, and the text of .ods/.odp): `content.xml` for the body,
//! the master pages of `styles.xml` for headers and footers, `meta.xml` for properties.
//! Tracked deletions and annotations (comments) are `Hidden`, notes are `Note`. The
//! manifest names the rest: embedded objects (charts, formulas, documents in frames)
//! are read as notes, embedded files as documents of their own; entries the manifest
//! does not name but that hold text are read as hidden.

use std::collections::HashSet;

use super::xml::{self, Element, Ev};
use super::zipped::{Package, gap};
use super::{
    Block, Budget, Document, ExtractError, Flavour, Part, Property, Role, Signature, map_symbols,
    ole, parse_iso_date, signature,
};

/// One `manifest:file-entry`.
struct Entry {
    path: String,
    media: String,
    encrypted: bool,
}

fn manifest(bytes: &[u8], max_depth: usize) -> Result<Vec<Entry>, ExtractError> {
    let root = xml::root_name(bytes);
    if root.as_deref() != Some("manifest") {
        return Err(ExtractError::Corrupt(format!(
            "META-INF/manifest.xml: root <{}>, not <manifest>",
            root.unwrap_or_default()
        )));
    }
    let mut entries: Vec<Entry> = Vec::new();
    xml::walk(bytes, "META-INF/manifest.xml", max_depth, |ev| {
        if let Ev::Open(e) = ev {
            match e.name {
                "file-entry" => entries.push(Entry {
                    path: e.attr("full-path").unwrap_or_default(),
                    media: e.attr("media-type").unwrap_or_default(),
                    encrypted: false,
                }),
                "encryption-data" => {
                    if let Some(last) = entries.last_mut() {
                        last.encrypted = true;
                    }
                }
                _ => {}
            }
        }
    })?;
    Ok(entries)
}

/// An OpenDocument package as one document; `None` when its `mimetype` says it is no
/// OpenDocument file.
pub fn extract(pkg: &mut Package, depth: usize) -> Result<Option<Document>, ExtractError> {
    if let Some(mime) = pkg.read("mimetype")? {
        let mime = String::from_utf8_lossy(&mime);
        if !mime
            .trim()
            .starts_with("application/vnd.oasis.opendocument")
        {
            return Ok(None);
        }
    }
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    let mut seen: HashSet<String> = ["mimetype", "meta-inf/manifest.xml"]
        .into_iter()
        .map(String::from)
        .collect();
    let entries = read_manifest(pkg, &mut doc);
    if is_encrypted(&entries, "content.xml") {
        return Err(ExtractError::Encrypted);
    }
    let stopped = read_document_and_objects(pkg, &entries, &mut seen, &mut doc);
    if !stopped {
        missing_entry_gaps(pkg, &entries, &mut doc);
    }
    seen.extend(
        entries
            .iter()
            .filter(|e| is_inert(e))
            .map(|e| e.path.to_lowercase()),
    );
    if !stopped {
        read_other_entries(pkg, depth, &entries, &seen, &mut doc);
    }
    Ok(Some(doc))
}

/// The manifest's entries. The manifest says what the package holds: without it, a
/// part gone missing could not be told from one never there, so its absence is a gap.
fn read_manifest(pkg: &mut Package, doc: &mut Document) -> Vec<Entry> {
    let max_depth = pkg.limits().max_depth;
    match pkg.read("META-INF/manifest.xml") {
        Ok(Some(b)) => manifest(&b, max_depth).unwrap_or_else(|e| {
            doc.gaps.push(gap("META-INF/manifest.xml", e));
            Vec::new()
        }),
        Ok(None) => {
            doc.gaps.push(gap(
                "META-INF/manifest.xml",
                ExtractError::Corrupt("missing part META-INF/manifest.xml".into()),
            ));
            Vec::new()
        }
        Err(e) => {
            doc.gaps.push(gap("META-INF/manifest.xml", e));
            Vec::new()
        }
    }
}

/// Whether the manifest lists `path` as encrypted.
fn is_encrypted(entries: &[Entry], path: &str) -> bool {
    entries.iter().any(|e| e.path == path && e.encrypted)
}

/// The document itself (content, then the headers of its master pages and its
/// properties), then the content of each embedded object (a folder of its own), as
/// notes; `true` when a bound on the whole file stopped the reading.
fn read_document_and_objects(
    pkg: &mut Package,
    entries: &[Entry],
    seen: &mut HashSet<String>,
    doc: &mut Document,
) -> bool {
    let budget = pkg.budget();
    let mut folders = vec![String::new()];
    folders.extend(
        entries
            .iter()
            .filter(|e| e.path.ends_with('/') && e.path != "/")
            .filter(|e| e.media.starts_with("application/vnd.oasis.opendocument"))
            .map(|e| e.path.clone()),
    );
    for folder in &folders {
        let top = folder.is_empty();
        let content = format!("{folder}content.xml");
        seen.insert(content.to_lowercase());
        let role = if top { Role::Body } else { Role::Note };
        let encrypted = is_encrypted(entries, &content);
        match read_text(pkg, budget, &content, role, None, encrypted) {
            Ok(Some(parts)) => doc.parts.extend(parts),
            Ok(None) => doc.gaps.push(gap(
                &content,
                ExtractError::Corrupt(format!("missing part {content}")),
            )),
            Err(e) => {
                doc.gaps.push(gap(&content, e));
                if budget.spent().is_some() {
                    return true;
                }
            }
        }
        if !top {
            continue;
        }
        seen.insert("styles.xml".into());
        read_master_styles(pkg, is_encrypted(entries, "styles.xml"), doc);
        seen.insert("meta.xml".into());
        read_properties(pkg, doc);
        if budget.spent().is_some() {
            return true;
        }
    }
    false
}

/// `styles.xml`: the headers and footers of the master pages, as margins.
fn read_master_styles(pkg: &mut Package, encrypted: bool, doc: &mut Document) {
    let budget = pkg.budget();
    match read_text(
        pkg,
        budget,
        "styles.xml",
        Role::Margin,
        Some("master-styles"),
        encrypted,
    ) {
        Ok(Some(parts)) => doc.parts.extend(parts),
        Ok(None) => {}
        Err(e) => doc.gaps.push(gap("styles.xml", e)),
    }
}

/// `meta.xml`, when there is one: the creation date and the user-defined properties.
fn read_properties(pkg: &mut Package, doc: &mut Document) {
    let max_depth = pkg.limits().max_depth;
    match pkg.read("meta.xml") {
        Ok(Some(meta)) => {
            let root = xml::root_name(&meta);
            if !matches!(root.as_deref(), Some("document-meta" | "document")) {
                doc.gaps.push(gap(
                    "meta.xml",
                    ExtractError::Corrupt(format!(
                        "meta.xml: root <{}>, not <document-meta>",
                        root.unwrap_or_default()
                    )),
                ));
            } else if let Err(e) = read_meta(&meta, max_depth, doc) {
                doc.gaps.push(gap("meta.xml", e));
            }
        }
        Ok(None) => {}
        Err(e) => doc.gaps.push(gap("meta.xml", e)),
    }
}

/// A gap for each file the manifest names but the package lacks (unless that part
/// already has one): styles.xml holds the headers, meta.xml the declared level.
fn missing_entry_gaps(pkg: &Package, entries: &[Entry], doc: &mut Document) {
    for e in entries {
        if !e.path.ends_with('/')
            && !e.path.is_empty()
            && !pkg.has(&e.path)
            && !doc
                .gaps
                .iter()
                .any(|g| g.part.as_deref() == Some(e.path.as_str()))
        {
            doc.gaps.push(gap(
                &e.path,
                ExtractError::Corrupt(format!("missing part {}", e.path)),
            ));
        }
    }
}

/// Whether an entry holds no text, by its media type or its name: it is not inflated.
fn is_inert(e: &Entry) -> bool {
    let m = e.media.as_str();
    m.starts_with("image/")
        || m.contains("gdimetafile")
        || m == "application/rdf+xml"
        || m.ends_with("/") && e.path.ends_with('/')
        || e.path.ends_with('/')
        || matches!(
            e.path.rsplit('/').next().unwrap_or(""),
            "settings.xml" | "styles.xml" | "meta.xml" | "manifest.rdf"
        )
}

/// Every entry not yet `seen`: embedded files as documents of their own, and content
/// that nobody names (or of an object of unknown type) as hidden text.
fn read_other_entries(
    pkg: &mut Package,
    depth: usize,
    entries: &[Entry],
    seen: &HashSet<String>,
    doc: &mut Document,
) {
    let budget = pkg.budget();
    let max_depth = pkg.limits().max_depth;
    let rest: Vec<String> = pkg
        .names()
        .iter()
        .filter(|n| !n.ends_with('/') && !seen.contains(&n.to_lowercase()))
        .cloned()
        .collect();
    for name in rest {
        let listed = entries.iter().any(|e| e.path.eq_ignore_ascii_case(&name));
        let bytes = match pkg.read(&name) {
            Ok(Some(b)) => b,
            Ok(None) => continue,
            Err(e) => {
                doc.gaps.push(gap(&name, e));
                if budget.spent().is_some() {
                    return;
                }
                continue;
            }
        };
        if signature(&bytes) != Signature::None {
            // An equation is passed over, a wrapped file read as the file it is.
            doc.embedded
                .extend(ole::wrapped::embed(&name, bytes, budget, depth));
        } else if !listed || name.to_lowercase().ends_with("content.xml") {
            // Unnamed by the manifest, or the content of an object of an unknown type:
            // read only what an ODF reader would treat as document content.
            if is_document_content(&bytes) {
                match text_parts(&bytes, &name, Role::Hidden, None, max_depth, budget) {
                    Ok(parts) => doc
                        .parts
                        .extend(parts.into_iter().filter(|p| !p.is_blank())),
                    Err(e) => doc.gaps.push(gap(&name, e)),
                }
            }
        }
        if budget.spent().is_some() {
            return;
        }
    }
}

/// Whether an entry is an ODF content or styles part (the roots that hold text).
fn is_document_content(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    [
        &b"document-content"[..],
        b"document-styles",
        b"office:document",
    ]
    .iter()
    .any(|r| memchr::memmem::find(head, r).is_some())
}

/// The text parts of entry `name`: `None` when there is no such entry.
fn read_text(
    pkg: &mut Package,
    budget: &Budget,
    name: &str,
    role: Role,
    only_inside: Option<&str>,
    encrypted: bool,
) -> Result<Option<Vec<Part>>, ExtractError> {
    if encrypted {
        return Err(ExtractError::Encrypted);
    }
    let max_depth = pkg.limits().max_depth;
    let Some(bytes) = pkg.read(name)? else {
        return Ok(None);
    };
    // A part swapped for another (settings where the styles should be) cannot pass.
    let expected = if only_inside.is_some() {
        "document-styles"
    } else {
        "document-content"
    };
    let root = xml::root_name(&bytes);
    if root.as_deref() != Some(expected) && root.as_deref() != Some("document") {
        return Err(ExtractError::Corrupt(format!(
            "{name}: root <{}>, not <{expected}>",
            root.unwrap_or_default()
        )));
    }
    let parts = text_parts(&bytes, name, role, only_inside, max_depth, budget)?;
    Ok(Some(parts))
}

/// Lines of one part, split by where a reader meets them. With `only_inside`, text
/// outside that element is ignored (styles.xml holds stray text in number styles).
fn text_parts(
    bytes: &[u8],
    name: &str,
    role: Role,
    only_inside: Option<&str>,
    max_depth: usize,
    budget: &Budget,
) -> Result<Vec<Part>, ExtractError> {
    // `text:s text:c="1000"` makes 1000 characters of 23 bytes: the text is counted as
    // it grows, not after, so that no part can make more than the budget allows.
    let mut text = PartText::new(name, role, only_inside, budget.text_left());
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => text.open(e),
        Ev::Close(n) => text.close(n),
        Ev::Text(t) => text.text(t),
    })?;
    if text.produced > text.allowed {
        budget.charge_text(text.produced as usize, name)?;
    }
    let parts = [text.main, text.notes, text.hidden];
    budget.charge_parts_text(&parts)?;
    Ok(parts
        .into_iter()
        .filter(|p| p.role == role || !p.is_blank())
        .collect())
}

/// A paragraph being built: its number in the part, the role of the part it goes to,
/// its text and its block.
type OpenParagraph = (u32, Role, String, Block);

/// The text of one part as its XML is walked: the paragraphs open, and the parts they
/// end in by what encloses them (body, notes, or hidden: deletions and comments).
struct PartText<'o> {
    /// The role of text that no note, comment or deletion encloses.
    role: Role,
    /// Text outside this element is ignored; `inside` says whether the walk is in it,
    /// `inside_depth` at which depth it opened.
    only_inside: Option<&'o str>,
    main: Part,
    notes: Part,
    hidden: Part,
    /// Open elements that decide the sink (their depth and role), innermost last.
    sinks: Vec<(usize, Role)>,
    depth: usize,
    inside: bool,
    inside_depth: usize,
    /// Open paragraphs (innermost last), and how many have opened in the part.
    paragraphs: Vec<OpenParagraph>,
    no: u32,
    /// Elements open inside one whose text is skipped (a note's citation), itself
    /// included.
    skip: usize,
    structure: OdfStructure,
    /// Text bytes the budget has left for this part, and the bytes made so far.
    allowed: u64,
    produced: u64,
}

impl<'o> PartText<'o> {
    /// Nothing read yet of part `name`, whose own text has `role`.
    fn new(name: &str, role: Role, only_inside: Option<&'o str>, allowed: u64) -> Self {
        PartText {
            role,
            only_inside,
            main: Part::new(Some(name.to_string()), role),
            notes: Part::new(Some(name.to_string()), Role::Note),
            hidden: Part::new(Some(name.to_string()), Role::Hidden),
            sinks: Vec::new(),
            depth: 0,
            inside: only_inside.is_none(),
            inside_depth: 0,
            paragraphs: Vec::new(),
            no: 0,
            skip: 0,
            structure: OdfStructure::default(),
            allowed,
            produced: 0,
        }
    }

    /// An element opens: a sink, a paragraph, a piece of structure, or the spaces, tabs
    /// and line breaks written as elements.
    fn open(&mut self, e: &Element) {
        self.depth += 1;
        if self.skip > 0 {
            self.skip += 1;
            return;
        }
        if Some(e.name) == self.only_inside && !self.inside {
            self.inside = true;
            self.inside_depth = self.depth;
        }
        if !self.inside {
            return;
        }
        let sink = self.sinks.last().map_or(self.role, |(_, r)| *r);
        match e.name {
            "tracked-changes" | "annotation" | "hidden-text" | "hidden-paragraph" => {
                self.sinks.push((self.depth, Role::Hidden));
            }
            "note-body" => self.sinks.push((self.depth, Role::Note)),
            "note-citation" | "annotation-end" => self.skip = 1,
            "p" | "h" => {
                self.no += 1;
                let block = self.structure.block(e.name == "h");
                self.paragraphs.push((self.no, sink, String::new(), block));
            }
            _ if self
                .structure
                .open(e.name, e.attr("number-columns-repeated").as_deref()) => {}
            "s" => {
                let n: usize = e.attr("c").and_then(|c| c.parse().ok()).unwrap_or(1);
                let n = n.min(1000);
                self.produced += n as u64;
                if self.produced <= self.allowed
                    && let Some((_, _, s, _)) = self.paragraphs.last_mut()
                {
                    s.extend(std::iter::repeat_n(' ', n));
                }
            }
            "tab" => {
                if let Some((_, _, s, _)) = self.paragraphs.last_mut() {
                    s.push('\t');
                }
            }
            "line-break" => {
                if let Some((_, _, s, _)) = self.paragraphs.last_mut() {
                    s.push('\n');
                }
            }
            _ => {}
        }
    }

    /// An element closes: a paragraph ends in the part of its sink.
    fn close(&mut self, n: &str) {
        if self.skip > 0 {
            self.skip -= 1;
            self.depth -= 1;
            return;
        }
        if self.inside
            && (n == "p" || n == "h")
            && let Some((no, sink, s, block)) = self.paragraphs.pop()
        {
            match sink {
                Role::Hidden => self.hidden.push_line(&s, no),
                Role::Note => self.notes.push_line(&s, no),
                _ => self.main.push_line_in(&s, no, block),
            }
        }
        self.structure.close(n);
        if self.sinks.last().is_some_and(|(d, _)| *d == self.depth) {
            self.sinks.pop();
        }
        if self.only_inside.is_some() && self.inside && self.depth == self.inside_depth {
            self.inside = false;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// Character data: into the innermost open paragraph, while the budget allows.
    fn text(&mut self, t: &str) {
        if self.skip == 0
            && self.inside
            && let Some((_, _, s, _)) = self.paragraphs.last_mut()
        {
            self.produced += t.len() as u64;
            if self.produced <= self.allowed {
                s.push_str(&map_symbols(t));
            }
        }
    }
}

/// Lists, headings and tables around a paragraph. In a text document the cells of
/// one table are compared together; in a spreadsheet, the cells of one column.
#[derive(Default)]
struct OdfStructure {
    spreadsheet: bool,
    list_items: u32,
    /// Open tables (innermost last), and how many have been opened.
    tables: Vec<u32>,
    tables_seen: u32,
    /// Open cells, and the column of the cell that opened last.
    cells: u32,
    column: u32,
}

impl OdfStructure {
    /// Track an opening element; `true` when it was one of the structure's.
    fn open(&mut self, name: &str, repeated: Option<&str>) -> bool {
        match name {
            "spreadsheet" => self.spreadsheet = true,
            "list-item" | "list-header" => self.list_items += 1,
            "table" => {
                self.tables_seen += 1;
                self.tables.push(self.tables_seen);
            }
            "table-row" => self.column = 0,
            "table-cell" | "covered-table-cell" => {
                self.cells += 1;
                self.column += 1;
                // A repeated empty cell stands for several columns.
                let more: u32 = repeated.and_then(|r| r.parse().ok()).unwrap_or(1);
                self.column = self.column.saturating_add(more.saturating_sub(1));
            }
            _ => return false,
        }
        true
    }

    fn close(&mut self, name: &str) {
        match name {
            "list-item" | "list-header" => self.list_items = self.list_items.saturating_sub(1),
            "table" => {
                self.tables.pop();
            }
            "table-cell" | "covered-table-cell" => self.cells = self.cells.saturating_sub(1),
            _ => {}
        }
    }

    fn block(&self, heading: bool) -> Block {
        if self.cells > 0 {
            let table = self.tables.last().copied().unwrap_or(0);
            let group = if self.spreadsheet {
                // One group per column of each table.
                table
                    .saturating_mul(1 << 14)
                    .saturating_add(self.column.min((1 << 14) - 1))
            } else {
                table
            };
            Block::TableCell(group)
        } else if self.list_items > 0 {
            Block::ListItem
        } else if heading {
            Block::Heading
        } else {
            Block::Text
        }
    }
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
    use super::super::zipped::testkit::{self, gaps, role_of, zip_of};
    use super::*;

    const MIME: &[u8] = b"application/vnd.oasis.opendocument.text";

    fn content(text: &str) -> String {
        format!(
            r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:p>{text}</text:p></office:text></office:body></office:document-content>"#
        )
    }

    fn manifest(entries: &[(&str, &str, bool)]) -> String {
        let mut s = String::from(r#"<manifest:manifest xmlns:manifest="m">"#);
        for (path, media, enc) in entries {
            s.push_str(&format!(
                r#"<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media}">{}</manifest:file-entry>"#,
                if *enc { "<manifest:encryption-data/>" } else { "" }
            ));
        }
        s + "</manifest:manifest>"
    }

    /// Embedded objects named by the manifest are read; an unnamed content part is
    /// hidden text; an embedded file is a document of its own.
    #[test]
    fn manifest_objects_and_unnamed_parts() {
        let m = manifest(&[
            ("/", "application/vnd.oasis.opendocument.text", false),
            ("content.xml", "text/xml", false),
            (
                "Object 1/",
                "application/vnd.oasis.opendocument.chart",
                false,
            ),
            ("Object 1/content.xml", "text/xml", false),
            ("Files/a.docx", "application/octet-stream", false),
        ]);
        let (body, chart, stray) = (content("正文"), content("秘密★5年"), content("绝密★30年"));
        let inner = testkit::docx(&testkit::para("机密★1年"), &[], &[]);
        let bytes = zip_of(&[
            ("mimetype", MIME),
            ("META-INF/manifest.xml", m.as_bytes()),
            ("content.xml", body.as_bytes()),
            ("Object 1/content.xml", chart.as_bytes()),
            ("Object 9/content.xml", stray.as_bytes()),
            ("Files/a.docx", &inner),
        ]);
        let doc = testkit::doc(bytes, "odt");
        assert_eq!(role_of(&doc, "秘密★5年"), Some(Role::Note));
        assert_eq!(role_of(&doc, "绝密★30年"), Some(Role::Hidden));
        assert_eq!(role_of(&doc, "机密★1年"), Some(Role::Body));
        assert_eq!(doc.embedded.len(), 1);
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    #[test]
    fn encrypted_content_is_encrypted() {
        let m = manifest(&[("content.xml", "text/xml", true)]);
        let bytes = zip_of(&[
            ("mimetype", MIME),
            ("META-INF/manifest.xml", m.as_bytes()),
            ("content.xml", b"\x9c\x01\xff binary"),
        ]);
        assert_eq!(
            testkit::extract(bytes, "odt").err(),
            Some(ExtractError::Encrypted)
        );
    }

    /// A damaged body is a gap; the header in the styles is still read.
    #[test]
    fn damaged_content_is_a_gap_and_styles_are_read() {
        let styles = r#"<office:document-styles xmlns:office="o" xmlns:text="t" xmlns:style="s"><office:master-styles><style:master-page><style:header><text:p>机密★10年</text:p></style:header></style:master-page></office:master-styles></office:document-styles>"#;
        let m = manifest(&[
            ("content.xml", "text/xml", false),
            ("styles.xml", "text/xml", false),
        ]);
        let bytes = zip_of(&[
            ("mimetype", MIME),
            ("META-INF/manifest.xml", m.as_bytes()),
            ("content.xml", b"<office:document-content><office:body>"),
            ("styles.xml", styles.as_bytes()),
        ]);
        let doc = testkit::doc(bytes, "odt");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Margin));
        let g = gaps(&doc);
        assert!(g.len() == 1 && g[0].starts_with("content.xml"), "{g:?}");
    }

    #[test]
    fn body_notes_comments_and_deletions_are_sorted_apart() {
        let xml = r#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
<text:tracked-changes><text:changed-region><text:deletion><text:p>秘密★1年</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:p>机密<text:s text:c="0"/>★10年<office:annotation><text:p>绝密★5年</text:p></office:annotation></text:p>
<text:p>正文<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>注释</text:p></text:note-body></text:note></text:p>
</office:text></office:body></office:document-content>"#;
        let budget = Budget::new(&super::super::Limits::new(1 << 20));
        let parts =
            text_parts(xml.as_bytes(), "content.xml", Role::Body, None, 64, &budget).unwrap();
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
            &Budget::new(&super::super::Limits::new(1 << 20)),
        )
        .unwrap();
        assert_eq!(parts[0].text, "机密★10年\n");
    }
}
