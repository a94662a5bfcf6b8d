//! Fake "official" service hotlines: the number as people type it and the
//! one form it is stored, compared and published in.
//!
//! People copy numbers from search results and pages that write them every
//! way: `400-1865-909`, `４００ １８６５ ９０９`, `+86 21 1234 5678`,
//! `(1)400-1865-909` (the page's own list marker). Two reports of one number
//! must meet, so the stored form is digits only, national, with the trunk
//! `0` of a landline: `4001865909`, `13812345678`, `02112345678`.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::vocabulary::vocabulary;

vocabulary!(
    /// Where the consumer found the number.
    FoundVia {
        SearchEngine = "search_engine", "搜索引擎", "Search engine";
        MapApp = "map_app", "地图应用", "Map app";
        Ad = "ad", "广告", "Advertisement";
        SocialMedia = "social_media", "社交媒体", "Social media";
        Sms = "sms", "短信", "Text message";
        Other = "other", "其他", "Other";
    }
);

/// Why a text is not a Chinese phone number, as a field error code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    /// Letters or other characters no phone number has.
    NotANumber,
    TooShort,
    TooLong,
    /// Digits of a plausible length that no Chinese numbering plan uses
    /// (e.g. eight digits without an area code, a foreign country code).
    Unrecognized,
}

impl NumberProblem {
    pub fn code(self) -> &'static str {
        match self {
            NumberProblem::NotANumber => "phone",
            NumberProblem::TooShort => "too_short",
            NumberProblem::TooLong => "too_long",
            NumberProblem::Unrecognized => "phone",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            NumberProblem::NotANumber => "not a phone number: use digits, spaces and dashes",
            NumberProblem::TooShort => "too short for a Chinese phone number",
            NumberProblem::TooLong => "too long for a Chinese phone number",
            NumberProblem::Unrecognized => {
                "not a Chinese phone number (mobile, 400/800, landline with area code, or a 95/96 service number)"
            }
        }
    }
}

/// The longest text we read as a number: a number written with generous
/// spacing and a list marker fits; a pasted paragraph does not.
const MAX_INPUT_CHARS: usize = 40;

/// The number's one stored form (digits only, national), or why it is not a
/// Chinese phone number.
pub fn normalize_number(input: &str) -> Result<String, NumberProblem> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(NumberProblem::TooLong);
    }
    let text: String = input.chars().map(fold_width).collect();
    let text = strip_list_marker(text.trim());
    let (international, rest) = match text.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{3000}' | '—' | '–' => {}
            _ => return Err(NumberProblem::NotANumber),
        }
    }
    let national = if international {
        match digits.strip_prefix("86") {
            Some(national) => national_from_international(national),
            None if digits.is_empty() => return Err(NumberProblem::TooShort),
            None => return Err(NumberProblem::Unrecognized),
        }
    } else if let Some(national) = digits.strip_prefix("0086") {
        national_from_international(national)
    } else if digits.len() == 13 && digits.starts_with("861") {
        // 86 before a mobile number, written without the plus.
        digits[2..].to_owned()
    } else {
        digits
    };
    classify(&national)
}

/// After the country code a landline drops its trunk `0` (+86 21 …).
fn national_from_international(national: &str) -> String {
    let national = national.strip_prefix('0').unwrap_or(national);
    let mobile = national.starts_with('1');
    let nationwide = national.starts_with("400") || national.starts_with("800");
    let service = national.starts_with("95") || national.starts_with("96");
    if mobile || nationwide || service || national.is_empty() {
        national.to_owned()
    } else {
        format!("0{national}")
    }
}

fn classify(digits: &str) -> Result<String, NumberProblem> {
    let n = digits.len();
    if n < 5 {
        return Err(NumberProblem::TooShort);
    }
    if n > 12 {
        return Err(NumberProblem::TooLong);
    }
    let second = digits.as_bytes()[1];
    let valid = match digits.as_bytes()[0] {
        // Mobile: 1[3-9] and nine more digits.
        b'1' if n == 11 => matches!(second, b'3'..=b'9'),
        // Carriers' and public services' five-digit numbers (10086, 12315).
        b'1' => n == 5,
        // Nationwide service numbers paid by the callee.
        b'4' | b'8' => n == 10 && (digits.starts_with("400") || digits.starts_with("800")),
        // Landline with its area code: 0 + 2–3 digit area + 7–8 digit line.
        b'0' => second != b'0' && (10..=12).contains(&n),
        // Enterprise service numbers (95588, 9510 xxxx, 96xxx).
        b'9' => matches!(second, b'5' | b'6') && (5..=8).contains(&n),
        _ => false,
    };
    if valid {
        Ok(digits.to_owned())
    } else if digits.starts_with('1') && n < 11 && n > 5 {
        Err(NumberProblem::TooShort)
    } else if digits.starts_with('1') && n > 11 {
        Err(NumberProblem::TooLong)
    } else {
        Err(NumberProblem::Unrecognized)
    }
}

