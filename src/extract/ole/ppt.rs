//! PowerPoint 97-2003 presentations (.ppt/.pps/.pot and WPS .dps), read from [MS-PPT].
//! The `PowerPoint Document` stream is a tree of records; slides are found as PowerPoint
//! finds them: `Current User` → the newest edit → the persist directories of every edit
//! (the newest entry wins) → the document's slide lists, in presentation order. Each
//! slide is a body part (`slide 1`), its notes page a note (`slide 1 notes`), a master's
//! own text a margin with its placeholders (prompts) left out, as the .pptx reader does;
//! a hidden slide is hidden, and so is a slide container nothing refers to. When the
//! directory cannot be followed, slides are read in stream order beside a gap. Nesting
//! is bounded by `max_depth`, every loop by the stream, the text by the budget.
//! Embedded OLE objects are ExOleObjStg records of the same stream (a compound file,
//! mostly zlib-compressed): each is inflated within the budget and read as an embedded
//! document named `ExOleObjStg/<persist id>` (the id its ExOleObjAtom refers to), or
//! `ExOleObjStg/byte-<offset>` when no persist directory names it. One that cannot be
//! inflated whole is an unreadable embedded document under that name.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{Compound, admit, objects, u16_at, u32_at};
use crate::extract::{
    Block, Bound, Budget, Document, Embedded, ExtractError, Flavour, Gap, Limits, Part, Role,
    map_symbols,
};

/// Record types ([MS-PPT] 2.13.24).
mod rt {
    pub const DOCUMENT: u16 = 0x03E8;
    pub const DOCUMENT_ATOM: u16 = 0x03E9;
    pub const SLIDE: u16 = 0x03EE;
    pub const NOTES: u16 = 0x03F0;
    pub const NOTES_ATOM: u16 = 0x03F1;
    pub const SLIDE_PERSIST: u16 = 0x03F3;
    pub const MAIN_MASTER: u16 = 0x03F8;
    pub const SLIDE_SHOW_INFO: u16 = 0x03F9;
    pub const PLACEHOLDER: u16 = 0x0BC3;
    pub const OUTLINE_TEXT_REF: u16 = 0x0F9E;
    pub const TEXT_HEADER: u16 = 0x0F9F;
    pub const TEXT_CHARS: u16 = 0x0FA0;
    pub const STYLE_TEXT_PROP: u16 = 0x0FA1;
    pub const TEXT_BYTES: u16 = 0x0FA8;
    pub const CSTRING: u16 = 0x0FBA;
    pub const HEADERS_FOOTERS: u16 = 0x0FD9;
    pub const SLIDE_LIST: u16 = 0x0FF0;
    pub const USER_EDIT: u16 = 0x0FF5;
    pub const PERSIST_DIRECTORY: u16 = 0x1772;
    pub const COMMENT: u16 = 0x2EE0;
    pub const SHAPE: u16 = 0xF004;
    /// RT_ExternalOleObjectStg: the storage of an OLE object (ExOleObjStg), of an
    /// ActiveX control or of a VBA project.
    pub const OLE_STORAGE: u16 = 0x1011;
    /// Fields whose text stands as `*` in the text: slide number, dates, header, footer.
    pub const FIELDS: [u16; 6] = [0x0FD8, 0x0FF7, 0x0FF8, 0x0FF9, 0x0FFA, 0x1015];
}

/// `headerToken` of a CurrentUserAtom whose document is encrypted.
const ENCRYPTED_TOKEN: u32 = 0xF3D1_C4DF;

/// Text types ([MS-PPT] TextTypeEnum) whose paragraphs are bulleted unless they say not.
const BULLETED_TYPES: [u32; 3] = [1, 7, 8];

/// Read the presentation of `file`.
pub fn read(file: &mut Compound) -> Result<Document, ExtractError> {
    let stream = file
        .read("/PowerPoint Document")?
        .ok_or_else(|| ExtractError::Corrupt("no PowerPoint Document stream".into()))?;
    let user = file.read("/Current User")?;
    let mut deck = Deck::new(&stream, file.budget.text_left(), &file.budget.limits);
    let dir = match directory(&stream, user.as_deref()) {
        Ok(dir) => {
            if let Err(why) = deck.in_order(&dir) {
                deck.fall_back(why);
            }
            Some(dir)
        }
        Err(Fail::Encrypted) => return Err(ExtractError::Encrypted),
        Err(Fail::Broken(why)) => {
            deck.fall_back(why);
            None
        }
    };
    deck.stream_order(false);
    if deck.parts.iter().all(Part::is_blank) && !deck.found_any {
        return Err(ExtractError::Corrupt(
            "no slides in the PowerPoint Document stream".into(),
        ));
    }
    let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
    doc.paged = true;
    doc.encoding = "UTF-16LE";
    doc.gaps = std::mem::take(&mut deck.gaps);
    admit(file.budget, std::mem::take(&mut deck.parts), &mut doc);
    carry_objects(file, &stream, dir.as_ref(), deck.fell_back, &mut doc);
    Ok(doc)
}

/// One record: where it starts, its header, and its data `start..end`.
#[derive(Debug, Clone, Copy)]
struct Rec {
    at: usize,
    container: bool,
    instance: u16,
    kind: u16,
    start: usize,
    end: usize,
}

impl Rec {
    /// The record at `at`, if it fits before `limit`.
    fn at(b: &[u8], at: usize, limit: usize) -> Option<Rec> {
        let ver_inst = u16_at(b, at)?;
        let kind = u16_at(b, at.checked_add(2)?)?;
        let len = u32_at(b, at.checked_add(4)?)? as usize;
        let start = at.checked_add(8)?;
        let end = start.checked_add(len)?;
        (end <= limit.min(b.len())).then_some(Rec {
            at,
            container: ver_inst & 0xF == 0xF,
            instance: ver_inst >> 4,
            kind,
            start,
            end,
        })
    }

    fn data<'b>(&self, b: &'b [u8]) -> &'b [u8] {
        &b[self.start..self.end]
    }
}

/// The records in `start..end`; whether one ran past `end` (what follows it is lost).
fn records_in(b: &[u8], start: usize, end: usize) -> (Vec<Rec>, bool) {
    let mut out = Vec::new();
    let mut at = start;
    while at.saturating_add(8) <= end {
        match Rec::at(b, at, end) {
            Some(r) => {
                at = r.end;
                out.push(r);
            }
            None => return (out, true),
        }
    }
    (out, false)
}

enum Fail {
    Encrypted,
    Broken(String),
}

/// Where the document and its slides are: persist id → offset, and the document's id.
struct Directory {
    offsets: HashMap<u32, usize>,
    document: u32,
}

