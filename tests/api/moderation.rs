//! Moderators: accounts and sessions, the route table, the lifecycle,
//! replies, notes, assignment, evidence, the queue and the audit trail.

use std::collections::BTreeSet;

use image::ImageFormat;
use qinglang::domain::account::Role;
use reqwest::multipart::Form;
use serde_json::{json, Value};

use crate::helpers::*;

/// Every route with who may call it. Adding a route to the server without
/// adding it here (with its access) fails this test.
const EXPECTED_ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/", "public"),
    ("get", "/track", "public"),
    ("get", "/admin", "public"),
    ("get", "/unsubscribe", "public"),
    ("get", "/static/{path:.*}", "public"),
    ("get", "/healthz", "public"),
    ("get", "/readyz", "public"),
    ("get", "/api/v1/meta", "public"),
    ("post", "/api/v1/reports", "public"),
    ("get", "/api/v1/reports/{reference}", "reporter"),
    ("post", "/api/v1/reports/{reference}/replies", "reporter"),
    ("post", "/api/v1/auth/login", "public"),
    ("post", "/api/v1/auth/logout", "moderator"),
    ("get", "/api/v1/auth/session", "moderator"),
    ("post", "/api/v1/auth/password", "moderator"),
    ("get", "/api/v1/cases", "moderator"),
    ("get", "/api/v1/cases.csv", "moderator"),
    ("get", "/api/v1/cases/{reference}", "moderator"),
    (
        "get",
        "/api/v1/cases/{reference}/evidence/{id}",
        "moderator",
    ),
    ("post", "/api/v1/cases/{reference}/transitions", "moderator"),
    ("post", "/api/v1/cases/{reference}/notes", "moderator"),
    ("post", "/api/v1/cases/{reference}/assignment", "moderator"),
    ("get", "/api/v1/cases/{reference}/audit", "moderator"),
    ("get", "/api/v1/staff", "moderator"),
    ("get", "/api/v1/cases/{reference}/routing", "moderator"),
    ("get", "/api/v1/merchants", "moderator"),
    ("get", "/api/v1/merchants/{id}", "moderator"),
    ("get", "/api/v1/evidence/{id}", "signed"),
    ("get", "/api/v1/blocklist/hotlines", "public"),
    ("get", "/api/v1/hotlines", "moderator"),
    ("get", "/api/v1/admin/brands", "admin"),
    ("post", "/api/v1/admin/brands", "admin"),
    ("patch", "/api/v1/admin/brands/{id}", "admin"),
    ("delete", "/api/v1/admin/brands/{id}", "admin"),
    ("post", "/api/v1/unsubscribe", "signed"),
    ("get", "/respond/{token}", "public"),
    ("get", "/api/v1/admin/calendar/{year}", "admin"),
    ("put", "/api/v1/admin/calendar/{year}", "admin"),
    ("get", "/verify", "public"),
    ("get", "/.well-known/qinglang-signing-keys.json", "public"),
    ("get", "/api/v1/regulator-responses/{token}", "signed"),
    ("post", "/api/v1/regulator-responses/{token}", "signed"),
    (
        "post",
        "/api/v1/cases/{reference}/regulator-responses/{id}/relay",
        "moderator",
    ),
    ("get", "/api/v1/admin/users", "admin"),
    ("post", "/api/v1/admin/users", "admin"),
    ("post", "/api/v1/admin/users/{id}/disable", "admin"),
    ("get", "/api/v1/admin/regulators", "admin"),
    ("post", "/api/v1/admin/regulators", "admin"),
    ("patch", "/api/v1/admin/regulators/{id}", "admin"),
    ("delete", "/api/v1/admin/regulators/{id}", "admin"),
    ("get", "/api/v1/admin/deliveries", "admin"),
    ("post", "/api/v1/admin/deliveries/{id}/retry", "admin"),
];

fn access_name(access: qinglang::http::Access) -> &'static str {
    use qinglang::http::Access;
    match access {
        Access::Public => "public",
        Access::Reporter => "reporter",
        Access::Moderator => "moderator",
        Access::Admin => "admin",
        Access::Signed => "signed",
    }
}

