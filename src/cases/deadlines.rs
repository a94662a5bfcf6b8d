//! The deadline each case runs under, started and ended by the workflow's
//! own transactions (see `domain::calendar` for the rules):
//!
//! - filed, or back under review: the moderators' decision (working days);
//! - `needs_info`: the reporter's answer (calendar days);
//! - `forwarded`: the regulators' acknowledgement (working days), ended when
//!   every recipient has accepted or declined;
//! - decided (validated, rejected, duplicate, closed): none.
//!
//! And an admin's change to the calendar, which moves the due times of the
//! deadlines it affects.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::json;

use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::deadlines::{self, Running};
use crate::db::{write_transaction, DbConnection};
use crate::domain::calendar::{DeadlineKind, DeadlinePolicy, YearSchedule};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// Starts a deadline of `kind` on the case, running from `started`.
pub fn start(
    conn: &mut DbConnection,
    report_id: i64,
    kind: DeadlineKind,
    started: NaiveDateTime,
    policy: &DeadlinePolicy,
) -> Result<(), AppError> {
    let calendar = deadlines::calendar(conn)?;
    let due_at = policy.due_at(&calendar, kind, started);
    deadlines::set(
        conn,
        report_id,
        Some(Running {
            kind,
            started_at: started,
            due_at,
        }),
    )
}

pub fn end(conn: &mut DbConnection, report_id: i64) -> Result<(), AppError> {
    deadlines::set(conn, report_id, None)
}

/// After a case moved from `from` to `to` at `now` (inside that move's transaction).
pub fn after_transition(
    conn: &mut DbConnection,
    report_id: i64,
    filed_at: NaiveDateTime,
    from: ReportStatus,
    to: ReportStatus,
    policy: &DeadlinePolicy,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    use ReportStatus::*;
    match (from, to) {
        // Picked up: the decision is still due from filing.
        (Submitted, UnderReview) => {
            start(conn, report_id, DeadlineKind::Moderation, filed_at, policy)
        }
        // The reporter answered, or an admin reopened: a fresh decision period.
        (_, UnderReview) => start(conn, report_id, DeadlineKind::Moderation, now, policy),
        (_, NeedsInfo) => start(conn, report_id, DeadlineKind::ConsumerAnswer, now, policy),
        (_, Forwarded) => start(
            conn,
            report_id,
            DeadlineKind::RegulatorAcknowledgement,
            now,
            policy,
        ),
        (_, Validated | Rejected | Duplicate | Closed | Submitted) => end(conn, report_id),
    }
}

/// What an admin's change to a year did.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct CalendarChange {
    /// Running deadlines whose due time moved.
    pub deadlines_moved: usize,
}

/// An admin replaces a year's holidays and make-up days; the running
/// deadlines that can reach into that year are recomputed in the same
/// transaction, so no case shows a due date of the old calendar.
pub fn put_year(
    conn: &mut DbConnection,
    year: i32,
    schedule: &YearSchedule,
    policy: &DeadlinePolicy,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<CalendarChange, AppError> {
    write_transaction(conn, |conn| {
        let before = deadlines::calendar(conn)?.year(year).cloned();
        deadlines::put_year(conn, year, schedule, now)?;
        let calendar = deadlines::calendar(conn)?;
        // A deadline runs a few weeks at most: those started since the
        // previous year's start are the ones the change can move.
        let since = NaiveDate::from_ymd_opt(year - 1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or(now);
        let mut moved = 0;
        for (report_id, running) in deadlines::running_since(conn, since)? {
            let due_at = policy.due_at(&calendar, running.kind, running.started_at);
            if due_at != running.due_at {
                deadlines::set_due(conn, report_id, due_at)?;
                moved += 1;
            }
        }
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "calendar.update",
                report_id: None,
                client_ip: caller.client_ip.as_deref(),
                before: Some(json!({ "year": year, "schedule": before })),
                after: Some(
                    json!({ "year": year, "schedule": schedule, "deadlines_moved": moved }),
                ),
                at: now,
            },
        )?;
        Ok(CalendarChange {
            deadlines_moved: moved,
        })
    })
}
