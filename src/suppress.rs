//! Inline suppressions in text documents: `<!-- mark-lint-disable-next-line
//! ML002 -- reason -->`, `<!-- mark-lint-disable ML106 -->` … `<!-- mark-lint-enable
//! ML106 -->`, and `mark-lint: ignore ML002 -- reason` in a line comment of a plain-text
//! file (its own line, or the next when the comment stands alone). A directive counts only when it is the whole comment (an HTML comment alone on
//! its line, outside Markdown code fences; a line comment running to the end of the
//! line): prose that mentions one is not one. A code is mandatory. Pure: text in,
//! directives out; `apply` decides which findings they hide and what is wrong with them.

use crate::diagnostic::Diagnostic;
use crate::extract::Flavour;

/// One code of one directive, and the lines it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The code or rule name as written.
    pub code: String,
    pub reason: Option<String>,
    /// Lines covered, inclusive.
    pub from: u32,
    pub to: u32,
    pub at: Place,
}

/// Where a directive is written: for ML901 findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// The source line, and the directive's character offset and length in it.
    pub text: String,
    pub col: usize,
    pub width: usize,
}

/// What is wrong with a directive (the ML901 phrase keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// `mark-lint-disabel`, `mark-lint: skip`: not a directive we know.
    Malformed,
    /// No code: blanket suppression is not allowed.
    NoCode,
    UnknownCode,
    /// The rule says `suppressible: false`.
    Unsuppressible,
    /// It hides no finding.
    Unused,
    /// `mark-lint-enable` with no open `mark-lint-disable` for the code.
    UnmatchedEnable,
}

impl Problem {
    pub fn key(self) -> &'static str {
        match self {
            Problem::Malformed => "malformed",
            Problem::NoCode => "no-code",
            Problem::UnknownCode => "unknown-code",
            Problem::Unsuppressible => "unsuppressible",
            Problem::Unused => "unused",
            Problem::UnmatchedEnable => "unmatched-enable",
        }
    }

    pub const KEYS: [&'static str; 6] = [
        "malformed",
        "no-code",
        "unknown-code",
        "unsuppressible",
        "unused",
        "unmatched-enable",
    ];
}

/// A directive problem found while parsing or applying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub problem: Problem,
    /// The code concerned, if any.
    pub code: Option<String>,
    pub at: Place,
}

/// The directives of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    pub entries: Vec<Entry>,
    pub bad: Vec<Bad>,
}

impl Directives {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.bad.is_empty()
    }

    fn reject(&mut self, problem: Problem, at: Place) {
        self.bad.push(Bad {
            problem,
            code: None,
            at,
        });
    }
}

const WORD: &str = "mark-lint";

/// The directives in `text` (the document's source, line numbers as in findings).
pub fn parse(text: &str, flavour: Flavour) -> Directives {
    // Built once: a searcher per call costs more than the search on a short file.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(WORD));
    let mut out = Directives::default();
    if FINDER.find(text.as_bytes()).is_none() {
        return out;
    }
    let mut fences = crate::extract::markdown::Fences::default();
    let mut open = Open::default();
    let mut last_line = 0;
    for (i, raw_line) in text.split('\n').enumerate() {
        let no = i as u32 + 1;
        last_line = no;
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        if flavour == Flavour::Markdown && (fences.inside(line) || fences.opens(line)) {
            continue;
        }
        if !line.contains(WORD) {
            continue;
        }
        // Indented four spaces (or a tab) in Markdown, it is a code block: an example.
        let indented = flavour == Flavour::Markdown && {
            let lead = &line[..line.len() - line.trim_start().len()];
            lead.contains('\t') || lead.len() > 3
        };
        if indented {
            continue;
        }
        if let Some((start, inner)) = whole_html_comment(line) {
            let at = place(line, no, start, line.trim_end().len());
            html_directive(inner, at, &mut out, &mut open);
        } else if flavour == Flavour::Plain
            && let Some((start, body)) = line_comment(line)
        {
            let at = place(line, no, start, line.trim_end().len());
            line_directive(body, at, &mut out);
        }
    }
    for i in open.by_code.into_values().flatten() {
        out.entries[i].to = last_line.max(out.entries[i].from);
    }
    out
}

/// Open `disable` ranges (entry indices whose `to` is still the end of the text), by
/// code, oldest first: an `enable` finds its range without a search through the
/// others, so a document with 100,000 directives is parsed in linear time.
#[derive(Default)]
struct Open {
    by_code: std::collections::BTreeMap<String, std::collections::VecDeque<usize>>,
}

