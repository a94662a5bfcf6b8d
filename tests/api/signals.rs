//! Fraud signals end to end: computed in the background after filing,
//! stored per case, shown on the case, recomputed when evidence arrives,
//! ranking and filtering the queue, and grouping cases by merchant.

use std::time::Duration;

use reqwest::multipart::Form;
use serde_json::{json, Value};

use crate::helpers::*;

/// How long the background worker may take: generous, since CI runs the
/// tests two at a time on two cores. Waits poll and return as soon as the
/// condition holds.
const WAIT: Duration = Duration::from_secs(60);
/// Waits that include reading a screenshot with tesseract, which runs at the
/// lowest CPU priority and so may wait for an idle core.
const OCR_WAIT: Duration = Duration::from_secs(180);

/// An app that takes the client address from `X-Forwarded-For`, so tests
/// can file as reporters on different networks.
pub(crate) async fn signals_app() -> TestApp {
    spawn_app_with(|config| {
        config.trust_proxy = true;
        config.mail_poll_ms = 50;
    })
    .await
}

pub(crate) async fn file_from(app: &TestApp, ip: &str, form: Form) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("x-forwarded-for", ip)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    response.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("reference")
        .to_owned()
}

/// A report about `merchant` by a reporter identified by `email` (with no
/// shop address, which would tie reports about different names together).
pub(crate) fn report_by(email: &str, merchant: &str) -> Value {
    let mut report = valid_report();
    report["merchant_name"] = json!(merchant);
    report["shop_url"] = json!(null);
    report["reporter"] = json!({"email": email});
    report
}

