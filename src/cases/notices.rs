//! Notices to the reporter, queued in the outbox inside the transaction of
//! the change they announce.

use chrono::NaiveDateTime;

use sha2::{Digest, Sha256};

use crate::db::deliveries::{self, DeliveryRow, NewDelivery};
use crate::db::rate_limits::{self, Taken};
use crate::db::reports::ReportRow;
use crate::db::{users, DbConnection};
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
            replies_to: None,
        },
        now,
    )
    .map(Some)
}

/// Queues a message to the staff who should act on the case: its assignee,
/// or every active admin when nobody (active) is assigned. `note` is the
/// text they need (e.g. a regulator's question).
pub fn notify_staff(
    conn: &mut DbConnection,
    report: &ReportRow,
    kind: DeliveryKind,
    note: &str,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let assignee = match report.assigned_to {
        Some(id) => users::find(conn, id)?.filter(|u| u.disabled_at.is_none()),
        None => None,
    };
    let recipients = match assignee {
        Some(user) => vec![user.email],
        None => users::active_admin_emails(conn)?,
    };
    for email in &recipients {
        let message_id = addressing.new_message_id(kind);
        deliveries::insert(
            conn,
            NewDelivery {
                report_id: report.id,
                kind,
                regulator_id: None,
                recipient_name: None,
                recipient_email: email,
                message_id: &message_id,
                note: Some(note),
                secret: None,
                replies_to: None,
            },
            now,
        )?;
    }
    Ok(recipients.len())
}

/// Queues a follow-up to the regulator of `original` (its case email),
/// threaded on it: supplementary material, or a reminder.
pub fn follow_up_regulator(
    conn: &mut DbConnection,
    original: &DeliveryRow,
    kind: DeliveryKind,
    note: Option<&str>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let message_id = addressing.new_message_id(kind);
    deliveries::insert(
        conn,
        NewDelivery {
            report_id: original.report_id,
            kind,
            regulator_id: original.regulator_id,
            recipient_name: original.recipient_name.as_deref(),
            recipient_email: &original.recipient_email,
            message_id: &message_id,
            note,
            secret: None,
            replies_to: Some(original.id),
        },
        now,
    )
}
