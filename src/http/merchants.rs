//! Merchants as a whole, for staff: the most (or most recently) reported,
//! and one merchant's cases and signals month by month — a ring rather than
//! one case.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::extract::{QueryParams, Staff};
use super::state::AppState;
use crate::db::merchants::{self, MerchantCursor, MerchantFilter, MerchantSort};
use crate::db::{self};
use crate::domain::catalog::{is_province, Platform};
use crate::domain::limits;
use crate::error::{AppError, FieldError};
use crate::views::merchant::{MerchantPage, MerchantSummary, MerchantView};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantsQuery {
    platform: Option<String>,
    province: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

fn encode_merchant_cursor(cursor: MerchantCursor) -> String {
    let text = match cursor {
        MerchantCursor::Reports(count, id) => format!("m1:r:{count}:{id}"),
        MerchantCursor::Recent(at, id) => format!("m1:t:{}:{id}", at.and_utc().timestamp_micros()),
    };
    hex::encode(text)
}

fn decode_merchant_cursor(value: &str) -> Option<MerchantCursor> {
    let bytes = hex::decode(value).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    match text.split(':').collect::<Vec<_>>().as_slice() {
        ["m1", "r", count, id] => Some(MerchantCursor::Reports(
            count.parse().ok()?,
            id.parse().ok()?,
        )),
        ["m1", "t", micros, id] => Some(MerchantCursor::Recent(
            chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc(),
            id.parse().ok()?,
        )),
        _ => None,
    }
}

fn invalid(field: &str, code: &'static str, message: &str) -> FieldError {
    FieldError::new(field, code, message)
}

/// `GET /api/v1/merchants`: the most reported (or most recently reported)
/// merchants, filtered by platform and province.
pub async fn list_merchants(
    _staff: Staff,
    query: QueryParams<MerchantsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.parsed()?;
    let mut errors = Vec::new();
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut filter = MerchantFilter {
        limit: limits::QUEUE_PAGE_DEFAULT,
        ..MerchantFilter::default()
    };
    if let Some(platform) = nonempty(query.platform) {
        match Platform::from_code(&platform) {
            Some(p) => filter.platform = Some(p),
            None => errors.push(invalid("platform", "invalid_choice", "not a platform")),
        }
    }
    if let Some(province) = nonempty(query.province) {
        if is_province(&province) {
            filter.province = Some(province);
        } else {
            errors.push(invalid("province", "invalid_choice", "not a province"));
        }
    }
    match nonempty(query.sort).as_deref() {
        None | Some("reports") => filter.sort = Some(MerchantSort::Reports),
        Some("recent") => filter.sort = Some(MerchantSort::Recent),
        Some(_) => errors.push(invalid("sort", "invalid_choice", "reports or recent")),
    }
    if let Some(limit) = nonempty(query.limit) {
        match limit.parse::<i64>() {
            Ok(n) if (1..=limits::QUEUE_PAGE_MAX).contains(&n) => filter.limit = n,
            _ => errors.push(invalid(
                "limit",
                "range",
                &format!("between 1 and {}", limits::QUEUE_PAGE_MAX),
            )),
        }
    }
    if let Some(cursor) = nonempty(query.cursor) {
        match decode_merchant_cursor(&cursor) {
            Some(c) => filter.cursor = Some(c),
            None => errors.push(invalid("cursor", "invalid", "not a cursor from this API")),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (rows, next) = db::run(&state.pool, move |conn| merchants::list(conn, &filter)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(MerchantPage {
            items: rows.iter().map(MerchantSummary::from).collect(),
            next_cursor: next.map(encode_merchant_cursor),
        }))
}

/// `GET /api/v1/merchants/{id}`.
pub async fn get_merchant(
    _staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let detail = db::run(&state.pool, move |conn| merchants::detail(conn, id)).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(MerchantView::from(detail)))
}
