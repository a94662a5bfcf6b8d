//! Text bound for a spreadsheet. A cell that starts with `=`, `+`, `-` or
//! `@` (or a tab or carriage return before one) is read as a formula by
//! Excel, LibreOffice and Google Sheets: a merchant name like
//! `=HYPERLINK("http://…","点击")` would become a live link or worse in a
//! moderator's export. OWASP's advice: prefix such a cell with `'`, which
//! the spreadsheet shows as text and does not display.

use std::borrow::Cow;

/// `value`, made inert for a spreadsheet when it could start a formula.
pub fn inert_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_could_start_a_formula_are_made_text() {
        for risky in [
            "=HYPERLINK(\"http://evil.example\",\"点击\")",
            "+86 10 1234",
            "-1+1",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let cell = inert_cell(risky);
            assert!(cell.starts_with('\''), "{risky:?} → {cell:?}");
            assert_eq!(&cell[1..], risky, "the text itself is kept");
        }
        for plain in [
            "某某数码旗舰店",
            "QL-7K4M-9PXR",
            "",
            " =1",
            "1-2",
            "旗舰店=好",
        ] {
            assert_eq!(inert_cell(plain), plain);
        }
    }
}
