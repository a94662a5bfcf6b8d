//! Creating staff accounts — shared by the CLI, the admin API and the
//! first-start bootstrap — with the same rules everywhere.

use std::path::{Path, PathBuf};

use chrono::Utc;
use validator::ValidateEmail;

use serde_json::json;

use crate::auth;
use crate::cases::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::{self, sessions, users, write_transaction, DbPool};
use crate::domain::account::{self, Role};
use crate::error::{AppError, FieldError};

/// Checks the e-mail and password, hashes the password (Argon2id) and stores the account.
pub fn create(
    conn: &mut db::DbConnection,
    email: &str,
    role: Role,
    password: &str,
) -> Result<i64, AppError> {
    let email = account::normalize_email(email);
    let mut errors = Vec::new();
    if !email.validate_email() || email.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "email",
            "email",
            "not a valid email address",
        ));
    }
    if let Err(message) = account::check_password(password) {
        errors.push(FieldError::new("password", "length", message));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = auth::hash_password(password)?;
    users::create(conn, &email, &hash, role, Utc::now().naive_utc())
}

/// An admin creates an account: checked, stored and audited together.
pub fn create_audited(
    conn: &mut db::DbConnection,
    email: &str,
    role: Role,
    password: &str,
    caller: &Caller,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let id = create(conn, email, role, password)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "user.create",
                report_id: None,
                client_ip: caller.client_ip.as_deref(),
                before: None,
                after: Some(
                    json!({"user_id": id, "email": account::normalize_email(email), "role": role}),
                ),
                at: Utc::now().naive_utc(),
            },
        )?;
        Ok(id)
    })
}

/// Disables an account and ends all its sessions at once; audited when an
/// admin does it (`caller`), not when the CLI does.
pub fn disable(
    conn: &mut db::DbConnection,
    id: i64,
    caller: Option<&Caller>,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        users::find(conn, id)?.ok_or(AppError::NotFound)?;
        let now = Utc::now().naive_utc();
        users::set_disabled(conn, id, now)?;
        sessions::delete_for_user(conn, id)?;
        if let Some(caller) = caller {
            audit::append(
                conn,
                AuditEntry {
                    actor: &caller.audit,
                    action: "user.disable",
                    report_id: None,
                    client_ip: caller.client_ip.as_deref(),
                    before: None,
                    after: Some(json!({"user_id": id})),
                    at: now,
                },
            )?;
        }
        Ok(())
    })
}

/// The first admin's e-mail, when the service starts with no account at all.
pub const INITIAL_ADMIN_EMAIL: &str = "admin@qinglang.local";

pub fn initial_password_path(data_dir: &Path) -> PathBuf {
    data_dir.join("initial-admin-password")
}

/// On the very first start, creates an admin with a random password written
/// to `<data dir>/initial-admin-password` (mode 0600). Returns that path
/// when it did.
pub fn bootstrap_admin(pool: &DbPool, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    let mut conn = pool.get()?;
    if users::count(&mut conn).map_err(anyhow_from)? > 0 {
        return Ok(None);
    }
    let password = auth::new_password();
    let path = initial_password_path(data_dir);
    write_private(&path, &format!("{INITIAL_ADMIN_EMAIL}\n{password}\n"))?;
    match create(&mut conn, INITIAL_ADMIN_EMAIL, Role::Admin, &password) {
        Ok(_) => Ok(Some(path)),
        // Another instance won the race: its file stands.
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(error) => Err(anyhow_from(error)),
    }
}

fn anyhow_from(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
