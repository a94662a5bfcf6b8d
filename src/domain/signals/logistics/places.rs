//! Where parcels are: each province's capital and coordinates, the major
//! cities, [`resolve_place`] from the free text of a scan, and the distances
//! between places. Kept apart from the rules so that the geography can be
//! read and corrected without reading any rule.
//!
//! Province names (Chinese and English) come from `catalog::PROVINCES`, the
//! one list of provinces; this file keys its own facts by the catalog's name
//! and holds only what the catalog does not: the short names and
//! abbreviations scans use, and each capital.

use serde::{Deserialize, Serialize};

use crate::domain::catalog;

/// When a place is known only by its province we measure from the capital;
/// a town may lie this far from it, so this much is forgiven per such end.
pub const PROVINCE_SLACK_KM: f64 = 300.0;
/// Slack for a place resolved to a city (suburbs, airports).
pub const CITY_SLACK_KM: f64 = 50.0;

/// What matching and measuring need to know of a province beyond its names
/// in `catalog::PROVINCES`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProvinceGeography {
    /// The province's (Chinese) name, exactly as in `catalog::PROVINCES`.
    pub province: &'static str,
    /// The name without its suffix ("浙江" for "浙江省"), as people write it.
    pub short_name: &'static str,
    /// The one-character abbreviation ("浙"), as on number plates.
    pub abbreviation: &'static str,
    pub capital: &'static str,
    pub capital_en: &'static str,
    /// The capital's latitude and longitude: a place known only by its
    /// province is measured from there.
    pub lat: f64,
    pub lon: f64,
}

/// One row of [`PROVINCE_GEOGRAPHY`], on one line.
const fn province(
    province: &'static str,
    short_name: &'static str,
    abbreviation: &'static str,
    capital: &'static str,
    capital_en: &'static str,
    lat: f64,
    lon: f64,
) -> ProvinceGeography {
    ProvinceGeography {
        province,
        short_name,
        abbreviation,
        capital,
        capital_en,
        lat,
        lon,
    }
}

/// One entry per province of `catalog::PROVINCES` (a unit test holds it to
/// that): name, short name, abbreviation, capital, the capital's English
/// name, latitude and longitude.
pub const PROVINCE_GEOGRAPHY: &[ProvinceGeography] = &[
    province("北京市", "北京", "京", "北京", "Beijing", 39.904, 116.407),
    province("天津市", "天津", "津", "天津", "Tianjin", 39.084, 117.201),
    province("上海市", "上海", "沪", "上海", "Shanghai", 31.230, 121.474),
    province("重庆市", "重庆", "渝", "重庆", "Chongqing", 29.563, 106.551),
    province(
        "河北省",
        "河北",
        "冀",
        "石家庄",
        "Shijiazhuang",
        38.042,
        114.515,
    ),
    province("山西省", "山西", "晋", "太原", "Taiyuan", 37.871, 112.549),
    province("辽宁省", "辽宁", "辽", "沈阳", "Shenyang", 41.806, 123.432),
    province("吉林省", "吉林", "吉", "长春", "Changchun", 43.817, 125.324),
    province(
        "黑龙江省",
        "黑龙江",
        "黑",
        "哈尔滨",
        "Harbin",
        45.803,
        126.535,
    ),
    province("江苏省", "江苏", "苏", "南京", "Nanjing", 32.060, 118.797),
    province("浙江省", "浙江", "浙", "杭州", "Hangzhou", 30.274, 120.155),
    province("安徽省", "安徽", "皖", "合肥", "Hefei", 31.821, 117.227),
    province("福建省", "福建", "闽", "福州", "Fuzhou", 26.074, 119.296),
    province("江西省", "江西", "赣", "南昌", "Nanchang", 28.682, 115.858),
    province("山东省", "山东", "鲁", "济南", "Jinan", 36.651, 117.120),
    province("河南省", "河南", "豫", "郑州", "Zhengzhou", 34.746, 113.625),
    province("湖北省", "湖北", "鄂", "武汉", "Wuhan", 30.593, 114.305),
    province("湖南省", "湖南", "湘", "长沙", "Changsha", 28.228, 112.939),
    province("广东省", "广东", "粤", "广州", "Guangzhou", 23.129, 113.264),
    province("海南省", "海南", "琼", "海口", "Haikou", 20.044, 110.199),
    province("四川省", "四川", "川", "成都", "Chengdu", 30.573, 104.066),
    province("贵州省", "贵州", "黔", "贵阳", "Guiyang", 26.647, 106.630),
    province("云南省", "云南", "滇", "昆明", "Kunming", 24.880, 102.833),
    province("陕西省", "陕西", "陕", "西安", "Xi'an", 34.341, 108.940),
    province("甘肃省", "甘肃", "甘", "兰州", "Lanzhou", 36.061, 103.834),
    province("青海省", "青海", "青", "西宁", "Xining", 36.617, 101.778),
    province("台湾省", "台湾", "台", "台北", "Taipei", 25.033, 121.565),
    province(
        "内蒙古自治区",
        "内蒙古",
        "蒙",
        "呼和浩特",
        "Hohhot",
        40.842,
        111.749,
    ),
    province(
        "广西壮族自治区",
        "广西",
        "桂",
        "南宁",
        "Nanning",
        22.817,
        108.366,
    ),
    province("西藏自治区", "西藏", "藏", "拉萨", "Lhasa", 29.652, 91.172),
    province(
        "宁夏回族自治区",
        "宁夏",
        "宁",
        "银川",
        "Yinchuan",
        38.487,
        106.231,
    ),
    province(
        "新疆维吾尔自治区",
        "新疆",
        "新",
        "乌鲁木齐",
        "Urumqi",
        43.825,
        87.617,
    ),
    province(
        "香港特别行政区",
        "香港",
        "港",
        "香港",
        "Hong Kong",
        22.319,
        114.169,
    ),
    province(
        "澳门特别行政区",
        "澳门",
        "澳",
        "澳门",
        "Macao",
        22.199,
        113.544,
    ),
];

