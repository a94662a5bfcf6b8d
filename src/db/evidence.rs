//! The `evidence` table: each stored file of a case, its fingerprints
//! (SHA-256 at upload and as stored; for images a perceptual hash and a
//! thumbnail) and the text read from it.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{evidence, reports};
use super::{DbConnection, MultiBackend};
use crate::domain::signals::cross::OtherEvidence;
use crate::domain::signals::image_hash::{self, Fingerprint, ImageHash};
use crate::domain::signals::thumbnail::Thumbnail;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evidence)]
pub struct EvidenceRow {
    pub id: i64,
    pub report_id: i64,
    pub reply_id: Option<i64>,
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
    /// What the signals worker computed of the file so far (images): each
    /// `None` until computed.
    pub phash: Option<i64>,
    pub ocr_text: Option<String>,
    pub thumbnail: Option<Vec<u8>>,
}

impl EvidenceRow {
    pub fn is_image(&self) -> bool {
        matches!(
            self.content_type.as_str(),
            "image/png" | "image/jpeg" | "image/webp"
        )
    }

    pub fn hash(&self) -> Option<ImageHash> {
        self.phash.map(ImageHash::from_i64)
    }

    pub fn thumbnail(&self) -> Option<Thumbnail> {
        self.thumbnail.as_deref().and_then(Thumbnail::from_bytes)
    }
}

/// The evidence columns that hold a fingerprint: the hash, its two indexed
/// 32-bit halves (see `image_hash`'s multi-index hashing) and the thumbnail.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = evidence)]
pub struct FingerprintColumns {
    phash: i64,
    phash_h0: i32,
    phash_h1: i32,
    thumbnail: Vec<u8>,
}

impl From<&Fingerprint> for FingerprintColumns {
    fn from(fingerprint: &Fingerprint) -> Self {
        let [h0, h1] = half_columns(fingerprint.hash);
        FingerprintColumns {
            phash: fingerprint.hash.to_i64(),
            phash_h0: h0,
            phash_h1: h1,
            thumbnail: fingerprint.thumbnail.to_bytes(),
        }
    }
}

/// A file committed to the store, awaiting its row.
pub struct NewEvidence<'a> {
    pub report_id: i64,
    pub reply_id: Option<i64>,
    pub storage_key: &'a str,
    pub display_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: u64,
    pub sha256: &'a str,
    pub original_sha256: &'a str,
    pub original_size_bytes: u64,
    pub dimensions: Option<(u32, u32)>,
    /// Made while intake checked the pixels; the signals worker computes
    /// any that is missing.
    pub fingerprint: Option<&'a Fingerprint>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = evidence)]
struct EvidenceInsert<'a> {
    report_id: i64,
    reply_id: Option<i64>,
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
    #[diesel(embed)]
    fingerprint: Option<FingerprintColumns>,
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

pub fn insert(conn: &mut DbConnection, file: NewEvidence<'_>) -> Result<i64, AppError> {
    Ok(diesel::insert_into(evidence::table)
        .values(EvidenceInsert {
            report_id: file.report_id,
            reply_id: file.reply_id,
            storage_key: file.storage_key,
            display_name: file.display_name,
            content_type: file.content_type,
            size_bytes: to_i64(file.size_bytes),
            sha256: file.sha256,
            original_sha256: file.original_sha256,
            original_size_bytes: to_i64(file.original_size_bytes),
            width: file.dimensions.map(|(w, _)| to_i32(w)),
            height: file.dimensions.map(|(_, h)| to_i32(h)),
            created_at: file.created_at,
            fingerprint: file.fingerprint.map(FingerprintColumns::from),
        })
        .returning(evidence::id)
        .get_result(conn)?)
}

