//! Forwarding validated cases to regulators, and the reporter's notices,
//! against a real SMTP server on loopback (see `smtp.rs`) or the .eml file
//! transport: recipients, subject, both bodies, attachments and their
//! fingerprints, injection attempts, and every fault the outbox must ride out.

use std::future::Future;
use std::time::Duration;

use mail_parser::MimeHeaders;
use qinglang::Config;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::smtp::{unused_port, Behaviour, SmtpServer};

pub(crate) const REGULATOR: &str = "ts@zj.gov.example";
pub(crate) const REPORTER: &str = "zhang@example.com";
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// An app whose mail goes to `smtp` (or to .eml files without one), with
/// fast polling and retries so faults resolve within a test.
pub(crate) async fn mail_app(smtp: Option<String>, adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(|config| {
        config.smtp_url = smtp;
        config.mail_poll_ms = 100;
        config.mail_retry_base_secs = 1;
        config.smtp_timeout_secs = 5;
        adjust(config);
    })
    .await
}

pub(crate) async fn add_regulator(app: &TestApp, admin: &Session, body: Value) -> i64 {
    let response = app
        .staff_post(admin, "/api/v1/admin/regulators", body)
        .await;
    assert_eq!(response.status().as_u16(), 201);
    response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub(crate) async fn zhejiang(app: &TestApp, admin: &Session) -> i64 {
    add_regulator(
        app,
        admin,
        json!({
            "name": "浙江省市场监督管理局",
            "email": REGULATOR,
            "provinces": ["浙江省"],
            "categories": ["fake_review", "abnormal_logistics"],
        }),
    )
    .await
}

pub(crate) async fn case(app: &TestApp, session: &Session, reference: &str) -> Value {
    let response = app
        .staff_get(session, &format!("/api/v1/cases/{reference}"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

/// under_review, then validated with `extra` fields (reason, regulator_ids).
pub(crate) async fn validate(
    app: &TestApp,
    moderator: &Session,
    reference: &str,
    extra: Value,
) -> u16 {
    assert_eq!(
        app.move_case(moderator, reference, json!({"to": "under_review"}))
            .await,
        200
    );
    let mut body = json!({
        "to": "validated",
        "from": "under_review",
        "reason": "多名举报人提供的截图与物流记录一致，情况属实。",
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    app.move_case(moderator, reference, body).await
}

/// Polls `check` until it yields a value, or fails after `within`.
pub(crate) async fn eventually<T, F, Fut>(what: &str, within: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn wait_for_status(
    app: &TestApp,
    session: &Session,
    reference: &str,
    status: &str,
) -> Value {
    eventually(&format!("{reference} to be {status}"), WAIT, || async {
        let case = case(app, session, reference).await;
        (case["status"] == status).then_some(case)
    })
    .await
}

/// Through a real `qinglang` process at `base`: adds a moderator with
/// `binary` (the command with that process's environment), logs in, files a
/// report without contact details and validates it. Returns the moderator's
/// token and the case's reference.
pub(crate) async fn validate_through_the_binary(
    client: &reqwest::Client,
    base: &str,
    mut binary: std::process::Command,
) -> (String, String) {
    use std::io::Write;

    let mut child = binary
        .args([
            "user",
            "add",
            "--email",
            "mod@example.com",
            "--role",
            "moderator",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{STAFF_PASSWORD}\n").as_bytes())
        .expect("password");
    assert!(child.wait().expect("user add ends").success());
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "mod@example.com", "password": STAFF_PASSWORD}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let created: Value = client
        .post(format!("{base}/api/v1/reports"))
        .multipart(form_with(&report))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let reference = created["reference"].as_str().expect("reference").to_owned();
    for body in [
        json!({"to": "under_review"}),
        json!({"to": "validated", "reason": "经核实情况属实"}),
    ] {
        let status = client
            .post(format!("{base}/api/v1/cases/{reference}/transitions"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("sent")
            .status();
        assert_eq!(status.as_u16(), 200);
    }
    (token, reference)
}

const PRODUCT_URL: &str = "https://item.example.com/item.htm?id=778899";
const ORDER_ID: &str = "ORD-2026-1120-778899";

/// A size as the manifest writes it (`512 B`, `12.3 KB`, `1.5 MB`).
fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / 1024.0 / 1024.0)
    }
}

/// `type/subtype` of a part, lower-case.
fn mime_of(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default()).to_ascii_lowercase())
        .unwrap_or_default()
}

/// The regulator's email is `multipart/mixed`: first a
/// `multipart/alternative` of `text/plain` then `text/html`, then one
/// attachment per attached evidence file, then `case-<reference>.json` and
/// its detached signature `case-<reference>.json.sig`.
pub(crate) fn assert_regulator_mail_structure(
    parsed: &mail_parser::Message<'_>,
    attached_files: usize,
) {
    let root = parsed.root_part();
    assert_eq!(mime_of(root), "multipart/mixed");
    let children = root.sub_parts().expect("the root is multipart");
    assert_eq!(
        children.len(),
        1 + attached_files + 2,
        "the bodies, each attached file, the case file and its signature"
    );
    let bodies = parsed.part(children[0]).expect("the first part");
    assert_eq!(mime_of(bodies), "multipart/alternative");
    let alternatives: Vec<String> = bodies
        .sub_parts()
        .expect("alternative parts")
        .iter()
        .map(|id| mime_of(parsed.part(*id).expect("part")))
        .collect();
    assert_eq!(
        alternatives,
        vec!["text/plain".to_owned(), "text/html".to_owned()],
        "plain text first, HTML last (the preferred)"
    );
    for id in &children[1..] {
        let part = parsed.part(*id).expect("part");
        let disposition = part.content_disposition().expect("a Content-Disposition");
        assert_eq!(disposition.ctype(), "attachment");
        assert!(part.attachment_name().is_some_and(|n| !n.is_empty()));
    }
    let case_file = parsed.part(children[children.len() - 2]).expect("part");
    assert_eq!(mime_of(case_file), "application/json");
    let name = case_file.attachment_name().expect("named").to_owned();
    assert!(name.starts_with("case-") && name.ends_with(".json"));
    let signature = parsed.part(*children.last().expect("parts")).expect("part");
    assert_eq!(mime_of(signature), "application/octet-stream");
    assert_eq!(
        signature.attachment_name(),
        Some(format!("{name}.sig").as_str())
    );
    assert_eq!(signature.contents().len(), 64, "a raw Ed25519 signature");
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn header_text(message: &mail_parser::Message<'_>, name: &str) -> Option<String> {
    message.header_raw(name).map(|v| v.trim().to_owned())
}

/// The text an HTML fragment shows: entities decoded (askama writes `<` as `&#60;`).
pub(crate) fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix('#')
                .and_then(|n| match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse::<u32>().ok(),
                })
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn a_validated_case_reaches_the_regulators_inbox_complete_and_fingerprinted() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    let zj = zhejiang(&app, &admin).await;
    add_regulator(
        &app,
        &admin,
        json!({"name": "上海市市场监督管理局", "email": "ts@sh.gov.example", "provinces": ["上海市"]}),
    )
    .await;

    let png = screenshot_png(300, 600, 7);
    let csv = "time,location,description\n2026-11-20 08:00,杭州,已揽收\n"
        .as_bytes()
        .to_vec();
    let mut report = valid_report();
    report["product_url"] = json!(PRODUCT_URL);
    report["order_id"] = json!(ORDER_ID);
    let form = form_with(&report)
        .part("evidence", file_part(png, "截图 1.png", "image/png"))
        .part("evidence", file_part(csv, "物流.csv", "text/csv"));
    let response = app.post_report(form).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("json");
    let reference = created["reference"].as_str().expect("reference").to_owned();
    let code = created["tracking_code"].as_str().expect("code").to_owned();

    let moderator = app.moderator().await;
    let routing: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}/routing"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        routing["targets"],
        json!([{"regulator_id": zj, "name": "浙江省市场监督管理局", "email": REGULATOR}]),
        "only the Zhejiang bureau covers a fake review from 浙江省"
    );
    assert_eq!(routing["default_inbox"], false);

    // The fraud signals are in the email once computed.
    eventually("the signals", WAIT, || async {
        let case = case(&app, &moderator, &reference).await;
        case["priority"]["computed_at"].is_string().then_some(())
    })
    .await;
    let reason = "评价模板高度一致，申报重量 0.02 千克，疑似空包刷单。";
    assert_eq!(
        validate(&app, &moderator, &reference, json!({"reason": reason})).await,
        200
    );
    let forwarded = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let messages = smtp.wait_for(REGULATOR, 1, WAIT).await;
    assert_eq!(messages.len(), 1, "sent once");
    let mail = &messages[0];
    assert_eq!(
        mail.rcpt_to,
        vec![REGULATOR.to_owned()],
        "only the directory's address"
    );
    assert_eq!(mail.mail_from, "noreply@qinglang.localhost");
    let parsed = mail.parsed();

    assert_eq!(
        parsed.subject(),
        Some(
            format!("[消费者举报 {reference}] 虚假好评 / 刷单炒信 · 某某数码旗舰店 · 淘宝")
                .as_str()
        )
    );
    assert_eq!(
        header_text(&parsed, "X-Qinglang-Case"),
        Some(reference.clone())
    );
    let delivery = &forwarded["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["kind"] == "regulator")
        .expect("a regulator delivery")
        .clone();
    assert_eq!(delivery["status"], "accepted");
    assert_eq!(delivery["attempts"], 1);
    assert!(delivery["smtp_reply"]
        .as_str()
        .is_some_and(|r| r.starts_with("250")));
    assert!(delivery["accepted_at"].is_string());
    assert_eq!(
        format!("<{}>", parsed.message_id().expect("message id")),
        delivery["message_id"].as_str().expect("stored id"),
        "the Message-ID is the one stored on the delivery"
    );

    let text = parsed.body_text(0).expect("text part").into_owned();
    let html = parsed.body_html(0).expect("html part").into_owned();
    let evidence = forwarded["evidence"].as_array().expect("evidence").clone();
    assert_eq!(evidence.len(), 2);
    for body in [text.clone(), html_text(&html)] {
        for needle in [
            reference.as_str(),
            "某某数码旗舰店",
            "https://shop.example.com/123",
            PRODUCT_URL,
            ORDER_ID,
            "虚假好评 / 刷单炒信",
            "淘宝",
            "浙江省 杭州市",
            "商品页的五星好评几乎都是同一模板",
            "超赞！物美价廉，五星好评！",
            "物流很快，包装精美，五星好评",
            "ZTO7731234567890",
            "0.02 千克",
            reason,
            "张三",
            REPORTER,
            "13812345678",
            "物流记录申报重量仅 0.02 千克",
        ] {
            assert!(body.contains(needle), "{needle} missing from a body");
        }
        // The manifest: each file's name, type, size and fingerprint.
        for file in &evidence {
            for needle in [
                file["display_name"].as_str().expect("name").to_owned(),
                file["content_type"].as_str().expect("type").to_owned(),
                human_size(file["size_bytes"].as_u64().expect("size")),
                file["sha256"].as_str().expect("sha").to_owned(),
            ] {
                assert!(body.contains(&needle), "{needle} missing from a body");
            }
        }
    }
    assert!(
        text.contains("举报类型：虚假好评 / 刷单炒信") && text.contains("购物平台：淘宝"),
        "the category and platform are labelled in zh-CN"
    );
    assert_regulator_mail_structure(&parsed, evidence.len());

    // Every evidence file attached, its bytes matching its fingerprint.
    let attachments: Vec<(String, Vec<u8>)> = parsed
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap_or_default().to_owned(),
                a.contents().to_vec(),
            )
        })
        .collect();
    for (i, file) in evidence.iter().enumerate() {
        let name = format!(
            "{:02}-{}",
            i + 1,
            file["display_name"].as_str().expect("name")
        );
        let (_, bytes) = attachments
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| {
                panic!(
                    "attachment {name} in {:?}",
                    attachments.iter().map(|a| &a.0).collect::<Vec<_>>()
                )
            });
        assert_eq!(sha256_hex(bytes), file["sha256"].as_str().expect("sha"));
    }
    let (_, case_file) = attachments
        .iter()
        .find(|(n, _)| *n == format!("case-{reference}.json"))
        .expect("the case file");
    let case_file: Value = serde_json::from_slice(case_file).expect("valid JSON");
    assert_eq!(case_file["format"], "qinglang-case/3");
    assert_eq!(case_file["reference"], reference.as_str());
    assert_eq!(case_file["validation_reason"], reason);
    assert_eq!(case_file["category"], "fake_review");
    assert_eq!(case_file["labels"]["category"]["zh"], "虚假好评 / 刷单炒信");
    assert_eq!(case_file["reporter"]["contact"]["email"], REPORTER);
    // The case file is made of the API's own parts: what the moderators saw
    // is what the regulator receives, field for field.
    for field in [
        "category",
        "platform",
        "merchant_name",
        "shop_url",
        "order_id",
        "merchant_province",
        "merchant_city",
        "description",
        "review_texts",
        "logistics",
    ] {
        assert_eq!(case_file[field], forwarded[field], "{field}");
    }
    assert_eq!(
        case_file["signals"].as_array().map(Vec::len),
        forwarded["signals"].as_array().map(Vec::len)
    );
    let manifest: Vec<&str> = case_file["evidence"]
        .as_array()
        .expect("manifest")
        .iter()
        .map(|e| e["sha256"].as_str().expect("sha"))
        .collect();
    let stored: Vec<&str> = evidence
        .iter()
        .map(|e| e["sha256"].as_str().expect("sha"))
        .collect();
    assert_eq!(manifest, stored);

    // The reporter sees who has the case, and got a receipt and the notice.
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    let last = view["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .expect("timeline");
    assert_eq!(last["status"], "forwarded");
    assert_eq!(
        last["note"], "浙江省市场监督管理局",
        "the status says forwarded; the note says to whom, without repeating it"
    );
    let notices = smtp.wait_for(REPORTER, 2, WAIT).await;
    let subjects: Vec<String> = notices
        .iter()
        .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
        .collect();
    assert!(subjects.contains(&format!("[清朗] 我们已收到您的举报 {reference}")));
    assert!(subjects.contains(&format!("[清朗] 您的举报 {reference} 已转交监管部门")));
    for notice in &notices {
        let parsed = notice.parsed();
        let text = parsed.body_text(0).expect("text").into_owned();
        assert!(
            !text.contains(&code),
            "the tracking code is never mailed unasked"
        );
        assert!(text.contains(&format!("/track?ref={reference}")));
        assert!(header_text(&parsed, "List-Unsubscribe").is_some());
    }
    assert!(
        smtp.received()
            .iter()
            .all(|m| m.rcpt_to == vec![REGULATOR.to_owned()]
                || m.rcpt_to == vec![REPORTER.to_owned()]),
        "nobody else got mail"
    );
}

