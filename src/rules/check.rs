//! Running rules: one function per rule kind, over a `Scan` of one document. Checks
//! never print and never touch the file system; they return diagnostics.

use jiff::civil::Date;

use super::compile::{Kind, Rule, Scope};
use super::schema::Text;
use crate::diagnostic::{Diagnostic, Lang, MarkInfo, Severity, Snippet, shared};
use crate::extract::{Document, ExtractError, Gap, Role};
use crate::marking::{Duration, Mark, Term, term_text};
use crate::regime::Regime;
use crate::scan::{DateSource, FoundMark, Position, Scan, position, visit_lines};
use crate::term;

/// A configured sensitive keyword (密点, project code name), compiled.
#[derive(Debug, Clone)]
pub struct Keyword {
    pub pattern: String,
    pub regex: regex::Regex,
    /// The level the keyword implies, if configured.
    pub level: Option<usize>,
}

/// Where a keyword occurs in a document.
pub struct KeywordHit<'k> {
    pub keyword: &'k Keyword,
    /// The text matched (the keyword itself, or what a regex keyword matched).
    pub text: String,
    pub pos: Position,
}

/// What a check needs beyond the document.
pub struct CheckContext<'a> {
    /// Config `keywords`.
    pub keywords: &'a [Keyword],
    /// Config `term-start: 印发日期`: terms run from the 版记's 印发日期.
    pub term_start_printed: bool,
    /// Config `authority`: the issuing authority's 定密权限 (ML205).
    pub authority: Option<&'a crate::regime::Authority>,
    /// The path matches config `publish-paths`: review before publication.
    pub publish_path: bool,
    pub regime: &'a Regime,
    pub today: Date,
    pub expiring_within_days: i64,
    pub lang: Lang,
    /// The path matches config `public-paths`.
    pub public_path: bool,
    /// The path matches config `classified-paths`: it must carry a mark.
    pub classified_path: bool,
    /// `--no-snippets` unset: messages may quote the document. Set, they carry a mark
    /// only in its canonical form and no other document text (reports travel through
    /// CI logs).
    pub snippets: bool,
}

impl Text {
    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Fill `{name}` placeholders. Values are document text: characters that render as
/// nothing are shown by their code point, so a message can say what is wrong.
pub fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), &crate::normalize::visible(v));
    }
    out
}

struct Out<'a> {
    ctx: &'a CheckContext<'a>,
    rule: &'a Rule,
    path: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    hits: &'a [KeywordHit<'a>],
    /// Findings of this rule listed so far, and those beyond the cap.
    listed: usize,
    omitted: usize,
}

/// Findings listed per file and rule: a file full of marks must not take the machine's
/// memory; the rest are counted in one last finding.
pub const MAX_FINDINGS_PER_RULE: usize = 100;

/// The finding that stands for `omitted` findings of `rule` not listed in `path`, at
/// the place of the last one listed (`last`).
pub fn omitted_finding(
    rule: &Rule,
    lang: Lang,
    path: &str,
    last: Option<&Diagnostic>,
    omitted: usize,
) -> Diagnostic {
    let message = match lang {
        Lang::Zh => format!(
            "本文件中另有{omitted}处同类问题未逐一列出（每个文件每条规则最多列出{MAX_FINDINGS_PER_RULE}处）"
        ),
        Lang::En => format!(
            "{omitted} more finding(s) of this rule in this file are not listed (at most {MAX_FINDINGS_PER_RULE} per file and rule)"
        ),
    };
    Diagnostic {
        code: shared(&rule.code),
        name: shared(&rule.name),
        severity: rule.severity,
        path: path.to_string(),
        line: last.map_or(1, |d| d.line),
        column: last.map_or(1, |d| d.column),
        part: last.and_then(|d| d.part.clone()),
        message,
        help: None,
        article: shared(rule.article.as_ref().map_or("", |a| a.number.as_str())),
        law: shared(rule.article.as_ref().map_or("", |a| a.law.as_str())),
        article_text: shared(rule.article.as_ref().map_or("", |a| a.text.as_str())),
        mark: None,
        fix: None,
        fix_quotes_text: false,
        snippet: None,
        omitted: Some(omitted),
    }
}

/// Cap the findings of one file made outside the rule loop (ML900 gaps, ML901): at
/// most `MAX_FINDINGS_PER_RULE` per rule, then one finding with the count. Keeps order.
pub fn cap_per_rule(diags: &mut Vec<Diagnostic>, rules: &[Rule], lang: Lang, path: &str) {
    let mut seen: std::collections::BTreeMap<crate::diagnostic::Shared, usize> = Default::default();
    diags.retain(|d| {
        let n = seen.entry(d.code.clone()).or_default();
        *n += 1;
        *n <= MAX_FINDINGS_PER_RULE
    });
    for (code, n) in seen {
        if n > MAX_FINDINGS_PER_RULE
            && let Some(rule) = rules.iter().find(|r| *r.code == *code)
        {
            let last = diags.iter().rev().find(|d| d.code == code).cloned();
            let omitted = n - MAX_FINDINGS_PER_RULE;
            diags.push(omitted_finding(rule, lang, path, last.as_ref(), omitted));
        }
    }
}

