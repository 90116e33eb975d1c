//! Turn a file into a `Document`: decoded text plus what is needed to point back into
//! the file. Chooses the reader by content (zip, PDF, OLE) and extension; never panics,
//! and never skips a document silently: what cannot be read is an `ExtractError` (ML900).
//!
//! A document is a list of *parts*: the body (one part for text files, one per page for
//! PDF and OFD), the margins that repeat on every page (headers, footers, templates),
//! notes, and what readers never see (tracked deletions, comments, hidden text).

pub mod archive;
pub mod child;
pub mod html;
pub mod image;
pub mod image_meta;
pub mod mail;
pub mod markdown;
pub mod odf;
pub mod ofd;
pub mod ole;
pub mod ooxml;
pub mod pdf;
pub mod rtf;
pub mod text;
pub mod xml;
pub mod xmp;
pub mod zipped;

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use jiff::civil::Date;

/// How the text is structured, which decides what counts as quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Plain,
    Markdown,
    Html,
}

/// What a part is to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The text read in order; the first-page zone is its beginning.
    Body,
    /// Repeated on every page (header, footer, template page, annotation): all of it
    /// lies in the first-page zone.
    Margin,
    /// Footnotes, endnotes, speaker notes: read, but never the first page.
    Note,
    /// What readers do not see: tracked deletions, comments, hidden text (ML006).
    Hidden,
}

/// The kind of block a text line is, where the reader knows the document's structure.
/// A bare level word that is a list item, a heading or a table cell is prose (a lecture
/// note listing the three levels), not a mark missing its star.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Block {
    #[default]
    Text,
    ListItem,
    Heading,
    /// A cell of a table: the number names the group its cells are compared in (one
    /// table of a text document, one column of a spreadsheet), unique within the part.
    TableCell(u32),
}

/// The table group of column `column` (1-based) of the `sheet`th sheet read (from 1):
/// the cells of one column of a spreadsheet are compared together, and no two sheets
/// share a group. Shared by every spreadsheet reader.
pub fn sheet_column_group(sheet: u32, column: u32) -> u32 {
    const COLUMNS: u32 = 1 << 14;
    sheet
        .saturating_mul(COLUMNS)
        .saturating_add(column.min(COLUMNS - 1))
}

/// One part of a document.
#[derive(Debug, Clone)]
pub struct Part {
    /// The container part (`word/header1.xml`, `page 3`); `None` for a plain file.
    pub name: Option<String>,
    pub role: Role,
    pub text: String,
    /// The 1-based line reported for each text line (source line, paragraph number).
    /// Empty: identity.
    pub line_map: Vec<u32>,
    /// The block kind of each text line; empty, or shorter than the text: `Text`.
    pub blocks: Vec<Block>,
    /// Read by OCR from a scan: the mean confidence (0–100). Such text is not typed
    /// text: no form findings (ML001, ML004) come from it.
    pub ocr: Option<f32>,
    /// Read by OCR, and its head (the lines down to the first mark) not read for sure:
    /// why. A 份号 there may have been misread, so its absence is not judged (ML203
    /// becomes an ML900 that says the 份号 could not be read).
    pub ocr_head: Option<String>,
}

impl Part {
    pub fn new(name: Option<String>, role: Role) -> Part {
        Part {
            name,
            role,
            text: String::new(),
            line_map: Vec::new(),
            blocks: Vec::new(),
            ocr: None,
            ocr_head: None,
        }
    }

    /// Append one text line reported as `line`. Line breaks inside `s` (LF, CRLF, CR,
    /// NEL, U+2028, U+2029: a soft break in a paragraph) become further lines with the
    /// same number, so that every reader splits the text on LF alone.
    pub fn push_line(&mut self, s: &str, line: u32) {
        let mut pushed = false;
        for (l, _) in text::split_lines(s) {
            self.text.push_str(l);
            self.text.push('\n');
            self.line_map.push(line);
            pushed = true;
        }
        // An empty paragraph, or one ending in a break, is still a line.
        if !pushed || s.ends_with(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
            self.text.push('\n');
            self.line_map.push(line);
        }
    }

    /// The reported line of text line `n` (both 1-based).
    pub fn source_line(&self, n: u32) -> u32 {
        match self.line_map.get(n as usize - 1) {
            Some(l) => *l,
            None => n,
        }
    }

    /// The block kind of text line `n` (1-based).
    pub fn block(&self, n: u32) -> Block {
        self.blocks
            .get(n as usize - 1)
            .copied()
            .unwrap_or(Block::Text)
    }

    /// Append one text line in `block` (see `push_line`).
    pub fn push_line_in(&mut self, s: &str, line: u32, block: Block) {
        let before = self.line_map.len();
        self.push_line(s, line);
        if block != Block::Text {
            self.blocks.resize(before, Block::Text);
            self.blocks.resize(self.line_map.len(), block);
        }
    }

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A document property that may declare a level, a term or a date (`密级`, `保密期限`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    pub value: String,
    /// The part it was read from (`docProps/custom.xml`).
    pub part: String,
}

/// Something in a document that could not be read while the rest was: a span of bytes
/// that decodes to nothing, a part beyond a bound. Each is an ML900 finding beside the
/// findings of what was read: a clean result must mean the whole document was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The container part (`word/header1.xml`), or `None` for the file as a whole.
    pub part: Option<String>,
    /// The 1-based line nearest the gap (1 when unknown).
    pub line: u32,
    pub error: ExtractError,
}

/// A file carried inside a document (an OFD attachment, an archive member, an email
/// attachment), linted on its own.
#[derive(Debug, Clone)]
pub struct Embedded {
    pub name: String,
    pub doc: Result<Document, ExtractError>,
}

/// A readable document.
#[derive(Debug, Clone)]
pub struct Document {
    pub flavour: Flavour,
    pub parts: Vec<Part>,
    pub props: Vec<Property>,
    /// The creation date recorded by the producer (a weak start of the term).
    pub created: Option<Date>,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// Text laid out by a renderer (PDF/OFD): spaces inside marks are artefacts.
    pub extracted: bool,
    /// Pages: the first-page zone ends with the first body part.
    pub paged: bool,
    pub embedded: Vec<Embedded>,
    /// The decoded source of an HTML file (its parts hold the rendered text): inline
    /// suppressions are comments, which rendering drops.
    pub source: Option<String>,
    /// What could not be read (ML900 each); empty when everything was.
    pub gaps: Vec<Gap>,
    /// Image files carried inside (archive members, attachments) that were skipped
    /// because no OCR reads scans in this run: the run counts them with image files.
    pub images_unread: usize,
    /// An archive (zip, tar): a folder in a file, with no text of its own. Only the
    /// documents it carries are linted; the archive itself adds no finding of a
    /// document (no missing mark, no copy, no ledger row), only its gaps.
    pub archive: bool,
    /// What the text is known not to hold (a text file, from the pass that looks for
    /// damage): the scan and the suppression parser skip their searches for them.
    /// Anything that changes the text after reading must reset it.
    pub absent: text::Absent,
    /// Where the Markdown body starts after front matter: (byte, first line). Found once;
    /// every pass over the lines needs it.
    body_start: std::sync::OnceLock<Option<(usize, u32)>>,
}