#[tokio::test]
async fn without_consent_the_regulator_sees_no_contact_details() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["consent_share_contact"] = json!(false);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await.remove(0);
    let parsed = mail.parsed();
    let text = parsed.body_text(0).expect("text").into_owned();
    let html = parsed.body_html(0).expect("html").into_owned();
    for body in [text.clone(), html_text(&html)] {
        for secret in ["张三", REPORTER, "13812345678"] {
            assert!(!body.contains(secret), "{secret} leaked without consent");
        }
        assert!(body.contains("举报人未同意向监管部门提供联系方式"));
    }
    let case_file = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some(format!("case-{reference}.json").as_str()))
        .expect("case file");
    let case_file = String::from_utf8(case_file.contents().to_vec()).expect("utf-8");
    assert!(!case_file.contains(REPORTER) && !case_file.contains("13812345678"));
}

#[tokio::test]
async fn consumer_text_cannot_add_headers_recipients_or_markup() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;

    // Line breaks are refused in every single-line field at intake, each
    // named in the problem: the reporter's email (the To: of their notices)
    // and phone, the URLs, the logistics record and its events.
    let injection = "\r\nBcc: evil@example.com";
    for (pointer, field, value, codes) in [
        ("/merchant_name", "merchant_name", "x", "control_characters"),
        ("/merchant_city", "merchant_city", "x", "control_characters"),
        ("/order_id", "order_id", "x", "control_characters"),
        (
            "/shop_url",
            "shop_url",
            "https://shop.example.com/1",
            "control_characters url",
        ),
        (
            "/product_url",
            "product_url",
            "https://item.example.com/1",
            "control_characters url",
        ),
        (
            "/reporter/name",
            "reporter.name",
            "张三",
            "control_characters",
        ),
        (
            "/reporter/email",
            "reporter.email",
            REPORTER,
            "control_characters email",
        ),
        (
            "/reporter/phone",
            "reporter.phone",
            "13812345678",
            "control_characters phone",
        ),
        (
            "/logistics/carrier",
            "logistics.carrier",
            "中通快递",
            "control_characters",
        ),
        (
            "/logistics/tracking_number",
            "logistics.tracking_number",
            "ZTO7731234567890",
            "control_characters",
        ),
        (
            "/logistics/origin",
            "logistics.origin",
            "浙江省杭州市",
            "control_characters",
        ),
        (
            "/logistics/destination",
            "logistics.destination",
            "上海市",
            "control_characters",
        ),
        (
            "/logistics/events/0/location",
            "logistics.events[0].location",
            "杭州",
            "control_characters",
        ),
        (
            "/logistics/events/0/description",
            "logistics.events[0].description",
            "已揽收",
            "control_characters",
        ),
    ] {
        for separator in ["\r\n", "\n", "\r"] {
            let mut report = valid_report();
            let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
            report
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .expect("an object of the valid report")
                .insert(
                    key.to_owned(),
                    json!(format!(
                        "{value}{}",
                        injection.replacen("\r\n", separator, 1)
                    )),
                );
            let response = app.post_report(form_with(&report)).await;
            let (status, body) = problem(response).await;
            assert_eq!(status, 422, "{field} with {separator:?}: {body}");
            assert!(
                error_fields(&body)
                    .iter()
                    .any(|(f, c)| f == field && codes.split(' ').any(|code| code == c)),
                "{field} with {separator:?} must be refused by name: {body}"
            );
            app.assert_nothing_stored().await;
        }
    }

    // …and what remains (Unicode separators in names, SMTP commands and
    // markup in multi-line text) stays text in the message.
    let smuggle = "正文\r\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<evil@example.com>\r\nDATA\r\nSubject: smuggled\r\n\r\n.\r\n";
    let markup = "<script>alert(1)</script><a href=\"http://evil.example/\">点我</a><img src=x onerror=alert(2)>";
    let mut report = valid_report();
    report["merchant_name"] = json!(format!("店\u{2028}Bcc: evil@example.com {markup}"));
    report["merchant_city"] = json!(format!("杭州\u{2029}To: evil@example.com"));
    report["order_id"] = json!(markup);
    report["description"] = json!(format!("{smuggle}{markup}"));
    report["review_texts"] = json!([markup, smuggle]);
    report["reporter"]["name"] = json!(format!("张三\u{2028}Cc: evil@example.com"));
    report["logistics"]["carrier"] = json!("<b>顺丰</b>");
    // The upload's name becomes the attachment's filename: one that tries to
    // close the parameter, add another and start a header line (sent as
    // RFC 5987 `filename*`, which the server decodes, CR LF included).
    let evil_name = "a\"; filename=\"x.exe\r\nBcc: evil@x.png";
    let reference = post_with_raw_file_name(
        &app,
        &report,
        small_image(image::ImageFormat::Png),
        evil_name,
    )
    .await;
    let moderator = app.moderator().await;
    assert_eq!(
        validate(&app, &moderator, &reference, json!({"reason": markup})).await,
        200
    );
    wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let regulator_mail = smtp.wait_for(REGULATOR, 1, WAIT).await;
    smtp.wait_for(REPORTER, 2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    for mail in smtp.received() {
        assert!(
            mail.rcpt_to == vec![REGULATOR.to_owned()] || mail.rcpt_to == vec![REPORTER.to_owned()],
            "unexpected recipients {:?}",
            mail.rcpt_to
        );
        let parsed = mail.parsed();
        assert!(parsed.bcc().is_none() && parsed.header("Cc").is_none());
        assert_eq!(parsed.to().map(|to| to.iter().count()), Some(1));
        assert!(parsed.header("Subject").is_some());
        // The message's own header block (up to the first empty line).
        let raw = String::from_utf8_lossy(&mail.data);
        let header_block = raw.split("\r\n\r\n").next().unwrap_or_default();
        assert!(
            !header_block.lines().any(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("bcc:") || l.starts_with("cc:") || l.starts_with("subject: smuggled")
            }),
            "no injected header line in {header_block}"
        );
        let subjects = parsed
            .headers()
            .iter()
            .filter(|h| h.name.as_str().eq_ignore_ascii_case("subject"))
            .count();
        assert_eq!(subjects, 1);
    }
    assert_eq!(
        regulator_mail.len(),
        1,
        "SMTP smuggling made no second message"
    );

    let parsed = regulator_mail[0].parsed();
    // No part of the message (the evidence part included) carries a header
    // the consumer wrote, and the attachment is named by its sanitized name
    // alone: no second `filename` parameter took over.
    for (i, part) in parsed.parts.iter().enumerate() {
        for header in &part.headers {
            let name = header.name.as_str().to_ascii_lowercase();
            assert!(
                !matches!(name.as_str(), "bcc" | "cc") && (i == 0 || name.starts_with("content-")),
                "part {i} has a header {name}: {:?}",
                header.value
            );
        }
    }
    let stored_name = case(&app, &moderator, &reference).await["evidence"][0]["display_name"]
        .as_str()
        .expect("name")
        .to_owned();
    assert!(
        !stored_name.chars().any(char::is_control),
        "no line break kept in {stored_name:?}"
    );
    assert!(
        stored_name.contains("filename=\"x.exe"),
        "the hostile name reached the message: {stored_name:?}"
    );
    let names: Vec<String> = parsed
        .attachments()
        .filter_map(|a| a.attachment_name().map(str::to_owned))
        .collect();
    assert_eq!(
        names,
        vec![
            format!("01-{stored_name}"),
            format!("case-{reference}.json"),
            format!("case-{reference}.json.sig")
        ],
        "the evidence keeps its whole (harmless) name"
    );
    assert!(names.iter().all(|n| !n.ends_with(".exe")));
    let subject = parsed.subject().expect("subject");
    assert!(
        subject.contains("Bcc: evil@example.com"),
        "kept as text: {subject}"
    );
    assert!(!subject.contains('\n') && !subject.contains('\r'));
    let html = parsed.body_html(0).expect("html").into_owned();
    assert!(!html.contains("<script"), "no consumer script in the HTML");
    assert!(
        !html.contains("href=\"http://evil.example/"),
        "no consumer link"
    );
    assert!(!html.contains("<img src=x"), "no consumer element");
    assert!(
        html.contains("<html") && html.contains("<table"),
        "our own markup stays"
    );
    assert!(
        html_text(&html).contains(markup) && html_text(&html).contains("<b>顺丰</b>"),
        "consumer markup is shown as text"
    );
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(
        text.contains("MAIL FROM:<evil@example.com>"),
        "the text is intact"
    );
    assert!(
        text.contains("<script>alert(1)</script>"),
        "plain text is not HTML-escaped"
    );
}

