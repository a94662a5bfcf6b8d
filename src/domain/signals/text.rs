//! Template reviews: near-duplicate review texts (within a case and across
//! cases about the same merchant) and low-information stock praise.
//!
//! Works for Chinese without a dictionary: texts are normalized (full-width
//! forms folded, case folded, punctuation, emoji and spaces removed), cut
//! into overlapping character bigrams, and compared with the Jaccard index
//! of their bigram sets. Candidate pairs come from MinHash with banding
//! (LSH), so thousands of a merchant's reviews do not mean millions of
//! comparisons; each candidate is then checked exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{list_some, Explanation, Severity, Signal, SignalCode};

/// Two reviews whose bigram sets have at least this Jaccard index were
/// written from one template. Tuned on `tests/fixtures/signals/reviews.json`:
/// texts rewritten from one template score 0.30 and more; different texts,
/// including genuine complaints that reuse a template's phrases ("吸力还行，
/// 噪音比宣传的大，APP操作倒是简单…"), stay under 0.22. The threshold sits
/// midway.
pub const NEAR_DUPLICATE_JACCARD: f64 = 0.26;
/// From this Jaccard index up, two different texts are called
/// "near-identical" in explanations; below it, "similar".
pub const NEAR_IDENTICAL_JACCARD: f64 = 0.6;
const SHINGLE: usize = 2;
/// Two texts of one case, from different sources, one of which holds at
/// least this share of the other's bigrams are one review seen twice: OCR
/// misreads characters (traditional ones especially) and a screenshot cuts
/// a long review off at its edge. Chosen on the tuning split of
/// `benches/signals_eval.rs`, where a pasted review and its OCR reading
/// shared 0.51–1.00 and different genuine reviews under 0.35.
pub const SAME_REVIEW_CONTAINMENT: f64 = 0.5;
/// A review of another case, quoted here: held to more, since a quote is
/// verbatim (typed, or read by OCR with a slip or two) while one template's
/// variants share much but not that much.
pub const QUOTED_REVIEW_CONTAINMENT: f64 = 0.85;
/// …provided the shorter has this many bigrams (a phrase is not a review).
const SAME_REVIEW_MIN_SHINGLES: usize = 4;
/// Across cases, the shorter must also have this share of the longer's: a
/// short review inside a long one is quoted, not repeated.
const SAME_REVIEW_MIN_SHARE: f64 = 0.3;
/// A second text of one source joins a review it is inside only when at
/// most this share of it was already seen there: it is another piece of
/// the review (OCR splits long ones), not a second, equal review.
const PIECE_MAX_OVERLAP: f64 = 0.5;
/// Reviews shorter than this (normalized characters) are not compared as
/// templates: short phrases are shared by honest buyers by the thousand.
pub const MIN_TEMPLATE_CHARS: usize = 10;
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

static PLATFORM_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(追评|追加评论|追加评价|补充点评|初次评价|初评)\s*[:：]?|\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-./]\d{1,2}[-./]\d{1,2}")
        .expect("platform words")
});

/// A review as compared: normalized, without what the platform adds to
/// everyone's review (a 追评 / 补充点评 label, a date), which honest reviews
/// share by the thousand.
pub fn comparable(text: &str) -> String {
    normalize(&PLATFORM_WORDS.replace_all(text, " "))
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
    let common = common(a, b);
    common as f64 / (a.len() + b.len() - common) as f64
}

/// How many entries two sorted lists share, each entry matched at most once
/// (the size of their intersection, for sets and for multisets alike).
pub fn common<T: Ord>(a: &[T], b: &[T]) -> usize {
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
    common
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

/// Where a review comes from: this case (by the index of its first
/// occurrence among the case's texts) or another case about the same
/// merchant (by its index among that case's pasted reviews).
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

/// A text of this case that may be a review, and where it was seen: pasted
/// by the reporter, or read from one of the case's screenshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseText {
    /// `"pasted"`, or the screenshot's name. Two texts of one source are
    /// two reviews (a list shows each review once); texts of different
    /// sources may be one review seen twice.
    pub source: String,
    pub text: String,
}

