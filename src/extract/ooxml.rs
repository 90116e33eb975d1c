//! Office Open XML: .docx/.docm/.dotx (WordprocessingML), .xlsx (SpreadsheetML) and
//! .pptx (PresentationML). Parts are found the way Office finds them: through the
//! package relationships (`_rels/.rels` → main part → its `_rels` → headers, footers,
//! notes, comments, glossary, charts, diagrams, embedded documents …), whatever
//! `[Content_Types].xml` claims; what each part is comes from its root element. A
//! part that no relationship reaches but that holds text is read as hidden, and a part
//! named but missing or unreadable is a gap (ML900) while the rest is read.
//!
//! Word text is rebuilt paragraph by paragraph (runs joined, so a mark split over runs
//! is whole again); table cells and text boxes are paragraphs of their own. What a
//! reader does not see — tracked deletions, hidden (`w:vanish`) runs, comments,
//! hidden slides and sheets, unreferenced parts — goes to `Hidden` parts for ML006.

use std::collections::{HashMap, HashSet, VecDeque};

use super::xml::{self, Element, Ev};
use super::zipped::{Package, gap, natural_key};
use super::{
    Block, Document, ExtractError, Flavour, Part, Property, Role, Signature, map_symbols, ole,
    parse_iso_date, sheet_column_group, signature, symbol_char,
};

/// One relationship of a part.
#[derive(Debug, Clone)]
struct Rel {
    id: String,
    /// The last segment of the relationship type URI (`header`, `officeDocument`), so
    /// transitional and strict OOXML read the same.
    kind: String,
    /// The target part, resolved against the source part (`word/header1.xml`).
    target: String,
}

/// The relationships part of `part` (`word/_rels/document.xml.rels`); the package's own
/// for `""`.
fn rels_name(part: &str) -> String {
    match part.rfind('/') {
        Some(i) => format!("{}/_rels/{}.rels", &part[..i], &part[i + 1..]),
        None if part.is_empty() => "_rels/.rels".to_string(),
        None => format!("_rels/{part}.rels"),
    }
}

/// The part whose relationships `rels` holds (`word/_rels/document.xml.rels` →
/// `word/document.xml`).
fn source_of_rels(rels: &str) -> Option<String> {
    let (dir, file) = match rels.rsplit_once("_rels/") {
        Some((dir, file)) => (dir, file),
        None => return None,
    };
    let name = file
        .strip_suffix(".rels")
        .or_else(|| file.strip_suffix(".RELS"))?;
    if name.contains('/') {
        return None;
    }
    Some(format!("{dir}{name}"))
}

/// `target` of a relationship of `source`, as a part name without the leading `/`.
fn resolve(source: &str, target: &str) -> String {
    let target = target.replace('\\', "/");
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_string(),
        None => match source.rfind('/') {
            Some(i) => format!("{}/{target}", &source[..i]),
            None => target,
        },
    };
    let mut out: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    out.join("/")
}

/// `%20` and the like in a part name.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn parse_rels(
    bytes: &[u8],
    name: &str,
    source: &str,
    depth: usize,
) -> Result<Vec<Rel>, ExtractError> {
    let root = xml::root_name(bytes);
    if root.as_deref() != Some("Relationships") {
        return Err(ExtractError::Corrupt(format!(
            "{name}: root <{}>, not <Relationships>",
            root.unwrap_or_default()
        )));
    }
    let mut rels = Vec::new();
    xml::walk(bytes, name, depth, |ev| {
        if let Ev::Open(e) = ev
            && e.name == "Relationship"
            && let Some(target) = e.attr("Target")
            && !e
                .attr("TargetMode")
                .is_some_and(|m| m.eq_ignore_ascii_case("external"))
        {
            let ty = e.attr("Type").unwrap_or_default();
            rels.push(Rel {
                id: e.attr("Id").unwrap_or_default(),
                kind: ty.rsplit('/').next().unwrap_or_default().to_string(),
                target: resolve(source, &target),
            });
        }
    })?;
    Ok(rels)
}

/// `[Content_Types].xml` overrides: part name → content type (only where the package
/// has no relationships to follow).
fn content_types(pkg: &mut Package) -> Result<Vec<(String, String)>, ExtractError> {
    let Some(bytes) = pkg.read("[Content_Types].xml")? else {
        return Ok(Vec::new());
    };
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
    Ok(parts)
}

/// Relationship kinds whose targets hold no text and are never inflated.
const NO_TEXT_RELS: &[&str] = &[
    "image",
    "font",
    "fontTable",
    "styles",
    "stylesWithEffects",
    "settings",
    "webSettings",
    "theme",
    "themeOverride",
    "numbering",
    "thumbnail",
    "extended-properties",
    "vbaProject",
    "printerSettings",
    "audio",
    "video",
    "media",
    "customXml",
    "customXmlProps",
    "diagramLayout",
    "diagramQuickStyle",
    "diagramColors",
    "diagramDrawing",
    "chartStyle",
    "chartColorStyle",
    "presProps",
    "viewProps",
    "tableStyles",
    "calcChain",
    "commentAuthors",
    "people",
    "commentsExtended",
    "commentsIds",
    "commentsExtensible",
    "activeXControlBinary",
    "keyMapCustomizations",
    "attachedToolbars",
    "wordVbaData",
    "digital-signature",
    "origin",
];

/// Relationship kinds whose target is a file of its own (read as an embedded document).
const EMBEDDING_RELS: &[&str] = &["package", "oleObject", "aFChunk", "subDocument"];

/// The family of the package, from its main part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Word,
    Sheet,
    Slides,
}

/// A part found, with where it sorts among the others of its role.
struct Found {
    rank: u8,
    order: usize,
    part: Part,
    /// The workbook's shared strings (their lines take their cells' columns).
    shared_strings: bool,
}

/// The walk over the relationship graph of one package.
struct Walk<'p, 'a> {
    pkg: &'p mut Package<'a>,
    depth: usize,
    family: Option<Family>,
    /// Lower-case names of the parts reached (read or deliberately not).
    seen: HashSet<String>,
    found: Vec<Found>,
    doc: Document,
    /// Sheet and slide order from the main part: relationship id → (position, hidden).
    order: HashMap<String, (usize, bool)>,
    /// A file-wide bound was reached: nothing more is read.
    stopped: bool,
    /// The column group of each shared string, from the first cell that shows it (the
    /// cells of one column are compared together, as a table's).
    string_columns: HashMap<usize, u32>,
    /// Worksheets read so far: each gets its own column groups.
    sheets: u32,
}

/// An Office Open XML package as one document, its parts in reading order; `None` for
/// an OPC package that is not an office document.
pub fn extract(pkg: &mut Package, depth: usize) -> Result<Option<Document>, ExtractError> {
    let mut walk = Walk::new(pkg, depth);
    let start = walk.entry_points();
    let Some(main) = start.iter().find(|r| r.kind == "officeDocument").cloned() else {
        // An OPC package that is not an office document (.nupkg, .xps, .3mf …).
        return Ok(None);
    };
    walk.family = family_by_name(&main.target);
    walk.visit_from_main(main, start);
    walk.follow_orphan_rels();
    walk.sweep_unreached();
    Ok(Some(walk.into_document()))
}

/// Shared strings are read once for the whole workbook: each line takes the column
/// group of the first cell that shows it.
fn place_shared_strings(found: &mut [Found], string_columns: &HashMap<usize, u32>) {
    if string_columns.is_empty() {
        return;
    }
    for f in found.iter_mut().filter(|f| f.shared_strings) {
        let lines = f.part.line_map.len().max(f.part.text.lines().count());
        f.part.blocks = (0..lines)
            .map(|i| {
                let index = f.part.source_line(i as u32 + 1) as usize - 1;
                string_columns
                    .get(&index)
                    .map_or(Block::Text, |c| Block::TableCell(*c))
            })
            .collect();
    }
}

