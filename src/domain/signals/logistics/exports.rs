//! Logistics exports: a carrier's or tracking site's JSON or CSV download in
//! the evidence, read by [`parse_export`] into the same [`Shipment`] the
//! report's own record becomes, so that one set of rules judges both. The
//! tables of field and column names live here and nowhere else.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::Value;

use super::rules::{Shipment, ShipmentEvent};
use crate::domain::report::parse_time;
use crate::domain::signals::text::normalize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", content = "detail", rename_all = "snake_case")]
pub enum ExportError {
    #[error("the export is not UTF-8 text")]
    NotText,
    #[error("the JSON export cannot be read: {0}")]
    Json(String),
    #[error("the CSV export cannot be read: {0}")]
    Csv(String),
    #[error("the export holds no logistics event with a time")]
    NoEvents,
}

/// Keys and column names we recognize, normalized (lower case, no spaces,
/// underscores or punctuation).
const TIME_KEYS: &[&str] = &[
    "time",
    "ftime",
    "datetime",
    "date",
    "timestamp",
    "accepttime",
    "eventtime",
    "scantime",
    "optime",
    "时间",
    "操作时间",
    "扫描时间",
    "日期",
    "发生时间",
];
const LOCATION_KEYS: &[&str] = &[
    "location",
    "place",
    "city",
    "area",
    "areaname",
    "site",
    "sitename",
    "地点",
    "所在地",
    "位置",
    "网点",
    "城市",
    "所在城市",
];
const DESCRIPTION_KEYS: &[&str] = &[
    "description",
    "desc",
    "context",
    "status",
    "remark",
    "content",
    "detail",
    "acceptstation",
    "event",
    "描述",
    "状态",
    "内容",
    "详情",
    "物流信息",
    "轨迹",
    "物流状态",
    "备注",
];
const CARRIER_KEYS: &[&str] = &[
    "carrier",
    "company",
    "com",
    "express",
    "expresscompany",
    "carriername",
    "快递公司",
    "承运商",
    "物流公司",
    "快递",
];
const NUMBER_KEYS: &[&str] = &[
    "trackingnumber",
    "number",
    "nu",
    "mailno",
    "waybill",
    "waybillno",
    "trackingno",
    "运单号",
    "快递单号",
    "单号",
    "物流单号",
];
const WEIGHT_KEYS: &[&str] = &[
    "declaredweightkg",
    "weight",
    "weightkg",
    "重量",
    "包裹重量",
    "申报重量",
];
const ORIGIN_KEYS: &[&str] = &[
    "origin",
    "from",
    "sender",
    "发货地",
    "始发地",
    "寄件地",
    "发件地",
];
const DESTINATION_KEYS: &[&str] = &[
    "destination",
    "to",
    "receiver",
    "收货地",
    "目的地",
    "收件地",
];
const SHIPPED_KEYS: &[&str] = &[
    "shippedat",
    "shiptime",
    "shippingtime",
    "发货时间",
    "寄件时间",
];
const DELIVERED_KEYS: &[&str] = &[
    "deliveredat",
    "signtime",
    "deliverytime",
    "签收时间",
    "送达时间",
];
const EVENT_LIST_KEYS: &[&str] = &[
    "events",
    "traces",
    "trace",
    "tracks",
    "track",
    "data",
    "list",
    "records",
    "details",
    "result",
    "轨迹",
    "物流轨迹",
    "物流信息",
    "traceslist",
];

fn key_is(key: &str, keys: &[&str]) -> bool {
    keys.contains(&normalize(key).as_str())
}

/// Reads a logistics export (JSON or CSV) into a shipment. Liberal in what
/// it accepts: common field and column names in Chinese and English, times
/// as RFC 3339, Beijing local time in several layouts, or Unix seconds or
/// milliseconds.
pub fn parse_export(bytes: &[u8]) -> Result<Shipment, ExportError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| ExportError::NotText)?;
    let trimmed = text.trim_start();
    let shipment = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: Value =
            serde_json::from_str(trimmed).map_err(|e| ExportError::Json(e.to_string()))?;
        parse_json(&value)
    } else {
        parse_csv(text)?
    };
    if shipment.events.is_empty()
        && shipment.shipped_at.is_none()
        && shipment.delivered_at.is_none()
    {
        return Err(ExportError::NoEvents);
    }
    Ok(shipment)
}

fn parse_json(value: &Value) -> Shipment {
    let mut shipment = Shipment::default();
    if let Value::Object(map) = value {
        fill_fields(&mut shipment, map.iter().map(|(k, v)| (k.as_str(), v)));
    }
    if let Some(list) = find_event_list(value, 0) {
        shipment.events = list.iter().filter_map(json_event).collect();
    }
    shipment
}

