//! `brushing_keywords`: the vocabulary of order brushing (刷单) and of
//! rewards for reviews, found where the other side said it — pasted
//! reviews, text read from chat and page screenshots — after normalization
//! (width, case, punctuation and spaces folded, so "好 评 返 现" and
//! "拍Ａ发Ｂ" match). The reporter's description is not searched for points:
//! it names what the reporter fears (刷单, 空包), which says nothing about
//! the merchant; nor does the name of the case's own category.

use serde::{Deserialize, Serialize};

use super::text::normalize;
use super::{Explanation, Severity, Signal, SignalCode};
use crate::domain::catalog::Category;

/// How telling a term is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Names brushing itself: 刷单, 炒信, 拍A发B…
    Strong,
    /// Common in brushing, but also in honest promotions: 返现, 免单…
    Weak,
}

/// (term in normalized form, strength, English gloss). Longer terms are
/// matched first, so 好评返现 is reported once, not also as 返现.
pub const VOCABULARY: &[(&str, Strength, &str)] = &[
    ("刷单", Strength::Strong, "order brushing"),
    ("刷信誉", Strength::Strong, "brushing the reputation"),
    ("刷销量", Strength::Strong, "brushing sales"),
    ("刷好评", Strength::Strong, "brushing positive reviews"),
    ("刷评价", Strength::Strong, "brushing reviews"),
    ("刷手", Strength::Strong, "paid brusher"),
    ("炒信", Strength::Strong, "faking credit"),
    (
        "好评返现",
        Strength::Strong,
        "cash back for a positive review",
    ),
    ("晒图返现", Strength::Strong, "cash back for review photos"),
    (
        "五星好评返",
        Strength::Strong,
        "a reward for a five-star review",
    ),
    ("好评有礼", Strength::Strong, "a gift for a positive review"),
    ("好评送", Strength::Strong, "a gift for a positive review"),
    ("删差评", Strength::Strong, "deleting a negative review"),
    ("改差评", Strength::Strong, "changing a negative review"),
    (
        "用户体验官",
        Strength::Strong,
        "\"user experience officer\" (brushing recruitment)",
    ),
    (
        "体验官",
        Strength::Strong,
        "\"experience officer\" (brushing recruitment)",
    ),
    ("拍a发b", Strength::Strong, "order A, ship B"),
    ("空包", Strength::Strong, "empty parcel"),
    ("补单", Strength::Strong, "make-up orders"),
    ("做单", Strength::Strong, "doing orders (brushing)"),
    (
        "真人拍单",
        Strength::Strong,
        "real-person orders (brushing)",
    ),
    ("拍单", Strength::Strong, "placing orders for pay"),
    ("放单", Strength::Strong, "handing out brushing orders"),
    ("返现", Strength::Weak, "cash back"),
    ("返红包", Strength::Weak, "red-packet reward"),
    ("免单", Strength::Weak, "free order"),
    ("佣金", Strength::Weak, "commission"),
    ("垫付", Strength::Weak, "advance payment"),
    ("兼职", Strength::Weak, "part-time job"),
];

/// One term found, with the fields it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordHit {
    pub term: &'static str,
    pub strength: Strength,
    pub fields: Vec<String>,
}

/// The terms found in `texts` (field name, text), in vocabulary order.
pub fn find_keywords<'a>(texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<KeywordHit> {
    let mut hits: Vec<KeywordHit> = Vec::new();
    let mut by_length: Vec<&(&str, Strength, &str)> = VOCABULARY.iter().collect();
    by_length.sort_by_key(|(term, _, _)| std::cmp::Reverse(term.chars().count()));
    for (field, text) in texts {
        let mut rest = normalize(text);
        for &&(term, strength, _) in &by_length {
            if !rest.contains(term) {
                continue;
            }
            // Blank the match so a shorter term inside it is not counted again.
            rest = rest.replace(term, "\u{0}");
            match hits.iter_mut().find(|h| h.term == term) {
                Some(hit) => {
                    if !hit.fields.iter().any(|f| f == field) {
                        hit.fields.push(field.to_string());
                    }
                }
                None => hits.push(KeywordHit {
                    term,
                    strength,
                    fields: vec![field.to_string()],
                }),
            }
        }
    }
    hits.sort_by_key(|h| VOCABULARY.iter().position(|(t, _, _)| *t == h.term));
    hits
}

