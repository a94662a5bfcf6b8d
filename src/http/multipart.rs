//! Reading a `multipart/form-data` submission as it streams in, under our
//! own limits: we count every byte and stop reading the moment a limit is
//! passed, instead of buffering whatever the client sends.

use std::sync::Arc;
use std::time::Duration;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest};
use bytes::{Bytes, BytesMut};
use futures_util::TryStreamExt;

use crate::domain::report::MAX_REPORT_JSON_BYTES;
use crate::error::AppError;
use crate::evidence::{EvidenceStore, Spool, Upload, UploadLimits};

/// A slow client may not hold a worker's upload slot forever.
const SUBMISSION_READ_TIMEOUT: Duration = Duration::from_secs(300);
/// Room for the JSON part and multipart framing on top of the file limits.
const ENVELOPE_BYTES: u64 = MAX_REPORT_JSON_BYTES as u64 + 64 * 1024;
/// More parts than any honest form sends.
const MAX_PARTS: usize = 64;

/// What a multipart submission carried: one JSON text part and the files.
pub struct Submission {
    /// The named text part (`report` or `message`), if present.
    pub text: Option<Bytes>,
    pub uploads: Vec<Upload>,
}

/// Reads a submission made of one text part named `text_part` (at most
/// `max_text_bytes`) and files named `evidence`.
pub async fn read_submission(
    req: &HttpRequest,
    payload: web::Payload,
    text_part: &'static str,
    max_text_bytes: usize,
    limits: &UploadLimits,
    store: &Arc<dyn EvidenceStore>,
) -> Result<Submission, AppError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(AppError::UnsupportedMediaType(
            "send the report as multipart/form-data".into(),
        ));
    }
    // Refuse a declared size beyond every limit before reading a byte.
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_total_bytes + ENVELOPE_BYTES) {
        return Err(total_too_large(limits));
    }
    let multipart = Multipart::new(req.headers(), payload);
    let reading = read_parts(multipart, text_part, max_text_bytes, limits, store);
    match tokio::time::timeout(SUBMISSION_READ_TIMEOUT, reading).await {
        Ok(result) => result,
        Err(_) => Err(AppError::bad_request(
            "evidence",
            "the upload took too long",
        )),
    }
}

fn total_too_large(limits: &UploadLimits) -> AppError {
    AppError::too_large(
        "evidence",
        "too_large",
        format!("the files together exceed {} bytes", limits.max_total_bytes),
    )
}

fn malformed(error: actix_multipart::MultipartError) -> AppError {
    AppError::bad_request("multipart", format!("malformed multipart body: {error}"))
}

async fn read_parts(
    mut multipart: Multipart,
    text_part: &'static str,
    max_text_bytes: usize,
    limits: &UploadLimits,
    store: &Arc<dyn EvidenceStore>,
) -> Result<Submission, AppError> {
    let mut text: Option<Bytes> = None;
    let mut uploads: Vec<Upload> = Vec::new();
    let mut total: u64 = 0;
    let mut parts = 0usize;
    while let Some(mut field) = multipart.try_next().await.map_err(malformed)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(AppError::bad_request("multipart", "too many parts"));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == text_part {
            if text.is_some() {
                return Err(AppError::bad_request(
                    text_part,
                    format!("more than one `{text_part}` part"),
                ));
            }
            let mut buffer = BytesMut::new();
            while let Some(chunk) = field.try_next().await.map_err(malformed)? {
                if buffer.len() + chunk.len() > max_text_bytes {
                    return Err(AppError::too_large(
                        text_part,
                        "too_large",
                        format!("the `{text_part}` part exceeds {max_text_bytes} bytes"),
                    ));
                }
                buffer.extend_from_slice(&chunk);
            }
            text = Some(buffer.freeze());
        } else if name == "evidence" {
            let field_name = format!("evidence[{}]", uploads.len());
            if uploads.len() >= limits.max_files {
                return Err(AppError::too_large(
                    "evidence",
                    "too_many_files",
                    format!("at most {} files", limits.max_files),
                ));
            }
            // `filename*` (RFC 5987, percent-encoded UTF-8) wins over `filename`.
            let client_name = field.content_disposition().and_then(|cd| {
                cd.get_filename_ext()
                    .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                    .or_else(|| cd.get_filename().map(str::to_owned))
            });
            let mut spool = Spool::new();
            while let Some(chunk) = field.try_next().await.map_err(malformed)? {
                total += chunk.len() as u64;
                if spool.size() + chunk.len() as u64 > limits.max_file_bytes {
                    return Err(AppError::too_large(
                        field_name,
                        "too_large",
                        format!("a file may be at most {} bytes", limits.max_file_bytes),
                    ));
                }
                if total > limits.max_total_bytes {
                    return Err(total_too_large(limits));
                }
                spool.push(&chunk, store).await?;
            }
            if spool.size() == 0 {
                return Err(AppError::invalid(field_name, "empty", "the file is empty"));
            }
            uploads.push(Upload {
                field: field_name,
                client_name,
                body: spool.finish(store).await?,
            });
        } else {
            return Err(AppError::bad_request(
                if name.is_empty() {
                    "multipart".to_owned()
                } else {
                    name.clone()
                },
                format!("unexpected part `{name}`: send `{text_part}` and `evidence` parts only"),
            ));
        }
    }
    Ok(Submission { text, uploads })
}
