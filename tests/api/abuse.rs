//! An anonymous service under attack: floods of filings and logins, mail to
//! strangers, hostile input, stalled connections, a spoofed proxy chain —
//! each of the holes an outside attack found, shown closed.

use std::time::Duration;

use diesel::prelude::*;
use qinglang::domain::account::Role;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// An app behind a (simulated) trusted proxy, so each request can come
/// from its own client address through `X-Forwarded-For`.
async fn behind_proxy(adjust: impl FnOnce(&mut qinglang::Config)) -> TestApp {
    spawn_app_with(|c| {
        c.trust_proxy = true;
        adjust(c);
    })
    .await
}

async fn file_as(app: &TestApp, base: &str, ip: &str, report: &Value) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/v1/reports"))
        .header("x-forwarded-for", ip)
        .multipart(form_with(report))
        .send()
        .await
        .expect("sent")
}

pub(crate) async fn count(app: &TestApp, sql: &'static str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    qinglang::db::run(&app.state().pool, move |conn| {
        Ok(diesel::sql_query(sql)
            .load::<N>(conn)
            .map_err(qinglang::error::AppError::from)?[0]
            .n)
    })
    .await
    .expect("count")
}

#[tokio::test]
async fn filing_is_limited_per_address_and_the_limit_is_shared_by_every_instance() {
    let mut app = behind_proxy(|c| c.filing_limit_per_address = 3).await;
    let report = valid_report();
    // Six at once from one address: the count is taken before the work,
    // so exactly three get through.
    let attempts = futures_util::future::join_all(
        (0..6).map(|_| file_as(&app, &app.address, "198.51.100.7", &report)),
    )
    .await;
    let mut statuses: Vec<u16> = attempts.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, vec![201, 201, 201, 429, 429, 429]);
    for response in attempts.into_iter().filter(|r| r.status() == 429) {
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=3600).contains(&retry), "{retry}");
        let (_, body) = problem(response).await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("提交过于频繁"),
            "a message the reporter understands: {body}"
        );
    }
    assert_eq!(app.counts().await.0, 3, "throttled filings left nothing");
    // Another address is not affected…
    assert_eq!(
        file_as(&app, &app.address, "198.51.100.8", &report)
            .await
            .status(),
        201
    );
    // …and a second instance on the same database sees the same count.
    let second = app
        .spawn_another_instance(|c| {
            c.trust_proxy = true;
            c.filing_limit_per_address = 3;
            c.filing_limit_total = 0;
            c.notice_limit_per_address = 0;
        })
        .await;
    assert_eq!(
        file_as(&app, &second, "198.51.100.7", &report)
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn the_whole_service_has_a_ceiling_too() {
    let app = behind_proxy(|c| c.filing_limit_total = 2).await;
    let report = valid_report();
    for (ip, expected) in [("192.0.2.1", 201), ("192.0.2.2", 201), ("192.0.2.3", 429)] {
        assert_eq!(
            file_as(&app, &app.address, ip, &report).await.status(),
            expected,
            "{ip}"
        );
    }
}

/// The outbox's `.eml` files addressed to `mailbox`, once the worker is idle.
async fn mail_to(app: &TestApp, mailbox: &str) -> Vec<String> {
    let dir = app.data_dir.path().join("mail-outbox");
    let mut last = usize::MAX;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let files: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .filter(|text| text.contains(mailbox))
                    .collect()
            })
            .unwrap_or_default();
        let pending = count(
            app,
            "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'",
        )
        .await;
        if pending == 0 && files.len() == last {
            return files;
        }
        last = files.len();
    }
}

#[tokio::test]
async fn a_stranger_s_mailbox_gets_a_few_notices_a_day_and_none_of_the_filer_s_words() {
    let app = spawn_app_with(|c| c.notice_limit_per_address = 3).await;
    let mut report = valid_report();
    let bait = "您的账户异常，请立即访问 http://evil.example 处理";
    report["reporter"] = json!({"email": "target@victim.example", "name": bait});
    let filed = futures_util::future::join_all((0..8).map(|_| {
        app.client
            .post(app.url("/api/v1/reports"))
            .multipart(form_with(&report))
            .send()
    }))
    .await;
    assert!(filed
        .iter()
        .all(|r| r.as_ref().is_ok_and(|r| r.status() == 201)));
    let mails = mail_to(&app, "target@victim.example").await;
    assert_eq!(mails.len(), 3, "the mailbox's daily limit");
    for mail in &mails {
        assert!(!mail.contains("evil.example"), "{mail}");
        let decoded = mail_parser::MessageParser::default()
            .parse(mail.as_bytes())
            .expect("a message");
        let to = decoded.to().and_then(|a| a.first()).expect("to");
        assert_eq!(to.name(), None, "no display name from the form");
        assert!(!decoded
            .body_text(0)
            .unwrap_or_default()
            .contains("账户异常"));
    }
}

