//! Queue and case-detail latency with a million cases, against the release
//! binary in its own process.
//!
//! `cargo bench --bench queue_load` seeds (once, cached in
//! `target/bench-data/queue-<N>`) with `qinglang dev seed`, starts the
//! server, logs in as the first admin, and measures, for each kind of
//! filter, the first page and the next page through its cursor, then case
//! details. With `BENCH_DATABASE_URL=postgres://…/db` it runs on PostgreSQL
//! (the database is seeded when empty).
//!
//! Options (after `--`): `--cases N` (default 1000000), `--requests N` per
//! scenario (default 200).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BENCH_PASSWORD: &str = "benchmark password";

/// A named kind of queue request: the query string for the i-th request.
type Scenario = (&'static str, Box<dyn Fn(usize) -> String>);

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

fn qinglang(data: &PathBuf, database_url: Option<&str>) -> Command {
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
        "{name:<34} n={:<4} p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
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
    let words = [
        "好评返现",
        "刷单",
        "空包",
        "虚假发货",
        "客服电话",
        "模板评价",
        "从未收到",
        "用户体验官",
    ];
    let merchants = [
        "星光旗舰",
        "数码优品",
        "美妆严选",
        "潮流小铺",
        "家电专营",
        "母婴生鲜",
    ];
    let scenarios: Vec<Scenario> = vec![
        ("no filter (newest)", Box::new(|_| String::new())),
        (
            "status",
            Box::new(move |i| format!("status={}", statuses[i % statuses.len()])),
        ),
        (
            "category",
            Box::new(move |i| format!("category={}", categories[i % categories.len()])),
        ),
        (
            "platform",
            Box::new(move |i| format!("platform={}", platforms[i % platforms.len()])),
        ),
        (
            "province",
            Box::new(move |i| format!("province={}", provinces[i % provinces.len()])),
        ),
        ("assigned=none", Box::new(|_| "assigned=none".to_owned())),
        ("assigned=me", Box::new(|_| "assigned=me".to_owned())),
        (
            "merchant",
            Box::new(move |i| format!("merchant={}", merchants[i % merchants.len()])),
        ),
        (
            "q (full text)",
            Box::new(move |i| format!("q={}", words[i % words.len()])),
        ),
        (
            "created range (30 days)",
            Box::new(|_| {
                format!(
                    "created_from={}",
                    (chrono::Utc::now() - chrono::Duration::days(30 + 60)).format("%Y-%m-%d")
                )
            }),
        ),
        ("sort=priority", Box::new(|_| "sort=priority".to_owned())),
        ("sort=oldest", Box::new(|_| "sort=oldest".to_owned())),
    ];
    println!("{cases} cases on {backend}; {requests} requests per scenario, one client, limit=50");
    let mut references = Vec::new();
    for (name, query) in &scenarios {
        let (mut first, mut next) = (Vec::new(), Vec::new());
        for i in 0..requests {
            let q = query(i);
            let (elapsed, body) = get(format!("/api/v1/cases?limit=50&{q}")).await;
            first.push(elapsed);
            if references.len() < requests {
                if let Some(r) = body["items"][0]["reference"].as_str() {
                    references.push(r.to_owned());
                }
            }
            if let Some(cursor) = body["next_cursor"].as_str() {
                let (elapsed, _) = get(format!("/api/v1/cases?limit=50&{q}&cursor={cursor}")).await;
                next.push(elapsed);
            }
        }
        report(&format!("{name}: first page"), first);
        report(&format!("{name}: next page"), next);
    }
    let mut details = Vec::new();
    for reference in references.iter().cycle().take(requests) {
        details.push(get(format!("/api/v1/cases/{reference}")).await.0);
    }
    report("case detail", details);
}
