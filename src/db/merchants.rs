//! Merchants as a whole: how often they are reported, by how many
//! independent people, and what their cases show over time.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_profiles, merchants, reports, signals};
use super::{dialect, DbConnection, MultiBackend};
use crate::domain::catalog::{Category, Platform};
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = merchants)]
pub struct MerchantRow {
    pub id: i64,
    pub platform: Platform,
    pub display_name: String,
    pub province: Option<String>,
    pub report_count: i64,
    pub reporter_count: i64,
    pub first_reported_at: NaiveDateTime,
    pub last_reported_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantSort {
    /// Most reported first.
    Reports,
    /// Most recently reported first.
    Recent,
}

/// Where the previous page ended: (report count or last report time, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MerchantCursor {
    Reports(i64, i64),
    Recent(NaiveDateTime, i64),
}

#[derive(Debug, Clone, Default)]
pub struct MerchantFilter {
    pub platform: Option<Platform>,
    pub province: Option<String>,
    pub sort: Option<MerchantSort>,
    pub cursor: Option<MerchantCursor>,
    pub limit: i64,
}

pub fn list(
    conn: &mut DbConnection,
    filter: &MerchantFilter,
) -> Result<(Vec<MerchantRow>, Option<MerchantCursor>), AppError> {
    let mut query = merchants::table
        .select(MerchantRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(platform) = &filter.platform {
        query = query.filter(merchants::platform.eq(platform.code()));
    }
    if let Some(province) = &filter.province {
        query = query.filter(merchants::province.eq(province.clone()));
    }
    let sort = filter.sort.unwrap_or(MerchantSort::Reports);
    query = match (sort, filter.cursor) {
        (MerchantSort::Reports, Some(MerchantCursor::Reports(count, id))) => query.filter(
            merchants::report_count
                .lt(count)
                .or(merchants::report_count.eq(count).and(merchants::id.lt(id))),
        ),
        (MerchantSort::Recent, Some(MerchantCursor::Recent(at, id))) => query.filter(
            merchants::last_reported_at
                .lt(at)
                .or(merchants::last_reported_at.eq(at).and(merchants::id.lt(id))),
        ),
        (_, None) => query,
        _ => {
            return Err(AppError::invalid(
                "cursor",
                "invalid",
                "the cursor belongs to another sort order",
            ))
        }
    };
    query = match sort {
        MerchantSort::Reports => {
            query.order((merchants::report_count.desc(), merchants::id.desc()))
        }
        MerchantSort::Recent => {
            query.order((merchants::last_reported_at.desc(), merchants::id.desc()))
        }
    };
    let limit = filter.limit.clamp(1, 100);
    let mut rows: Vec<MerchantRow> = query.limit(limit + 1).load(conn)?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|m| match sort {
            MerchantSort::Reports => MerchantCursor::Reports(m.report_count, m.id),
            MerchantSort::Recent => MerchantCursor::Recent(m.last_reported_at, m.id),
        })
    } else {
        None
    };
    Ok((rows, next))
}

/// One case of a merchant, with its signal codes.
pub struct MerchantCase {
    pub reference: String,
    pub status: ReportStatus,
    pub category: Category,
    pub priority: i32,
    pub created_at: NaiveDateTime,
    pub signals: Vec<SignalCode>,
}

pub struct MerchantDetail {
    pub merchant: MerchantRow,
    pub cases: Vec<MerchantCase>,
    /// Per month (`YYYY-MM`): cases filed, and signals by code among them.
    pub months: Vec<(String, i64, BTreeMap<SignalCode, i64>)>,
}

/// The cases shown on a merchant's page, newest first.
const CASES_LIMIT: i64 = 500;

pub fn detail(conn: &mut DbConnection, id: i64) -> Result<MerchantDetail, AppError> {
    let merchant = merchants::table
        .find(id)
        .select(MerchantRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let rows: Vec<(i64, String, ReportStatus, Category, i32, NaiveDateTime)> = reports::table
        .inner_join(case_profiles::table)
        .filter(case_profiles::merchant_id.eq(id))
        .order(reports::id.desc())
        .limit(CASES_LIMIT)
        .select((
            reports::id,
            reports::reference,
            reports::status,
            reports::category,
            reports::priority,
            reports::created_at,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let found: Vec<(i64, SignalCode)> = signals::table
        .filter(signals::report_id.eq_any(&ids))
        .select((signals::report_id, signals::code))
        .load(conn)?;
    let mut by_case: BTreeMap<i64, Vec<SignalCode>> = BTreeMap::new();
    for (report_id, code) in found {
        by_case.entry(report_id).or_default().push(code);
    }
    let mut months: BTreeMap<String, (i64, BTreeMap<SignalCode, i64>)> = BTreeMap::new();
    let cases: Vec<MerchantCase> = rows
        .into_iter()
        .map(
            |(report_id, reference, status, category, priority, created_at)| {
                let signals = by_case.remove(&report_id).unwrap_or_default();
                let month = months
                    .entry(created_at.format("%Y-%m").to_string())
                    .or_default();
                month.0 += 1;
                for code in &signals {
                    *month.1.entry(*code).or_default() += 1;
                }
                MerchantCase {
                    reference,
                    status,
                    category,
                    priority,
                    created_at,
                    signals,
                }
            },
        )
        .collect();
    Ok(MerchantDetail {
        merchant,
        cases,
        months: months
            .into_iter()
            .map(|(month, (count, codes))| (month, count, codes))
            .collect(),
    })
}

/// Counts a report against its merchant, creating the merchant on its first
/// report; returns the merchant's id.
pub fn count_report(
    conn: &mut DbConnection,
    platform: &str,
    name_key: &str,
    display_name: &str,
    province: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    dialect::count_merchant_report(conn, platform, name_key, display_name, province, now)
}

pub fn set_reporter_count(conn: &mut DbConnection, id: i64, count: i64) -> Result<(), AppError> {
    diesel::update(merchants::table.find(id))
        .set(merchants::reporter_count.eq(count))
        .execute(conn)?;
    Ok(())
}
