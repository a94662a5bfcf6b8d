//! HTTP: thin handlers per audience, one table of every route with the
//! access it needs, and the headers every response carries.
//!
//! Modules depend one way: `state` ← `extract` ← the handler modules ←
//! this one, which only registers them.

pub mod admin;
pub mod auth;
pub mod blocklist;
pub mod calendar;
pub mod cases;
pub mod evidence;
pub mod extract;
pub mod merchants;
pub mod meta;
pub mod multipart;
pub mod pages;
pub mod reports;
pub mod responses;
pub mod signing;
pub mod state;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::middleware::DefaultHeaders;
use actix_web::HttpMessage;
use actix_web::{web, HttpRequest, HttpResponse};
use std::time::Duration;

use crate::db;
use crate::error::AppError;
pub use state::{AppState, Settings};

/// Who may call a route. Handlers enforce it with their extractors
/// (`Staff`, `AdminStaff`, a tracking code); the test suite checks every
/// row of [`ROUTES`] against what the server actually answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// The reporter, with the report's tracking code.
    Reporter,
    /// A logged-in moderator or admin.
    Moderator,
    /// A logged-in admin.
    Admin,
    /// Whoever holds a link we signed (evidence downloads, unsubscribe).
    Signed,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    register: fn(&mut web::ServiceConfig),
}

macro_rules! route {
    ($method:ident $path:literal, $access:ident, $handler:path) => {
        Route {
            method: stringify!($method),
            path: $path,
            access: Access::$access,
            register: |cfg| {
                cfg.route($path, web::$method().to($handler));
            },
        }
    };
}

/// Every route the service answers, pages included. A route is added here
/// or nowhere, and it cannot be added without saying who may call it.
pub const ROUTES: &[Route] = &[
    route!(get "/", Public, pages::index),
    route!(get "/track", Public, pages::track),
    route!(get "/admin", Public, pages::admin),
    route!(get "/unsubscribe", Public, pages::unsubscribe),
    route!(get "/static/{path:.*}", Public, pages::asset),
    route!(get "/healthz", Public, healthz),
    route!(get "/readyz", Public, readyz),
    route!(get "/api/v1/meta", Public, meta::meta),
    route!(post "/api/v1/reports", Public, reports::create_report),
    route!(get "/api/v1/reports/{reference}", Reporter, reports::get_report),
    route!(post "/api/v1/reports/{reference}/replies", Reporter, reports::reply),
    route!(post "/api/v1/auth/login", Public, auth::login),
    route!(post "/api/v1/auth/logout", Moderator, auth::logout),
    route!(get "/api/v1/auth/session", Moderator, auth::session),
    route!(post "/api/v1/auth/password", Moderator, auth::change_password),
    route!(get "/api/v1/cases", Moderator, cases::list_cases),
    route!(get "/api/v1/cases.csv", Moderator, cases::export_cases),
    route!(get "/api/v1/cases/{reference}", Moderator, cases::get_case),
    route!(get "/api/v1/cases/{reference}/evidence/{id}", Moderator, cases::download_evidence),
    route!(post "/api/v1/cases/{reference}/transitions", Moderator, cases::transition),
    route!(post "/api/v1/cases/{reference}/notes", Moderator, cases::add_note),
    route!(post "/api/v1/cases/{reference}/assignment", Moderator, cases::assign),
    route!(get "/api/v1/cases/{reference}/audit", Moderator, cases::audit_trail),
    route!(get "/api/v1/staff", Moderator, cases::list_staff),
    route!(get "/api/v1/cases/{reference}/routing", Moderator, cases::routing),
    route!(get "/api/v1/merchants", Moderator, merchants::list_merchants),
    route!(get "/api/v1/merchants/{id}", Moderator, merchants::get_merchant),
    route!(get "/api/v1/hotlines", Moderator, blocklist::numbers),
    route!(get "/api/v1/evidence/{id}", Signed, reports::signed_evidence),
    route!(get "/api/v1/blocklist/hotlines", Public, blocklist::hotlines),
    route!(post "/api/v1/unsubscribe", Signed, reports::unsubscribe),
    route!(get "/respond/{token}", Public, pages::respond),
    route!(get "/verify", Public, pages::verify),
    route!(get "/.well-known/qinglang-signing-keys.json", Public, signing::signing_keys),
    route!(get "/api/v1/regulator-responses/{token}", Signed, responses::show),
    route!(post "/api/v1/regulator-responses/{token}", Signed, responses::answer),
    route!(post "/api/v1/cases/{reference}/regulator-responses/{id}/relay", Moderator, cases::relay_question),
    route!(get "/api/v1/admin/users", Admin, admin::list_users),
    route!(post "/api/v1/admin/users", Admin, admin::create_user),
    route!(post "/api/v1/admin/users/{id}/disable", Admin, admin::disable_user),
    route!(get "/api/v1/admin/regulators", Admin, admin::list_regulators),
    route!(post "/api/v1/admin/regulators", Admin, admin::create_regulator),
    route!(patch "/api/v1/admin/regulators/{id}", Admin, admin::update_regulator),
    route!(delete "/api/v1/admin/regulators/{id}", Admin, admin::delete_regulator),
    route!(get "/api/v1/admin/brands", Admin, admin::list_brands),
    route!(post "/api/v1/admin/brands", Admin, admin::create_brand),
    route!(patch "/api/v1/admin/brands/{id}", Admin, admin::update_brand),
    route!(delete "/api/v1/admin/brands/{id}", Admin, admin::delete_brand),
    route!(get "/api/v1/admin/deliveries", Admin, admin::list_deliveries),
    route!(get "/api/v1/admin/calendar/{year}", Admin, calendar::get_year),
    route!(put "/api/v1/admin/calendar/{year}", Admin, calendar::put_year),
    route!(post "/api/v1/admin/deliveries/{id}/retry", Admin, admin::retry_delivery),
];

