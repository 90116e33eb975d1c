//! Carriers and systems (ML301–ML304) and user pattern rules: a mark on a system that
//! must hold none, a file about to be published, a configured keyword.

use super::*;

/// ML301: every place that declares a state secret, on a system that must hold none.
pub(crate) fn unclassified_system(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let lang = out.ctx.lang;
    let at = |pos: &Position| crate::lang::at_line(pos.part.as_deref(), pos.line, lang);
    for d in scan.declarations() {
        let label_level = scan.label.as_ref().and_then(|l| l.level);
        let place = match (d.source, d.pos) {
            (Some("sensitivity-label"), _) if let Some(level) = label_level => {
                crate::lang::mapped_label(&out.ctx.regime.levels[level].name, lang)
            }
            (Some(source), _) => crate::lang::declared_in(source, lang).to_string(),
            (None, Some(pos)) => at(pos),
            (None, None) => String::new(),
        };
        let vars = [(Var::Raw, d.raw.to_string()), (Var::Place, place)];
        out.finding(d.pos, &vars, d.mark, None);
    }
}

/// ML304: a configured keyword in a document whose mark is missing or lower than the
/// keyword's level.
pub(crate) fn sensitive_keyword(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let regime = out.ctx.regime;
    let banner = super::presence::banner_rank(out, scan);
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
        let vars = [(Var::Raw, hit.text.clone()), (Var::Level, level)];
        let text = match hit.keyword.level {
            Some(_) => out.rule.message.clone(),
            None => out.phrase(phrase::NO_LEVEL).clone(),
        };
        out.finding_in(&text, Some(&hit.pos), &vars, None);
    }
}

/// ML303: what must be reviewed before it is published from a `publish-paths` folder.
pub(crate) fn publish_review(out: &mut Out, input: &Input) {
    let scan = input.scan;
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
        out.finding(pos, &[(Var::Raw, raw.to_string())], None, None);
    }
}

/// Every place a configured keyword occurs in the lines a reader sees.
pub(super) fn keyword_hits<'k>(
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

/// Whether a configured keyword, or a `pattern` rule of `rules` that reads the text,
/// matches anywhere in the lines a reader sees: all the cache keeps of what they read
/// (a document where one does is read again in full).
pub fn text_hits(regime: &Regime, doc: &Document, keywords: &[Keyword], rules: &[Rule]) -> bool {
    let patterns: Vec<&regex::Regex> = rules
        .iter()
        .filter_map(|r| match &r.params {
            Params::Pattern { regex, scope } if *scope != Scope::FileName => Some(regex),
            _ => None,
        })
        .collect();
    if keywords.is_empty() && patterns.is_empty() {
        return false;
    }
    let mut hit = false;
    visit_lines(regime, doc, |line| {
        if let Some(clean) = &line.clean {
            hit = keywords.iter().any(|k| k.regex.is_match(clean))
                || patterns.iter().any(|r| r.is_match(clean));
        }
        !hit
    });
    hit
}

/// A user `pattern` rule: a regex over the lines a reader sees.
pub(crate) fn pattern(out: &mut Out, input: &Input) {
    let (doc, file_name) = (input.doc, input.file_name);
    let Params::Pattern { regex, scope } = input.params else {
        return;
    };
    let scope = *scope;
    if scope == Scope::FileName {
        if let Some(m) = regex.find(file_name) {
            out.finding(None, &[(Var::Match, m.as_str().to_string())], None, None);
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
            out.finding(
                Some(&pos),
                &[(Var::Match, m.as_str().to_string())],
                None,
                None,
            );
        }
        true
    });
}

/// A document marked at the top level: one fact for ML302 (top-secret-copy).
pub struct TopCopy {
    pub path: DocPath,
    pub fingerprint: u64,
    pub copy: Option<String>,
    pub pos: Position,
    pub mark: Mark,
}

/// The ML302 fact of a document marked at the top level (when ML302 runs).
pub fn top_copy(
    rules: &[Rule],
    ctx: &CheckContext,
    shown: &DocPath,
    doc: &Document,
    scan: &Scan,
) -> Option<TopCopy> {
    let top = ctx.regime.levels.iter().map(|l| l.rank).max();
    let m = scan.mark_in_force()?;
    let runs = rules.iter().any(|r| r.kind == Kind::TopSecretCopy);
    (runs && Some(ctx.regime.levels[m.mark.level].rank) == top).then(|| TopCopy {
        path: shown.clone(),
        fingerprint: crate::scan::body_fingerprint(ctx.regime, doc, scan),
        copy: scan.copy_numbers.first().cloned(),
        pos: m.pos.clone(),
        mark: m.mark.clone(),
    })
}

/// ML302: the same 绝密 document more than once in the tree without distinct 份号,
/// reported on every such copy, naming the others. Decided after the parallel part,
/// in path order, so the output does not depend on scheduling.
pub fn top_secret_copies(
    rules: &[Rule],
    ctx: &CheckContext,
    copies: &[TopCopy],
    diags: &mut Vec<Diagnostic>,
) {
    let Some(rule) = rules.iter().find(|r| r.kind == Kind::TopSecretCopy) else {
        return;
    };
    let mut groups: std::collections::BTreeMap<u64, Vec<&TopCopy>> = Default::default();
    for c in copies {
        groups.entry(c.fingerprint).or_default().push(c);
    }
    for group in groups.values().filter(|g| g.len() > 1) {
        for c in group {
            // The copies this one cannot be told apart from.
            let others: Vec<String> = group
                .iter()
                .filter(|o| !std::ptr::eq(**o, *c))
                .filter(|o| c.copy.is_none() || o.copy.is_none() || o.copy == c.copy)
                .map(|o| o.path.to_string())
                .collect();
            if others.is_empty() {
                continue;
            }
            diags.push(tree_finding(
                rule,
                ctx,
                &c.path,
                &c.pos,
                &c.mark,
                &[
                    (Var::Raw, c.mark.raw.clone()),
                    (
                        Var::Others,
                        others.join(crate::lang::LIST_SEPARATOR.pick(ctx.lang)),
                    ),
                    (
                        Var::Copy,
                        c.copy
                            .clone()
                            .unwrap_or_else(|| crate::lang::NONE.pick(ctx.lang).to_string()),
                    ),
                ],
            ));
        }
    }
}

