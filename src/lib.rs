//! 清朗 Qinglang: consumers report fraud (fake reviews, fake shipments, fake
//! hotlines) with evidence; moderators triage; regulators receive real cases.
//!
//! [`Application::build`] assembles the whole service from a [`Config`]; the
//! binary and the integration tests both start it that way.
//!
//! Layers, each depending only on those below it:
//! `http` (thin handlers) → `cases` (the case workflow), `directory`,
//! `accounts`, `login`, `analysis`, `mail` → `db` (table-scoped queries) and
//! `evidence` (files) → `domain` (pure rules) — with `views` (the API's
//! response types) between `http`/`mail` and the rows.

pub mod accounts;
pub mod analysis;
pub mod auth;
pub mod case_signing;
pub mod cases;
pub mod config;
pub mod db;
pub mod dev;
pub mod directory;
pub mod domain;
pub mod error;
pub mod evidence;
pub mod http;
pub mod keys;
pub mod links;
pub mod login;
pub mod mail;
pub mod private_files;
pub mod sweep;
pub mod throttle;
pub mod views;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use cases::{Wakers, Workflow};
pub use config::Config;
use db::DbPool;
use evidence::{DecodeBudget, EvidenceStore, FsStore, Intake, S3Store};
use http::AppState;
use keys::SigningKey;
use mail::Mailer;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

/// Stops a running [`Application`] from elsewhere (a test, a signal handler).
#[derive(Clone)]
pub struct StopHandle {
    server: ServerHandle,
}

impl StopHandle {
    /// Stops accepting connections; with `graceful`, in-flight requests
    /// finish first. Resolves once the server has stopped.
    pub async fn stop(&self, graceful: bool) {
        self.server.stop(graceful).await;
    }
}

impl Application {
    /// Migrates the database, opens the evidence store, binds the listener
    /// and starts the background work (the mail and signals workers, the
    /// orphan sweep).
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
        let key = signing_key(&config)?;
        ensure_case_signing_key(&pool, &key).await?;
        let wakers = Wakers::default();
        let mailer = Arc::new(Mailer::from_config(
            &config,
            public_url,
            Arc::clone(&key),
            Arc::clone(&wakers.mail),
        )?);
        let budget = DecodeBudget::new(config.decode_memory_bytes);
        let cpu = evidence::cpu_job_permits();
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            cases: Workflow {
                pool: pool.clone(),
                store: Arc::clone(&store),
                addressing: mailer.addressing.clone(),
                wakers: wakers.clone(),
            },
            intake: Intake::new(
                config.upload_limits(),
                Arc::clone(&store),
                budget.clone(),
                Arc::clone(&cpu),
            ),
            keys: key,
            limits: throttle::Limits::from_config(&config),
            login: login::LoginSettings {
                session_max_hours: config.session_max_hours,
                limits: throttle::Limits::from_config(&config),
                argon2: Arc::new(tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(2, |n| n.get()),
                )),
                initial_password_file: accounts::initial_password_path(&config.data_dir),
            },
            settings: http::Settings {
                session_idle_minutes: config.session_idle_minutes,
                cookie_secure: config.cookie_secure,
                trust_proxy: config.trust_proxy,
                trusted_proxies: config.trusted_proxies.clone(),
                public_origin: config.public_origin(),
                blocklist_token: config.blocklist_token.clone().filter(|t| !t.is_empty()),
            },
        });

        let app_state = state.clone();
        let stall = Duration::from_secs(config.request_stall_secs.max(1));
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .wrap_fn(move |req, service| http::guard_stalls(req, service, stall))
                .wrap_fn(http::request_id_scope)
                .wrap(http::security_headers())
                .wrap(tracing_actix_web::TracingLogger::<http::RequestSpan>::new())
                .configure(http::routes)
        })
        .client_request_timeout(stall)
        .listen(listener)?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        let server = server.run();
        let (stop_workers, stopped) = watch::channel(false);
        let mut workers = Vec::new();
        if config.mail_worker {
            workers.push(tokio::spawn(until_stopped(
                stopped.clone(),
                mail::worker::run(pool.clone(), Arc::clone(&store), mailer),
            )));
        }
        if config.signals_worker {
            workers.push(tokio::spawn(until_stopped(
                stopped.clone(),
                analysis::run(
                    pool.clone(),
                    Arc::clone(&store),
                    Arc::clone(&wakers.signals),
                    analysis_settings(&config, budget, cpu),
                ),
            )));
        }
        workers.push(tokio::spawn(until_stopped(
            stopped,
            sweep::run_periodically(pool, store),
        )));
        Ok(Application {
            port,
            server,
            state,
            stop_workers,
            workers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tools and tests that look behind the API.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
        }
    }

    /// Serves until the server is stopped (by [`StopHandle::stop`] or a
    /// termination signal), then stops the background workers and waits for
    /// them, so nothing holds a database connection afterwards.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application {
            server,
            state,
            stop_workers,
            workers,
            ..
        } = self;
        let served = server.await;
        let _ = stop_workers.send(true);
        for worker in workers {
            let _ = worker.await;
        }
        drop(state);
        served
    }
}

