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
pub mod hotline;
pub mod image_hash;
pub mod keywords;
pub mod logistics;
pub mod text;
pub mod thumbnail;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::vocabulary::vocabulary;

use self::cross::{
    EvidenceFingerprint, MerchantReport, OtherEvidence, ReporterIdentity, TrackingUse,
};
use self::logistics::{ExportError, Shipment, Source};
use self::text::{CaseText, OtherReview, TemplateAnalysis};
use crate::domain::catalog::Category;
use crate::domain::report::Logistics;
use crate::domain::screenshot_text::ScreenKind;

vocabulary!(
    /// What a signal says, as a stable snake_case code (stored and sent as is).
    SignalCode {
        DuplicateEvidence = "duplicate_evidence", "重复证据", "Duplicate evidence";
        SimilarEvidence = "similar_evidence", "相似截图", "Similar screenshot";
        TemplateReviews = "template_reviews", "模板化评价", "Templated reviews";
        DeliveredBeforeShipped = "delivered_before_shipped", "签收早于发货", "Delivered before shipped";
        ImplausibleTransitTime = "implausible_transit_time", "运输时间不合理", "Implausible transit time";
        EmptyParcelWeight = "empty_parcel_weight", "空包重量", "Empty-parcel weight";
        NoTransitScans = "no_transit_scans", "没有中转记录", "No transit scans";
        ReusedTrackingNumber = "reused_tracking_number", "运单号被重复使用", "Reused tracking number";
        InvalidTrackingNumber = "invalid_tracking_number", "运单号格式无效", "Invalid tracking number";
        BrushingKeywords = "brushing_keywords", "刷单用语", "Brushing vocabulary";
        CorroboratedReview = "corroborated_review", "多人举报同一评价", "The same review reported by several people";
        RepeatMerchant = "repeat_merchant", "商家被多人举报", "Merchant reported by several people";
        RepeatHotline = "repeat_hotline", "热线号码被重复举报", "Hotline number reported again";
        RepeatHotlineDomain = "repeat_hotline_domain", "广告网站被重复举报", "Advertising site reported again";
        SeoImpersonation = "seo_impersonation", "冒充官方售后页面", "Page posing as the official service";
        NotOfficialNumber = "not_official_number", "非品牌官方号码", "Not the brand's own number";
        OfficialNumber = "official_number", "品牌官方号码", "The brand's own number";
    }
);

vocabulary!(
    /// How much a signal weighs; ordered, so `High > Low`.
    Severity {
        Low = "low", "低", "Low";
        Medium = "medium", "中", "Medium";
        High = "high", "高", "High";
    }
);

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

/// What an `official_number` takes off: the reported "fake" number is the
/// brand's own, so the report is probably mistaken.
const OFFICIAL_NUMBER_POINTS: i32 = -30;

fn signal_points(signal: &Signal) -> i32 {
    match signal.code {
        SignalCode::OfficialNumber => OFFICIAL_NUMBER_POINTS,
        _ => signal.severity.points() as i32,
    }
}

/// Why a case sits where it does in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorityReason {
    /// Negative for a signal that makes the report less likely to hold
    /// (`official_number`).
    pub points: i32,
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
            points: signal_points(signal),
            explanation: Explanation::new(
                format!(
                    "信号 {}（{}）",
                    signal.code.code(),
                    signal.severity.labelled().zh
                ),
                format!("signal {} ({})", signal.code.code(), signal.severity.code()),
            ),
        });
    }
    // The reporters and the age are always explained, even when they add
    // nothing, so a moderator reads why a case ranks where it does.
    let reporters = independent_reporters.max(1);
    let points = REPORTER_POINTS[(reporters as usize - 1).min(REPORTER_POINTS.len() - 1)];
    reasons.push(PriorityReason {
        points: points as i32,
        explanation: if reporters == 1 {
            Explanation::new(
                "只有本案举报人举报过该商家".to_owned(),
                "only this case's reporter reported this merchant".to_owned(),
            )
        } else {
            Explanation::new(
                format!("共有 {reporters} 位独立举报人举报该商家"),
                format!("{reporters} independent reporters reported this merchant"),
            )
        },
    });
    let days = u32::try_from(age.num_days().max(0)).unwrap_or(u32::MAX);
    let age_points = days.min(MAX_AGE_POINTS);
    reasons.push(PriorityReason {
        points: age_points as i32,
        // Open cases are recomputed daily until the age points are full;
        // past that the text must stay true without a recomputation.
        explanation: if days == 0 {
            Explanation::new(
                "案件提交不足一天".to_owned(),
                "the case was filed less than a day ago".to_owned(),
            )
        } else if days >= MAX_AGE_POINTS {
            Explanation::new(
                format!("案件已等待 {MAX_AGE_POINTS} 天以上"),
                format!("the case has waited {MAX_AGE_POINTS} days or more"),
            )
        } else {
            Explanation::new(
                format!("案件已等待 {days} 天"),
                format!("the case has waited {days} days"),
            )
        },
    });
    let score = reasons
        .iter()
        .map(|r| r.points)
        .sum::<i32>()
        .clamp(0, MAX_PRIORITY as i32) as u32;
    Priority { score, reasons }
}