/// Major non-capital cities (where most parcels start or end): name,
/// English name, province (its name in `catalog::PROVINCES`), latitude,
/// longitude.
pub const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("深圳", "Shenzhen", "广东省", 22.543, 114.058),
    ("东莞", "Dongguan", "广东省", 23.021, 113.752),
    ("佛山", "Foshan", "广东省", 23.022, 113.122),
    ("珠海", "Zhuhai", "广东省", 22.271, 113.577),
    ("汕头", "Shantou", "广东省", 23.354, 116.682),
    ("惠州", "Huizhou", "广东省", 23.112, 114.416),
    ("中山", "Zhongshan", "广东省", 22.517, 113.393),
    ("苏州", "Suzhou", "江苏省", 31.299, 120.585),
    ("无锡", "Wuxi", "江苏省", 31.491, 120.312),
    ("常州", "Changzhou", "江苏省", 31.811, 119.974),
    ("南通", "Nantong", "江苏省", 31.980, 120.894),
    ("徐州", "Xuzhou", "江苏省", 34.205, 117.284),
    ("扬州", "Yangzhou", "江苏省", 32.394, 119.413),
    ("宁波", "Ningbo", "浙江省", 29.868, 121.544),
    ("温州", "Wenzhou", "浙江省", 27.994, 120.699),
    ("义乌", "Yiwu", "浙江省", 29.306, 120.075),
    ("金华", "Jinhua", "浙江省", 29.079, 119.647),
    ("绍兴", "Shaoxing", "浙江省", 29.998, 120.582),
    ("嘉兴", "Jiaxing", "浙江省", 30.746, 120.755),
    ("台州", "Taizhou", "浙江省", 28.656, 121.421),
    ("湖州", "Huzhou", "浙江省", 30.894, 120.087),
    ("青岛", "Qingdao", "山东省", 36.067, 120.383),
    ("烟台", "Yantai", "山东省", 37.464, 121.448),
    ("潍坊", "Weifang", "山东省", 36.707, 119.162),
    ("临沂", "Linyi", "山东省", 35.105, 118.356),
    ("厦门", "Xiamen", "福建省", 24.480, 118.089),
    ("泉州", "Quanzhou", "福建省", 24.874, 118.676),
    ("莆田", "Putian", "福建省", 25.454, 119.008),
    ("大连", "Dalian", "辽宁省", 38.914, 121.615),
    ("洛阳", "Luoyang", "河南省", 34.620, 112.454),
    ("宜昌", "Yichang", "湖北省", 30.692, 111.287),
    ("绵阳", "Mianyang", "四川省", 31.468, 104.679),
    ("桂林", "Guilin", "广西壮族自治区", 25.274, 110.290),
    ("三亚", "Sanya", "海南省", 18.253, 109.512),
    ("保定", "Baoding", "河北省", 38.874, 115.464),
    ("唐山", "Tangshan", "河北省", 39.631, 118.180),
    ("廊坊", "Langfang", "河北省", 39.538, 116.684),
    ("芜湖", "Wuhu", "安徽省", 31.353, 118.433),
    ("赣州", "Ganzhou", "江西省", 25.831, 114.935),
    ("株洲", "Zhuzhou", "湖南省", 27.828, 113.134),
    ("遵义", "Zunyi", "贵州省", 27.725, 106.927),
    ("大理", "Dali", "云南省", 25.607, 100.268),
    ("咸阳", "Xianyang", "陕西省", 34.330, 108.709),
    ("包头", "Baotou", "内蒙古自治区", 40.658, 109.840),
    ("喀什", "Kashgar", "新疆维吾尔自治区", 39.470, 75.990),
    ("日喀则", "Shigatse", "西藏自治区", 29.267, 88.881),
    ("拉萨", "Lhasa", "西藏自治区", 29.652, 91.172),
    ("乌鲁木齐", "Urumqi", "新疆维吾尔自治区", 43.825, 87.617),
];

