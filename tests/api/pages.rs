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
        ("/admin", "/static/admin/main.js"),
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
        ("/static/admin/main.js", "javascript"),
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

/// The `from './x.js'` specifiers of a module's static imports.
fn imports_of(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| {
            l.starts_with("import ") || l.starts_with("} from ") || l.starts_with("export {")
        })
        .filter_map(|l| {
            let start = l.find(" from '")? + " from '".len();
            let end = l[start..].find('\'')? + start;
            Some(l[start..end].to_owned())
        })
        .collect()
}

/// Resolves `./x.js` / `../x.js` against the module at `base` (an absolute path).
fn resolve(base: &str, specifier: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for part in specifier.split('/') {
        match part {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[tokio::test]
async fn every_module_the_pages_import_is_served_as_javascript() {
    let app = spawn_app().await;
    let mut queue: Vec<String> = [
        "/static/report.js",
        "/static/track.js",
        "/static/unsubscribe.js",
        "/static/admin/main.js",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let response = app.client.get(app.url(&path)).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let kind = response.headers()["content-type"]
            .to_str()
            .expect("type")
            .to_owned();
        // A module with another type is refused by the browser (strict MIME checking).
        assert!(kind.contains("javascript"), "{path} is served as {kind}");
        let source = response.text().await.expect("text");
        for specifier in imports_of(&source) {
            assert!(
                specifier.starts_with("./") || specifier.starts_with("../"),
                "{path} imports {specifier}: only relative paths, nothing from another origin"
            );
            queue.push(resolve(&path, &specifier));
        }
    }
    for module in [
        "/static/i18n.js",
        "/static/common.js",
        "/static/admin/api.js",
        "/static/admin/queue.js",
        "/static/admin/case.js",
        "/static/admin/merchants.js",
        "/static/admin/regulators.js",
        "/static/admin/deliveries.js",
        "/static/admin/users.js",
    ] {
        assert!(seen.contains(module), "{module} is imported: {seen:?}");
    }
}
