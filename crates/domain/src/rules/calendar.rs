//! The certification calendar: when a person must certify, and what follows if
//! they do not. All dates are China time.
//!
//! Two schedules exist in the seeds:
//! - rolling (滚动认证): every 12 months counted from the month after benefits
//!   start; certifying early moves the next due month (benefits from 2018-03 ->
//!   due 2019-03; certified 2019-02 -> next due 2020-02);
//! - campaign windows with a scope cut-off (Huzhou 2020-11-01..12-20, Foshan
//!   2017-04-01..06-20 for benefits started before 2017-01-01, Beijing 2023 for
//!   benefits started on or before 2022-12-31).
//!
//! Missing the deadline suspends the benefit from the following month (Foshan:
//! deadline 06-20 -> suspended from July); certifying later restores it from the
//! next month and back-pays every month since it stopped (从停发之月起补发).
//! 24 consecutive months without certification need extra proof
//! (无违法犯罪记录证明 or entry/exit records).

use super::date::{CalendarDate, YearMonth};
use crate::i18n::{say_date, say_month, Language, Message};
use crate::tr;
use serde::{Deserialize, Serialize};

/// How a certification was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum CertificationMethod {
    /// Face scan in the app (刷脸认证), by the person or a relative's phone.
    FaceOnline,
    /// Big-data comparison (大数据比对, 静默认证): travel or hospital records.
    BigData,
    /// At a counter, a bank, or on a home visit (线下协助).
    Assisted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CertificationEvent {
    pub date: CalendarDate,
    pub method: CertificationMethod,
}

/// Why a person no longer draws the benefit (失去待遇领取资格).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LossReason {
    Death,
    Imprisonment,
    Disappearance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EligibilityLoss {
    pub reason: LossReason,
    pub date: CalendarDate,
}

/// What the rules need to know about one benefit holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BenefitHolder {
    /// The first month the benefit was paid.
    pub benefit_start: YearMonth,
    pub last_certification: Option<CertificationEvent>,
    pub eligibility_lost: Option<EligibilityLoss>,
}

/// A campaign window: everyone whose benefit started on or before `scope_cutoff`
/// certifies between `opens` and `closes`, both days included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Campaign {
    pub opens: CalendarDate,
    pub closes: CalendarDate,
    pub scope_cutoff: CalendarDate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Schedule {
    Rolling,
    Campaign { campaign: Campaign },
}

/// A region's rules (统筹区).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CertificationPolicy {
    pub schedule: Schedule,
    /// Days of the month on which online certification is closed for
    /// maintenance (Beijing: 1, 2, 3).
    /// (u32, not u8: a `Vec<u8>` would cross the FFI as a byte array.)
    pub maintenance_days: Vec<u32>,
}

