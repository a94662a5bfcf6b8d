//! A case as one record: the report with its files, timeline and replies.
//! The one place a whole case is loaded — for the moderators' page, the
//! regulator's email and the signals worker alike.

use super::deadlines::{self, Running};
use super::events::{self, EventRow};
use super::evidence::{self, EvidenceRow};
use super::hotlines;
use super::replies::{self, ReplyRow};
use super::reports::{self, ReportRow};
use super::responses::{self, Answer};
use super::DbConnection;
use crate::domain::report::Hotline;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub report: ReportRow,
    /// A `fake_service_hotline` report's hotline.
    pub hotline: Option<Hotline>,
    /// In the order they arrived: the report's files, then the replies'.
    pub evidence: Vec<EvidenceRow>,
    /// Oldest first.
    pub timeline: Vec<EventRow>,
    /// Oldest first.
    pub replies: Vec<ReplyRow>,
    /// The regulators' answers, oldest first.
    pub responses: Vec<Answer>,
    /// The deadline running on the case, if any.
    pub deadline: Option<Running>,
}

impl CaseRecord {
    /// The latest move to `validated`: when, and the moderator's reason.
    pub fn validation(&self) -> Option<&EventRow> {
        self.timeline
            .iter()
            .rev()
            .find(|e| e.status == ReportStatus::Validated)
    }
}

pub fn load(conn: &mut DbConnection, report_id: i64) -> Result<CaseRecord, AppError> {
    let report = reports::find(conn, report_id)?;
    complete(conn, report)
}

pub fn load_by_reference(conn: &mut DbConnection, reference: &str) -> Result<CaseRecord, AppError> {
    let report = reports::find_by_reference(conn, reference)?;
    complete(conn, report)
}

fn complete(conn: &mut DbConnection, report: ReportRow) -> Result<CaseRecord, AppError> {
    Ok(CaseRecord {
        hotline: hotlines::find(conn, report.id)?,
        evidence: evidence::for_report(conn, report.id)?,
        timeline: events::for_report(conn, report.id)?,
        replies: replies::for_report(conn, report.id)?,
        responses: responses::for_report(conn, report.id)?,
        deadline: deadlines::find(conn, report.id)?,
        report,
    })
}
