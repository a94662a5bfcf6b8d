//! The `case_profiles` table: what a case's signals are computed from (its
//! merchant's keys, its reporter's opaque identity) and where computing
//! stands — `dirty` cases are (re)computed in the background, claimed under
//! a lease; `version` counts the changes, so a change made while a worker
//! computes keeps the case dirty.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{case_profiles, reports};
use super::types::Json;
use super::{dialect, write_transaction, DbConnection, MultiBackend};
use crate::domain::signals::cross::{MerchantReport, ReporterIdentity};
use crate::domain::signals::text::OtherReview;
use crate::domain::signals::Priority;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// A shop: where it sells and what it is called there.
#[derive(Debug, Clone)]
pub struct MerchantName {
    pub platform: String,
    pub display_name: String,
}

/// What intake knows about a new case for its signals.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// The shop as the merchants page lists it; `None` for a fake hotline
    /// that names no shop (its cases meet by the number instead).
    pub merchant: Option<MerchantName>,
    pub province: Option<String>,
    pub name_key: String,
    pub shop_key: Option<String>,
    pub reporter: ReporterIdentity,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_profiles)]
pub struct ProfileRow {
    pub report_id: i64,
    pub merchant_id: Option<i64>,
    pub name_key: String,
    pub shop_key: Option<String>,
    pub contact_key: Option<String>,
    pub network_key: Option<String>,
    pub independent_reporters: Option<i32>,
    pub priority_explanation: Option<Json<Priority>>,
    pub signals_computed_at: Option<NaiveDateTime>,
    pub dirty: bool,
    pub attempts: i32,
    pub version: i32,
    pub lease_token: Option<String>,
}

impl ProfileRow {
    pub fn reporter(&self) -> ReporterIdentity {
        ReporterIdentity {
            contact: self.contact_key.clone(),
            network: self.network_key.clone(),
        }
    }

    pub fn priority(&self) -> Option<&Priority> {
        self.priority_explanation.as_ref().map(|p| &p.0)
    }
}

