//! The `replies` table: the reporter's answers to moderators' questions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::replies;
use super::DbConnection;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = replies)]
pub struct ReplyRow {
    pub id: i64,
    pub message: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    report_id: i64,
    message: &str,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(replies::table)
        .values((
            replies::report_id.eq(report_id),
            replies::message.eq(message),
            replies::created_at.eq(now),
        ))
        .returning(replies::id)
        .get_result(conn)?)
}

/// The case's replies, oldest first.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<ReplyRow>, AppError> {
    Ok(replies::table
        .filter(replies::report_id.eq(report_id))
        .order(replies::id.asc())
        .select(ReplyRow::as_select())
        .load(conn)?)
}
