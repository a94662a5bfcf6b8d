//! Finding similar screenshots among a million stored perceptual hashes,
//! through the same query the signals worker runs (multi-index hashing on
//! four indexed 16-bit chunks), on SQLite or — with
//! `BENCH_DATABASE_URL=postgres://…/db` — PostgreSQL.
//!
//! `cargo bench --bench similar_search` seeds once (cached in
//! `target/bench-data/similar-<backend>-<N>`, or the PostgreSQL database
//! when it has no evidence yet) with `qinglang dev seed --images N`, then
//! times queries near stored hashes (0–3 bits away: must be found) and
//! random ones (misses), and one full scan for contrast.
//!
//! Options (after `--`): `--images N` (default 1000000), `--cases N`
//! (default 100000), `--queries N` (default 200).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use qinglang::db::schema::evidence;
use qinglang::domain::signals::image_hash::{ImageHash, SIMILAR_MAX_DISTANCE};
use rand::{Rng, SeedableRng};

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<44} n={:<4} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let images = option("--images", 1_000_000);
    let cases = option("--cases", 100_000);
    let queries = option("--queries", 200) as usize;
    let postgres = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/similar-{backend}-{images}"));
    std::fs::create_dir_all(&data).expect("data dir");
    let url = postgres
        .clone()
        .unwrap_or_else(|| data.join("qinglang.db").to_string_lossy().into_owned());

    let pool = qinglang::db::connect(&url, 2, None).expect("database");
    let mut conn = pool.get().expect("connection");
    let stored: i64 = evidence::table
        .filter(evidence::phash.is_not_null())
        .count()
        .get_result(&mut *conn)
        .expect("count");
    if stored < images as i64 {
        println!("seeding {cases} cases and {images} screenshot hashes on {backend} (once)");
        let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
        command
            .args([
                "dev",
                "seed",
                "--cases",
                &cases.to_string(),
                "--images",
                &images.to_string(),
            ])
            .env("QINGLANG_DATA_DIR", &data)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn");
        assert!(
            command.status().expect("seed runs").success(),
            "seeding failed"
        );
    }

    // Queries: stored hashes moved by 0–3 bits (to be found), and random ones.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let total: i64 = evidence::table
        .count()
        .get_result(&mut *conn)
        .expect("count");
    let mut near = Vec::new();
    while near.len() < queries / 2 {
        let offset = rng.random_range(0..total);
        let hash: Option<i64> = evidence::table
            .select(evidence::phash)
            .order(evidence::id)
            .offset(offset)
            .first(&mut *conn)
            .expect("a stored hash");
        if let Some(hash) = hash {
            let mut moved = hash as u64;
            for _ in 0..rng.random_range(0..=SIMILAR_MAX_DISTANCE) {
                moved ^= 1 << rng.random_range(0..64);
            }
            near.push((ImageHash(moved), ImageHash::from_i64(hash)));
        }
    }
    let far: Vec<ImageHash> = (0..queries / 2).map(|_| ImageHash(rng.random())).collect();

    println!(
        "{} stored hashes on {backend}; threshold: Hamming distance ≤ {SIMILAR_MAX_DISTANCE}",
        stored.max(images as i64)
    );
    let mut timings = Vec::new();
    for (query, original) in &near {
        let started = Instant::now();
        let found = qinglang::db::evidence::similar_in_other_cases(
            &mut conn,
            -1,
            &[],
            &[*query],
            SIMILAR_MAX_DISTANCE,
        )
        .expect("query");
        timings.push(started.elapsed());
        assert!(
            found.iter().any(|e| e.phash == Some(*original)),
            "a hash {} bits away was not found",
            query.distance(*original)
        );
    }
    report("near a stored hash (found)", timings);
    let mut timings = Vec::new();
    for query in &far {
        let started = Instant::now();
        qinglang::db::evidence::similar_in_other_cases(
            &mut conn,
            -1,
            &[],
            &[*query],
            SIMILAR_MAX_DISTANCE,
        )
        .expect("query");
        timings.push(started.elapsed());
    }
    report("random hash (usually nothing)", timings);

    // For contrast: what answering without the index costs.
    let started = Instant::now();
    let all: Vec<Option<i64>> = evidence::table
        .select(evidence::phash)
        .load(&mut *conn)
        .expect("scan");
    let query = far[0];
    let matches = all
        .iter()
        .flatten()
        .filter(|h| ImageHash::from_i64(**h).distance(query) <= SIMILAR_MAX_DISTANCE)
        .count();
    println!(
        "full scan of {} hashes, for contrast: {:.1} ms ({matches} matches)",
        all.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
}
