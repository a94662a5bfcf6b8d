//! One error type for the whole service, mapped once to RFC 9457
//! `application/problem+json`. Internal errors are logged with detail and
//! answered with a generic 500 that reveals nothing.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// A message about one input field, e.g. `description` or `logistics.events[0].time`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request was understood but its content is invalid (422).
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// The request could not be parsed (400).
    #[error("bad request: {detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// An upload exceeded a limit (413); the server stopped reading.
    #[error("payload too large: {0:?}")]
    PayloadTooLarge(FieldError),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("not found")]
    NotFound,
    /// It existed, but no longer may be had this way (410), e.g. an expired link.
    #[error("gone: {0}")]
    Gone(String),
    /// No valid session or credentials (401).
    #[error("unauthorized")]
    Unauthorized,
    /// Authenticated, but not allowed (403).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request conflicts with the current state (409).
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Throttled; retry after this many seconds (429). `detail` says what
    /// was limited, in words a person filing a report understands.
    #[error("too many requests: {detail}")]
    TooManyRequests {
        retry_after_secs: u64,
        detail: String,
    },
    /// The database is saturated or briefly locked: the client should retry.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn bad_request(field: impl Into<String>, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        AppError::BadRequest {
            errors: vec![FieldError::new(field, "malformed", detail.clone())],
            detail,
        }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        AppError::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn too_large(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        AppError::PayloadTooLarge(FieldError::new(field, code, message))
    }

    fn problem_type(&self) -> (&'static str, &'static str) {
        match self {
            AppError::Validation(_) => ("/problems/validation", "Invalid input"),
            AppError::BadRequest { .. } => ("/problems/malformed-request", "Malformed request"),
            AppError::PayloadTooLarge(_) => ("/problems/payload-too-large", "Upload too large"),
            AppError::UnsupportedMediaType(_) => {
                ("/problems/unsupported-media-type", "Unsupported media type")
            }
            AppError::NotFound => ("/problems/not-found", "Not found"),
            AppError::Gone(_) => ("/problems/gone", "No longer available"),
            AppError::Unauthorized => ("/problems/unauthorized", "Authentication required"),
            AppError::Forbidden(_) => ("/problems/forbidden", "Forbidden"),
            AppError::Conflict { .. } => ("/problems/conflict", "Conflict"),
            AppError::TooManyRequests { .. } => {
                ("/problems/too-many-requests", "Too many requests")
            }
            AppError::Unavailable(_) => {
                ("/problems/unavailable", "Service temporarily unavailable")
            }
            AppError::Internal(_) => ("/problems/internal", "Internal server error"),
        }
    }
}

tokio::task_local! {
    /// The id of the request being answered (the one its log lines carry),
    /// set by [`with_request_id`] around each request.
    static REQUEST_ID: String;
}

/// Runs `future` (answering one request) with its request id in scope, so
/// an internal error's problem can name it: a user quoting the id lets an
/// operator find the logged cause.
pub async fn with_request_id<F: std::future::Future>(id: String, future: F) -> F::Output {
    REQUEST_ID.scope(id, future).await
}

fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
    /// For server errors: the id under which the cause was logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (kind, title) = self.problem_type();
        let one;
        let (detail, errors): (String, &[FieldError]) = match self {
            AppError::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                (format!("Invalid fields: {}", fields.join(", ")), errors)
            }
            AppError::BadRequest { detail, errors } => (detail.clone(), errors),
            AppError::PayloadTooLarge(error) => {
                one = [error.clone()];
                (format!("{}: {}", error.field, error.message), &one)
            }
            AppError::UnsupportedMediaType(detail) => (detail.clone(), &[]),
            AppError::NotFound => ("No such resource, or no access to it.".into(), &[]),
            AppError::Unauthorized => ("Log in, or send a valid session token.".into(), &[]),
            AppError::Forbidden(detail) | AppError::Gone(detail) => (detail.clone(), &[]),
            AppError::Conflict { detail, errors } => (detail.clone(), errors),
            AppError::TooManyRequests { detail, .. } => (detail.clone(), &[]),
            AppError::Unavailable(reason) => {
                tracing::warn!(%reason, "answering 503");
                ("The service is busy; retry in a moment.".into(), &[])
            }
            AppError::Internal(error) => {
                tracing::error!(error = ?error, "internal error");
                (
                    "An unexpected error occurred; it has been logged under this request's id."
                        .into(),
                    &[],
                )
            }
        };
        let body = Problem {
            kind,
            title,
            status: status.as_u16(),
            detail,
            errors,
            request_id: status.is_server_error().then(current_request_id).flatten(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            AppError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            AppError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.json(body)
    }
}

impl AppError {
    /// A copy of a client-facing rejection (validation, malformed input,
    /// limits); anything else becomes a generic bad request. Used to carry a
    /// request extractor's rejection past authentication.
    pub fn rejection_copy(&self) -> AppError {
        match self {
            AppError::Validation(errors) => AppError::Validation(errors.clone()),
            AppError::BadRequest { detail, errors } => AppError::BadRequest {
                detail: detail.clone(),
                errors: errors.clone(),
            },
            AppError::PayloadTooLarge(error) => AppError::PayloadTooLarge(error.clone()),
            AppError::UnsupportedMediaType(detail) => {
                AppError::UnsupportedMediaType(detail.clone())
            }
            other => AppError::bad_request("body", other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::Error as E;
        match error {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(_, ref info) if is_busy(info.message()) => {
                AppError::Unavailable(info.message().to_owned())
            }
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("database pool: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

/// SQLite reports contention as "database is locked" / "database table is locked"
/// once its busy timeout has expired, and PostgreSQL a query past its
/// statement timeout as "canceling statement due to statement timeout":
/// that is load (or a query too broad to finish), not a bug.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked")
        || message.contains("database table is locked")
        || message.contains("canceling statement due to statement timeout")
}
