//! Staff accounts, their sessions, and the login throttle.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{login_failures, sessions, users};
use super::DbConnection;
use crate::domain::account::Role;
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Moderator)
    }
}

pub fn create(
    conn: &mut DbConnection,
    email: &str,
    password_hash: &str,
    role: Role,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    use diesel::result::{DatabaseErrorKind, Error};
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email),
            users::password_hash.eq(password_hash),
            users::role.eq(role.as_str()),
            users::created_at.eq(now),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::Conflict {
                detail: "an account with this e-mail exists".into(),
                errors: vec![FieldError::new(
                    "email",
                    "taken",
                    "an account with this e-mail exists",
                )],
            },
            other => other.into(),
        })
}

pub fn count(conn: &mut DbConnection) -> Result<i64, AppError> {
    Ok(users::table.count().get_result(conn)?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<UserRow>, AppError> {
    Ok(users::table
        .order(users::id)
        .select(UserRow::as_select())
        .load(conn)?)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<UserRow>, AppError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<Option<UserRow>, AppError> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Disables an account and ends all its sessions at once.
pub fn disable(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), AppError> {
    super::write_transaction(conn, |conn| {
        diesel::update(users::table.find(id))
            .set(users::disabled_at.eq(now))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(conn)?;
        Ok(())
    })
}

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
        .first::<(
            i64,
            i64,
            String,
            String,
            String,
            NaiveDateTime,
            NaiveDateTime,
        )>(conn)
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
        role: Role::parse(&role).unwrap_or(Role::Moderator),
        csrf_token,
        expires_at,
    }))
}

pub fn delete_session(conn: &mut DbConnection, session_id: i64) -> Result<(), AppError> {
    diesel::delete(sessions::table.find(session_id)).execute(conn)?;
    Ok(())
}

/// Failures recorded under `key` since `since`, and the oldest of them.
pub fn recent_failures(
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

pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::throttle_key.eq(key),
            login_failures::at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets failures under `key` (after a successful login) and old ones everywhere.
pub fn clear_failures(
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