/// The family a main part's path suggests, until its root element says.
fn family_by_name(name: &str) -> Option<Family> {
    let n = name.to_lowercase();
    if n.starts_with("word/") {
        Some(Family::Word)
    } else if n.starts_with("xl/") {
        Some(Family::Sheet)
    } else if n.starts_with("ppt/") {
        Some(Family::Slides)
    } else {
        None
    }
}

/// The local name and attributes that matter of the first element of an XML part.
struct Root {
    name: String,
    /// `show="0"` on a slide: hidden in the slide show.
    hidden: bool,
}

fn root_of(bytes: &[u8]) -> Option<Root> {
    xml::root(bytes, |e| Root {
        name: e.name.to_string(),
        hidden: matches!(e.attr("show").as_deref(), Some("0" | "false")),
    })
}

/// Images and other media by their signature: what a package carries that is no text.
fn is_media(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG")
        || b.starts_with(b"\xFF\xD8\xFF")
        || b.starts_with(b"GIF8")
        || b.starts_with(b"BM")
        || b.starts_with(b"II*\0")
        || b.starts_with(b"MM\0*")
        || b.starts_with(b"\xD7\xCD\xC6\x9A")
        || b.starts_with(b"\x01\0\x09\0")
        || b.get(40..44) == Some(b" EMF")
        || b.starts_with(b"RIFF")
        || b.is_empty()
}

/// Every text of an XML part, a line per element that holds some.
fn all_text(bytes: &[u8], name: &str, max_depth: usize) -> Result<Part, ExtractError> {
    let mut part = Part::new(Some(name.to_string()), Role::Hidden);
    let mut line = String::new();
    let mut no = 0u32;
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Text(t) => line.push_str(&map_symbols(t)),
        Ev::Close(_) | Ev::Open(_) => {
            if !line.trim().is_empty() {
                no += 1;
                part.push_line(line.trim(), no);
            }
            line.clear();
        }
    })?;
    Ok(part)
}

/// The roots of the parts `read_part` reads.
const TEXT_ROOTS: &[&str] = &[
    "document",
    "glossaryDocument",
    "footnotes",
    "endnotes",
    "hdr",
    "ftr",
    "comments",
    "commentList",
    "CommentList",
    "cmLst",
    "ThreadedComments",
    "workbook",
    "presentation",
    "sst",
    "worksheet",
    "sld",
    "notes",
    "sldMaster",
    "sldLayout",
    "notesMaster",
    "handoutMaster",
    "chartSpace",
    "userShapes",
    "dataModel",
    "wsDr",
    "coreProperties",
    "Properties",
];

/// Whether a part whose root is `root` can be what a relationship of `kind` names.
fn root_fits(root: &str, expected: &str, kind: &str) -> bool {
    match kind {
        "officeDocument" => matches!(root, "document" | "workbook" | "presentation"),
        // Any other part that holds text is read as what its root says it is.
        _ => {
            root == expected
                || TEXT_ROOTS.contains(&root)
                    && !matches!(
                        root,
                        "workbook" | "presentation" | "coreProperties" | "Properties"
                    )
        }
    }
}

/// The relationship kind a content type stands for, where the content types are the
/// way in (`…wordprocessingml.header+xml` → `header`).
fn kind_of_content_type(ty: &str) -> String {
    let t = ty.strip_suffix("+xml").unwrap_or(ty);
    match t.rsplit(['.', '/']).next().unwrap_or("") {
        "main" => "officeDocument".to_string(),
        "sharedStrings" | "worksheet" | "header" | "footer" | "footnotes" | "endnotes"
        | "comments" | "slide" | "notesSlide" | "chart" | "core-properties"
        | "custom-properties" => t.rsplit(['.', '/']).next().unwrap_or("").to_string(),
        _ => String::new(),
    }
}

/// The root a part reached through a relationship of `kind` must have, for parts whose
/// own root cannot be read (its reader then reports why).
fn expected_root(kind: &str, family: Option<Family>) -> Option<&'static str> {
    Some(match kind {
        "officeDocument" => match family? {
            Family::Word => "document",
            Family::Sheet => "workbook",
            Family::Slides => "presentation",
        },
        "header" => "hdr",
        "footer" => "ftr",
        "footnotes" => "footnotes",
        "endnotes" => "endnotes",
        "comments" => "comments",
        "glossaryDocument" => "glossaryDocument",
        "sharedStrings" => "sst",
        "worksheet" => "worksheet",
        "slide" => "sld",
        "notesSlide" => "notes",
        "slideMaster" => "sldMaster",
        "slideLayout" => "sldLayout",
        "notesMaster" => "notesMaster",
        "handoutMaster" => "handoutMaster",
        "chart" => "chartSpace",
        "diagramData" => "dataModel",
        "drawing" => "wsDr",
        "core-properties" => "coreProperties",
        "custom-properties" => "Properties",
        _ => return None,
    })
}

impl<'p, 'a> Walk<'p, 'a> {
    /// Nothing read yet of `pkg`, a document `depth` levels inside the file.
    fn new(pkg: &'p mut Package<'a>, depth: usize) -> Self {
        Walk {
            pkg,
            depth,
            family: None,
            seen: HashSet::new(),
            found: Vec::new(),
            doc: Document::with_parts(Flavour::Plain, Vec::new()),
            order: HashMap::new(),
            stopped: false,
            string_columns: HashMap::new(),
            sheets: 0,
        }
    }

    /// Where the package starts: its relationships, or (without a main part among
    /// them) the parts the content types name.
    fn entry_points(&mut self) -> Vec<Rel> {
        let max_depth = self.pkg.limits().max_depth;
        self.seen.insert("[content_types].xml".into());
        let start: Vec<Rel> = match self.pkg.read("_rels/.rels") {
            Ok(Some(bytes)) => match parse_rels(&bytes, "_rels/.rels", "", max_depth) {
                Ok(r) => r,
                Err(e) => {
                    self.doc.gaps.push(gap("_rels/.rels", e));
                    Vec::new()
                }
            },
            Ok(None) => Vec::new(),
            Err(e) => {
                self.doc.gaps.push(gap("_rels/.rels", e));
                Vec::new()
            }
        };
        self.seen.insert("_rels/.rels".into());
        if start.iter().any(|r| r.kind == "officeDocument") {
            start
        } else {
            self.content_type_entry_points(start)
        }
    }

    /// The main part the content types name, then (when the package has no
    /// relationships at all) every other part they name, then the relationships.
    fn content_type_entry_points(&mut self, mut rels: Vec<Rel>) -> Vec<Rel> {
        let types = match content_types(self.pkg) {
            Ok(t) => t,
            Err(e) => {
                self.doc.gaps.push(gap("[Content_Types].xml", e));
                Vec::new()
            }
        };
        let is_main = |t: &str| {
            t.ends_with("main+xml")
                && ["word", "sheet", "presentation", "slideshow"]
                    .iter()
                    .any(|k| t.contains(k))
        };
        let mut start: Vec<Rel> = types
            .iter()
            .filter(|(_, t)| is_main(t))
            .map(|(n, _)| Rel {
                id: String::new(),
                kind: "officeDocument".into(),
                target: n.clone(),
            })
            .collect();
        start.truncate(1);
        if rels.is_empty() {
            start.extend(types.iter().filter(|(_, t)| !is_main(t)).map(|(n, t)| Rel {
                id: String::new(),
                kind: kind_of_content_type(t),
                target: n.clone(),
            }));
        }
        start.append(&mut rels);
        start
    }

