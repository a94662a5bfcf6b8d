//! The signals of a fake "official" hotline report.
//!
//! `repeat_hotline`: the same number in other cases, whatever brand each
//! claims — one number posing as several brands' service line is a ring.
//! `repeat_hotline_domain`: the same advertising site in other cases.
//! `not_official_number` / `official_number`: for a brand in the admins'
//! directory, whether the number is the brand's own.
//!
//! `seo_impersonation`: text with the shape of the pages that pose as a
//! brand's "全国统一24小时维修服务热线" — the brand stuffed next to service
//! words again and again, the vocabulary of officialness (全国统一, 24小时,
//! 厂家, 总部, 售后, 网点, 400…) and one number repeated down the page.
//!
//! A brand's genuine service page says many of those words too ("海尔全国
//! 统一服务热线 400-699-9999 (24小时)", the brand next to 服务 again and
//! again) — but writes its number once; a news report of such scams has the
//! vocabulary and no number. What sets the spam apart is the number repeated
//! for search engines and click-to-call, so that is required, with either
//! the brand stuffed next to service words or the vocabulary of
//! officialness. (The first rule, any two of the three, flagged three of four
//! honest pages written to test it: `tests/fixtures/signals/hotline_pages.json`.)

use super::{list_some, Severity, Signal, SignalCode};
use crate::domain::brands::BrandFields;
use crate::domain::hotline::numbers_in;
use crate::domain::signals::text::normalize;

/// Words by which such pages claim to be the brand's own service.
/// (word as normalized by `text::normalize`, English gloss)
const OFFICIAL_WORDS: &[(&str, &str)] = &[
    ("全国统一", "nationwide unified"),
    ("24小时", "24 hours"),
    ("厂家", "manufacturer"),
    ("总部", "headquarters"),
    ("售后", "after-sales"),
    ("网点", "service outlet"),
    ("400", "a 400 number"),
    ("官方", "official"),
    ("维修", "repair"),
    ("报修", "report a fault"),
    ("上门", "home visit"),
    ("点击咨询", "click to consult"),
    ("服务热线", "service hotline"),
    ("客服中心", "customer-service centre"),
    ("必受理", "always accepted"),
];

/// Service words which, right after the brand, make one "brand + service"
/// phrase ("联勒指纹锁售后", "联勒指纹锁24小时网点维修").
const SERVICE_WORDS: &[&str] = &[
    "售后", "维修", "服务", "热线", "电话", "客服", "网点", "总部", "厂家", "全国", "24小时",
];
/// How far after the brand a service word still belongs to it (characters).
const SERVICE_WINDOW: usize = 8;

/// Thresholds, chosen on the pages of the unit tests below and the
/// development pages (`tests/fixtures/signals/hotline_pages.json`); figures
/// on held-out pages come from `tests/signals_quality.rs`.
const MIN_BRAND_PHRASES: usize = 3;
const MIN_NUMBER_REPEATS: usize = 2;
const MIN_OFFICIAL_WORDS: usize = 4;

/// What was measured in one text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageShape {
    /// The brand (or an alias) followed closely by a service word.
    pub brand_phrases: usize,
    /// The number written most often, and how often.
    pub top_number: Option<(String, usize)>,
    /// Distinct official words found, in the order of `OFFICIAL_WORDS`.
    pub official_words: Vec<&'static str>,
}

impl PageShape {
    pub fn of(text: &str, brand_names: &[&str]) -> PageShape {
        let normalized = normalize(text);
        let chars: Vec<char> = normalized.chars().collect();
        let mut brand_phrases = 0;
        for name in brand_names
            .iter()
            .map(|n| normalize(n))
            .filter(|n| n.chars().count() >= 2)
        {
            let name: Vec<char> = name.chars().collect();
            let mut i = 0;
            while i + name.len() <= chars.len() {
                if chars[i..i + name.len()] == name[..] {
                    let after: String = chars[i + name.len()..]
                        .iter()
                        .take(SERVICE_WINDOW)
                        .collect();
                    if SERVICE_WORDS.iter().any(|w| after.contains(w)) {
                        brand_phrases += 1;
                    }
                    i += name.len();
                } else {
                    i += 1;
                }
            }
        }
        let mut counts: Vec<(String, usize)> = Vec::new();
        for number in numbers_in(text) {
            match counts.iter_mut().find(|(n, _)| *n == number) {
                Some((_, count)) => *count += 1,
                None => counts.push((number, 1)),
            }
        }
        // The first of the most repeated, so the quote is stable.
        let top_number = counts
            .into_iter()
            .fold(None, |best: Option<(String, usize)>, (n, c)| match best {
                Some((_, b)) if b >= c => best,
                _ => Some((n, c)),
            });
        let official_words = OFFICIAL_WORDS
            .iter()
            .filter(|(word, _)| normalized.contains(word))
            .map(|(word, _)| *word)
            .collect();
        PageShape {
            brand_phrases,
            top_number,
            official_words,
        }
    }

