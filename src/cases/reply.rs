//! The reporter's answer to a moderator's question: stored with its files,
//! signals marked for recomputation, and the case back to `under_review` —
//! in one transaction, and only while the case is `needs_info`.

use chrono::Utc;
use serde_json::json;

use super::evidence_files::{insert_rows, with_committed_files};
use super::transition::{apply, TransitionRequest};
use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::{profiles, replies, reports, write_transaction, DbConnection};
use crate::domain::delivery::Addressing;
use crate::domain::status::ReportStatus;
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

pub fn reply(
    conn: &mut DbConnection,
    store: &dyn EvidenceStore,
    reference: &str,
    message: &str,
    files: Vec<ProcessedEvidence>,
    caller: &Caller,
    addressing: &Addressing,
) -> Result<(), AppError> {
    with_committed_files(conn, store, files, |conn, files| {
        write_transaction(conn, |conn| {
            let now = Utc::now().naive_utc();
            let report = reports::find_by_reference(conn, reference)?;
            let reply_id = replies::insert(conn, report.id, message, now)?;
            insert_rows(conn, report.id, Some(reply_id), files, now)?;
            // New evidence, perhaps new fingerprints: compute the signals again.
            profiles::mark_dirty(conn, &[report.id], now)?;
            let request = TransitionRequest {
                from: Some(ReportStatus::NeedsInfo),
                ..TransitionRequest::to(ReportStatus::UnderReview)
            };
            apply(conn, &report, &request, caller, addressing, None, now)?;
            audit::append(
                conn,
                AuditEntry {
                    actor: &caller.audit,
                    action: "case.reply",
                    report_id: Some(report.id),
                    client_ip: caller.client_ip.as_deref(),
                    before: None,
                    after: Some(json!({ "reply_id": reply_id, "files": files.len() })),
                    at: now,
                },
            )
        })
    })
}
