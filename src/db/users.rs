//! The `users` table: staff accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::users;
use super::DbConnection;
use crate::domain::account::Role;
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
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
            users::role.eq(role.code()),
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

/// Marks an account disabled (its sessions are ended by the caller, in
/// the same transaction: see `accounts::disable`).
pub fn set_disabled(conn: &mut DbConnection, id: i64, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set(users::disabled_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The e-mail addresses of the accounts `ids`, as (id, email).
pub fn emails(conn: &mut DbConnection, ids: &[i64]) -> Result<Vec<(i64, String)>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email))
        .load(conn)?)
}

pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set(users::password_hash.eq(hash))
        .execute(conn)?;
    Ok(())
}

/// The active admins' addresses, oldest account first.
pub fn active_admin_emails(conn: &mut DbConnection) -> Result<Vec<String>, AppError> {
    Ok(users::table
        .filter(users::role.eq(Role::Admin.code()))
        .filter(users::disabled_at.is_null())
        .order(users::id)
        .select(users::email)
        .load(conn)?)
}
