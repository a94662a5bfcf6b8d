//! The admins' API: staff accounts, the regulator and brand directories and
//! the mail outbox. Every handler takes an `AdminStaff` first.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::extract::{AdminStaff, JsonBody, QueryParams};
use super::state::AppState;
use crate::db::{self, brands, deliveries, regulators, users};
use crate::domain::account::Role;
use crate::domain::brands::BrandInput;
use crate::domain::delivery::DeliveryStatus;
use crate::domain::routing::RegulatorInput;
use crate::error::{AppError, FieldError};
use crate::views::case::DeliveryItem;
use crate::views::directory::{BrandEntry, RegulatorEntry, UserItem};
use crate::{accounts, directory};

/// `GET /api/v1/admin/users`.
pub async fn list_users(
    _admin: AdminStaff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, users::list).await?;
    let items: Vec<UserItem> = rows.iter().map(UserItem::from).collect();
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
    } = body.parsed()?;
    let role = Role::from_code(&role)
        .ok_or_else(|| AppError::invalid("role", "invalid_choice", "admin or moderator"))?;
    let caller = admin.0.caller();
    let id = db::run(&state.pool, move |conn| {
        accounts::create_audited(conn, &email, role, &password, &caller)
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
    let caller = admin.0.caller();
    db::run(&state.pool, move |conn| {
        accounts::disable(conn, id, Some(&caller))
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The body of `POST` and `PATCH` on the directory (`PATCH` takes any
/// subset). An empty or missing list means "all".
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

fn entry_id(path: &str) -> Result<i64, AppError> {
    path.parse().map_err(|_| AppError::NotFound)
}

#[derive(Serialize)]
struct DefaultInbox {
    name: Option<String>,
    email: String,
}

#[derive(Serialize)]
struct RegulatorList {
    items: Vec<RegulatorEntry>,
    default_inbox: DefaultInbox,
}

/// `GET /api/v1/admin/regulators`.
pub async fn list_regulators(
    _admin: AdminStaff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, regulators::list).await?;
    let addressing = &state.cases.addressing;
    Ok(HttpResponse::Ok().json(RegulatorList {
        items: rows.iter().map(RegulatorEntry::from).collect(),
        default_inbox: DefaultInbox {
            name: addressing.inbox_name.clone(),
            email: addressing.inbox_email.clone(),
        },
    }))
}

/// `POST /api/v1/admin/regulators`.
pub async fn create_regulator(
    admin: AdminStaff,
    body: JsonBody<RegulatorBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let input = RegulatorInput::from(body.parsed()?);
    let caller = admin.0.caller();
    let row = db::run(&state.pool, move |conn| {
        directory::create(conn, input, &caller, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Created().json(RegulatorEntry::from(&row)))
}

/// `PATCH /api/v1/admin/regulators/{id}`.
pub async fn update_regulator(
    admin: AdminStaff,
    path: web::Path<String>,
    body: JsonBody<RegulatorBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = entry_id(&path)?;
    let input = RegulatorInput::from(body.parsed()?);
    let caller = admin.0.caller();
    let row = db::run(&state.pool, move |conn| {
        directory::update(conn, id, input, &caller, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(RegulatorEntry::from(&row)))
}

/// `DELETE /api/v1/admin/regulators/{id}`.
pub async fn delete_regulator(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = entry_id(&path)?;
    let caller = admin.0.caller();
    db::run(&state.pool, move |conn| {
        directory::delete(conn, id, &caller, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/admin/brands`.
pub async fn list_brands(
    _admin: AdminStaff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, brands::list).await?;
    let items: Vec<BrandEntry> = rows.iter().map(BrandEntry::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/admin/brands`.
pub async fn create_brand(
    admin: AdminStaff,
    body: JsonBody<BrandInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let input = body.parsed()?;
    let caller = admin.0.caller();
    let row = db::run(&state.pool, move |conn| {
        directory::create_brand(conn, input, &caller, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Created().json(BrandEntry::from(&row)))
}

/// `PATCH /api/v1/admin/brands/{id}`.
pub async fn update_brand(
    admin: AdminStaff,
    path: web::Path<String>,
    body: JsonBody<BrandInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = entry_id(&path)?;
    let input = body.parsed()?;
    let caller = admin.0.caller();
    let row = db::run(&state.pool, move |conn| {
        directory::update_brand(conn, id, input, &caller, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(BrandEntry::from(&row)))
}

/// `DELETE /api/v1/admin/brands/{id}`.
pub async fn delete_brand(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = entry_id(&path)?;
    let caller = admin.0.caller();
    db::run(&state.pool, move |conn| {
        directory::delete_brand(conn, id, &caller, Utc::now().naive_utc())
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

#[derive(Serialize)]
struct OutboxItem {
    #[serde(flatten)]
    delivery: DeliveryItem,
    reference: String,
}

#[derive(Serialize)]
struct OutboxPage {
    items: Vec<OutboxItem>,
    next_before: Option<i64>,
}

/// `GET /api/v1/admin/deliveries`: the outbox, newest first; `status=failed`
/// lists what needs an admin.
pub async fn list_deliveries(
    _admin: AdminStaff,
    query: QueryParams<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.parsed()?;
    let mut errors = Vec::new();
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(value) => {
            let parsed = DeliveryStatus::from_code(value);
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
        deliveries::list(conn, status, before, limit + 1)
    })
    .await?;
    let more = rows.len() as i64 > limit;
    let next_before = more
        .then(|| rows.get(limit as usize - 1).map(|(row, _)| row.id))
        .flatten();
    let items: Vec<OutboxItem> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(row, reference)| OutboxItem {
            delivery: DeliveryItem::from(&row),
            reference,
        })
        .collect();
    Ok(HttpResponse::Ok().json(OutboxPage { items, next_before }))
}

/// `POST /api/v1/admin/deliveries/{id}/retry`: a failed delivery is due
/// again, with a fresh retry window and the same Message-ID.
pub async fn retry_delivery(
    admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    state.cases.retry_delivery(id, admin.0.caller()).await?;
    Ok(HttpResponse::Accepted()
        .json(serde_json::json!({ "id": id, "status": DeliveryStatus::Pending })))
}