impl CertificationPolicy {
    pub fn rolling() -> Self {
        CertificationPolicy {
            schedule: Schedule::Rolling,
            maintenance_days: vec![],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum StatusKind {
    /// The campaign does not cover this person: nothing to do.
    NotInScope,
    /// Nothing to do now; `next_due` says by when the next certification is due.
    UpToDate,
    /// Certification is due now, by `next_due`.
    Due,
    /// The deadline passed: the benefit is suspended from `suspended_from`.
    Suspended,
    /// Eligibility ended (death, imprisonment, disappearance): payments stopped.
    Stopped,
}

/// A person's standing today and why, ready for the home screen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CertificationStatus {
    pub kind: StatusKind,
    /// The last day on which certifying keeps the benefit flowing.
    pub next_due: Option<CalendarDate>,
    /// The first month not paid, when suspended or stopped.
    pub suspended_from: Option<YearMonth>,
    /// Months back-paid if the person certifies today (0 unless suspended).
    pub back_pay_months: u32,
    /// 24 months or more without certification: the agency needs extra proof.
    pub extra_proof_needed: bool,
    /// How the certification that covers the person now was made, if one does.
    pub certified_by: Option<CertificationMethod>,
    /// Whether online certification can be done today (closed on maintenance days).
    pub online_open_today: bool,
    /// The main message, then any notes (maintenance, extra proof), in order.
    pub messages: Vec<Message>,
}

impl CertificationStatus {
    fn nothing_due(kind: StatusKind, online_open_today: bool) -> Self {
        CertificationStatus {
            kind,
            next_due: None,
            suspended_from: None,
            back_pay_months: 0,
            extra_proof_needed: false,
            certified_by: None,
            online_open_today,
            messages: vec![],
        }
    }
}

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum CalendarError {
    #[error("{year}-{month}-{day} is not a date")]
    InvalidDate { year: i32, month: u8, day: u8 },
    #[error("{year}-{month} is not a month")]
    InvalidMonth { year: i32, month: u8 },
    #[error("the campaign closes before it opens")]
    CampaignClosesBeforeOpening,
    #[error("maintenance day {day} is not a day of the month")]
    InvalidMaintenanceDay { day: u32 },
}

/// Months without certification after which the agency asks for extra proof.
pub const EXTRA_PROOF_AFTER_MONTHS: i64 = 24;

fn check_date(d: CalendarDate) -> Result<CalendarDate, CalendarError> {
    d.to_naive().map(|_| d).ok_or(CalendarError::InvalidDate {
        year: d.year,
        month: d.month,
        day: d.day,
    })
}

fn check_month(m: YearMonth) -> Result<YearMonth, CalendarError> {
    if m.is_valid() {
        Ok(m)
    } else {
        Err(CalendarError::InvalidMonth {
            year: m.year,
            month: m.month,
        })
    }
}

/// Whether online certification is closed today for maintenance.
pub fn is_maintenance_day(policy: &CertificationPolicy, today: CalendarDate) -> bool {
    policy.maintenance_days.contains(&u32::from(today.day))
}

/// The person's certification status on `today`, with the reasons to show.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn certification_status(
    holder: BenefitHolder,
    policy: CertificationPolicy,
    today: CalendarDate,
    language: Language,
) -> Result<CertificationStatus, CalendarError> {
    let today = check_date(today)?;
    check_month(holder.benefit_start)?;
    if let Some(c) = holder.last_certification {
        check_date(c.date)?;
    }
    if let Some(&day) = policy
        .maintenance_days
        .iter()
        .find(|d| !(1..=31).contains(*d))
    {
        return Err(CalendarError::InvalidMaintenanceDay { day });
    }
    let l = language;
    let this_month = today.year_month();
    let online_open_today = !is_maintenance_day(&policy, today);

    if let Some(loss) = holder.eligibility_lost {
        let loss_date = check_date(loss.date)?;
        if loss_date <= today {
            let mut status =
                CertificationStatus::nothing_due(StatusKind::Stopped, online_open_today);
            status.suspended_from = Some(loss_date.year_month().plus_months(1));
            status.messages.push(stopped_message(l, loss.reason));
            return Ok(status);
        }
    }

    // The deadline, the day from which certifying counts for this cycle, and the
    // certification that already covers the person, if any.
    let (deadline, opens, covered_by) = match policy.schedule {
        Schedule::Rolling => {
            let base = holder
                .last_certification
                .map(|c| c.date.year_month())
                .unwrap_or(holder.benefit_start);
            let due_month = base.plus_months(12);
            let opens = due_month.first_day();
            // Before the due month the last certification still covers the person.
            let covered = holder
                .last_certification
                .filter(|_| today < opens)
                .map(|c| c.method);
            (due_month.last_day(), opens, covered)
        }
        Schedule::Campaign { campaign } => {
            let opens = check_date(campaign.opens)?;
            let closes = check_date(campaign.closes)?;
            let cutoff = check_date(campaign.scope_cutoff)?;
            if closes < opens {
                return Err(CalendarError::CampaignClosesBeforeOpening);
            }
            if holder.benefit_start.first_day() > cutoff {
                let mut status =
                    CertificationStatus::nothing_due(StatusKind::NotInScope, online_open_today);
                status.messages.push(Message::same(
                    "status.not_in_scope",
                    tr!(
                        l,
                        "您不在本次认证范围内,无需进行认证!",
                        "您不在本次認證範圍內,無需進行認證!",
                        "You are not covered by this certification round and need not certify."
                    ),
                ));
                return Ok(status);
            }
            let covered = holder
                .last_certification
                .filter(|c| c.date >= opens)
                .map(|c| c.method);
            (closes, opens, covered)
        }
    };

    let mut status = CertificationStatus::nothing_due(StatusKind::UpToDate, online_open_today);
    status.next_due = Some(deadline);
    let say = |d: CalendarDate| say_date(l, d.year, d.month.into(), d.day.into());

    if let Some(method) = covered_by {
        status.certified_by = Some(method);
        let next = match policy.schedule {
            Schedule::Rolling => tr!(
                l,
                "下次请在{}前认证。",
                "下次請在{}前認證。",
                " Next time, certify by {}.",
                say(deadline)
            ),
            Schedule::Campaign { .. } => {
                status.next_due = None;
                String::new()
            }
        };
        let (key, text) = match method {
            CertificationMethod::BigData => (
                "status.certified_big_data",
                tr!(
                    l,
                    "您已通过大数据比对完成本次认证,无需操作。{}",
                    "您已通過大數據比對完成本次認證,無需操作。{}",
                    "You are already certified through records matching; nothing to do.{}",
                    next
                ),
            ),
            _ => (
                "status.certified",
                tr!(
                    l,
                    "您已完成本次认证。{}",
                    "您已完成本次認證。{}",
                    "You are certified.{}",
                    next
                ),
            ),
        };
        status.messages.push(Message::same(key, text));
    } else if today > deadline {
        // Suspended from the month after the deadline's month; certifying now
        // back-pays from then through this month (payment resumes next month).
        let from = deadline.year_month().plus_months(1);
        status.kind = StatusKind::Suspended;
        status.next_due = None;
        status.suspended_from = Some(from);
        status.back_pay_months = (from.months_until(this_month) + 1).max(0) as u32;
        let from_text = say_month(l, from.year, from.month.into());
        status.messages.push(if status.back_pay_months == 0 {
            // Past the deadline, but the first unpaid month has not begun.
            Message::same(
                "status.overdue",
                tr!(l,
                    "您已超过认证期限,待遇将从{}起暂停发放。请尽快认证。",
                    "您已超過認證期限,待遇將從{}起暫停發放。請盡快認證。",
                    "The deadline has passed: payments stop from {}. Please certify as soon as you can.",
                    from_text),
            )
        } else {
            Message::same(
                "status.suspended",
                tr!(l,
                    "您未按时认证,待遇从{}起暂停发放。现在认证通过后,下月恢复发放,并补发{}个月待遇。",
                    "您未按時認證,待遇從{}起暫停發放。現在認證通過後,下月恢復發放,並補發{}個月待遇。",
                    "You did not certify in time, so payments stopped from {}. Certify now: payments restart next month and the {} missed months are paid back.",
                    from_text, status.back_pay_months),
            )
        });
        let months_uncertified = holder
            .last_certification
            .map(|c| c.date.year_month())
            .unwrap_or(holder.benefit_start)
            .months_until(this_month);
        if months_uncertified >= EXTRA_PROOF_AFTER_MONTHS {
            status.extra_proof_needed = true;
            status.messages.push(Message::same(
                "status.extra_proof",
                tr!(l,
                    "您已连续24个月以上未认证,请带上无违法犯罪记录证明或出入境记录到社保经办机构办理。",
                    "您已連續24個月以上未認證,請帶上無違法犯罪記錄證明或出入境記錄到社保經辦機構辦理。",
                    "You have not certified for 24 months or more: please bring a certificate of no criminal record or your entry/exit records to the social insurance office."),
            ));
        }
    } else if today >= opens {
        status.kind = StatusKind::Due;
        status.messages.push(Message::same(
            "status.due",
            tr!(
                l,
                "请在{}前完成认证,逾期将暂停发放待遇。",
                "請在{}前完成認證,逾期將暫停發放待遇。",
                "Please certify by {}; after that, payments are suspended.",
                say(deadline)
            ),
        ));
    } else if let Schedule::Campaign { .. } = policy.schedule {
        status.messages.push(Message::same(
            "status.campaign_not_open",
            tr!(
                l,
                "本次认证从{}开始,请到时再来。",
                "本次認證從{}開始,請到時再來。",
                "This certification round opens on {}. Please come back then.",
                say(opens)
            ),
        ));
    } else {
        status.messages.push(Message::same(
            "status.not_yet_due",
            tr!(
                l,
                "下次认证时间是{}至{},也可以提前认证。",
                "下次認證時間是{}至{},也可以提前認證。",
                "Your next certification is due between {} and {}; you may also certify early.",
                say(opens),
                say(deadline)
            ),
        ));
    }

    if !online_open_today {
        status
            .messages
            .push(maintenance_message(l, &policy.maintenance_days, today));
    }
    Ok(status)
}

fn stopped_message(l: Language, reason: LossReason) -> Message {
    let text = match reason {
        LossReason::Death => tr!(l,
            "待遇领取资格已终止。如有疑问,请家属联系社保经办机构。",
            "待遇領取資格已終止。如有疑問,請家屬聯繫社保經辦機構。",
            "Benefit eligibility has ended. Relatives with questions should contact the social insurance office."),
        LossReason::Imprisonment | LossReason::Disappearance => tr!(l,
            "待遇已暂停发放。如有疑问,请联系社保经办机构。",
            "待遇已暫停發放。如有疑問,請聯繫社保經辦機構。",
            "Payments are paused. Please contact the social insurance office with any questions."),
    };
    Message::same("status.stopped", text)
}

fn maintenance_message(l: Language, days: &[u32], today: CalendarDate) -> Message {
    let mut sorted = days.to_vec();
    sorted.sort_unstable();
    let reopen = (u32::from(today.day)..=31)
        .find(|d| !sorted.contains(d))
        .unwrap_or(1);
    let list = match (sorted.first(), sorted.last()) {
        (Some(a), Some(b)) if sorted.len() > 1 && (b - a) as usize + 1 == sorted.len() => {
            tr!(
                l,
                "每月{}日至{}日",
                "每月{}日至{}日",
                "days {} to {} of each month",
                a,
                b
            )
        }
        _ => {
            let joined: Vec<String> = sorted.iter().map(u32::to_string).collect();
            tr!(
                l,
                "每月{}日",
                "每月{}日",
                "day {} of each month",
                joined.join("、")
            )
        }
    };
    Message::same(
        "status.maintenance_day",
        tr!(
            l,
            "{}系统维护,暂停线上认证。请在{}日以后再来。",
            "{}系統維護,暫停線上認證。請在{}日以後再來。",
            "Online certification is closed for maintenance on {}. Please come back from day {}.",
            list,
            reopen
        ),
    )
}

#[cfg(test)]
mod tests;

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl CalendarError {
    /// These come from a caller's bad input, not a person's: plain and short.
    pub fn describe(&self, language: Language) -> Message {
        Message::same(
            "calendar.invalid_input",
            tr!(
                language,
                "日期设置有误:{}",
                "日期設置有誤:{}",
                "Invalid date settings: {}",
                self
            ),
        )
    }
}
