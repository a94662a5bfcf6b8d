//! The mail outbox: delivery rows written in the same transaction as the
//! change that causes them, claimed by workers, and marked with the outcome.
//!
//! Delivery is at-least-once: a message is sent twice only when a worker dies
//! (or loses its database connection) between the SMTP server's acceptance
//! and the commit of `accepted`; the re-send reuses the stored Message-ID, so
//! the receiving side can recognise it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;

use super::audit::{self, AuditActor, AuditEntry};
use super::reports::{EventRow, EvidenceRow, ReportRow};
use super::schema::{deliveries, evidence, regulators, report_events, reports};
use super::{cases, dialect, regulators as directory, write_transaction, DbConnection};
use crate::domain::delivery::{DeliveryKind, DeliveryStatus, NextStep};
use crate::domain::lifecycle::Actor;
use crate::domain::routing::{self, Targets};
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};

/// What the outbox needs to address messages, from the configuration.
#[derive(Debug, Clone)]
pub struct Addressing {
    /// Display name and address of the default regulator inbox.
    pub inbox_name: Option<String>,
    pub inbox_email: String,
    /// The domain part of generated Message-IDs (the sender's domain).
    pub message_id_domain: String,
}

/// A new, globally unique Message-ID, generated once per delivery and reused
/// by every re-send.
pub fn new_message_id(kind: DeliveryKind, domain: &str) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    format!("<{}.{}@{}>", hex::encode(bytes), kind.as_str(), domain)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct DeliveryRow {
    pub id: i64,
    pub report_id: i64,
    pub kind: String,
    pub regulator_id: Option<i64>,
    pub recipient_name: Option<String>,
    pub recipient_email: String,
    pub message_id: String,
    pub status: String,
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
}

impl DeliveryRow {
    pub fn kind(&self) -> Option<DeliveryKind> {
        DeliveryKind::parse(&self.kind)
    }
}

struct NewDelivery<'a> {
    report_id: i64,
    kind: DeliveryKind,
    regulator_id: Option<i64>,
    recipient_name: Option<&'a str>,
    recipient_email: &'a str,
    note: Option<&'a str>,
    secret: Option<&'a str>,
}

fn enqueue(
    conn: &mut DbConnection,
    delivery: NewDelivery<'_>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let id = diesel::insert_into(deliveries::table)
        .values((
            deliveries::report_id.eq(delivery.report_id),
            deliveries::kind.eq(delivery.kind.as_str()),
            deliveries::regulator_id.eq(delivery.regulator_id),
            deliveries::recipient_name.eq(delivery.recipient_name),
            deliveries::recipient_email.eq(delivery.recipient_email),
            deliveries::message_id.eq(new_message_id(delivery.kind, &addressing.message_id_domain)),
            deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::window_started_at.eq(now),
            deliveries::note.eq(delivery.note),
            deliveries::secret.eq(delivery.secret),
            deliveries::created_at.eq(now),
        ))
        .returning(deliveries::id)
        .get_result::<i64>(conn)?;
    Ok(id)
}

/// Queues a notification to the reporter, if they gave an address and did
/// not unsubscribe. `secret` is the tracking code for a receipt that asked
/// for it; it is erased from the row once the message is out (or failed).
pub fn notify_reporter(
    conn: &mut DbConnection,
    report_id: i64,
    kind: DeliveryKind,
    note: Option<&str>,
    secret: Option<&str>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    let (email, name, off) = reports::table
        .find(report_id)
        .select((
            reports::reporter_email,
            reports::reporter_name,
            reports::notifications_off,
        ))
        .first::<(Option<String>, Option<String>, bool)>(conn)?;
    let Some(email) = email.filter(|_| !off) else {
        return Ok(None);
    };
    enqueue(
        conn,
        NewDelivery {
            report_id,
            kind,
            regulator_id: None,
            recipient_name: name.as_deref(),
            recipient_email: &email,
            note,
            secret,
        },
        addressing,
        now,
    )
    .map(Some)
}

