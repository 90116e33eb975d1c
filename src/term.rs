//! Term arithmetic: when a mark's secrecy ends (保密法 第二十条 sets the terms; a term
//! counts from the date the document is marked as made, 实施条例 第十九条第二款).
//!
//! Pure date arithmetic, no I/O. A term of N years from S ends on S + N years (the
//! first day is not counted, 民法典 第二百零一条; Feb 29 + 1 year = Feb 28); the item is
//! declassified from the next day. A 解密时间 D ends secrecy on D itself.

use jiff::Span;
use jiff::civil::Date;

use crate::marking::{DatePrecision, Duration, Term};

/// The last day a marked item is secret, or `None` when it has no computable end
/// (a 解密条件, 长期, or a duration whose start is unknown).
pub fn last_day(term: &Term, start: Option<Date>, max_years: u32) -> Option<Date> {
    match term {
        Term::Duration(d) => add_duration(start?, d),
        Term::None => add_duration(
            start?,
            &Duration {
                years: max_years,
                months: 0,
                days: 0,
            },
        ),
        Term::Date(d) => match d.precision {
            DatePrecision::Day | DatePrecision::MonthBefore => d.date.yesterday().ok(),
            DatePrecision::Month => d.date.last_of_month().into(),
        },
        Term::Condition(_) | Term::Indefinite(_) => None,
    }
}

/// S + the duration, clamping to the end of a shorter month (Feb 29 + 1 year = Feb 28).
pub fn add_duration(start: Date, d: &Duration) -> Option<Date> {
    // Absurd terms (`99999年`) exceed jiff's span limits: no end, never a panic.
    let span = Span::new()
        .try_years(i64::from(d.years))
        .and_then(|s| s.try_months(i64::from(d.months)))
        .and_then(|s| s.try_days(i64::from(d.days)))
        .ok()?;
    start.checked_add(span).ok()
}

/// Whether a duration is longer than `max_years` counted from `start` (or, undated,
/// from a fixed reference so that "11 years" is always over a 10-year maximum).
pub fn exceeds(d: &Duration, max_years: u32, start: Option<Date>) -> bool {
    let reference = start.unwrap_or(Date::constant(2001, 1, 1));
    match (
        add_duration(reference, d),
        add_duration(
            reference,
            &Duration {
                years: max_years,
                months: 0,
                days: 0,
            },
        ),
    ) {
        (Some(end), Some(limit)) => end > limit,
        // Beyond the calendar: certainly beyond any maximum.
        (None, _) => true,
        (Some(_), None) => false,
    }
}

/// Whether term `a` keeps an item secret longer than term `b`, where the two can be
/// ordered without knowing when each counts from: two durations (from one start), two
/// 解密时间, or 长期 against a finite term. A 解密条件 or a bare level (`机密★`) orders
/// with nothing. For the roll-up of several 密点 to the longest term (定密规定
/// 第三十一条第二款).
pub fn outlasts(a: &Term, b: &Term) -> bool {
    let from = Date::constant(2000, 1, 1);
    match (a, b) {
        (Term::Duration(x), Term::Duration(y)) => {
            match (add_duration(from, x), add_duration(from, y)) {
                (Some(x), Some(y)) => x > y,
                // Beyond the calendar: longer than any term that has an end.
                (None, Some(_)) => true,
                _ => false,
            }
        }
        (Term::Date(_), Term::Date(_)) => last_day(a, None, 0) > last_day(b, None, 0),
        (Term::Indefinite(_), Term::Duration(_) | Term::Date(_)) => true,
        _ => false,
    }
}

