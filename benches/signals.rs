//! Fraud-signal timings on a release build: `cargo bench --bench signals`.
//!
//! (a) All pure signals of one case with ten 1080×2340 PNG phone
//!     screenshots, perceptual hashing (decode included) and the review,
//!     logistics, keyword and cross-case signals over realistic lookups,
//!     including crop matching against 100 screenshots of the merchant's
//!     other cases (the most the service compares). Target: under 200 ms.
//! (b) `HammingIndex` lookups among 1,000,000 stored hashes at the
//!     similarity threshold (and wider radii for reference).
//!     Target: under 50 ms.
//!
//! Options (after `--`): `--hashes N` (default 1000000), `--queries N`
//! (default 1000), `--rounds N` for (a) (default 20).

#[path = "../tests/signals/screens.rs"]
mod screens;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use qinglang::domain::catalog::Category;
use qinglang::domain::report::{Logistics, LogisticsEvent};
use qinglang::domain::signals::cross::{
    EvidenceFingerprint, MerchantReport, OtherEvidence, ReporterIdentity, TrackingUse,
};
use qinglang::domain::signals::image_hash::{
    fingerprint_image_bytes, HammingIndex, ImageHash, DEFAULT_MAX_PIXELS, SIMILAR_MAX_DISTANCE,
};
use qinglang::domain::signals::text::OtherReview;
use qinglang::domain::signals::{evaluate_case, CaseInput};

fn option(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<52} n={:<5} p50 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

fn review_texts() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/signals/reviews.json"
    );
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let mut out = Vec::new();
    for merchant in data["merchants"].as_array().expect("merchants") {
        for case in merchant["cases"].as_array().expect("cases") {
            for review in case["reviews"].as_array().expect("reviews") {
                out.push(review[0].as_str().expect("text").to_string());
            }
        }
    }
    out
}

fn case_bench(rounds: usize) {
    let pool = review_texts();
    let bases = screens::fixture_bases(&pool);
    // Ten different screens at 1080×2340, as PNG files like the uploads.
    let pngs: Vec<Vec<u8>> = bases
        .iter()
        .step_by(bases.len() / 10)
        .take(10)
        .map(|b| {
            screens::apply(
                &screens::render(&b.screen, 1080, 2340),
                &[screens::Edit::Png],
            )
        })
        .collect();
    let total: usize = pngs.iter().map(Vec::len).sum();
    println!(
        "(a) one case: {} PNG screenshots of 1080×2340 ({:.1} MB), 20 reviews, 500 reviews of the merchant in other cases",
        pngs.len(),
        total as f64 / 1e6
    );
    let reviews: Vec<String> = pool.iter().take(20).cloned().collect();
    let other_reviews: Vec<OtherReview> = (0..500)
        .map(|i| OtherReview {
            case_reference: format!("QL-{:04}-0000", i / 5),
            index: i % 5,
            text: pool[(i * 7) % pool.len()].clone(),
        })
        .collect();
    let t = |s: &str| qinglang::domain::report::parse_time(s).expect("time");
    let logistics = Logistics {
        carrier: Some("中通快递".into()),
        tracking_number: Some("75318264905512".into()),
        shipped_at: Some(t("2026-11-02 09:12")),
        delivered_at: Some(t("2026-11-04 10:05")),
        declared_weight_kg: Some(0.02),
        origin: Some("浙江省义乌市".into()),
        destination: Some("北京市朝阳区".into()),
        events: (0..30)
            .map(|i| LogisticsEvent {
                time: t("2026-11-02 09:12") + chrono::Duration::hours(i),
                location: Some(["义乌", "杭州", "南京", "济南", "北京"][i as usize % 5].into()),
                description: Some("快件到达分拨中心".into()),
            })
            .collect(),
    };
    let export = (
        "track.csv".to_string(),
        "时间,地点,描述\n2026-11-02 09:12,义乌,已揽件\n2026-11-04 10:05,北京,已签收\n"
            .as_bytes()
            .to_vec(),
    );
    let exports = vec![export];
    // 50 found by hash chunks, and 100 images of the merchant's other cases
    // (other screens of the fixtures, at phone size) as crop candidates:
    // each of the ten screenshots is aligned with every one of them.
    let mut other_evidence: Vec<OtherEvidence> = (0..50u64)
        .map(|i| OtherEvidence {
            case_reference: format!("QL-E{i:03}"),
            name: format!("shot-{i}.png"),
            sha256: format!("{i:064x}"),
            phash: Some(ImageHash(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            thumbnail: None,
            ocr_text: None,
        })
        .collect();
    let candidates: Vec<_> = bases
        .iter()
        .map(|b| {
            let png = screens::apply(
                &screens::render(&b.screen, b.size.0 / 2, b.size.1 / 2),
                &[screens::Edit::Crop([20, 30, 10, 40]), screens::Edit::Png],
            );
            fingerprint_image_bytes(&png, DEFAULT_MAX_PIXELS).expect("fingerprint")
        })
        .collect();
    other_evidence.extend((0..100u64).map(|i| {
        let found = &candidates[i as usize % candidates.len()];
        OtherEvidence {
            case_reference: format!("QL-C{i:03}"),
            name: format!("crop-{i}.png"),
            sha256: format!("{:064x}", 1000 + i),
            // Far from every hash: only the thumbnails can match.
            phash: Some(ImageHash(!found.hash.0)),
            thumbnail: Some(found.thumbnail.clone()),
            ocr_text: None,
        }
    }));
    let tracking_uses = vec![TrackingUse {
        case_reference: "QL-T".into(),
        tracking_number: "75318264905512".into(),
        order_id: None,
    }];
    let created = Utc
        .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
        .single()
        .expect("time");
    let merchant_reports: Vec<MerchantReport> = (0..100)
        .map(|i| MerchantReport {
            case_reference: format!("QL-M{i:03}"),
            reporter: ReporterIdentity {
                contact: Some(format!("c{}", i % 40)),
                network: Some(format!("n{}", i % 25)),
            },
            created_at: created - chrono::Duration::days(i),
        })
        .collect();
    let me = ReporterIdentity::default();
    let mut samples = Vec::new();
    let mut signals = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        let evidence: Vec<EvidenceFingerprint> = pngs
            .iter()
            .enumerate()
            .map(|(i, bytes)| {
                let found = fingerprint_image_bytes(bytes, DEFAULT_MAX_PIXELS).expect("hash");
                EvidenceFingerprint {
                    name: format!("截图{i}.png"),
                    sha256: format!("{i:064x}"),
                    phash: Some(found.hash),
                    thumbnail: Some(found.thumbnail),
                    ocr_text: None,
                }
            })
            .collect();
        let result = evaluate_case(&CaseInput {
            category: Category::FakeReview,
            description: "商家要求好评返现，明显刷单。",
            review_texts: &reviews,
            screenshots: &[],
            order_id: Some("1234"),
            logistics: Some(&logistics),
            logistics_exports: &exports,
            evidence: &evidence,
            reporter: &me,
            created_at: created,
            now: created + chrono::Duration::days(1),
            other_evidence: &other_evidence,
            other_reviews: &other_reviews,
            tracking_uses: &tracking_uses,
            merchant_reports: &merchant_reports,
            hotline: None,
        });
        samples.push(start.elapsed());
        signals = result.signals.len();
    }
    println!("    {signals} signals per run");
    report("(a) all signals of one case, hashing included", samples);
    // The same without hashing (hashes computed at intake, as stored).
    let evidence: Vec<EvidenceFingerprint> = pngs
        .iter()
        .enumerate()
        .map(|(i, bytes)| {
            let found = fingerprint_image_bytes(bytes, DEFAULT_MAX_PIXELS).expect("hash");
            EvidenceFingerprint {
                name: format!("截图{i}.png"),
                sha256: format!("{i:064x}"),
                phash: Some(found.hash),
                thumbnail: Some(found.thumbnail),
                ocr_text: None,
            }
        })
        .collect();
    let mut without = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let _ = evaluate_case(&CaseInput {
            category: Category::FakeReview,
            description: "商家要求好评返现，明显刷单。",
            review_texts: &reviews,
            screenshots: &[],
            order_id: Some("1234"),
            logistics: Some(&logistics),
            logistics_exports: &exports,
            evidence: &evidence,
            reporter: &me,
            created_at: created,
            now: created + chrono::Duration::days(1),
            other_evidence: &other_evidence,
            other_reviews: &other_reviews,
            tracking_uses: &tracking_uses,
            merchant_reports: &merchant_reports,
            hotline: None,
        });
        without.push(start.elapsed());
    }
    report("    of which: the signals once hashes are known", without);
    // The hashing alone, for reference.
    let mut hashing = Vec::new();
    for bytes in pngs.iter().cycle().take(rounds * 10) {
        let start = Instant::now();
        fingerprint_image_bytes(bytes, DEFAULT_MAX_PIXELS).expect("hash");
        hashing.push(start.elapsed());
    }
    report(
        "    of which: decode + hash + thumbnail of one screenshot",
        hashing,
    );
}

