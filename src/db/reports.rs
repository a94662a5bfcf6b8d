//! The `reports` table: one row per case, with what the reporter filed and
//! where the case stands.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{evidence, hotlines, reports};
use super::types::Json;
use super::{DbConnection, MultiBackend};
use crate::domain::catalog::{Category, Platform};
use crate::domain::reference;
use crate::domain::report::{Locale, Logistics};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
#[diesel(check_for_backend(super::MultiBackend))]
pub struct ReportRow {
    pub id: i64,
    pub reference: String,
    pub tracking_code_hash: String,
    pub status: ReportStatus,
    pub category: Category,
    pub platform: Option<Platform>,
    pub merchant_name: Option<String>,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub merchant_province: Option<String>,
    pub merchant_city: Option<String>,
    pub description: String,
    pub review_texts: Json<Vec<String>>,
    pub logistics: Option<Json<Logistics>>,
    pub tracking_number: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub reporter_phone: Option<String>,
    pub consent_share_contact: bool,
    pub email_tracking_code: bool,
    pub locale: Locale,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub assigned_to: Option<i64>,
    pub duplicate_of_id: Option<i64>,
    pub priority: i32,
    pub notifications_off: bool,
}

impl ReportRow {
    pub fn review_texts(&self) -> &[String] {
        &self.review_texts.0
    }

    pub fn logistics(&self) -> Option<&Logistics> {
        self.logistics.as_ref().map(|l| &l.0)
    }

    pub fn has_reporter_contact(&self) -> bool {
        self.reporter_name.is_some()
            || self.reporter_email.is_some()
            || self.reporter_phone.is_some()
    }
}

/// A new row; the reference is drawn by [`insert`].
#[derive(Insertable)]
#[diesel(table_name = reports)]
pub struct NewReportRow<'a> {
    pub reference: String,
    pub tracking_code_hash: &'a str,
    pub status: &'static str,
    pub category: &'static str,
    pub platform: Option<&'static str>,
    pub merchant_name: Option<&'a str>,
    pub shop_url: Option<&'a str>,
    pub product_url: Option<&'a str>,
    pub order_id: Option<&'a str>,
    pub merchant_province: Option<&'a str>,
    pub merchant_city: Option<&'a str>,
    pub description: &'a str,
    pub review_texts: String,
    pub logistics: Option<String>,
    pub tracking_number: Option<&'a str>,
    pub reporter_name: Option<&'a str>,
    pub reporter_email: Option<&'a str>,
    pub reporter_phone: Option<&'a str>,
    pub consent_share_contact: bool,
    pub email_tracking_code: bool,
    pub locale: &'static str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub merchant_terms: String,
    pub search_terms: String,
}