fn place(line: &str, no: u32, start: usize, end: usize) -> Place {
    let col = line[..start].chars().count();
    Place {
        line: no,
        column: col as u32 + 1,
        text: line.to_string(),
        col,
        width: line[start..end].chars().count(),
    }
}

/// `<!-- … -->` as the whole (trimmed) line: its byte start and the inner text.
fn whole_html_comment(line: &str) -> Option<(usize, &str)> {
    let t = line.trim();
    let inner = t.strip_prefix("<!--")?.strip_suffix("-->")?;
    if inner.contains("-->") {
        return None;
    }
    let inner = inner.trim();
    inner
        .starts_with(WORD)
        .then(|| (line.len() - line.trim_start().len(), inner))
}

/// A line comment (`#`, `//`, `%`, `;`, `--` at the start or after a space) whose text
/// starts with `mark-lint:`: its byte start and the text after `mark-lint:`.
fn line_comment(line: &str) -> Option<(usize, &str)> {
    let mut search = 0;
    while let Some(rel) = line[search..].find(WORD) {
        let at = search + rel;
        search = at + WORD.len();
        let before = line[..at].trim_end_matches([' ', '\t']);
        let Some(marker) = ["//", "--", "#", "%", ";"]
            .into_iter()
            .find(|m| before.ends_with(m))
        else {
            continue;
        };
        let start = before.len() - marker.len();
        if start > 0 && !line[..start].ends_with([' ', '\t']) {
            continue;
        }
        let Some(body) = line[search..].strip_prefix(':') else {
            continue;
        };
        return Some((start, body));
    }
    None
}

/// Split `CODES -- reason`.
fn codes_and_reason(s: &str) -> (Vec<String>, Option<String>) {
    let (codes, reason) = match s.find("--") {
        Some(i) => (&s[..i], Some(s[i + 2..].trim())),
        None => (s, None),
    };
    let codes = codes
        .split([',', ' ', '\t', '，'])
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    (codes, reason.filter(|r| !r.is_empty()).map(str::to_string))
}

/// The codes and reason of a directive; one without a code is rejected (no blanket
/// suppression).
fn codes_or_reject(
    args: &str,
    at: &Place,
    out: &mut Directives,
) -> Option<(Vec<String>, Option<String>)> {
    let (codes, reason) = codes_and_reason(args);
    if codes.is_empty() {
        out.reject(Problem::NoCode, at.clone());
        return None;
    }
    Some((codes, reason))
}

fn html_directive(inner: &str, at: Place, out: &mut Directives, open: &mut Open) {
    let rest = &inner[WORD.len()..];
    let (verb, args) = match rest.strip_prefix('-') {
        Some(r) => r.split_once([' ', '\t']).unwrap_or((r, "")),
        None => ("", ""),
    };
    if !matches!(verb, "disable-next-line" | "disable" | "enable") {
        return out.reject(Problem::Malformed, at);
    }
    let Some((codes, reason)) = codes_or_reject(args, &at, out) else {
        return;
    };
    let line = at.line;
    for code in codes {
        match verb {
            "disable-next-line" => out.entries.push(Entry {
                code,
                reason: reason.clone(),
                from: line + 1,
                to: line + 1,
                at: at.clone(),
            }),
            "disable" => {
                open.by_code
                    .entry(code.clone())
                    .or_default()
                    .push_back(out.entries.len());
                out.entries.push(Entry {
                    code,
                    reason: reason.clone(),
                    from: line,
                    to: u32::MAX,
                    at: at.clone(),
                });
            }
            _ => match open.by_code.get_mut(&code).and_then(|q| q.pop_front()) {
                Some(i) => out.entries[i].to = line,
                None => out.bad.push(Bad {
                    problem: Problem::UnmatchedEnable,
                    code: Some(code),
                    at: at.clone(),
                }),
            },
        }
    }
}

fn line_directive(body: &str, at: Place, out: &mut Directives) {
    let body = body.trim_start();
    let args = match body.strip_prefix("ignore") {
        Some(a) if a.is_empty() || a.starts_with([' ', '\t']) => a,
        _ => return out.reject(Problem::Malformed, at),
    };
    let Some((codes, reason)) = codes_or_reject(args, &at, out) else {
        return;
    };
    // A comment alone on its line covers the next line; after text, its own line.
    let alone = at.text[..at.text.len() - at.text.trim_start().len()]
        .chars()
        .count()
        == at.col;
    let to = if alone { at.line + 1 } else { at.line };
    for code in codes {
        out.entries.push(Entry {
            code,
            reason: reason.clone(),
            from: at.line,
            to,
            at: at.clone(),
        });
    }
}

