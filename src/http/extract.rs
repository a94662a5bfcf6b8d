//! Who is calling, and what they sent — in that order.
//!
//! A handler that takes [`Staff`] or [`AdminStaff`] cannot run without a
//! live session of that role. Cookie-authenticated requests that change
//! state must also carry the session's CSRF token and come from our own
//! origin; bearer tokens (scripts) are not ambient, so they need neither.
//!
//! Query strings and bodies are taken with [`Deferred`], whose parse errors
//! wait until the handler asks — after its `Staff` is known — so an
//! anonymous or unauthorized caller learns nothing from validation
//! messages: 401 or 403 whatever the query.

use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{Duration, Utc};
use futures_util::future::LocalBoxFuture;

use super::state::{AppState, Settings};
use crate::auth::hash_token;
use crate::cases::Caller;
use crate::db::audit::AuditActor;
use crate::db::sessions::{self, SessionUser};
use crate::db::{self};
use crate::domain::account::Role;
use crate::domain::lifecycle::Actor;
use crate::error::AppError;

pub const SESSION_COOKIE: &str = "qinglang_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

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

    /// The staff member as the workflow sees them.
    pub fn caller(&self) -> Caller {
        Caller {
            audit: self.audit_actor(),
            role: self.lifecycle_actor(),
            client_ip: self.client_ip.clone(),
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

pub fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))
}

/// `Authorization: Bearer <token>`, if present.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The presented session token, and whether it came from the cookie.
fn presented_token(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(token) = bearer_token(req) {
        return Some((token, false));
    }
    req.cookie(SESSION_COOKIE)
        .map(|c| (c.value().to_owned(), true))
}

/// The client's address. Without a proxy, the peer's. Behind a trusted
/// proxy, the right-most `X-Forwarded-For` entry that is not one of our
/// proxies: each proxy appends the address it received from, so entries
/// left of that are whatever the client chose to send.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> Option<String> {
    let peer = req.peer_addr().map(|addr| addr.ip());
    if !settings.trust_proxy {
        return peer.map(|ip| ip.to_string());
    }
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect();
    for entry in forwarded.iter().rev() {
        let Ok(ip) = entry.parse::<std::net::IpAddr>() else {
            // Not an address: a proxy would not have written it.
            return None;
        };
        if !settings.trusted_proxies.iter().any(|net| net.contains(&ip)) {
            return Some(ip.to_string());
        }
    }
    forwarded
        .first()
        .map(|first| (*first).to_owned())
        .or_else(|| peer.map(|ip| ip.to_string()))
}

/// The origins our pages are served from: the configured public URL's;
/// behind a trusted proxy the forwarded scheme and host; else this request's
/// own `Host` (never a forwarded header the client could have set).
fn expected_origins(req: &HttpRequest, settings: &Settings) -> Vec<String> {
    let mut origins: Vec<String> = settings.public_origin.iter().cloned().collect();
    if settings.trust_proxy {
        let info = req.connection_info();
        origins.push(format!("{}://{}", info.scheme(), info.host()));
    } else if let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    {
        origins.push(format!("http://{host}"));
    }
    origins
}

async fn authenticate(req: &HttpRequest, required: Role) -> Result<Staff, AppError> {
    let state = state(req)?;
    let (token, via_cookie) = presented_token(req).ok_or(AppError::Unauthorized)?;
    let token_hash = hash_token(&token);
    let idle = Duration::minutes(i64::from(state.settings.session_idle_minutes));
    let now = Utc::now().naive_utc();
    let user = db::run(&state.pool, move |conn| {
        sessions::find_session(conn, &token_hash, now, idle)
    })
    .await?
    .ok_or(AppError::Unauthorized)?;
    if via_cookie && !is_safe(req.method()) {
        check_same_origin(req, &state.settings, &user)?;
    }
    if !user.role.allows(required) {
        return Err(AppError::Forbidden("this needs an admin account".into()));
    }
    Ok(Staff {
        user,
        client_ip: client_ip(req, &state.settings),
    })
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A state-changing request riding on the cookie must come from our pages:
/// the browser says so (Sec-Fetch-Site / Origin), and it carries the CSRF
/// token that only our pages can read.
fn check_same_origin(
    req: &HttpRequest,
    settings: &Settings,
    user: &SessionUser,
) -> Result<(), AppError> {
    let forbidden = |why: &str| AppError::Forbidden(format!("cross-site request refused: {why}"));
    let header_text = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header_text("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return Err(forbidden("Sec-Fetch-Site"));
        }
    }
    if let Some(origin) = header_text("origin") {
        if !expected_origins(req, settings).iter().any(|o| o == origin) {
            return Err(forbidden("Origin"));
        }
    }
    let presented = header_text(CSRF_HEADER).unwrap_or_default();
    if !constant_time_eq::constant_time_eq(presented.as_bytes(), user.csrf_token.as_bytes()) {
        return Err(forbidden("missing or wrong X-CSRF-Token"));
    }
    Ok(())
}

/// An extractor whose rejection waits until the handler asks for the value
/// with [`Deferred::into_inner`] — after authentication.
pub struct Deferred<T>(Result<T, AppError>);

impl<T> Deferred<T> {
    pub fn into_inner(self) -> Result<T, AppError> {
        self.0
    }
}

impl<T> FromRequest for Deferred<T>
where
    T: FromRequest + 'static,
    T::Error: Into<actix_web::Error>,
{
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let extracted = T::from_request(req, payload);
        Box::pin(async move {
            Ok(Deferred(extracted.await.map_err(|error| {
                let error: actix_web::Error = error.into();
                match error.as_error::<AppError>() {
                    Some(rejection) => rejection.rejection_copy(),
                    None => AppError::bad_request("body", error.to_string()),
                }
            })))
        })
    }
}

/// A JSON body, parsed after authentication.
pub type JsonBody<T> = Deferred<web::Json<T>>;
/// A query string, parsed after authentication.
pub type QueryParams<T> = Deferred<web::Query<T>>;

impl<T> Deferred<web::Json<T>> {
    pub fn parsed(self) -> Result<T, AppError> {
        self.0.map(web::Json::into_inner)
    }
}

impl<T> Deferred<web::Query<T>> {
    pub fn parsed(self) -> Result<T, AppError> {
        self.0.map(web::Query::into_inner)
    }
}