/// A place as far as we could resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The province's name in `catalog::PROVINCES`.
    pub province: &'static str,
    /// The city's name when a city was named, else the province's.
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// True when resolved to a city, not only to a province.
    pub city: bool,
}

impl Place {
    pub fn province_name(&self) -> &'static str {
        self.province
    }

    /// The province's English name, from the catalog.
    pub fn province_name_en(&self) -> &'static str {
        catalog::PROVINCES
            .iter()
            .find(|(zh, _)| *zh == self.province)
            .map_or(self.province, |&(_, en)| en)
    }

    pub(super) fn slack_km(&self) -> f64 {
        if self.city {
            CITY_SLACK_KM
        } else {
            PROVINCE_SLACK_KM
        }
    }
}

fn geography(province: &str) -> Option<&'static ProvinceGeography> {
    PROVINCE_GEOGRAPHY.iter().find(|p| p.province == province)
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
        return PROVINCE_GEOGRAPHY
            .iter()
            .find(|p| p.abbreviation == text)
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
    for &(name, name_en) in catalog::PROVINCES {
        let Some(p) = geography(name) else {
            continue;
        };
        let place = province_place(p);
        consider(text, name, place);
        consider(text, p.short_name, place);
        consider(&lower, &name_en.to_lowercase(), place);
        // The capital is a city of its own.
        let capital = Place {
            name: p.capital,
            city: true,
            ..place
        };
        if p.short_name != "重庆" {
            consider(text, p.capital, capital);
            consider(&lower, &p.capital_en.to_lowercase(), capital);
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
    let city = geography(place.province)
        .filter(|p| p.short_name != "重庆" && text.contains(p.capital))
        .map(|p| (p.capital, p.lat, p.lon))
        .into_iter()
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

fn province_place(p: &ProvinceGeography) -> Place {
    // Beijing, Tianjin, Shanghai, Hong Kong and Macao are cities in size;
    // Chongqing, also a municipality, spans 400 km and stays a province.
    let city = p.short_name == p.capital && p.short_name != "重庆";
    Place {
        province: p.province,
        name: if city { p.capital } else { p.province },
        lat: p.lat,
        lon: p.lon,
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
#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(PROVINCE_GEOGRAPHY.len(), 34);
        for p in PROVINCE_GEOGRAPHY {
            assert!(catalog::is_province(p.province), "{}", p.province);
        }
    }

    #[test]
    fn every_catalog_province_has_exactly_one_geography_entry() {
        for (name, _) in catalog::PROVINCES {
            let entries = PROVINCE_GEOGRAPHY
                .iter()
                .filter(|p| p.province == *name)
                .count();
            assert_eq!(entries, 1, "{name}");
        }
        for p in PROVINCE_GEOGRAPHY {
            assert!(catalog::is_province(p.province), "{}", p.province);
        }
        for (city, _, province, ..) in CITIES {
            assert!(catalog::is_province(province), "{city}: {province}");
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let beijing = (39.904, 116.407);
        let shanghai = (31.230, 121.474);
        let d = haversine_km(beijing, shanghai);
        assert!((d - 1067.0).abs() < 15.0, "{d}");
        assert_eq!(haversine_km(beijing, beijing), 0.0);
    }
}
