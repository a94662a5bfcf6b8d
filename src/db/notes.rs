//! The `case_notes` table: staff's internal notes on a case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_notes, users};
use super::DbConnection;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable)]
pub struct NoteRow {
    pub id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub author_id: i64,
    pub author_email: String,
}

pub fn insert(
    conn: &mut DbConnection,
    report_id: i64,
    author_id: i64,
    body: &str,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(case_notes::table)
        .values((
            case_notes::report_id.eq(report_id),
            case_notes::author_id.eq(author_id),
            case_notes::body.eq(body),
            case_notes::created_at.eq(now),
        ))
        .returning(case_notes::id)
        .get_result(conn)?)
}

/// The case's notes with their authors, oldest first.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<NoteRow>, AppError> {
    Ok(case_notes::table
        .inner_join(users::table)
        .filter(case_notes::report_id.eq(report_id))
        .order(case_notes::id.asc())
        .select((
            case_notes::id,
            case_notes::body,
            case_notes::created_at,
            users::id,
            users::email,
        ))
        .load(conn)?)
}
