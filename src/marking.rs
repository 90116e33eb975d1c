//! The marking parser: one cleaned line of text in, what it declares out.
//!
//! Pure: no I/O, no configuration, no notion of today. Spans are byte ranges into the
//! line it was given. Deciding *where* a line counts (first-page zone, attachment) is the
//! caller's business (`scan.rs`); this module only says what the line is.

use std::ops::Range;
use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::regime::{LevelForm, Regime};

/// The term written after the star.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Term {
    /// `机密★`: nothing after the star.
    None,
    /// `10年`, `6个月`, `1年6个月`, `30日`.
    Duration(Duration),
    /// 解密时间: `2040年12月31日`, `2031年6月前`, `2030-12-31`.
    Date(DeclassDate),
    /// 解密条件: any other text (`启用前`, `解密条件：工程竣工验收后`).
    Condition(String),
    /// `长期`, `永久`, `无限期`.
    Indefinite(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Duration {
    pub years: u32,
    pub months: u32,
    pub days: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DatePrecision {
    /// `2040年12月31日`: secrecy ends on that day.
    Day,
    /// `2031年6月前`: secrecy ends on the first of that month.
    MonthBefore,
    /// `2031年6月`: secret through that month.
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeclassDate {
    pub date: Date,
    pub precision: DatePrecision,
}

/// What is wrong with the form of a mark (ML001); the key names a rule phrase.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Problem {
    WrongStar,
    MissingStar,
    StarBeforeLevel,
    MisspeltLevel,
    TraditionalLevel,
    LevelSuffix,
    BracketedTerm,
    ChineseNumerals,
    DoubledUnit,
    BadTerm,
    BadDate,
    FullWidthDigits,
    Spacing,
    /// Invisible (default-ignorable) or compatibility characters inside the mark.
    IrregularCharacters,
}

impl Problem {
    pub const fn key(self) -> &'static str {
        match self {
            Problem::WrongStar => "wrong-star",
            Problem::MissingStar => "missing-star",
            Problem::StarBeforeLevel => "star-before-level",
            Problem::MisspeltLevel => "misspelt-level",
            Problem::TraditionalLevel => "traditional-level",
            Problem::LevelSuffix => "level-suffix",
            Problem::BracketedTerm => "bracketed-term",
            Problem::ChineseNumerals => "chinese-numerals",
            Problem::DoubledUnit => "doubled-unit",
            Problem::BadTerm => "bad-term",
            Problem::BadDate => "bad-date",
            Problem::FullWidthDigits => "full-width-digits",
            Problem::Spacing => "spacing",
            Problem::IrregularCharacters => "irregular-characters",
        }
    }

    pub const ALL: [Problem; 14] = [
        Problem::WrongStar,
        Problem::MissingStar,
        Problem::StarBeforeLevel,
        Problem::MisspeltLevel,
        Problem::TraditionalLevel,
        Problem::LevelSuffix,
        Problem::BracketedTerm,
        Problem::ChineseNumerals,
        Problem::DoubledUnit,
        Problem::BadTerm,
        Problem::BadDate,
        Problem::FullWidthDigits,
        Problem::Spacing,
        Problem::IrregularCharacters,
    ];

    /// Every phrase key (ML001 must define them all).
    pub const KEYS: [&'static str; 14] = {
        let mut keys = [""; 14];
        let mut i = 0;
        while i < keys.len() {
            keys[i] = Problem::ALL[i].key();
            i += 1;
        }
        keys
    };

    /// Only spacing or digit width is off: the mark is readable as it stands.
    pub fn is_minor(self) -> bool {
        matches!(self, Problem::Spacing | Problem::FullWidthDigits)
    }

    /// The intent is unambiguous, so a corrected form can be offered.
    fn is_fixable(self) -> bool {
        !matches!(
            self,
            Problem::MisspeltLevel | Problem::BadTerm | Problem::BadDate
        )
    }
}

/// A state-secret mark (or something meant as one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mark {
    /// Index into `Regime::levels`.
    pub level: usize,
    pub term: Term,
    /// The mark as written.
    pub raw: String,
    /// Byte range of `raw` in the parsed line.
    pub span: Range<usize>,
    pub problems: Vec<Problem>,
    /// The corrected mark, when every problem has an unambiguous repair.
    pub fix: Option<String>,
    /// A bare level word accepted under GB/T 9704-1999 (documents before 2012-07-01).
    pub legacy_bare: bool,
}

impl Mark {
    /// The term as it should be written (`10年`, `2040年12月31日`, `解密条件：…`).
    pub fn term_text(&self) -> String {
        term_text(&self.term)
    }

    /// The term as reports show it without document text: a 解密条件 is `…`.
    pub fn redacted_term(&self) -> String {
        match self.term {
            Term::Condition(_) => "…".to_string(),
            _ => self.term_text(),
        }
    }

    /// The mark without document text (`--no-snippets`). A mark that is nothing but a
    /// level, a star (or what stands for one) and a duration, date or `长期` holds no
    /// other text: it shows as written, so a message about its form still makes sense.
    /// Any other term (a 解密条件, a term that runs on into the text) shows as `…` after
    /// the canonical level and star.
    pub fn redacted(&self, regime: &Regime) -> String {
        let only_mark = matches!(
            self.term,
            Term::None | Term::Duration(_) | Term::Date(_) | Term::Indefinite(_)
        ) && !self
            .problems
            .iter()
            .any(|p| matches!(p, Problem::BadTerm | Problem::BadDate));
        if only_mark {
            return self.raw.clone();
        }
        format!("{}{}…", regime.levels[self.level].name, regime.star)
    }

