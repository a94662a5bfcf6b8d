//! The statuses a report moves through. (The transitions between them are
//! the moderation lifecycle; intake only ever creates `submitted`.)

use super::vocabulary::vocabulary;

vocabulary!(
    /// Where a case stands.
    ReportStatus {
        Submitted = "submitted", "已提交", "Submitted";
        UnderReview = "under_review", "审核中", "Under review";
        NeedsInfo = "needs_info", "需要补充材料", "More information needed";
        Validated = "validated", "已核实", "Validated";
        Forwarded = "forwarded", "已转交监管部门", "Forwarded to regulator";
        Rejected = "rejected", "不予受理", "Rejected";
        Duplicate = "duplicate", "重复举报", "Duplicate";
        Closed = "closed", "已结案", "Closed";
    }
);

impl ReportStatus {
    /// Statuses in which a case still waits for a moderator's decision.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReportStatus::Submitted | ReportStatus::UnderReview | ReportStatus::NeedsInfo
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips() {
        for &status in ReportStatus::ALL {
            assert_eq!(ReportStatus::from_code(status.code()), Some(status));
            let json = serde_json::to_string(&status).expect("serialize");
            assert_eq!(json, format!("\"{}\"", status.code()));
        }
        assert_eq!(ReportStatus::from_code("SUBMITTED"), None);
    }
}
