//! Load benchmark for report intake, against the release binary in its own
//! process (so its memory can be read from /proc and its database polled).
//!
//! `cargo bench --bench intake_load` runs:
//! 1. throughput, once per mix of files (`--mix phone750|mixed|all`):
//!    reports with one distinct, realistic screenshot each (rendered with
//!    the Noto CJK font, see `tests/support/screens.rs`; the font must be
//!    installed), 32 concurrent connections. It prints
//!    - the request rate: reports answered 201 per second, from the first
//!      request to the last answer;
//!    - latency percentiles (send to answer) and errors;
//!    - the sustained rate: reports per second from the first request until
//!      the background analysis (fingerprints, OCR when tesseract is
//!      installed) has drained, i.e. no case profile is left dirty in the
//!      server's database (polled read-only from this process);
//! 2. memory: 20 simultaneous 10 MiB uploads; prints the server's peak RSS.
//!
//! Options (after `--`): `--requests N` (default 4000 for phone750, 1000 for
//! mixed), `--concurrency N` (32), `--only throughput|memory`, `--mix
//! phone750|mixed|all` (all), `--ocr auto|off` (auto: the server reads
//! screenshots when tesseract with chi_sim is installed), `--drain-timeout S`
//! (600: how long to wait for the backlog before extrapolating), `--sizes`
//! (print the corpus' size distribution and stop), `--storage fs|s3|both`
//! (fs: evidence on the local disk; s3: in a Garage started on loopback, as
//! the S3 tests do, `garage` installed; both: one after the other, with the
//! ratio of their request rates). `BENCH_SERVER_BIN=path`
//! runs another build of the server (to compare with an earlier commit);
//! `BENCH_KEEP_DATABASE=dir` keeps a copy of each run's database there.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::multipart::{Form, Part};

#[path = "../tests/support/screens.rs"]
mod screens;

// The S3 tests' Garage harness (not all of it is used here).
#[allow(dead_code)]
#[path = "../tests/api/garage.rs"]
mod garage;

const BUCKET: &str = "qinglang-bench";

struct Server {
    child: Child,
    base: String,
    data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// CPU time the server has used so far, in clock ticks.
    fn cpu_ticks(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the parenthesised command name; utime and stime are 14th and 15th.
        let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        field(11) + field(12)
    }

    /// Waits until the server has been idle (no CPU time used) for a second:
    /// the background work an upload starts (fingerprints, OCR) counts too.
    async fn wait_until_idle(&self) {
        let mut last = self.cpu_ticks();
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.cpu_ticks();
            if now == last {
                return;
            }
            last = now;
        }
    }

    /// Peak resident memory of the server process, in MiB.
    fn peak_rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }

    /// The server's SQLite database, opened read-only from this process.
    fn database(&self) -> Backlog {
        let path = self.data.path().join("qinglang.db");
        let mut conn = SqliteConnection::establish(&format!("file:{}?mode=ro", path.display()))
            .expect("the server's database opens");
        diesel::sql_query("PRAGMA busy_timeout = 5000")
            .execute(&mut conn)
            .expect("busy timeout");
        Backlog { conn }
    }
}

/// The background analysis still to do, read from the server's database.
struct Backlog {
    conn: SqliteConnection,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl Backlog {
    fn count(&mut self, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.conn)
            .map(|c| c.n)
            .expect("counting rows")
    }

    /// Cases whose signals (fingerprints, OCR, rules) are not computed yet.
    fn dirty_cases(&mut self) -> i64 {
        self.count("SELECT COUNT(*) AS n FROM case_profiles WHERE dirty")
    }

    /// Cases whose computation failed at least once (retried a minute later).
    fn failed_cases(&mut self) -> i64 {
        self.count("SELECT COUNT(*) AS n FROM case_profiles WHERE dirty AND attempts > 0")
    }

    fn images_without_fingerprint(&mut self) -> i64 {
        self.count(
            "SELECT COUNT(*) AS n FROM evidence WHERE content_type LIKE 'image/%' \
             AND (phash IS NULL OR thumbnail IS NULL)",
        )
    }

    fn images_with_text(&mut self) -> i64 {
        self.count("SELECT COUNT(*) AS n FROM evidence WHERE ocr_text IS NOT NULL")
    }

