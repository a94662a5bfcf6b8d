//! The consumer's API: filing a report, following it, and what the form needs.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use crate::analysis;
use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::signals::NewProfile;
use crate::db::{self, outbox, reports};
use crate::domain::catalog::{self, Category, Labelled, Platform};
use crate::domain::reference::normalize_reference;
use crate::domain::report::{
    Logistics, NewReport, ReportForm, DESCRIPTION_MAX_CHARS, DESCRIPTION_MIN_CHARS,
    MAX_MERCHANT_NAME_CHARS, MAX_REPORT_JSON_BYTES, MAX_REVIEW_TEXTS, MAX_REVIEW_TEXT_CHARS,
};
use crate::domain::signals::cross::merchant_keys;
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};
use crate::evidence::{EvidenceKind, UploadLimits};
use crate::http::multipart::read_submission;
use crate::mail::compose;

#[derive(Serialize)]
struct Created {
    reference: String,
    tracking_code: String,
    status: &'static str,
    status_url: String,
}

/// `POST /api/v1/reports`: a `report` JSON part and `evidence` files.
pub async fn create_report(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let intake = &state.intake;
    let submission = read_submission(
        &req,
        payload,
        "report",
        MAX_REPORT_JSON_BYTES,
        &intake.limits,
        &intake.store,
    )
    .await?;
    let text = submission
        .text
        .ok_or_else(|| AppError::invalid("report", "required", "the `report` part is missing"))?;
    let form: ReportForm = parse_json_part("report", &text)?;
    let report = NewReport::from_form(form, Utc::now()).map_err(AppError::Validation)?;
    let files = intake.process_all(submission.uploads).await?;
    let store = std::sync::Arc::clone(&intake.store);
    let mailer = std::sync::Arc::clone(&state.mailer);
    let profile = new_profile(&req, &state, &report);
    let created = db::run(&state.pool, move |conn| {
        reports::create(
            conn,
            &report,
            files,
            store.as_ref(),
            &profile,
            &mailer.addressing,
        )
    })
    .await?;
    state.mailer.wake.notify_one();
    state.signals_wake.notify_one();
    let status_url = format!("/api/v1/reports/{}", created.reference);
    tracing::info!(reference = %created.reference, "report filed");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, status_url.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Created {
            reference: created.reference,
            tracking_code: created.tracking_code,
            status: "submitted",
            status_url,
        }))
}

/// What the fraud signals will need of a new report: its merchant's keys
/// and its reporter's identity (opaque keyed hashes).
fn new_profile(req: &HttpRequest, state: &AppState, report: &NewReport) -> NewProfile {
    let keys = merchant_keys(
        report.platform,
        &report.merchant_name,
        report.shop_url.as_deref(),
    );
    let reporter = report.reporter.as_ref();
    NewProfile {
        platform: report.platform.code().to_owned(),
        display_name: report.merchant_name.clone(),
        province: report.merchant_province.clone(),
        name_key: keys.name_key,
        shop_key: keys.shop_key,
        reporter: analysis::reporter_identity(
            &state.mailer.composer.key,
            reporter.and_then(|r| r.email.as_deref()),
            reporter.and_then(|r| r.phone.as_deref()),
            super::auth::client_ip(req, state.settings.trust_proxy).as_deref(),
        ),
    }
}

/// Parses a JSON part; errors name the offending field by its path.
fn parse_json_part<T: serde::de::DeserializeOwned>(
    part: &str,
    bytes: &[u8],
) -> Result<T, AppError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        AppError::bad_request(part, format!("the `{part}` part is not valid UTF-8"))
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = inner.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned();
        if !inner.is_data() {
            return AppError::bad_request(
                part,
                format!("the `{part}` part is not valid JSON: {message}"),
            );
        }
        let field = if path == "." { part.to_owned() } else { path };
        let code = if message.starts_with("unknown variant") {
            "invalid_choice"
        } else if message.starts_with("unknown field") {
            "unknown_field"
        } else {
            "invalid_type"
        };
        AppError::Validation(vec![FieldError::new(field, code, message)])
    })?;
    deserializer.end().map_err(|_| {
        AppError::bad_request(
            part,
            format!("the `{part}` part has trailing characters after the JSON"),
        )
    })?;
    Ok(value)
}

/// `GET /api/v1/reports/{reference}` with `Authorization: Bearer <tracking code>`.
pub async fn get_report(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let code = bearer_token(&req).ok_or(AppError::NotFound)?;
    let reference = normalize_reference(&path.into_inner()).ok_or(AppError::NotFound)?;
    let view = db::run(&state.pool, move |conn| {
        reports::find_for_reporter(conn, &reference, &code)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ReportJson::from(view)))
}

