//! Text read from screenshots (OCR), made usable: Chinese OCR output puts
//! spaces between characters and breaks lines mid-sentence; we join what
//! belongs together and keep the passages worth comparing as reviews.

/// Passages shorter than this (in letters and CJK characters) are UI
/// labels, prices and timestamps rather than reviews.
const MIN_PASSAGE_CHARS: usize = 6;
/// The most passages taken from one case's screenshots.
pub const MAX_PASSAGES: usize = 60;

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFFEF)
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

/// The passages of OCR output: paragraphs (separated by blank lines) with
/// their lines joined, each long enough to be a review or a message.
pub fn passages(ocr: &str) -> Vec<String> {
    let mut passages = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let text = std::mem::take(current);
        let letters = text.chars().filter(|c| c.is_alphanumeric()).count();
        if letters >= MIN_PASSAGE_CHARS {
            passages.push(text);
        }
    };
    for line in ocr.lines() {
        let line = join_cjk_spacing(line);
        if line.is_empty() {
            flush(&mut current);
            continue;
        }
        if !current.is_empty() && !current.ends_with(is_cjk) {
            current.push(' ');
        }
        current.push_str(&line);
    }
    flush(&mut current);
    passages.truncate(MAX_PASSAGES);
    passages
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
}
