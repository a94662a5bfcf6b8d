//! 清朗 Qinglang: consumers report fraud (fake reviews, fake shipments, fake
//! hotlines) with evidence; moderators triage; regulators receive real cases.
//!
//! [`Application::build`] assembles the whole service from a [`Config`]; the
//! binary and the integration tests both start it that way.

pub mod accounts;
pub mod auth;
pub mod config;
pub mod db;
pub mod dev;
pub mod domain;
pub mod error;
pub mod evidence;
pub mod http;
pub mod sweep;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

pub use config::Config;
use evidence::{EvidenceStore, FsStore, Intake};
use http::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Migrates the database, opens the evidence store and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
        let database_url = config.database_url();
        let pool_size = config.db_pool_size;
        let pool = tokio::task::spawn_blocking(move || db::connect(&database_url, pool_size))
            .await
            .context("connecting to the database")??;
        let store: Arc<dyn EvidenceStore> = Arc::new(
            FsStore::open(config.data_dir.join("evidence"))
                .context("opening the evidence store")?,
        );
        {
            let (pool, data_dir) = (pool.clone(), config.data_dir.clone());
            let created =
                tokio::task::spawn_blocking(move || accounts::bootstrap_admin(&pool, &data_dir))
                    .await
                    .context("creating the first admin")??;
            if let Some(path) = created {
                tracing::warn!(
                    "no account existed: created admin {} with the password in {}",
                    accounts::INITIAL_ADMIN_EMAIL,
                    path.display()
                );
            }
        }
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            intake: Intake::new(config.upload_limits(), Arc::clone(&store)),
            settings: http::Settings {
                session_idle_minutes: config.session_idle_minutes,
                session_max_hours: config.session_max_hours,
                cookie_secure: config.cookie_secure,
                trust_proxy: config.trust_proxy,
            },
        });

        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap(http::security_headers())
                .wrap(tracing_actix_web::TracingLogger::default())
                .configure(http::routes)
        })
        .listen(listener)?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.run();
        tokio::spawn(sweep::run_periodically(pool, store));
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tools and tests that look behind the API.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