#[tokio::test]
async fn every_route_is_listed_with_its_role_and_enforces_it() {
    let declared: BTreeSet<(String, String, String)> = qinglang::http::ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                access_name(r.access).to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = EXPECTED_ROUTES
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), a.to_string()))
        .collect();
    assert_eq!(
        declared, expected,
        "a route was added, removed or changed its access"
    );

    let app = spawn_app().await;
    let (reference, tracking_code) = app.file_report(&valid_report(), None).await;
    let moderator = app.moderator().await;
    for (method, path, access) in EXPECTED_ROUTES {
        let path = path
            .replace("{reference}", &reference)
            .replace("{id}", "1")
            .replace("{year}", "2027")
            .replace("{token}", "1.2.3");
        let request_to = |path: String, body: Option<&'static str>, token: Option<&str>| {
            let url = app.url(&path);
            let mut builder = match *method {
                "get" => app.client.get(url),
                "patch" => app.client.patch(url),
                "delete" => app.client.delete(url),
                "put" => app.client.put(url),
                _ => app.client.post(url),
            };
            if *method != "get" && *method != "delete" {
                builder = builder
                    .header("content-type", "application/json")
                    .body(body.unwrap_or("{}"));
            }
            if let Some(token) = token {
                builder = builder.bearer_auth(token);
            }
            builder.send()
        };
        let request = |token: Option<&str>| request_to(path.clone(), None, token);
        match *access {
            "moderator" | "admin" => {
                // Who is calling is settled before anything they sent is
                // read: junk in the query or the body changes nothing.
                let junk_query = format!("{path}?zzz=1&limit=oops");
                for (what, path, body) in [
                    ("", path.clone(), None),
                    (" with a junk query", junk_query, None),
                    (" with a malformed body", path.clone(), Some("{not json")),
                ] {
                    let anonymous = request_to(path.clone(), body, None).await.expect("sent");
                    assert_eq!(
                        anonymous.status().as_u16(),
                        401,
                        "{method} {path} without a session{what}"
                    );
                    let with_code = request_to(path.clone(), body, Some(&tracking_code))
                        .await
                        .expect("sent");
                    assert_eq!(
                        with_code.status().as_u16(),
                        401,
                        "{method} {path} with a tracking code{what}"
                    );
                    if *access == "admin" {
                        let as_moderator = request_to(path.clone(), body, Some(&moderator.token))
                            .await
                            .expect("sent");
                        assert_eq!(
                            as_moderator.status().as_u16(),
                            403,
                            "{method} {path} as a moderator{what}"
                        );
                    }
                }
            }
            "reporter" => {
                let anonymous = request(None).await.expect("sent");
                assert_eq!(
                    anonymous.status().as_u16(),
                    404,
                    "{method} {path} without a code"
                );
                let as_staff = request(Some(&moderator.token)).await.expect("sent");
                assert_eq!(
                    as_staff.status().as_u16(),
                    404,
                    "{method} {path}: a session is no tracking code"
                );
            }
            "signed" => {
                // Without a valid signature (a session does not count) nothing opens.
                for token in [None, Some(moderator.token.as_str())] {
                    let response = request(token).await.expect("sent");
                    assert_eq!(
                        response.status().as_u16(),
                        404,
                        "{method} {path} without a signature"
                    );
                }
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_the_token_works_as_bearer() {
    let app = spawn_app().await;
    app.create_user("Mod@Example.com", Role::Moderator).await;
    let response = app.login("mod@example.COM", STAFF_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 200);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(cookie.starts_with("qinglang_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "not Secure unless configured for HTTPS"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user"]["email"], "mod@example.com");
    assert_eq!(body["user"]["role"], "moderator");
    assert!(body["expires_at"].is_string());
    let token = body["token"].as_str().expect("token");
    let me = app
        .client
        .get(app.url("/api/v1/auth/session"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status().as_u16(), 200);
    // Only a hash of the token is stored.
    let db = std::fs::read(app.data_dir.path().join("qinglang.db-wal")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&db).contains(token));
}

#[tokio::test]
async fn the_secure_flag_is_set_when_configured_for_https() {
    let app = spawn_app_with(|c| c.cookie_secure = true).await;
    app.create_user("mod@example.com", Role::Moderator).await;
    let response = app.login("mod@example.com", STAFF_PASSWORD).await;
    assert!(response.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .contains("Secure"));
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    app.create_user("mod@example.com", Role::Moderator).await;
    let (status_a, body_a) = problem(app.login("nobody@example.com", STAFF_PASSWORD).await).await;
    let (status_b, body_b) = problem(app.login("mod@example.com", "wrong password!!").await).await;
    assert_eq!((status_a, status_b), (401, 401));
    assert_eq!(body_a, body_b);
    let (status, body) = problem(app.login("mod@example.com", &"x".repeat(257)).await).await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [("password".to_string(), "length".to_string())]
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_account_with_retry_after() {
    let app = spawn_app().await;
    app.create_user("mod@example.com", Role::Moderator).await;
    for attempt in 1..=10 {
        let response = app.login("mod@example.com", "wrong password!!").await;
        assert_eq!(response.status().as_u16(), 401, "attempt {attempt}");
    }
    // The 11th try is refused even with the right password.
    let response = app.login("mod@example.com", STAFF_PASSWORD).await;
    assert_eq!(response.status().as_u16(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(retry_after > 0 && retry_after <= 15 * 60, "{retry_after}");
    let (_, body) = problem(response).await;
    assert_eq!(body["status"], 429);
}

#[tokio::test]
async fn repeated_failures_are_throttled_per_client_address() {
    let app = spawn_app().await;
    app.create_user("mod@example.com", Role::Moderator).await;
    // Guesses at many accounts from one address: 30 per 15 minutes.
    for n in 0..30 {
        let response = app
            .login(&format!("guess{n}@example.com"), "wrong password!!")
            .await;
        assert_eq!(response.status().as_u16(), 401);
    }
    assert_eq!(
        app.login("mod@example.com", STAFF_PASSWORD)
            .await
            .status()
            .as_u16(),
        429
    );
}

#[tokio::test]
async fn logout_and_disabling_end_sessions() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    assert_eq!(
        app.staff_get(&moderator, "/api/v1/cases")
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        app.staff_post(&moderator, "/api/v1/auth/logout", json!({}))
            .await
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        app.staff_get(&moderator, "/api/v1/cases")
            .await
            .status()
            .as_u16(),
        401
    );

    let admin = app.admin().await;
    let other = app.staff("other@example.com", Role::Moderator).await;
    assert_eq!(
        app.staff_get(&other, "/api/v1/cases")
            .await
            .status()
            .as_u16(),
        200
    );
    let path = format!("/api/v1/admin/users/{}/disable", other.user_id);
    assert_eq!(
        app.staff_post(&admin, &path, json!({}))
            .await
            .status()
            .as_u16(),
        204
    );
    assert_eq!(
        app.staff_get(&other, "/api/v1/cases")
            .await
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        app.login("other@example.com", STAFF_PASSWORD)
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = spawn_app_with(|c| c.session_idle_minutes = 0).await;
    let moderator = app.moderator().await;
    assert_eq!(
        app.staff_get(&moderator, "/api/v1/cases")
            .await
            .status()
            .as_u16(),
        401
    );
}

#[tokio::test]
async fn cookie_requests_that_change_state_must_come_from_our_pages() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    let path = app.url(&format!("/api/v1/cases/{reference}/notes"));
    let host = app.address.trim_start_matches("http://").to_owned();
    let cookie = format!("qinglang_session={}", moderator.token);
    let post = |headers: Vec<(&'static str, String)>| {
        let mut request = app
            .client
            .post(&path)
            .header("cookie", cookie.clone())
            .json(&json!({"body": "note"}));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(post(vec![]).await.expect("sent")),
        403,
        "no CSRF token"
    );
    assert_eq!(
        status(
            post(vec![
                ("x-csrf-token", moderator.csrf.clone()),
                ("origin", "https://evil.example".into())
            ])
            .await
            .expect("sent")
        ),
        403,
        "foreign Origin"
    );
    assert_eq!(
        status(
            post(vec![
                ("x-csrf-token", moderator.csrf.clone()),
                ("sec-fetch-site", "cross-site".into())
            ])
            .await
            .expect("sent")
        ),
        403,
        "cross-site fetch"
    );
    assert_eq!(
        status(
            post(vec![("x-csrf-token", "wrong".into())])
                .await
                .expect("sent")
        ),
        403,
        "wrong token"
    );
    assert_eq!(
        status(
            post(vec![
                ("x-csrf-token", moderator.csrf.clone()),
                ("origin", format!("http://{host}")),
                ("sec-fetch-site", "same-origin".into()),
            ])
            .await
            .expect("sent")
        ),
        201,
        "our own page"
    );
    // GET with the cookie needs no token, and changes nothing.
    let get = app
        .client
        .get(app.url("/api/v1/cases"))
        .header("cookie", cookie.clone())
        .send()
        .await
        .expect("sent");
    assert_eq!(get.status().as_u16(), 200);
}

#[tokio::test]
async fn a_case_moves_through_its_lifecycle_and_the_consumer_follows() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, code) = app.file_report(&valid_report(), None).await;

    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "validated", "reason": "经核实情况属实"})
        )
        .await,
        409,
        "illegal jump"
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "under_review", "from": "submitted"})
        )
        .await,
        200
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "under_review", "from": "submitted"})
        )
        .await,
        409,
        "stale from"
    );
    let (status, body) = problem(
        app.staff_post(
            &moderator,
            &format!("/api/v1/cases/{reference}/transitions"),
            json!({"to": "needs_info"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [("public_note".to_string(), "required".to_string())]
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "needs_info", "public_note": "请提供订单截图"})
        )
        .await,
        200
    );

    // The consumer sees the question, answers with a file, and the case returns to review.
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "needs_info");
    assert_eq!(view["timeline"][2]["note"], "请提供订单截图");
    let wrong = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth("AAAAAAAAA-AAAAAAAAA-AAAAAAAAA")
        .multipart(Form::new().text("message", "订单截图见附件"))
        .send()
        .await
        .expect("sent");
    assert_eq!(wrong.status().as_u16(), 404);
    let reply = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(&code)
        .multipart(Form::new().text("message", "订单截图见附件").part(
            "evidence",
            file_part(small_image(ImageFormat::Png), "order.png", "image/png"),
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(reply.status().as_u16(), 201);
    let again = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(&code)
        .multipart(Form::new().text("message", "再补充一点"))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        again.status().as_u16(),
        409,
        "no reply unless more information is asked for"
    );

    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["status"], "under_review");
    assert_eq!(case["replies"][0]["message"], "订单截图见附件");
    assert_eq!(case["evidence"][0]["display_name"], "order.png");
    assert!(case["evidence"][0]["reply_id"].is_number());

    let (status, body) = problem(
        app.staff_post(
            &moderator,
            &format!("/api/v1/cases/{reference}/transitions"),
            json!({"to": "rejected"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [("reason".to_string(), "required".to_string())]
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
    assert_eq!(
        app.move_case(&moderator, &reference, json!({"to": "forwarded"}))
            .await,
        409,
        "only the system forwards"
    );
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    let statuses: Vec<&str> = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["kind"] == "status")
        .map(|e| e["status"].as_str().unwrap_or_default())
        .collect();
    // The outbox worker forwards a validated case on its own, possibly before
    // this read; whatever it did, the consumer saw every step up to validated.
    assert_eq!(
        statuses[..5],
        [
            "submitted",
            "under_review",
            "needs_info",
            "under_review",
            "validated"
        ]
    );
    assert!(
        statuses[5..] == [] as [&str; 0] || statuses[5..] == ["forwarded"],
        "after validated only the system's forwarding may follow: {statuses:?}"
    );
}

#[tokio::test]
async fn rejection_duplicates_and_reopening() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let admin = app.admin().await;
    let (original, _) = app.file_report(&valid_report(), None).await;
    let (copy, code) = app.file_report(&valid_report(), None).await;

    let transitions = format!("/api/v1/cases/{copy}/transitions");
    let transition = |body: Value| app.staff_post(&moderator, &transitions, body);
    for (body, field, code) in [
        (json!({"to": "duplicate"}), "duplicate_of", "required"),
        (
            json!({"to": "duplicate", "duplicate_of": copy}),
            "duplicate_of",
            "self",
        ),
        (
            json!({"to": "duplicate", "duplicate_of": "QL-2222-2222"}),
            "duplicate_of",
            "not_found",
        ),
        (
            json!({"to": "duplicate", "duplicate_of": "garbage"}),
            "duplicate_of",
            "not_found",
        ),
    ] {
        let (status, problem_body) = problem(transition(body).await).await;
        assert_eq!(status, 422);
        assert_eq!(
            error_fields(&problem_body),
            [(field.to_string(), code.to_string())]
        );
    }
    assert_eq!(
        app.move_case(
            &moderator,
            &copy,
            json!({"to": "duplicate", "duplicate_of": original})
        )
        .await,
        200
    );
    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{copy}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["duplicate_of"], original.as_str());

    assert_eq!(
        app.move_case(&moderator, &copy, json!({"to": "under_review"}))
            .await,
        403,
        "moderators do not reopen"
    );
    assert_eq!(
        app.move_case(&admin, &copy, json!({"to": "under_review"}))
            .await,
        200,
        "admins do"
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &copy,
            json!({"to": "rejected", "reason": "与举报内容无关"})
        )
        .await,
        200
    );
    let view: Value = app
        .get_report(&copy, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["status"], "rejected");
    assert_eq!(
        view["timeline"]
            .as_array()
            .expect("timeline")
            .last()
            .expect("entry")["note"],
        "与举报内容无关"
    );
}

