//! The moderators' view of cases: the queue, one case with everything
//! around it, its deliveries, its audit trail and its routing.

use super::response::StaffResponseItem;
use std::collections::BTreeMap;

use serde::Serialize;

use super::{DeadlineView, ReportFacts, ReporterContact, Time};
use crate::cases::{CaseDetailData, Target};
use crate::db::audit::AuditRow;
use crate::db::deliveries::DeliveryRow;
use crate::db::events::EventRow;
use crate::db::evidence::EvidenceRow;
use crate::db::profiles::ProfileRow;
use crate::db::queue::{Queue, QueueRow};
use crate::db::signals::SignalRow;
use crate::domain::catalog::{Category, Platform};
use crate::domain::delivery::{DeliveryKind, DeliveryStatus};
use crate::domain::lifecycle::{self, Actor};
use crate::domain::routing::Regulator;
use crate::domain::signals::{Explanation, PriorityReason, Severity, SignalCode};
use crate::domain::status::ReportStatus;

#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub reference: String,
    pub status: ReportStatus,
    pub category: Category,
    pub platform: Option<Platform>,
    pub merchant_name: Option<String>,
    pub merchant_province: Option<String>,
    pub assigned_to: Option<i64>,
    pub priority: i32,
    pub created_at: Time,
    pub updated_at: Time,
    pub deadline: Option<DeadlineView>,
}