    fn number_repeats(&self) -> usize {
        self.top_number.as_ref().map_or(0, |(_, c)| *c)
    }

    /// How many of the three repetitions the text shows; 0 unless the
    /// number is one of them.
    fn repetitions(&self) -> usize {
        if self.number_repeats() < MIN_NUMBER_REPEATS {
            return 0;
        }
        1 + usize::from(self.brand_phrases >= MIN_BRAND_PHRASES)
            + usize::from(self.official_words.len() >= MIN_OFFICIAL_WORDS)
    }
}

/// One text to judge and where it comes from, as the explanation names it
/// (e.g. "粘贴的网页文字" / "pasted page text", "截图「搜索结果.png」").
pub struct SourceText<'a> {
    pub zh: String,
    pub en: String,
    pub text: &'a str,
}

/// `seo_impersonation` over the texts the consumer brought from the other
/// side (the pasted page, the screenshots' OCR text), never their own
/// description. `brand_names` are the impersonated brand as reported and
/// its aliases from the brand directory.
pub fn seo_impersonation(sources: &[SourceText<'_>], brand_names: &[&str]) -> Option<Signal> {
    let (source, shape) = sources
        .iter()
        .map(|s| (s, PageShape::of(s.text, brand_names)))
        .filter(|(_, shape)| shape.repetitions() >= 2)
        .max_by_key(|(_, shape)| {
            (
                shape.repetitions(),
                shape.brand_phrases + shape.number_repeats(),
            )
        })?;
    let severity = if shape.repetitions() == 3 {
        Severity::High
    } else {
        Severity::Medium
    };
    let words: Vec<String> = shape
        .official_words
        .iter()
        .map(|w| format!("「{w}」"))
        .collect();
    let glosses: Vec<String> = shape
        .official_words
        .iter()
        .filter_map(|w| OFFICIAL_WORDS.iter().find(|(o, _)| o == w))
        .map(|(w, en)| format!("{w} ({en})"))
        .collect();
    let (words_zh, _) = list_some(&words, 8);
    let (_, words_en) = list_some(&glosses, 8);
    let brand = brand_names.first().copied().unwrap_or_default();
    let mut zh = format!(
        "{}具有冒充官方售后页面的特征：品牌「{brand}」与售后/维修/热线等词连用 {} 次",
        source.zh, shape.brand_phrases
    );
    let mut en = format!(
        "{} has the shape of a page posing as the official after-sales service: the brand \"{brand}\" next to service words {} times",
        source.en, shape.brand_phrases
    );
    if let Some((number, count)) = &shape.top_number {
        zh.push_str(&format!("，号码 {number} 出现 {count} 次"));
        en.push_str(&format!(", the number {number} {count} times"));
    }
    if !words.is_empty() {
        zh.push_str(&format!("，使用{words_zh}等字样"));
        en.push_str(&format!(", with the words {words_en}"));
    }
    zh.push('。');
    en.push('.');
    Some(Signal::new(SignalCode::SeoImpersonation, severity, zh, en))
}

/// Another case that gives the same number, and the brand it claimed there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HotlineUse {
    pub case_reference: String,
    pub brand: String,
}

/// What the hotline signals need of a case and of the others.
#[derive(Debug, Clone)]
pub struct HotlineInput<'a> {
    /// Normalized (see `domain::hotline::normalize_number`).
    pub number: &'a str,
    pub brand: &'a str,
    /// The registrable domain where it was advertised.
    pub found_domain: Option<&'a str>,
    /// The advertising page as the consumer pasted it.
    pub page_text: Option<&'a str>,
    /// Each screenshot's whole OCR text: (display name, text).
    pub screenshot_texts: &'a [(String, String)],
    /// Other cases with the same number.
    pub number_uses: &'a [HotlineUse],
    /// Other cases advertised on the same domain (references).
    pub domain_uses: &'a [String],
    /// The brand directory's entry for the claimed brand, if it has one.
    pub brand_entry: Option<&'a BrandFields>,
}

