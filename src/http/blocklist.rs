//! `GET /api/v1/blocklist/hotlines`: the numbers of validated fake-hotline
//! cases, for the platforms that show their ads. Public unless
//! `QINGLANG_BLOCKLIST_TOKEN` is set; cacheable (the newest case event
//! versions it, so a 304 costs one index lookup).

use std::time::{Duration, UNIX_EPOCH};

use actix_web::http::header::{self, EntityTag, HttpDate};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::extract::bearer_token;
use super::state::AppState;
use crate::db::{self, events, hotlines};
use crate::domain::hotline::blocklist;
use crate::error::AppError;
use crate::views::blocklist::HotlineBlocklist;

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
    let mut response = if not_modified(&req, &etag, last_modified) {
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
    if not_modified(&req, &etag, last_modified) {
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