#[tokio::test]
async fn of_two_moderators_acting_at_once_exactly_one_wins() {
    let app = spawn_app().await;
    let first = app.moderator().await;
    let second = app.staff("second@example.com", Role::Moderator).await;
    for _ in 0..5 {
        let (reference, _) = app.file_report(&valid_report(), None).await;
        assert_eq!(
            app.move_case(&first, &reference, json!({"to": "under_review"}))
                .await,
            200
        );
        let (a, b) = tokio::join!(
            app.move_case(
                &first,
                &reference,
                json!({"to": "validated", "from": "under_review", "reason": "经核实情况属实"})
            ),
            app.move_case(
                &second,
                &reference,
                json!({"to": "rejected", "from": "under_review", "reason": "不成立"})
            ),
        );
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409]);
    }
}

#[tokio::test]
async fn notes_are_internal_and_bounded() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, code) = app.file_report(&valid_report(), None).await;
    let path = format!("/api/v1/cases/{reference}/notes");
    let (status, body) = problem(
        app.staff_post(&moderator, &path, json!({"body": "长".repeat(10_001)}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [("body".to_string(), "length".to_string())]
    );
    let (status, _) = problem(
        app.staff_post(&moderator, &path, json!({"body": "   "}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.staff_post(&moderator, &path, json!({"body": "商家疑似同一刷单团伙"}))
            .await
            .status()
            .as_u16(),
        201
    );
    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["notes"][0]["body"], "商家疑似同一刷单团伙");
    assert_eq!(case["notes"][0]["author"]["email"], "mod@example.com");
    let consumer_view = app
        .get_report(&reference, &code)
        .await
        .text()
        .await
        .expect("text");
    assert!(
        !consumer_view.contains("刷单团伙"),
        "notes never reach the consumer"
    );
}

#[tokio::test]
async fn assignment_names_an_active_account() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    let path = format!("/api/v1/cases/{reference}/assignment");
    let (status, body) = problem(
        app.staff_post(&moderator, &path, json!({"user_id": 999_999}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [("user_id".to_string(), "not_found".to_string())]
    );
    assert_eq!(
        app.staff_post(&moderator, &path, json!({"user_id": moderator.user_id}))
            .await
            .status()
            .as_u16(),
        200
    );
    let mine: Value = app
        .staff_get(&moderator, "/api/v1/cases?assigned=me")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"][0]["reference"], reference.as_str());
    let unassigned: Value = app
        .staff_get(&moderator, "/api/v1/cases?assigned=none")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unassigned["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        app.staff_post(&moderator, &path, json!({"user_id": null}))
            .await
            .status()
            .as_u16(),
        200
    );
    let unassigned: Value = app
        .staff_get(&moderator, "/api/v1/cases?assigned=none")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unassigned["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn evidence_downloads_are_attachments_that_never_run() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let png = small_image(ImageFormat::Png);
    let form =
        form_with(&valid_report()).part("evidence", file_part(png, "截图 \"1\".png", "image/png"));
    let created: Value = app.post_report(form).await.json().await.expect("json");
    let reference = created["reference"].as_str().expect("reference");
    let (other, _) = app
        .file_report(&valid_report(), Some(small_image(ImageFormat::Png)))
        .await;
    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    let evidence = &case["evidence"][0];
    let id = evidence["id"].as_i64().expect("id");

    let response = app
        .staff_get(
            &moderator,
            &format!("/api/v1/cases/{reference}/evidence/{id}"),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("csp")
        .contains("sandbox"));
    let disposition = headers["content-disposition"]
        .to_str()
        .expect("disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E6%88%AA%E5%9B%BE%20%221%22.png"),
        "{disposition}"
    );
    let bytes = response.bytes().await.expect("bytes");
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        evidence["sha256"].as_str().expect("sha")
    );

    let inline = app
        .staff_get(
            &moderator,
            &format!("/api/v1/cases/{reference}/evidence/{id}?inline=1"),
        )
        .await;
    assert!(inline.headers()["content-disposition"]
        .to_str()
        .expect("d")
        .starts_with("inline;"));
    assert_eq!(inline.headers()["x-content-type-options"], "nosniff");
    // The same id under another case does not exist.
    let crossed = app
        .staff_get(&moderator, &format!("/api/v1/cases/{other}/evidence/{id}"))
        .await;
    assert_eq!(crossed.status().as_u16(), 404);
}

#[tokio::test]
async fn related_cases_are_found_by_merchant_order_tracking_number_and_screenshot() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let screenshot = screenshot_png(100, 200, 7);
    let mut base = valid_report();
    base["order_id"] = json!("ORDER-1");
    let (reference, _) = app.file_report(&base, Some(screenshot.clone())).await;

    let mut same_merchant = valid_report();
    same_merchant["logistics"] = Value::Null;
    let (by_merchant, _) = app.file_report(&same_merchant, None).await;
    let mut same_order = valid_report();
    same_order["merchant_name"] = json!("另一家店");
    same_order["order_id"] = json!("ORDER-1");
    same_order["logistics"] = Value::Null;
    let (by_order, _) = app.file_report(&same_order, None).await;
    let mut same_shot = valid_report();
    same_shot["merchant_name"] = json!("第三家店");
    same_shot["logistics"] = Value::Null;
    let (by_shot, _) = app.file_report(&same_shot, Some(screenshot)).await;
    let mut unrelated = valid_report();
    unrelated["merchant_name"] = json!("无关商家");
    unrelated["logistics"] = Value::Null;
    let (unrelated, _) = app.file_report(&unrelated, None).await;

    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    let related: Vec<(String, Vec<String>)> = case["related"]
        .as_array()
        .expect("related")
        .iter()
        .map(|r| {
            (
                r["reference"].as_str().unwrap_or_default().to_owned(),
                r["reasons"]
                    .as_array()
                    .expect("reasons")
                    .iter()
                    .map(|x| x.as_str().unwrap_or_default().to_owned())
                    .collect(),
            )
        })
        .collect();
    let reasons_of = |reference: &str| {
        related
            .iter()
            .find(|(r, _)| r == reference)
            .map(|(_, reasons)| reasons.clone())
    };
    assert!(reasons_of(&by_merchant)
        .expect("merchant")
        .contains(&"merchant".to_string()));
    assert!(reasons_of(&by_order)
        .expect("order")
        .contains(&"order_id".to_string()));
    assert!(reasons_of(&by_shot)
        .expect("shot")
        .contains(&"evidence_sha256".to_string()));
    assert!(reasons_of(&unrelated).is_none());

    // The tracking number is shared by the base case and the first two that kept logistics.
    let mut same_tracking = valid_report();
    same_tracking["merchant_name"] = json!("第四家店");
    let (by_tracking, _) = app.file_report(&same_tracking, None).await;
    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    let found = case["related"]
        .as_array()
        .expect("related")
        .iter()
        .find(|r| r["reference"] == by_tracking.as_str())
        .expect("tracking");
    assert!(found["reasons"]
        .as_array()
        .expect("reasons")
        .contains(&json!("tracking_number")));
}

#[tokio::test]
async fn the_queue_filters_pages_and_counts() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let mut references = Vec::new();
    for n in 0..7 {
        let mut report = valid_report();
        report["platform"] = json!(if n % 2 == 0 { "jd" } else { "taobao" });
        report["merchant_name"] = json!(format!("星光数码专营店{n}"));
        report["description"] = json!(if n == 3 {
            "这家店组织刷单炒信，评价全是模板"
        } else {
            "快递显示已签收但从未收到包裹"
        });
        references.push(app.file_report(&report, None).await.0);
    }
    assert_eq!(
        app.move_case(&moderator, &references[0], json!({"to": "under_review"}))
            .await,
        200
    );

    let page = |query: &str| {
        let path = format!("/api/v1/cases?{query}");
        let app = &app;
        let moderator = &moderator;
        async move {
            app.staff_get(moderator, &path)
                .await
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let refs = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["reference"].as_str().unwrap_or_default().to_owned())
            .collect()
    };

    // Keyset pagination: three pages of 3, 3 and 1, newest first, no repeats.
    let first = page("limit=3").await;
    assert_eq!(first["counts"]["submitted"], 6);
    assert_eq!(first["counts"]["under_review"], 1);
    let mut seen = refs(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let next = page(&format!("limit=3&cursor={c}")).await;
        seen.extend(refs(&next));
        cursor = next["next_cursor"].as_str().map(str::to_owned);
    }
    let mut expected = references.clone();
    expected.reverse();
    assert_eq!(seen, expected);
    let oldest = page("sort=oldest&limit=2").await;
    assert_eq!(refs(&oldest), references[..2].to_vec());

    assert_eq!(
        refs(&page("status=under_review").await),
        [references[0].clone()]
    );
    assert_eq!(refs(&page("platform=taobao").await).len(), 3);
    assert_eq!(refs(&page("q=刷单炒信").await), [references[3].clone()]);
    assert_eq!(refs(&page("q=模板%20刷单").await), [references[3].clone()]);
    assert_eq!(
        refs(&page("merchant=专营店3").await),
        [references[3].clone()]
    );
    assert_eq!(refs(&page("merchant=星光数码").await).len(), 7);
    assert_eq!(
        refs(&page("province=浙江省&category=fake_review").await).len(),
        7
    );
    assert_eq!(
        refs(&page("created_from=2000-01-01&created_to=2001-01-01").await).len(),
        0
    );
    // An injection attempt in q is just words.
    let injected = page("q=%27%3B%20DROP%20TABLE%20reports%3B%20--%20%22%20OR%201%3D1").await;
    assert_eq!(refs(&injected).len(), 0);
    assert_eq!(refs(&page("").await).len(), 7, "the table is still there");

    for (query, field) in [
        ("cursor=bogus", "cursor"),
        ("limit=0", "limit"),
        ("limit=10000", "limit"),
        ("status=open", "status"),
        ("sort=random", "sort"),
        ("created_from=yesterday", "created_from"),
    ] {
        let (status, body) = problem(
            app.staff_get(&moderator, &format!("/api/v1/cases?{query}"))
                .await,
        )
        .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(error_fields(&body)[0].0, field, "{query}");
    }
}

