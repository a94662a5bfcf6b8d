//! The fraud-signal side of the case aggregate: merchants, case profiles
//! (what signals are computed from, and the background queue of cases to
//! compute), perceptual hashes, tracking numbers, and the stored signals.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::reports::{EvidenceRow, ReportRow};
use super::schema::{case_profiles, evidence, merchants, reports, signals, tracking_numbers};
use super::{dialect, write_transaction, DbConnection, MultiBackend};
use crate::domain::signals::cross::{MerchantReport, OtherEvidence, ReporterIdentity, TrackingUse};
use crate::domain::signals::image_hash::{self, Fingerprint, ImageHash};
use crate::domain::signals::text::OtherReview;
use crate::domain::signals::thumbnail::Thumbnail;
use crate::domain::signals::{CaseSignals, Signal};
use crate::error::AppError;

/// What intake knows about a new case for its signals.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub platform: String,
    pub display_name: String,
    pub province: Option<String>,
    pub name_key: String,
    pub shop_key: Option<String>,
    pub reporter: ReporterIdentity,
}

/// Records a new case's merchant (counted) and its profile, due for its
/// first signals. Runs inside the intake transaction.
pub fn add_profile(
    conn: &mut DbConnection,
    report_id: i64,
    profile: &NewProfile,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let merchant_id = dialect::count_merchant_report(
        conn,
        &profile.platform,
        &profile.name_key,
        &profile.display_name,
        profile.province.as_deref(),
        now,
    )?;
    diesel::insert_into(case_profiles::table)
        .values((
            case_profiles::report_id.eq(report_id),
            case_profiles::merchant_id.eq(merchant_id),
            case_profiles::name_key.eq(&profile.name_key),
            case_profiles::shop_key.eq(profile.shop_key.as_deref()),
            case_profiles::contact_key.eq(profile.reporter.contact.as_deref()),
            case_profiles::network_key.eq(profile.reporter.network.as_deref()),
            case_profiles::dirty.eq(true),
            case_profiles::first_run.eq(true),
            case_profiles::due_at.eq(now),
            case_profiles::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// New evidence (a reply) or a related case changed: compute again soon.
pub fn mark_dirty(
    conn: &mut DbConnection,
    report_ids: &[i64],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(case_profiles::table.filter(case_profiles::report_id.eq_any(report_ids)))
        .set((
            case_profiles::dirty.eq(true),
            case_profiles::due_at.eq(now),
            case_profiles::version.eq(case_profiles::version + 1),
        ))
        .execute(conn)?;
    Ok(())
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
    pub priority_explanation: Option<String>,
    pub signals_computed_at: Option<NaiveDateTime>,
    pub dirty: bool,
    pub first_run: bool,
    pub attempts: i32,
    pub version: i32,
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct HashedEvidence {
    pub id: i64,
    pub phash: Option<i64>,
}

/// An evidence file with its perceptual hash, OCR text and thumbnail bytes,
/// each when computed.
pub type EvidenceWithAnalysis = (EvidenceRow, Option<i64>, Option<String>, Option<Vec<u8>>);

/// Everything about the case itself.
pub struct CaseData {
    pub report: ReportRow,
    pub profile: ProfileRow,
    /// Each file with its perceptual hash, OCR text and thumbnail, when
    /// computed.
    pub evidence: Vec<EvidenceWithAnalysis>,
}

pub fn load_case(conn: &mut DbConnection, report_id: i64) -> Result<CaseData, AppError> {
    let report = reports::table
        .find(report_id)
        .select(ReportRow::as_select())
        .first(conn)?;
    let profile = case_profiles::table
        .find(report_id)
        .select(ProfileRow::as_select())
        .first(conn)?;
    let evidence = evidence::table
        .filter(evidence::report_id.eq(report_id))
        .order(evidence::id.asc())
        .select((
            EvidenceRow::as_select(),
            evidence::phash,
            evidence::ocr_text,
            evidence::thumbnail,
        ))
        .load(conn)?;
    Ok(CaseData {
        report,
        profile,
        evidence,
    })
}

/// The evidence columns that hold a fingerprint: the hash, its four indexed
/// 16-bit chunks (see `image_hash`'s MIH) and the thumbnail. Set by the
/// signals worker, or at filing when intake decoded the image whole.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = evidence)]
pub struct FingerprintColumns {
    phash: i64,
    phash_c0: i32,
    phash_c1: i32,
    phash_c2: i32,
    phash_c3: i32,
    thumbnail: Vec<u8>,
}

impl From<&Fingerprint> for FingerprintColumns {
    fn from(fingerprint: &Fingerprint) -> Self {
        let [c0, c1, c2, c3] = fingerprint.hash.chunks().map(i32::from);
        FingerprintColumns {
            phash: fingerprint.hash.to_i64(),
            phash_c0: c0,
            phash_c1: c1,
            phash_c2: c2,
            phash_c3: c3,
            thumbnail: fingerprint.thumbnail.to_bytes(),
        }
    }
}

pub fn store_fingerprint(
    conn: &mut DbConnection,
    evidence_id: i64,
    fingerprint: &Fingerprint,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        diesel::update(evidence::table.find(evidence_id))
            .set(FingerprintColumns::from(fingerprint))
            .execute(conn)?;
        Ok(())
    })
}

pub fn store_ocr_text(
    conn: &mut DbConnection,
    evidence_id: i64,
    text: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        diesel::update(evidence::table.find(evidence_id))
            .set(evidence::ocr_text.eq(text))
            .execute(conn)?;
        Ok(())
    })
}

