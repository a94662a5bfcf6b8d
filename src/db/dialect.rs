//! The few statements that differ between SQLite and PostgreSQL, chosen by
//! matching on the inner connection. Everything else is written once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use crate::error::AppError;

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Leases up to `limit` due, unleased (or expired-lease) pending deliveries
/// to `token` until `lease_until`; returns their ids. One statement, so the
/// pick and the lease are atomic. PostgreSQL skips rows another worker is
/// claiming at this moment (`FOR UPDATE SKIP LOCKED`) instead of waiting for
/// them; SQLite has a single writer, so there is nothing to skip.
pub fn claim_deliveries(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: i64,
) -> Result<Vec<i64>, AppError> {
    let ids = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(
            "UPDATE deliveries SET lease_until = $1, lease_token = $2 \
             WHERE id IN (SELECT id FROM deliveries \
                 WHERE status = 'pending' AND next_attempt_at <= $3 \
                   AND (lease_until IS NULL OR lease_until < $3) \
                 ORDER BY next_attempt_at, id LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Id>(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "UPDATE deliveries SET lease_until = ?, lease_token = ? \
             WHERE id IN (SELECT id FROM deliveries \
                 WHERE status = 'pending' AND next_attempt_at <= ? \
                   AND (lease_until IS NULL OR lease_until < ?) \
                 ORDER BY next_attempt_at, id LIMIT ?) \
             RETURNING id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Id>(sqlite)?,
    };
    Ok(ids.into_iter().map(|row| row.id).collect())
}

/// Holds the report's row lock until the transaction ends, so that work
/// deciding from several rows of one case (are all its deliveries accepted?)
/// runs one at a time per case. PostgreSQL: `SELECT … FOR UPDATE`; SQLite
/// needs nothing, its write transactions are serialized already.
pub fn lock_report(conn: &mut DbConnection, report_id: i64) -> Result<(), AppError> {
    if let DbConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT id FROM reports WHERE id = $1 FOR UPDATE")
            .bind::<BigInt, _>(report_id)
            .load::<Id>(pg)?;
    }
    Ok(())
}

/// Counts a report against its merchant, creating the merchant on its first
/// report; returns the merchant's id. An upsert, so concurrent intakes about
/// one merchant neither fail nor lose a count.
pub fn count_merchant_report(
    conn: &mut DbConnection,
    platform: &str,
    name_key: &str,
    display_name: &str,
    province: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    use diesel::sql_types::Nullable;
    const UPSERT_TAIL: &str = " ON CONFLICT (name_key) DO UPDATE SET \
        report_count = merchants.report_count + 1, \
        last_reported_at = excluded.last_reported_at, \
        province = COALESCE(merchants.province, excluded.province) \
        RETURNING id";
    let rows = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(format!(
            "INSERT INTO merchants (platform, name_key, display_name, province, report_count, \
             reporter_count, first_reported_at, last_reported_at) \
             VALUES ($1, $2, $3, $4, 1, 1, $5, $5){UPSERT_TAIL}"
        ))
        .bind::<Text, _>(platform)
        .bind::<Text, _>(name_key)
        .bind::<Text, _>(display_name)
        .bind::<Nullable<Text>, _>(province)
        .bind::<Timestamp, _>(now)
        .load::<Id>(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(format!(
            "INSERT INTO merchants (platform, name_key, display_name, province, report_count, \
             reporter_count, first_reported_at, last_reported_at) \
             VALUES (?, ?, ?, ?, 1, 1, ?, ?){UPSERT_TAIL}"
        ))
        .bind::<Text, _>(platform)
        .bind::<Text, _>(name_key)
        .bind::<Text, _>(display_name)
        .bind::<Nullable<Text>, _>(province)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .load::<Id>(sqlite)?,
    };
    rows.first()
        .map(|row| row.id)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the merchant upsert returned no id")))
}

