//! Signals that compare a case with other cases: the same file, a similar
//! screenshot, the same tracking number, the same merchant. The caller
//! queries the other cases (by SHA-256, by MIH hash chunks, by tracking
//! number, by merchant key) and passes what it found; these functions
//! decide, and explain.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::image_hash::{ImageHash, NEAR_IDENTICAL_MAX_DISTANCE, SIMILAR_MAX_DISTANCE};
use super::logistics::normalize_tracking_number;
use super::text::{common, containment, normalize, shingles};
use super::thumbnail::{crop_match, PreparedThumbnail, Thumbnail};
use super::{list_some, Severity, Signal, SignalCode};
use crate::domain::catalog::Platform;

/// One evidence file of this case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceFingerprint {
    /// The name shown to moderators (`evidence.display_name`).
    pub name: String,
    /// Hex SHA-256 of the stored file (`evidence.sha256`).
    pub sha256: String,
    /// The perceptual hash, for images.
    pub phash: Option<ImageHash>,
    /// The thumbnail, for images: finds cropped copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Thumbnail>,
    /// What OCR read in it, when it was read: tells two screenshots of one
    /// app's layout apart when their pictures look alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_text: Option<String>,
}

/// An evidence file of another case, found by SHA-256, by hash chunks, or
/// as an image of a case about the same merchant (a crop candidate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherEvidence {
    pub case_reference: String,
    pub name: String,
    pub sha256: String,
    pub phash: Option<ImageHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Thumbnail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr_text: Option<String>,
}

/// How a screenshot of another case matched.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Likeness {
    /// Hashes within [`SIMILAR_MAX_DISTANCE`]: re-encoded or resized.
    Hash(u32),
    /// Thumbnails aligned after a crop, with this detail correlation.
    Crop(f32),
}

impl Likeness {
    /// Nearest first: hash matches by distance, then crops by correlation.
    fn rank(self) -> (u32, i64) {
        match self {
            Likeness::Hash(d) => (d, 0),
            Likeness::Crop(c) => (SIMILAR_MAX_DISTANCE + 1, -((c * 1000.0) as i64)),
        }
    }
}

/// Other cases' evidence found by several lookups (by file, by hash chunks,
/// among the merchant's images) merged: each file of each case once, keeping
/// the copy that carries a thumbnail, so no explanation names a file twice.
pub fn merge_other_evidence(mut found: Vec<OtherEvidence>) -> Vec<OtherEvidence> {
    found.sort_by(|a, b| {
        (
            &a.case_reference,
            a.sha256.to_ascii_lowercase(),
            a.thumbnail.is_none(),
        )
            .cmp(&(
                &b.case_reference,
                b.sha256.to_ascii_lowercase(),
                b.thumbnail.is_none(),
            ))
    });
    found.dedup_by(|later, kept| {
        later.case_reference == kept.case_reference
            && later.sha256.eq_ignore_ascii_case(&kept.sha256)
    });
    found
}

/// An image as compared: its hash, prepared thumbnail, and what was read
/// in it (empty when nothing was).
type Looks = (Option<ImageHash>, Option<PreparedThumbnail>, ReadText);

/// What a screenshot's text is compared by: the bigrams of its readable
/// passages, and the numbers on it (clock, counts, dates, prices).
#[derive(Debug, Clone, Default)]
struct ReadText {
    shingles: Vec<u64>,
    numbers: Vec<String>,
}

/// Numbers of at least this many digits are compared.
const NUMBER_MIN_DIGITS: usize = 2;
/// Screenshots with at least this many numbers each…
const NUMBERS_CHECK_MIN: usize = 5;
/// …that share less than this share of them (of the smaller list) are two
/// screens, not one: a copy shows the same clock, counts and dates, while
/// two pages of one layout, even nearly empty ones, do not.
const NUMBERS_AGREEMENT_MIN: f64 = 0.5;

/// Screenshots whose texts (each at least [`TEXT_CHECK_MIN_SHINGLES`]
/// bigrams) share less than this (containment of the smaller) show
/// different words: two pages of one app's layout, not one page copied.
/// A copy, even cropped or re-encoded, reads the same words (up to OCR's
/// slips); on the tuning split of `benches/signals_eval.rs`, review pages of
/// one layout at Hamming distance 2 shared 0.04 of their text.
pub const TEXT_AGREEMENT_MIN: f64 = 0.5;
/// Below this many bigrams, a screenshot's text is too little to judge by.
const TEXT_CHECK_MIN_SHINGLES: usize = 12;