fn fill_fields<'a>(shipment: &mut Shipment, fields: impl Iterator<Item = (&'a str, &'a Value)>) {
    for (key, value) in fields {
        let text = value_text(value);
        let text = text.as_deref().filter(|t| !t.trim().is_empty());
        if key_is(key, CARRIER_KEYS) {
            shipment.carrier = shipment.carrier.take().or(text.map(str::to_owned));
        } else if key_is(key, NUMBER_KEYS) {
            shipment.tracking_number = shipment.tracking_number.take().or(text.map(str::to_owned));
        } else if key_is(key, WEIGHT_KEYS) {
            shipment.declared_weight_kg =
                shipment.declared_weight_kg.or(text.and_then(parse_weight));
        } else if key_is(key, ORIGIN_KEYS) {
            shipment.origin = shipment.origin.take().or(text.map(str::to_owned));
        } else if key_is(key, DESTINATION_KEYS) {
            shipment.destination = shipment.destination.take().or(text.map(str::to_owned));
        } else if key_is(key, SHIPPED_KEYS) {
            shipment.shipped_at = shipment.shipped_at.or(json_time(value));
        } else if key_is(key, DELIVERED_KEYS) {
            shipment.delivered_at = shipment.delivered_at.or(json_time(value));
        }
    }
}

/// The first array of event-like objects: the top level, or under a known
/// key, up to three levels down (`{"data": {"traces": [...]}}`).
fn find_event_list(value: &Value, depth: usize) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) if items.iter().any(|i| json_event(i).is_some()) => Some(items),
        Value::Object(map) if depth < 3 => map
            .iter()
            .filter(|(k, _)| key_is(k, EVENT_LIST_KEYS))
            .find_map(|(_, v)| find_event_list(v, depth + 1))
            .or_else(|| {
                map.values()
                    .filter(|v| v.is_object())
                    .find_map(|v| find_event_list(v, depth + 1))
            }),
        _ => None,
    }
}

fn json_event(value: &Value) -> Option<ShipmentEvent> {
    let map = value.as_object()?;
    let mut time = None;
    let mut location = None;
    let mut description = None;
    for (key, v) in map {
        if time.is_none() && key_is(key, TIME_KEYS) {
            time = json_time(v);
        } else if location.is_none() && key_is(key, LOCATION_KEYS) {
            location = value_text(v).filter(|t| !t.trim().is_empty());
        } else if description.is_none() && key_is(key, DESCRIPTION_KEYS) {
            description = value_text(v).filter(|t| !t.trim().is_empty());
        }
    }
    Some(ShipmentEvent {
        time: time?,
        location,
        description,
    })
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => n.as_i64().and_then(epoch_time),
        Value::String(s) => parse_export_time(s),
        _ => None,
    }
}

/// Unix seconds or milliseconds (told apart by size), from 2000 to 2100.
fn epoch_time(n: i64) -> Option<DateTime<Utc>> {
    let seconds = if n > 100_000_000_000 { n / 1000 } else { n };
    if !(946_684_800..=4_102_444_800).contains(&seconds) {
        return None;
    }
    Utc.timestamp_opt(seconds, 0).single()
}

/// Times as exports write them; local times are Beijing time.
pub fn parse_export_time(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Some(t) = parse_time(value) {
        return Some(t);
    }
    if value.bytes().all(|b| b.is_ascii_digit()) && value.len() >= 10 && value.len() <= 13 {
        return value.parse().ok().and_then(epoch_time);
    }
    const FORMATS: &[&str] = &[
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
        "%Y年%m月%d日%H:%M:%S",
        "%Y年%m月%d日%H:%M",
        "%Y.%m.%d %H:%M:%S",
        "%Y.%m.%d %H:%M",
        "%Y%m%d%H%M%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
    ];
    let beijing = FixedOffset::east_opt(8 * 3600)?;
    FORMATS.iter().find_map(|format| {
        let naive = NaiveDateTime::parse_from_str(value, format).ok()?;
        Some(
            beijing
                .from_local_datetime(&naive)
                .single()?
                .with_timezone(&Utc),
        )
    })
}

