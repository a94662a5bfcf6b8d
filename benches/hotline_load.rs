//! Fake hotlines at scale: a million cases, 50,000 of them validated
//! fake-hotline cases with a number each (a blocklist of 50,000 numbers) and
//! 5,000 more that report those numbers again under other brands.
//!
//! It measures what grows with them: the `repeat_hotline` lookup (the other
//! cases giving a number, as the signals worker runs it) and the
//! `repeat_hotline_domain` lookup, straight on the database; and, through
//! the release binary, the whole blocklist (JSON and CSV) and its `304`.
//!
//! `cargo bench --bench hotline_load` seeds once (cached in
//! `target/bench-data/hotlines-<backend>-<N>`) with `qinglang dev seed
//! --cases N --hotlines 50000 --hotline-rings 5000`;
//! `BENCH_DATABASE_URL=postgres://…/empty_db` runs it on PostgreSQL.
//! Options (after `--`): `--cases N` (1000000), `--lookups N` (2000).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const HOTLINES: u64 = 50_000;
const RINGS: u64 = 5_000;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn qinglang(data: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
    command
        .env("QINGLANG_DATA_DIR", data)
        .env("RUST_LOG", "warn");
    match database_url {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |p: f64| {
        samples
            .get(((samples.len() as f64 - 1.0) * p).round() as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{name:<58} n={:<5} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: u64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let cases = option("--cases", 1_000_000);
    let lookups = option("--lookups", 2000) as usize;
    let database_url = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/hotlines-{backend}-{cases}"));
    std::fs::create_dir_all(&data).expect("data dir");
    let marker = data.join("seeded");
    if !marker.exists() {
        println!("seeding {cases} cases with {HOTLINES} validated hotlines and {RINGS} more reports on {backend} (once)");
        let started = Instant::now();
        let status = qinglang(&data, database_url.as_deref())
            .args([
                "dev",
                "seed",
                "--cases",
                &cases.to_string(),
                "--hotlines",
                &HOTLINES.to_string(),
                "--hotline-rings",
                &RINGS.to_string(),
            ])
            .status()
            .expect("seed runs");
        assert!(status.success(), "seeding failed");
        std::fs::write(&marker, "ok").expect("marker");
        println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    }
    let url = database_url
        .clone()
        .unwrap_or_else(|| data.join("qinglang.db").to_string_lossy().into_owned());

    // The lookups, as the signals worker makes them.
    let pool = qinglang::db::connect(&url, 1, None).expect("database");
    let mut conn = pool.get().expect("connection");
    let mut rng = StdRng::seed_from_u64(7);
    let mut by_number = Vec::with_capacity(lookups);
    let mut by_domain = Vec::with_capacity(lookups);
    let mut found = 0usize;
    for _ in 0..lookups {
        let number = format!("400{:07}", 1_000_000 + rng.random_range(0..HOTLINES));
        let started = Instant::now();
        let uses = qinglang::db::hotlines::number_uses(&mut conn, 0, &number).expect("lookup");
        by_number.push(started.elapsed());
        found += uses.len();
        let domain = format!("weixiu{}.example.com", rng.random_range(0..5000));
        let started = Instant::now();
        let uses = qinglang::db::hotlines::domain_uses(&mut conn, 0, &domain).expect("lookup");
        by_domain.push(started.elapsed());
        found += uses.len();
    }
    println!(
        "{backend}, {cases} cases, {} hotline cases",
        HOTLINES + RINGS
    );
    report("repeat_hotline lookup (other cases of a number)", by_number);
    report(
        "repeat_hotline_domain lookup (other cases of a site)",
        by_domain,
    );
    println!("  ({found} cases found in all)");
    drop(conn);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let _server = Server(
        qinglang(&data, database_url.as_deref())
            .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
            .env("QINGLANG_SIGNALS_WORKER", "false")
            .env("QINGLANG_MAIL_WORKER", "false")
            .spawn()
            .expect("server starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let ready_by = Instant::now() + Duration::from_secs(60);
    while !http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < ready_by, "server not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let blocklist = format!("{base}/api/v1/blocklist/hotlines");
    for (accept, name) in [
        ("application/json", "whole blocklist, JSON"),
        ("text/csv", "whole blocklist, CSV"),
    ] {
        let mut samples = Vec::new();
        let mut items = 0;
        let mut bytes = 0;
        let mut etag = String::new();
        for _ in 0..20 {
            let started = Instant::now();
            let response = http
                .get(&blocklist)
                .header("accept", accept)
                .send()
                .await
                .expect("blocklist");
            assert_eq!(response.status().as_u16(), 200);
            etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = response.bytes().await.expect("body");
            samples.push(started.elapsed());
            bytes = body.len();
            items = if accept == "text/csv" {
                body.iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    .saturating_sub(1)
            } else {
                serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v["items"].as_array().map(Vec::len))
                    .unwrap_or(0)
            };
        }
        report(
            &format!("{name} ({items} numbers, {} KB)", bytes / 1024),
            samples,
        );
        let mut unchanged = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            let response = http
                .get(&blocklist)
                .header("accept", accept)
                .header("if-none-match", &etag)
                .send()
                .await
                .expect("blocklist");
            assert_eq!(response.status().as_u16(), 304);
            unchanged.push(started.elapsed());
        }
        report(
            &format!("{name}, unchanged (If-None-Match → 304)"),
            unchanged,
        );
    }
}
