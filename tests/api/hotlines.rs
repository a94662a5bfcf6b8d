//! Fake "official" service hotlines: the report of its own, with the number
//! in one form, found again by search and by other cases, routed by where
//! the consumer was, and forwarded with a section of its own.

use mail_parser::MimeHeaders;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail::{add_regulator, case, html_text, mail_app, validate, wait_for_status, WAIT};
use crate::smtp::SmtpServer;

#[tokio::test]
async fn a_hotline_report_needs_no_shop_and_keeps_one_form_of_the_number() {
    let app = spawn_app().await;
    let response = app.post_report(form_with(&hotline_report())).await;
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.expect("json");
    let reference = created["reference"].as_str().expect("reference").to_owned();
    let code = created["tracking_code"].as_str().expect("code").to_owned();

    let moderator = app.moderator().await;
    let detail = case(&app, &moderator, &reference).await;
    assert_eq!(detail["merchant_name"], Value::Null);
    assert_eq!(detail["platform"], Value::Null);
    let hotline = &detail["hotline"];
    assert_eq!(hotline["number"], "4001865909", "{detail}");
    assert_eq!(hotline["impersonated_brand"], "联勒指纹锁");
    assert_eq!(hotline["found_via"], "search_engine");
    assert_eq!(hotline["found_domain"], "example.com");
    assert_eq!(hotline["technician_visited"], true);
    assert_eq!(hotline["amount_paid_yuan"], 680.0);
    assert_eq!(hotline["incident_province"], "上海市");
    assert!(hotline["page_text"]
        .as_str()
        .is_some_and(|t| t.starts_with("联勒指纹锁全国统一")));

    // The reporter sees what they filed.
    let mine: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["hotline"]["number"], "4001865909", "{mine}");

    // Other reports are unchanged: no hotline key at all.
    let (other, _) = app.file_report(&valid_report(), None).await;
    let other = case(&app, &moderator, &other).await;
    assert!(other.get("hotline").is_none(), "{other}");

    // The number, however it was typed, finds the case, and a second report
    // of the same number (another brand) is related to it.
    let mut second = hotline_report();
    second["hotline"]["number"] = json!("+86 400 186 5909");
    second["hotline"]["impersonated_brand"] = json!("美的空调");
    let (second_ref, _) = app.file_report(&second, None).await;
    let found: Value = app
        .staff_get(&moderator, "/api/v1/cases?q=4001865909")
        .await
        .json()
        .await
        .expect("json");
    let refs: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["reference"].as_str())
        .collect();
    assert!(
        refs.contains(&reference.as_str()) && refs.contains(&second_ref.as_str()),
        "{found}"
    );
    let second = case(&app, &moderator, &second_ref).await;
    let related = second["related"].as_array().expect("related");
    assert!(
        related.iter().any(|r| r["reference"] == reference.as_str()
            && r["reasons"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("hotline_number")))),
        "{second}"
    );
}

