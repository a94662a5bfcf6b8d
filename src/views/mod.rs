//! What the API answers, resource by resource, as `Serialize` types — and
//! the case file attached to regulators' emails, built from the same types
//! so the two cannot drift apart. Handlers build these from rows; nothing
//! here touches the database.

pub mod blocklist;
pub mod case;
pub mod case_file;
pub mod directory;
pub mod merchant;
pub mod queue_csv;
pub mod reporter;
pub mod response;

use chrono::NaiveDateTime;
use serde::{Serialize, Serializer};

use crate::db::case_record::CaseRecord;
use crate::db::reports::ReportRow;
use crate::domain::catalog::{Category, Platform};
use crate::domain::hotline::FoundVia;
use crate::domain::report::{Hotline, Logistics};

/// A stored UTC time, shown as RFC 3339 with a `Z` (`2026-12-02T08:30:00Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub NaiveDateTime);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&rfc3339(self.0))
    }
}

pub fn rfc3339(time: NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What the reporter filed about the merchant and the fraud: the part of a
/// case that every view of it shows (staff, reporter, regulator).
#[derive(Debug, Clone, Serialize)]
pub struct ReportFacts {
    pub category: Category,
    pub platform: Option<Platform>,
    pub merchant_name: Option<String>,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub merchant_province: Option<String>,
    pub merchant_city: Option<String>,
    pub description: String,
    pub review_texts: Vec<String>,
    pub logistics: Option<Logistics>,
    /// Only on `fake_service_hotline` reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotline: Option<HotlineFacts>,
}

/// A fake hotline as every view shows it: the number normalized (digits
/// only), the amount in yuan.
#[derive(Debug, Clone, Serialize)]
pub struct HotlineFacts {
    pub number: String,
    pub impersonated_brand: String,
    pub found_via: Option<FoundVia>,
    pub found_url: Option<String>,
    pub found_domain: Option<String>,
    pub search_terms: Option<String>,
    pub page_text: Option<String>,
    pub technician_visited: Option<bool>,
    pub amount_paid_yuan: Option<f64>,
    pub incident_province: Option<String>,
    pub incident_city: Option<String>,
}

impl From<&Hotline> for HotlineFacts {
    fn from(h: &Hotline) -> Self {
        HotlineFacts {
            number: h.number.clone(),
            impersonated_brand: h.impersonated_brand.clone(),
            found_via: h.found_via,
            found_url: h.found_url.clone(),
            found_domain: h.found_domain.clone(),
            search_terms: h.search_terms.clone(),
            page_text: h.page_text.clone(),
            technician_visited: h.technician_visited,
            amount_paid_yuan: h.amount_paid_yuan(),
            incident_province: h.incident_province.clone(),
            incident_city: h.incident_city.clone(),
        }
    }
}

impl From<&CaseRecord> for ReportFacts {
    fn from(record: &CaseRecord) -> Self {
        let r = &record.report;
        ReportFacts {
            category: r.category,
            platform: r.platform,
            merchant_name: r.merchant_name.clone(),
            shop_url: r.shop_url.clone(),
            product_url: r.product_url.clone(),
            order_id: r.order_id.clone(),
            merchant_province: r.merchant_province.clone(),
            merchant_city: r.merchant_city.clone(),
            description: r.description.clone(),
            review_texts: r.review_texts().to_vec(),
            logistics: r.logistics().cloned(),
            hotline: record.hotline.as_ref().map(HotlineFacts::from),
        }
    }
}

/// The reporter's contact as they gave it.
#[derive(Debug, Clone, Serialize)]
pub struct ReporterContact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl From<&ReportRow> for ReporterContact {
    fn from(r: &ReportRow) -> Self {
        ReporterContact {
            name: r.reporter_name.clone(),
            email: r.reporter_email.clone(),
            phone: r.reporter_phone.clone(),
        }
    }
}

/// The deadline running on a case, as every view shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadlineView {
    pub kind: crate::domain::calendar::DeadlineKind,
    pub kind_label: crate::domain::catalog::Labelled,
    /// The instant it is due: the end of `last_day`, Beijing time.
    pub due_at: Time,
    /// The last day (Beijing) on which it is met.
    pub last_day: chrono::NaiveDate,
    pub overdue: bool,
}

impl DeadlineView {
    pub fn new(running: &crate::db::deadlines::Running, now: NaiveDateTime) -> Self {
        DeadlineView {
            kind: running.kind,
            kind_label: running.kind.labelled(),
            due_at: Time(running.due_at),
            last_day: crate::domain::calendar::beijing_date(
                running.due_at - chrono::Duration::seconds(1),
            ),
            overdue: now >= running.due_at,
        }
    }
}
