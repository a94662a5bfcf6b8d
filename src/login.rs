//! Staff logging in and out, and changing their password.
//!
//! A login attempt is counted *before* its password is checked — one token
//! from the buckets of its account-and-address and of its address (see
//! `throttle`), atomically — so concurrent guesses cannot outrun the count.
//! The lockout is per account *and address*: a stranger's guesses elsewhere
//! do not lock out the account's owner. Argon2 (19 MiB each) runs under a
//! small concurrency limit, off the async workers, and input no real email
//! can be is refused before anything is written.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use serde_json::json;
use tokio::sync::Semaphore;

use crate::auth::{hash_password, hash_token, new_token, verify_against_dummy, verify_password};
use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::rate_limits::{self, Taken};
use crate::db::sessions::{self, NewSession, SessionUser};
use crate::db::users::{self, UserRow};
use crate::db::{self, write_transaction, DbPool};
use crate::domain::account;
use crate::domain::throttle::{address_key, retry_after_secs};
use crate::error::{AppError, FieldError};
use crate::throttle::Limits;

/// What logging in needs beyond the pool.
#[derive(Clone)]
pub struct LoginSettings {
    pub session_max_hours: u32,
    pub limits: Limits,
    /// Password checks at once (each holds 19 MiB for tens of milliseconds).
    pub argon2: Arc<Semaphore>,
    /// The first admin's generated password, removed once it has served.
    pub initial_password_file: PathBuf,
}

/// How long a login waits for an Argon2 turn before the service says it is busy.
const ARGON2_QUEUE_WAIT: Duration = Duration::from_secs(10);

/// A new session: the token (shown once) and its CSRF token.
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
    pub user: UserRow,
}

/// The address as typed, checked before anything is stored or hashed.
fn checked_email(email: &str) -> Result<String, AppError> {
    let email = account::normalize_email(email);
    if email.chars().count() > account::EMAIL_MAX_CHARS {
        return Err(AppError::invalid(
            "email",
            "length",
            format!("at most {} characters", account::EMAIL_MAX_CHARS),
        ));
    }
    if email.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "email",
            "control_characters",
            "must not contain control characters",
        ));
    }
    Ok(email)
}

fn checked_password(field: &str, password: &str) -> Result<(), AppError> {
    if password.chars().count() > account::PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            field,
            "length",
            format!("at most {} characters", account::PASSWORD_MAX_CHARS),
        ));
    }
    Ok(())
}

/// Counts one attempt for `email` from `client_ip`, or answers 429.
async fn reserve_attempt(
    pool: &DbPool,
    limits: &Limits,
    email: &str,
    client_ip: Option<&str>,
) -> Result<(), AppError> {
    let address = address_key(client_ip);
    let pair = format!("login:account:{email}:{address}");
    let from_address = format!("login:address:{address}");
    let limits = limits.clone();
    db::run(pool, move |conn| {
        for (key, bucket) in [
            (&pair, limits.login_per_account_address),
            (&from_address, limits.login_per_address),
        ] {
            if let Taken::No(wait) = rate_limits::take(conn, key, bucket, 1.0)? {
                let secs = retry_after_secs(wait);
                return Err(AppError::TooManyRequests {
                    retry_after_secs: secs,
                    detail: format!("Too many login attempts; retry in {secs} s."),
                });
            }
        }
        Ok(())
    })
    .await
}

