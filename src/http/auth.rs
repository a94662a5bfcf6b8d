//! Staff authentication: sessions as an extractor, login, logout.
//!
//! A handler that takes [`Staff`] or [`AdminStaff`] cannot run without a
//! live session of that role. Cookie-authenticated requests that change
//! state must also carry the session's CSRF token and come from our own
//! origin; bearer tokens (scripts) are not ambient, so they need neither.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDateTime, Utc};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::auth::{hash_token, new_token, verify_against_dummy, verify_password};
use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::users::{self, NewSession, SessionUser};
use crate::db::{self};
use crate::domain::account::{self, Role};
use crate::domain::lifecycle::Actor;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "qinglang_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// At most this many failed logins per account and per client address...
const THROTTLE_MAX_FAILURES: i64 = 10;
/// ...within this window.
const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// An authenticated staff member (moderator or admin).
#[derive(Debug, Clone)]
pub struct Staff {
    pub user: SessionUser,
    pub client_ip: Option<String>,
}

/// An authenticated admin.
#[derive(Debug, Clone)]
pub struct AdminStaff(pub Staff);

impl Staff {
    pub fn audit_actor(&self) -> AuditActor {
        AuditActor::User {
            id: self.user.user_id,
            email: self.user.email.clone(),
        }
    }

    pub fn lifecycle_actor(&self) -> Actor {
        match self.user.role {
            Role::Admin => Actor::Admin,
            Role::Moderator => Actor::Moderator,
        }
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req, Role::Moderator).await })
    }
}

impl FromRequest for AdminStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req, Role::Admin).await.map(AdminStaff) })
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// The presented session token, and whether it came from the cookie.
fn presented_token(req: &HttpRequest) -> Option<(String, bool)> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    if let Some(token) = bearer {
        return Some((token, false));
    }
    req.cookie(SESSION_COOKIE)
        .map(|c| (c.value().to_owned(), true))
}

pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> Option<String> {
    if trust_proxy {
        return req
            .connection_info()
            .realip_remote_addr()
            .map(str::to_owned);
    }
    req.peer_addr().map(|addr| addr.ip().to_string())
}

async fn authenticate(req: &HttpRequest, required: Role) -> Result<Staff, AppError> {
    let state = state(req)?;
    let (token, via_cookie) = presented_token(req).ok_or(AppError::Unauthorized)?;
    let token_hash = hash_token(&token);
    let idle = Duration::minutes(i64::from(state.settings.session_idle_minutes));
    let now = Utc::now().naive_utc();
    let user = db::run(&state.pool, move |conn| {
        users::find_session(conn, &token_hash, now, idle)
    })
    .await?
    .ok_or(AppError::Unauthorized)?;
    if via_cookie && !is_safe(req.method()) {
        check_same_origin(req, &user)?;
    }
    if !user.role.allows(required) {
        return Err(AppError::Forbidden("this needs an admin account".into()));
    }
    Ok(Staff {
        user,
        client_ip: client_ip(req, state.settings.trust_proxy),
    })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A state-changing request riding on the cookie must come from our pages:
/// the browser says so (Sec-Fetch-Site / Origin), and it carries the CSRF
/// token that only our pages can read.
fn check_same_origin(req: &HttpRequest, user: &SessionUser) -> Result<(), AppError> {
    let forbidden = |why: &str| AppError::Forbidden(format!("cross-site request refused: {why}"));
    let header_text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header_text("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Err(forbidden("Sec-Fetch-Site"));
        }
    }
    if let Some(origin) = header_text("origin") {
        let info = req.connection_info();
        let expected = format!("{}://{}", info.scheme(), info.host());
        if origin != expected {
            return Err(forbidden("Origin"));
        }
    }
    let presented = header_text(CSRF_HEADER).unwrap_or_default();
    if !constant_time_eq::constant_time_eq(presented.as_bytes(), user.csrf_token.as_bytes()) {
        return Err(forbidden("missing or wrong X-CSRF-Token"));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct LoginBody {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct UserJson {
    id: i64,
    email: String,
    role: Role,
}

#[derive(Serialize)]
struct SessionJson {
    token: Option<String>,
    csrf_token: String,
    expires_at: String,
    user: UserJson,
}

fn rfc3339(time: NaiveDateTime) -> String {
    super::public::rfc3339(time)
}

/// `POST /api/v1/auth/login`.
pub async fn login(
    req: HttpRequest,
    body: web::Json<LoginBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let LoginBody { email, password } = body.into_inner();
    let email = account::normalize_email(&email);
    if password.chars().count() > account::PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password",
            "length",
            "at most 256 characters",
        ));
    }
    let ip = client_ip(&req, state.settings.trust_proxy);
    let keys = [
        format!("account:{email}"),
        format!("ip:{}", ip.as_deref().unwrap_or("unknown")),
    ];
    let now = Utc::now().naive_utc();
    let window = Duration::minutes(THROTTLE_WINDOW_MINUTES);

    let (throttled, user) = {
        let (keys, email) = (keys.clone(), email.clone());
        db::run(&state.pool, move |conn| {
            let mut retry_after: Option<i64> = None;
            for key in &keys {
                let (failures, oldest) = users::recent_failures(conn, key, now - window)?;
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
    let user = web::block(move || match user {
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
        let (ip, email) = (ip.clone(), email.clone());
        db::run(&state.pool, move |conn| {
            db::write_transaction(conn, |conn| {
                for key in &keys {
                    users::record_failure(conn, key, now)?;
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
    let max_age = Duration::hours(i64::from(state.settings.session_max_hours));
    let expires_at = now + max_age;
    {
        let (token_hash, csrf, ip) = (hash_token(&token), csrf_token.clone(), ip.clone());
        let (user_id, email) = (user.id, user.email.clone());
        db::run(&state.pool, move |conn| {
            db::write_transaction(conn, |conn| {
                users::create_session(
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
                users::clear_failures(conn, &format!("account:{email}"), now - window)?;
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
    let cookie = Cookie::build(SESSION_COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.cookie_secure)
        .max_age(time::Duration::seconds(max_age.num_seconds()))
        .finish();
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionJson {
            token: Some(token),
            csrf_token,
            expires_at: rfc3339(expires_at),
            user: UserJson {
                id: user.id,
                email: user.email.clone(),
                role: user.role(),
            },
        }))
}

/// `POST /api/v1/auth/logout`: ends this session, everywhere.
pub async fn logout(staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let actor = staff.audit_actor();
    let session_id = staff.user.session_id;
    let ip = staff.client_ip.clone();
    db::run(&state.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            users::delete_session(conn, session_id)?;
            audit::append(
                conn,
                AuditEntry {
                    actor: &actor,
                    action: "auth.logout",
                    report_id: None,
                    client_ip: ip.as_deref(),
                    before: None,
                    after: None,
                    at: Utc::now().naive_utc(),
                },
            )
        })
    })
    .await?;
    let mut expired = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    expired.make_removal();
    Ok(HttpResponse::NoContent().cookie(expired).finish())
}

/// `GET /api/v1/auth/session`: who is logged in, and the CSRF token for the UI.
pub async fn session(staff: Staff) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionJson {
            token: None,
            csrf_token: staff.user.csrf_token.clone(),
            expires_at: rfc3339(staff.user.expires_at),
            user: UserJson {
                id: staff.user.user_id,
                email: staff.user.email.clone(),
                role: staff.user.role,
            },
        })
}