/// Whether `term` is (part of) the name of `category`, e.g. 空包 for
/// "异常物流 / 空包": a reporter who chose the category uses its words.
pub fn names_category(term: &str, category: Category) -> bool {
    normalize(category.labelled().zh).contains(term)
}

/// The `brushing_keywords` signal over the evidence's texts (never the
/// description): high for a strong term, low for weak terms alone.
/// `label` names a field for people, in zh-CN and English.
pub fn brushing_keywords_signal(
    hits: &[KeywordHit],
    label: impl Fn(&str) -> Explanation,
) -> Option<Signal> {
    if hits.is_empty() {
        return None;
    }
    let strong = hits.iter().any(|h| h.strength == Strength::Strong);
    let severity = if strong {
        Severity::High
    } else {
        Severity::Low
    };
    let zh: Vec<String> = hits
        .iter()
        .map(|h| {
            let fields: Vec<String> = h.fields.iter().map(|f| label(f).zh).collect();
            format!("「{}」（{}）", display(h.term), fields.join("、"))
        })
        .collect();
    let en: Vec<String> = hits
        .iter()
        .map(|h| {
            let gloss = VOCABULARY
                .iter()
                .find(|(t, _, _)| *t == h.term)
                .map_or("", |(_, _, g)| g);
            let fields: Vec<String> = h.fields.iter().map(|f| label(f).en).collect();
            format!("“{}” ({gloss}; in {})", display(h.term), fields.join(", "))
        })
        .collect();
    Some(Signal::new(
        SignalCode::BrushingKeywords,
        severity,
        format!("出现刷单相关用语：{}。", zh.join("、")),
        format!("Brushing vocabulary found: {}.", en.join(", ")),
    ))
}

fn display(term: &str) -> String {
    term.replace("a发b", "A发B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_found_after_normalization_and_longest_first() {
        let hits = find_keywords([
            ("description", "商家要求好 评 返 现，还说拍Ａ发Ｂ可以免单。"),
            ("review_texts[2]", "好评返现5元！"),
        ]);
        let terms: Vec<&str> = hits.iter().map(|h| h.term).collect();
        assert_eq!(terms, vec!["好评返现", "拍a发b", "免单"]);
        assert_eq!(
            hits[0].fields,
            vec!["description".to_string(), "review_texts[2]".to_string()]
        );
        assert!(find_keywords([("description", "质量很好，物流很快")]).is_empty());
    }

    #[test]
    fn recruitment_and_brushing_words_are_all_known() {
        for (text, term) in [
            ("招聘用户体验官，日结", "用户体验官"),
            ("这家店刷单炒信", "刷单"),
            ("发的是空包", "空包"),
            ("真人拍单，佣金当天结", "真人拍单"),
            ("他们让我删差评", "删差评"),
        ] {
            let hits = find_keywords([("description", text)]);
            assert!(hits.iter().any(|h| h.term == term), "{text}: {hits:?}");
        }
        let hits = find_keywords([("description", "招聘用户体验官")]);
        assert_eq!(
            hits.len(),
            1,
            "体验官 inside 用户体验官 is not counted twice"
        );
    }

    #[test]
    fn a_categorys_own_name_is_known() {
        assert!(names_category("空包", Category::AbnormalLogistics));
        assert!(names_category("刷单", Category::FakeReview));
        assert!(names_category("炒信", Category::FakeReview));
        assert!(names_category("刷单", Category::BrushingRecruitment));
        assert!(names_category("好评返现", Category::CashbackScam));
        assert!(names_category("返现", Category::CashbackScam));
        assert!(!names_category("空包", Category::FakeReview));
        assert!(!names_category("佣金", Category::BrushingRecruitment));
        assert!(!names_category("刷单", Category::Other));
    }

    #[test]
    fn severity_depends_on_strength() {
        let label = |field: &str| Explanation::new(field, field);
        assert_eq!(brushing_keywords_signal(&[], label), None);
        let evidence = brushing_keywords_signal(
            &find_keywords([("description", "见截图"), ("evidence:chat.csv", "拍a发b")]),
            label,
        )
        .expect("signal");
        assert_eq!(evidence.severity, Severity::High);
        assert!(evidence
            .explanation
            .en
            .contains("“拍A发B” (order A, ship B; in evidence:chat.csv)"));
        let weak =
            brushing_keywords_signal(&find_keywords([("review_texts[0]", "满199返现20")]), label)
                .expect("signal");
        assert_eq!(weak.severity, Severity::Low);
    }
}