    pub fn canonical(&self, regime: &Regime) -> String {
        format!(
            "{}{}{}",
            regime.levels[self.level].name,
            regime.star,
            self.term_text()
        )
    }
}

/// Canonical spelling of a term.
pub fn term_text(term: &Term) -> String {
    match term {
        Term::None => String::new(),
        Term::Duration(d) => {
            let mut s = String::new();
            if d.years > 0 || (d.months == 0 && d.days == 0) {
                s.push_str(&format!("{}年", d.years));
            }
            if d.months > 0 {
                s.push_str(&format!("{}个月", d.months));
            }
            if d.days > 0 {
                s.push_str(&format!("{}日", d.days));
            }
            s
        }
        Term::Date(d) => match d.precision {
            DatePrecision::Day => {
                format!("{}年{}月{}日", d.date.year(), d.date.month(), d.date.day())
            }
            DatePrecision::MonthBefore => format!("{}年{}月前", d.date.year(), d.date.month()),
            DatePrecision::Month => format!("{}年{}月", d.date.year(), d.date.month()),
        },
        Term::Condition(c) => c.clone(),
        Term::Indefinite(w) => w.clone(),
    }
}

/// What one line declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// A mark with a real star, clean or malformed.
    Banner(Mark),
    /// A level-like line without a valid star: malformed only in the first-page zone.
    Candidate(Mark),
    /// `工作秘密★1年`: a star on something that is not a state secret.
    NonSecretStar {
        designation: String,
        /// The designation is one the regime lists; otherwise the line only has the
        /// shape `<designation>★<term>`, which counts in the first-page zone alone.
        listed: bool,
        raw: String,
        span: Range<usize>,
    },
    /// `密级：机密`, `保密期限：5年`.
    Label {
        level: Option<usize>,
        term: Option<Term>,
        raw: String,
        span: Range<usize>,
    },
    /// `解密`, `已解密`, `解密日期：2024年1月1日`.
    Declassified { date: Option<Date> },
    /// `变更为：秘密★2年`.
    Change(Mark),
    /// `（此件公开发布）`.
    PublicDeclaration(String),
    /// `附件`, `附件1`, `附件：`.
    Attachment,
    /// A date alone on its line (a 成文日期 candidate).
    Date(Date),
    /// A 6-digit 份号 alone.
    CopyNumber,
    /// A portion mark: a paragraph that starts `（机密）`, `(秘密)`, `【绝密】`.
    Portion { level: usize, raw: String },
}

