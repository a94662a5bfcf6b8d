//! Moving a case through its lifecycle. The status change (guarded, so of
//! two concurrent moves only one wins), its timeline entry, its audit entry
//! and the mail it causes commit together or not at all:
//!
//! - `validated` → one delivery per regulator target (see [`super::routing`]);
//! - `needs_info`, `rejected`, `forwarded` → a notice to the reporter.

use chrono::NaiveDateTime;
use serde_json::json;

use super::notices::notify_reporter;
use super::Caller;
use super::{deadlines, routing};
use crate::db::audit::{self, AuditEntry};
use crate::db::deliveries;
use crate::db::events::{self, EventDetails, NewEvent};
use crate::db::reports::{self, ReportRow};
use crate::db::{write_transaction, DbConnection};
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::domain::lifecycle::{self, Requirement, TransitionError};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// A requested status change, as the API received it.
#[derive(Debug, Clone)]
pub struct TransitionRequest {
    pub to: ReportStatus,
    /// The status the caller saw: a stale one is refused (409).
    pub from: Option<ReportStatus>,
    pub reason: Option<String>,
    pub public_note: Option<String>,
    pub duplicate_of: Option<String>,
    /// For `validated`: send to these directory entries instead of the routing's choice.
    pub regulator_ids: Option<Vec<i64>>,
}

impl TransitionRequest {
    pub fn to(to: ReportStatus) -> Self {
        TransitionRequest {
            to,
            from: None,
            reason: None,
            public_note: None,
            duplicate_of: None,
            regulator_ids: None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Transitioned {
    pub from: ReportStatus,
    pub to: ReportStatus,
}

/// Moves the case `reference` as `caller` asks, in one transaction.
pub fn transition(
    conn: &mut DbConnection,
    reference: &str,
    request: &TransitionRequest,
    caller: &Caller,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<Transitioned, AppError> {
    write_transaction(conn, |conn| {
        let report = reports::find_by_reference(conn, reference)?;
        apply(conn, &report, request, caller, addressing, None, now)
    })
}

/// Moves `report` inside the caller's transaction: checks the move, writes
/// it with its timeline and audit entries, and queues its mail.
pub(crate) fn apply(
    conn: &mut DbConnection,
    report: &ReportRow,
    request: &TransitionRequest,
    caller: &Caller,
    addressing: &Addressing,
    details: Option<&EventDetails>,
    now: NaiveDateTime,
) -> Result<Transitioned, AppError> {
    let current = report.status;
    if let Some(expected) = request.from {
        if expected != current {
            return Err(AppError::conflict(format!(
                "the case is {current}, no longer {expected}"
            )));
        }
    }
    lifecycle::check(current, request.to, caller.role).map_err(|e| match e {
        TransitionError::Illegal { from, to } => {
            AppError::conflict(format!("a case cannot go from {from} to {to}"))
        }
        TransitionError::Forbidden { from, to } => {
            AppError::Forbidden(format!("only an admin may move a case from {from} to {to}"))
        }
    })?;
    let duplicate_of_id = check_requirement(conn, report, request)?;
    if request.regulator_ids.is_some() && request.to != ReportStatus::Validated {
        return Err(AppError::invalid(
            "regulator_ids",
            "not_applicable",
            "regulators are chosen only when validating a case",
        ));
    }
    if !reports::set_status(conn, report.id, current, request.to, duplicate_of_id, now)? {
        return Err(AppError::conflict("the case changed meanwhile; reload it"));
    }
    events::insert(
        conn,
        NewEvent {
            report_id: report.id,
            at: now,
            status: request.to,
            from_status: Some(current),
            public_note: request.public_note.as_deref(),
            reason: request.reason.as_deref(),
            actor_id: caller.user_id(),
            details,
        },
    )?;
    audit::append(
        conn,
        AuditEntry {
            actor: &caller.audit,
            action: "case.transition",
            report_id: Some(report.id),
            client_ip: caller.client_ip.as_deref(),
            before: Some(json!({ "status": current })),
            after: Some(json!({
                "status": request.to,
                "reason": request.reason,
                "public_note": request.public_note,
                "duplicate_of": request.duplicate_of,
                "regulator_ids": request.regulator_ids,
            })),
            at: now,
        },
    )?;
    deadlines::after_transition(
        conn,
        report.id,
        report.created_at,
        current,
        request.to,
        &addressing.deadlines,
        now,
    )?;
    // A reopened case is no longer what the regulators received: their
    // response links stop working (a new validation sends new ones).
    if request.to == ReportStatus::UnderReview
        && matches!(current, ReportStatus::Forwarded | ReportStatus::Closed)
    {
        deliveries::revoke_response_links(conn, report.id, now)?;
    }
    // The reporter's notice says what their timeline says: the public
    // note, or for a rejection (whose reason is addressed to them) the reason.
    let note = match request.to {
        ReportStatus::Rejected => request.public_note.as_deref().or(request.reason.as_deref()),
        _ => request.public_note.as_deref(),
    };
    match request.to {
        ReportStatus::Validated => {
            routing::queue_regulator_mail(
                conn,
                report,
                request.regulator_ids.as_deref(),
                addressing,
                now,
            )?;
        }
        ReportStatus::NeedsInfo => {
            notify_reporter(
                conn,
                report,
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
                report,
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
                report,
                DeliveryKind::Forwarded,
                note,
                None,
                addressing,
                now,
            )?;
        }
        _ => {}
    }
    Ok(Transitioned {
        from: current,
        to: request.to,
    })
}

/// Checks what the move must carry (see `lifecycle::requirement`); returns
/// the id of the original case for `duplicate`.
fn check_requirement(
    conn: &mut DbConnection,
    report: &ReportRow,
    request: &TransitionRequest,
) -> Result<Option<i64>, AppError> {
    match lifecycle::requirement(request.to) {
        Some(Requirement::Reason) => {
            let min = lifecycle::min_reason_chars(request.to);
            let given = request.reason.as_deref().map_or(0, |r| r.chars().count());
            if given == 0 {
                let why = match request.to {
                    ReportStatus::Validated => {
                        "say why the case holds: the regulator reads it as your finding"
                    }
                    _ => "say why the case is rejected",
                };
                return Err(AppError::invalid("reason", "required", why));
            }
            if given < min {
                return Err(AppError::invalid(
                    "reason",
                    "length",
                    format!("at least {min} characters"),
                ));
            }
            Ok(None)
        }
        Some(Requirement::PublicNote) if request.public_note.is_none() => Err(AppError::invalid(
            "public_note",
            "required",
            "write the question the consumer sees",
        )),
        Some(Requirement::DuplicateOf) => {
            let Some(original) = &request.duplicate_of else {
                return Err(AppError::invalid(
                    "duplicate_of",
                    "required",
                    "name the case this one repeats",
                ));
            };
            if *original == report.reference {
                return Err(AppError::invalid(
                    "duplicate_of",
                    "self",
                    "a case cannot duplicate itself",
                ));
            }
            match reports::id_of(conn, original) {
                Ok(id) => Ok(Some(id)),
                Err(AppError::NotFound) => Err(AppError::invalid(
                    "duplicate_of",
                    "not_found",
                    "no case with this reference",
                )),
                Err(other) => Err(other),
            }
        }
        _ => Ok(None),
    }
}
