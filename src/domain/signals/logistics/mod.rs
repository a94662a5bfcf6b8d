//! Logistics signals over a normalized [`Shipment`]: from the report's
//! `logistics` record ([`Shipment::from`]) or from a JSON/CSV export in the
//! evidence ([`parse_export`]).
//!
//! Rules (each exact, each documented where its constant is):
//! `delivered_before_shipped`, `implausible_transit_time`,
//! `empty_parcel_weight`, `no_transit_scans`, `invalid_tracking_number`.
//! Places are resolved to a province (and to a city when one of the major
//! cities is named) and distances are great-circle distances between them.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::text::normalize;
use super::{Severity, Signal, SignalCode};
use crate::domain::report::{parse_time, Logistics};

/// Faster than any parcel moves door to door: cargo jets cruise at
/// 850–900 km/h, and the bound ignores the drive to and from airports.
pub const MAX_SPEED_KMH: f64 = 1000.0;
/// The least time a parcel spends being collected, sorted and handed over
/// when it changes province.
pub const MIN_HANDLING_HOURS: f64 = 2.0;
/// When a place is known only by its province we measure from the capital;
/// a town may lie this far from it, so this much is forgiven per such end.
pub const PROVINCE_SLACK_KM: f64 = 300.0;
/// Slack for a place resolved to a city (suburbs, airports).
pub const CITY_SLACK_KM: f64 = 50.0;
/// A parcel of physical goods weighs more than this (packaging alone does).
pub const EMPTY_PARCEL_MAX_KG: f64 = 0.05;
/// Pick-up then delivery with no scan between is suspicious beyond this.
pub const NO_SCAN_MIN_KM: f64 = 500.0;

/// China's 34 provincial-level divisions: name (as in `catalog::PROVINCES`),
/// name without its suffix, one-character abbreviation, English name,
/// capital, and the capital's latitude and longitude.
pub const PROVINCES: &[(&str, &str, &str, &str, &str, f64, f64)] = &[
    ("北京市", "北京", "京", "Beijing", "北京", 39.904, 116.407),
    ("天津市", "天津", "津", "Tianjin", "天津", 39.084, 117.201),
    ("上海市", "上海", "沪", "Shanghai", "上海", 31.230, 121.474),
    ("重庆市", "重庆", "渝", "Chongqing", "重庆", 29.563, 106.551),
    ("河北省", "河北", "冀", "Hebei", "石家庄", 38.042, 114.515),
    ("山西省", "山西", "晋", "Shanxi", "太原", 37.871, 112.549),
    ("辽宁省", "辽宁", "辽", "Liaoning", "沈阳", 41.806, 123.432),
    ("吉林省", "吉林", "吉", "Jilin", "长春", 43.817, 125.324),
    (
        "黑龙江省",
        "黑龙江",
        "黑",
        "Heilongjiang",
        "哈尔滨",
        45.803,
        126.535,
    ),
    ("江苏省", "江苏", "苏", "Jiangsu", "南京", 32.060, 118.797),
    ("浙江省", "浙江", "浙", "Zhejiang", "杭州", 30.274, 120.155),
    ("安徽省", "安徽", "皖", "Anhui", "合肥", 31.821, 117.227),
    ("福建省", "福建", "闽", "Fujian", "福州", 26.074, 119.296),
    ("江西省", "江西", "赣", "Jiangxi", "南昌", 28.682, 115.858),
    ("山东省", "山东", "鲁", "Shandong", "济南", 36.651, 117.120),
    ("河南省", "河南", "豫", "Henan", "郑州", 34.746, 113.625),
    ("湖北省", "湖北", "鄂", "Hubei", "武汉", 30.593, 114.305),
    ("湖南省", "湖南", "湘", "Hunan", "长沙", 28.228, 112.939),
    ("广东省", "广东", "粤", "Guangdong", "广州", 23.129, 113.264),
    ("海南省", "海南", "琼", "Hainan", "海口", 20.044, 110.199),
    ("四川省", "四川", "川", "Sichuan", "成都", 30.573, 104.066),
    ("贵州省", "贵州", "黔", "Guizhou", "贵阳", 26.647, 106.630),
    ("云南省", "云南", "滇", "Yunnan", "昆明", 24.880, 102.833),
    ("陕西省", "陕西", "陕", "Shaanxi", "西安", 34.341, 108.940),
    ("甘肃省", "甘肃", "甘", "Gansu", "兰州", 36.061, 103.834),
    ("青海省", "青海", "青", "Qinghai", "西宁", 36.617, 101.778),
    ("台湾省", "台湾", "台", "Taiwan", "台北", 25.033, 121.565),
    (
        "内蒙古自治区",
        "内蒙古",
        "蒙",
        "Inner Mongolia",
        "呼和浩特",
        40.842,
        111.749,
    ),
    (
        "广西壮族自治区",
        "广西",
        "桂",
        "Guangxi",
        "南宁",
        22.817,
        108.366,
    ),
    ("西藏自治区", "西藏", "藏", "Tibet", "拉萨", 29.652, 91.172),
    (
        "宁夏回族自治区",
        "宁夏",
        "宁",
        "Ningxia",
        "银川",
        38.487,
        106.231,
    ),
    (
        "新疆维吾尔自治区",
        "新疆",
        "新",
        "Xinjiang",
        "乌鲁木齐",
        43.825,
        87.617,
    ),
    (
        "香港特别行政区",
        "香港",
        "港",
        "Hong Kong",
        "香港",
        22.319,
        114.169,
    ),
    (
        "澳门特别行政区",
        "澳门",
        "澳",
        "Macao",
        "澳门",
        22.199,
        113.544,
    ),
];