impl LineKind {
    /// Whether a first-page line of this kind makes its document marked: a banner, a
    /// candidate, a label, a non-secret star, a declassification or a change mark (what
    /// `may_hold_mark` answers for).
    pub fn marks_document(&self) -> bool {
        matches!(
            self,
            LineKind::Banner(_)
                | LineKind::Candidate(_)
                | LineKind::Label { .. }
                | LineKind::NonSecretStar { .. }
                | LineKind::Declassified { .. }
                | LineKind::Change(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineInfo {
    pub kind: LineKind,
    /// A 份号 shares the line.
    pub copy_number: bool,
    pub urgency: Option<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Text extracted from a PDF/OFD: spaces inside a mark are layout artefacts.
    pub extracted: bool,
    /// The document predates GB/T 9704-2012: a bare level word is a lawful mark.
    pub legacy: bool,
    /// Longest line (in characters) that can be a star-less malformed candidate.
    pub max_candidate_chars: usize,
}

impl ParseOptions {
    pub fn new() -> Self {
        ParseOptions {
            extracted: false,
            legacy: false,
            max_candidate_chars: 24,
        }
    }
}

/// Whitespace as found in Chinese documents: ASCII, ideographic space, NBSP.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}' || c == '\u{200b}' || c == '\u{feff}'
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Whether `s` holds sentence punctuation — `，。；！？,;!?“”"、` — a line carrying it is
/// prose, whatever level word it holds. By bytes, for this runs on most lines of a first
/// page (the UTF-8 of each: `，` `EF BC 8C`, `；` `EF BC 9B`, `！` `EF BC 81`,
/// `？` `EF BC 9F`, `。` `E3 80 82`, `、` `E3 80 81`, `“` `E2 80 9C`, `”` `E2 80 9D`).
fn has_prose_punctuation(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &x)| match x {
        b',' | b';' | b'!' | b'?' | b'"' => true,
        0xef => matches!(b.get(i + 1..i + 3), Some([0xbc, 0x8c | 0x9b | 0x81 | 0x9f])),
        0xe3 => matches!(b.get(i + 1..i + 3), Some([0x80, 0x82 | 0x81])),
        0xe2 => matches!(b.get(i + 1..i + 3), Some([0x80, 0x9c | 0x9d])),
        _ => false,
    })
}

/// `s.chars().count() <= n`, without counting past `n + 1` characters.
pub fn at_most_chars(s: &str, n: usize) -> bool {
    s.len() <= n || s.chars().nth(n).is_none()
}

const BRACKETS: [(char, char); 6] = [
    ('【', '】'),
    ('[', ']'),
    ('(', ')'),
    ('（', '）'),
    ('〔', '〕'),
    ('［', '］'),
];

fn closing_bracket(open: char) -> Option<char> {
    BRACKETS.iter().find(|(o, _)| *o == open).map(|(_, c)| *c)
}

/// Parse one line. `None` when the line declares nothing a rule cares about.
/// `（机密）本段…`: a bracketed level word that opens a paragraph with more text after
/// it. A bracketed level alone on its line is a malformed banner instead, and
/// `（二）涉及机密级以上…` is prose (the bracket holds no level word).
pub fn portion_mark(regime: &Regime, s: &str) -> Option<(usize, String)> {
    let open = s.chars().next()?;
    let close = match open {
        '（' => '）',
        '(' => ')',
        '【' => '】',
        '[' => ']',
        _ => return None,
    };
    let inner_start = open.len_utf8();
    let end = s[inner_start..].find(close)? + inner_start;
    let level = regime.level_named(s[inner_start..end].trim())?;
    let rest = s[end + close.len_utf8()..].trim_start_matches(is_space);
    if rest.is_empty()
        || rest.starts_with(regime.star)
        || rest.starts_with(|c| regime.is_wrong_star(c))
    {
        return None;
    }
    Some((level, s[..end + close.len_utf8()].to_string()))
}

/// Parse one line as a reader sees it: invisible characters removed and compatibility
/// characters folded first (`crate::normalize`), with spans and marks as written in
/// `line`. A mark spelt with such characters is malformed.
pub fn parse_line(regime: &Regime, line: &str, opts: ParseOptions) -> Option<LineInfo> {
    let Some(norm) = crate::normalize::normalize(line) else {
        return parse_clean(regime, line, opts);
    };
    let mut info = parse_clean(regime, &norm.text, opts)?;
    let as_written = |span: &mut Range<usize>, raw: &mut String| {
        *span = norm.original(span.clone());
        *raw = line[span.clone()].to_string();
        norm.changed_within(span)
    };
    match &mut info.kind {
        LineKind::Banner(m) | LineKind::Candidate(m) | LineKind::Change(m) => {
            let irregular = as_written(&mut m.span, &mut m.raw);
            if irregular {
                add_problem(regime, m, Problem::IrregularCharacters);
            }
        }
        LineKind::NonSecretStar { raw, span, .. } | LineKind::Label { raw, span, .. } => {
            as_written(span, raw);
        }
        _ => {}
    }
    Some(info)
}

/// Whether `line` can be a mark: false means `parse_line` finds in it no kind that
/// `LineKind::marks_document`. Each of those holds the star or 解密, or begins — once a
/// 份号, an urgency word and brackets are peeled — with a level word (its characters maybe
/// spaced) or a label, all within the line as normalised; so the line holds one of
/// `Regime::mark_openers` (which has the characters normalising folds into them). A
/// cheap test for the many first-page lines that are not marks (dates, titles).
pub fn may_hold_mark(regime: &Regime, line: &str) -> bool {
    regime.mark_openers.in_text(line)
}

/// Record one more problem of form; the fix follows the problems.
fn add_problem(regime: &Regime, m: &mut Mark, problem: Problem) {
    let mut problems = std::mem::take(&mut m.problems);
    problems.push(problem);
    let raw = std::mem::take(&mut m.raw);
    let legacy_bare = m.legacy_bare;
    *m = finish_mark(
        regime,
        m.level,
        m.term.clone(),
        raw,
        m.span.clone(),
        problems,
    );
    m.legacy_bare = legacy_bare;
}

fn parse_clean(regime: &Regime, line: &str, opts: ParseOptions) -> Option<LineInfo> {
    let lead = line.len() - line.trim_start_matches(is_space).len();
    let trimmed = trim(line);
    if trimmed.is_empty() {
        return None;
    }
    let plain = |kind| {
        Some(LineInfo {
            kind,
            copy_number: false,
            urgency: None,
        })
    };
    if let Some(decl) = public_declaration(regime, trimmed) {
        return plain(LineKind::PublicDeclaration(decl));
    }
    if trimmed.starts_with("附件") && ATTACHMENT.is_match(trimmed) {
        return plain(LineKind::Attachment);
    }
    if let Some(date) = parse_date(trimmed) {
        return plain(LineKind::Date(date));
    }
    if let Some((level, raw)) = portion_mark(regime, trimmed) {
        return plain(LineKind::Portion { level, raw });
    }

    // Peel what may share the line with a mark: 份号, urgency word, `密级：` label.
    let (mut start, mut end) = (lead, lead + trimmed.len());
    let mut copy_number = false;
    let mut urgency = None;
    let mut labelled = false;
    loop {
        let core = &line[start..end];
        if let Some(n) = copy_number_prefix(regime, core) {
            copy_number = true;
            start += n;
        } else if let Some(n) = copy_number_suffix(regime, core) {
            copy_number = true;
            end -= n;
        } else if let Some((w, n)) = word_prefix(&regime.urgency, core) {
            urgency = Some(w);
            start += n;
        } else if let Some((w, n)) = word_suffix(&regime.urgency, core) {
            urgency = Some(w);
            end -= n;
        } else {
            break;
        }
    }
    let core = &line[start..end];
    if core.is_empty() {
        return (copy_number || urgency.is_some()).then_some(LineInfo {
            kind: LineKind::CopyNumber,
            copy_number,
            urgency,
        });
    }
    if let Some(n) = label_prefix(&regime.level_labels, core) {
        labelled = true;
        start += n;
    }
    // Enclosing brackets around the whole mark: 【机密★5年】.
    {
        let core = &line[start..end];
        let mut chars = core.chars();
        if let (Some(first), Some(last)) = (chars.next(), core.chars().next_back())
            && let Some(close) = closing_bracket(first)
            && last == close
            && core.len() > first.len_utf8() + last.len_utf8()
        {
            let inner = &core[first.len_utf8()..core.len() - last.len_utf8()];
            if !inner.contains(close) {
                start += first.len_utf8();
                end -= last.len_utf8();
            }
        }
    }
    let core = &line[start..end];
    let info = |kind| {
        Some(LineInfo {
            kind,
            copy_number,
            urgency: urgency.clone(),
        })
    };
    if explained_example(regime, core, opts) {
        return None;
    }
    if !at_most_chars(core, 60) || has_prose_punctuation(core) {
        return None;
    }

    // A change mark holds the star too (`change_mark` finds it or gives nothing).
    let star = core.find(regime.star);
    if star.is_some()
        && let Some(kind) = change_mark(regime, core, start, opts)
    {
        return info(kind);
    }
    if let Some(star_at) = star {
        return star_line(regime, core, start, star_at, opts).and_then(info);
    }
    // `密级：机密`; a label followed by something that is almost a mark
    // (`密级：绝密☆20年`) is read by the same grammar as the line without its label.
    if labelled && let Some(kind) = label_value(regime, core, start) {
        return info(kind);
    }
    if let Some(kind) = term_label(regime, core, start) {
        return info(kind);
    }
    if let Some(kind) = declassification(core) {
        return info(kind);
    }
    candidate(regime, core, start, opts).and_then(info)
}

/// `机密☆10年（星号错误）`: a mark followed on its line by a bracketed explanation is a
/// quoted example — when the mark is malformed or not a state-secret mark, or the
/// explanation judges its form (`（正确写法）`). A clean mark with another note after it
/// (`机密★5年（自印发之日起计算）`) stays a mark; a bracketed term (`机密（10年）`) is
/// a malformed mark, not an explanation.
fn explained_example(regime: &Regime, core: &str, opts: ParseOptions) -> bool {
    let Some(close) = core.chars().next_back().filter(|c| matches!(c, '）' | ')')) else {
        return false;
    };
    let open = if close == '）' { '（' } else { '(' };
    let Some(at) = core.rfind(open) else {
        return false;
    };
    let head = trim(&core[..at]);
    let note = trim(&core[at + open.len_utf8()..core.len() - close.len_utf8()]);
    if head.is_empty()
        || !note.chars().any(is_han)
        || begins_like_duration(note)
        || parse_date(note).is_some()
    {
        return false;
    }
    let judged = regime
        .example_words
        .iter()
        .any(|w| note.contains(w.as_str()));
    match parse_clean(regime, head, opts).map(|i| i.kind) {
        Some(LineKind::Banner(m)) => judged || !m.problems.is_empty(),
        Some(LineKind::Candidate(_) | LineKind::NonSecretStar { .. }) => true,
        _ => false,
    }
}

/// A line holding the real star.
fn star_line(
    regime: &Regime,
    core: &str,
    offset: usize,
    star_at: usize,
    opts: ParseOptions,
) -> Option<LineKind> {
    let star_len = regime.star.len_utf8();
    let pre_full = &core[..star_at];
    let post_full = &core[star_at + star_len..];
    let pre = pre_full.trim_end_matches(is_space);
    let post = post_full.trim_start_matches(is_space);
    let spaced_star = pre.len() != pre_full.len() || post.len() != post_full.len();
    // Star ratings (`秘密★★`) and decorations are not marks.
    if post.starts_with(regime.star) || post.starts_with(|c| regime.is_wrong_star(c)) {
        return None;
    }
    let span = offset..offset + core.len();
    let raw = core.to_string();
    let mut problems = Vec::new();
    if spaced_star && !opts.extracted {
        problems.push(Problem::Spacing);
    }
    let (level, term_src) = if pre.is_empty() {
        // `★机密 10年`: the star put before the level.
        let (level, form, len, spaced) = level_prefix_spaced(regime, post)?;
        let rest = &post[len..];
        // Only a level alone or a level with a term-like tail: `★1年保証` is not a mark.
        let rest_t = trim(rest);
        if !rest_t.is_empty() && !begins_like_duration(rest_t) {
            return None;
        }
        problems.push(Problem::StarBeforeLevel);
        push_form_problems(&mut problems, form, spaced, opts);
        (level, rest)
    } else {
        let designation: String = pre.chars().filter(|c| !is_space(*c)).collect();
        let designation = strip_brackets(&designation);
        if let Some(d) = regime.non_secret.iter().find(|d| d.as_str() == designation) {
            return Some(LineKind::NonSecretStar {
                designation: d.clone(),
                listed: true,
                raw,
                span,
            });
        }
        let Some((level, form, len, spaced)) = level_prefix_spaced(regime, pre) else {
            return designation_star(regime, designation, post, raw, span);
        };
        if len != pre.len() {
            // Something else before the star: `密级★保密期限`, prose.
            return None;
        }
        push_form_problems(&mut problems, form, spaced, opts);
        (level, post)
    };
    let term = parse_term(regime, term_src, opts, &mut problems);
    Some(LineKind::Banner(finish_mark(
        regime, level, term, raw, span, problems,
    )))
}

/// `内部材料★3年`: the shape of a mark whose designation is no level. A non-secret
/// designation by shape (ML004) unless the regime lists it as the mark of another lawful
/// regime (`核心商密★5年`); prose, ratings and decorations are not this shape.
fn designation_star(
    regime: &Regime,
    designation: &str,
    term: &str,
    raw: String,
    span: Range<usize>,
) -> Option<LineKind> {
    const MAX_DESIGNATION_CHARS: usize = 12;
    let n = designation.chars().count();
    if !(2..=MAX_DESIGNATION_CHARS).contains(&n)
        || !designation.chars().all(is_han)
        || regime.other_regime_marks.iter().any(|m| m == designation)
        || regime
            .level_words
            .iter()
            .any(|(w, _, _)| designation.contains(w.as_str()))
    {
        return None;
    }
    let mut problems = Vec::new();
    let term = parse_term(regime, term, ParseOptions::new(), &mut problems);
    let term_like = matches!(
        term,
        Term::Duration(_) | Term::Date(_) | Term::Indefinite(_)
    );
    term_like.then(|| LineKind::NonSecretStar {
        designation: designation.to_string(),
        listed: false,
        raw,
        span,
    })
}

/// A CJK ideograph (the unified block and its extensions).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{3134F}')
}

fn push_form_problems(
    problems: &mut Vec<Problem>,
    form: LevelForm,
    spaced: bool,
    opts: ParseOptions,
) {
    match form {
        LevelForm::Exact => {}
        LevelForm::Suffixed => problems.push(Problem::LevelSuffix),
        LevelForm::Traditional => problems.push(Problem::TraditionalLevel),
        LevelForm::Misspelt => problems.push(Problem::MisspeltLevel),
    }
    if spaced && !opts.extracted && !opts.legacy {
        problems.push(Problem::Spacing);
    }
}

fn finish_mark(
    regime: &Regime,
    level: usize,
    term: Term,
    raw: String,
    span: Range<usize>,
    mut problems: Vec<Problem>,
) -> Mark {
    problems.sort();
    problems.dedup();
    let mut mark = Mark {
        level,
        term,
        raw,
        span,
        problems,
        fix: None,
        legacy_bare: false,
    };
    if !mark.problems.is_empty() && mark.problems.iter().all(|p| p.is_fixable()) {
        let fixed = mark.canonical(regime);
        // Offered only when it reads back as a clean mark of the same level and term:
        // a term that is itself a star (`绝密★（★`) makes a rating, not a mark.
        let clean = |text: &str| match parse_clean(regime, text, ParseOptions::new()) {
            Some(LineInfo {
                kind: LineKind::Banner(m),
                ..
            }) => m.problems.is_empty() && m.level == mark.level && m.term == mark.term,
            _ => false,
        };
        if fixed != mark.raw && clean(&fixed) {
            mark.fix = Some(fixed);
        }
    }
    mark
}

/// A level word, possibly with spaces between its characters (`机　密`).
/// Returns (level, form, byte length consumed, whether spaces were inside).
fn level_prefix_spaced(regime: &Regime, s: &str) -> Option<(usize, LevelForm, usize, bool)> {
    if let Some((level, form, len)) = regime.level_prefix(s) {
        return Some((level, form, len, false));
    }
    // Collapse spaces between the first few characters and try again.
    let mut collapsed = String::new();
    let mut spaced = false;
    for (i, c) in s.char_indices() {
        if is_space(c) {
            if collapsed.is_empty() {
                return None;
            }
            spaced = true;
            continue;
        }
        if collapsed.chars().count() >= 3 {
            break;
        }
        collapsed.push(c);
        let consumed = i + c.len_utf8();
        if let Some((level, form, len)) = regime.level_prefix(&collapsed)
            && len == collapsed.len()
            && spaced
        {
            // Prefer the longer form (`机 密 级`) when it follows.
            let rest = &s[consumed..];
            let rest_t = rest.trim_start_matches(is_space);
            if form == LevelForm::Exact && rest_t.starts_with('级') {
                let after = consumed + (rest.len() - rest_t.len()) + '级'.len_utf8();
                return Some((level, LevelForm::Suffixed, after, true));
            }
            return Some((level, form, consumed, true));
        }
    }
    None
}

fn strip_brackets(s: &str) -> &str {
    let mut chars = s.chars();
    if let (Some(first), Some(last)) = (chars.next(), s.chars().next_back())
        && closing_bracket(first) == Some(last)
        && s.len() > first.len_utf8() + last.len_utf8()
    {
        return &s[first.len_utf8()..s.len() - last.len_utf8()];
    }
    s
}

static DURATION_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    // A decimal (`0.5年`) begins like a duration too: it is a bad term, not a 解密条件.
    Regex::new(r"^[0-9０-９〇○零一二三四五六七八九十百两壹贰貳叁參肆伍陆陸柒捌玖拾佰]+(?:[.．][0-9０-９]+)?\s*(年|个月|個月|月|日|天)").unwrap()
});
static ATTACHMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*(?:[：:].*)?$").unwrap()
});
static CLEAN_YEARS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]+)年(?:([0-9]+)个月)?$").unwrap());
static CLEAN_MONTHS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]+)(?:个月|月)$").unwrap());
static CLEAN_DAYS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^([0-9]+)(?:日|天)$").unwrap());
static YEARS_MONTHS_LOOSE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{1,3})年([0-9]+)(?:個月|月)$").unwrap());
static DECLASS_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})年([0-9]{1,2})月(?:([0-9]{1,2})日)?(前)?$").unwrap());
static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$").unwrap());
static CN_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9〇○零一二三四五六七八九]{4})年([0-9一二三四五六七八九十]{1,3})月([0-9一二三四五六七八九十]{1,3})日$")
        .unwrap()
});
static DECLASSIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?:已)?解密|(?:已)?解密(?:日期|时间)?[：:](?P<a>.+)|(?:已?于)?(?P<b>[^解已于]+?)(?:已)?解密|已解密[（(](?P<c>.+)[)）])$",
    )
    .unwrap()
});
static CHANGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:已)?变更(?:为|后)?[：:]?\s*(?P<m>.+)$").unwrap());

