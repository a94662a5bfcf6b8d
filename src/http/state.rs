//! What every handler may use.

use std::sync::Arc;

use crate::cases::Workflow;
use crate::db::DbPool;
use crate::evidence::Intake;
use crate::keys::SigningKey;
use crate::login::LoginSettings;
use crate::throttle::Limits;

/// Settings handlers need beyond the pool and the intake.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_idle_minutes: u32,
    pub cookie_secure: bool,
    /// Behind a reverse proxy: forwarded headers are believed (see `extract::client_ip`).
    pub trust_proxy: bool,
    /// Proxies beyond the peer whose `X-Forwarded-For` entries are skipped.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The origin pages are served from (`QINGLANG_PUBLIC_URL`), when set.
    pub public_origin: Option<String>,
    /// The bearer token the hotline blocklist asks for, if any.
    pub blocklist_token: Option<String>,
}

pub struct AppState {
    /// For reads; every change to a case goes through `cases`.
    pub pool: DbPool,
    pub cases: Workflow,
    pub intake: Intake,
    /// Signs and checks the links in our emails, and keys reporters'
    /// identities for the signals.
    pub keys: Arc<SigningKey>,
    pub limits: Limits,
    pub login: LoginSettings,
    pub settings: Settings,
}
