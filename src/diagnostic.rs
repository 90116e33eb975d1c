//! The finding model shared by every rule and every reporter. Line and column are
//! resolved by the scanner; messages are rendered in the run's language.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

pub use crate::lang::Lang;

/// Where a document is: the checked file and, for a document carried inside it (an OFD
/// attachment, a package embedded in a Word file), its path inside its container, one
/// entry per level of nesting. Shown as `a.ofd!/Doc_0/Attachs/b.ofd`; kept apart so
/// that nothing has to split that text back (a folder may be named `a!`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DocPath {
    /// The file as named on the command line or found in the walk.
    pub file: String,
    /// The embedded document's path inside each container, outermost first.
    pub inner: Vec<String>,
}

impl DocPath {
    /// A file of its own.
    pub fn file(file: impl Into<String>) -> DocPath {
        DocPath {
            file: file.into(),
            inner: Vec::new(),
        }
    }

    /// The document at `name` inside this one.
    pub fn child(&self, name: &str) -> DocPath {
        let mut inner = self.inner.clone();
        inner.push(name.to_string());
        DocPath {
            file: self.file.clone(),
            inner,
        }
    }

    /// The bytes of the text shown, without making it.
    fn shown_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        let inner = self
            .inner
            .iter()
            .flat_map(|i| b"!/".iter().chain(i.as_bytes()));
        self.file.as_bytes().iter().chain(inner).copied()
    }

    /// Where inside the file, as shown (`Doc_0/Attachs/b.ofd!/c.ofd`); `None` for the
    /// file itself.
    pub fn inner_text(&self) -> Option<String> {
        (!self.inner.is_empty()).then(|| self.inner.join("!/"))
    }
}

/// In the order of the text shown (`a.ofd 2.md` before `a.ofd!/…`), the order the
/// ledger and every report use.
impl Ord for DocPath {
    fn cmp(&self, other: &DocPath) -> Ordering {
        self.shown_bytes().cmp(other.shown_bytes())
    }
}

impl PartialOrd for DocPath {
    fn partial_cmp(&self, other: &DocPath) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for DocPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        for inner in &self.inner {
            write!(f, "!/{inner}")?;
        }
        Ok(())
    }
}

/// The mark a finding is about, as reported in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkInfo {
    pub level: String,
    pub term: String,
    pub raw: String,
}

/// The line shown under a finding: never more than the marking line itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    /// Character offset and length of the finding in `text`.
    pub col: usize,
    pub width: usize,
}

/// Text shared by every finding of a rule (its code, name, article): one copy for the
/// run, held by the rule (`rules::compile::SharedText`), not one per finding.
pub type Shared = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Shared,
    pub name: Shared,
    pub severity: Severity,
    pub path: DocPath,
    pub line: u32,
    pub column: u32,
    pub part: Option<String>,
    pub message: String,
    pub help: Option<Shared>,
    /// `第二十条第二款`, the instrument it belongs to and its text; all empty for a
    /// rule about the tool itself, which cites none.
    pub article: Shared,
    pub law: Shared,
    pub article_text: Shared,
    pub mark: Option<MarkInfo>,
    pub fix: Option<String>,
    /// The fix quotes document text beyond a canonical mark (a 解密条件): reports leave
    /// it out with `--no-snippets`; `--fix` still applies it.
    pub fix_quotes_text: bool,
    pub snippet: Option<Snippet>,
    /// On the last finding of a rule in a file whose findings were capped: how many
    /// more there are, not listed.
    pub omitted: Option<usize>,
    /// At or above the `fail-on` of the config that judged its file (set by the engine).
    pub fails: bool,
    /// Found in text read by OCR from a scan: the mean confidence of that read (0–100).
    pub ocr: Option<u8>,
}

impl Diagnostic {
    /// Output order: path, then position, then code.
    pub fn sort_key_cmp(&self, other: &Diagnostic) -> Ordering {
        (
            &self.path,
            self.line,
            self.column,
            &self.code,
            self.omitted.is_some(),
            &self.message,
        )
            .cmp(&(
                &other.path,
                other.line,
                other.column,
                &other.code,
                other.omitted.is_some(),
                &other.message,
            ))
    }
}

impl Diagnostic {
    /// What identifies this finding apart from its position: the marking it is about,
    /// else the line it points at, normalised (no whitespace, full-width ASCII folded)
    /// so that moving or re-spacing it does not make it new. Never leaves the process
    /// in clear: baselines and SARIF carry only a hash of it.
    pub fn content_key(&self) -> String {
        let text = match (&self.mark, &self.snippet) {
            (Some(m), _) => m.raw.as_str(),
            (None, Some(s)) => s.text.as_str(),
            (None, None) => "",
        };
        text.chars()
            .filter(|c| !c.is_whitespace())
            .map(fold_width)
            .collect()
    }

    /// A stable hash of the code and the marking (hex SHA-256), for SARIF
    /// `partialFingerprints`. Unsalted, so only the mark goes in — never a line of
    /// document text, whose short hash could be guessed back.
    pub fn fingerprint(&self) -> String {
        let mark = self.mark.as_ref().map(|m| {
            m.raw
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(fold_width)
                .collect::<String>()
        });
        hash_hex(&["mark-lint/v1", &self.code, mark.as_deref().unwrap_or("")])
    }
}

/// Full-width ASCII (`１２`, `Ａ`) to ASCII.
fn fold_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Hex SHA-256 of the fields, each followed by a NUL so that field boundaries count.
pub fn hash_hex(fields: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::DocPath;

    /// Paths sort as their text does, the way the ledger sorts them.
    #[test]
    fn doc_paths_sort_as_shown() {
        let mut paths = [
            DocPath::file("a.ofd").child("Doc_0/b.ofd"),
            DocPath::file("a.ofd 2.md"),
            DocPath::file("a.ofd"),
            DocPath::file("a.ofd").child("Doc_0/b.ofd").child("c.ofd"),
            DocPath::file("a.ofd!"),
        ];
        paths.sort();
        let shown: Vec<String> = paths.iter().map(ToString::to_string).collect();
        let mut by_text = shown.clone();
        by_text.sort();
        assert_eq!(shown, by_text);
        assert_eq!(shown[1], "a.ofd 2.md");
    }
}
