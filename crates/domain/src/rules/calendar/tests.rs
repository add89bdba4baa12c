use super::*;

fn d(y: i32, m: u8, day: u8) -> CalendarDate {
    CalendarDate::new(y, m, day)
}
fn ym(y: i32, m: u8) -> YearMonth {
    YearMonth::new(y, m)
}
fn holder(start: YearMonth, last: Option<(CalendarDate, CertificationMethod)>) -> BenefitHolder {
    BenefitHolder {
        benefit_start: start,
        last_certification: last.map(|(date, method)| CertificationEvent { date, method }),
        eligibility_lost: None,
    }
}
fn status(h: &BenefitHolder, p: &CertificationPolicy, today: CalendarDate) -> CertificationStatus {
    certification_status(h.clone(), p.clone(), today, Language::ZhHans).unwrap()
}
use CertificationMethod::*;
use StatusKind::*;

/// The seed's own example (Zhoushan): 李某 draws from 2018-03, is due in 2019-03,
/// certifies early in 2019-02, and is next due in 2020-02 (a leap February).
#[test]
fn rolling_cycle_follows_the_seed_example_of_li() {
    let rolling = CertificationPolicy::rolling();
    let new = holder(ym(2018, 3), None);
    let s = status(&new, &rolling, d(2018, 6, 1));
    assert_eq!((s.kind, s.next_due), (UpToDate, Some(d(2019, 3, 31))));
    let s = status(&new, &rolling, d(2019, 3, 1));
    assert_eq!((s.kind, s.next_due), (Due, Some(d(2019, 3, 31))));

    let early = holder(ym(2018, 3), Some((d(2019, 2, 14), FaceOnline)));
    let s = status(&early, &rolling, d(2019, 2, 14));
    assert_eq!(
        (s.kind, s.next_due, s.certified_by),
        (UpToDate, Some(d(2020, 2, 29)), Some(FaceOnline))
    );
    assert_eq!(s.messages[0].key, "status.certified");
    assert!(
        s.messages[0].display.contains("2020年2月29日"),
        "{:?}",
        s.messages
    );
    // In the due month the old certification no longer covers the person.
    let s = status(&early, &rolling, d(2020, 2, 1));
    assert_eq!((s.kind, s.certified_by), (Due, None));
}

/// Table: (benefit start, last certification, today) -> (kind, next due, suspended from, back pay).
#[test]
fn rolling_cycle_table_of_edges() {
    type Row = (
        YearMonth,
        Option<CalendarDate>,
        CalendarDate,
        StatusKind,
        Option<CalendarDate>,
        Option<YearMonth>,
        u32,
    );
    let rows: Vec<Row> = vec![
        // Last day of the due month is still in time; the next day is suspended.
        (
            ym(2018, 3),
            None,
            d(2019, 3, 31),
            Due,
            Some(d(2019, 3, 31)),
            None,
            0,
        ),
        (
            ym(2018, 3),
            None,
            d(2019, 4, 1),
            Suspended,
            None,
            Some(ym(2019, 4)),
            1,
        ),
        // Year end: benefits from 2018-12 are due 2019-12, suspended from 2020-01.
        (
            ym(2018, 12),
            None,
            d(2019, 12, 31),
            Due,
            Some(d(2019, 12, 31)),
            None,
            0,
        ),
        (
            ym(2018, 12),
            None,
            d(2020, 1, 1),
            Suspended,
            None,
            Some(ym(2020, 1)),
            1,
        ),
        (
            ym(2018, 12),
            None,
            d(2020, 3, 15),
            Suspended,
            None,
            Some(ym(2020, 1)),
            3,
        ),
        // Certified on a leap day: due a year later, in a 28-day February.
        (
            ym(2015, 1),
            Some(d(2020, 2, 29)),
            d(2021, 2, 28),
            Due,
            Some(d(2021, 2, 28)),
            None,
            0,
        ),
        (
            ym(2015, 1),
            Some(d(2020, 2, 29)),
            d(2021, 3, 1),
            Suspended,
            None,
            Some(ym(2021, 3)),
            1,
        ),
        // Certified on the 31st: due month ends on the 30th.
        (
            ym(2015, 1),
            Some(d(2022, 4, 30)),
            d(2023, 3, 31),
            UpToDate,
            Some(d(2023, 4, 30)),
            None,
            0,
        ),
        (
            ym(2015, 1),
            Some(d(2022, 4, 30)),
            d(2023, 4, 30),
            Due,
            Some(d(2023, 4, 30)),
            None,
            0,
        ),
    ];
    let rolling = CertificationPolicy::rolling();
    for (start, last, today, kind, due, from, back) in rows {
        let h = holder(start, last.map(|c| (c, FaceOnline)));
        let s = status(&h, &rolling, today);
        assert_eq!(
            (s.kind, s.next_due, s.suspended_from, s.back_pay_months),
            (kind, due, from, back),
            "start {start:?} last {last:?} today {today:?}"
        );
    }
}