pub(crate) async fn case(app: &TestApp, session: &Session, reference: &str) -> Value {
    let response = app
        .staff_get(session, &format!("/api/v1/cases/{reference}"))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

/// The case once its signals have been computed.
pub(crate) async fn computed(app: &TestApp, session: &Session, reference: &str) -> Value {
    computed_within(app, session, reference, WAIT).await
}

/// The case once its signals have been computed, waiting up to `wait`.
async fn computed_within(
    app: &TestApp,
    session: &Session,
    reference: &str,
    wait: Duration,
) -> Value {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let case = case(app, session, reference).await;
        if case["priority"]["computed_at"].is_string() {
            return case;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "signals of {reference} never computed: {}",
            case["priority"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn codes(case: &Value) -> Vec<String> {
    case["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .map(|s| s["code"].as_str().expect("code").to_owned())
        .collect()
}

pub(crate) fn signal<'a>(case: &'a Value, code: &str) -> &'a Value {
    case["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {}", case["signals"]))
}

/// Waits until `reference` shows `code`.
pub(crate) async fn wait_for_signal(
    app: &TestApp,
    session: &Session,
    reference: &str,
    code: &str,
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let case = case(app, session, reference).await;
        if codes(&case).iter().any(|c| c == code) {
            return case;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{reference} never showed {code}: {}",
            case["signals"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_brushing_case_is_explained_and_ranked_first() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(360, 780, 11);

    // A quiet case first: nothing suspicious about it.
    let mut quiet = report_by("quiet@example.com", "老实人杂货铺");
    quiet["description"] = json!("收到的商品与描述不符，联系客服未果，希望平台核实处理。");
    quiet["review_texts"] = json!([]);
    quiet["logistics"] = json!(null);
    let quiet_ref = file_from(&app, "10.1.1.1", form_with(&quiet)).await;

    // Then a ring: three reporters on three networks, the same screenshot,
    // templated reviews, cash-back talk and an impossible delivery.
    let mut refs = Vec::new();
    for (i, ip) in ["10.2.0.1", "10.3.0.1", "10.4.0.1"].iter().enumerate() {
        let mut report = report_by(&format!("reporter{i}@example.com"), "星光数码旗舰店");
        report["description"] = json!("商家让我好评返现，还拉我进用户体验官群刷单，收到的是空包。");
        // Two different reviews from one template, stock praise, and a
        // review that speaks of the cash back (the description's words
        // add nothing: they are the reporter's).
        report["review_texts"] = json!([
            "宝贝收到了，质量非常好，物流也很快，五星好评！",
            "宝贝收到啦，质量非常好，物流也超快，五星好评！！",
            "超赞",
            "商家说好评返现五元，我就给了五星",
        ]);
        report["logistics"] = json!({
            "carrier": "顺丰速运",
            "tracking_number": "SF1234567890123",
            "shipped_at": "2026-11-20 08:00",
            "delivered_at": "2026-11-20 09:00",
            "declared_weight_kg": 0.01,
            "origin": "广东省深圳市",
            "destination": "黑龙江省哈尔滨市",
            "events": [
                {"time": "2026-11-20 08:00", "location": "深圳", "description": "已揽收"},
                {"time": "2026-11-20 09:00", "location": "哈尔滨", "description": "已签收"}
            ]
        });
        let form = form_with(&report).part(
            "evidence",
            file_part(shot.clone(), "好评截图.png", "image/png"),
        );
        refs.push(file_from(&app, ip, form).await);
    }
    let last = &refs[2];
    let case = computed(&app, &moderator, last).await;
    let found = codes(&case);
    for code in [
        "duplicate_evidence",
        "template_reviews",
        "brushing_keywords",
        "implausible_transit_time",
        "empty_parcel_weight",
        "no_transit_scans",
        "reused_tracking_number",
        "repeat_merchant",
    ] {
        assert!(
            found.iter().any(|c| c == code),
            "{code} missing from {found:?}"
        );
    }
    let duplicate = signal(&case, "duplicate_evidence");
    let related: Vec<&str> = duplicate["related"]
        .as_array()
        .expect("related")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(related.contains(&refs[0].as_str()) && related.contains(&refs[1].as_str()));
    assert!(duplicate["explanation"]["zh-CN"]
        .as_str()
        .is_some_and(|e| e.contains(&refs[0]) && e.contains("好评截图.png")));
    assert!(duplicate["explanation"]["en"].is_string());
    assert!(["low", "medium", "high"].contains(&duplicate["severity"].as_str().unwrap_or_default()));
    let repeat = signal(&case, "repeat_merchant");
    assert!(
        repeat["explanation"]["zh-CN"]
            .as_str()
            .is_some_and(|e| e.contains('2')),
        "{repeat}"
    );
    assert_eq!(case["priority"]["independent_reporters"], 3);
    let score = case["priority"]["score"].as_i64().expect("score");
    assert!(score >= 50, "{}", case["priority"]);
    assert!(!case["priority"]["reasons"]
        .as_array()
        .expect("reasons")
        .is_empty());

    // The quiet case has nothing, and ranks below the ring.
    let quiet_case = computed(&app, &moderator, &quiet_ref).await;
    assert_eq!(
        codes(&quiet_case),
        Vec::<String>::new(),
        "{}",
        quiet_case["signals"]
    );
    let queue: Value = app
        .staff_get(&moderator, "/api/v1/cases?sort=priority")
        .await
        .json()
        .await
        .expect("json");
    let order: Vec<&str> = queue["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["reference"].as_str())
        .collect();
    assert_eq!(order.last(), Some(&quiet_ref.as_str()), "{order:?}");

    // The first case learns of the later ones: it is computed again.
    let first = wait_for_signal(&app, &moderator, &refs[0], "duplicate_evidence").await;
    assert!(signal(&first, "duplicate_evidence")["related"]
        .as_array()
        .expect("related")
        .iter()
        .any(|r| r == last.as_str()));

    // The queue filters by signal, and refuses an unknown one.
    let filtered: Value = app
        .staff_get(&moderator, "/api/v1/cases?signal=implausible_transit_time")
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<&str> = filtered["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["reference"].as_str())
        .collect();
    assert!(listed.contains(&last.as_str()) && !listed.contains(&quiet_ref.as_str()));
    let response = app
        .staff_get(&moderator, "/api/v1/cases?signal=astrology")
        .await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        vec![("signal".to_owned(), "invalid_choice".to_owned())]
    );
}

#[tokio::test]
async fn a_recompressed_resized_screenshot_is_similar_evidence() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let original = screenshot_png(540, 1170, 21);
    let copy = {
        let image = image::load_from_memory(&original).expect("decode");
        let resized = image.resize(400, 867, image::imageops::FilterType::Triangle);
        encode(resized, image::ImageFormat::Jpeg)
    };
    let different = screenshot_png(540, 1170, 97);
    let a = file_from(
        &app,
        "10.9.0.1",
        form_with(&report_by("a@example.com", "店甲"))
            .part("evidence", file_part(original, "a.png", "image/png")),
    )
    .await;
    let c = file_from(
        &app,
        "10.9.2.1",
        form_with(&report_by("c@example.com", "店丙"))
            .part("evidence", file_part(different, "c.png", "image/png")),
    )
    .await;
    computed(&app, &moderator, &c).await;
    let b = file_from(
        &app,
        "10.9.1.1",
        form_with(&report_by("b@example.com", "店乙"))
            .part("evidence", file_part(copy, "b.jpg", "image/jpeg")),
    )
    .await;
    let case_b = computed(&app, &moderator, &b).await;
    let similar = signal(&case_b, "similar_evidence");
    assert_eq!(similar["related"], json!([a]), "{similar}");
    assert!(
        similar["explanation"]["zh-CN"]
            .as_str()
            .is_some_and(|e| e.contains(&a) && e.contains("汉明距离")),
        "{similar}"
    );
    assert!(
        !codes(&case_b).contains(&"duplicate_evidence".to_owned()),
        "not byte-identical"
    );
    let case_c = computed(&app, &moderator, &c).await;
    assert!(
        !codes(&case_c)
            .iter()
            .any(|code| code.ends_with("_evidence")),
        "a different screenshot is not similar"
    );
}

#[tokio::test]
async fn a_cropped_copy_of_a_screenshot_about_the_same_merchant_is_similar_evidence() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let page = page_image(540, 1170, 7);
    let original = encode(
        image::DynamicImage::ImageRgb8(page.clone()),
        image::ImageFormat::Png,
    );
    // The status bar and a margin trimmed (4 % off the top, 3 % off the
    // left, 2 % off the bottom), then re-saved as JPEG.
    let cropped = encode(
        image::DynamicImage::ImageRgb8(
            image::imageops::crop_imm(&page, 16, 47, 524, 1100).to_image(),
        ),
        image::ImageFormat::Jpeg,
    );
    let other_page = encode(
        image::DynamicImage::ImageRgb8(page_image(540, 1170, 8)),
        image::ImageFormat::Png,
    );
    let a = file_from(
        &app,
        "10.9.0.1",
        form_with(&report_by("a@example.com", "裁剪店"))
            .part("evidence", file_part(original, "a.png", "image/png")),
    )
    .await;
    computed(&app, &moderator, &a).await;
    let b = file_from(
        &app,
        "10.9.1.1",
        form_with(&report_by("b@example.com", "裁剪店"))
            .part("evidence", file_part(cropped, "b.jpg", "image/jpeg")),
    )
    .await;
    let c = file_from(
        &app,
        "10.9.2.1",
        form_with(&report_by("c@example.com", "裁剪店"))
            .part("evidence", file_part(other_page, "c.png", "image/png")),
    )
    .await;
    let case_b = computed(&app, &moderator, &b).await;
    let similar = signal(&case_b, "similar_evidence");
    assert_eq!(similar["related"], json!([a]), "{similar}");
    assert!(
        similar["explanation"]["zh-CN"]
            .as_str()
            .is_some_and(|e| e.contains(&a) && e.contains("裁剪")),
        "{similar}"
    );
    assert!(
        similar["explanation"]["en"]
            .as_str()
            .is_some_and(|e| e.contains("cropped copy")),
        "{similar}"
    );
    // Another page of the same look, about the same merchant, is not.
    let case_c = computed(&app, &moderator, &c).await;
    assert!(
        !codes(&case_c)
            .iter()
            .any(|code| code.ends_with("_evidence")),
        "{case_c}"
    );
}

#[tokio::test]
async fn new_evidence_in_a_reply_recomputes_the_signals() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(300, 650, 5);
    let earlier = file_from(
        &app,
        "10.5.0.1",
        form_with(&report_by("x@example.com", "甲店"))
            .part("evidence", file_part(shot.clone(), "x.png", "image/png")),
    )
    .await;
    let mut report = report_by("y@example.com", "乙店");
    report["review_texts"] = json!([]);
    report["logistics"] = json!(null);
    let response = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("x-forwarded-for", "10.6.0.1")
        .multipart(form_with(&report))
        .send()
        .await
        .expect("sent");
    let created: Value = response.json().await.expect("json");
    let reference = created["reference"].as_str().expect("reference").to_owned();
    let code = created["tracking_code"].as_str().expect("code").to_owned();
    let before = computed(&app, &moderator, &reference).await;
    assert!(!codes(&before).contains(&"duplicate_evidence".to_owned()));

    for body in [
        json!({"to": "under_review"}),
        json!({"to": "needs_info", "public_note": "请上传好评截图"}),
    ] {
        assert_eq!(app.move_case(&moderator, &reference, body).await, 200);
    }
    let form = Form::new()
        .text("message", "截图在此")
        .part("evidence", file_part(shot, "y.png", "image/png"));
    let reply = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(&code)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status().as_u16(), 201);
    let after = wait_for_signal(&app, &moderator, &reference, "duplicate_evidence").await;
    assert_ne!(after["priority"]["computed_at"], Value::Null);
    let duplicate = signal(&after, "duplicate_evidence");
    assert_eq!(duplicate["related"], json!([earlier]));
}

#[tokio::test]
async fn a_logistics_export_in_the_evidence_is_checked_too() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let mut report = report_by("z@example.com", "物流店");
    report["category"] = json!("abnormal_logistics");
    report["logistics"] = json!(null);
    report["review_texts"] = json!([]);
    let export = json!({
        "carrier": "中通快递",
        "tracking_number": "78901234567890",
        "events": [
            {"time": "2026-11-21 10:00", "location": "上海市", "description": "已签收"},
            {"time": "2026-11-22 08:00", "location": "杭州市", "description": "已揽收"}
        ]
    })
    .to_string()
    .into_bytes();
    let reference = file_from(
        &app,
        "10.7.0.1",
        form_with(&report).part(
            "evidence",
            file_part(export, "物流记录.json", "application/json"),
        ),
    )
    .await;
    let case = computed(&app, &moderator, &reference).await;
    let signal = signal(&case, "delivered_before_shipped");
    assert!(
        signal["explanation"]["zh-CN"]
            .as_str()
            .is_some_and(|e| e.contains("物流记录.json")),
        "{signal}"
    );
}

