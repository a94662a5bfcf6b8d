//! `GET /api/v1/meta`: the vocabularies, the lifecycle and the limits, with
//! zh-CN and English labels — what the pages show and check, so no page
//! keeps a copy of a Rust list.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use super::state::AppState;
use crate::domain::catalog::{self, Category, Platform};
use crate::domain::delivery::{DeliveryKind, DeliveryStatus};
use crate::domain::hotline::FoundVia;
use crate::domain::lifecycle::{self, Edge};
use crate::domain::limits;
use crate::domain::report::{
    DESCRIPTION_MAX_CHARS, DESCRIPTION_MIN_CHARS, MAX_AMOUNT_PAID_YUAN, MAX_MERCHANT_NAME_CHARS,
    MAX_PAGE_TEXT_CHARS, MAX_REVIEW_TEXTS, MAX_REVIEW_TEXT_CHARS,
};
use crate::domain::signals::{Severity, SignalCode};
use crate::domain::status::ReportStatus;
use crate::domain::vocabulary::{Labelled, Vocabulary};
use crate::evidence::{EvidenceKind, UploadLimits};

#[derive(Serialize)]
struct Meta {
    categories: Vec<Labelled>,
    platforms: Vec<Labelled>,
    /// Where a fake hotline was found.
    found_via: Vec<Labelled>,
    provinces: Vec<Labelled>,
    statuses: Vec<Labelled>,
    signals: Vec<Labelled>,
    severities: Vec<Labelled>,
    delivery_kinds: Vec<Labelled>,
    delivery_statuses: Vec<Labelled>,
    /// Every move a case can make, who may make it and what it must carry.
    lifecycle: Vec<Edge>,
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
    max_page_text_chars: u64,
    max_amount_paid_yuan: f64,
    max_note_chars: usize,
    max_reason_chars: usize,
    min_validation_reason_chars: usize,
    max_reply_chars: usize,
    queue_page_max: i64,
}

pub async fn meta(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(Meta {
            categories: Category::all_labelled(),
            platforms: Platform::all_labelled(),
            found_via: FoundVia::all_labelled(),
            provinces: catalog::provinces().collect(),
            statuses: ReportStatus::all_labelled(),
            signals: SignalCode::all_labelled(),
            severities: Severity::all_labelled(),
            delivery_kinds: DeliveryKind::all_labelled(),
            delivery_statuses: DeliveryStatus::all_labelled(),
            lifecycle: lifecycle::edges(),
            limits: MetaLimits {
                upload: state.intake.limits,
                accepted_types: EvidenceKind::ALL.iter().map(|k| k.content_type()).collect(),
                description_min_chars: DESCRIPTION_MIN_CHARS,
                description_max_chars: DESCRIPTION_MAX_CHARS,
                max_review_texts: MAX_REVIEW_TEXTS,
                max_review_text_chars: MAX_REVIEW_TEXT_CHARS,
                max_merchant_name_chars: MAX_MERCHANT_NAME_CHARS,
                max_page_text_chars: MAX_PAGE_TEXT_CHARS,
                max_amount_paid_yuan: MAX_AMOUNT_PAID_YUAN,
                max_note_chars: limits::MAX_NOTE_CHARS,
                max_reason_chars: limits::MAX_REASON_CHARS,
                min_validation_reason_chars: lifecycle::MIN_VALIDATION_REASON_CHARS,
                max_reply_chars: limits::MAX_REPLY_CHARS,
                queue_page_max: limits::QUEUE_PAGE_MAX,
            },
        })
}
