//! The pages in a real browser (headless Chromium through chromedriver).
//!
//! Skipped, loudly, when chromedriver is not installed — unless
//! `QINGLANG_REQUIRE_BROWSER=1` (as `.ci/run` sets after installing it), in
//! which case its absence fails the test.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::helpers::*;

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

/// A headless browser, or `None` (after saying why) when none is installed.
pub async fn browser() -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        if std::env::var("QINGLANG_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!("QINGLANG_REQUIRE_BROWSER=1 but chromedriver is not installed");
        }
        eprintln!("SKIPPED: browser test (install chromium and chromium-driver to run it)");
        return None;
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
            Ok(client) => return Some(Browser { client, driver }),
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
async fn consumer_text_shows_as_text_in_the_moderator_ui() {
    let Some(browser) = browser().await else {
        return;
    };
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
async fn a_consumer_files_a_report_with_a_screenshot_and_follows_it() {
    let Some(browser) = browser().await else {
        return;
    };
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

async fn log_in(client: &Client, app: &TestApp, email: &str) {
    client.goto(&app.url("/admin")).await.expect("open /admin");
    type_into(client, "#login-email", email).await;
    type_into(client, "#login-password", STAFF_PASSWORD).await;
    click(client, "#login-form button[type=submit]").await;
}

#[tokio::test]
async fn a_consumer_answers_the_moderators_question_on_the_tracking_page() {
    let Some(browser) = browser().await else {
        return;
    };
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
async fn a_moderator_moves_cases_through_the_confirmation_dialog() {
    let Some(browser) = browser().await else {
        return;
    };
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
async fn the_pages_switch_to_english_and_remember_it() {
    let Some(browser) = browser().await else {
        return;
    };
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
