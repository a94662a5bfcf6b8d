//! Fake hotlines as lists. `GET /api/v1/blocklist/hotlines`: the numbers of
//! validated cases, for the platforms that show their ads — public unless
//! `QINGLANG_BLOCKLIST_TOKEN` is set; cacheable (the newest case event
//! versions it, so a 304 costs one index lookup). `GET /api/v1/hotlines`:
//! every reported number, for moderators.

use std::time::{Duration, UNIX_EPOCH};

use actix_web::http::header::{self, EntityTag, HttpDate};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use serde::Deserialize;

use super::extract::{bearer_token, QueryParams, Staff};
use super::state::AppState;
use crate::db::{self, events, hotlines};
use crate::domain::hotline::{blocklist, normalize_number};
use crate::domain::limits;
use crate::error::{AppError, FieldError};
use crate::views::blocklist::{HotlineBlocklist, HotlineNumber};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NumbersQuery {
    number: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
}

/// How many of a number's newest cases the page shows.
const RECENT_CASES: i64 = 20;

/// `GET /api/v1/hotlines?number=&sort=cases|recent&limit=`: reported
/// numbers with the brands each claimed, the domains, first and last seen,
/// and their newest cases.
pub async fn numbers(
    _staff: Staff,
    query: QueryParams<NumbersQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.parsed()?;
    let mut errors = Vec::new();
    let number = match query
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(typed) => match normalize_number(typed) {
            Ok(number) => Some(number),
            Err(problem) => {
                errors.push(FieldError::new("number", problem.code(), problem.message()));
                None
            }
        },
        None => None,
    };
    let recent = match query.sort.as_deref().filter(|s| !s.is_empty()) {
        None | Some("cases") => false,
        Some("recent") => true,
        Some(_) => {
            errors.push(FieldError::new("sort", "invalid_choice", "cases or recent"));
            false
        }
    };
    let limit = match query.limit.as_deref().filter(|s| !s.is_empty()) {
        None => 50,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=limits::QUEUE_PAGE_MAX).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "range",
                    format!("between 1 and {}", limits::QUEUE_PAGE_MAX),
                ));
                50
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let items = db::run(&state.pool, move |conn| {
        hotlines::numbers(conn, number.as_deref(), recent, limit)?
            .into_iter()
            .map(|summary| {
                let detail = hotlines::number_detail(conn, &summary.number, RECENT_CASES)?;
                Ok(HotlineNumber::new(summary, detail))
            })
            .collect::<Result<Vec<_>, AppError>>()
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "items": items })))
}

pub async fn hotlines(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(expected) = &state.settings.blocklist_token {
        let given = bearer_token(&req).unwrap_or_default();
        if !constant_time_eq::constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Err(AppError::Unauthorized);
        }
    }
    let csv = wants_csv(&req);
    let latest = db::run(&state.pool, events::latest).await?;
    let (version, modified) = latest.map_or((0, None), |(id, at)| (id, Some(at)));
    let etag = EntityTag::new_strong(format!(
        "hotlines-{version}-{}",
        if csv { "csv" } else { "json" }
    ));
    let last_modified = modified.map(|at| {
        let seconds = u64::try_from(at.and_utc().timestamp()).unwrap_or(0);
        HttpDate::from(UNIX_EPOCH + Duration::from_secs(seconds))
    });
    let unchanged = not_modified(&req, &etag, last_modified);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(etag.clone()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60, must-revalidate"))
        .insert_header((header::VARY, "Accept, Authorization"));
    if let Some(date) = last_modified {
        response.insert_header(header::LastModified(date));
    }
    if unchanged {
        return Ok(response.finish());
    }
    let rows = db::run(&state.pool, hotlines::validated).await?;
    let list = HotlineBlocklist::new(blocklist(rows), Utc::now().naive_utc());
    if csv {
        let body = list
            .to_csv()
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("writing CSV")))?;
        Ok(response
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                "inline; filename=\"hotline-blocklist.csv\"",
            ))
            .body(body))
    } else {
        Ok(response.json(list))
    }
}

fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept.split(',').any(|t| {
                t.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"))
            })
        })
}

/// `If-None-Match` (which wins when present), else `If-Modified-Since`.
fn not_modified(req: &HttpRequest, etag: &EntityTag, last_modified: Option<HttpDate>) -> bool {
    if let Some(value) = req.headers().get(header::IF_NONE_MATCH) {
        let Ok(value) = value.to_str() else {
            return false;
        };
        return value.split(',').any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*"
                || candidate
                    .parse::<EntityTag>()
                    .is_ok_and(|tag| tag.weak_eq(etag))
        });
    }
    match (
        req.headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<HttpDate>().ok()),
        last_modified,
    ) {
        (Some(since), Some(modified)) => modified <= since,
        _ => false,
    }
}