/// The pages load scripts, styles and images from this origin only; nothing
/// inline runs, and nothing may frame them.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
    frame-ancestors 'none'; form-action 'self'";

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// The span every request's log lines carry: its id, method and route
/// pattern (`/api/v1/reports/{reference}`, never the path itself, which may
/// hold a reference or a signed token), and its status once answered. No
/// client address, user agent or query: nothing that identifies a person.
pub struct RequestSpan;

impl tracing_actix_web::RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(|id| id.to_string())
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id = %id,
            method = %request.method(),
            route = %request.match_pattern().unwrap_or_else(|| "unmatched".into()),
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        span.record("status", status.as_u16());
    }
}

/// Puts the request's id (the one `TracingLogger` logs it under) in scope
/// for the error mapping, and on the response as `X-Request-Id`; logs the
/// answer (status, milliseconds) in the request's span.
pub fn request_id_scope<S>(
    req: ServiceRequest,
    service: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse, actix_web::Error>>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let response = crate::error::with_request_id(id.clone(), service.call(req));
    async move {
        let mut response = response.await?;
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "answered"
        );
        if let Ok(value) = header::HeaderValue::from_str(&id) {
            response
                .headers_mut()
                .insert(header::HeaderName::from_static("x-request-id"), value);
        }
        Ok(response)
    }
}

/// Ends a request whose body stops arriving: each chunk must come within
/// `stall`, or the body fails (the handler answers, the connection closes),
/// so a client trickling a byte at a time cannot hold a worker and a
/// connection for ever. (Headers are bounded by the server's request timeout.)
pub fn guard_stalls<S>(mut req: ServiceRequest, service: &S, stall: Duration) -> S::Future
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = actix_web::Error>,
{
    use futures_util::StreamExt;
    let payload = req.take_payload();
    let timed = futures_util::stream::unfold(Some(payload), move |payload| async move {
        let mut payload = payload?;
        match tokio::time::timeout(stall, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((
                Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the request body stalled for {} s", stall.as_secs()),
                ))),
                None,
            )),
        }
    });
    req.set_payload(actix_web::dev::Payload::Stream {
        // Fused: readers may poll again after the end.
        payload: Box::pin(timed.fuse()),
    });
    service.call(req)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(256 * 1024)
            .error_handler(json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::PathConfig::default().error_handler(path_error));
    for route in ROUTES {
        (route.register)(cfg);
    }
    cfg.default_service(web::to(not_found));
}

/// Malformed JSON bodies answer problem+json like everything else.
fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match error {
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("send the body as application/json".into()).into()
        }
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::too_large("body", "too_large", "the JSON body is too large").into()
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned();
            let field = message
                .split('`')
                .nth(1)
                .filter(|_| {
                    message.starts_with("missing field") || message.starts_with("unknown field")
                })
                .unwrap_or("body")
                .to_owned();
            AppError::Validation(vec![crate::error::FieldError::new(
                field, "invalid", message,
            )])
            .into()
        }
        other => AppError::bad_request("body", format!("not valid JSON: {other}")).into(),
    }
}

fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("query", format!("bad query string: {error}")).into()
}

fn path_error(_error: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::NotFound.into()
}

async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// The process is up.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers.
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    db::ping(&state.pool).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