/// Whether a case's category is about goods that ship (a light parcel means
/// something), rather than a service such as a fake repair hotline.
pub fn physical_goods(category: Category) -> bool {
    !matches!(category, Category::FakeServiceHotline)
}

/// The passages read from one screenshot, and what kind of screen it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenshotText {
    /// The screenshot's display name.
    pub name: String,
    pub kind: ScreenKind,
    pub passages: Vec<String>,
}

/// How a text read from this case's screenshot `name` is named.
fn screenshot_label(name: &str) -> Explanation {
    Explanation::new(
        format!("本案截图「{name}」"),
        format!("the screenshot “{name}” here"),
    )
}

/// Everything the signals of one case need. The first group comes from the
/// case itself; the second from queries about other cases, which the caller
/// runs (each field says which) and which may return more than needed: the
/// functions here check the match again.
#[derive(Debug, Clone)]
pub struct CaseInput<'a> {
    pub category: Category,
    pub description: &'a str,
    /// The reviews the reporter pasted.
    pub review_texts: &'a [String],
    /// What was read from each screenshot (OCR), sorted by
    /// [`crate::domain::screenshot_text::read`].
    pub screenshots: &'a [ScreenshotText],
    pub order_id: Option<&'a str>,
    pub logistics: Option<&'a Logistics>,
    /// JSON and CSV evidence files: (display name, stored bytes).
    pub logistics_exports: &'a [(String, Vec<u8>)],
    /// Every evidence file: name, SHA-256, and the fingerprint of images
    /// (made by intake while it checks the pixels, else by the signals
    /// worker; see [`image_hash::Fingerprint`]).
    pub evidence: &'a [EvidenceFingerprint],
    pub reporter: &'a ReporterIdentity,
    pub created_at: DateTime<Utc>,
    pub now: DateTime<Utc>,

    /// Other cases' evidence with one of this case's SHA-256s, or whose hash
    /// is within [`image_hash::SIMILAR_MAX_DISTANCE`] (found through
    /// [`image_hash::candidate_halves`]).
    pub other_evidence: &'a [OtherEvidence],
    /// Review texts of other cases with the same merchant key.
    pub other_reviews: &'a [OtherReview],
    /// Other cases giving one of this case's tracking numbers (the record's
    /// and the exports', normalized with
    /// [`logistics::normalize_tracking_number`]).
    pub tracking_uses: &'a [TrackingUse],
    /// Other cases with the same merchant key (name key or shop key).
    pub merchant_reports: &'a [MerchantReport],
    /// A fake hotline report's number, page and the other cases it meets.
    pub hotline: Option<hotline::HotlineInput<'a>>,
}

/// The signals of a case with its priority, plus what was found along the
/// way (the review clusters, exports that could not be read) for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseSignals {
    pub signals: Vec<Signal>,
    pub priority: Priority,
    pub independent_reporters: u32,
    pub reviews: TemplateAnalysis,
    pub unreadable_exports: Vec<(String, ExportError)>,
}