/// Follow `Current User` to the newest edit, then every edit before it, gathering their
/// persist directories (a newer edit's entry wins).
fn directory(b: &[u8], user: Option<&[u8]>) -> Result<Directory, Fail> {
    let broken = |why: &str| Fail::Broken(why.to_string());
    let user = user.ok_or_else(|| broken("no Current User stream"))?;
    if u32_at(user, 12) == Some(ENCRYPTED_TOKEN) {
        return Err(Fail::Encrypted);
    }
    let mut edit = u32_at(user, 16).ok_or_else(|| broken("Current User cut short"))? as usize;
    let mut offsets = HashMap::new();
    let mut document = None;
    let mut seen = HashSet::new();
    // Each edit is a distinct record of at least 8 bytes: the stream bounds the chain.
    while seen.insert(edit) && seen.len() <= b.len() / 8 + 1 {
        let rec = Rec::at(b, edit, b.len())
            .filter(|r| r.kind == rt::USER_EDIT)
            .ok_or_else(|| broken("an edit record is missing"))?;
        let data = rec.data(b);
        let (Some(last), Some(dir), Some(doc)) =
            (u32_at(data, 8), u32_at(data, 12), u32_at(data, 16))
        else {
            return Err(broken("an edit record is cut short"));
        };
        document.get_or_insert(doc);
        let dir = Rec::at(b, dir as usize, b.len())
            .filter(|r| r.kind == rt::PERSIST_DIRECTORY)
            .ok_or_else(|| broken("a persist directory is missing"))?;
        persist_entries(dir.data(b), &mut offsets);
        if last == 0 {
            break;
        }
        edit = last as usize;
    }
    Ok(Directory {
        offsets,
        document: document.ok_or_else(|| broken("no edit"))?,
    })
}

/// The entries of a PersistDirectoryAtom: runs of (first id, count) and their offsets.
fn persist_entries(data: &[u8], offsets: &mut HashMap<u32, usize>) {
    let mut at = 0usize;
    while let Some(head) = u32_at(data, at) {
        let (first, count) = (head & 0xF_FFFF, head >> 20);
        at += 4;
        for k in 0..count {
            let Some(offset) = u32_at(data, at) else {
                return;
            };
            offsets
                .entry(first.saturating_add(k))
                .or_insert(offset as usize);
            at += 4;
        }
    }
}

/// One text of a shape: its type, its UTF-16 units, paragraph bullets, fields.
#[derive(Debug, Clone, Default)]
struct TextBlock {
    kind: u32,
    units: Vec<u16>,
    /// (characters covered, whether bulleted if it says) from StyleTextPropAtom.
    bullets: Vec<(u32, Option<bool>)>,
    /// Positions of field characters (`*` standing for a slide number or date).
    fields: Vec<u32>,
}

impl TextBlock {
    /// Its paragraphs (0x0D ends one, 0x0B is a line break), each with its block kind.
    fn paragraphs(&self) -> Vec<(String, Block)> {
        let mut out = Vec::new();
        let mut para: Vec<u16> = Vec::new();
        let mut start = 0u32;
        for (i, u) in self.units.iter().enumerate() {
            let i = i as u32;
            match *u {
                0x0D => {
                    out.push((String::from_utf16_lossy(&para), self.block_at(start)));
                    para.clear();
                    start = i + 1;
                }
                0x0B => para.push(u16::from(b'\n')),
                0x2A if self.fields.contains(&i) => {}
                u => para.push(u),
            }
        }
        if !para.is_empty() || out.is_empty() {
            out.push((String::from_utf16_lossy(&para), self.block_at(start)));
        }
        out
    }

    /// The block of the paragraph starting at character `at`.
    fn block_at(&self, at: u32) -> Block {
        let mut end = 0u32;
        let mut said = None;
        for (count, bullet) in &self.bullets {
            end = end.saturating_add(*count);
            if at < end {
                said = *bullet;
                break;
            }
        }
        match said {
            Some(true) => Block::ListItem,
            Some(false) => Block::Text,
            None if BULLETED_TYPES.contains(&self.kind) => Block::ListItem,
            None => Block::Text,
        }
    }
}

/// The paragraph runs of a StyleTextPropAtom over `chars` characters: (characters,
/// whether bulleted if the run says). Stops where the runs cannot be parsed.
fn paragraph_runs(data: &[u8], chars: usize) -> Vec<(u32, Option<bool>)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut covered = 0usize;
    while covered <= chars {
        let Some(count) = u32_at(data, at) else { break };
        let Some((bullet, next)) = pf_exception(data, at + 6) else {
            break;
        };
        out.push((count, bullet));
        covered = covered.saturating_add(count as usize);
        at = next;
        if count == 0 {
            break;
        }
    }
    out
}

/// A TextPFException at `at`: whether it says the paragraph has a bullet, and where it
/// ends. Its optional fields are present by the bits of its mask, in this order.
fn pf_exception(data: &[u8], at: usize) -> Option<(Option<bool>, usize)> {
    let masks = u32_at(data, at)?;
    let bit = |n: u32| masks & (1 << n) != 0;
    let mut at = at + 4;
    let mut bullet = None;
    if masks & 0xF != 0 {
        let flags = u16_at(data, at)?;
        if bit(0) {
            bullet = Some(flags & 1 != 0);
        }
        at += 2;
    }
    // (mask bit, bytes): bulletChar, bulletFontRef, bulletSize, bulletColor, alignment,
    // lineSpacing, spaceBefore, spaceAfter, leftMargin, indent, defaultTabSize.
    for (n, size) in [
        (7, 2),
        (4, 2),
        (6, 2),
        (5, 4),
        (11, 2),
        (12, 2),
        (13, 2),
        (14, 2),
        (8, 2),
        (10, 2),
        (15, 2),
    ] {
        if bit(n) {
            at += size;
        }
    }
    if bit(20) {
        let stops = usize::from(u16_at(data, at)?);
        at += 2 + 4 * stops;
    }
    if bit(16) {
        at += 2;
    }
    if masks & (0b111 << 17) != 0 {
        at += 2;
    }
    if bit(21) {
        at += 2;
    }
    (at <= data.len()).then_some((bullet, at))
}

/// The text atoms of one place (a shape's text box, a slide's part of a slide list),
/// gathered into blocks.
#[derive(Default)]
struct Collector {
    blocks: Vec<TextBlock>,
}

