//! Merchants as staff see them: how often reported, by how many people,
//! and their cases' signals over time.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Time;
use crate::db::merchants::{MerchantDetail, MerchantRow};
use crate::domain::catalog::{Category, Platform};
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;

#[derive(Debug, Serialize)]
pub struct MerchantSummary {
    pub id: i64,
    pub platform: Platform,
    pub name: String,
    pub province: Option<String>,
    pub report_count: i64,
    pub reporter_count: i64,
    pub first_reported_at: Time,
    pub last_reported_at: Time,
}

impl From<&MerchantRow> for MerchantSummary {
    fn from(m: &MerchantRow) -> Self {
        MerchantSummary {
            id: m.id,
            platform: m.platform,
            name: m.display_name.clone(),
            province: m.province.clone(),
            report_count: m.report_count,
            reporter_count: m.reporter_count,
            first_reported_at: Time(m.first_reported_at),
            last_reported_at: Time(m.last_reported_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MerchantPage {
    pub items: Vec<MerchantSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MerchantCaseItem {
    pub reference: String,
    pub status: ReportStatus,
    pub category: Category,
    pub priority: i32,
    pub created_at: Time,
    pub signals: Vec<SignalCode>,
}

#[derive(Debug, Serialize)]
pub struct MerchantMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub cases: i64,
    pub signals: BTreeMap<SignalCode, i64>,
}

#[derive(Debug, Serialize)]
pub struct MerchantView {
    #[serde(flatten)]
    pub merchant: MerchantSummary,
    /// How many of its cases show each signal.
    pub signal_totals: BTreeMap<SignalCode, i64>,
    pub cases: Vec<MerchantCaseItem>,
    pub months: Vec<MerchantMonth>,
}

impl From<MerchantDetail> for MerchantView {
    fn from(detail: MerchantDetail) -> Self {
        let mut signal_totals: BTreeMap<SignalCode, i64> = BTreeMap::new();
        for case in &detail.cases {
            for code in &case.signals {
                *signal_totals.entry(*code).or_default() += 1;
            }
        }
        MerchantView {
            merchant: MerchantSummary::from(&detail.merchant),
            signal_totals,
            cases: detail
                .cases
                .into_iter()
                .map(|c| MerchantCaseItem {
                    reference: c.reference,
                    status: c.status,
                    category: c.category,
                    priority: c.priority,
                    created_at: Time(c.created_at),
                    signals: c.signals,
                })
                .collect(),
            months: detail
                .months
                .into_iter()
                .map(|(month, cases, signals)| MerchantMonth {
                    month,
                    cases,
                    signals,
                })
                .collect(),
        }
    }
}
