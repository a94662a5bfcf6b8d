//! Notices to the reporter, queued in the outbox inside the transaction of
//! the change they announce.

use chrono::NaiveDateTime;

use sha2::{Digest, Sha256};

use crate::db::deliveries::{self, NewDelivery};
use crate::db::rate_limits::{self, Taken};
use crate::db::reports::ReportRow;
use crate::db::DbConnection;
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::error::AppError;

/// Queues a notice to the reporter, if they gave an address, did not
/// unsubscribe, and the mailbox is under its daily limit. `secret` is the tracking code for a receipt that asked for
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
    if let Some(bucket) = addressing.notices_per_mailbox {
        // Keyed by a hash: the bucket outlives the report it came from.
        let key = format!(
            "notice:{}",
            hex::encode(Sha256::digest(email.to_lowercase().as_bytes()))
        );
        if let Taken::No(_) = rate_limits::take(conn, &key, bucket, 1.0)? {
            tracing::warn!(
                report_id = report.id,
                kind = %kind,
                "a reporter mailbox reached its daily notice limit; this notice is not sent"
            );
            return Ok(None);
        }
    }
    let message_id = addressing.new_message_id(kind);
    deliveries::insert(
        conn,
        NewDelivery {
            report_id: report.id,
            kind,
            regulator_id: None,
            // Nothing the reporter typed goes into a header: anyone may
            // file with anyone's address.
            recipient_name: None,
            recipient_email: email,
            message_id: &message_id,
            note,
            secret,
        },
        now,
    )
    .map(Some)
}
