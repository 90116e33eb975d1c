//! A change of the mark across versions (ML108): the mark in force of a file's version
//! at the base revision against the new version's. Pure: both versions come in already
//! read and scanned (the engine reads the old one from git objects); no I/O here.

use super::*;
use crate::term;

/// What one version of a document says of its own mark: the mark in force (its latest
/// change mark, else its banner in force), the date its term runs from, and whether it
/// carries a change or a 解密 mark.
#[derive(Debug, Clone)]
pub struct Standing {
    pub mark: Option<FoundMark>,
    pub start: Option<Date>,
    /// A change mark (`变更为：秘密★2年`) is on it.
    pub changed: bool,
    /// A 解密 mark is on it.
    pub declassified: bool,
}

impl Standing {
    /// The standing of a scanned document.
    pub fn of(scan: &Scan) -> Standing {
        Standing {
            mark: scan
                .changes
                .last()
                .or_else(|| scan.mark_in_force())
                .cloned(),
            start: scan.start.map(|(d, _)| d),
            changed: !scan.changes.is_empty(),
            declassified: scan.declassified.is_some(),
        }
    }

    /// Scan `doc` as the checks do (the config's term start included) and take its
    /// standing.
    pub fn scan(ctx: &CheckContext, doc: &Document, file_name: &str) -> Standing {
        let mut scan = crate::scan::scan(ctx.regime, doc, file_name);
        if ctx.term_start_printed {
            scan.start_from_print_date();
        }
        Standing::of(&scan)
    }
}

/// When a mark's secrecy ends, as far as it can be ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ending {
    /// The last secret day.
    Day(Date),
    /// `长期`: no end.
    Never,
    /// A 解密条件: ends when the condition is met (its text).
    Condition(String),
}

/// A duration whose start neither version records is counted from one fixed day for
/// both, so that `10年` → `5年` is still a shorter term.
const NO_START: Date = Date::constant(2001, 1, 1);

fn ending(regime: &Regime, mark: &Mark, start: Date) -> Ending {
    match &mark.term {
        Term::Indefinite(_) => Ending::Never,
        Term::Condition(c) => Ending::Condition(c.clone()),
        t => match term::last_day(t, Some(start), regime.levels[mark.level].max_years) {
            Some(day) => Ending::Day(day),
            // Beyond the calendar: no end that can be reached.
            None => Ending::Never,
        },
    }
}

/// How the new mark stands to the old one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shift {
    Same,
    /// No mark in force any more.
    Removed,
    /// A lower level.
    Lowered,
    /// An earlier last day (or a definite end where there was none).
    Shortened,
    /// A higher level, a later end, or a term that cannot be ordered against the old.
    Changed,
}

fn shift(regime: &Regime, base: &Standing, now: &Standing, old: &Mark) -> Shift {
    let Some(new) = now.mark.as_ref().map(|f| &f.mark) else {
        return Shift::Removed;
    };
    let rank = |m: &Mark| regime.levels[m.level].rank;
    if rank(new) < rank(old) {
        return Shift::Lowered;
    }
    let start_old = base.start.or(now.start).unwrap_or(NO_START);
    let start_new = now.start.or(base.start).unwrap_or(NO_START);
    let (was, is) = (
        ending(regime, old, start_old),
        ending(regime, new, start_new),
    );
    let shorter = match (&was, &is) {
        (Ending::Day(a), Ending::Day(b)) => b < a,
        (Ending::Never, Ending::Day(_)) => true,
        _ => false,
    };
    if shorter {
        Shift::Shortened
    } else if rank(new) > rank(old) || was != is {
        Shift::Changed
    } else {
        Shift::Same
    }
}

