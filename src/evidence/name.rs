//! Client file names are display text only, never paths. They are reduced
//! to something safe to show in a page, a mail header or a download.

/// Characters that reorder or hide text: a name like `gpj.exe` shown as
/// `exe.jpg` via U+202E is a classic trick.
fn is_invisible_or_bidi(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{061C}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}')
}

pub const MAX_DISPLAY_NAME_CHARS: usize = 120;

/// The last path component of `raw`, without control, bidi or invisible
/// characters, without leading dots, capped at 120 characters (keeping a short
/// extension). Falls back to `fallback` when nothing is left.
pub fn sanitize_display_name(raw: &str, fallback: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_or_bidi(*c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return fallback.to_owned();
    }
    if cleaned.chars().count() <= MAX_DISPLAY_NAME_CHARS {
        return cleaned.to_owned();
    }
    let (stem, extension) = match cleaned.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.chars().count() <= 10 => (stem, Some(ext)),
        _ => (cleaned, None),
    };
    let keep = MAX_DISPLAY_NAME_CHARS - extension.map_or(0, |e| e.chars().count() + 1);
    let stem: String = stem.chars().take(keep).collect();
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::sanitize_display_name as clean;

    #[test]
    fn path_parts_are_dropped() {
        assert_eq!(clean("../../etc/passwd", "x"), "passwd");
        assert_eq!(clean("C:\\Users\\me\\shot.png", "x"), "shot.png");
        assert_eq!(clean("..", "evidence-1.png"), "evidence-1.png");
        assert_eq!(clean("/", "evidence-1.png"), "evidence-1.png");
        assert_eq!(clean(".htaccess", "x"), "htaccess");
    }

    #[test]
    fn control_and_bidi_characters_are_removed() {
        assert_eq!(clean("a\0b.png", "x"), "ab.png");
        assert_eq!(clean("invoice\u{202E}gnp.exe", "x"), "invoicegnp.exe");
        assert_eq!(clean("line\r\nbreak.png", "x"), "linebreak.png");
        assert_eq!(clean("\u{2066}截图\u{2069}.png", "x"), "截图.png");
    }

    #[test]
    fn long_names_are_capped_keeping_the_extension() {
        let long = format!("{}.png", "长".repeat(1000));
        let name = clean(&long, "x");
        assert_eq!(name.chars().count(), super::MAX_DISPLAY_NAME_CHARS);
        assert!(name.ends_with(".png"));
        let no_ext = "a".repeat(1000);
        assert_eq!(clean(&no_ext, "x").len(), super::MAX_DISPLAY_NAME_CHARS);
    }
}
