//! Finding similar screenshots among a million stored perceptual hashes,
//! through the same query the signals worker runs (multi-index hashing on
//! two indexed 32-bit halves), on SQLite or — with
//! `BENCH_DATABASE_URL=postgres://…/db` — PostgreSQL.
//!
//! `cargo bench --bench similar_search` seeds once (cached in
//! `target/bench-data/similar-<backend>-<N>-<kind>`, or the PostgreSQL
//! database when it has no evidence yet), then times queries near stored
//! hashes (0–3 bits away: each should be found; the recall is reported) and
//! random ones (misses), and one full scan for contrast.
//!
//! The stored hashes are, by default, those of real screenshots: 24 app
//! layouts (review lists, chats, tracking and product pages, at three phone
//! sizes, with few or many photos) are rendered 16 times each with a real
//! CJK font (`tests/support/screens.rs`), and each seeded hash is drawn bit
//! by bit from the bit frequencies of one layout's renders. Screenshots of
//! one layout share most of their bits, which uniform random hashes — the
//! index's best case, `--uniform` — do not.
//!
//! Options (after `--`): `--images N` (default 1000000), `--cases N`
//! (default 100000), `--queries N` (default 200), `--uniform`.

#[path = "../tests/support/screens.rs"]
mod screens;

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
    let images_arg = images.to_string();
    let cases = option("--cases", 100_000);
    let queries = option("--queries", 200) as usize;
    let uniform = args.iter().any(|a| a == "--uniform");
    let kind = if uniform { "uniform" } else { "layouts" };
    let postgres = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/bench-data/similar-{backend}-{images}-{kind}"
    ));
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
        println!("seeding {cases} cases and {images} {kind} screenshot hashes on {backend} (once)");
        let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
        command
            .args([
                "dev",
                "seed",
                "--cases",
                &cases.to_string(),
                "--images",
                if uniform { &images_arg } else { "0" },
            ])
            .env("QINGLANG_DATA_DIR", &data)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "warn");
        assert!(
            command.status().expect("seed runs").success(),
            "seeding failed"
        );
        if !uniform {
            let layouts = layout_bit_frequencies();
            let started = Instant::now();
            qinglang::dev::seed_image_hashes(
                &mut conn,
                images,
                |rng| {
                    let layout = &layouts[rng.random_range(0..layouts.len())];
                    (0..64).fold(0u64, |hash, bit| {
                        if rng.random::<f64>() < layout[bit] {
                            hash | 1 << bit
                        } else {
                            hash
                        }
                    })
                },
                |done| {
                    if done % 100_000 == 0 {
                        println!("  {done} hashes ({:.0} s)", started.elapsed().as_secs_f64());
                    }
                },
            )
            .expect("seeding the hashes");
        }
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
    let mut hits = 0usize;
    let mut misses_at_bound = 0usize;
    let mut answers = Vec::new();
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
        answers.push(found.len());
        if found.iter().any(|e| e.phash == Some(*original)) {
            hits += 1;
        } else if found.len() as i64 >= qinglang::db::evidence::OTHERS_LIMIT {
            misses_at_bound += 1;
        }
    }
    report("near a stored hash", timings);
    println!(
        "recall: {hits}/{} hashes 0–{SIMILAR_MAX_DISTANCE} bits from a stored one found ({:.3}); \
         of the misses, {misses_at_bound} answered the bound of {} newer similar images",
        near.len(),
        hits as f64 / near.len() as f64,
        qinglang::db::evidence::OTHERS_LIMIT,
    );
    answers.sort_unstable();
    println!(
        "images found per query: p50 {}, p90 {}, p99 {}, max {}",
        answers[answers.len() / 2],
        answers[answers.len() * 9 / 10],
        answers[(answers.len() - 1) * 99 / 100],
        answers[answers.len() - 1],
    );
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

/// Per layout, how often each of the 64 hash bits is set among its renders.
fn layout_bit_frequencies() -> Vec<[f64; 64]> {
    use qinglang::domain::signals::image_hash::hash_image;
    use screens::{Page, Photos};
    let fonts = screens::Fonts::load().unwrap_or_else(|e| panic!("{e}"));
    let mut layouts = Vec::new();
    let started = Instant::now();
    for page in Page::ALL {
        for (w, h) in [(750, 1334), (720, 1600), (1080, 2340)] {
            for photos in [Photos::Few, Photos::Many] {
                let mut counts = [0u32; 64];
                const RENDERS: u32 = 16;
                for seed in 0..RENDERS {
                    let image = screens::render(&fonts, page, w, h, photos, 1000 + u64::from(seed));
                    let hash = hash_image(&image::DynamicImage::ImageRgb8(image)).0;
                    for (bit, count) in counts.iter_mut().enumerate() {
                        *count += u32::from(hash >> bit & 1 == 1);
                    }
                }
                layouts.push(counts.map(|c| f64::from(c) / f64::from(RENDERS)));
            }
        }
    }
    // Where a layout's fixed bits are decides how well an index's parts
    // (here the even and the odd bits) tell its screenshots apart.
    let fixed_among = |bits: &mut dyn Iterator<Item = usize>| {
        let bits: Vec<usize> = bits.collect();
        layouts
            .iter()
            .map(|l| bits.iter().filter(|&&b| l[b] == 0.0 || l[b] == 1.0).count() as f64)
            .sum::<f64>()
            / layouts.len() as f64
    };
    println!(
        "{} layouts rendered in {:.0} s; on average {:.0} of 64 bits are the same in all of a layout's renders \
         (low 32 bits {:.0}, high {:.0}; even bits {:.0}, odd {:.0})",
        layouts.len(),
        started.elapsed().as_secs_f64(),
        fixed_among(&mut (0..64)),
        fixed_among(&mut (0..32)),
        fixed_among(&mut (32..64)),
        fixed_among(&mut (0..64).step_by(2)),
        fixed_among(&mut (1..64).step_by(2)),
    );
    layouts
}
