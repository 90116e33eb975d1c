//! Terms (ML101–ML107): over the maximum, missing, indefinite, expired, expiring,
//! undated, and how a term is written.

use super::*;
use crate::term;

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

pub(crate) fn term_exceeds_limit(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let regime = out.ctx.regime;
    let start = scan.start.map(|(d, _)| d);
    for found in term_marks(scan) {
        let m = &found.mark;
        let max_years = regime.levels[m.level].max_years;
        match &m.term {
            Term::Duration(d) if term::exceeds(d, max_years, start) => {
                let vars = [
                    (Var::Raw, m.raw.clone()),
                    (Var::Level, regime.levels[m.level].name.clone()),
                    (Var::Term, m.term_text()),
                    (Var::Max, max_text(regime, m.level)),
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
                        (Var::Raw, m.raw.clone()),
                        (Var::Date, term_text(&m.term)),
                        (Var::Start, crate::lang::date(start, out.ctx.lang)),
                        (Var::LimitDay, crate::lang::date(limit, out.ctx.lang)),
                        (Var::Level, regime.levels[m.level].name.clone()),
                        (Var::Max, max_text(regime, m.level)),
                    ];
                    let text = out.phrase(phrase::DATE_BEYOND).clone();
                    out.finding_in(&text, Some(&found.pos), &vars, Some(m));
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn missing_term(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let regime = out.ctx.regime;
    for found in scan.banners.iter().chain(&scan.changes) {
        let m = &found.mark;
        if m.term != Term::None || m.legacy_bare {
            continue;
        }
        let vars = [
            (Var::Raw, m.raw.clone()),
            (Var::Level, regime.levels[m.level].name.clone()),
            (Var::Max, max_text(regime, m.level)),
        ];
        out.finding(Some(&found.pos), &vars, Some(m), None);
    }
}

/// ML103: `长期`, lawful only where the 保密事项范围 provides it. The words no rule
/// provides for (`永久`) are malformed marks (ML001).
pub(crate) fn indefinite_term(out: &mut Out, input: &Input) {
    let scan = input.scan;
    let unlawful = &out.ctx.regime.unlawful_indefinite;
    for found in term_marks(scan) {
        let m = &found.mark;
        if let Term::Indefinite(w) = &m.term
            && !unlawful.contains(w)
        {
            let vars = [(Var::Raw, m.raw.clone()), (Var::Term, w.clone())];
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

pub(crate) fn term_expired(out: &mut Out, input: &Input) {
    expiry(out, input.scan, Kind::TermExpired);
}

pub(crate) fn term_expiring(out: &mut Out, input: &Input) {
    expiry(out, input.scan, Kind::TermExpiring);
}

pub(crate) fn undated_mark(out: &mut Out, input: &Input) {
    expiry(out, input.scan, Kind::UndatedMark);
}

/// ML104, ML105 and ML106 share the question: when does each term end?
fn expiry(out: &mut Out, scan: &Scan, kind: Kind) {
    let ctx = out.ctx;
    let regime = ctx.regime;
    for found in expiry_marks(scan) {
        let m = &found.mark;
        let max_years = regime.levels[m.level].max_years;
        let start = scan.start.map(|(d, _)| d);
        let dated = matches!(m.term, Term::Duration(_) | Term::None);
        let term_shown = match &m.term {
            Term::None => crate::lang::no_term_marked(&max_text(regime, m.level), ctx.lang),
            _ => m.term_text(),
        };
        let Some(last) = term::last_day(&m.term, start, max_years) else {
            if matches!(kind, Kind::UndatedMark) && dated && start.is_none() {
                let vars = [(Var::Raw, m.raw.clone())];
                out.finding(Some(&found.pos), &vars, Some(m), None);
            }
            continue;
        };
        let days = term::days_between(ctx.today, last);
        match kind {
            Kind::TermExpired if days < 0 => {
                let (text, vars) = if let Term::Date(_) = m.term {
                    (
                        out.phrase(phrase::DATE_PASSED).clone(),
                        vec![(Var::Raw, m.raw.clone()), (Var::Date, m.term_text())],
                    )
                } else {
                    let (start, source) = scan.start.expect("a dated term has a start");
                    (
                        out.rule.message.clone(),
                        vec![
                            (Var::Raw, m.raw.clone()),
                            (Var::Term, term_shown.clone()),
                            (Var::Start, crate::lang::date(start, ctx.lang)),
                            (
                                Var::StartSource,
                                crate::lang::date_source(source, ctx.lang).to_string(),
                            ),
                            (Var::LastDay, crate::lang::date(last, ctx.lang)),
                        ],
                    )
                };
                out.finding_in(&text, Some(&found.pos), &vars, Some(m));
            }
            Kind::TermExpiring if (0..=ctx.expiring_within_days).contains(&days) => {
                let vars = [
                    (Var::Raw, m.raw.clone()),
                    (Var::Term, term_shown.clone()),
                    (Var::LastDay, crate::lang::date(last, ctx.lang)),
                    (Var::Days, days.to_string()),
                ];
                // The last day itself: "ends today", not "0 days left".
                let text = if days == 0 {
                    out.phrase(phrase::TODAY).clone()
                } else {
                    out.rule.message.clone()
                };
                out.finding_in(&text, Some(&found.pos), &vars, Some(m));
            }
            _ => {}
        }
    }
}

/// ML107: a zero term is no term (the rule's severity); a month count of a year or more
/// is lawful (terms are counted in days, months or years) and only a suggestion of
/// writing, at most `info`.
pub(crate) fn term_unit(out: &mut Out, input: &Input) {
    let scan = input.scan;
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
        let problem = out.render_phrase(key, &[(Var::FixedTerm, fixed_term.clone())]);
        let vars = [
            (Var::Raw, m.raw.clone()),
            (Var::Term, m.term_text()),
            (Var::Problem, problem),
            (Var::Fix, fix.clone().unwrap_or_default()),
            (Var::FixedTerm, fixed_term),
        ];
        let severity = match key {
            "zero-term" => out.rule.severity,
            _ => out.rule.severity.min(Severity::Info),
        };
        let message = out.rule.message.clone();
        out.emit(Some(&found.pos), &message, &vars, severity, Some(m), fix);
    }
}
