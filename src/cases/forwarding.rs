//! Forwarding a validated case: the system's move to `forwarded` once every
//! regulator's server has accepted its copy (who receives it, and the
//! deliveries queued on validation, are in [`super::routing`]), and an
//! admin's retry of a failed delivery.
//!
//! Delivery is at-least-once: a message is sent twice only when a worker
//! dies (or loses its database connection) between the SMTP server's
//! acceptance and the commit of `accepted`; the re-send reuses the stored
//! Message-ID, so the receiving side can recognise it.

use chrono::NaiveDateTime;
use serde_json::json;

use super::transition::{apply, TransitionRequest};
use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::deliveries::{self, DeliveryRow};
use crate::db::events::EventDetails;
use crate::db::{dialect, regulators, reports, write_transaction, DbConnection};
use crate::domain::delivery::{Addressing, DeliveryKind, DeliveryStatus};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// The mail server accepted a message. When it was the last regulator
/// delivery of a validated case, the case moves to `forwarded` in the same
/// transaction (which queues the reporter's notice). Returns whether the
/// case was forwarded.
pub fn delivery_accepted(
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
        let recorded = deliveries::mark_accepted(conn, delivery.id, reply, now)?;
        if !recorded || delivery.kind != DeliveryKind::Regulator {
            return Ok(false);
        }
        forward_if_complete(conn, delivery.report_id, addressing, now)
    })
}

/// Moves a validated case to `forwarded` once every regulator delivery of
/// it is accepted; the timeline names the recipients.
fn forward_if_complete(
    conn: &mut DbConnection,
    report_id: i64,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let to_regulators: Vec<DeliveryRow> = deliveries::for_report(conn, report_id)?
        .into_iter()
        .filter(|d| d.kind == DeliveryKind::Regulator)
        .collect();
    if to_regulators
        .iter()
        .any(|d| d.status != DeliveryStatus::Accepted)
    {
        return Ok(false);
    }
    let report = reports::find(conn, report_id)?;
    if report.status != ReportStatus::Validated {
        return Ok(false);
    }
    let recipients: Vec<String> = to_regulators
        .into_iter()
        .map(|d| d.recipient_name.unwrap_or(d.recipient_email))
        .collect();
    let request = TransitionRequest {
        from: Some(ReportStatus::Validated),
        // The status label already says "forwarded": the note names whom to.
        public_note: Some(recipients.join("、")),
        ..TransitionRequest::to(ReportStatus::Forwarded)
    };
    apply(
        conn,
        &report,
        &request,
        &Caller::system(),
        addressing,
        Some(&EventDetails { recipients }),
        now,
    )?;
    Ok(true)
}

/// An admin sends a failed delivery again: it becomes due now, with a fresh
/// retry window and the same Message-ID. A regulator delivery goes to the
/// entry's current address, so fixing a wrong address in the directory and
/// retrying is how a bounced case gets through. A retried receipt goes out
/// without the tracking code: the code is kept only until the receipt is sent
/// or fails, so a failed receipt no longer has it.
pub fn retry_delivery(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let row = deliveries::find(conn, id)?;
        if row.status != DeliveryStatus::Failed {
            return Err(AppError::conflict(format!(
                "only a failed delivery can be retried; this one is {}",
                row.status
            )));
        }
        let current = match row.regulator_id {
            Some(regulator_id) => match regulators::find(conn, regulator_id) {
                Ok(entry) => Some((entry.name, entry.email)),
                Err(AppError::NotFound) => None,
                Err(other) => return Err(other),
            },
            None => None,
        };
        let (recipient_name, recipient_email) = match current {
            Some((name, email)) => (Some(name), email),
            None => (row.recipient_name.clone(), row.recipient_email.clone()),
        };
        deliveries::reset_for_retry(conn, id, recipient_name.as_deref(), &recipient_email, now)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "delivery.retry",
                report_id: Some(row.report_id),
                client_ip: caller.client_ip.as_deref(),
                before: Some(json!({
                    "delivery_id": id, "status": row.status, "last_error": row.last_error,
                    "recipient": row.recipient_email,
                })),
                after: Some(json!({
                    "delivery_id": id, "status": DeliveryStatus::Pending, "recipient": recipient_email,
                })),
                at: now,
            },
        )
    })
}