/// Files `report` with one PNG whose upload name is `name`, sent as RFC 5987
/// `filename*` (percent-encoded UTF-8, so quotes and CR LF survive the
/// multipart header) beside a plain ASCII `filename`; returns the reference.
async fn post_with_raw_file_name(
    app: &TestApp,
    report: &Value,
    png: Vec<u8>,
    name: &str,
) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let boundary = "qinglang-test-boundary-7d1f";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"report\"\r\nContent-Type: application/json\r\n\r\n{report}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"fallback.png\"; filename*=UTF-8''{encoded}\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = post_raw(
        app,
        &format!("multipart/form-data; boundary={boundary}"),
        body,
    )
    .await;
    assert_eq!(response.status().as_u16(), 201);
    response.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

#[tokio::test]
async fn smtp_down_then_up_the_delivery_waits_and_goes_out() {
    let port = unused_port();
    let app = mail_app(Some(format!("smtp://127.0.0.1:{port}")), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);

    let failed_once = eventually("a failed attempt", WAIT, || async {
        let case = case(&app, &moderator, &reference).await;
        let d = case["deliveries"][0].clone();
        (d["attempts"].as_i64() >= Some(1)).then_some(d)
    })
    .await;
    assert_eq!(
        failed_once["status"], "pending",
        "a refused connection is temporary"
    );
    assert!(failed_once["last_error"].is_string());
    assert!(failed_once["next_attempt_at"].is_string());
    assert_eq!(
        case(&app, &moderator, &reference).await["status"],
        "validated"
    );

    let smtp = SmtpServer::start_on(port).await;
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    assert_eq!(done["deliveries"][0]["status"], "accepted");
    assert_eq!(
        format!("<{}>", mail[0].parsed().message_id().expect("id")),
        done["deliveries"][0]["message_id"].as_str().expect("id"),
        "the retry kept the Message-ID"
    );
}