impl Out<'_> {
    fn emit(
        &mut self,
        pos: Option<&Position>,
        template: &Text,
        vars: &[(&str, String)],
        severity: Severity,
        mark: Option<&Mark>,
        fix: Option<String>,
    ) {
        if self.listed >= MAX_FINDINGS_PER_RULE {
            self.omitted += 1;
            return;
        }
        self.listed += 1;
        let lang = self.ctx.lang;
        let regime = self.ctx.regime;
        let vars = self.shown(vars);
        let vars = vars.as_ref();
        self.diags.push(Diagnostic {
            code: shared(&self.rule.code),
            name: shared(&self.rule.name),
            severity,
            path: self.path.to_string(),
            line: pos.map_or(1, |p| p.line),
            column: pos.map_or(1, |p| p.column),
            part: pos.and_then(|p| p.part.clone()),
            message: render(template.pick(lang), vars),
            help: self.rule.help.as_ref().map(|h| {
                let template = h.pick(lang);
                let text = render(template, vars);
                if text == template {
                    shared(template)
                } else {
                    text.into()
                }
            }),
            article: shared(self.rule.article.as_ref().map_or("", |a| a.number.as_str())),
            law: shared(self.rule.article.as_ref().map_or("", |a| a.law.as_str())),
            article_text: shared(self.rule.article.as_ref().map_or("", |a| a.text.as_str())),
            mark: mark.map(|m| MarkInfo {
                level: regime.levels[m.level].name.clone(),
                term: if self.ctx.snippets {
                    m.term_text()
                } else {
                    m.redacted_term()
                },
                raw: if self.ctx.snippets {
                    m.raw.clone()
                } else {
                    m.redacted(regime)
                },
            }),
            fix_quotes_text: fix.is_some()
                && mark.is_some_and(|m| matches!(m.term, Term::Condition(_))),
            fix,
            snippet: pos.map(|p| Snippet {
                text: p.snippet.clone(),
                col: p.snippet_col,
                width: p.width,
            }),
            omitted: None,
        });
    }

    /// A finding with the rule's own message and severity.
    fn finding(
        &mut self,
        pos: Option<&Position>,
        vars: &[(&str, String)],
        mark: Option<&Mark>,
        fix: Option<String>,
    ) {
        let message = self.rule.message.clone();
        self.emit(pos, &message, vars, self.rule.severity, mark, fix);
    }

    /// A finding at a mark, whose only placeholder is the mark as written.
    fn at_mark(&mut self, found: &FoundMark) {
        self.finding(
            Some(&found.pos),
            &[("raw", found.mark.raw.clone())],
            Some(&found.mark),
            None,
        );
    }

    /// Message variables as the report may show them: with `--no-snippets`, document
    /// text is redacted. A suppression directive is the tool's own syntax (its reason
    /// is already left out), not document text.
    fn shown<'v>(
        &self,
        vars: &'v [(&'v str, String)],
    ) -> std::borrow::Cow<'v, [(&'v str, String)]> {
        if self.ctx.snippets || matches!(self.rule.kind, Kind::BadSuppression) {
            return std::borrow::Cow::Borrowed(vars);
        }
        let regime = self.ctx.regime;
        vars.iter()
            .map(|(k, v)| (*k, redact(regime, k, v)))
            .collect()
    }

    /// A phrase of the rule filled with `vars` (redacted like a message).
    fn render_phrase(&self, key: &str, vars: &[(&str, String)]) -> String {
        render(self.phrase(key).pick(self.ctx.lang), &self.shown(vars))
    }

    fn phrase(&self, key: &str) -> &Text {
        // Compile-time validation guarantees every phrase a kind asks for exists.
        &self.rule.phrases[key]
    }
}

/// Run `rules` (already filtered and with effective severities) over one document.
pub fn check_document(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &str,
    file_name: &str,
    doc: &Document,
    scan: &Scan,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let hits = keyword_hits(ctx.regime, doc, ctx.keywords);
    for rule in rules {
        let mut out = Out {
            ctx,
            rule,
            path,
            diags: &mut diags,
            hits: &hits,
            listed: 0,
            omitted: 0,
        };
        match &rule.kind {
            Kind::MalformedMark { .. } => malformed_mark(&mut out, scan),
            Kind::MisplacedMark => misplaced_mark(&mut out, scan),
            Kind::ConflictingMarks => conflicting_marks(&mut out, scan),
            Kind::NonSecretStar => non_secret_star(&mut out, scan),
            Kind::PublicButMarked => public_but_marked(&mut out, scan),
            Kind::TermExceedsLimit => term_exceeds_limit(&mut out, scan),
            Kind::MissingTerm => missing_term(&mut out, scan),
            Kind::IndefiniteTerm => indefinite_term(&mut out, scan),
            Kind::TermExpired | Kind::TermExpiring | Kind::UndatedMark => {
                expiry(&mut out, scan, &rule.kind)
            }
            Kind::TermUnit => term_unit(&mut out, scan),
            Kind::HiddenMark => hidden_mark(&mut out, scan),
            Kind::MissingMark => missing_mark(&mut out, scan),
            Kind::MarkBelowContent => mark_below_content(&mut out, scan),
            Kind::MissingCopyNumber => missing_copy_number(&mut out, scan),
            Kind::SensitiveKeyword => sensitive_keyword(&mut out, scan),
            Kind::MissingDistribution => missing_distribution(&mut out, scan),
            // Decided across the tree, after every document is checked.
            Kind::TopSecretCopy => {}
            Kind::AuthorityHint => authority_hint(&mut out, scan),
            Kind::PublishReview => publish_review(&mut out, scan),
            Kind::UnclassifiedSystem => unclassified_system(&mut out, scan),
            Kind::Pattern { regex, scope } => pattern(&mut out, doc, file_name, regex, *scope),
            Kind::UnreadableFile | Kind::BadSuppression => {}
        }
        if out.omitted > 0 {
            let omitted = out.omitted;
            let last = diags.iter().rev().find(|d| *d.code == *rule.code).cloned();
            diags.push(omitted_finding(
                rule,
                ctx.lang,
                path,
                last.as_ref(),
                omitted,
            ));
        }
    }
    diags
}

/// A finding decided across the tree (ML302), at a mark of one document.
pub fn tree_finding(
    rule: &Rule,
    ctx: &CheckContext,
    path: &str,
    pos: &Position,
    mark: &Mark,
    vars: &[(&str, String)],
) -> Diagnostic {
    one_finding(rule, ctx, path, |out| {
        out.finding(Some(pos), vars, Some(mark), None)
    })
}

