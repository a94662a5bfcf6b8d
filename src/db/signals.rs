//! The `signals` table: each case's fraud signals as last computed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::signals;
use super::types::Json;
use super::DbConnection;
use crate::domain::signals::{Severity, Signal, SignalCode};
use crate::error::AppError;

/// A stored signal, as the API shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signals)]
pub struct SignalRow {
    pub report_id: i64,
    pub code: SignalCode,
    pub severity: Severity,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub related: Json<Vec<String>>,
    pub computed_at: NaiveDateTime,
}

impl SignalRow {
    /// References of the other cases the signal points at.
    pub fn related(&self) -> &[String] {
        &self.related.0
    }
}

pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<SignalRow>, AppError> {
    Ok(signals::table
        .filter(signals::report_id.eq(report_id))
        .order(signals::id.asc())
        .select(SignalRow::as_select())
        .load(conn)?)
}

/// The signal codes of the cases `report_ids`, as (case id, code).
pub fn codes_for_reports(
    conn: &mut DbConnection,
    report_ids: &[i64],
) -> Result<Vec<(i64, SignalCode)>, AppError> {
    Ok(signals::table
        .filter(signals::report_id.eq_any(report_ids))
        .select((signals::report_id, signals::code))
        .load(conn)?)
}

/// Replaces the case's signals with `found`.
pub fn replace_for_report(
    conn: &mut DbConnection,
    report_id: i64,
    found: &[Signal],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(signals::table.filter(signals::report_id.eq(report_id))).execute(conn)?;
    for signal in found {
        diesel::insert_into(signals::table)
            .values((
                signals::report_id.eq(report_id),
                signals::code.eq(signal.code.code()),
                signals::severity.eq(signal.severity.code()),
                signals::explanation_zh.eq(&signal.explanation.zh),
                signals::explanation_en.eq(&signal.explanation.en),
                signals::related.eq(Json::encode(&signal.related)?),
                signals::computed_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}
