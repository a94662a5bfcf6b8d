//! Development tools: `qinglang dev seed --cases N` fills the database with
//! realistic synthetic cases, for benchmarks and for trying the UI.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::schema::{evidence, hotlines, reports};
use crate::db::{write_transaction, DbConnection};
use crate::domain::catalog::{Category, Platform, PROVINCES};
use crate::domain::reference;
use crate::domain::search;
use crate::domain::status::ReportStatus;
use crate::error::AppError;

#[derive(Insertable)]
#[diesel(table_name = reports)]
struct SeedRow {
    reference: String,
    tracking_code_hash: String,
    status: &'static str,
    category: &'static str,
    platform: &'static str,
    merchant_name: String,
    order_id: Option<String>,
    merchant_province: Option<&'static str>,
    merchant_city: Option<String>,
    description: String,
    review_texts: String,
    tracking_number: Option<String>,
    reporter_email: Option<String>,
    consent_share_contact: bool,
    email_tracking_code: bool,
    locale: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    assigned_to: Option<i64>,
    priority: i32,
    merchant_terms: String,
    search_terms: String,
}

/// The words of seeded descriptions and reviews (benchmarks draw searches from them).
pub const WORDS: &[&str] = &[
    "五星好评",
    "刷单",
    "好评返现",
    "空包",
    "物流异常",
    "虚假发货",
    "客服电话",
    "维修",
    "模板评价",
    "用户体验官",
    "返现",
    "免单",
    "快递",
    "签收",
    "从未收到",
    "评价",
    "截图",
    "商家",
    "退款",
    "差评",
    "包裹",
    "重量",
    "轨迹",
    "揽收",
    "派送",
    "官方",
    "热线",
    "收费",
    "上门",
    "质量",
];
/// The words seeded merchant names are made of: `{word}{word}店{1..20000}`.
pub const SHOP_WORDS: &[&str] = &[
    "星光", "旗舰", "数码", "优品", "美妆", "家电", "严选", "潮流", "母婴", "生鲜", "专营", "小铺",
];