/// All signals of one case, most severe first.
pub fn evaluate_case(input: &CaseInput<'_>) -> CaseSignals {
    let mut signals = Vec::new();
    signals.extend(cross::duplicate_evidence(
        input.evidence,
        input.other_evidence,
    ));
    signals.extend(cross::similar_evidence(
        input.evidence,
        input.other_evidence,
    ));
    // The reviews: pasted ones first, then what was read from screenshots
    // of reviews, chats and pages (not from tracking or order pages), each
    // named after where it was seen.
    let mut texts: Vec<CaseText> = CaseText::pasted(input.review_texts);
    let mut labels: Vec<Explanation> = (0..input.review_texts.len())
        .map(text::pasted_review_label)
        .collect();
    for screenshot in input.screenshots.iter().filter(|s| s.kind.has_reviews()) {
        for passage in &screenshot.passages {
            texts.push(CaseText {
                source: screenshot.name.clone(),
                text: passage.clone(),
            });
            labels.push(screenshot_label(&screenshot.name));
        }
    }
    let repeat = cross::repeat_merchant(input.reporter, input.created_at, input.merchant_reports);
    let reviews = text::analyze_reviews(&texts, input.other_reviews, &repeat.independent_cases);
    signals.extend(text::template_reviews_signal(&reviews, &labels));
    signals.extend(text::corroborated_review_signal(&reviews, &labels));

    let mut shipments: Vec<(Source, Shipment)> = Vec::new();
    if let Some(logistics) = input.logistics {
        shipments.push((Source::Report, Shipment::from(logistics)));
    }
    let mut unreadable_exports = Vec::new();
    for (name, bytes) in input.logistics_exports {
        match logistics::parse_export(bytes) {
            Ok(shipment) => shipments.push((Source::Export(name.clone()), shipment)),
            Err(error) => unreadable_exports.push((name.clone(), error)),
        }
    }
    signals.extend(logistics::logistics_signals(
        &shipments,
        physical_goods(input.category),
    ));
    let mut numbers: Vec<String> = shipments
        .iter()
        .filter_map(|(_, s)| s.tracking_number.as_deref())
        .map(logistics::normalize_tracking_number)
        .filter(|n| !n.is_empty())
        .collect();
    numbers.sort();
    numbers.dedup();
    let mut reused: Option<Signal> = None;
    for number in &numbers {
        if let Some(signal) =
            cross::reused_tracking_number(number, input.order_id, input.tracking_uses)
        {
            reused = Some(match reused {
                None => signal,
                Some(mut merged) => {
                    merged.severity = merged.severity.max(signal.severity);
                    merged.explanation.zh.push_str(&signal.explanation.zh);
                    merged.explanation.en.push(' ');
                    merged.explanation.en.push_str(&signal.explanation.en);
                    merged.with_related(signal.related)
                }
            });
        }
    }
    signals.extend(reused);

    // Brushing vocabulary counts where the other side said it: in reviews,
    // chats and pages. The reporter's description adds nothing (it names
    // what they fear), nor does the name of the case's own category.
    let mut fields: Vec<(String, &str)> = input
        .review_texts
        .iter()
        .enumerate()
        .map(|(i, t)| (i.to_string(), t.as_str()))
        .collect();
    let mut field_labels: Vec<Explanation> = (0..input.review_texts.len())
        .map(text::pasted_review_label)
        .collect();
    for screenshot in input.screenshots {
        let label = screenshot_label(&screenshot.name);
        for passage in &screenshot.passages {
            fields.push((field_labels.len().to_string(), passage.as_str()));
            field_labels.push(label.clone());
        }
    }
    let hits: Vec<keywords::KeywordHit> =
        keywords::find_keywords(fields.iter().map(|(f, t)| (f.as_str(), *t)))
            .into_iter()
            .filter(|hit| !keywords::names_category(hit.term, input.category))
            .collect();
    signals.extend(keywords::brushing_keywords_signal(&hits, |field| {
        field
            .parse::<usize>()
            .ok()
            .and_then(|i| field_labels.get(i))
            .cloned()
            .unwrap_or_else(|| Explanation::new(field, field))
    }));

    if let Some(hotline) = &input.hotline {
        signals.extend(hotline::hotline_signals(hotline));
    }

    signals.extend(repeat.signal);

    signals.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    let priority = priority(
        &signals,
        repeat.independent_reporters,
        input.now - input.created_at,
    );
    CaseSignals {
        signals,
        priority,
        independent_reporters: repeat.independent_reporters,
        reviews,
        unreadable_exports,
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
        assert_eq!(SignalCode::ALL.len(), 17);
        let s = signal(SignalCode::NoTransitScans, Severity::High).with_related([
            "QL-B".into(),
            "QL-A".into(),
            "QL-B".into(),
        ]);
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
        assert_eq!(p.reasons.len(), 4, "two signals, the reporters, the age");
        assert_eq!(p.reasons[0].points, 30);
        assert!(p.reasons[0].explanation.en.contains("similar_evidence"));
        assert_eq!(p.reasons[2].points, 0);
        assert!(p.reasons[2].explanation.zh.contains("只有本案举报人"));
        assert_eq!(p.reasons[3].points, 0);
        assert!(p.reasons[3].explanation.en.contains("less than a day"));
    }

    #[test]
    fn the_age_is_explained_at_every_age_and_stays_true_past_the_cap() {
        let says = |age: Duration| {
            let p = priority(&[], 1, age);
            let last = p.reasons.last().expect("the age reason");
            (last.points, last.explanation.zh.clone())
        };
        assert_eq!(says(Duration::hours(5)), (0, "案件提交不足一天".to_owned()));
        assert_eq!(says(Duration::days(1)), (1, "案件已等待 1 天".to_owned()));
        assert_eq!(
            says(Duration::days(19)),
            (19, "案件已等待 19 天".to_owned())
        );
        assert_eq!(
            says(Duration::days(20)),
            (20, "案件已等待 20 天以上".to_owned())
        );
        assert_eq!(
            says(Duration::days(400)),
            (20, "案件已等待 20 天以上".to_owned())
        );
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
        assert!(p
            .reasons
            .iter()
            .any(|r| r.explanation.zh.contains("9 位独立举报人")));
        assert!(p
            .reasons
            .iter()
            .any(|r| r.explanation.en.contains("waited 9 days")));
    }

    #[test]
    fn a_case_is_evaluated_from_its_own_data_and_the_lookups() {
        use chrono::TimeZone;
        let created = Utc
            .with_ymd_and_hms(2026, 11, 20, 0, 0, 0)
            .single()
            .expect("time");
        let reviews = vec![
            "宝贝收到了，质量非常好，做工精细，面料舒服，物流超快，五星好评！".to_string(),
            "超赞！物美价廉，五星好评！".to_string(),
        ];
        let logistics = Logistics {
            carrier: Some("顺丰".into()),
            tracking_number: Some("SF1428367190255".into()),
            shipped_at: None,
            delivered_at: None,
            declared_weight_kg: Some(0.01),
            origin: None,
            destination: None,
            events: vec![],
        };
        let exports = vec![
            ("bad.json".to_string(), b"{oops".to_vec()),
            (
                "track.csv".to_string(),
                "时间,描述\n2026-11-02 09:12,【浙江省】义乌已揽件\n2026-11-02 10:00,【北京市】已签收\n"
                    .as_bytes()
                    .to_vec(),
            ),
        ];
        let evidence = vec![EvidenceFingerprint {
            name: "a.png".into(),
            sha256: "aa".into(),
            phash: Some(image_hash::ImageHash(0)),
            thumbnail: None,
            ocr_text: None,
        }];
        let other_evidence = vec![OtherEvidence {
            case_reference: "QL-OTHER".into(),
            name: "b.png".into(),
            sha256: "aa".into(),
            phash: Some(image_hash::ImageHash(0)),
            thumbnail: None,
            ocr_text: None,
        }];
        let other_reviews = vec![OtherReview {
            case_reference: "QL-REV".into(),
            index: 0,
            text: "宝贝收到了，质量很好，做工精细，面料很舒服，物流超快，五星好评！！".into(),
        }];
        let tracking_uses = vec![TrackingUse {
            case_reference: "QL-TRACK".into(),
            tracking_number: "SF1428367190255".into(),
            order_id: Some("other order".into()),
        }];
        let me = ReporterIdentity {
            contact: Some("me".into()),
            network: None,
        };
        let merchant_reports = vec![MerchantReport {
            case_reference: "QL-M".into(),
            reporter: ReporterIdentity {
                contact: Some("you".into()),
                network: None,
            },
            created_at: created - Duration::days(4),
        }];
        let input = CaseInput {
            category: Category::FakeReview,
            description: "商家好评返现，明显刷单。",
            review_texts: &reviews,
            screenshots: &[],
            order_id: Some("my order"),
            logistics: Some(&logistics),
            logistics_exports: &exports,
            evidence: &evidence,
            reporter: &me,
            created_at: created,
            now: created + Duration::days(2),
            other_evidence: &other_evidence,
            other_reviews: &other_reviews,
            tracking_uses: &tracking_uses,
            merchant_reports: &merchant_reports,
            hotline: None,
        };
        let result = evaluate_case(&input);
        let codes: Vec<&str> = result.signals.iter().map(|s| s.code.code()).collect();
        assert_eq!(
            codes,
            vec![
                "duplicate_evidence",
                "implausible_transit_time",
                "empty_parcel_weight",
                // QL-REV's review is a variant of review 1 (not a verbatim
                // quote): a pair from one template, medium.
                "template_reviews",
                "no_transit_scans",
                "reused_tracking_number",
                "repeat_merchant",
            ],
            "the description's 好评返现 and 刷单 add nothing"
        );
        assert_eq!(result.independent_reporters, 2);
        assert_eq!(result.unreadable_exports.len(), 1);
        assert_eq!(result.reviews.stock_praise, vec![1]);
        assert_eq!(result.priority.score, MAX_PRIORITY);
        assert!(result
            .priority
            .reasons
            .iter()
            .any(|r| r.explanation.en.contains("waited 2 days")));
        assert!(!physical_goods(Category::FakeServiceHotline));
        assert!(physical_goods(Category::AbnormalLogistics));
    }

    fn quiet_input<'a>(
        category: Category,
        description: &'a str,
        reviews: &'a [String],
        screenshots: &'a [ScreenshotText],
        reporter: &'a ReporterIdentity,
    ) -> CaseInput<'a> {
        let now = Utc::now();
        CaseInput {
            category,
            description,
            review_texts: reviews,
            screenshots,
            order_id: None,
            logistics: None,
            logistics_exports: &[],
            evidence: &[],
            reporter,
            created_at: now,
            now,
            other_evidence: &[],
            other_reviews: &[],
            tracking_uses: &[],
            merchant_reports: &[],
            hotline: None,
        }
    }

    #[test]
    fn the_reporters_own_words_and_the_categorys_name_add_nothing() {
        let me = ReporterIdentity {
            contact: Some("me".into()),
            network: None,
        };
        let reviews = vec!["收到的是空包，只有一张纸，气死了".to_string()];
        let input = quiet_input(
            Category::AbnormalLogistics,
            "商家刷单炒信，发的是空包，好评返现",
            &reviews,
            &[],
            &me,
        );
        let result = evaluate_case(&input);
        assert!(result.signals.is_empty(), "{:?}", result.signals);
        assert_eq!(result.priority.score, 0);
        // The same words in a recruiter's chat count, where they are not the
        // category's own name.
        let chat = vec![ScreenshotText {
            name: "聊天.png".into(),
            kind: ScreenKind::Content,
            passages: vec!["真人拍单，垫付本金，佣金当天结".into()],
        }];
        let input = quiet_input(Category::BrushingRecruitment, "见截图", &[], &chat, &me);
        let result = evaluate_case(&input);
        let keywords = result
            .signals
            .iter()
            .find(|s| s.code == SignalCode::BrushingKeywords)
            .expect("keywords from the chat");
        assert_eq!(keywords.severity, Severity::High);
        assert!(
            keywords.explanation.zh.contains("截图「聊天.png」"),
            "{}",
            keywords.explanation.zh
        );
    }

    #[test]
    fn a_pasted_review_shown_in_a_screenshot_is_one_review_and_tracking_lines_are_not_reviews() {
        let me = ReporterIdentity {
            contact: Some("me".into()),
            network: None,
        };
        let review = "给老妈买的，做工很扎实，颜色跟图片一样，比实体店便宜不少".to_string();
        let shots = vec![
            ScreenshotText {
                name: "评价0.png".into(),
                kind: ScreenKind::Content,
                passages: vec![
                    review.clone(),
                    "袖子有点长，我一米七穿到手背，面料还可以".into(),
                ],
            },
            ScreenshotText {
                name: "物流.png".into(),
                kind: ScreenKind::Tracking,
                passages: vec![
                    "快件已到达杭州转运中心准备发往下一站".into(),
                    "快件已到达杭州转运中心准备发往下一站点".into(),
                ],
            },
        ];
        let reviews = vec![review];
        let input = quiet_input(Category::FakeReview, "疑似刷单", &reviews, &shots, &me);
        let result = evaluate_case(&input);
        assert!(result.signals.is_empty(), "{:?}", result.signals);
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