#[tokio::test]
async fn merchants_are_listed_by_reports_and_show_their_cases_over_time() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let mut refs = Vec::new();
    for (i, merchant) in ["环球优品店", "环球优品店", "环球优品店", "小小铺"]
        .iter()
        .enumerate()
    {
        let mut report = report_by(&format!("m{i}@example.com"), merchant);
        report["review_texts"] = json!([]);
        refs.push(file_from(&app, &format!("10.8.{i}.1"), form_with(&report)).await);
    }
    computed(&app, &moderator, &refs[2]).await;
    let list: Value = app
        .staff_get(&moderator, "/api/v1/merchants?platform=taobao&limit=1")
        .await
        .json()
        .await
        .expect("json");
    let top = &list["items"][0];
    assert_eq!(top["name"], "环球优品店");
    assert_eq!(top["report_count"], 3);
    let next = list["next_cursor"].as_str().expect("a second page");
    let page2: Value = app
        .staff_get(
            &moderator,
            &format!("/api/v1/merchants?platform=taobao&limit=1&cursor={next}"),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page2["items"][0]["name"], "小小铺");
    assert_eq!(page2["next_cursor"], Value::Null);

    let id = top["id"].as_i64().expect("id");
    let detail = {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let detail: Value = app
                .staff_get(&moderator, &format!("/api/v1/merchants/{id}"))
                .await
                .json()
                .await
                .expect("json");
            if detail["reporter_count"] == 3 || tokio::time::Instant::now() > deadline {
                break detail;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    assert_eq!(detail["reporter_count"], 3, "{detail}");
    assert_eq!(detail["cases"].as_array().map(Vec::len), Some(3));
    let months = detail["months"].as_array().expect("months");
    assert_eq!(months.len(), 1);
    assert_eq!(months[0]["cases"], 3);
    assert!(
        detail["signal_totals"]["repeat_merchant"].as_i64() >= Some(1),
        "{detail}"
    );
    let case = case(&app, &moderator, &refs[0]).await;
    assert_eq!(case["merchant_id"], id);

    for (query, field) in [
        ("platform=ebay", "platform"),
        ("province=Atlantis", "province"),
        ("sort=loudest", "sort"),
        ("limit=0", "limit"),
        ("cursor=zz", "cursor"),
    ] {
        let response = app
            .staff_get(&moderator, &format!("/api/v1/merchants?{query}"))
            .await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 422, "{query}");
        assert!(
            error_fields(&body).iter().any(|(f, _)| f == field),
            "{query}: {body}"
        );
    }
    let missing = app.staff_get(&moderator, "/api/v1/merchants/999999").await;
    assert_eq!(problem(missing).await.0, 404);
    let anonymous = app
        .client
        .get(app.url("/api/v1/merchants"))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
}

/// The OCR tests need `tesseract` with Simplified Chinese data; they are
/// marked `#[ignore]` so a plain `cargo test` elsewhere reports them as
/// ignored, and `.ci/run` runs them (`--include-ignored`) after installing it.
fn require_tesseract() {
    let installed = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "chi_sim")
        })
        .unwrap_or(false);
    assert!(
        installed,
        "this test needs tesseract with chi_sim: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
    );
}

