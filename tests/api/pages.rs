//! The consumer pages, health checks and what the form needs.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn meta_lists_vocabularies_with_labels_and_the_limits() {
    let app = spawn_app().await;
    let meta: Value = app
        .client
        .get(app.url("/api/v1/meta"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(meta["categories"].as_array().map(Vec::len), Some(6));
    assert_eq!(meta["platforms"].as_array().map(Vec::len), Some(10));
    assert_eq!(meta["provinces"].as_array().map(Vec::len), Some(34));
    assert_eq!(meta["categories"][0]["code"], "fake_review");
    assert!(meta["categories"][0]["zh"].is_string() && meta["categories"][0]["en"].is_string());
    assert!(meta["provinces"]
        .as_array()
        .expect("list")
        .iter()
        .any(|p| p["code"] == "上海市" && p["en"] == "Shanghai"));
    assert_eq!(meta["limits"]["max_file_bytes"], 10 * 1024 * 1024);
    assert_eq!(meta["limits"]["max_files"], 10);
    assert_eq!(meta["limits"]["max_total_bytes"], 40 * 1024 * 1024);
    assert_eq!(meta["limits"]["max_image_pixels"], 40_000_000);
}

#[tokio::test]
async fn the_form_tracking_and_moderator_pages_are_served_with_a_strict_policy() {
    let app = spawn_app().await;
    for (path, marker) in [
        ("/", "report.js"),
        ("/track", "track.js"),
        ("/admin", "admin.js"),
    ] {
        let response = app.client.get(app.url(path)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("csp")
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(response.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html"));
        let html = response.text().await.expect("html");
        assert!(html.contains(marker), "{path} loads {marker}");
        // No CDN, no inline script: everything comes from this origin.
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{path} references another origin"
        );
        assert!(!html.contains("<script>"), "{path} has an inline script");
    }
    let script = app
        .client
        .get(app.url("/static/report.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(script.status().as_u16(), 200);
    assert!(script.headers()["content-type"]
        .to_str()
        .expect("type")
        .contains("javascript"));
    for (asset, kind) in [
        ("/static/track.js", "javascript"),
        ("/static/admin.js", "javascript"),
        ("/static/admin.css", "text/css"),
    ] {
        let response = app.client.get(app.url(asset)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{asset}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("type")
                .contains(kind),
            "{asset} is {kind}"
        );
    }
    let missing = app
        .client
        .get(app.url("/static/nope.js"))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 404);
}