#[tokio::test]
async fn every_action_is_audited_and_the_trail_cannot_be_rewritten() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let (reference, _) = app
        .file_report(&valid_report(), Some(small_image(ImageFormat::Png)))
        .await;
    let case: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
        .await
        .json()
        .await
        .expect("json");
    let id = case["evidence"][0]["id"].as_i64().expect("id");
    app.staff_get(
        &moderator,
        &format!("/api/v1/cases/{reference}/evidence/{id}"),
    )
    .await;
    app.move_case(&moderator, &reference, json!({"to": "under_review"}))
        .await;
    app.staff_post(
        &moderator,
        &format!("/api/v1/cases/{reference}/notes"),
        json!({"body": "看过了"}),
    )
    .await;
    app.staff_post(
        &moderator,
        &format!("/api/v1/cases/{reference}/assignment"),
        json!({"user_id": moderator.user_id}),
    )
    .await;

    let trail: Value = app
        .staff_get(&moderator, &format!("/api/v1/cases/{reference}/audit"))
        .await
        .json()
        .await
        .expect("json");
    let actions: Vec<&str> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        [
            "case.view_contact",
            "evidence.download",
            "case.transition",
            "case.note",
            "case.assign"
        ]
    );
    let transition = &trail["items"][2];
    assert_eq!(transition["actor"]["label"], "mod@example.com");
    assert_eq!(transition["before"]["status"], "submitted");
    assert_eq!(transition["after"]["status"], "under_review");
    assert_eq!(transition["client_ip"], "127.0.0.1");

    let tampered = qinglang::db::run(&app.state().pool, |conn| {
        use diesel::connection::SimpleConnection;
        let update = conn
            .batch_execute("UPDATE audit_log SET action = 'nothing'")
            .is_err();
        let delete = conn.batch_execute("DELETE FROM audit_log").is_err();
        Ok((update, delete))
    })
    .await
    .expect("ran");
    assert_eq!(
        tampered,
        (true, true),
        "the database refuses to rewrite the audit trail"
    );
}