/// The capitals' English names, in the order of [`PROVINCES`].
const CAPITALS_EN: [&str; 34] = [
    "Beijing",
    "Tianjin",
    "Shanghai",
    "Chongqing",
    "Shijiazhuang",
    "Taiyuan",
    "Shenyang",
    "Changchun",
    "Harbin",
    "Nanjing",
    "Hangzhou",
    "Hefei",
    "Fuzhou",
    "Nanchang",
    "Jinan",
    "Zhengzhou",
    "Wuhan",
    "Changsha",
    "Guangzhou",
    "Haikou",
    "Chengdu",
    "Guiyang",
    "Kunming",
    "Xi'an",
    "Lanzhou",
    "Xining",
    "Taipei",
    "Hohhot",
    "Nanning",
    "Lhasa",
    "Yinchuan",
    "Urumqi",
    "Hong Kong",
    "Macao",
];

/// Major non-capital cities (where most parcels start or end): name,
/// English name, province (index into [`PROVINCES`]), latitude, longitude.
pub const CITIES: &[(&str, &str, usize, f64, f64)] = &[
    ("深圳", "Shenzhen", 18, 22.543, 114.058),
    ("东莞", "Dongguan", 18, 23.021, 113.752),
    ("佛山", "Foshan", 18, 23.022, 113.122),
    ("珠海", "Zhuhai", 18, 22.271, 113.577),
    ("汕头", "Shantou", 18, 23.354, 116.682),
    ("惠州", "Huizhou", 18, 23.112, 114.416),
    ("中山", "Zhongshan", 18, 22.517, 113.393),
    ("苏州", "Suzhou", 9, 31.299, 120.585),
    ("无锡", "Wuxi", 9, 31.491, 120.312),
    ("常州", "Changzhou", 9, 31.811, 119.974),
    ("南通", "Nantong", 9, 31.980, 120.894),
    ("徐州", "Xuzhou", 9, 34.205, 117.284),
    ("扬州", "Yangzhou", 9, 32.394, 119.413),
    ("宁波", "Ningbo", 10, 29.868, 121.544),
    ("温州", "Wenzhou", 10, 27.994, 120.699),
    ("义乌", "Yiwu", 10, 29.306, 120.075),
    ("金华", "Jinhua", 10, 29.079, 119.647),
    ("绍兴", "Shaoxing", 10, 29.998, 120.582),
    ("嘉兴", "Jiaxing", 10, 30.746, 120.755),
    ("台州", "Taizhou", 10, 28.656, 121.421),
    ("湖州", "Huzhou", 10, 30.894, 120.087),
    ("青岛", "Qingdao", 14, 36.067, 120.383),
    ("烟台", "Yantai", 14, 37.464, 121.448),
    ("潍坊", "Weifang", 14, 36.707, 119.162),
    ("临沂", "Linyi", 14, 35.105, 118.356),
    ("厦门", "Xiamen", 12, 24.480, 118.089),
    ("泉州", "Quanzhou", 12, 24.874, 118.676),
    ("莆田", "Putian", 12, 25.454, 119.008),
    ("大连", "Dalian", 6, 38.914, 121.615),
    ("洛阳", "Luoyang", 15, 34.620, 112.454),
    ("宜昌", "Yichang", 16, 30.692, 111.287),
    ("绵阳", "Mianyang", 20, 31.468, 104.679),
    ("桂林", "Guilin", 28, 25.274, 110.290),
    ("三亚", "Sanya", 19, 18.253, 109.512),
    ("保定", "Baoding", 4, 38.874, 115.464),
    ("唐山", "Tangshan", 4, 39.631, 118.180),
    ("廊坊", "Langfang", 4, 39.538, 116.684),
    ("芜湖", "Wuhu", 11, 31.353, 118.433),
    ("赣州", "Ganzhou", 13, 25.831, 114.935),
    ("株洲", "Zhuzhou", 17, 27.828, 113.134),
    ("遵义", "Zunyi", 21, 27.725, 106.927),
    ("大理", "Dali", 22, 25.607, 100.268),
    ("咸阳", "Xianyang", 23, 34.330, 108.709),
    ("包头", "Baotou", 27, 40.658, 109.840),
    ("喀什", "Kashgar", 31, 39.470, 75.990),
    ("日喀则", "Shigatse", 29, 29.267, 88.881),
    ("拉萨", "Lhasa", 29, 29.652, 91.172),
    ("乌鲁木齐", "Urumqi", 31, 43.825, 87.617),
];