impl Collector {
    /// Take the text atom `r`; whether it was one.
    fn atom(&mut self, b: &[u8], r: &Rec) -> bool {
        let data = r.data(b);
        match r.kind {
            rt::TEXT_HEADER => self.blocks.push(TextBlock {
                kind: u32_at(data, 0).unwrap_or(4),
                ..TextBlock::default()
            }),
            rt::TEXT_CHARS | rt::TEXT_BYTES => {
                let block = self.open();
                if r.kind == rt::TEXT_CHARS {
                    block.units.extend(
                        data.chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]])),
                    );
                } else {
                    block.units.extend(data.iter().map(|c| u16::from(*c)));
                }
            }
            rt::STYLE_TEXT_PROP => {
                let block = self.open();
                block.bullets = paragraph_runs(data, block.units.len());
            }
            k if rt::FIELDS.contains(&k) => {
                if let Some(at) = u32_at(data, 0) {
                    self.open().fields.push(at);
                }
            }
            _ => return false,
        }
        true
    }

    /// The block text goes into: the last one, or a new one without a header.
    fn open(&mut self) -> &mut TextBlock {
        if self.blocks.is_empty() {
            self.blocks.push(TextBlock {
                kind: 4,
                ..TextBlock::default()
            });
        }
        let last = self.blocks.len() - 1;
        &mut self.blocks[last]
    }
}

/// A slide list entry: the persist id of its slide, its slide id, its texts.
struct ListEntry {
    persist: u32,
    slide_id: u32,
    texts: Vec<TextBlock>,
}

/// What one slide, notes page or master holds.
#[derive(Default)]
struct SlideText {
    blocks: Vec<TextBlock>,
    margins: Vec<String>,
    unseen: Vec<String>,
    hidden: bool,
}

/// The reading of one container: its slide list texts (for `OutlineTextRefAtom`),
/// whether placeholders are left out, and the shapes open.
struct Walk<'s> {
    list: &'s [TextBlock],
    /// Which of `list` a shape has shown.
    used: Vec<bool>,
    skip_placeholders: bool,
    /// Open shapes: (a placeholder, its text); the first is the container itself.
    shapes: Vec<(bool, Collector)>,
    text: SlideText,
    produced: u64,
}

struct Deck<'a> {
    b: &'a [u8],
    limits: &'a Limits,
    text_left: u64,
    /// Containers read (by offset): each once, and those nothing reached are hidden.
    reached: HashSet<usize>,
    parts: Vec<Part>,
    gaps: Vec<Gap>,
    stopped: bool,
    /// A document, slide, notes or master container was found.
    found_any: bool,
    /// The directory could not be followed: the stream was read in stream order.
    fell_back: bool,
}

impl<'a> Deck<'a> {
    fn new(b: &'a [u8], text_left: u64, limits: &'a Limits) -> Self {
        Deck {
            b,
            limits,
            text_left,
            reached: HashSet::new(),
            parts: Vec::new(),
            gaps: Vec::new(),
            stopped: false,
            found_any: false,
            fell_back: false,
        }
    }

    fn gap(&mut self, part: &str, error: ExtractError) {
        self.gaps.push(Gap {
            part: Some(part.to_string()),
            line: 1,
            error,
        });
    }

    fn fall_back(&mut self, why: String) {
        let error = ExtractError::Corrupt(format!("{why}: slides read in stream order"));
        self.gap("PowerPoint Document", error);
        self.fell_back = true;
        self.stream_order(true);
    }

    /// The slides, notes pages and masters the document lists, in its order.
    fn in_order(&mut self, dir: &Directory) -> Result<(), String> {
        let b = self.b;
        let at = *dir
            .offsets
            .get(&dir.document)
            .ok_or("the document is not in the persist directory")?;
        let doc = Rec::at(b, at, b.len())
            .filter(|r| r.kind == rt::DOCUMENT)
            .ok_or("no document where the persist directory says")?;
        self.found_any = true;
        self.reached.insert(doc.at);
        let (kids, cut) = records_in(b, doc.start, doc.end);
        if cut {
            self.gap(
                "PowerPoint Document",
                corrupt("the document record is cut short"),
            );
        }
        let mut lists: [Vec<ListEntry>; 3] = Default::default();
        let mut margins = Vec::new();
        let mut masters = Vec::new();
        for r in &kids {
            match r.kind {
                rt::SLIDE_LIST if r.instance <= 2 => {
                    lists[usize::from(r.instance)].extend(slide_list(b, r));
                }
                rt::HEADERS_FOOTERS => margins.extend(headers_footers(b, r)),
                rt::DOCUMENT_ATOM => {
                    let data = r.data(b);
                    masters.extend(
                        [(24, "notes master"), (28, "handout master")]
                            .into_iter()
                            .filter_map(|(at, name)| Some((u32_at(data, at)?, name)))
                            .filter(|(id, _)| *id != 0),
                    );
                }
                _ => {}
            }
        }
        let [slides, master_list, notes] = lists;
        let ids: HashMap<u32, usize> = slides
            .iter()
            .enumerate()
            .map(|(n, e)| (e.slide_id, n + 1))
            .collect();
        for (n, entry) in slides.iter().enumerate() {
            let name = format!("slide {}", n + 1);
            self.listed(dir, entry, &name, Role::Body);
        }
        for (n, entry) in notes.iter().enumerate() {
            let name = match self.notes_slide(dir, entry).and_then(|id| ids.get(&id)) {
                Some(slide) => format!("slide {slide} notes"),
                None => format!("notes {}", n + 1),
            };
            self.listed(dir, entry, &name, Role::Note);
        }
        let mut general = Part::new(Some("headers and footers".into()), Role::Margin);
        for (n, s) in margins.iter().enumerate() {
            general.push_line(&map_symbols(s), n as u32 + 1);
        }
        self.parts.push(general);
        for (n, entry) in master_list.iter().enumerate() {
            let name = format!("master {}", n + 1);
            self.listed(dir, entry, &name, Role::Margin);
        }
        for (id, name) in masters {
            let entry = ListEntry {
                persist: id,
                slide_id: 0,
                texts: Vec::new(),
            };
            self.listed(dir, &entry, name, Role::Margin);
        }
        Ok(())
    }

    /// The slide id a notes page says it belongs to (its NotesAtom).
    fn notes_slide(&self, dir: &Directory, entry: &ListEntry) -> Option<u32> {
        let b = self.b;
        let rec = Rec::at(b, *dir.offsets.get(&entry.persist)?, b.len())?;
        let (kids, _) = records_in(b, rec.start, rec.end);
        let atom = kids.iter().find(|r| r.kind == rt::NOTES_ATOM)?;
        u32_at(atom.data(b), 0).filter(|id| *id != 0)
    }

    /// Read the container a slide list entry names, as `name` in `role`.
    fn listed(&mut self, dir: &Directory, entry: &ListEntry, name: &str, role: Role) {
        if self.stopped {
            return;
        }
        let b = self.b;
        let found = dir
            .offsets
            .get(&entry.persist)
            .and_then(|at| Rec::at(b, *at, b.len()))
            .filter(|r| matches!(r.kind, rt::SLIDE | rt::NOTES | rt::MAIN_MASTER));
        let Some(rec) = found else {
            let why = format!("persist id {} names no slide", entry.persist);
            self.gap(name, corrupt(&why));
            return;
        };
        if !self.reached.insert(rec.at) {
            self.gap(name, corrupt("the same slide is listed twice"));
            return;
        }
        self.container(&rec, &entry.texts, name, role);
    }