#[tokio::test]
async fn a_stalled_server_times_out_and_the_delivery_is_retried() {
    let smtp = SmtpServer::start().await;
    smtp.set_behaviour(Behaviour::Stall);
    let app = mail_app(Some(smtp.url()), |c| c.smtp_timeout_secs = 1).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let stalled = eventually("a timed-out attempt", WAIT, || async {
        let d = case(&app, &moderator, &reference).await["deliveries"][0].clone();
        (d["attempts"].as_i64() >= Some(1)).then_some(d)
    })
    .await;
    assert_eq!(stalled["status"], "pending");
    assert!(
        stalled["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer")),
        "{stalled}"
    );
    // The server is still up (and silent): the app still serves meanwhile.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    smtp.set_behaviour(Behaviour::Accept);
    smtp.wait_for(REGULATOR, 1, WAIT).await;
    wait_for_status(&app, &moderator, &reference, "forwarded").await;
}

#[tokio::test]
async fn temporary_refusals_are_retried_until_accepted() {
    let smtp = SmtpServer::start().await;
    smtp.set_behaviour(Behaviour::TemporaryFailures(2));
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    smtp.wait_for(REGULATOR, 1, WAIT).await;
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let delivery = &done["deliveries"][0];
    assert_eq!(delivery["attempts"], 3, "two 451s, then accepted");
    assert!(delivery["last_error"]
        .as_str()
        .is_some_and(|e| e.contains("451")));
    assert_eq!(smtp.replies(), vec!["451", "451", "250"]);
    assert_eq!(smtp.received().len(), 1, "sent once");
}

