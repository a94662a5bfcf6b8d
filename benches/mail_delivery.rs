//! Regulator email timings against the release binary in its own process
//! and a real SMTP server on loopback (the test suite's, in this process):
//! `cargo bench --bench mail_delivery`.
//!
//! Every case carries three 200 KB evidence files, so every regulator email
//! has three 200 KB attachments (plus the case file).
//!
//! (a) Latency: cases validated one at a time; for each, the time from the
//!     `validated` answer to the SMTP server's acceptance of the email.
//!     Target: median under 2 s.
//! (b) Throughput: many cases validated at once by concurrent moderators;
//!     emails accepted per second, from the first `validated` request to the
//!     last acceptance. Target: at least 50 a second.
//!
//! Options (after `--`): `--latency N` (default 50), `--burst N` (default
//! 500). SQLite in a fresh data directory unless `BENCH_DATABASE_URL` names
//! an empty PostgreSQL database.

#[path = "../tests/api/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const ATTACHMENT_BYTES: usize = 200 * 1024;

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

/// A PDF of about `size` bytes, distinct per seed (so files never dedupe).
fn pdf(size: usize, seed: u64) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n1 0 obj<< /Length 0 >>stream\n".to_vec();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while out.len() < size - 40 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.extend_from_slice(b"\nendstream endobj\ntrailer<<>>\n%%EOF\n");
    out
}

fn report_form(n: u64) -> Form {
    let report = json!({
        "category": "fake_review",
        "platform": "taobao",
        "merchant_name": format!("压测店铺{n}"),
        "merchant_province": "浙江省",
        "merchant_city": "杭州市",
        "description": "商家组织刷单，好评返现，评价内容高度雷同。",
        "review_texts": ["物流很快，包装精美，五星好评"],
    });
    let mut form = Form::new().text("report", report.to_string());
    for i in 0..3 {
        form = form.part(
            "evidence",
            Part::bytes(pdf(ATTACHMENT_BYTES, n * 3 + i))
                .file_name(format!("evidence-{i}.pdf"))
                .mime_str("application/pdf")
                .expect("mime"),
        );
    }
    form
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn file(&self, n: u64) -> String {
        let response = self
            .http
            .post(format!("{}/api/v1/reports", self.base))
            .multipart(report_form(n))
            .send()
            .await
            .expect("filed");
        assert_eq!(response.status().as_u16(), 201, "filing");
        let body: Value = response.json().await.expect("json");
        body["reference"].as_str().expect("reference").to_owned()
    }

    async fn transition(&self, reference: &str, body: Value) {
        let response = self
            .http
            .post(format!(
                "{}/api/v1/cases/{reference}/transitions",
                self.base
            ))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("transition");
        let status = response.status().as_u16();
        assert_eq!(
            status,
            200,
            "{body}: {}",
            response.text().await.unwrap_or_default()
        );
    }
}

async fn wait_for_count(smtp: &smtp::SmtpServer, count: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while smtp.count() < count {
        assert!(
            Instant::now() < deadline,
            "only {} of {count} emails arrived",
            smtp.count()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Files `count` cases (8 at a time) and moves them to `under_review`.
async fn cases_under_review(client: &Arc<Client>, first: u64, count: usize) -> Vec<String> {
    let mut references = Vec::with_capacity(count);
    for chunk in (first..first + count as u64).collect::<Vec<_>>().chunks(8) {
        let mut tasks = Vec::new();
        for &n in chunk {
            let client = Arc::clone(client);
            tasks.push(tokio::spawn(async move {
                let reference = client.file(n).await;
                client
                    .transition(&reference, json!({"to": "under_review"}))
                    .await;
                reference
            }));
        }
        for task in tasks {
            references.push(task.await.expect("task"));
        }
    }
    references
}

fn validated() -> Value {
    json!({
        "to": "validated",
        "from": "under_review",
        "reason": "多名独立举报人提供了相同的刷单截图。",
    })
}

#[tokio::main]
async fn main() {
    if cfg!(debug_assertions) {
        println!(
            "note: unoptimized build; run `cargo bench --bench mail_delivery` for real figures"
        );
    }
    let latency_cases = option("--latency", 50);
    let burst_cases = option("--burst", 500);
    let smtp = smtp::SmtpServer::start().await;

    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/mail");
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
        .env("QINGLANG_REGULATOR_INBOX", "cases@amr.example.gov.cn")
        // One client address files thousands of reports here: the limits
        // stay on (their reservation is part of each filing's cost) but are
        // raised out of the way.
        .env("QINGLANG_FILING_LIMIT_PER_ADDRESS", "1000000000")
        .env("QINGLANG_FILING_LIMIT_TOTAL", "1000000000")
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
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http
            .get(format!("{}/readyz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "server not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The file holds the first admin's email, then the password.
    let initial = std::fs::read_to_string(data.join("initial-admin-password"))
        .expect("initial admin password");
    let mut lines = initial.lines();
    let (email, password) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let login: Value = http
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {login}"))
        .to_owned();
    let client = Arc::new(Client {
        http,
        base: server.base.clone(),
        token,
    });
    println!(
        "each case: three {} KB PDF files; one regulator email per case",
        ATTACHMENT_BYTES / 1024
    );

    // (a) one at a time
    let references = cases_under_review(&client, 0, latency_cases).await;
    let mut latencies = Vec::with_capacity(latency_cases);
    for reference in &references {
        let before = smtp.count();
        client.transition(reference, validated()).await;
        let answered = Instant::now();
        wait_for_count(&smtp, before + 1, Duration::from_secs(30)).await;
        let accepted = smtp.accepted_at()[before];
        latencies.push(accepted.saturating_duration_since(answered));
    }
    latencies.sort();
    println!(
        "(a) validated answer → SMTP acceptance, {} cases one by one: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    let sample = &smtp.received()[0];
    println!(
        "    one email is {:.0} KB on the wire",
        sample.data.len() as f64 / 1024.0
    );

    // (b) a burst
    let references = cases_under_review(&client, 1_000_000, burst_cases).await;
    let before = smtp.count();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in references.chunks(burst_cases.div_ceil(16).max(1)) {
        let (client, chunk) = (Arc::clone(&client), chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            for reference in chunk {
                client.transition(&reference, validated()).await;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let all_validated = started.elapsed();
    wait_for_count(&smtp, before + burst_cases, Duration::from_secs(600)).await;
    let last = smtp.accepted_at()[before + burst_cases - 1];
    let span = last.saturating_duration_since(started);
    println!(
        "(b) {burst_cases} cases validated by 16 moderators at once in {:.2} s; all {burst_cases} emails accepted after {:.2} s: {:.0} emails/s",
        all_validated.as_secs_f64(),
        span.as_secs_f64(),
        burst_cases as f64 / span.as_secs_f64()
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