impl Document {
    /// A single-part text document.
    pub fn plain(flavour: Flavour, text: String) -> Document {
        Document::with_parts(
            flavour,
            vec![Part {
                text,
                ..Part::new(None, Role::Body)
            }],
        )
    }

    pub fn with_parts(flavour: Flavour, parts: Vec<Part>) -> Document {
        Document {
            flavour,
            parts,
            props: Vec::new(),
            created: None,
            encoding: "UTF-8",
            extracted: false,
            paged: false,
            embedded: Vec::new(),
            source: None,
            gaps: Vec::new(),
            images_unread: 0,
            archive: false,
            absent: text::Absent::default(),
            body_start: std::sync::OnceLock::new(),
        }
    }

    /// An archive carrying `members`, with `gaps` for what could not be read of it.
    pub fn archive(members: Vec<Embedded>, gaps: Vec<Gap>) -> Document {
        let mut doc = Document::with_parts(Flavour::Plain, Vec::new());
        doc.embedded = members;
        doc.gaps = gaps;
        doc.archive = true;
        doc
    }

    /// Where the body of the first part starts, after Markdown front matter:
    /// (byte offset, 1-based line); `None` without front matter.
    pub fn body_start(&self) -> Option<(usize, u32)> {
        *self.body_start.get_or_init(|| {
            if self.flavour != Flavour::Markdown {
                return None;
            }
            let fm = markdown::front_matter(&self.parts.first()?.text)?;
            Some((fm.body_start, fm.body_first_line))
        })
    }

    /// The source text of a text document (where inline suppressions live, with the
    /// line numbers findings use); `None` for office documents and PDFs.
    pub fn text_source(&self) -> Option<&str> {
        // Office documents and PDFs have named parts; a text file has one unnamed part.
        let [part] = self.parts.as_slice() else {
            return None;
        };
        if part.name.is_some() || self.extracted {
            return None;
        }
        match self.flavour {
            Flavour::Plain | Flavour::Markdown => Some(part.text.as_str()),
            Flavour::Html => self.source.as_deref(),
        }
    }

    /// The parts a reader sees, in reading order: body first, then notes and margins.
    pub fn visible(&self) -> impl Iterator<Item = &Part> {
        self.parts.iter().filter(|p| p.role != Role::Hidden)
    }
}

/// Why a file could not be inspected (each maps to an ML900 phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    Io(String),
    TooLarge {
        size_mb: u64,
        limit_mb: u64,
    },
    Unsupported(String),
    Binary,
    /// Damaged or not what its name says: the reason.
    Corrupt(String),
    /// Encrypted: the text cannot be read without a password.
    Encrypted,
    /// Pages without text (scanned images): a mark there cannot be seen.
    NoText,
    /// A legacy binary office format: convert it first.
    Legacy(String),
    /// The isolated reader crashed or ran out of time or memory.
    Crashed(String),
    /// Bytes that no encoding reads: text may be hidden there (where, how much).
    Undecodable(String),
    /// A bound on the work spent on one file was reached: what lies beyond it was not
    /// read (the bound, named).
    Limit(String),
    /// A scan read by OCR without confidence: a mark there may have been missed (why).
    Ocr(String),
    /// A scanned PDF page whose image no decoder here reads (the decoder's reason), and
    /// no `pdftoppm` to render it: not read by OCR.
    Unrendered(String),
    /// An image that looks like a scanned page (`crate::ocr::page_like`), not read
    /// because no OCR engine is installed (what made it page-like).
    ScanNoOcr(String),
    /// The same, not read because OCR is turned off (`--ocr never`).
    ScanOcrOff(String),
}

impl ExtractError {
    /// The phrase key in the ML900 rule and the detail to fill it.
    pub fn phrase(&self) -> (&'static str, String) {
        match self {
            ExtractError::Io(e) => ("io-error", e.clone()),
            ExtractError::TooLarge { size_mb, limit_mb } => {
                ("too-large", format!("{size_mb} MB > {limit_mb} MB"))
            }
            ExtractError::Unsupported(f) => ("unsupported-format", f.clone()),
            ExtractError::Binary => ("binary", String::new()),
            ExtractError::Corrupt(why) => ("corrupt", why.clone()),
            ExtractError::Encrypted => ("encrypted", String::new()),
            ExtractError::NoText => ("no-text", String::new()),
            ExtractError::Legacy(f) => ("legacy-format", f.clone()),
            ExtractError::Crashed(why) => ("crashed", why.clone()),
            ExtractError::Undecodable(what) => ("partly-undecodable", what.clone()),
            ExtractError::Limit(what) => ("limit", what.clone()),
            ExtractError::Ocr(why) => ("ocr-unsure", why.clone()),
            ExtractError::Unrendered(why) => ("scan-undecodable", why.clone()),
            ExtractError::ScanNoOcr(what) => ("scan-no-ocr", what.clone()),
            ExtractError::ScanOcrOff(what) => ("scan-ocr-off", what.clone()),
        }
    }

    /// Every phrase key `phrase` can return (ML900 must define them all).
    pub const PHRASES: [&'static str; 15] = [
        "io-error",
        "too-large",
        "unsupported-format",
        "binary",
        "corrupt",
        "encrypted",
        "no-text",
        "legacy-format",
        "crashed",
        "partly-undecodable",
        "limit",
        "ocr-unsure",
        "scan-undecodable",
        "scan-no-ocr",
        "scan-ocr-off",
    ];
}

#[derive(Debug)]
pub enum Extracted {
    Doc(Document),
    /// Not a document (an image, a binary without a document extension, an archive
    /// behind a name that is no archive's: `.jar`, `.epub`, none).
    Skip,
}

