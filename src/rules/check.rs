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
}

impl Text {
    pub fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Fill `{name}` placeholders.
pub fn render(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

struct Out<'a> {
    ctx: &'a CheckContext<'a>,
    rule: &'a Rule,
    path: &'a str,
    diags: &'a mut Vec<Diagnostic>,
    hits: &'a [KeywordHit<'a>],
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
        let lang = self.ctx.lang;
        let regime = self.ctx.regime;
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
            article: shared(&self.rule.article.number),
            law: shared(&self.rule.article.law),
            article_text: shared(&self.rule.article.text),
            mark: mark.map(|m| MarkInfo {
                level: regime.levels[m.level].name.clone(),
                term: m.term_text(),
                raw: m.raw.clone(),
            }),
            fix,
            snippet: pos.map(|p| Snippet {
                text: p.snippet.clone(),
                col: p.snippet_col,
                width: p.width,
            }),
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

/// Every mark whose term deserves a look: banners with a star, and candidates.
fn term_marks(scan: &Scan) -> impl Iterator<Item = &FoundMark> {
    scan.banners
        .iter()
        .chain(scan.candidates.iter())
        .chain(scan.changes.iter())
}

fn malformed_mark(out: &mut Out, scan: &Scan) {
    let lang = out.ctx.lang;
    for found in scan
        .banners
        .iter()
        .chain(&scan.candidates)
        .chain(&scan.changes)
    {
        let m = &found.mark;
        if m.problems.is_empty() {
            continue;
        }
        let sep = match lang {
            Lang::Zh => "；",
            Lang::En => "; ",
        };
        let problem = m
            .problems
            .iter()
            .map(|p| out.phrase(p.key()).pick(lang).to_string())
            .collect::<Vec<_>>()
            .join(sep);
        let severity = if m.problems.iter().all(|p| p.is_minor()) {
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

fn source_name(name: &str, lang: Lang) -> &'static str {
    match (name, lang) {
        ("banner", Lang::Zh) => "首页标志",
        ("banner", Lang::En) => "banner mark",
        ("label", Lang::Zh) => "首页密级标签",
        ("label", Lang::En) => "first-page label",
        ("front-matter", Lang::Zh) => "文档元数据",
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
    for (i, a) in sources.iter().enumerate() {
        // Compare each source with the first earlier one that disagrees, once.
        let Some(b) = sources[..i].iter().find(|b| {
            let level_differs = matches!((a.level, b.level), (Some(x), Some(y)) if x != y);
            let term_differs =
                matches!((&a.term, &b.term), (Some(x), Some(y)) if term_text(x) != term_text(y));
            level_differs || term_differs
        }) else {
            continue;
        };
        let named = |s: &Source| match (s.name, s.pos.and_then(|p| p.part.as_deref())) {
            ("banner", Some(part)) => format!("{} ({part})", source_name(s.name, lang)),
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
    let declaration = scan
        .public
        .first()
        .map(|(_, d)| d.clone())
        .or_else(|| scan.front.public.as_ref().map(|(_, d)| d.clone()))
        .or_else(|| scan.props.public.as_ref().map(|(_, d)| d.clone()))
        .or_else(|| out.ctx.public_path.then(|| "public-paths".to_string()));
    let Some(declaration) = declaration else {
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
    let vars = [("raw", raw), ("declaration", declaration)];
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
                        ("start", start.to_string()),
                        ("limit_day", limit.to_string()),
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

fn indefinite_term(out: &mut Out, scan: &Scan) {
    for found in term_marks(scan) {
        let m = &found.mark;
        if let Term::Indefinite(w) = &m.term {
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
        (DateSource::FrontMatter, Lang::Zh) => "定密日期",
        (DateSource::FrontMatter, Lang::En) => "front matter 定密日期",
        (DateSource::IssueDate, Lang::Zh) => "成文日期",
        (DateSource::IssueDate, Lang::En) => "成文日期, the issue date",
        (DateSource::Property, Lang::Zh) => "文档属性定密日期",
        (DateSource::Property, Lang::En) => "document property 定密日期",
        (DateSource::PrintDate, Lang::Zh) => "印发日期",
        (DateSource::PrintDate, Lang::En) => "印发日期, the printing date",
        (DateSource::Created, Lang::Zh) => "文档创建日期（无成文日期）",
        (DateSource::Created, Lang::En) => "the file's creation date (no 成文日期 found)",
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
                            ("start", start.to_string()),
                            ("start_source", start_source(source, ctx.lang).to_string()),
                            ("last_day", last.to_string()),
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
                    ("last_day", last.to_string()),
                    ("days", days.to_string()),
                ];
                out.finding(Some(&found.pos), &vars, Some(m), None);
            }
            _ => {}
        }
    }
}

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
        let problem = out.phrase(key).pick(out.ctx.lang).to_string();
        let vars = [
            ("raw", m.raw.clone()),
            ("term", m.term_text()),
            ("problem", problem),
            ("fix", fix.clone().unwrap_or_default()),
        ];
        out.finding(Some(&found.pos), &vars, Some(m), fix);
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
    let regime = out.ctx.regime;
    let level = |i: usize| regime.levels[i].name.clone();
    let trigger: Option<(&str, String, Option<&Position>)> = if let Some(p) = scan.portions.first()
    {
        Some((
            "portion",
            format!("{}（{}）", p.raw, level(p.level)),
            Some(&p.pos),
        ))
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
    let reason = render(out.phrase(key).pick(out.ctx.lang), &[("raw", raw.clone())]);
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
    if let Some((raw, level, pos)) = inside
        .iter()
        .filter(|(_, l, _)| rank(*l) > rank(banner.mark.level))
        .max_by_key(|(_, l, _)| rank(*l))
    {
        let vars = [
            ("raw", banner.mark.raw.clone()),
            ("inner", raw.clone()),
            ("inner_level", regime.levels[*level].name.clone()),
            ("line", pos.line.to_string()),
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
    if let Some(b) = scan.mark_in_force().filter(|b| b.in_zone) {
        out.at_mark(b);
    }
}

/// ML301: every place that declares a state secret, on a system that must hold none.
fn unclassified_system(out: &mut Out, scan: &Scan) {
    let lang = out.ctx.lang;
    let at = |pos: &Position| match (&pos.part, lang) {
        (Some(part), Lang::Zh) => format!("{part} 第{}行", pos.line),
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