/// Parse a term written on its own (front matter `保密期限: 5年`).
pub fn parse_term_text(regime: &Regime, s: &str) -> (Term, Vec<Problem>) {
    let mut problems = Vec::new();
    let term = parse_term(regime, s, ParseOptions::new(), &mut problems);
    (term, problems)
}

/// Does `s` begin like a duration: digits of any width or Chinese numerals, then a unit?
pub fn begins_like_duration(s: &str) -> bool {
    DURATION_LIKE.is_match(s)
}

/// Parse the text after the star, recording problems of form.
fn parse_term(regime: &Regime, src: &str, opts: ParseOptions, problems: &mut Vec<Problem>) -> Term {
    let t = trim(src);
    if t.is_empty() {
        return Term::None;
    }
    let mut t = t.to_string();
    let first = t.chars().next().unwrap_or(' ');
    if let Some(close) = closing_bracket(first) {
        problems.push(Problem::BracketedTerm);
        t = t[first.len_utf8()..].to_string();
        if let Some(stripped) = t.strip_suffix(close) {
            t = stripped.to_string();
        }
        t = trim(&t).to_string();
    }
    let nospace: String = t.chars().filter(|c| !is_space(*c)).collect();
    if begins_like_duration(&nospace) || ISO_DATE.is_match(&nospace) {
        if nospace != t && !opts.extracted {
            problems.push(Problem::Spacing);
        }
        return parse_duration_or_date(&nospace, problems);
    }
    if regime.indefinite.contains(&t) {
        return Term::Indefinite(t);
    }
    if let Some(rest) = t.strip_prefix("解密条件") {
        let cond = trim(rest.trim_start_matches([':', '：']));
        if cond.is_empty() {
            problems.push(Problem::BadTerm);
        }
        return Term::Condition(t.clone());
    }
    Term::Condition(t)
}