/// A place as far as we could resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// Index into [`PROVINCES`].
    pub province: usize,
    /// The city's name when a city was named, else the province's.
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// True when resolved to a city, not only to a province.
    pub city: bool,
}

impl Place {
    pub fn province_name(&self) -> &'static str {
        PROVINCES[self.province].0
    }

    fn slack_km(&self) -> f64 {
        if self.city {
            CITY_SLACK_KM
        } else {
            PROVINCE_SLACK_KM
        }
    }
}

/// Resolves free text ("浙江省杭州市余杭区", "【上海市】", "Shenzhen", "粤") to
/// a place: the leftmost name wins (so "浙江西湖区" is Zhejiang, not 江西),
/// the longest at the same position; a city name gives the city.
pub fn resolve_place(text: &str) -> Option<Place> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // A lone one-character abbreviation: only when it is the whole text,
    // since 新, 青, 台… are ordinary characters too.
    if text.chars().count() == 1 {
        return PROVINCES
            .iter()
            .position(|p| p.2 == text)
            .map(province_place);
    }
    let lower = text.to_lowercase();
    let mut best: Option<(usize, usize, Place)> = None;
    let mut consider = |haystack: &str, needle: &str, place: Place| {
        if let Some(at) = haystack.find(needle) {
            let better = match best {
                None => true,
                Some((pos, len, _)) => at < pos || (at == pos && needle.len() > len),
            };
            if better {
                best = Some((at, needle.len(), place));
            }
        }
    };
    for (i, p) in PROVINCES.iter().enumerate() {
        let place = province_place(i);
        consider(text, p.0, place);
        consider(text, p.1, place);
        consider(&lower, &p.3.to_lowercase(), place);
        // The capital is a city of its own.
        let capital = Place {
            name: p.4,
            city: true,
            ..place
        };
        if p.1 != "重庆" {
            consider(text, p.4, capital);
            consider(&lower, &CAPITALS_EN[i].to_lowercase(), capital);
        }
    }
    for &(name, en, province, lat, lon) in CITIES {
        let place = Place {
            province,
            name,
            lat,
            lon,
            city: true,
        };
        consider(text, name, place);
        consider(&lower, &en.to_lowercase(), place);
    }
    let place = best.map(|(_, _, place)| place)?;
    if place.city {
        return Some(place);
    }
    // "浙江省杭州市…": the province comes first, but the city is more precise.
    let city = PROVINCES
        .iter()
        .enumerate()
        .filter(|(i, p)| *i == place.province && p.1 != "重庆" && text.contains(p.4))
        .map(|(_, p)| (p.4, p.5, p.6))
        .chain(
            CITIES
                .iter()
                .filter(|c| c.2 == place.province && text.contains(c.0))
                .map(|c| (c.0, c.3, c.4)),
        )
        .next();
    Some(match city {
        Some((name, lat, lon)) => Place {
            name,
            lat,
            lon,
            city: true,
            ..place
        },
        None => place,
    })
}