/// Inserts `count` synthetic cases in batches, deterministic for a given seed.
pub fn seed(
    conn: &mut DbConnection,
    count: u64,
    assignees: &[i64],
    progress: impl Fn(u64),
) -> Result<(), AppError> {
    let mut rng = StdRng::seed_from_u64(20261124);
    let now = Utc::now().naive_utc();
    let span_minutes: i64 = 2 * 365 * 24 * 60;
    const BATCH: u64 = 5000;
    let mut done = 0;
    // 29^8 references collide by the birthday bound at this scale (intake
    // retries in a savepoint); the seed simply never draws one twice.
    let mut used = std::collections::HashSet::new();
    while done < count {
        let n = BATCH.min(count - done);
        // Ids grow with creation time, as in real use: spread the seed over two years, in order.
        let rows: Vec<SeedRow> = (0..n)
            .map(|i| {
                let position = done + i;
                let elapsed = (span_minutes as f64 * position as f64 / count.max(1) as f64) as i64;
                let created_at = now - Duration::minutes(span_minutes) + Duration::minutes(elapsed);
                let mut row = seed_row(&mut rng, created_at, assignees);
                while !used.insert(row.reference.clone()) {
                    row.reference = reference::new_reference();
                }
                row
            })
            .collect();
        write_transaction(conn, |conn| -> Result<(), AppError> {
            // Multi-row INSERTs are not available through the MultiConnection
            // enum; on the concrete connections they are, and they are what makes
            // seeding a million rows take a minute rather than ten.
            for chunk in rows.chunks(100) {
                match conn {
                    DbConnection::Sqlite(c) => diesel::insert_into(reports::table)
                        .values(chunk)
                        .execute(c)?,
                    DbConnection::Postgresql(c) => diesel::insert_into(reports::table)
                        .values(chunk)
                        .execute(c)?,
                };
            }
            Ok(())
        })?;
        done += n;
        progress(done);
    }
    // One timeline entry per case keeps the case detail realistic.
    write_transaction(conn, |conn| -> Result<(), AppError> {
        diesel::sql_query(
            "INSERT INTO report_events (report_id, at, status) \
             SELECT id, created_at, 'submitted' FROM reports \
             WHERE id NOT IN (SELECT report_id FROM report_events)",
        )
        .execute(conn)?;
        Ok(())
    })?;
    // Merchants and case profiles, as intake would have recorded them, with
    // signals already computed (so the background worker finds nothing to do).
    write_transaction(conn, |conn| -> Result<(), AppError> {
        diesel::sql_query(
            "INSERT INTO merchants (platform, name_key, display_name, province, report_count, \
                 reporter_count, first_reported_at, last_reported_at) \
             SELECT platform, platform || ':' || merchant_name, MIN(merchant_name), \
                 MIN(merchant_province), COUNT(*), COUNT(*), MIN(created_at), MAX(created_at) \
             FROM reports r \
             WHERE NOT EXISTS (SELECT 1 FROM case_profiles p WHERE p.report_id = r.id) \
             GROUP BY platform, merchant_name \
             ON CONFLICT (name_key) DO NOTHING",
        )
        .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO case_profiles (report_id, merchant_id, name_key, dirty, \
                 due_at, signals_computed_at, attempts, version) \
             SELECT r.id, m.id, m.name_key, FALSE, r.created_at, r.created_at, 0, 0 \
             FROM reports r JOIN merchants m ON m.name_key = r.platform || ':' || r.merchant_name \
             WHERE NOT EXISTS (SELECT 1 FROM case_profiles p WHERE p.report_id = r.id)",
        )
        .execute(conn)?;
        Ok(())
    })?;
    // The deadline each open case would run under (the moderators' decision,
    // the reporter's answer, the regulator's acknowledgement), due nine
    // calendar days after it started — about seven working days. Cases
    // seeded over two years are mostly long overdue: the reminder scan's
    // worst case.
    write_transaction(conn, |conn| -> Result<(), AppError> {
        let due = match conn {
            DbConnection::Postgresql(_) => "created_at + INTERVAL '9 days'",
            DbConnection::Sqlite(_) => "datetime(created_at, '+9 days')",
        };
        diesel::sql_query(format!(
            "INSERT INTO deadlines (report_id, kind, started_at, due_at, assigned_to) \
             SELECT id, CASE status WHEN 'needs_info' THEN 'consumer_answer' \
                 WHEN 'forwarded' THEN 'regulator_acknowledgement' ELSE 'moderation' END, \
                 created_at, {due}, assigned_to \
             FROM reports r \
             WHERE status IN ('submitted', 'under_review', 'needs_info', 'forwarded') \
               AND NOT EXISTS (SELECT 1 FROM deadlines d WHERE d.report_id = r.id)"
        ))
        .execute(conn)?;
        Ok(())
    })?;
    after_bulk_load(conn)
}

/// Fresh statistics, as autovacuum would gather later: without them the
/// planners guess, and PostgreSQL guesses badly after a bulk load. On
/// PostgreSQL also the visibility map autovacuum would set, without which an
/// index-only scan (the queue's merchant tokens, the screenshot-hash halves)
/// visits the table too.
fn after_bulk_load(conn: &mut DbConnection) -> Result<(), AppError> {
    let maintenance = match conn {
        DbConnection::Postgresql(_) => "VACUUM ANALYZE",
        DbConnection::Sqlite(_) => "ANALYZE",
    };
    diesel::sql_query(maintenance).execute(conn)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = evidence)]
struct SeedImage {
    report_id: i64,
    storage_key: String,
    display_name: String,
    content_type: &'static str,
    size_bytes: i64,
    sha256: String,
    original_sha256: String,
    original_size_bytes: i64,
    created_at: NaiveDateTime,
    phash: Option<i64>,
    phash_h0: Option<i32>,
    phash_h1: Option<i32>,
}

/// Adds `count` screenshot rows with random perceptual hashes to the seeded
/// cases (rows only: no files), for measuring the similar-screenshot search.
/// Returns nothing but the rows; deterministic for a given database.
pub fn seed_images(
    conn: &mut DbConnection,
    count: u64,
    progress: impl Fn(u64),
) -> Result<(), AppError> {
    seed_image_hashes(conn, count, |rng| rng.random::<u64>(), progress)
}

