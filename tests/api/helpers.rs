//! The shared harness: every test gets the real application on a loopback
//! port, with a fresh data directory and a fresh database — SQLite by default,
//! or a new PostgreSQL database when `DATABASE_URL` is a `postgres://` URL.
//!
//! Each application runs on a thread of its own with its own runtime, and
//! is stopped — server, workers and database pool — when its `TestApp` is
//! dropped, so no test leaves connections open behind it: a PostgreSQL
//! client library torn down at process exit under live connections crashes
//! the test binary now and then (diesel-rs/diesel#3441).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use qinglang::{Application, Config};
use rand::Rng;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    instances: Vec<Running>,
    postgres: Option<(String, String)>,
}

/// An application serving on its own thread.
struct Running {
    state: Option<actix_web::web::Data<qinglang::http::AppState>>,
    stop: qinglang::StopHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Builds the application from `config` on a new thread with its own
    /// runtime; returns once it serves.
    fn start(config: Config) -> (Running, u16) {
        let (ready, started) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let app = Application::build(config).await.expect("app builds");
                let _ = ready.send((app.port(), app.state(), app.stop_handle()));
                let _ = app.run_until_stopped().await;
            });
        });
        let (port, state, stop) = started.recv().expect("the application started");
        (
            Running {
                state: Some(state),
                stop,
                thread: Some(thread),
            },
            port,
        )
    }

    /// Stops the server and its workers, and waits until the thread (and
    /// with it every database connection) is gone.
    fn shut_down(&mut self) {
        drop(self.state.take());
        let stop = self.stop.clone();
        // Awaited on a thread of its own: this may run inside a test's
        // runtime, which cannot block on a future itself.
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(stop.stop(false));
            }
        })
        .join();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Spawns the app after `adjust` has changed its configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::for_data_dir(data_dir.path());
    // Tests file dozens of reports from 127.0.0.1 with one mailbox; the
    // limits have tests of their own (tests/api/abuse.rs), which set them.
    config.filing_limit_per_address = 0;
    config.filing_limit_total = 0;
    config.notice_limit_per_address = 0;
    let postgres = fresh_postgres_database();
    if let Some((_, url)) = &postgres {
        config.database_url = Some(url.clone());
    }
    adjust(&mut config);
    let (running, port) = Running::start(config);
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client"),
        data_dir,
        instances: vec![running],
        postgres,
    }
}

