//! Search terms that work for Chinese without a dictionary: Latin words and
//! digits as whole lowercase tokens, CJK text as overlapping character
//! bigrams. The same function turns a query into the phrase to match, so
//! "刷单炒信" finds "…刷单炒信…" via the bigrams 刷单 单炒 炒信 in order —
//! with an ordinary full-text index on both SQLite (FTS5) and PostgreSQL.

use super::report::Hotline;

/// The tokens of `text`, in order.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() {
            out.push(std::mem::take(word));
        }
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|pair| pair.iter().collect::<String>())),
        }
        run.clear();
    };
    for c in text.chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// What `q` in the moderators' queue searches of a case as filed: the
/// merchant, the description, the reviews, and a hotline's number, brand
/// and search terms. (Screenshots' text is added once it has been read.)
pub fn filed_text<'a>(
    merchant_name: Option<&'a str>,
    description: &'a str,
    review_texts: &'a [String],
    hotline: Option<&'a Hotline>,
) -> impl Iterator<Item = &'a str> {
    merchant_name
        .into_iter()
        .chain([description])
        .chain(review_texts.iter().map(String::as_str))
        .chain(hotline.map(|h| h.number.as_str()))
        .chain(hotline.map(|h| h.impersonated_brand.as_str()))
        .chain(hotline.and_then(|h| h.search_terms.as_deref()))
}

/// The indexed form of a report's searchable text.
pub fn index_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .flat_map(tokens)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A query as a list of phrases (one per query word), each a list of tokens
/// that must appear consecutively. Empty when the query has nothing searchable.
/// The longest search a moderator may type, in characters…
pub const MAX_QUERY_CHARS: usize = 100;
/// …and the most words and bigrams it may make: each is an index probe,
/// so a pasted paragraph would tie up a database connection.
pub const MAX_QUERY_TOKENS: usize = 24;

/// `query`'s phrases, or why it is too long to search.
pub fn checked_query(query: &str) -> Result<Vec<Vec<String>>, String> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("at most {MAX_QUERY_CHARS} characters"));
    }
    let phrases = query_phrases(query);
    if phrases.iter().map(Vec::len).sum::<usize>() > MAX_QUERY_TOKENS {
        return Err(format!(
            "too many words to search at once (at most {MAX_QUERY_TOKENS} words or character pairs); shorten it"
        ));
    }
    Ok(phrases)
}

pub fn query_phrases(query: &str) -> Vec<Vec<String>> {
    query
        .split_whitespace()
        .map(tokens)
        .filter(|phrase| !phrase.is_empty())
        .take(8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_wordy_searches_are_refused() {
        assert!(checked_query("刷单炒信").is_ok());
        assert!(checked_query(&"某".repeat(MAX_QUERY_CHARS + 1)).is_err());
        // 100 random CJK characters make 99 bigrams.
        let random: String = (0..60u32)
            .filter_map(|i| char::from_u32(0x4e00 + i * 37))
            .collect();
        assert!(checked_query(&random).is_err());
        assert!(checked_query("a b c d e f").is_ok());
    }

    #[test]
    fn chinese_becomes_bigrams_and_latin_words_stay_whole() {
        assert_eq!(tokens("刷单炒信"), ["刷单", "单炒", "炒信"]);
        assert_eq!(tokens("好"), ["好"]);
        assert_eq!(
            tokens("Apple旗舰店 iPhone15!"),
            ["apple", "旗舰", "舰店", "iphone15"]
        );
        assert_eq!(tokens("  ,.;  "), Vec::<String>::new());
    }

    #[test]
    fn a_query_matches_the_indexed_text_as_a_consecutive_run() {
        let indexed = index_text(["某某旗舰店", "这是明显的刷单炒信行为"]);
        for query in ["刷单", "刷单炒信", "旗舰店", "明显"] {
            for phrase in query_phrases(query) {
                let joined = phrase.join(" ");
                assert!(indexed.contains(&joined), "{query}: {joined} in {indexed}");
            }
        }
    }

    #[test]
    fn injection_attempts_are_just_words() {
        let phrases = query_phrases("'; DROP TABLE reports; -- \" OR 1=1 NEAR(a b) *");
        for phrase in &phrases {
            for token in phrase {
                assert!(token.chars().all(char::is_alphanumeric), "{token}");
            }
        }
        assert!(query_phrases("*** ---").is_empty());
    }
}
