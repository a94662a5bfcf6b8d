//! The admins' API: staff accounts. Every handler takes an `AdminStaff`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::auth::AdminStaff;
use super::public::rfc3339;
use super::{AppState, JsonBody};
use crate::accounts;
use crate::db::audit::{self, AuditEntry};
use crate::db::{self, users};
use crate::domain::account::Role;
use crate::error::{AppError, FieldError};

/// `GET /api/v1/admin/users`.
pub async fn list_users(
    _admin: AdminStaff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, users::list).await?;
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|u| {
            serde_json::json!({
                "id": u.id,
                "email": u.email,
                "role": u.role,
                "disabled": u.disabled_at.is_some(),
                "created_at": rfc3339(u.created_at),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    email: String,
    role: String,
    password: String,
}

/// `POST /api/v1/admin/users`.
pub async fn create_user(
    admin: AdminStaff,
    body: JsonBody<NewUserBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let NewUserBody {
        email,
        role,
        password,
    } = body.into_inner()?;
    let role = Role::parse(&role).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new(
            "role",
            "invalid_choice",
            "admin or moderator",
        )])
    })?;
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    let id = db::run(&state.pool, move |conn| {
        let id = accounts::create(conn, &email, role, &password)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &actor,
                action: "user.create",
                report_id: None,
                client_ip: ip.as_deref(),
                before: None,
                after: Some(
                    serde_json::json!({"user_id": id, "email": email, "role": role.as_str()}),
                ),
                at: Utc::now().naive_utc(),
            },
        )?;
        Ok(id)
    })
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// `POST /api/v1/admin/users/{id}/disable`: the account's sessions end at once.
pub async fn disable_user(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    db::run(&state.pool, move |conn| {
        users::find(conn, id)?.ok_or(AppError::NotFound)?;
        let now = Utc::now().naive_utc();
        users::disable(conn, id, now)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &actor,
                action: "user.disable",
                report_id: None,
                client_ip: ip.as_deref(),
                before: None,
                after: Some(serde_json::json!({"user_id": id})),
                at: now,
            },
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
