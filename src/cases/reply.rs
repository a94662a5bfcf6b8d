//! The reporter's answer to a question: stored with its files, signals
//! marked for recomputation, in one transaction. A moderator's question
//! (`needs_info`) sends the case back to `under_review`; a regulator's
//! question that a moderator relayed leaves the case where it is and sends
//! the answer, files and all, to that regulator, threaded on its case email.

use chrono::Utc;
use serde_json::json;

use super::evidence_files::{insert_rows, with_committed_files};
use super::notices::follow_up_regulator;
use super::transition::{apply, TransitionRequest};
use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::{deliveries, profiles, replies, reports, responses, write_transaction, DbPool};
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::domain::status::ReportStatus;
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

pub fn reply(
    pool: &DbPool,
    store: &dyn EvidenceStore,
    reference: &str,
    message: &str,
    files: Vec<ProcessedEvidence>,
    caller: &Caller,
    addressing: &Addressing,
) -> Result<ReportStatus, AppError> {
    with_committed_files(pool, store, files, |conn, files| {
        write_transaction(conn, |conn| {
            let now = Utc::now().naive_utc();
            let report = reports::find_by_reference(conn, reference)?;
            let questions = if report.status == ReportStatus::NeedsInfo {
                Vec::new()
            } else {
                responses::open_relayed_questions(conn, report.id)?
            };
            let reply_id = replies::insert(conn, report.id, message, now)?;
            insert_rows(conn, report.id, Some(reply_id), files, now)?;
            // New evidence, perhaps new fingerprints: compute the signals again.
            profiles::mark_dirty(conn, &[report.id], now)?;
            if questions.is_empty() {
                let request = TransitionRequest {
                    from: Some(ReportStatus::NeedsInfo),
                    ..TransitionRequest::to(ReportStatus::UnderReview)
                };
                apply(conn, &report, &request, caller, addressing, None, now)?;
            } else {
                let ids: Vec<i64> = questions.iter().map(|q| q.id).collect();
                responses::mark_answered(conn, &ids, reply_id)?;
                // One message per regulator that asked, however many questions it asked.
                let mut asked: Vec<i64> = questions.iter().map(|q| q.delivery_id).collect();
                asked.sort_unstable();
                asked.dedup();
                for delivery_id in asked {
                    let original = deliveries::find(conn, delivery_id)?;
                    follow_up_regulator(
                        conn,
                        &original,
                        DeliveryKind::Supplement,
                        None,
                        addressing,
                        now,
                    )?;
                }
            }
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
            )?;
            Ok(if questions.is_empty() {
                ReportStatus::UnderReview
            } else {
                report.status
            })
        })
    })
}
