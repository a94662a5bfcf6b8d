//! Dates as people in China read them: Beijing time (UTC+8, no daylight
//! saving), and working days by the official calendar — weekends, public
//! holidays, and the weekend days that are worked instead (调休).
//!
//! The State Council publishes each year's schedule late in the year before;
//! the current year's ships here ([`shipped`]), and admins keep further years
//! through `PUT /api/v1/admin/calendar/{year}`. A year nobody entered counts
//! weekends only.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};

use super::vocabulary::vocabulary;
use crate::error::FieldError;

/// Beijing is UTC+8 all year.
pub const BEIJING_OFFSET_HOURS: i64 = 8;

/// The Beijing calendar date of a UTC time.
pub fn beijing_date(utc: NaiveDateTime) -> NaiveDate {
    (utc + Duration::hours(BEIJING_OFFSET_HOURS)).date()
}

/// The UTC instant a Beijing date ends (its next midnight, Beijing time).
pub fn end_of_beijing_day(date: NaiveDate) -> NaiveDateTime {
    let next = date.succ_opt().unwrap_or(date);
    next.and_hms_opt(0, 0, 0).unwrap_or_default() - Duration::hours(BEIJING_OFFSET_HOURS)
}

/// One year's exceptions to "Monday to Friday".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearSchedule {
    /// Days off, weekends within a holiday included (as the notice lists them).
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days worked instead (调休上班).
    pub workdays: BTreeSet<NaiveDate>,
}

/// The working-day calendar: the years entered, weekends otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearSchedule>,
}

impl WorkCalendar {
    pub fn new(years: BTreeMap<i32, YearSchedule>) -> Self {
        WorkCalendar { years }
    }

    pub fn year(&self, year: i32) -> Option<&YearSchedule> {
        self.years.get(&year)
    }