/// Sites through which people find every kind of ad: a search engine's
/// results page or a map app names no advertiser, so sharing one of these
/// relates no cases.
const INTERMEDIARY_DOMAINS: &[&str] = &[
    "baidu.com",
    "so.com",
    "sogou.com",
    "bing.com",
    "google.com",
    "sm.cn",
    "amap.com",
    "qq.com",
    "douyin.com",
    "kuaishou.com",
    "weibo.com",
    "xiaohongshu.com",
    "toutiao.com",
    "dianping.com",
    "meituan.com",
    "taobao.com",
    "tmall.com",
    "jd.com",
    "pinduoduo.com",
    "yangkeduo.com",
];

/// Whether a domain names an advertiser rather than where ads are shown.
pub fn is_advertiser_domain(domain: &str) -> bool {
    !INTERMEDIARY_DOMAINS.contains(&domain)
}

pub fn hotline_signals(input: &HotlineInput<'_>) -> Vec<Signal> {
    let mut signals = Vec::new();
    signals.extend(repeat_hotline(input));
    signals.extend(repeat_hotline_domain(input));
    signals.extend(official_or_not(input));
    let mut sources = Vec::new();
    if let Some(page) = input.page_text {
        sources.push(SourceText {
            zh: "粘贴的网页文字".into(),
            en: "The pasted page text".into(),
            text: page,
        });
    }
    for (name, text) in input.screenshot_texts {
        sources.push(SourceText {
            zh: format!("截图「{name}」的文字"),
            en: format!("The text of the screenshot \"{name}\""),
            text,
        });
    }
    signals.extend(seo_impersonation(&sources, &[input.brand]));
    signals
}

/// Brands compared as people write them: case, width and spacing folded.
fn brand_key(brand: &str) -> String {
    normalize(brand)
}

fn repeat_hotline(input: &HotlineInput<'_>) -> Option<Signal> {
    if input.number_uses.is_empty() {
        return None;
    }
    let mut brands: Vec<(String, String)> = vec![(brand_key(input.brand), input.brand.to_owned())];
    for other in input.number_uses {
        let key = brand_key(&other.brand);
        if !brands.iter().any(|(k, _)| *k == key) {
            brands.push((key, other.brand.clone()));
        }
    }
    let references: Vec<String> = input
        .number_uses
        .iter()
        .map(|u| u.case_reference.clone())
        .collect();
    let (cases_zh, cases_en) = list_some(&references, 5);
    let n = references.len();
    let number = input.number;
    let signal = if brands.len() > 1 {
        let quoted: Vec<String> = brands.iter().map(|(_, b)| format!("「{b}」")).collect();
        let (brands_zh, _) = list_some(&quoted, 6);
        let plain: Vec<String> = brands.iter().map(|(_, b)| format!("\"{b}\"")).collect();
        let (_, brands_en) = list_some(&plain, 6);
        Signal::new(
            SignalCode::RepeatHotline,
            Severity::High,
            format!(
                "号码 {number} 在另外 {n} 个案件（{cases_zh}）中也被举报，先后冒充{brands_zh}等 {} 个品牌的售后热线：一个号码冒充多个品牌，疑似职业团伙。",
                brands.len()
            ),
            format!(
                "The number {number} is reported in {n} other case(s) ({cases_en}), posing as the service line of {} brands: {brands_en}. One number posing as several brands points to a ring.",
                brands.len()
            ),
        )
    } else {
        Signal::new(
            SignalCode::RepeatHotline,
            Severity::Medium,
            format!(
                "号码 {number} 在另外 {n} 个案件（{cases_zh}）中也被举报，均冒充「{}」的售后热线。",
                input.brand
            ),
            format!(
                "The number {number} is reported in {n} other case(s) ({cases_en}), each time posing as the service line of \"{}\".",
                input.brand
            ),
        )
    };
    Some(signal.with_related(references))
}

