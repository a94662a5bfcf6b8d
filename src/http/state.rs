//! What every handler may use.

use std::sync::Arc;

use crate::cases::Workflow;
use crate::db::DbPool;
use crate::evidence::Intake;
use crate::keys::SigningKey;

/// Settings handlers need beyond the pool and the intake.
#[derive(Debug, Clone)]
pub struct Settings {
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    pub cookie_secure: bool,
    pub trust_proxy: bool,
}

pub struct AppState {
    /// For reads; every change to a case goes through `cases`.
    pub pool: DbPool,
    pub cases: Workflow,
    pub intake: Intake,
    /// Signs and checks the links in our emails, and keys reporters'
    /// identities for the signals.
    pub keys: Arc<SigningKey>,
    pub settings: Settings,
}