/// Full-width digits and punctuation (as typed with a Chinese input method)
/// to their ASCII forms.
fn fold_width(c: char) -> char {
    match c {
        '０'..='９' | '＋' | '－' | '（' | '）' | '．' | '／' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// The "(1)" or "1." with which pages list the same number several times.
/// Only a one- or two-digit marker: "(021)" is an area code.
fn strip_list_marker(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('(') {
        if let Some((marker, after)) = rest.split_once(')') {
            if (1..=2).contains(&marker.len()) && marker.bytes().all(|b| b.is_ascii_digit()) {
                return after.trim_start();
            }
        }
    }
    text
}

/// Every phone number written in a text (an advertising page as pasted, a
/// screenshot's OCR text), normalized, in order of appearance, repeats kept:
/// a run of digits with the separators people put between them, read by
/// [`normalize_number`]. Runs that are not Chinese numbers (years, prices,
/// order numbers) are left out.
pub fn numbers_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut run = String::new();
    let mut digits = 0;
    let mut flush = |run: &mut String, digits: &mut usize| {
        if *digits >= 5 {
            // Trailing separators ("400-1865-909 (" ) are not part of it.
            read_run(
                run.trim_end_matches(|c: char| !c.is_ascii_digit()),
                &mut found,
            );
        }
        run.clear();
        *digits = 0;
    };
    for c in text.chars().map(fold_width) {
        let digit = c.is_ascii_digit();
        let joins = matches!(c, ' ' | '-' | '(' | ')' | '+' | '—' | '–')
            && (!run.is_empty() || c == '+' || c == '(');
        if digit {
            run.push(c);
            digits += 1;
        } else if joins && run.chars().count() < MAX_INPUT_CHARS {
            run.push(c);
        } else {
            flush(&mut run, &mut digits);
        }
    }
    flush(&mut run, &mut digits);
    found
}

/// A run of digits and separators: one number, or several written one
/// after the other with spaces between them ("400-1865-909 138 1234 5678"),
/// taken greedily from the left, the longest that reads as a number first.
fn read_run(run: &str, found: &mut Vec<String>) {
    if let Ok(number) = normalize_number(run) {
        found.push(number);
        return;
    }
    let tokens: Vec<&str> = run.split(' ').filter(|t| !t.is_empty()).collect();
    let mut start = 0;
    while start < tokens.len() {
        let longest = (start + 1..=tokens.len())
            .rev()
            .find_map(|end| Some((end, normalize_number(&tokens[start..end].join(" ")).ok()?)));
        match longest {
            Some((end, number)) => {
                found.push(number);
                start = end;
            }
            None => start += 1,
        }
    }
}

/// The registrable domain of a URL's host, for comparing where ads were
/// found: `m.baidu-weixiu.example.com` and `www.baidu-weixiu.example.com`
/// are one advertiser. Uses the public-suffix list's common Chinese
/// second-level suffixes; an IP address stands for itself.
pub fn registrable_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Some(host);
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    if labels.len() < 2 {
        return Some(host);
    }
    const SECOND_LEVEL: &[&str] = &[
        "com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "ac.cn", "com.hk", "com.tw", "co.uk",
        "com.au", "co.jp",
    ];
    let last_two = labels[labels.len() - 2..].join(".");
    let keep = if SECOND_LEVEL.contains(&last_two.as_str()) && labels.len() >= 3 {
        3
    } else {
        2
    };
    Some(labels[labels.len() - keep..].join("."))
}

/// Yuan as typed (at most two decimals, 0 to 1,000,000) to fen, which is how
/// money is stored: no float survives into the database.
pub fn yuan_to_fen(yuan: f64) -> Option<i64> {
    if !yuan.is_finite() || !(0.0..=1_000_000.0).contains(&yuan) {
        return None;
    }
    let fen = (yuan * 100.0).round();
    // 12.345 is not an amount anyone paid.
    if (yuan * 100.0 - fen).abs() > 1e-6 {
        return None;
    }
    Some(fen as i64)
}

