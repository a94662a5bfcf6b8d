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