#[tokio::test]
async fn bad_hotline_input_is_refused_field_by_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("number", json!("call us now"), "hotline.number", "phone"),
        ("number", json!("400"), "hotline.number", "too_short"),
        (
            "number",
            json!("1381234567890"),
            "hotline.number",
            "too_long",
        ),
        ("number", json!(null), "hotline.number", "required"),
        (
            "impersonated_brand",
            json!("  "),
            "hotline.impersonated_brand",
            "required",
        ),
        (
            "found_url",
            json!("javascript:alert(1)"),
            "hotline.found_url",
            "url",
        ),
        (
            "page_text",
            json!("页".repeat(20_001)),
            "hotline.page_text",
            "length",
        ),
        (
            "amount_paid_yuan",
            json!(-5),
            "hotline.amount_paid_yuan",
            "range",
        ),
        (
            "amount_paid_yuan",
            json!(1e9),
            "hotline.amount_paid_yuan",
            "range",
        ),
        (
            "amount_paid_yuan",
            json!(12.345),
            "hotline.amount_paid_yuan",
            "precision",
        ),
        (
            "amount_paid_yuan",
            json!("680"),
            "hotline.amount_paid_yuan",
            "invalid_type",
        ),
        (
            "incident_province",
            json!("Shanghai"),
            "hotline.incident_province",
            "invalid_choice",
        ),
        (
            "found_via",
            json!("tv"),
            "hotline.found_via",
            "invalid_choice",
        ),
        ("fax", json!("x"), "hotline", "unknown_field"),
    ];
    for (key, value, field, code) in cases {
        let mut report = hotline_report();
        report["hotline"][key] = value;
        let response = app.post_report(form_with(&report)).await;
        let (status, body) = problem(response).await;
        assert_eq!(status, 422, "{key}: {body}");
        assert!(
            error_fields(&body)
                .iter()
                .any(|(f, c)| f.starts_with(field) && c == code),
            "{key}: expected {field}/{code} in {body}"
        );
    }
    // The category and its section go together.
    let mut without = hotline_report();
    without.as_object_mut().map(|o| o.remove("hotline"));
    assert_refused(
        &app,
        app.post_report(form_with(&without)).await,
        422,
        "hotline",
        "required",
    )
    .await;
    let mut elsewhere = valid_report();
    elsewhere["hotline"] = hotline_report()["hotline"].clone();
    assert_refused(
        &app,
        app.post_report(form_with(&elsewhere)).await,
        422,
        "hotline",
        "category",
    )
    .await;
    // Other categories still need their shop.
    let mut shopless = valid_report();
    shopless.as_object_mut().map(|o| o.remove("merchant_name"));
    assert_refused(
        &app,
        app.post_report(form_with(&shopless)).await,
        422,
        "merchant_name",
        "required",
    )
    .await;
    app.assert_nothing_stored().await;
}

#[tokio::test]
async fn a_hotline_is_routed_by_where_the_consumer_was_and_forwarded_with_its_section() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    const SHANGHAI: &str = "ts@sh.gov.example";
    add_regulator(
        &app,
        &admin,
        json!({"name": "上海市市场监督管理局", "email": SHANGHAI, "provinces": ["上海市"]}),
    )
    .await;
    let (reference, _) = app.file_report(&hotline_report(), None).await;
    let moderator = app.moderator().await;
    let routing: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}/routing"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(routing["targets"][0]["email"], SHANGHAI, "{routing}");

    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let mail = smtp.wait_for(SHANGHAI, 1, WAIT).await.remove(0);
    let parsed = mail.parsed();
    assert_eq!(
        parsed.subject(),
        Some(
            format!(
                "[消费者举报 {reference}] 虚假客服 / 维修热线 · 冒充「联勒指纹锁」· 4001865909"
            )
            .as_str()
        )
    );
    let text = parsed.body_text(0).expect("text").into_owned();
    let html = html_text(&parsed.body_html(0).expect("html"));
    for body in [&text, &html] {
        for needle in [
            "虚假热线",
            "4001865909",
            "联勒指纹锁",
            "搜索引擎",
            "https://m.lianle-weixiu.example.com/shouhou?id=7",
            "联勒指纹锁售后电话",
            "有人上门",
            "680.00 元",
            "上海市",
            "联勒指纹锁全国统一24小时维修服务热线",
        ] {
            assert!(body.contains(needle), "{needle} missing from\n{body}");
        }
    }
    let case_file: Value = parsed
        .attachments()
        .find(|a| a.attachment_name() == Some(&format!("case-{reference}.json")))
        .map(|a| serde_json::from_slice(a.contents()).expect("json"))
        .expect("case file");
    assert_eq!(case_file["hotline"]["number"], "4001865909", "{case_file}");
    assert_eq!(
        case_file["labels"]["found_via"]["zh"], "搜索引擎",
        "{case_file}"
    );
    assert_eq!(case_file["platform"], Value::Null);
}

async fn blocklist(app: &TestApp, accept: &str, etag: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .get(app.url("/api/v1/blocklist/hotlines"))
        .header("accept", accept);
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    request.send().await.expect("sent")
}

