//! The moderators' API for cases: the queue, a case, its evidence, and the
//! changes they make. Every handler takes a `Staff` first, so none runs —
//! nor parses its query or body — without a session.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use bytes::Bytes;
use chrono::{NaiveDate, NaiveDateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;

use super::evidence::{evidence_response, read_stored};
use super::extract::{JsonBody, QueryParams, Staff};
use super::state::AppState;
use crate::cases::{self, TransitionRequest};
use crate::db::queue::{self, Assigned, Cursor, QueueFilter, Sort};
use crate::db::{self, audit, reports, users};
use crate::domain::catalog::{is_province, Category, Platform};
use crate::domain::limits;
use crate::domain::reference::normalize_reference;
use crate::domain::search;
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;
use crate::domain::unicode::strip_invisible;
use crate::error::{AppError, FieldError};
use crate::views::case::{AuditItem, CaseDetail, QueuePage, Routing, RoutingChoice};
use crate::views::directory::StaffItem;
use crate::views::queue_csv;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    status: Option<String>,
    category: Option<String>,
    platform: Option<String>,
    merchant: Option<String>,
    province: Option<String>,
    assigned: Option<String>,
    q: Option<String>,
    created_from: Option<String>,
    created_to: Option<String>,
    sort: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    /// A signal code: only cases showing it.
    signal: Option<String>,
    /// `true`: only cases past their deadline.
    overdue: Option<String>,
}

fn invalid(field: &str, code: &'static str, message: &str) -> FieldError {
    FieldError::new(field, code, message)
}

/// Parses the query string into a filter, reporting every bad parameter.
fn parse_queue_query(query: QueueQuery) -> Result<QueueFilter, AppError> {
    let mut errors = Vec::new();
    let mut filter = QueueFilter {
        limit: limits::QUEUE_PAGE_DEFAULT,
        ..QueueFilter::default()
    };
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(status) = nonempty(query.status) {
        match ReportStatus::from_code(&status) {
            Some(s) => filter.status = Some(s),
            None => errors.push(invalid("status", "invalid_choice", "not a status")),
        }
    }
    if let Some(category) = nonempty(query.category) {
        match Category::from_code(&category) {
            Some(c) => filter.category = Some(c),
            None => errors.push(invalid("category", "invalid_choice", "not a category")),
        }
    }
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
            errors.push(invalid(
                "province",
                "invalid_choice",
                "not a provincial-level division",
            ));
        }
    }
    for (field, value, slot) in [
        ("merchant", nonempty(query.merchant), &mut filter.merchant),
        ("q", nonempty(query.q), &mut filter.q),
    ] {
        let Some(value) = value else { continue };
        match search::checked_query(&value) {
            Ok(phrases) => *slot = phrases,
            Err(message) => errors.push(invalid(field, "too_broad", &message)),
        }
    }
    match nonempty(query.assigned).as_deref() {
        None => {}
        Some("me") => filter.assigned = Some(Assigned::Me),
        Some("none") => filter.assigned = Some(Assigned::Nobody),
        Some(id) => match id.parse::<i64>() {
            Ok(id) => filter.assigned = Some(Assigned::User(id)),
            Err(_) => errors.push(invalid(
                "assigned",
                "invalid_choice",
                "me, none, or a user id",
            )),
        },
    }
    for (field, value, slot) in [
        (
            "created_from",
            nonempty(query.created_from),
            &mut filter.created_from,
        ),
        (
            "created_to",
            nonempty(query.created_to),
            &mut filter.created_to,
        ),
    ] {
        if let Some(value) = value {
            match parse_bound(&value) {
                Some(time) => *slot = Some(time),
                None => errors.push(invalid(
                    field,
                    "invalid_time",
                    "a date (2026-11-24) or an RFC 3339 time",
                )),
            }
        }
    }
    if let Some(code) = nonempty(query.signal) {
        match SignalCode::from_code(&code) {
            Some(code) => filter.signal = Some(code),
            None => errors.push(invalid("signal", "invalid_choice", "not a signal code")),
        }
    }
    match nonempty(query.sort).as_deref() {
        None | Some("newest") => filter.sort = Some(Sort::Newest),
        Some("oldest") => filter.sort = Some(Sort::Oldest),
        Some("priority") => filter.sort = Some(Sort::Priority),
        Some("due") => filter.sort = Some(Sort::Due),
        Some(_) => errors.push(invalid(
            "sort",
            "invalid_choice",
            "newest, oldest, priority or due",
        )),
    }
    match nonempty(query.overdue).as_deref() {
        None | Some("false") => {}
        Some("true") => filter.overdue = true,
        Some(_) => errors.push(invalid("overdue", "invalid_choice", "true or false")),
    }
    filter.now = Some(Utc::now().naive_utc());
    if let Some(limit) = nonempty(query.limit) {
        match limit.parse::<i64>() {
            Ok(n) if (1..=limits::QUEUE_PAGE_MAX).contains(&n) => filter.limit = n,
            _ => errors.push(invalid(
                "limit",
                "range",
                &format!("a whole number from 1 to {}", limits::QUEUE_PAGE_MAX),
            )),
        }
    }
    if let Some(cursor) = nonempty(query.cursor) {
        match decode_cursor(&cursor) {
            Some(c) => filter.cursor = Some(c),
            None => errors.push(invalid("cursor", "invalid", "not a cursor from this API")),
        }
    }
    if errors.is_empty() {
        Ok(filter)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn parse_bound(value: &str) -> Option<NaiveDateTime> {
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0);
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}