/// The case's files in the order they arrived.
pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<EvidenceRow>, AppError> {
    Ok(evidence::table
        .filter(evidence::report_id.eq(report_id))
        .order(evidence::id.asc())
        .select(EvidenceRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<EvidenceRow, AppError> {
    evidence::table
        .find(id)
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// One file of one case; an id under another case is not found.
pub fn find_in_report(
    conn: &mut DbConnection,
    report_id: i64,
    id: i64,
) -> Result<EvidenceRow, AppError> {
    evidence::table
        .filter(evidence::id.eq(id))
        .filter(evidence::report_id.eq(report_id))
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn set_fingerprint(
    conn: &mut DbConnection,
    id: i64,
    fingerprint: &Fingerprint,
) -> Result<(), AppError> {
    diesel::update(evidence::table.find(id))
        .set(FingerprintColumns::from(fingerprint))
        .execute(conn)?;
    Ok(())
}

pub fn set_ocr_text(conn: &mut DbConnection, id: i64, text: &str) -> Result<(), AppError> {
    diesel::update(evidence::table.find(id))
        .set(evidence::ocr_text.eq(text))
        .execute(conn)?;
    Ok(())
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

/// How many rows a cross-case query returns at most: enough for any real
/// ring, and a bound on the work one case can cause.
pub const OTHERS_LIMIT: i64 = 500;

/// A hash's two halves as the signed integers the `phash_h0`/`phash_h1`
/// columns hold (the same 32 bits).
pub fn half_columns(hash: ImageHash) -> [i32; 2] {
    hash.halves().map(half_column)
}

fn half_column(half: u32) -> i32 {
    i32::from_ne_bytes(half.to_ne_bytes())
}

/// Other cases' evidence with one of `sha256s`, or a perceptual hash within
/// `max_distance` of one of `hashes` (multi-index hashing: indexed equality
/// lookups of each half's neighbourhood, then the full distance is checked
/// here, before the newest [`OTHERS_LIMIT`] are kept).
pub fn similar_in_other_cases(
    conn: &mut DbConnection,
    report_id: i64,
    sha256s: &[String],
    hashes: &[ImageHash],
    max_distance: u32,
) -> Result<Vec<OtherEvidence>, AppError> {
    type Row = (String, String, String, Option<i64>, Option<String>);
    let select = || {
        evidence::table
            .inner_join(reports::table)
            .filter(evidence::report_id.ne(report_id))
            .select((
                reports::reference,
                evidence::display_name,
                evidence::sha256,
                evidence::phash,
                evidence::ocr_text,
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
                        .eq_any(sha256s)
                        .or(evidence::original_sha256.eq_any(sha256s)),
                )
                .load::<Row>(conn)?,
        );
    }
    if !hashes.is_empty() {
        let near_ids = near_hashes(conn, report_id, hashes, max_distance)?;
        if !near_ids.is_empty() {
            rows.extend(
                select()
                    .filter(evidence::id.eq_any(near_ids))
                    .load::<Row>(conn)?,
            );
        }
    }
    rows.sort();
    rows.dedup();
    Ok(rows
        .into_iter()
        .map(
            |(case_reference, name, sha256, phash, ocr_text)| OtherEvidence {
                case_reference,
                name,
                sha256,
                phash: phash.map(ImageHash::from_i64),
                thumbnail: None,
                ocr_text,
            },
        )
        .collect())
}

/// The ids of the newest [`OTHERS_LIMIT`] images of other cases than
/// `report_id` whose hash is within `max_distance` of one of `hashes`.
///
/// Each half's neighbourhood is one lookup in its index, which holds the
/// hash and the id as well: inside one app layout thousands of rows can
/// share a neighbourhood, and reading them from the index alone keeps that
/// cheap. The full distance is checked here, on every candidate, before
/// any bound: a bound on candidates would drop near copies at random. (So
/// a flood of N copies of one picture costs O(N) per lookup: intake's
/// throttles bound N. Selecting the case too, to skip the own case's rows
/// in the same pass, made PostgreSQL give up the index-only scan: p99 58 ms
/// instead of 14. Asking the database for the newest 500 of the near
/// hashes was slower still: ORDER BY id DESC LIMIT tempts both planners to
/// walk the primary key.)
fn near_hashes(
    conn: &mut DbConnection,
    report_id: i64,
    hashes: &[ImageHash],
    max_distance: u32,
) -> Result<Vec<i64>, AppError> {
    let own: HashSet<i64> = evidence::table
        .filter(evidence::report_id.eq(report_id))
        .select(evidence::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    // Neighbourhoods grow as Σ C(32, k): at radius 4 (distance 8) a lookup
    // would pass more values than SQLite binds. The signals use 3.
    debug_assert!(max_distance <= 7, "a neighbourhood too large to look up");
    let mut probes = hashes.to_vec();
    probes.sort_unstable();
    probes.dedup();
    let mut near_ids: Vec<i64> = Vec::new();
    for hash in &probes {
        let [h0, h1] = image_hash::candidate_halves(*hash, max_distance)
            .map(|values| values.into_iter().map(half_column).collect::<Vec<i32>>());
        let mut candidates: Vec<(Option<i64>, i64)> = evidence::table
            .filter(evidence::phash_h0.eq_any(h0))
            .select((evidence::phash, evidence::id))
            .load(conn)?;
        candidates.extend(
            evidence::table
                .filter(evidence::phash_h1.eq_any(h1))
                .select((evidence::phash, evidence::id))
                .load::<(Option<i64>, i64)>(conn)?,
        );
        near_ids.extend(candidates.into_iter().filter_map(|(phash, id)| {
            phash
                .is_some_and(|p| ImageHash::from_i64(p).distance(*hash) <= max_distance)
                .then_some(id)
                .filter(|id| !own.contains(id))
        }));
    }
    // Past the bound, the newest: a ring is found by its recent copies.
    near_ids.sort_unstable_by(|a, b| b.cmp(a));
    near_ids.dedup();
    near_ids.truncate(OTHERS_LIMIT as usize);
    Ok(near_ids)
}

/// How many images of the merchant's other cases a case's screenshots are
/// aligned with to find cropped copies: the newest ones. Enough for a ring
/// that re-uses its screenshots, and a bound on the work (under 0.1 ms a
/// pair; see `benches/signals.rs`).
pub const CROP_CANDIDATES_LIMIT: i64 = 100;

/// Images of the cases `report_ids` with their thumbnails, newest first:
/// the candidates for crop matching, which no index can narrow the way
/// hash chunks do.
pub fn crop_candidates(
    conn: &mut DbConnection,
    report_ids: &[i64],
) -> Result<Vec<OtherEvidence>, AppError> {
    if report_ids.is_empty() {
        return Ok(Vec::new());
    }
    type Row = (
        String,
        String,
        String,
        Option<i64>,
        Option<Vec<u8>>,
        Option<String>,
    );
    let rows: Vec<Row> = evidence::table
        .inner_join(reports::table)
        .filter(evidence::report_id.eq_any(report_ids))
        .filter(evidence::thumbnail.is_not_null())
        .order(evidence::id.desc())
        .limit(CROP_CANDIDATES_LIMIT)
        .select((
            reports::reference,
            evidence::display_name,
            evidence::sha256,
            evidence::phash,
            evidence::thumbnail,
            evidence::ocr_text,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(case_reference, name, sha256, phash, thumbnail, ocr_text)| OtherEvidence {
                case_reference,
                name,
                sha256,
                phash: phash.map(ImageHash::from_i64),
                thumbnail: thumbnail.as_deref().and_then(Thumbnail::from_bytes),
                ocr_text,
            },
        )
        .collect())
}