/// Makes text read from screenshots findable by the queue's `q`.
pub fn store_search_terms(
    conn: &mut DbConnection,
    report_id: i64,
    terms: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        diesel::update(reports::table.find(report_id))
            .set(reports::search_terms.eq(terms))
            .execute(conn)?;
        Ok(())
    })
}

/// How many rows a cross-case query returns at most: enough for any real
/// ring, and a bound on the work one case can cause.
const OTHERS_LIMIT: i64 = 500;

/// Other cases' evidence with one of `sha256s`, or a perceptual hash whose
/// chunks could be within `max_distance` of one of `hashes` (multi-index
/// hashing: four indexed equality lookups per probe, then the full distance
/// is checked by the caller).
pub fn other_evidence(
    conn: &mut DbConnection,
    report_id: i64,
    sha256s: &[String],
    hashes: &[ImageHash],
    max_distance: u32,
) -> Result<Vec<OtherEvidence>, AppError> {
    type Row = (String, String, String, Option<i64>);
    let select = || {
        evidence::table
            .inner_join(reports::table)
            .filter(evidence::report_id.ne(report_id))
            .select((
                reports::reference,
                evidence::display_name,
                evidence::sha256,
                evidence::phash,
            ))
            // Past the bound, the newest: a ring is found by its recent copies.
            .order(evidence::id.desc())
            .limit(OTHERS_LIMIT)
            .into_boxed::<MultiBackend>()
    };
    let mut rows: Vec<Row> = Vec::new();
    if !sha256s.is_empty() {
        rows.extend(
            select()
                .filter(
                    evidence::sha256
                        .eq_any(sha256s.to_vec())
                        .or(evidence::original_sha256.eq_any(sha256s.to_vec())),
                )
                .load::<Row>(conn)?,
        );
    }
    for hash in hashes {
        let [c0, c1, c2, c3] = image_hash::candidate_chunks(*hash, max_distance)
            .map(|values| values.into_iter().map(i32::from).collect::<Vec<i32>>());
        rows.extend(
            select()
                .filter(
                    evidence::phash_c0
                        .eq_any(c0)
                        .or(evidence::phash_c1.eq_any(c1))
                        .or(evidence::phash_c2.eq_any(c2))
                        .or(evidence::phash_c3.eq_any(c3)),
                )
                .load::<Row>(conn)?
                .into_iter()
                .filter(|(_, _, _, phash)| {
                    phash.is_some_and(|p| ImageHash::from_i64(p).distance(*hash) <= max_distance)
                }),
        );
    }
    rows.sort();
    rows.dedup();
    Ok(rows
        .into_iter()
        .map(|(case_reference, name, sha256, phash)| OtherEvidence {
            case_reference,
            name,
            sha256,
            phash: phash.map(ImageHash::from_i64),
            thumbnail: None,
        })
        .collect())
}