fn read_text(ocr_text: Option<&str>) -> ReadText {
    let Some(text) = ocr_text else {
        return ReadText::default();
    };
    let passages = crate::domain::screenshot_text::passages(text).join("");
    let mut numbers: Vec<String> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| n.len() >= NUMBER_MIN_DIGITS)
        .map(str::to_owned)
        .collect();
    numbers.sort();
    ReadText {
        shingles: shingles(&normalize(&passages)),
        numbers,
    }
}

/// Whether two screenshots' texts say different things (so whatever their
/// pictures share is the app's layout): their passages, or else their
/// numbers, disagree. Unknown when either has too little of both.
fn texts_differ(a: &ReadText, b: &ReadText) -> bool {
    let words_differ = a.shingles.len() >= TEXT_CHECK_MIN_SHINGLES
        && b.shingles.len() >= TEXT_CHECK_MIN_SHINGLES
        && containment(&a.shingles, &b.shingles) < TEXT_AGREEMENT_MIN;
    let smaller = a.numbers.len().min(b.numbers.len());
    let numbers_differ = smaller >= NUMBERS_CHECK_MIN
        && (common(&a.numbers, &b.numbers) as f64) < NUMBERS_AGREEMENT_MIN * smaller as f64;
    words_differ || numbers_differ
}

fn likeness(this: &Looks, other: &Looks) -> Option<Likeness> {
    if texts_differ(&this.2, &other.2) {
        return None;
    }
    if let (Some(a), Some(b)) = (this.0, other.0) {
        let distance = a.distance(b);
        if distance <= SIMILAR_MAX_DISTANCE {
            return Some(Likeness::Hash(distance));
        }
    }
    let found = crop_match(this.1.as_ref()?, other.1.as_ref()?)?;
    Some(Likeness::Crop(found.detail))
}

/// `duplicate_evidence`: a file of this case, byte for byte, in other cases.
pub fn duplicate_evidence(
    this: &[EvidenceFingerprint],
    others: &[OtherEvidence],
) -> Option<Signal> {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut related = BTreeSet::new();
    for evidence in this {
        let sha = evidence.sha256.to_ascii_lowercase();
        let matches: Vec<&OtherEvidence> = others
            .iter()
            .filter(|o| o.sha256.to_ascii_lowercase() == sha)
            .collect();
        if matches.is_empty() {
            continue;
        }
        let places: Vec<String> = matches
            .iter()
            .map(|o| format!("{}「{}」", o.case_reference, o.name))
            .collect();
        let places_en: Vec<String> = matches
            .iter()
            .map(|o| format!("{} (“{}”)", o.case_reference, o.name))
            .collect();
        zh.push(format!(
            "「{}」与 {}中的文件完全相同（SHA-256 {}…）",
            evidence.name,
            list_some(&places, 3).0,
            &sha[..sha.len().min(12)]
        ));
        en.push(format!(
            "“{}” is byte-for-byte the file in {} (SHA-256 {}…)",
            evidence.name,
            list_some(&places_en, 3).1,
            &sha[..sha.len().min(12)]
        ));
        related.extend(matches.iter().map(|o| o.case_reference.clone()));
    }
    if zh.is_empty() {
        return None;
    }
    Some(
        Signal::new(
            SignalCode::DuplicateEvidence,
            Severity::High,
            format!("{}。", zh.join("；")),
            format!("{}.", en.join("; ")),
        )
        .with_related(related),
    )
}

