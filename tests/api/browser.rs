//! The pages in a real browser (headless Chromium through chromedriver).
//!
//! Marked `#[ignore]` with the reason, so a plain `cargo test` on a machine
//! without a browser reports them as ignored rather than passed;
//! `cargo test -- --include-ignored` (what `.ci/run` runs, after installing
//! Chromium) runs them, and there a missing chromedriver fails them.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::signals;
use crate::smtp::{Behaviour, SmtpServer};

pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// A headless browser; fails the test when none is installed.
pub async fn browser() -> Browser {
    let Some(driver_path) = chromedriver() else {
        panic!(
            "this test needs Chromium and chromedriver: apt-get install chromium chromium-driver"
        );
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let capabilities: serde_json::Map<String, Value> = serde_json::from_value(json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                "--lang=zh-CN"
            ]
        }
    }))
    .expect("capabilities");
    let mut last_error = None;
    for _ in 0..50 {
        match ClientBuilder::native()
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Browser { client, driver },
            Err(error) => last_error = Some(error),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start a browser session: {last_error:?}");
}

/// Waits for an element (the pages render asynchronously).
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

const XSS: &str = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn consumer_text_shows_as_text_in_the_moderator_ui() {
    let browser = browser().await;
    let app = spawn_app().await;
    let mut report = valid_report();
    for field in ["merchant_name", "merchant_city", "order_id"] {
        report[field] = json!(format!("{XSS}{field}"));
    }
    report["description"] = json!(format!("描述 {XSS} 描述结束"));
    report["review_texts"] = json!([format!("好评 {XSS}")]);
    report["reporter"] = json!({"name": XSS});
    report["logistics"]["carrier"] = json!("<b>顺丰</b><i>x</i>");
    let (reference, _) = app
        .file_report(&report, Some(small_image(image::ImageFormat::Png)))
        .await;
    app.create_user(
        "mod@example.com",
        qinglang::domain::account::Role::Moderator,
    )
    .await;

    let client = &browser.client;
    client.goto(&app.url("/admin")).await.expect("open /admin");
    wait_for(client, "#login-email")
        .await
        .send_keys("mod@example.com")
        .await
        .expect("type");
    wait_for(client, "#login-password")
        .await
        .send_keys(STAFF_PASSWORD)
        .await
        .expect("type");
    client
        .find(Locator::Css("#login-form button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    wait_for(client, "[data-testid=queue-row]").await;
    client
        .goto(&app.url(&format!("/admin#/case/{reference}")))
        .await
        .expect("open case");
    let description = wait_for(client, "#case-description").await;
    let text = description.text().await.expect("text");
    assert!(
        text.contains("<img src=x onerror="),
        "shown as text: {text}"
    );
    let review = wait_for(client, "[data-testid=review-text]")
        .await
        .text()
        .await
        .expect("text");
    assert!(review.contains("<script>"), "{review}");
    let page = client.source().await.expect("source");
    assert!(page.contains("&lt;img src=x"), "escaped in the DOM");
    let injected = client
        .execute("return [window.__xss || 0, document.querySelectorAll('#case-view img[src=\"x\"], #case-view script').length];", vec![])
        .await
        .expect("script");
    assert_eq!(
        injected,
        json!([0, 0]),
        "no consumer markup ran or became an element"
    );
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_consumer_files_a_report_with_a_screenshot_and_follows_it() {
    let browser = browser().await;
    let app = spawn_app().await;
    let client = &browser.client;
    let screenshot = app.data_dir.path().join("截图.png");
    std::fs::write(&screenshot, screenshot_png(300, 600, 5)).expect("fixture");

    client.goto(&app.url("/")).await.expect("open the form");
    // Client-side checks first: an empty form is not sent.
    wait_for(client, "#category option[value=fake_review]").await;
    client
        .find(Locator::Css("#submit-report"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let error = wait_for(client, "#error-description").await;
    assert!(
        !error.text().await.expect("text").trim().is_empty(),
        "the description error shows"
    );
    assert_eq!(app.counts().await, (0, 0), "nothing was sent");

    client
        .find(Locator::Css("#category"))
        .await
        .expect("category")
        .select_by_value("fake_review")
        .await
        .expect("select");
    client
        .find(Locator::Css("#platform"))
        .await
        .expect("platform")
        .select_by_value("taobao")
        .await
        .expect("select");
    client
        .find(Locator::Css("#merchant_name"))
        .await
        .expect("merchant")
        .send_keys("某某数码旗舰店")
        .await
        .expect("type");
    client
        .find(Locator::Css("#description"))
        .await
        .expect("description")
        .send_keys("商品页的五星好评几乎都是同一模板，疑似刷单炒信。")
        .await
        .expect("type");
    client
        .find(Locator::Css("#evidence-input"))
        .await
        .expect("file input")
        .send_keys(&screenshot.to_string_lossy())
        .await
        .expect("attach");
    client
        .find(Locator::Css("#submit-report"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    let reference = wait_for(client, "#reference").await;
    let reference = loop {
        let text = reference.text().await.expect("text");
        if text.starts_with("QL-") {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let code = wait_for(client, "#tracking-code")
        .await
        .text()
        .await
        .expect("code");
    let view: Value = app
        .get_report(reference.trim(), code.trim())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["merchant_name"], "某某数码旗舰店");
    assert_eq!(view["evidence"][0]["display_name"], "截图.png");

    // The tracking page shows the status once the code is entered.
    client
        .goto(&app.url(&format!("/track?ref={}", reference.trim())))
        .await
        .expect("open /track");
    let code_input = wait_for(client, "#track-code").await;
    code_input.clear().await.expect("clear");
    code_input.send_keys(code.trim()).await.expect("type");
    client
        .find(Locator::Css("#track-submit"))
        .await
        .expect("button")
        .click()
        .await
        .expect("click");
    let status = wait_for(client, "#track-status").await;
    let mut shown = String::new();
    for _ in 0..50 {
        shown = status.text().await.expect("text");
        if shown.contains("已提交") || shown.contains("Submitted") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        shown.contains("已提交") || shown.contains("Submitted"),
        "{shown}"
    );
    assert!(
        !client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .contains(code.trim()),
        "the code never enters the URL"
    );
    let _ = client.clone().close().await;
}

/// Waits until the text of `css` satisfies `ok`, returning it. The element
/// is looked up afresh each time, as the pages re-render.
pub async fn wait_for_text(client: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    wait_for(client, css).await;
    let mut text = String::new();
    for _ in 0..150 {
        text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if ok(&text) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed the expected text; it shows {text:?}");
}

pub async fn click(client: &Client, css: &str) {
    wait_for(client, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}

/// Presses one key on whatever has the focus, as a person would.
pub async fn press(client: &Client, key: char) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await.expect("keys pressed");
}

const ENTER: char = '\u{e007}';

pub async fn log_in(client: &Client, app: &TestApp, email: &str) {
    client.goto(&app.url("/admin")).await.expect("open /admin");
    type_into(client, "#login-email", email).await;
    type_into(client, "#login-password", STAFF_PASSWORD).await;
    click(client, "#login-form button[type=submit]").await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_consumer_answers_the_moderators_question_on_the_tracking_page() {
    let browser = browser().await;
    let app = spawn_app().await;
    let (reference, code) = app.file_report(&valid_report(), None).await;
    let moderator = app.moderator().await;
    let question = "请提供订单截图和付款记录";
    assert_eq!(
        app.move_case(&moderator, &reference, json!({"to": "under_review"}))
            .await,
        200
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "needs_info", "public_note": question})
        )
        .await,
        200
    );
    let attachment = app.data_dir.path().join("订单截图.png");
    std::fs::write(&attachment, small_image(image::ImageFormat::Png)).expect("fixture");

    let client = &browser.client;
    client
        .goto(&app.url(&format!("/track?ref={reference}")))
        .await
        .expect("open /track");
    type_into(client, "#track-code", &code).await;
    click(client, "#track-submit").await;
    wait_for_text(client, "#track-status", |t| t.contains("需要补充材料")).await;
    wait_for_text(client, "#reply-question", |t| t.contains(question)).await;

    // An empty answer is caught in the page: nothing is sent.
    click(client, "#reply-submit").await;
    wait_for_text(client, "#error-reply-message", |t| !t.trim().is_empty()).await;
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "needs_info");

    type_into(client, "#reply-message", "截图见附件，付款记录稍后补充。").await;
    wait_for(client, "#reply-input")
        .await
        .send_keys(&attachment.to_string_lossy())
        .await
        .expect("attach");
    wait_for_text(client, "#reply-file-list", |t| t.contains("订单截图.png")).await;
    click(client, "#reply-submit").await;
    wait_for_text(client, "#reply-done", |t| t.contains("回复已发送")).await;
    wait_for_text(client, "#track-status", |t| t.contains("审核中")).await;
    assert!(
        !wait_for(client, "#reply")
            .await
            .is_displayed()
            .await
            .expect("shown?"),
        "the reply form goes once the case is back under review"
    );
    assert!(
        !client
            .current_url()
            .await
            .expect("url")
            .as_str()
            .contains(&code),
        "the code never enters the URL"
    );

    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["status"], "under_review");
    assert_eq!(
        case["replies"][0]["message"],
        "截图见附件，付款记录稍后补充。"
    );
    assert_eq!(case["evidence"][0]["display_name"], "订单截图.png");
    assert!(case["evidence"][0]["reply_id"].is_number());
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_moderator_moves_cases_through_the_confirmation_dialog() {
    let browser = browser().await;
    let app = spawn_app().await;
    let (reference, code) = app
        .file_report(&valid_report(), Some(small_image(image::ImageFormat::Png)))
        .await;
    let (newer, _) = app.file_report(&valid_report(), None).await;
    app.create_user(
        "mod@example.com",
        qinglang::domain::account::Role::Moderator,
    )
    .await;
    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    wait_for_text(client, "#status-tabs [data-status=submitted]", |t| {
        t.contains('2')
    })
    .await;

    // j moves down the queue (newest first) and Enter opens the case.
    press(client, 'j').await;
    press(client, 'j').await;
    press(client, ENTER).await;
    wait_for_text(client, "#case-heading", |t| t.contains(&reference)).await;
    wait_for(client, "#case-view [data-testid=evidence-item] img").await;

    // u asks to start the review; the dialog confirms it.
    press(client, 'u').await;
    wait_for(client, "#confirm-dialog[open]").await;
    wait_for_text(client, "#confirm-text", |t| {
        t.contains("已提交") && t.contains("审核中")
    })
    .await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#case-heading", |t| t.contains("审核中")).await;
    let (token, csrf) = {
        let body: Value = app
            .login("mod@example.com", STAFF_PASSWORD)
            .await
            .json()
            .await
            .expect("json");
        (
            body["token"].as_str().expect("token").to_owned(),
            body["csrf_token"].as_str().expect("csrf").to_owned(),
        )
    };
    let session = Session {
        token,
        csrf,
        user_id: 0,
    };
    let case: Value = app
        .staff_get(&session, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["status"], "under_review");

    // Asking for more needs the question: the required message shows, and goes once it is typed.
    press(client, 'i').await;
    wait_for(client, "#confirm-dialog[open] #confirm-public_note").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-public_note", |t| {
        t.contains("此项为必填项")
    })
    .await;
    type_into(client, "#confirm-public_note", "请补").await;
    wait_for_text(client, "#error-confirm-public_note", |t| t.is_empty()).await;
    let invalid = client
        .execute(
            "return document.getElementById('confirm-public_note').getAttribute('aria-invalid')",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(invalid, Value::Null, "no longer marked invalid");
    click(client, "#confirm-cancel").await;
    wait_for(client, "#confirm-dialog:not([open])").await;
    let case: Value = app
        .staff_get(&session, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["status"], "under_review", "cancelled: nothing sent");

    // Rejecting needs a reason, which the consumer then sees.
    click(client, "#case-view [data-action=rejected]").await;
    wait_for(client, "#confirm-dialog[open]").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-reason", |t| !t.trim().is_empty()).await;
    let reason = "证据不足：截图无法证明评价为刷单。";
    type_into(client, "#confirm-reason", reason).await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#case-heading", |t| t.contains("不予受理")).await;
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "rejected");
    let timeline = view["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.last().expect("entry")["note"], reason);

    // A page gone stale: someone else moves the case first, and the dialog says so.
    client
        .goto(&app.url(&format!("/admin#/case/{newer}")))
        .await
        .expect("open the other case");
    wait_for_text(client, "#case-heading", |t| t.contains(&newer)).await;
    wait_for(client, "#case-view [data-action=under_review]").await;
    assert_eq!(
        app.move_case(
            &session,
            &newer,
            json!({"to": "rejected", "reason": "重复提交"})
        )
        .await,
        200
    );
    click(client, "#case-view [data-action=under_review]").await;
    wait_for(client, "#confirm-dialog[open]").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#confirm-error", |t| t.contains("不予受理")).await;
    wait_for_text(client, "#case-heading", |t| t.contains("不予受理")).await;
    let case: Value = app
        .staff_get(&session, &format!("/api/v1/cases/{newer}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["status"], "rejected", "the stale move changed nothing");
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_pages_switch_to_english_and_remember_it() {
    let browser = browser().await;
    let app = spawn_app().await;
    let client = &browser.client;
    client.goto(&app.url("/")).await.expect("open the form");
    wait_for(client, "#category option[value=fake_review]").await;
    wait_for_text(client, "#intro h2", |t| t == "举报消费欺诈").await;
    click(client, ".lang-switch").await;
    wait_for_text(client, "#intro h2", |t| t == "Report consumer fraud").await;
    let lang = client
        .execute("return document.documentElement.lang", vec![])
        .await
        .expect("script");
    assert_eq!(lang, json!("en"));
    let option = client
        .execute(
            "return document.querySelector('#category option[value=fake_review]').textContent",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(option, json!("Fake reviews (review brushing)"));
    wait_for_text(client, "#submit-report", |t| t == "Submit report").await;
    click(client, "#submit-report").await;
    wait_for_text(client, "#error-description", |t| {
        t.contains("This field is required")
    })
    .await;
    wait_for_text(client, "#error-summary", |t| {
        t.contains("Please fix the following")
    })
    .await;

    // The choice is remembered on the other pages.
    client.goto(&app.url("/track")).await.expect("open /track");
    wait_for_text(client, "#lookup h2", |t| t == "Track a report").await;
    client.goto(&app.url("/admin")).await.expect("open /admin");
    wait_for_text(client, "#login-heading", |t| t == "Moderator login").await;
    click(client, ".lang-switch").await;
    wait_for_text(client, "#login-heading", |t| t == "审核人员登录").await;
    let _ = client.clone().close().await;
}

/// Polls the API until `check` yields a value (the mail worker runs on its own).
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn get_json(app: &TestApp, session: &Session, path: &str) -> Value {
    let response = app.staff_get(session, path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    response.json().await.expect("json")
}

async fn add_regulator(app: &TestApp, admin: &Session, body: Value) -> i64 {
    let response = app
        .staff_post(admin, "/api/v1/admin/regulators", body)
        .await;
    assert_eq!(response.status().as_u16(), 201);
    response.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

/// Whether `css` is checked (a checkbox).
async fn is_checked(client: &Client, css: &str) -> bool {
    client
        .execute(
            "return document.querySelector(arguments[0]).checked",
            vec![json!(css)],
        )
        .await
        .expect("script")
        == json!(true)
}

const ZJ_NAME: &str = "浙江省市场监督管理局";
const ZJ_EMAIL: &str = "ts@zj.gov.example";

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn an_admin_adds_a_regulator_to_the_directory() {
    let browser = browser().await;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let client = &browser.client;
    log_in(client, &app, "boss@example.com").await;
    click(client, "#nav-regulators:not([hidden])").await;
    wait_for_text(client, "#regulators-empty", |t| t.contains("目录为空")).await;
    wait_for_text(client, "#default-inbox-address", |t| {
        t.contains("inbox@regulator.localhost")
    })
    .await;

    // An address the server refuses: its message shows next to the email field.
    type_into(client, "#reg-name", ZJ_NAME).await;
    type_into(client, "#reg-email", "ts@zj..gov.example").await;
    click(client, "#reg-provinces input[value='浙江省']").await;
    click(client, "#reg-categories input[value='fake_review']").await;
    wait_for_text(client, "#reg-provinces-hint", |t| {
        t.contains("已选 1 个省份")
    })
    .await;
    click(client, "#reg-submit").await;
    wait_for_text(client, "#error-reg-email", |t| {
        t.contains("电子邮箱格式不正确")
    })
    .await;
    let invalid = client
        .execute(
            "var e = document.getElementById('reg-email'); \
             return [e.getAttribute('aria-invalid'), e.getAttribute('aria-describedby'), document.activeElement.id];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(invalid, json!(["true", "error-reg-email", "reg-email"]));
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(listed["items"], json!([]), "nothing was stored");

    // Corrected, the entry is created with what was ticked.
    let email = wait_for(client, "#reg-email").await;
    email.clear().await.expect("clear");
    email.send_keys(ZJ_EMAIL).await.expect("type");
    click(client, "#reg-submit").await;
    let row = wait_for_text(client, "[data-testid=regulator-row]", |t| {
        t.contains(ZJ_NAME) && t.contains(ZJ_EMAIL) && t.contains("浙江省") && t.contains("启用")
    })
    .await;
    assert!(row.contains("虚假好评"), "{row}");
    wait_for_text(client, "#error-reg-email", |t| t.is_empty()).await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], ZJ_NAME);
    assert_eq!(items[0]["email"], ZJ_EMAIL);
    assert_eq!(items[0]["provinces"], json!(["浙江省"]));
    assert_eq!(items[0]["categories"], json!(["fake_review"]));
    assert_eq!(items[0]["active"], true);
    let id = items[0]["id"].as_i64().expect("id");

    // Editing sends only what changed; deactivating and deleting work from the row.
    click(client, &format!("[data-edit='{id}']")).await;
    wait_for_text(client, "#reg-form-heading", |t| t.contains("编辑")).await;
    assert!(is_checked(client, "#reg-provinces input[value='浙江省']").await);
    click(client, "#reg-provinces input[value='上海市']").await;
    click(client, "#reg-submit").await;
    wait_for_text(client, "[data-testid=regulator-row]", |t| {
        t.contains("上海市")
    })
    .await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(listed["items"][0]["provinces"], json!(["上海市", "浙江省"]));
    assert_eq!(listed["items"][0]["email"], ZJ_EMAIL);
    click(client, &format!("[data-toggle='{id}']")).await;
    wait_for_text(client, "[data-testid=regulator-row]", |t| {
        t.contains("已停用")
    })
    .await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(listed["items"][0]["active"], false);
    click(client, &format!("[data-delete='{id}']")).await;
    wait_for_text(client, "#confirm-text", |t| t.contains(ZJ_NAME)).await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#regulators-empty", |t| t.contains("目录为空")).await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(listed["items"], json!([]));

    // Admins also get the mail outbox (moderators get neither page).
    let nav = client
        .execute(
            "return document.getElementById('nav-deliveries').hidden",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(nav, json!(false), "admins see the mail outbox link");
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_moderator_validates_a_case_and_watches_it_reach_the_regulator() {
    let browser = browser().await;
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(smtp.url());
        c.mail_poll_ms = 100;
    })
    .await;
    let admin = app.admin().await;
    let zj = add_regulator(
        &app,
        &admin,
        json!({"name": ZJ_NAME, "email": ZJ_EMAIL, "provinces": ["浙江省"], "categories": ["fake_review"]}),
    )
    .await;
    let sh = add_regulator(
        &app,
        &admin,
        json!({"name": "上海市市场监督管理局", "email": "ts@sh.gov.example", "provinces": ["上海市"]}),
    )
    .await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    let (second, _) = app.file_report(&valid_report(), None).await;
    let moderator = app.moderator().await;
    for case in [&reference, &second] {
        assert_eq!(
            app.move_case(&moderator, case, json!({"to": "under_review"}))
                .await,
            200
        );
    }

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    let nav = client
        .execute(
            "return [document.getElementById('nav-regulators').hidden, document.getElementById('nav-deliveries').hidden]",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(nav, json!([true, true]), "the admin pages are not offered");
    client
        .goto(&app.url(&format!("/admin#/case/{reference}")))
        .await
        .expect("open the case");
    wait_for_text(client, "#case-heading", |t| t.contains(&reference)).await;
    wait_for(client, "#case-view [data-action=validated]").await;
    press(client, 'v').await;
    wait_for(client, "#confirm-dialog[open]").await;
    wait_for_text(client, "[data-testid=routing-targets]", |t| {
        t.contains(ZJ_NAME) && t.contains(ZJ_EMAIL)
    })
    .await;
    let summary = wait_for_text(client, "#routing-summary", |t| t.contains("浙江省")).await;
    assert!(!summary.contains("上海市市场监督管理局"), "{summary}");
    assert!(is_checked(client, &format!("#route-{zj}")).await);
    assert!(!is_checked(client, &format!("#route-{sh}")).await);
    // The focus is on the assessment, not on the button that forwards the case.
    let focused = client
        .execute("return document.activeElement.id", vec![])
        .await
        .expect("script");
    assert_eq!(focused, json!("confirm-reason"));
    // The assessment is required, and a few characters are not enough: the page says so.
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-reason", |t| {
        t.contains("此项为必填项")
    })
    .await;
    type_into(client, "#confirm-reason", "属实").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-reason", |t| {
        t.contains("至少 4 个字")
    })
    .await;
    let case = get_json(&app, &moderator, &format!("/api/v1/cases/{reference}")).await;
    assert_eq!(case["status"], "under_review", "nothing was sent");
    wait_for(client, "#confirm-reason")
        .await
        .clear()
        .await
        .expect("clear");
    let reason = "评价模板高度一致，疑似刷单炒信。";
    type_into(client, "#confirm-reason", reason).await;
    wait_for_text(client, "#error-confirm-reason", |t| t.is_empty()).await;
    click(client, "#confirm-ok").await;

    // The case page follows the mail by itself: accepted, then forwarded.
    wait_for_text(client, "#case-heading", |t| t.contains("已转交监管部门")).await;
    let delivery = wait_for_text(
        client,
        "#regulator-deliveries [data-testid=delivery]",
        |t| t.contains("已送达"),
    )
    .await;
    assert!(
        delivery.contains(ZJ_NAME) && delivery.contains(ZJ_EMAIL),
        "{delivery}"
    );
    assert!(delivery.contains("250 2.0.0"), "the SMTP reply: {delivery}");
    // One email: "1 封邮件已被…接收", not "均已" (which speaks of several).
    let lead = wait_for_text(client, "#forwarding-lead", |t| t.contains("已被")).await;
    assert!(
        lead.starts_with("1 封邮件已被") && !lead.contains("均已"),
        "{lead}"
    );
    let forwarded = "#timeline [data-testid=timeline-entry][data-status=forwarded]";
    wait_for_text(client, forwarded, |t| {
        t.contains(&format!("收件单位：{ZJ_NAME}"))
    })
    .await;

    // In English the timeline names the recipients in English, and every date is 2026-12-02 14:05.
    click(client, ".lang-switch").await;
    wait_for_text(client, forwarded, |t| {
        t.contains(&format!("Sent to {ZJ_NAME}")) && !t.contains("已转交")
    })
    .await;
    wait_for_text(client, "#forwarding-lead", |t| {
        t.contains("1 email was accepted")
    })
    .await;
    let times = client
        .execute(
            "return Array.from(document.querySelectorAll('#case-view time')).map(function (t) { return t.textContent; });",
            vec![],
        )
        .await
        .expect("script");
    let times: Vec<String> = serde_json::from_value(times).expect("texts");
    assert!(times.len() >= 4, "{times:?}");
    for time in &times {
        let iso = time.len() == 16
            && time.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == ' ',
                13 => c == ':',
                _ => c.is_ascii_digit(),
            });
        assert!(iso, "a time reads 2026-12-02 14:05, not {time:?}");
    }
    click(client, ".lang-switch").await;
    wait_for_text(client, forwarded, |t| t.contains("已转交")).await;
    let mail = smtp.wait_for(ZJ_EMAIL, 1, Duration::from_secs(30)).await;
    let text = mail[0]
        .parsed()
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    assert!(text.contains(reason), "the assessment is in the email");
    let case = get_json(&app, &moderator, &format!("/api/v1/cases/{reference}")).await;
    assert_eq!(case["status"], "forwarded");
    assert_eq!(case["deliveries"][0]["status"], "accepted");
    let audit = get_json(
        &app,
        &moderator,
        &format!("/api/v1/cases/{reference}/audit"),
    )
    .await;
    let validated = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|a| a["action"] == "case.transition" && a["after"]["status"] == "validated")
        .expect("the validation is audited")
        .clone();
    assert_eq!(
        validated["after"]["regulator_ids"],
        Value::Null,
        "the routing was left as it was"
    );

    // Overriding: no regulator is refused in the page; one deactivated meanwhile by the server.
    client
        .goto(&app.url(&format!("/admin#/case/{second}")))
        .await
        .expect("open the second case");
    wait_for_text(client, "#case-heading", |t| t.contains(&second)).await;
    click(client, "#case-view [data-action=validated]").await;
    type_into(
        client,
        "#confirm-reason",
        "同一模板的好评，与第一个案件一致。",
    )
    .await;
    wait_for(client, &format!("#route-{zj}")).await;
    click(client, &format!("#route-{zj}")).await;
    wait_for(client, "#routing-reset:not([hidden])").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-regulator_ids", |t| {
        t.contains("至少勾选一个")
    })
    .await;
    click(client, &format!("#route-{sh}")).await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/regulators/{sh}")))
        .bearer_auth(&admin.token)
        .json(&json!({"active": false}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-regulator_ids", |t| {
        t.contains("上海市市场监督管理局") && t.contains("已停用或已删除")
    })
    .await;
    let case = get_json(&app, &moderator, &format!("/api/v1/cases/{second}")).await;
    assert_eq!(case["status"], "under_review", "nothing changed");
    // Back to the directory's choice, which is sent without an override.
    click(client, "#routing-reset").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#case-heading", |t| t.contains("已转交监管部门")).await;
    smtp.wait_for(ZJ_EMAIL, 2, Duration::from_secs(30)).await;
    assert!(smtp
        .received()
        .iter()
        .all(|m| m.rcpt_to.iter().all(|r| r != "ts@sh.gov.example")));
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn an_admin_retries_a_failed_delivery_from_the_outbox() {
    let browser = browser().await;
    let smtp = SmtpServer::start().await;
    smtp.set_behaviour(Behaviour::Reject);
    let app = spawn_app_with(|c| {
        c.smtp_url = Some(smtp.url());
        c.mail_poll_ms = 100;
    })
    .await;
    let admin = app.admin().await;
    // Directory names are typed by admins, and still shown only as text.
    let name = format!("{ZJ_NAME}<img src=x onerror=\"window.__xss=1\">");
    add_regulator(
        &app,
        &admin,
        json!({"name": name, "email": ZJ_EMAIL, "provinces": ["浙江省"]}),
    )
    .await;
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;
    assert_eq!(
        app.move_case(&moderator, &reference, json!({"to": "under_review"}))
            .await,
        200
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "validated", "reason": "经核实情况属实"})
        )
        .await,
        200
    );
    let id = until("the delivery to fail", || async {
        let case = get_json(&app, &moderator, &format!("/api/v1/cases/{reference}")).await;
        let delivery = &case["deliveries"][0];
        (delivery["status"] == "failed").then(|| delivery["id"].as_i64().expect("id"))
    })
    .await;

    let client = &browser.client;
    log_in(client, &app, "boss@example.com").await;
    click(client, "#nav-deliveries:not([hidden])").await;
    let item = format!("[data-delivery-id='{id}']");
    let shown = wait_for_text(client, &item, |t| t.contains("发送失败")).await;
    assert!(
        shown.contains(&reference) && shown.contains(ZJ_EMAIL) && shown.contains("554"),
        "{shown}"
    );
    let status = client
        .execute("return document.getElementById('d-status').value", vec![])
        .await
        .expect("script");
    assert_eq!(status, json!("failed"), "failures first");
    assert!(shown.contains(&name), "{shown}");
    let injected = client
        .execute(
            "return [window.__xss || 0, document.querySelectorAll('#deliveries-list img').length];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(injected, json!([0, 0]));

    smtp.set_behaviour(Behaviour::Accept);
    click(client, &format!("{item} [data-retry]")).await;
    wait_for_text(client, &item, |t| t.contains("待发送")).await;
    smtp.wait_for(ZJ_EMAIL, 1, Duration::from_secs(30)).await;
    until("the case to be forwarded", || async {
        let case = get_json(&app, &moderator, &format!("/api/v1/cases/{reference}")).await;
        (case["status"] == "forwarded").then_some(())
    })
    .await;

    // The accepted filter shows it; its case link opens the case, now forwarded.
    wait_for(client, "#d-status")
        .await
        .select_by_value("accepted")
        .await
        .expect("select");
    wait_for_text(client, &item, |t| t.contains("已送达") && t.contains("250")).await;
    click(client, &format!("{item} a[href='#/case/{reference}']")).await;
    wait_for_text(client, "#case-heading", |t| t.contains("已转交监管部门")).await;
    wait_for_text(client, "#regulator-deliveries", |t| t.contains("已送达")).await;
    let audit = get_json(&app, &admin, &format!("/api/v1/cases/{reference}/audit")).await;
    assert!(audit.to_string().contains("delivery.retry"));
    let _ = client.clone().close().await;
}

// ---- fraud signals, priority and merchants -------------------------------------

/// A merchant name that would run script if it were ever treated as markup.
const XSS_MERCHANT: &str =
    "星光<img src=x onerror=\"window.__xss=1\">数码<script>window.__xss=2</script>店";

/// No consumer markup ran or became an element inside `scope`.
async fn no_markup_ran(client: &Client, scope: &str) {
    let injected = client
        .execute(
            "var s = arguments[0]; \
             return [window.__xss || 0, document.querySelectorAll(s + ' img[src=\"x\"], ' + s + ' script, ' + s + ' b').length];",
            vec![json!(scope)],
        )
        .await
        .expect("script");
    assert_eq!(injected, json!([0, 0]), "markup in {scope}");
}

async fn text_of(client: &Client, css: &str) -> String {
    wait_for(client, css).await.text().await.expect("text")
}

fn zh_severity(severity: &Value) -> &'static str {
    match severity.as_str() {
        Some("high") => "高",
        Some("medium") => "中",
        _ => "低",
    }
}