/// Message variables that quote the document.
const DOCUMENT_TEXT: [&str; 7] = [
    "raw",
    "other_raw",
    "designation",
    "declaration",
    "inner",
    "match",
    "term",
];

/// A message variable as `--no-snippets` shows it: a mark in its canonical form (level,
/// star, term), the regime's own words as they are, any other document text as `…`.
fn redact(regime: &Regime, key: &str, value: &str) -> String {
    if !DOCUMENT_TEXT.contains(&key) {
        return value.to_string();
    }
    let vocabulary = regime
        .non_secret
        .iter()
        .chain(&regime.public_declarations)
        .chain(regime.level_words.iter().map(|(w, _, _)| w));
    if vocabulary.into_iter().any(|w| w == value) {
        return value.to_string();
    }
    use crate::marking::LineKind;
    if key == "term" {
        return match crate::marking::parse_term_text(regime, value).0 {
            Term::Condition(_) => "…".to_string(),
            _ => value.to_string(),
        };
    }
    match crate::marking::parse_line(regime, value, crate::marking::ParseOptions::new()) {
        Some(info) => match info.kind {
            LineKind::Banner(m) | LineKind::Candidate(m) | LineKind::Change(m) => {
                m.redacted(regime)
            }
            LineKind::Label {
                level: Some(level),
                term,
                ..
            } => format!(
                "{}{}",
                regime.levels[level].name,
                term.filter(|t| !matches!(t, Term::Condition(_)))
                    .map(|t| format!(" {}", term_text(&t)))
                    .unwrap_or_default()
            ),
            LineKind::Portion { level, .. } => format!("（{}）", regime.levels[level].name),
            _ => "…".to_string(),
        },
        None => "…".to_string(),
    }
}

/// The one finding `emit` makes, outside the per-document loop.
fn one_finding(
    rule: &Rule,
    ctx: &CheckContext,
    path: &str,
    emit: impl FnOnce(&mut Out),
) -> Diagnostic {
    let mut diags = Vec::new();
    let mut out = Out {
        ctx,
        rule,
        path,
        diags: &mut diags,
        hits: &[],
        listed: 0,
        omitted: 0,
    };
    emit(&mut out);
    diags.remove(0)
}

/// The ML901 finding for a suppression directive that is wrong or hides nothing.
pub fn bad_suppression(
    rule: &Rule,
    ctx: &CheckContext,
    path: &str,
    bad: &crate::suppress::Bad,
) -> Diagnostic {
    let at = &bad.at;
    // The directive without its reason: the reason is document text, and reports
    // travel through CI logs.
    let written: String = at.text.chars().skip(at.col).take(at.width).collect();
    let raw = match written.split_once(" -- ") {
        Some((head, _)) if written.starts_with("<!--") => format!("{} -->", head.trim_end()),
        Some((head, _)) => head.trim_end().to_string(),
        None => written,
    };
    let code = bad.code.clone().unwrap_or_default();
    let problem = render(
        rule.phrases[bad.problem.key()].pick(ctx.lang),
        &[("code", code.clone())],
    );
    let pos = Position {
        part: None,
        line: at.line,
        column: at.column,
        snippet: at.text.clone(),
        snippet_col: at.col,
        width: at.width,
    };
    one_finding(rule, ctx, path, |out| {
        let vars = [("raw", raw), ("code", code), ("problem", problem)];
        out.finding(Some(&pos), &vars, None, None)
    })
}

/// The ML900 finding for a file that could not be inspected.
pub fn unreadable(rule: &Rule, ctx: &CheckContext, path: &str, err: &ExtractError) -> Diagnostic {
    let (key, detail) = err.phrase();
    let reason = render(
        rule.phrases[key].pick(ctx.lang),
        &[("detail", detail.clone())],
    );
    one_finding(rule, ctx, path, |out| {
        let vars = [("reason", reason), ("detail", detail)];
        out.emit(None, &rule.message, &vars, rule.severity, None, None)
    })
}

/// The ML900 finding for what could not be read inside a document that was otherwise
/// read (an undecodable span, a part beyond a bound): at its part and line.
pub fn unread_gap(rule: &Rule, ctx: &CheckContext, path: &str, gap: &Gap) -> Diagnostic {
    let mut d = unreadable(rule, ctx, path, &gap.error);
    d.part = gap.part.clone();
    d.line = gap.line.max(1);
    d
}

fn max_text(regime: &Regime, level: usize) -> String {
    format!("{}年", regime.levels[level].max_years)
}

/// A date in a sentence: `2027年1月15日` in Chinese, ISO in English (tables, CSV and
/// JSON keep ISO in every language).
pub fn date_text(date: Date, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.to_string(),
    }
}

/// Every mark whose term deserves a look: banners with a star, and candidates.
fn term_marks(scan: &Scan) -> impl Iterator<Item = &FoundMark> {
    scan.banners
        .iter()
        .chain(scan.candidates.iter())
        .chain(scan.changes.iter())
}

/// The ML001 phrase for an indefinite word no rule provides for (`永久`).
pub const INDEFINITE_WORD: &str = "indefinite-word";
/// The ML001 phrase for a bare level with neither star nor term (`机密`): both are
/// missing, not only the star.
pub const NO_TERM: &str = "no-term";