impl QueueItem {
    fn new(
        r: QueueRow,
        deadline: Option<&crate::db::deadlines::Running>,
        now: chrono::NaiveDateTime,
    ) -> Self {
        QueueItem {
            reference: r.reference,
            status: r.status,
            category: r.category,
            platform: r.platform,
            merchant_name: r.merchant_name,
            merchant_province: r.merchant_province,
            assigned_to: r.assigned_to,
            priority: r.priority,
            created_at: Time(r.created_at),
            updated_at: Time(r.updated_at),
            deadline: deadline.map(|d| DeadlineView::new(d, now)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next_cursor: Option<String>,
    /// Cases per status (every status, zero included).
    pub counts: BTreeMap<ReportStatus, i64>,
}

impl QueuePage {
    pub fn new(queue: Queue, next_cursor: Option<String>) -> Self {
        let mut counts: BTreeMap<ReportStatus, i64> =
            ReportStatus::ALL.iter().map(|&s| (s, 0)).collect();
        for (status, n) in queue.counts {
            counts.insert(status, n);
        }
        QueuePage {
            items: {
                let now = chrono::Utc::now().naive_utc();
                let deadlines = queue.deadlines;
                queue
                    .items
                    .into_iter()
                    .map(|row| {
                        let deadline = deadlines.get(&row.id);
                        QueueItem::new(row, deadline, now)
                    })
                    .collect()
            },
            next_cursor,
            counts,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SignalItem {
    pub code: SignalCode,
    pub severity: Severity,
    pub explanation: Explanation,
    /// References of the other cases it points at.
    pub related: Vec<String>,
    pub computed_at: Time,
}

impl From<&SignalRow> for SignalItem {
    fn from(s: &SignalRow) -> Self {
        SignalItem {
            code: s.code,
            severity: s.severity,
            explanation: Explanation::new(s.explanation_zh.clone(), s.explanation_en.clone()),
            related: s.related().to_vec(),
            computed_at: Time(s.computed_at),
        }
    }
}

/// The priority score with its explanation: the signals, the independent
/// reporters about the merchant, the age of the case.
#[derive(Debug, Serialize)]
pub struct PriorityView {
    pub score: i32,
    pub reasons: Vec<PriorityReason>,
    pub independent_reporters: Option<i32>,
    /// `None` while the signals are still being computed.
    pub computed_at: Option<Time>,
    /// New evidence or a related case arrived: fresher signals are on their way.
    pub recomputing: bool,
}

impl PriorityView {
    pub fn new(score: i32, profile: Option<&ProfileRow>) -> Self {
        PriorityView {
            score,
            reasons: profile
                .and_then(ProfileRow::priority)
                .map(|p| p.reasons.clone())
                .unwrap_or_default(),
            independent_reporters: profile.and_then(|p| p.independent_reporters),
            computed_at: profile.and_then(|p| p.signals_computed_at).map(Time),
            recomputing: profile.is_some_and(|p| p.dirty && p.signals_computed_at.is_some()),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EvidenceItem {
    pub id: i64,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub original_sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    /// The reply it came with, if the reporter sent it later.
    pub reply_id: Option<i64>,
    pub created_at: Time,
}

impl From<&EvidenceRow> for EvidenceItem {
    fn from(e: &EvidenceRow) -> Self {
        EvidenceItem {
            id: e.id,
            display_name: e.display_name.clone(),
            content_type: e.content_type.clone(),
            size_bytes: e.size_bytes,
            sha256: e.sha256.clone(),
            original_sha256: e.original_sha256.clone(),
            width: e.width,
            height: e.height,
            reply_id: e.reply_id,
            created_at: Time(e.created_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TimelineEntry {
    pub at: Time,
    pub status: ReportStatus,
    pub from: Option<ReportStatus>,
    /// What the reporter was told.
    pub note: Option<String>,
    /// The staff's reason (internal, but for a rejection).
    pub reason: Option<String>,
    /// The staff member's e-mail; `None` for the reporter or the system.
    pub actor: Option<String>,
    /// For `forwarded`: who received the case.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

impl TimelineEntry {
    fn new(e: &EventRow, actors: &[(i64, String)]) -> Self {
        TimelineEntry {
            at: Time(e.at),
            status: e.status,
            from: e.from_status,
            note: e.public_note.clone(),
            reason: e.reason.clone(),
            actor: e
                .actor_id
                .and_then(|id| actors.iter().find(|(a, _)| *a == id))
                .map(|(_, email)| email.clone()),
            recipients: e.recipients().to_vec(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Person {
    pub id: i64,
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct NoteItem {
    pub id: i64,
    pub body: String,
    pub author: Person,
    pub created_at: Time,
}

#[derive(Debug, Serialize)]
pub struct ReplyItem {
    pub id: i64,
    pub message: String,
    pub created_at: Time,
}

#[derive(Debug, Serialize)]
pub struct RelatedCase {
    pub reference: String,
    pub status: ReportStatus,
    pub merchant_name: Option<String>,
    pub created_at: Time,
    /// `merchant`, `hotline_number`, `order_id`, `tracking_number`, `evidence_sha256`.
    pub reasons: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Recipient {
    pub name: Option<String>,
    pub email: String,
}

/// A delivery as staff see it (never its secret).
#[derive(Debug, Serialize)]
pub struct DeliveryItem {
    pub id: i64,
    pub kind: DeliveryKind,
    pub regulator_id: Option<i64>,
    pub recipient: Recipient,
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due, while it is pending.
    pub next_attempt_at: Option<Time>,
    pub last_attempt_at: Option<Time>,
    pub last_error: Option<String>,
    pub smtp_reply: Option<String>,
    pub accepted_at: Option<Time>,
    pub failed_at: Option<Time>,
    pub created_at: Time,
}

impl From<&DeliveryRow> for DeliveryItem {
    fn from(row: &DeliveryRow) -> Self {
        DeliveryItem {
            id: row.id,
            kind: row.kind,
            regulator_id: row.regulator_id,
            recipient: Recipient {
                name: row.recipient_name.clone(),
                email: row.recipient_email.clone(),
            },
            message_id: row.message_id.clone(),
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: (row.status == DeliveryStatus::Pending)
                .then_some(Time(row.next_attempt_at)),
            last_attempt_at: row.last_attempt_at.map(Time),
            last_error: row.last_error.clone(),
            smtp_reply: row.smtp_reply.clone(),
            accepted_at: row.accepted_at.map(Time),
            failed_at: row.failed_at.map(Time),
            created_at: Time(row.created_at),
        }
    }
}

/// One case with everything around it, for staff.
#[derive(Debug, Serialize)]
pub struct CaseDetail {
    pub reference: String,
    pub status: ReportStatus,
    /// What the caller may move the case to.
    pub allowed_transitions: Vec<ReportStatus>,
    pub created_at: Time,
    pub updated_at: Time,
    #[serde(flatten)]
    pub facts: ReportFacts,
    pub reporter: ReporterContact,
    pub consent_share_contact: bool,
    pub priority: PriorityView,
    pub merchant_id: Option<i64>,
    pub signals: Vec<SignalItem>,
    pub assigned_to: Option<Person>,
    pub duplicate_of: Option<String>,
    pub evidence: Vec<EvidenceItem>,
    pub timeline: Vec<TimelineEntry>,
    pub notes: Vec<NoteItem>,
    pub replies: Vec<ReplyItem>,
    pub related: Vec<RelatedCase>,
    pub deliveries: Vec<DeliveryItem>,
    /// The regulators' answers, oldest first.
    pub regulator_responses: Vec<StaffResponseItem>,
    pub deadline: Option<DeadlineView>,
}

impl CaseDetail {
    pub fn new(data: CaseDetailData, viewer: Actor) -> Self {
        let CaseDetailData {
            record,
            assigned_to,
            duplicate_of,
            actors,
            notes,
            related,
            deliveries,
            signals,
            profile,
        } = data;
        let r = &record.report;
        CaseDetail {
            reference: r.reference.clone(),
            status: r.status,
            allowed_transitions: lifecycle::next_statuses(r.status, viewer),
            created_at: Time(r.created_at),
            updated_at: Time(r.updated_at),
            facts: ReportFacts::from(&record),
            reporter: ReporterContact::from(r),
            consent_share_contact: r.consent_share_contact,
            priority: PriorityView::new(r.priority, profile.as_ref()),
            merchant_id: profile.as_ref().and_then(|p| p.merchant_id),
            signals: signals.iter().map(SignalItem::from).collect(),
            assigned_to: assigned_to.map(|(id, email)| Person { id, email }),
            duplicate_of,
            evidence: record.evidence.iter().map(EvidenceItem::from).collect(),
            timeline: record
                .timeline
                .iter()
                .map(|e| TimelineEntry::new(e, &actors))
                .collect(),
            notes: notes
                .into_iter()
                .map(|n| NoteItem {
                    id: n.id,
                    body: n.body,
                    author: Person {
                        id: n.author_id,
                        email: n.author_email,
                    },
                    created_at: Time(n.created_at),
                })
                .collect(),
            replies: record
                .replies
                .iter()
                .map(|reply| ReplyItem {
                    id: reply.id,
                    message: reply.message.clone(),
                    created_at: Time(reply.created_at),
                })
                .collect(),
            related: related
                .into_iter()
                .map(|rel| RelatedCase {
                    reference: rel.reference,
                    status: rel.status,
                    merchant_name: rel.merchant_name,
                    created_at: Time(rel.created_at),
                    reasons: rel.reasons,
                })
                .collect(),
            deliveries: deliveries.iter().map(DeliveryItem::from).collect(),
            deadline: record
                .deadline
                .as_ref()
                .map(|d| DeadlineView::new(d, chrono::Utc::now().naive_utc())),
            regulator_responses: record
                .responses
                .iter()
                .map(StaffResponseItem::from)
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AuditActorView {
    pub kind: String,
    pub id: Option<i64>,
    pub label: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AuditItem {
    pub id: i64,
    pub at: Time,
    pub actor: AuditActorView,
    pub action: String,
    pub client_ip: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditItem {
    fn from(row: AuditRow) -> Self {
        AuditItem {
            id: row.id,
            at: Time(row.at),
            actor: AuditActorView {
                kind: row.actor_kind,
                id: row.actor_id,
                label: row.actor_label,
            },
            action: row.action,
            client_ip: row.client_ip,
            before: row.before_state.map(|j| j.0),
            after: row.after_state.map(|j| j.0),
        }
    }
}

/// A directory entry as the routing preview lists it.
#[derive(Debug, Serialize)]
pub struct RoutingChoice {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provinces: Vec<String>,
    pub categories: Vec<Category>,
}

impl From<&Regulator> for RoutingChoice {
    fn from(r: &Regulator) -> Self {
        RoutingChoice {
            id: r.id,
            name: r.name.clone(),
            email: r.email.clone(),
            provinces: r.provinces.as_list().to_vec(),
            categories: r.categories.as_list().to_vec(),
        }
    }
}

/// Where a case would go if it were validated now, and the active
/// directory to choose from instead.
#[derive(Debug, Serialize)]
pub struct Routing {
    pub reference: String,
    pub merchant_province: Option<String>,
    pub category: Category,
    pub targets: Vec<Target>,
    pub default_inbox: bool,
    pub directory: Vec<RoutingChoice>,
}
