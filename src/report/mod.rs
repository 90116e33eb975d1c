//! Reporters: one emitter per format over the sorted batch of diagnostics. The only
//! place (with `main.rs`) that writes to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::io::Write;

use jiff::civil::Date;

use crate::diagnostic::{Diagnostic, Lang, Severity};
use crate::rules::Rule;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
    Sarif,
    Github,
    Junit,
}

/// Whether human output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    Always,
    Never,
}

/// Counts for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub marked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Findings hidden by inline directives and by the baseline.
    pub inline_suppressed: usize,
    pub baselined: usize,
    /// Image files not read because the run has no OCR, and why (said once).
    pub images_unread: usize,
    pub ocr_missing: &'static str,
}

impl Summary {
    pub fn count(&mut self, diags: &[Diagnostic]) {
        for d in diags {
            match d.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }
}

/// The `依据` of a finding: the provision cited and its text, or, for a rule about the
/// tool itself, that there is none.
pub fn basis(d: &Diagnostic, lang: Lang) -> String {
    if d.article.is_empty() {
        return crate::lang::NO_ARTICLE.pick(lang).to_string();
    }
    let cited = crate::rules::compile::cite(&d.law, &d.article);
    format!("{cited}：{}", d.article_text)
}

/// A one-line note on stderr (`mark-lint: …`): fixes applied, baselines written,
/// stale baseline entries. Never on stdout, where the report goes.
pub fn note(msg: &str) {
    // Callers escape the names they put in; this keeps anything else from the terminal.
    let msg = escape_keeping(msg, &['\n']);
    // Not `eprintln!`, which panics when stderr is closed (`2>&-`).
    let _ = writeln!(std::io::stderr(), "mark-lint: {msg}");
}

/// A name as text, losslessly: UTF-8 as it is; a part of the path that is not UTF-8
/// has its bytes beyond ASCII (and `\`) as `\xB9`. (A name
/// is bytes on Unix; `Path::display` would turn a GBK name into replacement characters
/// and lose which file it was.)
pub fn name_text(name: &std::ffi::OsStr) -> String {
    if let Some(s) = name.to_str() {
        return s.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        // Each part of the path on its own: one that is not UTF-8 is in another
        // encoding as a whole, so none of its bytes is read as UTF-8 by chance.
        let parts: Vec<String> = name
            .as_bytes()
            .split(|b| *b == b'/')
            .map(|part| match std::str::from_utf8(part) {
                Ok(s) => s.to_string(),
                Err(_) => part
                    .iter()
                    .map(|b| match b {
                        0x20..=0x7e if *b != b'\\' => (*b as char).to_string(),
                        _ => format!("\\x{b:02X}"),
                    })
                    .collect(),
            })
            .collect();
        parts.join("/")
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// A path in a message for people (errors, notes): lossless and escaped.
pub fn path_text(p: &std::path::Path) -> String {
    escape(&name_text(p.as_os_str())).into_owned()
}

/// Characters that must not reach a terminal, a CI log or a dashboard as they are,
/// written as escapes: controls (C0, DEL, C1: a newline would start a new line that CI
/// reads as a command, ESC moves the cursor or colours the terminal), the line and
/// paragraph separators, and the bidirectional controls (they reorder what is shown).
/// Everything else, CJK included, is kept. Applied to every name and every piece of
/// document text in human-facing output.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    escape_keeping(s, &[])
}

/// `escape`, except the characters in `keep` (line breaks a format encodes itself, or
/// that separate the lines of a message made of several).
pub fn escape_keeping<'s>(s: &'s str, keep: &[char]) -> std::borrow::Cow<'s, str> {
    let needs = |c: char| needs_escape(c) && !keep.contains(&c);
    if !s.chars().any(needs) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            c if !needs(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && needs_escape(c) => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
                | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Whether human output is coloured: `--color always|never`, or for `auto` when stdout
/// is a terminal, `NO_COLOR` is unset (https://no-color.org) and `TERM` is not `dumb`.
pub fn use_color(choice: Color) -> bool {
    use std::io::IsTerminal;
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                && std::io::stdout().is_terminal()
        }
    }
}

/// Why a finding is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressedBy {
    /// An inline directive in the document (`<!-- mark-lint-disable-next-line … -->`).
    Inline,
    /// An entry of the `--baseline` file.
    Baseline,
}

/// A finding hidden from the report, kept for formats that record suppressions (SARIF).
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub diag: Diagnostic,
    pub by: SuppressedBy,
    /// The reason written after `--` in the directive.
    pub justification: Option<String>,
}