fn province_place(i: usize) -> Place {
    let p = PROVINCES[i];
    // Beijing, Tianjin, Shanghai, Hong Kong and Macao are cities in size;
    // Chongqing, also a municipality, spans 400 km and stays a province.
    let city = p.1 == p.4 && p.1 != "重庆";
    Place {
        province: i,
        name: if city { p.4 } else { p.0 },
        lat: p.5,
        lon: p.6,
        city,
    }
}

/// Great-circle distance in kilometres.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The distance that surely separates two places: the measured distance
/// less each end's slack (never negative).
pub fn certain_distance_km(a: &Place, b: &Place) -> f64 {
    (haversine_km((a.lat, a.lon), (b.lat, b.lon)) - a.slack_km() - b.slack_km()).max(0.0)
}

/// The least time a parcel needs over `certain_km` (zero when the places may coincide).
pub fn min_transit_hours(certain_km: f64) -> f64 {
    if certain_km <= 0.0 {
        0.0
    } else {
        MIN_HANDLING_HOURS + certain_km / MAX_SPEED_KMH
    }
}

/// The carriers whose number formats we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    Sf,
    Zto,
    Yto,
    Sto,
    Yunda,
    Jd,
    Ems,
    Jt,
}

impl Carrier {
    pub const ALL: &'static [Carrier] = &[
        Carrier::Sf,
        Carrier::Zto,
        Carrier::Yto,
        Carrier::Sto,
        Carrier::Yunda,
        Carrier::Jd,
        Carrier::Ems,
        Carrier::Jt,
    ];

    /// Names people and exports use, normalized (see [`normalize`]).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Carrier::Sf => &[
                "sf",
                "顺丰",
                "顺丰速运",
                "顺丰快递",
                "sfexpress",
                "shunfeng",
                "顺丰速递",
            ],
            Carrier::Zto => &["zto", "中通", "中通快递", "ztoexpress", "zhongtong"],
            Carrier::Yto => &[
                "yto",
                "圆通",
                "圆通速递",
                "圆通快递",
                "ytoexpress",
                "yuantong",
            ],
            Carrier::Sto => &["sto", "申通", "申通快递", "stoexpress", "shentong"],
            Carrier::Yunda => &[
                "yunda",
                "韵达",
                "韵达快递",
                "韵达速递",
                "yd",
                "yundaexpress",
            ],
            Carrier::Jd => &[
                "jd",
                "京东",
                "京东物流",
                "京东快递",
                "jdl",
                "jdlogistics",
                "jingdong",
            ],
            Carrier::Ems => &[
                "ems",
                "中国邮政",
                "邮政",
                "邮政ems",
                "邮政快递包裹",
                "emschina",
                "chinapost",
                "youzhengguonei",
                "中国邮政ems",
            ],
            Carrier::Jt => &[
                "jt",
                "j&t",
                "jtexpress",
                "极兔",
                "极兔速递",
                "极兔快递",
                "jitu",
            ],
        }
    }

    pub fn parse(name: &str) -> Option<Carrier> {
        let n = normalize(name);
        if n.is_empty() {
            return None;
        }
        Carrier::ALL
            .iter()
            .copied()
            .find(|c| c.aliases().contains(&n.as_str()))
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Carrier::Sf => "顺丰",
            Carrier::Zto => "中通",
            Carrier::Yto => "圆通",
            Carrier::Sto => "申通",
            Carrier::Yunda => "韵达",
            Carrier::Jd => "京东物流",
            Carrier::Ems => "EMS",
            Carrier::Jt => "极兔",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Carrier::Sf => "SF Express",
            Carrier::Zto => "ZTO",
            Carrier::Yto => "YTO",
            Carrier::Sto => "STO",
            Carrier::Yunda => "Yunda",
            Carrier::Jd => "JD Logistics",
            Carrier::Ems => "EMS",
            Carrier::Jt => "J&T Express",
        }
    }

    /// Whether `number` (normalized by [`normalize_tracking_number`]) has
    /// this carrier's format. Generous: several generations of formats are
    /// in use, so we only refuse what no format allows.
    pub fn accepts(self, number: &str) -> bool {
        let digits = |s: &str, lengths: &[usize]| {
            lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        match self {
            // "SF" + 12–13 digits; older waybills are 12 plain digits.
            Carrier::Sf => {
                number
                    .strip_prefix("SF")
                    .is_some_and(|rest| digits(rest, &[12, 13]))
                    || digits(number, &[12])
            }
            // 12, 14 or 15 digits.
            Carrier::Zto => digits(number, &[12, 14, 15]),
            // "YT" + 13 digits (current); a letter or digit + 9 digits, or 12 digits (older).
            Carrier::Yto => {
                number
                    .strip_prefix("YT")
                    .is_some_and(|rest| digits(rest, &[12, 13]))
                    || (number.len() == 10
                        && number.as_bytes()[0].is_ascii_alphanumeric()
                        && digits(&number[1..], &[9]))
                    || digits(number, &[12])
            }
            // 12 to 15 digits.
            Carrier::Sto => digits(number, &[12, 13, 14, 15]),
            // 13 or 15 digits.
            Carrier::Yunda => digits(number, &[13, 15]),
            // "JD" + 13 letters/digits with digits at the end ("JDVA12345678901"), or 11–12 digits (older).
            Carrier::Jd => {
                number.strip_prefix("JD").is_some_and(|rest| {
                    rest.len() == 13
                        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
                        && rest[rest.len() - 9..].bytes().all(|b| b.is_ascii_digit())
                }) || digits(number, &[11, 12])
            }
            // UPU S10 ("EA123456789CN", with its check digit) or 13 domestic digits.
            Carrier::Ems => s10_valid(number) || digits(number, &[13]),
            // "JT" + 13 digits.
            Carrier::Jt => number
                .strip_prefix("JT")
                .is_some_and(|rest| digits(rest, &[13])),
        }
    }
}

