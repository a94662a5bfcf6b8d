//! The fixed vocabularies of a report: categories, platforms and China's
//! provincial-level divisions, each with its zh-CN and English label.

use super::vocabulary::vocabulary;
pub use super::vocabulary::Labelled;

vocabulary!(
    /// What kind of fraud the consumer reports.
    Category {
        FakeReview = "fake_review", "虚假好评 / 刷单炒信", "Fake reviews (review brushing)";
        AbnormalLogistics = "abnormal_logistics", "异常物流 / 空包", "Abnormal logistics / empty parcels";
        BrushingRecruitment = "brushing_recruitment", "刷单招募", "Recruitment for order brushing";
        CashbackScam = "cashback_scam", "好评返现", "Cash back for positive reviews";
        FakeServiceHotline = "fake_service_hotline", "虚假客服 / 维修热线", "Fake service or repair hotline";
        Other = "other", "其他", "Other";
    }
);

vocabulary!(
    /// Where the merchant sells.
    Platform {
        Taobao = "taobao", "淘宝", "Taobao";
        Tmall = "tmall", "天猫", "Tmall";
        Jd = "jd", "京东", "JD.com";
        Pinduoduo = "pinduoduo", "拼多多", "Pinduoduo";
        Douyin = "douyin", "抖音", "Douyin";
        Kuaishou = "kuaishou", "快手", "Kuaishou";
        Meituan = "meituan", "美团", "Meituan";
        Dianping = "dianping", "大众点评", "Dianping";
        Xiaohongshu = "xiaohongshu", "小红书", "Xiaohongshu (RED)";
        Other = "other", "其他", "Other";
    }
);

/// China's 34 provincial-level divisions, by their Chinese names (which are
/// also their codes in the API), with English names.
pub const PROVINCES: &[(&str, &str)] = &[
    ("北京市", "Beijing"),
    ("天津市", "Tianjin"),
    ("上海市", "Shanghai"),
    ("重庆市", "Chongqing"),
    ("河北省", "Hebei"),
    ("山西省", "Shanxi"),
    ("辽宁省", "Liaoning"),
    ("吉林省", "Jilin"),
    ("黑龙江省", "Heilongjiang"),
    ("江苏省", "Jiangsu"),
    ("浙江省", "Zhejiang"),
    ("安徽省", "Anhui"),
    ("福建省", "Fujian"),
    ("江西省", "Jiangxi"),
    ("山东省", "Shandong"),
    ("河南省", "Henan"),
    ("湖北省", "Hubei"),
    ("湖南省", "Hunan"),
    ("广东省", "Guangdong"),
    ("海南省", "Hainan"),
    ("四川省", "Sichuan"),
    ("贵州省", "Guizhou"),
    ("云南省", "Yunnan"),
    ("陕西省", "Shaanxi"),
    ("甘肃省", "Gansu"),
    ("青海省", "Qinghai"),
    ("台湾省", "Taiwan"),
    ("内蒙古自治区", "Inner Mongolia"),
    ("广西壮族自治区", "Guangxi"),
    ("西藏自治区", "Tibet"),
    ("宁夏回族自治区", "Ningxia"),
    ("新疆维吾尔自治区", "Xinjiang"),
    ("香港特别行政区", "Hong Kong"),
    ("澳门特别行政区", "Macao"),
];

pub fn is_province(name: &str) -> bool {
    PROVINCES.iter().any(|(zh, _)| *zh == name)
}

pub fn provinces() -> impl Iterator<Item = Labelled> {
    PROVINCES
        .iter()
        .map(|&(zh, en)| Labelled { code: zh, zh, en })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_34_distinct_provincial_divisions() {
        let mut names: Vec<_> = PROVINCES.iter().map(|(zh, _)| *zh).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 34);
        assert!(is_province("上海市"));
        assert!(!is_province("上海"));
    }

    #[test]
    fn codes_round_trip_through_serde() {
        for &category in Category::ALL {
            let json = serde_json::to_string(&category).expect("serialize");
            assert_eq!(json, format!("\"{}\"", category.code()));
            assert_eq!(Category::from_code(category.code()), Some(category));
        }
        for &platform in Platform::ALL {
            let parsed: Platform =
                serde_json::from_str(&format!("\"{}\"", platform.code())).expect("parse");
            assert_eq!(parsed, platform);
        }
        assert_eq!(Category::ALL.len(), 6);
        assert_eq!(Platform::ALL.len(), 10);
    }
}