/// Like [`seed_images`], with each hash drawn by `next_hash` (e.g. from
/// the hashes of rendered screenshots of a few app layouts, which share
/// many bits, unlike uniform random ones).
pub fn seed_image_hashes(
    conn: &mut DbConnection,
    count: u64,
    mut next_hash: impl FnMut(&mut StdRng) -> u64,
    progress: impl Fn(u64),
) -> Result<(), AppError> {
    use crate::domain::signals::image_hash::ImageHash;
    let ids: Vec<i64> = reports::table.select(reports::id).load(conn)?;
    if ids.is_empty() {
        return Err(AppError::invalid("images", "no_cases", "seed cases first"));
    }
    let mut rng = StdRng::seed_from_u64(20261125);
    let now = Utc::now().naive_utc();
    const BATCH: u64 = 5000;
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let rows: Vec<SeedImage> = (0..n)
            .map(|_| {
                let hash = ImageHash(next_hash(&mut rng));
                let [h0, h1] = crate::db::evidence::half_columns(hash);
                let sha = format!("{:064x}", rng.random::<u128>());
                SeedImage {
                    report_id: *pick(&mut rng, &ids),
                    storage_key: format!("{:032x}", rng.random::<u128>()),
                    display_name: "screenshot.png".into(),
                    content_type: "image/png",
                    size_bytes: 110_000,
                    original_sha256: sha.clone(),
                    sha256: sha,
                    original_size_bytes: 120_000,
                    created_at: now,
                    phash: Some(hash.to_i64()),
                    phash_h0: Some(h0),
                    phash_h1: Some(h1),
                }
            })
            .collect();
        write_transaction(conn, |conn| -> Result<(), AppError> {
            for chunk in rows.chunks(100) {
                match conn {
                    DbConnection::Sqlite(c) => diesel::insert_into(evidence::table)
                        .values(chunk)
                        .execute(c)?,
                    DbConnection::Postgresql(c) => diesel::insert_into(evidence::table)
                        .values(chunk)
                        .execute(c)?,
                };
            }
            Ok(())
        })?;
        done += n;
        progress(done);
    }
    after_bulk_load(conn)
}

#[derive(Insertable)]
#[diesel(table_name = hotlines)]
struct SeedHotline {
    report_id: i64,
    number: String,
    impersonated_brand: String,
    found_via: Option<&'static str>,
    found_domain: Option<String>,
    amount_paid_fen: Option<i64>,
    incident_province: Option<&'static str>,
}

/// Brands fake hotlines pose as (the seed combines them with a product).
const BRANDS: &[&str] = &[
    "联勒",
    "美的",
    "海尔",
    "格力",
    "西门子",
    "方太",
    "老板",
    "万和",
    "林内",
    "史密斯",
    "松下",
    "小米",
];
const PRODUCTS: &[&str] = &[
    "指纹锁",
    "空调",
    "热水器",
    "燃气灶",
    "洗衣机",
    "冰箱",
    "油烟机",
    "净水器",
];

