//! The moderators' API: the queue, a case, its evidence, and the changes
//! they make. Every handler takes a `Staff`, so none runs without a session.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::Staff;
use super::public::rfc3339;
use super::{AppState, JsonBody};
use crate::db::audit::{self, AuditEntry};
use crate::db::cases::{self, Assigned, Cursor, QueueFilter, Sort, TransitionRequest};
use crate::db::merchants::{self, MerchantCursor, MerchantFilter, MerchantRow, MerchantSort};
use crate::db::outbox::{self, DeliveryRow};
use crate::db::reports::EvidenceRow;
use crate::db::signals::ProfileRow;
use crate::db::{self, regulators, users};
use crate::domain::catalog::{is_province, Category, Platform};
use crate::domain::lifecycle;
use crate::domain::reference::normalize_reference;
use crate::domain::search::query_phrases;
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};

pub const MAX_NOTE_CHARS: usize = 10_000;
pub const MAX_REASON_CHARS: usize = 2_000;

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
}

fn invalid(field: &str, code: &'static str, message: &str) -> FieldError {
    FieldError::new(field, code, message)
}

/// Parses the query string into a filter, reporting every bad parameter.
fn parse_queue_query(query: QueueQuery) -> Result<QueueFilter, AppError> {
    let mut errors = Vec::new();
    let mut filter = QueueFilter {
        limit: 50,
        ..QueueFilter::default()
    };
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if let Some(status) = nonempty(query.status) {
        match ReportStatus::parse(&status) {
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
    if let Some(merchant) = nonempty(query.merchant) {
        filter.merchant = query_phrases(&merchant);
    }
    if let Some(q) = nonempty(query.q) {
        if q.chars().count() > 200 {
            errors.push(invalid("q", "length", "at most 200 characters"));
        }
        filter.q = query_phrases(&q);
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
        Some(_) => errors.push(invalid(
            "sort",
            "invalid_choice",
            "newest, oldest or priority",
        )),
    }
    if let Some(limit) = nonempty(query.limit) {
        match limit.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => filter.limit = n,
            _ => errors.push(invalid("limit", "range", "a whole number from 1 to 100")),
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
        _ => None,
    }
}

#[derive(Serialize)]
struct QueueItemJson {
    reference: String,
    status: String,
    category: String,
    platform: String,
    merchant_name: String,
    merchant_province: Option<String>,
    assigned_to: Option<i64>,
    priority: i32,
    created_at: String,
    updated_at: String,
}

/// `GET /api/v1/cases`.
pub async fn list_cases(
    staff: Staff,
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // Parsed only now, after authentication.
    let query = web::Query::<QueueQuery>::from_query(req.query_string())
        .map_err(|e| AppError::bad_request("query", format!("bad query string: {e}")))?;
    let filter = parse_queue_query(query.into_inner())?;
    let viewer = staff.user.user_id;
    let queue = db::run(&state.pool, move |conn| cases::queue(conn, &filter, viewer)).await?;
    let mut counts = serde_json::Map::new();
    for status in ReportStatus::ALL {
        let n = queue
            .counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| *n);
        counts.insert(status.as_str().to_owned(), n.into());
    }
    let items: Vec<QueueItemJson> = queue
        .items
        .into_iter()
        .map(|r| QueueItemJson {
            reference: r.reference,
            status: r.status,
            category: r.category,
            platform: r.platform,
            merchant_name: r.merchant_name,
            merchant_province: r.merchant_province,
            assigned_to: r.assigned_to,
            priority: r.priority,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "items": items,
            "next_cursor": queue.next_cursor.map(encode_cursor),
            "counts": counts,
        })))
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
    let actor = staff.audit_actor();
    let ip = staff.client_ip.clone();
    let now = Utc::now().naive_utc();
    let view = db::run(&state.pool, move |conn| {
        cases::detail(conn, &reference, &actor, ip.as_deref(), now)
    })
    .await?;
    let r = &view.report;
    let status = ReportStatus::parse(&r.status).unwrap_or(ReportStatus::Submitted);
    let allowed: Vec<&str> = lifecycle::next_statuses(status, staff.lifecycle_actor())
        .into_iter()
        .map(ReportStatus::as_str)
        .collect();
    let body = serde_json::json!({
        "reference": r.reference,
        "status": r.status,
        "allowed_transitions": allowed,
        "created_at": rfc3339(r.created_at),
        "updated_at": rfc3339(r.updated_at),
        "category": r.category,
        "platform": r.platform,
        "merchant_name": r.merchant_name,
        "shop_url": r.shop_url,
        "product_url": r.product_url,
        "order_id": r.order_id,
        "merchant_province": r.merchant_province,
        "merchant_city": r.merchant_city,
        "description": r.description,
        "review_texts": serde_json::from_str::<serde_json::Value>(&r.review_texts).unwrap_or_default(),
        "logistics": r.logistics.as_deref().and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok()),
        "reporter": {
            "name": r.reporter_name,
            "email": r.reporter_email,
            "phone": r.reporter_phone,
        },
        "consent_share_contact": r.consent_share_contact,
        "priority": priority_json(view.priority, view.profile.as_ref()),
        "merchant_id": view.profile.as_ref().and_then(|p| p.merchant_id),
        "signals": view.signals.iter().map(|sig| serde_json::json!({
            "code": sig.code,
            "severity": sig.severity,
            "explanation": {"zh-CN": sig.explanation_zh, "en": sig.explanation_en},
            "related": sig.related(),
            "computed_at": rfc3339(sig.computed_at),
        })).collect::<Vec<_>>(),
        "assigned_to": view.assigned_to.as_ref().map(|(id, email)| serde_json::json!({"id": id, "email": email})),
        "duplicate_of": view.duplicate_of,
        "evidence": view.evidence.iter().map(|(e, reply_id)| serde_json::json!({
            "id": e.id,
            "display_name": e.display_name,
            "content_type": e.content_type,
            "size_bytes": e.size_bytes,
            "sha256": e.sha256,
            "original_sha256": e.original_sha256,
            "width": e.width,
            "height": e.height,
            "reply_id": reply_id,
            "created_at": rfc3339(e.created_at),
        })).collect::<Vec<_>>(),
        "timeline": view.timeline.iter().map(|(e, actor)| serde_json::json!({
            "at": rfc3339(e.at),
            "status": e.status,
            "from": e.from_status,
            "note": e.public_note,
            "reason": e.reason,
            "actor": actor,
        })).collect::<Vec<_>>(),
        "notes": view.notes.iter().map(|n| serde_json::json!({
            "id": n.id,
            "body": n.body,
            "author": {"id": n.author_id, "email": n.author_email},
            "created_at": rfc3339(n.created_at),
        })).collect::<Vec<_>>(),
        "replies": view.replies.iter().map(|reply| serde_json::json!({
            "id": reply.id,
            "message": reply.message,
            "created_at": rfc3339(reply.created_at),
        })).collect::<Vec<_>>(),
        "related": view.related.iter().map(|rel| serde_json::json!({
            "reference": rel.reference,
            "status": rel.status,
            "merchant_name": rel.merchant_name,
            "created_at": rfc3339(rel.created_at),
            "reasons": rel.reasons,
        })).collect::<Vec<_>>(),
        "deliveries": view.deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}