fn parse_duration_or_date(t: &str, problems: &mut Vec<Problem>) -> Term {
    let mut s = String::with_capacity(t.len());
    let mut full_width = false;
    for c in t.chars() {
        match c {
            '０'..='９' => {
                full_width = true;
                s.push(char::from(b'0' + (c as u32 - '０' as u32) as u8));
            }
            '個' => s.push('个'),
            _ => s.push(c),
        }
    }
    if full_width {
        problems.push(Problem::FullWidthDigits);
    }
    if s.chars().any(is_cn_digit) {
        match cn_numerals_to_arabic(&s) {
            Some(converted) => {
                problems.push(Problem::ChineseNumerals);
                s = converted;
            }
            None => {
                problems.push(Problem::BadTerm);
                return Term::Condition(t.to_string());
            }
        }
    }
    if let Some(term) = clean_term(&s) {
        return term;
    }
    // `10年年`: a doubled unit.
    let mut dedup = String::with_capacity(s.len());
    let mut prev = None;
    for c in s.chars() {
        if matches!(c, '年' | '月' | '日' | '天') && prev == Some(c) {
            continue;
        }
        dedup.push(c);
        prev = Some(c);
    }
    if dedup != s
        && let Some(term) = clean_term(&dedup)
    {
        problems.push(Problem::DoubledUnit);
        return term;
    }
    // `1年6月`: months after years written without 个.
    if let Some(c) = YEARS_MONTHS_LOOSE.captures(&s) {
        let years = c[1].parse().unwrap_or(0);
        let months = c[2].parse().unwrap_or(0);
        problems.push(Problem::BadTerm);
        return Term::Duration(Duration {
            years,
            months,
            days: 0,
        });
    }
    if s.len() >= 5 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s[4..].starts_with('年')
        || ISO_DATE.is_match(&s)
    {
        problems.push(Problem::BadDate);
    } else {
        problems.push(Problem::BadTerm);
    }
    Term::Condition(t.to_string())
}

