//! The admins' API: staff accounts, the regulator directory and the mail
//! outbox. Every handler takes an `AdminStaff`.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::auth::AdminStaff;
use super::moderator::delivery_json;
use super::public::rfc3339;
use super::{AppState, JsonBody};
use crate::accounts;
use crate::db::audit::{self, AuditEntry};
use crate::db::regulators::{self, RegulatorRow};
use crate::db::{self, outbox, users};
use crate::domain::account::Role;
use crate::domain::delivery::DeliveryStatus;
use crate::domain::routing::RegulatorInput;
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

/// A directory entry as the API shows it.
fn regulator_json(row: &RegulatorRow) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "provinces": row.provinces(),
        "categories": row.categories().iter().map(|c| c.code()).collect::<Vec<_>>(),
        "active": row.active,
        "created_at": rfc3339(row.created_at),
        "updated_at": rfc3339(row.updated_at),
    })
}

/// The body of `POST` (every field but the lists required) and `PATCH`
/// (any subset) on the directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegulatorBody {
    name: Option<String>,
    email: Option<String>,
    provinces: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    active: Option<bool>,
}

impl From<RegulatorBody> for RegulatorInput {
    fn from(body: RegulatorBody) -> Self {
        RegulatorInput {
            name: body.name,
            email: body.email,
            provinces: body.provinces,
            categories: body.categories,
            active: body.active,
        }
    }
}

fn regulator_id(path: &str) -> Result<i64, AppError> {
    path.parse().map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/admin/regulators`.
pub async fn list_regulators(
    _admin: AdminStaff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, regulators::list).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "items": rows.iter().map(regulator_json).collect::<Vec<_>>(),
        "default_inbox": {
            "name": state.mailer.addressing.inbox_name,
            "email": state.mailer.addressing.inbox_email,
        },
    })))
}

/// `POST /api/v1/admin/regulators`.
pub async fn create_regulator(
    admin: AdminStaff,
    body: JsonBody<RegulatorBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let input = RegulatorInput::from(body.into_inner()?);
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    let row = db::run(&state.pool, move |conn| {
        regulators::create(conn, input, &actor, ip.as_deref(), Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Created().json(regulator_json(&row)))
}

/// `PATCH /api/v1/admin/regulators/{id}`.
pub async fn update_regulator(
    admin: AdminStaff,
    path: web::Path<String>,
    body: JsonBody<RegulatorBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = regulator_id(&path)?;
    let input = RegulatorInput::from(body.into_inner()?);
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    let row = db::run(&state.pool, move |conn| {
        regulators::update(
            conn,
            id,
            input,
            &actor,
            ip.as_deref(),
            Utc::now().naive_utc(),
        )
    })
    .await?;
    Ok(HttpResponse::Ok().json(regulator_json(&row)))
}

/// `DELETE /api/v1/admin/regulators/{id}`.
pub async fn delete_regulator(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = regulator_id(&path)?;
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    db::run(&state.pool, move |conn| {
        regulators::delete(conn, id, &actor, ip.as_deref(), Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveriesQuery {
    status: Option<String>,
    /// Keyset pagination: deliveries with a smaller id.
    before: Option<i64>,
    limit: Option<i64>,
}

/// `GET /api/v1/admin/deliveries`: the outbox, newest first; `status=failed`
/// lists what needs an admin.
pub async fn list_deliveries(
    _admin: AdminStaff,
    query: web::Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(value) => {
            let parsed = DeliveryStatus::parse(value);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "status",
                    "invalid_choice",
                    "one of pending, accepted, failed, cancelled",
                ));
            }
            parsed
        }
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "range", "between 1 and 200"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let before = query.before;
    let rows = db::run(&state.pool, move |conn| {
        outbox::list(conn, status, before, limit + 1)
    })
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<serde_json::Value> = rows
        .iter()
        .take(limit as usize)
        .map(|(row, reference)| {
            let mut item = delivery_json(row);
            item["reference"] = serde_json::json!(reference);
            item
        })
        .collect();
    let next_before = more
        .then(|| rows.get(limit as usize - 1).map(|(row, _)| row.id))
        .flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_before": next_before })))
}

/// `POST /api/v1/admin/deliveries/{id}/retry`: a failed delivery is due
/// again, with a fresh retry window and the same Message-ID.
pub async fn retry_delivery(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let actor = admin.0.audit_actor();
    let ip = admin.0.client_ip.clone();
    db::run(&state.pool, move |conn| {
        outbox::retry(conn, id, &actor, ip.as_deref(), Utc::now().naive_utc())
    })
    .await?;
    state.mailer.wake.notify_one();
    Ok(HttpResponse::Accepted().json(serde_json::json!({ "id": id, "status": "pending" })))
}
