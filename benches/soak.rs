//! Soak: ten minutes of mixed traffic against the release binary in its own
//! process, with the limits at their defaults and a real SMTP server on
//! loopback. At the same time:
//!
//! - reporters file reports with realistic screenshots from many client
//!   addresses (through a trusted proxy's `X-Forwarded-For`), three of them
//!   far over their hourly limit;
//! - two moderators read the queue (varied filters and searches), open cases
//!   and move them, validating some (which sends mail to the regulator);
//! - an attacker hammers the login from a few addresses with wrong passwords
//!   (for the admin and for random accounts) and, with a stolen moderator
//!   session, sends over-long and costly searches.
//!
//! It reports: server errors (must be none), whether every accepted report
//! is stored and every validated case's email was sent exactly once, how
//! throttled clients were told, the moderators' latency under load, and the
//! server's memory over time (peak RSS; first and last minute).
//!
//! `cargo bench --bench soak` (`-- --minutes N`, default 10; the screenshot
//! corpus needs `fonts-noto-cjk`). `BENCH_DATABASE_URL=postgres://…` runs it
//! on PostgreSQL.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

#[path = "../tests/support/screens.rs"]
mod screens;
#[allow(dead_code)]
#[path = "../tests/api/smtp.rs"]
mod smtp;

const REGULATOR: &str = "cases@amr.example.gov.cn";

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

impl Server {
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// What every task counts.
#[derive(Default)]
struct Tally {
    /// Answers by (what, status).
    answers: Mutex<HashMap<(&'static str, u16), u64>>,
    /// 429s that came without Retry-After or without a message.
    untold: AtomicU64,
    accepted: Mutex<Vec<String>>,
    validated: Mutex<Vec<String>>,
    moderator_latency_ms: Mutex<Vec<f64>>,
    transport_errors: AtomicU64,
}

impl Tally {
    fn count(&self, what: &'static str, status: u16) {
        if let Ok(mut answers) = self.answers.lock() {
            *answers.entry((what, status)).or_default() += 1;
        }
    }

