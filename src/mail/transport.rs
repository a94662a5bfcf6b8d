//! Where messages go: an SMTP relay (pooled, with STARTTLS or TLS), or —
//! when none is configured — `.eml` files under `<data dir>/mail-outbox/`,
//! so a fresh `cargo run` works and a message opens in any mail client.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use lettre::address::Envelope;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::domain::delivery::Failure;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// The server took the message: its reply, recorded on the delivery.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub reply: String,
}

#[derive(Debug, Clone)]
pub struct SendError {
    pub failure: Failure,
    pub message: String,
}

impl Transport {
    /// An SMTP transport for `smtp_url`, or the file transport under `data_dir`.
    pub fn from_config(
        smtp_url: Option<&str>,
        data_dir: &Path,
        timeout: Duration,
        pool_size: u32,
    ) -> anyhow::Result<Self> {
        match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("QINGLANG_SMTP_URL is not usable: {e}"))?
                    // In lettre's async transport this bounds only the TCP
                    // connect; the whole send (greeting, TLS, DATA, the reply)
                    // is bounded by `tokio::time::timeout` in `send`.
                    .timeout(Some(timeout))
                    .pool_config(
                        PoolConfig::new()
                            .max_size(pool_size.max(1))
                            .idle_timeout(Duration::from_secs(60)),
                    )
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                let dir = data_dir.join("mail-outbox");
                crate::private_files::dir(&dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                Ok(Transport::Files(dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP relay".into(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    /// Sends one message, bounded by `timeout` as a whole: lettre's own
    /// timeout covers single reads and writes, not a server that trickles.
    /// A failure that is not the server's final word (a pooled connection the
    /// server had closed, a reset) is tried once more on a fresh connection.
    pub async fn send(
        &self,
        envelope: &Envelope,
        raw: &[u8],
        file_stem: &str,
        timeout: Duration,
    ) -> Result<Accepted, SendError> {
        match self {
            Transport::Smtp(smtp) => match send_smtp(smtp, envelope, raw, timeout).await {
                Err(error) if error.retry_at_once => {
                    tracing::debug!(error = %error.inner.message, "retrying on a fresh connection");
                    send_smtp(smtp, envelope, raw, timeout).await
                }
                other => other,
            }
            .map_err(|e| e.inner),
            Transport::Files(dir) => {
                let dir = dir.clone();
                let path = dir.join(format!("{file_stem}.eml"));
                let bytes = raw.to_vec();
                let shown = path.clone();
                tokio::task::spawn_blocking(move || write_atomically(&dir, &path, &bytes))
                    .await
                    .map_err(|e| temporary(format!("writing the .eml file: {e}")))?
                    .map_err(|e| temporary(format!("writing the .eml file: {e}")))?;
                Ok(Accepted {
                    reply: format!("written to {}", shown.display()),
                })
            }
        }
    }
}

struct SmtpFailure {
    inner: SendError,
    /// Worth one immediate retry: the connection broke, the server did not refuse.
    retry_at_once: bool,
}

async fn send_smtp(
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    envelope: &Envelope,
    raw: &[u8],
    timeout: Duration,
) -> Result<Accepted, SmtpFailure> {
    match tokio::time::timeout(timeout, smtp.send_raw(envelope, raw)).await {
        Err(_) => Err(SmtpFailure {
            inner: temporary(format!(
                "the SMTP server did not answer within {} s",
                timeout.as_secs()
            )),
            retry_at_once: false,
        }),
        Ok(Ok(response)) => {
            let lines: Vec<&str> = response.message().collect();
            Ok(Accepted {
                reply: format!("{} {}", response.code(), lines.join(" ")),
            })
        }
        Ok(Err(error)) => {
            let message = error.to_string();
            if error.is_permanent() {
                Err(SmtpFailure {
                    inner: SendError {
                        failure: Failure::Permanent,
                        message,
                    },
                    retry_at_once: false,
                })
            } else {
                // A 4xx is the server's considered answer: back off. A broken
                // connection may just be a stale pooled one.
                let retry_at_once = !error.is_transient() && !error.is_timeout();
                Err(SmtpFailure {
                    inner: temporary(message),
                    retry_at_once,
                })
            }
        }
    }
}

fn temporary(message: String) -> SendError {
    SendError {
        failure: Failure::Temporary,
        message,
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a
/// reader never sees half a message; writing it again replaces it.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = tempfile::Builder::new()
        .prefix(".writing-")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
