//! Queries of the report aggregate: a report, its timeline and its evidence.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use super::audit::{self, AuditActor, AuditEntry};
use super::cases;
use super::outbox::{self, Addressing};
use super::schema::{evidence, replies, report_events, reports};
use super::signals::{self, NewProfile};
use super::{write_transaction, DbConnection};
use crate::db::signals::FingerprintColumns;
use crate::domain::delivery::DeliveryKind;
use crate::domain::lifecycle::Actor;
use crate::domain::report::NewReport;
use crate::domain::signals::image_hash::Fingerprint;
use crate::domain::status::ReportStatus;
use crate::domain::{reference, search};
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

#[derive(Insertable)]
#[diesel(table_name = reports)]
struct ReportInsert<'a> {
    reference: String,
    tracking_code_hash: &'a str,
    status: &'a str,
    category: &'a str,
    platform: &'a str,
    merchant_name: &'a str,
    shop_url: Option<&'a str>,
    product_url: Option<&'a str>,
    order_id: Option<&'a str>,
    merchant_province: Option<&'a str>,
    merchant_city: Option<&'a str>,
    description: &'a str,
    review_texts: String,
    logistics: Option<String>,
    tracking_number: Option<&'a str>,
    reporter_name: Option<&'a str>,
    reporter_email: Option<&'a str>,
    reporter_phone: Option<&'a str>,
    consent_share_contact: bool,
    email_tracking_code: bool,
    locale: &'a str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    merchant_terms: String,
    search_terms: String,
}

#[derive(Insertable)]
#[diesel(table_name = evidence)]
struct EvidenceInsert<'a> {
    report_id: i64,
    storage_key: &'a str,
    display_name: &'a str,
    content_type: &'a str,
    size_bytes: i64,
    sha256: &'a str,
    original_sha256: &'a str,
    original_size_bytes: i64,
    width: Option<i32>,
    height: Option<i32>,
    created_at: NaiveDateTime,
    /// The fingerprint made while intake checked the pixels; the signals
    /// worker computes any that are missing.
    #[diesel(embed)]
    fingerprint: Option<FingerprintColumns>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct ReportRow {
    pub id: i64,
    pub reference: String,
    pub tracking_code_hash: String,
    pub status: String,
    pub category: String,
    pub platform: String,
    pub merchant_name: String,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub merchant_province: Option<String>,
    pub merchant_city: Option<String>,
    pub description: String,
    pub review_texts: String,
    pub logistics: Option<String>,
    pub tracking_number: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub consent_share_contact: bool,
    pub email_tracking_code: bool,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_events)]
