//! `GET /.well-known/qinglang-signing-keys.json`: the public keys that
//! verify the case files we send, retired ones included (files they signed
//! stay verifiable).

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::state::AppState;
use crate::db::{self, signing_keys};
use crate::error::AppError;
use crate::views::Time;

#[derive(Serialize)]
struct PublishedKey {
    id: String,
    public_key_pem: String,
    created_at: Time,
    retired_at: Option<Time>,
}

#[derive(Serialize)]
struct PublishedKeys {
    keys: Vec<PublishedKey>,
}

pub async fn signing_keys(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = db::run(&state.pool, signing_keys::all).await?;
    let keys = rows
        .into_iter()
        .map(|row| PublishedKey {
            id: row.id,
            public_key_pem: row.public_key_pem,
            created_at: Time(row.created_at),
            retired_at: row.retired_at.map(Time),
        })
        .collect();
    Ok(HttpResponse::Ok()
        // Short: a rotation shows within minutes.
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(PublishedKeys { keys }))
}