#[tokio::test]
async fn mailboxes_without_a_real_domain_are_refused() {
    let app = spawn_app().await;
    for email in [
        "x@localhost",
        "x@internal-host",
        "x@[127.0.0.1]",
        "x@printer.local",
        "x@mail.internal",
        "x@10.0.0.1",
    ] {
        let mut report = valid_report();
        report["reporter"] = json!({"email": email});
        let response = app.post_report(form_with(&report)).await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 422, "{email}: {body}");
        assert!(
            error_fields(&body)
                .iter()
                .any(|(field, _)| field == "reporter.email"),
            "{email}: {body}"
        );
    }
    app.assert_nothing_stored().await;
}

async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

#[tokio::test]
async fn concurrent_guesses_are_counted_before_they_are_checked() {
    let app = behind_proxy(|_| {}).await;
    app.create_user("mod@example.com", Role::Moderator).await;
    let guesses = futures_util::future::join_all(
        (0..60).map(|_| login_from(&app, "203.0.113.5", "mod@example.com", "wrong password!!")),
    )
    .await;
    assert_eq!(guesses.iter().filter(|&&s| s == 401).count(), 10);
    assert_eq!(guesses.iter().filter(|&&s| s == 429).count(), 50);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'auth.login_failed'"
        )
        .await,
        10,
        "only the counted attempts were checked"
    );
    // Random accounts from one address: bounded by the address's count.
    let app = &app;
    let sprayed = futures_util::future::join_all((0..150).map(|n| {
        let email = format!("nobody{n}@example.com");
        async move { login_from(app, "203.0.113.6", &email, "wrong password!!").await }
    }))
    .await;
    assert_eq!(sprayed.iter().filter(|&&s| s == 401).count(), 30);
    assert_eq!(sprayed.iter().filter(|&&s| s == 429).count(), 120);
}

#[tokio::test]
async fn guesses_elsewhere_do_not_lock_out_the_admin() {
    let app = behind_proxy(|_| {}).await;
    app.create_user("boss@example.com", Role::Admin).await;
    for _ in 0..10 {
        assert_eq!(
            login_from(&app, "203.0.113.66", "boss@example.com", "not the password").await,
            401
        );
    }
    assert_eq!(
        login_from(&app, "203.0.113.66", "boss@example.com", STAFF_PASSWORD).await,
        429,
        "the guessing address is locked out"
    );
    assert_eq!(
        login_from(&app, "198.51.100.1", "boss@example.com", STAFF_PASSWORD).await,
        200,
        "the admin, from their own address, is not"
    );
}

#[tokio::test]
async fn login_input_no_email_can_be_is_refused_before_anything_is_written() {
    let app = spawn_app().await;
    for email in [
        "a".repeat(250_000) + "@example.com",
        "mod\u{0}@example.com".to_owned(),
        format!("{}@example.com", "x".repeat(250)),
    ] {
        let (status, body) = problem(app.login(&email, "whatever password").await).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body)[0].0, "email", "{body}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM audit_log").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM rate_limits").await,
        0
    );
}

