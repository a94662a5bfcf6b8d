//! The `hotlines` table: the fake hotline of a `fake_service_hotline`
//! report, one row per report, keyed by its normalized number and the
//! registrable domain where it was advertised.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{hotlines, report_events, reports};
use super::{DbConnection, MultiBackend};
use crate::domain::hotline::{FoundVia, ValidatedHotline};
use crate::domain::report::Hotline;
use crate::domain::signals::hotline::HotlineUse;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = hotlines)]
#[diesel(check_for_backend(super::MultiBackend))]
pub struct HotlineRow {
    pub report_id: i64,
    pub number: String,
    pub impersonated_brand: String,
    pub found_via: Option<FoundVia>,
    pub found_url: Option<String>,
    pub found_domain: Option<String>,
    pub search_terms: Option<String>,
    pub page_text: Option<String>,
    pub technician_visited: Option<bool>,
    pub amount_paid_fen: Option<i64>,
    pub incident_province: Option<String>,
    pub incident_city: Option<String>,
}

impl From<HotlineRow> for Hotline {
    fn from(row: HotlineRow) -> Hotline {
        Hotline {
            number: row.number,
            impersonated_brand: row.impersonated_brand,
            found_via: row.found_via,
            found_url: row.found_url,
            found_domain: row.found_domain,
            search_terms: row.search_terms,
            page_text: row.page_text,
            technician_visited: row.technician_visited,
            amount_paid_fen: row.amount_paid_fen,
            incident_province: row.incident_province,
            incident_city: row.incident_city,
        }
    }
}

pub fn insert(conn: &mut DbConnection, report_id: i64, hotline: &Hotline) -> Result<(), AppError> {
    diesel::insert_into(hotlines::table)
        .values((
            hotlines::report_id.eq(report_id),
            hotlines::number.eq(&hotline.number),
            hotlines::impersonated_brand.eq(&hotline.impersonated_brand),
            hotlines::found_via.eq(hotline.found_via.map(FoundVia::code)),
            hotlines::found_url.eq(hotline.found_url.as_deref()),
            hotlines::found_domain.eq(hotline.found_domain.as_deref()),
            hotlines::search_terms.eq(hotline.search_terms.as_deref()),
            hotlines::page_text.eq(hotline.page_text.as_deref()),
            hotlines::technician_visited.eq(hotline.technician_visited),
            hotlines::amount_paid_fen.eq(hotline.amount_paid_fen),
            hotlines::incident_province.eq(hotline.incident_province.as_deref()),
            hotlines::incident_city.eq(hotline.incident_city.as_deref()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The report's hotline, if it is a hotline report.
pub fn find(conn: &mut DbConnection, report_id: i64) -> Result<Option<Hotline>, AppError> {
    Ok(hotlines::table
        .find(report_id)
        .select(HotlineRow::as_select())
        .first(conn)
        .optional()?
        .map(Hotline::from))
}

/// How many other cases of one number or domain a computation reads: enough
/// to name any ring, and a bound on the work one case can cause.
const USES_LIMIT: i64 = 500;

/// Other cases giving `number`, newest first, with the brand each claimed.
pub fn number_uses(
    conn: &mut DbConnection,
    report_id: i64,
    number: &str,
) -> Result<Vec<HotlineUse>, AppError> {
    let rows: Vec<(String, String)> = hotlines::table
        .inner_join(reports::table)
        .filter(hotlines::number.eq(number))
        .filter(hotlines::report_id.ne(report_id))
        .select((reports::reference, hotlines::impersonated_brand))
        .order(hotlines::report_id.desc())
        .limit(USES_LIMIT)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_reference, brand)| HotlineUse {
            case_reference,
            brand,
        })
        .collect())
}

/// Other cases advertised on `domain`, newest first (references).
pub fn domain_uses(
    conn: &mut DbConnection,
    report_id: i64,
    domain: &str,
) -> Result<Vec<String>, AppError> {
    Ok(hotlines::table
        .inner_join(reports::table)
        .filter(hotlines::found_domain.eq(domain))
        .filter(hotlines::report_id.ne(report_id))
        .select(reports::reference)
        .order(hotlines::report_id.desc())
        .limit(USES_LIMIT)
        .load(conn)?)
}

/// The hotlines of cases standing validated (validated, forwarded, or
/// closed after validation), with each validation's time. A case reopened
/// and rejected drops out.
pub fn validated(conn: &mut DbConnection) -> Result<Vec<ValidatedHotline>, AppError> {
    let standing = [
        ReportStatus::Validated.code(),
        ReportStatus::Forwarded.code(),
        ReportStatus::Closed.code(),
    ];
    let rows: Vec<(String, String, Option<String>, i64, NaiveDateTime)> = hotlines::table
        .inner_join(reports::table.inner_join(report_events::table))
        .filter(reports::status.eq_any(standing))
        .filter(report_events::status.eq(ReportStatus::Validated.code()))
        .select((
            hotlines::number,
            hotlines::impersonated_brand,
            hotlines::found_domain,
            hotlines::report_id,
            report_events::at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(number, brand, domain, report_id, validated_at)| ValidatedHotline {
                number,
                brand,
                domain,
                report_id,
                validated_at,
            },
        )
        .collect())
}

/// A number as the moderators' hotlines page lists it.
#[derive(Debug, Clone)]
pub struct NumberSummary {
    pub number: String,
    pub cases: i64,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
}

/// Numbers by how many cases give them (or, `recent`, by their newest
/// case), at most `limit`; or the one `number`.
pub fn numbers(
    conn: &mut DbConnection,
    number: Option<&str>,
    recent: bool,
    limit: i64,
) -> Result<Vec<NumberSummary>, AppError> {
    use diesel::dsl::{count_star, max, min};
    let mut query = hotlines::table
        .inner_join(reports::table)
        .group_by(hotlines::number)
        .select((
            hotlines::number,
            count_star(),
            min(reports::created_at),
            max(reports::created_at),
        ))
        .limit(limit)
        .into_boxed::<MultiBackend>();
    if let Some(number) = number {
        query = query.filter(hotlines::number.eq(number.to_owned()));
    }
    query = if recent {
        query.order((max(reports::created_at).desc(), hotlines::number.asc()))
    } else {
        query.order((count_star().desc(), hotlines::number.asc()))
    };
    let rows: Vec<(String, i64, Option<NaiveDateTime>, Option<NaiveDateTime>)> =
        query.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(number, cases, first, last)| {
            Some(NumberSummary {
                number,
                cases,
                first_seen: first?,
                last_seen: last?,
            })
        })
        .collect())
}