fn official_or_not(input: &HotlineInput<'_>) -> Option<Signal> {
    let entry = input.brand_entry?;
    let number = input.number;
    let brand = &entry.name;
    if entry.official_numbers.iter().any(|n| n == number) {
        return Some(Signal::new(
            SignalCode::OfficialNumber,
            Severity::Low,
            format!("号码 {number} 是品牌目录中「{brand}」的官方服务号码：本举报可能有误。"),
            format!("{number} is \"{brand}\"'s own service number in the brand directory: the report is probably mistaken."),
        ));
    }
    if entry.official_numbers.is_empty() {
        // Nothing to compare with: the directory names the brand only.
        return None;
    }
    let listed: Vec<String> = entry.official_numbers.clone();
    let (listed_zh, listed_en) = list_some(&listed, 5);
    let mut zh =
        format!("号码 {number} 不是「{brand}」的官方服务号码（品牌目录所列：{listed_zh}）");
    let mut en = format!(
        "{number} is not \"{brand}\"'s service number (the brand directory lists {listed_en})"
    );
    if let Some(domain) = input.found_domain {
        if !entry.official_domains.is_empty() && !entry.official_domains.iter().any(|d| d == domain)
        {
            zh.push_str(&format!("，广告网站 {domain} 也不是其官网"));
            en.push_str(&format!(
                ", and the advertising site {domain} is not one of its own"
            ));
        }
    }
    zh.push('。');
    en.push('.');
    Some(Signal::new(
        SignalCode::NotOfficialNumber,
        Severity::High,
        zh,
        en,
    ))
}

