//! `GET`/`PUT /api/v1/admin/calendar/{year}`: the year's public holidays and
//! make-up working days, by which deadlines count working days.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Serialize;

use super::extract::{AdminStaff, JsonBody};
use super::state::AppState;
use crate::cases::deadlines;
use crate::db::{self, deadlines as stored};
use crate::domain::calendar::{self, ScheduleInput, YearSchedule};
use crate::error::{AppError, FieldError};
use crate::views::Time;

/// Where a year's schedule comes from.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Source {
    /// An admin entered it.
    Entered,
    /// Shipped with this release (the current year's official schedule).
    Shipped,
    /// Nobody entered it: weekends only.
    WeekendsOnly,
}

#[derive(Serialize)]
struct YearView {
    year: i32,
    holidays: Vec<NaiveDate>,
    workdays: Vec<NaiveDate>,
    source: Source,
    updated_at: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deadlines_moved: Option<usize>,
}

fn year_from(path: &str) -> Result<i32, AppError> {
    path.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "year",
                "range",
                "a year from 2000 to 2100",
            )])
        })
}

/// `GET /api/v1/admin/calendar/{year}`.
pub async fn get_year(
    _admin: AdminStaff,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let year = year_from(&path)?;
    let (calendar, updated_at) = db::run(&state.pool, move |conn| {
        Ok((stored::calendar(conn)?, stored::entered_year(conn, year)?))
    })
    .await?;
    let shipped = calendar::shipped();
    let schedule = calendar.year(year).cloned().unwrap_or_default();
    let source = match (updated_at, shipped.year(year)) {
        (Some(_), _) => Source::Entered,
        (None, Some(_)) => Source::Shipped,
        (None, None) => Source::WeekendsOnly,
    };
    Ok(HttpResponse::Ok().json(YearView {
        year,
        holidays: schedule.holidays.into_iter().collect(),
        workdays: schedule.workdays.into_iter().collect(),
        source,
        updated_at: updated_at.map(Time),
        deadlines_moved: None,
    }))
}

/// `PUT /api/v1/admin/calendar/{year}` `{holidays: [dates], workdays: [dates]}`.
pub async fn put_year(
    admin: AdminStaff,
    path: web::Path<String>,
    body: JsonBody<ScheduleInput>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let year = year_from(&path)?;
    let schedule = YearSchedule::check(year, body.parsed()?).map_err(AppError::Validation)?;
    let caller = admin.0.caller();
    let policy = state.cases.addressing.deadlines;
    let now = Utc::now().naive_utc();
    let saved = schedule.clone();
    let change = db::run(&state.pool, move |conn| {
        deadlines::put_year(conn, year, &saved, &policy, &caller, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(YearView {
        year,
        holidays: schedule.holidays.into_iter().collect(),
        workdays: schedule.workdays.into_iter().collect(),
        source: Source::Entered,
        updated_at: Some(Time(now)),
        deadlines_moved: Some(change.deadlines_moved),
    }))
}
