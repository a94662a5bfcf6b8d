//! The outbox's rules: what kinds of message there are, the states of a
//! delivery, and when a failed send is tried again.
//!
//! A temporary failure (refused connection, timeout, 4xx, a stalled server)
//! is retried with exponential backoff and jitter, from a base delay doubled
//! per attempt and capped at an hour, until the retry window (three days by
//! default) is over; a permanent 5xx fails at once.

use chrono::{Duration, NaiveDateTime};

use super::vocabulary::vocabulary;

vocabulary!(
    /// What a message is for.
    DeliveryKind {
        /// A validated case, to a regulator's inbox.
        Regulator = "regulator", "转交监管部门", "To the regulator";
        /// To the reporter: we received your report.
        Receipt = "receipt", "受理回执", "Receipt";
        /// To the reporter: a moderator needs more information.
        NeedsInfo = "needs_info", "补充材料通知", "Question to the reporter";
        /// To the reporter: the case went to the regulator.
        Forwarded = "forwarded", "已转交通知", "Forwarded notice";
        /// To the reporter: the case was rejected, and why.
        Rejected = "rejected", "驳回通知", "Rejection notice";
        /// To the reporter: what a regulator decided (accepted, declined, concluded).
        RegulatorResponse = "regulator_response", "监管部门答复通知", "The regulator's answer";
        /// To the case's moderator (or the admins): a regulator needs more material.
        RegulatorQuestion = "regulator_question", "监管部门补充材料请求", "A regulator's question";
        /// To a regulator that asked: the reporter's answer and files, threaded on the case email.
        Supplement = "supplement", "补充材料", "Supplementary material";
        /// To a regulator that has not acknowledged in time, threaded on the case email.
        RegulatorReminder = "regulator_reminder", "受理提醒", "Acknowledgement reminder";
        /// To the default inbox: a regulator still silent a second period later.
        Escalation = "escalation", "逾期升级", "Escalation";
        /// To staff, daily: the overdue cases they (or, unassigned, the admins) hold.
        OverdueDigest = "overdue_digest", "逾期案件日报", "Overdue digest";
        /// To the reporter: their answer to a question is due soon.
        AnswerReminder = "answer_reminder", "补充材料提醒", "Answer reminder";
    }
);

vocabulary!(
    /// Where a message stands.
    DeliveryStatus {
        /// Waiting for its next attempt (possibly claimed by a worker right now).
        Pending = "pending", "待发送", "Pending";
        /// The SMTP server took responsibility for it (or the .eml file is written).
        Accepted = "accepted", "已送达", "Accepted";
        /// Permanently refused, or the retry window ended; an admin may retry it.
        Failed = "failed", "发送失败", "Failed";
        /// Not sent because the reporter unsubscribed.
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
);

impl DeliveryKind {
    /// The message carries the whole case to an authority: the signed case
    /// file, the evidence and the response link.
    pub fn carries_the_case(self) -> bool {
        matches!(
            self,
            DeliveryKind::Regulator
                | DeliveryKind::Supplement
                | DeliveryKind::RegulatorReminder
                | DeliveryKind::Escalation
        )
    }
}

/// What the workflow takes from the configuration: how to address the
/// messages it queues, and how long the deadlines it starts run.
#[derive(Debug, Clone)]
pub struct Addressing {
    /// Deadlines in working days (see `calendar`).
    pub deadlines: super::calendar::DeadlinePolicy,
    /// Display name and address of the default regulator inbox.
    pub inbox_name: Option<String>,
    pub inbox_email: String,
    /// The domain part of generated Message-IDs (the sender's domain).
    pub message_id_domain: String,
    /// Notices one reporter mailbox may receive (per day); beyond it they
    /// are not queued, so the service cannot be used to flood an inbox.
    pub notices_per_mailbox: Option<super::throttle::Bucket>,
}

impl Addressing {
    /// A new, globally unique Message-ID for a delivery: generated once and
    /// reused by every re-send, so the receiving side can recognise copies.
    pub fn new_message_id(&self, kind: DeliveryKind) -> String {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        format!(
            "<{}.{}@{}>",
            hex::encode(bytes),
            kind.code(),
            self.message_id_domain
        )
    }

    /// The default inbox's display name.
    pub fn inbox_display_name(&self) -> String {
        self.inbox_name
            .clone()
            .unwrap_or_else(|| "监管部门".to_owned())
    }
}

/// How a failed attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later: connection refused, timeout, 4xx, TLS trouble.
    Temporary,
    /// The server said no for good (5xx).
    Permanent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubled per further failure.
    pub base: Duration,
    /// No delay is longer than this.
    pub cap: Duration,
    /// No attempt is scheduled later than this after the window started.
    pub window: Duration,
}