#[tokio::test]
#[ignore = "needs tesseract with chi_sim; run with `cargo test -- --include-ignored`"]
async fn text_in_a_screenshot_is_read_searched_and_checked() {
    require_tesseract();
    let app = signals_app().await;
    let moderator = app.moderator().await;
    // Nothing typed mentions cash back or "experience officers": only the picture does.
    let mut report = report_by("ocr@example.com", "截图店");
    report["description"] = json!("商家寄来一张卡片，请大家看截图中的内容，我觉得很可疑。");
    report["review_texts"] = json!([]);
    report["logistics"] = json!(null);
    let card = std::fs::read("tests/fixtures/ocr/cashback-card.png").expect("fixture");
    let reference = file_from(
        &app,
        "10.10.0.1",
        form_with(&report).part("evidence", file_part(card, "卡片.png", "image/png")),
    )
    .await;
    let case = wait_for_signal(&app, &moderator, &reference, "brushing_keywords").await;
    let keywords = signal(&case, "brushing_keywords");
    assert!(
        keywords["explanation"]["zh-CN"]
            .as_str()
            .is_some_and(|e| e.contains("用户体验官")),
        "{keywords}"
    );
    let found: Value = app
        .staff_get(
            &moderator,
            "/api/v1/cases?q=%E7%94%A8%E6%88%B7%E4%BD%93%E9%AA%8C%E5%AE%98",
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        found["items"][0]["reference"],
        reference.as_str(),
        "{found}"
    );
}

// ---------------------------------------------------------------------------
// Gaps: merchant filters, shop addresses, CSV exports, OCR reviews, and the
// explanations, recomputation and priority reasons.

/// A report by `email` about `merchant` with nothing else suspicious in it:
/// no reviews and no logistics record (so no tracking number ties it to
/// other tests' reports).
fn plain_report(email: &str, merchant: &str) -> Value {
    let mut report = report_by(email, merchant);
    report["description"] = json!("收到的商品与描述不符，联系客服未果，希望平台核实处理。");
    report["review_texts"] = json!([]);
    report["logistics"] = json!(null);
    report
}

/// A moderator asks the reporter of `reference` for more, and the reporter
/// answers with the screenshot `shot` (`补充截图.png`).
async fn reply_with_a_screenshot(
    app: &TestApp,
    moderator: &Session,
    reference: &str,
    code: &str,
    shot: Vec<u8>,
) {
    for body in [
        json!({"to": "under_review"}),
        json!({"to": "needs_info", "public_note": "请上传截图"}),
    ] {
        assert_eq!(app.move_case(moderator, reference, body).await, 200);
    }
    let reply = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(code)
        .multipart(
            Form::new()
                .text("message", "补充截图")
                .part("evidence", file_part(shot, "补充截图.png", "image/png")),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status().as_u16(), 201);
}

/// Waits until `reference` satisfies `condition` (described by `what`).
async fn wait_until(
    app: &TestApp,
    session: &Session,
    reference: &str,
    what: &str,
    condition: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let case = case(app, session, reference).await;
        // Settled: the case detail reads the profile before the signals, so
        // a computation committed between the two reads shows its signals
        // with the previous priority, marked `recomputing`.
        if condition(&case) && case["priority"]["recomputing"] == false {
            return case;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{reference}: {what} never happened; signals {}, priority {}",
            case["signals"],
            case["priority"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The references `code` relates `case` to, sorted (empty without the signal).
fn related_by(case: &Value, code: &str) -> Vec<String> {
    let mut related: Vec<String> = case["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .filter(|s| s["code"] == code)
        .flat_map(|s| s["related"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_owned))
        .collect();
    related.sort();
    related
}

/// `references`, sorted: as `related` lists them.
fn sorted(references: &[String]) -> Vec<String> {
    let mut references = references.to_vec();
    references.sort();
    references
}

fn explanation<'a>(signal: &'a Value, language: &str) -> &'a str {
    signal["explanation"][language]
        .as_str()
        .unwrap_or_else(|| panic!("no {language} explanation in {signal}"))
}

/// `GET /api/v1/merchants?{query}`: (name, platform, province, report count) per item.
async fn merchants(
    app: &TestApp,
    session: &Session,
    query: &str,
) -> Vec<(String, String, String, i64)> {
    let response = app
        .staff_get(session, &format!("/api/v1/merchants?{query}"))
        .await;
    assert_eq!(response.status().as_u16(), 200, "{query}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["next_cursor"], Value::Null, "{query}: one page");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_owned(),
                m["platform"].as_str().expect("platform").to_owned(),
                m["province"].as_str().unwrap_or_default().to_owned(),
                m["report_count"].as_i64().expect("report_count"),
            )
        })
        .collect()
}

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn merchants_are_filtered_by_province_and_platform_and_sorted_by_reports() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    // Four merchants: two platforms × two provinces, reported 1, 3, 2 and 1
    // times, filed interleaved; 西湖丝绸坊 last.
    let merchant = |name: &str| match name {
        "临安山货铺" => ("taobao", "浙江省", "杭州市"),
        "南粤电器城" => ("jd", "广东省", "广州市"),
        "岭南茶叶店" => ("taobao", "广东省", "潮州市"),
        "西湖丝绸坊" => ("jd", "浙江省", "杭州市"),
        other => panic!("{other}"),
    };
    let filings = [
        "临安山货铺",
        "南粤电器城",
        "岭南茶叶店",
        "南粤电器城",
        "岭南茶叶店",
        "南粤电器城",
        "西湖丝绸坊",
    ];
    for (i, name) in filings.iter().enumerate() {
        let (platform, province, city) = merchant(name);
        let mut report = plain_report(&format!("filter{i}@example.com"), name);
        report["platform"] = json!(platform);
        report["merchant_province"] = json!(province);
        report["merchant_city"] = json!(city);
        file_from(&app, &format!("10.30.{i}.1"), form_with(&report)).await;
    }
    let names = |items: &[(String, String, String, i64)]| -> Vec<String> {
        items.iter().map(|m| m.0.clone()).collect()
    };

    // All of them, most reported first; the two reported once tie.
    let all = merchants(&app, &moderator, "sort=reports").await;
    assert_eq!(all.len(), 4, "{all:?}");
    assert_eq!(names(&all[..2]), ["南粤电器城", "岭南茶叶店"], "{all:?}");
    for (name, platform, province, count) in &all {
        let expected = filings.iter().filter(|f| *f == name).count() as i64;
        assert_eq!(*count, expected, "{name}");
        assert_eq!(
            (platform.as_str(), province.as_str()),
            (merchant(name).0, merchant(name).1)
        );
    }
    // Counts never increase down the list.
    assert!(all.windows(2).all(|w| w[0].3 >= w[1].3), "{all:?}");
    // The default order is the same.
    assert_eq!(names(&merchants(&app, &moderator, "").await), names(&all));

    // By platform: only that platform's merchants, most reported first.
    let taobao = merchants(&app, &moderator, "platform=taobao&sort=reports").await;
    assert_eq!(names(&taobao), ["岭南茶叶店", "临安山货铺"], "{taobao:?}");
    assert!(taobao.iter().all(|m| m.1 == "taobao"));
    let jd = merchants(&app, &moderator, "platform=jd").await;
    assert_eq!(names(&jd), ["南粤电器城", "西湖丝绸坊"], "{jd:?}");
    assert!(jd.iter().all(|m| m.1 == "jd"));

    // By province (a Chinese name, percent-encoded in the query).
    let guangdong = merchants(
        &app,
        &moderator,
        &format!("province={}&sort=reports", encoded("广东省")),
    )
    .await;
    assert_eq!(
        names(&guangdong),
        ["南粤电器城", "岭南茶叶店"],
        "{guangdong:?}"
    );
    assert!(guangdong.iter().all(|m| m.2 == "广东省"));
    let mut zhejiang =
        names(&merchants(&app, &moderator, &format!("province={}", encoded("浙江省"))).await);
    zhejiang.sort();
    assert_eq!(zhejiang, ["临安山货铺", "西湖丝绸坊"]);

    // Both filters at once, and a province nobody reported.
    let both = merchants(
        &app,
        &moderator,
        &format!("platform=jd&province={}", encoded("浙江省")),
    )
    .await;
    assert_eq!(names(&both), ["西湖丝绸坊"], "{both:?}");
    let none = merchants(&app, &moderator, &format!("province={}", encoded("北京市"))).await;
    assert!(none.is_empty(), "{none:?}");

    // Most recently reported first.
    let recent = merchants(&app, &moderator, "sort=recent").await;
    assert_eq!(
        recent.first().map(|m| m.0.as_str()),
        Some("西湖丝绸坊"),
        "{recent:?}"
    );
    assert_eq!(recent.len(), 4);
}

