//! The limits an anonymous service needs, drawn from the shared token
//! buckets of `db::rate_limits` *before* the expensive work starts (reading
//! a 40 MiB upload, Argon2), so concurrent requests cannot all slip through
//! a check that has not been written yet.
//!
//! Why token buckets: they are what public APIs use to let a burst through
//! and hold a steady rate, they need one row per key, and their state is a
//! single atomic upsert, so every instance on one database shares them.
//! A report costs one token whatever its size: its size is bounded by the
//! upload limits, and its CPU by the decode permits and budget
//! (`evidence::Intake`). A proof-of-work (as GlobaLeaks uses under load)
//! was not chosen: it taxes every honest reporter's phone and needs
//! scripts, while the abuse it prevents is bounded here by the buckets.

use std::time::Duration;

use crate::config::Config;
use crate::db::rate_limits::{self, Taken};
use crate::db::{self, DbPool};
use crate::domain::throttle::{address_key, retry_after_secs, Bucket};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct Limits {
    /// Reports per client address (per hour).
    pub filing_per_address: Option<Bucket>,
    /// Reports for the whole service (per minute).
    pub filing_total: Option<Bucket>,
    /// Login attempts per account from one address: an attacker elsewhere
    /// cannot lock a user out.
    pub login_per_account_address: Bucket,
    /// Login attempts from one address, whatever the account.
    pub login_per_address: Bucket,
    /// Requests to regulators' response links from one address.
    pub responses_per_address: Bucket,
}

/// Login attempts per account and address in [`LOGIN_WINDOW`].
pub const LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS: u32 = 10;
/// Login attempts per address (any accounts) in [`LOGIN_WINDOW`].
pub const LOGIN_ATTEMPTS_PER_ADDRESS: u32 = 30;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Requests to response links per address in [`RESPONSE_WINDOW`]: plenty
/// for an officer reading and answering, little for a script.
pub const RESPONSE_REQUESTS_PER_ADDRESS: u32 = 120;
pub const RESPONSE_WINDOW: Duration = Duration::from_secs(10 * 60);

impl Limits {
    pub fn from_config(config: &Config) -> Self {
        let fixed = |count, period| Bucket {
            capacity: f64::from(count),
            period,
        };
        Limits {
            filing_per_address: Bucket::per(
                config.filing_limit_per_address,
                Duration::from_secs(3600),
            ),
            filing_total: Bucket::per(config.filing_limit_total, Duration::from_secs(60)),
            login_per_account_address: fixed(LOGIN_ATTEMPTS_PER_ACCOUNT_ADDRESS, LOGIN_WINDOW),
            login_per_address: fixed(LOGIN_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW),
            responses_per_address: fixed(RESPONSE_REQUESTS_PER_ADDRESS, RESPONSE_WINDOW),
        }
    }
}

fn minutes(secs: u64) -> u64 {
    secs.div_ceil(60).max(1)
}

/// Reserves one filing for `client_ip`, or answers 429 saying when to
/// retry. Called before the body is read.
pub async fn reserve_filing(
    pool: &DbPool,
    limits: &Limits,
    client_ip: Option<&str>,
) -> Result<(), AppError> {
    let address = format!("filing:address:{}", address_key(client_ip));
    let (per_address, total) = (limits.filing_per_address, limits.filing_total);
    if per_address.is_none() && total.is_none() {
        return Ok(());
    }
    db::run(pool, move |conn| {
        if let Some(bucket) = per_address {
            if let Taken::No(wait) = rate_limits::take(conn, &address, bucket, 1.0)? {
                let secs = retry_after_secs(wait);
                return Err(AppError::TooManyRequests {
                    retry_after_secs: secs,
                    detail: format!(
                        "提交过于频繁：您的网络已提交了较多举报，请约 {} 分钟后再试。\
                         Too many reports from your network; please try again in about {} minutes.",
                        minutes(secs),
                        minutes(secs)
                    ),
                });
            }
        }
        if let Some(bucket) = total {
            if let Taken::No(wait) = rate_limits::take(conn, "filing:total", bucket, 1.0)? {
                let secs = retry_after_secs(wait);
                return Err(AppError::TooManyRequests {
                    retry_after_secs: secs,
                    detail: format!(
                        "平台当前收到的举报过多，请稍等 {secs} 秒后再试，您填写的内容不会丢失。\
                         The service is receiving too many reports right now; please try again in {secs} seconds."
                    ),
                });
            }
        }
        Ok(())
    })
    .await
}

/// Reserves one request to a regulator's response link for `client_ip`.
pub async fn reserve_response(
    pool: &DbPool,
    limits: &Limits,
    client_ip: Option<&str>,
) -> Result<(), AppError> {
    let key = format!("response:address:{}", address_key(client_ip));
    let bucket = limits.responses_per_address;
    db::run(pool, move |conn| match rate_limits::take(conn, &key, bucket, 1.0)? {
        Taken::Yes => Ok(()),
        Taken::No(wait) => {
            let secs = retry_after_secs(wait);
            Err(AppError::TooManyRequests {
                retry_after_secs: secs,
                detail: format!(
                    "请求过于频繁，请约 {} 分钟后再试。Too many requests; please try again in about {} minutes.",
                    minutes(secs),
                    minutes(secs)
                ),
            })
        }
    })
    .await
}