fn malformed_mark(out: &mut Out, scan: &Scan) {
    let lang = out.ctx.lang;
    for found in scan
        .banners
        .iter()
        .chain(&scan.candidates)
        .chain(&scan.changes)
    {
        let m = &found.mark;
        // `永久`, `无限期`: indefinite words no rule provides for (where the 保密事项范围
        // provides an indefinite term, the word is 长期).
        let unlawful_word = matches!(&m.term, Term::Indefinite(w)
            if out.ctx.regime.unlawful_indefinite.contains(w));
        if m.problems.is_empty() && !unlawful_word {
            continue;
        }
        let sep = match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        };
        let no_term = m.term == Term::None
            && !m.legacy_bare
            && m.problems.contains(&crate::marking::Problem::MissingStar);
        let problem = m
            .problems
            .iter()
            .map(|p| p.key())
            .chain(unlawful_word.then_some(INDEFINITE_WORD))
            .chain(no_term.then_some(NO_TERM))
            .map(|key| out.render_phrase(key, &[("term", m.term_text())]))
            .collect::<Vec<_>>()
            .join(sep);
        let severity = if !unlawful_word && m.problems.iter().all(|p| p.is_minor()) {
            out.rule.severity.min(Severity::Warning)
        } else {
            out.rule.severity
        };
        let vars = [
            ("raw", m.raw.clone()),
            ("problem", problem),
            ("fix", m.fix.clone().unwrap_or_default()),
        ];
        let message = out.rule.message.clone();
        out.emit(
            Some(&found.pos),
            &message,
            &vars,
            severity,
            Some(m),
            m.fix.clone(),
        );
    }
}

fn misplaced_mark(out: &mut Out, scan: &Scan) {
    let zone = match out.ctx.lang {
        Lang::Zh => format!("正文前{}个非空行", out.ctx.regime.first_page_lines),
        Lang::En => format!(
            "the first {} non-blank lines",
            out.ctx.regime.first_page_lines
        ),
    };
    for found in scan.banners.iter().filter(|b| !b.in_zone && !b.attachment) {
        let vars = [("raw", found.mark.raw.clone()), ("zone", zone.clone())];
        out.finding(Some(&found.pos), &vars, Some(&found.mark), None);
    }
}

/// A place that declares a level, for ML003.
struct Source<'a> {
    name: &'static str,
    level: Option<usize>,
    term: Option<Term>,
    raw: String,
    pos: Option<&'a Position>,
}

/// The first source with a value, and the first whose value differs from it.
struct FirstTwo<T> {
    first: Option<(usize, T)>,
    other: Option<usize>,
}

impl<T> Default for FirstTwo<T> {
    fn default() -> Self {
        FirstTwo {
            first: None,
            other: None,
        }
    }
}

impl<T: PartialEq> FirstTwo<T> {
    fn see(&mut self, i: usize, v: T) {
        match &self.first {
            None => self.first = Some((i, v)),
            Some((_, f)) if self.other.is_none() && *f != v => self.other = Some(i),
            _ => {}
        }
    }

    /// The first source seen whose value differs from `v`.
    fn first_differing(&self, v: &T) -> Option<usize> {
        let (i, f) = self.first.as_ref()?;
        if f != v { Some(*i) } else { self.other }
    }
}

fn source_name(name: &str, lang: Lang) -> &'static str {
    match (name, lang) {
        ("banner", Lang::Zh) => "首页标志",
        ("banner", Lang::En) => "banner mark",
        ("label", Lang::Zh) => "首页密级字样",
        ("label", Lang::En) => "first-page label",
        ("front-matter", Lang::Zh) => "文件头元数据",
        ("front-matter", Lang::En) => "front matter",
        ("properties", Lang::Zh) => "文档属性",
        ("properties", Lang::En) => "document properties",
        (_, Lang::Zh) => "文件名",
        (_, Lang::En) => "file name",
    }
}

fn conflicting_marks(out: &mut Out, scan: &Scan) {
    let mut sources = Vec::new();
    let banner = scan
        .mark_in_force()
        .filter(|b| !b.mark.legacy_bare || b.in_zone);
    if let Some(b) = banner {
        sources.push(Source {
            name: "banner",
            level: Some(b.mark.level),
            term: (b.mark.term != Term::None).then(|| b.mark.term.clone()),
            raw: b.mark.raw.clone(),
            pos: Some(&b.pos),
        });
        // Other first-page marks (a header or footer, a template page) must agree
        // with the mark in force.
        for other in scan
            .banners
            .iter()
            .filter(|o| o.in_zone && !o.attachment && !std::ptr::eq(*o, b))
            .filter(|o| o.pos.part != b.pos.part)
        {
            sources.push(Source {
                name: "banner",
                level: Some(other.mark.level),
                term: (other.mark.term != Term::None).then(|| other.mark.term.clone()),
                raw: other.mark.raw.clone(),
                pos: Some(&other.pos),
            });
        }
    }
    for l in &scan.labels {
        sources.push(Source {
            name: "label",
            level: l.level,
            term: l.term.clone(),
            raw: l.raw.clone(),
            pos: Some(&l.pos),
        });
    }
    for d in [&scan.front.level, &scan.front.term].into_iter().flatten() {
        sources.push(Source {
            name: "front-matter",
            level: d.level,
            term: d.term.clone(),
            raw: d.raw.clone(),
            pos: d.pos.as_ref(),
        });
    }
    for d in [&scan.props.level, &scan.props.term].into_iter().flatten() {
        sources.push(Source {
            name: "properties",
            level: d.level,
            term: d.term.clone(),
            raw: d.raw.clone(),
            pos: d.pos.as_ref(),
        });
    }
    if let Some(d) = &scan.file_name {
        sources.push(Source {
            name: "file-name",
            level: d.level,
            term: d.term.clone(),
            raw: d.raw.clone(),
            pos: None,
        });
    }
    let lang = out.ctx.lang;
    let fallback = sources.iter().find_map(|s| s.pos);
    let terms: Vec<Option<String>> = sources
        .iter()
        .map(|s| s.term.as_ref().map(term_text))
        .collect();
    // Each source is compared with the first earlier one that disagrees, once. That
    // one is found without looking back over every earlier source (a document with
    // thousands of marked headers is linear, not quadratic): it is the first source
    // with any value, or the first whose value differs from that first one's.
    let mut levels = FirstTwo::default();
    let mut term_firsts = FirstTwo::default();
    for (i, a) in sources.iter().enumerate() {
        let earlier = [
            a.level.and_then(|l| levels.first_differing(&l)),
            terms[i]
                .as_ref()
                .and_then(|t| term_firsts.first_differing(t)),
        ];
        if let Some(l) = a.level {
            levels.see(i, l);
        }
        if let Some(t) = &terms[i] {
            term_firsts.see(i, t.clone());
        }
        let Some(b) = earlier.into_iter().flatten().min().map(|j| &sources[j]) else {
            continue;
        };
        let named = |s: &Source| match (s.name, s.pos.and_then(|p| p.part.as_deref()), lang) {
            // A mark in another part: a header or footer (页眉, 页脚) or a template page.
            ("banner", Some(part), Lang::Zh) => {
                let what = if part.contains("header") {
                    "页眉"
                } else if part.contains("footer") {
                    "页脚"
                } else {
                    "首页标志"
                };
                format!("{what}（{}）", crate::report::part_label(part, Lang::Zh))
            }
            ("banner", Some(part), Lang::En) => {
                format!("{} ({part})", source_name(s.name, lang))
            }
            _ => source_name(s.name, lang).to_string(),
        };
        let vars = [
            ("raw", a.raw.clone()),
            ("source", named(a)),
            ("other_raw", b.raw.clone()),
            ("other_source", named(b)),
        ];
        out.finding(a.pos.or(b.pos).or(fallback), &vars, None, None);
    }
}

