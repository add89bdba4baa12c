//! Calendar dates as they cross the FFI, and "today" in China time.

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A calendar day in China time. A plain record so Kotlin and Swift can build one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CalendarDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A calendar month (benefits are paid and suspended by month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl CalendarDate {
    pub fn new(year: i32, month: u8, day: u8) -> Self {
        CalendarDate { year, month, day }
    }

    /// The chrono date, or `None` for a day that does not exist (2023-02-29).
    pub fn to_naive(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month.into(), self.day.into())
    }

    pub fn from_naive(d: NaiveDate) -> Self {
        CalendarDate {
            year: d.year(),
            month: d.month() as u8,
            day: d.day() as u8,
        }
    }

    pub fn year_month(self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }
}

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Self {
        YearMonth { year, month }
    }

    pub fn is_valid(self) -> bool {
        (1..=12).contains(&self.month)
    }

    /// Months counted from year 0, so month arithmetic is integer arithmetic.
    fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    fn from_index(i: i64) -> Self {
        YearMonth {
            year: i.div_euclid(12) as i32,
            month: (i.rem_euclid(12) + 1) as u8,
        }
    }

    pub fn plus_months(self, n: i64) -> Self {
        Self::from_index(self.index() + n)
    }

    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i64 {
        later.index() - self.index()
    }

    pub fn first_day(self) -> CalendarDate {
        CalendarDate::new(self.year, self.month, 1)
    }

    pub fn last_day(self) -> CalendarDate {
        let next = self.plus_months(1);
        let first_of_next = NaiveDate::from_ymd_opt(next.year, next.month.into(), 1)
            .expect("the first of a valid month exists");
        CalendarDate::from_naive(first_of_next.pred_opt().expect("not the first day of time"))
    }
}

/// China has used one offset, UTC+8 with no daylight saving, since 1991, so a fixed
/// offset is exact for every date the app will see and needs no time-zone database.
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The China date of a Unix time in ms (`None` outside chrono's range).
pub fn china_date_of_ms(ms: i64) -> Option<CalendarDate> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| CalendarDate::from_naive(t.with_timezone(&china_offset()).date_naive()))
}

/// Today's date in China (Asia/Shanghai), whatever the phone's own time zone is:
/// certification deadlines are set by Chinese agencies in China time.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn today_in_china() -> CalendarDate {
    CalendarDate::from_naive(Utc::now().with_timezone(&china_offset()).date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic_crosses_year_ends_both_ways() {
        assert_eq!(
            YearMonth::new(2018, 3).plus_months(12),
            YearMonth::new(2019, 3)
        );
        assert_eq!(
            YearMonth::new(2019, 12).plus_months(1),
            YearMonth::new(2020, 1)
        );
        assert_eq!(
            YearMonth::new(2020, 1).plus_months(-1),
            YearMonth::new(2019, 12)
        );
        assert_eq!(
            YearMonth::new(2017, 7).months_until(YearMonth::new(2018, 2)),
            7
        );
    }

    #[test]
    fn last_day_of_month_knows_leap_years_and_month_lengths() {
        let cases = [
            ((2020, 2), 29),
            ((2019, 2), 28),
            ((1900, 2), 28),
            ((2000, 2), 29),
            ((2023, 4), 30),
            ((2023, 12), 31),
        ];
        for ((y, m), d) in cases {
            assert_eq!(YearMonth::new(y, m).last_day(), CalendarDate::new(y, m, d));
        }
    }

    #[test]
    fn impossible_days_do_not_convert() {
        assert!(CalendarDate::new(2023, 2, 29).to_naive().is_none());
        assert!(CalendarDate::new(2024, 2, 29).to_naive().is_some());
        assert!(CalendarDate::new(2024, 13, 1).to_naive().is_none());
    }
}
