//! The regulator's side at scale: a million cases, the open ones each under
//! a deadline (seeded over two years, so most are long overdue — the
//! reminder scan's worst case).
//!
//! It measures:
//! - the deadline and reminder scan (`cases::reminders::scan`, as every
//!   worker runs it every few minutes), scan after scan, each queueing the
//!   next batch of reminders, straight on the database;
//! - the queue's `overdue=true` and `sort=due` pages with varied filters;
//! - through the release binary, the response page's API
//!   (`GET /api/v1/regulator-responses/{token}`) for 2,000 forwarded cases
//!   from many addresses at once, and answers posted through it.
//!
//! `cargo bench --bench regulator_load` seeds once (cached in
//! `target/bench-data/regulator-<backend>-<N>`); `BENCH_DATABASE_URL=
//! postgres://…/empty_db` runs it on PostgreSQL. Options (after `--`):
//! `--cases N` (1000000), `--scans N` (15), `--requests N` (4000).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use qinglang::db::deliveries::{self, NewDelivery};
use qinglang::db::queue::{self, QueueFilter, Sort};
use qinglang::db::schema::reports;
use qinglang::domain::calendar::DeadlinePolicy;
use qinglang::domain::catalog::Category;
use qinglang::domain::delivery::{Addressing, DeliveryKind};
use qinglang::domain::status::ReportStatus;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SECRET: &str = "bench-secret-key-0123456789abcdef0123456789";
const LINKS: usize = 2000;

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
        .env("QINGLANG_SECRET_KEY", SECRET)
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
        "{name:<58} n={:<5} p50 {:>8.2} ms  p99 {:>8.2} ms  max {:>8.2} ms",
        samples.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