impl CaseText {
    pub const PASTED: &'static str = "pasted";

    /// The reporter's pasted reviews, in order.
    pub fn pasted(texts: &[String]) -> Vec<CaseText> {
        texts
            .iter()
            .map(|text| CaseText {
                source: Self::PASTED.to_owned(),
                text: text.clone(),
            })
            .collect()
    }
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

/// One review of this case that independent reporters of the same merchant
/// quoted too: corroboration, not a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Corroboration {
    /// The review's index among this case's texts.
    pub index: usize,
    /// The other cases quoting it, sorted.
    pub cases: Vec<String>,
    /// Independent reporters who quoted it, this case's included.
    pub reporters: u32,
    pub sample: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TemplateAnalysis {
    /// Clusters of different reviews, at least one of this case, largest first.
    pub clusters: Vec<ReviewCluster>,
    /// Indices (among this case's texts) of reviews that are only stock praise.
    pub stock_praise: Vec<usize>,
    /// This case's reviews that independent reporters quoted too.
    pub corroborated: Vec<Corroboration>,
}

/// Share of the smaller bigram set found in the larger: 1.0 when one text
/// is inside the other (a review cut off at a screenshot's edge).
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    common(a, b) as f64 / smaller as f64
}

/// Whether two texts are one review (seen twice, or quoted twice): one is,
/// up to OCR's slips, inside the other, and neither is a mere phrase.
fn same_review(a: &[u64], b: &[u64], at_least: f64, min_share: f64) -> bool {
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    small >= SAME_REVIEW_MIN_SHINGLES
        && small as f64 >= min_share * large as f64
        && containment(a, b) >= at_least
        || (a == b && !a.is_empty())
}

/// Share of the set `part`'s bigrams already in the set `covered` (both sorted).
fn covered_share(part: &[u64], covered: &[u64]) -> f64 {
    if part.is_empty() {
        return 1.0;
    }
    common(part, covered) as f64 / part.len() as f64
}

/// One review of this case with the sources it was seen in, and for each
/// source the bigrams of the review its texts covered (OCR may cut one
/// review into pieces).
struct Item<'a> {
    first: usize,
    sources: Vec<(&'a str, Vec<u64>)>,
    normalized: String,
    set: Vec<u64>,
    text: &'a str,
}

impl Item<'_> {
    /// Whether `set`, seen in `source`, is (part of) this review: it is
    /// inside it, and — when the source showed the review already — a
    /// piece not yet seen there (two equal reviews in one list are two).
    fn takes(&self, source: &str, set: &[u64]) -> bool {
        if !same_review(&self.set, set, SAME_REVIEW_CONTAINMENT, 0.0) {
            return false;
        }
        match self.sources.iter().find(|(s, _)| *s == source) {
            None => true,
            Some((_, covered)) => covered_share(set, covered) < PIECE_MAX_OVERLAP,
        }
    }
}