/// Limits that keep a hostile file from taking unbounded memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file itself.
    pub max_bytes: u64,
    /// Entries in a zip container or a tar archive.
    pub max_entries: usize,
    /// Inflated bytes of one entry, and of all entries read from one file (nested
    /// containers included).
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    /// Inflated / compressed, beyond which an entry is a zip bomb.
    pub max_ratio: u64,
    /// Element nesting in XML, group nesting in RTF.
    pub max_depth: usize,
    /// Nesting of documents inside documents (OFD attachments, embedded packages).
    pub max_embedding: usize,
    /// Parts read from one file, nested containers included.
    pub max_parts: usize,
    /// Text produced from one file's containers: never more than a text file of the
    /// largest size read.
    pub max_text_bytes: u64,
    /// Whether and how scans are read by OCR (off unless the settings say).
    pub ocr: crate::ocr::Options,
}

impl Limits {
    pub fn new(max_bytes: u64) -> Limits {
        Limits {
            max_bytes,
            max_entries: 10_000,
            max_entry_bytes: 128 * 1024 * 1024,
            max_total_bytes: 512 * 1024 * 1024,
            max_ratio: 500,
            max_depth: 512,
            max_embedding: 3,
            max_parts: 10_000,
            max_text_bytes: max_bytes.max(1024 * 1024),
            ocr: crate::ocr::Options::OFF,
        }
    }
}

/// A bound on the work one file may cost. Each names itself and its value in the
/// ML900 it causes, so a reader knows which bound was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Entries,
    PartBytes,
    FileBytes,
    Ratio,
    Parts,
    Text,
    XmlDepth,
    GroupDepth,
    Embedding,
}

impl Bound {
    #[cfg(test)]
    pub const ALL: [Bound; 9] = [
        Bound::Entries,
        Bound::PartBytes,
        Bound::FileBytes,
        Bound::Ratio,
        Bound::Parts,
        Bound::Text,
        Bound::XmlDepth,
        Bound::GroupDepth,
        Bound::Embedding,
    ];

    fn label(self) -> &'static str {
        match self {
            Bound::Entries => "entries in one zip container",
            Bound::PartBytes => "inflated size of one part",
            Bound::FileBytes => "inflated size of one file",
            Bound::Ratio => "compression ratio",
            Bound::Parts => "parts read from one file",
            Bound::Text => "text read from one file",
            Bound::XmlDepth => "XML nesting depth",
            Bound::GroupDepth => "RTF group nesting depth",
            Bound::Embedding => "documents nested in documents",
        }
    }

    /// The value of this bound in `limits`: `128 MiB`, `500:1`.
    pub fn value(self, limits: &Limits) -> String {
        match self {
            Bound::Entries => limits.max_entries.to_string(),
            Bound::PartBytes => size(limits.max_entry_bytes),
            Bound::FileBytes => size(limits.max_total_bytes),
            Bound::Ratio => format!("{}:1", limits.max_ratio),
            Bound::Parts => limits.max_parts.to_string(),
            Bound::Text => size(limits.max_text_bytes),
            Bound::XmlDepth | Bound::GroupDepth => limits.max_depth.to_string(),
            Bound::Embedding => limits.max_embedding.to_string(),
        }
    }

    /// The bound and its value as set in `limits`: `inflated size of one part 128 MiB`.
    pub fn describe(self, limits: &Limits) -> String {
        format!("{} {}", self.label(), self.value(limits))
    }

    /// The ML900 reason for reaching this bound at `place` (a part, an attachment).
    pub fn exceeded(self, limits: &Limits, place: &str) -> ExtractError {
        self.exceeded_with(&self.value(limits), place)
    }

    /// The same, with the bound's value given (where no `Limits` is at hand).
    pub fn exceeded_with(self, value: &str, place: &str) -> ExtractError {
        let what = format!("{} {value}", self.label());
        ExtractError::Limit(if place.is_empty() {
            what
        } else {
            format!("{what}, at {place}")
        })
    }

    /// Bounds on the whole file: once one is reached, nothing more of it is read.
    pub fn is_file_wide(self) -> bool {
        matches!(self, Bound::FileBytes | Bound::Parts | Bound::Text)
    }
}

/// `128 MiB`, `512 KiB`, `100 bytes`.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// What one top-level file may still cost, shared by every container and document
/// nested in it: nesting and repetition add to one account instead of each starting
/// a fresh one.
pub struct Budget {
    pub limits: Limits,
    parts: Cell<usize>,
    inflated: Cell<u64>,
    text: Cell<u64>,
    /// The file-wide bound reached, if any: every later charge fails with it.
    spent: Cell<Option<Bound>>,
    /// SHA-256 of every embedded document read: one carried twice is read once.
    seen: RefCell<HashSet<[u8; 32]>>,
    /// Image members skipped because no OCR reads scans in this run.
    images_unread: Cell<usize>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Budget {
        Budget {
            limits: *limits,
            parts: Cell::new(0),
            inflated: Cell::new(0),
            text: Cell::new(0),
            spent: Cell::new(None),
            seen: RefCell::new(HashSet::new()),
            images_unread: Cell::new(0),
        }
    }

    /// The file-wide bound already reached, if any.
    pub fn spent(&self) -> Option<Bound> {
        self.spent.get()
    }

    fn fail(&self, bound: Bound, place: &str) -> ExtractError {
        if bound.is_file_wide() {
            self.spent.set(Some(bound));
        }
        bound.exceeded(&self.limits, place)
    }

    fn check_spent(&self, place: &str) -> Result<(), ExtractError> {
        match self.spent.get() {
            Some(b) => Err(b.exceeded(&self.limits, place)),
            None => Ok(()),
        }
    }

    /// One more part is read (`place` names it).
    pub fn charge_part(&self, place: &str) -> Result<(), ExtractError> {
        self.check_spent(place)?;
        let n = self.parts.get() + 1;
        if n > self.limits.max_parts {
            return Err(self.fail(Bound::Parts, place));
        }
        self.parts.set(n);
        Ok(())
    }

    /// `n` more inflated bytes.
    pub fn charge_inflated(&self, n: u64, place: &str) -> Result<(), ExtractError> {
        self.check_spent(place)?;
        let total = self.inflated.get().saturating_add(n);
        if total > self.limits.max_total_bytes {
            return Err(self.fail(Bound::FileBytes, place));
        }
        self.inflated.set(total);
        Ok(())
    }

    /// `n` more bytes of text produced.
    pub fn charge_text(&self, n: usize, place: &str) -> Result<(), ExtractError> {
        self.check_spent(place)?;
        let total = self.text.get().saturating_add(n as u64);
        if total > self.limits.max_text_bytes {
            return Err(self.fail(Bound::Text, place));
        }
        self.text.set(total);
        Ok(())
    }

    /// Text that may still be produced.
    pub fn text_left(&self) -> u64 {
        self.limits.max_text_bytes.saturating_sub(self.text.get())
    }

