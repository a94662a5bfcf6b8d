//! The reporter's view of their case: no internal notes, no storage keys,
//! no staff reasons but a rejection's (which is addressed to them).

use serde::Serialize;

use super::{ReportFacts, ReporterContact, Time};
use crate::db::case_record::CaseRecord;
use crate::domain::status::ReportStatus;

#[derive(Debug, Serialize)]
pub struct ReporterTimelineEntry {
    pub at: Time,
    pub status: ReportStatus,
    pub note: Option<String>,
    /// For `forwarded`: who received the case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ReporterEvidence {
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
}

#[derive(Debug, Serialize)]
pub struct ReporterReport {
    pub reference: String,
    pub status: ReportStatus,
    pub created_at: Time,
    pub updated_at: Time,
    #[serde(flatten)]
    pub facts: ReportFacts,
    /// `None` when they gave no contact at all.
    pub reporter: Option<ReporterContact>,
    pub consent_share_contact: bool,
    pub timeline: Vec<ReporterTimelineEntry>,
    pub evidence: Vec<ReporterEvidence>,
}

impl From<&CaseRecord> for ReporterReport {
    fn from(record: &CaseRecord) -> Self {
        let r = &record.report;
        ReporterReport {
            reference: r.reference.clone(),
            status: r.status,
            created_at: Time(r.created_at),
            updated_at: Time(r.updated_at),
            facts: ReportFacts::from(record),
            reporter: r.has_reporter_contact().then(|| ReporterContact::from(r)),
            consent_share_contact: r.consent_share_contact,
            timeline: record
                .timeline
                .iter()
                .map(|e| {
                    // A rejection's reason is addressed to the consumer; other reasons stay internal.
                    let public_reason = (e.status == ReportStatus::Rejected)
                        .then(|| e.reason.clone())
                        .flatten();
                    ReporterTimelineEntry {
                        at: Time(e.at),
                        status: e.status,
                        note: e.public_note.clone().or(public_reason),
                        recipients: e.recipients().to_vec(),
                    }
                })
                .collect(),
            evidence: record
                .evidence
                .iter()
                .map(|e| ReporterEvidence {
                    display_name: e.display_name.clone(),
                    content_type: e.content_type.clone(),
                    size_bytes: e.size_bytes,
                    sha256: e.sha256.clone(),
                    width: e.width,
                    height: e.height,
                })
                .collect(),
        }
    }
}