/// ML108: the new version lowers the level of the base version's mark in force,
/// shortens its term or removes it (error), or raises or otherwise changes it (warning),
/// without a change mark or a 解密 mark (保密法 第二十二条; 定密规定 第四十条). `base_name` is
/// git's name of the old version (`origin/main:docs/a.md`). The finding points at the
/// new mark, or at line 1 when the mark was removed.
pub fn unmarked_change(
    rules: &[Rule],
    ctx: &CheckContext,
    path: &DocPath,
    base_name: &str,
    base: &Standing,
    now: &Standing,
) -> Option<Diagnostic> {
    let rule = rules.iter().find(|r| r.kind == Kind::UnmarkedChange)?;
    // A declassified base holds no level; a change or 解密 mark records the change.
    if base.declassified || now.changed || now.declassified {
        return None;
    }
    let old = &base.mark.as_ref()?.mark;
    let shift = shift(ctx.regime, base, now, old);
    let new = now.mark.as_ref();
    let vars = [
        (
            Var::Raw,
            new.map(|f| f.mark.raw.clone()).unwrap_or_default(),
        ),
        (Var::OtherRaw, old.raw.clone()),
        (Var::Base, base_name.to_string()),
    ];
    let (key, severity) = match shift {
        Shift::Same => return None,
        Shift::Lowered => (None, rule.severity),
        Shift::Removed => (Some(phrase::REMOVED), rule.severity),
        Shift::Shortened => (Some(phrase::SHORTENED), rule.severity),
        Shift::Changed => (Some(phrase::CHANGED), rule.severity.min(Severity::Warning)),
    };
    Some(one_finding(rule, ctx, path, |out| {
        let text = match key {
            Some(key) => out.phrase(key).clone(),
            None => rule.message.clone(),
        };
        let (pos, mark) = (new.map(|f| &f.pos), new.map(|f| &f.mark));
        out.emit(pos, &text, &vars, severity, mark, None);
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(text: &str) -> Standing {
        let regime = Regime::builtin();
        let doc = Document::plain(crate::extract::Flavour::Markdown, text.to_string());
        Standing::of(&crate::scan::scan(&regime, &doc, "a.md"))
    }

    fn shift_of(old: &str, new: &str) -> Shift {
        let regime = Regime::builtin();
        let (base, now) = (standing(old), standing(new));
        let mark = base.mark.clone().expect("the base is marked").mark;
        shift(&regime, &base, &now, &mark)
    }

    const DATED: &str = "\n\n正文。\n\n2026年3月5日\n";

    #[test]
    fn lower_shorter_removed_raised_and_same() {
        let with = |mark: &str| format!("{mark}{DATED}");
        let cases = [
            ("机密★10年", "秘密★10年", Shift::Lowered),
            ("机密★10年", "机密★5年", Shift::Shortened),
            ("机密★10年", "正文", Shift::Removed),
            ("秘密★5年", "机密★5年", Shift::Changed),
            ("秘密★5年", "秘密★8年", Shift::Changed),
            ("秘密★1年6个月", "秘密★18个月", Shift::Same),
            ("机密★", "机密★20年", Shift::Same),
            ("机密★长期", "机密★20年", Shift::Shortened),
            ("机密★20年", "机密★长期", Shift::Changed),
            ("绝密★启用前", "绝密★考试结束后", Shift::Changed),
            ("机密★2040年12月31日", "机密★2040-12-31", Shift::Same),
            (
                "机密★2040年12月31日",
                "机密★2030年12月31日",
                Shift::Shortened,
            ),
        ];
        for (old, new, want) in cases {
            assert_eq!(shift_of(&with(old), &with(new)), want, "{old} → {new}");
        }
    }

    #[test]
    fn undated_durations_are_compared_from_one_day() {
        assert_eq!(shift_of("机密★10年\n", "机密★5年\n"), Shift::Shortened);
        assert_eq!(shift_of("机密★10年\n", "机密★10年\n"), Shift::Same);
    }

    #[test]
    fn an_earlier_issue_date_shortens_the_same_term() {
        let old = "秘密★5年\n\n正文。\n\n2026年3月5日\n";
        let new = "秘密★5年\n\n正文。\n\n2020年3月5日\n";
        assert_eq!(shift_of(old, new), Shift::Shortened);
    }

    #[test]
    fn change_and_declassification_marks_are_seen() {
        let now = standing("机密★10年\n变更为：秘密★5年\n");
        assert!(now.changed);
        assert_eq!(now.mark.map(|f| f.mark.raw), Some("秘密★5年".to_string()));
        assert!(standing("机密★10年\n\n已解密\n").declassified);
    }
}
