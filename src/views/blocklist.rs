//! Fake hotlines as lists: the blocklist that search engines, map apps and
//! app stores take numbers down from (JSON, or CSV for spreadsheets and
//! batch jobs), and the moderators' page of numbers with all their cases.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::Time;
use crate::db::hotlines::{NumberDetail, NumberSummary};
use crate::domain::hotline::BlockedNumber;

#[derive(Debug, Serialize)]
pub struct BlockedHotline {
    pub number: String,
    pub brands: Vec<String>,
    pub domains: Vec<String>,
    pub cases: usize,
    pub first_validated_at: Time,
    pub last_validated_at: Time,
}

impl From<BlockedNumber> for BlockedHotline {
    fn from(b: BlockedNumber) -> Self {
        BlockedHotline {
            number: b.number,
            brands: b.brands,
            domains: b.domains,
            cases: b.cases,
            first_validated_at: Time(b.first_validated_at),
            last_validated_at: Time(b.last_validated_at),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct HotlineBlocklist {
    pub items: Vec<BlockedHotline>,
    pub generated_at: Time,
}

impl HotlineBlocklist {
    pub fn new(list: Vec<BlockedNumber>, now: NaiveDateTime) -> Self {
        HotlineBlocklist {
            items: list.into_iter().map(BlockedHotline::from).collect(),
            generated_at: Time(now),
        }
    }

    /// CSV with a header row; several brands or domains in one cell are
    /// separated by `;`. A cell a spreadsheet would read as a formula
    /// (brands are consumer-written) is prefixed with `'`.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record([
            "number",
            "brands",
            "domains",
            "cases",
            "first_validated_at",
            "last_validated_at",
        ])?;
        for item in &self.items {
            writer.write_record([
                item.number.clone(),
                inert(&item.brands.join(";")),
                inert(&item.domains.join(";")),
                item.cases.to_string(),
                super::rfc3339(item.first_validated_at.0),
                super::rfc3339(item.last_validated_at.0),
            ])?;
        }
        writer
            .into_inner()
            .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
    }
}

fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_header_and_no_formulas() {
        let at = chrono::DateTime::from_timestamp(1_764_000_000, 0)
            .expect("time")
            .naive_utc();
        let list = HotlineBlocklist::new(
            vec![BlockedNumber {
                number: "4001865909".into(),
                brands: vec!["=HYPERLINK(\"http://x\")".into(), "联勒指纹锁".into()],
                domains: vec!["example.com".into()],
                cases: 2,
                first_validated_at: at,
                last_validated_at: at,
            }],
            at,
        );
        let csv = String::from_utf8(list.to_csv().expect("csv")).expect("utf-8");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("number,brands,domains,cases,first_validated_at,last_validated_at")
        );
        let row = lines.next().expect("row");
        assert!(row.starts_with("4001865909,\"'=HYPERLINK"), "{row}");
        assert!(row.contains(";联勒指纹锁\",example.com,2,"), "{row}");
    }
}

/// One case of a number, on the moderators' hotlines page.
#[derive(Debug, Serialize)]
pub struct HotlineCase {
    pub reference: String,
    pub status: crate::domain::status::ReportStatus,
    pub brand: String,
    pub created_at: Time,
}

/// A number as moderators see it: every case, validated or not.
#[derive(Debug, Serialize)]
pub struct HotlineNumber {
    pub number: String,
    pub cases: i64,
    pub brands: Vec<String>,
    pub domains: Vec<String>,
    pub first_seen_at: Time,
    pub last_seen_at: Time,
    /// The newest cases (at most 20).
    pub recent_cases: Vec<HotlineCase>,
}

impl HotlineNumber {
    pub fn new(summary: NumberSummary, detail: NumberDetail) -> Self {
        HotlineNumber {
            number: summary.number,
            cases: summary.cases,
            brands: detail.brands,
            domains: detail.domains,
            first_seen_at: Time(summary.first_seen),
            last_seen_at: Time(summary.last_seen),
            recent_cases: detail
                .cases
                .into_iter()
                .map(|c| HotlineCase {
                    reference: c.reference,
                    status: c.status,
                    brand: c.brand,
                    created_at: Time(c.created_at),
                })
                .collect(),
        }
    }
}