/// One case giving a number: what it claimed, where, and where the case stands.
#[derive(Debug, Clone)]
pub struct NumberCase {
    pub reference: String,
    pub status: ReportStatus,
    pub brand: String,
    pub created_at: NaiveDateTime,
}

/// Everything a number posed as and where, and its newest cases.
#[derive(Debug, Clone)]
pub struct NumberDetail {
    pub brands: Vec<String>,
    pub domains: Vec<String>,
    pub cases: Vec<NumberCase>,
}

/// How many brands or domains of one number are listed at most.
const DISTINCT_LIMIT: i64 = 50;

/// The brands and domains of `number` (all its cases, sorted) and its
/// newest `newest` cases.
pub fn number_detail(
    conn: &mut DbConnection,
    number: &str,
    newest: i64,
) -> Result<NumberDetail, AppError> {
    let brands: Vec<String> = hotlines::table
        .filter(hotlines::number.eq(number))
        .select(hotlines::impersonated_brand)
        .distinct()
        .order(hotlines::impersonated_brand.asc())
        .limit(DISTINCT_LIMIT)
        .load(conn)?;
    let domains: Vec<Option<String>> = hotlines::table
        .filter(hotlines::number.eq(number))
        .filter(hotlines::found_domain.is_not_null())
        .select(hotlines::found_domain)
        .distinct()
        .order(hotlines::found_domain.asc())
        .limit(DISTINCT_LIMIT)
        .load(conn)?;
    let rows: Vec<(String, ReportStatus, String, NaiveDateTime)> = hotlines::table
        .inner_join(reports::table)
        .filter(hotlines::number.eq(number))
        .select((
            reports::reference,
            reports::status,
            hotlines::impersonated_brand,
            reports::created_at,
        ))
        .order(hotlines::report_id.desc())
        .limit(newest)
        .load(conn)?;
    Ok(NumberDetail {
        brands,
        domains: domains.into_iter().flatten().collect(),
        cases: rows
            .into_iter()
            .map(|(reference, status, brand, created_at)| NumberCase {
                reference,
                status,
                brand,
                created_at,
            })
            .collect(),
    })
}