/// `similar_evidence`: a screenshot of this case whose perceptual hash is
/// within [`SIMILAR_MAX_DISTANCE`] of one in another case, or whose
/// thumbnail matches one after a small crop ([`crop_match`]). Candidates may
/// be a superset (the MIH query, and the images of the merchant's other
/// cases); the match is decided here. Identical files are left to
/// `duplicate_evidence`.
pub fn similar_evidence(this: &[EvidenceFingerprint], others: &[OtherEvidence]) -> Option<Signal> {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut related = BTreeSet::new();
    let mut closest = u32::MAX;
    // A ring re-uses its screenshots across cases: copies of one file look
    // alike, so each distinct file is prepared and compared once.
    let mut file_of: HashMap<String, usize> = HashMap::new();
    let mut files: Vec<(Option<ImageHash>, Option<&Thumbnail>, Option<&str>)> = Vec::new();
    let other_file: Vec<usize> = others
        .iter()
        .map(|o| {
            let index = *file_of
                .entry(o.sha256.to_ascii_lowercase())
                .or_insert_with(|| {
                    files.push((None, None, None));
                    files.len() - 1
                });
            let file = &mut files[index];
            file.0 = file.0.or(o.phash);
            file.1 = file.1.or(o.thumbnail.as_ref());
            file.2 = file.2.or(o.ocr_text.as_deref());
            index
        })
        .collect();
    let file_looks: Vec<Looks> = files
        .iter()
        .map(|(phash, thumbnail, text)| {
            (*phash, thumbnail.map(Thumbnail::prepare), read_text(*text))
        })
        .collect();
    for evidence in this {
        if evidence.phash.is_none() && evidence.thumbnail.is_none() {
            continue;
        }
        let looks = (
            evidence.phash,
            evidence.thumbnail.as_ref().map(Thumbnail::prepare),
            read_text(evidence.ocr_text.as_deref()),
        );
        let file_likeness: Vec<Option<Likeness>> = file_looks
            .iter()
            .map(|other| likeness(&looks, other))
            .collect();
        let mut matches: Vec<(Likeness, &OtherEvidence)> = others
            .iter()
            .zip(&other_file)
            .filter(|(o, _)| !o.sha256.eq_ignore_ascii_case(&evidence.sha256))
            .filter_map(|(o, &file)| Some((file_likeness[file]?, o)))
            .collect();
        if matches.is_empty() {
            continue;
        }
        matches.sort_by(|a, b| {
            a.0.rank()
                .cmp(&b.0.rank())
                .then(a.1.case_reference.cmp(&b.1.case_reference))
        });
        closest = closest.min(matches[0].0.rank().0);
        let places: Vec<String> = matches
            .iter()
            .map(|(likeness, o)| match likeness {
                Likeness::Hash(d) => format!(
                    "{} 中的截图「{}」（汉明距离 {d}）",
                    o.case_reference, o.name
                ),
                Likeness::Crop(c) => format!(
                    "{} 中的截图「{}」（裁剪过的副本，细节相关度 {c:.2}）",
                    o.case_reference, o.name
                ),
            })
            .collect();
        let places_en: Vec<String> = matches
            .iter()
            .map(|(likeness, o)| match likeness {
                Likeness::Hash(d) => format!(
                    "the screenshot “{}” in {} (Hamming distance {d})",
                    o.name, o.case_reference
                ),
                Likeness::Crop(c) => format!(
                    "the screenshot “{}” in {} (a cropped copy, detail correlation {c:.2})",
                    o.name, o.case_reference
                ),
            })
            .collect();
        zh.push(format!(
            "「{}」与 {}几乎相同",
            evidence.name,
            list_some(&places, 3).0
        ));
        en.push(format!(
            "“{}” nearly matches {}",
            evidence.name,
            list_some(&places_en, 3).1
        ));
        related.extend(matches.iter().map(|(_, o)| o.case_reference.clone()));
    }
    if zh.is_empty() {
        return None;
    }
    let severity = if closest <= NEAR_IDENTICAL_MAX_DISTANCE {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(
        Signal::new(
            SignalCode::SimilarEvidence,
            severity,
            format!("{}。", zh.join("；")),
            format!("{}.", en.join("; ")),
        )
        .with_related(related),
    )
}

/// Another case that gave the same tracking number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingUse {
    pub case_reference: String,
    /// As the other case gave it (compared after normalization).
    pub tracking_number: String,
    pub order_id: Option<String>,
}

