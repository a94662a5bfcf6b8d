//! The `signing_keys` table: Ed25519 keys for case files, newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::signing_keys;
use super::DbConnection;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub id: String,
    pub public_key_pem: String,
    pub wrapped_seed: String,
    pub created_at: NaiveDateTime,
    pub retired_at: Option<NaiveDateTime>,
}

/// Every key, newest first (retired ones too: they still verify).
pub fn all(conn: &mut DbConnection) -> Result<Vec<SigningKeyRow>, AppError> {
    Ok(signing_keys::table
        .order((signing_keys::created_at.desc(), signing_keys::id.desc()))
        .select(SigningKeyRow::as_select())
        .load(conn)?)
}

/// The newest key not retired: the one that signs.
pub fn active(conn: &mut DbConnection) -> Result<Option<SigningKeyRow>, AppError> {
    Ok(signing_keys::table
        .filter(signing_keys::retired_at.is_null())
        .order((signing_keys::created_at.desc(), signing_keys::id.desc()))
        .select(SigningKeyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConnection, row: &SigningKeyRow) -> Result<(), AppError> {
    diesel::insert_into(signing_keys::table)
        .values((
            signing_keys::id.eq(&row.id),
            signing_keys::public_key_pem.eq(&row.public_key_pem),
            signing_keys::wrapped_seed.eq(&row.wrapped_seed),
            signing_keys::created_at.eq(row.created_at),
            signing_keys::retired_at.eq(row.retired_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Retires every active key but `keep`.
pub fn retire_others(
    conn: &mut DbConnection,
    keep: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    Ok(diesel::update(
        signing_keys::table
            .filter(signing_keys::retired_at.is_null())
            .filter(signing_keys::id.ne(keep)),
    )
    .set(signing_keys::retired_at.eq(now))
    .execute(conn)?)
}
