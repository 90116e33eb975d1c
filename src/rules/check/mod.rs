//! Running rules: one function per rule kind, over a `Scan` of one document. Checks
//! never print and never touch the file system; they return diagnostics.

pub mod carriers;
pub mod form;
pub mod history;
pub mod presence;
pub mod terms;
pub mod tool;

pub use carriers::top_secret_copies;
pub use carriers::{
    Held, Holds, TopCopy, container_below_contents, own_level, text_hits, top_copy,
};
pub use history::{Standing, unmarked_change};
pub use tool::{bad_suppressions, suppress_in, unread_gap, unreadable, unreadable_base};

use jiff::civil::Date;

pub(super) use super::compile::{Kind, Params, Rule, Scope};
pub(super) use super::kinds::{Runs, Var, phrase};
pub(super) use super::schema::Text;
pub(super) use crate::diagnostic::{Diagnostic, DocPath, Lang, MarkInfo, Severity, Snippet};
pub(super) use crate::extract::{Document, ExtractError, Gap, Role};
pub(super) use crate::marking::{Duration, Mark, Term, term_text};
pub(super) use crate::regime::Regime;
pub(super) use crate::scan::{FoundMark, Position, Scan, position, visit_lines};

/// A configured sensitive keyword (密点, project code name), compiled.
#[derive(Debug, Clone)]
pub struct Keyword {
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
    /// Config `label-map`: sensitivity label names and GUIDs with their levels.
    pub label_map: &'a crate::scan::labels::LabelMap,
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
pub fn render(template: &str, vars: &[(Var, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{}}}", k.name()), &crate::normalize::visible(v));
    }
    out
}

/// What a check reads: the document, its scan and its file name, and the rule's
/// parameters.
pub struct Input<'a> {
    pub doc: &'a Document,
    pub scan: &'a Scan,
    pub file_name: &'a str,
    pub params: &'a Params,
}

/// Where a check puts its findings (one rule over one document).
pub struct Out<'a> {
    pub(super) ctx: &'a CheckContext<'a>,
    pub(super) rule: &'a Rule,
    path: &'a DocPath,
    diags: &'a mut Vec<Diagnostic>,
    pub(super) hits: &'a [KeywordHit<'a>],
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
    path: &DocPath,
    last: Option<&Diagnostic>,
    omitted: usize,
) -> Diagnostic {
    let message = crate::lang::omitted_findings(omitted, MAX_FINDINGS_PER_RULE, lang);
    Diagnostic {
        code: rule.shared.code.clone(),
        name: rule.shared.name.clone(),
        severity: rule.severity,
        path: path.clone(),
        line: last.map_or(1, |d| d.line),
        column: last.map_or(1, |d| d.column),
        part: last.and_then(|d| d.part.clone()),
        message,
        help: None,
        article: rule.shared.article.clone(),
        law: rule.shared.law.clone(),
        article_text: rule.shared.article_text.clone(),
        mark: None,
        fix: None,
        fix_quotes_text: false,
        snippet: None,
        omitted: Some(omitted),
        fails: false,
        ocr: None,
    }
}

/// Cap the findings of one file made outside the rule loop (ML900 gaps, ML901): at
/// most `MAX_FINDINGS_PER_RULE` per rule, then one finding with the count. Keeps order.
pub fn cap_per_rule(diags: &mut Vec<Diagnostic>, rules: &[Rule], lang: Lang, path: &DocPath) {
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
    pub(super) fn emit(
        &mut self,
        pos: Option<&Position>,
        template: &Text,
        vars: &[(Var, String)],
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
            code: self.rule.shared.code.clone(),
            name: self.rule.shared.name.clone(),
            severity,
            path: self.path.clone(),
            line: pos.map_or(1, |p| p.line),
            column: pos.map_or(1, |p| p.column),
            part: pos.and_then(|p| p.part.clone()),
            message: render(template.pick(lang), vars),
            help: self.rule.shared.help(lang).map(|template| {
                let text = render(template, vars);
                if text == **template {
                    template.clone()
                } else {
                    text.into()
                }
            }),
            article: self.rule.shared.article.clone(),
            law: self.rule.shared.law.clone(),
            article_text: self.rule.shared.article_text.clone(),
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
            fails: false,
            ocr: None,
        });
    }

    /// A finding with the rule's own message and severity.
    pub(super) fn finding(
        &mut self,
        pos: Option<&Position>,
        vars: &[(Var, String)],
        mark: Option<&Mark>,
        fix: Option<String>,
    ) {
        let message = self.rule.message.clone();
        self.emit(pos, &message, vars, self.rule.severity, mark, fix);
    }

    /// A finding with the rule's severity in `text`: one of its phrases, or its message.
    pub(super) fn finding_in(
        &mut self,
        text: &Text,
        pos: Option<&Position>,
        vars: &[(Var, String)],
        mark: Option<&Mark>,
    ) {
        self.emit(pos, text, vars, self.rule.severity, mark, None);
    }

    /// A finding at a mark, whose only placeholder is the mark as written.
    pub(super) fn at_mark(&mut self, found: &FoundMark) {
        self.finding(
            Some(&found.pos),
            &[(Var::Raw, found.mark.raw.clone())],
            Some(&found.mark),
            None,
        );
    }

    /// Message variables as the report may show them: with `--no-snippets`, document
    /// text is redacted. A suppression directive is the tool's own syntax (its reason
    /// is already left out), not document text.
    fn shown<'v>(&self, vars: &'v [(Var, String)]) -> std::borrow::Cow<'v, [(Var, String)]> {
        if self.ctx.snippets || matches!(self.rule.kind, Kind::BadSuppression) {
            return std::borrow::Cow::Borrowed(vars);
        }
        let regime = self.ctx.regime;
        vars.iter()
            .map(|(k, v)| (*k, redact(regime, *k, v)))
            .collect()
    }

    /// A phrase of the rule filled with `vars` (redacted like a message).
    pub(super) fn render_phrase(&self, key: &str, vars: &[(Var, String)]) -> String {
        render(self.phrase(key).pick(self.ctx.lang), &self.shown(vars))
    }

    /// A phrase of the rule. Loading checks that a rule file defines every phrase its
    /// kind lists; a phrase a check asks for that its kind does not list would be a bug,
    /// shown as the rule's own message rather than a crash.
    pub(super) fn phrase(&self, key: &str) -> &Text {
        debug_assert!(
            self.rule.phrases.contains_key(key),
            "{}: phrase `{key}` not listed for its kind",
            self.rule.code
        );
        self.rule.phrases.get(key).unwrap_or(&self.rule.message)
    }
}

