//! Staff sessions: log in, log out, who is logged in.

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::extract::{client_ip, JsonBody, Staff, SESSION_COOKIE};
use super::state::AppState;
use crate::domain::account::Role;
use crate::error::AppError;
use crate::login;
use crate::views::Time;

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
    /// Only when the session is created: it is shown once.
    token: Option<String>,
    csrf_token: String,
    expires_at: Time,
    user: UserJson,
}

/// `POST /api/v1/auth/login`.
pub async fn login(
    req: HttpRequest,
    body: web::Json<LoginBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let LoginBody { email, password } = body.into_inner();
    let ip = client_ip(&req, &state.settings);
    let session = login::log_in(&state.pool, &state.login, &email, password, ip).await?;
    let max_age = i64::from(state.login.session_max_hours) * 3600;
    let cookie = Cookie::build(SESSION_COOKIE, session.token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.cookie_secure)
        .max_age(time::Duration::seconds(max_age))
        .finish();
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SessionJson {
            token: Some(session.token),
            csrf_token: session.csrf_token,
            expires_at: Time(session.expires_at),
            user: UserJson {
                id: session.user.id,
                email: session.user.email,
                role: session.user.role,
            },
        }))
}

/// `POST /api/v1/auth/logout`: ends this session, everywhere.
pub async fn logout(staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    login::log_out(
        &state.pool,
        staff.user.session_id,
        staff.audit_actor(),
        staff.client_ip.clone(),
    )
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
            expires_at: Time(staff.user.expires_at),
            user: UserJson {
                id: staff.user.user_id,
                email: staff.user.email.clone(),
                role: staff.user.role,
            },
        })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/auth/password`: the logged-in staff member changes their
/// password; their other sessions end.
pub async fn change_password(
    staff: Staff,
    body: JsonBody<PasswordBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let PasswordBody {
        current_password,
        new_password,
    } = body.parsed()?;
    login::change_password(
        &state.pool,
        &state.login,
        &staff.user,
        current_password,
        new_password,
        staff.client_ip.clone(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
