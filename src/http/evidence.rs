//! Stored evidence bytes as a response: never sniffed, never run, and by
//! default a download. Used by the moderators' route and the signed links.

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::db::evidence::EvidenceRow;
use crate::error::AppError;

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

/// The stored bytes of `key`, read off the database's threads: a database
/// connection is not held while the file comes from a bucket. A store that
/// does not answer is a 503 (retry); a file that is gone is our fault.
pub async fn read_stored(
    store: std::sync::Arc<dyn crate::evidence::EvidenceStore>,
    key: String,
) -> Result<Vec<u8>, AppError> {
    actix_web::web::block(move || store.read(&key))
        .await?
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                AppError::Internal(anyhow::Error::new(e).context("stored evidence is missing"))
            }
            _ => AppError::Unavailable(format!("reading evidence from the store: {e}")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

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
