//! Template reviews: near-duplicate review texts (within a case and across
//! cases about the same merchant) and low-information stock praise.
//!
//! Works for Chinese without a dictionary: texts are normalized (full-width
//! forms folded, case folded, punctuation, emoji and spaces removed), cut
//! into overlapping character bigrams, and compared with the Jaccard index
//! of their bigram sets. Candidate pairs come from MinHash with banding
//! (LSH), so thousands of a merchant's reviews do not mean millions of
//! comparisons; each candidate is then checked exactly.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{list_some, Explanation, Severity, Signal, SignalCode};

/// Two reviews whose bigram sets have at least this Jaccard index were
/// written from one template. Tuned on `tests/fixtures/signals/reviews.json`:
/// texts rewritten from one template score 0.30 and more; different texts,
/// including genuine complaints that reuse a template's phrases ("吸力还行，
/// 噪音比宣传的大，APP操作倒是简单…"), stay under 0.22. The threshold sits
/// midway.
pub const NEAR_DUPLICATE_JACCARD: f64 = 0.26;
const SHINGLE: usize = 2;
/// Up to this many texts every pair is compared exactly; beyond, MinHash
/// banding proposes the pairs.
const EXACT_MAX_TEXTS: usize = 300;
const BANDS: usize = 64;
const ROWS: usize = 2;
const PERMUTATIONS: usize = BANDS * ROWS;

/// Stock praise, in normalized form, longest first when matched.
pub const STOCK_PHRASES: &[&str] = &[
    "五星好评",
    "好评如潮",
    "好评好评",
    "物美价廉",
    "价廉物美",
    "物超所值",
    "性价比超高",
    "性价比高",
    "值得购买",
    "值得信赖",
    "值得拥有",
    "推荐购买",
    "强烈推荐",
    "非常满意",
    "十分满意",
    "很满意",
    "真心不错",
    "真不错",
    "超级棒",
    "棒棒哒",
    "棒棒的",
    "质量很好",
    "质量不错",
    "质量好",
    "发货很快",
    "发货快",
    "物流很快",
    "物流快",
    "快递很快",
    "下次还来",
    "还会再来",
    "还会回购",
    "会回购",
    "价格实惠",
    "好吃不贵",
    "宝贝收到了",
    "非常好",
    "很好",
    "挺好",
    "不错",
    "超赞",
    "很棒",
    "满分",
    "完美",
    "给力",
    "好评",
    "五星",
    "推荐",
    "满意",
    "喜欢",
    "赞",
    "棒",
    "好",
];

/// Words that carry no information once the praise is removed.
const FILLER: &str = "的了啊呀哦哈啦嘛呢吧哒很非常真心超级特别也还都又就太亲们哈哈一个次下来再";

/// Characters that turn praise around once the stock phrases are removed
/// (好吃不贵 and 不错 are phrases, removed before this is looked at).
const NEGATION: &str = "不没差别坑烂假退骗";

/// Reviews of at most this many normalized characters may be stock praise;
/// longer ones always say something of their own.
const STOCK_MAX_CHARS: usize = 30;

