//! What operators see of a running server: its logs as JSON lines.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id_and_no_personal_data() {
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_qinglang"))
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("QINGLANG_DATA_DIR", dir.path().join("data"))
        .env("QINGLANG_BIND", format!("127.0.0.1:{port}"))
        .env("QINGLANG_LOG_FORMAT", "json")
        .env("QINGLANG_OCR", "false")
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server became ready");

    let report = valid_report();
    let filed = client
        .post(format!("{base}/api/v1/reports"))
        .multipart(form_with(&report))
        .send()
        .await
        .expect("filed");
    assert_eq!(filed.status().as_u16(), 201);
    let request_id = filed.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_owned();
    let body: Value = filed.json().await.expect("json");
    let (reference, code) = (
        body["reference"].as_str().expect("reference").to_owned(),
        body["tracking_code"].as_str().expect("code").to_owned(),
    );
    let status = client
        .get(format!("{base}/api/v1/reports/{reference}"))
        .bearer_auth(&code)
        .send()
        .await
        .expect("status");
    assert_eq!(status.status().as_u16(), 200);
    let refused = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "officer@example.org", "password": "wrong password 1"}))
        .send()
        .await
        .expect("login");
    assert_eq!(refused.status().as_u16(), 401);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _ = server.kill();
    let _ = server.wait();

    let text = std::fs::read_to_string(&log_path).expect("log");
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines
        .iter()
        .all(|l| l.is_object() && l["level"].is_string() && l["timestamp"].is_string()));
    let answered = lines
        .iter()
        .find(|l| l["span"]["request_id"] == request_id.as_str() && l["message"] == "answered")
        .unwrap_or_else(|| panic!("the filing's answer, by its X-Request-Id: {text}"));
    assert_eq!(answered["status"], 201, "{answered}");
    assert_eq!(answered["span"]["method"], "POST");
    assert_eq!(answered["span"]["route"], "/api/v1/reports");
    let status_line = lines
        .iter()
        .find(|l| {
            l["message"] == "answered"
                && l["span"]["method"] == "GET"
                && l["span"]["route"] != "/readyz"
        })
        .expect("the status request's line");
    assert_eq!(
        status_line["span"]["route"], "/api/v1/reports/{reference}",
        "the route's pattern, not the path: {status_line}"
    );

    let reporter = &report["reporter"];
    for secret in [
        reporter["email"].as_str().expect("email"),
        reporter["phone"].as_str().expect("phone"),
        reporter["name"].as_str().expect("name"),
        code.as_str(),
        "officer@example.org",
        "wrong password 1",
        "client_ip",
        "user_agent",
        "reqwest",
    ] {
        assert!(!text.contains(secret), "{secret:?} is in the log:\n{text}");
    }
}