/// A recipient of a validated case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// `None` for the default inbox.
    pub regulator_id: Option<i64>,
    pub name: String,
    pub email: String,
}

/// Where the case would go now: the matching active regulators, or the
/// default inbox. With `chosen`, exactly those (active) directory entries.
pub fn targets(
    conn: &mut DbConnection,
    report: &ReportRow,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
) -> Result<Vec<Target>, AppError> {
    let directory = directory::active(conn)?;
    if let Some(ids) = chosen {
        let mut picked = Vec::new();
        let mut errors = Vec::new();
        if ids.is_empty() {
            errors.push(FieldError::new(
                "regulator_ids",
                "required",
                "choose at least one regulator, or leave the routing as it is",
            ));
        }
        for (i, id) in ids.iter().enumerate() {
            match directory.iter().find(|r| r.id == *id) {
                Some(r) if !picked.iter().any(|t: &Target| t.regulator_id == Some(r.id)) => picked
                    .push(Target {
                        regulator_id: Some(r.id),
                        name: r.name.clone(),
                        email: r.email.clone(),
                    }),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("regulator_ids[{i}]"),
                    "not_found",
                    "no active regulator with this id",
                )),
            }
        }
        return if errors.is_empty() {
            Ok(picked)
        } else {
            Err(AppError::Validation(errors))
        };
    }
    let category = crate::domain::catalog::Category::from_code(&report.category)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown category")))?;
    Ok(
        match routing::route(&directory, report.merchant_province.as_deref(), category) {
            Targets::Regulators(list) => list
                .into_iter()
                .map(|r| Target {
                    regulator_id: Some(r.id),
                    name: r.name.clone(),
                    email: r.email.clone(),
                })
                .collect(),
            Targets::DefaultInbox => vec![Target {
                regulator_id: None,
                name: addressing
                    .inbox_name
                    .clone()
                    .unwrap_or_else(|| "监管部门".to_owned()),
                email: addressing.inbox_email.clone(),
            }],
        },
    )
}