#[tokio::test]
async fn a_permanent_refusal_fails_visibly_and_an_admin_can_retry() {
    let smtp = SmtpServer::start().await;
    smtp.set_behaviour(Behaviour::Reject);
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    let zj = zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let failed = eventually("the delivery to fail", WAIT, || async {
        let d = case(&app, &moderator, &reference).await["deliveries"][0].clone();
        (d["status"] == "failed").then_some(d)
    })
    .await;
    assert_eq!(failed["attempts"], 1, "a 5xx is not retried");
    assert!(failed["last_error"]
        .as_str()
        .is_some_and(|e| e.contains("554")));
    assert_eq!(
        case(&app, &moderator, &reference).await["status"],
        "validated"
    );

    let list: Value = app
        .staff_get(&admin, "/api/v1/admin/deliveries?status=failed")
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reference"], reference.as_str());
    let id = items[0]["id"].as_i64().expect("id");

    // Moderators cannot retry; admins can, once the cause is fixed.
    let retry = format!("/api/v1/admin/deliveries/{id}/retry");
    assert_eq!(
        app.staff_post(&moderator, &retry, json!({}))
            .await
            .status()
            .as_u16(),
        403
    );
    // The bounce showed the address was wrong: the admin fixes the directory,
    // and the retry goes to the corrected address.
    let fixed = "complaints@zj.gov.example";
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/regulators/{zj}")))
        .bearer_auth(&admin.token)
        .json(&json!({"email": fixed}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    smtp.set_behaviour(Behaviour::Accept);
    assert_eq!(
        app.staff_post(&admin, &retry, json!({}))
            .await
            .status()
            .as_u16(),
        202
    );
    smtp.wait_for(fixed, 1, WAIT).await;
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    assert_eq!(done["deliveries"][0]["status"], "accepted");
    // A delivery that is not failed cannot be retried.
    assert_eq!(
        app.staff_post(&admin, &retry, json!({}))
            .await
            .status()
            .as_u16(),
        409
    );
    let audit: Value = app
        .staff_get(&admin, &format!("/api/v1/cases/{reference}/audit"))
        .await
        .json()
        .await
        .expect("json");
    assert!(audit.to_string().contains("delivery.retry"));
}

#[tokio::test]
async fn retries_end_when_the_window_closes() {
    let port = unused_port();
    let app = mail_app(Some(format!("smtp://127.0.0.1:{port}")), |c| {
        c.mail_retry_window_secs = 3;
    })
    .await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let failed = eventually("the window to close", WAIT, || async {
        let d = case(&app, &moderator, &reference).await["deliveries"][0].clone();
        (d["status"] == "failed").then_some(d)
    })
    .await;
    assert!(failed["attempts"].as_i64() >= Some(2), "{failed}");
    assert!(failed["failed_at"].is_string());
}

#[tokio::test]
async fn the_file_transport_writes_eml_files_on_a_fresh_data_dir() {
    let app = mail_app(None, |_| {}).await;
    let moderator = app.moderator().await;
    // No directory entry: the case goes to the default inbox.
    let (reference, _) = app
        .file_report(&valid_report(), Some(small_image(image::ImageFormat::Png)))
        .await;
    let routing: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}/routing"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(routing["default_inbox"], true);
    assert_eq!(routing["targets"][0]["email"], "inbox@regulator.localhost");
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let outbox = app.data_dir.path().join("mail-outbox");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&outbox)
        .expect("the mail-outbox directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    // Receipt, regulator case, forwarded notice (the last may still be on its way).
    assert!(files.len() >= 2, "{files:?}");
    let regulator_file = files
        .iter()
        .map(|p| std::fs::read(p).expect("read"))
        .find(|bytes| {
            mail_parser::MessageParser::default()
                .parse(bytes)
                .and_then(|m| Some(m.to()?.first()?.address()? == "inbox@regulator.localhost"))
                .unwrap_or(false)
        })
        .expect("the regulator's message as an .eml file");
    let parsed = mail_parser::MessageParser::default()
        .parse(&regulator_file)
        .expect("a valid message");
    assert!(parsed
        .subject()
        .is_some_and(|s| s.starts_with(&format!("[消费者举报 {reference}]"))));
    let file = &done["evidence"][0];
    let attachment = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("01-shot.png"))
        .expect("the screenshot");
    assert_eq!(
        sha256_hex(attachment.contents()),
        file["sha256"].as_str().expect("sha")
    );
    let reply = done["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["kind"] == "regulator")
        .and_then(|d| d["smtp_reply"].as_str())
        .expect("recorded")
        .to_owned();
    assert!(reply.contains("mail-outbox"), "{reply}");
}

#[tokio::test]
async fn routing_follows_the_directory_and_can_be_overridden() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    let zj = zhejiang(&app, &admin).await;
    let national = add_regulator(
        &app,
        &admin,
        json!({"name": "国家市场监督管理总局", "email": "12315@samr.gov.example", "provinces": [], "categories": ["fake_service_hotline"]}),
    )
    .await;
    let moderator = app.moderator().await;
    let routing_of = |reference: String| {
        let (app, moderator) = (&app, &moderator);
        async move {
            app.staff_get(moderator, &format!("/api/v1/cases/{reference}/routing"))
                .await
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let emails = |routing: &Value| -> Vec<String> {
        routing["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .map(|t| t["email"].as_str().expect("email").to_owned())
            .collect()
    };

    let mut hotline = hotline_report();
    hotline["hotline"]["incident_province"] = json!("广东省");
    hotline["reporter"] = json!(null);
    let (hotline_ref, _) = app.file_report(&hotline, None).await;
    assert_eq!(
        emails(&routing_of(hotline_ref.clone()).await),
        vec!["12315@samr.gov.example"]
    );

    let mut other = valid_report();
    other["category"] = json!("other");
    other["reporter"] = json!(null);
    let (other_ref, _) = app.file_report(&other, None).await;
    let routing = routing_of(other_ref.clone()).await;
    assert_eq!(routing["default_inbox"], true, "{routing}");
    assert_eq!(routing["directory"].as_array().map(Vec::len), Some(2));

    // Deactivated entries no longer receive cases.
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/regulators/{national}")))
        .bearer_auth(&admin.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(routing_of(hotline_ref.clone()).await["default_inbox"], true);

    // The moderator may send elsewhere than the routing says…
    let (override_ref, _) = app.file_report(&other, None).await;
    assert_eq!(
        validate(
            &app,
            &moderator,
            &override_ref,
            json!({"regulator_ids": [zj]})
        )
        .await,
        200
    );
    smtp.wait_for(REGULATOR, 1, WAIT).await;
    wait_for_status(&app, &moderator, &override_ref, "forwarded").await;
    assert!(smtp
        .received()
        .iter()
        .all(|m| m.rcpt_to == vec![REGULATOR.to_owned()]));

    // …but only to active directory entries, and only when validating.
    let (bad_ref, _) = app.file_report(&other, None).await;
    assert_eq!(
        app.move_case(&moderator, &bad_ref, json!({"to": "under_review"}))
            .await,
        200
    );
    for (ids, field) in [
        (json!([national]), "regulator_ids[0]"),
        (json!([zj, 99999]), "regulator_ids[1]"),
        (json!([]), "regulator_ids"),
    ] {
        let response = app
            .staff_post(
                &moderator,
                &format!("/api/v1/cases/{bad_ref}/transitions"),
                json!({"to": "validated", "reason": "经核实情况属实", "regulator_ids": ids}),
            )
            .await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 422, "{body}");
        assert!(
            error_fields(&body).iter().any(|(f, _)| f == field),
            "{body}"
        );
    }
    let response = app
        .staff_post(
            &moderator,
            &format!("/api/v1/cases/{bad_ref}/transitions"),
            json!({"to": "needs_info", "public_note": "请补充订单截图", "regulator_ids": [zj]}),
        )
        .await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 422);
    assert!(error_fields(&body)
        .iter()
        .any(|(f, _)| f == "regulator_ids"));
    let case = case(&app, &moderator, &bad_ref).await;
    assert_eq!(case["status"], "under_review", "nothing changed");
    assert_eq!(case["deliveries"], json!([]), "nothing queued");
}

#[tokio::test]
async fn the_directory_refuses_bad_entries_field_by_field() {
    let app = mail_app(None, |_| {}).await;
    let admin = app.admin().await;
    for (body, field, code) in [
        (json!({"email": "a@b.example"}), "name", "required"),
        (
            json!({"name": "局", "email": "not-an-address"}),
            "email",
            "email",
        ),
        (
            json!({"name": "局", "email": "a@b.example\r\nBcc: x@evil.example"}),
            "email",
            "email",
        ),
        (
            json!({"name": "局", "email": "Boss <a@b.example>"}),
            "email",
            "email",
        ),
        (
            json!({"name": "局", "email": "a@b.example", "provinces": ["上海市", "Shanghai"]}),
            "provinces[1]",
            "invalid_choice",
        ),
        (
            json!({"name": "局", "email": "a@b.example", "categories": ["spam"]}),
            "categories[0]",
            "invalid_choice",
        ),
        (
            json!({"name": "局\n", "email": "a@b.example", "extra": 1}),
            "extra",
            "invalid",
        ),
    ] {
        let response = app
            .staff_post(&admin, "/api/v1/admin/regulators", body.clone())
            .await;
        let (status, problem) = problem(response).await;
        assert_eq!(status, 422, "{body} → {problem}");
        assert!(
            error_fields(&problem)
                .iter()
                .any(|(f, c)| f == field && c == code),
            "{body} → {problem}"
        );
    }
    let listed: Value = app
        .staff_get(&admin, "/api/v1/admin/regulators")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([]), "nothing was stored");

    let id = add_regulator(
        &app,
        &admin,
        json!({"name": "上海市市场监督管理局", "email": "ts@sh.gov.example", "provinces": ["上海市"]}),
    )
    .await;
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/admin/regulators/{id}")))
            .bearer_auth(&admin.token)
            .json(&body)
            .send()
    };
    let (status, body) = problem(patch(json!({"email": "nope"})).await.expect("sent")).await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        vec![("email".to_owned(), "email".to_owned())]
    );
    let updated: Value = patch(json!({"categories": ["fake_review"]}))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        updated["email"], "ts@sh.gov.example",
        "a patch keeps the rest"
    );
    assert_eq!(updated["categories"], json!(["fake_review"]));
    let delete = |id: i64| {
        app.client
            .delete(app.url(&format!("/api/v1/admin/regulators/{id}")))
            .bearer_auth(&admin.token)
            .send()
    };
    assert_eq!(delete(id).await.expect("sent").status().as_u16(), 204);
    assert_eq!(delete(id).await.expect("sent").status().as_u16(), 404);
}