/// Finds, among this case's texts and the other cases' reviews of the same
/// merchant (the caller selects them by `merchant_key`):
/// - the reviews of this case, each once however many sources show it;
/// - which of them independent reporters quoted too (`independent` maps the
///   other cases filed by reporters independent of this case's to a key
///   shared by the cases of one reporter);
/// - clusters of *different* reviews that are near-identical (templates);
/// - stock praise.
pub fn analyze_reviews(
    this_case: &[CaseText],
    others: &[OtherReview],
    independent: &BTreeMap<String, usize>,
) -> TemplateAnalysis {
    let mut items: Vec<Item<'_>> = Vec::new();
    for (index, text) in this_case.iter().enumerate() {
        let normalized = comparable(&text.text);
        if normalized.is_empty() {
            continue;
        }
        let set = shingles(&normalized);
        let seen = items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.takes(&text.source, &set))
            .max_by(|(_, a), (_, b)| {
                containment(&a.set, &set).total_cmp(&containment(&b.set, &set))
            })
            .map(|(k, _)| k);
        match seen {
            Some(k) => {
                let item = &mut items[k];
                let piece: Vec<u64> = set
                    .iter()
                    .copied()
                    .filter(|s| item.set.binary_search(s).is_ok())
                    .collect();
                match item.sources.iter_mut().find(|(s, _)| *s == text.source) {
                    Some((_, covered)) => {
                        covered.extend(piece);
                        covered.sort_unstable();
                        covered.dedup();
                    }
                    None => item.sources.push((&text.source, piece)),
                }
            }
            None => items.push(Item {
                first: index,
                sources: vec![(&text.source, set.clone())],
                normalized,
                set,
                text: &text.text,
            }),
        }
    }
    let mut stock_praise = Vec::new();
    items.retain(|item| {
        let stock = is_stock_praise(item.text);
        if stock {
            stock_praise.push(item.first);
        }
        !stock
    });

    // The same review in another case: corroboration when an independent
    // reporter quoted it; either way not a template.
    let other_sets: Vec<Vec<u64>> = others
        .iter()
        .map(|o| shingles(&comparable(&o.text)))
        .collect();
    let mut quoted = vec![false; others.len()];
    let mut corroborated = Vec::new();
    for item in &items {
        let mut cases = BTreeSet::new();
        let mut reporters = BTreeSet::new();
        for (k, other) in others.iter().enumerate() {
            if !same_review(
                &item.set,
                &other_sets[k],
                QUOTED_REVIEW_CONTAINMENT,
                SAME_REVIEW_MIN_SHARE,
            ) {
                continue;
            }
            quoted[k] = true;
            if let Some(&reporter) = independent.get(&other.case_reference) {
                cases.insert(other.case_reference.clone());
                reporters.insert(reporter);
            }
        }
        if !cases.is_empty() {
            corroborated.push(Corroboration {
                index: item.first,
                cases: cases.into_iter().collect(),
                reporters: u32::try_from(reporters.len() + 1).unwrap_or(u32::MAX),
                sample: item.text.to_owned(),
            });
        }
    }

    // Templates: different reviews, near-identical. Stock praise and
    // phrases too short to say anything are left out: "质量很好，物流很快"
    // is what thousands of honest buyers write.
    let mut refs: Vec<ReviewRef> = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    let mut normalized: Vec<String> = Vec::new();
    for item in items
        .iter()
        .filter(|i| i.normalized.chars().count() >= MIN_TEMPLATE_CHARS)
    {
        refs.push(ReviewRef {
            case_reference: None,
            index: item.first,
        });
        texts.push(item.text);
        normalized.push(item.normalized.clone());
    }
    for (k, other) in others.iter().enumerate() {
        if quoted[k] || is_stock_praise(&other.text) {
            continue;
        }
        let n = comparable(&other.text);
        if n.chars().count() < MIN_TEMPLATE_CHARS {
            continue;
        }
        refs.push(ReviewRef {
            case_reference: Some(other.case_reference.clone()),
            index: other.index,
        });
        texts.push(&other.text);
        normalized.push(n);
    }
    let mut parent: Vec<usize> = (0..texts.len()).collect();
    let mut link_similarity: Vec<f64> = vec![1.0; texts.len()];
    // Identical texts (after normalization) join at once; only one of each
    // is compared with the rest, so a merchant's copy-pasted reviews do not
    // multiply the pairs.
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    let mut unique: Vec<usize> = Vec::new();
    for (i, text) in normalized.iter().enumerate() {
        match first_of.get(text.as_str()) {
            Some(&first) => parent[i] = first,
            None => {
                first_of.insert(text, i);
                unique.push(i);
            }
        }
    }
    let sets: Vec<Vec<u64>> = unique.iter().map(|&i| shingles(&normalized[i])).collect();
    for (ua, ub) in candidate_pairs(&sets) {
        let (a, b) = (unique[ua], unique[ub]);
        let similarity = jaccard(&sets[ua], &sets[ub]);
        if similarity >= NEAR_DUPLICATE_JACCARD {
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
                min_similarity: (link_similarity[root] * 100.0).floor() / 100.0,
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
        corroborated,
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

/// How alike two texts are, in words, for an explanation that also gives
/// the number: identical, near-identical or similar.
pub fn similarity_words(similarity: f64) -> (&'static str, &'static str) {
    if similarity >= 1.0 {
        ("完全相同", "identical")
    } else if similarity >= NEAR_IDENTICAL_JACCARD {
        ("几乎相同", "near-identical")
    } else {
        ("高度相似", "similar")
    }
}

/// The `template_reviews` signal: high when a template has three or more
/// different reviews, medium for a pair, low for stock praise alone.
/// `labels` name this case's texts by index (see [`this_case_label`]).
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
        severity = severity.max(if cluster.members.len() >= 3 {
            Severity::High
        } else {
            Severity::Medium
        });
        let (names_zh, names_en): (Vec<String>, Vec<String>) =
            cluster.members.iter().map(|m| describe(m, labels)).unzip();
        let (list_zh, _) = list_some(&names_zh, 4);
        let (_, list_en) = list_some(&names_en, 4);
        let (alike_zh, alike_en) = similarity_words(cluster.min_similarity);
        let similarity = if cluster.min_similarity >= 1.0 {
            (String::new(), String::new())
        } else {
            (
                format!("，相似度 ≥ {:.2}", cluster.min_similarity),
                format!(", similarity ≥ {:.2}", cluster.min_similarity),
            )
        };
        zh.push(format!(
            "{} 条不同的评价{alike_zh}（{}{}）：「{}」",
            cluster.members.len(),
            list_zh,
            similarity.0,
            excerpt(&cluster.sample)
        ));
        en.push(format!(
            "{} different reviews are {alike_en} ({}{}): “{}”",
            cluster.members.len(),
            list_en,
            similarity.1,
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

/// The `corroborated_review` signal: the same review quoted by independent
/// reporters of one merchant. One review seen by several people, not a
/// template; it weighs little (low for two reporters, medium for more).
pub fn corroborated_review_signal(
    analysis: &TemplateAnalysis,
    labels: &[Explanation],
) -> Option<Signal> {
    if analysis.corroborated.is_empty() {
        return None;
    }
    let most = analysis
        .corroborated
        .iter()
        .map(|c| c.reporters)
        .max()
        .unwrap_or(2);
    let severity = if most >= 3 {
        Severity::Medium
    } else {
        Severity::Low
    };
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut related = Vec::new();
    for corroboration in analysis.corroborated.iter().take(5) {
        let (here_zh, here_en) = this_case_label(corroboration.index, labels);
        let (cases_zh, cases_en) = list_some(&corroboration.cases, 4);
        zh.push(format!(
            "{here_zh}「{}」共有 {} 位独立举报人提交（另见 {cases_zh}）",
            excerpt(&corroboration.sample),
            corroboration.reporters
        ));
        en.push(format!(
            "{here_en} “{}”, submitted by {} independent reporters (also in {cases_en})",
            excerpt(&corroboration.sample),
            corroboration.reporters
        ));
        related.extend(corroboration.cases.iter().cloned());
    }
    if analysis.corroborated.len() > 5 {
        zh.push(format!("另有 {} 条", analysis.corroborated.len() - 5));
        en.push(format!("{} more", analysis.corroborated.len() - 5));
    }
    Some(
        Signal::new(
            SignalCode::CorroboratedReview,
            severity,
            format!("同一条评价被多位举报人举报：{}。", zh.join("；")),
            format!(
                "The same review, reported by several people: {}.",
                en.join("; ")
            ),
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

    /// Pasted reviews against other cases, each filed by its own independent reporter.
    fn analyze(this: &[String], others: &[OtherReview]) -> TemplateAnalysis {
        let independent: BTreeMap<String, usize> = others
            .iter()
            .map(|o| o.case_reference.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .enumerate()
            .map(|(k, r)| (r, k))
            .collect();
        analyze_reviews(&CaseText::pasted(this), others, &independent)
    }

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
        let analysis = analyze(&this, &others);
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
        let analysis = analyze(&this, &others);
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
    fn the_same_review_quoted_by_independent_reporters_is_corroboration_not_a_template() {
        let text = "茶叶收到了，包装很高档，打开就闻到浓浓的茶香";
        let others: Vec<OtherReview> = ["QL-A", "QL-B", "QL-C"]
            .iter()
            .map(|r| other(r, 0, &format!("{text}！")))
            .collect();
        // QL-A and QL-B were filed by one reporter, QL-C by another: three
        // reporters in all with this case's.
        let independent: BTreeMap<String, usize> = [("QL-A", 1), ("QL-B", 1), ("QL-C", 2)]
            .iter()
            .map(|(r, k)| ((*r).to_owned(), *k))
            .collect();
        let analysis = analyze_reviews(
            &CaseText::pasted(&[text.to_string()]),
            &others,
            &independent,
        );
        assert!(analysis.clusters.is_empty(), "{analysis:?}");
        assert_eq!(analysis.corroborated.len(), 1);
        assert_eq!(analysis.corroborated[0].reporters, 3);
        assert_eq!(analysis.corroborated[0].cases, vec!["QL-A", "QL-B", "QL-C"]);
        assert_eq!(template_reviews_signal(&analysis, &[]), None);
        let signal = corroborated_review_signal(&analysis, &[]).expect("signal");
        assert_eq!(signal.code, SignalCode::CorroboratedReview);
        assert_eq!(signal.severity, Severity::Medium);
        assert!(
            signal.explanation.zh.contains("共有 3 位独立举报人"),
            "{}",
            signal.explanation.zh
        );
        assert_eq!(signal.related, vec!["QL-A", "QL-B", "QL-C"]);
        // Quoted by the same reporter's other case only: neither.
        let mine = analyze_reviews(
            &CaseText::pasted(&[text.to_string()]),
            &others[..1],
            &BTreeMap::new(),
        );
        assert!(mine.clusters.is_empty() && mine.corroborated.is_empty());
        let two = analyze(&[text.to_string()], &others[..1]);
        assert_eq!(
            corroborated_review_signal(&two, &[])
                .expect("signal")
                .severity,
            Severity::Low
        );
    }

    #[test]
    fn a_pasted_review_and_the_same_review_in_a_screenshot_are_one_review() {
        let review = "收到了，做工很扎实，颜色跟图片一样，比实体店便宜不少，给老妈买的她很喜欢";
        let texts = vec![
            CaseText {
                source: CaseText::PASTED.into(),
                text: review.into(),
            },
            // OCR misread one character and the screenshot cut the end off.
            CaseText {
                source: "评价0.png".into(),
                text: "收到了，做工很扎实，颜色跟图片一样，比实体店便宣不少".into(),
            },
            CaseText {
                source: "评价1.png".into(),
                text: review.into(),
            },
        ];
        let analysis = analyze_reviews(&texts, &[], &BTreeMap::new());
        assert!(analysis.clusters.is_empty(), "{analysis:?}");
        // Two different reviews in one screenshot that are identical are a template.
        let copied = "宝贝收到了，质量非常好，做工精细，物流超快，卖家服务态度也很好";
        let texts = vec![
            CaseText {
                source: "list.png".into(),
                text: copied.into(),
            },
            CaseText {
                source: "list.png".into(),
                text: copied.into(),
            },
            CaseText {
                source: CaseText::PASTED.into(),
                text: copied.into(),
            },
        ];
        let analysis = analyze_reviews(&texts, &[], &BTreeMap::new());
        assert_eq!(analysis.clusters.len(), 1);
        assert_eq!(
            analysis.clusters[0].members.len(),
            2,
            "the pasted copy is one of the two"
        );
        let signal = template_reviews_signal(&analysis, &[]).expect("signal");
        assert!(
            signal.explanation.zh.contains("2 条不同的评价完全相同"),
            "{}",
            signal.explanation.zh
        );
        assert!(!signal.explanation.zh.contains("相似度"));
    }

    #[test]
    fn a_review_ocr_cut_in_pieces_is_one_review_but_two_variants_in_one_list_are_two() {
        let review = "提一句，服务确实不错，我出门之前，突然裤档开了，又急着要走，服务员迅速拿去帮我补了，还不收费";
        let texts = vec![
            CaseText {
                source: CaseText::PASTED.into(),
                text: review.into(),
            },
            CaseText {
                source: "shot.png".into(),
                text: "提一句，服务确实不错，我出门之前，突然裤档".into(),
            },
            CaseText {
                source: "shot.png".into(),
                text: "了，又急着要走，服务员迅速拿去帮我补了，还不收费".into(),
            },
        ];
        let analysis = analyze_reviews(&texts, &[], &BTreeMap::new());
        assert!(analysis.clusters.is_empty(), "{analysis:?}");
        let base = "宝贝收到了，质量非常好，做工精细，面料舒服，穿上很显瘦，物流超快";
        let texts = vec![
            CaseText {
                source: CaseText::PASTED.into(),
                text: base.into(),
            },
            CaseText {
                source: "list.png".into(),
                text: base.into(),
            },
            // A variant with a clause left out: inside the first, but a second review.
            CaseText {
                source: "list.png".into(),
                text: "宝贝收到了，质量非常好，做工很精细，穿上很显瘦，物流超快".into(),
            },
        ];
        let analysis = analyze_reviews(&texts, &[], &BTreeMap::new());
        assert_eq!(analysis.clusters.len(), 1, "{analysis:?}");
        assert_eq!(analysis.clusters[0].members.len(), 2);
    }

    #[test]
    fn what_the_platform_adds_to_every_review_is_not_compared() {
        assert_eq!(
            comparable("补充点评2007年8月27日:对了，周围很荒凉"),
            "对了周围很荒凉"
        );
        assert_eq!(comparable("追评：用了21天，挺好"), "用了21天挺好");
        assert_eq!(comparable("2026-04-17 到货，不错"), "到货不错");
        let analysis = analyze(
            &[
                "补充点评2007年8月27日:对了，周围很荒凉，晚上出门打车不方便".to_string(),
                "补充点评2007年8月21日:早餐种类太少，服务员态度冷淡".to_string(),
            ],
            &[],
        );
        assert!(analysis.clusters.is_empty(), "{analysis:?}");
    }

    #[test]
    fn similarity_is_labelled_honestly() {
        assert_eq!(similarity_words(1.0).1, "identical");
        assert_eq!(similarity_words(0.75).1, "near-identical");
        assert_eq!(similarity_words(0.3).1, "similar");
        assert_eq!(similarity_words(0.3).0, "高度相似");
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
        let analysis = analyze(&["今年的明前龙井比去年的淡一些".to_string()], &others);
        assert!(analysis.clusters.is_empty());
        assert_eq!(template_reviews_signal(&analysis, &[]), None);
        assert_eq!(template_reviews_signal(&analyze(&[], &[]), &[]), None);
    }

    #[test]
    fn severity_follows_the_evidence() {
        let pair = vec![
            "耳机音质超级好，降噪效果一流，戴着也很舒服，续航很给力".to_string(),
            "耳机音质超好，降噪效果一流，戴着很舒服，续航给力".to_string(),
        ];
        let medium = template_reviews_signal(&analyze(&pair, &[]), &[]).expect("signal");
        assert_eq!(medium.severity, Severity::Medium);
        assert!(medium.related.is_empty());
        let stock = template_reviews_signal(&analyze(&["五星好评！".to_string()], &[]), &[])
            .expect("signal");
        assert_eq!(stock.severity, Severity::Low);
        assert!(stock
            .explanation
            .en
            .contains("stock praise (review 1 here)"));
        let mut three = pair.clone();
        three.push("耳机音质超级好，降噪效果一流，戴着舒服，续航给力".to_string());
        let high = template_reviews_signal(&analyze(&three, &[]), &[]).expect("signal");
        assert_eq!(high.severity, Severity::High);
    }
}