    /// The main part, then the other entry points, then breadth first what each part
    /// read relates to.
    fn visit_from_main(&mut self, main: Rel, start: Vec<Rel>) {
        let mut queue: VecDeque<(Rel, bool)> = VecDeque::new();
        queue.push_back((main.clone(), false));
        queue.extend(
            start
                .into_iter()
                .filter(|r| r.target != main.target)
                .map(|r| (r, false)),
        );
        let mut n = 0usize;
        while let Some((rel, hidden)) = queue.pop_front() {
            if self.stopped {
                break;
            }
            let is_main = n == 0;
            n += 1;
            for (next, next_hidden) in self.visit(&rel, hidden, is_main, false) {
                queue.push_back((next, next_hidden));
            }
        }
    }

    /// Relationships of parts that are not there (a renamed or orphaned `.rels`): what
    /// they name is followed too, as hidden, so a target they name that is missing is
    /// a gap rather than nothing.
    fn follow_orphan_rels(&mut self) {
        let orphans: Vec<String> = self
            .pkg
            .names()
            .iter()
            .filter(|n| {
                n.to_lowercase().ends_with(".rels") && !self.seen.contains(&n.to_lowercase())
            })
            .cloned()
            .collect();
        for rels in orphans {
            let Some(source) = source_of_rels(&rels) else {
                continue;
            };
            let mut queue: VecDeque<(Rel, bool)> =
                self.follow_rels(&rels, &source, true).into_iter().collect();
            while let Some((rel, hidden)) = queue.pop_front() {
                if self.stopped {
                    break;
                }
                queue.extend(self.visit(&rel, hidden, false, false));
            }
        }
    }

    /// What no relationship reaches but holds text: read as hidden.
    fn sweep_unreached(&mut self) {
        let unread: Vec<String> = self
            .pkg
            .names()
            .iter()
            .filter(|n| !n.ends_with('/') && !self.seen.contains(&n.to_lowercase()))
            .filter(|n| !n.to_lowercase().ends_with(".rels"))
            .cloned()
            .collect();
        for name in unread {
            if self.stopped {
                break;
            }
            let rel = Rel {
                id: String::new(),
                kind: String::new(),
                target: name,
            };
            self.visit(&rel, true, false, true);
        }
    }

    /// The document read: its parts by rank, then order, then name (naturally sorted).
    fn into_document(self) -> Document {
        let Walk {
            mut found,
            mut doc,
            family,
            string_columns,
            ..
        } = self;
        place_shared_strings(&mut found, &string_columns);
        found.sort_by(|a, b| {
            (a.rank, a.order).cmp(&(b.rank, b.order)).then_with(|| {
                natural_key(a.part.name.as_deref().unwrap_or(""))
                    .cmp(&natural_key(b.part.name.as_deref().unwrap_or("")))
            })
        });
        doc.parts = found.into_iter().map(|f| f.part).collect();
        doc.paged = family == Some(Family::Slides);
        doc
    }

    fn add(&mut self, rank: u8, order: usize, parts: Vec<Part>) {
        if let Err(e) = self.pkg.budget().charge_parts_text(&parts) {
            let place = parts
                .first()
                .and_then(|p| p.name.clone())
                .unwrap_or_default();
            self.doc.gaps.push(gap(&place, e));
            self.stopped = true;
            return;
        }
        for part in parts {
            if part.role != Role::Hidden || !part.is_blank() {
                self.found.push(Found {
                    rank,
                    order,
                    part,
                    shared_strings: false,
                });
            }
        }
    }

    fn fail(&mut self, part: &str, e: ExtractError) {
        self.doc.gaps.push(gap(part, e));
        if self.pkg.budget().spent().is_some() {
            self.stopped = true;
        }
    }

    /// Read the target of `rel` (once); the relationships to follow from it. `swept`:
    /// no relationship names the part.
    fn visit(&mut self, rel: &Rel, hidden: bool, is_main: bool, swept: bool) -> Vec<(Rel, bool)> {
        let mut name = rel.target.clone();
        if !self.pkg.has(&name)
            && let Some(decoded) = percent_decode(&name)
            && self.pkg.has(&decoded)
        {
            name = decoded;
        }
        if let Some(stored) = self.pkg.stored_name(&name) {
            name = stored.to_string();
        }
        if !self.seen.insert(name.to_lowercase()) {
            return Vec::new();
        }
        if NO_TEXT_RELS.contains(&rel.kind.as_str()) {
            return self.follow(&name, hidden, false);
        }
        // A part missing or unreadable is a gap; what its relationships name (the
        // headers of a missing body) is still read.
        let bytes = match self.pkg.read(&name) {
            Ok(Some(b)) => b,
            Ok(None) => {
                self.fail(&name, ExtractError::Corrupt(format!("missing part {name}")));
                return self.follow(&name, hidden, false);
            }
            Err(e) => {
                self.fail(&name, e);
                return self.follow(&name, hidden, false);
            }
        };
        let uses_rels = memchr::memmem::find(&bytes, b"r:id=").is_some();
        if EMBEDDING_RELS.contains(&rel.kind.as_str()) || signature(&bytes) != Signature::None {
            self.embedded(&name, bytes);
            return self.follow(&name, hidden, uses_rels);
        }
        let root = match root_of(&bytes) {
            Some(r) => r,
            None => match expected_root(&rel.kind, self.family) {
                Some(n) => Root {
                    name: n.to_string(),
                    hidden: false,
                },
                None if swept && !is_media(&bytes) => {
                    // Nothing names it and nothing can read it: it may hide text.
                    self.fail(
                        &name,
                        ExtractError::Corrupt(format!(
                            "{name}: a part nothing refers to, of unknown content"
                        )),
                    );
                    return Vec::new();
                }
                None => return self.follow(&name, hidden, uses_rels),
            },
        };
        if swept && !TEXT_ROOTS.contains(&root.name.as_str()) {
            // XML of no known kind that nothing refers to: its text, as hidden.
            match all_text(&bytes, &name, self.pkg.limits().max_depth) {
                Ok(p) => self.add(8, 0, vec![p]),
                Err(e) => self.fail(&name, e),
            }
            return Vec::new();
        }
        // A part a relationship names as text (a header, the shared strings) whose
        // root is no part that holds text: it cannot be read as what it claims.
        if let Some(expected) = expected_root(&rel.kind, self.family)
            && !root_fits(&root.name, expected, &rel.kind)
        {
            self.fail(
                &name,
                ExtractError::Corrupt(format!(
                    "{name}: a {} part whose root is <{}>, not <{expected}>",
                    rel.kind, root.name
                )),
            );
            return self.follow(&name, hidden, uses_rels);
        }
        if is_main {
            self.family = match root.name.as_str() {
                "document" => Some(Family::Word),
                "workbook" => Some(Family::Sheet),
                "presentation" => Some(Family::Slides),
                _ => self.family,
            };
        }
        let result = self.read_part(&name, &bytes, &root, rel, hidden, is_main);
        let hidden =
            hidden || root.hidden || matches!(root.name.as_str(), "comments" | "glossaryDocument");
        match result {
            Ok(()) => {}
            Err(e) => self.fail(&name, e),
        }
        self.follow(&name, hidden, uses_rels)
    }

    /// The relationships of `name`, to visit next.
    /// The relationships in `rels` (of part `source`), to visit next.
    fn follow_rels(&mut self, rels: &str, source: &str, hidden: bool) -> Vec<(Rel, bool)> {
        if !self.seen.insert(rels.to_lowercase()) {
            return Vec::new();
        }
        let max_depth = self.pkg.limits().max_depth;
        let bytes = match self.pkg.read(rels) {
            Ok(Some(b)) => b,
            Ok(None) => return Vec::new(),
            Err(e) => {
                self.fail(rels, e);
                return Vec::new();
            }
        };
        match parse_rels(&bytes, rels, source, max_depth) {
            Ok(list) => list.into_iter().map(|r| (r, hidden)).collect(),
            Err(e) => {
                self.fail(rels, e);
                Vec::new()
            }
        }
    }

