//! The server's signing key, for links that must work without a login: the
//! expiring evidence downloads in a regulator's email and the reporter's
//! unsubscribe link. HMAC-SHA256 over a purpose and a message, so a
//! signature made for one purpose is worthless for another.

use std::path::{Path, PathBuf};

use anyhow::Context;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

pub struct SigningKey {
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// The configured key (`QINGLANG_SECRET_KEY`), or the one kept in
    /// `<data dir>/secret-key`, created (mode 0600) on the first start.
    /// Several instances must share one key: set it explicitly for them.
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(key) = configured.map(str::trim).filter(|k| !k.is_empty()) {
            anyhow::ensure!(
                key.len() >= 32,
                "QINGLANG_SECRET_KEY must be at least 32 characters"
            );
            return Ok(SigningKey {
                key: key.as_bytes().to_vec(),
            });
        }
        let path = key_path(data_dir);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing.trim().len() >= 32 => {
                return Ok(SigningKey {
                    key: existing.trim().as_bytes().to_vec(),
                })
            }
            Ok(_) => anyhow::bail!("{} is too short to be a key", path.display()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let fresh = hex::encode(bytes);
        match create_private(&path, &fresh) {
            Ok(()) => Ok(SigningKey {
                key: fresh.into_bytes(),
            }),
            // Another instance created it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::load_or_create(None, data_dir)
            }
            Err(error) => Err(error).with_context(|| format!("writing {}", path.display())),
        }
    }

    /// A key for tests.
    pub fn from_bytes(key: &[u8]) -> Self {
        SigningKey { key: key.to_vec() }
    }

    fn mac(&self, purpose: &str, message: &str) -> HmacSha256 {
        // `new_from_slice` accepts keys of any length for HMAC.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(message.as_bytes());
        mac
    }

    /// A hex signature of `message` for `purpose`.
    pub fn sign(&self, purpose: &str, message: &str) -> String {
        hex::encode(self.mac(purpose, message).finalize().into_bytes())
    }

    /// Checks a signature in constant time.
    pub fn verify(&self, purpose: &str, message: &str, signature: &str) -> bool {
        let Ok(bytes) = hex::decode(signature) else {
            return false;
        };
        self.mac(purpose, message).verify_slice(&bytes).is_ok()
    }
}

fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("secret-key")
}

#[cfg(unix)]
fn create_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn create_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_purpose_and_message() {
        let key = SigningKey::from_bytes(b"0123456789abcdef0123456789abcdef");
        let sig = key.sign("evidence", "12.1800000000");
        assert!(key.verify("evidence", "12.1800000000", &sig));
        assert!(!key.verify("evidence", "13.1800000000", &sig));
        assert!(!key.verify("unsubscribe", "12.1800000000", &sig));
        assert!(!key.verify("evidence", "12.1800000000", "zz"));
        assert!(!key.verify("evidence", "12.1800000000", &sig[..10]));
        let other = SigningKey::from_bytes(b"another key, at least 32 bytes long");
        assert!(!other.verify("evidence", "12.1800000000", &sig));
    }

    #[test]
    fn the_key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let first = SigningKey::load_or_create(None, dir.path()).expect("created");
        let second = SigningKey::load_or_create(None, dir.path()).expect("loaded");
        assert_eq!(first.key, second.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(key_path(dir.path()))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(SigningKey::load_or_create(Some("short"), dir.path()).is_err());
    }
}