    /// Waits (polling every 100 ms) until no case is dirty, or `timeout`.
    /// Returns when it drained, or how many were left.
    async fn drain(&mut self, timeout: Duration) -> Result<Instant, i64> {
        let started = Instant::now();
        loop {
            let left = self.dirty_cases();
            if left == 0 {
                return Ok(Instant::now());
            }
            if started.elapsed() >= timeout {
                return Err(left);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_server(ocr: bool, s3: Option<&garage::Garage>) -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut storage: Vec<(&str, String)> = Vec::new();
    if let Some(garage) = s3 {
        storage = vec![
            ("QINGLANG_STORAGE_URL", format!("s3://{BUCKET}/evidence")),
            ("QINGLANG_S3_ENDPOINT", garage.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", garage.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", garage.secret.clone()),
            ("AWS_REGION", "garage".into()),
        ];
    }
    // `BENCH_SERVER_BIN` compares another build (e.g. the previous commit's).
    let binary = std::env::var_os("BENCH_SERVER_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_qinglang")),
        PathBuf::from,
    );
    let child = Command::new(binary)
        .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
        .env("QINGLANG_DATA_DIR", data.path())
        .env("QINGLANG_OCR", ocr.to_string())
        // One client address files thousands of reports here: the limits
        // stay on (their reservation is part of each filing's cost) but are
        // raised out of the way.
        .env("QINGLANG_FILING_LIMIT_PER_ADDRESS", "1000000000")
        .env("QINGLANG_FILING_LIMIT_TOTAL", "1000000000")
        .env_remove("DATABASE_URL")
        .envs(storage)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server starts");
    // Owned by `Server` from here on, so it is killed and reaped on every path.
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        data,
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let ready = format!("{}/readyz", server.base);
        if client
            .get(ready)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not become ready");
}

/// Whether the server will read screenshots: tesseract with Simplified
/// Chinese data installed (what the server itself checks).
fn tesseract_installed() -> bool {
    Command::new("tesseract")
        .arg("--list-langs")
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "chi_sim")
        })
}