    /// `uses_rels`: the part refers to relationships (`r:id`), so a missing
    /// relationships part hides what it names.
    fn follow(&mut self, name: &str, hidden: bool, uses_rels: bool) -> Vec<(Rel, bool)> {
        if self.stopped {
            return Vec::new();
        }
        let rels = rels_name(name);
        if !self.seen.insert(rels.to_lowercase()) {
            return Vec::new();
        }
        let max_depth = self.pkg.limits().max_depth;
        let bytes = match self.pkg.read(&rels) {
            Ok(Some(b)) => b,
            Ok(None) if uses_rels => {
                self.fail(&rels, ExtractError::Corrupt(format!("missing part {rels}")));
                return Vec::new();
            }
            Ok(None) => return Vec::new(),
            Err(e) => {
                self.fail(&rels, e);
                return Vec::new();
            }
        };
        let mut list = match parse_rels(&bytes, &rels, name, max_depth) {
            Ok(r) => r,
            Err(e) => {
                self.fail(&rels, e);
                return Vec::new();
            }
        };
        // Sheets and slides in the order (and visibility) the main part gives them.
        list.sort_by_key(|r| self.order.get(&r.id).map_or(usize::MAX, |o| o.0));
        list.into_iter()
            .map(|r| {
                let h = hidden || self.order.get(&r.id).is_some_and(|o| o.1);
                (r, h)
            })
            .collect()
    }

    fn embedded(&mut self, name: &str, bytes: Vec<u8>) {
        // An equation object holds no text a mark could be in; a wrapped file is read
        // as the file it is (`oleObject1.bin/附件.docx`); any other OLE object (a Word
        // 97 document) as the document it is.
        let budget = self.pkg.budget();
        self.doc
            .embedded
            .extend(ole::wrapped::embed(name, bytes, budget, self.depth));
        if budget.spent().is_some() {
            self.stopped = true;
        }
    }

    fn read_part(
        &mut self,
        name: &str,
        bytes: &[u8],
        root: &Root,
        rel: &Rel,
        hidden: bool,
        is_main: bool,
    ) -> Result<(), ExtractError> {
        let depth = self.pkg.limits().max_depth;
        let role = |r: Role| {
            if hidden || root.hidden {
                Role::Hidden
            } else {
                r
            }
        };
        match (root.name.as_str(), rel.kind.as_str()) {
            ("document", _) => {
                let r = if is_main { Role::Body } else { Role::Hidden };
                let (v, h) = word_part(bytes, name, role(r), depth)?;
                self.add(0, 0, vec![v, h]);
            }
            ("glossaryDocument", _) => {
                let (v, h) = word_part(bytes, name, Role::Hidden, depth)?;
                self.add(7, 0, vec![v, h]);
            }
            ("footnotes", _) | ("endnotes", _) => {
                let rank = if root.name == "footnotes" { 2 } else { 3 };
                let (v, h) = word_part(bytes, name, role(Role::Note), depth)?;
                self.add(rank, 0, vec![v, h]);
            }
            ("hdr", _) | ("ftr", _) => {
                let rank = if root.name == "hdr" { 4 } else { 5 };
                let (v, h) = word_part(bytes, name, role(Role::Margin), depth)?;
                self.add(rank, 0, vec![v, h]);
            }
            ("comments", _) if self.family == Some(Family::Word) => {
                let (v, h) = word_part(bytes, name, Role::Hidden, depth)?;
                self.add(6, 0, vec![v, h]);
            }
            ("comments", _) => {
                let p = paragraphs(
                    bytes,
                    name,
                    Role::Hidden,
                    depth,
                    "comment",
                    &["t"],
                    &["rPh"],
                )?;
                self.add(6, 0, vec![p]);
            }
            ("commentList" | "CommentList" | "cmLst", _) => {
                // PowerPoint comments.
                let p = paragraphs(bytes, name, Role::Hidden, depth, "cm", &["text"], &[])?;
                self.add(6, 0, vec![p]);
            }
            ("ThreadedComments", _) => {
                let p = paragraphs(
                    bytes,
                    name,
                    Role::Hidden,
                    depth,
                    "threadedComment",
                    &["text"],
                    &[],
                )?;
                self.add(6, 0, vec![p]);
            }
            ("workbook", _) => self.sheet_order(bytes, name)?,
            ("presentation", _) => self.slide_order(bytes, name)?,
            ("sst", _) => {
                let p = paragraphs(bytes, name, role(Role::Body), depth, "si", &["t"], &["rPh"])?;
                let before = self.found.len();
                self.add(0, 0, vec![p]);
                for f in &mut self.found[before..] {
                    f.shared_strings = true;
                }
            }
            ("worksheet", _) => {
                let order = self.order.get(&rel.id).map_or(usize::MAX, |o| o.0);
                self.sheets += 1;
                let (parts, shared) =
                    worksheet(bytes, name, hidden || root.hidden, depth, self.sheets)?;
                for (index, column) in shared {
                    self.string_columns.entry(index).or_insert(column);
                }
                self.add(1, order, parts);
            }
            ("sld", _) => {
                let order = self.order.get(&rel.id).map_or(usize::MAX, |o| o.0);
                let p = shape_text(bytes, name, role(Role::Body), depth, false)?;
                self.add(0, order, vec![p]);
            }
            ("notes", _) => {
                let p = shape_text(bytes, name, role(Role::Note), depth, false)?;
                self.add(2, 0, vec![p]);
            }
            ("sldMaster" | "sldLayout" | "notesMaster" | "handoutMaster", _) => {
                // Drawn on every slide that uses it; placeholders are prompts, not text.
                let p = shape_text(bytes, name, role(Role::Margin), depth, true)?;
                self.add(4, 0, vec![p]);
            }
            ("chartSpace" | "userShapes", _) => {
                let p = paragraphs(bytes, name, role(Role::Note), depth, "p", &["t"], &[])?;
                let cache = paragraphs(bytes, name, role(Role::Note), depth, "pt", &["v"], &[])?;
                self.add(3, 0, vec![p, cache]);
            }
            ("dataModel" | "wsDr", _) => {
                let p = paragraphs(bytes, name, role(Role::Note), depth, "p", &["t"], &[])?;
                self.add(3, 0, vec![p]);
            }
            ("coreProperties", _) => self.core_properties(bytes, name)?,
            ("Properties", "custom-properties") => self.custom_properties(bytes, name)?,
            ("labelList", _) => self.label_info(bytes, name)?,
            _ => {}
        }
        Ok(())
    }

    /// `xl/workbook.xml`: the order of the sheets and which are hidden.
    fn sheet_order(&mut self, bytes: &[u8], name: &str) -> Result<(), ExtractError> {
        let mut order = HashMap::new();
        xml::walk(bytes, name, self.pkg.limits().max_depth, |ev| {
            if let Ev::Open(e) = ev
                && e.name == "sheet"
                && let Some(id) = e.rel_id()
            {
                let hidden = e.attr("state").is_some_and(|s| s != "visible");
                let n = order.len();
                order.entry(id).or_insert((n, hidden));
            }
        })?;
        self.order.extend(order);
        Ok(())
    }