/// A level a document holds, for ML206: the document it is in, and the mark (or the
/// archive's name) that declares it.
#[derive(Debug, Clone)]
pub struct Held {
    pub level: usize,
    /// The term the mark declares (none for an archive name without one).
    pub term: Option<Term>,
    pub path: DocPath,
    pub raw: String,
    pub pos: Option<Position>,
    pub mark: Option<Mark>,
}

/// The level a document carries itself, as its carrier's mark (Art. 22): its latest
/// change mark, else its mark in force; an archive, which has no text, by its name
/// (`【机密】资料.zip`). A declassified document holds no level.
pub fn own_level(path: &DocPath, doc: &Document, scan: &Scan) -> Option<Held> {
    if scan.declassified.is_some() {
        return None;
    }
    if let Some(f) = scan.changes.last().or_else(|| scan.mark_in_force()) {
        return Some(Held {
            level: f.mark.level,
            term: Some(f.mark.term.clone()),
            path: path.clone(),
            raw: f.mark.raw.clone(),
            pos: Some(f.pos.clone()),
            mark: Some(f.mark.clone()),
        });
    }
    let named = scan.file_name.as_ref().filter(|_| doc.archive)?;
    Some(Held {
        level: named.level?,
        term: named.term.clone(),
        path: path.clone(),
        raw: named.raw.clone(),
        pos: named.pos.clone(),
        mark: None,
    })
}

/// The higher of two levels held (the first on a tie: the outer, or the earlier).
pub fn higher(regime: &Regime, a: Option<Held>, b: Option<Held>) -> Option<Held> {
    match (a, b) {
        (Some(a), Some(b)) if regime.levels[b.level].rank > regime.levels[a.level].rank => Some(b),
        (Some(a), _) => Some(a),
        (None, b) => b,
    }
}

/// What a document tree holds, for ML206: its highest level and, apart from it, its
/// longest term — an item with several 密点 takes the highest level and the longest
/// term among them (定密规定第三十一条第二款), and so does the carrier of several.
#[derive(Debug, Clone, Default)]
pub struct Holds {
    pub highest: Option<Held>,
    pub longest: Option<Held>,
}

impl Holds {
    /// What one document holds itself.
    pub fn of(own: Option<Held>) -> Holds {
        Holds {
            longest: own.clone().filter(|h| h.term.is_some()),
            highest: own,
        }
    }

    /// Add what another tree holds (the first is kept on a tie: the outer, or the
    /// earlier).
    pub fn add(&mut self, regime: &Regime, other: Holds) {
        self.highest = higher(regime, self.highest.take(), other.highest);
        self.longest = match (self.longest.take(), other.longest) {
            (Some(a), Some(b)) if outlasts(&b, &a) => Some(b),
            (Some(a), _) => Some(a),
            (None, b) => b,
        };
    }
}

/// Whether `a`'s term is longer than `b`'s, where the two can be ordered.
fn outlasts(a: &Held, b: &Held) -> bool {
    match (&a.term, &b.term) {
        (Some(x), Some(y)) => crate::term::outlasts(x, y),
        _ => false,
    }
}

/// ML206: a document that carries others (embedded objects, attachments, archive
/// members) is marked below the highest level inside, or not at all, or — at that
/// level — with a shorter term than the longest inside. `own` is what the container
/// carries itself, `inner` what it carries, at any depth.
pub fn container_below_contents(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    own: Option<&Held>,
    inner: &Holds,
) -> Option<Diagnostic> {
    let rule = rules
        .iter()
        .find(|r| r.kind == Kind::ContainerBelowContents)?;
    let levels = &ctx.regime.levels;
    let below = inner
        .highest
        .as_ref()
        .filter(|i| own.is_none_or(|o| levels[o.level].rank < levels[i.level].rank));
    if let Some(inner) = below {
        let vars = [
            (Var::Raw, own.map(|o| o.raw.clone()).unwrap_or_default()),
            (Var::Carried, inner.path.to_string()),
            (Var::InnerLevel, levels[inner.level].name.clone()),
            (Var::OtherRaw, inner.raw.clone()),
        ];
        return Some(one_finding(rule, ctx, path, |out| match own {
            Some(o) => out.finding(o.pos.as_ref(), &vars, o.mark.as_ref(), None),
            None => {
                let text = out.phrase(phrase::NO_MARK).clone();
                out.finding_in(&text, None, &vars, None)
            }
        }));
    }
    let own = own?;
    let inner = inner.longest.as_ref().filter(|i| outlasts(i, own))?;
    let vars = [
        (Var::Raw, own.raw.clone()),
        (Var::Carried, inner.path.to_string()),
        (Var::OtherRaw, inner.raw.clone()),
    ];
    Some(one_finding(rule, ctx, path, |out| {
        let text = out.phrase(phrase::TERM_SHORTER).clone();
        out.finding_in(&text, own.pos.as_ref(), &vars, own.mark.as_ref())
    }))
}