fn non_secret_star(out: &mut Out, scan: &Scan) {
    for n in &scan.non_secret {
        let vars = [
            ("raw", n.raw.clone()),
            ("designation", n.designation.clone()),
        ];
        out.finding(Some(&n.pos), &vars, None, None);
    }
}

fn public_but_marked(out: &mut Out, scan: &Scan) {
    // Where the document is declared public, and the words that declare it.
    let declaration = scan
        .public
        .first()
        .map(|(_, d)| ("note", d.clone()))
        .or_else(|| (scan.front.public.as_ref()).map(|(_, d)| ("front-matter", d.clone())))
        .or_else(|| (scan.props.public.as_ref()).map(|(_, d)| ("properties", d.clone())))
        .or_else(|| {
            out.ctx
                .public_path
                .then(|| ("public-path", "public-paths".to_string()))
        });
    let Some((key, declaration)) = declaration else {
        return;
    };
    let (raw, pos, mark) = if let Some(m) = scan.mark_in_force() {
        (m.mark.raw.clone(), Some(&m.pos), Some(&m.mark))
    } else if let Some(l) = scan.labels.iter().find(|l| l.level.is_some()) {
        (l.raw.clone(), Some(&l.pos), None)
    } else if let Some(d) = scan
        .front
        .level
        .as_ref()
        .or(scan.props.level.as_ref())
        .or(scan.file_name.as_ref())
    {
        (d.raw.clone(), d.pos.as_ref(), None)
    } else {
        return;
    };
    let declared = out.render_phrase(key, &[("declaration", declaration.clone())]);
    let vars = [
        ("raw", raw),
        ("declaration", declaration),
        ("declared", declared),
    ];
    out.finding(pos, &vars, mark, None);
}

fn term_exceeds_limit(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    let start = scan.start.map(|(d, _)| d);
    for found in term_marks(scan) {
        let m = &found.mark;
        let max_years = regime.levels[m.level].max_years;
        match &m.term {
            Term::Duration(d) if term::exceeds(d, max_years, start) => {
                let vars = [
                    ("raw", m.raw.clone()),
                    ("level", regime.levels[m.level].name.clone()),
                    ("term", m.term_text()),
                    ("max", max_text(regime, m.level)),
                ];
                out.finding(Some(&found.pos), &vars, Some(m), None);
            }
            Term::Date(_) => {
                let Some(start) = start else { continue };
                let Some(limit) = term::add_duration(
                    start,
                    &Duration {
                        years: max_years,
                        months: 0,
                        days: 0,
                    },
                ) else {
                    continue;
                };
                // The item is secret through the day before D; D - 1 must not pass the limit.
                if term::last_day(&m.term, Some(start), max_years).is_some_and(|l| l > limit) {
                    let vars = [
                        ("raw", m.raw.clone()),
                        ("date", term_text(&m.term)),
                        ("start", date_text(start, out.ctx.lang)),
                        ("limit_day", date_text(limit, out.ctx.lang)),
                        ("level", regime.levels[m.level].name.clone()),
                        ("max", max_text(regime, m.level)),
                    ];
                    let text = out.phrase("date-beyond").clone();
                    out.emit(
                        Some(&found.pos),
                        &text,
                        &vars,
                        out.rule.severity,
                        Some(m),
                        None,
                    );
                }
            }
            _ => {}
        }
    }
}

fn missing_term(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    for found in scan.banners.iter().chain(&scan.changes) {
        let m = &found.mark;
        if m.term != Term::None || m.legacy_bare {
            continue;
        }
        let vars = [
            ("raw", m.raw.clone()),
            ("level", regime.levels[m.level].name.clone()),
            ("max", max_text(regime, m.level)),
        ];
        out.finding(Some(&found.pos), &vars, Some(m), None);
    }
}

/// ML103: `长期`, lawful only where the 保密事项范围 provides it. The words no rule
/// provides for (`永久`) are malformed marks (ML001).
fn indefinite_term(out: &mut Out, scan: &Scan) {
    let unlawful = &out.ctx.regime.unlawful_indefinite;
    for found in term_marks(scan) {
        let m = &found.mark;
        if let Term::Indefinite(w) = &m.term
            && !unlawful.contains(w)
        {
            let vars = [("raw", m.raw.clone()), ("term", w.clone())];
            out.finding(Some(&found.pos), &vars, Some(m), None);
        }
    }
}

/// The marks whose expiry is checked: the document's mark in force (or the newest
/// change mark) and attachment marks; none once a 解密 mark is present.
fn expiry_marks(scan: &Scan) -> Vec<&FoundMark> {
    if scan.declassified.is_some() {
        return Vec::new();
    }
    scan.term_marks()
}

