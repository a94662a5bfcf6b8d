//! The logistics rules over one normalized [`Shipment`], whatever its source
//! (the report's record or an export), and the shipment model they read.
//! Each rule is exact, and each threshold is documented where its constant
//! is. Rules read places and carriers; they never parse an export.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::carriers::{normalize_tracking_number, Carrier};
use super::places::{certain_distance_km, haversine_km, resolve_place, Place};
use crate::domain::report::Logistics;
use crate::domain::signals::{Severity, Signal, SignalCode};

/// Faster than any parcel moves door to door: cargo jets cruise at
/// 850–900 km/h, and the bound ignores the drive to and from airports.
pub const MAX_SPEED_KMH: f64 = 1000.0;
/// The least time a parcel spends being collected, sorted and handed over
/// when it changes province.
pub const MIN_HANDLING_HOURS: f64 = 2.0;
/// A parcel of physical goods weighs more than this (packaging alone does).
pub const EMPTY_PARCEL_MAX_KG: f64 = 0.05;
/// Pick-up then delivery with no scan between is suspicious beyond this.
pub const NO_SCAN_MIN_KM: f64 = 500.0;

/// The least time a parcel needs over `certain_km` (zero when the places may coincide).
pub fn min_transit_hours(certain_km: f64) -> f64 {
    if certain_km <= 0.0 {
        0.0
    } else {
        MIN_HANDLING_HOURS + certain_km / MAX_SPEED_KMH
    }
}

/// What a logistics event says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    PickedUp,
    Delivered,
    Other,
}

/// Classifies an event by its description.
pub fn milestone(description: &str) -> Milestone {
    let d = description.to_lowercase();
    const DELIVERED: &[&str] = &[
        "签收",
        "妥投",
        "代收",
        "投递成功",
        "已取件",
        "取件码",
        "delivered",
        "signed",
    ];
    const PICKED_UP: &[&str] = &[
        "揽收",
        "揽件",
        "已收件",
        "收件员",
        "picked up",
        "pickup",
        "collected",
    ];
    if DELIVERED.iter().any(|k| d.contains(k)) {
        Milestone::Delivered
    } else if PICKED_UP.iter().any(|k| d.contains(k)) {
        Milestone::PickedUp
    } else {
        Milestone::Other
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentEvent {
    pub time: DateTime<Utc>,
    pub location: Option<String>,
    pub description: Option<String>,
}

impl ShipmentEvent {
    /// The event's place: its location, else the place its description names first.
    pub fn place(&self) -> Option<Place> {
        if let Some(place) = self.location.as_deref().and_then(resolve_place) {
            return Some(place);
        }
        // The leftmost place: a "【浙江省】" prefix, refined by a city named
        // after it ("【浙江省】义乌市…" is Yiwu); "发往…" comes later and loses.
        let description = self.description.as_deref()?;
        resolve_place(description)
    }

    fn milestone(&self) -> Milestone {
        self.description
            .as_deref()
            .map_or(Milestone::Other, milestone)
    }
}

/// One parcel's record, whatever its source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Shipment {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub declared_weight_kg: Option<f64>,
    pub origin: Option<String>,
    pub destination: Option<String>,
    pub events: Vec<ShipmentEvent>,
}

impl From<&Logistics> for Shipment {
    fn from(l: &Logistics) -> Self {
        Shipment {
            carrier: l.carrier.clone(),
            tracking_number: l.tracking_number.clone(),
            shipped_at: l.shipped_at,
            delivered_at: l.delivered_at,
            declared_weight_kg: l.declared_weight_kg,
            origin: l.origin.clone(),
            destination: l.destination.clone(),
            events: l
                .events
                .iter()
                .map(|e| ShipmentEvent {
                    time: e.time,
                    location: e.location.clone(),
                    description: e.description.clone(),
                })
                .collect(),
        }
    }
}

impl Shipment {
    fn sorted_events(&self) -> Vec<&ShipmentEvent> {
        let mut events: Vec<&ShipmentEvent> = self.events.iter().collect();
        events.sort_by_key(|e| e.time);
        events
    }

    /// When the parcel left: `shipped_at`, else the first pick-up scan.
    pub fn shipped(&self) -> Option<DateTime<Utc>> {
        self.shipped_at.or_else(|| {
            self.sorted_events()
                .into_iter()
                .find(|e| e.milestone() == Milestone::PickedUp)
                .map(|e| e.time)
        })
    }

    /// When it arrived: `delivered_at`, else the first delivery scan.
    pub fn delivered(&self) -> Option<DateTime<Utc>> {
        self.delivered_at.or_else(|| {
            self.sorted_events()
                .into_iter()
                .find(|e| e.milestone() == Milestone::Delivered)
                .map(|e| e.time)
        })
    }

    /// Where it started: `origin`, else the pick-up scan's place, else the first located scan.
    pub fn origin_place(&self) -> Option<Place> {
        let events = self.sorted_events();
        self.origin.as_deref().and_then(resolve_place).or_else(|| {
            events
                .iter()
                .find(|e| e.milestone() == Milestone::PickedUp)
                .and_then(|e| e.place())
                .or_else(|| events.iter().find_map(|e| e.place()))
        })
    }

    /// Where it ended: `destination`, else the delivery scan's place, else the last located scan.
    pub fn destination_place(&self) -> Option<Place> {
        let events = self.sorted_events();
        self.destination
            .as_deref()
            .and_then(resolve_place)
            .or_else(|| {
                events
                    .iter()
                    .find(|e| e.milestone() == Milestone::Delivered)
                    .and_then(|e| e.place())
                    .or_else(|| events.iter().rev().find_map(|e| e.place()))
            })
    }
}

/// Where a shipment came from, for explanations: "物流记录" / "the logistics
/// record", or an export's file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Report,
    Export(String),
}

