//! Forwarding a validated case: who receives it (the regulator directory's
//! routing, or the moderator's choice), the deliveries queued when it is
//! validated, and the system's move to `forwarded` once every regulator's
//! server has accepted its copy.
//!
//! Delivery is at-least-once: a message is sent twice only when a worker
//! dies (or loses its database connection) between the SMTP server's
//! acceptance and the commit of `accepted`; the re-send reuses the stored
//! Message-ID, so the receiving side can recognise it.

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::transition::{apply, TransitionRequest};
use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::deliveries::{self, DeliveryRow, NewDelivery};
use crate::db::events::EventDetails;
use crate::db::reports::{self, ReportRow};
use crate::db::{dialect, regulators, write_transaction, DbConnection};
use crate::domain::delivery::{Addressing, DeliveryKind, DeliveryStatus};
use crate::domain::routing::{self, Regulator, Targets};
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};

/// A recipient of a validated case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// `None` for the default inbox.
    pub regulator_id: Option<i64>,
    pub name: String,
    pub email: String,
}

impl From<&Regulator> for Target {
    fn from(r: &Regulator) -> Self {
        Target {
            regulator_id: Some(r.id),
            name: r.name.clone(),
            email: r.email.clone(),
        }
    }
}

/// The active directory as routing sees it. An entry whose coverage lists
/// do not decode takes no case (and says so in the log) until an admin
/// fixes it: a corrupt list must never widen what an entry receives.
fn active_directory(conn: &mut DbConnection) -> Result<Vec<Regulator>, AppError> {
    Ok(regulators::list_active(conn)?
        .iter()
        .filter_map(|row| {
            let entry = row.to_domain();
            if entry.is_none() {
                tracing::error!(
                    regulator_id = row.id,
                    problems = ?row.problems(),
                    "a regulator entry cannot be read; it receives no case until an admin fixes it"
                );
            }
            entry
        })
        .collect())
}

/// Where the case would go now: the matching active regulators, or the
/// default inbox. With `chosen`, exactly those (active) directory entries.
pub fn targets(
    conn: &mut DbConnection,
    report: &ReportRow,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
) -> Result<Vec<Target>, AppError> {
    let directory = active_directory(conn)?;
    if let Some(ids) = chosen {
        let mut picked: Vec<Target> = Vec::new();
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
                Some(r) if !picked.iter().any(|t| t.regulator_id == Some(r.id)) => {
                    picked.push(Target::from(r))
                }
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
    Ok(
        match routing::route(
            &directory,
            report.merchant_province.as_deref(),
            report.category,
        ) {
            Targets::Regulators(list) => list.into_iter().map(Target::from).collect(),
            Targets::DefaultInbox => vec![Target {
                regulator_id: None,
                name: addressing.inbox_display_name(),
                email: addressing.inbox_email.clone(),
            }],
        },
    )
}

/// Where a case would go if validated now, and the active directory a
/// moderator may choose from instead.
pub struct Preview {
    pub report: ReportRow,
    pub targets: Vec<Target>,
    pub directory: Vec<Regulator>,
}

pub fn preview(
    conn: &mut DbConnection,
    reference: &str,
    addressing: &Addressing,
) -> Result<Preview, AppError> {
    let report = reports::find_by_reference(conn, reference)?;
    let targets = targets(conn, &report, None, addressing)?;
    let directory = active_directory(conn)?;
    Ok(Preview {
        report,
        targets,
        directory,
    })
}

/// One delivery per target, queued with the move to `validated`.
pub(crate) fn queue_regulator_mail(
    conn: &mut DbConnection,
    report: &ReportRow,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for target in targets(conn, report, chosen, addressing)? {
        let message_id = addressing.new_message_id(DeliveryKind::Regulator);
        deliveries::insert(
            conn,
            NewDelivery {
                report_id: report.id,
                kind: DeliveryKind::Regulator,
                regulator_id: target.regulator_id,
                recipient_name: Some(&target.name),
                recipient_email: &target.email,
                message_id: &message_id,
                note: None,
                secret: None,
            },
            now,
        )?;
    }
    Ok(())
}

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
        public_note: Some(format!("已转交 {}", recipients.join("、"))),
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