fn start_source(source: DateSource, lang: Lang) -> &'static str {
    match (source, lang) {
        (DateSource::FrontMatter, Lang::Zh) => "文件头元数据中的定密日期",
        (DateSource::FrontMatter, Lang::En) => "front matter 定密日期",
        (DateSource::IssueDate, Lang::Zh) => "成文日期",
        (DateSource::IssueDate, Lang::En) => "成文日期, the issue date",
        (DateSource::Property, Lang::Zh) => "文档属性中的定密日期",
        (DateSource::Property, Lang::En) => "document property 定密日期",
        (DateSource::PrintDate, Lang::Zh) => "印发日期",
        (DateSource::PrintDate, Lang::En) => "印发日期, the printing date",
        (DateSource::Created, Lang::Zh) => "文档创建日期，未找到成文日期",
        (DateSource::Created, Lang::En) => "the file's creation date, no 成文日期 found",
    }
}

fn expiry(out: &mut Out, scan: &Scan, kind: &Kind) {
    let ctx = out.ctx;
    let regime = ctx.regime;
    for found in expiry_marks(scan) {
        let m = &found.mark;
        let max_years = regime.levels[m.level].max_years;
        let start = scan.start.map(|(d, _)| d);
        let dated = matches!(m.term, Term::Duration(_) | Term::None);
        let term_shown = match (&m.term, ctx.lang) {
            (Term::None, Lang::Zh) => {
                format!("{}（未标注，按最长期限）", max_text(regime, m.level))
            }
            (Term::None, Lang::En) => {
                format!("{} (none marked: the maximum)", max_text(regime, m.level))
            }
            _ => m.term_text(),
        };
        let Some(last) = term::last_day(&m.term, start, max_years) else {
            if matches!(kind, Kind::UndatedMark) && dated && start.is_none() {
                let vars = [("raw", m.raw.clone())];
                out.finding(Some(&found.pos), &vars, Some(m), None);
            }
            continue;
        };
        let days = term::days_between(ctx.today, last);
        match kind {
            Kind::TermExpired if days < 0 => {
                let (text, vars) = if let Term::Date(_) = m.term {
                    (
                        out.phrase("date-passed").clone(),
                        vec![("raw", m.raw.clone()), ("date", m.term_text())],
                    )
                } else {
                    let (start, source) = scan.start.expect("a dated term has a start");
                    (
                        out.rule.message.clone(),
                        vec![
                            ("raw", m.raw.clone()),
                            ("term", term_shown.clone()),
                            ("start", date_text(start, ctx.lang)),
                            ("start_source", start_source(source, ctx.lang).to_string()),
                            ("last_day", date_text(last, ctx.lang)),
                        ],
                    )
                };
                out.emit(
                    Some(&found.pos),
                    &text,
                    &vars,
                    out.rule.severity,
                    Some(m),
                    None,
                );
            }
            Kind::TermExpiring if (0..=ctx.expiring_within_days).contains(&days) => {
                let vars = [
                    ("raw", m.raw.clone()),
                    ("term", term_shown.clone()),
                    ("last_day", date_text(last, ctx.lang)),
                    ("days", days.to_string()),
                ];
                // The last day itself: "ends today", not "0 days left".
                let text = if days == 0 {
                    out.phrase("today").clone()
                } else {
                    out.rule.message.clone()
                };
                out.emit(
                    Some(&found.pos),
                    &text,
                    &vars,
                    out.rule.severity,
                    Some(m),
                    None,
                );
            }
            _ => {}
        }
    }
}

/// ML107: a zero term is no term (the rule's severity); a month count of a year or more
/// is lawful (terms are counted in days, months or years) and only a suggestion of
/// writing, at most `info`.
fn term_unit(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    for found in term_marks(scan) {
        let m = &found.mark;
        let Term::Duration(d) = m.term else { continue };
        let (key, fixed) = if d.years == 0 && d.months == 0 && d.days == 0 {
            ("zero-term", None)
        } else if d.months >= 12 {
            let fixed = Duration {
                years: d.years + d.months / 12,
                months: d.months % 12,
                days: d.days,
            };
            let key = if d.years == 0 && d.months % 12 == 0 {
                "years-as-months"
            } else {
                "months-over-12"
            };
            (key, Some(fixed))
        } else {
            continue;
        };
        let fix = fixed.map(|f| {
            format!(
                "{}{}{}",
                regime.levels[m.level].name,
                regime.star,
                term_text(&Term::Duration(f))
            )
        });
        let fixed_term = fixed
            .map(|f| term_text(&Term::Duration(f)))
            .unwrap_or_default();
        let problem = out.render_phrase(key, &[("fixed_term", fixed_term.clone())]);
        let vars = [
            ("raw", m.raw.clone()),
            ("term", m.term_text()),
            ("problem", problem),
            ("fix", fix.clone().unwrap_or_default()),
            ("fixed_term", fixed_term),
        ];
        let severity = match key {
            "zero-term" => out.rule.severity,
            _ => out.rule.severity.min(Severity::Info),
        };
        let message = out.rule.message.clone();
        out.emit(Some(&found.pos), &message, &vars, severity, Some(m), fix);
    }
}