/// Leases up to `limit` cases whose signals are due to `token` until
/// `lease_until`; returns their ids. Like [`claim_deliveries`]: one
/// statement, and `SKIP LOCKED` on PostgreSQL. The partial index on
/// `due_at WHERE dirty` keeps this cheap with millions of computed cases.
pub fn claim_profiles(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: i64,
) -> Result<Vec<i64>, AppError> {
    let ids = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(
            "UPDATE case_profiles SET lease_until = $1, lease_token = $2 \
             WHERE report_id IN (SELECT report_id FROM case_profiles \
                 WHERE dirty AND due_at <= $3 \
                   AND (lease_until IS NULL OR lease_until < $3) \
                 ORDER BY due_at LIMIT $4 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING report_id AS id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Id>(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "UPDATE case_profiles SET lease_until = ?, lease_token = ? \
             WHERE report_id IN (SELECT report_id FROM case_profiles \
                 WHERE dirty AND due_at <= ? \
                   AND (lease_until IS NULL OR lease_until < ?) \
                 ORDER BY due_at LIMIT ?) \
             RETURNING report_id AS id",
        )
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(token)
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .load::<Id>(sqlite)?,
    };
    Ok(ids.into_iter().map(|row| row.id).collect())
}

#[derive(QueryableByName)]
struct Tokens {
    #[diesel(sql_type = diesel::sql_types::Double)]
    tokens: f64,
}

/// Takes `cost` tokens from the bucket `key` (of `capacity`, refilling by
/// `refill_per_ms`), creating it full on first use; one statement, so two
/// takers can never both spend the last token. Returns the tokens left, or
/// `None` when the bucket holds less than `cost` (nothing is taken).
pub fn take_tokens(
    conn: &mut DbConnection,
    key: &str,
    capacity: f64,
    refill_per_ms: f64,
    cost: f64,
    now_ms: i64,
) -> Result<Option<f64>, AppError> {
    use diesel::sql_types::Double;
    let rows = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(
            "INSERT INTO rate_limits AS r (key, tokens, updated_ms) VALUES ($1, $2 - $3, $4) \
             ON CONFLICT (key) DO UPDATE SET \
                 tokens = LEAST($2, r.tokens + (($4 - r.updated_ms)::double precision) * $5) - $3, \
                 updated_ms = $4 \
             WHERE LEAST($2, r.tokens + (($4 - r.updated_ms)::double precision) * $5) >= $3 \
             RETURNING tokens",
        )
        .bind::<Text, _>(key)
        .bind::<Double, _>(capacity)
        .bind::<Double, _>(cost)
        .bind::<BigInt, _>(now_ms)
        .bind::<Double, _>(refill_per_ms)
        .load::<Tokens>(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "INSERT INTO rate_limits AS r (key, tokens, updated_ms) VALUES (?1, ?2 - ?3, ?4) \
             ON CONFLICT (key) DO UPDATE SET \
                 tokens = MIN(?2, r.tokens + (?4 - r.updated_ms) * ?5) - ?3, \
                 updated_ms = ?4 \
             WHERE MIN(?2, r.tokens + (?4 - r.updated_ms) * ?5) >= ?3 \
             RETURNING tokens",
        )
        .bind::<Text, _>(key)
        .bind::<Double, _>(capacity)
        .bind::<Double, _>(cost)
        .bind::<BigInt, _>(now_ms)
        .bind::<Double, _>(refill_per_ms)
        .load::<Tokens>(sqlite)?,
    };
    Ok(rows.first().map(|row| row.tokens))
}

/// Records the reminder `key` unless it is recorded already; returns
/// whether this call recorded it. One statement, so of two instances
/// scanning at once exactly one queues the reminder.
pub fn claim_reminder(
    conn: &mut DbConnection,
    key: &str,
    report_id: Option<i64>,
    now: chrono::NaiveDateTime,
) -> Result<bool, AppError> {
    use diesel::sql_types::{Nullable, Timestamp};
    let inserted = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(
            "INSERT INTO reminders (key, report_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind::<Text, _>(key)
        .bind::<Nullable<BigInt>, _>(report_id)
        .bind::<Timestamp, _>(now)
        .execute(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(
            "INSERT INTO reminders (key, report_id, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind::<Text, _>(key)
        .bind::<Nullable<BigInt>, _>(report_id)
        .bind::<Timestamp, _>(now)
        .execute(sqlite)?,
    };
    Ok(inserted == 1)
}
