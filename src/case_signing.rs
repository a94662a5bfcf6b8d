//! Ed25519 signatures on the case files sent to regulators, so that anyone
//! can check a forwarded case is what the platform sent — with the public
//! keys at `/.well-known/qinglang-signing-keys.json` and stock tools
//! (`openssl pkeyutl -verify -rawin`).
//!
//! Keys live in the database, so every instance signs with the same one;
//! each 32-byte seed is stored XORed with HMAC-SHA256(server secret, key id)
//! — a one-time pad per key, since ids are unique — so a copy of the
//! database alone cannot sign. A seed that does not give back its stored
//! public key (a wrong secret, a damaged row) is refused, never used.

use anyhow::Context;
use chrono::NaiveDateTime;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::signing_keys::{self, SigningKeyRow};
use crate::db::{write_transaction, DbConnection};
use crate::error::AppError;
use crate::keys;

const WRAP_PURPOSE: &str = "ed25519-seed";

/// A key ready to sign, with the id that names it.
pub struct CaseSigner {
    pub id: String,
    key: SigningKey,
}

impl std::fmt::Debug for CaseSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CaseSigner({})", self.id)
    }
}

impl CaseSigner {
    /// The detached signature: 64 raw bytes, as `openssl pkeyutl -rawin` reads it.
    pub fn sign(&self, bytes: &[u8]) -> [u8; 64] {
        self.key.sign(bytes).to_bytes()
    }
}

fn pad(secret: &keys::SigningKey, id: &str) -> anyhow::Result<[u8; 32]> {
    let mac = hex::decode(secret.sign(WRAP_PURPOSE, id)).context("decoding the pad")?;
    <[u8; 32]>::try_from(mac.as_slice()).map_err(|_| anyhow::anyhow!("HMAC-SHA256 is 32 bytes"))
}

fn xor(a: [u8; 32], b: [u8; 32]) -> [u8; 32] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// The id of a public key: the first 8 bytes of its SHA-256, in hex.
fn key_id(key: &SigningKey) -> String {
    hex::encode(&Sha256::digest(key.verifying_key().as_bytes())[..8])
}

fn public_pem(key: &SigningKey) -> anyhow::Result<String> {
    key.verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encoding the public key: {e}"))
}

/// A new key, its seed wrapped with the server secret.
pub fn generate(secret: &keys::SigningKey, now: NaiveDateTime) -> anyhow::Result<SigningKeyRow> {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let id = key_id(&key);
    let wrapped = xor(seed, pad(secret, &id)?);
    Ok(SigningKeyRow {
        public_key_pem: public_pem(&key)?,
        wrapped_seed: hex::encode(wrapped),
        created_at: now,
        retired_at: None,
        id,
    })
}

/// The signer of a stored key, if the server secret unwraps it.
pub fn unwrap(secret: &keys::SigningKey, row: &SigningKeyRow) -> anyhow::Result<CaseSigner> {
    let wrapped = hex::decode(&row.wrapped_seed).context("the wrapped seed is not hex")?;
    let wrapped = <[u8; 32]>::try_from(wrapped.as_slice())
        .map_err(|_| anyhow::anyhow!("the wrapped seed is not 32 bytes"))?;
    let key = SigningKey::from_bytes(&xor(wrapped, pad(secret, &row.id)?));
    anyhow::ensure!(
        public_pem(&key)? == row.public_key_pem && key_id(&key) == row.id,
        "signing key {} does not unwrap with this server's secret key \
         (QINGLANG_SECRET_KEY differs from the one that created it?)",
        row.id
    );
    Ok(CaseSigner {
        id: row.id.clone(),
        key,
    })
}

/// The active signer, creating the first key when there is none.
pub fn active_or_create(
    conn: &mut DbConnection,
    secret: &keys::SigningKey,
    now: NaiveDateTime,
) -> Result<CaseSigner, AppError> {
    let row = match signing_keys::active(conn)? {
        Some(row) => row,
        None => {
            let fresh = generate(secret, now)?;
            signing_keys::insert(conn, &fresh)?;
            fresh
        }
    };
    Ok(unwrap(secret, &row)?)
}

/// `qinglang keys rotate`: a new key signs from now on; the others are
/// retired but stay published, so what they signed still verifies.
pub fn rotate(
    conn: &mut DbConnection,
    secret: &keys::SigningKey,
    now: NaiveDateTime,
) -> Result<SigningKeyRow, AppError> {
    let fresh = generate(secret, now)?;
    write_transaction(conn, |conn| -> Result<(), AppError> {
        signing_keys::insert(conn, &fresh)?;
        signing_keys::retire_others(conn, &fresh.id, now)?;
        Ok(())
    })?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::pkcs8::DecodePublicKey;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};

    fn now() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .expect("time")
            .naive_utc()
    }

    #[test]
    fn a_wrapped_key_signs_what_its_published_key_verifies() {
        let secret = keys::SigningKey::from_bytes(&[3u8; 32]);
        let row = generate(&secret, now()).expect("key");
        assert_eq!(row.id.len(), 16);
        assert!(row.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let signer = unwrap(&secret, &row).expect("unwraps");
        let signature = signer.sign(b"case file");
        let public = VerifyingKey::from_public_key_pem(&row.public_key_pem).expect("pem");
        assert!(public
            .verify(b"case file", &Signature::from_bytes(&signature))
            .is_ok());
        assert!(public
            .verify(b"case filE", &Signature::from_bytes(&signature))
            .is_err());
    }

    #[test]
    fn another_secret_or_a_damaged_row_cannot_sign() {
        let secret = keys::SigningKey::from_bytes(&[3u8; 32]);
        let row = generate(&secret, now()).expect("key");
        let other = keys::SigningKey::from_bytes(&[4u8; 32]);
        assert!(unwrap(&other, &row).is_err());
        let mut damaged = row.clone();
        damaged.wrapped_seed.replace_range(0..2, "00");
        if damaged.wrapped_seed != row.wrapped_seed {
            assert!(unwrap(&secret, &damaged).is_err());
        }
        let mut short = row;
        short.wrapped_seed.truncate(10);
        assert!(unwrap(&secret, &short).is_err());
    }
}
