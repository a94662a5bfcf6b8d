//! Fraud signals: pure detectors over a case's data and over data about other
//! cases that the caller has looked up, each giving a [`Signal`] with a
//! stable code, a severity and a zh-CN / English explanation that names the
//! evidence; and the case's [`Priority`] derived from them.
//!
//! Nothing here reads a database or a file: the caller gathers the inputs
//! (see each function's documentation for what it needs) and stores the
//! outputs. Signals are recomputed from scratch whenever a case's evidence
//! changes, so every function is deterministic in its inputs.

pub mod cross;
pub mod image_hash;
pub mod keywords;
pub mod logistics;
pub mod text;

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// What a signal says, as a stable snake_case code (stored and sent as is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalCode {
    DuplicateEvidence,
    SimilarEvidence,
    TemplateReviews,
    DeliveredBeforeShipped,
    ImplausibleTransitTime,
    EmptyParcelWeight,
    NoTransitScans,
    ReusedTrackingNumber,
    InvalidTrackingNumber,
    BrushingKeywords,
    RepeatMerchant,
}

impl SignalCode {
    pub const ALL: &'static [SignalCode] = &[
        SignalCode::DuplicateEvidence,
        SignalCode::SimilarEvidence,
        SignalCode::TemplateReviews,
        SignalCode::DeliveredBeforeShipped,
        SignalCode::ImplausibleTransitTime,
        SignalCode::EmptyParcelWeight,
        SignalCode::NoTransitScans,
        SignalCode::ReusedTrackingNumber,
        SignalCode::InvalidTrackingNumber,
        SignalCode::BrushingKeywords,
        SignalCode::RepeatMerchant,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignalCode::DuplicateEvidence => "duplicate_evidence",
            SignalCode::SimilarEvidence => "similar_evidence",
            SignalCode::TemplateReviews => "template_reviews",
            SignalCode::DeliveredBeforeShipped => "delivered_before_shipped",
            SignalCode::ImplausibleTransitTime => "implausible_transit_time",
            SignalCode::EmptyParcelWeight => "empty_parcel_weight",
            SignalCode::NoTransitScans => "no_transit_scans",
            SignalCode::ReusedTrackingNumber => "reused_tracking_number",
            SignalCode::InvalidTrackingNumber => "invalid_tracking_number",
            SignalCode::BrushingKeywords => "brushing_keywords",
            SignalCode::RepeatMerchant => "repeat_merchant",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// Priority points a signal of this severity adds.
    pub fn points(self) -> u32 {
        match self {
            Severity::Low => 5,
            Severity::Medium => 15,
            Severity::High => 30,
        }
    }
}

/// The same sentence in both languages the service speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    #[serde(rename = "zh-CN")]
    pub zh: String,
    pub en: String,
}

impl Explanation {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Explanation {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// One finding about a case. `related` holds the references of other cases
/// it points at (e.g. `QL-7K4M-9PXR`), so the UI can link them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub code: SignalCode,
    pub severity: Severity,
    pub explanation: Explanation,
    #[serde(default)]
    pub related: Vec<String>,
}

impl Signal {
    pub fn new(code: SignalCode, severity: Severity, zh: String, en: String) -> Self {
        Signal {
            code,
            severity,
            explanation: Explanation::new(zh, en),
            related: Vec::new(),
        }
    }

    pub fn with_related(mut self, related: impl IntoIterator<Item = String>) -> Self {
        self.related.extend(related);
        self.related.sort();
        self.related.dedup();
        self
    }
}

/// Lists at most `max` items, then "等 N 项" / "and N more", so an
/// explanation stays readable when a merchant has hundreds of reports.
pub(crate) fn list_some(items: &[String], max: usize) -> (String, String) {
    let shown = items.iter().take(max).cloned().collect::<Vec<_>>();
    let rest = items.len().saturating_sub(max);
    if rest == 0 {
        (shown.join("、"), shown.join(", "))
    } else {
        (
            format!("{} 等 {} 项", shown.join("、"), items.len()),
            format!("{} and {rest} more", shown.join(", ")),
        )
    }
}

/// Why a case sits where it does in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityReason {
    pub points: u32,
    pub explanation: Explanation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    /// 0–100; higher is looked at first. Fits the `reports.priority` column.
    pub score: u32,
    pub reasons: Vec<PriorityReason>,
}

pub const MAX_PRIORITY: u32 = 100;
/// Reporter points: the second independent reporter weighs most, later
/// ones less, so one merchant's pile of reports cannot swamp the queue.
const REPORTER_POINTS: [u32; 4] = [0, 15, 25, 30];
/// Age points: one per day waiting, up to this, so nothing starves.
const MAX_AGE_POINTS: u32 = 20;

