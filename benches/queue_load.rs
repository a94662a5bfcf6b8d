//! Queue and case-detail latency with a million cases, against the release
//! binary in its own process.
//!
//! `cargo bench --bench queue_load` seeds (once, cached in
//! `target/bench-data/queue-<backend>-<N>`) with `qinglang dev seed`, starts
//! the server, logs in as a moderator, and measures with one client, for
//! each kind of filter, the first page (limit 50) and the next page through
//! its cursor; every request draws its own parameters (a status, a word of
//! the seeded vocabulary, a merchant name...), so caches see what they would
//! in use. Then the details of random cases drawn among all of them (from
//! the database the benchmark seeded). With
//! `BENCH_DATABASE_URL=postgres://…/db` it runs on PostgreSQL (the database
//! is seeded when empty).
//!
//! Options (after `--`): `--cases N` (default 1000000), `--requests N` per
//! scenario (default 200).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const BENCH_PASSWORD: &str = "benchmark password";

/// A named kind of queue request: draws the query string of one request.
type Scenario = (&'static str, Box<dyn Fn(&mut StdRng) -> String>);

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<50} n={:<4} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let cases: u64 = option("--cases")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let requests: usize = option("--requests")
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let database_url = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };

    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/queue-{backend}-{cases}"));
    std::fs::create_dir_all(&data).expect("data dir");
    let marker = data.join("seeded");
    if !marker.exists() {
        // Moderators first, so the seed assigns cases to them.
        for n in 1..=5 {
            let mut add = qinglang(&data, database_url.as_deref())
                .args([
                    "user",
                    "add",
                    "--email",
                    &format!("bench{n}@example.com"),
                    "--role",
                    "moderator",
                    "--password-stdin",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("user add runs");
            use std::io::Write;
            add.stdin
                .take()
                .expect("stdin")
                .write_all(format!("{BENCH_PASSWORD}\n").as_bytes())
                .expect("password");
            assert!(add.wait().expect("user add").success(), "user add failed");
        }
        println!(
            "seeding {cases} cases on {backend} (once; cached in {})",
            data.display()
        );
        let started = Instant::now();
        let status = qinglang(&data, database_url.as_deref())
            .args(["dev", "seed", "--cases", &cases.to_string()])
            .status()
            .expect("seed runs");
        assert!(status.success(), "seeding failed");
        std::fs::write(&marker, "ok").expect("marker");
        println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let child = qinglang(&data, database_url.as_deref())
        .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..400 {
        let ready = client.get(format!("{}/readyz", server.base)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (email, password) = ("bench1@example.com", BENCH_PASSWORD);
    let login: Value = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();

    let get = |path: String| {
        let (client, token, base) = (client.clone(), token.clone(), server.base.clone());
        async move {
            let started = Instant::now();
            let response = client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
                .expect("sent");
            let status = response.status();
            let body: Value = response.json().await.expect("json");
            assert!(status.is_success(), "{path}: {status} {body}");
            (started.elapsed(), body)
        }
    };

    // Parameters are drawn at random per request (seeded: every run asks
    // the same), from the vocabularies the seed used.
    let mut rng = StdRng::seed_from_u64(20261126);
    let statuses = [
        "submitted",
        "under_review",
        "needs_info",
        "validated",
        "forwarded",
        "rejected",
        "duplicate",
        "closed",
    ];
    let categories = [
        "fake_review",
        "abnormal_logistics",
        "brushing_recruitment",
        "cashback_scam",
        "fake_service_hotline",
        "other",
    ];
    let platforms = [
        "taobao",
        "tmall",
        "jd",
        "pinduoduo",
        "douyin",
        "kuaishou",
        "meituan",
        "dianping",
        "xiaohongshu",
        "other",
    ];
    let provinces = [
        "广东省",
        "浙江省",
        "上海市",
        "北京市",
        "四川省",
        "江苏省",
        "河南省",
        "山东省",
    ];
    // Random cases among all of them, from the database the benchmark
    // seeded: their details are fetched below, their merchants searched.
    let sample = random_cases(&data, database_url.as_deref(), requests, &mut rng);
    let names: Vec<String> = sample.iter().map(|c| c.merchant_name.clone()).collect();
    let words = qinglang::dev::WORDS;
    let shop_words = qinglang::dev::SHOP_WORDS;
    let today = chrono::Utc::now().date_naive();
    let scenarios: Vec<Scenario> = vec![
        ("no filter (newest first)", Box::new(|_| String::new())),
        (
            "status=<one of 8>",
            Box::new(move |r| format!("status={}", pick(r, &statuses))),
        ),
        (
            "category=<one of 6>",
            Box::new(move |r| format!("category={}", pick(r, &categories))),
        ),
        (
            "platform=<one of 10>",
            Box::new(move |r| format!("platform={}", pick(r, &platforms))),
        ),
        (
            "province=<one of 8>",
            Box::new(move |r| format!("province={}", pick(r, &provinces))),
        ),
        ("assigned=none", Box::new(|_| "assigned=none".to_owned())),
        ("assigned=me", Box::new(|_| "assigned=me".to_owned())),
        (
            "merchant=<2 shop words, ~0.7%>",
            Box::new(move |r| format!("merchant={}{}", pick(r, shop_words), pick(r, shop_words))),
        ),
        (
            "merchant=<a random case's full name>",
            Box::new(move |r| format!("merchant={}", pick(r, &names))),
        ),
        (
            "q=<1 word of 30>",
            Box::new(move |r| format!("q={}", pick(r, words))),
        ),
        (
            "q=<2 words of 30, both>",
            Box::new(move |r| format!("q={}+{}", pick(r, words), pick(r, words))),
        ),
        (
            "created_from=<30 days ago>",
            Box::new(move |_| {
                format!(
                    "created_from={}",
                    (today - chrono::Days::new(30)).format("%Y-%m-%d")
                )
            }),
        ),
        ("sort=priority", Box::new(|_| "sort=priority".to_owned())),
        ("sort=oldest", Box::new(|_| "sort=oldest".to_owned())),
    ];
    println!(
        "{cases} cases on {backend}; one client, requests in sequence; load average {}",
        load_average()
    );
    println!(
        "  first page: GET /api/v1/cases?limit=50&<filter>, {requests} requests, each with its own parameters drawn as the row says"
    );
    println!("  next page:  the page after it, through its next_cursor (when it has one)");
    let mut matched = Vec::new();
    for (name, query) in &scenarios {
        let (mut first, mut next) = (Vec::new(), Vec::new());
        let mut found = 0usize;
        for _ in 0..requests {
            let q = query(&mut rng);
            let (elapsed, body) = get(format!("/api/v1/cases?limit=50&{q}")).await;
            first.push(elapsed);
            found += body["items"].as_array().map_or(0, Vec::len);
            if let Some(cursor) = body["next_cursor"].as_str() {
                let (elapsed, _) = get(format!("/api/v1/cases?limit=50&{q}&cursor={cursor}")).await;
                next.push(elapsed);
            }
        }
        report(&format!("{name}: first page"), first);
        report(&format!("{name}: next page"), next);
        matched.push((name, found as f64 / requests as f64));
    }
    println!(
        "  cases on the first page, on average: {}",
        matched
            .iter()
            .map(|(name, n)| format!("{name} {n:.0}"))
            .collect::<Vec<_>>()
            .join("; ")
    );

    // Case details of random cases across the whole database: most of their
    // pages are not in any cache, as when moderators open cases from searches.
    let mut details = Vec::new();
    for case in &sample {
        details.push(get(format!("/api/v1/cases/{}", case.reference)).await.0);
    }
    println!(
        "  case detail: GET /api/v1/cases/<reference> of {} distinct cases drawn at random among all {cases}",
        sample.len()
    );
    report("case detail (random cases)", details);
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

#[derive(QueryableByName)]
struct SampledCase {
    #[diesel(sql_type = diesel::sql_types::Text)]
    reference: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    merchant_name: String,
}

#[derive(QueryableByName)]
struct MaxId {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    id: Option<i64>,
}

/// `count` distinct cases drawn uniformly among all cases,
/// read from the benchmark's own database (the server's SQLite file, or the
/// PostgreSQL database of `BENCH_DATABASE_URL`).
fn random_cases(
    data: &Path,
    database_url: Option<&str>,
    count: usize,
    rng: &mut StdRng,
) -> Vec<SampledCase> {
    enum Db {
        Sqlite(diesel::SqliteConnection),
        Postgres(diesel::PgConnection),
    }
    let mut db = match database_url {
        Some(url) => {
            Db::Postgres(diesel::PgConnection::establish(url).expect("BENCH_DATABASE_URL connects"))
        }
        None => Db::Sqlite(
            diesel::SqliteConnection::establish(&data.join("qinglang.db").to_string_lossy())
                .expect("the seeded SQLite database opens"),
        ),
    };
    let max_sql = "SELECT MAX(id) AS id FROM reports";
    let max: MaxId = match &mut db {
        Db::Sqlite(c) => diesel::sql_query(max_sql).get_result(c),
        Db::Postgres(c) => diesel::sql_query(max_sql).get_result(c),
    }
    .expect("the largest case id");
    let max = max.id.expect("seeded cases");
    let mut ids = std::collections::BTreeSet::new();
    while ids.len() < count.min(max as usize) {
        ids.insert(rng.random_range(1..=max));
    }
    // Our own integers, not input: safe to list in the statement.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT reference, merchant_name FROM reports WHERE id IN ({list})");
    let mut rows: Vec<SampledCase> = match &mut db {
        Db::Sqlite(c) => diesel::sql_query(sql).load(c),
        Db::Postgres(c) => diesel::sql_query(sql).load(c),
    }
    .expect("sampled cases");
    // Asked in random order, not in id order.
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.random_range(0..=i));
    }
    rows
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
