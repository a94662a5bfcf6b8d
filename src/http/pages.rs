//! The consumer pages and their assets, embedded in the binary so that a
//! single file serves everything, offline.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub async fn index(req: HttpRequest) -> HttpResponse {
    serve(&req, "index.html")
}

pub async fn track(req: HttpRequest) -> HttpResponse {
    serve(&req, "track.html")
}

pub async fn admin(req: HttpRequest) -> HttpResponse {
    serve(&req, "admin.html")
}

pub async fn unsubscribe(req: HttpRequest) -> HttpResponse {
    serve(&req, "unsubscribe.html")
}

/// `/respond/<token>`: the regulator's response page (the token stays in
/// the path; the page reads it from there).
pub async fn respond(req: HttpRequest) -> HttpResponse {
    serve(&req, "respond.html")
}

/// `/verify`: checks a case file, its signature and its evidence in the browser.
pub async fn verify(req: HttpRequest) -> HttpResponse {
    serve(&req, "verify.html")
}

pub async fn asset(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    serve(&req, &path)
}

fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Assets::get(path) else {
        return actix_web::ResponseError::error_response(&crate::error::AppError::NotFound);
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        // Revalidate every time: cheap with the ETag, and a new release shows at once.
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if fresh {
        return response.finish();
    }
    response
        .content_type(file.metadata.mimetype())
        .body(file.data.into_owned())
}