#[tokio::test]
async fn staff_change_their_password_and_the_generated_one_is_forgotten() {
    let app = spawn_app().await;
    let file = app.data_dir.path().join("initial-admin-password");
    let written = std::fs::read_to_string(&file).expect("the first start writes it");
    let initial = written.lines().nth(1).expect("password line").to_owned();
    let response = app.login("admin@qinglang.local", &initial).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(!file.exists(), "removed once it has been used");

    let other = app.login("admin@qinglang.local", &initial).await;
    let other_token = other.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/v1/auth/password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    let (status, body) = problem(
        change("wrong one entirely", "a much better password")
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, error_fields(&body)[0].0.as_str()),
        (422, "current_password")
    );
    let (status, body) = problem(change(&initial, "short").await.expect("sent")).await;
    assert_eq!(
        (status, error_fields(&body)[0].0.as_str()),
        (422, "new_password")
    );
    assert_eq!(
        change(&initial, "a much better password")
            .await
            .expect("sent")
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        app.login("admin@qinglang.local", &initial).await.status(),
        401
    );
    assert_eq!(
        app.login("admin@qinglang.local", "a much better password")
            .await
            .status(),
        200
    );
    let still = app
        .client
        .get(app.url("/api/v1/auth/session"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("sent");
    assert_eq!(still.status(), 200, "this session goes on");
    let ended = app
        .client
        .get(app.url("/api/v1/auth/session"))
        .bearer_auth(&other_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(ended.status(), 401, "the other sessions end");
}

#[tokio::test]
async fn free_text_searches_are_bounded() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let wordy: String = (0..100u32)
        .filter_map(|i| char::from_u32(0x4e00 + i * 211))
        .collect();
    for (field, value) in [
        ("merchant", wordy.clone()),
        ("q", wordy.chars().take(40).collect()),
        ("q", "刷".repeat(101)),
    ] {
        let url = format!(
            "/api/v1/cases?{field}={}",
            url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
        );
        let (status, body) = problem(app.staff_get(&moderator, &url).await).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(error_fields(&body)[0].0, field, "{body}");
    }
    let ok = app
        .staff_get(&moderator, "/api/v1/cases?merchant=某某数码")
        .await;
    assert_eq!(ok.status(), 200);
}

/// Reads until the server closes the connection; how long that took.
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Duration {
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("the connection was still open after 20 s"),
        }
    }
}

#[tokio::test]
async fn a_stalled_request_is_closed() {
    let app = spawn_app_with(|c| c.request_stall_secs = 2).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    // A body that stops arriving.
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    stream
        .write_all(
            b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\n\
              Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n",
        )
        .await
        .expect("write");
    let waited = until_closed(&mut stream).await;
    assert!(waited < Duration::from_secs(8), "closed after {waited:?}");
    // Headers that stop arriving.
    let mut stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    let waited = until_closed(&mut stream).await;
    assert!(waited < Duration::from_secs(8), "closed after {waited:?}");
    app.assert_nothing_stored().await;
}

#[cfg(unix)]
#[tokio::test]
async fn files_with_personal_data_are_the_service_s_alone() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(small_image(image::ImageFormat::Png), "a.png", "image/png"),
    );
    assert_eq!(app.post_report(form).await.status(), 201);
    mail_to(&app, "zhang@example.com").await;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let data = app.data_dir.path();
    for dir in [
        data.to_path_buf(),
        data.join("evidence"),
        data.join("mail-outbox"),
    ] {
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    }
    let mut files = vec![data.join("qinglang.db"), data.join("qinglang.db-wal")];
    files.extend(app.stored_files());
    files.extend(
        std::fs::read_dir(data.join("mail-outbox"))
            .expect("outbox")
            .flatten()
            .map(|e| e.path()),
    );
    for file in files.iter().filter(|f| f.exists()) {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
}

#[tokio::test]
async fn invisible_characters_are_not_a_name() {
    let app = spawn_app().await;
    let mut report = valid_report();
    report["merchant_name"] = json!("\u{200b}\u{200b}");
    let (status, body) = problem(app.post_report(form_with(&report)).await).await;
    assert_eq!(status, 422);
    assert!(error_fields(&body).contains(&("merchant_name".to_owned(), "required".to_owned())));
    // A right-to-left override is removed, not stored to turn a subject around.
    report["merchant_name"] = json!("某某\u{202e}店旗舰");
    let (reference, code) = app.file_report(&report, None).await;
    let shown: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["merchant_name"], "某某店旗舰");
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_right_most_untrusted_hop() {
    let app = spawn_app_with(|c| {
        c.trust_proxy = true;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().expect("cidr")];
    })
    .await;
    // The client forged the first entry; our proxies appended the rest.
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "1.2.3.4, 198.51.100.23, 10.0.0.5")
        .json(&json!({"email": "nobody@example.com", "password": "wrong password!!"}))
        .send()
        .await
        .expect("sent");
    let direct = spawn_app().await;
    direct
        .client
        .post(direct.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "1.2.3.4")
        .json(&json!({"email": "nobody@example.com", "password": "wrong password!!"}))
        .send()
        .await
        .expect("sent");
    for (app, expected) in [(&app, "198.51.100.23"), (&direct, "127.0.0.1")] {
        let ip = qinglang::db::run(&app.state().pool, |conn| {
            use qinglang::db::schema::audit_log;
            audit_log::table
                .select(audit_log::client_ip)
                .first::<Option<String>>(conn)
                .map_err(qinglang::error::AppError::from)
        })
        .await
        .expect("audited");
        assert_eq!(ip.as_deref(), Some(expected));
    }
}