    /// The text of `parts`, charged; on failure the parts must be dropped.
    pub fn charge_parts_text(&self, parts: &[Part]) -> Result<(), ExtractError> {
        let n: usize = parts.iter().map(|p| p.text.len()).sum();
        let place = parts
            .first()
            .and_then(|p| p.name.as_deref())
            .unwrap_or_default();
        self.charge_text(n, place)
    }

    /// Whether `bytes` (an embedded document) is seen for the first time in this file.
    pub fn first_visit(&self, bytes: &[u8]) -> bool {
        use sha2::{Digest, Sha256};
        let digest: [u8; 32] = Sha256::digest(bytes).into();
        self.seen.borrow_mut().insert(digest)
    }

    /// A document carried at nesting `depth` (1: inside the top-level file) may be read.
    pub fn check_depth(&self, depth: usize, place: &str) -> Result<(), ExtractError> {
        if depth > self.limits.max_embedding {
            return Err(Bound::Embedding.exceeded(&self.limits, place));
        }
        Ok(())
    }
}

/// Office formats by extension: a file named like this is a document even when its
/// content is not what the name says.
const ZIP_DOCS: &[&str] = &[
    "docx", "docm", "dotx", "dotm", "odt", "ott", "ods", "ots", "odp", "otp", "ofd", "xlsx",
    "xlsm", "xltx", "pptx", "pptm", "potx", "ppsx",
];
const LEGACY: &[&str] = &[
    "doc", "dot", "wps", "wpt", "et", "ett", "dps", "xls", "xlt", "ppt", "pot", "pps",
];
const OTHER_DOCS: &[&str] = &["rtf", "pdf"];
/// Archives, walked like folders (`.rar` and `.7z` are refused with a reason): a file
/// named like this is checked even when it holds no document. `.tar.gz` is `.gz`.
const ARCHIVES: &[&str] = &["zip", "tar", "tgz", "gz", "rar", "7z"];
/// Email messages: the subject and body are the document, attachments are carried.
const MESSAGES: &[&str] = &["eml"];

fn flavour_of(ext: &str) -> Option<Flavour> {
    Some(match ext {
        "txt" | "text" | "tex" => Flavour::Plain,
        "md" | "markdown" | "mdown" | "mkd" | "qmd" | "rmd" | "mdx" => Flavour::Markdown,
        "html" | "htm" | "xhtml" => Flavour::Html,
        _ => return None,
    })
}

/// The file name of `path` as text (lossy: it only names a `.gz` file's content) and its
/// extension as `extension` gives it.
fn name_and_extension(path: &Path) -> (String, String) {
    match crate::walk::file_name(path) {
        Some(name) => (name.to_string_lossy().into_owned(), lower_extension(name)),
        None => (String::new(), String::new()),
    }
}

/// The extension of `path`'s file name, lower case; none where it is not UTF-8.
pub(crate) fn extension(path: &Path) -> String {
    crate::walk::file_name(path)
        .map(lower_extension)
        .unwrap_or_default()
}