impl Source {
    fn zh(&self) -> String {
        match self {
            Source::Report => "物流记录".into(),
            Source::Export(name) => format!("物流导出「{name}」"),
        }
    }

    fn en(&self) -> String {
        match self {
            Source::Report => "the logistics record".into(),
            Source::Export(name) => format!("the logistics export “{name}”"),
        }
    }
}

fn beijing(t: DateTime<Utc>) -> String {
    FixedOffset::east_opt(8 * 3600)
        .map(|tz| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| t.to_rfc3339())
}

fn hours(seconds: i64) -> String {
    let h = seconds as f64 / 3600.0;
    if h < 10.0 {
        format!("{h:.1}")
    } else {
        format!("{h:.0}")
    }
}

/// All logistics rules over one shipment. `physical_goods` is false for
/// cases about services (a fake hotline), where a light parcel proves nothing.
pub fn shipment_signals(shipment: &Shipment, source: &Source, physical_goods: bool) -> Vec<Signal> {
    let mut out = Vec::new();
    out.extend(delivered_before_shipped(shipment, source));
    out.extend(implausible_transit_time(shipment, source));
    if physical_goods {
        out.extend(empty_parcel_weight(shipment, source));
    }
    out.extend(no_transit_scans(shipment, source));
    out.extend(invalid_tracking_number(shipment, source));
    out
}

/// Signals over several shipments (the record and each export), merged so
/// that each code appears once, naming every source where it held.
pub fn logistics_signals(shipments: &[(Source, Shipment)], physical_goods: bool) -> Vec<Signal> {
    let mut merged: Vec<Signal> = Vec::new();
    for (source, shipment) in shipments {
        for signal in shipment_signals(shipment, source, physical_goods) {
            match merged.iter_mut().find(|s| s.code == signal.code) {
                Some(existing) => {
                    existing.severity = existing.severity.max(signal.severity);
                    existing.explanation.zh.push_str(&signal.explanation.zh);
                    existing.explanation.en.push(' ');
                    existing.explanation.en.push_str(&signal.explanation.en);
                }
                None => merged.push(signal),
            }
        }
    }
    merged
}

