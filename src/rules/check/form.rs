//! The form of marks (ML001–ML006): malformed, misplaced, conflicting, a star on what
//! is no state secret, a public document still marked, a mark only readers cannot see.

use super::*;

pub(crate) fn malformed_mark(out: &mut Out, input: &Input) {
    let scan = input.scan;
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
        let sep = crate::lang::CLAUSE_SEPARATOR.pick(lang);
        let no_term = m.term == Term::None
            && !m.legacy_bare
            && m.problems.contains(&crate::marking::Problem::MissingStar);
        let problem = m
            .problems
            .iter()
            .map(|p| p.key())
            .chain(unlawful_word.then_some(phrase::INDEFINITE_WORD))
            .chain(no_term.then_some(phrase::NO_TERM))
            .map(|key| out.render_phrase(key, &[(Var::Term, m.term_text())]))
            .collect::<Vec<_>>()
            .join(sep);
        let severity = if !unlawful_word && m.problems.iter().all(|p| p.is_minor()) {
            out.rule.severity.min(Severity::Warning)
        } else {
            out.rule.severity
        };
        let vars = [
            (Var::Raw, m.raw.clone()),
            (Var::Problem, problem),
            (Var::Fix, m.fix.clone().unwrap_or_default()),
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

pub(crate) fn misplaced_mark(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let zone = crate::lang::first_page_zone(out.ctx.regime.first_page_lines, out.ctx.lang);
    for found in scan.banners.iter().filter(|b| !b.in_zone && !b.attachment) {
        let vars = [
            (Var::Raw, found.mark.raw.clone()),
            (Var::Zone, zone.clone()),
        ];
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

impl<'a> Source<'a> {
    /// A banner mark on the first page.
    fn banner(found: &'a FoundMark) -> Source<'a> {
        Source {
            name: "banner",
            level: Some(found.mark.level),
            term: (found.mark.term != Term::None).then(|| found.mark.term.clone()),
            raw: found.mark.raw.clone(),
            pos: Some(&found.pos),
        }
    }
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

/// Every place that declares the document's level or term, the mark in force first.
fn sources(scan: &Scan) -> Vec<Source<'_>> {
    let mut sources = Vec::new();
    let banner = scan
        .mark_in_force()
        .filter(|b| !b.mark.legacy_bare || b.in_zone);
    if let Some(b) = banner {
        sources.push(Source::banner(b));
        // Other first-page marks (a header or footer, a template page) must agree
        // with the mark in force.
        for other in scan
            .banners
            .iter()
            .filter(|o| o.in_zone && !o.attachment && !std::ptr::eq(*o, b))
            .filter(|o| o.pos.part != b.pos.part)
        {
            sources.push(Source::banner(other));
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
    for (name, d) in [
        ("properties", &scan.props.level),
        ("properties", &scan.props.term),
        ("sensitivity-label", &scan.label),
    ] {
        let Some(d) = d else { continue };
        sources.push(Source {
            name,
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
    sources
}

/// ML003: the banner, other first-page marks, labels, front matter, properties and the
/// file name must agree on level and term.
pub(crate) fn conflicting_marks(out: &mut Out, input: &Input) {
    let sources = sources(input.scan);
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
        let vars = [
            (Var::Raw, a.raw.clone()),
            (Var::Source, source_named(a, out.ctx.regime, lang)),
            (Var::OtherRaw, b.raw.clone()),
            (Var::OtherSource, source_named(b, out.ctx.regime, lang)),
        ];
        out.finding(a.pos.or(b.pos).or(fallback), &vars, None, None);
    }
}

pub(crate) fn non_secret_star(out: &mut Out, input: &Input) {
    let scan = input.scan;
    for n in &scan.non_secret {
        let vars = [
            (Var::Raw, n.raw.clone()),
            (Var::Designation, n.designation.clone()),
        ];
        out.finding(Some(&n.pos), &vars, None, None);
    }
}

pub(crate) fn public_but_marked(out: &mut Out, input: &Input) {
    let scan = input.scan;
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
    let declared = out.render_phrase(key, &[(Var::Declaration, declaration.clone())]);
    let vars = [
        (Var::Raw, raw),
        (Var::Declaration, declaration),
        (Var::Declared, declared),
    ];
    out.finding(pos, &vars, mark, None);
}

/// ML006: a mark that survives only where readers do not see it.
pub(crate) fn hidden_mark(out: &mut Out, input: &Input) {
    let scan = input.scan;
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
        out.finding(
            Some(&found.pos),
            &[(Var::Raw, m.raw.clone())],
            Some(m),
            None,
        );
    }
}

/// Where a source is, in words: a mark in another part is a header or footer (页眉,
/// 页脚) or a template page.
fn source_named(s: &Source, regime: &crate::regime::Regime, lang: Lang) -> String {
    match (s.name, s.pos.and_then(|p| p.part.as_deref())) {
        ("banner", Some(part)) => crate::lang::banner_in_part(part, lang),
        ("sensitivity-label", _) if let Some(level) = s.level => {
            crate::lang::mapped_label(&regime.levels[level].name, lang)
        }
        _ => crate::lang::declared_in(s.name, lang).to_string(),
    }
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
