//! Text read from screenshots (OCR), made usable.
//!
//! Tesseract reads everything on a screen: the reviews, but also the app's
//! own chrome (status bar, dates, "已购" lines, tag chips, buttons), the lines
//! of a parcel-tracking timeline, and garbage from photos and icons. None of
//! that is what a merchant or a reviewer wrote. So:
//!
//! 1. [`readable_text`] turns tesseract's TSV output into text keeping only
//!    the words it read with confidence, line by line, paragraph by
//!    paragraph (this is what is stored and shown);
//! 2. [`read`] sorts that text: what kind of screen it is
//!    ([`ScreenKind`]: a tracking or order page is not compared as reviews),
//!    which lines are chrome (dropped, and a paragraph ends there), and which
//!    passages a person can read (the only ones compared and quoted).

use std::sync::LazyLock;

use regex::Regex;

/// Passages shorter than this (in letters and CJK characters) are UI
/// labels, prices and timestamps rather than reviews.
const MIN_PASSAGE_CHARS: usize = 6;
/// The most passages taken from one case's screenshots.
pub const MAX_PASSAGES: usize = 60;
/// Tesseract's word confidence (0–100) below which a word is dropped.
/// Chosen on the tuning split of `benches/signals_eval.rs` (12 screenshots,
/// 1,721 words): 1,524 read at 80 or more; what icons, avatars and photos
/// turn into ("tok", "cee", "al", "Fok") at 0–50. Han words tesseract is
/// less sure of (兼职 49, 匪夷所思 54) are kept inside confident lines.
pub const MIN_WORD_CONFIDENCE: f32 = 65.0;
/// In a line that is mostly confident, a Han character read with at least
/// this confidence is kept.
const MIN_HAN_CONFIDENCE_IN_A_GOOD_LINE: f32 = 25.0;
/// A line keeps only when at least this share of its characters survived
/// the confidence filter; otherwise what is left is a fragment of noise.
const MIN_LINE_KEPT_SHARE: f64 = 0.6;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFFEF)
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Removes the spaces OCR puts between CJK characters (and between a CJK
/// character and punctuation), keeping those between Latin words.
pub fn join_cjk_spacing(line: &str) -> String {
    let chars: Vec<char> = line.trim().chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() {
            let before = out.chars().last();
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
            let cjk_side = before.is_some_and(is_cjk) || after.is_some_and(is_cjk);
            if cjk_side || out.ends_with(' ') {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// One word of tesseract's TSV output (level 5 rows).
#[derive(Debug, Clone, PartialEq)]
struct TsvWord {
    /// (block, paragraph, line): words with the same key share a line.
    line: (u32, u32, u32),
    conf: f32,
    text: String,
}

fn parse_tsv(tsv: &str) -> Vec<TsvWord> {
    tsv.lines()
        .filter_map(|row| {
            let cols: Vec<&str> = row.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let number = |i: usize| cols[i].trim().parse::<u32>().ok();
            let text = cols[11..].join("\t").trim().to_owned();
            if text.is_empty() {
                return None;
            }
            Some(TsvWord {
                line: (number(2)?, number(3)?, number(4)?),
                conf: cols[10].trim().parse::<f32>().ok()?,
                text,
            })
        })
        .collect()
}

/// The text of tesseract's TSV output (`tesseract … tsv`) as lines, with a
/// blank line between paragraphs, keeping only words read with at least
/// [`MIN_WORD_CONFIDENCE`] and lines most of whose characters were.
pub fn readable_text(tsv: &str) -> String {
    let words = parse_tsv(tsv);
    let mut out = String::new();
    let mut index = 0;
    let mut previous_paragraph: Option<(u32, u32)> = None;
    while index < words.len() {
        let key = words[index].line;
        let end = words[index..]
            .iter()
            .position(|w| w.line != key)
            .map_or(words.len(), |n| index + n);
        let line = &words[index..end];
        index = end;
        let total: usize = line.iter().map(|w| w.text.chars().count()).sum();
        let confident: usize = line
            .iter()
            .filter(|w| w.conf >= MIN_WORD_CONFIDENCE)
            .map(|w| w.text.chars().count())
            .sum();
        if confident == 0 || (confident as f64) < MIN_LINE_KEPT_SHARE * total as f64 {
            continue;
        }
        // In a line read with confidence, a Han character tesseract was
        // less sure of (体验「官」 at 32) is kept: dropping it would break
        // the words around it. Unsure Latin fragments and symbols go.
        let kept: Vec<&str> = line
            .iter()
            .filter(|w| {
                w.conf >= MIN_WORD_CONFIDENCE
                    || (w.conf >= MIN_HAN_CONFIDENCE_IN_A_GOOD_LINE && w.text.chars().all(is_han))
            })
            .map(|w| w.text.as_str())
            .collect();
        let paragraph = (key.0, key.1);
        if previous_paragraph.is_some_and(|p| p != paragraph) {
            out.push('\n');
        }
        previous_paragraph = Some(paragraph);
        out.push_str(&join_cjk_spacing(&kept.join(" ")));
        out.push('\n');
    }
    out
}

/// What a screenshot shows, as far as its text tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenKind {
    /// Reviews, a chat, a product or advertising page: its passages are
    /// compared as reviews and searched for brushing vocabulary.
    Content,
    /// A parcel's tracking timeline: its lines are logistics, not reviews.
    Tracking,
    /// An order's details (number, payment, price): not reviews either.
    Order,
}

impl ScreenKind {
    /// Whether its passages may be compared with reviews.
    pub fn has_reviews(self) -> bool {
        self == ScreenKind::Content
    }
}

/// A screenshot's text, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub kind: ScreenKind,
    /// Passages a person can read, chrome removed, in screen order.
    pub passages: Vec<String>,
}

static LEADING_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(20\d\d[-./年]\d{1,2}|\d{1,2}[-/月]\d{1,2}[日号]?|\d{1,2}:\d{2}|昨天|今天|前天|\d+(分钟|小时|天)前)")
        .expect("date pattern")
});
static CLOCK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{1,2}:\d{2}").expect("clock"));
static COUNT_IN_BRACKETS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[(（]\s*\d+[万+]*\s*[)）]").expect("count"));
static BRACKETED_PLACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[【\[][^】\]]{2,12}[】\]]").expect("place"));
static TRACKING_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z]{0,3}\d{10,18}").expect("number"));