#[tokio::test]
async fn the_first_start_creates_an_admin_with_a_private_password_file() {
    let app = spawn_app().await;
    let path = app.data_dir.path().join("initial-admin-password");
    let contents = std::fs::read_to_string(&path).expect("password file");
    let mut lines = contents.lines();
    let (email, password) = (
        lines.next().expect("email"),
        lines.next().expect("password"),
    );
    assert_eq!(email, "admin@qinglang.local");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
    let response = app.login(email, password).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["user"]["role"], "admin");
}

#[tokio::test]
async fn admins_manage_accounts_through_the_api() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let created = app
        .staff_post(
            &admin,
            "/api/v1/admin/users",
            json!({"email": "new@example.com", "role": "moderator", "password": STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(created.status().as_u16(), 201);
    let (status, body) = problem(
        app.staff_post(
            &admin,
            "/api/v1/admin/users",
            json!({"email": "bad", "role": "moderator", "password": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        [
            ("email".to_string(), "email".to_string()),
            ("password".to_string(), "length".to_string())
        ]
    );
    let (status, _) = problem(
        app.staff_post(
            &admin,
            "/api/v1/admin/users",
            json!({"email": "NEW@example.com", "role": "moderator", "password": STAFF_PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.login("new@example.com", STAFF_PASSWORD)
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn the_cli_manages_accounts_with_the_password_on_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let app = spawn_app().await;
    let run = |args: &[&str], stdin: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_qinglang"));
        command
            .args(args)
            .env("QINGLANG_DATA_DIR", app.data_dir.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(url) = app.database_url() {
            command.env("DATABASE_URL", url);
        } else {
            command.env_remove("DATABASE_URL");
        }
        let mut child = command.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("output")
    };
    let added = run(
        &[
            "user",
            "add",
            "--email",
            "cli@example.com",
            "--role",
            "moderator",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert_eq!(
        app.login("cli@example.com", "a long enough password")
            .await
            .status()
            .as_u16(),
        200
    );
    let short = run(
        &[
            "user",
            "add",
            "--email",
            "x@example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let listed = run(&["user", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("cli@example.com\tmoderator\tactive"));
    let disabled = run(&["user", "disable", "--email", "CLI@example.com"], "");
    assert!(disabled.status.success());
    assert_eq!(
        app.login("cli@example.com", "a long enough password")
            .await
            .status()
            .as_u16(),
        401
    );
}

/// A stored value that no longer decodes (here a status nobody knows) is an
/// error, never quietly a default: the API answers 500 with the request id
/// its log line carries, and nothing is shown as if it were `submitted`.
#[tokio::test]
async fn a_row_that_does_not_decode_is_a_500_with_a_request_id_never_a_default() {
    let app = spawn_app().await;
    let (reference, tracking_code) = app.file_report(&valid_report(), None).await;
    let moderator = app.moderator().await;
    let stored = reference.clone();
    qinglang::db::run(&app.state().pool, move |conn| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE reports SET status = 'archived' WHERE reference = $1")
            .bind::<diesel::sql_types::Text, _>(stored)
            .execute(conn)
            .map_err(qinglang::error::AppError::from)?;
        Ok(())
    })
    .await
    .expect("corrupted");
    for response in [
        app.staff_get(&moderator, &format!("/api/v1/cases/{reference}"))
            .await,
        app.staff_get(&moderator, "/api/v1/cases").await,
        app.get_report(&reference, &tracking_code).await,
    ] {
        let header = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("every response names its request")
            .to_owned();
        let (status, body) = problem(response).await;
        assert_eq!(status, 500, "{body}");
        assert_eq!(body["request_id"], header.as_str(), "{body}");
        assert!(
            !body.to_string().contains("archived"),
            "the cause is logged, not shown: {body}"
        );
    }
    // Answers other than server errors carry no id in their body.
    let (status, body) = problem(
        app.staff_get(&moderator, "/api/v1/cases/QL-0000-0000")
            .await,
    )
    .await;
    assert_eq!(status, 404);
    assert!(body.get("request_id").is_none(), "{body}");
}
