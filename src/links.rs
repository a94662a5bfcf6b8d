//! The links in our emails that work without a login — expiring evidence
//! downloads for regulators, the reporter's unsubscribe link — signed with
//! the server's key, each for its own purpose.

use crate::keys::SigningKey;

const EVIDENCE_LINK_PURPOSE: &str = "evidence-download";
const UNSUBSCRIBE_PURPOSE: &str = "unsubscribe";

fn evidence_message(evidence_id: i64, expires: i64) -> String {
    format!("{evidence_id}.{expires}")
}

/// The signature of a download link to a file, valid until `expires` (Unix seconds).
pub fn sign_evidence_link(key: &SigningKey, evidence_id: i64, expires: i64) -> String {
    key.sign(
        EVIDENCE_LINK_PURPOSE,
        &evidence_message(evidence_id, expires),
    )
}

pub fn verify_evidence_link(key: &SigningKey, evidence_id: i64, expires: i64, sig: &str) -> bool {
    key.verify(
        EVIDENCE_LINK_PURPOSE,
        &evidence_message(evidence_id, expires),
        sig,
    )
}

/// The unsubscribe token of a report (stable, so old emails keep working).
pub fn unsubscribe_token(key: &SigningKey, reference: &str) -> String {
    key.sign(UNSUBSCRIBE_PURPOSE, reference)
}

pub fn verify_unsubscribe(key: &SigningKey, reference: &str, token: &str) -> bool {
    key.verify(UNSUBSCRIBE_PURPOSE, reference, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_serves_only_its_purpose_and_its_file() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let sig = sign_evidence_link(&key, 42, 1_900_000_000);
        assert!(verify_evidence_link(&key, 42, 1_900_000_000, &sig));
        assert!(!verify_evidence_link(&key, 43, 1_900_000_000, &sig));
        assert!(!verify_evidence_link(&key, 42, 1_900_000_001, &sig));
        let token = unsubscribe_token(&key, "QL-AAAA-BBBB");
        assert!(verify_unsubscribe(&key, "QL-AAAA-BBBB", &token));
        assert!(!verify_unsubscribe(&key, "QL-AAAA-BBBC", &token));
        assert!(!verify_unsubscribe(&key, "42.1900000000", &sig));
    }
}
