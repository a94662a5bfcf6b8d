//! The links in our emails that work without a login — expiring evidence
//! downloads for regulators, the reporter's unsubscribe link — signed with
//! the server's key, each for its own purpose.

use crate::keys::SigningKey;

const EVIDENCE_LINK_PURPOSE: &str = "evidence-download";
const UNSUBSCRIBE_PURPOSE: &str = "unsubscribe";
const RESPONSE_PURPOSE: &str = "regulator-response";

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

/// A regulator's response token: `<delivery id>.<expires>.<signature>`,
/// one per delivery (the same in every re-send of its email).
pub fn response_token(key: &SigningKey, delivery_id: i64, expires: i64) -> String {
    let message = format!("{delivery_id}.{expires}");
    let signature = key.sign(RESPONSE_PURPOSE, &message);
    format!("{message}.{signature}")
}

/// A response token that is not ours, or no longer valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Malformed or wrongly signed: altered, or from another server.
    Invalid,
    /// Signed by us, but past its expiry.
    Expired,
}

/// The delivery a response token was made for and when the token expires
/// (Unix seconds), if it is genuine and still valid at `now`.
pub fn verify_response_token(
    key: &SigningKey,
    token: &str,
    now: i64,
) -> Result<(i64, i64), TokenProblem> {
    let mut parts = token.splitn(3, '.');
    let (Some(id), Some(expires), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Invalid);
    };
    let (Ok(delivery_id), Ok(expires_at)) = (id.parse::<i64>(), expires.parse::<i64>()) else {
        return Err(TokenProblem::Invalid);
    };
    // The parsed numbers must print back as given: no "+1" or "01" variants of a signed token.
    if !key.verify(
        RESPONSE_PURPOSE,
        &format!("{delivery_id}.{expires_at}"),
        signature,
    ) || format!("{delivery_id}.{expires_at}") != format!("{id}.{expires}")
    {
        return Err(TokenProblem::Invalid);
    }
    if now >= expires_at {
        return Err(TokenProblem::Expired);
    }
    Ok((delivery_id, expires_at))
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

    #[test]
    fn a_response_token_names_its_delivery_until_it_expires() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let token = response_token(&key, 17, 2_000);
        assert_eq!(verify_response_token(&key, &token, 1_999), Ok((17, 2_000)));
        assert_eq!(
            verify_response_token(&key, &token, 2_000),
            Err(TokenProblem::Expired)
        );
        let other_delivery = token.replacen("17.", "18.", 1);
        let longer = token.replacen(".2000.", ".2999.", 1);
        let padded = token.replacen("17.", "017.", 1);
        for bad in [
            other_delivery.as_str(),
            longer.as_str(),
            padded.as_str(),
            "17.2000",
            "",
            "a.b.c",
        ] {
            assert_eq!(
                verify_response_token(&key, bad, 0),
                Err(TokenProblem::Invalid),
                "{bad}"
            );
        }
        let evidence_sig = sign_evidence_link(&key, 17, 2_000);
        assert_eq!(
            verify_response_token(&key, &format!("17.2000.{evidence_sig}"), 0),
            Err(TokenProblem::Invalid)
        );
    }
}