/// Cursors are opaque to clients: hex of a small versioned text.
fn encode_cursor(cursor: Cursor) -> String {
    let text = match cursor {
        Cursor::Id(id) => format!("v1:i:{id}"),
        Cursor::Priority(priority, id) => format!("v1:p:{priority}:{id}"),
        // Nanoseconds: SQLite keeps a stored time to the nanosecond, and a
        // coarser cursor would fall before the row it ends on.
        Cursor::Due(due, id) => format!(
            "v1:d:{}:{id}",
            due.and_utc().timestamp_nanos_opt().unwrap_or(i64::MAX)
        ),
    };
    hex::encode(text)
}

fn decode_cursor(value: &str) -> Option<Cursor> {
    let bytes = hex::decode(value).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let parts: Vec<&str> = text.split(':').collect();
    match parts.as_slice() {
        ["v1", "i", id] => Some(Cursor::Id(id.parse().ok()?)),
        ["v1", "p", priority, id] => {
            Some(Cursor::Priority(priority.parse().ok()?, id.parse().ok()?))
        }
        ["v1", "d", due, id] => Some(Cursor::Due(
            chrono::DateTime::from_timestamp_nanos(due.parse().ok()?).naive_utc(),
            id.parse().ok()?,
        )),
        _ => None,
    }
}

/// `GET /api/v1/cases`.
pub async fn list_cases(
    staff: Staff,
    query: QueryParams<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let filter = parse_queue_query(query.parsed()?)?;
    let viewer = staff.user.user_id;
    let queue = db::run(&state.pool, move |conn| queue::queue(conn, &filter, viewer)).await?;
    let next = queue.next_cursor.map(encode_cursor);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(QueuePage::new(queue, next)))
}

