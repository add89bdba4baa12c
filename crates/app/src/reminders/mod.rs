//! Reminders of certification deadlines, for the shells to schedule as local
//! notifications (the core sends nothing itself): 30, 7 and 1 day before each
//! due date, and on the due day itself.

use chrono::Days;
use lifecert_domain::i18n::{say_date, Language, Message};
use lifecert_domain::rules::CalendarDate;
use lifecert_domain::tr;

/// Days before the due date on which a reminder is shown (0 = the due day).
pub const REMIND_DAYS_BEFORE: [u32; 4] = [30, 7, 1, 0];

/// One local notification to schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Reminder {
    /// The display name of the person who must certify.
    pub person: String,
    /// The last day on which certifying keeps the benefit flowing.
    pub due: CalendarDate,
    /// The day to show the notification.
    pub notify_on: CalendarDate,
    pub days_before: u32,
    pub message: Message,
}

/// A person and their certification deadline (`CertificationStatus::next_due`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DuePerson {
    /// Display name, e.g. 张三 or 阿依古丽·买买提.
    pub name: String,
    pub due: CalendarDate,
}

/// The reminders still to come from `today` on (today's included), ordered by
/// the day to show them. Due dates that do not exist are skipped.
pub fn reminders(
    people: &[(String, CalendarDate)],
    today: CalendarDate,
    language: Language,
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for (person, due) in people {
        let Some(due_day) = due.to_naive() else {
            continue;
        };
        for days_before in REMIND_DAYS_BEFORE {
            let Some(day) = due_day.checked_sub_days(Days::new(days_before.into())) else {
                continue;
            };
            let notify_on = CalendarDate::from_naive(day);
            if notify_on < today {
                continue;
            }
            out.push(Reminder {
                person: person.clone(),
                due: *due,
                notify_on,
                days_before,
                message: reminder_message(language, person, *due, days_before),
            });
        }
    }
    out.sort_by(|a, b| {
        (a.notify_on, a.due, &a.person, a.days_before).cmp(&(
            b.notify_on,
            b.due,
            &b.person,
            b.days_before,
        ))
    });
    out
}

/// [`reminders`] for the shells: the notifications to schedule from `today`.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn upcoming_reminders(
    people: Vec<DuePerson>,
    today: CalendarDate,
    language: Language,
) -> Vec<Reminder> {
    let pairs: Vec<(String, CalendarDate)> = people.into_iter().map(|p| (p.name, p.due)).collect();
    reminders(&pairs, today, language)
}

/// The text of one reminder. Speech reads a minority name's middle dot as a
/// short pause instead of a symbol.
pub fn reminder_message(
    language: Language,
    person: &str,
    due: CalendarDate,
    days_before: u32,
) -> Message {
    let l = language;
    let date = say_date(l, due.year, due.month.into(), due.day.into());
    let text = |name: &str| {
        match days_before {
        0 => tr!(l,
            "今天是{}完成待遇资格认证的最后一天,请今天完成,以免暂停发放待遇。",
            "今天是{}完成待遇資格認證的最後一天,請今天完成,以免暫停發放待遇。",
            "Today is the last day for {} to complete the pension certification. Please do it today so that payments are not suspended.",
            name),
        1 => tr!(l,
            "{}的待遇资格认证明天就到期了,也就是{},请尽快完成。",
            "{}的待遇資格認證明天就到期了,也就是{},請盡快完成。",
            "{} must complete the pension certification by tomorrow, {}. Please do it soon.",
            name, date),
        n => tr!(l,
            "{}需要在{}前完成待遇资格认证,还有{}天。",
            "{}需要在{}前完成待遇資格認證,還有{}天。",
            "{} needs to complete the pension certification by {}. {} days left.",
            name, date, n),
    }
    };
    let key = match days_before {
        0 => "reminder.due_today",
        1 => "reminder.due_tomorrow",
        _ => "reminder.due_soon",
    };
    Message::new(key, text(person), text(&speakable_name(person)))
}

