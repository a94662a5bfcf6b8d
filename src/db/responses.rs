//! The `regulator_responses` table: what each regulator answered through
//! the signed link of its delivery, oldest first.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{deliveries, regulator_responses};
use super::DbConnection;
use crate::domain::response::{NewResponse, ResponseKind};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regulator_responses)]
pub struct ResponseRow {
    pub id: i64,
    pub report_id: i64,
    pub delivery_id: i64,
    pub kind: ResponseKind,
    pub own_reference: Option<String>,
    pub expected_date: Option<NaiveDate>,
    pub reason: Option<String>,
    pub question: Option<String>,
    pub outcome: Option<String>,
    pub public_summary: Option<String>,
    pub created_at: NaiveDateTime,
    pub relayed_at: Option<NaiveDateTime>,
    pub answered_by_reply_id: Option<i64>,
}

impl ResponseRow {
    /// The answer as it was posted (to recognise a re-submitted form).
    pub fn as_new(&self) -> NewResponse {
        NewResponse {
            kind: self.kind,
            own_reference: self.own_reference.clone(),
            expected_date: self.expected_date,
            reason: self.reason.clone(),
            question: self.question.clone(),
            outcome: self.outcome.clone(),
            public_summary: self.public_summary.clone(),
        }
    }
}

/// A response with the name of who gave it (the delivery's recipient).
#[derive(Debug, Clone)]
pub struct Answer {
    pub row: ResponseRow,
    pub regulator: String,
}

pub fn insert(
    conn: &mut DbConnection,
    report_id: i64,
    delivery_id: i64,
    response: &NewResponse,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(regulator_responses::table)
        .values((
            regulator_responses::report_id.eq(report_id),
            regulator_responses::delivery_id.eq(delivery_id),
            regulator_responses::kind.eq(response.kind.code()),
            regulator_responses::own_reference.eq(response.own_reference.as_deref()),
            regulator_responses::expected_date.eq(response.expected_date),
            regulator_responses::reason.eq(response.reason.as_deref()),
            regulator_responses::question.eq(response.question.as_deref()),
            regulator_responses::outcome.eq(response.outcome.as_deref()),
            regulator_responses::public_summary.eq(response.public_summary.as_deref()),
            regulator_responses::client_ip.eq(client_ip),
            regulator_responses::created_at.eq(now),
        ))
        .returning(regulator_responses::id)
        .get_result(conn)?)
}

/// Every answer to the case, oldest first, with who gave it.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<Answer>, AppError> {
    let rows: Vec<(ResponseRow, Option<String>, String)> = regulator_responses::table
        .inner_join(deliveries::table)
        .filter(regulator_responses::report_id.eq(report_id))
        .order(regulator_responses::id.asc())
        .select((
            ResponseRow::as_select(),
            deliveries::recipient_name,
            deliveries::recipient_email,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(row, name, email)| Answer {
            row,
            regulator: name.unwrap_or(email),
        })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<ResponseRow, AppError> {
    regulator_responses::table
        .find(id)
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// A question was passed on to the reporter.
pub fn mark_relayed(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    Ok(diesel::update(
        regulator_responses::table
            .filter(regulator_responses::id.eq(id))
            .filter(regulator_responses::relayed_at.is_null()),
    )
    .set(regulator_responses::relayed_at.eq(now))
    .execute(conn)?
        == 1)
}

/// Questions relayed to the reporter and not answered yet, oldest first.
pub fn open_relayed_questions(
    conn: &mut DbConnection,
    report_id: i64,
) -> Result<Vec<ResponseRow>, AppError> {
    Ok(regulator_responses::table
        .filter(regulator_responses::report_id.eq(report_id))
        .filter(regulator_responses::kind.eq(ResponseKind::NeedsInfo.code()))
        .filter(regulator_responses::relayed_at.is_not_null())
        .filter(regulator_responses::answered_by_reply_id.is_null())
        .order(regulator_responses::id.asc())
        .select(ResponseRow::as_select())
        .load(conn)?)
}

/// The reporter's reply answers these questions.
pub fn mark_answered(conn: &mut DbConnection, ids: &[i64], reply_id: i64) -> Result<(), AppError> {
    diesel::update(regulator_responses::table.filter(regulator_responses::id.eq_any(ids)))
        .set(regulator_responses::answered_by_reply_id.eq(reply_id))
        .execute(conn)?;
    Ok(())
}