fn repeat_hotline_domain(input: &HotlineInput<'_>) -> Option<Signal> {
    let domain = input.found_domain.filter(|d| is_advertiser_domain(d))?;
    if input.domain_uses.is_empty() {
        return None;
    }
    let (cases_zh, cases_en) = list_some(input.domain_uses, 5);
    let n = input.domain_uses.len();
    Some(
        Signal::new(
            SignalCode::RepeatHotlineDomain,
            Severity::Medium,
            format!("本案的广告网站 {domain} 也出现在另外 {n} 个案件（{cases_zh}）中。"),
            format!(
                "The advertising site {domain} also appears in {n} other case(s) ({cases_en})."
            ),
        )
        .with_related(input.domain_uses.iter().cloned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In the style of the example: keyword stuffing, one number many times.
    const FAKE_PAGES: &[(&str, &str)] = &[
        (
            "联勒指纹锁",
            "联勒指纹锁全国统一24小时维修服务热线 联勒指纹锁售后服务 400服务电话:400-1865-909(点击咨询) \
             联勒指纹锁厂家总部售后统一热线:(1)400-1865-909(点击咨询)(2)400-1865-909(点击咨询) \
             联勒指纹锁24小时网点维修服务电话 全国报修 有问题 必受理 最快30分钟 上门服务",
        ),
        (
            "美的空调",
            "美的空调售后维修电话丨美的空调全国24小时客服中心 美的空调厂家售后网点查询 \
             服务热线：400－8869－520 全国联保 上门快 美的空调维修400-8869-520 \
             不制冷、漏水、E1故障 一个电话 师傅上门 美的空调总部电话4008869520",
        ),
        (
            "Siemens",
            "Siemens 西门子洗衣机售后服务电话 - 全国统一报修热线 Siemens售后网点 \
             Siemens维修 24小时人工客服 0571-8888 6666 转 1 厂家直派 Siemens 总部 \
             预约电话 0571-88886666 0571 8888 6666",
        ),
    ];

    /// A brand's genuine service page and a consumer's own words.
    const HONEST_TEXTS: &[(&str, &str)] = &[
        (
            "海尔",
            "海尔智家服务中心。全国统一服务热线：400-699-9999（24小时）。您也可以通过海尔智家App \
             或微信公众号预约安装、维修，查询服务进度。收费标准以官网公示为准，请认准工程师工牌。",
        ),
        (
            "联勒指纹锁",
            "我家的联勒指纹锁坏了，在百度搜到一个号码 400-1865-909，说是厂家售后。师傅上门后说要换主板，\
             收了我 680 元，后来联系联勒官方客服才知道这不是他们的电话。",
        ),
        (
            "格力",
            "格力电器官方网站 服务与支持：产品注册、安装预约、维修申请请拨打格力服务热线 4008-365-315，\
             或在格力+App 中提交。谨防假冒。",
        ),
    ];

    fn judge(brand: &str, text: &str) -> Option<Signal> {
        seo_impersonation(
            &[SourceText {
                zh: "粘贴的网页文字".into(),
                en: "The pasted page text".into(),
                text,
            }],
            &[brand],
        )
    }

    #[test]
    fn pages_that_pose_as_the_brand_s_service_line_are_recognised() {
        for (brand, page) in FAKE_PAGES {
            let signal = judge(brand, page)
                .unwrap_or_else(|| panic!("{brand}: {:?}", PageShape::of(page, &[brand])));
            assert_eq!(signal.code, SignalCode::SeoImpersonation);
            assert!(
                signal.explanation.zh.contains(brand),
                "{}",
                signal.explanation.zh
            );
        }
        let first = judge(FAKE_PAGES[0].0, FAKE_PAGES[0].1).expect("signal");
        assert_eq!(first.severity, Severity::High);
        assert!(
            first.explanation.zh.contains("4001865909 出现 3 次"),
            "{}",
            first.explanation.zh
        );
        assert!(
            first.explanation.zh.contains("「全国统一」"),
            "{}",
            first.explanation.zh
        );
        assert!(
            first.explanation.en.contains("4001865909 3 times"),
            "{}",
            first.explanation.en
        );
    }

    #[test]
    fn a_genuine_service_page_and_a_consumer_s_words_are_not() {
        for (brand, text) in HONEST_TEXTS {
            assert_eq!(
                judge(brand, text),
                None,
                "{brand}: {:?}",
                PageShape::of(text, &[brand])
            );
        }
    }

    #[test]
    fn an_alias_counts_as_the_brand() {
        let page = FAKE_PAGES[0].1.replace("联勒指纹锁", "LianLe智能锁");
        assert_eq!(
            judge("联勒指纹锁", &page).map(|s| s.severity),
            Some(Severity::Medium),
            "without the alias only the number and the words repeat"
        );
        let signal = seo_impersonation(
            &[SourceText {
                zh: "截图「搜索结果.png」".into(),
                en: "Screenshot \"搜索结果.png\"".into(),
                text: &page,
            }],
            &["联勒指纹锁", "LianLe智能锁"],
        )
        .expect("signal");
        assert!(signal.explanation.zh.starts_with("截图「搜索结果.png」"));
    }

    fn input<'a>(uses: &'a [HotlineUse], domains: &'a [String]) -> HotlineInput<'a> {
        HotlineInput {
            number: "4001865909",
            brand: "联勒指纹锁",
            found_domain: Some("lianle-weixiu.com"),
            page_text: None,
            screenshot_texts: &[],
            number_uses: uses,
            domain_uses: domains,
            brand_entry: None,
        }
    }

    #[test]
    fn the_brand_directory_says_whose_number_it_is() {
        let entry = BrandFields {
            name: "联勒".into(),
            aliases: vec![],
            official_numbers: vec!["4008881234".into()],
            official_domains: vec!["lianle.com".into()],
        };
        let mut fake = input(&[], &[]);
        fake.brand_entry = Some(&entry);
        let signals = hotline_signals(&fake);
        let not = find(&signals, SignalCode::NotOfficialNumber).expect("not official");
        assert_eq!(not.severity, Severity::High);
        assert!(
            not.explanation.zh.contains("4008881234"),
            "{}",
            not.explanation.zh
        );
        assert!(
            not.explanation
                .zh
                .contains("lianle-weixiu.com 也不是其官网"),
            "{}",
            not.explanation.zh
        );

        let mut genuine = input(&[], &[]);
        genuine.number = "4008881234";
        genuine.brand_entry = Some(&entry);
        let signals = hotline_signals(&genuine);
        assert!(find(&signals, SignalCode::NotOfficialNumber).is_none());
        let official = find(&signals, SignalCode::OfficialNumber).expect("official");
        let priority = super::super::priority(&signals, 1, chrono::Duration::zero());
        assert_eq!(priority.score, 0, "{official:?} lowers the priority");
        let with_ring = super::super::priority(
            &[
                official.clone(),
                Signal::new(
                    SignalCode::RepeatHotline,
                    Severity::High,
                    String::new(),
                    String::new(),
                ),
            ],
            1,
            chrono::Duration::zero(),
        );
        assert_eq!(with_ring.score, 0, "30 - 30");

        let unlisted = BrandFields {
            official_numbers: vec![],
            ..entry.clone()
        };
        let mut nothing = input(&[], &[]);
        nothing.brand_entry = Some(&unlisted);
        assert!(hotline_signals(&nothing).is_empty());
    }

    fn find(signals: &[Signal], code: SignalCode) -> Option<&Signal> {
        signals.iter().find(|s| s.code == code)
    }

    #[test]
    fn a_number_alone_says_nothing() {
        assert!(hotline_signals(&input(&[], &[])).is_empty());
    }

    #[test]
    fn one_number_posing_as_several_brands_is_a_ring() {
        let uses = [
            HotlineUse {
                case_reference: "QL-AAAA-AAAA".into(),
                brand: "美的空调".into(),
            },
            HotlineUse {
                case_reference: "QL-BBBB-BBBB".into(),
                brand: "联勒 指纹锁".into(),
            },
            HotlineUse {
                case_reference: "QL-CCCC-CCCC".into(),
                brand: "海尔热水器".into(),
            },
        ];
        let signals = hotline_signals(&input(&uses, &[]));
        let ring = find(&signals, SignalCode::RepeatHotline).expect("repeat_hotline");
        assert_eq!(ring.severity, Severity::High);
        for brand in ["「联勒指纹锁」", "「美的空调」", "「海尔热水器」"] {
            assert!(
                ring.explanation.zh.contains(brand),
                "{}",
                ring.explanation.zh
            );
        }
        assert!(
            ring.explanation.zh.contains("3 个品牌"),
            "{}",
            ring.explanation.zh
        );
        assert_eq!(ring.related.len(), 3);

        let same = [HotlineUse {
            case_reference: "QL-AAAA-AAAA".into(),
            brand: "联勒指纹锁".into(),
        }];
        let signals = hotline_signals(&input(&same, &[]));
        let repeat = find(&signals, SignalCode::RepeatHotline).expect("repeat_hotline");
        assert_eq!(repeat.severity, Severity::Medium);
        assert!(repeat.explanation.zh.contains("均冒充「联勒指纹锁」"));
    }

    #[test]
    fn the_same_advertiser_relates_cases_a_search_engine_does_not() {
        let others = vec!["QL-DDDD-DDDD".to_owned()];
        let signals = hotline_signals(&input(&[], &others));
        let domain = find(&signals, SignalCode::RepeatHotlineDomain).expect("domain");
        assert!(domain.explanation.zh.contains("lianle-weixiu.com"));
        assert_eq!(domain.related, others);
        let mut via_search = input(&[], &others);
        via_search.found_domain = Some("baidu.com");
        assert!(hotline_signals(&via_search).is_empty());
    }

    #[test]
    fn the_pasted_page_and_the_screenshots_are_judged() {
        let shots = vec![("搜索结果.png".to_owned(), FAKE_PAGES[0].1.to_owned())];
        let mut from_screenshot = input(&[], &[]);
        from_screenshot.screenshot_texts = &shots;
        let signals = hotline_signals(&from_screenshot);
        let seo = find(&signals, SignalCode::SeoImpersonation).expect("seo");
        assert!(
            seo.explanation.zh.starts_with("截图「搜索结果.png」的文字"),
            "{}",
            seo.explanation.zh
        );
        let mut honest = input(&[], &[]);
        honest.page_text = Some(HONEST_TEXTS[1].1);
        assert!(hotline_signals(&honest).is_empty());
    }

    #[test]
    fn the_strongest_source_is_quoted() {
        let signal = seo_impersonation(
            &[
                SourceText {
                    zh: "截图「a.png」".into(),
                    en: "a.png".into(),
                    text: HONEST_TEXTS[0].1,
                },
                SourceText {
                    zh: "粘贴的网页文字".into(),
                    en: "The pasted page text".into(),
                    text: FAKE_PAGES[0].1,
                },
            ],
            &["联勒指纹锁"],
        )
        .expect("signal");
        assert!(signal.explanation.zh.starts_with("粘贴的网页文字"));
        assert!(seo_impersonation(&[], &["联勒指纹锁"]).is_none());
    }
}
