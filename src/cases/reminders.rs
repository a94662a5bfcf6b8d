//! The reminder scan, run by every worker every few minutes: reminders go
//! through the same outbox as everything else, each at most once per
//! period however many instances scan at once.
//!
//! - a daily digest of overdue cases to each assignee (unassigned: the
//!   admins), once per recipient and Beijing day (a row in `reminders`);
//! - a regulator that has not accepted or declined by its deadline gets a
//!   reminder threaded on its case email, and a second period later the
//!   default inbox gets the case (each once per deadline: the
//!   `reminded_at`/`escalated_at` update is the claim);
//! - a reporter whose answer is due within two days is reminded once.
//!
//! Every query is a range scan of the deadlines' due-time index, so a scan
//! costs the same at a thousand or a million cases.

use chrono::{Duration, NaiveDateTime};

use super::notices::{follow_up_regulator, notify_reporter};
use crate::db::deadlines::{self, DueCase, Pending};
use crate::db::deliveries::{self, NewDelivery};
use crate::db::{events, reports, responses, users, write_transaction, DbConnection};
use crate::domain::calendar::{beijing_date, DeadlineKind};
use crate::domain::delivery::{Addressing, DeliveryKind, DeliveryStatus};
use crate::domain::response;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// Cases handled per kind and scan; the next scan takes the next ones
/// (every five minutes by default: 1,200 an hour per kind).
pub const SCAN_BATCH: i64 = 100;
/// A digest counts overdue cases up to this many ("1000 件以上").
pub const DIGEST_COUNT_CAP: i64 = 1000;
/// Cases a digest names (it gives the total too).
pub const DIGEST_LISTED: usize = 50;
/// How long before its due time a reporter is reminded.
pub const ANSWER_REMINDER_LEAD: Duration = Duration::days(2);

/// What one scan queued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Scanned {
    pub digests: usize,
    pub regulator_reminders: usize,
    pub escalations: usize,
    pub answer_reminders: usize,
}

impl Scanned {
    pub fn queued(&self) -> usize {
        self.digests + self.regulator_reminders + self.escalations + self.answer_reminders
    }
}

