//! The regulator's response link: `GET`/`POST
//! /api/v1/regulator-responses/{token}`, behind the `/respond/<token>` page
//! and callable by other systems. The token is the authentication: signed
//! for one delivery, expiring, revoked when the case is reopened.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Serialize;

use super::extract::{client_ip, JsonBody};
use super::state::AppState;
use crate::domain::calendar::beijing_date;
use crate::domain::response::{NewResponse, ResponseForm, ResponseKind};
use crate::domain::status::ReportStatus;
use crate::domain::vocabulary::Vocabulary;
use crate::error::AppError;
use crate::links::{self, TokenProblem};
use crate::throttle;
use crate::views::response::{ResponseItem, ResponsePage};
use crate::views::{ReportFacts, Time};

/// Checks the link and its rate before anything else; returns the delivery
/// id and the link's expiry (Unix seconds).
async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
) -> Result<(i64, i64), AppError> {
    throttle::reserve_response(
        &state.pool,
        &state.limits,
        client_ip(req, &state.settings).as_deref(),
    )
    .await?;
    links::verify_response_token(&state.keys, token, Utc::now().timestamp())
        .map_err(|problem| match problem {
            TokenProblem::Invalid => AppError::NotFound,
            TokenProblem::Expired => AppError::Gone(
                "此答复链接已过期，请联系清朗平台。This response link has expired; contact the platform."
                    .into(),
            ),
        })
}

/// `GET /api/v1/regulator-responses/{token}`: the case summary, this
/// recipient's answers so far, and what may come next.
pub async fn show(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (delivery_id, expires) = authenticate(&req, &state, &path).await?;
    let case = state.cases.response_page(delivery_id).await?;
    let r = &case.record.report;
    let forwarded_at = case
        .record
        .timeline
        .iter()
        .rev()
        .find(|e| e.status == ReportStatus::Forwarded)
        .map(|e| Time(e.at));
    let page = ResponsePage {
        reference: r.reference.clone(),
        status: r.status,
        category_label: r.category.labelled(),
        platform_label: r.platform.map(|p| p.labelled()),
        regulator: case
            .delivery
            .recipient_name
            .clone()
            .unwrap_or_else(|| case.delivery.recipient_email.clone()),
        filed_at: Time(r.created_at),
        forwarded_at,
        validation_reason: case.record.validation().and_then(|e| e.reason.clone()),
        facts: ReportFacts::from(&case.record),
        responses: case.answers.iter().map(ResponseItem::from).collect(),
        allowed_next: case.allowed_next,
        kinds: ResponseKind::all_labelled(),
        link_expires_at: Time(
            chrono::DateTime::from_timestamp(expires, 0)
                .unwrap_or_default()
                .naive_utc(),
        ),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}

#[derive(Serialize)]
struct Answered {
    id: i64,
    kind: ResponseKind,
    /// False when this exact answer was recorded before (a re-sent form).
    recorded: bool,
    case_status: ReportStatus,
}

/// `POST /api/v1/regulator-responses/{token}`: records one answer.
pub async fn answer(
    req: HttpRequest,
    path: web::Path<String>,
    body: JsonBody<ResponseForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (delivery_id, _) = authenticate(&req, &state, &path).await?;
    let form = body.parsed()?;
    let today = beijing_date(Utc::now().naive_utc());
    let answer = NewResponse::check(form, today).map_err(AppError::Validation)?;
    let kind = answer.kind;
    let recorded = state
        .cases
        .record_regulator_response(delivery_id, answer, client_ip(&req, &state.settings))
        .await?;
    let case = state.cases.response_page(delivery_id).await?;
    let body = Answered {
        id: recorded.id,
        kind,
        recorded: recorded.new,
        case_status: case.record.report.status,
    };
    Ok(if recorded.new {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}
