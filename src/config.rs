//! One typed configuration, read from the environment (or flags), with an
//! embedded default for every setting so that a bare `qinglang` serves.
//! `qinglang --help` prints every variable with its default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        env = "QINGLANG_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Directory for the default SQLite database, evidence files and spooled uploads.
    #[arg(
        long,
        env = "QINGLANG_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://…` selects PostgreSQL; anything else is a SQLite
    /// file path. Default: `<data dir>/qinglang.db`.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where evidence files live: `s3://bucket/prefix` for an S3-compatible
    /// object store (AWS S3, MinIO, Ceph, Garage). Default: the filesystem,
    /// under `<data dir>/evidence`. Uploads are still spooled and checked under
    /// the data directory first.
    #[arg(long, env = "QINGLANG_STORAGE_URL", global = true)]
    pub storage_url: Option<String>,

    /// The S3 service's address, for services other than AWS
    /// (`http://127.0.0.1:3900`); path-style addressing.
    #[arg(long, env = "QINGLANG_S3_ENDPOINT", global = true)]
    pub s3_endpoint: Option<String>,

    /// S3 credentials and region: the standard variables. Unset, the S3
    /// client's own defaults apply (e.g. an AWS instance role).
    #[arg(long, env = "AWS_ACCESS_KEY_ID", global = true, hide_env_values = true)]
    pub aws_access_key_id: Option<String>,

    #[arg(
        long,
        env = "AWS_SECRET_ACCESS_KEY",
        global = true,
        hide_env_values = true
    )]
    pub aws_secret_access_key: Option<String>,

    #[arg(long, env = "AWS_REGION", global = true)]
    pub aws_region: Option<String>,

    /// Seconds one request to the object store may take (each retry too).
    #[arg(
        long,
        env = "QINGLANG_S3_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub s3_timeout_secs: u64,

    /// Log lines as plain text (`text`) or as one JSON object per line
    /// (`json`: level, time, message, and the request's id, method and route).
    #[arg(
        long,
        env = "QINGLANG_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,

    /// Maximum number of pooled database connections.
    #[arg(
        long,
        env = "QINGLANG_DB_POOL_SIZE",
        default_value_t = 16,
        global = true
    )]
    pub db_pool_size: u32,

    /// Largest evidence file accepted, in bytes.
    #[arg(long, env = "QINGLANG_MAX_FILE_BYTES", default_value_t = 10 * MIB, global = true)]
    pub max_file_bytes: u64,

    /// Most evidence files in one report or reply.
    #[arg(long, env = "QINGLANG_MAX_FILES", default_value_t = 10, global = true)]
    pub max_files: usize,

    /// Largest total size of the evidence in one report or reply, in bytes.
    #[arg(long, env = "QINGLANG_MAX_TOTAL_BYTES", default_value_t = 40 * MIB, global = true)]
    pub max_total_bytes: u64,

    /// Largest image accepted, in pixels (width × height), checked from the header before decoding.
    #[arg(
        long,
        env = "QINGLANG_MAX_IMAGE_PIXELS",
        default_value_t = 40_000_000,
        global = true
    )]
    pub max_image_pixels: u64,

    /// Memory for decoding images at once (intake's checks and the signals
    /// worker's fingerprints together), in bytes. A JPEG or WebP image is
    /// decoded whole (a 12-megapixel photo holds ~60 MB); one larger than the
    /// budget is decoded alone. PNG is decoded row by row.
    #[arg(
        long,
        env = "QINGLANG_DECODE_MEMORY_BYTES",
        default_value_t = crate::evidence::budget::DEFAULT_BYTES,
        global = true
    )]
    pub decode_memory_bytes: u64,

    /// Minutes of inactivity after which a staff session expires.
    #[arg(
        long,
        env = "QINGLANG_SESSION_IDLE_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub session_idle_minutes: u32,

    /// Hours after which a staff session expires, however active.
    #[arg(
        long,
        env = "QINGLANG_SESSION_MAX_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_max_hours: u32,

    /// Mark the session cookie `Secure` (set this when served over HTTPS).
    #[arg(
        long,
        env = "QINGLANG_COOKIE_SECURE",
        default_value_t = false,
        global = true
    )]
    pub cookie_secure: bool,

    /// The service runs behind a reverse proxy that appends the client's
    /// address to `X-Forwarded-For` and sets `X-Forwarded-Host`/`-Proto`:
    /// the client is the right-most address not of a trusted proxy (the
    /// peer, and `QINGLANG_TRUSTED_PROXIES`). Off: forwarded headers are ignored.
    #[arg(
        long,
        env = "QINGLANG_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,

    /// Further proxies (addresses or CIDR ranges, comma-separated) whose
    /// `X-Forwarded-For` entries are skipped, for chains of proxies.
    #[arg(
        long,
        env = "QINGLANG_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_proxy,
        global = true
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Reports a client address may file per hour (0: no limit).
    #[arg(
        long,
        env = "QINGLANG_FILING_LIMIT_PER_ADDRESS",
        default_value_t = 20,
        global = true
    )]
    pub filing_limit_per_address: u32,

    /// Reports the whole service accepts per minute (0: no limit).
    #[arg(
        long,
        env = "QINGLANG_FILING_LIMIT_TOTAL",
        default_value_t = 600,
        global = true
    )]
    pub filing_limit_total: u32,

    /// Notices one reporter mailbox may receive per day (0: no limit).
    #[arg(
        long,
        env = "QINGLANG_NOTICE_LIMIT_PER_ADDRESS",
        default_value_t = 10,
        global = true
    )]
    pub notice_limit_per_address: u32,

    /// When set, `GET /api/v1/blocklist/hotlines` asks for this bearer
    /// token (given to the platforms that take numbers down); unset, the
    /// blocklist is public.
    #[arg(
        long,
        env = "QINGLANG_BLOCKLIST_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub blocklist_token: Option<String>,

    /// Seconds a request's headers or body may stall (no byte arriving)
    /// before the connection is closed.
    #[arg(
        long,
        env = "QINGLANG_REQUEST_STALL_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_stall_secs: u64,

    /// Milliseconds a PostgreSQL statement may run before it is cancelled
    /// (answered 503); 0 turns the limit off.
    #[arg(
        long,
        env = "QINGLANG_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub db_statement_timeout_ms: u64,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "QINGLANG_WORKERS", global = true)]
    pub workers: Option<usize>,

    /// The address of this service as people reach it, for links in emails
    /// (tracking page, evidence downloads, unsubscribe). Default: http://<bind>.
    #[arg(long, env = "QINGLANG_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// SMTP relay: `smtp://host:25` (plain), `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://user:password@host:465` (TLS). Without it, mail is
    /// written as .eml files under <data dir>/mail-outbox/.
    #[arg(long, env = "QINGLANG_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Seconds one SMTP send (connect to final reply) may take before it counts as failed.
    #[arg(
        long,
        env = "QINGLANG_SMTP_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub smtp_timeout_secs: u64,

    /// Pooled SMTP connections kept open.
    #[arg(
        long,
        env = "QINGLANG_SMTP_POOL_SIZE",
        default_value_t = 4,
        global = true
    )]
    pub smtp_pool_size: u32,

    /// Sender of every email.
    #[arg(
        long,
        env = "QINGLANG_MAIL_FROM",
        default_value = "清朗 Qinglang <noreply@qinglang.localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Where a validated case goes when no regulator in the directory matches it.
    #[arg(
        long,
        env = "QINGLANG_REGULATOR_INBOX",
        default_value = "监管部门收件箱 <inbox@regulator.localhost>",
        global = true
    )]
    pub regulator_inbox: String,

    /// First retry delay after a temporary mail failure, in seconds; doubled
    /// per attempt, capped at one hour.
    #[arg(
        long,
        env = "QINGLANG_MAIL_RETRY_BASE_SECS",
        default_value_t = 30,
        global = true
    )]
    pub mail_retry_base_secs: u64,

    /// How long a delivery is retried before it is marked failed, in seconds (default three days).
    #[arg(
        long,
        env = "QINGLANG_MAIL_RETRY_WINDOW_SECS",
        default_value_t = 3 * 24 * 3600,
        global = true
    )]
    pub mail_retry_window_secs: u64,

    /// How often the mail worker looks for due deliveries, in milliseconds
    /// (it is also woken at once by new mail from this instance).
    #[arg(
        long,
        env = "QINGLANG_MAIL_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub mail_poll_ms: u64,

    /// How often the signals worker looks for cases to compute, in
    /// milliseconds (it is also woken at once by filings on this instance).
    #[arg(
        long,
        env = "QINGLANG_SIGNALS_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    pub signals_poll_ms: u64,

    /// Evidence attached to a regulator's email, in total bytes; the rest is linked.
    #[arg(long, env = "QINGLANG_MAIL_ATTACHMENTS_MAX_BYTES", default_value_t = 20 * MIB, global = true)]
    pub mail_attachments_max_bytes: u64,

    /// Lifetime of the signed evidence download links in emails, in hours.
    #[arg(
        long,
        env = "QINGLANG_LINK_TTL_HOURS",
        default_value_t = 14 * 24,
        global = true
    )]
    pub link_ttl_hours: u64,

    /// Days a regulator's response link (`/respond/<token>`, one per
    /// delivery) keeps working after the case was sent.
    #[arg(
        long,
        env = "QINGLANG_RESPONSE_LINK_DAYS",
        default_value_t = 180,
        global = true
    )]
    pub response_link_days: u32,

    /// Working days for a moderation decision after filing (12315: 7).
    #[arg(
        long,
        env = "QINGLANG_MODERATION_DEADLINE_WORKING_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub moderation_deadline_working_days: u32,

    /// Working days for a regulator to acknowledge (accept or decline) a
    /// forwarded case; a reminder then, and after as many again an
    /// escalation to the default inbox.
    #[arg(
        long,
        env = "QINGLANG_ACKNOWLEDGEMENT_DEADLINE_WORKING_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub acknowledgement_deadline_working_days: u32,

    /// Days the reporter has to answer a question.
    #[arg(
        long,
        env = "QINGLANG_CONSUMER_ANSWER_DEADLINE_DAYS",
        default_value_t = 15,
        global = true
    )]
    pub consumer_answer_deadline_days: u32,

    /// Seconds between the workers' scans for overdue cases and due reminders.
    #[arg(
        long,
        env = "QINGLANG_REMINDER_SCAN_SECS",
        default_value_t = 300,
        global = true
    )]
    pub reminder_scan_secs: u64,

    /// Reply-To of regulator emails (a moderators' mailbox), e.g.
    /// `清朗审核组 <moderators@example.org>`. Unset: no Reply-To; the email
    /// points the officer to the response link.
    #[arg(long, env = "QINGLANG_REPLY_TO", global = true)]
    pub reply_to: Option<String>,

    /// Key that signs download and unsubscribe links (at least 32 characters).
    /// Default: a random key kept in <data dir>/secret-key. Instances that share
    /// a database must share this key.
    #[arg(
        long,
        env = "QINGLANG_SECRET_KEY",
        global = true,
        hide_env_values = true
    )]
    pub secret_key: Option<String>,

    /// Run the mail worker inside the server (`qinglang worker` runs it alone).
    #[arg(
        long,
        env = "QINGLANG_MAIL_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub mail_worker: bool,

    /// Compute fraud signals in the background inside the server (`qinglang worker` also does).
    #[arg(
        long,
        env = "QINGLANG_SIGNALS_WORKER",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub signals_worker: bool,

    /// Read text in screenshots with `tesseract` (Simplified Chinese data) when
    /// it is installed; `false` turns it off.
    #[arg(
        long,
        env = "QINGLANG_OCR",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub ocr: bool,

    /// CPU seconds tesseract may spend on one screenshot before it is
    /// stopped (the screenshot then counts as unreadable); wall-clock seconds
    /// where `prlimit` is not installed. Waiting for a busy CPU does not count:
    /// a read that got no CPU for 5 minutes is tried again later.
    #[arg(
        long,
        env = "QINGLANG_OCR_TIMEOUT_SECS",
        default_value_t = 20,
        global = true
    )]
    pub ocr_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// An address or a CIDR range.
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an address nor a CIDR range"))
}