pub fn scan(
    conn: &mut DbConnection,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<Scanned, AppError> {
    let mut scanned = Scanned {
        digests: digests(conn, addressing, now)?,
        ..Scanned::default()
    };
    // Each pass is one transaction: a commit per case would cost a disk flush
    // per case on PostgreSQL. The conditional `reminded_at`/`escalated_at`
    // update inside each still decides which of two scanning instances acts.
    scanned.regulator_reminders = write_transaction(conn, |conn| -> Result<usize, AppError> {
        let mut sent = 0;
        for case in deadlines::awaiting(
            conn,
            DeadlineKind::RegulatorAcknowledgement,
            now,
            Pending::Reminder,
            SCAN_BATCH,
        )? {
            sent += remind_regulators(conn, &case, addressing, now)?;
        }
        Ok(sent)
    })?;
    // The second period: as long again after the first due time.
    let calendar = deadlines::calendar(conn)?;
    let policy = addressing.deadlines;
    scanned.escalations = write_transaction(conn, |conn| -> Result<usize, AppError> {
        let mut sent = 0;
        for case in deadlines::awaiting(
            conn,
            DeadlineKind::RegulatorAcknowledgement,
            now,
            Pending::Escalation,
            SCAN_BATCH,
        )? {
            let second = policy.due_at(
                &calendar,
                DeadlineKind::RegulatorAcknowledgement,
                case.deadline.due_at,
            );
            if now >= second {
                sent += escalate(conn, &case, addressing, now)?;
            }
        }
        Ok(sent)
    })?;
    scanned.answer_reminders = write_transaction(conn, |conn| -> Result<usize, AppError> {
        let mut sent = 0;
        for case in deadlines::awaiting(
            conn,
            DeadlineKind::ConsumerAnswer,
            now + ANSWER_REMINDER_LEAD,
            Pending::Reminder,
            SCAN_BATCH,
        )? {
            sent += remind_reporter(conn, &case, addressing, now)?;
        }
        Ok(sent)
    })?;
    Ok(scanned)
}

/// Regulator deliveries of the case still waiting to be accepted or declined.
fn unacknowledged(
    conn: &mut DbConnection,
    report_id: i64,
) -> Result<Vec<deliveries::DeliveryRow>, AppError> {
    let answers = responses::for_report(conn, report_id)?;
    Ok(deliveries::for_report(conn, report_id)?
        .into_iter()
        .filter(|d| {
            d.kind == DeliveryKind::Regulator
                && d.status == DeliveryStatus::Accepted
                && d.response_revoked_at.is_none()
        })
        .filter(|d| {
            let history: Vec<_> = answers
                .iter()
                .filter(|a| a.row.delivery_id == d.id)
                .map(|a| a.row.kind)
                .collect();
            response::standing(&history) == response::Standing::Undecided
        })
        .collect())
}

fn remind_regulators(
    conn: &mut DbConnection,
    case: &DueCase,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    if !deadlines::mark(
        conn,
        case.id,
        case.deadline.started_at,
        Pending::Reminder,
        now,
    )? {
        return Ok(0);
    }
    let due = beijing_date(case.deadline.due_at - Duration::seconds(1));
    let note = format!("受理答复期限为 {due}，贵单位尚未答复是否受理。");
    let mut sent = 0;
    for original in unacknowledged(conn, case.id)? {
        follow_up_regulator(
            conn,
            &original,
            DeliveryKind::RegulatorReminder,
            Some(&note),
            addressing,
            now,
        )?;
        sent += 1;
    }
    Ok(sent)
}

fn escalate(
    conn: &mut DbConnection,
    case: &DueCase,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    if !deadlines::mark(
        conn,
        case.id,
        case.deadline.started_at,
        Pending::Escalation,
        now,
    )? {
        return Ok(0);
    }
    let mut sent = 0;
    for original in unacknowledged(conn, case.id)? {
        // The default inbox itself was the recipient: nobody to escalate to.
        if original
            .recipient_email
            .eq_ignore_ascii_case(&addressing.inbox_email)
        {
            continue;
        }
        let name = original
            .recipient_name
            .clone()
            .unwrap_or_else(|| original.recipient_email.clone());
        let note = format!("原收件单位「{name}」逾期未答复是否受理，现转交贵单位。");
        let message_id = addressing.new_message_id(DeliveryKind::Escalation);
        let inbox_name = addressing.inbox_display_name();
        deliveries::insert(
            conn,
            NewDelivery {
                report_id: case.id,
                kind: DeliveryKind::Escalation,
                regulator_id: None,
                recipient_name: Some(&inbox_name),
                recipient_email: &addressing.inbox_email,
                message_id: &message_id,
                note: Some(&note),
                secret: None,
                replies_to: Some(original.id),
            },
            now,
        )?;
        sent += 1;
    }
    Ok(sent)
}

fn remind_reporter(
    conn: &mut DbConnection,
    case: &DueCase,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    if !deadlines::mark(
        conn,
        case.id,
        case.deadline.started_at,
        Pending::Reminder,
        now,
    )? {
        return Ok(0);
    }
    let report = reports::find(conn, case.id)?;
    if report.status != ReportStatus::NeedsInfo {
        return Ok(0);
    }
    let question = events::for_report(conn, case.id)?
        .into_iter()
        .rev()
        .find(|e| e.status == ReportStatus::NeedsInfo)
        .and_then(|e| e.public_note);
    let due = beijing_date(case.deadline.due_at - Duration::seconds(1));
    let note = match (report.locale, question) {
        (crate::domain::report::Locale::En, Some(q)) => format!("Please answer by {due}: {q}"),
        (crate::domain::report::Locale::En, None) => format!("Please answer by {due}."),
        (_, Some(q)) => format!("请于 {due} 前回复：{q}"),
        (_, None) => format!("请于 {due} 前回复。"),
    };
    let queued = notify_reporter(
        conn,
        &report,
        DeliveryKind::AnswerReminder,
        Some(&note),
        None,
        addressing,
        now,
    )?;
    Ok(usize::from(queued.is_some()))
}

/// One digest per recipient and Beijing day, naming their overdue cases
/// (the unassigned ones, and those of disabled accounts, go to every active
/// admin). Each staff member's overdue cases are counted and listed by
/// index; once a day's digests are all queued a marker spares later scans
/// that day the work.
fn digests(
    conn: &mut DbConnection,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = beijing_date(now);
    let done_key = format!("digests:{today}");
    if deadlines::reminder_recorded(conn, &done_key)? {
        return Ok(0);
    }
    let staff = users::list(conn)?;
    let admins: Vec<String> = staff
        .iter()
        .filter(|u| u.disabled_at.is_none() && u.role == crate::domain::account::Role::Admin)
        .map(|u| u.email.clone())
        .collect();
    // (assignee, who reads about their cases)
    let mut groups: Vec<(Option<i64>, Vec<String>)> = staff
        .iter()
        .map(|u| {
            let readers = if u.disabled_at.is_none() {
                vec![u.email.clone()]
            } else {
                admins.clone()
            };
            (Some(u.id), readers)
        })
        .collect();
    groups.push((None, admins.clone()));
    let mut counted = Vec::new();
    let mut total = 0;
    let mut any_capped = false;
    for (assignee, readers) in groups {
        let count = deadlines::count_overdue_for(conn, now, assignee, DIGEST_COUNT_CAP)?;
        total += count;
        any_capped |= count >= DIGEST_COUNT_CAP;
        if count > 0 {
            counted.push((assignee, readers, count));
        }
    }
    if counted.is_empty() {
        // Nothing overdue yet today: a later scan may find some.
        return Ok(0);
    }
    let mut sent = 0;
    for (assignee, readers, count) in counted {
        let cases = deadlines::overdue_for(conn, now, assignee, DIGEST_LISTED as i64)?;
        let Some(first) = cases.first() else { continue };
        let mut lines: Vec<String> = cases
            .iter()
            .map(|c| {
                format!(
                    "{}  {}  应于 {} 前完成",
                    c.reference,
                    c.deadline.kind.labelled().zh,
                    beijing_date(c.deadline.due_at - Duration::seconds(1))
                )
            })
            .collect();
        let capped = |n: i64| {
            if n >= DIGEST_COUNT_CAP {
                format!("{DIGEST_COUNT_CAP} 件以上")
            } else {
                format!("{n} 件")
            }
        };
        if count > cases.len() as i64 {
            lines.push(format!("……另有 {}", capped(count - cases.len() as i64)));
        }
        let whose = match assignee {
            Some(_) => "分配给您的",
            None => "未分配的",
        };
        let note = format!(
            "截至 {today}，{whose}逾期案件 {}（全平台逾期 {}）：\n{}",
            capped(count),
            if any_capped {
                format!("{total} 件以上")
            } else {
                format!("{total} 件")
            },
            lines.join("\n")
        );
        for email in readers {
            let key = format!(
                "digest:{today}:{}:{email}",
                assignee.map_or_else(|| "unassigned".to_owned(), |id| id.to_string())
            );
            let queued = write_transaction(conn, |conn| -> Result<bool, AppError> {
                if !deadlines::claim_reminder(conn, &key, None, now)? {
                    return Ok(false);
                }
                let message_id = addressing.new_message_id(DeliveryKind::OverdueDigest);
                // A delivery belongs to a case: the digest to its most overdue one.
                let delivery_id = deliveries::insert(
                    conn,
                    NewDelivery {
                        report_id: first.id,
                        kind: DeliveryKind::OverdueDigest,
                        regulator_id: None,
                        recipient_name: None,
                        recipient_email: &email,
                        message_id: &message_id,
                        note: Some(&note),
                        secret: None,
                        replies_to: None,
                    },
                    now,
                )?;
                deadlines::attach_delivery(conn, &key, delivery_id)?;
                Ok(true)
            })?;
            sent += usize::from(queued);
        }
    }
    write_transaction(conn, |conn| {
        deadlines::claim_reminder(conn, &done_key, None, now)
    })?;
    Ok(sent)
}