    /// `ppt/presentation.xml`: the order of the slides.
    fn slide_order(&mut self, bytes: &[u8], name: &str) -> Result<(), ExtractError> {
        let mut order = HashMap::new();
        xml::walk(bytes, name, self.pkg.limits().max_depth, |ev| {
            if let Ev::Open(e) = ev
                && e.name == "sldId"
                && let Some(id) = e.rel_id()
            {
                let n = order.len();
                order.entry(id).or_insert((n, false));
            }
        })?;
        self.order.extend(order);
        Ok(())
    }

    /// `docProps/core.xml`: the creation date.
    fn core_properties(&mut self, bytes: &[u8], name: &str) -> Result<(), ExtractError> {
        let mut in_created = false;
        let mut created = String::new();
        xml::walk(bytes, name, self.pkg.limits().max_depth, |ev| match ev {
            Ev::Open(e) => in_created = e.name == "created",
            Ev::Close(_) => in_created = false,
            Ev::Text(t) if in_created => created.push_str(t),
            Ev::Text(_) => {}
        })?;
        self.doc.created = self.doc.created.or(parse_iso_date(&created));
        Ok(())
    }

    /// `docProps/custom.xml`: 密级, 保密期限 …
    fn custom_properties(&mut self, bytes: &[u8], name: &str) -> Result<(), ExtractError> {
        let mut current: Option<(String, String)> = None;
        let mut found = Vec::new();
        xml::walk(bytes, name, self.pkg.limits().max_depth, |ev| match ev {
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
        self.doc
            .props
            .extend(found.into_iter().map(|(key, value)| Property {
                key,
                value: value.trim().to_string(),
                part: name.to_string(),
            }));
        Ok(())
    }
}

impl Walk<'_, '_> {
    /// `docMetadata/LabelInfo.xml` ([MS-OFFCRYPTO] 2.6.4): one `label` element per
    /// sensitivity label, by GUID. Kept as the property `MSIP_Label_<id>_Enabled` of
    /// this part (enabled and not removed), which `scan::labels` reads with the custom
    /// properties, LabelInfo first.
    fn label_info(&mut self, bytes: &[u8], name: &str) -> Result<(), ExtractError> {
        let mut found = Vec::new();
        xml::walk(bytes, name, self.pkg.limits().max_depth, |ev| {
            if let Ev::Open(e) = ev
                && e.name == "label"
                && let Some(id) = e.attr("id")
            {
                let yes = |a: &str| e.attr(a).is_some_and(|v| v == "1" || v == "true");
                found.push((id, yes("enabled") && !yes("removed")));
            }
        })?;
        self.doc
            .props
            .extend(found.into_iter().map(|(id, on)| Property {
                key: format!("MSIP_Label_{id}_Enabled"),
                value: on.to_string(),
                part: name.to_string(),
            }));
        Ok(())
    }
}

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
    /// A list item (numbered or bulleted), a heading, a table cell.
    block: Block,
}

/// Where a paragraph stands, from its properties (`w:numPr`, `w:pStyle`) and the
/// tables around it.
#[derive(Default)]
struct Structure {
    /// Open tables (innermost last) and how many have been opened in the part.
    tables: Vec<u32>,
    tables_seen: u32,
    /// Open table cells.
    cells: u32,
    /// Inside the `w:pPr` of the current paragraph.
    in_ppr: bool,
}

impl Structure {
    fn open(&mut self, name: &str) {
        match name {
            "tbl" => {
                self.tables_seen += 1;
                self.tables.push(self.tables_seen);
            }
            "tc" => self.cells += 1,
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        match name {
            "tbl" => {
                self.tables.pop();
            }
            "tc" => self.cells = self.cells.saturating_sub(1),
            _ => {}
        }
    }

    /// The block of a paragraph that opens here.
    fn block(&self) -> Block {
        if self.cells > 0 {
            Block::TableCell(self.tables.last().copied().unwrap_or(0))
        } else {
            Block::Text
        }
    }
}

/// What a paragraph property says of its block: a numbering (`w:numPr`) or a list
/// style makes a list item, a heading style a heading. Style ids are the English
/// names (`Heading1`, `ListParagraph`) or, in Chinese Word, the digits of the heading
/// level (`1`…`9`).
fn block_of_property(name: &str, value: Option<&str>, current: Block) -> Block {
    if matches!(current, Block::TableCell(_)) {
        return current;
    }
    match (name, value) {
        ("numPr", _) => Block::ListItem,
        ("pStyle", Some(v)) => {
            let v = v.to_ascii_lowercase();
            if v.starts_with("list") {
                Block::ListItem
            } else if v.starts_with("heading")
                || v == "title"
                || (v.len() == 1 && v.as_bytes()[0].is_ascii_digit())
            {
                Block::Heading
            } else {
                current
            }
        }
        _ => current,
    }
}

/// One WordprocessingML part: the visible text (role `role`) and what is hidden.
fn word_part(
    bytes: &[u8],
    name: &str,
    role: Role,
    max_depth: usize,
) -> Result<(Part, Part), ExtractError> {
    let mut text = WordText::new(name, role);
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => text.open(e),
        Ev::Close(n) => text.close(n),
        Ev::Text(t) => text.text(t),
    })?;
    Ok((text.visible, text.hidden))
}

/// The text of one WordprocessingML part as its XML is walked: the paragraphs open,
/// the revisions and run properties around the text, and the two parts it ends in.
struct WordText {
    visible: Part,
    hidden: Part,
    /// Open paragraphs (a text box's inside its anchor's), innermost last, and how
    /// many have opened in the part.
    stack: Vec<Para>,
    para_no: u32,
    /// Elements open inside one whose content is no text (properties, field codes, a
    /// text box's fallback copy), itself included.
    skip: usize,
    /// Open deletions (and moves away), open insertions (and moves here).
    del: usize,
    ins: usize,
    /// Inside a run's properties; whether they hide the run (`w:vanish`).
    in_rpr: bool,
    run_hidden: bool,
    /// What the character data being read is.
    chars: Chars,
    structure: Structure,
}

impl WordText {
    /// Nothing read yet of part `name`, whose visible text has `role`.
    fn new(name: &str, role: Role) -> Self {
        WordText {
            visible: Part::new(Some(name.to_string()), role),
            hidden: Part::new(Some(name.to_string()), Role::Hidden),
            stack: Vec::new(),
            para_no: 0,
            skip: 0,
            del: 0,
            ins: 0,
            in_rpr: false,
            run_hidden: false,
            chars: Chars::None,
            structure: Structure::default(),
        }
    }

    /// `s` into the innermost open paragraph: into what a reader sees unless deleted or
    /// in a hidden run, into the original unless inserted, and apart when unseen.
    fn push(&mut self, s: &str, deleted: bool) {
        let Some(p) = self.stack.last_mut() else {
            return;
        };
        let unseen = deleted || self.run_hidden;
        if !unseen {
            p.visible.push_str(s);
        }
        if self.ins == 0 {
            p.original.push_str(s);
        }
        if unseen {
            p.pieces.push_str(s);
        }
    }

