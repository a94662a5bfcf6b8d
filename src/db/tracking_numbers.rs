//! The `tracking_numbers` table: the normalized tracking numbers each case
//! gives (its logistics record and its exports).

use diesel::prelude::*;

use super::schema::{reports, tracking_numbers};
use super::DbConnection;
use crate::domain::signals::cross::TrackingUse;
use crate::error::AppError;

/// How many other uses of a case's numbers are read at most.
const USES_LIMIT: i64 = 500;

/// Replaces the case's tracking numbers.
pub fn replace_for_report(
    conn: &mut DbConnection,
    report_id: i64,
    numbers: &[String],
) -> Result<(), AppError> {
    diesel::delete(tracking_numbers::table.filter(tracking_numbers::report_id.eq(report_id)))
        .execute(conn)?;
    for number in numbers {
        diesel::insert_into(tracking_numbers::table)
            .values((
                tracking_numbers::report_id.eq(report_id),
                tracking_numbers::number.eq(number),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Other cases giving any of `numbers`, with their order ids.
pub fn uses_elsewhere(
    conn: &mut DbConnection,
    report_id: i64,
    numbers: &[String],
) -> Result<Vec<TrackingUse>, AppError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, Option<String>)> = tracking_numbers::table
        .inner_join(reports::table)
        .filter(tracking_numbers::number.eq_any(numbers))
        .filter(tracking_numbers::report_id.ne(report_id))
        .select((
            reports::reference,
            tracking_numbers::number,
            reports::order_id,
        ))
        .limit(USES_LIMIT)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_reference, tracking_number, order_id)| TrackingUse {
            case_reference,
            tracking_number,
            order_id,
        })
        .collect())
}
