//! The regulator answers through the signed link in its email: the answer
//! reaches the case, the moderators and the consumer; the case closes when
//! every recipient is done; bad, expired, revoked and replayed links and
//! answers are refused clearly. And the case file's Ed25519 signature,
//! checked with the real `openssl` binary.

use std::time::Duration;

use mail_parser::MimeHeaders;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail::{
    case, eventually, header_text, html_text, mail_app, sha256_hex, validate, wait_for_status,
    zhejiang, REGULATOR, REPORTER, WAIT,
};
use crate::smtp::{Behaviour, SmtpServer};

/// The response token in a regulator email's text body.
pub(crate) fn response_token(text: &str) -> String {
    text.lines()
        .find_map(|l| {
            l.trim()
                .split_once("/respond/")
                .map(|(_, t)| t.trim().to_owned())
        })
        .expect("a response link in the text body")
}

async fn get_response(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/regulator-responses/{token}")))
        .send()
        .await
        .expect("sent")
}

async fn post_response(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/regulator-responses/{token}")))
        .json(&body)
        .send()
        .await
        .expect("sent")
}

/// Files the standard report (reporter email given), validates it to the
/// Zhejiang bureau and returns (reference, tracking code, the regulator email).
pub(crate) async fn forwarded_case(
    app: &TestApp,
    smtp: &SmtpServer,
    moderator: &Session,
    already_sent: usize,
) -> (String, String, crate::smtp::Received) {
    // A screenshot, so the manifest has a fingerprint to check.
    let png = screenshot_png(120, 200, already_sent as u64 + 1);
    let (reference, code) = app.file_report(&valid_report(), Some(png)).await;
    assert_eq!(validate(app, moderator, &reference, json!({})).await, 200);
    wait_for_status(app, moderator, &reference, "forwarded").await;
    let mail = smtp
        .wait_for(REGULATOR, already_sent + 1, WAIT)
        .await
        .remove(already_sent);
    (reference, code, mail)
}

async fn reporter_view(app: &TestApp, reference: &str, code: &str) -> Value {
    let response = app.get_report(reference, code).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

/// The reporter's mails whose subject contains `needle`, once there are `count`.
async fn reporter_mails(smtp: &SmtpServer, needle: &str, count: usize) -> Vec<String> {
    eventually(&format!("{count} mails about {needle}"), WAIT, || async {
        let found: Vec<String> = smtp
            .received()
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == REPORTER))
            .filter(|m| m.parsed().subject().is_some_and(|s| s.contains(needle)))
            .map(|m| m.parsed().body_text(0).expect("text").into_owned())
            .collect();
        (found.len() >= count).then_some(found)
    })
    .await
}