pub fn delivered_before_shipped(shipment: &Shipment, source: &Source) -> Option<Signal> {
    let (shipped, delivered) = (shipment.shipped()?, shipment.delivered()?);
    if delivered >= shipped {
        return None;
    }
    Some(Signal::new(
        SignalCode::DeliveredBeforeShipped,
        Severity::High,
        format!(
            "{}显示签收时间 {} 早于发货时间 {}。",
            source.zh(),
            beijing(delivered),
            beijing(shipped)
        ),
        format!(
            "In {}, delivery at {} (Beijing time) precedes shipping at {}.",
            source.en(),
            beijing(delivered),
            beijing(shipped)
        ),
    ))
}

/// A leg that was faster than possible: from, to, seconds taken, certain km.
struct Leg {
    from: Place,
    to: Place,
    seconds: i64,
    km: f64,
}

pub fn implausible_transit_time(shipment: &Shipment, source: &Source) -> Option<Signal> {
    let mut legs: Vec<Leg> = Vec::new();
    if let (Some(shipped), Some(delivered), Some(from), Some(to)) = (
        shipment.shipped(),
        shipment.delivered(),
        shipment.origin_place(),
        shipment.destination_place(),
    ) {
        legs.push(Leg {
            from,
            to,
            seconds: (delivered - shipped).num_seconds(),
            km: certain_distance_km(&from, &to),
        });
    }
    let located: Vec<(DateTime<Utc>, Place)> = shipment
        .sorted_events()
        .into_iter()
        .filter_map(|e| Some((e.time, e.place()?)))
        .collect();
    for pair in located.windows(2) {
        let ((t0, from), (t1, to)) = (pair[0], pair[1]);
        legs.push(Leg {
            from,
            to,
            seconds: (t1 - t0).num_seconds(),
            km: certain_distance_km(&from, &to),
        });
    }
    // Negative durations are delivered_before_shipped's (or a scan-order) matter.
    let worst = legs
        .into_iter()
        .filter(|leg| leg.seconds >= 0 && leg.km > 0.0)
        .filter(|leg| (leg.seconds as f64) < min_transit_hours(leg.km) * 3600.0)
        .max_by(|a, b| {
            let ra = min_transit_hours(a.km) * 3600.0 - a.seconds as f64;
            let rb = min_transit_hours(b.km) * 3600.0 - b.seconds as f64;
            ra.total_cmp(&rb)
        })?;
    let km = haversine_km(
        (worst.from.lat, worst.from.lon),
        (worst.to.lat, worst.to.lon),
    );
    let need = min_transit_hours(worst.km);
    Some(Signal::new(
        SignalCode::ImplausibleTransitTime,
        Severity::High,
        format!(
            "{}中从{}到{}（约 {:.0} 公里）只用了 {} 小时，物理上至少需要 {:.1} 小时。",
            source.zh(),
            worst.from.name,
            worst.to.name,
            km,
            hours(worst.seconds),
            need
        ),
        format!(
            "In {}, {} to {} (about {:.0} km) took {} h; physically it needs at least {:.1} h.",
            source.en(),
            worst.from.province_name_en(),
            worst.to.province_name_en(),
            km,
            hours(worst.seconds),
            need
        ),
    ))
}

pub fn empty_parcel_weight(shipment: &Shipment, source: &Source) -> Option<Signal> {
    let weight = shipment.declared_weight_kg?;
    // NaN is in no range, so it raises nothing.
    if !(0.0..=EMPTY_PARCEL_MAX_KG).contains(&weight) {
        return None;
    }
    Some(Signal::new(
        SignalCode::EmptyParcelWeight,
        Severity::High,
        format!(
            "{}申报重量仅 {} 千克（≤ {} 千克），疑似空包。",
            source.zh(),
            weight,
            EMPTY_PARCEL_MAX_KG
        ),
        format!(
            "{} declares {} kg (at most {} kg): likely an empty parcel.",
            capitalize(&source.en()),
            weight,
            EMPTY_PARCEL_MAX_KG
        ),
    ))
}