    /// An element opens: a paragraph or its properties, a run or its properties, a
    /// revision, text, or a character written as an element (tab, break, symbol).
    fn open(&mut self, e: &Element) {
        if self.skip > 0 {
            self.skip += 1;
            if self.structure.in_ppr
                && self.skip == 2
                && let Some(p) = self.stack.last_mut()
            {
                let value = e.attr("val");
                p.block = block_of_property(e.name, value.as_deref(), p.block);
            }
            return;
        }
        self.structure.open(e.name);
        let deleted = self.del > 0;
        match e.name {
            "pPr" => {
                self.skip = 1;
                self.structure.in_ppr = true;
            }
            // Properties, field codes and the fallback copy of a text box.
            "sectPr" | "tblPr" | "trPr" | "tcPr" | "instrText" | "delInstrText" | "Fallback"
            | "rPrChange" | "pPrChange" | "fldData" => self.skip = 1,
            "p" => {
                self.para_no += 1;
                self.stack.push(Para {
                    no: self.para_no,
                    block: self.structure.block(),
                    ..Para::default()
                });
            }
            "r" => self.run_hidden = false,
            "rPr" => self.in_rpr = true,
            "vanish" if self.in_rpr => {
                self.run_hidden = !matches!(e.attr("val").as_deref(), Some("0" | "false" | "off"));
            }
            "t" => self.chars = Chars::Text,
            "delText" => self.chars = Chars::Deleted,
            "del" | "moveFrom" if !self.in_rpr => self.del += 1,
            "ins" | "moveTo" if !self.in_rpr => self.ins += 1,
            "tab" | "ptab" => self.push("\t", deleted),
            "br" | "cr" => self.push("\n", deleted),
            "noBreakHyphen" => self.push("-", deleted),
            "sym" => {
                let font = e.attr("font").unwrap_or_default();
                if let Some(c) = e.attr("char").and_then(|c| sym_char(&font, &c)) {
                    self.push(&c.to_string(), deleted);
                }
            }
            _ => {}
        }
    }

    /// An element closes: a paragraph ends, or a run's properties, text or a revision.
    fn close(&mut self, n: &str) {
        if self.skip > 0 {
            self.skip -= 1;
            if self.skip == 0 {
                self.structure.in_ppr = false;
            }
            return;
        }
        self.structure.close(n);
        match n {
            "p" => self.end_paragraph(),
            "rPr" => self.in_rpr = false,
            "t" | "delText" => self.chars = Chars::None,
            "del" | "moveFrom" if !self.in_rpr => self.del = self.del.saturating_sub(1),
            "ins" | "moveTo" if !self.in_rpr => self.ins = self.ins.saturating_sub(1),
            _ => {}
        }
    }

    /// The innermost paragraph ends: what a reader sees becomes a visible line; where
    /// they differ, the original text and the unseen pieces become hidden lines.
    fn end_paragraph(&mut self) {
        let Some(p) = self.stack.pop() else {
            return;
        };
        self.visible.push_line_in(&p.visible, p.no, p.block);
        let seen = p.visible.trim();
        if p.original.trim() != seen && !p.original.trim().is_empty() {
            self.hidden.push_line(&p.original, p.no);
        }
        if !p.pieces.trim().is_empty() && p.pieces.trim() != p.original.trim() {
            self.hidden.push_line(&p.pieces, p.no);
        }
    }

    /// Character data: the text of a `w:t` or `w:delText`, nothing elsewhere.
    fn text(&mut self, t: &str) {
        if self.skip > 0 || self.chars == Chars::None {
            return;
        }
        let t = map_symbols(t);
        let deleted = self.chars == Chars::Deleted || self.del > 0;
        self.push(&t, deleted);
    }
}

/// `w:sym w:font="Wingdings" w:char="F0AB"`: the character a symbol font draws, as
/// Unicode (see `symbol_char`).
fn sym_char(font: &str, code: &str) -> Option<char> {
    symbol_char(font, u32::from_str_radix(code.trim(), 16).ok()?)
}

/// One worksheet: inline strings in cells, and the page header and footer. A hidden
/// sheet is all `Hidden`.
/// A worksheet: its inline strings (as lines, each in its column's group), its headers
/// and footers (margins), and for each shared string it shows, the column group of the
/// first cell that shows it. `sheet` numbers the sheet, so that its columns are groups
/// of their own.
fn worksheet(
    bytes: &[u8],
    name: &str,
    hidden: bool,
    depth: usize,
    sheet: u32,
) -> Result<(Vec<Part>, StringColumns), ExtractError> {
    let role = |r: Role| if hidden { Role::Hidden } else { r };
    let mut parts = Vec::new();
    let (cells, shared) = sheet_cells(bytes, name, role(Role::Body), depth, sheet)?;
    if !cells.is_blank() {
        parts.push(cells);
    }
    let mut margin = Part::new(Some(name.to_string()), role(Role::Margin));
    let mut current: Option<String> = None;
    let mut no = 0u32;
    xml::walk(bytes, name, depth, |ev| match ev {
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
    Ok((parts, shared))
}

/// (shared string index, column group) for each cell that shows a shared string.
type StringColumns = Vec<(usize, u32)>;

/// The column number of a cell reference (`B3` → 2), if it has one.
fn column_of(reference: &str) -> Option<u32> {
    let letters = reference.bytes().take_while(u8::is_ascii_alphabetic);
    let mut n = 0u32;
    let mut any = false;
    for b in letters {
        n = n
            .checked_mul(26)?
            .checked_add(u32::from(b.to_ascii_uppercase() - b'A' + 1))?;
        any = true;
    }
    any.then_some(n)
}

/// The cells of a sheet: inline strings as lines in their column's group, and the
/// shared strings the cells show, with their column groups.
fn sheet_cells(
    bytes: &[u8],
    name: &str,
    role: Role,
    max_depth: usize,
    sheet: u32,
) -> Result<(Part, StringColumns), ExtractError> {
    let mut part = Part::new(Some(name.to_string()), role);
    let mut shared = Vec::new();
    let group = |column: u32| sheet_column_group(sheet, column);
    // The current cell: its column, whether it shows a shared string, its value.
    let mut column = 0u32;
    let mut shared_cell = false;
    let mut value: Option<String> = None;
    let mut inline: Option<String> = None;
    let mut in_text = false;
    let mut skip = 0usize;
    let mut no = 0u32;
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => {
            if skip > 0 || e.name == "rPh" {
                skip += 1;
                return;
            }
            match e.name {
                "row" => column = 0,
                "c" => {
                    column = e
                        .attr("r")
                        .as_deref()
                        .and_then(column_of)
                        .unwrap_or(column + 1);
                    shared_cell = e.attr("t").as_deref() == Some("s");
                }
                "v" => value = Some(String::new()),
                "is" => inline = Some(String::new()),
                "t" if inline.is_some() => in_text = true,
                _ => {}
            }
        }
        Ev::Close(n) => {
            if skip > 0 {
                skip -= 1;
                return;
            }
            match n {
                "v" => {
                    let text = value.take();
                    if shared_cell && let Some(index) = text.and_then(|v| v.trim().parse().ok()) {
                        shared.push((index, group(column)));
                    }
                }
                "t" => in_text = false,
                "is" => {
                    if let Some(text) = inline.take() {
                        no += 1;
                        part.push_line_in(&text, no, Block::TableCell(group(column)));
                    }
                }
                _ => {}
            }
        }
        Ev::Text(t) => {
            if skip > 0 {
                return;
            }
            if in_text && let Some(s) = inline.as_mut() {
                s.push_str(&map_symbols(t));
            } else if let Some(v) = value.as_mut() {
                v.push_str(t);
            }
        }
    })?;
    Ok((part, shared))
}