/// How a directive's code resolves against the rules.
pub struct RuleInfo {
    pub code: String,
    pub suppressible: bool,
    /// The rule ran in this run: only then can a directive for it be unused.
    pub ran: bool,
}

/// The findings of one document after its directives.
#[derive(Debug, Default)]
pub struct Applied {
    pub shown: Vec<Diagnostic>,
    /// Hidden findings, with the reason written in the directive.
    pub hidden: Vec<(Diagnostic, Option<String>)>,
    /// What is wrong with the directives (ML901).
    pub bad: Vec<Bad>,
}

/// Apply the directives of one document to its findings. Findings in office parts
/// (`part` set) are never hidden. A finding is hidden by the first directive (in the
/// order written) that covers its line for its code. Linear up to sorting: each code is
/// resolved once, and the findings of a code meet its directives in one sweep by line.
pub fn apply(
    dirs: &Directives,
    diags: Vec<Diagnostic>,
    resolve: impl Fn(&str) -> Option<RuleInfo>,
) -> Applied {
    use std::cmp::Reverse;
    use std::collections::{BTreeMap, BinaryHeap};

    let mut bad = dirs.bad.clone();
    let mut resolved: BTreeMap<&str, Option<RuleInfo>> = BTreeMap::new();
    // (entry, resolved code, the rule ran)
    let mut active: Vec<(&Entry, String, bool)> = Vec::new();
    for e in &dirs.entries {
        let rule = resolved
            .entry(e.code.as_str())
            .or_insert_with(|| resolve(&e.code));
        match rule {
            None => bad.push(Bad {
                problem: Problem::UnknownCode,
                code: Some(e.code.clone()),
                at: e.at.clone(),
            }),
            Some(r) if !r.suppressible => bad.push(Bad {
                problem: Problem::Unsuppressible,
                code: Some(r.code.clone()),
                at: e.at.clone(),
            }),
            Some(r) => active.push((e, r.code.clone(), r.ran)),
        }
    }
    // The directives of each code by first line, and the findings of each code by line.
    let mut directives: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, code, _)) in active.iter().enumerate() {
        directives.entry(code.as_str()).or_default().push(i);
    }
    let mut findings: BTreeMap<&str, Vec<(u32, usize)>> = BTreeMap::new();
    for (i, d) in diags.iter().enumerate() {
        if d.part.is_none() && directives.contains_key(&*d.code) {
            findings.entry(&*d.code).or_default().push((d.line, i));
        }
    }
    let mut hit: Vec<Option<usize>> = vec![None; diags.len()];
    for (code, mut lines) in findings {
        let list = directives
            .get_mut(code)
            .expect("only codes with directives");
        list.sort_by_key(|&i| active[i].0.from);
        lines.sort_unstable();
        // Directives begun at or before the line, earliest written on top; those that
        // ended before it are dropped when they come to the top (lines only grow).
        let mut begun: BinaryHeap<Reverse<usize>> = BinaryHeap::new();
        let mut next = 0;
        for (line, d) in lines {
            step();
            while next < list.len() && active[list[next]].0.from <= line {
                step();
                begun.push(Reverse(list[next]));
                next += 1;
            }
            while begun
                .peek()
                .is_some_and(|Reverse(i)| active[*i].0.to < line)
            {
                step();
                begun.pop();
            }
            hit[d] = begun.peek().map(|Reverse(i)| *i);
        }
    }
    let mut used = vec![false; active.len()];
    let mut shown = Vec::new();
    let mut hidden = Vec::new();
    for (d, hit) in diags.into_iter().zip(hit) {
        match hit {
            Some(i) => {
                used[i] = true;
                hidden.push((d, active[i].0.reason.clone()));
            }
            None => shown.push(d),
        }
    }
    for ((e, code, ran), used) in active.into_iter().zip(used) {
        if ran && !used {
            bad.push(Bad {
                problem: Problem::Unused,
                code: Some(code),
                at: e.at.clone(),
            });
        }
    }
    bad.sort_by_key(|b| (b.at.line, b.at.column));
    Applied { shown, hidden, bad }
}

// The sweep's steps, counted in tests so that linearity is asserted by counting, not
// by a clock.
#[cfg(test)]
thread_local! {
    static STEPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[inline]
fn step() {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + 1));
}

#[cfg(test)]
mod tests;