/// UPU S10: two letters, eight digits, a check digit, two letters (country).
fn s10_valid(number: &str) -> bool {
    let b = number.as_bytes();
    if b.len() != 13
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..11].iter().all(u8::is_ascii_digit)
        || !b[11..].iter().all(u8::is_ascii_uppercase)
    {
        return false;
    }
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    let sum: u32 = b[2..10]
        .iter()
        .zip(WEIGHTS)
        .map(|(&d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        c => c,
    };
    u32::from(b[10] - b'0') == check
}

/// Upper case, without spaces, dashes or full-width forms.
pub fn normalize_tracking_number(number: &str) -> String {
    normalize(number).to_uppercase()
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
            PROVINCES[worst.from.province].3,
            PROVINCES[worst.to.province].3,
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
            PROVINCES[from.province].3,
            PROVINCES[to.province].3,
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
    fn places_resolve_to_provinces_and_cities() {
        let p = |s: &str| resolve_place(s).map(|p| (p.province_name(), p.name, p.city));
        assert_eq!(p("浙江省杭州市余杭区"), Some(("浙江省", "杭州", true)));
        assert_eq!(p("杭州市余杭区"), Some(("浙江省", "杭州", true)));
        assert_eq!(p("浙江西湖区"), Some(("浙江省", "浙江省", false)));
        assert_eq!(p("广东深圳南山区"), Some(("广东省", "深圳", true)));
        assert_eq!(p("深圳市南山区"), Some(("广东省", "深圳", true)));
        assert_eq!(p("义乌"), Some(("浙江省", "义乌", true)));
        assert_eq!(p("Shenzhen, Guangdong"), Some(("广东省", "深圳", true)));
        assert_eq!(p("Shijiazhuang"), Some(("河北省", "石家庄", true)));
        assert_eq!(p("Xianyang"), Some(("陕西省", "咸阳", true)));
        assert_eq!(p("shanghai"), Some(("上海市", "上海", true)));
        assert_eq!(p("沪"), Some(("上海市", "上海", true)));
        assert_eq!(p("重庆市渝北区"), Some(("重庆市", "重庆市", false)));
        assert_eq!(
            p("新"),
            Some(("新疆维吾尔自治区", "新疆维吾尔自治区", false))
        );
        assert_eq!(
            p("乌鲁木齐市天山区"),
            Some(("新疆维吾尔自治区", "乌鲁木齐", true))
        );
        assert_eq!(p("内蒙古包头"), Some(("内蒙古自治区", "包头", true)));
        assert_eq!(p("江西省"), Some(("江西省", "江西省", false)));
        assert_eq!(p("新款上市"), None, "新 inside a word is not Xinjiang");
        assert_eq!(p("某某驿站"), None);
        assert_eq!(p(""), None);
        assert_eq!(PROVINCES.len(), 34);
        for (name, ..) in PROVINCES {
            assert!(crate::domain::catalog::is_province(name), "{name}");
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let beijing = (39.904, 116.407);
        let shanghai = (31.230, 121.474);
        let d = haversine_km(beijing, shanghai);
        assert!((d - 1067.0).abs() < 15.0, "{d}");
        assert_eq!(haversine_km(beijing, beijing), 0.0);
        assert_eq!(min_transit_hours(0.0), 0.0);
        assert!((min_transit_hours(1000.0) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn carriers_are_recognized_by_their_names() {
        for (name, carrier) in [
            ("顺丰速运", Carrier::Sf),
            ("SF Express", Carrier::Sf),
            ("sf", Carrier::Sf),
            ("中通快递", Carrier::Zto),
            ("YTO", Carrier::Yto),
            ("申通", Carrier::Sto),
            ("韵达快递", Carrier::Yunda),
            ("京东物流", Carrier::Jd),
            ("中国邮政", Carrier::Ems),
            ("EMS", Carrier::Ems),
            ("J&T Express", Carrier::Jt),
            ("极兔速递", Carrier::Jt),
        ] {
            assert_eq!(Carrier::parse(name), Some(carrier), "{name}");
        }
        assert_eq!(Carrier::parse("德邦"), None);
        assert_eq!(Carrier::parse(""), None);
    }

    #[test]
    fn tracking_number_formats_per_carrier() {
        let ok = [
            (Carrier::Sf, "SF1234567890123"),
            (Carrier::Sf, "SF123456789012"),
            (Carrier::Sf, "123456789012"),
            (Carrier::Zto, "75318264905512"),
            (Carrier::Zto, "731234567890"),
            (Carrier::Yto, "YT1234567890123"),
            (Carrier::Yto, "D123456789"),
            (Carrier::Sto, "773123456789012"),
            (Carrier::Yunda, "4312345678901"),
            (Carrier::Yunda, "431234567890123"),
            (Carrier::Jd, "JDVA12345678901"),
            (Carrier::Jd, "JD0012345678901"),
            (Carrier::Ems, "EA123456785CN"),
            (Carrier::Ems, "1123456789012"),
            (Carrier::Jt, "JT1234567890123"),
        ];
        for (carrier, number) in ok {
            assert!(carrier.accepts(number), "{carrier:?} {number}");
        }
        let bad = [
            (Carrier::Sf, "SF12345"),
            (Carrier::Sf, "YT1234567890123"),
            (Carrier::Zto, "ZTO123"),
            (Carrier::Zto, "1234567890123"),
            (Carrier::Yto, "YT12345"),
            (Carrier::Sto, "12345678901"),
            (Carrier::Yunda, "12345678901234"),
            (Carrier::Jd, "JD123"),
            (Carrier::Jd, "JDVA1234567890A"),
            (Carrier::Ems, "EA123456789CN"),
            (Carrier::Ems, "E1234567890CN"),
            (Carrier::Jt, "JT123456789012"),
            (Carrier::Jt, "1234567890123"),
        ];
        for (carrier, number) in bad {
            assert!(!carrier.accepts(number), "{carrier:?} {number}");
        }
        assert_eq!(normalize_tracking_number(" sf 1234-5678 "), "SF12345678");
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
