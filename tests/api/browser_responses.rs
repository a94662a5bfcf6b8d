//! The regulator's response page, the tracking page on a phone and the
//! public /verify page, in a real browser (see `browser.rs`).

use fantoccini::Client;
use mail_parser::MimeHeaders;
use serde_json::json;

use crate::browser::{browser, click, type_into, wait_for, wait_for_text};
use crate::mail::{mail_app, zhejiang};
use crate::responses::{forwarded_case, response_token};
use crate::smtp::SmtpServer;

/// The page is no wider than the viewport, and every element matching
/// `css` ends inside it.
async fn fits(client: &Client, css: &str) {
    let widths = client
        .execute(
            "var w = window.innerWidth; \
             var over = Array.from(document.querySelectorAll(arguments[0])) \
               .filter(function (e) { return e.getBoundingClientRect().right > w + 1; }).length; \
             return [w, document.documentElement.scrollWidth, over];",
            vec![json!(css)],
        )
        .await
        .expect("script");
    let inner = widths[0].as_i64().expect("width");
    assert!(inner <= 420, "a phone-sized window: {widths}");
    assert!(
        widths[1].as_i64().expect("scroll width") <= inner,
        "no sideways scrolling: {widths}"
    );
    assert_eq!(
        widths[2],
        json!(0),
        "{css} ends inside the screen: {widths}"
    );
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn a_regulator_answers_on_a_phone_and_the_reporter_reads_it_on_a_phone() {
    let browser = browser().await;
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, code, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));

    let client = &browser.client;
    client.set_window_size(390, 900).await.expect("phone width");
    client
        .goto(&app.url(&format!("/respond/{token}")))
        .await
        .expect("open the response page");
    wait_for_text(client, "#case-reference", |t| t == reference).await;
    wait_for_text(client, "#case-details", |t| {
        t.contains("浙江省市场监督管理局")
    })
    .await;
    fits(client, "#respond-case *").await;
    // Only what may come first is offered.
    assert!(client
        .find(fantoccini::Locator::Css("#kind-concluded"))
        .await
        .is_err());
    click(client, "#kind-accepted").await;
    type_into(client, "#own_reference", "杭市监投〔2026〕118号").await;
    click(client, "#answer-submit").await;
    wait_for_text(client, "#answer-status", |t| t.contains("答复已记录")).await;
    wait_for_text(client, "#answers", |t| t.contains("杭市监投〔2026〕118号")).await;

    // 已办结 without an outcome: the server's field error shows by the field.
    click(client, "#kind-concluded").await;
    click(client, "#answer-submit").await;
    wait_for_text(client, "#error-outcome", |t| !t.trim().is_empty()).await;
    type_into(client, "#outcome", "<b>立案查处</b>，罚款 5000 元").await;
    type_into(client, "#public_summary", "商家已被责令整改。").await;
    click(client, "#answer-submit").await;
    wait_for_text(client, "#answer-status", |t| t.contains("本案已办结")).await;
    wait_for_text(client, "#answers", |t| t.contains("<b>立案查处</b>")).await;
    let markup = client
        .execute(
            "return document.querySelectorAll('#answers b').length;",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(markup, json!(0), "the outcome shows as text");
    assert!(!wait_for(client, "#answer-finished")
        .await
        .text()
        .await
        .expect("text")
        .is_empty());

    // The reporter, on a 320 px phone: the decisions, and every fingerprint on screen.
    client.set_window_size(320, 900).await.expect("phone width");
    client
        .goto(&app.url(&format!("/track?ref={reference}")))
        .await
        .expect("open /track");
    type_into(client, "#track-code", &code).await;
    click(client, "#track-submit").await;
    wait_for_text(client, "#track-status", |t| t.contains("已结案")).await;
    let timeline = wait_for_text(client, "#track-timeline", |t| t.contains("已办结")).await;
    assert!(
        timeline.contains("浙江省市场监督管理局：已受理"),
        "{timeline}"
    );
    assert!(timeline.contains("商家已被责令整改。"));
    assert!(
        !timeline.contains("立案查处"),
        "the outcome stays with the case"
    );
    assert!(
        !timeline.contains("已转交监管部门依法处理：已转交"),
        "the forwarded notice says it once: {timeline}"
    );
    wait_for(client, "#track-evidence td.sha").await;
    fits(client, "#track-evidence td").await;
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn the_verify_page_tells_intact_files_from_altered_ones() {
    let browser = browser().await;
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, _, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let parsed = mail.parsed();
    let dir = tempfile::tempdir().expect("dir");
    let mut paths = Vec::new();
    let mut screenshot = None;
    for attachment in parsed.attachments() {
        let name = attachment.attachment_name().expect("named").to_owned();
        let path = dir.path().join(&name);
        std::fs::write(&path, attachment.contents()).expect("write");
        if name.ends_with(".png") {
            screenshot = Some((name, attachment.contents().to_vec()));
        }
        paths.push(path);
    }
    let (screenshot_name, mut altered) = screenshot.expect("the screenshot is attached");
    let last = altered.len() - 1;
    altered[last] ^= 0x01;
    let altered_path = dir.path().join("altered.png");
    std::fs::write(&altered_path, &altered).expect("write");
    paths.push(altered_path);

    let client = &browser.client;
    client
        .goto(&app.url("/verify"))
        .await
        .expect("open /verify");
    let all: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    wait_for(client, "#verify-input")
        .await
        .send_keys(&all.join("\n"))
        .await
        .expect("choose files");
    wait_for_text(client, "#verify-signature", |t| t.contains("签名有效")).await;
    let rows = wait_for_text(client, "#verify-evidence", |t| t.contains("完整")).await;
    assert!(
        rows.contains(&screenshot_name) || rows.contains("完整"),
        "{rows}"
    );
    wait_for_text(client, "#verify-unmatched", |t| t.contains("altered.png")).await;

    // The same case file with one changed byte: the signature no longer holds.
    let case_name = format!("case-{reference}.json");
    let mut case_json = std::fs::read(dir.path().join(&case_name)).expect("case file");
    let at = case_json
        .windows(3)
        .position(|w| w == b"QL-")
        .expect("the reference")
        + 3;
    case_json[at] = if case_json[at] == b'A' { b'B' } else { b'A' };
    let tampered_dir = tempfile::tempdir().expect("dir");
    let tampered = tampered_dir.path().join(&case_name);
    std::fs::write(&tampered, &case_json).expect("write");
    wait_for(client, "#verify-input")
        .await
        .send_keys(&tampered.to_string_lossy())
        .await
        .expect("choose the altered case file");
    wait_for_text(client, "#verify-signature", |t| t.contains("签名无效")).await;
    let _ = client.clone().close().await;
}

#[tokio::test]
#[ignore = "needs Chromium and chromedriver; run with `cargo test -- --include-ignored`"]
async fn deadlines_show_in_the_queue_the_case_and_on_track_and_a_question_is_relayed() {
    let browser = browser().await;
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (late, _) = app.file_report(&crate::helpers::valid_report(), None).await;
    crate::deadlines::backdate(
        &app,
        &late,
        crate::deadlines::days_ago(20),
        crate::deadlines::days_ago(2),
    )
    .await;
    let (forwarded, code, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));
    let asked = app
        .client
        .post(app.url(&format!("/api/v1/regulator-responses/{token}")))
        .json(&json!({"kind": "needs_info", "question": "请补充付款凭证"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(asked.status().as_u16(), 201);

    let client = &browser.client;
    // The reporter of the late case reads when the decision is due.
    let (fresh, fresh_code) = app.file_report(&crate::helpers::valid_report(), None).await;
    client
        .goto(&app.url(&format!("/track?ref={fresh}")))
        .await
        .expect("open /track");
    type_into(client, "#track-code", &fresh_code).await;
    click(client, "#track-submit").await;
    let due = wait_for_text(client, "#track-due", |t| t.contains("给出审核结果")).await;
    assert!(
        due.starts_with("预计在 ") && due.contains(" 月 ") && due.contains(" 日前"),
        "{due}"
    );

    crate::browser::log_in(client, &app, "mod@example.com").await;
    client
        .goto(&app.url("/admin#/queue?overdue=true"))
        .await
        .expect("open the overdue queue");
    let rows = wait_for_text(client, "#queue-rows", |t| t.contains(&late)).await;
    assert!(!rows.contains(&fresh), "only the overdue case: {rows}");
    wait_for_text(client, "#queue-rows .deadline.overdue", |t| {
        t.contains("已逾期")
    })
    .await;

    client
        .goto(&app.url(&format!("/admin#/case/{forwarded}")))
        .await
        .expect("open the forwarded case");
    wait_for_text(client, "#regulator-responses", |t| {
        t.contains("请补充付款凭证")
    })
    .await;
    wait_for_text(client, "#timeline [data-response=needs_info]", |t| {
        t.contains("浙江省市场监督管理局") && t.contains("需要补充材料")
    })
    .await;
    click(client, "#regulator-responses [data-relay]").await;
    wait_for_text(client, "#regulator-responses", |t| {
        t.contains("已转达举报人")
    })
    .await;
    let view: serde_json::Value = app
        .get_report(&forwarded, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["open_question"]["question"], "请补充付款凭证");
    let _ = client.clone().close().await;
}