/// Everything one run reports.
pub struct Batch<'a> {
    /// The findings shown, sorted by (path, position, code).
    pub diags: &'a [Diagnostic],
    /// Findings hidden by inline directives or the baseline, sorted the same way.
    pub suppressed: &'a [Suppressed],
    /// Every document checked (display paths, sorted): JUnit has a test case per file.
    pub files: &'a [String],
    /// The rules that ran, in registry order (SARIF `tool.driver.rules`).
    pub rules: &'a [Rule],
    pub summary: &'a Summary,
}

pub struct ReportOptions {
    pub format: Format,
    pub lang: Lang,
    pub quiet: bool,
    pub snippets: bool,
    pub today: Date,
    /// ANSI colour in human output.
    pub color: bool,
    /// Counts per rule instead of the findings (human and concise).
    pub statistics: bool,
}

pub fn emit(w: &mut dyn Write, batch: &Batch, opts: &ReportOptions) -> std::io::Result<()> {
    match opts.format {
        Format::Human | Format::Concise if opts.statistics => {
            human::emit_statistics(w, batch, opts)
        }
        Format::Human => human::emit(w, batch.diags, batch.summary, opts),
        Format::Concise => human::emit_concise(w, batch.diags, opts.lang),
        Format::Json => json::emit(w, batch.diags, batch.summary, opts),
        Format::Sarif => sarif::emit(w, batch, opts),
        Format::Github => github::emit(w, batch, opts),
        Format::Junit => junit::emit(w, batch),
    }
}