    fn server_errors(&self) -> u64 {
        self.answers
            .lock()
            .map(|a| {
                a.iter()
                    .filter(|((_, s), _)| *s >= 500)
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }
}

async fn told(response: reqwest::Response, tally: &Tally) {
    let retry = response.headers().get("retry-after").is_some();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !retry || body["detail"].as_str().is_none_or(|d| d.is_empty()) {
        tally.untold.fetch_add(1, Ordering::Relaxed);
    }
}

fn option(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn report(n: u64) -> Value {
    let merchants = [
        "某某数码旗舰店",
        "星辰家居专营店",
        "青禾母婴",
        "极速快修",
        "云上茶铺",
        "潮流服饰店",
    ];
    json!({
        "category": if n.is_multiple_of(5) { "abnormal_logistics" } else { "fake_review" },
        "platform": "taobao",
        "merchant_name": merchants[(n % merchants.len() as u64) as usize],
        "merchant_province": "浙江省",
        "description": format!("第 {n} 位消费者：商品页的五星好评几乎都是同一模板，疑似刷单炒信。"),
        "review_texts": ["超赞！物美价廉，五星好评！"],
        "reporter": if n.is_multiple_of(3) { json!({"email": format!("reporter{n}@example.com")}) } else { Value::Null },
    })
}

async fn filer(
    id: u64,
    base: String,
    files: Arc<Vec<screens::Screen>>,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
) {
    let http = reqwest::Client::new();
    let mut n = id;
    while !stop.load(Ordering::Relaxed) {
        n += 8;
        // Three addresses file far more than their hourly limit; the others
        // (a new one every two reports) stay within it.
        let address = if n.is_multiple_of(4) {
            format!("203.0.113.{}", n % 3 + 1)
        } else {
            let k = n / 2;
            format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255)
        };
        let screen = &files[(n as usize) % files.len()];
        let form = Form::new()
            .part(
                "report",
                Part::text(report(n).to_string())
                    .mime_str("application/json")
                    .expect("mime"),
            )
            .part(
                "evidence",
                Part::bytes(screen.bytes.clone())
                    .file_name(screen.name.clone())
                    .mime_str("image/png")
                    .expect("mime"),
            );
        match http
            .post(format!("{base}/api/v1/reports"))
            .header("x-forwarded-for", &address)
            .multipart(form)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                tally.count("filing", status);
                if status == 201 {
                    let body: Value = response.json().await.unwrap_or(Value::Null);
                    if let (Some(reference), Ok(mut accepted)) =
                        (body["reference"].as_str(), tally.accepted.lock())
                    {
                        accepted.push(reference.to_owned());
                    }
                } else if status == 429 {
                    told(response, &tally).await;
                }
            }
            Err(_) => {
                tally.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
}

async fn moderator(id: u64, base: String, token: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::new();
    let filters = [
        "",
        "?status=submitted",
        "?sort=priority",
        "?category=fake_review",
        "?q=%E5%88%B7%E5%8D%95",
        "?merchant=%E6%97%97%E8%88%B0",
        "?province=%E6%B5%99%E6%B1%9F%E7%9C%81",
        "?assigned=none&sort=oldest",
    ];
    let mut n = id;
    let timed = |started: Instant| {
        if let Ok(mut latencies) = tally.moderator_latency_ms.lock() {
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    };
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let started = Instant::now();
        let queue = http
            .get(format!(
                "{base}/api/v1/cases{}",
                filters[(n as usize) % filters.len()]
            ))
            .bearer_auth(&token)
            .send()
            .await;
        timed(started);
        let Ok(queue) = queue else {
            tally.transport_errors.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        tally.count("queue", queue.status().as_u16());
        let target = tally
            .accepted
            .lock()
            .ok()
            .and_then(|a| (!a.is_empty()).then(|| a[(n as usize * 7919) % a.len()].clone()));
        if let Some(reference) = target {
            let started = Instant::now();
            let case = http
                .get(format!("{base}/api/v1/cases/{reference}"))
                .bearer_auth(&token)
                .send()
                .await;
            timed(started);
            if let Ok(case) = case {
                tally.count("case", case.status().as_u16());
                let case: Value = case.json().await.unwrap_or(Value::Null);
                let move_to = match case["status"].as_str() {
                    Some("submitted") => Some(json!({"to": "under_review", "from": "submitted"})),
                    // Two in three are validated (mail to the regulator), one rejected.
                    Some("under_review") if n.is_multiple_of(3) => Some(json!({
                        "to": "rejected", "from": "under_review", "reason": "证据不足，无法认定。"
                    })),
                    Some("under_review") => Some(json!({
                        "to": "validated", "from": "under_review",
                        "reason": "多名举报人提供的截图一致，情况属实。"
                    })),
                    _ => None,
                };
                if let Some(body) = move_to {
                    let started = Instant::now();
                    let moved = http
                        .post(format!("{base}/api/v1/cases/{reference}/transitions"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    timed(started);
                    if let Ok(moved) = moved {
                        let status = moved.status().as_u16();
                        tally.count("transition", status);
                        if status == 200 && body["to"] == "validated" {
                            if let Ok(mut validated) = tally.validated.lock() {
                                validated.push(reference);
                            }
                        }
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

async fn attacker(base: String, stolen: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let http = reqwest::Client::new();
    let mut n = 0u64;
    let wordy: String = (0..100u32)
        .filter_map(|i| char::from_u32(0x4e00 + i * 211))
        .collect();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let too_long = encode(&wordy);
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let email = if n.is_multiple_of(2) {
            "admin@qinglang.local".to_owned()
        } else {
            format!("guess{n}@example.com")
        };
        match http
            .post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("192.0.2.{}", n % 4 + 1))
            .json(&json!({"email": email, "password": "hunter2 hunter2"}))
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                tally.count("attack:login", status);
                if status == 429 {
                    told(response, &tally).await;
                }
            }
            Err(_) => {
                tally.transport_errors.fetch_add(1, Ordering::Relaxed);
            }
        }
        if n.is_multiple_of(5) {
            // Alternately over the caps (422) and just within them: 20
            // characters (19 bigrams) nobody filed, which the database must
            // search to the end.
            let (field, term) = if n.is_multiple_of(10) {
                ("merchant", too_long.clone())
            } else {
                let start = (n as usize * 37) % 80;
                (
                    "q",
                    encode(&wordy.chars().skip(start).take(20).collect::<String>()),
                )
            };
            if let Ok(response) = http
                .get(format!("{base}/api/v1/cases?{field}={term}"))
                .bearer_auth(&stolen)
                .send()
                .await
            {
                tally.count(
                    if field == "q" {
                        "attack:search"
                    } else {
                        "attack:toolong"
                    },
                    response.status().as_u16(),
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let minutes = option("--minutes", 10);
    let fonts = screens::Fonts::load().unwrap_or_else(|e| panic!("{e}"));
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/intake-screens");
    let files = Arc::new(screens::corpus(&fonts, screens::Mix::Phone750, 400, &cache));
    let smtp = smtp::SmtpServer::start().await;

    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/soak");
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("data dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
    command
        .env("QINGLANG_DATA_DIR", &data)
        .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
        .env("QINGLANG_SMTP_URL", smtp.url())
        .env("QINGLANG_REGULATOR_INBOX", REGULATOR)
        .env("QINGLANG_TRUST_PROXY", "true")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(url) => command.env("DATABASE_URL", url),
        Err(_) => command.env_remove("DATABASE_URL"),
    };
    let server = Server {
        child: command.spawn().expect("server starts"),
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    let ready_by = Instant::now() + Duration::from_secs(30);
    while !http
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < ready_by, "server not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let initial = std::fs::read_to_string(data.join("initial-admin-password")).expect("password");
    let mut lines = initial.lines();
    let (email, password) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let login = |email: String, password: String| {
        let http = http.clone();
        let base = server.base.clone();
        async move {
            let body: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .header("x-forwarded-for", "10.99.0.1")
                .json(&json!({"email": email, "password": password}))
                .send()
                .await
                .expect("login")
                .json()
                .await
                .expect("json");
            body["token"].as_str().expect("token").to_owned()
        }
    };
    let admin = login(email.to_owned(), password.to_owned()).await;
    let mut moderators = Vec::new();
    for m in 0..3 {
        let email = format!("moderator{m}@example.com");
        http.post(format!("{}/api/v1/admin/users", server.base))
            .bearer_auth(&admin)
            .json(&json!({"email": email, "role": "moderator", "password": "correct horse battery staple"}))
            .send()
            .await
            .expect("user");
        moderators.push(login(email, "correct horse battery staple".into()).await);
    }

    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for id in 0..8 {
        tasks.push(tokio::spawn(filer(
            id,
            server.base.clone(),
            Arc::clone(&files),
            Arc::clone(&tally),
            Arc::clone(&stop),
        )));
    }
    let stolen = moderators.pop().expect("third moderator");
    for (id, token) in moderators.into_iter().enumerate() {
        tasks.push(tokio::spawn(moderator(
            id as u64,
            server.base.clone(),
            token,
            Arc::clone(&tally),
            Arc::clone(&stop),
        )));
    }
    tasks.push(tokio::spawn(attacker(
        server.base.clone(),
        stolen,
        Arc::clone(&tally),
        Arc::clone(&stop),
    )));

    let mut memory: Vec<(u64, u64)> = Vec::new();
    let run_for = Duration::from_secs(minutes * 60);
    while started.elapsed() < run_for {
        tokio::time::sleep(Duration::from_secs(5)).await;
        memory.push((started.elapsed().as_secs(), server.rss_kib()));
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }

    // Every validated case's email out (or the wait gives up after five minutes).
    let validated = tally
        .validated
        .lock()
        .map(|v| v.clone())
        .unwrap_or_default();
    let drained_by = Instant::now() + Duration::from_secs(300);
    loop {
        let pending: Value = http
            .get(format!(
                "{}/api/v1/admin/deliveries?status=pending&limit=1",
                server.base
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("json");
        if pending["items"].as_array().is_some_and(Vec::is_empty) || Instant::now() > drained_by {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The attacker guessed the admin's password from elsewhere all along:
    // the admin, from their own address, still gets in.
    let admin_gets_in = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .header("x-forwarded-for", "10.99.0.1")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    let received = smtp.received();
    let mut per_case: HashMap<String, usize> = HashMap::new();
    for mail in received
        .iter()
        .filter(|m| m.rcpt_to == vec![REGULATOR.to_owned()])
    {
        let parsed = mail.parsed();
        let case = parsed
            .header_raw("X-Qinglang-Case")
            .unwrap_or_default()
            .trim()
            .to_owned();
        *per_case.entry(case).or_default() += 1;
    }
    let sent_once = validated
        .iter()
        .filter(|r| per_case.get(r.as_str()) == Some(&1))
        .count();
    let sent_twice = per_case.values().filter(|&&n| n > 1).count();
    let accepted = tally.accepted.lock().map(|a| a.clone()).unwrap_or_default();
    let mut stored = 0;
    for reference in &accepted {
        if http
            .get(format!("{}/api/v1/cases/{reference}", server.base))
            .bearer_auth(&admin)
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            stored += 1;
        }
    }

    let mut latencies = tally
        .moderator_latency_ms
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let mut answers: Vec<((&str, u16), u64)> = tally
        .answers
        .lock()
        .map(|a| a.iter().map(|(k, v)| (*k, *v)).collect())
        .unwrap_or_default();
    answers.sort();
    let minute = |from: u64, to: u64| {
        let window: Vec<u64> = memory
            .iter()
            .filter(|(t, _)| (from..to).contains(t))
            .map(|(_, kib)| *kib)
            .collect();
        window.iter().sum::<u64>() / window.len().max(1) as u64 / 1024
    };
    let elapsed = run_for.as_secs();
    println!(
        "soak: {minutes} min of mixed traffic, {} database",
        if std::env::var("BENCH_DATABASE_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    for ((what, status), n) in &answers {
        println!("  {what:<14} {status}: {n}");
    }
    println!("  server errors (5xx): {}", tally.server_errors());
    println!(
        "  transport errors: {}",
        tally.transport_errors.load(Ordering::Relaxed)
    );
    println!(
        "  throttled answers without Retry-After or a message: {}",
        tally.untold.load(Ordering::Relaxed)
    );
    println!(
        "  accepted reports: {} (stored and readable: {stored})",
        accepted.len()
    );
    println!(
        "  validated cases: {} (regulator email sent exactly once: {sent_once}; cases mailed more than once: {sent_twice})",
        validated.len()
    );
    println!(
        "  moderator requests under load: {} — p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "  server RSS: peak {} MiB; first minute {} MiB, last minute {} MiB",
        memory.iter().map(|(_, k)| *k).max().unwrap_or(0) / 1024,
        minute(0, 60),
        minute(elapsed.saturating_sub(60), elapsed + 1)
    );
    let by_minute: Vec<String> = (0..minutes)
        .map(|m| minute(m * 60, (m + 1) * 60).to_string())
        .collect();
    println!("  server RSS by minute (MiB): {}", by_minute.join(", "));
    println!("  admin logs in from their own address after the attack: {admin_gets_in}");
    let ok = tally.server_errors() == 0
        && admin_gets_in
        && stored == accepted.len()
        && sent_once == validated.len()
        && sent_twice == 0
        && tally.untold.load(Ordering::Relaxed) == 0;
    println!("  verdict: {}", if ok { "PASS" } else { "FAIL" });
    if !ok {
        std::process::exit(1);
    }
}
