//! Token buckets: how much of something a key (a client address, an
//! account, a mailbox) may do per period. A bucket holds up to `capacity`
//! tokens and refills evenly over `period`; each act takes its cost up
//! front — before the expensive work — and is refused when the bucket
//! holds less. The state lives in the database (`db::rate_limits`), so
//! every instance on one database draws from the same buckets.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub capacity: f64,
    pub period: Duration,
}

impl Bucket {
    /// `count` acts per `period`; `None` when `count` is 0 (no limit).
    pub fn per(count: u32, period: Duration) -> Option<Self> {
        (count > 0 && !period.is_zero()).then_some(Bucket {
            capacity: f64::from(count),
            period,
        })
    }

    /// Tokens regained per millisecond.
    pub fn refill_per_ms(&self) -> f64 {
        self.capacity / self.period.as_millis().max(1) as f64
    }

    /// How long until a bucket holding `tokens` can pay `cost`.
    pub fn wait(&self, tokens: f64, cost: f64) -> Duration {
        let missing = (cost - tokens).max(0.0);
        Duration::from_millis((missing / self.refill_per_ms()).ceil() as u64)
    }
}

/// The part of a client address that one client controls: the whole IPv4
/// address, or an IPv6 address's /64 (one subscriber gets a whole /64, so
/// counting single IPv6 addresses would count nothing).
pub fn address_key(address: Option<&str>) -> String {
    match address.and_then(|a| a.parse::<std::net::IpAddr>().ok()) {
        Some(std::net::IpAddr::V4(v4)) => v4.to_string(),
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        None => "unknown".to_owned(),
    }
}

/// Whole seconds for `Retry-After`, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refills_evenly_and_says_how_long_to_wait() {
        let hourly = Bucket::per(20, Duration::from_secs(3600)).expect("a limit");
        assert_eq!(hourly.capacity, 20.0);
        // One token every three minutes.
        assert_eq!(hourly.wait(0.0, 1.0), Duration::from_secs(180));
        assert_eq!(hourly.wait(0.5, 1.0), Duration::from_secs(90));
        assert_eq!(hourly.wait(3.0, 1.0), Duration::ZERO);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(Bucket::per(0, Duration::from_secs(60)), None);
    }

    #[test]
    fn addresses_are_counted_per_client() {
        assert_eq!(address_key(Some("203.0.113.7")), "203.0.113.7");
        assert_eq!(address_key(Some("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(
            address_key(Some("2001:db8:1:2:aaaa::1")),
            address_key(Some("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            address_key(Some("2001:db8:1:2::1")),
            address_key(Some("2001:db8:1:3::1"))
        );
        assert_eq!(address_key(None), "unknown");
        assert_eq!(address_key(Some("garbage")), "unknown");
    }
}