/// How many images of the merchant's other cases a case's screenshots are
/// aligned with to find cropped copies: the newest ones. Enough for a ring
/// that re-uses its screenshots, and a bound on the work (under 0.1 ms a
/// pair; see `benches/signals.rs`).
pub const CROP_CANDIDATES_LIMIT: i64 = 100;

/// Images of other cases about the same merchant, with their thumbnails,
/// newest first: the candidates for crop matching, which no index can
/// narrow the way hash chunks do.
pub fn crop_candidates(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<Vec<OtherEvidence>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    type Row = (String, String, String, Option<i64>, Option<Vec<u8>>);
    let rows: Vec<Row> = evidence::table
        .inner_join(reports::table)
        .filter(evidence::report_id.eq_any(ids))
        .filter(evidence::thumbnail.is_not_null())
        .order(evidence::id.desc())
        .limit(CROP_CANDIDATES_LIMIT)
        .select((
            reports::reference,
            evidence::display_name,
            evidence::sha256,
            evidence::phash,
            evidence::thumbnail,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(case_reference, name, sha256, phash, thumbnail)| OtherEvidence {
                case_reference,
                name,
                sha256,
                phash: phash.map(ImageHash::from_i64),
                thumbnail: thumbnail.as_deref().and_then(Thumbnail::from_bytes),
            },
        )
        .collect())
}