#[tokio::test]
async fn the_same_shop_address_under_other_names_is_a_repeat_merchant() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    // Two independent reporters (other contact, other network), two names
    // for the shop, one address: only the tracking parameters differ.
    let mut first = plain_report("shop-a@example.com", "星辰潮玩店");
    first["shop_url"] =
        json!("https://shop778899.taobao.com/?spm=a1z10.1-c.0.0.5c2e7d3a&scm=1007.12144.81309");
    let first_ref = file_from(&app, "10.40.0.1", form_with(&first)).await;
    let first_case = computed(&app, &moderator, &first_ref).await;
    assert!(
        !codes(&first_case).contains(&"repeat_merchant".to_owned()),
        "{}",
        first_case["signals"]
    );

    let mut later = plain_report("shop-b@example.org", "星辰潮玩精品屋");
    later["shop_url"] =
        json!("https://shop778899.taobao.com/?spm=a21bo.jianhua.201857.3&from=share&share_crt_v=1");
    let later_ref = file_from(&app, "10.41.7.9", form_with(&later)).await;
    // A third reporter about another shop with a similar name: not the same merchant.
    let mut unrelated = plain_report("shop-c@example.net", "星辰潮玩铺");
    unrelated["shop_url"] = json!("https://shop778800.taobao.com/?spm=a1z10.1-c.0.0.5c2e7d3a");
    let unrelated_ref = file_from(&app, "10.42.0.1", form_with(&unrelated)).await;

    let later_case = computed(&app, &moderator, &later_ref).await;
    let repeat = signal(&later_case, "repeat_merchant");
    assert_eq!(repeat["related"], json!([first_ref]), "{repeat}");
    assert!(
        explanation(repeat, "zh-CN").contains(&first_ref),
        "{repeat}"
    );
    assert_eq!(later_case["priority"]["independent_reporters"], 2);

    // The earlier case learns of the later one.
    let first_case = wait_until(&app, &moderator, &first_ref, "repeat_merchant", |c| {
        related_by(c, "repeat_merchant") == [later_ref.clone()]
    })
    .await;
    assert_eq!(first_case["priority"]["independent_reporters"], 2);

    let unrelated_case = computed(&app, &moderator, &unrelated_ref).await;
    assert!(
        !codes(&unrelated_case).contains(&"repeat_merchant".to_owned()),
        "{}",
        unrelated_case["signals"]
    );
    assert_eq!(unrelated_case["priority"]["independent_reporters"], 1);
}