#[tokio::test]
async fn validated_numbers_are_published_for_platforms_and_leave_when_the_case_is_rejected() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let admin = app.admin().await;
    let (validated_ref, _) = app.file_report(&hotline_report(), None).await;
    let mut only_reported = hotline_report();
    only_reported["hotline"]["number"] = json!("13912345678");
    app.file_report(&only_reported, None).await;
    assert_eq!(
        validate(&app, &moderator, &validated_ref, json!({})).await,
        200
    );
    // Forwarding is a move of its own (a new event, a new ETag): let it happen first.
    wait_for_status(&app, &moderator, &validated_ref, "forwarded").await;

    let response = blocklist(&app, "application/json", None).await;
    assert_eq!(response.status().as_u16(), 200, "public, no token");
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned();
    assert!(response.headers().get("last-modified").is_some());
    let body: Value = response.json().await.expect("json");
    let items = body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "only the validated number: {body}");
    let item = &items[0];
    assert_eq!(item["number"], "4001865909");
    assert_eq!(item["brands"], json!(["联勒指纹锁"]));
    assert_eq!(item["domains"], json!(["example.com"]));
    assert_eq!(item["cases"], 1);
    assert!(item["first_validated_at"].is_string() && item["last_validated_at"].is_string());
    assert!(body["generated_at"].is_string());
    let text = body.to_string();
    for private in ["li@example.com", "680", "上门师傅"] {
        assert!(!text.contains(private), "{private} published: {text}");
    }

    let unchanged = blocklist(&app, "application/json", Some(&etag)).await;
    assert_eq!(unchanged.status().as_u16(), 304);
    assert!(unchanged.bytes().await.expect("body").is_empty());

    let csv = blocklist(&app, "text/csv", None).await;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/csv")));
    let csv_etag = csv
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_ne!(
        csv_etag.as_deref(),
        Some(etag.as_str()),
        "one ETag per representation"
    );
    let csv = csv.text().await.expect("text");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("number,brands,domains,cases,first_validated_at,last_validated_at")
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("4001865909,联勒指纹锁,example.com,1,")),
        "{csv}"
    );

    // Reopened by an admin and rejected: the number leaves the list.
    assert_eq!(
        app.move_case(
            &admin,
            &validated_ref,
            json!({"to": "under_review", "from": "forwarded"})
        )
        .await,
        200
    );
    assert_eq!(
        app.move_case(
            &admin,
            &validated_ref,
            json!({"to": "rejected", "reason": "品牌方确认这是其官方号码。"})
        )
        .await,
        200
    );
    let changed = blocklist(&app, "application/json", Some(&etag)).await;
    assert_eq!(changed.status().as_u16(), 200, "the list changed");
    let body: Value = changed.json().await.expect("json");
    assert_eq!(body["items"], json!([]), "{body}");
}

#[tokio::test]
async fn the_blocklist_can_require_a_token() {
    let app = spawn_app_with(|c| c.blocklist_token = Some("platform-secret".into())).await;
    let anonymous = blocklist(&app, "application/json", None).await;
    assert_eq!(anonymous.status().as_u16(), 401);
    let allowed = app
        .client
        .get(app.url("/api/v1/blocklist/hotlines"))
        .bearer_auth("platform-secret")
        .send()
        .await
        .expect("sent");
    assert_eq!(allowed.status().as_u16(), 200);
}

