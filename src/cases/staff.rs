//! Staff's own changes to a case: internal notes and assignment.

use crate::db::deadlines;
use chrono::NaiveDateTime;
use serde_json::json;

use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::{notes, reports, users, write_transaction, DbConnection};
use crate::error::{AppError, FieldError};

pub fn add_note(
    conn: &mut DbConnection,
    reference: &str,
    body: &str,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let author = caller
        .user_id()
        .ok_or_else(|| AppError::Forbidden("only staff write notes".into()))?;
    write_transaction(conn, |conn| {
        let report_id = reports::id_of(conn, reference)?;
        let id = notes::insert(conn, report_id, author, body, now)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "case.note",
                report_id: Some(report_id),
                client_ip: caller.client_ip.as_deref(),
                before: None,
                after: Some(json!({ "note_id": id, "body": body })),
                at: now,
            },
        )?;
        Ok(id)
    })
}

pub fn assign(
    conn: &mut DbConnection,
    reference: &str,
    assignee: Option<i64>,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let report = reports::find_by_reference(conn, reference)?;
        if let Some(user_id) = assignee {
            let active = users::find(conn, user_id)?.filter(|u| u.disabled_at.is_none());
            if active.is_none() {
                return Err(AppError::Validation(vec![FieldError::new(
                    "user_id",
                    "not_found",
                    "no active account with this id",
                )]));
            }
        }
        reports::set_assignee(conn, report.id, assignee, now)?;
        deadlines::reassign(conn, report.id, assignee)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "case.assign",
                report_id: Some(report.id),
                client_ip: caller.client_ip.as_deref(),
                before: Some(json!({ "user_id": report.assigned_to })),
                after: Some(json!({ "user_id": assignee })),
                at: now,
            },
        )
    })
}