/// Foshan 2017: window 04-01..06-20 for benefits started before 2017-01-01;
/// late -> suspended from July, restored next month with back pay.
#[test]
fn campaign_window_follows_foshan_2017() {
    let foshan = CertificationPolicy {
        schedule: Schedule::Campaign {
            campaign: Campaign {
                opens: d(2017, 4, 1),
                closes: d(2017, 6, 20),
                scope_cutoff: d(2016, 12, 31),
            },
        },
        maintenance_days: vec![],
    };
    let retiree = holder(ym(2010, 5), Some((d(2016, 5, 3), Assisted)));
    let at = |today| status(&retiree, &foshan, today);
    assert_eq!(at(d(2017, 3, 31)).kind, UpToDate);
    assert_eq!(
        at(d(2017, 3, 31)).messages[0].key,
        "status.campaign_not_open"
    );
    assert_eq!(
        (at(d(2017, 4, 1)).kind, at(d(2017, 4, 1)).next_due),
        (Due, Some(d(2017, 6, 20)))
    );
    assert_eq!(at(d(2017, 6, 20)).kind, Due);
    let late = at(d(2017, 6, 21));
    assert_eq!(
        (late.kind, late.suspended_from, late.back_pay_months),
        (Suspended, Some(ym(2017, 7)), 0)
    );
    assert_eq!(late.messages[0].key, "status.overdue");
    let later = at(d(2017, 9, 10));
    assert_eq!(
        (later.suspended_from, later.back_pay_months),
        (Some(ym(2017, 7)), 3)
    );
    assert!(
        later.messages[0].display.contains("2017年7月"),
        "{:?}",
        later.messages
    );

    let certified = holder(ym(2010, 5), Some((d(2017, 5, 2), FaceOnline)));
    let s = status(&certified, &foshan, d(2017, 12, 1));
    assert_eq!(
        (s.kind, s.certified_by, s.next_due),
        (UpToDate, Some(FaceOnline), None)
    );

    // Benefits started in 2017: not in this round.
    let newcomer = holder(ym(2017, 1), None);
    let s = status(&newcomer, &foshan, d(2017, 5, 1));
    assert_eq!(s.kind, NotInScope);
    assert_eq!(s.messages[0].display, "您不在本次认证范围内,无需进行认证!");
}

/// Beijing 2023: in scope when benefits started on or before 2022-12-31 (cut-off
/// included); big-data matches count; online closed on days 1-3 of each month.
#[test]
fn beijing_2023_scope_big_data_and_maintenance_days() {
    let beijing = CertificationPolicy {
        schedule: Schedule::Campaign {
            campaign: Campaign {
                opens: d(2023, 1, 1),
                closes: d(2023, 12, 31),
                scope_cutoff: d(2022, 12, 31),
            },
        },
        maintenance_days: vec![1, 2, 3],
    };
    assert_eq!(
        status(&holder(ym(2022, 12), None), &beijing, d(2023, 5, 10)).kind,
        Due
    );
    assert_eq!(
        status(&holder(ym(2023, 1), None), &beijing, d(2023, 5, 10)).kind,
        NotInScope
    );

    let matched = holder(ym(2000, 1), Some((d(2023, 3, 9), BigData)));
    let s = status(&matched, &beijing, d(2023, 5, 10));
    assert_eq!((s.kind, s.certified_by), (UpToDate, Some(BigData)));
    assert_eq!(s.messages[0].key, "status.certified_big_data");

    // Days 1-3 closed (also across a month end: 31st open, 1st closed), 4th open.
    for (day, open) in [
        (d(2023, 5, 31), true),
        (d(2023, 6, 1), false),
        (d(2023, 6, 3), false),
        (d(2023, 6, 4), true),
    ] {
        let s = status(&holder(ym(2022, 1), None), &beijing, day);
        assert_eq!(s.online_open_today, open, "{day:?}");
        assert_eq!(
            s.messages.iter().any(|m| m.key == "status.maintenance_day"),
            !open
        );
    }
    let closed = status(&holder(ym(2022, 1), None), &beijing, d(2023, 6, 2));
    let note = closed.messages.last().unwrap();
    assert_eq!(
        note.display,
        "每月1日至3日系统维护,暂停线上认证。请在4日以后再来。"
    );
    // The deadline on a maintenance day: still due that day, but not online.
    let tight = CertificationPolicy {
        schedule: Schedule::Campaign {
            campaign: Campaign {
                opens: d(2023, 2, 10),
                closes: d(2023, 3, 2),
                scope_cutoff: d(2022, 12, 31),
            },
        },
        maintenance_days: vec![1, 2, 3],
    };
    let s = status(&holder(ym(2022, 1), None), &tight, d(2023, 3, 2));
    assert_eq!((s.kind, s.online_open_today), (Due, false));
}

