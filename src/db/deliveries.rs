//! The `deliveries` table: the mail outbox. Rows are written in the same
//! transaction as the change that causes them (see `cases`), claimed by
//! workers under a lease, and marked with each attempt's outcome.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{deliveries, reports};
use super::{dialect, write_transaction, DbConnection, MultiBackend};
use crate::domain::delivery::{DeliveryKind, DeliveryStatus, NextStep};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub report_id: i64,
    pub kind: DeliveryKind,
    pub regulator_id: Option<i64>,
    pub recipient_name: Option<String>,
    pub recipient_email: String,
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub window_started_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub smtp_reply: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub note: Option<String>,
    pub secret: Option<String>,
    pub created_at: NaiveDateTime,
    /// The regulator's response link stopped working (the case was reopened).
    pub response_revoked_at: Option<NaiveDateTime>,
    /// The delivery this message follows up (threaded on its Message-ID).
    pub replies_to: Option<i64>,
}

pub struct NewDelivery<'a> {
    pub report_id: i64,
    pub kind: DeliveryKind,
    pub regulator_id: Option<i64>,
    pub recipient_name: Option<&'a str>,
    pub recipient_email: &'a str,
    pub message_id: &'a str,
    pub note: Option<&'a str>,
    pub secret: Option<&'a str>,
    pub replies_to: Option<i64>,
}

/// Queues a message, due now.
pub fn insert(
    conn: &mut DbConnection,
    delivery: NewDelivery<'_>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(deliveries::table)
        .values((
            deliveries::report_id.eq(delivery.report_id),
            deliveries::kind.eq(delivery.kind.code()),
            deliveries::regulator_id.eq(delivery.regulator_id),
            deliveries::recipient_name.eq(delivery.recipient_name),
            deliveries::recipient_email.eq(delivery.recipient_email),
            deliveries::message_id.eq(delivery.message_id),
            deliveries::status.eq(DeliveryStatus::Pending.code()),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::window_started_at.eq(now),
            deliveries::note.eq(delivery.note),
            deliveries::secret.eq(delivery.secret),
            deliveries::replies_to.eq(delivery.replies_to),
            deliveries::created_at.eq(now),
        ))
        .returning(deliveries::id)
        .get_result(conn)?)
}

/// Claims up to `limit` due deliveries for this worker until `lease_until`.
/// On PostgreSQL the rows are picked with `FOR UPDATE SKIP LOCKED`, so
/// concurrent workers never claim the same one; on SQLite writes are
/// serialized anyway. An expired lease (a worker that died) is claimable.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: i64,
) -> Result<Vec<DeliveryRow>, AppError> {
    let ids = write_transaction(conn, |conn| {
        dialect::claim_deliveries(conn, now, lease_until, token, limit)
    })?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(deliveries::table
        .filter(deliveries::id.eq_any(ids))
        .order((deliveries::next_attempt_at.asc(), deliveries::id.asc()))
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

fn truncate(text: &str) -> String {
    text.chars().take(1000).collect()
}

/// The server accepted the message; returns whether this call recorded it
/// (false when it was no longer pending).
pub fn mark_accepted(
    conn: &mut DbConnection,
    id: i64,
    reply: &str,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let updated = diesel::update(
        deliveries::table
            .filter(deliveries::id.eq(id))
            .filter(deliveries::status.eq(DeliveryStatus::Pending.code())),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Accepted.code()),
        deliveries::attempts.eq(deliveries::attempts + 1),
        deliveries::last_attempt_at.eq(now),
        deliveries::smtp_reply.eq(truncate(reply)),
        deliveries::accepted_at.eq(now),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::lease_token.eq(None::<String>),
        deliveries::secret.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// An attempt failed: schedule the next one, or mark the delivery failed.
/// Only the worker holding the lease may do this.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    id: i64,
    token: &str,
    error: &str,
    next: NextStep,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let row = deliveries::table
        .filter(deliveries::id.eq(id))
        .filter(deliveries::status.eq(DeliveryStatus::Pending.code()))
        .filter(deliveries::lease_token.eq(token));
    let common = (
        deliveries::attempts.eq(deliveries::attempts + 1),
        deliveries::last_attempt_at.eq(now),
        deliveries::last_error.eq(truncate(error)),
        deliveries::lease_until.eq(None::<NaiveDateTime>),
        deliveries::lease_token.eq(None::<String>),
    );
    match next {
        NextStep::RetryAt(at) => {
            diesel::update(row)
                .set((common, deliveries::next_attempt_at.eq(at)))
                .execute(conn)?;
        }
        NextStep::GiveUp => {
            diesel::update(row)
                .set((
                    common,
                    deliveries::status.eq(DeliveryStatus::Failed.code()),
                    deliveries::failed_at.eq(now),
                    deliveries::secret.eq(None::<String>),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<DeliveryRow, AppError> {
    deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The deliveries of one case, oldest first.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<DeliveryRow>, AppError> {
    Ok(deliveries::table
        .filter(deliveries::report_id.eq(report_id))
        .order(deliveries::id.asc())
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Deliveries for the admins' list (newest first), with the case reference.
pub fn list(
    conn: &mut DbConnection,
    status: Option<DeliveryStatus>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(DeliveryRow, String)>, AppError> {
    let mut query = deliveries::table
        .inner_join(reports::table)
        .select((DeliveryRow::as_select(), reports::reference))
        .order(deliveries::id.desc())
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(status) = status {
        query = query.filter(deliveries::status.eq(status.code()));
    }
    if let Some(id) = before_id {
        query = query.filter(deliveries::id.lt(id));
    }
    Ok(query.load(conn)?)
}

/// A failed delivery becomes due now, to this recipient, with a fresh retry
/// window and the same Message-ID.
pub fn reset_for_retry(
    conn: &mut DbConnection,
    id: i64,
    recipient_name: Option<&str>,
    recipient_email: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::recipient_name.eq(recipient_name),
            deliveries::recipient_email.eq(recipient_email),
            deliveries::status.eq(DeliveryStatus::Pending.code()),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::window_started_at.eq(now),
            deliveries::failed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Cancels the case's queued notices to the reporter (not the regulators').
pub fn cancel_pending_notices(conn: &mut DbConnection, report_id: i64) -> Result<(), AppError> {
    diesel::update(
        deliveries::table
            .filter(deliveries::report_id.eq(report_id))
            .filter(deliveries::status.eq(DeliveryStatus::Pending.code()))
            .filter(deliveries::kind.ne(DeliveryKind::Regulator.code())),
    )
    .set((
        deliveries::status.eq(DeliveryStatus::Cancelled.code()),
        deliveries::secret.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}

/// Revokes the response links of the case's regulator deliveries (the case
/// was reopened: what they would answer is no longer what was sent).
pub fn revoke_response_links(
    conn: &mut DbConnection,
    report_id: i64,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        deliveries::table
            .filter(deliveries::report_id.eq(report_id))
            .filter(deliveries::kind.eq(DeliveryKind::Regulator.code()))
            .filter(deliveries::response_revoked_at.is_null()),
    )
    .set(deliveries::response_revoked_at.eq(now))
    .execute(conn)?)
}