/// Turns `validated` of the seeded cases into fake-hotline cases standing
/// validated (forwarded, with their validation event), each with its own
/// number — a blocklist of that many numbers — and `rings` more cases,
/// only reported, that give those numbers again under other brands.
pub fn seed_hotlines(
    conn: &mut DbConnection,
    validated: u64,
    rings: u64,
    progress: impl Fn(u64),
) -> Result<(), AppError> {
    use crate::db::schema::report_events;
    let total = i64::try_from(validated + rings).unwrap_or(i64::MAX);
    let ids: Vec<i64> = reports::table
        .select(reports::id)
        .order(reports::id.asc())
        .limit(total)
        .load(conn)?;
    if (ids.len() as u64) < validated + rings {
        return Err(AppError::invalid(
            "hotlines",
            "no_cases",
            "seed more cases first",
        ));
    }
    let mut rng = StdRng::seed_from_u64(20261207);
    let now = Utc::now().naive_utc();
    let number_of = |i: u64| format!("400{:07}", 1_000_000 + i);
    const BATCH: usize = 5000;
    let mut done = 0u64;
    for batch in ids.chunks(BATCH) {
        let rows: Vec<SeedHotline> = batch
            .iter()
            .enumerate()
            .map(|(j, &report_id)| {
                let i = done + j as u64;
                // Validated cases get numbers 0..validated; the ring cases reuse them.
                let n = if i < validated {
                    i
                } else {
                    rng.random_range(0..validated.max(1))
                };
                SeedHotline {
                    report_id,
                    number: number_of(n),
                    impersonated_brand: format!(
                        "{}{}",
                        pick(&mut rng, BRANDS),
                        pick(&mut rng, PRODUCTS)
                    ),
                    found_via: Some("search_engine"),
                    found_domain: rng
                        .random_bool(0.7)
                        .then(|| format!("weixiu{}.example.com", rng.random_range(0..5000))),
                    amount_paid_fen: rng
                        .random_bool(0.5)
                        .then(|| rng.random_range(5_000..200_000)),
                    incident_province: Some(pick(&mut rng, PROVINCES).0),
                }
            })
            .collect();
        let validated_ids: Vec<i64> = batch
            .iter()
            .enumerate()
            .filter(|(j, _)| done + (*j as u64) < validated)
            .map(|(_, &id)| id)
            .collect();
        write_transaction(conn, |conn| -> Result<(), AppError> {
            diesel::update(reports::table.filter(reports::id.eq_any(batch)))
                .set(reports::category.eq(Category::FakeServiceHotline.code()))
                .execute(conn)?;
            diesel::update(reports::table.filter(reports::id.eq_any(&validated_ids)))
                .set(reports::status.eq(ReportStatus::Forwarded.code()))
                .execute(conn)?;
            for chunk in rows.chunks(100) {
                match conn {
                    DbConnection::Sqlite(c) => diesel::insert_into(hotlines::table)
                        .values(chunk)
                        .execute(c)?,
                    DbConnection::Postgresql(c) => diesel::insert_into(hotlines::table)
                        .values(chunk)
                        .execute(c)?,
                };
            }
            for id in &validated_ids {
                diesel::insert_into(report_events::table)
                    .values((
                        report_events::report_id.eq(id),
                        report_events::at.eq(now),
                        report_events::status.eq(ReportStatus::Validated.code()),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })?;
        done += batch.len() as u64;
        progress(done);
    }
    let maintenance = match conn {
        DbConnection::Postgresql(_) => "VACUUM ANALYZE",
        DbConnection::Sqlite(_) => "ANALYZE",
    };
    diesel::sql_query(maintenance).execute(conn)?;
    Ok(())
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn seed_row(rng: &mut StdRng, created_at: NaiveDateTime, assignees: &[i64]) -> SeedRow {
    let status = match rng.random_range(0..100) {
        0..=39 => ReportStatus::Submitted,
        40..=59 => ReportStatus::UnderReview,
        60..=64 => ReportStatus::NeedsInfo,
        65..=69 => ReportStatus::Validated,
        70..=79 => ReportStatus::Forwarded,
        80..=89 => ReportStatus::Rejected,
        90..=94 => ReportStatus::Duplicate,
        _ => ReportStatus::Closed,
    };
    let merchant_name = format!(
        "{}{}店{}",
        pick(rng, SHOP_WORDS),
        pick(rng, SHOP_WORDS),
        rng.random_range(1..20_000)
    );
    let description: String = (0..rng.random_range(4..12))
        .map(|_| *pick(rng, WORDS))
        .collect::<Vec<_>>()
        .join("，");
    let reviews: Vec<String> = (0..rng.random_range(0..4))
        .map(|_| format!("{}{}", pick(rng, WORDS), pick(rng, WORDS)))
        .collect();
    let search_terms = search::index_text(
        [merchant_name.as_str(), description.as_str()]
            .into_iter()
            .chain(reviews.iter().map(String::as_str)),
    );
    SeedRow {
        reference: reference::new_reference(),
        tracking_code_hash: reference::hash_tracking_code(&reference::new_tracking_code()),
        status: status.code(),
        category: pick(rng, Category::ALL).code(),
        platform: pick(rng, Platform::ALL).code(),
        merchant_terms: search::index_text([merchant_name.as_str()]),
        merchant_name,
        order_id: rng
            .random_bool(0.6)
            .then(|| format!("{}", rng.random_range(10_000_000_000u64..99_999_999_999))),
        merchant_province: Some(pick(rng, PROVINCES).0),
        merchant_city: None,
        description,
        review_texts: serde_json::to_string(&reviews).unwrap_or_else(|_| "[]".into()),
        tracking_number: rng.random_bool(0.4).then(|| {
            format!(
                "SF{}",
                rng.random_range(1_000_000_000_000u64..9_999_999_999_999)
            )
        }),
        reporter_email: rng
            .random_bool(0.5)
            .then(|| format!("user{}@example.com", rng.random_range(0..200_000))),
        consent_share_contact: rng.random_bool(0.5),
        email_tracking_code: false,
        locale: "zh-CN",
        created_at,
        updated_at: created_at,
        assigned_to: if !assignees.is_empty() && rng.random_bool(0.3) {
            Some(*pick(rng, assignees))
        } else {
            None
        },
        priority: rng.random_range(0..100),
        search_terms,
    }
}