/// The priority score with its explanation: the signals, the independent
/// reporters about the merchant, the age of the case; `computed_at` is null
/// while the signals are still being computed.
fn priority_json(score: i32, profile: Option<&ProfileRow>) -> serde_json::Value {
    let explanation: Option<serde_json::Value> = profile
        .and_then(|p| p.priority_explanation.as_deref())
        .and_then(|e| serde_json::from_str(e).ok());
    serde_json::json!({
        "score": score,
        "reasons": explanation.as_ref().map_or(serde_json::json!([]), |e| e["reasons"].clone()),
        "independent_reporters": profile.and_then(|p| p.independent_reporters),
        "computed_at": profile.and_then(|p| p.signals_computed_at).map(rfc3339),
        // New evidence or a related case arrived: fresher signals are on their way.
        "recomputing": profile.is_some_and(|p| p.dirty && p.signals_computed_at.is_some()),
    })
}

/// A delivery as staff see it (never its secret).
pub fn delivery_json(row: &DeliveryRow) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "kind": row.kind,
        "regulator_id": row.regulator_id,
        "recipient": {"name": row.recipient_name, "email": row.recipient_email},
        "message_id": row.message_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": (row.status == "pending").then(|| rfc3339(row.next_attempt_at)),
        "last_attempt_at": row.last_attempt_at.map(rfc3339),
        "last_error": row.last_error,
        "smtp_reply": row.smtp_reply,
        "accepted_at": row.accepted_at.map(rfc3339),
        "failed_at": row.failed_at.map(rfc3339),
        "created_at": rfc3339(row.created_at),
    })
}