/// `reused_tracking_number`: the same number in other cases for other
/// orders. A case about the same order id is the same parcel reported
/// twice (a duplicate report), not a reused number, and is left out.
pub fn reused_tracking_number(
    tracking_number: &str,
    order_id: Option<&str>,
    others: &[TrackingUse],
) -> Option<Signal> {
    let number = normalize_tracking_number(tracking_number);
    if number.is_empty() {
        return None;
    }
    let own_order = order_id.map(normalize).filter(|o| !o.is_empty());
    let reuses: Vec<&TrackingUse> = others
        .iter()
        .filter(|o| normalize_tracking_number(&o.tracking_number) == number)
        .filter(|o| {
            let other_order = o
                .order_id
                .as_deref()
                .map(normalize)
                .filter(|x| !x.is_empty());
            !(own_order.is_some() && own_order == other_order)
        })
        .collect();
    if reuses.is_empty() {
        return None;
    }
    let references: Vec<String> = reuses
        .iter()
        .map(|o| o.case_reference.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (zh_list, en_list) = list_some(&references, 5);
    let severity = if references.len() >= 2 {
        Severity::High
    } else {
        Severity::Medium
    };
    Some(
        Signal::new(
            SignalCode::ReusedTrackingNumber,
            severity,
            format!(
                "运单号 {number} 也出现在其他订单的 {} 个案件中：{zh_list}。",
                references.len()
            ),
            format!(
                "Tracking number {number} also appears for other orders in {} case(s): {en_list}.",
                references.len()
            ),
        )
        .with_related(references),
    )
}

/// What tells one reporter from another. Both are opaque keys the caller
/// derives (e.g. a keyed hash of the normalized email or phone; of the
/// client's /24 or /48 network) so no personal data needs to pass here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterIdentity {
    pub contact: Option<String>,
    pub network: Option<String>,
}

/// Another report about the same merchant (same [`MerchantKeys`] match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantReport {
    pub case_reference: String,
    pub reporter: ReporterIdentity,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepeatMerchant {
    /// Independent reporters about the merchant, this case's included (≥ 1):
    /// the input of [`super::priority`].
    pub independent_reporters: u32,
    pub signal: Option<Signal>,
    /// The other cases filed by reporters independent of this case's, each
    /// with a key shared by the cases of one reporter.
    pub independent_cases: BTreeMap<String, usize>,
}

/// `repeat_merchant`: how many independent reporters reported the same
/// merchant. Two reports come from the same reporter when they share a
/// contact or a network (transitively); a report with neither counts as a
/// reporter of its own, since nothing ties it to another.
pub fn repeat_merchant(
    this_reporter: &ReporterIdentity,
    this_created_at: DateTime<Utc>,
    others: &[MerchantReport],
) -> RepeatMerchant {
    // Union-find over reports; index 0 is this case.
    let identities: Vec<&ReporterIdentity> = std::iter::once(this_reporter)
        .chain(others.iter().map(|o| &o.reporter))
        .collect();
    let mut parent: Vec<usize> = (0..identities.len()).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut first_with: BTreeMap<(u8, &str), usize> = BTreeMap::new();
    for (i, identity) in identities.iter().enumerate() {
        let keys = [
            (0u8, identity.contact.as_deref()),
            (1u8, identity.network.as_deref()),
        ];
        for (kind, key) in keys {
            let Some(key) = key.filter(|k| !k.is_empty()) else {
                continue;
            };
            match first_with.get(&(kind, key)) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    first_with.insert((kind, key), i);
                }
            }
        }
    }
    let own = find(&mut parent, 0);
    let mut groups = BTreeSet::new();
    let mut independent_others: Vec<&MerchantReport> = Vec::new();
    let mut independent_cases = BTreeMap::new();
    for (i, other) in others.iter().enumerate() {
        let root = find(&mut parent, i + 1);
        groups.insert(root);
        if root != own {
            independent_others.push(other);
            independent_cases.insert(other.case_reference.clone(), root);
        }
    }
    groups.insert(own);
    let independent_reporters = u32::try_from(groups.len()).unwrap_or(u32::MAX);
    let others_count = independent_reporters - 1;
    if others_count == 0 {
        return RepeatMerchant {
            independent_reporters,
            signal: None,
            independent_cases,
        };
    }
    let first = independent_others
        .iter()
        .map(|o| o.created_at)
        .chain(std::iter::once(this_created_at))
        .min()
        .unwrap_or(this_created_at);
    let last = independent_others
        .iter()
        .map(|o| o.created_at)
        .chain(std::iter::once(this_created_at))
        .max()
        .unwrap_or(this_created_at);
    let span_days = (last - first).num_days();
    let references: Vec<String> = independent_others
        .iter()
        .map(|o| o.case_reference.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (zh_list, en_list) = list_some(&references, 5);
    let severity = match others_count {
        1 => Severity::Low,
        2..=3 => Severity::Medium,
        _ => Severity::High,
    };
    let signal = Signal::new(
        SignalCode::RepeatMerchant,
        severity,
        format!(
            "另有 {others_count} 位独立举报人举报了同一商家（{zh_list}），时间跨度 {span_days} 天（{} 至 {}）。",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ),
        format!(
            "{others_count} other independent reporter(s) reported the same merchant ({en_list}) over {span_days} days ({} to {}).",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ),
    )
    .with_related(references);
    RepeatMerchant {
        independent_reporters,
        signal: Some(signal),
        independent_cases,
    }
}