fn index_bench(count: usize, queries: usize) {
    // "Random-ish": most hashes random, one in ten a near copy (1–6 bits
    // flipped) of an earlier one, as re-uploaded screenshots are.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let start = Instant::now();
    let mut index = HammingIndex::new();
    let mut stored: Vec<u64> = Vec::with_capacity(count);
    for i in 0..count {
        let hash = if i % 10 == 9 && !stored.is_empty() {
            let mut h = stored[(next() % stored.len() as u64) as usize];
            for _ in 0..(1 + next() % 6) {
                h ^= 1 << (next() % 64);
            }
            h
        } else {
            next()
        };
        stored.push(hash);
        index.insert(ImageHash(hash), i as u32);
    }
    println!(
        "(b) HammingIndex with {} hashes built in {:.1} s",
        index.len(),
        start.elapsed().as_secs_f64()
    );
    for radius in [SIMILAR_MAX_DISTANCE, 6, 10] {
        let mut samples = Vec::with_capacity(queries);
        let mut found = 0usize;
        for q in 0..queries {
            // Half the queries are near a stored hash, half are new.
            let query = if q % 2 == 0 {
                stored[(next() % stored.len() as u64) as usize] ^ (1 << (next() % 64))
            } else {
                next()
            };
            let start = Instant::now();
            found += index.query(ImageHash(query), radius).len();
            samples.push(start.elapsed());
        }
        println!("    radius {radius}: {found} matches over {queries} queries");
        report(
            &format!("(b) lookup among {count} hashes, radius {radius}"),
            samples,
        );
    }
}

fn main() {
    if cfg!(debug_assertions) {
        println!("note: unoptimized build; run `cargo bench --bench signals` for real figures");
    }
    case_bench(option("--rounds", 20));
    index_bench(option("--hashes", 1_000_000), option("--queries", 1000));
}
