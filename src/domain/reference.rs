//! Report references (short, read aloud over the phone) and tracking codes
//! (secret bearer credentials, shown once and stored only as a hash).

use rand::Rng;
use sha2::{Digest, Sha256};

/// Digits and capitals without the look-alikes 0/O, 1/I/L and U/V.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
const REFERENCE_CHARS: usize = 8;
/// 27 symbols × 29 ≥ 2^130: comfortably above the 128 bits we promise.
const TRACKING_CODE_CHARS: usize = 27;

/// A new random reference such as `QL-7K4M-9PXR` (29^8 ≈ 5·10^11 values; the
/// database's unique index catches the rare collision and we draw again).
pub fn new_reference() -> String {
    let mut rng = rand::rng();
    let chars: String = (0..REFERENCE_CHARS)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("QL-{}-{}", &chars[..4], &chars[4..])
}

/// Accepts what a person might type (`ql7k4m9pxr`, `QL-7K4M-9PXR `) and
/// returns the canonical form, or `None` when it cannot be a reference.
pub fn normalize_reference(input: &str) -> Option<String> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = compact.strip_prefix("QL")?;
    if body.len() != REFERENCE_CHARS || !body.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("QL-{}-{}", &body[..4], &body[4..]))
}

/// A new tracking code, grouped for legibility: `7K4M9-PXR2A-…`.
pub fn new_tracking_code() -> String {
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..TRACKING_CODE_CHARS)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(TRACKING_CODE_CHARS.div_ceil(3))
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The stored form of a tracking code. The code carries ≥128 bits of
/// randomness, so a fast hash suffices: there is nothing to brute-force.
/// Separators and case are ignored so a re-typed code still matches.
pub fn hash_tracking_code(code: &str) -> String {
    let canonical: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

/// Compares a presented code with a stored hash in constant time.
pub fn tracking_code_matches(presented: &str, stored_hash: &str) -> bool {
    constant_time_eq::constant_time_eq(
        hash_tracking_code(presented).as_bytes(),
        stored_hash.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_unambiguous_and_normalizable() {
        for _ in 0..1000 {
            let reference = new_reference();
            assert_eq!(reference.len(), 12, "{reference}");
            assert!(reference.starts_with("QL-"));
            assert!(!reference[3..].contains(['0', 'O', '1', 'I', 'L', 'U']));
            assert_eq!(
                normalize_reference(&reference).as_deref(),
                Some(&*reference)
            );
            let sloppy = reference.replace('-', "").to_lowercase();
            assert_eq!(normalize_reference(&sloppy).as_deref(), Some(&*reference));
        }
        assert_eq!(normalize_reference("QL-0000-0000"), None);
        assert_eq!(normalize_reference("QL-ABCD"), None);
        assert_eq!(normalize_reference("../../etc"), None);
        assert_eq!(normalize_reference(""), None);
    }

    #[test]
    fn tracking_codes_carry_at_least_128_bits() {
        let bits = (TRACKING_CODE_CHARS as f64) * (ALPHABET.len() as f64).log2();
        assert!(bits >= 128.0, "{bits}");
        let code = new_tracking_code();
        let symbols = code.chars().filter(|c| *c != '-').count();
        assert_eq!(symbols, TRACKING_CODE_CHARS);
        assert_ne!(code, new_tracking_code());
    }

    #[test]
    fn tracking_code_hash_ignores_case_and_separators_only() {
        let code = new_tracking_code();
        let stored = hash_tracking_code(&code);
        assert!(tracking_code_matches(&code, &stored));
        assert!(tracking_code_matches(
            &code.to_lowercase().replace('-', " "),
            &stored
        ));
        assert!(!tracking_code_matches(&new_tracking_code(), &stored));
        assert!(!tracking_code_matches("", &stored));
        assert_ne!(stored, code, "never store the code itself");
    }
}
