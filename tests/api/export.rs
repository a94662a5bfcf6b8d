//! The moderators' CSV export of the queue: the queue's filters and order,
//! every page of it streamed, and cells a spreadsheet would run as formulas
//! made inert.

use serde_json::Value;

use crate::helpers::*;

/// Every case of the queue for `query`, in order, through the JSON API.
async fn queue_references(app: &TestApp, session: &Session, query: &str) -> Vec<String> {
    let mut references = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/cases?limit=100&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Value = app
            .staff_get(session, &path)
            .await
            .json()
            .await
            .expect("json");
        references.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| i["reference"].as_str().expect("reference").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return references,
        }
    }
}

#[tokio::test]
async fn the_queue_exports_as_csv_with_its_filters_every_page_and_no_live_formulas() {
    let app = spawn_app().await;
    let pool = app.state().pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        qinglang::dev::seed(&mut conn, 800, &[], |_| {}).expect("seed");
    })
    .await
    .expect("seeded");
    let mut report = valid_report();
    report["merchant_name"] = "=HYPERLINK(\"http://evil.example\",\"点击查看\")".into();
    let (risky, _) = app.file_report(&report, None).await;
    let moderator = app.moderator().await;

    let response = app
        .staff_get(
            &moderator,
            "/api/v1/cases.csv?category=fake_review&sort=priority",
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("disposition")
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"qinglang-cases-"),
        "{disposition}"
    );
    let body = response.bytes().await.expect("body");
    assert!(
        body.starts_with("\u{feff}".as_bytes()),
        "a BOM for spreadsheet apps"
    );
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[0], "reference");
    let merchant_column = header
        .iter()
        .position(|h| h == "merchant_name")
        .expect("column");
    let category_column = header.iter().position(|h| h == "category").expect("column");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();

    let expected = queue_references(&app, &moderator, "category=fake_review&sort=priority").await;
    assert!(
        expected.len() > 100,
        "more than one page: {}",
        expected.len()
    );
    let exported: Vec<String> = rows.iter().map(|r| r[0].to_owned()).collect();
    assert_eq!(
        exported, expected,
        "the queue's cases, in its order, every page"
    );
    assert!(rows.iter().all(|r| &r[category_column] == "fake_review"));

    let risky_row = rows.iter().find(|r| r[0] == risky).expect("the filed case");
    assert_eq!(
        &risky_row[merchant_column], "'=HYPERLINK(\"http://evil.example\",\"点击查看\")",
        "shown as text, not run"
    );
    assert!(rows
        .iter()
        .all(|r| r.iter().all(|cell| !cell.starts_with(['=', '+', '-', '@']))));

    // The same filters refuse the same bad input, before any byte of CSV.
    let refused = app
        .staff_get(
            &moderator,
            "/api/v1/cases.csv?category=nonsense&status=nope",
        )
        .await;
    let (status, problem_body) = problem(refused).await;
    assert_eq!(status, 422);
    let fields: Vec<String> = error_fields(&problem_body)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert!(
        fields.contains(&"category".to_owned()) && fields.contains(&"status".to_owned()),
        "{problem_body}"
    );
    // Staff only.
    let anonymous = app
        .client
        .get(app.url("/api/v1/cases.csv"))
        .send()
        .await
        .expect("sent");
    assert_eq!(anonymous.status().as_u16(), 401);
}
