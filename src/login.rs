//! Staff logging in and out: the failure throttle (per account and per
//! client address, in the database so several instances share it),
//! Argon2 verification off the async workers, and the session.

use chrono::{Duration, NaiveDateTime, Utc};

use crate::auth::{hash_token, new_token, verify_against_dummy, verify_password};
use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::sessions::{self, NewSession};
use crate::db::users::{self, UserRow};
use crate::db::{self, login_failures, write_transaction, DbPool};
use crate::domain::account;
use crate::error::AppError;

/// At most this many failed logins per account and per client address...
const THROTTLE_MAX_FAILURES: i64 = 10;
/// ...within this window.
const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// A new session: the token (shown once) and its CSRF token.
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
    pub user: UserRow,
}

pub async fn log_in(
    pool: &DbPool,
    email: &str,
    password: String,
    client_ip: Option<String>,
    session_max_hours: u32,
) -> Result<LoggedIn, AppError> {
    let email = account::normalize_email(email);
    if password.chars().count() > account::PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password",
            "length",
            "at most 256 characters",
        ));
    }
    let keys = [
        format!("account:{email}"),
        format!("ip:{}", client_ip.as_deref().unwrap_or("unknown")),
    ];
    let now = Utc::now().naive_utc();
    let window = Duration::minutes(THROTTLE_WINDOW_MINUTES);

    let (throttled, user) = {
        let (keys, email) = (keys.clone(), email.clone());
        db::run(pool, move |conn| {
            let mut retry_after: Option<i64> = None;
            for key in &keys {
                let (failures, oldest) = login_failures::recent(conn, key, now - window)?;
                if failures >= THROTTLE_MAX_FAILURES {
                    let until = oldest.unwrap_or(now) + window;
                    let secs = (until - now).num_seconds().max(1);
                    retry_after = Some(retry_after.map_or(secs, |r| r.max(secs)));
                }
            }
            Ok((retry_after, users::find_by_email(conn, &email)?))
        })
        .await?
    };
    if let Some(secs) = throttled {
        return Err(AppError::TooManyRequests {
            retry_after_secs: u64::try_from(secs).unwrap_or(1),
        });
    }

    // Argon2 runs on the blocking pool without holding a database connection.
    let user = actix_web::web::block(move || match user {
        Some(user)
            if verify_password(&password, &user.password_hash) && user.disabled_at.is_none() =>
        {
            Some(user)
        }
        Some(_) => None,
        None => {
            verify_against_dummy(&password);
            None
        }
    })
    .await?;

    let Some(user) = user else {
        let (ip, email) = (client_ip.clone(), email.clone());
        db::run(pool, move |conn| {
            write_transaction(conn, |conn| {
                for key in &keys {
                    login_failures::record(conn, key, now)?;
                }
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
        })
        .await?;
        return Err(AppError::Unauthorized);
    };

    let token = new_token();
    let csrf_token = new_token();
    let expires_at = now + Duration::hours(i64::from(session_max_hours));
    {
        let (token_hash, csrf, ip) = (hash_token(&token), csrf_token.clone(), client_ip);
        let (user_id, email) = (user.id, user.email.clone());
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
                login_failures::clear(conn, &format!("account:{email}"), now - window)?;
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