/// ML201: something says the document is classified, but it has no banner mark.
fn missing_mark(out: &mut Out, scan: &Scan) {
    let has_banner = scan.banners.iter().any(|b| !b.attachment)
        || !scan.candidates.is_empty()
        || !scan.changes.is_empty();
    if has_banner || scan.declassified.is_some() {
        return;
    }
    let trigger: Option<(&str, String, Option<&Position>)> = if let Some(p) = scan.portions.first()
    {
        // A portion mark names its level itself (`（机密）`).
        Some(("portion", p.raw.clone(), Some(&p.pos)))
    } else if let Some(b) = scan
        .banners
        .iter()
        .find(|b| b.attachment && !scan.starts_with_attachment)
    {
        Some(("attachment", b.mark.raw.clone(), Some(&b.pos)))
    } else if let Some(l) = scan.labels.iter().find(|l| l.level.is_some()) {
        Some(("label", l.raw.clone(), Some(&l.pos)))
    } else if let Some(d) = &scan.front.level {
        Some(("front-matter", d.raw.clone(), d.pos.as_ref()))
    } else if let Some(d) = &scan.props.level {
        Some(("properties", d.raw.clone(), d.pos.as_ref()))
    } else if let Some(d) = &scan.file_name {
        Some(("file-name", d.raw.clone(), None))
    } else if let Some(hit) = out.hits.iter().find(|h| h.keyword.level.is_some()) {
        Some(("keyword", hit.text.clone(), Some(&hit.pos)))
    } else if out.ctx.classified_path {
        Some(("classified-path", String::new(), None))
    } else {
        None
    };
    let Some((key, raw, pos)) = trigger else {
        return;
    };
    let reason = out.render_phrase(key, &[("raw", raw.clone())]);
    out.finding(pos, &[("raw", raw), ("reason", reason)], None, None);
}

/// ML202: the banner's level is below a portion or attachment mark inside, or its
/// term shorter than an attachment's.
fn mark_below_content(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    let Some(banner) = scan.mark_in_force() else {
        return;
    };
    let rank = |i: usize| regime.levels[i].rank;
    let mut inside: Vec<(String, usize, &Position)> = scan
        .portions
        .iter()
        .map(|p| (p.raw.clone(), p.level, &p.pos))
        .collect();
    inside.extend(
        scan.banners
            .iter()
            .filter(|b| b.attachment)
            .map(|b| (b.mark.raw.clone(), b.mark.level, &b.pos)),
    );
    let hits = out.hits;
    inside.extend(
        hits.iter()
            .filter_map(|h| h.keyword.level.map(|l| (h.text.clone(), l, &h.pos))),
    );
    // What the inner thing is: a portion or attachment mark shows its level itself, a
    // keyword does not.
    let portions = scan.portions.len();
    let attachments = scan.banners.iter().filter(|b| b.attachment).count();
    if let Some((i, (raw, level, pos))) = inside
        .iter()
        .enumerate()
        .filter(|(_, (_, l, _))| rank(*l) > rank(banner.mark.level))
        .max_by_key(|(_, (_, l, _))| rank(*l))
    {
        let what = if i < portions {
            "portion"
        } else if i < portions + attachments {
            "attachment"
        } else {
            "keyword"
        };
        let inner_vars = [
            ("inner", raw.clone()),
            ("inner_level", regime.levels[*level].name.clone()),
            ("line", pos.line.to_string()),
        ];
        let content = out.render_phrase(what, &inner_vars);
        let vars = [
            ("raw", banner.mark.raw.clone()),
            ("inner", raw.clone()),
            ("inner_level", regime.levels[*level].name.clone()),
            ("line", pos.line.to_string()),
            ("content", content),
        ];
        out.finding(Some(&banner.pos), &vars, Some(&banner.mark), None);
        return;
    }
    // Terms: compare from one start date; only durations can be compared.
    let from = jiff::civil::Date::constant(2000, 1, 1);
    let end = |t: &Term| match t {
        Term::Duration(d) => term::add_duration(from, d),
        _ => None,
    };
    let Some(banner_end) = end(&banner.mark.term) else {
        return;
    };
    let longer = scan
        .banners
        .iter()
        .filter(|b| b.attachment)
        .filter(|b| end(&b.mark.term).is_some_and(|e| e > banner_end))
        .max_by_key(|b| end(&b.mark.term));
    if let Some(inner) = longer {
        let vars = [
            ("raw", banner.mark.raw.clone()),
            ("inner", inner.mark.raw.clone()),
            ("line", inner.pos.line.to_string()),
        ];
        let text = out.phrase("term-shorter").clone();
        out.emit(
            Some(&banner.pos),
            &text,
            &vars,
            out.rule.severity,
            Some(&banner.mark),
            None,
        );
    }
}

/// The document's own mark level, if it has a banner.
fn banner_rank(out: &Out, scan: &Scan) -> Option<u8> {
    scan.mark_in_force()
        .map(|b| out.ctx.regime.levels[b.mark.level].rank)
}

/// ML304: a configured keyword in a document whose mark is missing or lower than the
/// keyword's level.
fn sensitive_keyword(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    let banner = banner_rank(out, scan);
    let hits = out.hits;
    for hit in hits {
        let below = match (hit.keyword.level, banner) {
            (_, None) => true,
            (Some(l), Some(r)) => regime.levels[l].rank > r,
            (None, Some(_)) => false,
        };
        if !below {
            continue;
        }
        let level = hit
            .keyword
            .level
            .map(|l| regime.levels[l].name.clone())
            .unwrap_or_default();
        let vars = [("raw", hit.text.clone()), ("level", level)];
        let text = match hit.keyword.level {
            Some(_) => out.rule.message.clone(),
            None => out.phrase("no-level").clone(),
        };
        out.emit(Some(&hit.pos), &text, &vars, out.rule.severity, None, None);
    }
}

/// ML303: what must be reviewed before it is published from a `publish-paths` folder.
fn publish_review(out: &mut Out, scan: &Scan) {
    if !out.ctx.publish_path {
        return;
    }
    let portions = scan.portions.iter().map(|p| (p.raw.as_str(), Some(&p.pos)));
    let hits = out.hits;
    let keywords = hits.iter().map(|h| (h.text.as_str(), Some(&h.pos)));
    let declarations = scan.declarations();
    let places = declarations
        .iter()
        .map(|d| (d.raw, d.pos))
        .chain(portions)
        .chain(keywords);
    for (raw, pos) in places {
        out.finding(pos, &[("raw", raw.to_string())], None, None);
    }
}