/// A case's priority from its signals, the number of independent reporters
/// about the merchant (including this case's reporter, so at least 1) and
/// how long the case has waited.
///
/// Each signal code counts once, at its highest severity, so ten similar
/// screenshots do not outweigh one impossible delivery.
pub fn priority(signals: &[Signal], independent_reporters: u32, age: Duration) -> Priority {
    let mut reasons = Vec::new();
    let mut best: Vec<&Signal> = Vec::new();
    for signal in signals {
        match best.iter_mut().find(|s| s.code == signal.code) {
            Some(slot) if slot.severity < signal.severity => *slot = signal,
            Some(_) => {}
            None => best.push(signal),
        }
    }
    best.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    for signal in best {
        reasons.push(PriorityReason {
            points: signal.severity.points(),
            explanation: Explanation::new(
                format!("信号 {}（{}）", signal.code.code(), severity_zh(signal.severity)),
                format!("signal {} ({:?})", signal.code.code(), signal.severity).to_lowercase(),
            ),
        });
    }
    let reporters = independent_reporters.max(1);
    let points = REPORTER_POINTS[(reporters as usize - 1).min(REPORTER_POINTS.len() - 1)];
    if points > 0 {
        reasons.push(PriorityReason {
            points,
            explanation: Explanation::new(
                format!("共有 {reporters} 位独立举报人举报该商家"),
                format!("{reporters} independent reporters reported this merchant"),
            ),
        });
    }
    let days = u32::try_from(age.num_days().max(0)).unwrap_or(u32::MAX);
    let age_points = days.min(MAX_AGE_POINTS);
    if age_points > 0 {
        reasons.push(PriorityReason {
            points: age_points,
            explanation: Explanation::new(
                format!("案件已等待 {days} 天"),
                format!("the case has waited {days} days"),
            ),
        });
    }
    let score = reasons
        .iter()
        .map(|r| r.points)
        .sum::<u32>()
        .min(MAX_PRIORITY);
    Priority { score, reasons }
}

fn severity_zh(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "低",
        Severity::Medium => "中",
        Severity::High => "高",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(code: SignalCode, severity: Severity) -> Signal {
        Signal::new(code, severity, "说明".into(), "explanation".into())
    }

    #[test]
    fn codes_are_stable_snake_case_and_round_trip() {
        for &code in SignalCode::ALL {
            let json = serde_json::to_string(&code).expect("serialize");
            assert_eq!(json, format!("\"{}\"", code.code()));
            assert_eq!(SignalCode::from_code(code.code()), Some(code));
        }
        assert_eq!(SignalCode::ALL.len(), 11);
        let s = signal(SignalCode::NoTransitScans, Severity::High).with_related(["QL-B".into(), "QL-A".into(), "QL-B".into()]);
        let json = serde_json::to_value(&s).expect("json");
        assert_eq!(json["code"], "no_transit_scans");
        assert_eq!(json["severity"], "high");
        assert_eq!(json["explanation"]["zh-CN"], "说明");
        assert_eq!(json["related"], serde_json::json!(["QL-A", "QL-B"]));
        let back: Signal = serde_json::from_value(json).expect("parse");
        assert_eq!(back, s);
    }

    #[test]
    fn priority_counts_each_code_once_at_its_highest_severity() {
        let signals = [
            signal(SignalCode::SimilarEvidence, Severity::Low),
            signal(SignalCode::SimilarEvidence, Severity::High),
            signal(SignalCode::SimilarEvidence, Severity::Medium),
            signal(SignalCode::BrushingKeywords, Severity::Medium),
        ];
        let p = priority(&signals, 1, Duration::zero());
        assert_eq!(p.score, 45);
        assert_eq!(p.reasons.len(), 2);
        assert_eq!(p.reasons[0].points, 30);
        assert!(p.reasons[0].explanation.en.contains("similar_evidence"));
    }

    #[test]
    fn reporters_and_age_add_points_and_the_score_is_capped() {
        assert_eq!(priority(&[], 0, Duration::zero()).score, 0);
        assert_eq!(priority(&[], 1, Duration::hours(23)).score, 0);
        assert_eq!(priority(&[], 2, Duration::zero()).score, 15);
        assert_eq!(priority(&[], 3, Duration::zero()).score, 25);
        assert_eq!(priority(&[], 50, Duration::zero()).score, 30);
        assert_eq!(priority(&[], 1, Duration::days(3)).score, 3);
        assert_eq!(priority(&[], 1, Duration::days(300)).score, 20);
        assert_eq!(priority(&[], 1, Duration::days(-3)).score, 0);
        let all: Vec<Signal> = SignalCode::ALL
            .iter()
            .map(|&c| signal(c, Severity::High))
            .collect();
        let p = priority(&all, 9, Duration::days(9));
        assert_eq!(p.score, MAX_PRIORITY);
        assert!(p.reasons.iter().any(|r| r.explanation.zh.contains("9 位独立举报人")));
        assert!(p.reasons.iter().any(|r| r.explanation.en.contains("waited 9 days")));
    }

    #[test]
    fn long_lists_are_shortened() {
        let items: Vec<String> = (1..=7).map(|i| format!("QL-{i}")).collect();
        let (zh, en) = list_some(&items, 3);
        assert_eq!(zh, "QL-1、QL-2、QL-3 等 7 项");
        assert_eq!(en, "QL-1, QL-2, QL-3 and 4 more");
        assert_eq!(list_some(&items[..2], 3).1, "QL-1, QL-2");
    }
}
