//! Load benchmark for report intake, against the release binary in its own
//! process (so its memory can be read from /proc).
//!
//! `cargo bench --bench intake_load` runs both scenarios:
//! 1. throughput: reports with one ~110 KB phone screenshot (PNG), 32
//!    concurrent clients, every body distinct; prints rate, latency
//!    percentiles and errors;
//! 2. memory: 20 simultaneous 10 MiB uploads; prints the server's peak RSS.
//!
//! Options (after `--`): `--requests N` (default 4000), `--concurrency N`
//! (32), `--only throughput|memory`.

use std::io::Cursor;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};

struct Server {
    child: Child,
    base: String,
    _data: tempfile::TempDir,
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
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_server() -> Server {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_qinglang"))
        .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
        .env("QINGLANG_DATA_DIR", data.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("server starts");
    // Owned by `Server` from here on, so it is killed and reaped on every path.
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _data: data,
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

/// A phone screenshot: 1080×2340, UI bands and rows of glyph-like marks,
/// about 110 KB as PNG. `seed` shifts the content so each file differs.
fn screenshot(seed: u64) -> Vec<u8> {
    let image = image::RgbImage::from_fn(1080, 2340, |x, y| {
        let row = y / 48;
        let in_text = (y % 48) > 14 && (y % 48) < 34 && x > 40 && x < 1000;
        let glyph = (x / 11 + row * 7 + seed as u32) % 13;
        let line_length = 300 + ((row * 137 + seed as u32 * 29) % 640);
        if in_text && glyph < 3 && x < line_length && ((x ^ y) % 23 != 0) {
            image::Rgb([40, 40, 40])
        } else if row % 12 == 0 {
            image::Rgb([255, 80, 0])
        } else {
            image::Rgb([250, 250, 250])
        }
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode");
    out
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

async fn throughput(requests: usize, concurrency: usize) {
    let server = start_server().await;
    // Distinct screenshots (content shifts per seed); the JSON differs per request too.
    let images: Arc<Vec<Vec<u8>>> = Arc::new((0..16).map(screenshot).collect());
    if std::env::args().any(|a| a == "--sizes") {
        println!("{:?}", images.iter().map(Vec::len).collect::<Vec<_>>());
        return;
    }
    let sizes: Vec<usize> = images.iter().map(Vec::len).collect();
    println!(
        "screenshot PNG 1080x2340, {} to {} bytes",
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0)
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let url = format!("{}/api/v1/reports", server.base);

    let run = |count: usize| {
        let next = Arc::new(AtomicUsize::new(0));
        let client = client.clone();
        let url = url.clone();
        let images = Arc::clone(&images);
        async move {
            let started = Instant::now();
            let mut workers = Vec::new();
            for _ in 0..concurrency {
                let (next, client, url, images) = (
                    Arc::clone(&next),
                    client.clone(),
                    url.clone(),
                    Arc::clone(&images),
                );
                workers.push(tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut errors = 0usize;
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= count {
                            break;
                        }
                        let form = Form::new()
                            .part(
                                "report",
                                Part::text(report_json(n))
                                    .mime_str("application/json")
                                    .expect("mime"),
                            )
                            .part(
                                "evidence",
                                Part::bytes(images[n % images.len()].clone())
                                    .file_name(format!("screenshot-{n}.png")),
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
            (started.elapsed(), latencies, errors)
        }
    };

    run(200).await; // warm-up
    let (elapsed, mut latencies, errors) = run(requests).await;
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    println!(
        "throughput: {} reports in {:.2} s = {:.0} reports/s at {} concurrent clients; errors {}",
        latencies.len(),
        elapsed.as_secs_f64(),
        rate,
        concurrency,
        errors
    );
    println!(
        "latency: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.90).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        percentile(&latencies, 1.0).as_secs_f64() * 1000.0
    );
    println!(
        "server peak RSS during the run: {:.1} MiB",
        server.peak_rss_mib()
    );
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
    let server = start_server().await;
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
    let requests = option("--requests")
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let concurrency = option("--concurrency")
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let only = option("--only");
    if only.as_deref() != Some("memory") {
        throughput(requests, concurrency).await;
    }
    if only.as_deref() != Some("throughput") {
        memory("pdf").await;
        memory("png").await;
        memory("jpeg").await;
    }
}