#[tokio::test]
async fn a_forwarded_host_does_not_make_a_foreign_origin_ours() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    let note = |origin: String, forwarded: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/cases/{reference}/notes")))
            .header("cookie", format!("qinglang_session={}", moderator.token))
            .header("x-csrf-token", &moderator.csrf)
            .header("origin", origin)
            .header("x-forwarded-host", forwarded)
            .header("forwarded", format!("host={forwarded}"))
            .json(&json!({"body": "note"}))
            .send()
    };
    let foreign = note("http://evil.example".into(), "evil.example")
        .await
        .expect("sent");
    assert_eq!(foreign.status(), 403);
    let own = note(app.address.clone(), "evil.example")
        .await
        .expect("sent");
    assert_eq!(own.status(), 201);
}

/// A lossless WebP whose VP8X header claims a 100×100 canvas around a
/// `side`×`side` bitstream.
fn lying_webp(side: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(side, side, image::Rgba([250, 250, 250, 255]));
    let mut lossless = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut lossless)
        .encode(image.as_raw(), side, side, image::ExtendedColorType::Rgba8)
        .expect("encode");
    // RIFF <size> WEBP VP8L…: keep the VP8L chunk, put a lying VP8X before it.
    let vp8l = &lossless[12..];
    let mut vp8x = b"VP8X".to_vec();
    vp8x.extend_from_slice(&10u32.to_le_bytes());
    vp8x.extend_from_slice(&[0, 0, 0, 0]);
    for claimed in [99u32, 99] {
        vp8x.extend_from_slice(&claimed.to_le_bytes()[..3]);
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&((4 + vp8x.len() + vp8l.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&vp8x);
    out.extend_from_slice(vp8l);
    out
}

#[tokio::test]
async fn an_image_that_lies_about_its_size_is_refused_not_decoded() {
    let app = spawn_app().await;
    let webp = lying_webp(3000);
    assert!(webp.len() < 20_000, "{} bytes", webp.len());
    let form =
        form_with(&valid_report()).part("evidence", file_part(webp, "小图.webp", "image/webp"));
    let response = app.post_report(form).await;
    assert_refused(&app, response, 422, "evidence[0]", "corrupt_image").await;
    // An honest WebP still goes through.
    let honest = encode(
        image::DynamicImage::ImageRgb8(noise_image(200, 100, 3)),
        image::ImageFormat::WebP,
    );
    let form =
        form_with(&valid_report()).part("evidence", file_part(honest, "a.webp", "image/webp"));
    assert_eq!(app.post_report(form).await.status(), 201);
}

/// Huge blank images cost what a screenshot costs: they are read scaled
/// down, under a time limit and a per-report budget, so an unrelated case
/// waits no longer for its signals.
#[tokio::test]
#[ignore = "needs tesseract with chi_sim; run with `cargo test -- --include-ignored`"]
async fn huge_blank_images_do_not_hold_up_other_cases() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let blank = {
        let image = image::GrayImage::from_pixel(6300, 6300, image::Luma([255]));
        encode(
            image::DynamicImage::ImageLuma8(image),
            image::ImageFormat::Png,
        )
    };
    let mut form = form_with(&valid_report());
    for n in 0..3 {
        form = form.part(
            "evidence",
            file_part(blank.clone(), &format!("白{n}.png"), "image/png"),
        );
    }
    let started = std::time::Instant::now();
    assert_eq!(app.post_report(form).await.status(), 201);
    let mut other = valid_report();
    other["merchant_name"] = json!("另一家店");
    let (reference, _) = app
        .file_report(&other, Some(screenshot_png(750, 1334, 9)))
        .await;
    loop {
        let case: Value = app
            .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
            .await
            .json()
            .await
            .expect("json");
        if case["priority"]["computed_at"].is_string() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the unrelated case waited over a minute for its signals"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eprintln!("the unrelated case's signals after {:?}", started.elapsed());
    // Each blank was read (scaled down), not left to be tried again.
    let unread = count(
        &app,
        "SELECT COUNT(*) AS n FROM evidence WHERE content_type = 'image/png' AND ocr_text IS NULL",
    )
    .await;
    assert_eq!(unread, 0);
}