/// One validated case's hotline, as the blocklist reads it: no reporter's
/// data, nothing of a case that was only reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedHotline {
    pub number: String,
    pub brand: String,
    pub domain: Option<String>,
    pub report_id: i64,
    /// When the case was validated (every time, if it was more than once).
    pub validated_at: NaiveDateTime,
}

/// A number on the blocklist that platforms take down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedNumber {
    pub number: String,
    /// Every brand it posed as, sorted.
    pub brands: Vec<String>,
    /// Every advertising domain it was found on, sorted.
    pub domains: Vec<String>,
    /// Validated cases that give it.
    pub cases: usize,
    pub first_validated_at: NaiveDateTime,
    pub last_validated_at: NaiveDateTime,
}

/// The blocklist: one entry per number, by number.
pub fn blocklist(rows: impl IntoIterator<Item = ValidatedHotline>) -> Vec<BlockedNumber> {
    let mut rows: Vec<ValidatedHotline> = rows.into_iter().collect();
    rows.sort_by(|a, b| a.number.cmp(&b.number).then(a.report_id.cmp(&b.report_id)));
    let mut out: Vec<BlockedNumber> = Vec::new();
    let mut last_case: Option<(String, i64)> = None;
    for row in rows {
        let entry = match out.last_mut() {
            Some(entry) if entry.number == row.number => entry,
            _ => {
                out.push(BlockedNumber {
                    number: row.number.clone(),
                    brands: Vec::new(),
                    domains: Vec::new(),
                    cases: 0,
                    first_validated_at: row.validated_at,
                    last_validated_at: row.validated_at,
                });
                out.last_mut().expect("just pushed")
            }
        };
        let key = (row.number.clone(), row.report_id);
        if last_case.as_ref() != Some(&key) {
            entry.cases += 1;
            last_case = Some(key);
        }
        if !entry.brands.contains(&row.brand) {
            entry.brands.push(row.brand);
        }
        if let Some(domain) = row.domain {
            if !entry.domains.contains(&domain) {
                entry.domains.push(domain);
            }
        }
        entry.first_validated_at = entry.first_validated_at.min(row.validated_at);
        entry.last_validated_at = entry.last_validated_at.max(row.validated_at);
    }
    for entry in &mut out {
        entry.brands.sort();
        entry.domains.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_type_them_have_one_form() {
        for (typed, stored) in [
            ("400-1865-909", "4001865909"),
            ("4001865909", "4001865909"),
            ("400 186 5909", "4001865909"),
            ("４００－１８６５－９０９", "4001865909"),
            ("(1)400-1865-909", "4001865909"),
            ("（2）400-1865-909", "4001865909"),
            ("800-820-8820", "8008208820"),
            ("138 1234 5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+86-13812345678", "13812345678"),
            ("008613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("021-12345678", "02112345678"),
            ("(021) 1234 5678", "02112345678"),
            ("+86 21 1234 5678", "02112345678"),
            ("+86 (0)21 1234 5678", "02112345678"),
            ("0755-8888888", "07558888888"),
            ("010 12345678", "01012345678"),
            ("95588", "95588"),
            ("9510-1234", "95101234"),
            ("12315", "12315"),
            ("+86 400 186 5909", "4001865909"),
        ] {
            assert_eq!(normalize_number(typed).as_deref(), Ok(stored), "{typed}");
        }
    }

    #[test]
    fn what_is_not_a_chinese_number_is_refused_with_its_reason() {
        for (typed, problem) in [
            ("call us", NumberProblem::NotANumber),
            ("400-186-59O9", NumberProblem::NotANumber),
            ("400#1865909", NumberProblem::NotANumber),
            ("", NumberProblem::TooShort),
            ("400", NumberProblem::TooShort),
            ("1381234", NumberProblem::TooShort),
            ("1381234567890", NumberProblem::TooLong),
            ("0211234567890123", NumberProblem::TooLong),
            ("+1 212 555 0100", NumberProblem::Unrecognized),
            ("12345678", NumberProblem::TooShort),
            ("88888888", NumberProblem::Unrecognized),
            ("4001865", NumberProblem::Unrecognized),
            ("12812345678", NumberProblem::Unrecognized),
            ("0012345678", NumberProblem::Unrecognized),
            ("+86", NumberProblem::TooShort),
        ] {
            assert_eq!(normalize_number(typed), Err(problem), "{typed}");
        }
        let pasted = "联勒指纹锁全国统一24小时维修服务热线 400-1865-909";
        assert_eq!(normalize_number(pasted), Err(NumberProblem::NotANumber));
        let long = "400-1865-909 / 400-1865-909 / 400-1865-909 / 400";
        assert_eq!(normalize_number(long), Err(NumberProblem::TooLong));
    }

    #[test]
    fn each_problem_has_a_field_code_and_a_message() {
        for problem in [
            NumberProblem::NotANumber,
            NumberProblem::TooShort,
            NumberProblem::TooLong,
            NumberProblem::Unrecognized,
        ] {
            assert!(!problem.code().is_empty() && !problem.message().is_empty());
        }
    }

    #[test]
    fn numbers_are_found_in_a_page_however_they_are_written() {
        let page = "联勒指纹锁全国统一24小时维修服务热线 … 400服务电话:400-1865-909(点击咨询) … \
            厂家总部售后统一热线:(1)400-1865-909(点击咨询)(2)４００－１８６５－９０９ \
            最快30分钟 上门服务 2026年 订单号 123456789012345678 手机 138 1234 5678";
        assert_eq!(
            numbers_in(page),
            ["4001865909", "4001865909", "4001865909", "13812345678"]
        );
        assert!(numbers_in("最快30分钟上门，2026-04-17 已购").is_empty());
        assert_eq!(
            numbers_in("热线 400-1865-909 30 分钟到，或 138 1234 5678 95588"),
            ["4001865909", "13812345678", "95588"]
        );
    }

    #[test]
    fn a_domain_is_compared_by_what_its_owner_registered() {
        for (host, domain) in [
            ("www.lianle-weixiu.example.com", Some("example.com")),
            ("m.weixiu.com.cn", Some("weixiu.com.cn")),
            ("weixiu.com.cn", Some("weixiu.com.cn")),
            ("WWW.Repair-400.CN.", Some("repair-400.cn")),
            ("localhost", Some("localhost")),
            ("203.0.113.7", Some("203.0.113.7")),
            ("", None),
        ] {
            assert_eq!(registrable_domain(host).as_deref(), domain, "{host}");
        }
    }

    #[test]
    fn the_blocklist_has_one_entry_per_number_with_its_brands_and_dates() {
        let at = |day: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, day)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .expect("date")
        };
        let row =
            |number: &str, brand: &str, domain: Option<&str>, id: i64, day: u32| ValidatedHotline {
                number: number.into(),
                brand: brand.into(),
                domain: domain.map(str::to_owned),
                report_id: id,
                validated_at: at(day),
            };
        let list = blocklist([
            row("4001865909", "美的空调", None, 3, 20),
            row("4001865909", "联勒指纹锁", Some("example.com"), 1, 10),
            // Validated twice (reopened, validated again): one case.
            row("4001865909", "联勒指纹锁", Some("example.com"), 1, 12),
            row("13812345678", "海尔", None, 2, 15),
        ]);
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].number, "13812345678");
        let ring = &list[1];
        assert_eq!(ring.cases, 2);
        assert_eq!(ring.brands, ["美的空调", "联勒指纹锁"]);
        assert_eq!(ring.domains, ["example.com"]);
        assert_eq!(ring.first_validated_at, at(10));
        assert_eq!(ring.last_validated_at, at(20));
        assert!(blocklist([]).is_empty());
    }

    #[test]
    fn amounts_are_stored_in_fen_and_absurd_ones_refused() {
        assert_eq!(yuan_to_fen(0.0), Some(0));
        assert_eq!(yuan_to_fen(380.0), Some(38_000));
        assert_eq!(yuan_to_fen(1299.99), Some(129_999));
        assert_eq!(yuan_to_fen(0.1), Some(10));
        assert_eq!(yuan_to_fen(1_000_000.0), Some(100_000_000));
        assert_eq!(yuan_to_fen(-1.0), None);
        assert_eq!(yuan_to_fen(1_000_000.01), None);
        assert_eq!(yuan_to_fen(12.345), None);
        assert_eq!(yuan_to_fen(f64::NAN), None);
        assert_eq!(yuan_to_fen(f64::INFINITY), None);
    }
}