/// Keys under which reports about one merchant meet: the normalized name on
/// its platform, and the shop's address when given. Two reports concern the
/// same merchant when either key is equal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerchantKeys {
    /// e.g. `taobao:优衣阁女装旗舰店`
    pub name_key: String,
    /// e.g. `shop123456.taobao.com` or `mall.jd.com/index-1000001.html`
    pub shop_key: Option<String>,
}

/// Builds the keys. Names are folded (width, case, spaces, punctuation) and
/// "官方旗舰店" is read as "旗舰店" (people drop 官方 when typing). Other shop
/// kinds stay: "X旗舰店" and "X专营店" are different sellers on Tmall and JD,
/// so stripping them would merge merchants that are not the same.
/// The key by which the cases of one fake hotline that name no shop meet,
/// in place of a merchant's name key: the normalized number.
pub fn hotline_key(number: &str) -> String {
    format!("hotline:{number}")
}

pub fn merchant_keys(platform: Platform, name: &str, shop_url: Option<&str>) -> MerchantKeys {
    let folded = normalize(name).replace("官方旗舰店", "旗舰店");
    MerchantKeys {
        name_key: format!("{}:{folded}", platform.code()),
        shop_key: shop_url.and_then(shop_key),
    }
}

/// Query parameters that identify a shop; the rest (spm, tracking, share
/// tokens) vary between visits to the same shop and are dropped.
const SHOP_PARAMS: &[&str] = &[
    "id",
    "shop_id",
    "shopid",
    "seller_id",
    "sellerid",
    "user_id",
    "userid",
    "mall_id",
    "mallid",
    "uid",
    "store_id",
    "storeid",
    "venderid",
    "poi_id",
    "poiid",
];