/// Run `rules` (already filtered and with effective severities) over one document.
pub fn check_document(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    file_name: &str,
    doc: &Document,
    scan: &Scan,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let hits = carriers::keyword_hits(ctx.regime, doc, ctx.keywords);
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
        if let Runs::Document(check) = rule.kind.spec().runs {
            let input = Input {
                doc,
                scan,
                file_name,
                params: &rule.params,
            };
            check(&mut out, &input);
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
    path: &DocPath,
    pos: &Position,
    mark: &Mark,
    vars: &[(Var, String)],
) -> Diagnostic {
    one_finding(rule, ctx, path, |out| {
        out.finding(Some(pos), vars, Some(mark), None)
    })
}

/// A message variable as `--no-snippets` shows it: a mark in its canonical form (level,
/// star, term), the regime's own words as they are, any other document text as `…`.
fn redact(regime: &Regime, key: Var, value: &str) -> String {
    if !key.quotes_document() {
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
    if key == Var::Term {
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
    path: &DocPath,
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

/// Scan and check one document; also says whether it is marked.
pub fn lint_document(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    file_name: &str,
    doc: &Document,
) -> (Vec<Diagnostic>, bool) {
    let (diags, scan) = lint_scanned(rules, ctx, path, file_name, doc);
    (diags, scan.is_marked())
}

/// Scan and check one document; the scan is returned for tree-level rules.
pub fn lint_scanned(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    file_name: &str,
    doc: &Document,
) -> (Vec<Diagnostic>, Scan) {
    let mut scan = crate::scan::scan(ctx.regime, doc, file_name);
    if ctx.term_start_printed {
        scan.start_from_print_date();
    }
    scan.map_labels(ctx.regime, doc, ctx.label_map);
    let diags = check_scanned(rules, ctx, path, file_name, doc, &scan);
    (diags, scan)
}

/// Check one document already scanned (by `lint_scanned`, or its facts from the cache
/// with a document that holds no text).
pub fn check_scanned(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    file_name: &str,
    doc: &Document,
    scan: &Scan,
) -> Vec<Diagnostic> {
    let mut diags = check_document(rules, ctx, path, file_name, doc, scan);
    if doc.parts.iter().any(|p| p.ocr.is_some()) {
        read_by_ocr(rules, doc, &mut diags);
    }
    diags
}

/// ML203 on a page whose head OCR did not read for sure (`Part::ocr_head`): the 份号
/// may be there, misread, so its absence is not reported; an ML900 says the 份号 could
/// not be read, and why, in its place (`unreadable`: the ML900 rule, when it runs).
pub fn unsure_copy_number(
    rules: &[Rule],
    unreadable: Option<&Rule>,
    ctx: &CheckContext,
    path: &DocPath,
    doc: &Document,
    diags: &mut Vec<Diagnostic>,
) {
    let doubt = |d: &Diagnostic| {
        let part = d.part.as_deref()?;
        let is_ml203 = rules
            .iter()
            .any(|r| *r.code == *d.code && r.kind == crate::rules::Kind::MissingCopyNumber);
        let why = doc
            .parts
            .iter()
            .find(|p| p.name.as_deref() == Some(part))?
            .ocr_head
            .as_ref()?;
        is_ml203.then(|| (part.to_string(), why.clone()))
    };
    let mut instead = Vec::new();
    diags.retain(|d| match doubt(d) {
        Some((part, why)) => {
            instead.push(crate::extract::Gap {
                part: Some(part),
                line: d.line,
                error: crate::extract::ExtractError::Ocr(format!(
                    "the 份号 could not be read: {why}"
                )),
            });
            false
        }
        None => true,
    });
    if let Some(rule) = unreadable {
        diags.extend(
            instead
                .iter()
                .map(|gap| tool::unread_gap(rule, ctx, path, gap)),
        );
    }
}

/// Findings in text read by OCR: the form of a mark (its star glyph, its spacing:
/// ML001, ML004) is not seen by OCR, so no form finding comes from it; every other
/// finding there says it was read by OCR, with the read's confidence.
fn read_by_ocr(rules: &[Rule], doc: &Document, diags: &mut Vec<Diagnostic>) {
    let confidence = |part: Option<&str>| {
        let part = part?;
        doc.parts
            .iter()
            .find(|p| p.name.as_deref() == Some(part))?
            .ocr
    };
    let is_form = |d: &Diagnostic| {
        rules.iter().any(|r| {
            *r.code == *d.code
                && matches!(
                    r.kind,
                    crate::rules::Kind::MalformedMark | crate::rules::Kind::NonSecretStar
                )
        })
    };
    diags.retain(|d| !(is_form(d) && confidence(d.part.as_deref()).is_some()));
    for d in diags.iter_mut() {
        d.ocr = confidence(d.part.as_deref()).map(|c| c.clamp(0.0, 100.0).round() as u8);
    }
}