/// `GET /api/v1/cases.csv`: the queue with the same filters and order as
/// `GET /api/v1/cases`, every matching case, as CSV. Streamed a page at a
/// time, so neither side holds the whole export; the first page is read
/// before answering, so a bad filter is a clear 422, not a broken file.
pub async fn export_cases(
    staff: Staff,
    query: QueryParams<QueueQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mut filter = parse_queue_query(query.parsed()?)?;
    filter.limit = limits::QUEUE_PAGE_MAX;
    let viewer = staff.user.user_id;
    let pool = state.pool.clone();
    let page = move |filter: QueueFilter| {
        let pool = pool.clone();
        async move { db::run(&pool, move |conn| queue::queue(conn, &filter, viewer)).await }
    };
    let next = |cursor: Option<Cursor>, filter: &QueueFilter| {
        cursor.map(|cursor| QueueFilter {
            cursor: Some(cursor),
            ..filter.clone()
        })
    };
    let first = page(filter.clone()).await?;
    let mut head = queue_csv::header();
    head.extend(queue_csv::rows(&first, Utc::now().naive_utc()));
    let rest = futures_util::stream::unfold(next(first.next_cursor, &filter), move |state| {
        let page = page.clone();
        async move {
            let filter = state?;
            match page(filter.clone()).await {
                Ok(queue) => {
                    let bytes = queue_csv::rows(&queue, Utc::now().naive_utc());
                    Some((Ok(Bytes::from(bytes)), next(queue.next_cursor, &filter)))
                }
                Err(error) => {
                    // The client sees the download end early; say why here.
                    tracing::warn!(%error, "the CSV export stopped");
                    Some((Err(error), None))
                }
            }
        }
    });
    let body =
        futures_util::stream::once(async { Ok::<_, AppError>(Bytes::from(head)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"qinglang-cases-{}.csv\"",
                Utc::now().format("%Y%m%d-%H%M")
            ),
        ))
        .streaming(body))
}

fn reference_from(path: &str) -> Result<String, AppError> {
    normalize_reference(path).ok_or(AppError::NotFound)
}

/// `GET /api/v1/cases/{reference}`: everything, audited as a view of the reporter's contact.
pub async fn get_case(
    staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let data = state.cases.open(reference, staff.caller()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CaseDetail::new(data, staff.lifecycle_actor())))
}

/// `GET /api/v1/cases/{reference}/routing`: where the case would go if it
/// were validated now, and the active directory to choose from instead.
pub async fn routing(
    _staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let preview = state.cases.routing(reference).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Routing {
            reference: preview.report.reference,
            merchant_province: preview.report.merchant_province,
            category: preview.report.category,
            default_inbox: preview.targets.iter().any(|t| t.regulator_id.is_none()),
            targets: preview.targets,
            directory: preview.directory.iter().map(RoutingChoice::from).collect(),
        }))
}

#[derive(Debug, Deserialize)]
pub struct EvidenceQuery {
    inline: Option<String>,
}

/// `GET /api/v1/cases/{reference}/evidence/{id}`: the stored bytes, as a
/// download (or inline for images, for the case page), never sniffed or run.
pub async fn download_evidence(
    staff: Staff,
    path: web::Path<(String, String)>,
    query: QueryParams<EvidenceQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let reference = reference_from(&reference)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let inline_asked = query.parsed()?.inline.as_deref() == Some("1");
    let caller = staff.caller();
    let store = std::sync::Arc::clone(&state.intake.store);
    let (row, inline) = db::run(&state.pool, move |conn| {
        cases::view::evidence_for_staff(
            conn,
            &reference,
            id,
            inline_asked,
            &caller,
            Utc::now().naive_utc(),
        )
    })
    .await?;
    let bytes = read_stored(store, row.storage_key.clone()).await?;
    Ok(evidence_response(&row, bytes, inline))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    to: String,
    from: Option<String>,
    reason: Option<String>,
    public_note: Option<String>,
    duplicate_of: Option<String>,
    /// For `validated`: override the routing with these directory entries.
    regulator_ids: Option<Vec<i64>>,
}

fn bounded_text(
    field: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value
        .map(|v| strip_invisible(&v).trim().to_owned())
        .filter(|v| !v.is_empty())?;
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("at most {max} characters"),
        ));
    } else if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        errors.push(FieldError::new(
            field,
            "control_characters",
            "must not contain control characters",
        ));
    }
    Some(value)
}

