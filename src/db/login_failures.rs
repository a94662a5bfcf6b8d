//! The `login_failures` table: failed logins by account and by client
//! address, for a throttle that holds across instances.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::login_failures;
use super::DbConnection;
use crate::error::AppError;

/// Failures recorded under `key` since `since`, and the oldest of them.
pub fn recent(
    conn: &mut DbConnection,
    key: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>), AppError> {
    let (count, oldest) = login_failures::table
        .filter(login_failures::throttle_key.eq(key))
        .filter(login_failures::at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(login_failures::at),
        ))
        .first::<(i64, Option<NaiveDateTime>)>(conn)?;
    Ok((count, oldest))
}

pub fn record(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::throttle_key.eq(key),
            login_failures::at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets failures under `key` (after a successful login) and old ones everywhere.
pub fn clear(
    conn: &mut DbConnection,
    key: &str,
    older_than: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(
        login_failures::table.filter(
            login_failures::throttle_key
                .eq(key)
                .or(login_failures::at.lt(older_than)),
        ),
    )
    .execute(conn)?;
    Ok(())
}
