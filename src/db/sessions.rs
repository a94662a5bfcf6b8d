//! The `sessions` table: staff logins, stored as token hashes.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{sessions, users};
use super::DbConnection;
use crate::domain::account::Role;
use crate::error::AppError;

/// A live session with its account.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session_id: i64,
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
}

pub struct NewSession<'a> {
    pub user_id: i64,
    pub token_hash: &'a str,
    pub csrf_token: &'a str,
    pub client_ip: Option<&'a str>,
    pub now: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn create_session(conn: &mut DbConnection, session: NewSession<'_>) -> Result<(), AppError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(session.user_id),
            sessions::token_hash.eq(session.token_hash),
            sessions::csrf_token.eq(session.csrf_token),
            sessions::client_ip.eq(session.client_ip),
            sessions::created_at.eq(session.now),
            sessions::last_seen_at.eq(session.now),
            sessions::expires_at.eq(session.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session behind a token hash, if it is live: not past its absolute
/// expiry, not idle too long, and its account not disabled. Records
/// activity at most once a minute, to keep reads from becoming writes.
pub fn find_session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
    idle: Duration,
) -> Result<Option<SessionUser>, AppError> {
    let found = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(now - idle))
        .filter(users::disabled_at.is_null())
        .select((
            sessions::id,
            users::id,
            users::email,
            users::role,
            sessions::csrf_token,
            sessions::expires_at,
            sessions::last_seen_at,
        ))
        .first::<(i64, i64, String, Role, String, NaiveDateTime, NaiveDateTime)>(conn)
        .optional()?;
    let Some((session_id, user_id, email, role, csrf_token, expires_at, last_seen)) = found else {
        return Ok(None);
    };
    if now - last_seen > Duration::seconds(60) {
        diesel::update(sessions::table.find(session_id))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some(SessionUser {
        session_id,
        user_id,
        email,
        role,
        csrf_token,
        expires_at,
    }))
}

pub fn delete_session(conn: &mut DbConnection, session_id: i64) -> Result<(), AppError> {
    diesel::delete(sessions::table.find(session_id)).execute(conn)?;
    Ok(())
}

/// Ends every session of an account.
pub fn delete_for_user(conn: &mut DbConnection, user_id: i64) -> Result<(), AppError> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// Ends every session of an account but `keep`.
pub fn delete_others(conn: &mut DbConnection, user_id: i64, keep: i64) -> Result<(), AppError> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep)),
    )
    .execute(conn)?;
    Ok(())
}
