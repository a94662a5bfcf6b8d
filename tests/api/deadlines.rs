//! Deadlines in working days: started and ended by the case's moves, shown on
//! the case, the reporter's view and the queue (`overdue`, `sort=due`), kept
//! by an admin's calendar, and the reminders they cause — each once per
//! period however many instances scan.
//!
//! Time passing is simulated by moving a deadline's stored times back.

use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use qinglang::db::schema::{deadlines, reports};
use qinglang::domain::calendar::{self, DeadlineKind, DeadlinePolicy};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::mail::{
    case, eventually, header_text, mail_app, validate, wait_for_status, zhejiang, REGULATOR,
    REPORTER, WAIT,
};
use crate::smtp::SmtpServer;

/// Moves the deadline of `reference` as if time had passed: it started at
/// `started` and is due at `due` (UTC).
pub(crate) async fn backdate(
    app: &TestApp,
    reference: &str,
    started: NaiveDateTime,
    due: NaiveDateTime,
) {
    let pool = app.state().pool.clone();
    let reference = reference.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("connection");
        let id: i64 = reports::table
            .filter(reports::reference.eq(&reference))
            .select(reports::id)
            .first(&mut conn)
            .expect("the case");
        let moved = diesel::update(deadlines::table.find(id))
            .set((deadlines::started_at.eq(started), deadlines::due_at.eq(due)))
            .execute(&mut conn)
            .expect("update");
        assert_eq!(moved, 1, "{reference} has a deadline");
    })
    .await
    .expect("joined");
}

pub(crate) fn days_ago(days: i64) -> NaiveDateTime {
    Utc::now().naive_utc() - chrono::Duration::days(days)
}

fn last_day(deadline: &Value) -> NaiveDate {
    deadline["last_day"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("a last day in {deadline}"))
}

/// The last day a deadline of `kind` started now would have (the shipped calendar).
fn expected_last_day(kind: DeadlineKind, started: NaiveDateTime) -> NaiveDate {
    let due = DeadlinePolicy::default().due_at(&calendar::shipped(), kind, started);
    calendar::beijing_date(due - chrono::Duration::seconds(1))
}

async fn queue(app: &TestApp, session: &Session, query: &str) -> Value {
    let response = app
        .staff_get(session, &format!("/api/v1/cases?{query}"))
        .await;
    assert_eq!(response.status().as_u16(), 200, "{query}");
    response.json().await.expect("json")
}

fn references(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["reference"].as_str().expect("reference").to_owned())
        .collect()
}