#[tokio::test]
async fn evidence_beyond_the_attachment_limit_is_linked_with_an_expiring_signature() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |c| {
        // The small screenshot fits; the large one does not.
        c.mail_attachments_max_bytes = 20_000;
    })
    .await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let small = small_image(image::ImageFormat::Png);
    let large = screenshot_png(600, 1200, 3);
    assert!(small.len() < 20_000 && large.len() > 20_000);
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let form = form_with(&report)
        .part("evidence", file_part(small, "small.png", "image/png"))
        .part("evidence", file_part(large, "large.png", "image/png"));
    let (reference, _) = app.file_form(form).await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await.remove(0);
    let parsed = mail.parsed();
    let names: Vec<String> = parsed
        .attachments()
        .filter_map(|a| a.attachment_name().map(str::to_owned))
        .collect();
    assert!(names.contains(&"01-small.png".to_owned()));
    assert!(!names.contains(&"02-large.png".to_owned()), "{names:?}");
    let text = parsed.body_text(0).expect("text").into_owned();
    let link = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("http") && l.contains("/api/v1/evidence/"))
        .expect("a download link")
        .to_owned();
    let path = link.splitn(4, '/').nth(3).expect("path");
    let url = app.url(&format!("/{path}"));
    let case = case(&app, &moderator, &reference).await;
    let large_sha = case["evidence"][1]["sha256"]
        .as_str()
        .expect("sha")
        .to_owned();
    // The file that fits is attached whole: its bytes match its fingerprint.
    let small_attachment = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("01-small.png"))
        .expect("the small file attached");
    assert_eq!(
        sha256_hex(small_attachment.contents()),
        case["evidence"][0]["sha256"].as_str().expect("sha"),
        "the attached bytes are the stored file's"
    );
    assert_eq!(
        small_attachment.contents().len() as u64,
        case["evidence"][0]["size_bytes"].as_u64().expect("size")
    );
    assert!(
        text.contains(&large_sha),
        "the manifest lists the linked file's fingerprint"
    );

    let download = app.client.get(&url).send().await.expect("sent");
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.headers()["x-content-type-options"], "nosniff");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .starts_with("attachment"));
    assert_eq!(
        sha256_hex(&download.bytes().await.expect("bytes")),
        large_sha
    );

    // A tampered signature or another file's id opens nothing.
    let tampered = if url.ends_with('0') {
        format!("{}1", &url[..url.len() - 1])
    } else {
        format!("{}0", &url[..url.len() - 1])
    };
    let response = app.client.get(&tampered).send().await.expect("sent");
    assert_eq!(problem(response).await.0, 404);
    let other_file = url.replacen(
        &format!("/api/v1/evidence/{}", case["evidence"][1]["id"]),
        &format!("/api/v1/evidence/{}", case["evidence"][0]["id"]),
        1,
    );
    let response = app.client.get(&other_file).send().await.expect("sent");
    assert_eq!(problem(response).await.0, 404);
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |c| {
        c.mail_attachments_max_bytes = 0;
        c.link_ttl_hours = 0;
    })
    .await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app
        .file_report(&report, Some(small_image(image::ImageFormat::Png)))
        .await;
    let moderator = app.moderator().await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await.remove(0);
    let text = mail.parsed().body_text(0).expect("text").into_owned();
    let link = text
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/api/v1/evidence/"))
        .expect("a link")
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let path = link.splitn(4, '/').nth(3).expect("path");
    let response = app
        .client
        .get(app.url(&format!("/{path}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(problem(response).await.0, 410);
}

#[tokio::test]
async fn the_reporter_is_told_of_questions_and_rejections_and_can_unsubscribe() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let mut report = valid_report();
    report["email_tracking_code"] = json!(true);
    let (reference, code) = app.file_report(&report, None).await;
    let receipt = smtp.wait_for(REPORTER, 1, WAIT).await.remove(0);
    let text = receipt.parsed().body_text(0).expect("text").into_owned();
    assert!(
        text.contains(&code),
        "asked for: the code is in the receipt"
    );

    let moderator = app.moderator().await;
    assert_eq!(
        app.move_case(&moderator, &reference, json!({"to": "under_review"}))
            .await,
        200
    );
    let question = "请补充 <b>订单截图</b> 和物流单号。";
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "needs_info", "public_note": question})
        )
        .await,
        200
    );
    let notices = smtp.wait_for(REPORTER, 2, WAIT).await;
    let parsed = notices[1].parsed();
    assert_eq!(
        parsed.subject(),
        Some(format!("[清朗] 您的举报 {reference} 需要补充信息").as_str())
    );
    assert!(parsed.body_text(0).expect("text").contains(question));
    let html = parsed.body_html(0).expect("html").into_owned();
    assert!(!html.contains("<b>订单"), "no consumer markup in the HTML");
    assert!(
        html_text(&html).contains(question),
        "the question shows as text"
    );
    assert!(
        !parsed.body_text(0).expect("text").contains(&code),
        "only the receipt carries it"
    );

    // The unsubscribe link opens a page; only its POST unsubscribes.
    let link = parsed
        .body_text(0)
        .expect("text")
        .lines()
        .find_map(|l| {
            l.split_once("/unsubscribe?")
                .map(|(_, q)| q.trim().to_owned())
        })
        .expect("an unsubscribe link");
    let page = app
        .client
        .get(app.url(&format!("/unsubscribe?{link}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 200);
    let list_unsubscribe = header_text(&parsed, "List-Unsubscribe").expect("header");
    assert!(list_unsubscribe.contains("/api/v1/unsubscribe?"));
    let forged = app
        .client
        .post(app.url(&format!("/api/v1/unsubscribe?ref={reference}&token=00ff")))
        .send()
        .await
        .expect("sent");
    assert_eq!(problem(forged).await.0, 404);
    let one_click = app
        .client
        .post(app.url(&format!("/api/v1/unsubscribe?{link}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("sent");
    assert_eq!(one_click.status().as_u16(), 200);

    // Unsubscribed: the rejection is on the timeline, not in the inbox.
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "rejected", "reason": "证据不足"})
        )
        .await,
        200
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtp.received().len(), 2, "no mail after unsubscribing");

    // Another reporter, still subscribed, hears of the rejection and why.
    let (other, _) = app.file_report(&valid_report(), None).await;
    assert_eq!(
        app.move_case(
            &moderator,
            &other,
            json!({"to": "rejected", "reason": "商家已整改，证据不足"})
        )
        .await,
        200
    );
    let mails = smtp.wait_for(REPORTER, 4, WAIT).await;
    let rejection = mails
        .iter()
        .map(|m| m.parsed())
        .find(|p| p.subject() == Some(format!("[清朗] 您的举报 {other} 未予受理").as_str()))
        .expect("the rejection notice")
        .body_text(0)
        .expect("text")
        .into_owned();
    assert!(rejection.contains("商家已整改，证据不足"));
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_a_delivery_twice() {
    let smtp = SmtpServer::start().await;
    // A slow server widens the window in which two workers could collide.
    smtp.set_delay(Duration::from_millis(30));
    // Both instances take part, deterministically: each names itself in
    // EHLO (the URL's path), and the server holds every reply until both
    // names have a message in flight. While one instance waits on its held
    // sends, the deliveries queued meanwhile can only go out through the
    // other. (The hold stays well under the send timeout, so no held
    // message times out and is sent again.)
    smtp.set_rendezvous(2, Duration::from_secs(20));
    let mut app = mail_app(Some(format!("{}/instance-a", smtp.url())), |c| {
        c.smtp_timeout_secs = 30;
    })
    .await;
    let second = app
        .spawn_another_instance(|c| {
            c.smtp_url = Some(format!("{}/instance-b", smtp.url()));
            c.smtp_timeout_secs = 30;
            c.mail_poll_ms = 20;
        })
        .await;
    let ready = app
        .client
        .get(format!("{second}/readyz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        ready.status().as_u16(),
        200,
        "the second instance serves too"
    );
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    add_regulator(
        &app,
        &admin,
        json!({"name": "杭州市市场监督管理局", "email": "ts@hz.gov.example", "provinces": ["浙江省"]}),
    )
    .await;
    let moderator = app.moderator().await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let cases = 15;
    let mut references = Vec::new();
    for _ in 0..cases {
        let (reference, _) = app.file_report(&report, None).await;
        assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
        references.push(reference);
    }
    smtp.wait_for(REGULATOR, cases, Duration::from_secs(60))
        .await;
    smtp.wait_for("ts@hz.gov.example", cases, Duration::from_secs(60))
        .await;
    for reference in &references {
        wait_for_status(&app, &moderator, reference, "forwarded").await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let received = smtp.received();
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| m.parsed().message_id().expect("id").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(received.len(), 2 * cases, "each delivery sent exactly once");
    assert_eq!(ids.len(), 2 * cases, "no Message-ID twice");
    assert!(smtp.refused().is_empty());
    let senders: std::collections::BTreeMap<&str, usize> =
        received
            .iter()
            .fold(std::collections::BTreeMap::new(), |mut counts, m| {
                *counts.entry(m.client_name.as_str()).or_insert(0) += 1;
                counts
            });
    assert_eq!(
        senders.keys().copied().collect::<Vec<_>>(),
        vec!["instance-a", "instance-b"],
        "both instances sent mail: {senders:?}"
    );
}

#[tokio::test]
async fn queued_mail_survives_the_process_being_killed() {
    use std::process::{Command, Stdio};

    let data_dir = tempfile::tempdir().expect("dir");
    let postgres = fresh_postgres_database();
    let port = unused_port();
    let smtp_port = unused_port();
    let env = |command: &mut Command| {
        command
            .env("QINGLANG_DATA_DIR", data_dir.path())
            .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
            .env("QINGLANG_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
            .env("QINGLANG_MAIL_RETRY_BASE_SECS", "1")
            .env("QINGLANG_MAIL_POLL_MS", "100")
            .env("QINGLANG_WORKERS", "2")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match &postgres {
            Some((_, url)) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
    };
    let binary = env!("CARGO_BIN_EXE_qinglang");
    let start = || {
        let mut command = Command::new(binary);
        env(&mut command);
        command.spawn().expect("the server starts")
    };
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let wait_ready = || async {
        eventually("the server to answer", WAIT, || async {
            client
                .get(format!("{base}/readyz"))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        })
        .await
    };

    let mut server = start();
    wait_ready().await;
    let mut add_user = Command::new(binary);
    env(&mut add_user);
    let (token, reference) = validate_through_the_binary(&client, &base, add_user).await;
    let get_case = || async {
        client
            .get(format!("{base}/api/v1/cases/{reference}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("sent")
            .json::<Value>()
            .await
            .expect("json")
    };
    // Queued and tried against a server that is not there yet…
    eventually("an attempt", WAIT, || async {
        let case = get_case().await;
        (case["deliveries"][0]["attempts"].as_i64() >= Some(1)).then_some(())
    })
    .await;
    // …then the process dies without a chance to clean up.
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");

    let smtp = SmtpServer::start_on(smtp_port).await;
    let mut server = start();
    wait_ready().await;
    let mail = smtp.wait_for("inbox@regulator.localhost", 1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let case = eventually("the case to be forwarded", WAIT, || async {
        let case = get_case().await;
        (case["status"] == "forwarded").then_some(case)
    })
    .await;
    assert_eq!(case["deliveries"][0]["status"], "accepted");
    server.kill().expect("stop");
    let _ = server.wait();
    if let Some((name, _)) = &postgres {
        drop_postgres_database(name);
    }
}

#[tokio::test]
async fn a_rejection_tells_the_reporter_the_public_note_never_the_internal_reason() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let (reference, code) = app.file_report(&valid_report(), None).await;
    smtp.wait_for(REPORTER, 1, WAIT).await;
    let moderator = app.moderator().await;
    let internal = "疑似同行恶意举报，内部备注：勿外传";
    let public = "经核实，现有证据不足以认定商家存在刷单行为。";
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "rejected", "reason": internal, "public_note": public})
        )
        .await,
        200
    );
    let mails = smtp.wait_for(REPORTER, 2, WAIT).await;
    let parsed = mails[1].parsed();
    assert_eq!(
        parsed.subject(),
        Some(format!("[清朗] 您的举报 {reference} 未予受理").as_str())
    );
    let text = parsed.body_text(0).expect("text").into_owned();
    let html = html_text(&parsed.body_html(0).expect("html"));
    for body in [&text, &html] {
        assert!(body.contains(public), "the public note is quoted: {body}");
        assert!(
            !body.contains(internal),
            "the internal reason never reaches the reporter: {body}"
        );
    }
    // The same words as on the reporter's timeline.
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    let last = view["timeline"]
        .as_array()
        .and_then(|t| t.last())
        .expect("timeline")
        .clone();
    assert_eq!(last["status"], "rejected");
    assert_eq!(last["note"], public);
    assert!(!view.to_string().contains(internal));
}

/// A regulator entry whose stored coverage no longer decodes (a renamed
/// category code, a corrupt row) receives nothing: it is never read as
/// "every category". Admins see what is wrong and can fix it.
#[tokio::test]
async fn a_corrupt_directory_entry_receives_no_case_until_an_admin_fixes_it() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|c| c.smtp_url = Some(smtp.url())).await;
    let admin = app.admin().await;
    let moderator = app.moderator().await;
    // A bureau that takes only fake hotlines in Zhejiang.
    let hotlines = add_regulator(
        &app,
        &admin,
        json!({
            "name": "浙江省热线专班",
            "email": "hotlines@zj.gov.example",
            "provinces": ["浙江省"],
            "categories": ["fake_service_hotline"],
        }),
    )
    .await;
    for corrupt in [
        r#"["fake_hotline_renamed"]"#,
        "[]",
        "not json",
        r#""everything""#,
    ] {
        let stored = corrupt.to_owned();
        qinglang::db::run(&app.state().pool, move |conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE regulators SET categories = $1")
                .bind::<diesel::sql_types::Text, _>(stored)
                .execute(conn)
                .map_err(qinglang::error::AppError::from)?;
            Ok(())
        })
        .await
        .expect("corrupted");
        // A fake review from Zhejiang: not the hotline bureau's, whatever its row says now.
        let mut report = valid_report();
        report["reporter"] = json!(null);
        let (reference, _) = app.file_report(&report, None).await;
        let routing: Value = app
            .staff_get(&moderator, &format!("/api/v1/cases/{reference}/routing"))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(routing["default_inbox"], true, "{corrupt}: {routing}");
        assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
        let forwarded = wait_for_status(&app, &moderator, &reference, "forwarded").await;
        let recipients: Vec<&str> = forwarded["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .filter(|d| d["kind"] == "regulator")
            .filter_map(|d| d["recipient"]["email"].as_str())
            .collect();
        assert_eq!(recipients, vec!["inbox@regulator.localhost"], "{corrupt}");
    }
    assert!(
        smtp.received()
            .iter()
            .all(|m| m.rcpt_to != vec!["hotlines@zj.gov.example".to_owned()]),
        "the hotline bureau received a case it does not cover"
    );

    // The admins see the entry and what is wrong with it…
    let listed: Value = app
        .staff_get(&admin, "/api/v1/admin/regulators")
        .await
        .json()
        .await
        .expect("json");
    let entry = &listed["items"][0];
    assert_eq!(entry["categories"], Value::Null, "{entry}");
    assert_eq!(entry["problems"][0]["field"], "categories", "{entry}");
    // …cannot save it without sending the unreadable list again…
    let patch = |body: Value| {
        app.client
            .patch(app.url(&format!("/api/v1/admin/regulators/{hotlines}")))
            .bearer_auth(&admin.token)
            .json(&body)
            .send()
    };
    let (status, body) = problem(patch(json!({"active": true})).await.expect("sent")).await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        vec![("categories".to_owned(), "unreadable".to_owned())]
    );
    // …and fix it by sending it.
    let fixed: Value = patch(json!({"categories": ["fake_service_hotline"]}))
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(fixed["categories"], json!(["fake_service_hotline"]));
    assert!(fixed.get("problems").is_none(), "{fixed}");
    let mut hotline = hotline_report();
    hotline["hotline"]["incident_province"] = json!("浙江省");
    hotline["reporter"] = json!(null);
    let (reference, _) = app.file_report(&hotline, None).await;
    let routing: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}/routing"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(routing["targets"][0]["regulator_id"], hotlines, "{routing}");
}