#[tokio::test]
async fn a_csv_logistics_export_in_the_evidence_is_checked_and_named() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    // As a spreadsheet saves it: a byte-order mark, Chinese headers; the
    // parcel is signed for in Shanghai the day before it is picked up.
    let export = "\u{feff}时间,地点,描述,运单号,快递公司\n\
        2026-11-21 10:00,上海市浦东新区,已签收，本人签收,YT2345678901234,圆通速递\n\
        2026-11-22 08:00,杭州市余杭区,已揽收,,\n\
        2026-11-22 20:00,杭州市,快件离开杭州转运中心，发往上海,,\n"
        .as_bytes()
        .to_vec();
    let mut report = plain_report("csv@example.com", "导出物流店");
    report["category"] = json!("abnormal_logistics");
    let reference = file_from(
        &app,
        "10.50.0.1",
        form_with(&report).part("evidence", file_part(export, "物流导出.csv", "text/csv")),
    )
    .await;
    // The same export in the right order, in another case: nothing wrong.
    let fine = "时间,地点,描述,运单号,快递公司\n\
        2026-11-20 08:00,杭州市余杭区,已揽收,YT3456789012345,圆通速递\n\
        2026-11-20 20:00,杭州市,快件离开杭州转运中心，发往上海,,\n\
        2026-11-21 10:00,上海市浦东新区,已签收，本人签收,,\n"
        .as_bytes()
        .to_vec();
    let mut fine_report = plain_report("csv2@example.com", "正常物流店");
    fine_report["category"] = json!("abnormal_logistics");
    let fine_ref = file_from(
        &app,
        "10.51.0.1",
        form_with(&fine_report).part("evidence", file_part(fine, "正常物流.csv", "text/csv")),
    )
    .await;

    let case = computed(&app, &moderator, &reference).await;
    let found = signal(&case, "delivered_before_shipped");
    assert!(
        explanation(found, "zh-CN").contains("物流导出.csv"),
        "{found}"
    );
    assert!(explanation(found, "en").contains("物流导出.csv"), "{found}");
    let fine_case = computed(&app, &moderator, &fine_ref).await;
    assert!(
        !codes(&fine_case).contains(&"delivered_before_shipped".to_owned()),
        "{}",
        fine_case["signals"]
    );
}

/// The review on `tests/fixtures/signals/review-screenshot.png` (a phone
/// shop's review page, drawn in Noto Sans CJK), as a reporter would paste it.
const SCREENSHOT_REVIEW: &str =
    "这款蓝牙耳机音质清晰，续航很久，佩戴也很舒服，客服态度热情，包装完好无损，强烈推荐购买！";

fn review_screenshot() -> Vec<u8> {
    std::fs::read("tests/fixtures/signals/review-screenshot.png").expect("fixture")
}

/// Files the typed review in one case, then (from another reporter) a case
/// about the same merchant whose only review is in a screenshot, with
/// `extra` evidence; returns (typed case, screenshot case).
async fn typed_then_screenshot(
    app: &TestApp,
    merchant: &str,
    extra: Vec<(Vec<u8>, &str)>,
) -> (String, String) {
    let mut typed = plain_report("typed@example.com", merchant);
    typed["review_texts"] = json!([SCREENSHOT_REVIEW]);
    let typed_ref = file_from(app, "10.60.0.1", form_with(&typed)).await;
    let shot = plain_report("shot@example.org", merchant);
    let mut form = form_with(&shot).part(
        "evidence",
        file_part(review_screenshot(), "评价截图.png", "image/png"),
    );
    for (bytes, name) in extra {
        form = form.part("evidence", file_part(bytes, name, "image/png"));
    }
    let shot_ref = file_from(app, "10.61.0.1", form).await;
    (typed_ref, shot_ref)
}

#[tokio::test]
#[ignore = "needs tesseract with chi_sim; run with `cargo test -- --include-ignored`"]
async fn a_review_read_from_a_screenshot_matches_one_typed_in_another_case() {
    require_tesseract();
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let (typed_ref, shot_ref) = typed_then_screenshot(&app, "声悦数码专营店", vec![]).await;
    let case = computed_within(&app, &moderator, &shot_ref, OCR_WAIT).await;
    // One review quoted by two independent reporters: corroboration, not a template.
    assert!(
        !codes(&case).contains(&"template_reviews".to_owned()),
        "{}",
        case["signals"]
    );
    let corroborated = signal(&case, "corroborated_review");
    assert_eq!(
        corroborated["related"],
        json!([typed_ref]),
        "{corroborated}"
    );
    assert_eq!(corroborated["severity"], "low", "{corroborated}");
    assert!(
        explanation(corroborated, "zh-CN").contains(&typed_ref)
            && explanation(corroborated, "zh-CN").contains("2 位独立举报人"),
        "{corroborated}"
    );
    // And the screenshot's text is searchable.
    let found: Value = app
        .staff_get(
            &moderator,
            &format!("/api/v1/cases?q={}", encoded("蓝牙耳机音质清晰")),
        )
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["reference"].as_str())
        .collect();
    assert!(listed.contains(&shot_ref.as_str()), "{found}");
}

/// Issue (d): a finding in a screenshot's text names the screenshot, never
/// the internal field (`review_texts[2]`) the text was compared as.
#[tokio::test]
#[ignore = "needs tesseract with chi_sim; run with `cargo test -- --include-ignored`"]
async fn signals_found_in_screenshots_name_the_screenshot() {
    require_tesseract();
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let card = std::fs::read("tests/fixtures/ocr/cashback-card.png").expect("fixture");
    let (_, shot_ref) =
        typed_then_screenshot(&app, "声悦耳机旗舰店", vec![(card, "返现卡片.png")]).await;
    let case = computed_within(&app, &moderator, &shot_ref, OCR_WAIT).await;
    // The review is in 评价截图.png, the cash-back talk in 返现卡片.png.
    for (code, screenshot) in [
        ("corroborated_review", "评价截图.png"),
        ("brushing_keywords", "返现卡片.png"),
    ] {
        let found = signal(&case, code);
        for language in ["zh-CN", "en"] {
            let text = explanation(found, language);
            assert!(
                text.contains(screenshot),
                "{code} ({language}) should name {screenshot}: {text}"
            );
            assert!(
                !text.contains("review_texts"),
                "{code} ({language}) names an internal field: {text}"
            );
        }
    }
}

