//! The `qinglang` command: serves by default; `migrate` applies migrations.

use clap::{Parser, Subcommand};
use qinglang::config::LogFormat;
use qinglang::{Application, Config};
use tracing_subscriber::EnvFilter;

/// 清朗 Qinglang — consumer fraud reports: intake, moderation, forwarding to regulators.
///
/// Every setting has a default: a bare `qinglang` serves the report form at
/// http://127.0.0.1:8080 with a SQLite database and evidence under ./data.
/// Set DATABASE_URL=postgres://… to use PostgreSQL. Logs: RUST_LOG (default info).
#[derive(Debug, Parser)]
#[command(name = "qinglang", version, about, long_about)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API, the consumer pages and background work (the default).
    Serve,
    /// Run only the background workers: mail outbox and fraud signals (any number may run beside the servers).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// The Ed25519 keys that sign the case files sent to regulators.
    Keys {
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Development tools.
    Dev {
        #[command(subcommand)]
        action: DevCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// Fill the database with synthetic cases (for benchmarks and trying the UI).
    Seed {
        #[arg(long, default_value_t = 1000)]
        cases: u64,
        /// Also add this many screenshot rows with random perceptual hashes
        /// (rows only, for the similar-screenshot benchmark).
        #[arg(long, default_value_t = 0)]
        images: u64,
        /// Also turn this many of the cases into validated fake-hotline
        /// cases, each with its own number (the hotline benchmark).
        #[arg(long, default_value_t = 0)]
        hotlines: u64,
        /// And this many more, only reported, that give those numbers again.
        #[arg(long, default_value_t = 0)]
        hotline_rings: u64,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a key that signs from now on; earlier keys are retired but stay
    /// published at /.well-known/qinglang-signing-keys.json, so what they
    /// signed still verifies.
    Rotate,
    /// List the keys: id, created, retired.
    List,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input, never from the command line.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "moderator"])]
        role: String,
        /// Read the password (one line) from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