/// Inserts a report under a new random reference, drawing again in the
/// (astronomically rare) case of a collision; returns (id, reference).
/// Each attempt runs in a savepoint, because PostgreSQL aborts a
/// transaction on a unique violation.
pub fn insert(
    conn: &mut DbConnection,
    row: &mut NewReportRow<'_>,
) -> Result<(i64, String), AppError> {
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
            Ok(id) => return Ok((id, row.reference.clone())),
            Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) if attempts < 5 => {
                attempts += 1;
            }
            Err(error) => return Err(error.into()),
        }
    }
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<ReportRow, AppError> {
    reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> Result<ReportRow, AppError> {
    reports::table
        .filter(reports::reference.eq(reference))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn id_of(conn: &mut DbConnection, reference: &str) -> Result<i64, AppError> {
    reports::table
        .filter(reports::reference.eq(reference))
        .select(reports::id)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn ids_of(conn: &mut DbConnection, references: &[&str]) -> Result<Vec<i64>, AppError> {
    Ok(reports::table
        .filter(reports::reference.eq_any(references))
        .select(reports::id)
        .load(conn)?)
}

pub fn reference_of(conn: &mut DbConnection, id: i64) -> Result<Option<String>, AppError> {
    Ok(reports::table
        .find(id)
        .select(reports::reference)
        .first(conn)
        .optional()?)
}

/// Moves the case from `from` to `to`, only if it is still `from` (of two
/// concurrent moves one wins); returns whether it moved.
pub fn set_status(
    conn: &mut DbConnection,
    id: i64,
    from: ReportStatus,
    to: ReportStatus,
    duplicate_of: Option<i64>,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let updated = diesel::update(
        reports::table
            .filter(reports::id.eq(id))
            .filter(reports::status.eq(from.code())),
    )
    .set((
        reports::status.eq(to.code()),
        reports::updated_at.eq(now),
        reports::duplicate_of_id.eq(duplicate_of),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

pub fn set_assignee(
    conn: &mut DbConnection,
    id: i64,
    assignee: Option<i64>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(reports::table.find(id))
        .set((
            reports::assigned_to.eq(assignee),
            reports::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_notifications_off(conn: &mut DbConnection, id: i64) -> Result<(), AppError> {
    diesel::update(reports::table.find(id))
        .set(reports::notifications_off.eq(true))
        .execute(conn)?;
    Ok(())
}

pub fn set_priority(conn: &mut DbConnection, id: i64, priority: i32) -> Result<(), AppError> {
    diesel::update(reports::table.find(id))
        .set(reports::priority.eq(priority))
        .execute(conn)?;
    Ok(())
}

/// What `q` finds a case by (the words and bigrams of `domain::search`).
pub fn set_search_terms(conn: &mut DbConnection, id: i64, terms: &str) -> Result<(), AppError> {
    diesel::update(reports::table.find(id))
        .set(reports::search_terms.eq(terms))
        .execute(conn)?;
    Ok(())
}

/// Another case related to this one, and why.
#[derive(Debug, Clone)]
pub struct Related {
    pub reference: String,
    pub status: ReportStatus,
    pub merchant_name: Option<String>,
    pub created_at: NaiveDateTime,
    /// `merchant`, `hotline_number`, `order_id`, `tracking_number`, `evidence_sha256`.
    pub reasons: Vec<&'static str>,
}

const RELATED_LIMIT: i64 = 20;

/// Cases sharing the merchant (name on the platform), the hotline number,
/// the order id, the tracking number or an evidence file (by SHA-256) with
/// `report`.
pub fn related(
    conn: &mut DbConnection,
    report: &ReportRow,
    hotline_number: Option<&str>,
    evidence_sha256s: &[String],
) -> Result<Vec<Related>, AppError> {
    type Hit = (String, ReportStatus, Option<String>, NaiveDateTime);
    let columns = (
        reports::reference,
        reports::status,
        reports::merchant_name,
        reports::created_at,
    );
    let base = || {
        reports::table
            .filter(reports::id.ne(report.id))
            .select(columns)
            .order(reports::id.desc())
            .limit(RELATED_LIMIT)
            .into_boxed::<MultiBackend>()
    };
    let mut found: Vec<(Hit, &'static str)> = Vec::new();
    if let (Some(name), Some(platform)) = (&report.merchant_name, report.platform) {
        let by_merchant: Vec<Hit> = base()
            .filter(reports::merchant_name.eq(name.clone()))
            .filter(reports::platform.eq(platform.code()))
            .load(conn)?;
        found.extend(by_merchant.into_iter().map(|h| (h, "merchant")));
    }
    if let Some(number) = hotline_number {
        let hits: Vec<Hit> = reports::table
            .inner_join(hotlines::table)
            .filter(reports::id.ne(report.id))
            .filter(hotlines::number.eq(number.to_owned()))
            .select(columns)
            .order(reports::id.desc())
            .limit(RELATED_LIMIT)
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "hotline_number")));
    }
    if let Some(order_id) = &report.order_id {
        let hits: Vec<Hit> = base()
            .filter(reports::order_id.eq(order_id.clone()))
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "order_id")));
    }
    if let Some(tracking) = &report.tracking_number {
        let hits: Vec<Hit> = base()
            .filter(reports::tracking_number.eq(tracking.clone()))
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "tracking_number")));
    }
    if !evidence_sha256s.is_empty() {
        let hits: Vec<Hit> = reports::table
            .inner_join(evidence::table)
            .filter(reports::id.ne(report.id))
            .filter(
                evidence::sha256
                    .eq_any(evidence_sha256s)
                    .or(evidence::original_sha256.eq_any(evidence_sha256s)),
            )
            .select(columns)
            .distinct()
            .limit(RELATED_LIMIT)
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "evidence_sha256")));
    }
    let mut related: Vec<Related> = Vec::new();
    for ((reference, status, merchant_name, created_at), reason) in found {
        match related.iter_mut().find(|r| r.reference == reference) {
            Some(existing) if !existing.reasons.contains(&reason) => existing.reasons.push(reason),
            Some(_) => {}
            None => related.push(Related {
                reference,
                status,
                merchant_name,
                created_at,
                reasons: vec![reason],
            }),
        }
    }
    related.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(related)
}

/// Counts, for tests and tools: reports and evidence rows.
pub fn counts(conn: &mut DbConnection) -> Result<(i64, i64), AppError> {
    let reports: i64 = reports::table.count().get_result(conn)?;
    let evidence: i64 = evidence::table.count().get_result(conn)?;
    Ok((reports, evidence))
}