fn lower_extension(name: &std::ffi::OsStr) -> String {
    crate::walk::extension(name)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// Decode a file whose bytes are already read (a staged blob, stdin); `path` is its name.
pub fn extract_read(
    path: &Path,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let len = bytes.len() as u64;
    if len > limits.max_bytes {
        return Err(too_large(len, limits));
    }
    let (name, ext) = name_and_extension(path);
    extract_named(bytes, &name, &ext, limits, 0)
}

/// Read and decode one file.
pub fn extract(path: &Path, limits: &Limits) -> Result<Extracted, ExtractError> {
    open(path, limits)?.extract(limits)
}

/// A document file opened for reading: a regular file within the size limit.
pub struct Opened {
    file: std::fs::File,
    len: u64,
    name: String,
    ext: String,
    /// The handle's metadata, and the time just before the file was opened (the cache
    /// tells by them whether the file is the one it read before).
    meta: std::fs::Metadata,
    opened_at: std::time::SystemTime,
}

/// Open one file for `Opened::extract`, a file the walk found regular (special files
/// are reported by the walk). Never blocks: a special file swapped in since (a FIFO, a
/// symlink to a device) is opened non-blocking and found on the handle: an error
/// (ML900), never read.
pub fn open(path: &Path, limits: &Limits) -> Result<Opened, ExtractError> {
    let opened_at = std::time::SystemTime::now();
    let (file, meta) = crate::input::open_checked(path).map_err(|e| match e {
        crate::input::ReadError::Io(e) => ExtractError::Io(io_message(&e)),
        other => ExtractError::Io(other.to_string()),
    })?;
    let len = meta.len();
    if len > limits.max_bytes {
        return Err(too_large(len, limits));
    }
    let (name, ext) = name_and_extension(path);
    Ok(Opened {
        file,
        len,
        name,
        ext,
        meta,
        opened_at,
    })
}

fn too_large(len: u64, limits: &Limits) -> ExtractError {
    ExtractError::TooLarge {
        size_mb: len.div_ceil(1024 * 1024),
        limit_mb: limits.max_bytes / (1024 * 1024),
    }
}

impl Opened {
    /// The size the file had when opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The open handle's metadata.
    pub fn meta(&self) -> &std::fs::Metadata {
        &self.meta
    }

    /// The time taken just before the file was opened.
    pub fn opened_at(&self) -> std::time::SystemTime {
        self.opened_at
    }

    /// Whether the name says an office document, OFD or archive (a container: its
    /// parts inflate to more than the file's size).
    pub fn is_container(&self) -> bool {
        ZIP_DOCS.contains(&self.ext.as_str()) || ARCHIVES.contains(&self.ext.as_str())
    }

    /// Read and decode the file.
    pub fn extract(self, limits: &Limits) -> Result<Extracted, ExtractError> {
        self.read(limits)?.extract(limits)
    }

    /// Read the file's bytes, to be decoded by `ReadFile::extract` (the cache hashes them
    /// first).
    pub fn read(self, limits: &Limits) -> Result<ReadFile, ExtractError> {
        let io = |e: std::io::Error| ExtractError::Io(io_message(&e));
        let Opened {
            mut file,
            len,
            name,
            ext,
            ..
        } = self;
        // The size is known: read that much — one `read` for most files, without the
        // size probe (`statx` + `lseek`) and end-of-file read of `File::read_to_end`. A
        // file that grows meanwhile is read as it was when opened.
        let mut bytes = read_up_to(&mut file, len as usize).map_err(io)?;
        // Files that report no size (`/proc`): read them to their end, bounded.
        if len == 0 {
            (&mut file)
                .take(limits.max_bytes + 1)
                .read_to_end(&mut bytes)
                .map_err(io)?;
            if bytes.len() as u64 > limits.max_bytes {
                return Err(too_large(bytes.len() as u64, limits));
            }
        }
        Ok(ReadFile { bytes, name, ext })
    }
}

/// At most `len` bytes of `file`, in as few `read` calls as the kernel allows: one for
/// most files. (`Read::read_to_end` through `take` reads 8 KiB first and grows the reads
/// from there: two calls for a 10 KB file, five for a 100 KB one.) Fewer bytes where the
/// file ends sooner. The buffer is not zeroed first: the kernel writes it.
fn read_up_to(file: &mut std::fs::File, len: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::with_capacity(len);
    while bytes.len() < len {
        let want = len - bytes.len();
        match read_into(file, &mut bytes.spare_capacity_mut()[..want]) {
            Ok(0) => break,
            // SAFETY: `read_into` initialised the first `n` bytes of the spare capacity.
            Ok(n) => unsafe { bytes.set_len(bytes.len() + n) },
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(bytes)
}

/// One `read(2)` into memory not yet initialised; the count of bytes it wrote there.
#[cfg(unix)]
fn read_into(
    file: &mut std::fs::File,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    // SAFETY: `buf` is valid for writes of `buf.len()` bytes and `read` writes at most
    // that many; the descriptor is open for as long as `file` is borrowed.
    let n = unsafe { libc::read(file.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    usize::try_from(n).map_err(|_| std::io::Error::last_os_error())
}

/// Elsewhere: through a zeroed buffer.
#[cfg(not(unix))]
fn read_into(
    file: &mut std::fs::File,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> std::io::Result<usize> {
    let mut zeroed = vec![0u8; buf.len()];
    let n = file.read(&mut zeroed)?;
    for (dst, src) in buf.iter_mut().zip(&zeroed[..n]) {
        dst.write(*src);
    }
    Ok(n)
}

/// A file's bytes as read, not yet decoded.
pub struct ReadFile {
    bytes: Vec<u8>,
    name: String,
    ext: String,
}

impl ReadFile {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Decode the file.
    pub fn extract(self, limits: &Limits) -> Result<Extracted, ExtractError> {
        extract_named(self.bytes, &self.name, &self.ext, limits, 0)
    }
}

/// Extract a document from its bytes; `ext` is the lower-case extension of its name.
/// `depth` counts documents this one is embedded in.
pub fn extract_bytes(
    bytes: Vec<u8>,
    ext: &str,
    limits: &Limits,
    depth: usize,
) -> Result<Extracted, ExtractError> {
    extract_named(bytes, "", &ext.to_ascii_lowercase(), limits, depth)
}

/// `extract_bytes` for a file called `name` (its extension `ext`): a `.gz` names the
/// file it holds.
fn extract_named(
    bytes: Vec<u8>,
    name: &str,
    ext: &str,
    limits: &Limits,
    depth: usize,
) -> Result<Extracted, ExtractError> {
    let budget = Budget::new(limits);
    match container(bytes, name, ext, &budget, depth) {
        Sniffed::Read(Ok(Extracted::Doc(mut doc))) => {
            doc.images_unread = budget.images_unread.get();
            Ok(Extracted::Doc(doc))
        }
        Sniffed::Read(result) => result,
        Sniffed::Text(bytes) => decode_text(bytes, ext),
    }
}

/// Decode a text file (`ext`: its lower-case extension); a binary one is skipped
/// unless its name says it is text.
fn decode_text(bytes: Vec<u8>, ext: &str) -> Result<Extracted, ExtractError> {
    let flavour = flavour_of(ext);
    let decoded = match text::decode(bytes, flavour == Some(Flavour::Html)) {
        Some(d) => d,
        // A binary file: an error only when its name says it is a document.
        None if flavour.is_some() => return Err(ExtractError::Binary),
        None => return Ok(Extracted::Skip),
    };
    // Once, here: every reader after this splits on LF (and strips a CR before it).
    let (source, gaps, encoding, absent) = decoded.into_lf_text();
    let flavour = flavour.unwrap_or(Flavour::Plain);
    let mut doc = match flavour {
        Flavour::Html => {
            let rendered = html::render(&source);
            let mut doc = Document::with_parts(
                flavour,
                vec![Part {
                    text: rendered.text,
                    line_map: rendered.line_map,
                    blocks: rendered.blocks,
                    ..Part::new(None, Role::Body)
                }],
            );
            doc.source = Some(source);
            // The rendered text may hold a ★ the source spells as an entity.
            doc.absent = text::Absent {
                star: false,
                ..absent
            };
            doc
        }
        _ => {
            let mut doc = Document::plain(flavour, source);
            doc.absent = absent;
            doc
        }
    };
    doc.encoding = encoding;
    doc.gaps.extend(gaps);
    Ok(Extracted::Doc(doc))
}

/// What the first bytes of a file say it is, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Zip,
    /// An OLE compound file: legacy Office, WPS, an encrypted OOXML package, Outlook.
    Ole,
    Pdf,
    Rtf,
    None,
}

/// The container signature of `bytes`. PDF readers accept the `%PDF-` header anywhere in
/// the first 1024 bytes, so this does too.
pub fn signature(bytes: &[u8]) -> Signature {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(b"PK\x07\x08")
    {
        return Signature::Zip;
    }
    if bytes.starts_with(&OLE) {
        return Signature::Ole;
    }
    if memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some() {
        return Signature::Pdf;
    }
    let start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = &start[start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(start.len())..];
    if start.starts_with(b"{\\rtf") {
        return Signature::Rtf;
    }
    Signature::None
}

/// The outcome of sniffing: read as a container (or refused), or text to decode.
enum Sniffed {
    Read(Result<Extracted, ExtractError>),
    Text(Vec<u8>),
}

/// Whether a file named `.ext` claims to be a document or text (so that an archive
/// or binary behind that name is a finding, not something to skip).
fn names_a_document(ext: &str) -> bool {
    ZIP_DOCS.contains(&ext)
        || LEGACY.contains(&ext)
        || OTHER_DOCS.contains(&ext)
        || ARCHIVES.contains(&ext)
        || MESSAGES.contains(&ext)
        || flavour_of(ext).is_some()
}

/// `named .txt`, to tell the reader when content and name disagree.
fn named(ext: &str) -> String {
    if ext.is_empty() {
        "without an extension".to_string()
    } else {
        format!("named .{ext}")
    }
}

/// Read `bytes` as the container its content says it is, whatever its name; what is
/// not a container is left for the text reader. `name` is the file's name where known
/// (empty otherwise), `ext` its lower-case extension. `budget` is shared with the file
/// this one is carried in.
fn container(bytes: Vec<u8>, name: &str, ext: &str, budget: &Budget, depth: usize) -> Sniffed {
    let sig = signature(&bytes);
    if sig == Signature::Zip {
        return Sniffed::Read(zip_container(&bytes, ext, budget, depth));
    }
    if let Some(read) = archive::by_content(&bytes, name, ext, budget, depth) {
        return Sniffed::Read(read);
    }
    match sig {
        Signature::Zip => {}
        Signature::Ole => return Sniffed::Read(ole::extract(&bytes, ext, budget, depth)),
        Signature::Rtf => return Sniffed::Read(rtf::extract(&bytes, budget).map(Extracted::Doc)),
        Signature::Pdf if flavour_of(ext).is_some() => {
            // A text that quotes a PDF header is still text: only what a PDF reader
            // can open is read as a PDF.
            return match pdf::extract_with(bytes.clone(), budget.limits.ocr) {
                Err(ExtractError::Corrupt(_) | ExtractError::Unsupported(_)) => {
                    Sniffed::Text(bytes)
                }
                r => Sniffed::Read(r.map(Extracted::Doc)),
            };
        }
        Signature::Pdf => {
            return Sniffed::Read(pdf::extract_with(bytes, budget.limits.ocr).map(Extracted::Doc));
        }
        Signature::None => {}
    }
    if crate::ocr::is_image_extension(ext) && image::is_image(&bytes) {
        return Sniffed::Read(image::extract(&bytes, budget));
    }
    if ext == "pdf" {
        return Sniffed::Read(pdf::extract_with(bytes, budget.limits.ocr).map(Extracted::Doc));
    }
    if let Some(read) = archive::by_name(&bytes, name, ext, budget, depth) {
        return Sniffed::Read(read);
    }
    if ZIP_DOCS.contains(&ext) {
        return Sniffed::Read(Err(ExtractError::Corrupt(format!(
            "not a .{ext} file (no zip container)"
        ))));
    }
    if matches!(ext, "wps" | "wpt") {
        // WPS and Works write Word's compound format; a .wps that is no compound file
        // is older: WPS for DOS, or Microsoft Works 1–3.
        return Sniffed::Read(Err(ExtractError::Legacy(format!(
            "an old WPS (DOS) or Microsoft Works document, not Word's format, .{ext}"
        ))));
    }
    if LEGACY.contains(&ext) {
        return Sniffed::Read(Err(ExtractError::Legacy(format!(".{ext}"))));
    }
    if ext == "rtf" {
        return Sniffed::Read(Err(ExtractError::Corrupt(
            "not an RTF file (no {\\rtf header)".to_string(),
        )));
    }
    if MESSAGES.contains(&ext) {
        return Sniffed::Read(mail::extract(&bytes, budget, depth).map(Extracted::Doc));
    }
    Sniffed::Text(bytes)
}

/// A zip file: an office document by its content (`[Content_Types].xml`, `mimetype`,
/// `OFD.xml`), whatever its name; another archive is walked like a folder behind an
/// archive's name (`.zip`), a finding behind a document's or text's name, and skipped
/// behind any other (`.jar`, `.epub`, `.apk`, none).
fn zip_container(
    bytes: &[u8],
    ext: &str,
    budget: &Budget,
    depth: usize,
) -> Result<Extracted, ExtractError> {
    let claims = names_a_document(ext);
    let mut pkg = match zipped::Package::open(bytes, budget) {
        Ok(p) => p,
        Err(e) if claims => return Err(e),
        // A damaged or oversized archive named as one (or not named at all).
        Err(_) => return Ok(Extracted::Skip),
    };
    match zipped::extract(&mut pkg, depth)? {
        Some(doc) => Ok(Extracted::Doc(doc)),
        None if ARCHIVES.contains(&ext) => Ok(Extracted::Doc(archive::zip(&mut pkg, depth))),
        None if claims => Err(ExtractError::Corrupt(format!(
            "a zip archive that is no document, {}",
            named(ext)
        ))),
        // Other archives (.jar, .epub…) are not documents.
        None => Ok(Extracted::Skip),
    }
}

/// A document carried inside another (an OFD attachment, an embedded package, an
/// archive member, an email attachment) at nesting `depth` (1: inside the top-level
/// file), read against the budget of the top-level file. `None`: nothing to lint (not
/// a document, or one already read in this file: identical members and attachments
/// are read once per file).
pub fn extract_nested(
    bytes: Vec<u8>,
    name: &str,
    budget: &Budget,
    depth: usize,
) -> Option<Result<Document, ExtractError>> {
    if let Err(e) = budget.check_depth(depth, name) {
        return Some(Err(e));
    }
    if !budget.first_visit(&bytes) {
        return None;
    }
    read_nested(bytes, name, budget, depth)
}

/// `extract_nested` once the depth is allowed and the bytes are known to be new in
/// this file. `None`: not a document.
pub(crate) fn read_nested(
    bytes: Vec<u8>,
    name: &str,
    budget: &Budget,
    depth: usize,
) -> Option<Result<Document, ExtractError>> {
    let ext = extension(Path::new(name));
    let extracted = match container(bytes, name, &ext, budget, depth) {
        Sniffed::Read(r) => r,
        Sniffed::Text(bytes) => {
            let r = decode_text(bytes, &ext);
            // Containers charge their text as they read it; a text file all at once.
            if let Ok(Extracted::Doc(d)) = &r
                && let Err(e) = budget.charge_parts_text(&d.parts)
            {
                return Some(Err(e));
            }
            r
        }
    };
    match extracted {
        Ok(Extracted::Doc(doc)) => Some(Ok(doc)),
        Ok(Extracted::Skip) => {
            // An image member skipped because no OCR reads scans in this run: counted,
            // so the run says how many went unread, as it does for image files.
            if crate::ocr::is_image_extension(&ext) && !budget.limits.ocr.usable() {
                budget.images_unread.set(budget.images_unread.get() + 1);
            }
            None
        }
        Err(e) => Some(Err(e)),
    }
}

/// An OS error without the "(os error 13)" suffix, which means nothing to a reader.
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Characters that symbol fonts store in the private-use area, mapped back to what the
/// reader sees: a `★` typed from Wingdings must still be a star.
pub fn map_symbol_char(c: char) -> char {
    match c {
        // Wingdings 0xAB (black star), as stored by Word and OFD producers when the
        // font is not known to the reader (U+F000 + code).
        '\u{F0AB}' => '★',
        c => c,
    }
}

/// The character code `code` of a symbol font `font` (a Word `w:sym`, a .doc
/// `sprmCSymbol`) as Unicode. Word stores the code either as U+F0xx or as the bare byte;
/// the glyph depends on the font, so the mapping is by font and code, never by code
/// alone. Star-like glyphs keep their own code point, so a wrong star stays wrong.
pub fn symbol_char(font: &str, code: u32) -> Option<char> {
    let byte = if (0xF000..=0xF0FF).contains(&code) {
        code - 0xF000
    } else {
        code
    };
    let font = font.trim().to_ascii_lowercase();
    match (font.as_str(), byte) {
        ("wingdings", 0xAB) | ("wingdings 2", 0xEA) => Some('★'),
        ("wingdings", 0xAA) => Some('✦'),
        ("wingdings", 0xAC) => Some('✶'),
        ("wingdings", 0xB5) => Some('✪'),
        ("wingdings", 0xB6) => Some('✰'),
        // Any other symbol glyph: not a letter of a mark; ordinary code points stay.
        _ => char::from_u32(code).filter(|c| !('\u{E000}'..='\u{F8FF}').contains(c)),
    }
}

/// `map_symbol_char` over a string, allocating only when something changes.
pub fn map_symbols(s: &str) -> std::borrow::Cow<'_, str> {
    // U+F000–U+F0FF is `EF 80 80`–`EF 83 BF` in UTF-8.
    let bytes = s.as_bytes();
    let symbol = memchr::memchr_iter(0xEF, bytes)
        .any(|i| bytes.get(i + 1).is_some_and(|b| b & 0xFC == 0x80));
    if symbol {
        std::borrow::Cow::Owned(s.chars().map(map_symbol_char).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `2026-03-05T08:00:00Z`, `2026-03-05`, PDF `D:20260305080000+08'00'`: the date part.
pub fn parse_iso_date(s: &str) -> Option<Date> {
    let s = s.trim().trim_start_matches("D:");
    let digits: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let (y, m, d) = if digits.contains('-') {
        let mut it = digits.split('-');
        (it.next()?, it.next()?, it.next()?)
    } else if digits.len() >= 8 {
        (&digits[..4], &digits[4..6], &digits[6..8])
    } else {
        return None;
    };
    Date::new(
        y.parse().ok()?,
        m.parse().ok()?,
        d.get(..2).unwrap_or(d).parse().ok()?,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::zipped::testkit::{self, docx, para, zip_of};
    use super::*;

    /// What `read_up_to` reads from a file of 300,000 bytes: all of them; the first
    /// bytes of a file that grew since its size was taken; what is left of one that
    /// shrank; nothing of an empty one.
    #[test]
    fn read_up_to_reads_the_size_taken_or_what_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let read = |len| read_up_to(&mut std::fs::File::open(&path).unwrap(), len).unwrap();
        assert_eq!(read(data.len()), data);
        assert_eq!(read(1000), &data[..1000]);
        assert_eq!(read(data.len() + 5000), data);
        assert_eq!(read(0), Vec::<u8>::new());
    }

    const NAMES: &[&str] = &[
        "txt", "md", "html", "", "dat", "docx", "odt", "ofd", "doc", "wps", "rtf", "zip", "jar",
        "bin", "pdf", "png",
    ];

    /// The private-use symbols (U+F000–U+F0FF) are found by their bytes wherever they
    /// stand, and nothing else is taken for them.
    #[test]
    fn symbol_characters_are_found_by_their_bytes() {
        for c in ['\u{F000}', '\u{F06C}', '\u{F0FF}'] {
            for text in [format!("{c}"), format!("正文，{c}"), format!("“{c}”（）")] {
                assert!(
                    matches!(map_symbols(&text), std::borrow::Cow::Owned(_)),
                    "{text:?}"
                );
            }
        }
        for text in [
            "",
            "正文，（）：",
            "\u{EFFF}\u{F100}\u{FF01}",
            "\u{E000}",
            "\u{F900}",
        ] {
            assert!(
                matches!(map_symbols(text), std::borrow::Cow::Borrowed(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn signatures() {
        assert_eq!(signature(b"PK\x03\x04rest"), Signature::Zip);
        assert_eq!(signature(b"PK\x05\x06"), Signature::Zip);
        assert_eq!(
            signature(&ole::tests::compound_file(&["WordDocument"])),
            Signature::Ole
        );
        for at in [0, 1, 100, 1019] {
            let mut b = vec![b'x'; at];
            b.extend(b"%PDF-1.7\n");
            assert_eq!(signature(&b), Signature::Pdf, "header at {at}");
        }
        let mut late = vec![b'x'; 1020];
        late.extend(b"%PDF-1.7\n");
        assert_eq!(signature(&late), Signature::None);
        for rtf in [
            &b"{\\rtf1\\ansi"[..],
            b"\xEF\xBB\xBF{\\rtf1",
            b"\r\n  {\\rtf1",
        ] {
            assert_eq!(signature(rtf), Signature::Rtf);
        }
        assert_eq!(signature("机密★10年\n".as_bytes()), Signature::None);
        assert_eq!(signature(b""), Signature::None);
    }

    /// A Word document is read as one whatever its name; its mark is found.
    #[test]
    fn office_documents_by_content_whatever_the_name() {
        let bytes = docx(&para("机密★10年"), &[], &[]);
        for ext in NAMES {
            let doc = testkit::doc(bytes.clone(), ext);
            assert_eq!(
                testkit::role_of(&doc, "机密★10年"),
                Some(Role::Body),
                ".{ext}"
            );
        }
    }

    /// An archive that is no document: walked like a folder behind an archive's name,
    /// a finding behind a name that claims a document or text, skipped behind any
    /// other name or none.
    #[test]
    fn archives_that_are_no_documents() {
        let zip = zip_of(&[
            ("notes/a.txt", "机密★10年".as_bytes()),
            ("b.png", b"\x89PNG"),
        ]);
        for ext in NAMES
            .iter()
            .chain(&["jar", "epub", "apk", "tar", "gz", "7z"])
        {
            let got = testkit::extract(zip.clone(), ext);
            if ARCHIVES.contains(ext) {
                let Ok(Extracted::Doc(doc)) = got else {
                    panic!(".{ext}: {got:?}")
                };
                assert!(doc.archive && doc.parts.is_empty(), ".{ext}");
                assert_eq!(testkit::role_of(&doc, "机密★10年"), Some(Role::Body));
            } else if names_a_document(ext) {
                assert!(
                    matches!(&got, Err(ExtractError::Corrupt(m)) if m.contains("no document")),
                    ".{ext}: {:?}",
                    got.as_ref().err()
                );
            } else {
                assert!(matches!(got, Ok(Extracted::Skip)), ".{ext}");
            }
        }
        // A damaged zip: a finding behind a document's or an archive's name.
        let cut = zip[..zip.len() / 2].to_vec();
        for ext in ["txt", "zip"] {
            assert!(
                matches!(
                    testkit::extract(cut.clone(), ext),
                    Err(ExtractError::Corrupt(_))
                ),
                ".{ext}"
            );
        }
        assert!(matches!(testkit::extract(cut, "jar"), Ok(Extracted::Skip)));
    }

    /// An OLE compound file that holds a document is read as one whatever its name: a
    /// Word document, workbook or presentation whose stream is empty or garbage is a
    /// corrupt file (not a legacy one); an Outlook message is still ML900 legacy, an
    /// encrypted package ML900 encrypted. One that holds no document stream (a
    /// thumbnail cache) is ML900 only behind a document or text name.
    #[test]
    fn compound_files_whatever_the_name() {
        // A directory with an empty WordDocument stream and a version `cfb` refuses.
        let word = ole::tests::compound_file(&["WordDocument"]);
        for ext in NAMES.iter().chain(&["db", "bin", ""]) {
            let got = testkit::extract(word.clone(), ext);
            assert!(
                matches!(got, Err(ExtractError::Corrupt(_))),
                ".{ext}: {:?}",
                got.err()
            );
        }
        for stream in [
            "/WordDocument",
            "/Workbook",
            "/Book",
            "/PowerPoint Document",
        ] {
            for bytes in [&b""[..], b"\x09\x08\x02\x00ab", &[0xA5; 700]] {
                let file = ole::tests::compound_with(&[(stream, bytes)]);
                for ext in NAMES.iter().chain(&["db", "bin", ""]) {
                    let got = testkit::extract(file.clone(), ext);
                    assert!(
                        matches!(&got, Err(ExtractError::Corrupt(why)) if !why.is_empty()),
                        "{stream} {bytes:?} .{ext}: {:?}",
                        got.err()
                    );
                }
            }
        }
        for streams in [&["__substg1.0_0037001F"][..]] {
            let names: Vec<String> = streams.iter().map(|n| format!("/{n}")).collect();
            let with: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
            let bytes = ole::tests::compound_with(&with);
            for ext in NAMES.iter().chain(&["db", "bin", ""]) {
                let got = testkit::extract(bytes.clone(), ext);
                assert!(
                    matches!(got, Err(ExtractError::Legacy(_))),
                    "{streams:?} .{ext}: {:?}",
                    got.err()
                );
            }
        }
        // Behind a document's name: not what the name says.
        let cache = ole::tests::compound_with(&[("/Catalog", b""), ("/1", b"")]);
        for ext in NAMES.iter().filter(|e| names_a_document(e)) {
            assert!(
                matches!(
                    testkit::extract(cache.clone(), ext),
                    Err(ExtractError::Corrupt(m)) if m.contains("holding no Word")
                ),
                ".{ext}"
            );
        }
        for ext in ["db", "msi", ""] {
            assert!(
                matches!(testkit::extract(cache.clone(), ext), Ok(Extracted::Skip)),
                ".{ext}"
            );
        }
        let enc =
            ole::tests::compound_with(&[("/EncryptionInfo", b""), ("/EncryptedPackage", b"")]);
        for ext in NAMES {
            assert_eq!(
                testkit::extract(enc.clone(), ext).err(),
                Some(ExtractError::Encrypted)
            );
        }
    }

    /// A .wps that is no compound file is older than Word's format (WPS for DOS,
    /// Works 1–3): ML900 saying so, never text.
    #[test]
    fn old_wps_files_are_legacy() {
        for ext in ["wps", "wpt"] {
            let got = testkit::extract("机密★10年\r\n".as_bytes().to_vec(), ext);
            assert!(
                matches!(&got, Err(ExtractError::Legacy(m)) if m.contains("DOS")),
                "{:?}",
                got.err()
            );
        }
    }

    /// RTF is read as RTF whatever its name (never as plain text, where `\'bb\'fa`
    /// escapes hide a mark); a file named `.rtf` that is no RTF is damaged.
    #[test]
    fn rtf_by_content_whatever_the_name() {
        let rtf =
            b"{\\rtf1\\ansi\\ansicpg936 {\\fonttbl} \\'bb\\'fa\\'c3\\'dc\\u9733?10\\'c4\\'ea\\par}";
        for ext in NAMES {
            let doc = testkit::doc(rtf.to_vec(), ext);
            assert_eq!(
                testkit::role_of(&doc, "机密★10年"),
                Some(Role::Body),
                ".{ext}"
            );
            assert!(doc.text_source().is_none(), ".{ext}");
        }
        for text in [&b"just text"[..], b"", b"{\\rt"] {
            assert!(matches!(
                testkit::extract(text.to_vec(), "rtf"),
                Err(ExtractError::Corrupt(m)) if m.starts_with("not an RTF file")
            ));
        }
    }

    #[test]
    fn every_bound_names_itself_and_its_value() {
        let limits = Limits {
            max_entries: 7,
            max_entry_bytes: 3 << 20,
            max_total_bytes: 5 << 20,
            max_ratio: 9,
            max_depth: 11,
            max_embedding: 2,
            max_parts: 13,
            max_text_bytes: 17 << 10,
            ..Limits::new(1 << 30)
        };
        let expected = [
            "entries in one zip container 7",
            "inflated size of one part 3 MiB",
            "inflated size of one file 5 MiB",
            "compression ratio 9:1",
            "parts read from one file 13",
            "text read from one file 17 KiB",
            "XML nesting depth 11",
            "RTF group nesting depth 11",
            "documents nested in documents 2",
        ];
        for (bound, want) in Bound::ALL.iter().zip(expected) {
            assert_eq!(
                bound.exceeded(&limits, "word/x.xml"),
                ExtractError::Limit(format!("{want}, at word/x.xml"))
            );
            let (phrase, detail) = bound.exceeded(&limits, "").phrase();
            assert_eq!((phrase, detail.as_str()), ("limit", want));
        }
    }

    #[test]
    fn budget_is_shared_and_stays_spent() {
        let limits = Limits {
            max_parts: 2,
            ..Limits::new(1 << 20)
        };
        let b = Budget::new(&limits);
        assert!(b.charge_part("a").is_ok() && b.charge_part("b").is_ok());
        assert!(b.charge_part("c").is_err());
        assert_eq!(b.spent(), Some(Bound::Parts));
        // Every later charge fails with the bound already reached.
        assert!(matches!(
            b.charge_text(1, "d"),
            Err(ExtractError::Limit(m)) if m.starts_with("parts read from one file 2")
        ));
        assert!(b.first_visit(b"x") && !b.first_visit(b"x") && b.first_visit(b"y"));
    }
}