fn shop_key(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed.host_str()?.to_ascii_lowercase();
    let host = ["www.", "m.", "h5."]
        .iter()
        .find_map(|p| host.strip_prefix(p))
        .unwrap_or(&host)
        .to_string();
    let path = parsed.path().trim_end_matches('/');
    let mut params: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| SHOP_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect();
    params.sort();
    let mut key = format!("{host}{path}");
    if !params.is_empty() {
        let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        key.push('?');
        key.push_str(&query.join("&"));
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::signals::thumbnail::{THUMB_H, THUMB_W};
    use chrono::TimeZone;

    fn fp(name: &str, sha: &str, hash: Option<u64>) -> EvidenceFingerprint {
        EvidenceFingerprint {
            name: name.into(),
            sha256: sha.into(),
            phash: hash.map(ImageHash),
            thumbnail: None,
            ocr_text: None,
        }
    }

    fn other(reference: &str, name: &str, sha: &str, hash: Option<u64>) -> OtherEvidence {
        OtherEvidence {
            case_reference: reference.into(),
            name: name.into(),
            sha256: sha.into(),
            phash: hash.map(ImageHash),
            thumbnail: None,
            ocr_text: None,
        }
    }

    #[test]
    fn identical_files_are_duplicates_and_name_the_other_case() {
        let this = [
            fp("评价截图.png", "ABCDEF0123456789", Some(1)),
            fp("b.png", "ff", None),
        ];
        let others = [
            other("QL-2A3B-4C5D", "shot.png", "abcdef0123456789", Some(1)),
            other("QL-9999-9999", "x.png", "00", None),
        ];
        let signal = duplicate_evidence(&this, &others).expect("signal");
        assert_eq!(signal.severity, Severity::High);
        assert_eq!(signal.related, vec!["QL-2A3B-4C5D".to_string()]);
        assert_eq!(
            signal.explanation.zh,
            "「评价截图.png」与 QL-2A3B-4C5D「shot.png」中的文件完全相同（SHA-256 abcdef012345…）。"
        );
        assert!(signal
            .explanation
            .en
            .contains("byte-for-byte the file in QL-2A3B-4C5D (“shot.png”)"));
        assert_eq!(duplicate_evidence(&this, &others[1..]), None);
        assert_eq!(duplicate_evidence(&[], &others), None);
    }

    #[test]
    fn similar_screenshots_within_the_threshold_are_reported_with_their_distance() {
        let this = [fp("a.png", "aa", Some(0)), fp("doc.pdf", "bb", None)];
        let others = [
            other("QL-1111-1111", "near.jpg", "cc", Some(0b1)),
            other("QL-2222-2222", "far.jpg", "dd", Some(0xFFFF)),
            other("QL-3333-3333", "same-file.png", "AA", Some(0)),
            other(
                "QL-4444-4444",
                "edge.png",
                "ee",
                Some((1 << SIMILAR_MAX_DISTANCE) - 1),
            ),
        ];
        let signal = similar_evidence(&this, &others).expect("signal");
        assert_eq!(
            signal.severity,
            Severity::High,
            "distance 3 is near-identical"
        );
        assert_eq!(
            signal.related,
            vec!["QL-1111-1111".to_string(), "QL-4444-4444".to_string()]
        );
        assert!(
            signal
                .explanation
                .zh
                .starts_with("「a.png」与 QL-1111-1111 中的截图「near.jpg」（汉明距离 1）、"),
            "{}",
            signal.explanation.zh
        );
        assert!(signal
            .explanation
            .en
            .contains("the screenshot “near.jpg” in QL-1111-1111 (Hamming distance 1)"));
        let medium = similar_evidence(&this, &others[3..]).expect("signal");
        assert_eq!(medium.severity, Severity::Medium);
        assert_eq!(similar_evidence(&this, &others[1..3]), None);
    }

    #[test]
    fn screenshots_of_one_layout_with_different_words_are_not_similar() {
        let page = |reviews: &[&str]| {
            let mut text = "中国移动 12:30\n商品评价(2万+)\n\n".to_owned();
            for review in reviews {
                text.push_str("小**猫\n2026-04-17已购:默认款\n");
                text.push_str(review);
                text.push_str("\n有用(12) 评论\n\n");
            }
            text
        };
        let mine = page(&[
            "给老妈买的，做工很扎实，颜色跟图片一样，比实体店便宜不少",
            "袖子有点长，我一米七穿到手背，面料摸着还可以，洗了一次没有掉色",
        ]);
        let theirs = page(&[
            "这本书内容很充实，翻译也流畅，就是纸张有点薄，送货很快",
            "酒店位置方便，离地铁站很近，早餐品种少了点，房间干净",
        ]);
        let mut this = fp("a.png", "aa", Some(0));
        this.ocr_text = Some(mine.clone());
        let mut layout = other("QL-1111-1111", "b.png", "bb", Some(0b11));
        layout.ocr_text = Some(theirs);
        assert_eq!(
            similar_evidence(std::slice::from_ref(&this), &[layout.clone()]),
            None
        );
        // The same page re-encoded reads (nearly) the same: similar.
        let mut copy = other("QL-2222-2222", "c.jpg", "cc", Some(0b11));
        copy.ocr_text = Some(mine.replace("便宜", "便宣"));
        assert!(similar_evidence(std::slice::from_ref(&this), &[copy]).is_some());
        // Without text on one side the pictures decide.
        layout.ocr_text = None;
        assert!(similar_evidence(std::slice::from_ref(&this), &[layout]).is_some());
        // Two nearly empty pages of the layout: no passages to compare, but
        // the clock, counts and dates differ.
        let empty = |clock: &str, counts: [u32; 4], date: &str| {
            format!(
                "中国电信{clock}\n商品评价(6万+)\n物流很快({})性价比高({})做工精细({})有色差({})\n{date}已购:升级版\n有用(228)评论\n",
                counts[0], counts[1], counts[2], counts[3]
            )
        };
        let mut a = fp("a.png", "aa", Some(0));
        a.ocr_text = Some(empty("15:36", [8218, 5644, 8993, 8515], "2026-09-25"));
        let mut b = other("QL-3333-3333", "b.png", "bb", Some(0b11));
        b.ocr_text = Some(empty("18:11", [4694, 4092, 1308, 1568], "2026-03-24"));
        assert_eq!(
            similar_evidence(std::slice::from_ref(&a), &[b.clone()]),
            None
        );
        // The same nearly empty page copied reads the same numbers.
        b.ocr_text = a.ocr_text.clone();
        assert!(similar_evidence(&[a], &[b]).is_some());
    }

    #[test]
    fn evidence_found_by_several_lookups_is_named_once() {
        let thumbnail = Thumbnail::from_grid(
            &(0..THUMB_W * THUMB_H)
                .map(|i| (i % 251) as f32)
                .collect::<Vec<_>>(),
        );
        let mut with_thumbnail = other("QL-A", "shot.png", "AB", Some(1));
        with_thumbnail.thumbnail = thumbnail.clone();
        let merged = merge_other_evidence(vec![
            other("QL-B", "x.png", "cd", Some(7)),
            other("QL-A", "shot.png", "ab", Some(1)),
            with_thumbnail.clone(),
            other("QL-A", "other.png", "ef", None),
        ]);
        assert_eq!(merged.len(), 3, "{merged:?}");
        assert!(
            merged.contains(&with_thumbnail),
            "the copy with a thumbnail is kept"
        );
        let this = [fp("mine.png", "ab", Some(1))];
        let signal = duplicate_evidence(&this, &merged).expect("signal");
        assert_eq!(signal.explanation.zh.matches("QL-A「shot.png」").count(), 1);
    }

    #[test]
    fn copies_of_one_file_in_many_cases_are_all_named() {
        // Compared once per distinct file, yet every case holding a copy is named.
        let this = [fp("a.png", "aa", Some(0))];
        let others: Vec<OtherEvidence> = ["QL-1", "QL-2", "QL-3"]
            .iter()
            .map(|reference| other(reference, "ring.png", "cc", Some(0b11)))
            .chain([other("QL-4", "other.png", "dd", Some(u64::MAX))])
            .collect();
        let signal = similar_evidence(&this, &others).expect("signal");
        assert_eq!(
            signal.related,
            vec!["QL-1".to_string(), "QL-2".to_string(), "QL-3".to_string()]
        );
        assert_eq!(signal.explanation.zh.matches("（汉明距离 2）").count(), 3);
    }

    #[test]
    fn a_tracking_number_reused_for_other_orders() {
        let use_ = |reference: &str, number: &str, order: Option<&str>| TrackingUse {
            case_reference: reference.into(),
            tracking_number: number.into(),
            order_id: order.map(str::to_owned),
        };
        let others = [
            use_("QL-A", "SF1428367190255", Some("1001")),
            use_("QL-B", "sf-1428367190255", None),
            use_("QL-C", "SF1428367190255", Some("2002")),
            use_("QL-D", "SF0000000000000", Some("3003")),
        ];
        let signal =
            reused_tracking_number("sf 1428367190255", Some(" 1001"), &others).expect("signal");
        assert_eq!(signal.related, vec!["QL-B".to_string(), "QL-C".to_string()]);
        assert_eq!(signal.severity, Severity::High);
        assert!(signal
            .explanation
            .zh
            .starts_with("运单号 SF1428367190255 也出现在其他订单的 2 个案件中"));
        let one = reused_tracking_number("SF1428367190255", None, &others[..1]).expect("signal");
        assert_eq!(one.severity, Severity::Medium);
        assert_eq!(
            reused_tracking_number("SF1428367190255", Some("1001"), &others[..1]),
            None,
            "same order"
        );
        assert_eq!(reused_tracking_number(" ", None, &others), None);
        assert_eq!(reused_tracking_number("SF1428367190255", None, &[]), None);
        assert_eq!(
            reused_tracking_number("SF9", None, &others),
            None,
            "other numbers"
        );
    }

    fn report(
        reference: &str,
        contact: Option<&str>,
        network: Option<&str>,
        day: u32,
    ) -> MerchantReport {
        MerchantReport {
            case_reference: reference.into(),
            reporter: ReporterIdentity {
                contact: contact.map(str::to_owned),
                network: network.map(str::to_owned),
            },
            created_at: Utc
                .with_ymd_and_hms(2026, 11, day, 8, 0, 0)
                .single()
                .expect("time"),
        }
    }

    #[test]
    fn independent_reporters_are_told_apart_by_contact_and_network() {
        let me = ReporterIdentity {
            contact: Some("c1".into()),
            network: Some("n1".into()),
        };
        let now = Utc
            .with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
            .single()
            .expect("time");
        let others = [
            report("QL-SAME-CONTACT", Some("c1"), Some("n9"), 1),
            report("QL-SAME-NET", Some("c7"), Some("n1"), 2),
            report("QL-CHAIN", Some("c7"), None, 3), // same as QL-SAME-NET, hence me
            report("QL-OTHER-1", Some("c2"), Some("n2"), 5),
            report("QL-OTHER-2", Some("c3"), Some("n2"), 10), // same network as OTHER-1
            report("QL-ANON", None, None, 15),
        ];
        let result = repeat_merchant(&me, now, &others);
        assert_eq!(result.independent_reporters, 3);
        let signal = result.signal.expect("signal");
        assert_eq!(signal.severity, Severity::Medium);
        assert_eq!(
            signal.related,
            vec![
                "QL-ANON".to_string(),
                "QL-OTHER-1".to_string(),
                "QL-OTHER-2".to_string()
            ]
        );
        assert!(
            signal
                .explanation
                .zh
                .starts_with("另有 2 位独立举报人举报了同一商家"),
            "{}",
            signal.explanation.zh
        );
        assert!(signal
            .explanation
            .zh
            .contains("时间跨度 15 天（2026-11-05 至 2026-11-20）"));
        assert!(signal.explanation.en.contains("over 15 days"));

        let alone = repeat_merchant(&me, now, &others[..3]);
        assert_eq!(alone.independent_reporters, 1);
        assert_eq!(alone.signal, None);
        assert_eq!(
            repeat_merchant(&ReporterIdentity::default(), now, &[]).independent_reporters,
            1
        );
        let many: Vec<MerchantReport> = (1..=4)
            .map(|i| report(&format!("QL-{i}"), None, None, i))
            .collect();
        let high = repeat_merchant(&ReporterIdentity::default(), now, &many);
        assert_eq!(high.independent_reporters, 5);
        assert_eq!(high.signal.expect("signal").severity, Severity::High);
    }

    #[test]
    fn merchant_keys_fold_names_and_urls() {
        let a = merchant_keys(Platform::Tmall, " 优衣阁 女装官方旗舰店 ", None);
        let b = merchant_keys(Platform::Tmall, "优衣阁女装旗舰店", None);
        assert_eq!(a.name_key, "tmall:优衣阁女装旗舰店");
        assert_eq!(a, b);
        assert_ne!(
            merchant_keys(Platform::Tmall, "优衣阁女装专营店", None).name_key,
            a.name_key,
            "a reseller is not the brand's own shop"
        );
        assert_ne!(
            merchant_keys(Platform::Taobao, "优衣阁女装旗舰店", None).name_key,
            a.name_key
        );
        assert_eq!(
            merchant_keys(Platform::Jd, "ＡＢＣ数码（官方）", None).name_key,
            "jd:abc数码官方"
        );
        let url = |u: &str| merchant_keys(Platform::Taobao, "x", Some(u)).shop_key;
        assert_eq!(
            url("https://shop123456.taobao.com/?spm=a1z10.1-c.0.0"),
            Some("shop123456.taobao.com".into())
        );
        assert_eq!(
            url("http://SHOP123456.taobao.com"),
            Some("shop123456.taobao.com".into())
        );
        assert_eq!(
            url("https://m.mall.jd.com/index-1000001.html"),
            Some("mall.jd.com/index-1000001.html".into())
        );
        assert_eq!(
            url("https://www.example.com/store?spm=1&shopId=42&from=share"),
            Some("example.com/store?shopid=42".into())
        );
        assert_eq!(url("javascript:alert(1)"), None);
        assert_eq!(url("not a url"), None);
    }
}