/// A clean duration or 解密时间 in Arabic digits.
fn clean_term(s: &str) -> Option<Term> {
    let num = |m: Option<regex::Match>| m.map_or(Some(0), |m| m.as_str().parse::<u32>().ok());
    if let Some(c) = DECLASS_DATE.captures(s) {
        let year: i16 = c[1].parse().ok()?;
        let month: i8 = c[2].parse().ok()?;
        let (day, precision) = match (c.get(3), c.get(4).is_some()) {
            (Some(d), _) => (d.as_str().parse::<i8>().ok()?, DatePrecision::Day),
            (None, true) => (1, DatePrecision::MonthBefore),
            (None, false) => (1, DatePrecision::Month),
        };
        let date = Date::new(year, month, day).ok()?;
        return Some(Term::Date(DeclassDate { date, precision }));
    }
    if let Some(c) = ISO_DATE.captures(s) {
        let date = Date::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?).ok()?;
        return Some(Term::Date(DeclassDate {
            date,
            precision: DatePrecision::Day,
        }));
    }
    if let Some(c) = CLEAN_YEARS.captures(s) {
        return Some(Term::Duration(Duration {
            years: num(c.get(1))?,
            months: num(c.get(2))?,
            days: 0,
        }));
    }
    if let Some(c) = CLEAN_MONTHS.captures(s) {
        return Some(Term::Duration(Duration {
            years: 0,
            months: num(c.get(1))?,
            days: 0,
        }));
    }
    if let Some(c) = CLEAN_DAYS.captures(s) {
        return Some(Term::Duration(Duration {
            years: 0,
            months: 0,
            days: num(c.get(1))?,
        }));
    }
    None
}