    /// Slides, notes pages and masters in the order the stream holds them: all of them
    /// when the directory could not be followed (`fallback`), else those nothing
    /// reached, as hidden.
    fn stream_order(&mut self, fallback: bool) {
        let b = self.b;
        let (top, cut) = records_in(b, 0, b.len());
        if cut && fallback {
            self.gap(
                "PowerPoint Document",
                corrupt("the stream ends inside a record"),
            );
        }
        let mut counts = [0usize; 3];
        for r in top {
            if self.stopped {
                return;
            }
            let (which, word, role) = match r.kind {
                rt::SLIDE => (0, "slide", Role::Body),
                rt::NOTES => (1, "notes", Role::Note),
                rt::MAIN_MASTER => (2, "master", Role::Margin),
                rt::DOCUMENT => {
                    self.found_any = true;
                    continue;
                }
                _ => continue,
            };
            self.found_any = true;
            if !self.reached.insert(r.at) {
                continue;
            }
            counts[which] += 1;
            if fallback {
                let name = format!("{word} {}", counts[which]);
                self.container(&r, &[], &name, role);
            } else {
                let name = format!("{word} at byte {} (unreferenced)", r.at);
                self.container(&r, &[], &name, Role::Hidden);
            }
        }
    }

    /// Read one slide, notes page or master into parts named `name`; `list` holds the
    /// texts its slide list entry carries.
    fn container(&mut self, rec: &Rec, list: &[TextBlock], name: &str, role: Role) {
        let mut walk = Walk {
            list,
            used: vec![false; list.len()],
            skip_placeholders: role == Role::Margin,
            shapes: vec![(false, Collector::default())],
            text: SlideText::default(),
            produced: 0,
        };
        self.walk(rec, 0, &mut walk, name);
        if let Some((_, root)) = walk.shapes.pop() {
            walk.text.blocks.extend(root.blocks);
        }
        // Slide list texts no shape refers to are still the slide's.
        for (text, used) in list.iter().zip(&walk.used) {
            if !used {
                walk.text.blocks.push(text.clone());
            }
        }
        self.text_left = self.text_left.saturating_sub(walk.produced);
        let role = if walk.text.hidden && role == Role::Body {
            Role::Hidden
        } else {
            role
        };
        self.slide_parts(name, role, walk.text);
    }

    /// The records inside `rec` into `w`, shapes by shapes.
    fn walk(&mut self, rec: &Rec, depth: usize, w: &mut Walk, name: &str) {
        if depth >= self.limits.max_depth {
            let why = format!("record nesting depth {}, at {name}", self.limits.max_depth);
            self.gap(name, ExtractError::Limit(why));
            return;
        }
        let b = self.b;
        let (kids, cut) = records_in(b, rec.start, rec.end);
        if cut {
            self.gap(
                name,
                corrupt(&format!(
                    "a record inside the one at byte {} is cut short",
                    rec.at
                )),
            );
        }
        for r in &kids {
            if w.produced > self.text_left {
                if !self.stopped {
                    self.stopped = true;
                    self.gap(name, Bound::Text.exceeded(self.limits, name));
                }
                return;
            }
            let data = r.data(b);
            match r.kind {
                rt::SHAPE => {
                    w.shapes.push((false, Collector::default()));
                    self.walk(r, depth + 1, w, name);
                    if let Some((placeholder, shape)) = w.shapes.pop()
                        && !(placeholder && w.skip_placeholders)
                        && let Some(outer) = w.shapes.last_mut()
                    {
                        outer.1.blocks.extend(shape.blocks);
                    }
                }
                rt::PLACEHOLDER => {
                    if let Some(shape) = w.shapes.last_mut() {
                        shape.0 = true;
                    }
                }
                rt::OUTLINE_TEXT_REF => w.outline_ref(u32_at(data, 0)),
                rt::SLIDE_SHOW_INFO => w.text.hidden = data.get(10).is_some_and(|f| f & 4 != 0),
                rt::HEADERS_FOOTERS => w.text.margins.extend(headers_footers(b, r)),
                rt::COMMENT => w.text.unseen.extend(
                    records_in(b, r.start, r.end)
                        .0
                        .iter()
                        .filter(|c| c.kind == rt::CSTRING && c.instance == 1)
                        .map(|c| utf16(c.data(b))),
                ),
                _ if r.container => self.walk(r, depth + 1, w, name),
                _ => {
                    if let Some(shape) = w.shapes.last_mut()
                        && shape.1.atom(b, r)
                    {
                        w.produced += data.len() as u64;
                    }
                }
            }
        }
    }

    /// One slide's text as parts: its shapes' paragraphs (numbered through the slide),
    /// its headers and footers, its comments.
    fn slide_parts(&mut self, name: &str, role: Role, text: SlideText) {
        let mut part = Part::new(Some(name.to_string()), role);
        let mut no = 0u32;
        for block in &text.blocks {
            for (s, kind) in block.paragraphs() {
                no += 1;
                part.push_line_in(&map_symbols(&s), no, kind);
            }
        }
        self.parts.push(part);
        let margin = if role == Role::Hidden {
            Role::Hidden
        } else {
            Role::Margin
        };
        for (lines, role) in [(text.margins, margin), (text.unseen, Role::Hidden)] {
            let mut part = Part::new(Some(name.to_string()), role);
            for (n, s) in lines.iter().enumerate() {
                part.push_line(&map_symbols(s), n as u32 + 1);
            }
            self.parts.push(part);
        }
    }
}

impl Walk<'_> {
    /// An OutlineTextRefAtom: the `index`th text of the slide's list entry is shown here.
    fn outline_ref(&mut self, index: Option<u32>) {
        let Some(i) = index.map(|i| i as usize).filter(|i| *i < self.list.len()) else {
            return;
        };
        let text = &self.list[i];
        if !self.used[i] {
            self.used[i] = true;
            self.produced += text.units.len() as u64;
            if let Some(shape) = self.shapes.last_mut() {
                shape.1.blocks.push(text.clone());
            }
        }
    }
}

fn corrupt(why: &str) -> ExtractError {
    ExtractError::Corrupt(why.to_string())
}

/// The entries of a SlideListWithText: each SlidePersistAtom and the texts after it.
fn slide_list(b: &[u8], list: &Rec) -> Vec<ListEntry> {
    let (kids, _) = records_in(b, list.start, list.end);
    let mut out: Vec<ListEntry> = Vec::new();
    let mut texts = Collector::default();
    for r in &kids {
        if r.kind == rt::SLIDE_PERSIST {
            if let Some(last) = out.last_mut() {
                last.texts = std::mem::take(&mut texts.blocks);
            }
            let data = r.data(b);
            out.push(ListEntry {
                persist: u32_at(data, 0).unwrap_or(u32::MAX),
                slide_id: u32_at(data, 12).unwrap_or(0),
                texts: Vec::new(),
            });
        } else if !out.is_empty() {
            texts.atom(b, r);
        }
    }
    if let Some(last) = out.last_mut() {
        last.texts = texts.blocks;
    }
    out
}