/// Decoding a photo allocates and frees tens of megabytes at a time, on many
/// threads. glibc raises its mmap threshold after each such free, so later
/// large buffers come from per-thread arenas that keep the memory: twenty
/// 8 MB JPEGs at once left the process at 306 MiB, several times its live
/// memory (`cargo bench --bench intake_load`). A fixed threshold keeps every
/// buffer over 128 KiB in its own mapping, returned when freed (81 MiB).
/// (mimalloc and its thread-local heaps did worse here: 201 MiB.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn return_large_buffers_to_the_system() {
    // SAFETY: mallopt only sets an allocator parameter; it is called once,
    // first thing in main, before any other thread exists.
    let accepted = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024) };
    if accepted != 1 {
        eprintln!("warning: could not set the malloc mmap threshold");
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_system() {}

fn main() -> anyhow::Result<()> {
    return_large_buffers_to_the_system();
    let cli = Cli::parse();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    match cli.config.log_format {
        LogFormat::Text => tracing_subscriber::fmt().with_env_filter(filter).init(),
        // One object per line; the request's span (id, method, route) as
        // `span`, the event's fields at the top level.
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init(),
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        Command::Worker => actix_web::rt::System::new().block_on(qinglang::run_worker(cli.config)),
        Command::Migrate => {
            qinglang::db::migrate_url(&cli.config.database_url())?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::User { action } => user_command(&cli.config, action),
        Command::Keys { action } => keys_command(&cli.config, action),
        Command::Dev {
            action:
                DevCommand::Seed {
                    cases,
                    images,
                    hotlines,
                    hotline_rings,
                },
        } => {
            let pool = qinglang::db::connect(&cli.config.database_url(), 1, None)?;
            let mut conn = pool.get()?;
            let assignees: Vec<i64> = qinglang::db::users::list(&mut conn)
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?
                .iter()
                .map(|u| u.id)
                .collect();
            let started = std::time::Instant::now();
            qinglang::dev::seed(&mut conn, cases, &assignees, |done| {
                if done % 50_000 == 0 || done == cases {
                    eprintln!(
                        "seeded {done}/{cases} cases ({:.0} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            })
            .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            if images > 0 {
                qinglang::dev::seed_images(&mut conn, images, |done| {
                    if done % 100_000 == 0 || done == images {
                        eprintln!(
                            "seeded {done}/{images} screenshot hashes ({:.0} s)",
                            started.elapsed().as_secs_f64()
                        );
                    }
                })
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            }
            if hotlines > 0 {
                qinglang::dev::seed_hotlines(&mut conn, hotlines, hotline_rings, |done| {
                    eprintln!(
                        "seeded {done}/{} hotline cases ({:.0} s)",
                        hotlines + hotline_rings,
                        started.elapsed().as_secs_f64()
                    );
                })
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            }
            Ok(())
        }
    }
}

fn user_command(config: &Config, action: UserCommand) -> anyhow::Result<()> {
    use qinglang::db::users;
    use qinglang::domain::account::{normalize_email, Role};
    let pool = qinglang::db::connect(&config.database_url(), 1, None)?;
    let mut conn = pool.get()?;
    let fail = |e: qinglang::error::AppError| anyhow::anyhow!("{}", describe(&e));
    match action {
        UserCommand::Add { email, role, .. } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let role = Role::from_code(&role)
                .ok_or_else(|| anyhow::anyhow!("role must be admin or moderator"))?;
            let id = qinglang::accounts::create(&mut conn, &email, role, password).map_err(fail)?;
            println!(
                "created {} account {} (id {id})",
                role.code(),
                normalize_email(&email)
            );
        }
        UserCommand::List => {
            for user in users::list(&mut conn).map_err(fail)? {
                let state = if user.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}\t{}", user.id, user.email, user.role, state);
            }
        }
        UserCommand::Disable { email } => {
            let user = users::find_by_email(&mut conn, &normalize_email(&email))
                .map_err(fail)?
                .ok_or_else(|| anyhow::anyhow!("no account {email}"))?;
            qinglang::accounts::disable(&mut conn, user.id, None).map_err(fail)?;
            println!("disabled {}", user.email);
        }
    }
    Ok(())
}

fn keys_command(config: &Config, action: KeysCommand) -> anyhow::Result<()> {
    let pool = qinglang::db::connect(&config.database_url(), 1, None)?;
    let mut conn = pool.get()?;
    let fail = |e: qinglang::error::AppError| anyhow::anyhow!("{}", describe(&e));
    match action {
        KeysCommand::Rotate => {
            let secret = qinglang::keys::SigningKey::load_or_create(
                config.secret_key.as_deref(),
                &config.data_dir,
            )?;
            let now = chrono::Utc::now().naive_utc();
            let key = qinglang::case_signing::rotate(&mut conn, &secret, now).map_err(fail)?;
            println!("signing key {} now signs case files", key.id);
            print!("{}", key.public_key_pem);
        }
        KeysCommand::List => {
            for key in qinglang::db::signing_keys::all(&mut conn).map_err(fail)? {
                let retired = key
                    .retired_at
                    .map_or_else(|| "active".to_owned(), |t| format!("retired {t}"));
                println!("{}	{}	{retired}", key.id, key.created_at);
            }
        }
    }
    Ok(())
}

/// A CLI-friendly line for an error, with per-field messages.
fn describe(error: &qinglang::error::AppError) -> String {
    use qinglang::error::AppError;
    match error {
        AppError::Validation(errors) | AppError::Conflict { errors, .. } if !errors.is_empty() => {
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ")
        }
        other => other.to_string(),
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config.clone()).await?;
        tracing::info!(
            "serving on http://{}:{} (data in {})",
            config.bind.ip(),
            app.port(),
            config.data_dir.display()
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}