    pub fn set_year(&mut self, year: i32, schedule: YearSchedule) {
        self.years.insert(year, schedule);
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if let Some(year) = self.years.get(&date.year()) {
            if year.holidays.contains(&date) {
                return false;
            }
            if year.workdays.contains(&date) {
                return true;
            }
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`th working day after `date` (the day itself does not count:
    /// "within 7 working days of filing" starts the next working day).
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        // A year has ~250 working days; 30 holiday-free weeks more than cover any n we use.
        let mut guard = 0u32;
        while left > 0 && guard < 20 * 366 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
            guard += 1;
        }
        day
    }
}

/// The 2026 schedule, as the State Council published it in November 2025
/// (国务院办公厅关于2026年部分节假日安排的通知).
pub fn shipped() -> WorkCalendar {
    fn days(list: &[(u32, u32)]) -> BTreeSet<NaiveDate> {
        list.iter()
            .filter_map(|&(m, d)| NaiveDate::from_ymd_opt(2026, m, d))
            .collect()
    }
    let mut holidays = Vec::new();
    let mut span = |m: u32, from: u32, to: u32| holidays.extend((from..=to).map(|d| (m, d)));
    span(1, 1, 3); // 元旦
    span(2, 15, 23); // 春节
    span(4, 4, 6); // 清明节
    span(5, 1, 5); // 劳动节
    span(6, 19, 21); // 端午节
    span(9, 25, 27); // 中秋节
    span(10, 1, 7); // 国庆节
    let workdays = [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];
    let mut years = BTreeMap::new();
    years.insert(
        2026,
        YearSchedule {
            holidays: days(&holidays),
            workdays: days(&workdays),
        },
    );
    WorkCalendar { years }
}

/// A year's schedule as an admin sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    pub holidays: Option<Vec<String>>,
    pub workdays: Option<Vec<String>>,
}

/// At most this many entries per list: a year has a few dozen holidays.
pub const MAX_CALENDAR_ENTRIES: usize = 120;

impl YearSchedule {
    /// Checks a year's schedule: dates as `YYYY-MM-DD` within `year`, none
    /// twice, none both a holiday and a workday, and a make-up workday on a
    /// weekend (a weekday is a working day already).
    pub fn check(year: i32, input: ScheduleInput) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        if !(2000..=2100).contains(&year) {
            errors.push(FieldError::new("year", "range", "a year from 2000 to 2100"));
            return Err(errors);
        }
        let mut parse = |field: &str, list: Option<Vec<String>>| -> BTreeSet<NaiveDate> {
            let Some(list) = list else {
                errors.push(FieldError::new(
                    field,
                    "required",
                    "a list of dates (may be empty)",
                ));
                return BTreeSet::new();
            };
            if list.len() > MAX_CALENDAR_ENTRIES {
                errors.push(FieldError::new(
                    field,
                    "too_many",
                    format!("at most {MAX_CALENDAR_ENTRIES} dates"),
                ));
                return BTreeSet::new();
            }
            let mut out = BTreeSet::new();
            for (i, text) in list.iter().enumerate() {
                let at = format!("{field}[{i}]");
                match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                    Err(_) => errors.push(FieldError::new(at, "format", "a date as YYYY-MM-DD")),
                    Ok(date) if date.year() != year => {
                        errors.push(FieldError::new(at, "other_year", format!("not in {year}")))
                    }
                    Ok(date) if !out.insert(date) => {
                        errors.push(FieldError::new(at, "duplicate", "listed twice"))
                    }
                    Ok(_) => {}
                }
            }
            out
        };
        let holidays = parse("holidays", input.holidays);
        let workdays = parse("workdays", input.workdays);
        for (i, date) in workdays.iter().enumerate() {
            if holidays.contains(date) {
                errors.push(FieldError::new(
                    format!("workdays[{i}]"),
                    "overlap",
                    format!("{date} is also a holiday"),
                ));
            } else if !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
                errors.push(FieldError::new(
                    format!("workdays[{i}]"),
                    "not_weekend",
                    format!("{date} is a weekday: a make-up working day is a Saturday or Sunday"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(YearSchedule { holidays, workdays })
        } else {
            Err(errors)
        }
    }
}

vocabulary!(
    /// What a deadline is for.
    DeadlineKind {
        /// The moderators' decision on a filed report (runs from filing).
        Moderation = "moderation", "审核决定", "Moderation decision";
        /// The reporter's answer to a question (runs from the question).
        ConsumerAnswer = "consumer_answer", "举报人答复", "Reporter's answer";
        /// A regulator's acknowledgement (accepted or declined), from forwarding.
        RegulatorAcknowledgement = "regulator_acknowledgement", "监管部门受理答复", "Regulator's acknowledgement";
    }
);

/// How long each deadline runs: 12315-style defaults, configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// Working days for a moderation decision (12315: 7).
    pub moderation_working_days: u32,
    /// Working days for a regulator's acknowledgement (12315: 7).
    pub acknowledgement_working_days: u32,
    /// Calendar days for the reporter's answer (15).
    pub consumer_answer_days: u32,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            moderation_working_days: 7,
            acknowledgement_working_days: 7,
            consumer_answer_days: 15,
        }
    }
}

impl DeadlinePolicy {
    /// When a deadline of `kind` that started at `started` (UTC) is due
    /// (UTC): the end of its last day, Beijing time.
    pub fn due_at(
        &self,
        calendar: &WorkCalendar,
        kind: DeadlineKind,
        started: NaiveDateTime,
    ) -> NaiveDateTime {
        let day = beijing_date(started);
        let last = match kind {
            DeadlineKind::Moderation => {
                calendar.add_working_days(day, self.moderation_working_days)
            }
            DeadlineKind::RegulatorAcknowledgement => {
                calendar.add_working_days(day, self.acknowledgement_working_days)
            }
            DeadlineKind::ConsumerAnswer => {
                day + Duration::days(i64::from(self.consumer_answer_days))
            }
        };
        end_of_beijing_day(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn at(y: i32, m: u32, day: u32, h: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, 0, 0).expect("time")
    }

    #[test]
    fn beijing_dates_turn_at_sixteen_utc() {
        assert_eq!(beijing_date(at(2026, 12, 7, 15)), d(2026, 12, 7));
        assert_eq!(beijing_date(at(2026, 12, 7, 16)), d(2026, 12, 8));
        assert_eq!(end_of_beijing_day(d(2026, 12, 7)), at(2026, 12, 7, 16));
    }

    #[test]
    fn the_shipped_2026_schedule_has_its_holidays_and_make_up_days() {
        let cal = shipped();
        let year = cal.year(2026).expect("2026");
        assert_eq!(year.holidays.len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
        assert_eq!(year.workdays.len(), 6);
        for workday in &year.workdays {
            assert!(matches!(workday.weekday(), Weekday::Sat | Weekday::Sun));
            assert!(cal.is_working_day(*workday));
        }
        assert!(!cal.is_working_day(d(2026, 10, 5)), "a Monday in 国庆");
        assert!(cal.is_working_day(d(2026, 10, 10)), "a Saturday worked");
        assert!(!cal.is_working_day(d(2026, 12, 12)), "an ordinary Saturday");
        assert!(cal.is_working_day(d(2026, 12, 7)), "an ordinary Monday");
        assert!(
            !cal.is_working_day(d(2027, 1, 2)),
            "unknown years: weekends only"
        );
        assert!(
            cal.is_working_day(d(2027, 1, 1)),
            "unknown years: no holidays"
        );
    }

    #[test]
    fn working_days_skip_weekends_and_holidays_and_count_make_up_days() {
        let cal = shipped();
        // Monday 2026-12-07 + 7 working days = Wednesday 12-16.
        assert_eq!(cal.add_working_days(d(2026, 12, 7), 7), d(2026, 12, 16));
        // Filed Friday 09-25 (中秋 starts): 9-28 Mon … 9-30 Wed, then 国庆
        // to 10-07, 10-08 Thu, 10-09 Fri, 10-10 Sat (worked), 10-12 Mon.
        assert_eq!(cal.add_working_days(d(2026, 9, 25), 7), d(2026, 10, 12));
        // Before 春节: 02-13 Fri + 1 = 02-14 (a Saturday worked).
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(cal.add_working_days(d(2026, 2, 14), 1), d(2026, 2, 24));
        assert_eq!(cal.add_working_days(d(2026, 12, 7), 0), d(2026, 12, 7));
    }

    #[test]
    fn deadlines_end_at_beijing_midnight() {
        let cal = shipped();
        let policy = DeadlinePolicy::default();
        // Filed 2026-12-07 10:00 Beijing (02:00 UTC): due at the end of 12-16 Beijing.
        let filed = at(2026, 12, 7, 2);
        assert_eq!(
            policy.due_at(&cal, DeadlineKind::Moderation, filed),
            at(2026, 12, 16, 16)
        );
        // Filed at 23:30 Beijing on Sunday 12-06 (15:30 UTC) counts from Sunday.
        let late = d(2026, 12, 6).and_hms_opt(15, 30, 0).expect("time");
        assert_eq!(
            policy.due_at(&cal, DeadlineKind::Moderation, late),
            at(2026, 12, 15, 16)
        );
        // Asked 12-07: answer within 15 calendar days, to the end of 12-22.
        assert_eq!(
            policy.due_at(&cal, DeadlineKind::ConsumerAnswer, filed),
            at(2026, 12, 22, 16)
        );
    }

    fn input(holidays: &[&str], workdays: &[&str]) -> ScheduleInput {
        ScheduleInput {
            holidays: Some(holidays.iter().map(|s| s.to_string()).collect()),
            workdays: Some(workdays.iter().map(|s| s.to_string()).collect()),
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(String, &'static str)> {
        errors.iter().map(|e| (e.field.clone(), e.code)).collect()
    }

    #[test]
    fn a_schedule_is_checked_entry_by_entry() {
        let ok = YearSchedule::check(2027, input(&["2027-01-01"], &["2027-02-06"])).expect("valid");
        assert_eq!(ok.holidays.len(), 1);
        let e = YearSchedule::check(
            2027,
            input(
                &[
                    "2027-01-01",
                    "2027-1-32",
                    "2026-10-01",
                    "2027-01-01",
                    "2027-02-06",
                ],
                &["2027-02-06", "2027-02-08"],
            ),
        )
        .expect_err("bad");
        assert_eq!(
            fields(&e),
            vec![
                ("holidays[1]".to_owned(), "format"),
                ("holidays[2]".to_owned(), "other_year"),
                ("holidays[3]".to_owned(), "duplicate"),
                ("workdays[0]".to_owned(), "overlap"),
                ("workdays[1]".to_owned(), "not_weekend"),
            ]
        );
        let e = YearSchedule::check(1999, input(&[], &[])).expect_err("year");
        assert_eq!(fields(&e), vec![("year".to_owned(), "range")]);
        let e = YearSchedule::check(2027, ScheduleInput::default()).expect_err("lists");
        assert_eq!(
            fields(&e),
            vec![
                ("holidays".to_owned(), "required"),
                ("workdays".to_owned(), "required")
            ]
        );
        let many: Vec<String> = (0..=MAX_CALENDAR_ENTRIES)
            .map(|_| "2027-01-01".into())
            .collect();
        let e = YearSchedule::check(
            2027,
            ScheduleInput {
                holidays: Some(many),
                workdays: Some(vec![]),
            },
        )
        .expect_err("too many");
        assert_eq!(fields(&e), vec![("holidays".to_owned(), "too_many")]);
    }
}