fn report_json(n: usize) -> String {
    serde_json::json!({
        "category": "fake_review",
        "platform": "pinduoduo",
        "merchant_name": format!("测试旗舰店 {n}"),
        "merchant_province": "广东省",
        "description": format!("第 {n} 份举报：商品页的五星好评几乎都是同一模板，评价时间集中，疑似刷单炒信。"),
        "review_texts": ["超赞！物美价廉，五星好评！", format!("好评 {n}")],
        "reporter": {"email": format!("user{n}@example.com")}
    })
    .to_string()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What one round of filings gave.
struct Round {
    started: Instant,
    elapsed: Duration,
    latencies: Vec<Duration>,
    errors: usize,
}

/// Files one report per file in `files[range]`, `concurrency` at a time.
async fn file_reports(
    client: &reqwest::Client,
    url: &str,
    files: &Arc<Vec<screens::Screen>>,
    range: std::ops::Range<usize>,
    concurrency: usize,
) -> Round {
    let next = Arc::new(AtomicUsize::new(range.start));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (next, client, url, files, end) = (
            Arc::clone(&next),
            client.clone(),
            url.to_owned(),
            Arc::clone(files),
            range.end,
        );
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= end {
                    break;
                }
                let file = &files[n];
                let form = Form::new()
                    .part(
                        "report",
                        Part::text(report_json(n))
                            .mime_str("application/json")
                            .expect("mime"),
                    )
                    .part(
                        "evidence",
                        Part::bytes(file.bytes.clone()).file_name(file.name.clone()),
                    );
                let sent = Instant::now();
                match client.post(&url).multipart(form).send().await {
                    Ok(r) if r.status().as_u16() == 201 => {
                        let _ = r.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    Ok(r) => {
                        errors += 1;
                        eprintln!(
                            "status {}: {}",
                            r.status(),
                            r.text().await.unwrap_or_default()
                        );
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.await.expect("worker");
        latencies.extend(l);
        errors += e;
    }
    latencies.sort();
    Round {
        started,
        elapsed: started.elapsed(),
        latencies,
        errors,
    }
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`), 100 on Linux.
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

struct ThroughputOptions {
    concurrency: usize,
    ocr: bool,
    drain_timeout: Duration,
    /// Evidence in this object store instead of on the local disk.
    s3: Option<Arc<garage::Garage>>,
}

/// Runs one round; its request rate (reports answered 201 per second).
async fn throughput(
    mix: screens::Mix,
    files: Vec<screens::Screen>,
    options: &ThroughputOptions,
) -> f64 {
    let warm_up = (options.concurrency * 2).min(files.len() / 2);
    let requests = files.len() - warm_up;
    let files = Arc::new(files);
    let server = start_server(options.ocr, options.s3.as_deref()).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency)
        .build()
        .expect("client");
    let url = format!("{}/api/v1/reports", server.base);
    let mut backlog = server.database();

    // Warm-up (its own files), and its background work done before measuring.
    file_reports(&client, &url, &files, 0..warm_up, options.concurrency).await;
    let _ = backlog.drain(options.drain_timeout).await;
    let load_before = load_average();

    let ticks_before = server.cpu_ticks();
    let round = file_reports(
        &client,
        &url,
        &files,
        warm_up..files.len(),
        options.concurrency,
    )
    .await;
    let answered_at = round.started + round.elapsed;
    let ticks_answered = server.cpu_ticks();
    let dirty_at_answer = backlog.dirty_cases();
    let drained = backlog.drain(options.drain_timeout).await;
    let ticks_drained = server.cpu_ticks();
    let filed = round.latencies.len();
    let ocr = if options.ocr {
        "OCR on (tesseract, SCHED_IDLE)"
    } else {
        "OCR off"
    };
    println!(
        "\nintake, mix {} ({}), {} connections, {ocr}, evidence {}; load average before {load_before}, after {}",
        mix.name(),
        screens::size_summary(&files[warm_up..]),
        options.concurrency,
        if options.s3.is_some() {
            "in S3 (Garage on loopback)"
        } else {
            "on the local disk"
        },
        load_average()
    );
    println!(
        "  request rate:   {:>6.1} reports/s  ({filed} of {requests} reports answered 201 in {:.2} s, first request to last answer)",
        filed as f64 / round.elapsed.as_secs_f64(),
        round.elapsed.as_secs_f64(),
    );
    let l = &round.latencies;
    println!(
        "  latency:        p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms  (each request, sent to answered)",
        ms(percentile(l, 0.50)),
        ms(percentile(l, 0.90)),
        ms(percentile(l, 0.99)),
        ms(percentile(l, 1.0))
    );
    println!("  errors:         {}", round.errors);
    match drained {
        Ok(at) => {
            let total = at - round.started;
            println!(
                "  sustained rate: {:>6.1} reports/s  ({filed} reports in {:.2} s, first request until no case awaits its signals; the backlog drained {:.2} s after the last answer)",
                filed as f64 / total.as_secs_f64(),
                total.as_secs_f64(),
                (at - answered_at).as_secs_f64()
            );
        }
        Err(left) => {
            // Not drained in time: say how fast it was draining.
            let waited = answered_at.elapsed();
            let rate = (dirty_at_answer - left).max(0) as f64 / waited.as_secs_f64();
            println!(
                "  sustained rate: not reached: {left} of {filed} cases still await their signals {:.0} s after the last answer \
                 ({dirty_at_answer} did at the last answer; failed at least once: {}); background rate since the last answer \
                 {rate:.2} cases/s, so about {:.2} reports/s sustained",
                waited.as_secs_f64(),
                backlog.failed_cases(),
                filed as f64 / (waited.as_secs_f64() + round.elapsed.as_secs_f64() + left as f64 / rate.max(1e-9))
            );
        }
    }
    // CPU time is steadier than rates on a shared machine.
    let tick_ms = 1000.0 / clock_ticks_per_second();
    println!(
        "  server CPU:     {:.2} ms per report until the last answer, {:.2} ms per report until drained (user + system; tesseract's own processes not counted)",
        (ticks_answered - ticks_before) as f64 * tick_ms / filed.max(1) as f64,
        (ticks_drained - ticks_before) as f64 * tick_ms / filed.max(1) as f64,
    );
    println!(
        "  background:     images still without fingerprint {}, images with OCR text {}",
        backlog.images_without_fingerprint(),
        backlog.images_with_text()
    );
    println!(
        "  server peak RSS during the run: {:.1} MiB",
        server.peak_rss_mib()
    );
    // `BENCH_KEEP_DATABASE=dir`: a copy of the server's database, to study.
    if let Some(dir) = std::env::var_os("BENCH_KEEP_DATABASE") {
        let dir = PathBuf::from(dir).join(mix.name());
        std::fs::create_dir_all(&dir).expect("BENCH_KEEP_DATABASE folder");
        for file in ["qinglang.db", "qinglang.db-wal"] {
            let _ = std::fs::copy(server.data.path().join(file), dir.join(file));
        }
        println!("  database copied to {}", dir.display());
    }
    filed as f64 / round.elapsed.as_secs_f64()
}

/// A valid PDF of exactly `size` bytes, distinct per `seed`.
fn big_pdf(size: usize, seed: usize) -> Vec<u8> {
    let head = format!(
        "%PDF-1.7\n% upload {seed}\n1 0 obj\n<< /Length {} >>\nstream\n",
        size
    );
    let tail = b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n";
    let mut pdf = head.into_bytes();
    let filler = size - pdf.len() - tail.len();
    pdf.extend((0..filler).map(|i| (i * 31 + seed) as u8));
    pdf.extend_from_slice(tail);
    pdf
}

/// A photo-like PNG just under 10 MiB (noise does not compress), distinct per `seed`.
fn big_png(seed: usize) -> Vec<u8> {
    let mut state = seed as u64 * 0x9E37_79B9_7F4A_7C15 + 1;
    let image = image::RgbImage::from_fn(1800, 1800, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgb([r, g, b])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
}

/// A 12-megapixel phone photo as a JPEG just under 10 MiB (a gradient with
/// sensor-like noise), distinct per `seed`. Decoded it is 36 MB of pixels.
fn big_jpeg(seed: usize) -> Vec<u8> {
    let mut state = seed as u64 * 0x9E37_79B9_7F4A_7C15 + 1;
    let image = image::RgbImage::from_fn(4000, 3000, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        let base = ((x / 16 + y / 12) % 200) as u8;
        image::Rgb([base + r % 56, base / 2 + g % 56, 255 - base - b % 56])
    });
    for quality in (50..=95).rev().step_by(5) {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&image)
            .expect("encode");
        if out.len() < 10 * 1024 * 1024 - 4096 {
            return out;
        }
    }
    panic!("could not fit the photo under 10 MiB");
}

async fn memory(kind: &str) {
    // Made before the server starts, so the uploads really are simultaneous.
    let size = 10 * 1024 * 1024 - 4096;
    let files: Vec<(Vec<u8>, &str)> = std::thread::scope(|scope| {
        let makers: Vec<_> = (0..20)
            .map(|n| {
                scope.spawn(move || match kind {
                    "png" => (big_png(n), "photo.png"),
                    "jpeg" => (big_jpeg(n), "photo.jpg"),
                    _ => (big_pdf(size, n), "invoice.pdf"),
                })
            })
            .collect();
        makers
            .into_iter()
            .map(|m| m.join().expect("made"))
            .collect()
    });
    let largest = files.iter().map(|(f, _)| f.len()).max().unwrap_or(0);
    let server = start_server(true, None).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/reports", server.base);
    server.wait_until_idle().await;
    let baseline = server.peak_rss_mib();
    let started = Instant::now();
    let mut uploads = Vec::new();
    for (n, (file, name)) in files.into_iter().enumerate() {
        let (client, url) = (client.clone(), url.clone());
        let size = file.len();
        uploads.push(tokio::spawn(async move {
            // Stream the body in 64 KiB chunks, like a real upload.
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                file.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
            let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
            let form = Form::new()
                .part(
                    "report",
                    Part::text(report_json(n))
                        .mime_str("application/json")
                        .expect("mime"),
                )
                .part(
                    "evidence",
                    Part::stream_with_length(body, size as u64).file_name(name),
                );
            client
                .post(&url)
                .multipart(form)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut ok = 0;
    for upload in uploads {
        if upload.await.expect("join").is_ok_and(|s| s == 201) {
            ok += 1;
        }
    }
    let accepted_after = started.elapsed();
    server.wait_until_idle().await;
    println!(
        "memory: 20 simultaneous {kind} uploads (largest {largest} bytes), {ok} accepted in {:.2} s, background work done after {:.1} s; \
         server peak RSS {:.1} MiB (after start-up {:.1} MiB)",
        accepted_after.as_secs_f64(),
        started.elapsed().as_secs_f64(),
        server.peak_rss_mib(),
        baseline
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
    let requests: Option<usize> = option("--requests").and_then(|v| v.parse().ok());
    let concurrency = option("--concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let only = option("--only");
    let mixes = match option("--mix").as_deref() {
        None | Some("all") => vec![screens::Mix::Phone750, screens::Mix::Mixed],
        Some(name) => vec![screens::Mix::parse(name)
            .unwrap_or_else(|| panic!("--mix phone750|mixed|all, not {name}"))],
    };
    let ocr = match option("--ocr").as_deref() {
        None | Some("auto") => tesseract_installed(),
        Some("off") => false,
        Some(other) => panic!("--ocr auto|off, not {other}"),
    };
    let drain_timeout = Duration::from_secs(
        option("--drain-timeout")
            .and_then(|v| v.parse().ok())
            .unwrap_or(600),
    );
    let s3_store = || Some(Arc::new(garage::Garage::start(BUCKET)));
    let stores: Vec<Option<Arc<garage::Garage>>> = match option("--storage").as_deref() {
        None | Some("fs") => vec![None],
        Some("s3") => vec![s3_store()],
        Some("both") => vec![None, s3_store()],
        Some(other) => panic!("--storage fs|s3|both, not {other}"),
    };
    if only.as_deref() != Some("memory") {
        let fonts = screens::Fonts::load().unwrap_or_else(|e| {
            panic!("intake_load needs real screenshots, rendered with a CJK font: {e}")
        });
        let cache = corpus_cache();
        for mix in mixes {
            let requests = requests.unwrap_or(match mix {
                screens::Mix::Phone750 => 4000,
                screens::Mix::Mixed => 1000,
            });
            let warm_up = concurrency * 2;
            let started = Instant::now();
            let files = screens::corpus(&fonts, mix, requests + warm_up, &cache);
            println!(
                "corpus {}: {} ({:.1} s to make or read, cached in {})",
                mix.name(),
                screens::size_summary(&files),
                started.elapsed().as_secs_f64(),
                cache.display()
            );
            if args.iter().any(|a| a == "--sizes") {
                print_histogram(&files);
                continue;
            }
            let mut rates = Vec::new();
            for s3 in &stores {
                let options = ThroughputOptions {
                    concurrency,
                    ocr,
                    drain_timeout,
                    s3: s3.clone(),
                };
                rates.push(throughput(mix, files.clone(), &options).await);
            }
            if let [fs, s3] = rates[..] {
                println!(
                    "\nS3 / filesystem request rate, mix {}: {s3:.1} / {fs:.1} reports/s = {:.0} %",
                    mix.name(),
                    100.0 * s3 / fs
                );
            }
        }
    }
    if only.as_deref() != Some("throughput") && !args.iter().any(|a| a == "--sizes") {
        memory("pdf").await;
        memory("png").await;
        memory("jpeg").await;
    }
}

/// Where generated corpora are kept between runs.
fn corpus_cache() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/intake-screens")
}

/// Counts of files per 100 KB of size, and per name (page kind and size).
fn print_histogram(files: &[screens::Screen]) {
    let mut buckets = std::collections::BTreeMap::new();
    let mut kinds = std::collections::BTreeMap::new();
    for file in files {
        *buckets.entry(file.bytes.len() / 100_000).or_insert(0) += 1;
        *kinds.entry(file.name.clone()).or_insert(0) += 1;
    }
    for (bucket, count) in buckets {
        println!(
            "  {:>4}–{:<4} KB: {count}",
            bucket * 100,
            bucket * 100 + 100
        );
    }
    for (kind, count) in kinds {
        println!("  {kind}: {count}");
    }
}