/// The messages a status change causes, written in its transaction:
/// `validated` → one delivery per regulator target; `needs_info`,
/// `rejected` and `forwarded` → a notice to the reporter.
pub fn on_transition(
    conn: &mut DbConnection,
    report: &ReportRow,
    to: ReportStatus,
    note: Option<&str>,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    match to {
        ReportStatus::Validated => {
            for target in targets(conn, report, chosen, addressing)? {
                enqueue(
                    conn,
                    NewDelivery {
                        report_id: report.id,
                        kind: DeliveryKind::Regulator,
                        regulator_id: target.regulator_id,
                        recipient_name: Some(&target.name),
                        recipient_email: &target.email,
                        note: None,
                        secret: None,
                    },
                    addressing,
                    now,
                )?;
            }
        }
        ReportStatus::NeedsInfo => {
            notify_reporter(
                conn,
                report.id,
                DeliveryKind::NeedsInfo,
                note,
                None,
                addressing,
                now,
            )?;
        }
        ReportStatus::Rejected => {
            notify_reporter(
                conn,
                report.id,
                DeliveryKind::Rejected,
                note,
                None,
                addressing,
                now,
            )?;
        }
        ReportStatus::Forwarded => {
            notify_reporter(
                conn,
                report.id,
                DeliveryKind::Forwarded,
                note,
                None,
                addressing,
                now,
            )?;
        }
        _ => {}
    }
    Ok(())
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

/// Everything a message about a case is made of.
pub struct MailCase {
    pub report: ReportRow,
    pub evidence: Vec<EvidenceRow>,
    pub timeline: Vec<EventRow>,
}

impl MailCase {
    /// The latest move to `validated`: when, and the moderator's reason.
    pub fn validation(&self) -> Option<&EventRow> {
        self.timeline
            .iter()
            .rev()
            .find(|e| e.status == ReportStatus::Validated.as_str())
    }
}

pub fn load_case(conn: &mut DbConnection, report_id: i64) -> Result<MailCase, AppError> {
    let report = reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?;
    let evidence = evidence::table
        .filter(evidence::report_id.eq(report_id))
        .order(evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(conn)?;
    let timeline = report_events::table
        .filter(report_events::report_id.eq(report_id))
        .order((report_events::at.asc(), report_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(MailCase {
        report,
        evidence,
        timeline,
    })
}

/// The server accepted the message. When it was the last regulator delivery
/// of a validated case, the case moves to `forwarded` in the same
/// transaction (which queues the reporter's notice). Returns whether the
/// case was forwarded.
pub fn mark_accepted(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    reply: &str,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    write_transaction(conn, |conn| {
        // Two workers accepting the last two deliveries of one case at once
        // would each see the other's still pending, and neither would forward.
        dialect::lock_report(conn, delivery.report_id)?;
        let updated = diesel::update(
            deliveries::table
                .filter(deliveries::id.eq(delivery.id))
                .filter(deliveries::status.eq(DeliveryStatus::Pending.as_str())),
        )
        .set((
            deliveries::status.eq(DeliveryStatus::Accepted.as_str()),
            deliveries::attempts.eq(deliveries::attempts + 1),
            deliveries::last_attempt_at.eq(now),
            deliveries::smtp_reply.eq(truncate(reply)),
            deliveries::accepted_at.eq(now),
            deliveries::lease_until.eq(None::<NaiveDateTime>),
            deliveries::lease_token.eq(None::<String>),
            deliveries::secret.eq(None::<String>),
        ))
        .execute(conn)?;
        if updated == 0 || delivery.kind() != Some(DeliveryKind::Regulator) {
            return Ok(false);
        }
        forward_if_complete(conn, delivery.report_id, addressing, now)
    })
}

/// Moves a validated case to `forwarded` once every regulator delivery of
/// it is accepted; the public note names the recipients.
fn forward_if_complete(
    conn: &mut DbConnection,
    report_id: i64,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let rows: Vec<(String, Option<String>, String)> = deliveries::table
        .filter(deliveries::report_id.eq(report_id))
        .filter(deliveries::kind.eq(DeliveryKind::Regulator.as_str()))
        .order(deliveries::id.asc())
        .select((
            deliveries::status,
            deliveries::recipient_name,
            deliveries::recipient_email,
        ))
        .load(conn)?;
    if rows
        .iter()
        .any(|(status, _, _)| status != DeliveryStatus::Accepted.as_str())
    {
        return Ok(false);
    }
    let (reference, status) = reports::table
        .find(report_id)
        .select((reports::reference, reports::status))
        .first::<(String, String)>(conn)?;
    if status != ReportStatus::Validated.as_str() {
        return Ok(false);
    }
    let names: Vec<String> = rows
        .into_iter()
        .map(|(_, name, email)| name.unwrap_or(email))
        .collect();
    let request = cases::TransitionRequest {
        to: ReportStatus::Forwarded,
        from: Some(ReportStatus::Validated),
        reason: None,
        public_note: Some(format!("已转交 {}", names.join("、"))),
        duplicate_of: None,
        regulator_ids: None,
    };
    cases::transition(
        conn,
        &reference,
        &request,
        Actor::System,
        &AuditActor::System,
        None,
        now,
        addressing,
    )?;
    Ok(true)
}

/// An attempt failed: schedule the next one, or mark the delivery failed.
/// Only the worker holding the lease may do this.
pub fn mark_attempt_failed(
    conn: &mut DbConnection,
    delivery: &DeliveryRow,
    token: &str,
    error: &str,
    next: NextStep,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let row = deliveries::table
        .filter(deliveries::id.eq(delivery.id))
        .filter(deliveries::status.eq(DeliveryStatus::Pending.as_str()))
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
                    deliveries::status.eq(DeliveryStatus::Failed.as_str()),
                    deliveries::failed_at.eq(now),
                    deliveries::secret.eq(None::<String>),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn truncate(text: &str) -> String {
    text.chars().take(1000).collect()
}

/// The deliveries of one case, oldest first.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<DeliveryRow>, AppError> {
    Ok(deliveries::table
        .filter(deliveries::report_id.eq(report_id))
        .order(deliveries::id.asc())
        .select(DeliveryRow::as_select())
        .load(conn)?)
}

/// Deliveries for the admins' list (newest first), with the case reference
/// and the regulator's current name.
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
        .into_boxed::<super::MultiBackend>();
    if let Some(status) = status {
        query = query.filter(deliveries::status.eq(status.as_str()));
    }
    if let Some(id) = before_id {
        query = query.filter(deliveries::id.lt(id));
    }
    Ok(query.load(conn)?)
}

/// An admin sends a failed delivery again: it becomes due now, with a fresh
/// retry window and the same Message-ID. A regulator delivery goes to the
/// entry's current address, so fixing a wrong address in the directory and
/// retrying is how a bounced case gets through. A retried receipt goes out
/// without the tracking code: the code is kept only until the receipt is sent
/// or fails, so a failed receipt no longer has it.
pub fn retry(
    conn: &mut DbConnection,
    id: i64,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let row = deliveries::table
            .find(id)
            .select(DeliveryRow::as_select())
            .first(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        if row.status != DeliveryStatus::Failed.as_str() {
            return Err(AppError::conflict(format!(
                "only a failed delivery can be retried; this one is {}",
                row.status
            )));
        }
        let current = match row.regulator_id {
            Some(regulator_id) => regulators::table
                .find(regulator_id)
                .select((regulators::name, regulators::email))
                .first::<(String, String)>(conn)
                .optional()?,
            None => None,
        };
        let (recipient_name, recipient_email) = match current {
            Some((name, email)) => (Some(name), email),
            None => (row.recipient_name.clone(), row.recipient_email.clone()),
        };
        diesel::update(deliveries::table.find(id))
            .set((
                deliveries::recipient_name.eq(&recipient_name),
                deliveries::recipient_email.eq(&recipient_email),
                deliveries::status.eq(DeliveryStatus::Pending.as_str()),
                deliveries::attempts.eq(0),
                deliveries::next_attempt_at.eq(now),
                deliveries::window_started_at.eq(now),
                deliveries::failed_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "delivery.retry",
                report_id: Some(row.report_id),
                client_ip,
                before: Some(serde_json::json!({
                    "delivery_id": id, "status": row.status, "last_error": row.last_error,
                    "recipient": row.recipient_email,
                })),
                after: Some(serde_json::json!({
                    "delivery_id": id, "status": "pending", "recipient": recipient_email,
                })),
                at: now,
            },
        )
    })
}

/// The reporter unsubscribed: no more notices, and the queued ones are
/// cancelled. Regulator deliveries are not affected.
pub fn unsubscribe(
    conn: &mut DbConnection,
    reference: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let report_id = reports::table
            .filter(reports::reference.eq(reference))
            .select(reports::id)
            .first::<i64>(conn)
            .optional()?
            .ok_or(AppError::NotFound)?;
        diesel::update(reports::table.find(report_id))
            .set(reports::notifications_off.eq(true))
            .execute(conn)?;
        diesel::update(
            deliveries::table
                .filter(deliveries::report_id.eq(report_id))
                .filter(deliveries::status.eq(DeliveryStatus::Pending.as_str()))
                .filter(deliveries::kind.ne(DeliveryKind::Regulator.as_str())),
        )
        .set((
            deliveries::status.eq(DeliveryStatus::Cancelled.as_str()),
            deliveries::secret.eq(None::<String>),
        ))
        .execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &AuditActor::Consumer,
                action: "reporter.unsubscribe",
                report_id: Some(report_id),
                client_ip: None,
                before: None,
                after: None,
                at: now,
            },
        )
    })
}

/// The regulator's current name for a directory id (for display).
pub fn regulator_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(regulators::table
        .filter(regulators::id.eq_any(ids))
        .select((regulators::id, regulators::name))
        .load(conn)?)
}