/// Builders shared by the emitters' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use crate::diagnostic::MarkInfo;

    // `Default`, not a literal: new counters do not touch the tests.
    static NO_SUMMARY: std::sync::LazyLock<Summary> = std::sync::LazyLock::new(Summary::default);

    pub fn batch<'a>(
        diags: &'a [Diagnostic],
        suppressed: &'a [Suppressed],
        files: &'a [String],
        rules: &'a [Rule],
    ) -> Batch<'a> {
        Batch {
            diags,
            suppressed,
            files,
            rules,
            summary: &NO_SUMMARY,
        }
    }

    pub fn opts(format: Format, lang: Lang, snippets: bool) -> ReportOptions {
        ReportOptions {
            format,
            lang,
            quiet: false,
            snippets,
            today: jiff::civil::date(2026, 11, 27),
            color: false,
            statistics: false,
        }
    }

    /// `diag` in the document at `inner` inside the file `path`.
    pub fn diag_inside(path: &str, inner: &str) -> Diagnostic {
        let mut d = diag(path);
        d.path = d.path.child(inner);
        d
    }

    /// An expired `秘密★1年` at 2:1 of `path`; tests change the fields they are about.
    pub fn diag(path: &str) -> Diagnostic {
        Diagnostic {
            code: "ML104".into(),
            name: "term-expired".into(),
            severity: Severity::Error,
            path: crate::diagnostic::DocPath::file(path),
            line: 2,
            column: 1,
            part: None,
            message: "mark `秘密★1年`: expired".into(),
            help: None,
            article: "第二十四条".into(),
            law: "保密法".into(),
            article_text: "".into(),
            mark: Some(MarkInfo {
                level: "秘密".into(),
                term: "1年".into(),
                raw: "秘密★1年".into(),
            }),
            fix: None,
            fix_quotes_text: false,
            omitted: None,
            fails: false,
            ocr: None,
            snippet: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert!(matches!(
            escape("秘密★5年 a/b.md"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(escape("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(escape("x\u{1b}[2J\u{7}\u{7f}"), "x\\x1B[2J\\x07\\x7F");
        assert_eq!(escape("\u{85}\u{9b}"), "\\u{85}\\u{9B}");
        assert_eq!(escape("\u{2028}\u{2029}"), "\\u{2028}\\u{2029}");
        assert_eq!(escape("a\u{202E}txt.exe"), "a\\u{202E}txt.exe");
        assert_eq!(
            escape("\u{2066}\u{2069}\u{200F}\u{61C}"),
            "\\u{2066}\\u{2069}\\u{200F}\\u{61C}"
        );
        assert_eq!(escape_keeping("a\nb\u{1b}", &['\n']), "a\nb\\x1B");
        // Not controls: kept (a star look-alike or a zero-width space is for the rules).
        assert_eq!(escape("\u{200B}⭐ \\x41"), "\u{200B}⭐ \\x41");
    }

    #[cfg(unix)]
    #[test]
    fn names_are_lossless() {
        use std::os::unix::ffi::OsStrExt;
        let gbk = std::ffi::OsStr::from_bytes(b"\xa1\xbe\xbb\xfa\xc3\xdc\xa1\xbf.txt");
        assert_eq!(
            name_text(gbk),
            "\\xA1\\xBE\\xBB\\xFA\\xC3\\xDC\\xA1\\xBF.txt"
        );
        let mixed = std::ffi::OsStr::from_bytes("报告\u{1b}".as_bytes());
        assert_eq!(name_text(mixed), "报告\u{1b}");
        assert_eq!(name_text(std::ffi::OsStr::from_bytes(b"a\xffb")), "a\\xFFb");
        assert_eq!(
            name_text(std::ffi::OsStr::from_bytes(
                &["报告/".as_bytes(), b"\\\xb1\xa8.md"].concat()
            )),
            "报告/\\x5C\\xB1\\xA8.md"
        );
    }

    /// What no human-facing format may let through from a name or a document.
    fn forbidden(c: char) -> bool {
        needs_escape(c) && c != '\n'
    }

    /// Text with a good share of what must be escaped: controls, separators and bidi
    /// controls mixed with CJK, stars and anything else.
    fn hostile_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let c = prop_oneof![
            (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
            (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
            proptest::sample::select(vec![
                '\u{2028}', '\u{2029}', '\u{61C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}',
                '\u{2066}', '\u{2069}', '\u{200B}', '★', '机', '密', ':', '\\',
            ]),
            any::<char>(),
        ];
        proptest::collection::vec(c, 0..24).prop_map(String::from_iter)
    }

    proptest::proptest! {
        /// Any path, part, message, fix, help and snippet text (every Unicode scalar,
        /// controls included): each human-facing format keeps one finding per line
        /// (per command, per block) and lets no control, separator or bidi control out.
        #[test]
        fn human_formats_escape_whatever_the_text(
            texts in proptest::collection::vec(
                (hostile_text(), hostile_text(), hostile_text(), hostile_text()),
                1..6,
            )
        ) {
            use test_support::{batch, diag, opts};
            let diags: Vec<Diagnostic> = texts
                .iter()
                .enumerate()
                .map(|(i, (path, message, part, line))| {
                    let mut d = diag(&format!("{i}{path}"));
                    d.message = message.clone();
                    d.part = (!part.is_empty()).then(|| part.clone());
                    d.fix = Some(line.clone());
                    d.help = Some(message.as_str().into());
                    d.snippet = Some(crate::diagnostic::Snippet {
                        text: line.clone(),
                        col: 0,
                        width: line.chars().count(),
                    });
                    d
                })
                .collect();
            let mut files: Vec<String> = diags.iter().map(|d| d.path.file.clone()).collect();
            files.sort();
            let batch = batch(&diags, &[], &files, &[]);
            for format in [Format::Human, Format::Concise, Format::Github, Format::Junit] {
                let mut out = Vec::new();
                emit(&mut out, &batch, &opts(format, Lang::En, true)).unwrap();
                let out = String::from_utf8(out).unwrap();
                if let Some(c) = out.chars().find(|c| forbidden(*c)) {
                    proptest::prop_assert!(false, "{format:?}: U+{:04X} in {out:?}", c as u32);
                }
                let n = diags.len();
                match format {
                    Format::Concise => proptest::prop_assert_eq!(out.lines().count(), n),
                    Format::Github => {
                        proptest::prop_assert_eq!(out.lines().count(), n);
                        proptest::prop_assert!(out.lines().all(|l| l.starts_with("::error ")));
                    }
                    Format::Human => proptest::prop_assert_eq!(
                        out.lines().filter(|l| l.starts_with("error[ML104]: ")).count(),
                        n
                    ),
                    _ => {}
                }
            }
        }

        /// Names are lossless: a part that is not UTF-8 reads back to its bytes.
        #[cfg(unix)]
        #[test]
        fn names_read_back(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            use std::os::unix::ffi::OsStrExt;
            let text = name_text(std::ffi::OsStr::from_bytes(&bytes));
            let mut back: Vec<Vec<u8>> = Vec::new();
            for (part, original) in text.split('/').zip(bytes.split(|c| *c == b'/')) {
                if std::str::from_utf8(original).is_ok() {
                    back.push(part.as_bytes().to_vec());
                    continue;
                }
                let (b, mut i, mut out) = (part.as_bytes(), 0, Vec::new());
                while i < b.len() {
                    if b[i] == b'\\' {
                        out.push(u8::from_str_radix(&part[i + 2..i + 4], 16).unwrap());
                        i += 4;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                back.push(out);
            }
            let back = back.join(&b'/');
            proptest::prop_assert_eq!(back, bytes);
        }
    }
}