/// Words of shopping apps' own interface: lines that are (or carry) them
/// are chrome, not something a merchant or reviewer wrote.
const CHROME_MARKERS: &[&str] = &[
    "已购",
    "购买了",
    "规格:",
    "规格：",
    "颜色分类",
    "尺码:",
    "尺码：",
    "有用(",
    "有用（",
    "月销",
    "超级会员",
    "全部评价",
    "查看全部",
    "问大家",
    "加入购物车",
    "立即购买",
    "进店逛逛",
    "追加评价",
    "写评价",
];
/// Short button-like labels: a line of at most [`BUTTON_LINE_CHARS`]
/// characters containing one is chrome.
const BUTTON_WORDS: &[&str] = &[
    "发送",
    "复制",
    "回复",
    "点赞",
    "评论",
    "分享",
    "收藏",
    "关注",
    "店铺",
    "客服",
    "物流详情",
    "商品评价",
    "宝贝评价",
    "订单信息",
    "订单详情",
    "评价",
    "更多",
    "返回",
    "已读",
    "撤回",
    "图片",
    "视频",
];
const BUTTON_LINE_CHARS: usize = 8;
/// What parcel-tracking lines say.
const TRACKING_MARKERS: &[&str] = &[
    "已签收",
    "签收人",
    "揽收",
    "揽件",
    "派件",
    "派送中",
    "正在派送",
    "运输中",
    "转运中心",
    "分拨中心",
    "集散中心",
    "快件",
    "运单号",
    "快递单号",
    "物流详情",
    "已发出",
    "下一站",
    "已到达",
    "快递柜",
    "驿站",
];
/// What order pages say.
const ORDER_MARKERS: &[&str] = &[
    "订单编号",
    "订单号",
    "实付款",
    "实付",
    "下单时间",
    "支付方式",
    "付款时间",
    "成交时间",
    "商品总价",
    "运费",
    "收货地址",
    "订单详情",
    "交易快照",
];

fn marker_count(line: &str, markers: &[&str]) -> usize {
    markers.iter().filter(|m| line.contains(*m)).count()
}

/// Letters a person reads: Han characters and Latin letters.
fn readable_chars(text: &str) -> usize {
    text.chars()
        .filter(|&c| is_han(c) || c.is_ascii_alphabetic())
        .count()
}

fn is_tracking_line(line: &str) -> bool {
    BRACKETED_PLACE.is_match(line) && marker_count(line, TRACKING_MARKERS) >= 1
        || marker_count(line, TRACKING_MARKERS) >= 2
        || TRACKING_NUMBER.is_match(line) && marker_count(line, TRACKING_MARKERS) >= 1
}