#[tokio::test]
async fn each_move_starts_or_ends_its_deadline_and_every_view_shows_it() {
    let smtp = SmtpServer::start().await;
    let app = mail_app(Some(smtp.url()), |_| {}).await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let filed_at = Utc::now().naive_utc();
    let (reference, code) = app.file_report(&valid_report(), None).await;

    let detail = case(&app, &moderator, &reference).await;
    let deadline = &detail["deadline"];
    assert_eq!(deadline["kind"], "moderation");
    assert_eq!(deadline["overdue"], false);
    assert_eq!(
        last_day(deadline),
        expected_last_day(DeadlineKind::Moderation, filed_at),
        "seven working days after filing, by the official calendar"
    );
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(view["deadline"], *deadline, "the reporter sees the same");
    let page = queue(&app, &moderator, "").await;
    assert_eq!(page["items"][0]["deadline"], *deadline);

    // Picked up: still due from filing. Asked: the reporter's 15 days.
    assert_eq!(
        app.move_case(&moderator, &reference, json!({"to": "under_review"}))
            .await,
        200
    );
    assert_eq!(
        last_day(&case(&app, &moderator, &reference).await["deadline"]),
        last_day(deadline)
    );
    let asked_at = Utc::now().naive_utc();
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "needs_info", "public_note": "请补充订单截图"})
        )
        .await,
        200
    );
    let asked = case(&app, &moderator, &reference).await["deadline"].clone();
    assert_eq!(asked["kind"], "consumer_answer");
    assert_eq!(
        last_day(&asked),
        expected_last_day(DeadlineKind::ConsumerAnswer, asked_at)
    );
    // Answered: a fresh decision period. Validated and forwarded: the regulator's.
    let reply = reqwest::multipart::Form::new().text("message", "截图已补充");
    let replied = app
        .client
        .post(app.url(&format!("/api/v1/reports/{reference}/replies")))
        .bearer_auth(&code)
        .multipart(reply)
        .send()
        .await
        .expect("sent");
    assert_eq!(replied.status().as_u16(), 201);
    assert_eq!(
        case(&app, &moderator, &reference).await["deadline"]["kind"],
        "moderation"
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &reference,
            json!({"to": "validated", "reason": "经核实情况属实。"})
        )
        .await,
        200
    );
    let forwarded_at = Utc::now().naive_utc();
    let forwarded = wait_for_status(&app, &moderator, &reference, "forwarded").await;
    assert_eq!(forwarded["deadline"]["kind"], "regulator_acknowledgement");
    assert_eq!(
        last_day(&forwarded["deadline"]),
        expected_last_day(DeadlineKind::RegulatorAcknowledgement, forwarded_at)
    );
    // Accepted: the acknowledgement is in, no deadline runs.
    let mail = smtp.wait_for(REGULATOR, 1, WAIT).await.remove(0);
    let token = crate::responses::response_token(&mail.parsed().body_text(0).expect("text"));
    let accepted = app
        .client
        .post(app.url(&format!("/api/v1/regulator-responses/{token}")))
        .json(&json!({"kind": "accepted"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(accepted.status().as_u16(), 201);
    assert!(case(&app, &moderator, &reference).await["deadline"].is_null());
    let view: Value = app
        .get_report(&reference, &code)
        .await
        .json()
        .await
        .expect("json");
    assert!(view["deadline"].is_null());
}

#[tokio::test]
async fn the_queue_lists_overdue_cases_by_due_date() {
    let app = spawn_app().await;
    let moderator = app.moderator().await;
    let mut filed = Vec::new();
    for _ in 0..4 {
        filed.push(app.file_report(&valid_report(), None).await.0);
    }
    // Two overdue (the older more so), one due later, one due far later.
    backdate(&app, &filed[0], days_ago(20), days_ago(3)).await;
    backdate(&app, &filed[1], days_ago(20), days_ago(9)).await;
    backdate(&app, &filed[3], days_ago(1), days_ago(-30)).await;

    let overdue = queue(&app, &moderator, "overdue=true").await;
    let mut listed = references(&overdue);
    listed.sort();
    let mut expected = vec![filed[0].clone(), filed[1].clone()];
    expected.sort();
    assert_eq!(listed, expected);
    for item in overdue["items"].as_array().expect("items") {
        assert_eq!(item["deadline"]["overdue"], true);
    }
    let by_due = queue(&app, &moderator, "sort=due").await;
    assert_eq!(
        references(&by_due),
        vec![
            filed[1].clone(),
            filed[0].clone(),
            filed[2].clone(),
            filed[3].clone()
        ],
        "most overdue first"
    );
    // Paged one by one, the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let query = match &cursor {
            Some(c) => format!("sort=due&limit=1&cursor={c}"),
            None => "sort=due&limit=1".to_owned(),
        };
        let page = queue(&app, &moderator, &query).await;
        paged.extend(references(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, references(&by_due));
    let both = queue(&app, &moderator, "overdue=true&sort=due").await;
    assert_eq!(references(&both), vec![filed[1].clone(), filed[0].clone()]);

    let (status, body) = problem(
        app.staff_get(&moderator, "/api/v1/cases?overdue=yes&sort=soon")
            .await,
    )
    .await;
    assert_eq!(status, 422);
    let mut fields = error_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("overdue".to_owned(), "invalid_choice".to_owned()),
            ("sort".to_owned(), "invalid_choice".to_owned())
        ]
    );
}

