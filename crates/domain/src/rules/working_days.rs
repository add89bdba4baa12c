//! Working days (工作日) in China: Monday to Friday, less the public holidays,
//! plus the weekend days worked in exchange (调休上班), as the State Council
//! publishes them each November for the next year. A result in review is
//! decided within a number of working days ("3 个工作日内" in Beijing's app,
//! 5 on the ministry's channels), so the app says from which day to look.

use super::date::CalendarDate;
use chrono::{Datelike, Weekday};

/// Working days a review takes on the ministry's channels (国家社会保险公共服务
/// 平台, 掌上12333): results reach the ministry's system within 5 working days.
pub const MINISTRY_REVIEW_WORKING_DAYS: u32 = 5;

/// One year's arrangement: days off that fall on weekdays, and weekend days
/// that are worked.
struct Arrangement {
    year: i32,
    /// (month, first day, last day) of each holiday run.
    off: &'static [(u8, u8, u8)],
    /// (month, day) of each weekend day worked.
    worked: &'static [(u8, u8)],
}

/// 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号) and
/// the 2026 notice of 2025-11-04. Add each year's notice when it is
/// published; a year not listed keeps only the fixed-date statutory days
/// ([`STATUTORY_FIXED`]), so the date told is never too early by more than
/// the lunar holidays.
const ARRANGEMENTS: &[Arrangement] = &[
    Arrangement {
        year: 2025,
        off: &[
            (1, 1, 1),
            (1, 28, 31),
            (2, 1, 4),
            (4, 4, 6),
            (5, 1, 5),
            (5, 31, 31),
            (6, 1, 2),
            (10, 1, 8),
        ],
        worked: &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    },
    Arrangement {
        year: 2026,
        off: &[
            (1, 1, 3),
            (2, 15, 23),
            (4, 4, 6),
            (5, 1, 5),
            (6, 19, 21),
            (9, 25, 27),
            (10, 1, 7),
        ],
        worked: &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    },
];

/// Public holidays on fixed dates in the 全国年节及纪念日放假办法 (2024
/// revision): New Year's Day, Labour Day (1-2 May), National Day (1-3
/// October). Spring Festival, Qingming, Dragon Boat and Mid-Autumn follow
/// the lunar or solar-term calendar and come from the yearly notices only.
const STATUTORY_FIXED: &[(u8, u8, u8)] = &[(1, 1, 1), (5, 1, 2), (10, 1, 3)];

/// Whether the holiday arrangement of `year` is known (else weekends and
/// the fixed-date holidays only).
pub fn known_year(year: i32) -> bool {
    ARRANGEMENTS.iter().any(|a| a.year == year)
}

/// Whether offices work on `day`.
pub fn is_working_day(day: CalendarDate) -> bool {
    let Some(date) = day.to_naive() else {
        return false;
    };
    let within = |runs: &[(u8, u8, u8)]| {
        runs.iter()
            .any(|&(m, first, last)| m == day.month && (first..=last).contains(&day.day))
    };
    match ARRANGEMENTS.iter().find(|a| a.year == day.year) {
        Some(a) if a.worked.contains(&(day.month, day.day)) => return true,
        Some(a) if within(a.off) => return false,
        None if within(STATUTORY_FIXED) => return false,
        _ => {}
    }
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `n`th working day after `from` (not counting `from` itself): where
/// "within 3 working days" of a Friday before a holiday ends.
pub fn add_working_days(from: CalendarDate, n: u32) -> CalendarDate {
    let mut date = from.to_naive().expect("a real date");
    let mut left = n;
    while left > 0 {
        date = date.succ_opt().expect("within chrono's range");
        if is_working_day(CalendarDate::from_naive(date)) {
            left -= 1;
        }
    }
    CalendarDate::from_naive(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> CalendarDate {
        CalendarDate::new(y, m, day)
    }

    #[test]
    fn holidays_are_off_and_exchanged_weekend_days_are_worked() {
        // Spring Festival 2026: 15-23 February off, Saturdays 14 and 28 worked.
        assert!(!is_working_day(d(2026, 2, 16)), "a Monday in the holiday");
        assert!(is_working_day(d(2026, 2, 14)), "a Saturday worked");
        assert!(is_working_day(d(2026, 2, 28)));
        assert!(!is_working_day(d(2026, 2, 21)), "a Saturday in the holiday");
        assert!(is_working_day(d(2026, 2, 24)));
        // National Day 2025 with Mid-Autumn: 1-8 October, Saturday 11 worked.
        assert!(!is_working_day(d(2025, 10, 8)));
        assert!(is_working_day(d(2025, 10, 11)));
        // An ordinary week.
        assert!(is_working_day(d(2026, 12, 2)));
        assert!(!is_working_day(d(2026, 12, 5)));
    }

    #[test]
    fn three_working_days_step_over_weekends_and_holidays() {
        // Wednesday 2 December 2026: Thursday, Friday, Monday.
        assert_eq!(add_working_days(d(2026, 12, 2), 3), d(2026, 12, 7));
        // Friday 13 February 2026: Saturday 14 is worked, then the Spring
        // Festival (15-23) is skipped: 14, 24, 25.
        assert_eq!(add_working_days(d(2026, 2, 13), 3), d(2026, 2, 25));
        // Tuesday 29 September 2026: 30 Sep, then 1-7 October off, Thursday 8, Friday 9,
        // Saturday 10 worked, Monday 12.
        assert_eq!(add_working_days(d(2026, 9, 29), 5), d(2026, 10, 12));
        // 30 April 2025 (Wednesday): the Labour Day holiday 1-5 May.
        assert_eq!(add_working_days(d(2025, 4, 30), 1), d(2025, 5, 6));
    }

    #[test]
    fn a_year_whose_notice_is_not_listed_keeps_the_fixed_date_holidays() {
        assert!(!known_year(2027));
        assert!(!is_working_day(d(2027, 1, 1)), "New Year's Day, a Friday");
        assert!(!is_working_day(d(2027, 10, 1)));
        assert!(
            is_working_day(d(2027, 10, 4)),
            "a Monday after the fixed days"
        );
        // Thursday 31 December 2026: Friday 1 January is off, then 4, 5, 6.
        assert_eq!(add_working_days(d(2026, 12, 31), 3), d(2027, 1, 6));
    }
}