#[tokio::test]
async fn a_regulator_answers_through_its_link_and_the_case_and_consumer_hear_of_it() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |config| {
        config.reply_to = Some("清朗审核组 <moderators@qinglang.example>".into());
    })
    .await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, code, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;

    // The email says how to answer, in both bodies, and replies reach the moderators.
    let parsed = mail.parsed();
    assert!(header_text(&parsed, "Reply-To")
        .expect("a Reply-To")
        .contains("moderators@qinglang.example"));
    let text = parsed.body_text(0).expect("text").into_owned();
    let html = html_text(&parsed.body_html(0).expect("html"));
    let token = response_token(&text);
    for body in [&text, &html] {
        assert!(body.contains("如何答复"), "{body}");
        assert!(body.contains(&format!("/respond/{token}")));
        assert!(body.contains("可直接回复本邮件"));
        assert!(!body.contains("请通过清朗平台转达"));
    }

    // The page and its API need no account.
    let page = app
        .client
        .get(app.url(&format!("/respond/{token}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("html").contains("respond.js"));
    let shown: Value = get_response(&app, &token).await.json().await.expect("json");
    assert_eq!(shown["reference"], reference.as_str());
    assert_eq!(shown["regulator"], "浙江省市场监督管理局");
    assert_eq!(shown["merchant_name"], "某某数码旗舰店");
    assert_eq!(shown["responses"], json!([]));
    assert_eq!(
        shown["allowed_next"],
        json!(["accepted", "declined", "needs_info"])
    );

    // Out of order: nothing concluded before it is accepted.
    let (status, body) = problem(
        post_response(
            &app,
            &token,
            json!({"kind": "concluded", "outcome": "罚款"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("请先提交「已受理」")));

    // 已受理, with the bureau's own number and a date; sent twice, recorded once.
    let accepted = json!({
        "kind": "accepted",
        "own_reference": "杭市监投〔2026〕118号",
        "expected_date": "2027-01-15",
    });
    let first = post_response(&app, &token, accepted.clone()).await;
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["recorded"], true);
    let again = post_response(&app, &token, accepted).await;
    assert_eq!(again.status().as_u16(), 200, "a re-sent form");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["recorded"], false);
    assert_eq!(again["id"], first["id"]);
    let (status, _) = problem(
        post_response(
            &app,
            &token,
            json!({"kind": "accepted", "own_reference": "另一个号"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "accepted twice with other content");
    let shown: Value = get_response(&app, &token).await.json().await.expect("json");
    assert_eq!(shown["responses"].as_array().expect("list").len(), 1);
    assert_eq!(shown["allowed_next"], json!(["needs_info", "concluded"]));

    // The consumer sees it on their timeline and by email.
    let view = reporter_view(&app, &reference, &code).await;
    let entry = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .find(|e| e["kind"] == "regulator_response")
        .expect("the response on the timeline")
        .clone();
    assert_eq!(entry["response"]["kind"], "accepted");
    assert_eq!(entry["response"]["own_reference"], "杭市监投〔2026〕118号");
    assert_eq!(entry["response"]["regulator"], "浙江省市场监督管理局");
    let notices = reporter_mails(&smtp, "监管部门答复了您的举报", 1).await;
    assert!(notices[0].contains("已受理，预计在 2027-01-15 前办结"));

    // A question reaches the staff (no assignee: the admins), not the consumer.
    let question = "请举报人补充付款凭证截图。";
    let asked = post_response(
        &app,
        &token,
        json!({"kind": "needs_info", "question": question}),
    )
    .await;
    assert_eq!(asked.status().as_u16(), 201);
    let staff_mail = eventually("the staff's copy of the question", WAIT, || async {
        smtp.received()
            .into_iter()
            .find(|m| m.rcpt_to.iter().any(|r| r == "boss@example.com"))
    })
    .await;
    assert!(staff_mail
        .parsed()
        .body_text(0)
        .expect("text")
        .contains(question));
    let detail = case(&app, &moderator, &reference).await;
    let responses = detail["regulator_responses"].as_array().expect("list");
    assert_eq!(responses.len(), 2);
    let asked = responses[1].clone();
    assert_eq!(asked["kind"], "needs_info");
    assert_eq!(asked["question"], question);
    assert_eq!(asked["regulator"], "浙江省市场监督管理局");
    assert!(asked["relayed_at"].is_null());
    let view = reporter_view(&app, &reference, &code).await;
    assert!(
        !view.to_string().contains(question),
        "not relayed yet: the consumer does not see it"
    );

    // A moderator relays it; the consumer answers; the bureau gets the answer, threaded.
    let relay = app
        .staff_post(
            &moderator,
            &format!(
                "/api/v1/cases/{reference}/regulator-responses/{}/relay",
                asked["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(relay.status().as_u16(), 200);
    let relayed_again = app
        .staff_post(
            &moderator,
            &format!(
                "/api/v1/cases/{reference}/regulator-responses/{}/relay",
                asked["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(problem(relayed_again).await.0, 409);
    let asks = reporter_mails(&smtp, "需要补充信息", 1).await;
    assert!(asks[0].contains(question));
    let view = reporter_view(&app, &reference, &code).await;
    assert_eq!(view["open_question"]["question"], question);
    let answer_text = "付款凭证见附件，付款时间 11 月 20 日。";
    let form = reqwest::multipart::Form::new()
        .text("message", answer_text)
        .part(
            "evidence",
            file_part(screenshot_png(200, 300, 9), "付款凭证.png", "image/png"),
        );
    let replied = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(&code)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    assert_eq!(replied.status().as_u16(), 201);
    let replied: Value = replied.json().await.expect("json");
    assert_eq!(replied["status"], "forwarded", "the case stays forwarded");
    let supplement = smtp.wait_for(REGULATOR, 2, WAIT).await.remove(1);
    let supplement = supplement.parsed();
    assert!(supplement
        .subject()
        .is_some_and(|s| s.starts_with("[补充材料] ")));
    assert_eq!(
        supplement.in_reply_to().as_text(),
        parsed.message_id(),
        "threaded on the case email"
    );
    let text = supplement.body_text(0).expect("text").into_owned();
    assert!(text.contains(answer_text));
    assert!(text.contains("【补充材料】付款凭证.png"));
    assert_eq!(response_token(&text), token, "the same link answers");
    let view = reporter_view(&app, &reference, &code).await;
    assert!(view["open_question"].is_null());
    assert!(view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .any(|e| e["kind"] == "reply" && e["message"] == answer_text));

    // 已办结 closes the case (the only recipient is done); markup stays text.
    let outcome = "<b>立案查处</b>，罚款 5000 元";
    let concluded = post_response(
        &app,
        &token,
        json!({"kind": "concluded", "outcome": outcome, "public_summary": "商家已被<b>责令整改</b>并罚款。"}),
    )
    .await;
    assert_eq!(concluded.status().as_u16(), 201);
    let concluded: Value = concluded.json().await.expect("json");
    assert_eq!(concluded["case_status"], "closed");
    let detail = case(&app, &moderator, &reference).await;
    assert_eq!(detail["status"], "closed");
    let (status, body) = problem(
        post_response(
            &app,
            &token,
            json!({"kind": "needs_info", "question": "还有吗"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("已办结")));
    let shown: Value = get_response(&app, &token).await.json().await.expect("json");
    assert_eq!(shown["allowed_next"], json!([]));
    assert_eq!(shown["status"], "closed");
    let view = reporter_view(&app, &reference, &code).await;
    assert_eq!(view["status"], "closed");
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["response"]["kind"].as_str())
        .collect();
    assert_eq!(kinds, vec!["accepted", "concluded"], "no question");
    let last = reporter_mails(&smtp, "监管部门答复了您的举报", 2).await;
    assert!(last[1].contains("商家已被<b>责令整改</b>并罚款。"));
    let html_notice = smtp
        .received()
        .into_iter()
        .rfind(|m| m.rcpt_to.iter().any(|r| r == REPORTER))
        .expect("a notice");
    let html = html_notice
        .parsed()
        .body_html(0)
        .expect("html")
        .into_owned();
    assert!(
        !html.contains("<b>"),
        "no markup from the outcome or summary"
    );
    assert!(html_text(&html).contains("商家已被<b>责令整改</b>并罚款。"));
    assert!(
        !view.to_string().contains("立案查处"),
        "the outcome is for the case; the consumer reads the public summary"
    );

    // Every answer is audited as the regulator's, via its delivery.
    let audit: Value = app
        .staff_get(&admin, &format!("/api/v1/cases/{reference}/audit"))
        .await
        .json()
        .await
        .expect("json");
    let entries: Vec<&Value> = audit
        .as_array()
        .or_else(|| audit["items"].as_array())
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "regulator.response")
        .collect();
    assert_eq!(entries.len(), 3, "accepted, needs_info, concluded");
    for entry in entries {
        assert_eq!(entry["actor"]["kind"], "regulator");
        assert!(entry["actor"]["label"]
            .as_str()
            .is_some_and(|l| l.starts_with("浙江省市场监督管理局 (delivery ")));
    }
}

#[tokio::test]
async fn bad_links_and_bad_answers_are_refused_clearly_and_leave_nothing() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (first, _, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));
    let (second, _, other_mail) = forwarded_case(&app, &smtp, &moderator, 1).await;
    let other_token = response_token(&other_mail.parsed().body_text(0).expect("text"));

    // Each link shows its own case; an altered one is unknown.
    let shown: Value = get_response(&app, &token).await.json().await.expect("json");
    assert_eq!(shown["reference"], first.as_str());
    let shown: Value = get_response(&app, &other_token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shown["reference"], second.as_str());
    let (id, rest) = token.split_once('.').expect("id.rest");
    let other_id = other_token.split_once('.').expect("id.rest").0;
    assert_ne!(id, other_id);
    let swapped = format!("{other_id}.{rest}");
    let mut flipped = token.clone();
    let last = flipped.pop().expect("a char");
    flipped.push(if last == '0' { '1' } else { '0' });
    for bad in [swapped.as_str(), flipped.as_str(), "1.2.3", "nonsense"] {
        let (status, body) = problem(get_response(&app, bad).await).await;
        assert_eq!(status, 404, "{bad}");
        assert!(body["title"].is_string());
        let (status, _) =
            problem(post_response(&app, bad, json!({"kind": "accepted"})).await).await;
        assert_eq!(status, 404, "{bad}");
    }

    // Field by field: required, not applicable, too long, malformed, unknown.
    let cases = [
        (json!({}), "kind", "required"),
        (json!({"kind": "approved"}), "kind", "unknown"),
        (json!({"kind": "declined"}), "reason", "required"),
        (
            json!({"kind": "needs_info", "question": " "}),
            "question",
            "required",
        ),
        (
            json!({"kind": "accepted", "outcome": "罚款"}),
            "outcome",
            "not_applicable",
        ),
        (
            json!({"kind": "declined", "reason": "理".repeat(2001)}),
            "reason",
            "length",
        ),
        (
            json!({"kind": "accepted", "expected_date": "2027/01/15"}),
            "expected_date",
            "format",
        ),
        (
            json!({"kind": "accepted", "expected_date": "2020-01-01"}),
            "expected_date",
            "past",
        ),
    ];
    for (body, field, code) in cases {
        let (status, problem_body) = problem(post_response(&app, &token, body.clone()).await).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            error_fields(&problem_body),
            vec![(field.to_owned(), code.to_owned())],
            "{body}"
        );
    }
    let (status, body) =
        problem(post_response(&app, &token, json!({"kind": "accepted", "verdict": "x"})).await)
            .await;
    assert!(matches!(status, 400 | 422), "an unknown field: {status}");
    assert!(body.to_string().contains("verdict"), "{body}");
    let shown: Value = get_response(&app, &token).await.json().await.expect("json");
    assert_eq!(shown["responses"], json!([]), "nothing recorded");

    // Reopened: the old link is withdrawn; the new email's link works.
    assert_eq!(
        app.move_case(&admin, &first, json!({"to": "under_review"}))
            .await,
        200
    );
    let (status, body) = problem(get_response(&app, &token).await).await;
    assert_eq!(status, 410);
    assert!(body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("reopened")));
    let (status, _) = problem(post_response(&app, &token, json!({"kind": "accepted"})).await).await;
    assert_eq!(status, 410);
    assert_eq!(
        app.move_case(
            &moderator,
            &first,
            json!({"to": "validated", "reason": "重新核实，情况属实。"})
        )
        .await,
        200
    );
    let again = smtp.wait_for(REGULATOR, 3, WAIT).await.remove(2);
    let fresh = response_token(&again.parsed().body_text(0).expect("text"));
    assert_ne!(fresh, token);
    assert_eq!(get_response(&app, &fresh).await.status().as_u16(), 200);
}

#[tokio::test]
async fn an_expired_link_says_so() {
    let smtp = SmtpServer::start().await;
    // Links that expire when the delivery is queued.
    let app = mail_app(Some(smtp.url()), |config| config.response_link_days = 0).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (_, _, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));
    let (status, body) = problem(get_response(&app, &token).await).await;
    assert_eq!(status, 410);
    assert!(body["detail"].as_str().is_some_and(|d| d.contains("过期")));
}

#[tokio::test]
async fn a_response_while_the_mail_server_is_down_is_recorded_and_the_email_follows() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, code, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));
    smtp.set_behaviour(Behaviour::TemporaryFailures(3));
    let declined = post_response(
        &app,
        &token,
        json!({"kind": "declined", "reason": "不属于本局管辖，请转杭州市局。"}),
    )
    .await;
    assert_eq!(declined.status().as_u16(), 201);
    let declined: Value = declined.json().await.expect("json");
    assert_eq!(
        declined["case_status"], "closed",
        "the only recipient declined"
    );
    let view = reporter_view(&app, &reference, &code).await;
    assert!(view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .any(|e| e["response"]["kind"] == "declined"));
    let notice = reporter_mails(&smtp, "监管部门答复了您的举报", 1).await;
    assert!(notice[0].contains("不属于本局管辖"));
}

#[tokio::test]
async fn response_links_are_rate_limited_per_address() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (_, _, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let token = response_token(&mail.parsed().body_text(0).expect("text"));
    let mut refused = None;
    for i in 0..200 {
        let response = get_response(&app, if i % 2 == 0 { &token } else { "1.2.3" }).await;
        if response.status().as_u16() == 429 {
            refused = Some((i, response));
            break;
        }
    }
    let (i, response) = refused.expect("throttled within 200 requests");
    assert_eq!(i, 120, "after the bucket's 120 requests");
    assert!(response.headers().get("retry-after").is_some());
}

/// The regulator email's case file and signature, verified by the real
/// `openssl` against the published key; a changed byte fails; after
/// `keys rotate` new files use the new key and old ones still verify.
/// The signing keys the service publishes.
async fn published_keys(app: &TestApp) -> Value {
    app.client
        .get(app.url("/.well-known/qinglang-signing-keys.json"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn the_case_file_verifies_with_openssl_and_the_published_keys() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    // Published from the first start, before any email.
    let at_start = published_keys(&app).await;
    assert_eq!(at_start["keys"].as_array().map(Vec::len), Some(1));
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, _, mail) = forwarded_case(&app, &smtp, &moderator, 0).await;
    let parsed = mail.parsed();
    let attachment = |name: &str| -> Vec<u8> {
        parsed
            .attachments()
            .find(|a| a.attachment_name() == Some(name))
            .unwrap_or_else(|| panic!("attachment {name}"))
            .contents()
            .to_vec()
    };
    let case_json = attachment(&format!("case-{reference}.json"));
    let signature = attachment(&format!("case-{reference}.json.sig"));
    let key_id = header_text(&parsed, "X-Qinglang-Signing-Key").expect("the key header");
    let file: Value = serde_json::from_slice(&case_json).expect("json");
    assert_eq!(file["signature"]["key_id"], key_id.as_str());
    assert_eq!(file["signature"]["algorithm"], "Ed25519");
    let text = parsed.body_text(0).expect("text").into_owned();
    assert!(text.contains(&key_id) && text.contains("openssl pkeyutl -verify"));
    // The signed manifest fingerprints every attachment.
    for entry in file["evidence"].as_array().expect("manifest") {
        if let Some(name) = entry["attachment"].as_str() {
            assert_eq!(
                entry["sha256"].as_str(),
                Some(sha256_hex(&attachment(name)).as_str())
            );
        }
    }

    let keys = published_keys(&app).await;
    let listed = keys["keys"].as_array().expect("keys");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], key_id.as_str());
    assert!(listed[0]["retired_at"].is_null());
    let pem = listed[0]["public_key_pem"]
        .as_str()
        .expect("pem")
        .to_owned();

    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let key_path = write("key.pem", pem.as_bytes());
    let sig_path = write("case.json.sig", &signature);
    let openssl_verifies = |case_path: &std::path::Path, key_path: &std::path::Path| {
        let out = std::process::Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(key_path)
            .arg("-rawin")
            .arg("-in")
            .arg(case_path)
            .arg("-sigfile")
            .arg(&sig_path)
            .output()
            .expect("openssl runs");
        out.status.success()
            && String::from_utf8_lossy(&out.stdout).contains("Signature Verified Successfully")
    };
    let case_path = write("case.json", &case_json);
    assert!(openssl_verifies(&case_path, &key_path));
    let mut tampered = case_json.clone();
    let at = tampered
        .windows(8)
        .position(|w| w == b"\"sha256\"")
        .expect("a fingerprint")
        + 12;
    tampered[at] = if tampered[at] == b'0' { b'1' } else { b'0' };
    let tampered_path = write("tampered.json", &tampered);
    assert!(
        !openssl_verifies(&tampered_path, &key_path),
        "one changed byte"
    );

    // Rotation: the old key stays published (retired) and still verifies.
    let pool = app.state().pool.clone();
    let secret = std::sync::Arc::clone(&app.state().keys);
    let rotated = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("conn");
        qinglang::case_signing::rotate(&mut conn, &secret, chrono::Utc::now().naive_utc())
            .expect("rotated")
    })
    .await
    .expect("joined");
    let keys = published_keys(&app).await;
    let listed = keys["keys"].as_array().expect("keys");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], rotated.id.as_str());
    assert_eq!(listed[1]["id"], key_id.as_str());
    assert!(listed[1]["retired_at"].is_string());
    assert!(
        openssl_verifies(&case_path, &key_path),
        "old files still verify"
    );
    let (next, _, next_mail) = forwarded_case(&app, &smtp, &moderator, 1).await;
    let next_parsed = next_mail.parsed();
    assert_eq!(
        header_text(&next_parsed, "X-Qinglang-Signing-Key").as_deref(),
        Some(rotated.id.as_str())
    );
    let _ = next;
    tokio::time::sleep(Duration::from_millis(10)).await;
}