/// The most a reply's message may hold.
pub const MAX_REPLY_CHARS: usize = 5000;

/// `POST /api/v1/reports/{reference}/replies`: the consumer answers a
/// moderator's question (multipart: `message` and optional `evidence`).
/// The code and the status are checked before the body is read.
pub async fn reply(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let code = bearer_token(&req).ok_or(AppError::NotFound)?;
    let reference = normalize_reference(&path.into_inner()).ok_or(AppError::NotFound)?;
    let status = {
        let reference = reference.clone();
        db::run(&state.pool, move |conn| {
            reports::find_for_reporter(conn, &reference, &code).map(|view| view.report.status)
        })
        .await?
    };
    if status != ReportStatus::NeedsInfo.as_str() {
        return Err(AppError::conflict(format!(
            "replies are accepted only while more information is requested (the case is {status})"
        )));
    }
    let intake = &state.intake;
    let submission = read_submission(
        &req,
        payload,
        "message",
        64 * 1024,
        &intake.limits,
        &intake.store,
    )
    .await?;
    let message = submission
        .text
        .as_deref()
        .map(|bytes| std::str::from_utf8(bytes).map(|t| t.trim().to_owned()))
        .transpose()
        .map_err(|_| AppError::bad_request("message", "the message is not valid UTF-8"))?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::invalid("message", "required", "write your answer"))?;
    if message.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::invalid(
            "message",
            "length",
            "at most 5000 characters",
        ));
    }
    if message
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::invalid(
            "message",
            "control_characters",
            "must not contain control characters",
        ));
    }
    let files = intake.process_all(submission.uploads).await?;
    let store = std::sync::Arc::clone(&intake.store);
    let ip = super::auth::client_ip(&req, state.settings.trust_proxy);
    let mailer = std::sync::Arc::clone(&state.mailer);
    db::run(&state.pool, move |conn| {
        reports::add_reply(
            conn,
            &reference,
            &message,
            files,
            store.as_ref(),
            ip.as_deref(),
            &mailer.addressing,
        )
    })
    .await?;
    state.signals_wake.notify_one();
    Ok(HttpResponse::Created()
        .json(serde_json::json!({ "status": ReportStatus::UnderReview.as_str() })))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The report as its author sees it: no internal notes, no storage keys.
#[derive(Serialize)]
struct ReportJson {
    reference: String,
    status: String,
    created_at: String,
    updated_at: String,
    category: String,
    platform: String,
    merchant_name: String,
    shop_url: Option<String>,
    product_url: Option<String>,
    order_id: Option<String>,
    merchant_province: Option<String>,
    merchant_city: Option<String>,
    description: String,
    review_texts: Vec<String>,
    logistics: Option<Logistics>,
    reporter: Option<ReporterJson>,
    consent_share_contact: bool,
    timeline: Vec<TimelineJson>,
    evidence: Vec<EvidenceJson>,
}

