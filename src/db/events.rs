//! The `report_events` table: a case's timeline, one row per status it
//! entered, with the notes shown to the reporter and the staff's reasons.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::report_events;
use super::types::Json;
use super::DbConnection;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// What an event records beyond its status and notes, as structured data
/// the pages render in the reader's language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    /// `forwarded`: who received the case (names as the directory had them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_events)]
pub struct EventRow {
    pub id: i64,
    pub report_id: i64,
    pub at: NaiveDateTime,
    pub status: ReportStatus,
    pub public_note: Option<String>,
    pub from_status: Option<ReportStatus>,
    pub actor_id: Option<i64>,
    pub reason: Option<String>,
    pub details: Option<Json<EventDetails>>,
}

impl EventRow {
    pub fn recipients(&self) -> &[String] {
        self.details.as_ref().map_or(&[], |d| &d.0.recipients)
    }
}

pub struct NewEvent<'a> {
    pub report_id: i64,
    pub at: NaiveDateTime,
    pub status: ReportStatus,
    pub from_status: Option<ReportStatus>,
    pub public_note: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub actor_id: Option<i64>,
    pub details: Option<&'a EventDetails>,
}

pub fn insert(conn: &mut DbConnection, event: NewEvent<'_>) -> Result<(), AppError> {
    let details = event.details.map(Json::encode).transpose()?;
    diesel::insert_into(report_events::table)
        .values((
            report_events::report_id.eq(event.report_id),
            report_events::at.eq(event.at),
            report_events::status.eq(event.status.code()),
            report_events::from_status.eq(event.from_status.map(ReportStatus::code)),
            report_events::public_note.eq(event.public_note),
            report_events::reason.eq(event.reason),
            report_events::actor_id.eq(event.actor_id),
            report_events::details.eq(details),
        ))
        .execute(conn)?;
    Ok(())
}

/// The case's timeline, oldest first.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<EventRow>, AppError> {
    Ok(report_events::table
        .filter(report_events::report_id.eq(report_id))
        .order((report_events::at.asc(), report_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The newest event anywhere: its id and time. Every move of every case
/// writes one, so it versions whatever is derived from case statuses (the
/// hotline blocklist's ETag) in one index lookup.
pub fn latest(conn: &mut DbConnection) -> Result<Option<(i64, NaiveDateTime)>, AppError> {
    Ok(report_events::table
        .select((report_events::id, report_events::at))
        .order(report_events::id.desc())
        .first(conn)
        .optional()?)
}