impl RetryPolicy {
    pub fn new(base_secs: u64, window_secs: u64) -> Self {
        let secs = |s: u64| Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
        RetryPolicy {
            base: secs(base_secs.max(1)),
            cap: Duration::hours(1),
            window: secs(window_secs),
        }
    }

    /// The delay before attempt `failures + 1`, before jitter.
    pub fn backoff(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(30);
        let factor = 1i32 << exponent;
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    RetryAt(NaiveDateTime),
    GiveUp,
}

/// What follows a failed attempt. `failures` counts this one; `jitter` is a
/// random number in [0, 1) that spreads the retry over the upper half of the
/// delay ("equal jitter"), so a recovering server is not hit by every
/// delivery at the same instant.
pub fn after_failure(
    policy: &RetryPolicy,
    failure: Failure,
    failures: u32,
    window_started: NaiveDateTime,
    now: NaiveDateTime,
    jitter: f64,
) -> NextStep {
    if failure == Failure::Permanent {
        return NextStep::GiveUp;
    }
    let delay = policy.backoff(failures);
    let jitter = jitter.clamp(0.0, 1.0);
    let millis = delay.num_milliseconds() as f64;
    let jittered = Duration::milliseconds((millis * (0.5 + 0.5 * jitter)) as i64);
    let at = now + jittered;
    if at > window_started + policy.window {
        NextStep::GiveUp
    } else {
        NextStep::RetryAt(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .expect("time")
            .naive_utc()
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for &kind in DeliveryKind::ALL {
            assert_eq!(DeliveryKind::from_code(kind.code()), Some(kind));
        }
        for &status in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::from_code(status.code()), Some(status));
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_caps_at_an_hour() {
        let policy = RetryPolicy::new(30, 3 * 86_400);
        let delays: Vec<i64> = (1..=10).map(|n| policy.backoff(n).num_seconds()).collect();
        assert_eq!(
            delays,
            vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
        );
        assert_eq!(policy.backoff(1000).num_seconds(), 3600);
    }

    #[test]
    fn jitter_spreads_over_the_upper_half_of_the_delay() {
        let policy = RetryPolicy::new(30, 3 * 86_400);
        let now = t0();
        let earliest = after_failure(&policy, Failure::Temporary, 3, now, now, 0.0);
        let latest = after_failure(&policy, Failure::Temporary, 3, now, now, 0.999_999);
        assert_eq!(earliest, NextStep::RetryAt(now + Duration::seconds(60)));
        match latest {
            NextStep::RetryAt(at) => {
                assert!(at > now + Duration::seconds(119) && at <= now + Duration::seconds(120))
            }
            NextStep::GiveUp => panic!("within the window"),
        }
    }

    #[test]
    fn a_permanent_failure_gives_up_at_once() {
        let policy = RetryPolicy::new(30, 3 * 86_400);
        assert_eq!(
            after_failure(&policy, Failure::Permanent, 1, t0(), t0(), 0.5),
            NextStep::GiveUp
        );
    }

    #[test]
    fn retries_stop_after_the_window() {
        let policy = RetryPolicy::new(30, 3 * 86_400);
        let start = t0();
        // Simulate a server that never comes back: count the attempts made.
        let mut now = start;
        let mut failures = 0;
        loop {
            failures += 1;
            match after_failure(&policy, Failure::Temporary, failures, start, now, 0.5) {
                NextStep::RetryAt(at) => {
                    assert!(at > now);
                    assert!(at <= start + Duration::days(3));
                    now = at;
                }
                NextStep::GiveUp => break,
            }
        }
        // 8 ramping attempts, then about one every 45 minutes for ~3 days.
        assert!((90..=110).contains(&failures), "{failures} attempts");
        assert!(now > start + Duration::days(3) - Duration::hours(1));
    }
}
