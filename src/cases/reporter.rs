//! The reporter's side: opening their case with the tracking code, and
//! stopping the notices.

use chrono::NaiveDateTime;

use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::case_record::{self, CaseRecord};
use crate::db::{deliveries, reports, write_transaction, DbConnection};
use crate::domain::reference;
use crate::error::AppError;

/// The case under `reference` if `tracking_code` opens it. An unknown
/// reference and a wrong code are indistinguishable (both `NotFound`).
pub fn open(
    conn: &mut DbConnection,
    reference: &str,
    tracking_code: &str,
) -> Result<CaseRecord, AppError> {
    let record = case_record::load_by_reference(conn, reference)?;
    if reference::tracking_code_matches(tracking_code, &record.report.tracking_code_hash) {
        Ok(record)
    } else {
        Err(AppError::NotFound)
    }
}

/// The reporter unsubscribed: no more notices, and the queued ones are
/// cancelled. Regulator deliveries are not affected.
pub fn unsubscribe(
    conn: &mut DbConnection,
    reference: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let report_id = reports::id_of(conn, reference)?;
        reports::set_notifications_off(conn, report_id)?;
        deliveries::cancel_pending_notices(conn, report_id)?;
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
