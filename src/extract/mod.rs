//! Turn a file into a `Document`: decoded text plus what is needed to point back into
//! the file. Chooses the reader by content (zip, PDF, OLE) and extension; never panics,
//! and never skips a document silently: what cannot be read is an `ExtractError` (ML900).
//!
//! A document is a list of *parts*: the body (one part for text files, one per page for
//! PDF and OFD), the margins that repeat on every page (headers, footers, templates),
//! notes, and what readers never see (tracked deletions, comments, hidden text).

pub mod html;
pub mod markdown;
pub mod odf;
pub mod ofd;
pub mod ooxml;
pub mod pdf;
pub mod text;
pub mod xml;
pub mod zipped;

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
}

impl Part {
    pub fn new(name: Option<String>, role: Role) -> Part {
        Part {
            name,
            role,
            text: String::new(),
            line_map: Vec::new(),
        }
    }

    /// Append one text line reported as `line`. Newlines inside `s` become further
    /// lines with the same number.
    pub fn push_line(&mut self, s: &str, line: u32) {
        for l in s.split('\n') {
            self.text.push_str(l);
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

    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A document property that may declare a level, a term or a date (SPEC §2.2).
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

/// A file carried inside a document (an OFD attachment), linted on its own.
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
            body_start: std::sync::OnceLock::new(),
        }
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
        }
    }

    /// Every phrase key `phrase` can return (ML900 must define them all).
    pub const PHRASES: [&'static str; 11] = [
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
    ];
}

pub enum Extracted {
    Doc(Document),
    /// Not a document (an image, an archive, a binary without a document extension).
    Skip,
}

/// Limits that keep a hostile file from taking unbounded memory or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The file itself.
    pub max_bytes: u64,
    /// Entries in a zip container.
    pub max_entries: usize,
    /// Inflated bytes of one entry, and of all entries read from one file.
    pub max_entry_bytes: u64,
    pub max_total_bytes: u64,
    /// Inflated / compressed, beyond which an entry is a zip bomb.
    pub max_ratio: u64,
    /// Element nesting in XML.
    pub max_depth: usize,
    /// Nesting of documents inside documents (OFD attachments).
    pub max_embedding: usize,
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
        }
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

fn flavour_of(ext: &str) -> Option<Flavour> {
    Some(match ext {
        "txt" | "text" | "tex" => Flavour::Plain,
        "md" | "markdown" | "mdown" | "mkd" | "qmd" | "rmd" | "mdx" => Flavour::Markdown,
        "html" | "htm" | "xhtml" => Flavour::Html,
        _ => return None,
    })
}

fn extension(path: &Path) -> String {
    path.extension()
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
    extract_bytes(bytes, &extension(path), limits, 0)
}

/// Read and decode one file.
pub fn extract(path: &Path, limits: &Limits) -> Result<Extracted, ExtractError> {
    open(path, limits)?.extract(limits)
}

/// A document file opened for reading: a regular file within the size limit.
pub struct Opened {
    file: std::fs::File,
    len: u64,
    ext: String,
}

/// Open one file for `Opened::extract`, a file the walk found regular (special files
/// are reported by the walk). Never blocks: a special file swapped in since (a FIFO, a
/// symlink to a device) is opened non-blocking and found on the handle: an error
/// (ML900), never read.
pub fn open(path: &Path, limits: &Limits) -> Result<Opened, ExtractError> {
    let (file, meta) = crate::input::open_checked(path).map_err(|e| match e {
        crate::input::ReadError::Io(e) => ExtractError::Io(io_message(&e)),
        other => ExtractError::Io(other.to_string()),
    })?;
    let len = meta.len();
    if len > limits.max_bytes {
        return Err(too_large(len, limits));
    }
    Ok(Opened {
        file,
        len,
        ext: extension(path),
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

    /// Whether the name says an office document or OFD (a zip container: its parts
    /// inflate to more than the file's size).
    pub fn is_container(&self) -> bool {
        ZIP_DOCS.contains(&self.ext.as_str())
    }

    /// Read and decode the file.
    pub fn extract(self, limits: &Limits) -> Result<Extracted, ExtractError> {
        let io = |e: std::io::Error| ExtractError::Io(io_message(&e));
        let Opened { mut file, len, ext } = self;
        // The size is known: read exactly that much — one `read` for most files, without
        // the size probe (`statx` + `lseek`) and end-of-file read of `File::read_to_end`
        // (`take` answers the final read itself). A file that changes meanwhile is read as
        // it was when opened.
        let mut bytes = Vec::with_capacity(len as usize);
        (&mut file).take(len).read_to_end(&mut bytes).map_err(io)?;
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
        extract_bytes(bytes, &ext, limits, 0)
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
    let ext = ext.to_ascii_lowercase();
    let ext = ext.as_str();
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        let office = ZIP_DOCS.contains(&ext);
        return match zipped::extract(&bytes, limits, depth) {
            Ok(Some(doc)) => Ok(Extracted::Doc(doc)),
            // Other archives (.zip, .jar, .epub…) are not documents.
            Ok(None) | Err(_) if !office => Ok(Extracted::Skip),
            Ok(None) => Err(ExtractError::Corrupt(format!(
                "a zip archive, but not a .{ext} document"
            ))),
            Err(e) => Err(e),
        };
    }
    if bytes.starts_with(b"%PDF-") || ext == "pdf" {
        return pdf::extract(bytes).map(Extracted::Doc);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if LEGACY.contains(&ext) {
            return Err(ExtractError::Legacy(format!(".{ext}")));
        }
        return Ok(Extracted::Skip);
    }
    if ZIP_DOCS.contains(&ext) {
        return Err(ExtractError::Corrupt(format!(
            "not a .{ext} file (no zip container)"
        )));
    }
    if LEGACY.contains(&ext) {
        return Err(ExtractError::Legacy(format!(".{ext}")));
    }
    if OTHER_DOCS.contains(&ext) {
        return Err(ExtractError::Unsupported(format!(".{ext}")));
    }
    let flavour = flavour_of(ext);
    let decoded = match text::decode(bytes, flavour == Some(Flavour::Html)) {
        Some(d) => d,
        // A binary file: an error only when its name says it is a document.
        None if flavour.is_some() => return Err(ExtractError::Binary),
        None => return Ok(Extracted::Skip),
    };
    let flavour = flavour.unwrap_or(Flavour::Plain);
    let mut doc = match flavour {
        Flavour::Html => {
            let (text, line_map) = html::to_text(&decoded.text);
            let mut doc = Document::with_parts(
                flavour,
                vec![Part {
                    text,
                    line_map,
                    ..Part::new(None, Role::Body)
                }],
            );
            doc.source = Some(decoded.text);
            doc
        }
        _ => Document::plain(flavour, decoded.text),
    };
    doc.encoding = decoded.encoding;
    Ok(Extracted::Doc(doc))
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
/// reader sees: a `★` typed from Wingdings must still be a star (SPEC §2.1).
pub fn map_symbol_char(c: char) -> char {
    match c {
        // Wingdings 0xAB (black star), as stored by Word and OFD producers when the
        // font is not known to the reader (U+F000 + code).
        '\u{F0AB}' => '★',
        c => c,
    }
}

/// `map_symbol_char` over a string, allocating only when something changes.
pub fn map_symbols(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(|c| ('\u{F000}'..='\u{F0FF}').contains(&c)) {
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