/// One number posing as two brands' service lines, advertised on one site:
/// the second case says so and names the first; the pasted page is
/// recognised for what it is. A consumer's own plain account is not.
#[tokio::test]
async fn one_number_for_several_brands_is_flagged_as_a_ring() {
    let app = crate::signals::signals_app().await;
    let moderator = app.moderator().await;
    let first = crate::signals::file_from(&app, "10.20.0.1", form_with(&hotline_report())).await;
    let mut second = hotline_report();
    second["hotline"]["number"] = json!("400 186 5909");
    second["hotline"]["impersonated_brand"] = json!("美的空调");
    second["hotline"]["found_url"] = json!("https://www.lianle-weixiu.example.com/meidi");
    second["hotline"]["page_text"] = json!("我在网上搜到的电话，打过去对方说是美的售后。");
    second["reporter"] = json!({"email": "wang@example.com"});
    let second = crate::signals::file_from(&app, "10.20.0.2", form_with(&second)).await;

    let case = crate::signals::wait_for_signal(&app, &moderator, &second, "repeat_hotline").await;
    let ring = crate::signals::signal(&case, "repeat_hotline");
    assert_eq!(ring["severity"], "high", "{ring}");
    let zh = ring["explanation"]["zh-CN"].as_str().expect("zh");
    assert!(
        zh.contains("4001865909") && zh.contains("「美的空调」") && zh.contains("「联勒指纹锁」"),
        "{zh}"
    );
    assert_eq!(ring["related"], json!([first.clone()]));
    let domain = crate::signals::signal(&case, "repeat_hotline_domain");
    assert!(domain["explanation"]["zh-CN"]
        .as_str()
        .is_some_and(|t| t.contains("example.com")));
    assert!(
        !crate::signals::codes(&case).contains(&"seo_impersonation".to_owned()),
        "a consumer's own words are not an advertising page"
    );

    // The first case hears of the second too, and its pasted page is an SEO page.
    let case = crate::signals::wait_for_signal(&app, &moderator, &first, "repeat_hotline").await;
    let seo = crate::signals::signal(&case, "seo_impersonation");
    let zh = seo["explanation"]["zh-CN"].as_str().expect("zh");
    assert!(
        zh.starts_with("粘贴的网页文字") && zh.contains("4001865909 出现 3 次"),
        "{zh}"
    );
}

async fn admin_send(
    app: &TestApp,
    admin: &Session,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .bearer_auth(&admin.token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("sent")
}

/// Admins keep a directory of brands' own numbers: entries are checked
/// field by field and audited; a hotline that is not the brand's own is
/// flagged, one that is lowers the case's priority.
#[tokio::test]
async fn the_brand_directory_tells_a_fake_number_from_the_brand_s_own() {
    let app = crate::signals::signals_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator().await;
    let brands = "/api/v1/admin/brands";

    let refused = admin_send(
        &app,
        &admin,
        reqwest::Method::POST,
        brands,
        Some(json!({"name": "", "official_numbers": ["call us"], "official_domains": ["not a domain"]})),
    )
    .await;
    let (status, body) = problem(refused).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<String> = error_fields(&body).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        ["name", "official_numbers[0]", "official_domains[0]"],
        "{body}"
    );
    let unknown = admin_send(
        &app,
        &admin,
        reqwest::Method::POST,
        brands,
        Some(json!({"name": "x", "phone": "1"})),
    )
    .await;
    assert_eq!(unknown.status().as_u16(), 422);
    let as_moderator = app
        .client
        .get(app.url(brands))
        .bearer_auth(&moderator.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(as_moderator.status().as_u16(), 403);

    let created = admin_send(
        &app,
        &admin,
        reqwest::Method::POST,
        brands,
        Some(json!({"name": "联勒", "aliases": ["LianLe"], "official_numbers": ["400-888-1234"], "official_domains": ["https://www.lianle.com/service"]})),
    )
    .await;
    assert_eq!(created.status().as_u16(), 201);
    let entry: Value = created.json().await.expect("json");
    assert_eq!(entry["official_numbers"], json!(["4008881234"]));
    assert_eq!(entry["official_domains"], json!(["lianle.com"]));
    let id = entry["id"].as_i64().expect("id");
    let patched = admin_send(
        &app,
        &admin,
        reqwest::Method::PATCH,
        &format!("{brands}/{id}"),
        Some(json!({"aliases": ["LianLe", "联勒智能锁"]})),
    )
    .await;
    assert_eq!(patched.status().as_u16(), 200);
    let listed: Value = admin_send(&app, &admin, reqwest::Method::GET, brands, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed["items"][0]["aliases"],
        json!(["LianLe", "联勒智能锁"])
    );
    assert_eq!(
        listed["items"][0]["official_numbers"],
        json!(["4008881234"]),
        "kept"
    );
    assert_eq!(
        crate::abuse::count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action LIKE 'brand.%'"
        )
        .await,
        2
    );

    // The fake number.
    let fake = crate::signals::file_from(&app, "10.30.0.1", form_with(&hotline_report())).await;
    let case =
        crate::signals::wait_for_signal(&app, &moderator, &fake, "not_official_number").await;
    let flagged = crate::signals::signal(&case, "not_official_number");
    assert_eq!(flagged["severity"], "high");
    assert!(flagged["explanation"]["zh-CN"]
        .as_str()
        .is_some_and(|t| t.contains("4008881234")));

    // The brand's own number, reported by mistake: ranked below.
    let mut mistaken = hotline_report();
    mistaken["hotline"]["number"] = json!("400 888 1234");
    mistaken["hotline"]["page_text"] = json!("联勒官网：服务热线 400-888-1234");
    let mistaken = crate::signals::file_from(&app, "10.30.0.2", form_with(&mistaken)).await;
    crate::signals::wait_for_signal(&app, &moderator, &mistaken, "official_number").await;
    // Filing it recomputes the other case with that number, and may mark this
    // one again: read its priority once no computation is pending.
    let case = crate::mail::eventually("a settled priority", crate::mail::WAIT, || async {
        let case = crate::mail::case(&app, &moderator, &mistaken).await;
        (case["priority"]["recomputing"] == false && case["priority"]["computed_at"].is_string())
            .then_some(case)
    })
    .await;
    assert!(!crate::signals::codes(&case).contains(&"not_official_number".to_owned()));
    let reasons = case["priority"]["reasons"].as_array().expect("reasons");
    assert!(reasons.iter().any(|r| r["points"] == -30), "{reasons:?}");
    assert_eq!(case["priority"]["score"], 0, "{}", case["priority"]);

    let deleted = admin_send(
        &app,
        &admin,
        reqwest::Method::DELETE,
        &format!("{brands}/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(
        crate::abuse::count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'brand.delete'"
        )
        .await,
        1
    );
}