/// `POST /api/v1/cases/{reference}/transitions`.
pub async fn transition(
    staff: Staff,
    path: web::Path<String>,
    body: JsonBody<TransitionBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let request = transition_request(body.parsed()?)?;
    let done = state
        .cases
        .transition(reference, request, staff.caller())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "from": done.from,
        "status": done.to,
    })))
}

/// Checks the body's fields one by one, naming each bad one.
fn transition_request(body: TransitionBody) -> Result<TransitionRequest, AppError> {
    let mut errors = Vec::new();
    let to = ReportStatus::from_code(&body.to);
    if to.is_none() {
        errors.push(FieldError::new("to", "invalid_choice", "not a status"));
    }
    let from = match body.from.as_deref() {
        None => None,
        Some(from) => {
            let parsed = ReportStatus::from_code(from);
            if parsed.is_none() {
                errors.push(FieldError::new("from", "invalid_choice", "not a status"));
            }
            parsed
        }
    };
    let reason = bounded_text("reason", body.reason, limits::MAX_REASON_CHARS, &mut errors);
    let public_note = bounded_text(
        "public_note",
        body.public_note,
        limits::MAX_REASON_CHARS,
        &mut errors,
    );
    let duplicate_of = match body
        .duplicate_of
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(value) => match normalize_reference(value) {
            Some(r) => Some(r),
            None => {
                errors.push(FieldError::new(
                    "duplicate_of",
                    "not_found",
                    "not a case reference",
                ));
                None
            }
        },
    };
    let (Some(to), true) = (to, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    Ok(TransitionRequest {
        to,
        from,
        reason,
        public_note,
        duplicate_of,
        regulator_ids: body.regulator_ids,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    body: String,
}

/// `POST /api/v1/cases/{reference}/notes`: internal, never shown to the consumer.
pub async fn add_note(
    staff: Staff,
    path: web::Path<String>,
    body: JsonBody<NoteBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let mut errors = Vec::new();
    let text = bounded_text(
        "body",
        Some(body.parsed()?.body),
        limits::MAX_NOTE_CHARS,
        &mut errors,
    );
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(FieldError::new("body", "required", "write something"));
        }
        return Err(AppError::Validation(errors));
    };
    let id = state
        .cases
        .add_note(reference, text, staff.caller())
        .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    user_id: Option<i64>,
}

/// `POST /api/v1/cases/{reference}/assignment` `{user_id | null}`.
pub async fn assign(
    staff: Staff,
    path: web::Path<String>,
    body: JsonBody<AssignmentBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let assignee = body.parsed()?.user_id;
    state
        .cases
        .assign(reference, assignee, staff.caller())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "assigned_to": assignee })))
}

/// `GET /api/v1/cases/{reference}/audit`.
pub async fn audit_trail(
    _staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let rows = db::run(&state.pool, move |conn| {
        let report_id = reports::id_of(conn, &reference)?;
        audit::for_report(conn, report_id)
    })
    .await?;
    let items: Vec<AuditItem> = rows.into_iter().map(AuditItem::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/staff`: active accounts, for the assignment picker.
pub async fn list_staff(
    _staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, users::list).await?;
    let items: Vec<StaffItem> = rows
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| StaffItem {
            id: u.id,
            email: u.email,
            role: u.role,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `POST /api/v1/cases/{reference}/regulator-responses/{id}/relay`: passes
/// a regulator's question on to the reporter, who may answer it on their
/// tracking page; the answer goes back to that regulator.
pub async fn relay_question(
    staff: Staff,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let reference = reference_from(&reference)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state
        .cases
        .relay_question(reference, id, staff.caller())
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "relayed": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for cursor in [Cursor::Id(42), Cursor::Priority(-3, 7)] {
            assert_eq!(decode_cursor(&encode_cursor(cursor)), Some(cursor));
        }
        for bad in [
            "",
            "zz",
            "00",
            &hex::encode("v2:i:1"),
            &hex::encode("v1:i:x"),
            "'; DROP TABLE reports",
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