/// Whether a line is the app's own chrome rather than someone's words.
fn is_chrome(line: &str) -> bool {
    let chars = line.chars().filter(|c| !c.is_whitespace()).count();
    let readable = readable_chars(line);
    let han = line.chars().filter(|&c| is_han(c)).count();
    // Prices, counts, times: mostly digits and symbols.
    if chars == 0 || (readable as f64) < 0.4 * chars as f64 {
        return true;
    }
    if LEADING_DATE.is_match(line) {
        return true;
    }
    // A status bar ("中国移动 12:30"), a chat's timestamp.
    if CLOCK.is_match(line) && han < 8 {
        return true;
    }
    // Masked nicknames ("小**猫").
    if line.contains("**") || line.contains("***") {
        return true;
    }
    // Tag chips: "质量很好(1234) 物流很快(567)"; "商品评价(2万+)".
    if COUNT_IN_BRACKETS.find_iter(line).count() >= 2
        || (COUNT_IN_BRACKETS.is_match(line) && han <= BUTTON_LINE_CHARS)
    {
        return true;
    }
    if CHROME_MARKERS.iter().any(|m| line.contains(m)) {
        return true;
    }
    if chars <= BUTTON_LINE_CHARS && BUTTON_WORDS.iter().any(|w| line.contains(w)) {
        return true;
    }
    is_tracking_line(line)
}

/// Whether a passage is something a person can read: enough Han
/// characters, or (English) enough real words, and mostly letters rather
/// than the stray symbols OCR makes of pictures.
fn is_readable(passage: &str) -> bool {
    let chars = passage.chars().filter(|c| !c.is_whitespace()).count();
    let han = passage.chars().filter(|&c| is_han(c)).count();
    let words = passage
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .count();
    let readable = readable_chars(passage);
    (han >= MIN_PASSAGE_CHARS || words >= 3) && readable as f64 >= 0.6 * chars as f64
}

/// Sorts a screenshot's text (as [`readable_text`] made it, or plain
/// tesseract output kept from before).
pub fn read(text: &str) -> Reading {
    let lines: Vec<String> = text.lines().map(join_cjk_spacing).collect();
    let content: Vec<&String> = lines.iter().filter(|l| !l.is_empty()).collect();
    let tracking = content.iter().filter(|l| is_tracking_line(l)).count();
    let order = content
        .iter()
        .filter(|l| marker_count(l, ORDER_MARKERS) >= 1)
        .count();
    let share = |n: usize| n as f64 / content.len().max(1) as f64;
    let kind = if tracking >= 3 || (tracking >= 2 && share(tracking) >= 0.25) {
        ScreenKind::Tracking
    } else if order >= 3 || (order >= 2 && share(order) >= 0.25) {
        ScreenKind::Order
    } else {
        ScreenKind::Content
    };
    let mut passages = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let text = std::mem::take(current);
        if is_readable(&text) && passages.len() < MAX_PASSAGES {
            passages.push(text);
        }
    };
    for line in &lines {
        if line.is_empty() || is_chrome(line) {
            flush(&mut current);
            continue;
        }
        if !current.is_empty() && !current.ends_with(is_cjk) && !line.starts_with(is_cjk) {
            current.push(' ');
        }
        current.push_str(line);
    }
    flush(&mut current);
    Reading { kind, passages }
}