/// Moderators see every reported number (validated or not) with its brands,
/// sites and newest cases; a number is looked up however it is typed.
#[tokio::test]
async fn moderators_list_numbers_by_their_cases() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (first, _) = app.file_report(&hotline_report(), None).await;
    let mut second = hotline_report();
    second["hotline"]["number"] = json!("400-1865-909");
    second["hotline"]["impersonated_brand"] = json!("美的空调");
    second["hotline"]["found_url"] = json!("https://ads.example.org/x");
    let (second, _) = app.file_report(&second, None).await;
    let mut other = hotline_report();
    other["hotline"]["number"] = json!("13812345678");
    app.file_report(&other, None).await;

    let list: Value = app
        .staff_get(&moderator, "/api/v1/hotlines")
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{list}");
    let ring = &items[0];
    assert_eq!(ring["number"], "4001865909");
    assert_eq!(ring["cases"], 2);
    assert_eq!(ring["brands"], json!(["美的空调", "联勒指纹锁"]));
    assert_eq!(ring["domains"], json!(["example.com", "example.org"]));
    assert!(ring["first_seen_at"].is_string() && ring["last_seen_at"].is_string());
    let refs: Vec<&str> = ring["recent_cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["reference"].as_str())
        .collect();
    assert_eq!(refs, [second.as_str(), first.as_str()], "newest first");

    let one: Value = app
        .staff_get(
            &moderator,
            "/api/v1/hotlines?number=%2B86%20138%201234%205678",
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(one["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["items"][0]["number"], "13812345678");
    for (query, field) in [
        ("number=abc", "number"),
        ("sort=brands", "sort"),
        ("limit=0", "limit"),
    ] {
        let (status, body) = problem(
            app.staff_get(&moderator, &format!("/api/v1/hotlines?{query}"))
                .await,
        )
        .await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(error_fields(&body)[0].0, field, "{body}");
    }
    let anonymous = app
        .client
        .get(app.url("/api/v1/hotlines"))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
}