/// "0.02", "0.02kg", "20g", "0.02 千克", "20克".
fn parse_weight(text: &str) -> Option<f64> {
    let t = text.trim().to_lowercase().replace(' ', "");
    let (number, factor) = if let Some(n) = t
        .strip_suffix("kg")
        .or(t.strip_suffix("千克"))
        .or(t.strip_suffix("公斤"))
    {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('g').or(t.strip_suffix("克")) {
        (n, 0.001)
    } else {
        (t.as_str(), 1.0)
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|w| w.is_finite() && *w >= 0.0)
        .map(|w| w * factor)
}

fn parse_csv(text: &str) -> Result<Shipment, ExportError> {
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&d| first_line.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ExportError::Csv(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |keys: &[&str]| headers.iter().position(|h| key_is(h, keys));
    let (time, location, description) = (
        column(TIME_KEYS),
        column(LOCATION_KEYS),
        column(DESCRIPTION_KEYS),
    );
    let Some(time) = time else {
        return Err(ExportError::Csv("no time column (时间 / time)".into()));
    };
    let mut shipment = Shipment::default();
    for record in reader.records() {
        let record = record.map_err(|e| ExportError::Csv(e.to_string()))?;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let fields: Vec<(String, Value)> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), Value::String(v.to_owned())))
            .collect();
        fill_fields(&mut shipment, fields.iter().map(|(k, v)| (k.as_str(), v)));
        if let Some(t) = cell(Some(time)).as_deref().and_then(parse_export_time) {
            shipment.events.push(ShipmentEvent {
                time: t,
                location: cell(location),
                description: cell(description),
            });
        }
    }
    Ok(shipment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_export_time(s).expect("time")
    }

    #[test]
    fn json_exports_in_several_shapes_are_read() {
        let kuaidi = r#"{"nu":"SF1428367190255","com":"shunfeng","data":[
            {"time":"2026-10-12 18:20:00","context":"[上海市]已签收","location":"上海市"},
            {"ftime":"2026-10-10 16:30:00","context":"广州白云区已揽收","areaName":"广东省广州市"}]}"#;
        let s = parse_export(kuaidi.as_bytes()).expect("parse");
        assert_eq!(s.tracking_number.as_deref(), Some("SF1428367190255"));
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.origin_place().map(|p| p.name), Some("广州"));
        let nested = r#"{"物流公司":"中通快递","运单号":"75318264905512","重量":"20g",
            "result":{"traces":[{"时间":"2026-11-02 09:12","描述":"已揽件","地点":"义乌"},
                                {"时间":1762218300000,"描述":"已签收","地点":"北京"}]}}"#;
        let s = parse_export(nested.as_bytes()).expect("parse");
        assert_eq!(s.carrier.as_deref(), Some("中通快递"));
        assert_eq!(s.declared_weight_kg, Some(0.02));
        assert_eq!(s.events.len(), 2);
        assert_eq!(
            s.events[1].time,
            Utc.timestamp_opt(1_762_218_300, 0).single().expect("t")
        );
        let array = br#"[{"time":"2026-11-02T01:12:00Z","status":"picked up","location":"Yiwu"}]"#;
        assert_eq!(parse_export(array).expect("parse").events.len(), 1);
        assert_eq!(parse_export(b"{\"a\":1}"), Err(ExportError::NoEvents));
        assert!(matches!(parse_export(b"{oops"), Err(ExportError::Json(_))));
        assert_eq!(parse_export(&[0xFF, 0xFE]), Err(ExportError::NotText));
    }

    #[test]
    fn csv_exports_with_chinese_or_english_headers_are_read() {
        let zh = "\u{FEFF}时间,地点,描述,运单号,快递公司\n2026-09-25 12:10,济南市历下区,已揽收,JT1234567890123,极兔\n2026/09/28 14:44,成都,已签收,,\n无效时间,成都,忽略,,\n";
        let s = parse_export(zh.as_bytes()).expect("parse");
        assert_eq!(s.events.len(), 2);
        assert_eq!(s.tracking_number.as_deref(), Some("JT1234567890123"));
        assert_eq!(s.carrier.as_deref(), Some("极兔"));
        assert_eq!(s.events[1].location.as_deref(), Some("成都"));
        let en = "Time\tLocation\tStatus\tWeight\n2026年11月02日 09:12\tYiwu\tpicked up\t0.01kg\n";
        let s = parse_export(en.as_bytes()).expect("parse");
        assert_eq!(s.events.len(), 1);
        assert_eq!(s.declared_weight_kg, Some(0.01));
        assert!(matches!(
            parse_export(b"a,b\n1,2\n"),
            Err(ExportError::Csv(_))
        ));
    }
    #[test]
    fn export_times_in_many_layouts() {
        for s in [
            "2026-11-02 09:12",
            "2026-11-02 09:12:00",
            "2026/11/02 09:12",
            "2026年11月02日 09:12",
            "2026.11.02 09:12",
            "20261102091200",
            "2026-11-02T01:12:00Z",
            "1793581920",
        ] {
            assert_eq!(parse_export_time(s), Some(t("2026-11-02T01:12:00Z")), "{s}");
        }
        assert_eq!(parse_export_time("yesterday"), None);
        assert_eq!(parse_export_time("12"), None);
    }
}