/// Days from `today` to `day` (negative when `day` is in the past).
pub fn days_between(today: Date, day: Date) -> i64 {
    today
        .until(day)
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marking::DeclassDate;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).unwrap()
    }
    fn years(n: u32) -> Term {
        Term::Duration(Duration {
            years: n,
            months: 0,
            days: 0,
        })
    }

    #[test]
    fn years_count_from_the_day_after_start() {
        assert_eq!(
            last_day(&years(1), Some(d(2020, 3, 5)), 10),
            Some(d(2021, 3, 5))
        );
        assert_eq!(
            last_day(&years(10), Some(d(2016, 1, 1)), 20),
            Some(d(2026, 1, 1))
        );
    }

    #[test]
    fn feb_29_plus_a_year_is_feb_28() {
        assert_eq!(
            last_day(&years(1), Some(d(2024, 2, 29)), 10),
            Some(d(2025, 2, 28))
        );
        assert_eq!(
            last_day(&years(4), Some(d(2024, 2, 29)), 10),
            Some(d(2028, 2, 29))
        );
    }

    #[test]
    fn months_and_days() {
        let six_months = Term::Duration(Duration {
            years: 0,
            months: 6,
            days: 0,
        });
        assert_eq!(
            last_day(&six_months, Some(d(2026, 8, 31)), 10),
            Some(d(2027, 2, 28))
        );
        let mixed = Term::Duration(Duration {
            years: 1,
            months: 6,
            days: 0,
        });
        assert_eq!(
            last_day(&mixed, Some(d(2025, 1, 15)), 10),
            Some(d(2026, 7, 15))
        );
        let days = Term::Duration(Duration {
            years: 0,
            months: 0,
            days: 30,
        });
        assert_eq!(
            last_day(&days, Some(d(2026, 1, 1)), 10),
            Some(d(2026, 1, 31))
        );
    }

    #[test]
    fn level_only_runs_for_the_maximum() {
        assert_eq!(
            last_day(&Term::None, Some(d(2000, 6, 1)), 20),
            Some(d(2020, 6, 1))
        );
        assert_eq!(last_day(&Term::None, None, 20), None);
    }

    #[test]
    fn declassification_dates_end_on_the_day() {
        let on = |date, precision| Term::Date(DeclassDate { date, precision });
        assert_eq!(
            last_day(&on(d(2040, 12, 31), DatePrecision::Day), None, 30),
            Some(d(2040, 12, 30))
        );
        assert_eq!(
            last_day(&on(d(2031, 6, 1), DatePrecision::MonthBefore), None, 30),
            Some(d(2031, 5, 31))
        );
        assert_eq!(
            last_day(&on(d(2031, 6, 1), DatePrecision::Month), None, 30),
            Some(d(2031, 6, 30))
        );
    }

    #[test]
    fn conditions_have_no_end() {
        assert_eq!(
            last_day(&Term::Condition("启用前".into()), Some(d(2020, 1, 1)), 30),
            None
        );
        assert_eq!(
            last_day(&Term::Indefinite("长期".into()), Some(d(2020, 1, 1)), 30),
            None
        );
    }

    #[test]
    fn exceeding_the_maximum() {
        let dur = |y, m, days| Duration {
            years: y,
            months: m,
            days,
        };
        assert!(!exceeds(&dur(10, 0, 0), 10, None));
        assert!(exceeds(&dur(10, 1, 0), 10, None));
        assert!(exceeds(&dur(0, 121, 0), 10, None));
        assert!(!exceeds(&dur(0, 0, 3652), 10, Some(d(2020, 1, 1))));
        assert!(exceeds(&dur(0, 0, 3654), 10, Some(d(2020, 1, 1))));
        assert!(exceeds(&dur(99999, 0, 0), 30, None));
    }

    #[test]
    fn terms_order_only_where_they_can() {
        let on = |y| {
            Term::Date(DeclassDate {
                date: d(y, 12, 31),
                precision: DatePrecision::Day,
            })
        };
        let months = |m| {
            Term::Duration(Duration {
                years: 0,
                months: m,
                days: 0,
            })
        };
        assert!(outlasts(&years(10), &years(5)));
        assert!(!outlasts(&years(5), &years(10)));
        assert!(!outlasts(&years(5), &years(5)));
        assert!(outlasts(&months(61), &years(5)));
        assert!(!outlasts(&months(60), &years(5)));
        assert!(outlasts(&years(99999), &years(30)));
        assert!(outlasts(&on(2041), &on(2040)));
        assert!(!outlasts(&on(2040), &on(2040)));
        let long = Term::Indefinite("长期".into());
        assert!(outlasts(&long, &years(30)));
        assert!(outlasts(&long, &on(2040)));
        assert!(!outlasts(&years(30), &long));
        // Unordered: a duration and a date need a start; conditions and bare levels
        // have no end here.
        assert!(!outlasts(&years(30), &on(2030)));
        assert!(!outlasts(&on(2090), &years(1)));
        let cond = Term::Condition("工程竣工后".into());
        assert!(!outlasts(&cond, &years(1)));
        assert!(!outlasts(&years(1), &cond));
        assert!(!outlasts(&Term::None, &years(1)));
        assert!(!outlasts(&years(30), &Term::None));
    }

    #[test]
    fn days_between_dates() {
        assert_eq!(days_between(d(2026, 11, 27), d(2026, 12, 20)), 23);
        assert_eq!(days_between(d(2026, 11, 27), d(2026, 11, 1)), -26);
    }
}