/// The header, footer and date texts of a HeadersFootersContainer.
fn headers_footers(b: &[u8], r: &Rec) -> Vec<String> {
    records_in(b, r.start, r.end)
        .0
        .iter()
        .filter(|c| c.kind == rt::CSTRING && c.instance <= 2)
        .map(|c| utf16(c.data(b)))
        .collect()
}

fn utf16(data: &[u8]) -> String {
    let units: Vec<u16> = data
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// The ExOleObjStg records of a stream, by offset: every one the persist directory
/// names and every one found walking the record tree (an older edit's object, one no
/// directory names). `None`: a record whose header says it is one but which runs past
/// the end of its container.
#[derive(Default)]
struct ObjectRecords {
    records: BTreeMap<usize, Option<Rec>>,
    /// Where a top-level record (of another type) runs past the end of the stream.
    cut: Option<usize>,
    /// Containers nested deeper than the bound were not looked into.
    too_deep: bool,
}

/// Find the object records of `b` (see `ObjectRecords`), looking no deeper than
/// `max_depth` containers.
fn object_records(b: &[u8], dir: Option<&Directory>, max_depth: usize) -> ObjectRecords {
    let mut found = ObjectRecords::default();
    let is_object = |at: usize| {
        u16_at(b, at).is_some_and(|v| v & 0xF != 0xF)
            && at.checked_add(2).and_then(|k| u16_at(b, k)) == Some(rt::OLE_STORAGE)
    };
    for at in dir.iter().flat_map(|d| d.offsets.values()) {
        if is_object(*at) {
            found.records.insert(*at, Rec::at(b, *at, b.len()));
        }
    }
    // Every record is visited once: the walk is bounded by the stream.
    let mut open = vec![(0usize, b.len(), 0usize)];
    while let Some((start, end, depth)) = open.pop() {
        let (kids, cut) = records_in(b, start, end);
        if cut {
            let at = kids.last().map_or(start, |r| r.end);
            if is_object(at) {
                found.records.entry(at).or_insert(None);
            } else if depth == 0 {
                found.cut = Some(at);
            }
        }
        for r in kids {
            if r.kind == rt::OLE_STORAGE && !r.container {
                found.records.insert(r.at, Some(r));
            } else if r.container && depth + 1 >= max_depth {
                found.too_deep = true;
            } else if r.container {
                open.push((r.start, r.end, depth + 1));
            }
        }
    }
    found
}

/// The name of the object stored at byte `at`: `ExOleObjStg/<persist id>` by the id the
/// persist directory gives it (the id its ExOleObjAtom refers to), else
/// `ExOleObjStg/byte-<offset>`.
fn object_name(at: usize, ids: &BTreeMap<usize, u32>) -> String {
    match ids.get(&at) {
        Some(id) => format!("ExOleObjStg/{id}"),
        None => format!("ExOleObjStg/byte-{at}"),
    }
}

/// Read every OLE object the stream stores as an embedded document of `doc`, in stream
/// order. An object whose record is cut short, whose zlib data is broken or cut, whose
/// declared size is not what inflates, or which reaches a bound, is an embedded
/// document that could not be read, under its name: never left out in silence.
fn carry_objects(
    file: &Compound,
    b: &[u8],
    dir: Option<&Directory>,
    fell_back: bool,
    doc: &mut Document,
) {
    let budget = file.budget;
    let mut ids = BTreeMap::new();
    for (id, at) in dir.iter().flat_map(|d| d.offsets.iter()) {
        let smallest = ids.entry(*at).or_insert(*id);
        *smallest = (*smallest).min(*id);
    }
    let found = object_records(b, dir, budget.limits.max_depth);
    let place = Some("PowerPoint Document".to_string());
    // When the slides were read in stream order, a stream cut short is a gap already.
    if let Some(at) = found.cut.filter(|_| !fell_back) {
        let why = format!(
            "the record at byte {at} runs past the end of the stream: no embedded object in it is looked for"
        );
        doc.gaps.push(Gap {
            part: place.clone(),
            line: 1,
            error: corrupt(&why),
        });
    }
    if found.too_deep {
        let why = format!(
            "record nesting depth {}: no embedded object deeper is looked for",
            budget.limits.max_depth
        );
        doc.gaps.push(Gap {
            part: place,
            line: 1,
            error: ExtractError::Limit(why),
        });
    }
    for (at, rec) in found.records {
        let name = object_name(at, &ids);
        let bytes = budget
            .check_depth(file.depth + 1, &name)
            .and_then(|()| rec.ok_or_else(|| object_corrupt(&name, "its record is cut short")))
            .and_then(|rec| object_bytes(b, &rec, &name, budget));
        let more = match bytes {
            Ok(bytes) => objects::carry(name, bytes, budget, file.depth, doc),
            Err(error) => {
                doc.embedded.push(Embedded {
                    name,
                    doc: Err(error),
                });
                budget.spent().is_none()
            }
        };
        if !more {
            return;
        }
    }
}

fn object_corrupt(name: &str, why: &str) -> ExtractError {
    ExtractError::Corrupt(format!("embedded object {name}: {why}"))
}

/// The compound file an ExOleObjStg record holds: its data as is (recInstance 0, an
/// ExOleObjStgUncompressedAtom), or a declared size and a zlib stream inflated within
/// the bounds (recInstance 1, an ExOleObjStgCompressedAtom; [MS-PPT] 2.10.34–36).
fn object_bytes(b: &[u8], rec: &Rec, name: &str, budget: &Budget) -> Result<Vec<u8>, ExtractError> {
    let data = rec.data(b);
    match rec.instance {
        0 => Ok(data.to_vec()),
        1 => {
            let declared = u32_at(data, 0)
                .ok_or_else(|| object_corrupt(name, "its record is cut short before its size"))?;
            inflate(&data[4..], u64::from(declared), name, budget)
        }
        n => Err(object_corrupt(
            name,
            &format!("unknown record instance {n}"),
        )),
    }
}

/// Inflate the zlib stream `data` that declares `declared` bytes. Every byte counts
/// against the file's inflated bytes and, past 1 MiB, against the compression ratio;
/// a size beyond one part is refused before inflating, and a stream that gives more
/// than it declared is stopped there.
fn inflate(
    data: &[u8],
    declared: u64,
    name: &str,
    budget: &Budget,
) -> Result<Vec<u8>, ExtractError> {
    let limits = &budget.limits;
    if declared > limits.max_entry_bytes {
        return Err(Bound::PartBytes.exceeded(limits, name));
    }
    let compressed = (data.len() as u64).max(1);
    let mut z = flate2::Decompress::new(true);
    let mut out = Vec::with_capacity(declared.min(1 << 20) as usize);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let (read, made) = (z.total_in(), z.total_out());
        let rest = data.get(read as usize..).unwrap_or_default();
        let status = z
            .decompress(rest, &mut chunk, flate2::FlushDecompress::None)
            .map_err(|e| object_corrupt(name, &format!("its zlib data is broken ({e})")))?;
        let n = (z.total_out() - made) as usize;
        out.extend_from_slice(&chunk[..n]);
        budget.charge_inflated(n as u64, name)?;
        let len = out.len() as u64;
        if len > declared {
            let why = format!("it inflates to more than the {declared} bytes it declares");
            return Err(object_corrupt(name, &why));
        }
        if len > (1 << 20) && len / compressed > limits.max_ratio {
            return Err(Bound::Ratio.exceeded(limits, name));
        }
        if status == flate2::Status::StreamEnd {
            break;
        }
        if n == 0 && z.total_in() == read {
            return Err(object_corrupt(name, "its zlib data is cut short"));
        }
    }
    if out.len() as u64 != declared {
        let why = format!(
            "it inflates to {} bytes, not the {declared} it declares",
            out.len()
        );
        return Err(object_corrupt(name, &why));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ole::tests::{compound_with, lines, read_doc};

    fn atom(kind: u16, instance: u16, data: &[u8]) -> Vec<u8> {
        let mut out = (instance << 4).to_le_bytes().to_vec();
        out.extend(kind.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
        out
    }

    fn container(kind: u16, instance: u16, kids: &[Vec<u8>]) -> Vec<u8> {
        let mut out = atom(kind, instance, &kids.concat());
        out[0] |= 0xF;
        out
    }

    fn chars(s: &str) -> Vec<u8> {
        let units: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        atom(rt::TEXT_CHARS, 0, &units)
    }

    fn header(kind: u32) -> Vec<u8> {
        atom(rt::TEXT_HEADER, 0, &kind.to_le_bytes())
    }

    /// A shape with a text box holding `text` of text type `kind`.
    fn shape(placeholder: bool, kind: u32, text: &str) -> Vec<u8> {
        let mut kids = Vec::new();
        if placeholder {
            kids.push(container(0xF011, 0, &[atom(rt::PLACEHOLDER, 0, &[0; 8])]));
        }
        kids.push(container(0xF00D, 0, &[header(kind), chars(text)]));
        container(rt::SHAPE, 0, &kids)
    }

    fn drawing(shapes: &[Vec<u8>]) -> Vec<u8> {
        container(
            0x040C,
            0,
            &[container(0xF002, 0, &[container(0xF003, 0, shapes)])],
        )
    }

    fn persist(id: u32, slide_id: u32) -> Vec<u8> {
        let mut d = id.to_le_bytes().to_vec();
        d.extend([0; 8]);
        d.extend(slide_id.to_le_bytes());
        d.extend([0; 4]);
        atom(rt::SLIDE_PERSIST, 0, &d)
    }

    /// A stream: the document (`lists`: slide lists by instance), then `containers`
    /// (persist ids 2, 3, …), a persist directory and an edit; and its Current User.
    fn deck(lists: &[(u16, Vec<Vec<u8>>)], containers: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let mut kids = vec![atom(rt::DOCUMENT_ATOM, 1, &[0; 40])];
        for (instance, entries) in lists {
            kids.push(container(rt::SLIDE_LIST, *instance, entries));
        }
        let mut stream = container(rt::DOCUMENT, 0, &kids);
        let mut offsets = vec![0u32];
        for c in containers {
            offsets.push(stream.len() as u32);
            stream.extend(c);
        }
        let dir_at = stream.len() as u32;
        let mut dir = (1u32 | ((offsets.len() as u32) << 20))
            .to_le_bytes()
            .to_vec();
        dir.extend(offsets.iter().flat_map(|o| o.to_le_bytes()));
        stream.extend(atom(rt::PERSIST_DIRECTORY, 0, &dir));
        let edit_at = stream.len() as u32;
        let mut edit = vec![0u8; 28];
        edit[12..16].copy_from_slice(&dir_at.to_le_bytes());
        edit[16..20].copy_from_slice(&1u32.to_le_bytes());
        stream.extend(atom(rt::USER_EDIT, 0, &edit));
        let mut user = vec![0u8; 8];
        user.extend(20u32.to_le_bytes());
        user.extend(0xE391_C05Fu32.to_le_bytes());
        user.extend(edit_at.to_le_bytes());
        user.extend([0; 8]);
        (stream, user)
    }

    fn read_deck(stream: &[u8], user: &[u8]) -> Result<Document, ExtractError> {
        let file = compound_with(&[("/PowerPoint Document", stream), ("/Current User", user)]);
        read_doc(&file, "ppt")
    }

    type Line = (String, Role, u32, Block, String);

    fn line(part: &str, role: Role, no: u32, block: Block, text: &str) -> Line {
        (part.to_string(), role, no, block, text.to_string())
    }

    #[test]
    fn the_fixture_reads_like_its_twin() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/office/legacy/slides.ppt"
        );
        let doc = read_doc(&std::fs::read(path).unwrap(), "ppt").unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        let got: Vec<Line> = lines(&doc)
            .into_iter()
            .filter(|l| !l.4.is_empty())
            .collect();
        assert_eq!(
            got,
            vec![
                line("slide 1", Role::Body, 1, Block::Text, "机密★10年"),
                line(
                    "slide 1",
                    Role::Body,
                    2,
                    Block::Text,
                    "云岭市城西水厂联络管工程汇报"
                ),
                line("slide 2", Role::Body, 1, Block::Text, "工程概况"),
                line(
                    "slide 2",
                    Role::Body,
                    2,
                    Block::ListItem,
                    "联络管拟沿西山路敷设，全长6.8公里。"
                ),
                line("slide 2", Role::Body, 3, Block::ListItem, "云岭市水务局"),
                line("slide 2", Role::Body, 4, Block::ListItem, "2026年3月5日"),
                line("slide 2 notes", Role::Note, 1, Block::Text, "秘密★1年"),
            ]
        );
        assert!(doc.paged && doc.created.is_some());
    }

    /// Slides in the order the slide list gives (not the stream's), placeholder text
    /// from the slide list shown where the slide refers to it, a hidden slide, a master
    /// whose prompts are skipped and whose own text is a margin, notes named after
    /// their slide.
    #[test]
    fn slides_in_presentation_order() {
        let second = container(rt::SLIDE, 0, &[drawing(&[shape(false, 4, "第二页")])]);
        let outline = atom(rt::OUTLINE_TEXT_REF, 0, &0u32.to_le_bytes());
        let first = container(
            rt::SLIDE,
            0,
            &[drawing(&[
                shape(true, 0, "机密★10年"),
                container(rt::SHAPE, 0, &[container(0xF00D, 0, &[outline])]),
            ])],
        );
        let mut info = vec![0u8; 16];
        info[10] = 4;
        let hidden = container(
            rt::SLIDE,
            0,
            &[
                atom(rt::SLIDE_SHOW_INFO, 0, &info),
                drawing(&[shape(false, 4, "绝密★30年")]),
            ],
        );
        let master = container(
            rt::MAIN_MASTER,
            0,
            &[drawing(&[
                shape(true, 0, "单击此处编辑母版标题样式"),
                shape(false, 4, "秘密★5年"),
            ])],
        );
        let notes = container(
            rt::NOTES,
            0,
            &[
                atom(rt::NOTES_ATOM, 1, &[7, 1, 0, 0, 0, 0, 0, 0]),
                drawing(&[shape(true, 2, "秘密★1年")]),
            ],
        );
        let slides = vec![
            persist(3, 0x107),
            header(1),
            chars("要点一\r要点二"),
            persist(2, 0x108),
            persist(4, 0x109),
        ];
        let lists = [
            (0, slides),
            (1, vec![persist(5, 0)]),
            (2, vec![persist(6, 0)]),
        ];
        let (stream, user) = deck(&lists, &[second, first, hidden, master, notes]);
        let doc = read_deck(&stream, &user).unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        let got = lines(&doc);
        assert_eq!(
            got,
            vec![
                line("slide 1", Role::Body, 1, Block::Text, "机密★10年"),
                line("slide 1", Role::Body, 2, Block::ListItem, "要点一"),
                line("slide 1", Role::Body, 3, Block::ListItem, "要点二"),
                line("slide 2", Role::Body, 1, Block::Text, "第二页"),
                line("slide 3", Role::Hidden, 1, Block::Text, "绝密★30年"),
                line("slide 1 notes", Role::Note, 1, Block::Text, "秘密★1年"),
                line("master 1", Role::Margin, 1, Block::Text, "秘密★5年"),
            ]
        );
    }

    /// A broken or looping directory: the slides in stream order, beside a gap; an
    /// encrypted document is refused; garbage is corrupt.
    #[test]
    fn broken_directories_and_hostile_streams() {
        let slide = container(rt::SLIDE, 0, &[drawing(&[shape(false, 4, "机密★10年")])]);
        let (stream, user) = deck(&[(0, vec![persist(2, 0x100)])], &[slide]);
        // Current User pointing past the stream, at the document, at itself.
        for at in [u32::MAX, 0, 8] {
            let mut bad = user.clone();
            bad[16..20].copy_from_slice(&at.to_le_bytes());
            let doc = read_deck(&stream, &bad).unwrap();
            assert_eq!(doc.gaps.len(), 1, "{at}: {:?}", doc.gaps);
            assert_eq!(doc.parts[0].text, "机密★10年\n");
        }
        // An edit whose previous edit is itself: read once.
        let edit_at = u32_at(&user, 16).unwrap() as usize;
        let mut looping = stream.clone();
        looping[edit_at + 16..edit_at + 20].copy_from_slice(&(edit_at as u32).to_le_bytes());
        let doc = read_deck(&looping, &user).unwrap();
        assert!(doc.gaps.is_empty() && doc.parts[0].text.contains("机密"));
        // Persist offsets outside the stream.
        let mut far = stream.clone();
        let dir_at = u32_at(&stream, edit_at + 20).unwrap() as usize;
        far[dir_at + 16..dir_at + 20].copy_from_slice(&u32::MAX.to_le_bytes());
        let doc = read_deck(&far, &user).unwrap();
        assert!(!doc.gaps.is_empty() && doc.parts.iter().any(|p| p.text.contains("机密")));
        let mut encrypted = user.clone();
        encrypted[12..16].copy_from_slice(&ENCRYPTED_TOKEN.to_le_bytes());
        assert_eq!(
            read_deck(&stream, &encrypted).err(),
            Some(ExtractError::Encrypted)
        );
        for garbage in [vec![], vec![0xA5; 700], stream[..20].to_vec()] {
            assert!(matches!(
                read_deck(&garbage, &user),
                Err(ExtractError::Corrupt(_))
            ));
        }
    }

    /// Containers nested deeper than the bound: a gap, no stack overflow.
    #[test]
    fn deep_nesting_is_bounded() {
        let mut inner = shape(false, 4, "机密★10年");
        for _ in 0..2000 {
            inner = container(0xF003, 0, &[inner]);
        }
        let slide = container(rt::SLIDE, 0, &[inner]);
        let (stream, user) = deck(&[(0, vec![persist(2, 0x100)])], &[slide]);
        let doc = read_deck(&stream, &user).unwrap();
        assert!(
            doc.gaps
                .iter()
                .any(|g| matches!(&g.error, ExtractError::Limit(m) if m.contains("nesting")))
        );
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(bytes).unwrap();
        z.finish().unwrap()
    }

    /// An ExOleObjStgCompressedAtom holding `object`, declaring `declared` bytes.
    fn compressed(object: &[u8], declared: usize) -> Vec<u8> {
        let mut data = (declared as u32).to_le_bytes().to_vec();
        data.extend(zlib(object));
        atom(rt::OLE_STORAGE, 1, &data)
    }

    fn legacy_fixture(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/tests/fixtures/office/legacy/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    /// A one-slide deck (persist id 2) followed by `objects` (persist ids 3, …).
    fn deck_with(objects: &[Vec<u8>]) -> (Vec<u8>, Vec<u8>) {
        let slide = container(rt::SLIDE, 0, &[drawing(&[shape(false, 4, "第一页")])]);
        let mut containers = vec![slide];
        containers.extend(objects.iter().cloned());
        deck(&[(0, vec![persist(2, 0x100)])], &containers)
    }

    /// The embedded documents of `doc`: (name, the text of their parts, or the error).
    fn carried(doc: &Document) -> Vec<(String, Result<String, ExtractError>)> {
        doc.embedded
            .iter()
            .map(|e| {
                let text = e
                    .doc
                    .as_ref()
                    .map(|d| d.parts.iter().map(|p| p.text.as_str()).collect::<String>());
                (e.name.clone(), text.map_err(Clone::clone))
            })
            .collect()
    }

    /// Objects stored compressed (recInstance 1) and as they are (recInstance 0) are
    /// read as embedded documents, named by the persist id the directory gives them;
    /// one no directory names (after the last edit) by its offset.
    #[test]
    fn stored_objects_are_carried_documents() {
        let sheet = legacy_fixture("sheet.xls");
        let doc_file = legacy_fixture("header.doc");
        let (mut stream, user) = deck_with(&[
            compressed(&sheet, sheet.len()),
            atom(rt::OLE_STORAGE, 0, &doc_file),
        ]);
        let at = stream.len();
        let mut other = legacy_fixture("sheet.et");
        // Not the same bytes as the first object (one carried twice is read once).
        other.extend([0; 512]);
        stream.extend(compressed(&other, other.len()));
        let doc = read_deck(&stream, &user).unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        assert_eq!(doc.parts[0].text, "第一页\n");
        let got = carried(&doc);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        let last = format!("ExOleObjStg/byte-{at}");
        assert_eq!(names, ["ExOleObjStg/3", "ExOleObjStg/4", last.as_str()]);
        for (name, text) in &got {
            assert!(
                text.as_ref().is_ok_and(|t| t.contains("密★")),
                "{name}: {text:?}"
            );
        }
    }

    /// An object whose record or data is damaged is an embedded document that could
    /// not be read, under its name; the slides and the other objects are still read.
    #[test]
    fn damaged_objects_are_named_and_nothing_else_is_lost() {
        let sheet = legacy_fixture("sheet.xls");
        let good = compressed(&sheet, sheet.len());
        let z = zlib(&sheet);
        let mut flipped = good.clone();
        for i in (20..flipped.len() - 8).step_by(97) {
            flipped[i] ^= 0x5A;
        }
        let mut checksum = good.clone();
        let last = checksum.len() - 1;
        checksum[last] ^= 1;
        let with_data = |data: &[u8]| {
            let mut d = (sheet.len() as u32).to_le_bytes().to_vec();
            d.extend(data);
            atom(rt::OLE_STORAGE, 1, &d)
        };
        let cases = [
            (
                "a size lie, too small",
                compressed(&sheet, sheet.len() - 1),
                "more than the",
            ),
            (
                "a size lie, too large",
                compressed(&sheet, sheet.len() + 1),
                "not the",
            ),
            (
                "zlib data cut short",
                with_data(&z[..z.len() / 2]),
                "cut short",
            ),
            ("a wrong checksum", checksum, "zlib data is broken"),
            // Whatever the damage turns into, the object is named.
            ("bytes flipped", flipped, "ExOleObjStg/3"),
            (
                "no size",
                atom(rt::OLE_STORAGE, 1, &[1, 0]),
                "before its size",
            ),
            (
                "an unknown instance",
                atom(rt::OLE_STORAGE, 2, &sheet),
                "instance 2",
            ),
        ];
        for (what, bad, says) in cases {
            // The damaged object is persist id 3, a good one 4.
            let other = {
                let mut o = sheet.clone();
                o.extend([0; 512]);
                compressed(&o, o.len())
            };
            let (stream, user) = deck_with(&[bad, other]);
            let doc = read_deck(&stream, &user).unwrap();
            assert!(doc.gaps.is_empty(), "{what}: {:?}", doc.gaps);
            assert_eq!(doc.parts[0].text, "第一页\n", "{what}");
            let got = carried(&doc);
            assert_eq!(got.len(), 2, "{what}: {got:?}");
            assert_eq!(got[0].0, "ExOleObjStg/3", "{what}");
            assert!(
                matches!(&got[0].1, Err(ExtractError::Corrupt(m)) if m.contains("ExOleObjStg/3") && m.contains(says)),
                "{what}: {:?}",
                got[0].1
            );
            assert!(
                got[1].1.as_ref().is_ok_and(|t| t.contains("秘密★5年")),
                "{what}"
            );
        }
        // A record cut short by the end of the stream, named by its offset.
        let (mut stream, user) = deck_with(&[]);
        let at = stream.len();
        let record = good.clone();
        stream.extend(&record[..record.len() - 10]);
        let doc = read_deck(&stream, &user).unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        let got = carried(&doc);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, format!("ExOleObjStg/byte-{at}"));
        assert!(
            matches!(&got[0].1, Err(ExtractError::Corrupt(m)) if m.contains("record is cut short")),
            "{:?}",
            got[0].1
        );
        // Another record running past the end may hide objects: a gap says so.
        let (mut stream, user) = deck_with(&[]);
        stream.extend(atom(0x0FF0, 0, &[0; 64]).into_iter().take(40));
        let doc = read_deck(&stream, &user).unwrap();
        assert!(
            doc.gaps.iter().any(
                |g| matches!(&g.error, ExtractError::Corrupt(m) if m.contains("runs past the end"))
            ),
            "{:?}",
            doc.gaps
        );
    }

    /// A zlib bomb in an object meets the bounds: the ratio, the declared size of one
    /// part (refused before inflating), the inflated bytes of the whole file.
    #[test]
    fn object_bombs_meet_the_bounds() {
        let zeros = vec![0u8; 4 << 20];
        let bomb = compressed(&zeros, zeros.len());
        let mut huge = atom(rt::OLE_STORAGE, 1, &u32::MAX.to_le_bytes());
        huge.extend([0x78, 0x9C]);
        let (stream, user) = deck_with(&[bomb, huge]);
        let file = compound_with(&[("/PowerPoint Document", &stream), ("/Current User", &user)]);
        let doc = read_doc(&file, "ppt").unwrap();
        let got = carried(&doc);
        assert!(
            matches!(&got[0].1, Err(ExtractError::Limit(m)) if m.contains("compression ratio")),
            "{got:?}"
        );
        assert!(
            matches!(&got[1].1, Err(ExtractError::Limit(m)) if m.contains("inflated size of one part")),
            "{got:?}"
        );
        let mut limits = Limits::new(64 << 20);
        limits.max_total_bytes = 256 << 10;
        let small = compressed(&zeros[..512 << 10], 512 << 10);
        let (stream, user) = deck_with(&[small]);
        let file = compound_with(&[("/PowerPoint Document", &stream), ("/Current User", &user)]);
        let Ok(crate::extract::Extracted::Doc(doc)) =
            crate::extract::extract_bytes(file, "ppt", &limits, 0)
        else {
            panic!("not read");
        };
        let got = carried(&doc);
        assert!(
            matches!(&got[0].1, Err(ExtractError::Limit(m)) if m.contains("inflated size of one file")),
            "{got:?}"
        );
    }

    /// LibreOffice's .ppt with an embedded worksheet (tests/fixtures/office/embedded/):
    /// the object is a compressed ExOleObjStg record, persist id 6.
    #[test]
    fn libreoffice_stores_a_worksheet_as_a_compressed_record() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/office/embedded/embedded-only.ppt"
        );
        let doc = read_doc(&std::fs::read(path).unwrap(), "ppt").unwrap();
        assert!(doc.gaps.is_empty(), "{:?}", doc.gaps);
        let got = carried(&doc);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "ExOleObjStg/6");
        assert!(
            got[0].1.as_ref().is_ok_and(|t| t.contains("秘密★5年")),
            "{got:?}"
        );
    }
}