#[derive(Serialize)]
struct ReporterJson {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Serialize)]
struct TimelineJson {
    at: String,
    status: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct EvidenceJson {
    display_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    width: Option<i32>,
    height: Option<i32>,
}

pub fn rfc3339(time: NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl From<reports::ReportView> for ReportJson {
    fn from(view: reports::ReportView) -> Self {
        let r = view.report;
        let reporter =
            (r.reporter_name.is_some() || r.reporter_email.is_some() || r.reporter_phone.is_some())
                .then_some(ReporterJson {
                    name: r.reporter_name,
                    email: r.reporter_email,
                    phone: r.reporter_phone,
                });
        ReportJson {
            reference: r.reference,
            status: r.status,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            category: r.category,
            platform: r.platform,
            merchant_name: r.merchant_name,
            shop_url: r.shop_url,
            product_url: r.product_url,
            order_id: r.order_id,
            merchant_province: r.merchant_province,
            merchant_city: r.merchant_city,
            description: r.description,
            review_texts: serde_json::from_str(&r.review_texts).unwrap_or_default(),
            logistics: r.logistics.and_then(|l| serde_json::from_str(&l).ok()),
            reporter,
            consent_share_contact: r.consent_share_contact,
            timeline: view
                .timeline
                .into_iter()
                .map(|e| {
                    // A rejection's reason is addressed to the consumer; other reasons stay internal.
                    let public_reason = (e.status == ReportStatus::Rejected.as_str())
                        .then_some(e.reason)
                        .flatten();
                    TimelineJson {
                        at: rfc3339(e.at),
                        status: e.status,
                        note: e.public_note.or(public_reason),
                    }
                })
                .collect(),
            evidence: view
                .evidence
                .into_iter()
                .map(|e| EvidenceJson {
                    display_name: e.display_name,
                    content_type: e.content_type,
                    size_bytes: e.size_bytes,
                    sha256: e.sha256,
                    width: e.width,
                    height: e.height,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct Meta {
    categories: Vec<Labelled>,
    platforms: Vec<Labelled>,
    provinces: Vec<Labelled>,
    limits: MetaLimits,
}

#[derive(Serialize)]
struct MetaLimits {
    #[serde(flatten)]
    upload: UploadLimits,
    accepted_types: Vec<&'static str>,
    description_min_chars: u64,
    description_max_chars: u64,
    max_review_texts: usize,
    max_review_text_chars: usize,
    max_merchant_name_chars: u64,
}

/// `GET /api/v1/meta`: the vocabularies and limits the form mirrors.
pub async fn meta(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(Meta {
            categories: Category::ALL.iter().map(|c| c.labelled()).collect(),
            platforms: Platform::ALL.iter().map(|p| p.labelled()).collect(),
            provinces: catalog::provinces().collect(),
            limits: MetaLimits {
                upload: state.intake.limits,
                accepted_types: EvidenceKind::ALL.iter().map(|k| k.content_type()).collect(),
                description_min_chars: DESCRIPTION_MIN_CHARS,
                description_max_chars: DESCRIPTION_MAX_CHARS,
                max_review_texts: MAX_REVIEW_TEXTS,
                max_review_text_chars: MAX_REVIEW_TEXT_CHARS,
                max_merchant_name_chars: MAX_MERCHANT_NAME_CHARS,
            },
        })
}

#[derive(Debug, Deserialize)]
pub struct SignedLinkQuery {
    expires: Option<String>,
    sig: Option<String>,
}

/// `GET /api/v1/evidence/{id}?expires=…&sig=…`: an evidence file through the
/// expiring signed link in a regulator's email (for files beyond the
/// attachment limit). A bad signature is indistinguishable from a missing
/// file; an expired one says so.
pub async fn signed_evidence(
    path: web::Path<String>,
    query: web::Query<SignedLinkQuery>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    let query = query.into_inner();
    let (Some(expires), Some(sig)) = (query.expires, query.sig) else {
        return Err(AppError::NotFound);
    };
    let expires_at: i64 = expires.parse().map_err(|_| AppError::NotFound)?;
    let key = &state.mailer.composer.key;
    if !key.verify(
        compose::EVIDENCE_LINK_PURPOSE,
        &compose::evidence_link_message(id, expires_at),
        &sig,
    ) {
        return Err(AppError::NotFound);
    }
    if Utc::now().timestamp() > expires_at {
        return Err(AppError::Gone(
            "This download link has expired; ask the platform for a new one.".into(),
        ));
    }
    let store = std::sync::Arc::clone(&state.intake.store);
    let ip = super::auth::client_ip(&req, state.settings.trust_proxy);
    let (row, bytes) = db::run(&state.pool, move |conn| {
        let row = reports::evidence_by_id(conn, id)?;
        let bytes = store
            .read(&row.storage_key)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading evidence")))?;
        audit::append(
            conn,
            AuditEntry {
                actor: &AuditActor::SignedLink,
                action: "evidence.download",
                report_id: Some(row.report_id),
                client_ip: ip.as_deref(),
                before: None,
                after: Some(serde_json::json!({ "evidence_id": row.id, "sha256": row.sha256 })),
                at: Utc::now().naive_utc(),
            },
        )?;
        Ok((row, bytes))
    })
    .await?;
    Ok(super::moderator::evidence_response(&row, bytes, false))
}

#[derive(Debug, Deserialize)]
pub struct UnsubscribeQuery {
    #[serde(rename = "ref")]
    reference: Option<String>,
    token: Option<String>,
}

/// `POST /api/v1/unsubscribe?ref=…&token=…`: the reporter stops the
/// notifications about one report. Also the RFC 8058 one-click target of
/// the `List-Unsubscribe` header (whose form body is ignored).
pub async fn unsubscribe(
    query: web::Query<UnsubscribeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let reference = query
        .reference
        .as_deref()
        .and_then(normalize_reference)
        .ok_or(AppError::NotFound)?;
    let token = query.token.unwrap_or_default();
    if !state
        .mailer
        .composer
        .key
        .verify(compose::UNSUBSCRIBE_PURPOSE, &reference, &token)
    {
        return Err(AppError::NotFound);
    }
    db::run(&state.pool, move |conn| {
        outbox::unsubscribe(conn, &reference, Utc::now().naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "unsubscribed": true })))
}