/// Every place a configured keyword occurs in the lines a reader sees.
pub fn keyword_hits<'k>(
    regime: &Regime,
    doc: &Document,
    keywords: &'k [Keyword],
) -> Vec<KeywordHit<'k>> {
    let mut hits = Vec::new();
    if keywords.is_empty() {
        return hits;
    }
    visit_lines(regime, doc, |line| {
        if let Some(clean) = &line.clean {
            for k in keywords {
                for m in k.regex.find_iter(clean) {
                    hits.push(KeywordHit {
                        keyword: k,
                        text: m.as_str().to_string(),
                        pos: position(doc, &line, m.as_str()),
                    });
                }
            }
        }
        true
    });
    hits
}

/// ML204: a classified document with no 知悉范围 recorded.
fn missing_distribution(out: &mut Out, scan: &Scan) {
    if scan.distribution.is_some() {
        return;
    }
    if let Some(b) = scan.mark_in_force() {
        out.at_mark(b);
    }
}

/// ML205: the configured authority may not originally classify at the marked level.
fn authority_hint(out: &mut Out, scan: &Scan) {
    let regime = out.ctx.regime;
    let Some(authority) = out.ctx.authority else {
        return;
    };
    let Some(b) = scan.mark_in_force() else {
        return;
    };
    let rank = regime.levels[b.mark.level].rank;
    let allowed = authority.highest.map(|h| regime.levels[h].rank);
    if allowed.is_some_and(|a| rank <= a) {
        return;
    }
    let vars = [
        ("raw", b.mark.raw.clone()),
        ("authority", authority.name.clone()),
        ("level", regime.levels[b.mark.level].name.clone()),
    ];
    out.finding(Some(&b.pos), &vars, Some(&b.mark), None);
}

/// ML203: a classified 公文 (issuing-authority line or 文号 on its first page) without
/// a 份号.
fn missing_copy_number(out: &mut Out, scan: &Scan) {
    if !scan.gongwen_head || scan.copy_number {
        return;
    }
    let regime = out.ctx.regime;
    if let Some(b) = scan.mark_in_force().filter(|b| b.in_zone)
        && (!scan.legacy || regime.legacy_copy_number_levels.contains(&b.mark.level))
    {
        out.at_mark(b);
    }
}

/// ML301: every place that declares a state secret, on a system that must hold none.
fn unclassified_system(out: &mut Out, scan: &Scan) {
    let lang = out.ctx.lang;
    let at = |pos: &Position| match (&pos.part, lang) {
        (Some(part), Lang::Zh) => {
            format!("{}第{}行", crate::report::part_label(part, lang), pos.line)
        }
        (Some(part), Lang::En) => format!("{part} line {}", pos.line),
        (None, Lang::Zh) => format!("第{}行", pos.line),
        (None, Lang::En) => format!("line {}", pos.line),
    };
    for d in scan.declarations() {
        let place = match (d.source, d.pos) {
            (Some(source), _) => source_name(source, lang).to_string(),
            (None, Some(pos)) => at(pos),
            (None, None) => String::new(),
        };
        let vars = [("raw", d.raw.to_string()), ("place", place)];
        out.finding(d.pos, &vars, d.mark, None);
    }
}

/// ML006: a mark that survives only where readers do not see it.
fn hidden_mark(out: &mut Out, scan: &Scan) {
    let visible: Vec<(usize, String)> = scan
        .banners
        .iter()
        .chain(&scan.candidates)
        .chain(&scan.changes)
        .map(|f| (f.mark.level, f.mark.term_text()))
        .collect();
    let mut seen: Vec<(Option<String>, u32, String)> = Vec::new();
    for found in &scan.hidden {
        let m = &found.mark;
        if visible.contains(&(m.level, m.term_text())) {
            continue;
        }
        let key = (found.pos.part.clone(), found.pos.line, m.raw.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.finding(Some(&found.pos), &[("raw", m.raw.clone())], Some(m), None);
    }
}

/// A user `pattern` rule: a regex over the lines a reader sees.
fn pattern(out: &mut Out, doc: &Document, file_name: &str, regex: &regex::Regex, scope: Scope) {
    if scope == Scope::FileName {
        if let Some(m) = regex.find(file_name) {
            out.finding(None, &[("match", m.as_str().to_string())], None, None);
        }
        return;
    }
    visit_lines(out.ctx.regime, doc, |line| {
        if scope == Scope::FirstPage && !line.in_zone {
            return line.role == Role::Margin;
        }
        let Some(clean) = &line.clean else {
            return true;
        };
        for m in regex.find_iter(clean) {
            let pos = position(doc, &line, m.as_str());
            out.finding(Some(&pos), &[("match", m.as_str().to_string())], None, None);
        }
        true
    });
}

#[cfg(test)]
mod tests {
    use super::FirstTwo;
    use proptest::prelude::*;

    proptest! {
        /// The first earlier source that disagrees, found in one pass, is the one a
        /// look back over every earlier source finds.
        #[test]
        fn first_disagreeing_source_without_looking_back(
            values in prop::collection::vec(
                (prop::option::of(0u8..3), prop::option::of(0u8..3)), 0..40),
        ) {
            let (mut levels, mut terms) = (FirstTwo::default(), FirstTwo::default());
            for (i, (l, t)) in values.iter().enumerate() {
                let naive = values[..i].iter().position(|(bl, bt)| {
                    matches!((l, bl), (Some(x), Some(y)) if x != y)
                        || matches!((t, bt), (Some(x), Some(y)) if x != y)
                });
                let fast = [
                    l.and_then(|l| levels.first_differing(&l)),
                    t.and_then(|t| terms.first_differing(&t)),
                ]
                .into_iter()
                .flatten()
                .min();
                prop_assert_eq!(naive, fast);
                if let Some(l) = l {
                    levels.see(i, *l);
                }
                if let Some(t) = t {
                    terms.see(i, *t);
                }
            }
        }
    }
}