/// When the suite runs against PostgreSQL, a throw-away database per test:
/// `(name, url)`. Drop it with [`drop_postgres_database`].
pub fn fresh_postgres_database() -> Option<(String, String)> {
    let admin_url = std::env::var("DATABASE_URL").ok()?;
    if !admin_url.starts_with("postgres") {
        return None;
    }
    let name = format!("qinglang_test_{:016x}", rand::rng().random::<u64>());
    let mut admin =
        PgConnection::establish(&admin_url).expect("PostgreSQL from DATABASE_URL is reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .expect("create test database");
    let (base, query) = admin_url
        .split_once('?')
        .unwrap_or((admin_url.as_str(), ""));
    let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
    Some((name.clone(), format!("{base}/{name}?{}", test_query(query))))
}

/// The per-test URL's query: `DATABASE_URL`'s, plus `sslmode=disable` unless
/// it names a mode. Why: a finished test's server threads may still hold
/// connections when the test binary exits, and libpq's TLS (OpenSSL) is torn
/// down by `atexit` under them — an intermittent SIGSEGV after every test has
/// passed. The suite's server is normally on loopback, where TLS buys
/// nothing; name an `sslmode` in `DATABASE_URL` to keep it.
fn test_query(query: &str) -> String {
    if query.split('&').any(|pair| pair.starts_with("sslmode=")) {
        query.to_owned()
    } else if query.is_empty() {
        "sslmode=disable".to_owned()
    } else {
        format!("{query}&sslmode=disable")
    }
}

pub fn drop_postgres_database(name: &str) {
    if let Ok(admin_url) = std::env::var("DATABASE_URL") {
        if let Ok(mut admin) = PgConnection::establish(&admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for instance in &mut self.instances {
            instance.shut_down();
        }
        if let Some((name, _)) = &self.postgres {
            drop_postgres_database(name);
        }
    }
}

impl TestApp {
    /// The first instance's shared state, for tests that look behind the API.
    pub fn state(&self) -> &qinglang::http::AppState {
        self.instances[0]
            .state
            .as_ref()
            .expect("the application is running")
    }

    /// Starts another instance of the service over the same database and
    /// data directory (as several servers behind a load balancer); returns
    /// its base URL.
    pub async fn spawn_another_instance(&mut self, adjust: impl FnOnce(&mut Config)) -> String {
        let mut config = Config::for_data_dir(self.data_dir.path());
        config.database_url = self.database_url();
        adjust(&mut config);
        let (running, port) = Running::start(config);
        self.instances.push(running);
        format!("http://127.0.0.1:{port}")
    }
}

impl TestApp {
    /// The database URL the app uses, when it is not the default SQLite file.
    pub fn database_url(&self) -> Option<String> {
        self.postgres.as_ref().map(|(_, url)| url.clone())
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_report(&self, form: Form) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/reports"))
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_report(&self, reference: &str, code: &str) -> reqwest::Response {
        self.client
            .get(self.url(&format!("/api/v1/reports/{reference}")))
            .bearer_auth(code)
            .send()
            .await
            .expect("request sent")
    }

    pub fn evidence_dir(&self) -> PathBuf {
        self.data_dir.path().join("evidence")
    }

    /// Every stored evidence file (not counting in-flight staging files).
    pub fn stored_files(&self) -> Vec<PathBuf> {
        files_under(&self.evidence_dir())
            .into_iter()
            .filter(|p| !p.components().any(|c| c.as_os_str() == ".staging"))
            .collect()
    }

    pub fn staged_files(&self) -> Vec<PathBuf> {
        files_under(&self.evidence_dir().join(".staging"))
    }

    /// (reports, evidence rows) in the database.
    pub async fn counts(&self) -> (i64, i64) {
        qinglang::db::run(&self.state().pool, qinglang::db::reports::counts)
            .await
            .expect("counts")
    }

    /// A refused submission leaves no row and no file, not even a staged one.
    /// Temp files are removed as the request's state is dropped, which may
    /// trail the response by a moment: wait for it, briefly.
    pub async fn assert_nothing_stored(&self) {
        assert_eq!(self.counts().await, (0, 0), "no rows may be left behind");
        for _ in 0..50 {
            if self.stored_files().is_empty() && self.staged_files().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "files left behind: {:?} {:?}",
            self.stored_files(),
            self.staged_files()
        );
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

pub fn valid_report() -> Value {
    json!({
        "category": "fake_review",
        "platform": "taobao",
        "merchant_name": "某某数码旗舰店",
        "shop_url": "https://shop.example.com/123",
        "merchant_province": "浙江省",
        "merchant_city": "杭州市",
        "description": "商品页的五星好评几乎都是同一模板，评价时间集中在同一天，疑似刷单炒信。",
        "review_texts": ["超赞！物美价廉，五星好评！", "物流很快，包装精美，五星好评"],
        "logistics": {
            "carrier": "中通快递",
            "tracking_number": "ZTO7731234567890",
            "shipped_at": "2026-11-20 08:00",
            "delivered_at": "2026-11-21 09:30",
            "declared_weight_kg": 0.02,
            "origin": "浙江省杭州市",
            "destination": "上海市",
            "events": [{"time": "2026-11-20 08:00", "location": "杭州", "description": "已揽收"}]
        },
        "reporter": {"name": "张三", "email": "zhang@example.com", "phone": "13812345678"},
        "consent_share_contact": true
    })
}

/// A fake "official" repair hotline as a consumer reports it: no shop, no
/// platform, the number as the page wrote it.
pub fn hotline_report() -> Value {
    json!({
        "category": "fake_service_hotline",
        "description": "在百度搜索“联勒指纹锁售后”，打了页面上的“官方热线”，上门师傅说要换主板，收了 680 元，后来联勒官方说这不是他们的电话。",
        "hotline": {
            "number": "(1)４００－１８６５－９０９",
            "impersonated_brand": "联勒指纹锁",
            "found_via": "search_engine",
            "found_url": "https://m.lianle-weixiu.example.com/shouhou?id=7",
            "search_terms": "联勒指纹锁售后电话",
            "page_text": "联勒指纹锁全国统一24小时维修服务热线 … 400服务电话:400-1865-909(点击咨询) … 联勒指纹锁厂家总部售后统一热线:(1)400-1865-909(点击咨询)(2)400-1865-909(点击咨询) … 联勒指纹锁24小时网点维修服务电话 … 全国报修 有问题 必受理 … 最快30分钟 上门服务",
            "technician_visited": true,
            "amount_paid_yuan": 680,
            "incident_province": "上海市",
            "incident_city": "上海市"
        },
        "reporter": {"email": "li@example.com"},
        "consent_share_contact": false
    })
}

pub fn report_part(report: &Value) -> Part {
    Part::text(report.to_string())
        .mime_str("application/json")
        .expect("mime")
}

pub fn form_with(report: &Value) -> Form {
    Form::new().part("report", report_part(report))
}

pub fn file_part(bytes: Vec<u8>, name: &str, mime: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str(mime)
        .expect("mime")
}

/// Photo-like RGB noise (it does not compress: a few hundred KiB as PNG for
/// 500×400), distinct per seed.
pub fn noise_image(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut state = seed | 1;
    image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgb([r, g, b])
    })
}

/// A phone-screenshot-like PNG: flat bands and some "text" noise, distinct per seed.
pub fn screenshot_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let band = ((y / 40) as u64 + seed) % 5;
        let base = [240u8, 230, 250, 255, 245][band as usize];
        let text = (x / 6 + y / 9 + seed as u32).is_multiple_of(17) && (y % 40) > 12;
        if text {
            image::Rgb([30, 30, 30])
        } else {
            image::Rgb([base, base, 255])
        }
    });
    encode(
        image::DynamicImage::ImageRgb8(image),
        image::ImageFormat::Png,
    )
}

