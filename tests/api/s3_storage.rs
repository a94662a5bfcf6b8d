//! Evidence in an S3-compatible object store: the real server against a
//! real Garage on loopback (`garage.rs`), through HTTP and the real binary.
//! They need the `garage` program (`cargo install garage --locked`), so they
//! are ignored by a plain `cargo test`; `.ci/run` installs it and runs them.

use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::garage::Garage;
use crate::helpers::*;
use crate::mail::{case, eventually, mail_app, validate, zhejiang, WAIT};
use crate::mail_faults::regulator_delivery;

const BUCKET: &str = "qinglang-evidence";

/// The objects under the app's prefix, by name.
async fn objects(garage: &Garage) -> Vec<(String, u64)> {
    let client = garage.client(BUCKET);
    let mut found: Vec<(String, u64)> = client
        .list(Some(&ObjectPath::from("evidence")))
        .map_ok(|meta| (meta.location.to_string(), meta.size))
        .try_collect()
        .await
        .expect("list");
    found.sort();
    found
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
#[ignore = "starts Garage (cargo install garage --locked); .ci/run runs it"]
async fn evidence_goes_to_the_bucket_in_parts_and_comes_back_byte_for_byte() {
    let garage = Garage::start(BUCKET);
    let app = spawn_app_with(|config| {
        garage.configure(config, BUCKET);
        config.max_file_bytes = 24 * 1024 * 1024;
        config.max_total_bytes = 40 * 1024 * 1024;
    })
    .await;
    // A photo-like PNG of ~13 MB (noise does not compress): more than one
    // 8 MiB part, so it goes up as a multipart upload.
    let large = encode(
        image::DynamicImage::ImageRgb8(noise_image(2600, 1700, 7)),
        image::ImageFormat::Png,
    );
    assert!(large.len() > 8 * 1024 * 1024, "{}", large.len());
    let small = screenshot_png(360, 780, 3);
    let form = form_with(&valid_report())
        .part("evidence", file_part(small, "截图.png", "image/png"))
        .part(
            "evidence",
            file_part(large.clone(), "照片.png", "image/png"),
        );
    let (reference, _) = app.file_form(form).await;

    let stored = objects(&garage).await;
    assert_eq!(stored.len(), 2, "both files are in the bucket: {stored:?}");
    assert!(
        stored.iter().all(|(name, _)| name.starts_with("evidence/")),
        "under the configured prefix: {stored:?}"
    );
    assert!(
        app.stored_files().is_empty(),
        "nothing kept on the local disk: {:?}",
        app.stored_files()
    );
    assert!(app.staged_files().is_empty(), "{:?}", app.staged_files());

    // Read back through the moderator's download, byte for byte.
    let moderator = app.moderator().await;
    let view = case(&app, &moderator, &reference).await;
    let photo = view["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["display_name"] == "照片.png")
        .expect("the photo")
        .clone();
    let id = photo["id"].as_i64().expect("id");
    let response = app
        .staff_get(
            &moderator,
            &format!("/api/v1/cases/{reference}/evidence/{id}"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().await.expect("body");
    assert_eq!(sha256(&body), photo["sha256"].as_str().expect("sha256"));
    let (large_name, _) = stored
        .iter()
        .find(|(_, size)| *size == body.len() as u64)
        .expect("the photo's object");
    // S3 gives a multipart object the ETag `<md5 of the parts' md5s>-<parts>`.
    let meta = garage
        .client(BUCKET)
        .head(&ObjectPath::from(large_name.as_str()))
        .await
        .expect("head");
    let etag = meta.e_tag.unwrap_or_default();
    assert!(etag.trim_matches('"').ends_with("-2"), "two parts: {etag}");

    // The orphan sweep lists the bucket: an object no row names goes.
    let orphan = ObjectPath::from("evidence/0123456789abcdef0123456789abcdef");
    garage
        .client(BUCKET)
        .put(&orphan, PutPayload::from_static(b"orphan"))
        .await
        .expect("put");
    let store = std::sync::Arc::clone(&app.state().intake.store);
    let swept = qinglang::sweep::sweep_once(&app.state().pool, &store, Duration::ZERO)
        .await
        .expect("sweep");
    assert_eq!(swept.orphans, 1);
    assert_eq!(objects(&garage).await, stored, "the referenced files stay");
}

#[tokio::test]
#[ignore = "starts Garage (cargo install garage --locked); .ci/run runs it"]
async fn the_store_down_at_filing_is_a_503_that_leaves_nothing_behind() {
    let mut garage = Garage::start(BUCKET);
    let app = spawn_app_with(|config| garage.configure(config, BUCKET)).await;
    garage.stop();

    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(screenshot_png(360, 780, 1), "截图.png", "image/png"),
    );
    let started = std::time::Instant::now();
    let response = app.post_report(form).await;
    let (status, body) = problem(response).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "answered within the store's timeouts, not after minutes: {:?}",
        started.elapsed()
    );
    assert!(body["detail"].as_str().expect("detail").contains("retry"));
    app.assert_nothing_stored().await;

    garage.restart();
    assert!(objects(&garage).await.is_empty(), "nothing half-stored");
    let form = form_with(&valid_report()).part(
        "evidence",
        file_part(screenshot_png(360, 780, 1), "截图.png", "image/png"),
    );
    assert_eq!(
        app.post_report(form).await.status().as_u16(),
        201,
        "a retry files"
    );
    assert_eq!(objects(&garage).await.len(), 1);
}

#[tokio::test]
#[ignore = "starts Garage (cargo install garage --locked); .ci/run runs it"]
async fn forwarding_retries_while_the_store_is_down_and_never_sends_a_corrupt_object() {
    let mut garage = Garage::start(BUCKET);
    let app = mail_app(None, |config| garage.configure(config, BUCKET)).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let mut report = valid_report();
    report["reporter"] = json!(null);

    // Down at forwarding: the delivery waits and retries, like an SMTP outage.
    let (reference, _) = app
        .file_report(&report, Some(screenshot_png(360, 780, 5)))
        .await;
    garage.stop();
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    let waiting = eventually("a failed attempt", WAIT, || async {
        let delivery = regulator_delivery(&case(&app, &moderator, &reference).await);
        (delivery["attempts"].as_i64() >= Some(1)).then_some(delivery)
    })
    .await;
    assert_eq!(waiting["status"], "pending", "waiting to retry: {waiting}");
    assert!(waiting["next_attempt_at"].is_string(), "{waiting}");
    assert!(
        waiting["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("evidence")),
        "{waiting}"
    );
    garage.restart();
    let sent = eventually("the delivery after the store is back", WAIT, || async {
        let delivery = regulator_delivery(&case(&app, &moderator, &reference).await);
        (delivery["status"] == "accepted").then_some(delivery)
    })
    .await;
    assert!(sent["attempts"].as_i64() >= Some(2), "{sent}");

    // A corrupt object: the delivery fails, visibly, and sends nothing.
    let (corrupt, _) = app
        .file_report(&report, Some(screenshot_png(360, 780, 6)))
        .await;
    let stored = objects(&garage).await;
    let view = case(&app, &moderator, &corrupt).await;
    let size = view["evidence"][0]["size_bytes"].as_u64().expect("size");
    let (name, _) = stored
        .iter()
        .find(|(_, s)| *s == size)
        .expect("the new case's object");
    garage
        .client(BUCKET)
        .put(
            &ObjectPath::from(name.as_str()),
            PutPayload::from(vec![0u8; size as usize]),
        )
        .await
        .expect("overwrite");
    let outbox_before = std::fs::read_dir(app.data_dir.path().join("mail-outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(validate(&app, &moderator, &corrupt, json!({})).await, 200);
    let failed = eventually("the corrupt delivery to fail", WAIT, || async {
        let delivery = regulator_delivery(&case(&app, &moderator, &corrupt).await);
        (delivery["status"] == "failed").then_some(delivery)
    })
    .await;
    let error = failed["last_error"].as_str().expect("last_error");
    assert!(error.contains("SHA-256"), "{error}");
    let outbox_after = std::fs::read_dir(app.data_dir.path().join("mail-outbox"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(outbox_before, outbox_after, "no email written for it");
}

#[test]
#[ignore = "starts Garage (cargo install garage --locked); .ci/run runs it"]
fn a_missing_bucket_or_refused_credentials_stop_the_start() {
    let garage = Garage::start(BUCKET);
    let dir = tempfile::tempdir().expect("dir");
    let run = |bucket: &str, secret: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_qinglang"))
            .arg("serve")
            .env("QINGLANG_DATA_DIR", dir.path())
            .env("QINGLANG_BIND", "127.0.0.1:0")
            .env("QINGLANG_STORAGE_URL", format!("s3://{bucket}/evidence"))
            .env("QINGLANG_S3_ENDPOINT", &garage.endpoint)
            .env("QINGLANG_S3_TIMEOUT_SECS", "5")
            .env("AWS_ACCESS_KEY_ID", &garage.key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_REGION", "garage")
            .env_remove("DATABASE_URL")
            .output()
            .expect("runs")
    };
    for (bucket, secret, what) in [
        ("no-such-bucket", garage.secret.as_str(), "a missing bucket"),
        (BUCKET, "wrong-secret", "refused credentials"),
    ] {
        let output = run(bucket, secret);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{what}: the server must not start"
        );
        assert!(
            stderr.contains("evidence bucket"),
            "{what}: says what is wrong: {stderr}"
        );
        assert!(
            !stderr.contains(secret) || secret.is_empty(),
            "{what}: {stderr}"
        );
    }
}
