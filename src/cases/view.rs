//! Staff reading a case. Reading the reporter's contact details is itself
//! recorded: one audit entry per view of a case, and one per evidence
//! download (images shown inline on the case page are part of its view).

use chrono::NaiveDateTime;
use serde_json::json;

use super::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::case_record::{self, CaseRecord};
use crate::db::deliveries::{self, DeliveryRow};
use crate::db::evidence::{self, EvidenceRow};
use crate::db::notes::{self, NoteRow};
use crate::db::profiles::{self, ProfileRow};
use crate::db::reports::{self, Related};
use crate::db::signals::{self, SignalRow};
use crate::db::{users, DbConnection};
use crate::error::AppError;

/// Everything the moderators' page shows about a case.
pub struct CaseDetailData {
    pub record: CaseRecord,
    /// (id, email) of the assignee.
    pub assigned_to: Option<(i64, String)>,
    pub duplicate_of: Option<String>,
    /// The e-mail of the staff member behind each timeline event, by actor id.
    pub actors: Vec<(i64, String)>,
    pub notes: Vec<NoteRow>,
    pub related: Vec<Related>,
    pub deliveries: Vec<DeliveryRow>,
    pub signals: Vec<SignalRow>,
    pub profile: Option<ProfileRow>,
}

/// Loads the case for `caller` and records the view.
pub fn open(
    conn: &mut DbConnection,
    reference: &str,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<CaseDetailData, AppError> {
    let record = case_record::load_by_reference(conn, reference)?;
    let report_id = record.report.id;
    // The profile before the signals: a computation committed between the
    // two reads then shows as "recomputing", never as finished with the
    // previous signals.
    let profile = profiles::find(conn, report_id)?;
    let signals = signals::for_report(conn, report_id)?;
    let mut actor_ids: Vec<i64> = record
        .timeline
        .iter()
        .filter_map(|e| e.actor_id)
        .chain(record.report.assigned_to)
        .collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let actors = users::emails(conn, &actor_ids)?;
    let assigned_to = record
        .report
        .assigned_to
        .and_then(|id| actors.iter().find(|(a, _)| *a == id).cloned());
    let duplicate_of = match record.report.duplicate_of_id {
        Some(id) => reports::reference_of(conn, id)?,
        None => None,
    };
    let hashes: Vec<String> = record.evidence.iter().map(|e| e.sha256.clone()).collect();
    let hotline_number = record.hotline.as_ref().map(|h| h.number.as_str());
    let related = reports::related(conn, &record.report, hotline_number, &hashes)?;
    let notes = notes::for_report(conn, report_id)?;
    let deliveries = deliveries::for_report(conn, report_id)?;
    audit::append(
        conn,
        AuditEntry {
            actor: &caller.audit,
            action: "case.view_contact",
            report_id: Some(report_id),
            client_ip: caller.client_ip.as_deref(),
            before: None,
            after: None,
            at: now,
        },
    )?;
    Ok(CaseDetailData {
        record,
        assigned_to,
        duplicate_of,
        actors,
        notes,
        related,
        deliveries,
        signals,
        profile,
    })
}

/// One file of a case for a staff member, and whether it is shown inline
/// (an image, when asked). A download is audited; an image shown on the
/// case page is part of the case's (audited) view.
pub fn evidence_for_staff(
    conn: &mut DbConnection,
    reference: &str,
    evidence_id: i64,
    inline_asked: bool,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(EvidenceRow, bool), AppError> {
    let report_id = reports::id_of(conn, reference)?;
    let row = evidence::find_in_report(conn, report_id, evidence_id)?;
    let inline = inline_asked && row.is_image();
    if !inline {
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "evidence.download",
                report_id: Some(report_id),
                client_ip: caller.client_ip.as_deref(),
                before: None,
                after: Some(json!({ "evidence_id": row.id, "sha256": row.sha256 })),
                at: now,
            },
        )?;
    }
    Ok((row, inline))
}

/// A file through a signed link from a regulator's email; always audited.
pub fn evidence_for_link_holder(
    conn: &mut DbConnection,
    evidence_id: i64,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<EvidenceRow, AppError> {
    let row = evidence::find(conn, evidence_id)?;
    audit::append(
        conn,
        AuditEntry {
            actor: &caller.audit,
            action: "evidence.download",
            report_id: Some(row.report_id),
            client_ip: caller.client_ip.as_deref(),
            before: None,
            after: Some(json!({ "evidence_id": row.id, "sha256": row.sha256 })),
            at: now,
        },
    )?;
    Ok(row)
}