/// The queue rows shown: (reference, priority shown on the row).
async fn queue_rows(client: &Client) -> Vec<(String, i64)> {
    let rows = client
        .execute(
            "return Array.from(document.querySelectorAll('#queue-rows [data-testid=queue-row]')).map(function (r) { \
               return [r.getAttribute('data-reference'), Number(r.querySelector('.prio').getAttribute('data-priority'))]; });",
            vec![],
        )
        .await
        .expect("script");
    serde_json::from_value(rows).expect("rows")
}

async fn current_hash(client: &Client) -> String {
    client
        .current_url()
        .await
        .expect("url")
        .fragment()
        .unwrap_or_default()
        .to_owned()
}

async fn select(client: &Client, css: &str, value: &str) {
    wait_for(client, css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("selecting {value} in {css}: {e}"));
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_case_page_explains_its_signals_and_links_the_related_cases() {
    let browser = browser().await;
    let app = signals::signals_app().await;
    let moderator = app.moderator().await;
    let shot = screenshot_png(360, 780, 11);
    let with_shot = |email: &str| {
        form_with(&signals::report_by(email, XSS_MERCHANT)).part(
            "evidence",
            file_part(shot.clone(), "好评截图.png", "image/png"),
        )
    };
    let first = signals::file_from(&app, "10.20.0.1", with_shot("first@example.com")).await;
    signals::computed(&app, &moderator, &first).await;
    let second = signals::file_from(&app, "10.21.0.1", with_shot("second@example.com")).await;

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    client
        .goto(&app.url(&format!("/admin#/case/{second}")))
        .await
        .expect("open the case");
    wait_for_text(client, "#case-heading", |t| t.contains(&second)).await;

    // The page follows the computation by itself, then explains each signal.
    let duplicate = "#signals [data-testid=signal][data-code=duplicate_evidence]";
    let shown = wait_for_text(client, duplicate, |t| t.contains("重复证据")).await;
    let case = signals::computed(&app, &moderator, &second).await;
    let signal = case["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["code"] == "duplicate_evidence")
        .expect("a duplicate_evidence signal")
        .clone();
    assert!(
        shown.contains(signal["explanation"]["zh-CN"].as_str().expect("zh")),
        "{shown}"
    );
    assert!(shown.contains(zh_severity(&signal["severity"])), "{shown}");
    assert!(shown.contains(&first), "the related case is named: {shown}");
    let listed = client
        .execute(
            "return document.querySelectorAll('#signals [data-testid=signal]').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(listed, json!(case["signals"].as_array().map(Vec::len)));

    // The priority, why, and how many people reported the merchant.
    let priority = &case["priority"];
    let score = priority["score"].as_i64().expect("score");
    assert_eq!(
        text_of(client, "#priority .prio.big").await,
        score.to_string()
    );
    assert_eq!(text_of(client, ".case-meta .prio").await, score.to_string());
    let reporters = priority["independent_reporters"]
        .as_i64()
        .expect("reporters");
    assert_eq!(reporters, 2);
    assert_eq!(
        text_of(client, "#independent-reporters").await,
        format!("{reporters} 人")
    );
    let reasons = priority["reasons"].as_array().expect("reasons");
    assert!(!reasons.is_empty());
    let shown_reasons = client
        .execute(
            "return Array.from(document.querySelectorAll('#priority [data-testid=priority-reason]')).map(function (r) { return r.textContent; });",
            vec![],
        )
        .await
        .expect("script");
    let shown_reasons: Vec<String> = serde_json::from_value(shown_reasons).expect("texts");
    assert_eq!(shown_reasons.len(), reasons.len());
    for (shown, reason) in shown_reasons.iter().zip(reasons) {
        assert!(
            shown.starts_with(&format!("+{}", reason["points"])),
            "{shown} / {reason}"
        );
    }
    // A signal's reason is named by its label; the others say what the server says.
    assert!(
        shown_reasons
            .iter()
            .any(|r| r.contains("重复证据（严重程度：")),
        "{shown_reasons:?}"
    );
    assert!(
        shown_reasons
            .iter()
            .any(|r| r.contains("共有 2 位独立举报人举报该商家")),
        "{shown_reasons:?}"
    );

    // The merchant's name is text, wherever it shows.
    assert_eq!(text_of(client, "#case-merchant-name").await, XSS_MERCHANT);
    no_markup_ran(client, "#case-view").await;

    // In English, the labels and the explanations follow.
    click(client, ".lang-switch").await;
    let shown = wait_for_text(client, duplicate, |t| t.contains("Duplicate evidence")).await;
    assert!(
        shown.contains(signal["explanation"]["en"].as_str().expect("en")),
        "{shown}"
    );
    wait_for_text(client, "#priority", |t| t.contains("Independent reporters")).await;
    click(client, ".lang-switch").await;
    wait_for_text(client, duplicate, |t| t.contains("重复证据")).await;

    // The related case is a link to its page.
    click(client, &format!("{duplicate} a[data-related='{first}']")).await;
    wait_for_text(client, "#case-heading", |t| t.contains(&first)).await;

    // And the merchant has a page of its own.
    let merchant_id = case["merchant_id"].as_i64().expect("merchant id");
    let href = wait_for(client, "#merchant-link")
        .await
        .attr("href")
        .await
        .expect("href");
    assert_eq!(
        href.as_deref(),
        Some(format!("#/merchant/{merchant_id}").as_str())
    );
    click(client, "#merchant-link").await;
    wait_for_text(client, "#merchant-heading", |t| t == XSS_MERCHANT).await;
    wait_for_text(client, "#merchant-cases", |t| {
        t.contains(&first) && t.contains(&second)
    })
    .await;
    no_markup_ran(client, "#merchant-view").await;
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_queue_filters_by_signal_and_sorts_by_priority() {
    let browser = browser().await;
    let app = signals::signals_app().await;
    let moderator = app.moderator().await;
    let mut quiet = signals::report_by("quiet@example.com", "老实人杂货铺");
    quiet["description"] = json!("收到的商品与描述不符，联系客服未果，希望平台核实处理。");
    quiet["review_texts"] = json!([]);
    quiet["logistics"] = json!(null);
    let quiet_ref = signals::file_from(&app, "10.30.0.1", form_with(&quiet)).await;
    let mut fast = signals::report_by("fast@example.com", "极速物流店");
    fast["review_texts"] = json!([]);
    fast["logistics"] = json!({
        "carrier": "顺丰速运",
        "tracking_number": "SF1234567890123",
        "shipped_at": "2026-11-20 08:00",
        "delivered_at": "2026-11-20 09:00",
        "origin": "广东省深圳市",
        "destination": "黑龙江省哈尔滨市",
        "events": [
            {"time": "2026-11-20 08:00", "location": "深圳", "description": "已揽收"},
            {"time": "2026-11-20 09:00", "location": "哈尔滨", "description": "已签收"}
        ]
    });
    let fast_ref = signals::file_from(&app, "10.31.0.1", form_with(&fast)).await;
    let shot = screenshot_png(360, 780, 23);
    let mut dup_refs = Vec::new();
    for (i, ip) in ["10.32.0.1", "10.33.0.1"].iter().enumerate() {
        let mut report = signals::report_by(&format!("dup{i}@example.com"), &format!("截图店{i}"));
        report["review_texts"] = json!([]);
        report["logistics"] = json!(null);
        let form =
            form_with(&report).part("evidence", file_part(shot.clone(), "截图.png", "image/png"));
        dup_refs.push(signals::file_from(&app, ip, form).await);
    }
    for reference in &dup_refs {
        signals::wait_for_signal(&app, &moderator, reference, "duplicate_evidence").await;
    }
    signals::wait_for_signal(&app, &moderator, &fast_ref, "implausible_transit_time").await;
    let quiet_case = signals::computed(&app, &moderator, &quiet_ref).await;
    assert!(
        signals::codes(&quiet_case).is_empty(),
        "{}",
        quiet_case["signals"]
    );
    let api_order = |query: &'static str| {
        let app = &app;
        let moderator = &moderator;
        async move {
            let queue = get_json(app, moderator, &format!("/api/v1/cases?{query}")).await;
            queue["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    (
                        i["reference"].as_str().expect("reference").to_owned(),
                        i["priority"].as_i64().expect("priority"),
                    )
                })
                .collect::<Vec<_>>()
        }
    };

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    // The queue opens by priority, highest first.
    let expected = api_order("sort=priority").await;
    until("the queue by priority on opening", || async {
        (queue_rows(client).await == expected).then_some(())
    })
    .await;
    assert_eq!(
        client
            .execute("return document.getElementById('f-sort').value", vec![])
            .await
            .expect("script"),
        json!("priority")
    );
    assert_eq!(
        text_of(client, "#f-signal option[value=duplicate_evidence]").await,
        "重复证据"
    );
    select(client, "#f-signal", "duplicate_evidence").await;
    let expected = api_order("signal=duplicate_evidence&sort=priority").await;
    assert_eq!(expected.len(), 2);
    let shown = until("the filtered queue", || async {
        let rows = queue_rows(client).await;
        (rows == expected).then_some(rows)
    })
    .await;
    let mut refs: Vec<&str> = shown.iter().map(|(r, _)| r.as_str()).collect();
    refs.sort_unstable();
    let mut want: Vec<&str> = dup_refs.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(refs, want, "exactly the cases with a duplicate screenshot");
    // The export link follows the filters: the same cases, in the same order.
    let export = wait_for(client, "#queue-export")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("an export link");
    assert!(export.starts_with("/api/v1/cases.csv?"), "{export}");
    let csv = app
        .staff_get(&moderator, &export)
        .await
        .bytes()
        .await
        .expect("csv");
    let exported: Vec<String> = csv::Reader::from_reader(&csv[3..])
        .records()
        .map(|r| r.expect("row")[0].to_owned())
        .collect();
    let shown_refs: Vec<String> = shown.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(exported, shown_refs, "the export is the filtered queue");
    let hash = current_hash(client).await;
    assert!(
        hash.contains("signal=duplicate_evidence") && !hash.contains("sort="),
        "priority is the default and stays out of the address: {hash}"
    );

    // Another signal: only the impossible delivery.
    select(client, "#f-signal", "implausible_transit_time").await;
    until("the logistics case alone", || async {
        let rows = queue_rows(client).await;
        (rows.len() == 1 && rows[0].0 == fast_ref).then_some(())
    })
    .await;

    // Newest first when asked, in the address.
    select(client, "#f-signal", "").await;
    select(client, "#f-sort", "newest").await;
    let expected = api_order("sort=newest").await;
    until("the queue newest first", || async {
        (queue_rows(client).await == expected).then_some(())
    })
    .await;
    assert!(current_hash(client).await.contains("sort=newest"));

    // No signal filter, by priority: every case, highest first, the quiet one last.
    select(client, "#f-sort", "priority").await;
    let expected = api_order("sort=priority").await;
    assert_eq!(expected.len(), 4);
    assert_eq!(
        expected.last().map(|(r, _)| r.as_str()),
        Some(quiet_ref.as_str())
    );
    let shown = until("the whole queue by priority", || async {
        let rows = queue_rows(client).await;
        (rows == expected).then_some(rows)
    })
    .await;
    assert!(
        shown.windows(2).all(|w| w[0].1 >= w[1].1),
        "highest priority first: {shown:?}"
    );

    // The filters live in the address: opening it again restores them.
    client
        .goto(&app.url("/admin#/queue?signal=duplicate_evidence&sort=priority"))
        .await
        .expect("open the filtered queue");
    let expected = api_order("signal=duplicate_evidence&sort=priority").await;
    until("the filtered queue again", || async {
        (queue_rows(client).await == expected).then_some(())
    })
    .await;
    let values = client
        .execute(
            "return [document.getElementById('f-signal').value, document.getElementById('f-sort').value]",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(values, json!(["duplicate_evidence", "priority"]));
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_merchant_page_lists_its_cases_and_signal_totals() {
    let browser = browser().await;
    let app = signals::signals_app().await;
    let moderator = app.moderator().await;
    let name = "环球<b>优品</b>店<img src=x onerror=\"window.__xss=1\">";
    let mut refs = Vec::new();
    for i in 0..3 {
        let mut report = signals::report_by(&format!("m{i}@example.com"), name);
        report["review_texts"] = json!([]);
        refs.push(signals::file_from(&app, &format!("10.40.{i}.1"), form_with(&report)).await);
    }
    let mut other = signals::report_by("other@example.com", "小小铺");
    other["review_texts"] = json!([]);
    let other_ref = signals::file_from(&app, "10.41.0.1", form_with(&other)).await;
    for reference in refs.iter().chain([&other_ref]) {
        signals::computed(&app, &moderator, reference).await;
    }
    let list = get_json(&app, &moderator, "/api/v1/merchants").await;
    assert_eq!(list["items"][0]["name"], name);
    let id = list["items"][0]["id"].as_i64().expect("id");
    // Settled: each filing recomputes the merchant's other cases, so a total
    // may still grow after repeat_merchant reached 3; wait until two reads a
    // second apart agree.
    let detail = until("three independent reporters, totals settled", || async {
        let path = format!("/api/v1/merchants/{id}");
        let first = get_json(&app, &moderator, &path).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let detail = get_json(&app, &moderator, &path).await;
        (detail["reporter_count"] == 3
            && detail["signal_totals"]["repeat_merchant"] == 3
            && detail["signal_totals"] == first["signal_totals"])
            .then_some(detail)
    })
    .await;

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    click(client, "#nav-merchants").await;
    let row = format!("[data-testid=merchant-row][data-merchant-id='{id}']");
    // Most reported first.
    wait_for_text(client, "[data-testid=merchant-row]", |t| t.contains(name)).await;
    let rows = client
        .execute(
            "return document.querySelectorAll('[data-testid=merchant-row]').length",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(rows, json!(2));
    assert_eq!(
        text_of(client, &format!("{row} [data-testid=merchant-reports]")).await,
        "3"
    );
    no_markup_ran(client, "#merchants-view").await;

    // Filters: a platform with no reports, then the most recently reported first.
    select(client, "#m-platform", "jd").await;
    wait_for_text(client, "#merchants-empty", |t| {
        t.contains("没有符合条件的商家")
    })
    .await;
    assert!(current_hash(client).await.contains("platform=jd"));
    select(client, "#m-platform", "").await;
    select(client, "#m-sort", "recent").await;
    wait_for_text(client, "[data-testid=merchant-row]", |t| {
        t.contains("小小铺")
    })
    .await;
    assert!(current_hash(client).await.contains("sort=recent"));

    // The merchant's page: who, how often, what its cases show.
    click(client, &format!("{row} a")).await;
    wait_for_text(client, "#merchant-heading", |t| t == name).await;
    assert_eq!(text_of(client, "#merchant-report-count").await, "3");
    assert_eq!(text_of(client, "#merchant-reporter-count").await, "3");
    let cases = client
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=merchant-case]')).map(function (r) { return r.getAttribute('data-reference'); });",
            vec![],
        )
        .await
        .expect("script");
    let api_cases: Vec<Value> = detail["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["reference"].clone())
        .collect();
    assert_eq!(cases, json!(api_cases));
    let mut listed: Vec<String> = serde_json::from_value(cases).expect("refs");
    listed.sort();
    let mut want = refs.clone();
    want.sort();
    assert_eq!(listed, want);
    for (code, count) in detail["signal_totals"].as_object().expect("totals") {
        let total = format!("[data-testid=signal-total][data-code='{code}']");
        let attr = wait_for(client, &total)
            .await
            .attr("data-count")
            .await
            .expect("attr");
        assert_eq!(attr, Some(count.to_string()), "{code}");
    }
    wait_for_text(
        client,
        "[data-testid=signal-total][data-code=repeat_merchant]",
        |t| t.contains("商家被多人举报") && t.contains("3 个案件"),
    )
    .await;
    let months = detail["months"].as_array().expect("months");
    assert_eq!(months.len(), 1);
    let month = wait_for_text(client, "[data-testid=merchant-month]", |t| t.contains('3')).await;
    assert!(month.contains("商家被多人举报 ×3"), "{month}");
    no_markup_ran(client, "#merchant-view").await;

    // Its cases link to their pages; the way back keeps the list as it was.
    click(
        client,
        &format!(
            "[data-testid=merchant-case][data-reference='{}'] a",
            refs[1]
        ),
    )
    .await;
    wait_for_text(client, "#case-heading", |t| t.contains(&refs[1])).await;
    client.back().await.expect("back");
    wait_for_text(client, "#merchant-heading", |t| t == name).await;
    click(client, "#merchant-view .back-link").await;
    wait_for_text(client, "[data-testid=merchant-row]", |t| {
        t.contains("小小铺")
    })
    .await;
    let sort = client
        .execute("return document.getElementById('m-sort').value", vec![])
        .await
        .expect("script");
    assert_eq!(sort, json!("recent"));
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn opening_a_case_is_audited_once_and_the_trail_reads_as_text() {
    let browser = browser().await;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator_id = app
        .create_user(
            "mod@example.com",
            qinglang::domain::account::Role::Moderator,
        )
        .await;
    // Three screenshots, and no contact: no receipt on its way, so the page does not poll for mail.
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let mut form = form_with(&report);
    for seed in 1..=3 {
        form = form.part(
            "evidence",
            file_part(
                screenshot_png(160, 320, seed),
                &format!("截图{seed}.png"),
                "image/png",
            ),
        );
    }
    let (reference, _) = app.file_form(form).await;
    // Computed before the page opens, so the page does not poll for the signals either.
    signals::computed(&app, &admin, &reference).await;
    // Entries with details: a move (whose reason holds markup) and an assignment.
    let reason = "核对中 <img src=x onerror=\"window.__xss=1\"> {\"status\": 1}";
    assert_eq!(
        app.move_case(
            &admin,
            &reference,
            json!({"to": "under_review", "reason": reason})
        )
        .await,
        200
    );
    let response = app
        .staff_post(
            &admin,
            &format!("/api/v1/cases/{reference}/assignment"),
            json!({"user_id": moderator_id}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    client
        .goto(&app.url(&format!("/admin#/case/{reference}")))
        .await
        .expect("open the case");
    wait_for_text(client, "#case-heading", |t| t.contains(&reference)).await;
    // The thumbnails load lazily: bring them into view.
    client
        .execute(
            "document.querySelector('#case-view .gallery').scrollIntoView();",
            vec![],
        )
        .await
        .expect("script");
    until("the three thumbnails to load", || async {
        let loaded = client
            .execute(
                "return Array.from(document.querySelectorAll('#case-view .thumb img')).filter(function (i) { return i.complete && i.naturalWidth > 0; }).length",
                vec![],
            )
            .await
            .expect("script");
        (loaded == json!(3)).then_some(())
    })
    .await;
    // The lightbox shows them again, and that is no download either.
    click(client, "#case-view .thumb").await;
    wait_for(client, "#lightbox[open]").await;
    click(client, "#lightbox-next").await;
    until("the second image in the lightbox", || async {
        let shown = client
            .execute(
                "var i = document.getElementById('lightbox-img'); return i.complete && i.naturalWidth > 0 && i.src.indexOf('inline=1') > 0;",
                vec![],
            )
            .await
            .expect("script");
        (shown == json!(true)).then_some(())
    })
    .await;
    click(client, "#lightbox-close").await;

    let counts = |audit: &Value, action: &str| {
        audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|a| a["action"] == action && a["actor"]["id"] == moderator_id)
            .count()
    };
    let audit = get_json(&app, &admin, &format!("/api/v1/cases/{reference}/audit")).await;
    assert_eq!(counts(&audit, "case.view_contact"), 1, "one view: {audit}");
    assert_eq!(
        counts(&audit, "evidence.download"),
        0,
        "no download: {audit}"
    );

    // A real download is audited, once.
    let status = client
        .execute_async(
            "var done = arguments[arguments.length - 1]; \
             fetch(document.querySelector('#case-view a[data-download]').href, {credentials: 'same-origin'}) \
               .then(function (r) { return r.arrayBuffer().then(function () { done(r.status); }); }, function () { done(0); });",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(status, json!(200));
    let audit = get_json(&app, &admin, &format!("/api/v1/cases/{reference}/audit")).await;
    assert_eq!(counts(&audit, "evidence.download"), 1, "{audit}");
    assert_eq!(counts(&audit, "case.view_contact"), 1, "{audit}");

    // The trail on the page: readable text, no JSON, no markup.
    click(client, "#audit-details > summary").await;
    wait_for(
        client,
        "[data-testid=audit-row][data-action='case.transition']",
    )
    .await;
    let details = client
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=audit-detail]')).map(function (d) { return d.textContent; });",
            vec![],
        )
        .await
        .expect("script");
    let details: Vec<String> = serde_json::from_value(details).expect("texts");
    assert!(!details.is_empty());
    let transition = text_of(
        client,
        "[data-testid=audit-row][data-action='case.transition'] [data-testid=audit-detail]",
    )
    .await;
    assert!(transition.contains("状态：已提交 → 审核中"), "{transition}");
    assert!(
        transition.contains(&format!("理由：{reason}")),
        "{transition}"
    );
    let assignment = text_of(
        client,
        "[data-testid=audit-row][data-action='case.assign'] [data-testid=audit-detail]",
    )
    .await;
    assert!(
        assignment.contains("处理人：未分配 → mod@example.com"),
        "{assignment}"
    );
    for detail in &details {
        // The reason itself holds a brace; nothing else may.
        let without_reason = detail.replace(reason, "");
        assert!(
            !without_reason.contains('{') && !without_reason.contains("\":"),
            "JSON in the audit trail: {detail}"
        );
    }
    no_markup_ran(client, "#audit-details").await;
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn an_admin_chooses_again_a_directory_list_that_cannot_be_read() {
    let browser = browser().await;
    let app = spawn_app().await;
    let admin = app.admin().await;
    let id = add_regulator(
        &app,
        &admin,
        json!({"name": ZJ_NAME, "email": ZJ_EMAIL, "provinces": ["浙江省"], "categories": ["fake_service_hotline"]}),
    )
    .await;
    qinglang::db::run(&app.state().pool, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE regulators SET categories = 'not json'")
            .execute(conn)
            .map_err(qinglang::error::AppError::from)?;
        Ok(())
    })
    .await
    .expect("corrupted");

    let client = &browser.client;
    log_in(client, &app, "boss@example.com").await;
    click(client, "#nav-regulators:not([hidden])").await;
    // Shown, with a warning rather than "all categories".
    let row = format!("[data-testid=regulator-row][data-regulator-id='{id}']");
    let shown = wait_for_text(client, &row, |t| t.contains(ZJ_NAME)).await;
    assert!(shown.contains("举报类型列表无法读取"), "{shown}");
    assert!(!shown.contains("全部类型"), "{shown}");
    assert!(
        shown.contains("浙江省"),
        "the readable list still shows: {shown}"
    );

    // Saving without choosing the list again is refused in the page, next to the list.
    click(client, &format!("[data-edit='{id}']")).await;
    wait_for_text(client, "#reg-categories-hint", |t| {
        t.contains("已保存的列表无法读取")
    })
    .await;
    click(client, "#reg-submit").await;
    wait_for_text(client, "#error-reg-categories", |t| t.contains("重新选择")).await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(
        listed["items"][0]["categories"],
        Value::Null,
        "nothing saved"
    );

    // Chosen again, it saves, and the warning goes.
    click(
        client,
        "#reg-categories input[value='fake_service_hotline']",
    )
    .await;
    click(client, "#reg-submit").await;
    wait_for_text(client, &row, |t| !t.contains("无法读取")).await;
    let listed = get_json(&app, &admin, "/api/v1/admin/regulators").await;
    assert_eq!(
        listed["items"][0]["categories"],
        json!(["fake_service_hotline"])
    );
    assert_eq!(listed["items"][0]["provinces"], json!(["浙江省"]));
    assert!(listed["items"][0].get("problems").is_none());
    let _ = client.clone().close().await;
}

/// A reporter over the filing limit is told, in their language, how long to
/// wait — and keeps what they typed.
#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_form_says_how_long_to_wait_when_filing_is_throttled() {
    let browser = browser().await;
    let app = spawn_app_with(|c| c.filing_limit_per_address = 1).await;
    app.file_report(&valid_report(), None).await;
    let client = &browser.client;
    client.goto(&app.url("/")).await.expect("open the form");
    wait_for(client, "#category option[value=fake_review]").await;
    select(client, "#category", "fake_review").await;
    select(client, "#platform", "taobao").await;
    type_into(client, "#merchant_name", "某某数码旗舰店").await;
    type_into(
        client,
        "#description",
        "商品页的五星好评几乎都是同一模板，疑似刷单炒信。",
    )
    .await;
    click(client, "#submit-report").await;
    let shown = wait_for_text(client, "#form-notice", |t| !t.trim().is_empty()).await;
    assert!(shown.contains("提交过于频繁"), "{shown}");
    assert!(shown.contains("分钟"), "{shown}");
    let kept = client
        .find(Locator::Css("#merchant_name"))
        .await
        .expect("field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("某某数码旗舰店"));
    assert_eq!(app.counts().await.0, 1, "nothing more was stored");
}

/// Staff change their password from the header; the dialog checks what it
/// can before sending and shows the server's word on the current password.
#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_moderator_changes_their_password() {
    let browser = browser().await;
    let app = spawn_app().await;
    app.create_user(
        "mod@example.com",
        qinglang::domain::account::Role::Moderator,
    )
    .await;
    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "#staff-nav:not([hidden]) #password-button").await;
    click(client, "#password-button").await;
    wait_for(client, "#confirm-current_password").await;
    type_into(
        client,
        "#confirm-current_password",
        "not the password at all",
    )
    .await;
    type_into(client, "#confirm-new_password", "a brand new passphrase").await;
    type_into(client, "#confirm-repeat_password", "a brand new passphrasE").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-repeat_password", |t| {
        t.contains("不一致")
    })
    .await;
    client
        .find(Locator::Css("#confirm-repeat_password"))
        .await
        .expect("field")
        .clear()
        .await
        .expect("clear");
    type_into(client, "#confirm-repeat_password", "a brand new passphrase").await;
    click(client, "#confirm-ok").await;
    wait_for_text(client, "#error-confirm-current_password", |t| {
        t.contains("不正确")
    })
    .await;
    client
        .find(Locator::Css("#confirm-current_password"))
        .await
        .expect("field")
        .clear()
        .await
        .expect("clear");
    type_into(client, "#confirm-current_password", STAFF_PASSWORD).await;
    click(client, "#confirm-ok").await;
    until("the dialog to close", || async {
        let open = client
            .execute(
                "return document.getElementById('confirm-dialog').open",
                vec![],
            )
            .await
            .expect("script");
        (open == serde_json::Value::Bool(false)).then_some(())
    })
    .await;
    assert_eq!(
        app.login("mod@example.com", "a brand new passphrase")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.login("mod@example.com", STAFF_PASSWORD).await.status(),
        401
    );
}