/// A CSV export with spreadsheet formulas is forwarded byte for byte (it is
/// evidence), and the regulator is told to open it as text.
#[tokio::test]
async fn a_csv_with_formulas_reaches_the_regulator_unchanged_with_a_warning() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let moderator = app.moderator().await;
    let csv = "时间,地点,描述\n2026-11-20 08:00,杭州,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"查看\"\")\"\n";
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let form = form_with(&report)
        .part(
            "evidence",
            file_part(csv.as_bytes().to_vec(), "物流.csv", "text/csv"),
        )
        .part(
            "evidence",
            file_part(b"a,b\n-1.5,+2\n".to_vec(), "plain.csv", "text/csv"),
        );
    let (reference, _) = app.file_form(form).await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let mail = smtp.wait_for("inbox@regulator.localhost", 1, WAIT).await;
    let parsed = mail[0].parsed();
    let text = parsed.body_text(0).expect("text").into_owned();
    let html = parsed.body_html(0).expect("html").into_owned();
    assert_eq!(
        text.matches("此 CSV 文件含公式，请以文本方式打开").count(),
        1,
        "{text}"
    );
    assert_eq!(html.matches("含公式，请以文本方式打开").count(), 1);
    let attachment = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some("01-物流.csv"))
        .expect("attached");
    assert_eq!(attachment.contents(), csv.as_bytes(), "byte for byte");
    let case_file: Value = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some(&format!("case-{reference}.json")))
        .map(|a| serde_json::from_slice(a.contents()).expect("json"))
        .expect("case file");
    assert_eq!(case_file["evidence"][0]["contains_formulas"], true);
    assert_eq!(case_file["evidence"][1]["contains_formulas"], false);
}
