//! The consumer's API: filing a report, following it, answering a
//! question; and the signed links from our emails.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::evidence::{evidence_response, read_stored};
use super::extract::{bearer_token, client_ip};
use super::multipart::read_submission;
use super::state::AppState;
use crate::analysis;
use crate::cases::{self, Caller};
use crate::db::profiles::{MerchantName, NewProfile};
use crate::db::{self};
use crate::domain::limits::MAX_REPLY_CHARS;
use crate::domain::reference::normalize_reference;
use crate::domain::report::{NewReport, ReportForm, MAX_REPORT_JSON_BYTES};
use crate::domain::signals::cross::{hotline_key, merchant_keys, MerchantKeys};
use crate::domain::status::ReportStatus;
use crate::domain::unicode::strip_invisible;
use crate::error::{AppError, FieldError};
use crate::views::reporter::ReporterReport;
use crate::{links, throttle};

#[derive(Serialize)]
struct Created {
    reference: String,
    tracking_code: String,
    status: ReportStatus,
    status_url: String,
}

/// `POST /api/v1/reports`: a `report` JSON part and `evidence` files.
pub async fn create_report(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // Counted before a byte of the body is read: a throttled client costs
    // one database statement, not a 40 MiB upload and its decoding.
    throttle::reserve_filing(
        &state.pool,
        &state.limits,
        client_ip(&req, &state.settings).as_deref(),
    )
    .await?;
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
    let profile = new_profile(&req, &state, &report);
    let filed = state.cases.file(report, files, profile).await?;
    let status_url = format!("/api/v1/reports/{}", filed.reference);
    tracing::info!(reference = %filed.reference, "report filed");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, status_url.clone()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Created {
            reference: filed.reference,
            tracking_code: filed.tracking_code,
            status: ReportStatus::Submitted,
            status_url,
        }))
}

/// What the fraud signals will need of a new report: its merchant's keys
/// and its reporter's identity (opaque keyed hashes).
fn new_profile(req: &HttpRequest, state: &AppState, report: &NewReport) -> NewProfile {
    // A shop is known by its platform and name; a fake hotline that names
    // none, by its number.
    let (merchant, keys) = match (report.platform, report.merchant_name.as_deref()) {
        (Some(platform), Some(name)) => (
            Some(MerchantName {
                platform: platform.code().to_owned(),
                display_name: name.to_owned(),
            }),
            merchant_keys(platform, name, report.shop_url.as_deref()),
        ),
        _ => (
            None,
            MerchantKeys {
                name_key: hotline_key(report.hotline.as_ref().map_or("", |h| h.number.as_str())),
                shop_key: None,
            },
        ),
    };
    let reporter = report.reporter.as_ref();
    NewProfile {
        merchant,
        province: report.merchant_province.clone(),
        name_key: keys.name_key,
        shop_key: keys.shop_key,
        reporter: analysis::reporter_identity(
            &state.keys,
            reporter.and_then(|r| r.email.as_deref()),
            reporter.and_then(|r| r.phone.as_deref()),
            client_ip(req, &state.settings).as_deref(),
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
    let record = db::run(&state.pool, move |conn| {
        cases::reporter::open(conn, &reference, &code)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ReporterReport::from(&record)))
}

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
    let (status, relayed_question) = {
        let reference = reference.clone();
        db::run(&state.pool, move |conn| {
            cases::reporter::open(conn, &reference, &code).map(|record| {
                let open = record
                    .responses
                    .iter()
                    .any(|a| a.row.relayed_at.is_some() && a.row.answered_by_reply_id.is_none());
                (record.report.status, open)
            })
        })
        .await?
    };
    if status != ReportStatus::NeedsInfo && !relayed_question {
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
        .map(|bytes| std::str::from_utf8(bytes).map(|t| strip_invisible(t).trim().to_owned()))
        .transpose()
        .map_err(|_| AppError::bad_request("message", "the message is not valid UTF-8"))?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::invalid("message", "required", "write your answer"))?;
    if message.chars().count() > MAX_REPLY_CHARS {
        return Err(AppError::invalid(
            "message",
            "length",
            format!("at most {MAX_REPLY_CHARS} characters"),
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
    let caller = Caller::consumer(client_ip(&req, &state.settings));
    let status = state.cases.reply(reference, message, files, caller).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "status": status })))
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
    if !links::verify_evidence_link(&state.keys, id, expires_at, &sig) {
        return Err(AppError::NotFound);
    }
    if Utc::now().timestamp() > expires_at {
        return Err(AppError::Gone(
            "This download link has expired; ask the platform for a new one.".into(),
        ));
    }
    let store = std::sync::Arc::clone(&state.intake.store);
    let caller = Caller {
        audit: crate::db::audit::AuditActor::SignedLink,
        ..Caller::consumer(client_ip(&req, &state.settings))
    };
    let row = db::run(&state.pool, move |conn| {
        cases::view::evidence_for_link_holder(conn, id, &caller, Utc::now().naive_utc())
    })
    .await?;
    let bytes = read_stored(store, row.storage_key.clone()).await?;
    Ok(evidence_response(&row, bytes, false))
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
    if !links::verify_unsubscribe(&state.keys, &reference, &token) {
        return Err(AppError::NotFound);
    }
    state.cases.unsubscribe(reference).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "unsubscribed": true })))
}