/// The form asks what each category needs: a fake hotline gets its own
/// section (and no shop, reviews or shipping), an empty parcel opens the
/// shipping details; on a 320 px phone nothing is cut off.
#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_form_follows_the_category_and_files_a_fake_hotline() {
    let browser = browser().await;
    let app = spawn_app().await;
    let client = &browser.client;
    client.set_window_size(320, 900).await.expect("phone width");
    client.goto(&app.url("/")).await.expect("open the form");
    wait_for(client, "#category option[value=fake_service_hotline]").await;
    let shown = |id: &'static str| async move {
        client
            .execute(
                &format!("var e = document.getElementById('{id}'); return !e.hidden && e.offsetParent !== null;"),
                vec![],
            )
            .await
            .expect("script")
            .as_bool()
            .unwrap_or(false)
    };
    assert!(!shown("hotline-section").await);
    select(client, "#category", "abnormal_logistics").await;
    let open = client
        .execute("return document.getElementById('logistics').open;", vec![])
        .await
        .expect("script");
    assert_eq!(
        open,
        json!(true),
        "an empty-parcel report opens the shipping details"
    );

    select(client, "#category", "fake_service_hotline").await;
    assert!(shown("hotline-section").await);
    assert!(!shown("reviews-section").await);
    assert!(!shown("logistics").await);
    assert!(shown("shop-optional-hint").await);
    let cut_off = client
        .execute(
            "var w = document.documentElement.clientWidth; var out = [];
             if (document.documentElement.scrollWidth > w) out.push('page ' + document.documentElement.scrollWidth);
             document.querySelectorAll('#report-form input, #report-form select, #report-form textarea, #report-form label, #report-form .hint').forEach(function (e) {
               var r = e.getBoundingClientRect();
               if (r.width > 0 && (r.right > w + 0.5 || r.left < -0.5)) out.push(e.id || e.getAttribute('for') || e.className);
             });
             return out;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(cut_off, json!([]), "nothing wider than a 320 px phone");
    let width = client
        .execute("return document.documentElement.clientWidth;", vec![])
        .await
        .expect("script");
    assert!(
        width.as_f64().is_some_and(|w| w <= 320.0),
        "the page is {width} px wide"
    );

    type_into(client, "#hotline_number", "call us").await;
    type_into(
        client,
        "#description",
        "搜索到的“官方售后”电话，师傅上门后多收了钱。",
    )
    .await;
    click(client, "#submit-report").await;
    let error = wait_for_text(client, "#error-hotline_number", |t| !t.trim().is_empty()).await;
    assert!(error.contains("电话号码格式不正确"), "{error}");
    let brand_error = wait_for_text(client, "#error-hotline_impersonated_brand", |t| {
        !t.trim().is_empty()
    })
    .await;
    assert!(brand_error.contains("必填"), "{brand_error}");
    assert_eq!(app.counts().await, (0, 0), "nothing was sent");

    let number = wait_for(client, "#hotline_number").await;
    number.clear().await.expect("clear");
    number.send_keys("(1)400-1865-909").await.expect("type");
    type_into(client, "#hotline_impersonated_brand", "联勒指纹锁").await;
    select(client, "#hotline_found_via", "search_engine").await;
    select(client, "#hotline_technician_visited", "yes").await;
    type_into(client, "#hotline_amount_paid_yuan", "680").await;
    select(client, "#hotline_incident_province", "上海市").await;
    click(client, "#submit-report").await;
    let reference = wait_for_text(client, "#reference", |t| t.starts_with("QL-")).await;
    let code = wait_for(client, "#tracking-code")
        .await
        .text()
        .await
        .expect("code");
    let view: Value = app
        .get_report(reference.trim(), code.trim())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["merchant_name"], Value::Null, "{view}");
    assert_eq!(view["hotline"]["number"], "4001865909", "{view}");
    assert_eq!(view["hotline"]["impersonated_brand"], "联勒指纹锁");
    assert_eq!(view["hotline"]["technician_visited"], true);
    assert_eq!(view["hotline"]["amount_paid_yuan"], 680.0);
    assert_eq!(view["hotline"]["incident_province"], "上海市");
    assert_eq!(view["review_texts"], json!([]));
}