fn is_cn_digit(c: char) -> bool {
    matches!(
        c,
        '〇' | '○'
            | '零'
            | '一'
            | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '百'
            | '两'
            | '壹'
            | '贰'
            | '貳'
            | '叁'
            | '參'
            | '肆'
            | '伍'
            | '陆'
            | '陸'
            | '柒'
            | '捌'
            | '玖'
            | '拾'
            | '佰'
    )
}

fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '零' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' | '貳' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// A Chinese numeral: positional (`二〇四〇`) or with 十/百 (`二十`, `十五`, `一百`).
pub fn cn_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    if !s.contains(['十', '百', '拾', '佰']) {
        let mut n: u32 = 0;
        for c in s.chars() {
            n = n.checked_mul(10)?.checked_add(cn_digit(c)?)?;
        }
        return Some(n);
    }
    let mut total = 0u32;
    let mut current: Option<u32> = None;
    for c in s.chars() {
        match c {
            '百' | '佰' => {
                total += current.unwrap_or(1) * 100;
                current = None;
            }
            '十' | '拾' => {
                total += current.unwrap_or(1) * 10;
                current = None;
            }
            _ => {
                let d = cn_digit(c)?;
                if current.is_some() && d != 0 {
                    return None;
                }
                current = Some(d);
            }
        }
    }
    Some(total + current.unwrap_or(0))
}

/// Replace every run of Chinese numerals by Arabic digits.
fn cn_numerals_to_arabic(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    for c in s.chars().chain(std::iter::once('\0')) {
        if is_cn_digit(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            out.push_str(&cn_number(&run)?.to_string());
            run.clear();
        }
        if c != '\0' {
            out.push(c);
        }
    }
    Some(out)
}

/// A date standing alone: `2020年3月5日`, `二〇二〇年三月五日`, `2020-03-05`,
/// `2020 年 3 月 5 日` (spaces from PDF layout or typesetting).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = trim(s);
    if s.len() < 8 || s.len() > 60 {
        return None;
    }
    let first = s.chars().next()?;
    if !(first.is_ascii_digit() || is_cn_digit(first)) {
        return None;
    }
    // `ISO_DATE` ends in a digit, `CN_DATE` in 日 (and `s` ends in no space).
    if !s.ends_with(|c: char| c == '日' || c.is_ascii_digit()) {
        return None;
    }
    let compact: String = s.chars().filter(|c| !is_space(*c)).collect();
    if let Some(c) = ISO_DATE.captures(&compact) {
        return Date::new(c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?).ok();
    }
    let c = CN_DATE.captures(&compact)?;
    let part = |m: &str| -> Option<i64> {
        if m.chars().all(|c| c.is_ascii_digit()) {
            m.parse().ok()
        } else {
            cn_number(m).map(i64::from)
        }
    };
    let year = i16::try_from(part(&c[1])?).ok()?;
    let month = i8::try_from(part(&c[2])?).ok()?;
    let day = i8::try_from(part(&c[3])?).ok()?;
    Date::new(year, month, day).ok()
}

fn public_declaration(regime: &Regime, s: &str) -> Option<String> {
    let s = s
        .strip_prefix("附注")
        .map(|r| trim(r.trim_start_matches([':', '：'])))
        .unwrap_or(s);
    if let Some(d) = regime.public_declarations.iter().find(|d| d.as_str() == s) {
        return Some(d.clone());
    }
    let p = &regime.publication;
    let publishes = |text: &str| {
        p.publishes.iter().any(|w| text.contains(w.as_str()))
            && !p.withholds.iter().any(|w| text.contains(w.as_str()))
    };
    // `（此件可公开发布）`: a short note about this document that publishes it.
    let inner = strip_brackets(s);
    if inner.chars().count() <= 24
        && !has_prose_punctuation(inner)
        && p.subjects.iter().any(|w| inner.starts_with(w.as_str()))
        && publishes(inner)
    {
        return Some(s.to_string());
    }
    // `公开方式：主动公开`: a 版记 label whose value publishes.
    let n = label_prefix(&p.labels, s)?;
    let value = trim(&s[n..]).trim_end_matches(['。', '；', ';']);
    (p.values.iter().any(|v| v == value) && publishes(value)).then(|| s.to_string())
}

fn copy_number_prefix(regime: &Regime, s: &str) -> Option<usize> {
    let n = regime.copy_number_len;
    let b = s.as_bytes();
    if b.len() >= n && b[..n].iter().all(u8::is_ascii_digit) {
        let rest = &s[n..];
        if rest.is_empty() {
            return Some(n);
        }
        let t = rest.trim_start_matches(is_space);
        if t.len() < rest.len() {
            return Some(s.len() - t.len());
        }
    }
    None
}

fn copy_number_suffix(regime: &Regime, s: &str) -> Option<usize> {
    let n = regime.copy_number_len;
    let b = s.as_bytes();
    if b.len() > n && b[b.len() - n..].iter().all(u8::is_ascii_digit) {
        let rest = &s[..s.len() - n];
        let t = rest.trim_end_matches(is_space);
        if t.len() < rest.len() {
            return Some(s.len() - t.len());
        }
    }
    None
}

