//! Turn a file into a `Document`: decoded text plus what is needed to point back into
//! the file. Chooses the reader by extension and content; never panics, and never
//! skips a document silently: what cannot be read is an `ExtractError` (ML900).

pub mod html;
pub mod markdown;
pub mod text;

use std::path::Path;

/// How the text is structured, which decides what counts as quotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Plain,
    Markdown,
    Html,
}

/// A readable document.
#[derive(Debug, Clone)]
pub struct Document {
    pub flavour: Flavour,
    /// The text lines are taken from (for HTML: the text without tags, one block a line).
    pub text: String,
    /// For extracted text: the 1-based source line of each text line. Empty: identity.
    pub line_map: Vec<u32>,
    /// The encoding the bytes were decoded from.
    pub encoding: &'static str,
    /// Text laid out by a renderer (PDF/OFD): spaces inside marks are artefacts.
    pub extracted: bool,
}

impl Document {
    pub fn plain(flavour: Flavour, text: String) -> Document {
        Document {
            flavour,
            text,
            line_map: Vec::new(),
            encoding: "UTF-8",
            extracted: false,
        }
    }

    /// The source line of text line `n` (both 1-based).
    pub fn source_line(&self, n: u32) -> u32 {
        match self.line_map.get(n as usize - 1) {
            Some(l) => *l,
            None => n,
        }
    }
}

/// Why a file could not be inspected (each maps to an ML900 phrase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    Io(String),
    TooLarge { size_mb: u64, limit_mb: u64 },
    Unsupported(String),
    Binary,
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
        }
    }
}

pub enum Extracted {
    Doc(Document),
    /// Not a document (an image, an archive, a binary without a document extension).
    Skip,
}

/// Formats that are documents but have no reader yet: never skipped silently.
const UNSUPPORTED: &[&str] = &[
    "docx", "dotx", "docm", "doc", "dot", "wps", "wpt", "et", "dps", "odt", "ott", "ofd", "pdf",
    "rtf", "xlsx", "xls", "pptx", "ppt", "odp", "ods",
];

fn flavour_of(ext: &str) -> Option<Flavour> {
    Some(match ext {
        "txt" | "text" | "tex" => Flavour::Plain,
        "md" | "markdown" | "mdown" | "mkd" | "qmd" | "rmd" | "mdx" => Flavour::Markdown,
        "html" | "htm" | "xhtml" => Flavour::Html,
        _ => return None,
    })
}

/// Read and decode one file.
pub fn extract(path: &Path, max_bytes: u64) -> Result<Extracted, ExtractError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let meta = std::fs::metadata(path).map_err(|e| ExtractError::Io(io_message(&e)))?;
    if meta.len() > max_bytes {
        return Err(ExtractError::TooLarge {
            size_mb: meta.len().div_ceil(1024 * 1024),
            limit_mb: max_bytes / (1024 * 1024),
        });
    }
    if UNSUPPORTED.contains(&ext.as_str()) {
        return Err(ExtractError::Unsupported(format!(".{ext}")));
    }
    let bytes = std::fs::read(path).map_err(|e| ExtractError::Io(io_message(&e)))?;
    let flavour = flavour_of(&ext);
    let decoded = match text::decode(bytes, flavour == Some(Flavour::Html)) {
        Some(d) => d,
        // A binary file: an error only when its name says it is a document.
        None if flavour.is_some() => return Err(ExtractError::Binary),
        None => return Ok(Extracted::Skip),
    };
    let flavour = flavour.unwrap_or(Flavour::Plain);
    Ok(Extracted::Doc(match flavour {
        Flavour::Html => {
            let (text, line_map) = html::to_text(&decoded.text);
            Document {
                flavour,
                text,
                line_map,
                encoding: decoded.encoding,
                extracted: false,
            }
        }
        _ => Document {
            flavour,
            text: decoded.text,
            line_map: Vec::new(),
            encoding: decoded.encoding,
            extracted: false,
        },
    }))
}

/// An OS error without the "(os error 13)" suffix, which means nothing to a reader.
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
