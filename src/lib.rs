//! 清朗 Qinglang: consumers report fraud (fake reviews, fake shipments, fake
//! hotlines) with evidence; moderators triage; regulators receive real cases.
//!
//! [`Application::build`] assembles the whole service from a [`Config`]; the
//! binary and the integration tests both start it that way.

pub mod accounts;
pub mod analysis;
pub mod auth;
pub mod config;
pub mod db;
pub mod dev;
pub mod domain;
pub mod error;
pub mod evidence;
pub mod http;
pub mod keys;
pub mod mail;
pub mod sweep;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use anyhow::Context;

pub use config::Config;
use db::DbPool;
use evidence::{DecodeBudget, EvidenceStore, FsStore, Intake};
use http::AppState;
use keys::SigningKey;
use mail::Mailer;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Migrates the database, opens the evidence store, binds the listener
    /// and starts the background work (the mail worker, the orphan sweep).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (pool, store) = open_storage(&config).await?;
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
        let listener =
            TcpListener::bind(config.bind).with_context(|| format!("binding {}", config.bind))?;
        let port = listener.local_addr()?.port();
        let public_url = match &config.public_url {
            Some(url) if !url.trim().is_empty() => config.public_base_url(),
            _ => format!("http://{}:{port}", config.bind.ip()),
        };
        let mailer = Arc::new(mailer_for(&config, public_url)?);
        let signals_wake = Arc::new(tokio::sync::Notify::new());
        let budget = DecodeBudget::new(config.decode_memory_bytes);
        let cpu = evidence::cpu_job_permits();
        let state = web::Data::new(AppState {
            signals_wake: Arc::clone(&signals_wake),
            pool: pool.clone(),
            intake: Intake::new(
                config.upload_limits(),
                Arc::clone(&store),
                budget.clone(),
                Arc::clone(&cpu),
            ),
            mailer: Arc::clone(&mailer),
            settings: http::Settings {
                session_idle_minutes: config.session_idle_minutes,
                session_max_hours: config.session_max_hours,
                cookie_secure: config.cookie_secure,
                trust_proxy: config.trust_proxy,
            },
        });

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
        if config.mail_worker {
            tokio::spawn(mail::worker::run(pool.clone(), Arc::clone(&store), mailer));
        }
        if config.signals_worker {
            tokio::spawn(analysis::run(
                pool.clone(),
                Arc::clone(&store),
                signals_wake,
                analysis_settings(&config, budget, cpu),
            ));
        }
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

/// Creates the data directory, connects (migrating) and opens the evidence store.
async fn open_storage(config: &Config) -> anyhow::Result<(DbPool, Arc<dyn EvidenceStore>)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let database_url = config.database_url();
    let pool_size = config.db_pool_size;
    let pool = tokio::task::spawn_blocking(move || db::connect(&database_url, pool_size))
        .await
        .context("connecting to the database")??;
    let store: Arc<dyn EvidenceStore> = Arc::new(
        FsStore::open(config.data_dir.join("evidence")).context("opening the evidence store")?,
    );
    Ok((pool, store))
}

fn analysis_settings(
    config: &Config,
    budget: DecodeBudget,
    cpu: Arc<tokio::sync::Semaphore>,
) -> analysis::Settings {
    analysis::Settings {
        poll: Duration::from_millis(config.mail_poll_ms.max(10)),
        max_pixels: config.max_image_pixels,
        ocr: config.ocr.then(evidence::ocr::Ocr::detect).flatten(),
        budget,
        cpu,
    }
}

fn mailer_for(config: &Config, public_url: String) -> anyhow::Result<Mailer> {
    let key = Arc::new(SigningKey::load_or_create(
        config.secret_key.as_deref(),
        &config.data_dir,
    )?);
    Mailer::from_config(config, public_url, key)
}

/// `qinglang worker`: the background workers (mail outbox, fraud signals),
/// no HTTP server. Any number
/// may run beside the servers; they share the work through the database.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let (pool, store) = open_storage(&config).await?;
    let mailer = Arc::new(mailer_for(&config, config.public_base_url())?);
    tokio::spawn(analysis::run(
        pool.clone(),
        Arc::clone(&store),
        Arc::new(tokio::sync::Notify::new()),
        analysis_settings(
            &config,
            DecodeBudget::new(config.decode_memory_bytes),
            evidence::cpu_job_permits(),
        ),
    ));
    mail::worker::run(pool, store, mailer).await;
    Ok(())
}