/// A page-like screenshot: a coloured bar, then paragraphs of "words" whose
/// lengths, line breaks and gaps come from the seed (no repeating pattern,
/// so a shifted or cropped copy lines up in one place only).
pub fn page_image(width: u32, height: u32, seed: u64) -> image::RgbImage {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |bound: u32| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % u64::from(bound.max(1))) as u32
    };
    let mut image = image::RgbImage::from_pixel(width, height, image::Rgb([250, 250, 250]));
    let bar = height / 14;
    for y in 0..bar {
        for x in 0..width {
            image.put_pixel(x, y, image::Rgb([230, 70, 40]));
        }
    }
    let line = (height / 60).max(6);
    let mut top = bar + line;
    while top + line < height {
        let mut x = width / 30;
        let end = width / 30 + width / 3 + next(width * 6 / 10);
        while x < end.min(width - 4) {
            let word = line + next(line * 3);
            for yy in top..top + line * 2 / 3 {
                for xx in x..(x + word).min(width - 4) {
                    image.put_pixel(xx, yy, image::Rgb([40, 40, 40]));
                }
            }
            x += word + line / 2;
        }
        top += line * 3 / 2 + if next(5) == 0 { line * 2 } else { 0 };
    }
    image
}

pub fn encode(image: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), format)
        .expect("encode");
    out
}

pub fn small_image(format: image::ImageFormat) -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    });
    encode(image::DynamicImage::ImageRgb8(image), format)
}