/// Issue (a): in a ring sharing one screenshot, the explanation lists each
/// other case's file once (not once per way it was found).
#[tokio::test]
async fn a_ring_names_each_other_cases_file_once() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(360, 780, 41);
    let mut refs = Vec::new();
    for i in 0..3 {
        let form = form_with(&plain_report(
            &format!("ring{i}@example.com"),
            "同心圆数码店",
        ))
        .part(
            "evidence",
            file_part(shot.clone(), "好评截图.png", "image/png"),
        );
        let reference = file_from(&app, &format!("10.70.{i}.1"), form).await;
        // Each case's screenshot is fingerprinted before the next arrives,
        // so the next finds it both by SHA-256 and among the merchant's images.
        computed(&app, &moderator, &reference).await;
        refs.push(reference);
    }
    let count_in = |case: &Value, other: &str| {
        let duplicate = signal(case, "duplicate_evidence");
        (
            explanation(duplicate, "zh-CN")
                .matches(&format!("{other}「好评截图.png」"))
                .count(),
            explanation(duplicate, "en")
                .matches(&format!("{other} (“好评截图.png”)"))
                .count(),
        )
    };
    let last = computed(&app, &moderator, &refs[2]).await;
    assert_eq!(related_by(&last, "duplicate_evidence"), sorted(&refs[..2]));
    for other in &refs[..2] {
        assert_eq!(
            count_in(&last, other),
            (1, 1),
            "{other} in {}",
            signal(&last, "duplicate_evidence")
        );
    }
    // The first case, recomputed as the others arrive, names each of them once.
    let first = wait_until(&app, &moderator, &refs[0], "both duplicates", |c| {
        related_by(c, "duplicate_evidence") == sorted(&refs[1..])
    })
    .await;
    for other in &refs[1..] {
        assert_eq!(
            count_in(&first, other),
            (1, 1),
            "{other} in {}",
            signal(&first, "duplicate_evidence")
        );
    }
}

/// Issue (a), for similar screenshots: a resized copy of a screenshot of the
/// same merchant is found by its hash and among the merchant's images, and
/// named once.
#[tokio::test]
async fn a_similar_screenshot_about_the_same_merchant_is_named_once() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let original = screenshot_png(540, 1170, 21);
    let copy = {
        let image = image::load_from_memory(&original).expect("decode");
        encode(
            image.resize(400, 867, image::imageops::FilterType::Triangle),
            image::ImageFormat::Jpeg,
        )
    };
    let a = file_from(
        &app,
        "10.71.0.1",
        form_with(&plain_report("sim-a@example.com", "相似截图店"))
            .part("evidence", file_part(original, "a.png", "image/png")),
    )
    .await;
    computed(&app, &moderator, &a).await;
    let b = file_from(
        &app,
        "10.72.0.1",
        form_with(&plain_report("sim-b@example.com", "相似截图店"))
            .part("evidence", file_part(copy, "b.jpg", "image/jpeg")),
    )
    .await;
    let case_b = computed(&app, &moderator, &b).await;
    let similar = signal(&case_b, "similar_evidence");
    assert_eq!(similar["related"], json!([a]), "{similar}");
    let zh = explanation(similar, "zh-CN");
    let en = explanation(similar, "en");
    // Found by its hash (so by the hash index and among the merchant's images).
    assert!(zh.contains("汉明距离"), "{zh}");
    assert_eq!(
        zh.matches(&format!("{a} 中的截图「a.png」")).count(),
        1,
        "{zh}"
    );
    assert_eq!(en.matches(&format!("“a.png” in {a}")).count(), 1, "{en}");
}

/// Issue (b): a reply whose file is already in an earlier case makes the
/// earlier case a duplicate of the replying one too.
#[tokio::test]
async fn a_reply_with_an_earlier_cases_file_recomputes_the_earlier_case() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(300, 650, 77);
    let earlier = file_from(
        &app,
        "10.80.0.1",
        form_with(&plain_report("early@example.com", "早先店")).part(
            "evidence",
            file_part(shot.clone(), "早先截图.png", "image/png"),
        ),
    )
    .await;
    let response = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("x-forwarded-for", "10.81.0.1")
        .multipart(form_with(&plain_report("late@example.com", "后来店")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("json");
    let replying = created["reference"].as_str().expect("reference").to_owned();
    let code = created["tracking_code"].as_str().expect("code").to_owned();
    // Both computed, neither a duplicate yet.
    for reference in [&earlier, &replying] {
        let case = computed(&app, &moderator, reference).await;
        assert!(
            !codes(&case).contains(&"duplicate_evidence".to_owned()),
            "{}",
            case["signals"]
        );
    }

    reply_with_a_screenshot(&app, &moderator, &replying, &code, shot).await;

    let after = wait_until(
        &app,
        &moderator,
        &replying,
        "duplicate of the earlier case",
        |c| related_by(c, "duplicate_evidence") == [earlier.clone()],
    )
    .await;
    assert!(explanation(signal(&after, "duplicate_evidence"), "zh-CN").contains("早先截图.png"));
    // The earlier case is computed again and names the replying case.
    let earlier_case = wait_until(
        &app,
        &moderator,
        &earlier,
        "duplicate of the replying case",
        |c| related_by(c, "duplicate_evidence") == [replying.clone()],
    )
    .await;
    assert!(
        explanation(signal(&earlier_case, "duplicate_evidence"), "zh-CN").contains("补充截图.png"),
        "{}",
        earlier_case["signals"]
    );
}

/// Issue (c): the priority's reasons give the case's age even on its first
/// day, when it adds no points.
#[tokio::test]
async fn a_fresh_cases_priority_reasons_give_its_age() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let reference = file_from(
        &app,
        "10.90.0.1",
        form_with(&plain_report("fresh@example.com", "新鲜事小店")),
    )
    .await;
    let case = computed(&app, &moderator, &reference).await;
    let priority = &case["priority"];
    let reasons = priority["reasons"].as_array().expect("reasons");
    let age = reasons.iter().find(|r| {
        let zh = r["explanation"]["zh-CN"].as_str().unwrap_or_default();
        let en = r["explanation"]["en"].as_str().unwrap_or_default();
        // However it is worded ("0 天", "不足一天"; "0 days", "less than a day").
        zh.contains('天') && en.contains("day")
    });
    let age = age.unwrap_or_else(|| panic!("no age among the reasons: {priority}"));
    assert_eq!(age["points"], 0, "{age}");
    // The reasons account for the score.
    let points: i64 = reasons
        .iter()
        .map(|r| r["points"].as_i64().expect("points"))
        .sum();
    assert_eq!(
        priority["score"].as_i64(),
        Some(points.min(100)),
        "{priority}"
    );
}

