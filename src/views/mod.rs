//! What the API answers, resource by resource, as `Serialize` types — and
//! the case file attached to regulators' emails, built from the same types
//! so the two cannot drift apart. Handlers build these from rows; nothing
//! here touches the database.

pub mod case;
pub mod case_file;
pub mod directory;
pub mod merchant;
pub mod reporter;

use chrono::NaiveDateTime;
use serde::{Serialize, Serializer};

use crate::db::reports::ReportRow;
use crate::domain::catalog::{Category, Platform};
use crate::domain::report::Logistics;

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
    pub platform: Platform,
    pub merchant_name: String,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub merchant_province: Option<String>,
    pub merchant_city: Option<String>,
    pub description: String,
    pub review_texts: Vec<String>,
    pub logistics: Option<Logistics>,
}

impl From<&ReportRow> for ReportFacts {
    fn from(r: &ReportRow) -> Self {
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