/// Folds full-width forms and case, and keeps only letters and digits
/// (CJK included): punctuation, emoji, symbols and spaces go.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The set of character bigrams (a lone character for 1-character texts),
/// hashed, sorted and deduplicated.
pub fn shingles(normalized: &str) -> Vec<u64> {
    let chars: Vec<char> = normalized.chars().collect();
    let mut out: Vec<u64> = if chars.len() < SHINGLE {
        chars.iter().map(|&c| fnv(&[c])).collect()
    } else {
        chars.windows(SHINGLE).map(fnv).collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

fn fnv(chars: &[char]) -> u64 {
    chars.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &c| {
        (h ^ u64::from(c as u32)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Jaccard index of two sorted, deduplicated sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

/// MinHash signature of a shingle set (128 independent mixes of each shingle).
pub fn minhash(shingles: &[u64]) -> [u64; PERMUTATIONS] {
    let mut signature = [u64::MAX; PERMUTATIONS];
    for &s in shingles {
        for (k, slot) in signature.iter_mut().enumerate() {
            let h = mix(s ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            if h < *slot {
                *slot = h;
            }
        }
    }
    signature
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether a review is nothing but stock praise ("超赞！物美价廉，五星好评！").
pub fn is_stock_praise(text: &str) -> bool {
    let normalized = normalize(text);
    let length = normalized.chars().count();
    if length == 0 || length > STOCK_MAX_CHARS {
        return false;
    }
    let mut rest = normalized;
    let mut found = false;
    for phrase in STOCK_PHRASES {
        if rest.contains(phrase) {
            found = true;
            rest = rest.replace(phrase, "");
        }
    }
    // "不好", "不满意": what is left after the praise is removed negates it.
    if rest.chars().any(|c| NEGATION.contains(c)) {
        return false;
    }
    let informative = rest.chars().filter(|c| !FILLER.contains(*c)).count();
    found && informative <= 1
}

/// Where a review comes from: this case (by its index in `review_texts`)
/// or another case about the same merchant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReviewRef {
    /// `None` for this case.
    pub case_reference: Option<String>,
    pub index: usize,
}

/// A review pasted in another case about the same merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherReview {
    pub case_reference: String,
    pub index: usize,
    pub text: String,
}

/// Reviews written from one template, with the lowest similarity that
/// links them and the text of the first one as a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCluster {
    pub members: Vec<ReviewRef>,
    pub min_similarity: f64,
    pub sample: String,
}

impl ReviewCluster {
    /// The other cases this cluster reaches, sorted.
    pub fn other_cases(&self) -> Vec<String> {
        self.members
            .iter()
            .filter_map(|m| m.case_reference.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateAnalysis {
    /// Clusters with at least one review of this case, largest first.
    pub clusters: Vec<ReviewCluster>,
    /// Indices (in this case) of reviews that are only stock praise.
    pub stock_praise: Vec<usize>,
}

/// Finds the templates among this case's reviews and those of other cases
/// about the same merchant (the caller selects them by `merchant_key`).
pub fn analyze_reviews(this_case: &[String], others: &[OtherReview]) -> TemplateAnalysis {
    let mut refs: Vec<ReviewRef> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut stock_praise = Vec::new();
    for (index, text) in this_case.iter().enumerate() {
        if is_stock_praise(text) {
            stock_praise.push(index);
        } else {
            refs.push(ReviewRef {
                case_reference: None,
                index,
            });
            texts.push(text);
        }
    }
    // Stock praise is reported on its own: clustering "好评" with "五星好评"
    // would only make one meaningless giant cluster.
    for other in others.iter().filter(|o| !is_stock_praise(&o.text)) {
        refs.push(ReviewRef {
            case_reference: Some(other.case_reference.clone()),
            index: other.index,
        });
        texts.push(&other.text);
    }
    let normalized: Vec<String> = texts.iter().map(|t| normalize(t)).collect();
    let mut parent: Vec<usize> = (0..texts.len()).collect();
    let mut link_similarity: Vec<f64> = vec![1.0; texts.len()];
    // Identical texts (after normalization) join at once; only one of each
    // is compared with the rest, so a merchant's copy-pasted reviews do not
    // multiply the pairs.
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut unique: Vec<usize> = Vec::new();
    for (i, text) in normalized.iter().enumerate() {
        match first_of.get(text.as_str()) {
            Some(&first) if !text.is_empty() => parent[i] = first,
            _ => {
                first_of.insert(text, i);
                unique.push(i);
            }
        }
    }
    let sets: Vec<Vec<u64>> = unique.iter().map(|&i| shingles(&normalized[i])).collect();
    for (ua, ub) in candidate_pairs(&sets) {
        let (a, b) = (unique[ua], unique[ub]);
        let similarity = jaccard(&sets[ua], &sets[ub]);
        if similarity >= NEAR_DUPLICATE_JACCARD && !sets[ua].is_empty() {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            let weakest = similarity.min(link_similarity[ra]).min(link_similarity[rb]);
            if ra != rb {
                parent[rb] = ra;
            }
            link_similarity[ra] = weakest;
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..texts.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut clusters: Vec<ReviewCluster> = groups
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .filter(|(_, members)| members.iter().any(|&m| refs[m].case_reference.is_none()))
        .map(|(root, mut members)| {
            members.sort_by(|&a, &b| refs[a].cmp(&refs[b]));
            ReviewCluster {
                sample: texts[members[0]].to_string(),
                members: members.iter().map(|&m| refs[m].clone()).collect(),
                min_similarity: (link_similarity[root] * 100.0).round() / 100.0,
            }
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then_with(|| a.members.cmp(&b.members))
    });
    TemplateAnalysis {
        clusters,
        stock_praise,
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The pairs to compare: all of them for a few hundred texts; beyond, the
/// pairs that share a MinHash band, which include a pair at the threshold
/// with probability 1 − (1 − J²)⁶⁴ ≥ 0.98 at the threshold (J = 0.26).
fn candidate_pairs(sets: &[Vec<u64>]) -> BTreeSet<(usize, usize)> {
    if sets.len() <= EXACT_MAX_TEXTS {
        return (0..sets.len())
            .flat_map(|a| (a + 1..sets.len()).map(move |b| (a, b)))
            .collect();
    }
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (i, set) in sets.iter().enumerate() {
        if set.is_empty() {
            continue;
        }
        let signature = minhash(set);
        for (band, rows) in signature.chunks_exact(ROWS).enumerate() {
            let key = rows.iter().fold(0u64, |h, &r| mix(h ^ r));
            buckets.entry((band, key)).or_default().push(i);
        }
    }
    let mut pairs = BTreeSet::new();
    for members in buckets.values() {
        for (k, &a) in members.iter().enumerate() {
            for &b in &members[k + 1..] {
                if a != b {
                    pairs.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    pairs
}

/// How a text of this case is named: by `labels` (a screenshot's text is
/// named after the screenshot), else as the pasted review it is.
fn this_case_label(index: usize, labels: &[Explanation]) -> (String, String) {
    let label = labels
        .get(index)
        .cloned()
        .unwrap_or_else(|| pasted_review_label(index));
    (label.zh, label.en)
}

/// How the pasted review at `index` of this case is named.
pub fn pasted_review_label(index: usize) -> Explanation {
    Explanation::new(
        format!("本案第 {} 条", index + 1),
        format!("review {} here", index + 1),
    )
}

fn describe(member: &ReviewRef, labels: &[Explanation]) -> (String, String) {
    match &member.case_reference {
        None => this_case_label(member.index, labels),
        Some(reference) => (
            format!("{reference} 第 {} 条", member.index + 1),
            format!("review {} of {reference}", member.index + 1),
        ),
    }
}

/// The `template_reviews` signal: high when a template reaches other cases
/// or three reviews, medium for a pair within the case, low for stock
/// praise alone. `labels` name this case's texts by index (see
/// [`this_case_label`]).
pub fn template_reviews_signal(
    analysis: &TemplateAnalysis,
    labels: &[Explanation],
) -> Option<Signal> {
    if analysis.clusters.is_empty() && analysis.stock_praise.is_empty() {
        return None;
    }
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut related = Vec::new();
    let mut severity = Severity::Low;
    for cluster in analysis.clusters.iter().take(5) {
        let other_cases = cluster.other_cases();
        severity = severity.max(if !other_cases.is_empty() || cluster.members.len() >= 3 {
            Severity::High
        } else {
            Severity::Medium
        });
        let (names_zh, names_en): (Vec<String>, Vec<String>) =
            cluster.members.iter().map(|m| describe(m, labels)).unzip();
        let (list_zh, _) = list_some(&names_zh, 4);
        let (_, list_en) = list_some(&names_en, 4);
        zh.push(format!(
            "{} 条评价几乎相同（{}，相似度 ≥ {:.2}）：「{}」",
            cluster.members.len(),
            list_zh,
            cluster.min_similarity,
            excerpt(&cluster.sample)
        ));
        en.push(format!(
            "{} near-identical reviews ({}, similarity ≥ {:.2}): “{}”",
            cluster.members.len(),
            list_en,
            cluster.min_similarity,
            excerpt(&cluster.sample)
        ));
        related.extend(other_cases);
    }
    if analysis.clusters.len() > 5 {
        zh.push(format!("另有 {} 组", analysis.clusters.len() - 5));
        en.push(format!("{} more groups", analysis.clusters.len() - 5));
    }
    if !analysis.stock_praise.is_empty() {
        let (names_zh, names_en): (Vec<String>, Vec<String>) = analysis
            .stock_praise
            .iter()
            .map(|&i| this_case_label(i, labels))
            .unzip();
        zh.push(format!(
            "{} 条评价只有空洞的套话好评（{}）",
            names_zh.len(),
            names_zh.join("、")
        ));
        en.push(format!(
            "{} reviews are nothing but stock praise ({})",
            names_en.len(),
            names_en.join(", ")
        ));
    }
    Some(
        Signal::new(
            SignalCode::TemplateReviews,
            severity,
            format!("评价疑似模板刷单：{}。", zh.join("；")),
            format!("Reviews look templated: {}.", en.join("; ")),
        )
        .with_related(related),
    )
}

fn excerpt(text: &str) -> String {
    let mut out: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(reference: &str, index: usize, text: &str) -> OtherReview {
        OtherReview {
            case_reference: reference.into(),
            index,
            text: text.into(),
        }
    }

    #[test]
    fn normalization_folds_width_case_punctuation_and_emoji() {
        assert_eq!(normalize("ＡＰＰ操作　简单！！👍 Good…"), "app操作简单good");
        assert_eq!(normalize("拍Ａ发Ｂ"), "拍a发b");
        assert_eq!(normalize("  ，。！？"), "");
        assert_eq!(normalize("第３次"), "第3次");
    }

    #[test]
    fn shingles_are_bigram_sets_and_jaccard_compares_them() {
        assert_eq!(shingles("好评").len(), 1);
        assert_eq!(shingles("好").len(), 1);
        assert!(shingles("").is_empty());
        assert_eq!(shingles("好好好").len(), 1, "deduplicated");
        let a = shingles(&normalize("质量非常好，做工精细"));
        let b = shingles(&normalize("质量很好，做工精细"));
        let j = jaccard(&a, &b);
        assert!(j > 0.4 && j < 1.0, "{j}");
        assert_eq!(jaccard(&a, &a), 1.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert_eq!(jaccard(&a, &[]), 0.0);
    }

    #[test]
    fn minhash_estimates_jaccard() {
        let a = shingles(&normalize(
            "这款扫地机器人真的太好用了，吸力强劲，噪音很小，APP操作简单",
        ));
        let b = shingles(&normalize(
            "这款扫地机真的太好用了，吸力强，噪音小，APP操作简单",
        ));
        let (sa, sb) = (minhash(&a), minhash(&b));
        let estimate =
            sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64 / PERMUTATIONS as f64;
        assert!(
            (estimate - jaccard(&a, &b)).abs() < 0.2,
            "{estimate} vs {}",
            jaccard(&a, &b)
        );
        assert_eq!(minhash(&a), sa, "deterministic");
    }

    #[test]
    fn many_texts_go_through_minhash_banding_with_the_same_result() {
        // 400 distinct filler reviews force the banded path; the templated
        // pair must still be found, and nothing else.
        let this = vec![
            "充电宝容量足，充手机三次没问题，体积小巧方便携带，支持快充，外观也很好看".to_string(),
        ];
        let mut others: Vec<OtherReview> = (0..400)
            .map(|i| other("QL-X", i, &format!("第{i}号评论：{}", "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜".chars().cycle().skip(i * 3 % 40).take(14 + i % 7).collect::<String>())))
            .collect();
        others.push(other(
            "QL-Y",
            0,
            "充电宝容量很足，给手机充三次没问题，体积小巧方便携带，支持快充，外观好看",
        ));
        let analysis = analyze_reviews(&this, &others);
        assert_eq!(analysis.clusters.len(), 1, "{:?}", analysis.clusters.len());
        assert_eq!(analysis.clusters[0].members.len(), 2);
        assert_eq!(analysis.clusters[0].other_cases(), vec!["QL-Y".to_string()]);
    }

    #[test]
    fn stock_praise_is_recognized_and_specific_reviews_are_not() {
        for text in [
            "超赞！物美价廉，五星好评！",
            "好评好评，非常满意！",
            "赞赞赞，物超所值，五星好评！！！",
            "好评！质量好！发货快！",
            "很好很好，超赞，推荐购买！",
            "不错",
            "👍👍五星好评亲们",
            "很不错，好吃不贵",
        ] {
            assert!(is_stock_praise(text), "{text}");
        }
        for text in [
            "",
            "👍",
            "还行吧，一般般",
            "颜色比图片深一点，袖子有点长",
            "物流很快，但是屏幕有划痕，五星好评是不可能的",
            "质量不错，就是尺码偏小，建议买大一码",
            "不好",
            "很不满意",
            "差评",
            "没有好评",
        ] {
            assert!(!is_stock_praise(text), "{text}");
        }
    }

    #[test]
    fn templates_cluster_within_and_across_cases_and_genuine_reviews_do_not() {
        let this = vec![
            "宝贝收到了，质量非常好，做工精细，面料舒服，穿上很显瘦，卖家服务态度也很好，物流超快，五星好评！".to_string(),
            "这件大衣颜色比图片深一点，袖子有点长，面料摸着还可以。".to_string(),
            "衣服收到了，质量很好，做工精细，面料很舒服，穿上显瘦，卖家服务态度好，物流超快，五星好评！！".to_string(),
            "超赞！物美价廉，五星好评！".to_string(),
            "裙子上身效果跟模特差不多，腰线收得好，就是拉链有点卡。".to_string(),
        ];
        let others = vec![
            other("QL-3C4D-5E6F", 0, "宝贝收到啦～质量非常好，做工精细，面料舒服，穿上很显瘦，客服态度也很好，物流也快，好评👍"),
            other("QL-3C4D-5E6F", 1, "买的M码，肩宽合适但胸围偏小，换了L码客服处理得很快。"),
            other("QL-9999-9999", 0, "好评好评"),
        ];
        let analysis = analyze_reviews(&this, &others);
        assert_eq!(analysis.stock_praise, vec![3]);
        assert_eq!(analysis.clusters.len(), 1, "{analysis:?}");
        let cluster = &analysis.clusters[0];
        let members: Vec<(Option<&str>, usize)> = cluster
            .members
            .iter()
            .map(|m| (m.case_reference.as_deref(), m.index))
            .collect();
        assert_eq!(
            members,
            vec![(None, 0), (None, 2), (Some("QL-3C4D-5E6F"), 0)]
        );
        assert!(cluster.min_similarity >= NEAR_DUPLICATE_JACCARD);
        assert_eq!(cluster.other_cases(), vec!["QL-3C4D-5E6F".to_string()]);

        let signal = template_reviews_signal(&analysis, &[]).expect("signal");
        assert_eq!(signal.code, SignalCode::TemplateReviews);
        assert_eq!(signal.severity, Severity::High);
        assert_eq!(signal.related, vec!["QL-3C4D-5E6F".to_string()]);
        assert!(
            signal.explanation.zh.contains("本案第 1 条"),
            "{}",
            signal.explanation.zh
        );
        assert!(signal.explanation.zh.contains("QL-3C4D-5E6F 第 1 条"));
        assert!(signal.explanation.zh.contains("第 4 条"));
        assert!(
            signal.explanation.en.contains("review 3 here"),
            "{}",
            signal.explanation.en
        );
    }

    #[test]
    fn identical_copies_join_one_cluster() {
        let text = "茶叶收到了，包装很高档，打开就闻到浓浓的茶香";
        let others: Vec<OtherReview> = (0..5)
            .map(|i| other("QL-A", i, &format!("{text}！")))
            .collect();
        let analysis = analyze_reviews(&[text.to_string()], &others);
        assert_eq!(analysis.clusters.len(), 1);
        assert_eq!(analysis.clusters[0].members.len(), 6);
        assert_eq!(analysis.clusters[0].min_similarity, 1.0);
    }

    #[test]
    fn clusters_only_among_other_cases_are_not_this_cases_business() {
        let others = vec![
            other(
                "QL-A",
                0,
                "茶叶收到了，包装很高档，打开就闻到浓浓的茶香，泡出来汤色清亮",
            ),
            other(
                "QL-B",
                0,
                "茶叶收到了，包装很高档，一打开就闻到浓浓的茶香，汤色清亮",
            ),
        ];
        let analysis = analyze_reviews(&["今年的明前龙井比去年的淡一些".to_string()], &others);
        assert!(analysis.clusters.is_empty());
        assert_eq!(template_reviews_signal(&analysis, &[]), None);
        assert_eq!(
            template_reviews_signal(&analyze_reviews(&[], &[]), &[]),
            None
        );
    }

    #[test]
    fn severity_follows_the_evidence() {
        let pair = vec![
            "耳机音质超级好，降噪效果一流，戴着也很舒服，续航很给力".to_string(),
            "耳机音质超好，降噪效果一流，戴着很舒服，续航给力".to_string(),
        ];
        let medium = template_reviews_signal(&analyze_reviews(&pair, &[]), &[]).expect("signal");
        assert_eq!(medium.severity, Severity::Medium);
        assert!(medium.related.is_empty());
        let stock =
            template_reviews_signal(&analyze_reviews(&["五星好评！".to_string()], &[]), &[])
                .expect("signal");
        assert_eq!(stock.severity, Severity::Low);
        assert!(stock
            .explanation
            .en
            .contains("stock praise (review 1 here)"));
        let mut three = pair.clone();
        three.push("耳机音质超级好，降噪效果一流，戴着舒服，续航给力".to_string());
        let high = template_reviews_signal(&analyze_reviews(&three, &[]), &[]).expect("signal");
        assert_eq!(high.severity, Severity::High);
    }
}