/// Runs `work` until `stopped` turns true, then drops it where it stands:
/// like a crash, which the workers are built to survive — whatever a step
/// had leased is taken over by another worker when its lease ends, and a
/// mail resent then carries the same Message-ID.
async fn until_stopped(
    mut stopped: watch::Receiver<bool>,
    work: impl std::future::Future<Output = ()>,
) {
    tokio::select! {
        _ = work => {}
        _ = stopped.wait_for(|stop| *stop) => {}
    }
}

/// Creates the data directory, connects (migrating) and opens the evidence store.
async fn open_storage(config: &Config) -> anyhow::Result<(DbPool, Arc<dyn EvidenceStore>)> {
    private_files::dir(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let database_url = config.database_url();
    let pool_size = config.db_pool_size;
    let timeout = (config.db_statement_timeout_ms > 0)
        .then(|| Duration::from_millis(config.db_statement_timeout_ms));
    let pool = tokio::task::spawn_blocking(move || db::connect(&database_url, pool_size, timeout))
        .await
        .context("connecting to the database")??;
    let store: Arc<dyn EvidenceStore> = match config.s3_settings() {
        Some(settings) => {
            // Connecting and the probe block: off the async runtime.
            let store = tokio::task::spawn_blocking(move || -> anyhow::Result<S3Store> {
                let store = S3Store::connect(&settings)?;
                store.check()?;
                Ok(store)
            })
            .await
            .context("opening the evidence bucket")??;
            Arc::new(store)
        }
        None => Arc::new(
            FsStore::open(config.data_dir.join("evidence"))
                .context("opening the evidence store")?,
        ),
    };
    Ok((pool, store))
}

fn analysis_settings(
    config: &Config,
    budget: DecodeBudget,
    cpu: Arc<tokio::sync::Semaphore>,
) -> analysis::Settings {
    analysis::Settings {
        poll: Duration::from_millis(config.signals_poll_ms.max(10)),
        max_pixels: config.max_image_pixels,
        ocr: config
            .ocr
            .then(|| {
                evidence::ocr::Ocr::detect(Duration::from_secs(config.ocr_timeout_secs.max(1)))
            })
            .flatten(),
        budget,
        cpu,
    }
}

/// The Ed25519 key that signs case files exists from the first start, so
/// `/.well-known/qinglang-signing-keys.json` lists it before any email goes
/// out; a key this server's secret cannot unwrap stops the start.
async fn ensure_case_signing_key(pool: &db::DbPool, key: &Arc<SigningKey>) -> anyhow::Result<()> {
    let (pool, key) = (pool.clone(), Arc::clone(key));
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = pool.get().context("a database connection")?;
        case_signing::active_or_create(&mut conn, &key, chrono::Utc::now().naive_utc())
            .map_err(|e| anyhow::anyhow!("the case-file signing key: {e}"))?;
        Ok(())
    })
    .await
    .context("checking the case-file signing key")?
}

fn signing_key(config: &Config) -> anyhow::Result<Arc<SigningKey>> {
    Ok(Arc::new(SigningKey::load_or_create(
        config.secret_key.as_deref(),
        &config.data_dir,
    )?))
}

/// `qinglang worker`: the background workers (mail outbox, fraud signals),
/// no HTTP server. Any number may run beside the servers; they share the
/// work through the database.
pub async fn run_worker(config: Config) -> anyhow::Result<()> {
    let (pool, store) = open_storage(&config).await?;
    let wake = Arc::new(tokio::sync::Notify::new());
    let mailer = Arc::new(Mailer::from_config(
        &config,
        config.public_base_url(),
        signing_key(&config)?,
        wake,
    )?);
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