/// A minimal EXIF block (big-endian TIFF) with a GPS-ish marker string we can look for.
pub fn exif_block() -> Vec<u8> {
    let mut exif = b"MM\0\x2a\0\0\0\x08".to_vec();
    // One IFD entry: ImageDescription (0x010e), ASCII, pointing at the text after the IFD.
    let text = b"GPS 31.2304N 121.4737E secret-location\0";
    exif.extend_from_slice(&[0, 1]);
    exif.extend_from_slice(&[0x01, 0x0e, 0, 2]);
    exif.extend_from_slice(&(text.len() as u32).to_be_bytes());
    exif.extend_from_slice(&(8u32 + 2 + 12 + 4).to_be_bytes());
    exif.extend_from_slice(&[0, 0, 0, 0]);
    exif.extend_from_slice(text);
    exif
}

pub async fn problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.expect("problem body");
    assert_eq!(body["status"].as_u64(), Some(u64::from(status)));
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
    (status, body)
}

/// The fields named in a problem's `errors`.
pub fn error_fields(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts a refused submission: the status, exactly one error on `field` with `code`,
/// and nothing stored.
pub async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    status: u16,
    field: &str,
    code: &str,
) {
    let (actual, body) = problem(response).await;
    assert_eq!(actual, status, "{body}");
    let fields = error_fields(&body);
    assert!(
        fields.iter().any(|(f, c)| f == field && c == code),
        "expected {field}/{code} in {body}"
    );
    app.assert_nothing_stored().await;
}

/// A logged-in staff member.
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub user_id: i64,
}

impl TestApp {
    /// Creates an account directly (test set-up), returning its id.
    pub async fn create_user(&self, email: &str, role: qinglang::domain::account::Role) -> i64 {
        let email = email.to_owned();
        qinglang::db::run(&self.state().pool, move |conn| {
            qinglang::accounts::create(conn, &email, role, STAFF_PASSWORD)
        })
        .await
        .expect("create user")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sent")
    }

    /// Creates an account with `role` and logs it in.
    pub async fn staff(&self, email: &str, role: qinglang::domain::account::Role) -> Session {
        let user_id = self.create_user(email, role).await;
        let response = self.login(email, STAFF_PASSWORD).await;
        assert_eq!(response.status().as_u16(), 200);
        let body: Value = response.json().await.expect("json");
        Session {
            token: body["token"].as_str().expect("token").to_owned(),
            csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
            user_id,
        }
    }

    pub async fn moderator(&self) -> Session {
        self.staff(
            "mod@example.com",
            qinglang::domain::account::Role::Moderator,
        )
        .await
    }

    pub async fn admin(&self) -> Session {
        self.staff("boss@example.com", qinglang::domain::account::Role::Admin)
            .await
    }

    pub async fn staff_get(&self, session: &Session, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(&session.token)
            .send()
            .await
            .expect("sent")
    }

    pub async fn staff_post(
        &self,
        session: &Session,
        path: &str,
        body: Value,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }

    pub async fn staff_put(&self, session: &Session, path: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .expect("sent")
    }

    /// Files a valid report (optionally with one PNG), returning (reference, tracking code).
    pub async fn file_report(&self, report: &Value, png: Option<Vec<u8>>) -> (String, String) {
        let mut form = form_with(report);
        if let Some(png) = png {
            form = form.part("evidence", file_part(png, "shot.png", "image/png"));
        }
        self.file_form(form).await
    }

    /// Files `form`, which must be accepted; the reference and tracking code.
    pub async fn file_form(&self, form: Form) -> (String, String) {
        let response = self.post_report(form).await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.expect("json");
        (
            body["reference"].as_str().expect("reference").to_owned(),
            body["tracking_code"].as_str().expect("code").to_owned(),
        )
    }

    /// Moves a case as `session`, returning the status code.
    pub async fn move_case(&self, session: &Session, reference: &str, body: Value) -> u16 {
        self.staff_post(
            session,
            &format!("/api/v1/cases/{reference}/transitions"),
            body,
        )
        .await
        .status()
        .as_u16()
    }
}

pub const STAFF_PASSWORD: &str = "correct horse battery staple";

/// Posts a hand-made body to the report endpoint.
pub async fn post_raw(app: &TestApp, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/reports"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent")
}
