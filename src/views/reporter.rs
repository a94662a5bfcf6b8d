//! The reporter's view of their case: no internal notes, no storage keys,
//! no staff reasons but a rejection's (which is addressed to them).

use chrono::NaiveDate;
use serde::Serialize;

use super::{DeadlineView, ReportFacts, ReporterContact, Time};
use crate::db::case_record::CaseRecord;
use crate::domain::catalog::Labelled;
use crate::domain::response::ResponseKind;
use crate::domain::status::ReportStatus;

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The case changed status.
    Status,
    /// The reporter answered a question (`message`).
    Reply,
    /// A regulator decided (`response`).
    RegulatorResponse,
}

#[derive(Debug, Serialize)]
pub struct ReporterTimelineEntry {
    pub kind: EntryKind,
    pub at: Time,
    /// The case's status once this entry happened.
    pub status: ReportStatus,
    pub note: Option<String>,
    /// For `forwarded`: who received the case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
    /// For a reply: what the reporter wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<PublicResponse>,
}

/// A regulator's decision as the reporter may read it: no question (those
/// go to the moderators), no internal case number beyond the authority's own.
#[derive(Debug, Serialize)]
pub struct PublicResponse {
    pub kind: ResponseKind,
    pub kind_label: Labelled,
    pub regulator: String,
    pub own_reference: Option<String>,
    pub expected_date: Option<NaiveDate>,
    pub reason: Option<String>,
    /// What the authority wrote for the reporter (the outcome itself stays
    /// with the case: it may name measures not yet public).
    pub public_summary: Option<String>,
}

/// The case's public history, oldest first: its status changes, the
/// reporter's replies and the regulators' decisions, each at its time.
pub fn public_timeline(record: &CaseRecord) -> Vec<ReporterTimelineEntry> {
    let mut entries: Vec<ReporterTimelineEntry> = record
        .timeline
        .iter()
        .map(|e| {
            // A rejection's reason is addressed to the consumer; other reasons stay internal.
            let public_reason = (e.status == ReportStatus::Rejected)
                .then(|| e.reason.clone())
                .flatten();
            ReporterTimelineEntry {
                kind: EntryKind::Status,
                at: Time(e.at),
                status: e.status,
                note: e.public_note.clone().or(public_reason),
                recipients: e.recipients().to_vec(),
                message: None,
                response: None,
            }
        })
        .collect();
    let status_at = |at: chrono::NaiveDateTime| {
        record
            .timeline
            .iter()
            .rev()
            .find(|e| e.at <= at)
            .map_or(ReportStatus::Submitted, |e| e.status)
    };
    for reply in &record.replies {
        // The status the reply answered, not the one it caused at the same instant.
        let answered = record
            .timeline
            .iter()
            .rev()
            .find(|e| e.at < reply.created_at)
            .map_or(ReportStatus::Submitted, |e| e.status);
        entries.push(ReporterTimelineEntry {
            kind: EntryKind::Reply,
            at: Time(reply.created_at),
            status: answered,
            note: None,
            recipients: Vec::new(),
            message: Some(reply.message.clone()),
            response: None,
        });
    }
    for answer in record.responses.iter().filter(|a| a.row.kind.is_public()) {
        let r = &answer.row;
        entries.push(ReporterTimelineEntry {
            kind: EntryKind::RegulatorResponse,
            at: Time(r.created_at),
            status: status_at(r.created_at),
            note: None,
            recipients: Vec::new(),
            message: None,
            response: Some(PublicResponse {
                kind: r.kind,
                kind_label: r.kind.labelled(),
                regulator: answer.regulator.clone(),
                own_reference: r.own_reference.clone(),
                expected_date: r.expected_date,
                reason: r.reason.clone(),
                public_summary: r.public_summary.clone(),
            }),
        });
    }
    // A reply comes before the status change it caused at the same instant.
    entries.sort_by_key(|e| (e.at.0, e.kind != EntryKind::Reply));
    entries
}

/// A regulator's question a moderator relayed, waiting for the reporter.
#[derive(Debug, Serialize)]
pub struct OpenQuestion {
    pub question: String,
    pub asked_at: Time,
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
    /// A question from the regulator, relayed by a moderator: the reporter
    /// may answer it although the case is no longer `needs_info`.
    pub open_question: Option<OpenQuestion>,
    /// The deadline running on the case (the moderators' decision, the
    /// reporter's answer, the regulator's acknowledgement), if any.
    pub deadline: Option<DeadlineView>,
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
            timeline: public_timeline(record),
            deadline: record
                .deadline
                .as_ref()
                .map(|d| DeadlineView::new(d, chrono::Utc::now().naive_utc())),
            open_question: record
                .responses
                .iter()
                .map(|a| &a.row)
                .find(|r| r.relayed_at.is_some() && r.answered_by_reply_id.is_none())
                .and_then(|r| {
                    Some(OpenQuestion {
                        question: r.question.clone()?,
                        asked_at: Time(r.relayed_at?),
                    })
                }),
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
