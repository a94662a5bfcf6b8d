//! Mail: composing messages (templates under `templates/mail/`), the outbox
//! worker that sends due deliveries, and the transports (SMTP or files).

pub mod compose;
pub mod transport;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use tokio::sync::Notify;

use crate::config::Config;
use crate::domain::delivery::{Addressing, RetryPolicy};
use crate::keys::SigningKey;
use compose::Composer;
use transport::Transport;

/// Everything sending needs, shared by the HTTP handlers (which queue mail
/// and wake the worker) and the worker.
pub struct Mailer {
    pub transport: Transport,
    pub composer: Composer,
    pub addressing: Addressing,
    pub policy: RetryPolicy,
    /// Bounds one whole send (connect to final reply).
    pub send_timeout: Duration,
    /// How often the worker looks for due deliveries when nobody wakes it.
    pub poll: Duration,
    /// How often the worker scans for overdue cases and due reminders.
    pub reminder_scan: Duration,
    /// Wakes this process's worker when a transaction has queued mail
    /// (shared with the case workflow's wakers).
    pub wake: Arc<Notify>,
}

/// Who the outbox addresses: the default regulator inbox, and the domain
/// of our Message-IDs, from the configuration.
pub fn addressing(config: &Config) -> anyhow::Result<Addressing> {
    let from: Mailbox = config
        .mail_from
        .parse()
        .with_context(|| format!("QINGLANG_MAIL_FROM {:?} is not a mailbox", config.mail_from))?;
    let inbox: Mailbox = config.regulator_inbox.parse().with_context(|| {
        format!(
            "QINGLANG_REGULATOR_INBOX {:?} is not a mailbox",
            config.regulator_inbox
        )
    })?;
    Ok(Addressing {
        deadlines: crate::domain::calendar::DeadlinePolicy {
            moderation_working_days: config.moderation_deadline_working_days,
            acknowledgement_working_days: config.acknowledgement_deadline_working_days,
            consumer_answer_days: config.consumer_answer_deadline_days,
        },
        inbox_name: inbox.name.clone(),
        inbox_email: inbox.email.to_string(),
        message_id_domain: from.email.domain().to_owned(),
        notices_per_mailbox: crate::domain::throttle::Bucket::per(
            config.notice_limit_per_address,
            Duration::from_secs(24 * 3600),
        ),
    })
}

impl Mailer {
    pub fn from_config(
        config: &Config,
        public_url: String,
        key: Arc<SigningKey>,
        wake: Arc<Notify>,
    ) -> anyhow::Result<Self> {
        let from: Mailbox = config.mail_from.parse().with_context(|| {
            format!("QINGLANG_MAIL_FROM {:?} is not a mailbox", config.mail_from)
        })?;
        let send_timeout = Duration::from_secs(config.smtp_timeout_secs.max(1));
        let transport = Transport::from_config(
            config.smtp_url.as_deref(),
            &config.data_dir,
            send_timeout,
            config.smtp_pool_size,
        )?;
        Ok(Mailer {
            transport,
            addressing: addressing(config)?,
            composer: Composer {
                from,
                public_url,
                attachments_max_bytes: config.mail_attachments_max_bytes,
                link_ttl: chrono::Duration::hours(
                    i64::try_from(config.link_ttl_hours).unwrap_or(24 * 365),
                ),
                key,
                reply_to: match config.reply_to.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(text) => {
                        Some(text.parse().with_context(|| {
                            format!("QINGLANG_REPLY_TO {text:?} is not a mailbox")
                        })?)
                    }
                },
                response_link_ttl: chrono::Duration::days(i64::from(config.response_link_days)),
            },
            policy: RetryPolicy::new(config.mail_retry_base_secs, config.mail_retry_window_secs),
            send_timeout,
            poll: Duration::from_millis(config.mail_poll_ms.max(10)),
            reminder_scan: Duration::from_secs(config.reminder_scan_secs.max(1)),
            wake,
        })
    }
}
