//! The `rate_limits` table: token buckets (see `domain::throttle`), shared
//! by every instance on this database.

use chrono::Utc;
use diesel::prelude::*;

use super::schema::rate_limits;
use super::{dialect, write_transaction, DbConnection};
use crate::domain::throttle::Bucket;
use crate::error::AppError;

/// Whether `cost` could be taken from `key`'s bucket, and was.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Taken {
    Yes,
    /// Not taken; enough tokens will be there after this long.
    No(std::time::Duration),
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Takes `cost` from `key`'s bucket, atomically (see `dialect::take_tokens`).
pub fn take(
    conn: &mut DbConnection,
    key: &str,
    bucket: Bucket,
    cost: f64,
) -> Result<Taken, AppError> {
    let now = now_ms();
    write_transaction(conn, |conn| {
        let taken = dialect::take_tokens(
            conn,
            key,
            bucket.capacity,
            bucket.refill_per_ms(),
            cost,
            now,
        )?;
        if taken.is_some() {
            return Ok(Taken::Yes);
        }
        let (tokens, updated_ms) = rate_limits::table
            .find(key)
            .select((rate_limits::tokens, rate_limits::updated_ms))
            .first::<(f64, i64)>(conn)?;
        let elapsed = (now - updated_ms).max(0) as f64;
        let current = (tokens + elapsed * bucket.refill_per_ms()).min(bucket.capacity);
        Ok(Taken::No(bucket.wait(current, cost)))
    })
}

/// Forgets `key`'s bucket: it is full again (e.g. after a successful login).
pub fn reset(conn: &mut DbConnection, key: &str) -> Result<(), AppError> {
    diesel::delete(rate_limits::table.find(key)).execute(conn)?;
    Ok(())
}

/// Forgets buckets untouched for `idle_ms` (they would be full by now).
pub fn forget_idle(conn: &mut DbConnection, idle_ms: i64) -> Result<usize, AppError> {
    Ok(
        diesel::delete(rate_limits::table.filter(rate_limits::updated_ms.lt(now_ms() - idle_ms)))
            .execute(conn)?,
    )
}