/// Issue (b), when the cases are already related by another signal: two
/// independent reporters about one merchant (so each names the other under
/// `repeat_merchant`), then a reply adds the other case's file. The earlier
/// case must still be computed again and gain `duplicate_evidence`.
#[tokio::test]
async fn a_reply_with_the_file_of_an_already_related_case_recomputes_it() {
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(300, 650, 78);
    let earlier = file_from(
        &app,
        "10.82.0.1",
        form_with(&plain_report("ring-early@example.com", "老相识店")).part(
            "evidence",
            file_part(shot.clone(), "早先截图.png", "image/png"),
        ),
    )
    .await;
    computed(&app, &moderator, &earlier).await;
    let response = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("x-forwarded-for", "10.83.0.1")
        .multipart(form_with(&plain_report(
            "ring-late@example.com",
            "老相识店",
        )))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("json");
    let replying = created["reference"].as_str().expect("reference").to_owned();
    let code = created["tracking_code"].as_str().expect("code").to_owned();
    // Each names the other as a report about the same merchant.
    wait_until(&app, &moderator, &replying, "repeat_merchant", |c| {
        related_by(c, "repeat_merchant") == [earlier.clone()]
    })
    .await;
    let before = wait_until(&app, &moderator, &earlier, "repeat_merchant", |c| {
        related_by(c, "repeat_merchant") == [replying.clone()]
    })
    .await;
    assert!(
        !codes(&before).contains(&"duplicate_evidence".to_owned()),
        "{}",
        before["signals"]
    );

    reply_with_a_screenshot(&app, &moderator, &replying, &code, shot).await;
    wait_until(
        &app,
        &moderator,
        &replying,
        "duplicate of the earlier case",
        |c| related_by(c, "duplicate_evidence") == [earlier.clone()],
    )
    .await;
    wait_until(
        &app,
        &moderator,
        &earlier,
        "duplicate of the replying case",
        |c| related_by(c, "duplicate_evidence") == [replying.clone()],
    )
    .await;
}

/// Screenshots that OCR can make nothing honest of: a blank screen, a photo
/// without text, a 40-megapixel image (the most intake takes), a page in
/// English only, a page turned on its side. None may give a signal, and
/// the worker goes on to the next report.
#[tokio::test]
#[ignore = "needs tesseract with chi_sim and fonts-noto-cjk; run with `cargo test -- --include-ignored`"]
async fn screenshots_ocr_cannot_read_give_no_signal_and_do_not_stall_the_worker() {
    require_tesseract();
    let fonts = crate::screens::Fonts::load().unwrap_or_else(|e| panic!("{e}"));
    let app = signals_app().await;
    let moderator = app.moderator().await;
    let png = |image: image::RgbImage| {
        encode(
            image::DynamicImage::ImageRgb8(image),
            image::ImageFormat::Png,
        )
    };
    let blank = png(image::RgbImage::from_pixel(
        1080,
        2340,
        image::Rgb([255, 255, 255]),
    ));
    let photo = png(crate::screens::photo(
        1200,
        1600,
        crate::screens::Photo::Parcel,
        &mut crate::screens::Rng::new(5),
    ));
    let mut huge = image::RgbImage::from_pixel(8000, 5000, image::Rgb([240, 240, 240]));
    for x in (0..8000).step_by(97) {
        for y in 0..5000 {
            huge.put_pixel(x, y, image::Rgb([30, 30, 30]));
        }
    }
    let huge = png(huge);
    // A review page at 750×1334 showing exactly `reviews`.
    let page = |seed: u64, reviews: &[&str]| {
        crate::screens::render_scripted(
            &fonts,
            crate::screens::Page::Reviews,
            750,
            1334,
            crate::screens::Photos::Few,
            seed,
            Some(crate::screens::Script {
                reviews: reviews.iter().map(|r| (*r).to_owned()).collect(),
                chat: vec![],
            }),
        )
        .0
    };
    let english = page(
        7,
        &[
            "Great phone case, fits well and the colour is exactly as shown.",
            "Battery life is shorter than advertised, about six hours of music.",
            "Shipping took a week but the seller answered my questions quickly.",
        ],
    );
    let rotated = image::imageops::rotate90(&page(
        8,
        &[
            "给老妈买的，做工很扎实，颜色跟图片一样，比实体店便宜不少",
            "袖子有点长，我一米七穿到手背，面料摸着还可以，洗了一次没有掉色",
        ],
    ));
    let mut form = form_with(&plain_report("unreadable@example.com", "读不出来的店"));
    for (bytes, name) in [
        (blank, "blank.png"),
        (photo, "photo.png"),
        (huge, "huge.png"),
        (png(english), "english.png"),
        (png(rotated), "rotated.png"),
    ] {
        form = form.part("evidence", file_part(bytes, name, "image/png"));
    }
    let started = std::time::Instant::now();
    let reference = file_from(&app, "10.90.0.1", form).await;
    let case = computed_within(&app, &moderator, &reference, OCR_WAIT).await;
    let took = started.elapsed();
    assert_eq!(codes(&case), Vec::<String>::new(), "{}", case["signals"]);
    assert_eq!(case["priority"]["score"], 0, "{}", case["priority"]);
    // The worker is free again: the next report is computed promptly.
    let next = file_from(
        &app,
        "10.91.0.1",
        form_with(&plain_report("next@example.com", "下一家店")),
    )
    .await;
    computed(&app, &moderator, &next).await;
    println!(
        "five unreadable screenshots analysed in {:.1} s",
        took.as_secs_f64()
    );
}
