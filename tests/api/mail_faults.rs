//! The outbox against the faults of real relays and real deployments, through
//! HTTP, the real binary and the loopback SMTP server (`smtp.rs`): pooled
//! connections the server closed, a worker running alone, credentials and
//! STARTTLS, one recipient refused, the same Message-ID on every attempt, and
//! a process killed while the server held its reply.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail::{
    add_regulator, case, eventually, mail_app, validate, validate_through_the_binary,
    wait_for_status, zhejiang, REGULATOR, REPORTER, WAIT,
};
use crate::smtp::{unused_port, Behaviour, Credentials, SmtpServer};

/// The regulator delivery of a case, as staff see it.
pub(crate) fn regulator_delivery(case: &Value) -> Value {
    case["deliveries"]
        .as_array()
        .expect("deliveries")
        .iter()
        .find(|d| d["kind"] == "regulator")
        .expect("a regulator delivery")
        .clone()
}

/// Files a report without contact details (so only the regulator gets mail)
/// and validates it; returns the reference.
async fn validated_case(app: &TestApp, moderator: &Session) -> String {
    let mut report = valid_report();
    report["reporter"] = json!(null);
    let (reference, _) = app.file_report(&report, None).await;
    assert_eq!(validate(app, moderator, &reference, json!({})).await, 200);
    reference
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_replaced_without_a_failed_attempt() {
    let smtp = SmtpServer::start().await;
    // Every session ends after one message, without a 221: the client's
    // pooled connection is dead when the next delivery wants it.
    smtp.set_behaviour(Behaviour::DropAfterAccept);
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;

    let first = validated_case(&app, &moderator).await;
    wait_for_status(&app, &moderator, &first, "forwarded").await;
    assert_eq!(smtp.dropped(), 1, "the server closed the first connection");
    let second = validated_case(&app, &moderator).await;
    let done = wait_for_status(&app, &moderator, &second, "forwarded").await;
    let delivery = regulator_delivery(&done);
    assert_eq!(delivery["status"], "accepted");
    assert_eq!(
        delivery["attempts"], 1,
        "no attempt lost on the dead connection: {delivery}"
    );
    assert!(delivery["last_error"].is_null(), "{delivery}");
    let received = smtp.received();
    assert_eq!(received.len(), 2, "each case sent once");
    assert_ne!(
        received[0].session, received[1].session,
        "the second went out on a fresh connection"
    );
    assert_eq!(smtp.sessions(), 2, "one connection per message, no more");
}

#[tokio::test]
async fn a_connection_that_breaks_when_reused_is_retried_at_once_on_a_fresh_one() {
    let smtp = SmtpServer::start().await;
    // Harsher: the pooled connection still answers NOOP (so the pool keeps
    // it), then dies at MAIL FROM. Only the transport's own immediate retry
    // on a fresh connection saves the attempt.
    smtp.set_behaviour(Behaviour::DropOnReuse);
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;

    let first = validated_case(&app, &moderator).await;
    wait_for_status(&app, &moderator, &first, "forwarded").await;
    let second = validated_case(&app, &moderator).await;
    let done = wait_for_status(&app, &moderator, &second, "forwarded").await;
    assert_eq!(
        smtp.dropped(),
        1,
        "the pooled connection was reused and broke under the second delivery"
    );
    let delivery = regulator_delivery(&done);
    assert_eq!(delivery["status"], "accepted");
    assert_eq!(
        delivery["attempts"], 1,
        "retried at once, not after a backoff: {delivery}"
    );
    assert!(delivery["last_error"].is_null(), "{delivery}");
    let received = smtp.received();
    assert_eq!(received.len(), 2);
    assert_ne!(received[0].session, received[1].session);
}

/// A child process of the real binary, killed when dropped (also when a
/// test fails half-way).
struct Process(Child);

impl Process {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `qinglang <args>` with the environment in `env` (and nothing inherited
/// that could change it: no `DATABASE_URL` unless given).
fn qinglang(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("QINGLANG_OCR", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command
}

#[tokio::test]
async fn the_worker_alone_sends_what_a_server_without_its_worker_queued() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |c| c.mail_worker = false).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);

    // The server alone queues and never sends.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(smtp.received().is_empty(), "the server sent mail itself");
    let queued = case(&app, &moderator, &reference).await;
    assert_eq!(queued["status"], "validated");
    let delivery = regulator_delivery(&queued);
    assert_eq!(delivery["status"], "pending");
    assert_eq!(delivery["attempts"], 0);

    // `qinglang worker` on the same database and data directory sends it,
    // and the reporter's receipt and notice too.
    let mut env = vec![
        (
            "QINGLANG_DATA_DIR",
            app.data_dir.path().display().to_string(),
        ),
        (
            "QINGLANG_SMTP_URL",
            format!("{}/standalone-worker", smtp.url()),
        ),
        ("QINGLANG_MAIL_POLL_MS", "100".to_owned()),
        ("QINGLANG_MAIL_RETRY_BASE_SECS", "1".to_owned()),
        ("QINGLANG_PUBLIC_URL", app.address.clone()),
    ];
    if let Some(url) = app.database_url() {
        env.push(("DATABASE_URL", url));
    }
    let _worker = Process(
        qinglang(&["worker"], &env)
            .spawn()
            .expect("qinglang worker starts"),
    );
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await;
    assert_eq!(mail.len(), 1);
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let delivery = regulator_delivery(&done);
    assert_eq!(delivery["status"], "accepted");
    assert_eq!(
        format!("<{}>", mail[0].message_id()),
        delivery["message_id"].as_str().expect("id")
    );
    let notices = smtp.wait_for(REPORTER, 2, WAIT).await;
    let subjects: Vec<String> = notices
        .iter()
        .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
        .collect();
    assert!(subjects.contains(&format!("[清朗] 您的举报 {reference} 已转交监管部门")));
    // The unsubscribe link points at the public URL the worker was given.
    let text = notices[0].parsed().body_text(0).expect("text").into_owned();
    assert!(
        text.contains(&format!("{}/unsubscribe?", app.address)),
        "{text}"
    );
    assert!(
        smtp.received()
            .iter()
            .all(|m| m.client_name == "standalone-worker"),
        "every message came from the worker process"
    );
}

#[tokio::test]
async fn smtp_credentials_in_the_url_are_used_with_plain_and_login() {
    for mechanism in ["PLAIN", "LOGIN"] {
        let smtp = SmtpServer::start().await;
        smtp.require_auth(&[mechanism]);
        // Reserved characters in the user and password are percent-encoded.
        let url = format!(
            "smtp://relay%40qinglang.example:p%40ss%3Aw%2Frd%25@127.0.0.1:{}",
            smtp.port
        );
        let app = mail_app(Some(url), |_| {}).await;
        let admin = app.admin().await;
        zhejiang(&app, &admin).await;
        let moderator = app.moderator().await;
        let reference = validated_case(&app, &moderator).await;
        smtp.wait_for(REGULATOR, 1, WAIT).await;
        wait_for_status(&app, &moderator, &reference, "forwarded").await;
        let credentials = smtp.credentials();
        assert!(!credentials.is_empty(), "{mechanism}: no AUTH");
        assert!(
            credentials.iter().all(|c| *c
                == Credentials {
                    mechanism: mechanism.to_owned(),
                    user: "relay@qinglang.example".to_owned(),
                    password: "p@ss:w/rd%".to_owned(),
                }),
            "{mechanism}: {credentials:?}"
        );
    }
}

#[tokio::test]
async fn starttls_required_never_falls_back_to_plain_text() {
    // The server does not offer STARTTLS (and would take AUTH PLAIN).
    let smtp = SmtpServer::start().await;
    smtp.require_auth(&["PLAIN", "LOGIN"]);
    let url = format!(
        "smtp://relay:secret-password@127.0.0.1:{}?tls=required",
        smtp.port
    );
    let app = mail_app(Some(url), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let reference = validated_case(&app, &moderator).await;
    let tried = eventually("two attempts", WAIT, || async {
        let d = regulator_delivery(&case(&app, &moderator, &reference).await);
        (d["attempts"].as_i64() >= Some(2)).then_some(d)
    })
    .await;
    assert_eq!(tried["status"], "pending", "a temporary failure: {tried}");
    assert!(tried["next_attempt_at"].is_string());
    assert!(
        tried["last_error"]
            .as_str()
            .is_some_and(|e| e.to_ascii_uppercase().contains("STARTTLS")),
        "the error names the cause: {tried}"
    );
    assert_eq!(
        case(&app, &moderator, &reference).await["status"],
        "validated"
    );
    let commands = smtp.commands();
    assert!(
        commands
            .iter()
            .any(|c| c.to_ascii_uppercase().starts_with("EHLO")),
        "it did connect: {commands:?}"
    );
    assert!(
        !commands.iter().any(|c| {
            let c = c.to_ascii_uppercase();
            ["AUTH", "MAIL", "RCPT", "DATA"]
                .iter()
                .any(|verb| c.starts_with(verb))
        }),
        "nothing (no credentials, no message) in plain text: {commands:?}"
    );
    assert!(smtp.received().is_empty() && smtp.refused().is_empty());
    assert!(smtp.credentials().is_empty());
}

#[tokio::test]
async fn every_attempt_of_a_delivery_carries_the_stored_message_id() {
    let smtp = SmtpServer::start().await;
    smtp.set_behaviour(Behaviour::TemporaryFailures(2));
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let reference = validated_case(&app, &moderator).await;
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let stored = regulator_delivery(&done)["message_id"]
        .as_str()
        .expect("stored id")
        .to_owned();
    let refused = smtp.refused();
    let accepted = smtp.received();
    assert_eq!(refused.len(), 2, "two 451s");
    assert_eq!(accepted.len(), 1);
    for (i, message) in refused.iter().chain(&accepted).enumerate() {
        assert_eq!(message.rcpt_to, vec![REGULATOR.to_owned()]);
        assert_eq!(
            format!("<{}>", message.message_id()),
            stored,
            "attempt {} carried another Message-ID",
            i + 1
        );
    }
}

#[tokio::test]
async fn one_refused_regulator_keeps_the_case_validated_until_fixed_and_retried() {
    let smtp = SmtpServer::start().await;
    let wrong = "old-address@hz.gov.example";
    smtp.refuse_recipient(wrong);
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let hz = add_regulator(
        &app,
        &admin,
        json!({"name": "杭州市市场监督管理局", "email": wrong, "provinces": ["浙江省"]}),
    )
    .await;
    let moderator = app.moderator().await;
    let (reference, code) = app.file_report(&valid_report(), None).await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);

    // One copy accepted, the other refused for good: the case waits.
    let settled = eventually("both deliveries settled", WAIT, || async {
        let case = case(&app, &moderator, &reference).await;
        let statuses: Vec<String> = case["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .filter(|d| d["kind"] == "regulator")
            .map(|d| d["status"].as_str().unwrap_or_default().to_owned())
            .collect();
        (statuses.len() == 2 && !statuses.iter().any(|s| s == "pending")).then_some(case)
    })
    .await;
    let of = |case: &Value, email: &str| -> Value {
        case["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .find(|d| d["recipient"]["email"] == email)
            .unwrap_or_else(|| panic!("a delivery to {email} in {case}"))
            .clone()
    };
    assert_eq!(of(&settled, REGULATOR)["status"], "accepted");
    let failed = of(&settled, wrong);
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["attempts"], 1, "a 5xx is not retried");
    assert!(
        failed["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("550")),
        "the refusal is shown: {failed}"
    );
    assert!(failed["failed_at"].is_string());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let waiting = case(&app, &moderator, &reference).await;
    assert_eq!(
        waiting["status"], "validated",
        "not forwarded while a regulator lacks its copy"
    );
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        !view.to_string().contains("已转交"),
        "the reporter is not told it was forwarded: {view}"
    );
    assert_eq!(smtp.wait_for(REGULATOR, 1, WAIT).await.len(), 1);
    let list: Value = app
        .staff_get(&admin, "/api/v1/admin/deliveries?status=failed")
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{list}");
    let id = items[0]["id"].as_i64().expect("id");
    assert_eq!(json!(id), failed["id"]);

    // The admin corrects the address and retries: only that copy goes again.
    let fixed = "ts@hz.gov.example";
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/regulators/{hz}")))
        .bearer_auth(&admin.token)
        .json(&json!({"email": fixed}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        app.staff_post(
            &admin,
            &format!("/api/v1/admin/deliveries/{id}/retry"),
            json!({})
        )
        .await
        .status()
        .as_u16(),
        202
    );
    smtp.wait_for(fixed, 1, WAIT).await;
    let done = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    assert_eq!(of(&done, fixed)["status"], "accepted");
    assert_eq!(
        smtp.received()
            .iter()
            .filter(|m| m.rcpt_to == vec![REGULATOR.to_owned()])
            .count(),
        1,
        "the copy already accepted is not sent again"
    );
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
    assert_eq!(last["status"], "forwarded");
    let note = last["note"].as_str().expect("note");
    assert!(
        note.contains("浙江省市场监督管理局") && note.contains("杭州市市场监督管理局"),
        "{note}"
    );
}

#[tokio::test]
async fn killed_while_the_server_holds_its_reply_the_resend_keeps_the_message_id() {
    let data_dir = tempfile::tempdir().expect("dir");
    let postgres = fresh_postgres_database();
    let port = unused_port();
    let smtp = SmtpServer::start().await;
    // The server takes the whole message, then holds its 250 back.
    smtp.set_delay(Duration::from_secs(3600));
    let env = |timeout_secs: &str| {
        let mut env = vec![
            ("QINGLANG_DATA_DIR", data_dir.path().display().to_string()),
            ("QINGLANG_BIND", format!("127.0.0.1:{port}")),
            ("QINGLANG_SMTP_URL", smtp.url()),
            ("QINGLANG_SMTP_TIMEOUT_SECS", timeout_secs.to_owned()),
            ("QINGLANG_MAIL_RETRY_BASE_SECS", "1".to_owned()),
            ("QINGLANG_MAIL_POLL_MS", "100".to_owned()),
            ("QINGLANG_WORKERS", "2".to_owned()),
        ];
        if let Some((_, url)) = &postgres {
            env.push(("DATABASE_URL", url.clone()));
        }
        env
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

    // The send timeout bounds the lease the killed process leaves behind:
    // twice it plus a minute (80 s), after which the delivery is sent again.
    // It must outlast the moment between the server holding its reply and
    // the kill (a timed-out attempt would be recorded and retried).
    let mut server = Process(
        qinglang(&[], &env("10"))
            .spawn()
            .expect("the server starts"),
    );
    wait_ready().await;
    let (token, reference) =
        validate_through_the_binary(&client, &base, qinglang(&[], &env("10"))).await;

    // The whole message reached the server, which holds its reply: the
    // process dies now, before it can record anything.
    eventually("the message to be in flight", WAIT, || async {
        (smtp.held() == 1 && smtp.received().len() == 1).then_some(())
    })
    .await;
    server.kill();
    smtp.set_delay(Duration::ZERO);

    let mut server = Process(
        qinglang(&[], &env("2"))
            .spawn()
            .expect("the server restarts"),
    );
    wait_ready().await;
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
    let case = eventually(
        "the case to be forwarded",
        Duration::from_secs(150),
        || async {
            let case = get_case().await;
            (case["status"] == "forwarded").then_some(case)
        },
    )
    .await;
    let delivery = regulator_delivery(&case);
    assert_eq!(delivery["status"], "accepted");
    let stored = delivery["message_id"].as_str().expect("id").to_owned();
    // The documented at-least-once window: the server had accepted the
    // first copy when the process died, so it got a second — with the same
    // Message-ID, which lets the receiving side discard it.
    let received = smtp.wait_for("inbox@regulator.localhost", 2, WAIT).await;
    assert_eq!(received.len(), 2, "sent again once the lease expired");
    for message in &received {
        assert_eq!(format!("<{}>", message.message_id()), stored);
    }
    server.kill();
    if let Some((name, _)) = &postgres {
        drop_postgres_database(name);
    }
}
