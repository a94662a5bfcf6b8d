//! Notices to the reporter, queued in the outbox inside the transaction of
//! the change they announce.

use chrono::NaiveDateTime;

use crate::db::deliveries::{self, NewDelivery};
use crate::db::reports::ReportRow;
use crate::db::DbConnection;
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::error::AppError;

/// Queues a notice to the reporter, if they gave an address and did not
/// unsubscribe. `secret` is the tracking code for a receipt that asked for
/// it; it is erased from the row once the message is out (or failed).
pub fn notify_reporter(
    conn: &mut DbConnection,
    report: &ReportRow,
    kind: DeliveryKind,
    note: Option<&str>,
    secret: Option<&str>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<Option<i64>, AppError> {
    let Some(email) = report
        .reporter_email
        .as_deref()
        .filter(|_| !report.notifications_off)
    else {
        return Ok(None);
    };
    let message_id = addressing.new_message_id(kind);
    deliveries::insert(
        conn,
        NewDelivery {
            report_id: report.id,
            kind,
            regulator_id: None,
            recipient_name: report.reporter_name.as_deref(),
            recipient_email: email,
            message_id: &message_id,
            note,
            secret,
        },
        now,
    )
    .map(Some)
}