pub struct EventRow {
    pub id: i64,
    pub report_id: i64,
    pub at: NaiveDateTime,
    pub status: String,
    pub public_note: Option<String>,
    pub from_status: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct EvidenceRow {
    pub id: i64,
    pub report_id: i64,
    pub storage_key: String,
    pub display_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub original_sha256: String,
    pub original_size_bytes: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: NaiveDateTime,
}

/// A report as its author sees it.
pub struct ReportView {
    pub report: ReportRow,
    pub timeline: Vec<EventRow>,
    pub evidence: Vec<EvidenceRow>,
}

pub struct Created {
    pub reference: String,
    pub tracking_code: String,
}

/// Stores a new report with its evidence, all or nothing. The staged files
/// are committed (flushed and renamed) first, outside the transaction so the
/// SQLite write lock is never held across an fsync; then the rows go in one
/// short transaction. If anything fails, committed files are removed again
/// and staged ones are dropped (deleted). A crash between the two steps
/// leaves files without rows, which the orphan sweep removes.
pub fn create(
    conn: &mut DbConnection,
    report: &NewReport,
    files: Vec<ProcessedEvidence>,
    store: &dyn EvidenceStore,
    profile: &NewProfile,
    addressing: &Addressing,
) -> Result<Created, AppError> {
    with_committed_files(conn, store, files, |conn, files| {
        insert_report(conn, report, files, profile, addressing)
    })
}

/// Commits `files` to the store, then runs `write` (which should insert
/// their rows); if either step fails, the committed files are removed again.
fn with_committed_files<T>(
    conn: &mut DbConnection,
    store: &dyn EvidenceStore,
    files: Vec<ProcessedEvidence>,
    write: impl FnOnce(&mut DbConnection, &[CommittedEvidence]) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut committed = Vec::with_capacity(files.len());
    let mut result = Ok(());
    for file in files {
        match commit_file(store, file) {
            Ok(meta) => committed.push(meta),
            Err(error) => {
                result = Err(error);
                break;
            }
        }
    }
    let result = result.and_then(|()| write(conn, &committed));
    if result.is_err() {
        for file in &committed {
            if let Err(error) = store.delete(&file.key) {
                tracing::warn!(key = %file.key, %error, "could not remove evidence of a failed write; the sweep will");
            }
        }
    }
    result
}

/// A consumer's answer to a moderator's question: stored with its files,
/// and the case goes back to `under_review` — all in one transaction, and
/// only while the case is still `needs_info`.
pub fn add_reply(
    conn: &mut DbConnection,
    reference: &str,
    message: &str,
    files: Vec<ProcessedEvidence>,
    store: &dyn EvidenceStore,
    client_ip: Option<&str>,
    addressing: &Addressing,
) -> Result<(), AppError> {
    with_committed_files(conn, store, files, |conn, files| {
        write_transaction(conn, |conn| {
            let now = Utc::now().naive_utc();
            let report_id = reports::table
                .filter(reports::reference.eq(reference))
                .select(reports::id)
                .first::<i64>(conn)?;
            let reply_id = diesel::insert_into(replies::table)
                .values((
                    replies::report_id.eq(report_id),
                    replies::message.eq(message),
                    replies::created_at.eq(now),
                ))
                .returning(replies::id)
                .get_result::<i64>(conn)?;
            insert_evidence(conn, report_id, Some(reply_id), files, now)?;
            // New evidence, perhaps new fingerprints: compute the signals again.
            signals::mark_dirty(conn, &[report_id], now)?;
            let request = cases::TransitionRequest {
                to: ReportStatus::UnderReview,
                from: Some(ReportStatus::NeedsInfo),
                reason: None,
                public_note: None,
                duplicate_of: None,
                regulator_ids: None,
            };
            cases::transition(
                conn,
                reference,
                &request,
                Actor::Consumer,
                &AuditActor::Consumer,
                client_ip,
                now,
                addressing,
            )?;
            audit::append(
                conn,
                AuditEntry {
                    actor: &AuditActor::Consumer,
                    action: "case.reply",
                    report_id: Some(report_id),
                    client_ip,
                    before: None,
                    after: Some(serde_json::json!({ "reply_id": reply_id, "files": files.len() })),
                    at: now,
                },
            )
        })
    })
}

fn insert_evidence(
    conn: &mut DbConnection,
    report_id: i64,
    reply_id: Option<i64>,
    files: &[CommittedEvidence],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for file in files {
        diesel::insert_into(evidence::table)
            .values((
                EvidenceInsert {
                    report_id,
                    storage_key: &file.key,
                    display_name: &file.display_name,
                    content_type: file.content_type,
                    size_bytes: to_i64(file.size),
                    sha256: &file.sha256,
                    original_sha256: &file.original_sha256,
                    original_size_bytes: to_i64(file.original_size),
                    width: file.dimensions.map(|(w, _)| to_i32(w)),
                    height: file.dimensions.map(|(_, h)| to_i32(h)),
                    created_at: now,
                    fingerprint: file.fingerprint.as_ref().map(FingerprintColumns::from),
                },
                evidence::reply_id.eq(reply_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Evidence whose bytes are committed to the store, awaiting its row.
struct CommittedEvidence {
    key: String,
    display_name: String,
    content_type: &'static str,
    size: u64,
    sha256: String,
    original_size: u64,
    original_sha256: String,
    dimensions: Option<(u32, u32)>,
    fingerprint: Option<Fingerprint>,
}

fn commit_file(
    store: &dyn EvidenceStore,
    file: ProcessedEvidence,
) -> Result<CommittedEvidence, AppError> {
    store
        .commit(file.staged, &file.key)
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("committing evidence")))?;
    Ok(CommittedEvidence {
        key: file.key,
        display_name: file.display_name,
        content_type: file.kind.content_type(),
        size: file.size,
        sha256: file.sha256,
        original_size: file.original_size,
        original_sha256: file.original_sha256,
        dimensions: file.dimensions,
        fingerprint: file.fingerprint,
    })
}

fn insert_report(
    conn: &mut DbConnection,
    report: &NewReport,
    files: &[CommittedEvidence],
    profile: &NewProfile,
    addressing: &Addressing,
) -> Result<Created, AppError> {
    let tracking_code = reference::new_tracking_code();
    let tracking_hash = reference::hash_tracking_code(&tracking_code);
    let now = Utc::now().naive_utc();
    let review_texts = serde_json::to_string(&report.review_texts).map_err(anyhow::Error::from)?;
    let logistics = report
        .logistics
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(anyhow::Error::from)?;
    let reporter = report.reporter.as_ref();
    write_transaction(conn, |conn| -> Result<Created, AppError> {
        let mut row = ReportInsert {
            reference: String::new(),
            tracking_code_hash: &tracking_hash,
            status: ReportStatus::Submitted.as_str(),
            category: report.category.code(),
            platform: report.platform.code(),
            merchant_name: &report.merchant_name,
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
            locale: report.locale.as_str(),
            created_at: now,
            updated_at: now,
            merchant_terms: search::index_text([report.merchant_name.as_str()]),
            search_terms: search_terms_of(report),
        };
        let report_id = insert_with_fresh_reference(conn, &mut row)?;
        let reference = row.reference;
        diesel::insert_into(report_events::table)
            .values((
                report_events::report_id.eq(report_id),
                report_events::at.eq(now),
                report_events::status.eq(ReportStatus::Submitted.as_str()),
            ))
            .execute(conn)?;
        insert_evidence(conn, report_id, None, files, now)?;
        signals::add_profile(conn, report_id, profile, now)?;
        // The receipt carries the tracking code only when the reporter asked.
        let secret = report.email_tracking_code.then_some(tracking_code.as_str());
        outbox::notify_reporter(
            conn,
            report_id,
            DeliveryKind::Receipt,
            None,
            secret,
            addressing,
            now,
        )?;
        Ok(Created {
            reference,
            tracking_code: tracking_code.clone(),
        })
    })
}

/// Inserts a report under a new random reference, drawing again in the
/// (astronomically rare) case of a collision. Each attempt runs in a
/// savepoint, because PostgreSQL aborts a transaction on a unique violation.
fn insert_with_fresh_reference(
    conn: &mut DbConnection,
    row: &mut ReportInsert<'_>,
) -> Result<i64, AppError> {
    use diesel::result::{DatabaseErrorKind, Error};
    let mut attempts = 0;
    loop {
        row.reference = reference::new_reference();
        let inserted = conn.transaction(|conn| {
            diesel::insert_into(reports::table)
                .values(&*row)
                .returning(reports::id)
                .get_result::<i64>(conn)
        });
        match inserted {
            Ok(id) => return Ok(id),
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempts < 5 => {
                attempts += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// What `q` in the moderators' queue searches: merchant, description, reviews.
fn search_terms_of(report: &NewReport) -> String {
    search::index_text(
        [report.merchant_name.as_str(), report.description.as_str()]
            .into_iter()
            .chain(report.review_texts.iter().map(String::as_str)),
    )
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// The report under `reference` if `tracking_code` opens it. An unknown
/// reference and a wrong code are indistinguishable (both `NotFound`).
pub fn find_for_reporter(
    conn: &mut DbConnection,
    reference: &str,
    tracking_code: &str,
) -> Result<ReportView, AppError> {
    let report: ReportRow = reports::table
        .filter(reports::reference.eq(reference))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .filter(|row| reference::tracking_code_matches(tracking_code, &row.tracking_code_hash))
        .ok_or(AppError::NotFound)?;
    let timeline = report_events::table
        .filter(report_events::report_id.eq(report.id))
        .order((report_events::at.asc(), report_events::id.asc()))
        .select(EventRow::as_select())
        .load(conn)?;
    let evidence = evidence::table
        .filter(evidence::report_id.eq(report.id))
        .order(evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(conn)?;
    Ok(ReportView {
        report,
        timeline,
        evidence,
    })
}

/// One evidence row by its id.
pub fn evidence_by_id(conn: &mut DbConnection, id: i64) -> Result<EvidenceRow, AppError> {
    evidence::table
        .find(id)
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// Which of `keys` no evidence row references (for the orphan sweep).
pub fn unreferenced_keys(
    conn: &mut DbConnection,
    keys: &[String],
) -> Result<Vec<String>, AppError> {
    let mut orphans = Vec::new();
    for chunk in keys.chunks(500) {
        let known: Vec<String> = evidence::table
            .filter(evidence::storage_key.eq_any(chunk))
            .select(evidence::storage_key)
            .load(conn)?;
        orphans.extend(chunk.iter().filter(|k| !known.contains(k)).cloned());
    }
    Ok(orphans)
}

/// Counts, for tests and readiness: reports and evidence rows.
pub fn counts(conn: &mut DbConnection) -> Result<(i64, i64), AppError> {
    let reports: i64 = reports::table.count().get_result(conn)?;
    let evidence: i64 = evidence::table.count().get_result(conn)?;
    Ok((reports, evidence))
}
