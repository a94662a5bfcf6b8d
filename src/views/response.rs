//! The regulators' answers: as the response page shows them to the
//! officer, as the moderators' case page lists them, and as the reporter
//! reads the public ones.

use chrono::NaiveDate;
use serde::Serialize;

use super::{ReportFacts, Time};
use crate::db::responses::{Answer, ResponseRow};
use crate::domain::catalog::Labelled;
use crate::domain::response::ResponseKind;
use crate::domain::status::ReportStatus;

/// One answer, complete (for the officer who gave it and for staff).
#[derive(Debug, Serialize)]
pub struct ResponseItem {
    pub id: i64,
    pub kind: ResponseKind,
    pub kind_label: Labelled,
    pub own_reference: Option<String>,
    pub expected_date: Option<NaiveDate>,
    pub reason: Option<String>,
    pub question: Option<String>,
    pub outcome: Option<String>,
    pub public_summary: Option<String>,
    pub created_at: Time,
}

impl From<&ResponseRow> for ResponseItem {
    fn from(r: &ResponseRow) -> Self {
        ResponseItem {
            id: r.id,
            kind: r.kind,
            kind_label: r.kind.labelled(),
            own_reference: r.own_reference.clone(),
            expected_date: r.expected_date,
            reason: r.reason.clone(),
            question: r.question.clone(),
            outcome: r.outcome.clone(),
            public_summary: r.public_summary.clone(),
            created_at: Time(r.created_at),
        }
    }
}

/// An answer on the moderators' case page: who gave it, and for a
/// question whether it was relayed to the reporter and answered.
#[derive(Debug, Serialize)]
pub struct StaffResponseItem {
    #[serde(flatten)]
    pub response: ResponseItem,
    pub regulator: String,
    pub delivery_id: i64,
    pub relayed_at: Option<Time>,
    pub answered_by_reply_id: Option<i64>,
}

impl From<&Answer> for StaffResponseItem {
    fn from(a: &Answer) -> Self {
        StaffResponseItem {
            response: ResponseItem::from(&a.row),
            regulator: a.regulator.clone(),
            delivery_id: a.row.delivery_id,
            relayed_at: a.row.relayed_at.map(Time),
            answered_by_reply_id: a.row.answered_by_reply_id,
        }
    }
}

/// What the response page shows the officer.
#[derive(Debug, Serialize)]
pub struct ResponsePage {
    pub reference: String,
    pub status: ReportStatus,
    pub category_label: Labelled,
    pub platform_label: Option<Labelled>,
    /// The recipient this link was sent to.
    pub regulator: String,
    pub filed_at: Time,
    pub forwarded_at: Option<Time>,
    pub validation_reason: Option<String>,
    #[serde(flatten)]
    pub facts: ReportFacts,
    /// This recipient's answers so far, oldest first.
    pub responses: Vec<ResponseItem>,
    /// What may be answered next (empty once a final answer is in).
    pub allowed_next: Vec<ResponseKind>,
    pub kinds: Vec<Labelled>,
    pub link_expires_at: Time,
}