/// `GET /api/v1/cases/{reference}/routing`: where the case would go if it
/// were validated now, and the active directory to choose from instead.
pub async fn routing(
    _staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let reference = reference_from(&path)?;
    let mailer = std::sync::Arc::clone(&state.mailer);
    let (report, targets, directory) = db::run(&state.pool, move |conn| {
        let report = cases::find_by_reference(conn, &reference)?;
        let targets = outbox::targets(conn, &report, None, &mailer.addressing)?;
        let directory = regulators::active(conn)?;
        Ok((report, targets, directory))
    })
    .await?;
    let default_inbox = targets.iter().any(|t| t.regulator_id.is_none());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({
            "reference": report.reference,
            "merchant_province": report.merchant_province,
            "category": report.category,
            "targets": targets,
            "default_inbox": default_inbox,
            "directory": directory.iter().map(|r| serde_json::json!({
                "id": r.id,
                "name": r.name,
                "email": r.email,
                "provinces": r.provinces,
                "categories": r.categories.iter().map(|c| c.code()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })))
}

#[derive(Debug, Deserialize)]
pub struct EvidenceQuery {
    inline: Option<String>,
}

/// `GET /api/v1/cases/{reference}/evidence/{id}`: the stored bytes, as a
/// download (or inline for images, for the gallery), never sniffed or run.
pub async fn download_evidence(
    staff: Staff,
    path: web::Path<(String, String)>,
    query: web::Query<EvidenceQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (reference, id) = path.into_inner();
    let reference = reference_from(&reference)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let actor = staff.audit_actor();
    let ip = staff.client_ip.clone();
    let store = std::sync::Arc::clone(&state.intake.store);
    let (row, bytes) = db::run(&state.pool, move |conn| {
        let (report_id, row) = cases::evidence_of(conn, &reference, id)?;
        let bytes = store
            .read(&row.storage_key)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading evidence")))?;
        audit::append(
            conn,
            AuditEntry {
                actor: &actor,
                action: "evidence.download",
                report_id: Some(report_id),
                client_ip: ip.as_deref(),
                before: None,
                after: Some(serde_json::json!({ "evidence_id": row.id, "sha256": row.sha256 })),
                at: Utc::now().naive_utc(),
            },
        )?;
        Ok((row, bytes))
    })
    .await?;
    let inline = query.inline.as_deref() == Some("1") && row.content_type.starts_with("image/");
    Ok(evidence_response(&row, bytes, inline))
}

/// Stored evidence bytes as a response: never sniffed, never run, and by
/// default a download. Shared by the moderators' route and signed links.
pub fn evidence_response(row: &EvidenceRow, bytes: Vec<u8>, inline: bool) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(row.content_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&row.display_name, inline),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Even opened directly, the file runs nothing and loads nothing.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; img-src 'self'; sandbox",
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Evidence-SHA256", row.sha256.clone()))
        .body(bytes)
}

/// RFC 6266: an ASCII fallback `filename` plus the exact name as `filename*`.
pub fn content_disposition(name: &str, inline: bool) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(byte) {
            encoded.push(*byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
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
        .map(|v| v.trim().to_owned())
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
    let body = body.into_inner()?;
    let mut errors = Vec::new();
    let to = ReportStatus::parse(&body.to);
    if to.is_none() {
        errors.push(FieldError::new("to", "invalid_choice", "not a status"));
    }
    let from = match body.from.as_deref() {
        None => None,
        Some(from) => {
            let parsed = ReportStatus::parse(from);
            if parsed.is_none() {
                errors.push(FieldError::new("from", "invalid_choice", "not a status"));
            }
            parsed
        }
    };
    let reason = bounded_text("reason", body.reason, MAX_REASON_CHARS, &mut errors);
    let public_note = bounded_text(
        "public_note",
        body.public_note,
        MAX_REASON_CHARS,
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
    let request = TransitionRequest {
        to,
        from,
        reason,
        public_note,
        duplicate_of,
        regulator_ids: body.regulator_ids,
    };
    let role = staff.lifecycle_actor();
    let actor = staff.audit_actor();
    let ip = staff.client_ip.clone();
    let mailer = std::sync::Arc::clone(&state.mailer);
    let done = db::run(&state.pool, move |conn| {
        cases::transition(
            conn,
            &reference,
            &request,
            role,
            &actor,
            ip.as_deref(),
            Utc::now().naive_utc(),
            &mailer.addressing,
        )
    })
    .await?;
    state.mailer.wake.notify_one();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "from": done.from.as_str(),
        "status": done.to.as_str(),
    })))
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
        Some(body.into_inner()?.body),
        MAX_NOTE_CHARS,
        &mut errors,
    );
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(FieldError::new("body", "required", "write something"));
        }
        return Err(AppError::Validation(errors));
    };
    let (author, actor, ip) = (
        staff.user.user_id,
        staff.audit_actor(),
        staff.client_ip.clone(),
    );
    let id = db::run(&state.pool, move |conn| {
        cases::add_note(
            conn,
            &reference,
            author,
            &text,
            &actor,
            ip.as_deref(),
            Utc::now().naive_utc(),
        )
    })
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
    let assignee = body.into_inner()?.user_id;
    let (actor, ip) = (staff.audit_actor(), staff.client_ip.clone());
    db::run(&state.pool, move |conn| {
        cases::assign(
            conn,
            &reference,
            assignee,
            &actor,
            ip.as_deref(),
            Utc::now().naive_utc(),
        )
    })
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
        let report = cases::find_by_reference(conn, &reference)?;
        audit::for_report(conn, report.id)
    })
    .await?;
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let parse = |v: Option<String>| {
                v.and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
            };
            serde_json::json!({
                "id": row.id,
                "at": rfc3339(row.at),
                "actor": {"kind": row.actor_kind, "id": row.actor_id, "label": row.actor_label},
                "action": row.action,
                "client_ip": row.client_ip,
                "before": parse(row.before_state),
                "after": parse(row.after_state),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

/// `GET /api/v1/staff`: active accounts, for the assignment picker.
pub async fn list_staff(
    _staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, users::list).await?;
    let items: Vec<serde_json::Value> = rows
        .into_iter()
        .filter(|u| u.disabled_at.is_none())
        .map(|u| serde_json::json!({"id": u.id, "email": u.email, "role": u.role}))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
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

    #[test]
    fn content_disposition_encodes_per_rfc_6266() {
        assert_eq!(
            content_disposition("截图 1.png", false),
            "attachment; filename=\"__ 1.png\"; filename*=UTF-8''%E6%88%AA%E5%9B%BE%201.png"
        );
        assert_eq!(
            content_disposition("a\"b;c.png", true),
            "inline; filename=\"a_b;c.png\"; filename*=UTF-8''a%22b%3Bc.png"
        );
    }
}

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

fn merchant_json(m: &MerchantRow) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "platform": m.platform,
        "name": m.display_name,
        "province": m.province,
        "report_count": m.report_count,
        "reporter_count": m.reporter_count,
        "first_reported_at": rfc3339(m.first_reported_at),
        "last_reported_at": rfc3339(m.last_reported_at),
    })
}