/// Ids of other cases about the same merchant: the same name key, or the
/// same shop address.
pub fn same_merchant_ids(
    conn: &mut DbConnection,
    profile: &ProfileRow,
) -> Result<Vec<i64>, AppError> {
    let mut query = case_profiles::table
        .filter(case_profiles::report_id.ne(profile.report_id))
        .select(case_profiles::report_id)
        .order(case_profiles::report_id.desc())
        .limit(OTHERS_LIMIT)
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

/// The other reports about this merchant, and their reviews.
pub fn same_merchant(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<(Vec<MerchantReport>, Vec<OtherReview>), AppError> {
    if ids.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    type Row = (
        String,
        NaiveDateTime,
        String,
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
        let texts: Vec<String> = serde_json::from_str(&review_texts).unwrap_or_default();
        reviews.extend(
            texts
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

/// Replaces the case's tracking numbers, and finds other cases with any of them.
pub fn tracking_uses(
    conn: &mut DbConnection,
    report_id: i64,
    numbers: &[String],
) -> Result<Vec<TrackingUse>, AppError> {
    write_transaction(conn, |conn| -> Result<(), AppError> {
        diesel::delete(tracking_numbers::table.filter(tracking_numbers::report_id.eq(report_id)))
            .execute(conn)?;
        for number in numbers {
            diesel::insert_into(tracking_numbers::table)
                .values((
                    tracking_numbers::report_id.eq(report_id),
                    tracking_numbers::number.eq(number),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, String, Option<String>)> = tracking_numbers::table
        .inner_join(reports::table)
        .filter(tracking_numbers::number.eq_any(numbers))
        .filter(tracking_numbers::report_id.ne(report_id))
        .select((
            reports::reference,
            tracking_numbers::number,
            reports::order_id,
        ))
        .limit(OTHERS_LIMIT)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case_reference, tracking_number, order_id)| TrackingUse {
            case_reference,
            tracking_number,
            order_id,
        })
        .collect())
}

/// Stores a computation: the signals (replacing the previous ones), the
/// priority, the profile's state and the merchant's reporter count. The
/// cases its signals newly name (all of them on the case's first run) are
/// marked for recomputation, since this case is news to them too.
/// `version` is the profile's version when the computation read the case:
/// if something changed since, the case stays dirty and comes round again.
pub fn store_results(
    conn: &mut DbConnection,
    report_id: i64,
    token: &str,
    version: i32,
    results: &CaseSignals,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let profile = case_profiles::table
            .find(report_id)
            .select((case_profiles::lease_token, case_profiles::merchant_id))
            .first::<(Option<String>, Option<i64>)>(conn)
            .optional()?;
        let Some((lease, merchant_id)) = profile else {
            return Ok(());
        };
        if lease.as_deref() != Some(token) {
            // Our lease ran out and another worker took the case over.
            return Ok(());
        }
        // (signal code, related case) pairs: a case already related by one
        // signal (the same merchant) that a reply's file now matches is news.
        let related_before: BTreeSet<(String, String)> = signals::table
            .filter(signals::report_id.eq(report_id))
            .select((signals::code, signals::related))
            .load::<(String, String)>(conn)?
            .into_iter()
            .flat_map(|(code, json)| {
                serde_json::from_str::<Vec<String>>(&json)
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |reference| (code.clone(), reference))
            })
            .collect();
        diesel::delete(signals::table.filter(signals::report_id.eq(report_id))).execute(conn)?;
        for signal in &results.signals {
            insert_signal(conn, report_id, signal, now)?;
        }
        let explanation = serde_json::to_string(&results.priority).map_err(anyhow::Error::from)?;
        diesel::update(reports::table.find(report_id))
            .set(reports::priority.eq(i32::try_from(results.priority.score).unwrap_or(i32::MAX)))
            .execute(conn)?;
        let reporters = i32::try_from(results.independent_reporters).unwrap_or(i32::MAX);
        diesel::update(case_profiles::table.find(report_id))
            .set((
                case_profiles::priority_explanation.eq(explanation),
                case_profiles::independent_reporters.eq(reporters),
                case_profiles::signals_computed_at.eq(now),
                case_profiles::first_run.eq(false),
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
        if let Some(merchant_id) = merchant_id {
            diesel::update(merchants::table.find(merchant_id))
                .set(merchants::reporter_count.eq(i64::from(reporters)))
                .execute(conn)?;
        }
        // Cases this one newly relates to, or relates to by a new signal (all
        // of them on its first run; the cases a reply's new file matches),
        // learn of it too. Once both sides name each other by every signal
        // nothing is new, so this settles.
        let newly_related: Vec<&String> = results
            .signals
            .iter()
            .flat_map(|s| {
                s.related
                    .iter()
                    .map(move |reference| (s.code.code(), reference))
            })
            .filter(|(code, reference)| {
                !related_before.contains(&((*code).to_owned(), (*reference).clone()))
            })
            .map(|(_, reference)| reference)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !newly_related.is_empty() {
            let ids: Vec<i64> = reports::table
                .filter(reports::reference.eq_any(newly_related))
                .select(reports::id)
                .load(conn)?;
            mark_dirty(conn, &ids, now)?;
        }
        Ok(())
    })
}

fn insert_signal(
    conn: &mut DbConnection,
    report_id: i64,
    signal: &Signal,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let related = serde_json::to_string(&signal.related).map_err(anyhow::Error::from)?;
    diesel::insert_into(signals::table)
        .values((
            signals::report_id.eq(report_id),
            signals::code.eq(signal.code.code()),
            signals::severity.eq(signal.severity.as_str()),
            signals::explanation_zh.eq(&signal.explanation.zh),
            signals::explanation_en.eq(&signal.explanation.en),
            signals::related.eq(related),
            signals::computed_at.eq(now),
        ))
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
    let open = ["submitted", "under_review", "needs_info"];
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

/// A stored signal, as the API shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = signals)]
pub struct SignalRow {
    pub code: String,
    pub severity: String,
    pub explanation_zh: String,
    pub explanation_en: String,
    pub related: String,
    pub computed_at: NaiveDateTime,
}

impl SignalRow {
    pub fn related(&self) -> Vec<String> {
        serde_json::from_str(&self.related).unwrap_or_default()
    }
}

pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<SignalRow>, AppError> {
    Ok(signals::table
        .filter(signals::report_id.eq(report_id))
        .order(signals::id.asc())
        .select(SignalRow::as_select())
        .load(conn)?)
}

/// The profile's state for the case page: priority explanation and when.
pub fn profile_of(conn: &mut DbConnection, report_id: i64) -> Result<Option<ProfileRow>, AppError> {
    Ok(case_profiles::table
        .find(report_id)
        .select(ProfileRow::as_select())
        .first(conn)
        .optional()?)
}