/// The hotlines page lists each reported number with the brands it posed
/// as and links its cases; a number typed any way finds it.
#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_hotlines_page_shows_one_number_posing_as_several_brands() {
    let browser = browser().await;
    let app = spawn_app().await;
    app.create_user(
        "mod@example.com",
        qinglang::domain::account::Role::Moderator,
    )
    .await;
    let (first, _) = app.file_report(&hotline_report(), None).await;
    let mut second = hotline_report();
    second["hotline"]["number"] = json!("+86 400 186 5909");
    second["hotline"]["impersonated_brand"] = json!("美的空调");
    let (second, _) = app.file_report(&second, None).await;
    let mut other = hotline_report();
    other["hotline"]["number"] = json!("021-12345678");
    app.file_report(&other, None).await;

    let client = &browser.client;
    log_in(client, &app, "mod@example.com").await;
    wait_for(client, "[data-testid=queue-row]").await;
    click(client, "#nav-hotlines").await;
    let cases = wait_for_text(
        client,
        "tr[data-number='4001865909'] [data-testid=hotline-cases]",
        |t| !t.is_empty(),
    )
    .await;
    assert_eq!(cases.trim(), "2");
    let brands = text_of(
        client,
        "tr[data-number='4001865909'] [data-testid=hotline-brands]",
    )
    .await;
    assert!(
        brands.contains("美的空调") && brands.contains("联勒指纹锁"),
        "{brands}"
    );
    let rows = client
        .find_all(Locator::Css("[data-testid=hotline-row]"))
        .await
        .expect("rows");
    assert_eq!(
        rows.len(),
        2,
        "most cases first: 4001865909, then 02112345678"
    );
    assert_eq!(
        rows[0].attr("data-number").await.expect("attr").as_deref(),
        Some("4001865909")
    );

    type_into(client, "#h-number", "４００－１８６５－９０９").await;
    click(client, "#hotlines-filters button[type=submit]").await;
    wait_for_text(client, "#hotlines-summary", |t| t.contains('1')).await;
    for reference in [&first, &second] {
        wait_for(
            client,
            &format!("#hotlines-rows a[href='#/case/{reference}']"),
        )
        .await;
    }
    click(client, &format!("#hotlines-rows a[href='#/case/{first}']")).await;
    let number = wait_for_text(client, "#case-hotline-number", |t| !t.is_empty()).await;
    assert_eq!(number, "4001865909");
}
