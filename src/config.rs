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

    /// Take the client address from `X-Forwarded-For`/`Forwarded` (only behind a trusted proxy).
    #[arg(
        long,
        env = "QINGLANG_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "QINGLANG_WORKERS", global = true)]
    pub workers: Option<usize>,
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

    pub fn upload_limits(&self) -> crate::evidence::UploadLimits {
        crate::evidence::UploadLimits {
            max_file_bytes: self.max_file_bytes,
            max_files: self.max_files,
            max_total_bytes: self.max_total_bytes,
            max_image_pixels: self.max_image_pixels,
        }
    }

    /// A configuration for tests and tools: defaults everywhere, the given data directory,
    /// an ephemeral port on loopback.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: data_dir.into(),
            database_url: None,
            db_pool_size: 16,
            max_file_bytes: 10 * MIB,
            max_files: 10,
            max_total_bytes: 40 * MIB,
            max_image_pixels: 40_000_000,
            session_idle_minutes: 60,
            session_max_hours: 12,
            cookie_secure: false,
            trust_proxy: false,
            workers: Some(2),
        }
    }
}