/// `GET /api/v1/merchants`: the most reported (or most recently reported)
/// merchants, filtered by platform and province.
pub async fn list_merchants(
    _staff: Staff,
    query: web::Query<MerchantsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    let nonempty = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut filter = MerchantFilter {
        limit: 50,
        ..MerchantFilter::default()
    };
    if let Some(platform) = nonempty(query.platform) {
        match Platform::from_code(&platform) {
            Some(p) => filter.platform = Some(p.code().to_owned()),
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
            Ok(n) if (1..=100).contains(&n) => filter.limit = n,
            _ => errors.push(invalid("limit", "range", "between 1 and 100")),
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
        .json(serde_json::json!({
            "items": rows.iter().map(merchant_json).collect::<Vec<_>>(),
            "next_cursor": next.map(encode_merchant_cursor),
        })))
}

/// `GET /api/v1/merchants/{id}`: a merchant, its cases with their signals,
/// and the signals month by month — a brushing ring, not just one case.
pub async fn get_merchant(
    _staff: Staff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let detail = db::run(&state.pool, move |conn| merchants::detail(conn, id)).await?;
    let mut totals: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for case in &detail.cases {
        for code in &case.signals {
            *totals.entry(code.as_str()).or_default() += 1;
        }
    }
    let mut body = merchant_json(&detail.merchant);
    body["signal_totals"] = serde_json::json!(totals);
    body["cases"] = detail
        .cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "reference": c.reference,
                "status": c.status,
                "category": c.category,
                "priority": c.priority,
                "created_at": rfc3339(c.created_at),
                "signals": c.signals,
            })
        })
        .collect();
    body["months"] = detail
        .months
        .iter()
        .map(|(month, count, codes)| serde_json::json!({"month": month, "cases": count, "signals": codes}))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body))
}