fn add_user(data: &Path, database_url: Option<&str>, email: &str, role: &str) {
    use std::io::Write;
    let mut child = qinglang(data, database_url)
        .args([
            "user",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"correct horse battery staple\n")
        .expect("password");
    assert!(child.wait().expect("user add ends").success());
}

fn addressing() -> Addressing {
    Addressing {
        deadlines: DeadlinePolicy::default(),
        inbox_name: Some("监管部门收件箱".into()),
        inbox_email: "inbox@regulator.localhost".into(),
        message_id_domain: "qinglang.localhost".into(),
        notices_per_mailbox: None,
    }
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
    let scans = option("--scans", 15) as usize;
    let requests = option("--requests", 4000) as usize;
    let database_url = std::env::var("BENCH_DATABASE_URL").ok();
    let backend = if database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/regulator-{backend}-{cases}"));
    std::fs::create_dir_all(&cache).expect("data dir");
    let marker = cache.join("seeded");
    if !marker.exists() {
        println!("seeding {cases} cases on {backend} (once)");
        let started = Instant::now();
        add_user(&cache, database_url.as_deref(), "boss@example.com", "admin");
        add_user(
            &cache,
            database_url.as_deref(),
            "mod@example.com",
            "moderator",
        );
        let status = qinglang(&cache, database_url.as_deref())
            .args(["dev", "seed", "--cases", &cases.to_string()])
            .status()
            .expect("seed runs");
        assert!(status.success(), "seeding failed");
        std::fs::write(&marker, "ok").expect("marker");
        println!("seeded in {:.0} s", started.elapsed().as_secs_f64());
    }
    // Each run starts from the seeded state: on SQLite a copy of the file;
    // on PostgreSQL the reminders and deliveries of earlier runs are removed.
    let run = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("target/bench-data/regulator-{backend}-{cases}-run"));
    let _ = std::fs::remove_dir_all(&run);
    std::fs::create_dir_all(&run).expect("run dir");
    let url = match &database_url {
        Some(url) => url.clone(),
        None => {
            std::fs::copy(cache.join("qinglang.db"), run.join("qinglang.db")).expect("copy");
            run.join("qinglang.db").to_string_lossy().into_owned()
        }
    };
    std::fs::copy(cache.join("secret-key"), run.join("secret-key")).ok();
    let pool = qinglang::db::connect(&url, 2, None).expect("database");
    let mut conn = pool.get().expect("connection");
    if database_url.is_some() {
        for statement in [
            "DELETE FROM reminders",
            "DELETE FROM regulator_responses",
            "DELETE FROM deliveries",
            "UPDATE deadlines SET reminded_at = NULL, escalated_at = NULL",
        ] {
            diesel::sql_query(statement)
                .execute(&mut conn)
                .expect("reset");
        }
    }
    let open: i64 = qinglang::db::schema::deadlines::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    println!("{backend}, {cases} cases, {open} under a deadline");

    // Regulator deliveries (accepted) for some forwarded cases, as if they had been sent.
    let addressing = addressing();
    let now = Utc::now().naive_utc();
    let forwarded: Vec<i64> = reports::table
        .filter(reports::status.eq(ReportStatus::Forwarded.code()))
        .order(reports::id.desc())
        .limit(LINKS as i64)
        .select(reports::id)
        .load(&mut conn)
        .expect("forwarded cases");
    let mut delivery_ids = Vec::new();
    for report_id in &forwarded {
        let message_id = addressing.new_message_id(DeliveryKind::Regulator);
        let id = deliveries::insert(
            &mut conn,
            NewDelivery {
                report_id: *report_id,
                kind: DeliveryKind::Regulator,
                regulator_id: None,
                recipient_name: Some("浙江省市场监督管理局"),
                recipient_email: "ts@zj.gov.example",
                message_id: &message_id,
                note: None,
                secret: None,
                replies_to: None,
            },
            now,
        )
        .expect("delivery");
        deliveries::mark_accepted(&mut conn, id, "250 ok", now).expect("accepted");
        delivery_ids.push(id);
    }

    // The scan, again and again: each takes the next batch.
    let mut samples = Vec::new();
    let mut queued = 0;
    for _ in 0..scans {
        let started = Instant::now();
        let scanned =
            qinglang::cases::reminders::scan(&mut conn, &addressing, Utc::now().naive_utc())
                .expect("scan");
        samples.push(started.elapsed());
        queued += scanned.queued();
    }
    report(
        &format!("deadline and reminder scan ({queued} reminders queued)"),
        samples,
    );

    // The queue's deadline views, with varied filters.
    let mut rng = StdRng::seed_from_u64(13);
    let mut overdue = Vec::new();
    let mut by_due = Vec::new();
    for i in 0..200 {
        let mut filter = QueueFilter {
            limit: 50,
            now: Some(Utc::now().naive_utc()),
            ..QueueFilter::default()
        };
        match rng.random_range(0..4) {
            0 => filter.status = Some(ReportStatus::Submitted),
            1 => filter.category = Some(Category::ALL[rng.random_range(0..Category::ALL.len())]),
            2 => filter.status = Some(ReportStatus::NeedsInfo),
            _ => {}
        }
        if i % 2 == 0 {
            filter.overdue = true;
            let started = Instant::now();
            queue::queue(&mut conn, &filter, 1).expect("queue");
            overdue.push(started.elapsed());
        } else {
            filter.sort = Some(Sort::Due);
            let started = Instant::now();
            queue::queue(&mut conn, &filter, 1).expect("queue");
            by_due.push(started.elapsed());
        }
    }
    report("queue: overdue=true (varied filters)", overdue);
    report("queue: sort=due (varied filters)", by_due);
    drop(conn);

    // The response page through the release binary, from many addresses.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let _server = Server(
        qinglang(&run, database_url.as_deref())
            .env("DATABASE_URL", &url)
            .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
            .env("QINGLANG_TRUST_PROXY", "true")
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
    let key = qinglang::keys::SigningKey::from_bytes(SECRET.as_bytes());
    let expires = (now + chrono::Duration::days(180)).and_utc().timestamp();
    let tokens: Arc<Vec<String>> = Arc::new(
        delivery_ids
            .iter()
            .map(|id| qinglang::links::response_token(&key, *id, expires))
            .collect(),
    );
    let workers = 8;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (http, base, tokens) = (http.clone(), base.clone(), Arc::clone(&tokens));
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(w as u64);
            let mut samples = Vec::new();
            for i in 0..requests / workers {
                let token = &tokens[rng.random_range(0..tokens.len())];
                let address = format!("10.{}.{}.{}", w, i / 250 % 250, i % 250 + 1);
                let t = Instant::now();
                let response = http
                    .get(format!("{base}/api/v1/regulator-responses/{token}"))
                    .header("x-forwarded-for", address)
                    .send()
                    .await
                    .expect("sent");
                assert_eq!(response.status().as_u16(), 200);
                response.bytes().await.expect("body");
                samples.push(t.elapsed());
            }
            samples
        }));
    }
    let mut pages = Vec::new();
    for task in tasks {
        pages.extend(task.await.expect("joined"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = pages.len();
    report(
        &format!(
            "response page GET, {workers} at once ({:.0}/s)",
            n as f64 / elapsed
        ),
        pages,
    );
    let mut answers = Vec::new();
    for (i, token) in tokens.iter().take(500).enumerate() {
        let t = Instant::now();
        let response = http
            .post(format!("{base}/api/v1/regulator-responses/{token}"))
            .header("x-forwarded-for", format!("10.200.{}.{}", i / 250, i % 250 + 1))
            .json(&serde_json::json!({"kind": "accepted", "own_reference": format!("杭市监投〔2026〕{i}号")}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 201);
        answers.push(t.elapsed());
    }
    report("response POST (accepted), one at a time", answers);
}