/// The passages of a screenshot's text (see [`read`]).
pub fn passages(text: &str) -> Vec<String> {
    read(text).passages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_between_chinese_characters_go_and_latin_spacing_stays() {
        assert_eq!(join_cjk_spacing("五 星 好 评 返 现"), "五星好评返现");
        assert_eq!(
            join_cjk_spacing("加 微信 abc def  领取"),
            "加微信abc def领取"
        );
        assert_eq!(join_cjk_spacing("  very   good  "), "very good");
    }

    #[test]
    fn paragraphs_become_passages_and_fragments_are_dropped() {
        let ocr = "宝 贝 收 到 了 ，质 量\n非 常 好 ， 五 星 好 评\n\n¥ 29\n\n12:30\n\n物流很快，包装精美\n";
        assert_eq!(
            passages(ocr),
            vec![
                "宝贝收到了，质量非常好，五星好评".to_string(),
                "物流很快，包装精美".to_string()
            ]
        );
        assert!(passages("").is_empty());
        assert!(passages("OK\n\n好").is_empty());
    }

    #[test]
    fn the_number_of_passages_is_bounded() {
        let ocr = "这是一条足够长的评价文字\n\n".repeat(200);
        assert_eq!(passages(&ocr).len(), MAX_PASSAGES);
    }

    fn tsv_row(block: u32, par: u32, line: u32, conf: f32, text: &str) -> String {
        format!("5\t1\t{block}\t{par}\t{line}\t1\t0\t0\t10\t10\t{conf}\t{text}\n")
    }

    #[test]
    fn tsv_words_below_the_confidence_bar_and_noisy_lines_go() {
        let mut tsv =
            "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
                .to_owned();
        tsv.push_str("1\t1\t0\t0\t0\t0\t0\t0\t1080\t2340\t-1\t\n");
        for (c, conf) in [("宝", 92.0), ("贝", 91.5), ("很", 90.0), ("好", 95.0)] {
            tsv.push_str(&tsv_row(1, 1, 1, conf, c));
        }
        tsv.push_str(&tsv_row(1, 1, 2, 88.0, "物流"));
        tsv.push_str(&tsv_row(1, 1, 2, 12.0, "|"));
        tsv.push_str(&tsv_row(1, 1, 2, 90.0, "很快"));
        // A photo read as "六8 tok IK": low confidence, dropped whole.
        for (w, conf) in [("六8", 31.0), ("tok", 44.0), ("IK", 20.0)] {
            tsv.push_str(&tsv_row(2, 1, 1, conf, w));
        }
        // Mostly noise with one confident word: the line goes.
        for (w, conf) in [("a", 90.0), ("jgkq", 30.0), ("wwwe", 22.0)] {
            tsv.push_str(&tsv_row(3, 1, 1, conf, w));
        }
        tsv.push_str(&tsv_row(4, 1, 1, 93.0, "下次还来"));
        // An unsure Han character among sure ones stays.
        for (w, conf) in [
            ("诚", 92.0),
            ("招", 93.0),
            ("用户", 92.0),
            ("体验", 84.0),
            ("官", 32.0),
        ] {
            tsv.push_str(&tsv_row(5, 1, 1, conf, w));
        }
        assert_eq!(
            readable_text(&tsv),
            "宝贝很好\n物流很快\n\n下次还来\n\n诚招用户体验官\n"
        );
        assert_eq!(readable_text(""), "");
        assert_eq!(readable_text("garbage\tnot tsv"), "");
    }

    #[test]
    fn a_review_pages_chrome_is_not_a_passage() {
        let text = "中国移动 12:30\n商品评价(2万+)\n质量很好(1234) 物流很快(567)\n\n小**猫\n\
                    2026-04-17已购:默认款\n收到了，做工很扎实，颜色跟图片一样\n比实体店便宜\n有用(12) 评论\n\n\
                    t**8\n2026-03-02 · 已购:白色 XL\n给老妈买的，尺码偏大一码\n\n加入购物车 立即购买\n";
        let reading = read(text);
        assert_eq!(reading.kind, ScreenKind::Content);
        assert_eq!(
            reading.passages,
            vec![
                "收到了，做工很扎实，颜色跟图片一样比实体店便宜".to_owned(),
                "给老妈买的，尺码偏大一码".to_owned()
            ]
        );
    }

    #[test]
    fn a_tracking_page_is_recognised_and_its_lines_are_not_reviews() {
        let text = "物流详情\n已签收\n中通快递 ZTO7712345678901\n\n\
                    全【杭州市】已签收，签收入:本人，如有疑问请联系快递员\n2026-04-17 18:02\n\
                    【杭州市】快递员【王师傅】正在为您派件\n【杭州市】快件已到达【杭州转运中心】\n\
                    【深圳市】快件已从【深圳分拨中心】发出，下一站【杭州转运中心】\n";
        let reading = read(text);
        assert_eq!(reading.kind, ScreenKind::Tracking);
        assert!(reading.passages.is_empty(), "{:?}", reading.passages);
        let order = read("订单详情\n订单编号：1234567890123\n下单时间：2026-04-01\n实付款 ¥59.00\n收货地址：浙江省杭州市\n");
        assert_eq!(order.kind, ScreenKind::Order);
    }

    #[test]
    fn a_review_about_the_courier_is_still_a_review() {
        let reading =
            read("快递员很负责，送货上门，东西完好无损\n\n派送很快，第二天就到了，包装严实\n");
        assert_eq!(reading.kind, ScreenKind::Content);
        assert_eq!(reading.passages.len(), 2, "{:?}", reading.passages);
    }

    #[test]
    fn a_chat_keeps_its_messages_and_drops_timestamps_and_buttons() {
        let text = "店铺客服\n\n2026-05-02 14:21\n\n亲，给个五星好评截图发我，返现5元哦\n\n\
                    好的，谢谢\n\n招聘兼职刷单，日结佣金，加微信详谈\n\n发送\n";
        assert_eq!(
            read(text).passages,
            vec![
                "亲，给个五星好评截图发我，返现5元哦".to_owned(),
                "招聘兼职刷单，日结佣金，加微信详谈".to_owned()
            ]
        );
    }

    #[test]
    fn english_text_counts_by_words_and_garbage_not_at_all() {
        assert_eq!(
            passages("The seller asked me to leave five stars\n"),
            vec!["The seller asked me to leave five stars".to_owned()]
        );
        assert!(passages("六8 tok IK\n\n|| ~ — ' . ,\n\n8 8 8 8 8 8 8 8\n").is_empty());
    }
}