/// A word at the start, followed by a space or the end of the line.
fn word_prefix(words: &[String], s: &str) -> Option<(String, usize)> {
    for w in words {
        if let Some(rest) = s.strip_prefix(w.as_str()) {
            if rest.is_empty() {
                return Some((w.clone(), s.len()));
            }
            let t = rest.trim_start_matches(is_space);
            if t.len() < rest.len() {
                return Some((w.clone(), s.len() - t.len()));
            }
        }
    }
    None
}

fn word_suffix(words: &[String], s: &str) -> Option<(String, usize)> {
    for w in words {
        if let Some(rest) = s.strip_suffix(w.as_str()) {
            let t = rest.trim_end_matches(is_space);
            if t.len() < rest.len() {
                return Some((w.clone(), s.len() - t.len()));
            }
        }
    }
    None
}

/// `密级：` / `密级:` at the start; returns the bytes to skip.
fn label_prefix(labels: &[String], s: &str) -> Option<usize> {
    for l in labels {
        if let Some(rest) = s.strip_prefix(l.as_str()) {
            let rest_t = rest.trim_start_matches(is_space);
            if let Some(after) = rest_t.strip_prefix(['：', ':']) {
                let after_t = after.trim_start_matches(is_space);
                return Some(s.len() - after_t.len());
            }
        }
    }
    None
}

/// The value of a `密级：` label without a star: a level word (and maybe a term label).
fn label_value(regime: &Regime, value: &str, offset: usize) -> Option<LineKind> {
    let (head, tail) = match value.find(is_space) {
        Some(i) => (&value[..i], trim(&value[i..])),
        None => (value, ""),
    };
    let level = regime.level_named(head)?;
    let term = if tail.is_empty() {
        None
    } else {
        match term_label(regime, tail, 0) {
            Some(LineKind::Label { term, .. }) => term,
            _ => return None,
        }
    };
    Some(LineKind::Label {
        level: Some(level),
        term,
        raw: value.to_string(),
        span: offset..offset + value.len(),
    })
}

/// `保密期限：5年`.
fn term_label(regime: &Regime, s: &str, offset: usize) -> Option<LineKind> {
    let key = regime.term_labels.first()?;
    let n = label_prefix(std::slice::from_ref(key), s)?;
    let mut problems = Vec::new();
    let term = parse_term(regime, &s[n..], ParseOptions::new(), &mut problems);
    if term == Term::None || !problems.is_empty() {
        return None;
    }
    Some(LineKind::Label {
        level: None,
        term: Some(term),
        raw: s.to_string(),
        span: offset..offset + s.len(),
    })
}

fn declassification(s: &str) -> Option<LineKind> {
    if !s.contains("解密") {
        return None;
    }
    let c = DECLASSIFIED.captures(s)?;
    let date_text = c.name("a").or(c.name("b")).or(c.name("c"));
    let date = match date_text {
        Some(m) => Some(parse_date(m.as_str())?),
        None => None,
    };
    Some(LineKind::Declassified { date })
}

fn change_mark(regime: &Regime, s: &str, offset: usize, opts: ParseOptions) -> Option<LineKind> {
    let c = CHANGE.captures(s)?;
    let m = c.name("m")?;
    let inner = &s[m.start()..];
    let star_at = inner.find(regime.star)?;
    match star_line(regime, inner, offset + m.start(), star_at, opts)? {
        LineKind::Banner(mark) => Some(LineKind::Change(mark)),
        _ => None,
    }
}

/// A line without the real star that is nothing but a level-like word, an optional
/// separator and an optional duration-like term.
fn candidate(regime: &Regime, core: &str, offset: usize, opts: ParseOptions) -> Option<LineKind> {
    if !at_most_chars(core, opts.max_candidate_chars) {
        return None;
    }
    let (level, form, len, spaced) = level_prefix_spaced(regime, core)?;
    let rest = &core[len..];
    let rest_t = trim(rest);
    let span = offset..offset + core.len();
    let raw = core.to_string();
    let mut problems = Vec::new();
    if rest_t.is_empty() {
        if opts.legacy && matches!(form, LevelForm::Exact) {
            // GB/T 9704-1999: `机　密` alone at the top right was the lawful form.
            let mut mark = finish_mark(regime, level, Term::None, raw, span, problems);
            mark.legacy_bare = true;
            return Some(LineKind::Banner(mark));
        }
        problems.push(Problem::MissingStar);
        push_form_problems(&mut problems, form, spaced, opts);
        let mut mark = finish_mark(regime, level, Term::None, raw, span, problems);
        // Adding a star alone would only make a defective `机密★`: offer no fix.
        mark.fix = None;
        return Some(LineKind::Candidate(mark));
    }
    let first = rest_t.chars().next()?;
    let term_src = if regime.is_wrong_star(first) {
        problems.push(Problem::WrongStar);
        let after = &rest_t[first.len_utf8()..];
        if after.starts_with(|c| regime.is_wrong_star(c) || c == regime.star) {
            return None;
        }
        after
    } else {
        let inner = match closing_bracket(first) {
            Some(_) => &rest_t[first.len_utf8()..],
            None => rest_t,
        };
        if !begins_like_duration(trim(inner)) {
            return None;
        }
        problems.push(Problem::MissingStar);
        rest_t
    };
    push_form_problems(&mut problems, form, spaced, opts);
    let term = parse_term(regime, term_src, opts, &mut problems);
    Some(LineKind::Candidate(finish_mark(
        regime, level, term, raw, span, problems,
    )))
}

#[cfg(test)]
mod tests;