#[tokio::test]
async fn admins_keep_the_calendar_and_running_deadlines_follow_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let moderator = app.moderator().await;
    let shipped: Value = app
        .staff_get(&admin, "/api/v1/admin/calendar/2026")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(shipped["source"], "shipped");
    assert_eq!(shipped["holidays"].as_array().map(Vec::len), Some(33));
    assert!(shipped["workdays"]
        .as_array()
        .expect("workdays")
        .contains(&json!("2026-10-10")));
    let unknown: Value = app
        .staff_get(&admin, "/api/v1/admin/calendar/2031")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unknown["source"], "weekends_only");

    // Malformed and contradictory entries are refused, field by field; nothing is kept.
    let (status, body) = problem(
        app.staff_put(
            &admin,
            "/api/v1/admin/calendar/2031",
            json!({
                "holidays": ["2031-01-01", "2031-02-30", "2030-12-31", "2031-01-01"],
                "workdays": ["2031-01-01", "2031-01-06"],
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        vec![
            ("holidays[1]".to_owned(), "format".to_owned()),
            ("holidays[2]".to_owned(), "other_year".to_owned()),
            ("holidays[3]".to_owned(), "duplicate".to_owned()),
            ("workdays[0]".to_owned(), "overlap".to_owned()),
            ("workdays[1]".to_owned(), "not_weekend".to_owned()),
        ]
    );
    let still: Value = app
        .staff_get(&admin, "/api/v1/admin/calendar/2031")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(still["source"], "weekends_only");
    let (status, _) = problem(
        app.staff_put(
            &moderator,
            "/api/v1/admin/calendar/2031",
            json!({"holidays": [], "workdays": []}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = problem(app.staff_get(&admin, "/api/v1/admin/calendar/99999").await).await;
    assert_eq!(status, 422);

    // The last day of a running deadline becomes a holiday: the case is due a working day later.
    let (reference, _) = app.file_report(&valid_report(), None).await;
    let before = last_day(&case(&app, &moderator, &reference).await["deadline"]);
    let year = chrono::Datelike::year(&before);
    let current: Value = app
        .staff_get(&admin, &format!("/api/v1/admin/calendar/{year}"))
        .await
        .json()
        .await
        .expect("json");
    let mut holidays = current["holidays"].as_array().expect("list").clone();
    holidays.push(json!(before.to_string()));
    let saved = app
        .staff_put(
            &admin,
            &format!("/api/v1/admin/calendar/{year}"),
            json!({"holidays": holidays, "workdays": current["workdays"]}),
        )
        .await;
    assert_eq!(saved.status().as_u16(), 200);
    let saved: Value = saved.json().await.expect("json");
    assert_eq!(saved["source"], "entered");
    assert!(saved["deadlines_moved"].as_u64().is_some_and(|n| n >= 1));
    let after = last_day(&case(&app, &moderator, &reference).await["deadline"]);
    let mut cal = calendar::shipped();
    let mut schedule = cal.year(year).cloned().unwrap_or_default();
    schedule.holidays.insert(before);
    cal.set_year(year, schedule);
    assert_eq!(after, cal.add_working_days(before, 1));
    assert!(after > before);
}

#[tokio::test]
async fn reminders_go_out_once_per_period_however_many_workers_scan() {
    let smtp = SmtpServer::start().await;
    let mut app = mail_app(Some(smtp.url()), |config| config.reminder_scan_secs = 1).await;
    let url = smtp.url();
    app.spawn_another_instance(move |config| {
        config.smtp_url = Some(url);
        config.mail_poll_ms = 100;
        config.reminder_scan_secs = 1;
    })
    .await;
    let admin = app.admin().await;
    zhejiang(&app, &admin).await;
    let moderator = app.moderator().await;
    let (reference, _) = app.file_report(&valid_report(), None).await;
    assert_eq!(validate(&app, &moderator, &reference, json!({})).await, 200);
    wait_for_status(&app, &moderator, &reference, "forwarded").await;
    let original = smtp.wait_for(REGULATOR, 1, WAIT).await.remove(0);

    // Ten days on, the bureau has not acknowledged: one reminder, threaded.
    backdate(&app, &reference, days_ago(14), days_ago(1)).await;
    let reminder = smtp.wait_for(REGULATOR, 2, WAIT).await.remove(1);
    let parsed = reminder.parsed();
    assert!(parsed
        .subject()
        .is_some_and(|s| s.starts_with("[提醒：请答复是否受理] ")));
    assert_eq!(
        parsed.in_reply_to().as_text(),
        original.parsed().message_id()
    );
    assert!(header_text(&parsed, "References").is_some());
    // The staff's daily digest names it.
    let digest = eventually("the overdue digest", WAIT, || async {
        smtp.received()
            .into_iter()
            .find(|m| m.parsed().subject() == Some("[清朗] 逾期案件日报"))
    })
    .await;
    assert_eq!(
        digest.rcpt_to.len(),
        1,
        "one message per recipient: nobody sees who else is told"
    );
    assert!(digest
        .parsed()
        .body_text(0)
        .expect("text")
        .contains(&reference));

    // A second period on: the default inbox gets the case, once.
    backdate(&app, &reference, days_ago(40), days_ago(25)).await;
    let escalation = eventually("the escalation", WAIT, || async {
        smtp.received()
            .into_iter()
            .find(|m| m.rcpt_to.iter().any(|r| r == "inbox@regulator.localhost"))
    })
    .await;
    assert!(escalation
        .parsed()
        .subject()
        .is_some_and(|s| s.starts_with("[逾期未受理] ")));

    // Several scans later, by both instances: nothing was sent twice.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let received = smtp.received();
    let count =
        |pred: &dyn Fn(&crate::smtp::Received) -> bool| received.iter().filter(|m| pred(m)).count();
    assert_eq!(
        count(&|m| m.parsed().subject().is_some_and(|s| s.starts_with("[提醒"))),
        1
    );
    for admin in ["boss@example.com", "admin@qinglang.local"] {
        assert_eq!(
            count(&|m| m.parsed().subject() == Some("[清朗] 逾期案件日报")
                && m.rcpt_to.iter().any(|r| r == admin)),
            1,
            "one digest per recipient and day: {admin}"
        );
    }
    assert_eq!(
        count(&|m| m.rcpt_to.iter().any(|r| r == "inbox@regulator.localhost")),
        1
    );

    // A reporter whose answer is due tomorrow is reminded once.
    let (asked, _) = app.file_report(&valid_report(), None).await;
    assert_eq!(
        app.move_case(&moderator, &asked, json!({"to": "under_review"}))
            .await,
        200
    );
    assert_eq!(
        app.move_case(
            &moderator,
            &asked,
            json!({"to": "needs_info", "public_note": "请补充付款记录"})
        )
        .await,
        200
    );
    backdate(&app, &asked, days_ago(14), days_ago(-1)).await;
    let reminded = eventually("the reporter's reminder", WAIT, || async {
        smtp.received().into_iter().find(|m| {
            m.rcpt_to.iter().any(|r| r == REPORTER)
                && m.parsed()
                    .subject()
                    .is_some_and(|s| s.contains(&asked) && s.contains("仍需补充信息"))
        })
    })
    .await;
    assert!(reminded
        .parsed()
        .body_text(0)
        .expect("text")
        .contains("请补充付款记录"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        smtp.received()
            .iter()
            .filter(|m| m
                .parsed()
                .subject()
                .is_some_and(|s| s.contains(&asked) && s.contains("仍需补充信息")))
            .count(),
        1
    );
}
