//! Filing: a new report with its evidence, counted against its merchant,
//! queued for its first signals, and receipted to the reporter — in one
//! transaction after the files are committed.

use crate::domain::calendar::DeadlineKind;
use chrono::Utc;

use super::evidence_files::{insert_rows, with_committed_files};
use super::notices::notify_reporter;
use crate::db::events::{self, NewEvent};
use crate::db::profiles::{self, NewProfile};
use crate::db::reports::{self, NewReportRow};
use crate::db::types::Json;
use crate::db::{hotlines, merchants, write_transaction, DbPool};
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::domain::report::NewReport;
use crate::domain::status::ReportStatus;
use crate::domain::{reference, search};
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

/// A filed report: its reference and the tracking code, shown once.
pub struct Filed {
    pub reference: String,
    pub tracking_code: String,
}

pub fn file(
    pool: &DbPool,
    store: &dyn EvidenceStore,
    report: &NewReport,
    files: Vec<ProcessedEvidence>,
    profile: &NewProfile,
    addressing: &Addressing,
) -> Result<Filed, AppError> {
    let tracking_code = reference::new_tracking_code();
    let tracking_hash = reference::hash_tracking_code(&tracking_code);
    let review_texts = Json::encode(&report.review_texts)?;
    let logistics = report.logistics.as_ref().map(Json::encode).transpose()?;
    let reporter = report.reporter.as_ref();
    with_committed_files(pool, store, files, |conn, files| {
        write_transaction(conn, |conn| {
            let now = Utc::now().naive_utc();
            let mut row = NewReportRow {
                reference: String::new(),
                tracking_code_hash: &tracking_hash,
                status: ReportStatus::Submitted.code(),
                category: report.category.code(),
                platform: report.platform.map(|p| p.code()),
                merchant_name: report.merchant_name.as_deref(),
                shop_url: report.shop_url.as_deref(),
                product_url: report.product_url.as_deref(),
                order_id: report.order_id.as_deref(),
                merchant_province: report.merchant_province.as_deref(),
                merchant_city: report.merchant_city.as_deref(),
                description: &report.description,
                review_texts: review_texts.clone(),
                logistics: logistics.clone(),
                tracking_number: report.tracking_number(),
                reporter_name: reporter.and_then(|r| r.name.as_deref()),
                reporter_email: reporter.and_then(|r| r.email.as_deref()),
                reporter_phone: reporter.and_then(|r| r.phone.as_deref()),
                consent_share_contact: report.consent_share_contact,
                email_tracking_code: report.email_tracking_code,
                locale: report.locale.code(),
                created_at: now,
                updated_at: now,
                merchant_terms: search::index_text(report.merchant_name.as_deref()),
                search_terms: search_terms_of(report),
            };
            let (report_id, reference) = reports::insert(conn, &mut row)?;
            events::insert(
                conn,
                NewEvent {
                    report_id,
                    at: now,
                    status: ReportStatus::Submitted,
                    from_status: None,
                    public_note: None,
                    reason: None,
                    actor_id: None,
                    details: None,
                },
            )?;
            insert_rows(conn, report_id, None, files, now)?;
            // The moderators' decision is due within the working days from filing.
            super::deadlines::start(
                conn,
                report_id,
                DeadlineKind::Moderation,
                now,
                &addressing.deadlines,
            )?;
            let merchant_id = profile
                .merchant
                .as_ref()
                .map(|merchant| {
                    merchants::count_report(
                        conn,
                        &merchant.platform,
                        &profile.name_key,
                        &merchant.display_name,
                        profile.province.as_deref(),
                        now,
                    )
                })
                .transpose()?;
            if let Some(hotline) = &report.hotline {
                hotlines::insert(conn, report_id, hotline)?;
            }
            profiles::insert(conn, report_id, merchant_id, profile, now)?;
            // The receipt carries the tracking code only when the reporter asked.
            let stored = reports::find(conn, report_id)?;
            let secret = report.email_tracking_code.then_some(tracking_code.as_str());
            notify_reporter(
                conn,
                &stored,
                DeliveryKind::Receipt,
                None,
                secret,
                addressing,
                now,
            )?;
            Ok(Filed {
                reference,
                tracking_code: tracking_code.clone(),
            })
        })
    })
}

/// What `q` in the moderators' queue searches.
fn search_terms_of(report: &NewReport) -> String {
    search::index_text(search::filed_text(
        report.merchant_name.as_deref(),
        &report.description,
        &report.review_texts,
        report.hotline.as_ref(),
    ))
}