/// Runs Argon2 on the blocking pool, under the concurrency limit.
async fn verify<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _permit = tokio::time::timeout(ARGON2_QUEUE_WAIT, Arc::clone(permits).acquire_owned())
        .await
        .map_err(|_| AppError::Unavailable("too many password checks queued".into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(actix_web::web::block(work).await?)
}

/// The first admin's generated password file has served its purpose once
/// that admin has logged in or chosen a password: remove it.
fn forget_initial_password(settings: &LoginSettings, email: &str) {
    if email != crate::accounts::INITIAL_ADMIN_EMAIL {
        return;
    }
    match std::fs::remove_file(&settings.initial_password_file) {
        Ok(()) => tracing::info!(
            "removed {} now that its password has been used",
            settings.initial_password_file.display()
        ),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => tracing::warn!(%error, "could not remove the initial password file"),
    }
}

pub async fn log_in(
    pool: &DbPool,
    settings: &LoginSettings,
    email: &str,
    password: String,
    client_ip: Option<String>,
) -> Result<LoggedIn, AppError> {
    let email = checked_email(email)?;
    checked_password("password", &password)?;
    reserve_attempt(pool, &settings.limits, &email, client_ip.as_deref()).await?;
    let user = {
        let email = email.clone();
        db::run(pool, move |conn| users::find_by_email(conn, &email)).await?
    };
    let user = verify(&settings.argon2, move || match user {
        Some(user)
            if verify_password(&password, &user.password_hash) && user.disabled_at.is_none() =>
        {
            Some(user)
        }
        Some(_) => None,
        None => {
            // As slow as a real check, so an unknown address answers no faster.
            verify_against_dummy(&password);
            None
        }
    })
    .await?;
    let now = Utc::now().naive_utc();
    let Some(user) = user else {
        let ip = client_ip.clone();
        db::run(pool, move |conn| {
            audit::append(
                conn,
                AuditEntry {
                    actor: &AuditActor::Anonymous { claimed: email },
                    action: "auth.login_failed",
                    report_id: None,
                    client_ip: ip.as_deref(),
                    before: None,
                    after: None,
                    at: now,
                },
            )
        })
        .await?;
        return Err(AppError::Unauthorized);
    };

    let token = new_token();
    let csrf_token = new_token();
    let expires_at = now + chrono::Duration::hours(i64::from(settings.session_max_hours));
    {
        let (token_hash, csrf, ip) = (hash_token(&token), csrf_token.clone(), client_ip.clone());
        let (user_id, email) = (user.id, user.email.clone());
        let pair = format!(
            "login:account:{email}:{}",
            address_key(client_ip.as_deref())
        );
        db::run(pool, move |conn| {
            write_transaction(conn, |conn| {
                sessions::create_session(
                    conn,
                    NewSession {
                        user_id,
                        token_hash: &token_hash,
                        csrf_token: &csrf,
                        client_ip: ip.as_deref(),
                        now,
                        expires_at,
                    },
                )?;
                // Their own address's count starts afresh; the address's
                // count over all accounts stays.
                rate_limits::reset(conn, &pair)?;
                audit::append(
                    conn,
                    AuditEntry {
                        actor: &AuditActor::User {
                            id: user_id,
                            email: email.clone(),
                        },
                        action: "auth.login",
                        report_id: None,
                        client_ip: ip.as_deref(),
                        before: None,
                        after: None,
                        at: now,
                    },
                )
            })
        })
        .await?;
    }
    forget_initial_password(settings, &user.email);
    Ok(LoggedIn {
        token,
        csrf_token,
        expires_at,
        user,
    })
}

/// Ends one session, audited.
pub async fn log_out(
    pool: &DbPool,
    session_id: i64,
    actor: AuditActor,
    client_ip: Option<String>,
) -> Result<(), AppError> {
    db::run(pool, move |conn| {
        write_transaction(conn, |conn| {
            sessions::delete_session(conn, session_id)?;
            audit::append(
                conn,
                AuditEntry {
                    actor: &actor,
                    action: "auth.logout",
                    report_id: None,
                    client_ip: client_ip.as_deref(),
                    before: None,
                    after: None,
                    at: Utc::now().naive_utc(),
                },
            )
        })
    })
    .await
}

/// A staff member changes their own password: the current one must be
/// right (checked and counted like a login), the new one follows the
/// policy, and every other session of theirs ends.
pub async fn change_password(
    pool: &DbPool,
    settings: &LoginSettings,
    session: &SessionUser,
    current: String,
    new: String,
    client_ip: Option<String>,
) -> Result<(), AppError> {
    checked_password("current_password", &current)?;
    let mut errors = Vec::new();
    if let Err(message) = account::check_password(&new) {
        errors.push(FieldError::new("new_password", "length", message));
    }
    if new == current {
        errors.push(FieldError::new(
            "new_password",
            "unchanged",
            "choose a password other than the current one",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    reserve_attempt(pool, &settings.limits, &session.email, client_ip.as_deref()).await?;
    let user_id = session.user_id;
    let user = db::run(pool, move |conn| users::find(conn, user_id))
        .await?
        .ok_or(AppError::Unauthorized)?;
    let new_hash = verify(&settings.argon2, move || {
        if verify_password(&current, &user.password_hash) {
            hash_password(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??;
    let Some(new_hash) = new_hash else {
        return Err(AppError::invalid(
            "current_password",
            "wrong",
            "the current password is not right",
        ));
    };
    let (session_id, actor) = (
        session.session_id,
        AuditActor::User {
            id: session.user_id,
            email: session.email.clone(),
        },
    );
    db::run(pool, move |conn| {
        write_transaction(conn, |conn| {
            users::set_password_hash(conn, user_id, &new_hash)?;
            sessions::delete_others(conn, user_id, session_id)?;
            audit::append(
                conn,
                AuditEntry {
                    actor: &actor,
                    action: "auth.password_change",
                    report_id: None,
                    client_ip: client_ip.as_deref(),
                    before: None,
                    after: Some(json!({ "other_sessions_ended": true })),
                    at: Utc::now().naive_utc(),
                },
            )
        })
    })
    .await?;
    forget_initial_password(settings, &session.email);
    Ok(())
}
