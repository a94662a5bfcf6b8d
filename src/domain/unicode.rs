//! Characters that show nothing, or reorder what follows, have no place in
//! names and free text: `"\u{200b}\u{200b}"` must not pass for a merchant's
//! name, and a right-to-left override must not turn a regulator's subject
//! line around. They are removed before any other check, so text made only
//! of them counts as empty.

/// Whether `c` is invisible or a bidirectional control: the Unicode
/// Default_Ignorable_Code_Point set (zero-width spaces and joiners, soft
/// hyphen, word joiner, BOM, variation selectors, tag characters, Hangul
/// fillers…) together with the bidi controls (ALM, LRM, RLM, the embeddings,
/// overrides and isolates).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// `text` without its invisible and bidi control characters.
pub fn strip_invisible(text: &str) -> String {
    text.chars().filter(|&c| !is_invisible(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_bidi_characters_are_removed_and_nothing_else() {
        assert_eq!(strip_invisible("\u{200b}\u{200b}"), "");
        assert_eq!(strip_invisible("店\u{202e}gnp.exe"), "店gnp.exe");
        assert_eq!(
            strip_invisible("\u{feff}某某\u{2066}数码\u{2069}"),
            "某某数码"
        );
        assert_eq!(strip_invisible("a\u{00ad}b\u{e0041}"), "ab");
        let visible = "某某数码旗舰店 Shop-1 (深圳) 😀 ★ 「评价」\n第二行";
        assert_eq!(strip_invisible(visible), visible);
    }
}