impl Config {
    /// The database URL in effect: the explicit one, or the SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => self
                .data_dir
                .join("qinglang.db")
                .to_string_lossy()
                .into_owned(),
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn public_base_url(&self) -> String {
        match &self.public_url {
            Some(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
            _ => format!("http://{}", self.bind),
        }
    }

    /// The origin (`scheme://host[:port]`) of `QINGLANG_PUBLIC_URL`, when set.
    pub fn public_origin(&self) -> Option<String> {
        let url = url::Url::parse(self.public_url.as_deref()?.trim()).ok()?;
        Some(url.origin().ascii_serialization()).filter(|o| o != "null")
    }

    /// The S3 bucket's settings, when `QINGLANG_STORAGE_URL` names one.
    pub fn s3_settings(&self) -> Option<crate::evidence::S3Settings> {
        let url = self.storage_url.as_deref().map(str::trim)?;
        (!url.is_empty()).then(|| crate::evidence::S3Settings {
            url: url.to_owned(),
            endpoint: self.s3_endpoint.clone().filter(|e| !e.trim().is_empty()),
            access_key_id: self.aws_access_key_id.clone(),
            secret_access_key: self.aws_secret_access_key.clone(),
            region: self.aws_region.clone(),
            timeout: std::time::Duration::from_secs(self.s3_timeout_secs.max(1)),
            staging_dir: self.data_dir.join("staging"),
        })
    }

    pub fn upload_limits(&self) -> crate::evidence::UploadLimits {
        crate::evidence::UploadLimits {
            max_file_bytes: self.max_file_bytes,
            max_files: self.max_files,
            max_total_bytes: self.max_total_bytes,
            max_image_pixels: self.max_image_pixels,
        }
    }

    /// A configuration for tests and tools: every setting at its default
    /// (taken from the declarations above, ignoring the environment), the
    /// given data directory, an ephemeral port on loopback, two HTTP workers.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let command = Self::augment_args(clap::Command::new("qinglang"))
            .mut_args(|arg| arg.env(None::<&str>));
        let matches = command
            .try_get_matches_from(["qinglang"])
            .unwrap_or_else(|e| unreachable!("the defaults parse: {e}"));
        let mut config = <Self as clap::FromArgMatches>::from_arg_matches(&matches)
            .unwrap_or_else(|e| unreachable!("the defaults parse: {e}"));
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.data_dir = data_dir.into();
        config.workers = Some(2);
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_configuration_takes_the_declared_defaults() {
        let config = Config::for_data_dir("/tmp/x");
        assert_eq!(config.max_file_bytes, 10 * MIB);
        assert_eq!(config.mail_poll_ms, 1000);
        assert_eq!(config.signals_poll_ms, 1000);
        assert!(config.mail_worker && config.signals_worker && config.ocr);
        assert_eq!(config.database_url, None);
        assert_eq!(config.bind.port(), 0);
    }
}