/// The text of the shapes of a slide, notes page or master: one line per `a:p`. With
/// `skip_placeholders`, shapes that are placeholders (`p:ph`) are left out: on a
/// master or layout their text is a prompt, and on a notes page the slide image.
fn shape_text(
    bytes: &[u8],
    name: &str,
    role: Role,
    max_depth: usize,
    skip_placeholders: bool,
) -> Result<Part, ExtractError> {
    let mut part = Part::new(Some(name.to_string()), role);
    // Open shapes: (placeholder, bulleted by default, paragraphs read inside).
    type Paragraph = (u32, String, Block);
    let mut shapes: Vec<(bool, bool, Vec<Paragraph>)> = Vec::new();
    let mut para: Option<(u32, String, Block)> = None;
    let mut no = 0u32;
    let mut in_text = false;
    let mut structure = Structure::default();
    xml::walk(bytes, name, max_depth, |ev| match ev {
        Ev::Open(e) => {
            structure.open(e.name);
            match e.name {
                "sp" | "graphicFrame" | "cxnSp" => shapes.push((false, false, Vec::new())),
                "ph" => {
                    if let Some(s) = shapes.last_mut() {
                        s.0 = true;
                        // A body (or content) placeholder shows its paragraphs as
                        // bullets unless a paragraph says `a:buNone`.
                        let kind = e.attr("type");
                        s.1 = matches!(kind.as_deref(), None | Some("body" | "obj"));
                    }
                }
                "p" => {
                    no += 1;
                    let block = match structure.block() {
                        Block::TableCell(t) => Block::TableCell(t),
                        _ if shapes.last().is_some_and(|s| s.1) => Block::ListItem,
                        _ => Block::Text,
                    };
                    para = Some((no, String::new(), block));
                }
                "buChar" | "buAutoNum" | "buBlip" => {
                    if let Some(p) = para.as_mut().filter(|p| p.2 == Block::Text) {
                        p.2 = Block::ListItem;
                    }
                }
                "buNone" => {
                    if let Some(p) = para.as_mut().filter(|p| p.2 == Block::ListItem) {
                        p.2 = Block::Text;
                    }
                }
                "t" => in_text = true,
                "br" => {
                    if let Some((_, s, _)) = para.as_mut() {
                        s.push('\n');
                    }
                }
                "tab" => {
                    if let Some((_, s, _)) = para.as_mut() {
                        s.push('\t');
                    }
                }
                _ => {}
            }
        }
        Ev::Close(n) => {
            structure.close(n);
            match n {
                "t" => in_text = false,
                "p" => {
                    if let Some(p) = para.take() {
                        match shapes.last_mut() {
                            Some(s) => s.2.push(p),
                            None => part.push_line_in(&p.1, p.0, p.2),
                        }
                    }
                }
                "sp" | "graphicFrame" | "cxnSp" => {
                    if let Some((placeholder, _, paras)) = shapes.pop()
                        && !(skip_placeholders && placeholder)
                    {
                        match shapes.last_mut() {
                            Some(outer) => outer.2.extend(paras),
                            None => {
                                for (no, s, block) in paras {
                                    part.push_line_in(&s, no, block);
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ev::Text(t) => {
            if in_text && let Some((_, s, _)) = para.as_mut() {
                s.push_str(&map_symbols(t));
            }
        }
    })?;
    Ok(part)
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

/// about Word documents are written.
pub fn docx_from_body(body: &str) -> Vec<u8> {
    docx_with_properties(body, &std::collections::BTreeMap::new())
}

/// `docx_from_body` with custom document properties (`docProps/custom.xml`, text
/// values), as rule examples that carry a sensitivity label are written.
pub fn docx_with_properties(
    body: &str,
    properties: &std::collections::BTreeMap<String, String>,
) -> Vec<u8> {
    use std::io::Write;
    const CUSTOM_TYPE: &str = r#"<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>"#;
    let types = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>{}</Types>"#,
        if properties.is_empty() {
            ""
        } else {
            CUSTOM_TYPE
        }
    );
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let custom: String = properties
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            format!(
                r#"<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{}" name="{}"><vt:lpwstr>{}</vt:lpwstr></property>"#,
                i + 2,
                esc(k),
                esc(v)
            )
        })
        .collect();
    let custom = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{custom}</Properties>"#
    );
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut parts = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ];
    if !properties.is_empty() {
        parts.push(("docProps/custom.xml", custom.as_bytes()));
    }
    for (name, data) in parts {
        // Writing to memory cannot fail short of allocation failure.
        zip.start_file(name, opts).expect("zip in memory");
        zip.write_all(data).expect("zip in memory");
    }
    zip.finish().expect("zip in memory");
    buf.into_inner()
}

#[cfg(test)]
mod tests {
    use super::super::zipped::testkit::{self, docx, gaps, para, rels, role_of, zip_of};
    use super::*;

    fn hdr(text: &str) -> Vec<u8> {
        format!("<w:hdr {}>{}</w:hdr>", testkit::W, para(text)).into_bytes()
    }

    /// The content types name a decoy main part; the relationships name the real one,
    /// which Word shows: it is the body, and the decoy is hidden text.
    #[test]
    fn relationships_not_content_types_decide_the_main_part() {
        let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/decoy.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
        let real = testkit::word_document(&para("机密★10年"));
        let decoy = testkit::word_document(&para("正文"));
        let bytes = zip_of(&[
            ("[Content_Types].xml", types.as_bytes()),
            (
                "_rels/.rels",
                rels(&[("officeDocument", "word/document.xml")]).as_bytes(),
            ),
            ("word/document.xml", real.as_bytes()),
            ("word/decoy.xml", decoy.as_bytes()),
        ]);
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Body));
        assert_eq!(role_of(&doc, "正文"), Some(Role::Hidden));
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    /// Headers, footers, notes, comments and the glossary are found through the main
    /// part's relationships, whatever their names and content types.
    #[test]
    fn every_related_part_is_read_with_its_role() {
        let w = testkit::W;
        let bytes = docx(
            &para("正文"),
            &[
                ("header", "odd/h.bin"),
                ("footer", "../elsewhere/f.xml"),
                ("footnotes", "notes.xml"),
                ("comments", "c.xml"),
                ("glossaryDocument", "glossary/document.xml"),
                ("image", "media/missing.png"),
            ],
            &[
                ("word/odd/h.bin", hdr("机密★10年")),
                (
                    "elsewhere/f.xml",
                    format!("<w:ftr {w}>{}</w:ftr>", para("秘密★5年")).into_bytes(),
                ),
                (
                    "word/notes.xml",
                    format!(
                        "<w:footnotes {w}><w:footnote>{}</w:footnote></w:footnotes>",
                        para("绝密★30年")
                    )
                    .into_bytes(),
                ),
                (
                    "word/c.xml",
                    format!(
                        "<w:comments {w}><w:comment>{}</w:comment></w:comments>",
                        para("机密★1年")
                    )
                    .into_bytes(),
                ),
                (
                    "word/glossary/document.xml",
                    format!(
                        "<w:glossaryDocument {w}><w:docParts>{}</w:docParts></w:glossaryDocument>",
                        para("秘密★2年")
                    )
                    .into_bytes(),
                ),
            ],
        );
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Margin));
        assert_eq!(role_of(&doc, "秘密★5年"), Some(Role::Margin));
        assert_eq!(role_of(&doc, "绝密★30年"), Some(Role::Note));
        assert_eq!(role_of(&doc, "机密★1年"), Some(Role::Hidden));
        assert_eq!(role_of(&doc, "秘密★2年"), Some(Role::Hidden));
        // An image is never inflated, so a missing one is no gap.
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    /// A part named but missing or unreadable is a gap naming it; the rest is read.
    #[test]
    fn missing_and_damaged_parts_are_gaps() {
        let bytes = docx(
            &para("正文"),
            &[
                ("header", "header1.xml"),
                ("header", "header2.xml"),
                ("footer", "footer1.xml"),
            ],
            &[
                ("word/header2.xml", b"<w:hdr><w:p>cut".to_vec()),
                ("word/footer1.xml", hdr("机密★10年")),
            ],
        );
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Margin));
        let g = gaps(&doc);
        assert_eq!(g.len(), 2, "{g:?}");
        assert!(
            g[0].starts_with("word/header1.xml: Corrupt(\"missing part"),
            "{g:?}"
        );
        assert!(g[1].starts_with("word/header2.xml: Corrupt"), "{g:?}");
        // The main part itself missing: a gap, and the headers are still read.
        let types =
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
        let bytes = zip_of(&[
            ("[Content_Types].xml", types.as_bytes()),
            (
                "_rels/.rels",
                rels(&[("officeDocument", "word/document.xml")]).as_bytes(),
            ),
            (
                "word/_rels/document.xml.rels",
                rels(&[("header", "h.xml")]).as_bytes(),
            ),
            ("word/h.xml", &hdr("秘密★5年")),
        ]);
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "秘密★5年"), Some(Role::Margin));
        assert_eq!(gaps(&doc).len(), 1);
    }

    /// What no relationship reaches but holds text is read as hidden text.
    #[test]
    fn unreferenced_text_parts_are_hidden() {
        let bytes = docx(
            &para("正文"),
            &[],
            &[
                ("word/header9.xml", hdr("机密★10年")),
                ("word/media/x.png", b"\x89PNG\r\n".to_vec()),
                (
                    "customXml/item1.xml",
                    b"<b:Sources xmlns:b='x'>\xE7\xA7\x98\xE5\xAF\x86</b:Sources>".to_vec(),
                ),
            ],
        );
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Hidden));
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
    }

    /// Embedded documents are read as documents of their own (a Word 97 object too);
    /// a legacy object no reader reads is ML900; an equation object is nothing to read.
    #[test]
    fn embedded_packages_and_objects() {
        use crate::extract::ole::word::tests::{Build, compound};
        let inner = docx(&para("绝密★20年"), &[], &[]);
        let word97 = compound(Build::new("机密★5年\r"), &[]);
        // An Outlook message: a compound file mark-lint refuses (ML900 legacy).
        let message = crate::extract::ole::tests::compound_with(&[("/__substg1.0_0037001F", b"")]);
        let equation = crate::extract::ole::tests::compound_with(&[("/Equation Native", b"")]);
        let bytes = docx(
            &para("正文"),
            &[
                ("package", "embeddings/inner.docx"),
                ("oleObject", "embeddings/oleObject1.bin"),
                ("oleObject", "embeddings/oleObject2.bin"),
                ("oleObject", "embeddings/oleObject3.bin"),
            ],
            &[
                ("word/embeddings/inner.docx", inner),
                ("word/embeddings/oleObject1.bin", word97),
                ("word/embeddings/oleObject2.bin", equation),
                ("word/embeddings/oleObject3.bin", message),
            ],
        );
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(doc.embedded.len(), 3, "{:?}", gaps(&doc));
        assert_eq!(doc.embedded[0].name, "word/embeddings/inner.docx");
        assert_eq!(role_of(&doc, "绝密★20年"), Some(Role::Body));
        assert_eq!(role_of(&doc, "机密★5年"), Some(Role::Body));
        assert!(matches!(doc.embedded[2].doc, Err(ExtractError::Legacy(_))));
    }

    /// Slides in the presentation's order; a hidden slide is hidden text; masters
    /// give their own text, not their placeholders' prompts.
    #[test]
    fn slides_in_order_hidden_slides_and_masters() {
        let p = r#"xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
        let slide = |text: &str, show: &str| {
            format!(
                r#"<p:sld {p}{show}><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
            )
        };
        let master = format!(
            r#"<p:sldMaster {p}><p:cSld><p:spTree><p:sp><p:nvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:txBody><a:p><a:r><a:t>单击此处编辑母版标题样式</a:t></a:r></a:p></p:txBody></p:sp><p:sp><p:txBody><a:p><a:r><a:t>秘密★5年</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sldMaster>"#
        );
        let pres = format!(
            r#"<p:presentation {p}><p:sldIdLst><p:sldId id="257" r:id="rId1"/><p:sldId id="256" r:id="rId0"/><p:sldId id="258" r:id="rId2"/></p:sldIdLst></p:presentation>"#
        );
        let s_a = slide("机密★10年", "");
        let s_b = slide("第二页", "");
        let s_c = slide("绝密★30年", r#" show="0""#);
        let bytes = zip_of(&[
            (
                "_rels/.rels",
                rels(&[("officeDocument", "ppt/presentation.xml")]).as_bytes(),
            ),
            ("ppt/presentation.xml", pres.as_bytes()),
            (
                "ppt/_rels/presentation.xml.rels",
                rels(&[
                    ("slide", "slides/slide1.xml"),
                    ("slide", "slides/slide2.xml"),
                    ("slide", "slides/slide3.xml"),
                    ("slideMaster", "m.xml"),
                ])
                .as_bytes(),
            ),
            ("ppt/slides/slide1.xml", s_b.as_bytes()),
            ("ppt/slides/slide2.xml", s_a.as_bytes()),
            ("ppt/slides/slide3.xml", s_c.as_bytes()),
            ("ppt/m.xml", master.as_bytes()),
        ]);
        let doc = testkit::doc(bytes, "pptx");
        let body: Vec<&str> = doc
            .parts
            .iter()
            .filter(|p| p.role == Role::Body)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(body, ["机密★10年\n", "第二页\n"]);
        assert_eq!(role_of(&doc, "绝密★30年"), Some(Role::Hidden));
        assert_eq!(role_of(&doc, "秘密★5年"), Some(Role::Margin));
        assert_eq!(role_of(&doc, "母版"), None);
        assert!(doc.paged);
    }

    /// A hidden sheet is hidden text; sheets are found through the workbook.
    #[test]
    fn hidden_sheets() {
        let x = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
        let book = format!(
            r#"<workbook {x}><sheets><sheet name="a" sheetId="1" r:id="rId0"/><sheet name="b" sheetId="2" state="veryHidden" r:id="rId1"/></sheets></workbook>"#
        );
        let sheet = |t: &str| {
            format!(
                r#"<worksheet {x}><sheetData><row><c t="inlineStr"><is><t>{t}</t></is></c></row></sheetData></worksheet>"#
            )
        };
        let (a, b) = (sheet("机密★10年"), sheet("绝密★30年"));
        let bytes = zip_of(&[
            (
                "_rels/.rels",
                rels(&[("officeDocument", "xl/workbook.xml")]).as_bytes(),
            ),
            ("xl/workbook.xml", book.as_bytes()),
            (
                "xl/_rels/workbook.xml.rels",
                rels(&[("worksheet", "s/a.xml"), ("worksheet", "s/b.xml")]).as_bytes(),
            ),
            ("xl/s/a.xml", a.as_bytes()),
            ("xl/s/b.xml", b.as_bytes()),
        ]);
        let doc = testkit::doc(bytes, "xlsx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Body));
        assert_eq!(role_of(&doc, "绝密★30年"), Some(Role::Hidden));
    }

    /// Without package relationships the content types are the way in.
    #[test]
    fn content_types_without_relationships() {
        let bytes = docx_from_body(&para("机密★10年"));
        let doc = testkit::doc(bytes, "docx");
        assert_eq!(role_of(&doc, "机密★10年"), Some(Role::Body));
    }

    #[test]
    fn relationship_targets() {
        assert_eq!(
            resolve("word/document.xml", "header1.xml"),
            "word/header1.xml"
        );
        assert_eq!(
            resolve("word/document.xml", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(
            resolve("word/document.xml", "/word/media/a.png"),
            "word/media/a.png"
        );
        assert_eq!(resolve("", "word/document.xml"), "word/document.xml");
        assert_eq!(
            rels_name("word/document.xml"),
            "word/_rels/document.xml.rels"
        );
        assert_eq!(rels_name(""), "_rels/.rels");
        assert_eq!(
            percent_decode("word/a%20b.xml").as_deref(),
            Some("word/a b.xml")
        );
    }

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
