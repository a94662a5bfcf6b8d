//! `case-<reference>.json`, attached to every regulator email: the case in
//! machine-readable form, made of the same parts the API serves, with the
//! evidence manifest (each file's SHA-256, attached or linked) of the email.

use serde::Serialize;

use super::case::SignalItem;
use super::reporter::{public_timeline, ReporterTimelineEntry};
use super::{ReportFacts, ReporterContact, Time};
use crate::db::case_record::CaseRecord;
use crate::db::signals::SignalRow;
use crate::domain::catalog::Labelled;
use crate::domain::status::ReportStatus;

pub const FORMAT: &str = "qinglang-case/3";

#[derive(Debug, Serialize)]
pub struct Labels {
    pub category: Labelled,
    /// `None` for a fake hotline that names no platform.
    pub platform: Option<Labelled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_via: Option<Labelled>,
}

#[derive(Debug, Serialize)]
pub struct CaseFileReporter {
    pub consent_share_contact: bool,
    /// Only when the reporter consented to share it.
    pub contact: Option<ReporterContact>,
}

/// How a file reaches the regulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carried {
    Attachment,
    Link,
}

#[derive(Debug, Serialize)]
pub struct ManifestEntry {
    /// 1-based, as the email's manifest numbers the files.
    pub index: usize,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub original_sha256: String,
    pub uploaded_at: Time,
    pub delivery: Carried,
    /// The attachment's file name, when attached.
    pub attachment: Option<String>,
    /// The signed download link, when linked.
    pub download_url: Option<String>,
    pub download_expires_at: Option<Time>,
    /// A CSV file with cells a spreadsheet would run as formulas: open it as text.
    pub contains_formulas: bool,
    /// 补充材料: sent by the reporter after filing, with a reply.
    pub supplementary: bool,
}

/// One thing the reporter added after filing: their reply, and the manifest
/// numbers of the files it carried.
#[derive(Debug, Serialize)]
pub struct SupplementEntry {
    pub at: Time,
    pub message: String,
    pub evidence: Vec<usize>,
}

/// How this file is signed: the detached signature is attached beside it
/// as `case-<reference>.json.sig` (64 raw bytes).
#[derive(Debug, Serialize)]
pub struct SignatureInfo {
    pub algorithm: &'static str,
    pub key_id: String,
    pub keys_url: String,
}

#[derive(Debug, Serialize)]
pub struct CaseFile {
    pub format: &'static str,
    pub reference: String,
    pub status: ReportStatus,
    pub created_at: Time,
    pub validated_at: Option<Time>,
    pub validation_reason: Option<String>,
    #[serde(flatten)]
    pub facts: ReportFacts,
    pub labels: Labels,
    /// `None` while the signals were still being computed.
    pub signals: Option<Vec<SignalItem>>,
    pub reporter: CaseFileReporter,
    pub evidence: Vec<ManifestEntry>,
    /// What the reporter added after filing (their replies), oldest first.
    pub supplements: Vec<SupplementEntry>,
    pub timeline: Vec<ReporterTimelineEntry>,
    pub generated_at: Time,
    pub signature: Option<SignatureInfo>,
}

impl CaseFile {
    pub fn new(
        record: &CaseRecord,
        signals: Option<&[SignalRow]>,
        evidence: Vec<ManifestEntry>,
        generated_at: chrono::NaiveDateTime,
    ) -> Self {
        let r = &record.report;
        let validation = record.validation();
        CaseFile {
            format: FORMAT,
            reference: r.reference.clone(),
            status: r.status,
            created_at: Time(r.created_at),
            validated_at: validation.map(|e| Time(e.at)),
            validation_reason: validation.and_then(|e| e.reason.clone()),
            facts: ReportFacts::from(record),
            labels: Labels {
                category: r.category.labelled(),
                platform: r.platform.map(|p| p.labelled()),
                found_via: record
                    .hotline
                    .as_ref()
                    .and_then(|h| h.found_via)
                    .map(|f| f.labelled()),
            },
            signals: signals.map(|list| list.iter().map(SignalItem::from).collect()),
            reporter: CaseFileReporter {
                consent_share_contact: r.consent_share_contact,
                contact: (r.consent_share_contact && r.has_reporter_contact())
                    .then(|| ReporterContact::from(r)),
            },
            evidence,
            supplements: Vec::new(),
            signature: None,
            timeline: public_timeline(record),
            generated_at: Time(generated_at),
        }
    }
}
