//! The statuses a report moves through. (The transitions between them are
//! the moderation lifecycle; intake only ever creates `submitted`.)

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    Submitted,
    UnderReview,
    NeedsInfo,
    Validated,
    Forwarded,
    Rejected,
    Duplicate,
    Closed,
}

impl ReportStatus {
    pub const ALL: &'static [ReportStatus] = &[
        ReportStatus::Submitted,
        ReportStatus::UnderReview,
        ReportStatus::NeedsInfo,
        ReportStatus::Validated,
        ReportStatus::Forwarded,
        ReportStatus::Rejected,
        ReportStatus::Duplicate,
        ReportStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::UnderReview => "under_review",
            ReportStatus::NeedsInfo => "needs_info",
            ReportStatus::Validated => "validated",
            ReportStatus::Forwarded => "forwarded",
            ReportStatus::Rejected => "rejected",
            ReportStatus::Duplicate => "duplicate",
            ReportStatus::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips() {
        for &status in ReportStatus::ALL {
            assert_eq!(ReportStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).expect("serialize");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReportStatus::parse("SUBMITTED"), None);
    }
}
