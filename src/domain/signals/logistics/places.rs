//! Where parcels are: China's provinces with their capitals and coordinates,
//! the major cities, [`resolve_place`] from the free text of a scan, and the
//! distances between places. Kept apart from the rules so that the geography
//! can be read and corrected without reading any rule.

use serde::{Deserialize, Serialize};

/// When a place is known only by its province we measure from the capital;
/// a town may lie this far from it, so this much is forgiven per such end.
pub const PROVINCE_SLACK_KM: f64 = 300.0;
/// Slack for a place resolved to a city (suburbs, airports).
pub const CITY_SLACK_KM: f64 = 50.0;

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

    pub(super) fn slack_km(&self) -> f64 {
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
    }
}