/// 阿依古丽·买买提 -> 阿依古丽 买买提: text-to-speech engines read some of the
/// dots people type as "dot" or skip the pause.
fn speakable_name(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '·' | '•' | '・' | '‧' | '.' | '．' => ' ',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> CalendarDate {
        CalendarDate::new(y, m, day)
    }

    fn one(name: &str, due: CalendarDate) -> Vec<(String, CalendarDate)> {
        vec![(name.to_owned(), due)]
    }

    #[test]
    fn four_reminders_before_a_far_due_date() {
        let r = reminders(
            &one("张三", d(2026, 12, 1)),
            d(2026, 10, 1),
            Language::ZhHans,
        );
        let days: Vec<(CalendarDate, u32)> =
            r.iter().map(|x| (x.notify_on, x.days_before)).collect();
        assert_eq!(
            days,
            [
                (d(2026, 11, 1), 30),
                (d(2026, 11, 24), 7),
                (d(2026, 11, 30), 1),
                (d(2026, 12, 1), 0)
            ]
        );
        assert_eq!(
            r[1].message.display,
            "张三需要在2026年12月1日前完成待遇资格认证,还有7天。"
        );
        assert!(r
            .iter()
            .all(|x| x.person == "张三" && x.due == d(2026, 12, 1)));
    }

    #[test]
    fn counting_back_crosses_month_ends_and_leap_days() {
        // 2028 is a leap year: 1 March minus 30 days is 31 January.
        let r = reminders(&one("李四", d(2028, 3, 1)), d(2027, 1, 1), Language::ZhHans);
        assert_eq!(r[0].notify_on, d(2028, 1, 31));
        assert_eq!(r[1].notify_on, d(2028, 2, 23));
        assert_eq!(r[2].notify_on, d(2028, 2, 29));
        // 2027 is not: the day before 1 March is 28 February, 30 before is 30 January.
        let r = reminders(&one("李四", d(2027, 3, 1)), d(2026, 1, 1), Language::ZhHans);
        assert_eq!(r[0].notify_on, d(2027, 1, 30));
        assert_eq!(r[2].notify_on, d(2027, 2, 28));
        // Across a year end.
        let r = reminders(&one("李四", d(2027, 1, 5)), d(2026, 1, 1), Language::ZhHans);
        assert_eq!(r[0].notify_on, d(2026, 12, 6));
        assert_eq!(r[1].notify_on, d(2026, 12, 29));
    }

    #[test]
    fn past_reminders_are_skipped_and_today_is_kept() {
        let due = d(2026, 12, 1);
        let r = reminders(&one("王五", due), d(2026, 11, 24), Language::ZhHans);
        let days: Vec<u32> = r.iter().map(|x| x.days_before).collect();
        assert_eq!(days, [7, 1, 0], "today's 7-day notice is still shown");
        let r = reminders(&one("王五", due), d(2026, 11, 25), Language::ZhHans);
        assert_eq!(r.iter().map(|x| x.days_before).collect::<Vec<_>>(), [1, 0]);
        assert_eq!(reminders(&one("王五", due), due, Language::ZhHans).len(), 1);
        assert!(reminders(&one("王五", due), d(2026, 12, 2), Language::ZhHans).is_empty());
    }

    #[test]
    fn several_people_are_merged_in_date_order() {
        let people = vec![
            ("张三".to_owned(), d(2026, 12, 1)),
            ("李四".to_owned(), d(2026, 11, 20)),
        ];
        let r = reminders(&people, d(2026, 11, 1), Language::ZhHans);
        let dates: Vec<CalendarDate> = r.iter().map(|x| x.notify_on).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted);
        assert_eq!(r.len(), 3 + 4, "李四's 30-day notice (10-21) has passed");
        assert_eq!(r[0].person, "张三"); // 11-01, the 30-day notice
        assert_eq!(r[1].person, "李四"); // 11-13
    }

    #[test]
    fn impossible_due_dates_are_skipped() {
        assert!(reminders(&one("赵六", d(2027, 2, 29)), d(2027, 1, 1), Language::En).is_empty());
    }

    #[test]
    fn messages_exist_in_three_distinct_languages() {
        let due = d(2026, 12, 1);
        for days in REMIND_DAYS_BEFORE {
            let texts: Vec<Message> = [Language::ZhHans, Language::ZhHant, Language::En]
                .into_iter()
                .map(|l| reminder_message(l, "张三", due, days))
                .collect();
            for m in &texts {
                assert!(!m.display.is_empty() && !m.speech.is_empty());
                assert!(m.display.contains("张三"), "{}", m.display);
                assert!(m.key.starts_with("reminder."));
            }
            assert_ne!(texts[0].display, texts[1].display, "{days}");
            assert_ne!(texts[1].display, texts[2].display, "{days}");
            assert_ne!(texts[0].display, texts[2].display, "{days}");
            if days > 0 {
                assert!(
                    texts[2].display.contains("1 December 2026"),
                    "{}",
                    texts[2].display
                );
                assert!(texts[0].display.contains("2026年12月1日"));
            }
        }
        assert_eq!(
            reminder_message(Language::En, "Zhang San", due, 7).display,
            "Zhang San needs to complete the pension certification by 1 December 2026. 7 days left."
        );
    }

    #[test]
    fn speech_pauses_at_a_minority_name_dot() {
        let m = reminder_message(Language::ZhHans, "阿依古丽·买买提", d(2026, 12, 1), 7);
        assert!(m.display.starts_with("阿依古丽·买买提"));
        assert!(m.speech.starts_with("阿依古丽 买买提"));
    }

    #[test]
    fn the_exported_function_matches_the_rust_one() {
        let today = d(2026, 11, 1);
        let people = vec![DuePerson {
            name: "张三".into(),
            due: d(2026, 12, 1),
        }];
        assert_eq!(
            upcoming_reminders(people, today, Language::ZhHant),
            reminders(&one("张三", d(2026, 12, 1)), today, Language::ZhHant)
        );
    }
}