#[test]
fn twenty_four_months_without_certification_needs_extra_proof() {
    let rolling = CertificationPolicy::rolling();
    let h = holder(ym(2010, 1), Some((d(2019, 2, 10), FaceOnline)));
    let s = status(&h, &rolling, d(2021, 1, 31));
    assert_eq!(
        (s.kind, s.extra_proof_needed, s.back_pay_months),
        (Suspended, false, 11)
    );
    let s = status(&h, &rolling, d(2021, 2, 1));
    assert_eq!(
        (s.kind, s.extra_proof_needed, s.back_pay_months),
        (Suspended, true, 12)
    );
    assert_eq!(s.messages[1].key, "status.extra_proof");
}

#[test]
fn lost_eligibility_stops_payment_from_the_following_month() {
    let mut h = holder(ym(2010, 1), Some((d(2023, 2, 10), FaceOnline)));
    h.eligibility_lost = Some(EligibilityLoss {
        reason: LossReason::Death,
        date: d(2023, 8, 31),
    });
    let before = status(&h, &CertificationPolicy::rolling(), d(2023, 8, 30));
    assert_eq!(before.kind, UpToDate);
    let after = status(&h, &CertificationPolicy::rolling(), d(2023, 9, 1));
    assert_eq!(
        (after.kind, after.suspended_from),
        (Stopped, Some(ym(2023, 9)))
    );
}

#[test]
fn invalid_inputs_are_errors_not_panics() {
    let rolling = CertificationPolicy::rolling();
    let h = holder(ym(2018, 3), None);
    let bad = |h: BenefitHolder, p: CertificationPolicy, today| {
        certification_status(h, p, today, Language::En)
    };
    assert_eq!(
        bad(h.clone(), rolling.clone(), d(2023, 2, 29)),
        Err(CalendarError::InvalidDate {
            year: 2023,
            month: 2,
            day: 29
        })
    );
    assert_eq!(
        bad(holder(ym(2018, 13), None), rolling.clone(), d(2023, 2, 1)),
        Err(CalendarError::InvalidMonth {
            year: 2018,
            month: 13
        })
    );
    let backwards = CertificationPolicy {
        schedule: Schedule::Campaign {
            campaign: Campaign {
                opens: d(2023, 3, 1),
                closes: d(2023, 2, 1),
                scope_cutoff: d(2022, 1, 1),
            },
        },
        maintenance_days: vec![],
    };
    assert_eq!(
        bad(h.clone(), backwards, d(2023, 2, 1)),
        Err(CalendarError::CampaignClosesBeforeOpening)
    );
    let silly = CertificationPolicy {
        schedule: Schedule::Rolling,
        maintenance_days: vec![0],
    };
    assert_eq!(
        bad(h, silly, d(2023, 2, 1)),
        Err(CalendarError::InvalidMaintenanceDay { day: 0 })
    );
}

#[test]
fn every_status_message_exists_in_three_languages() {
    let rolling = CertificationPolicy {
        schedule: Schedule::Rolling,
        maintenance_days: vec![1, 2, 3],
    };
    let h = holder(ym(2010, 1), Some((d(2019, 2, 10), FaceOnline)));
    for today in [d(2019, 3, 1), d(2020, 2, 10), d(2022, 3, 2)] {
        let all = [Language::ZhHans, Language::ZhHant, Language::En]
            .map(|l| certification_status(h.clone(), rolling.clone(), today, l).unwrap());
        assert_eq!(all[0].messages.len(), all[2].messages.len());
        for (a, b) in all[0].messages.iter().zip(&all[2].messages) {
            assert_eq!(a.key, b.key);
            assert!(b.display.is_ascii(), "English text: {}", b.display);
        }
        assert_ne!(all[0].messages[0].display, all[1].messages[0].display);
    }
}
