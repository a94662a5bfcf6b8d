//! Deadlines: the one running on each case (columns of `reports`), the
//! working-day calendar admins keep (`calendar_years`), and the reminders
//! already sent (`reminders`).

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{calendar_years, deadlines, reminders, reports};
use super::types::Json;
use super::{dialect, DbConnection};
use crate::domain::calendar::{self, DeadlineKind, WorkCalendar, YearSchedule};
use crate::error::AppError;

/// A deadline as stored on its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = deadlines)]
pub struct Running {
    pub kind: DeadlineKind,
    pub started_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, report_id: i64) -> Result<Option<Running>, AppError> {
    Ok(deadlines::table
        .find(report_id)
        .select(Running::as_select())
        .first(conn)
        .optional()?)
}

/// Sets (or, with `None`, ends) the deadline of a case.
pub fn set(
    conn: &mut DbConnection,
    report_id: i64,
    running: Option<Running>,
) -> Result<(), AppError> {
    diesel::delete(deadlines::table.find(report_id)).execute(conn)?;
    if let Some(r) = running {
        let assigned_to: Option<i64> = reports::table
            .find(report_id)
            .select(reports::assigned_to)
            .first(conn)?;
        diesel::insert_into(deadlines::table)
            .values((
                deadlines::report_id.eq(report_id),
                deadlines::kind.eq(r.kind.code()),
                deadlines::started_at.eq(r.started_at),
                deadlines::due_at.eq(r.due_at),
                deadlines::assigned_to.eq(assigned_to),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The case changed hands: its deadline follows (for the digest's counts).
pub fn reassign(
    conn: &mut DbConnection,
    report_id: i64,
    assignee: Option<i64>,
) -> Result<(), AppError> {
    diesel::update(deadlines::table.find(report_id))
        .set(deadlines::assigned_to.eq(assignee))
        .execute(conn)?;
    Ok(())
}

/// Moves a deadline's due time (the calendar changed).
pub fn set_due(
    conn: &mut DbConnection,
    report_id: i64,
    due_at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(deadlines::table.find(report_id))
        .set(deadlines::due_at.eq(due_at))
        .execute(conn)?;
    Ok(())
}

/// The working-day calendar: the shipped year(s), overridden and extended
/// by what admins entered.
pub fn calendar(conn: &mut DbConnection) -> Result<WorkCalendar, AppError> {
    let mut calendar = calendar::shipped();
    for (year, schedule) in entered_years(conn)? {
        calendar.set_year(year, schedule);
    }
    Ok(calendar)
}

fn entered_years(conn: &mut DbConnection) -> Result<BTreeMap<i32, YearSchedule>, AppError> {
    type Dates = Json<Vec<NaiveDate>>;
    let rows: Vec<(i32, Dates, Dates)> = calendar_years::table
        .select((
            calendar_years::year,
            calendar_years::holidays,
            calendar_years::workdays,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, holidays, workdays)| {
            (
                year,
                YearSchedule {
                    holidays: holidays.0.into_iter().collect(),
                    workdays: workdays.0.into_iter().collect(),
                },
            )
        })
        .collect())
}

/// An entered year and when it was last changed.
pub fn entered_year(conn: &mut DbConnection, year: i32) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(calendar_years::table
        .find(year)
        .select(calendar_years::updated_at)
        .first(conn)
        .optional()?)
}

pub fn put_year(
    conn: &mut DbConnection,
    year: i32,
    schedule: &YearSchedule,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let holidays = Json::encode(&schedule.holidays)?;
    let workdays = Json::encode(&schedule.workdays)?;
    diesel::delete(calendar_years::table.find(year)).execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values((
            calendar_years::year.eq(year),
            calendar_years::holidays.eq(holidays),
            calendar_years::workdays.eq(workdays),
            calendar_years::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every running deadline that started on or after `since`: (case, deadline).
pub fn running_since(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> Result<Vec<(i64, Running)>, AppError> {
    Ok(deadlines::table
        .filter(deadlines::started_at.ge(since))
        .select((deadlines::report_id, Running::as_select()))
        .load(conn)?)
}

/// A case whose deadline has passed (or is near), as the reminder scan reads it.
#[derive(Debug, Clone)]
pub struct DueCase {
    pub id: i64,
    pub reference: String,
    pub deadline: Running,
    pub assigned_to: Option<i64>,
}

type DueRow = (i64, String, Running, Option<i64>);

/// The columns a due case is read with.
type DueColumns = (
    reports::id,
    reports::reference,
    diesel::dsl::AsSelect<Running, super::MultiBackend>,
    reports::assigned_to,
);
type DueJoin = diesel::dsl::InnerJoin<deadlines::table, reports::table>;
type DueBefore = diesel::dsl::Filter<DueJoin, diesel::dsl::Lt<deadlines::due_at, NaiveDateTime>>;
type DueOrder = (
    diesel::dsl::Asc<deadlines::due_at>,
    diesel::dsl::Asc<deadlines::report_id>,
);
type DueQuery = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Limit<diesel::dsl::Order<diesel::dsl::Select<DueBefore, DueColumns>, DueOrder>>,
    super::MultiBackend,
>;

/// Cases due before `before`, soonest first, as a query the callers narrow.
fn due_cases(before: NaiveDateTime, limit: i64) -> DueQuery {
    deadlines::table
        .inner_join(reports::table)
        .filter(deadlines::due_at.lt(before))
        .select((
            reports::id,
            reports::reference,
            Running::as_select(),
            reports::assigned_to,
        ))
        .order((deadlines::due_at.asc(), deadlines::report_id.asc()))
        .limit(limit)
        .into_boxed()
}

fn into_cases(rows: Vec<DueRow>) -> Vec<DueCase> {
    rows.into_iter()
        .map(|(id, reference, deadline, assigned_to)| DueCase {
            id,
            reference,
            deadline,
            assigned_to,
        })
        .collect()
}

/// Cases of `kind` due before `before`, soonest first, at most `limit` (a
/// range scan of the `(kind, due_at)` index however many cases there are).
pub fn due_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    kind: DeadlineKind,
    limit: i64,
) -> Result<Vec<DueCase>, AppError> {
    let rows: Vec<DueRow> = due_cases(before, limit)
        .filter(deadlines::kind.eq(kind.code()))
        .load(conn)?;
    Ok(into_cases(rows))
}

/// How many cases of `kind` are due before `before`.
pub fn count_due_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    kind: DeadlineKind,
) -> Result<i64, AppError> {
    Ok(deadlines::table
        .filter(deadlines::kind.eq(kind.code()))
        .filter(deadlines::due_at.lt(before))
        .count()
        .get_result(conn)?)
}

/// Records a reminder for its period; false when it was recorded already.
pub fn claim_reminder(
    conn: &mut DbConnection,
    key: &str,
    report_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    dialect::claim_reminder(conn, key, report_id, now)
}

/// The delivery a recorded reminder queued.
pub fn attach_delivery(
    conn: &mut DbConnection,
    key: &str,
    delivery_id: i64,
) -> Result<(), AppError> {
    diesel::update(reminders::table.find(key))
        .set(reminders::delivery_id.eq(delivery_id))
        .execute(conn)?;
    Ok(())
}

/// Which reminder a scan is looking for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Due before the bound and not reminded yet.
    Reminder,
    /// Due before the bound and not escalated yet.
    Escalation,
}

/// Cases of `kind` due before `before` still waiting for `pending`, soonest first.
pub fn awaiting(
    conn: &mut DbConnection,
    kind: DeadlineKind,
    before: NaiveDateTime,
    pending: Pending,
    limit: i64,
) -> Result<Vec<DueCase>, AppError> {
    let query = due_cases(before, limit).filter(deadlines::kind.eq(kind.code()));
    let query = match pending {
        Pending::Reminder => query.filter(deadlines::reminded_at.is_null()),
        Pending::Escalation => query.filter(deadlines::escalated_at.is_null()),
    };
    Ok(into_cases(query.load(conn)?))
}

/// Marks a case's deadline reminded (or escalated) — only if it is still
/// the deadline that was read (a restarted one is a new period).
pub fn mark(
    conn: &mut DbConnection,
    report_id: i64,
    started_at: NaiveDateTime,
    pending: Pending,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let row = deadlines::table
        .filter(deadlines::report_id.eq(report_id))
        .filter(deadlines::started_at.eq(started_at));
    let updated = match pending {
        Pending::Reminder => diesel::update(row.filter(deadlines::reminded_at.is_null()))
            .set(deadlines::reminded_at.eq(now))
            .execute(conn)?,
        Pending::Escalation => diesel::update(row.filter(deadlines::escalated_at.is_null()))
            .set(deadlines::escalated_at.eq(now))
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// How many of one assignee's (with `None`, the unassigned) cases are
/// overdue, counting no further than `cap`: a bounded range of the
/// `(assigned_to, due_at)` index, however large the backlog.
pub fn count_overdue_for(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    assignee: Option<i64>,
    cap: i64,
) -> Result<i64, AppError> {
    let query = deadlines::table
        .filter(deadlines::due_at.lt(now))
        .select(deadlines::report_id)
        .limit(cap)
        .into_boxed::<super::MultiBackend>();
    let query = match assignee {
        Some(id) => query.filter(deadlines::assigned_to.eq(id)),
        None => query.filter(deadlines::assigned_to.is_null()),
    };
    Ok(query.load::<i64>(conn)?.len() as i64)
}

/// One assignee's (or, with `None`, the unassigned) overdue cases, most overdue first.
pub fn overdue_for(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    assignee: Option<i64>,
    limit: i64,
) -> Result<Vec<DueCase>, AppError> {
    let query = due_cases(now, limit);
    let query = match assignee {
        Some(id) => query.filter(deadlines::assigned_to.eq(id)),
        None => query.filter(deadlines::assigned_to.is_null()),
    };
    Ok(into_cases(query.load(conn)?))
}

/// Whether the reminder `key` is recorded.
pub fn reminder_recorded(conn: &mut DbConnection, key: &str) -> Result<bool, AppError> {
    Ok(reminders::table.find(key).count().get_result::<i64>(conn)? > 0)
}