/// A new case's profile, due for its first signals.
pub fn insert(
    conn: &mut DbConnection,
    report_id: i64,
    merchant_id: Option<i64>,
    profile: &NewProfile,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(case_profiles::table)
        .values((
            case_profiles::report_id.eq(report_id),
            case_profiles::merchant_id.eq(merchant_id),
            case_profiles::name_key.eq(&profile.name_key),
            case_profiles::shop_key.eq(profile.shop_key.as_deref()),
            case_profiles::contact_key.eq(profile.reporter.contact.as_deref()),
            case_profiles::network_key.eq(profile.reporter.network.as_deref()),
            case_profiles::dirty.eq(true),
            case_profiles::due_at.eq(now),
            case_profiles::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, report_id: i64) -> Result<Option<ProfileRow>, AppError> {
    Ok(case_profiles::table
        .find(report_id)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?)
}

/// New evidence (a reply) or a related case changed: compute again soon.
pub fn mark_dirty(
    conn: &mut DbConnection,
    report_ids: &[i64],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if report_ids.is_empty() {
        return Ok(());
    }
    diesel::update(case_profiles::table.filter(case_profiles::report_id.eq_any(report_ids)))
        .set((
            case_profiles::dirty.eq(true),
            case_profiles::due_at.eq(now),
            case_profiles::version.eq(case_profiles::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims up to `limit` cases whose signals are due and not leased to a
/// live worker (an expired lease is a dead worker's).
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    token: &str,
    limit: i64,
) -> Result<Vec<i64>, AppError> {
    write_transaction(conn, |conn| {
        dialect::claim_profiles(conn, now, lease_until, token, limit)
    })
}

/// A finished computation: the explanation of the priority, and the lease
/// released. The case stays dirty if its version moved on meanwhile.
pub fn record_computed(
    conn: &mut DbConnection,
    report_id: i64,
    version: i32,
    priority: &Priority,
    independent_reporters: i32,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(case_profiles::table.find(report_id))
        .set((
            case_profiles::priority_explanation.eq(Json::encode(priority)?),
            case_profiles::independent_reporters.eq(independent_reporters),
            case_profiles::signals_computed_at.eq(now),
            case_profiles::attempts.eq(0),
            case_profiles::last_error.eq(None::<String>),
            case_profiles::lease_until.eq(None::<NaiveDateTime>),
            case_profiles::lease_token.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(
        case_profiles::table
            .find(report_id)
            .filter(case_profiles::version.eq(version)),
    )
    .set(case_profiles::dirty.eq(false))
    .execute(conn)?;
    Ok(())
}

/// A computation failed: try again later (the lease is released).
pub fn record_failure(
    conn: &mut DbConnection,
    report_id: i64,
    token: &str,
    error: &str,
    retry_at: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        diesel::update(
            case_profiles::table
                .find(report_id)
                .filter(case_profiles::lease_token.eq(token)),
        )
        .set((
            case_profiles::due_at.eq(retry_at),
            case_profiles::attempts.eq(case_profiles::attempts + 1),
            case_profiles::last_error.eq(error.chars().take(1000).collect::<String>()),
            case_profiles::lease_until.eq(None::<NaiveDateTime>),
            case_profiles::lease_token.eq(None::<String>),
        ))
        .execute(conn)?;
        Ok(())
    })
}

/// Open cases younger than the age cap whose priority was computed more
/// than a day ago: their age points have grown, so they are computed again.
pub fn refresh_aging(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    max_age: chrono::Duration,
) -> Result<usize, AppError> {
    let open: Vec<&str> = ReportStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let stale = now - chrono::Duration::days(1);
    let ids = reports::table
        .filter(reports::created_at.gt(now - max_age))
        .filter(reports::status.eq_any(open))
        .select(reports::id);
    Ok(diesel::update(
        case_profiles::table
            .filter(case_profiles::report_id.eq_any(ids))
            .filter(case_profiles::dirty.eq(false))
            .filter(case_profiles::signals_computed_at.lt(stale)),
    )
    .set((case_profiles::dirty.eq(true), case_profiles::due_at.eq(now)))
    .execute(conn)?)
}

/// How many other cases of a merchant a computation looks at: enough for
/// any real ring, and a bound on the work one case can cause.
const SAME_MERCHANT_LIMIT: i64 = 500;

/// Ids of other cases about the same merchant: the same name key, or the
/// same shop address; newest first.
pub fn same_merchant_ids(
    conn: &mut DbConnection,
    profile: &ProfileRow,
) -> Result<Vec<i64>, AppError> {
    let mut query = case_profiles::table
        .filter(case_profiles::report_id.ne(profile.report_id))
        .select(case_profiles::report_id)
        .order(case_profiles::report_id.desc())
        .limit(SAME_MERCHANT_LIMIT)
        .into_boxed::<MultiBackend>();
    query = match &profile.shop_key {
        Some(shop) => query.filter(
            case_profiles::name_key
                .eq(profile.name_key.clone())
                .or(case_profiles::shop_key.eq(shop.clone())),
        ),
        None => query.filter(case_profiles::name_key.eq(profile.name_key.clone())),
    };
    Ok(query.load(conn)?)
}

/// The reports `ids` (about one merchant) with their reporters' identities,
/// and their reviews.
pub fn merchant_reports(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<(Vec<MerchantReport>, Vec<OtherReview>), AppError> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    type Row = (
        String,
        NaiveDateTime,
        Json<Vec<String>>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = reports::table
        .inner_join(case_profiles::table)
        .filter(reports::id.eq_any(ids))
        .select((
            reports::reference,
            reports::created_at,
            reports::review_texts,
            case_profiles::contact_key,
            case_profiles::network_key,
        ))
        .load(conn)?;
    let mut merchant_reports = Vec::with_capacity(rows.len());
    let mut reviews = Vec::new();
    for (reference, created_at, review_texts, contact, network) in rows {
        reviews.extend(
            review_texts
                .0
                .into_iter()
                .enumerate()
                .map(|(index, text)| OtherReview {
                    case_reference: reference.clone(),
                    index,
                    text,
                }),
        );
        merchant_reports.push(MerchantReport {
            case_reference: reference,
            reporter: ReporterIdentity { contact, network },
            created_at: created_at.and_utc(),
        });
    }
    Ok((merchant_reports, reviews))
}