pub fn no_transit_scans(shipment: &Shipment, source: &Source) -> Option<Signal> {
    let events = shipment.sorted_events();
    let pickup = events
        .iter()
        .position(|e| e.milestone() == Milestone::PickedUp)?;
    let delivery = events
        .iter()
        .position(|e| e.milestone() == Milestone::Delivered)?;
    if delivery != pickup + 1 {
        return None;
    }
    let from = shipment.origin_place()?;
    let to = shipment.destination_place()?;
    let km = haversine_km((from.lat, from.lon), (to.lat, to.lon));
    if certain_distance_km(&from, &to) < NO_SCAN_MIN_KM - from.slack_km() - to.slack_km()
        || km < NO_SCAN_MIN_KM
    {
        return None;
    }
    Some(Signal::new(
        SignalCode::NoTransitScans,
        Severity::Medium,
        format!(
            "{}中包裹在{}揽收后直接在{}签收（约 {:.0} 公里），中间没有任何中转扫描。",
            source.zh(),
            from.name,
            to.name,
            km
        ),
        format!(
            "In {}, the parcel was picked up in {} and signed for in {} (about {:.0} km) with no scan in between.",
            source.en(),
            from.province_name_en(),
            to.province_name_en(),
            km
        ),
    ))
}

pub fn invalid_tracking_number(shipment: &Shipment, source: &Source) -> Option<Signal> {
    let raw = shipment.tracking_number.as_deref()?;
    let number = normalize_tracking_number(raw);
    if number.is_empty() {
        return None;
    }
    let carrier = shipment.carrier.as_deref().and_then(Carrier::parse);
    let (zh, en) = match carrier {
        Some(c) if !c.accepts(&number) => (
            format!("运单号 {number} 不符合{}的单号格式", c.name_zh()),
            format!(
                "tracking number {number} does not match {}'s format",
                c.name_en()
            ),
        ),
        Some(_) => return None,
        // Unknown carrier: only what no carrier would issue.
        None if !(8..=32).contains(&number.len())
            || !number.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (
                format!("运单号 {number} 不像任何快递公司的单号"),
                format!("tracking number {number} looks like no carrier's"),
            )
        }
        None => return None,
    };
    Some(Signal::new(
        SignalCode::InvalidTrackingNumber,
        Severity::Medium,
        format!("{}中的{zh}。", source.zh()),
        format!("In {}, the {en}.", source.en()),
    ))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::parse_time;

    fn t(s: &str) -> DateTime<Utc> {
        parse_time(s).expect("time")
    }

    fn event(time: &str, location: Option<&str>, description: &str) -> ShipmentEvent {
        ShipmentEvent {
            time: t(time),
            location: location.map(str::to_owned),
            description: Some(description.to_owned()),
        }
    }

    fn codes(shipment: &Shipment) -> Vec<&'static str> {
        shipment_signals(shipment, &Source::Report, true)
            .iter()
            .map(|s| s.code.code())
            .collect()
    }

    #[test]
    fn the_least_transit_time_is_handling_plus_flight() {
        assert_eq!(min_transit_hours(0.0), 0.0);
        assert!((min_transit_hours(1000.0) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_normal_parcel_raises_nothing() {
        let shipment = Shipment {
            carrier: Some("顺丰".into()),
            tracking_number: Some("SF1428367190255".into()),
            declared_weight_kg: Some(1.2),
            events: vec![
                event("2026-10-10 16:30", Some("广州市白云区"), "已揽收"),
                event(
                    "2026-10-10 21:02",
                    None,
                    "【广东省】快件已从广州转运中心发出",
                ),
                event("2026-10-11 23:40", None, "【上海市】快件已到达上海转运中心"),
                event(
                    "2026-10-12 18:20",
                    Some("上海市浦东新区"),
                    "已签收，本人签收",
                ),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&shipment), Vec::<&str>::new());
        assert_eq!(shipment.origin_place().map(|p| p.name), Some("广州"));
        assert_eq!(shipment.destination_place().map(|p| p.name), Some("上海"));
    }

    #[test]
    fn delivered_before_shipped_is_caught_from_fields_or_scans() {
        let fields = Shipment {
            shipped_at: Some(t("2026-10-12 10:00")),
            delivered_at: Some(t("2026-10-11 09:00")),
            ..Shipment::default()
        };
        let signal = delivered_before_shipped(&fields, &Source::Report).expect("signal");
        assert!(
            signal.explanation.zh.contains("2026-10-11 09:00"),
            "{}",
            signal.explanation.zh
        );
        assert!(signal
            .explanation
            .en
            .contains("precedes shipping at 2026-10-12 10:00"));
        let scans = Shipment {
            events: vec![
                event("2026-10-11 09:00", None, "已签收"),
                event("2026-10-12 10:00", None, "已揽收"),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&scans), vec!["delivered_before_shipped"]);
        let same_time = Shipment {
            shipped_at: Some(t("2026-10-12 10:00")),
            delivered_at: Some(t("2026-10-12 10:00")),
            ..Shipment::default()
        };
        assert_eq!(codes(&same_time), Vec::<&str>::new());
    }

    #[test]
    fn transit_faster_than_a_plane_is_implausible() {
        // Urumqi to Hangzhou (about 3300 km) in 2.5 hours.
        let fast = Shipment {
            origin: Some("杭州市余杭区".into()),
            destination: Some("乌鲁木齐市天山区".into()),
            shipped_at: Some(t("2026-08-19 13:30")),
            delivered_at: Some(t("2026-08-19 16:00")),
            ..Shipment::default()
        };
        let signal = implausible_transit_time(&fast, &Source::Report).expect("signal");
        assert!(
            signal.explanation.zh.contains("从杭州到乌鲁木齐"),
            "{}",
            signal.explanation.zh
        );
        assert!(
            signal.explanation.en.contains("Zhejiang to Xinjiang"),
            "{}",
            signal.explanation.en
        );
        // The same trip in two days is fine.
        let slow = Shipment {
            delivered_at: Some(t("2026-08-21 16:00")),
            ..fast.clone()
        };
        assert_eq!(implausible_transit_time(&slow, &Source::Report), None);
        // Same-city delivery within the hour is fine.
        let local = Shipment {
            origin: Some("上海市".into()),
            destination: Some("上海市浦东新区".into()),
            shipped_at: Some(t("2026-08-19 13:30")),
            delivered_at: Some(t("2026-08-19 14:00")),
            ..Shipment::default()
        };
        assert_eq!(implausible_transit_time(&local, &Source::Report), None);
        // Neighbouring provinces known only by name get the slack: Shanghai to Jiangsu in an hour.
        let near = Shipment {
            origin: Some("上海".into()),
            destination: Some("江苏".into()),
            ..local.clone()
        };
        assert_eq!(implausible_transit_time(&near, &Source::Report), None);
        // A hop between two scans can be impossible even when the total is not.
        let hop = Shipment {
            events: vec![
                event("2026-07-04 10:00", None, "【北京市】已揽收"),
                event("2026-07-04 11:00", None, "【广东省】深圳转运中心"),
                event("2026-07-07 11:00", None, "【广东省】深圳市南山区已签收"),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&hop), vec!["implausible_transit_time"]);
    }

    #[test]
    fn light_parcels_of_physical_goods_are_empty() {
        let light = Shipment {
            declared_weight_kg: Some(0.05),
            ..Shipment::default()
        };
        assert_eq!(codes(&light), vec!["empty_parcel_weight"]);
        assert!(shipment_signals(&light, &Source::Report, false).is_empty());
        for weight in [0.051, 2.0, -1.0, f64::NAN] {
            let ok = Shipment {
                declared_weight_kg: Some(weight),
                ..Shipment::default()
            };
            assert_eq!(codes(&ok), Vec::<&str>::new(), "{weight}");
        }
        let zero = Shipment {
            declared_weight_kg: Some(0.0),
            ..Shipment::default()
        };
        let signal =
            empty_parcel_weight(&zero, &Source::Export("track.csv".into())).expect("signal");
        assert!(signal
            .explanation
            .zh
            .contains("物流导出「track.csv」申报重量仅 0 千克"));
        assert!(signal
            .explanation
            .en
            .starts_with("The logistics export “track.csv” declares 0 kg"));
    }

    #[test]
    fn no_scans_between_pickup_and_delivery_over_a_long_way() {
        let direct = Shipment {
            events: vec![
                event("2026-11-02 09:12", None, "【浙江省】义乌市揽收点已揽件"),
                event("2026-11-04 10:05", None, "【北京市】您的快件已签收"),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&direct), vec!["no_transit_scans"]);
        let signal = no_transit_scans(&direct, &Source::Report).expect("signal");
        assert!(
            signal.explanation.zh.contains("在义乌揽收后直接在北京签收"),
            "{}",
            signal.explanation.zh
        );
        // Short distance: fine.
        let short = Shipment {
            events: vec![
                event("2026-11-02 09:12", None, "【上海市】已揽件"),
                event("2026-11-03 10:05", None, "【江苏省】苏州市已签收"),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&short), Vec::<&str>::new());
        // A scan between: fine.
        let mut scanned = direct.clone();
        scanned.events.insert(
            1,
            event("2026-11-03 09:00", None, "【河北省】到达石家庄分拨中心"),
        );
        assert_eq!(codes(&scanned), Vec::<&str>::new());
        // Unknown places: no judgement.
        let unknown = Shipment {
            events: vec![
                event("2026-11-02 09:12", None, "已揽件"),
                event("2026-11-04 10:05", None, "已签收"),
            ],
            ..Shipment::default()
        };
        assert_eq!(codes(&unknown), Vec::<&str>::new());
    }

    #[test]
    fn invalid_numbers_are_named_with_their_carrier() {
        let bad = Shipment {
            carrier: Some("顺丰速运".into()),
            tracking_number: Some("sf-123".into()),
            ..Shipment::default()
        };
        let signal = invalid_tracking_number(&bad, &Source::Report).expect("signal");
        assert_eq!(
            signal.explanation.zh,
            "物流记录中的运单号 SF123 不符合顺丰的单号格式。"
        );
        assert_eq!(signal.explanation.en, "In the logistics record, the tracking number SF123 does not match SF Express's format.");
        let unknown_carrier = Shipment {
            carrier: Some("德邦".into()),
            tracking_number: Some("DPK123456789".into()),
            ..Shipment::default()
        };
        assert_eq!(codes(&unknown_carrier), Vec::<&str>::new());
        let garbage = Shipment {
            tracking_number: Some("123".into()),
            ..Shipment::default()
        };
        assert_eq!(codes(&garbage), vec!["invalid_tracking_number"]);
    }

    #[test]
    fn the_reports_logistics_converts_and_signals_merge_by_code() {
        let logistics = Logistics {
            carrier: Some("圆通".into()),
            tracking_number: Some("YT1".into()),
            shipped_at: Some(t("2026-10-12 10:00")),
            delivered_at: Some(t("2026-10-11 10:00")),
            declared_weight_kg: Some(0.01),
            origin: None,
            destination: None,
            events: vec![],
        };
        let shipment = Shipment::from(&logistics);
        assert_eq!(shipment.carrier.as_deref(), Some("圆通"));
        let export = Shipment {
            declared_weight_kg: Some(0.02),
            ..Shipment::default()
        };
        let signals = logistics_signals(
            &[
                (Source::Report, shipment),
                (Source::Export("e.json".into()), export),
            ],
            true,
        );
        let codes: Vec<&str> = signals.iter().map(|s| s.code.code()).collect();
        assert_eq!(
            codes,
            vec![
                "delivered_before_shipped",
                "empty_parcel_weight",
                "invalid_tracking_number"
            ]
        );
        let empty = &signals[1];
        assert!(
            empty.explanation.zh.contains("物流记录") && empty.explanation.zh.contains("e.json")
        );
    }
}
