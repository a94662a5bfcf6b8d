//! The database: one connection type over SQLite and PostgreSQL, a pool, the
//! embedded migrations, and the transaction helper every write goes through.
//!
//! Each module below is scoped to one table (or, for `queue` and
//! `case_record`, one read across tables) and calls no workflow: the case
//! workflow in `crate::cases` composes them into transactions.

pub mod audit;
pub mod brands;
pub mod case_record;
pub mod deadlines;
pub mod deliveries;
pub mod dialect;
pub mod events;
pub mod evidence;
pub mod hotlines;
pub mod merchants;
pub mod notes;
pub mod profiles;
pub mod queue;
pub mod rate_limits;
pub mod regulators;
pub mod replies;
pub mod reports;
pub mod responses;
pub mod schema;
pub mod sessions;
pub mod signals;
pub mod signing_keys;
pub mod tracking_numbers;
pub mod types;
pub mod users;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// How long a SQLite writer waits for another writer before giving up with
/// "database is locked" (which we answer with 503, never 500).
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager>;
pub type PooledDb = PooledConnection<ConnectionManager>;

/// Which database a URL names. We decide from the scheme ourselves: the
/// derived `establish` would try each backend in turn, and SQLite accepts any
/// string as a file name — a PostgreSQL outage would silently create a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    Sqlite(PathBuf),
}

impl Backend {
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Backend::Postgres(url.to_owned());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Backend::Sqlite(PathBuf::from(path))
    }
}

/// Opens connections of the configured backend, each set up for concurrent use.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    /// PostgreSQL: how long one statement may run before it is cancelled.
    statement_timeout: Option<Duration>,
}

impl ConnectionManager {
    fn establish(&self) -> ConnectionResult<DbConnection> {
        match &self.backend {
            Backend::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url)?;
                // Times are stored as UTC `timestamp`s; make `now()` agree.
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                // No query may hold a pooled connection for ever (a search
                // too broad, a lock wait): it is cancelled and answered 503.
                if let Some(limit) = self.statement_timeout {
                    conn.batch_execute(&format!("SET statement_timeout = {}", limit.as_millis()))
                        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                }
                Ok(DbConnection::Postgresql(conn))
            }
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA foreign_keys = ON;
                     PRAGMA synchronous = NORMAL;"
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || <DbConnection as r2d2::R2D2Connection>::is_broken(conn)
    }
}

/// Connects, applies the embedded migrations of the backend, and builds the
/// pool. `statement_timeout` bounds each PostgreSQL statement (tools that
/// load in bulk pass `None`).
pub fn connect(
    url: &str,
    pool_size: u32,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<DbPool> {
    let backend = Backend::from_url(url);
    if let Backend::Sqlite(path) = &backend {
        create_parent_dir(path)?;
    }
    migrate(&ConnectionManager {
        backend: backend.clone(),
        statement_timeout: None,
    })?;
    let manager = ConnectionManager {
        backend,
        statement_timeout,
    };
    Pool::builder()
        .max_size(pool_size.max(1))
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .build(manager)
        .context("building the database pool")
}

/// Applies pending migrations; safe when several instances start at once.
pub fn migrate_url(url: &str) -> anyhow::Result<()> {
    let backend = Backend::from_url(url);
    if let Backend::Sqlite(path) = &backend {
        create_parent_dir(path)?;
    }
    migrate(&ConnectionManager {
        backend,
        statement_timeout: None,
    })
}

fn migrate(manager: &ConnectionManager) -> anyhow::Result<()> {
    let conn = manager
        .establish()
        .with_context(|| match &manager.backend {
            Backend::Postgres(_) => "connecting to PostgreSQL (DATABASE_URL)".to_string(),
            Backend::Sqlite(path) => format!("opening SQLite database {}", path.display()),
        })?;
    let migration_error = |e| anyhow::anyhow!("running migrations: {e}");
    match conn {
        DbConnection::Sqlite(mut conn) => {
            // WAL lets readers proceed while one writer commits; it persists in the file.
            conn.batch_execute("PRAGMA journal_mode = WAL;")?;
            conn.run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(migration_error)?;
        }
        DbConnection::Postgresql(mut conn) => {
            // Serialize concurrent starts of several instances.
            conn.batch_execute("SELECT pg_advisory_lock(7302418)")?;
            let result = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(migration_error);
            conn.batch_execute("SELECT pg_advisory_unlock(7302418)")?;
            result?;
        }
    }
    Ok(())
}

/// Prepares a SQLite database file: its folder and the file itself (and
/// its journal files, which SQLite creates with the file's mode) are
/// owner-only, since it holds reporters' contact details.
fn create_parent_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating directory {}", parent.display()))?;
    }
    if path.as_os_str() != ":memory:" {
        crate::private_files::file(path)
            .with_context(|| format!("creating {} owner-only", path.display()))?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut journal = path.as_os_str().to_owned();
            journal.push(suffix);
            crate::private_files::tighten_if_present(Path::new(&journal))
                .with_context(|| format!("restricting {}", path.display()))?;
        }
    }
    Ok(())
}

/// SQLite has one writer at a time. Threads of this process that want to
/// write queue here, and are woken the moment the writer finishes, instead
/// of in SQLite's busy handler, which polls in growing sleeps (up to 100 ms
/// each): under a burst of filings beside the background workers, those
/// sleeps made the tail latency. The busy timeout still covers other
/// processes (`qinglang worker`) and single-statement writes. (Several
/// SQLite databases in one process, as in the tests, share the queue.)
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `work` in a write transaction. On SQLite it starts with
/// `BEGIN IMMEDIATE`, so the write lock is taken up front and waits under the
/// busy timeout, instead of failing when a read later upgrades to a write.
/// Semantics otherwise match diesel's `Connection::transaction`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Inside another transaction, this one becomes a savepoint.
    let depth = DbConnection::transaction_manager_status_mut(conn).transaction_depth()?;
    if depth.is_some() {
        return conn.transaction(work);
    }
    // Held until the transaction ends, when this function returns.
    let _writer = match conn {
        DbConnection::Sqlite(inner) => {
            let writer = SQLITE_WRITER
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            Some(writer)
        }
        DbConnection::Postgresql(_) => {
            DbConnection::begin_transaction(conn)?;
            None
        }
    };
    match work(conn) {
        Ok(value) => {
            DbConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match DbConnection::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback_error) => Err(rollback_error.into()),
        },
    }
}

/// Runs blocking database work off the async workers, with a pooled connection.
pub async fn run<T, F>(pool: &DbPool, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

/// Whether the database answers (for `/readyz`).
pub async fn ping(pool: &DbPool) -> Result<(), AppError> {
    run(pool, |conn| {
        conn.batch_execute("SELECT 1")?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::{BigInt, Text};
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::domain::signals::image_hash::ImageHash;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .expect("count")
            .n
    }

    /// The hotline migration rebuilds `reports` on SQLite: a database made
    /// before it keeps every case, id, index, search entry, foreign key and
    /// the id sequence, and a shop-less report can be stored after it.
    #[test]
    fn an_existing_sqlite_database_keeps_its_cases_through_the_reports_rebuild() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.db");
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
        conn.batch_execute("PRAGMA foreign_keys = ON;").expect("fk");
        while conn
            .applied_migrations()
            .expect("applied")
            .iter()
            .all(|v| !v.to_string().contains("000007"))
        {
            conn.run_next_migration(SQLITE_MIGRATIONS).expect("migrate");
        }
        conn.batch_execute(
            "INSERT INTO reports (reference, tracking_code_hash, status, category, platform,
                 merchant_name, description, review_texts, consent_share_contact,
                 email_tracking_code, locale, created_at, updated_at, merchant_terms, search_terms)
             VALUES
                 ('QL-AAAA-AAAA', 'h', 'submitted', 'fake_review', 'taobao', '某某旗舰店', '刷单炒信',
                  '[]', 0, 0, 'zh-CN', '2026-11-01 00:00:00', '2026-11-01 00:00:00', '某某 旗舰', '刷单 单炒 炒信'),
                 ('QL-BBBB-BBBB', 'h', 'submitted', 'fake_review', 'taobao', '另一家', '空包',
                  '[]', 0, 0, 'zh-CN', '2026-11-02 00:00:00', '2026-11-02 00:00:00', '另一 一家', '空包');
             DELETE FROM reports WHERE reference = 'QL-BBBB-BBBB';
             INSERT INTO report_events (report_id, at, status) VALUES (1, '2026-11-01 00:00:00', 'submitted');",
        )
        .expect("old rows");
        conn.run_pending_migrations(SQLITE_MIGRATIONS)
            .expect("the rest");

        assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM reports"), 1);
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM reports_fts WHERE reports_fts MATCH '\"单炒 炒信\"'"
            ),
            1,
            "the search index still finds the old case"
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM pragma_foreign_keys WHERE foreign_keys = 1"
            ),
            1,
            "foreign keys are on again"
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"
            ),
            0
        );
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE tbl_name = 'reports' AND type IN ('index', 'trigger')"
            ),
            18,
            "every index and trigger is back"
        );
        conn.batch_execute(
            "INSERT INTO reports (reference, tracking_code_hash, status, category, description,
                 review_texts, consent_share_contact, email_tracking_code, locale, created_at,
                 updated_at, merchant_terms, search_terms)
             VALUES ('QL-CCCC-CCCC', 'h', 'submitted', 'fake_service_hotline', '假冒售后热线', '[]',
                 0, 0, 'zh-CN', '2026-12-07 00:00:00', '2026-12-07 00:00:00', '', '假冒 冒售');",
        )
        .expect("a report without shop or platform");
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
            #[diesel(sql_type = Text)]
            reference: String,
        }
        let newest: Id =
            diesel::sql_query("SELECT id, reference FROM reports ORDER BY id DESC LIMIT 1")
                .get_result(&mut conn)
                .expect("newest");
        assert_eq!(newest.reference, "QL-CCCC-CCCC");
        assert_eq!(newest.id, 3, "ids are never reused: the sequence survived");
        assert_eq!(
            count(
                &mut conn,
                "SELECT n FROM status_counts WHERE status = 'submitted'"
            ),
            2,
            "the status counters' triggers are back"
        );
        conn.batch_execute("DELETE FROM reports WHERE id = 1")
            .expect("delete");
        assert_eq!(
            count(&mut conn, "SELECT COUNT(*) AS n FROM report_events"),
            0,
            "deleting a case still cascades to its events"
        );
    }

    /// Runs `migrations` on `conn` until the one whose name holds `stop`
    /// (included).
    fn migrate_until<DB: diesel::backend::Backend>(
        conn: &mut impl MigrationHarness<DB>,
        migrations: impl Fn() -> EmbeddedMigrations,
        stop: &str,
    ) {
        while conn
            .applied_migrations()
            .expect("applied")
            .iter()
            .all(|v| !v.to_string().contains(stop))
        {
            conn.run_next_migration(migrations()).expect("migrate");
        }
    }

    /// Hashes whose halves exercise every bit, the sign of the column and
    /// of the 64-bit hash.
    const HASHES: [u64; 6] = [
        0,
        u64::MAX,
        0x8000_0000_0000_0000,
        0x4000_0000_0000_0001,
        0xF0E1_D2C3_B4A5_9687,
        0x5555_5555_AAAA_AAAA,
    ];

    /// The `phash_h0`/`phash_h1` a database filled in, by hash.
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Halves {
        #[diesel(sql_type = BigInt)]
        phash: i64,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        phash_h0: i32,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        phash_h1: i32,
    }

    const OLD_EVIDENCE: &str =
        "INSERT INTO reports (reference, tracking_code_hash, status, category,
             description, review_texts, consent_share_contact, email_tracking_code, locale,
             created_at, updated_at, merchant_terms, search_terms)
         VALUES ('QL-AAAA-AAAA', 'h', 'submitted', 'fake_review', '刷单', '[]', FALSE, FALSE,
             'zh-CN', '2026-11-01 00:00:00', '2026-11-01 00:00:00', '', '');";

    fn old_evidence_rows() -> String {
        HASHES
            .iter()
            .enumerate()
            .map(|(i, &hash)| {
                format!(
                    "INSERT INTO evidence (report_id, storage_key, display_name, content_type,
                         size_bytes, sha256, original_sha256, original_size_bytes, created_at, phash)
                     SELECT id, 'k{i}', 'a.png', 'image/png', 1, 's', 's', 1,
                         '2026-11-01 00:00:00', {} FROM reports;",
                    ImageHash(hash).to_i64()
                )
            })
            .collect()
    }

    fn expected_halves() -> Vec<Halves> {
        let mut expected: Vec<Halves> = HASHES
            .iter()
            .map(|&hash| {
                let [phash_h0, phash_h1] = crate::db::evidence::half_columns(ImageHash(hash));
                Halves {
                    phash: ImageHash(hash).to_i64(),
                    phash_h0,
                    phash_h1,
                }
            })
            .collect();
        expected.sort_by_key(|h| h.phash);
        expected
    }

    const HALVES_QUERY: &str = "SELECT phash, phash_h0, phash_h1 FROM evidence ORDER BY phash";

    /// The hash-halves migration fills in, in SQL, exactly the halves the
    /// code computes (`ImageHash::halves`), for hashes stored before it.
    #[test]
    fn the_hash_halves_migration_fills_in_what_the_code_computes_on_sqlite() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.db");
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open");
        migrate_until(&mut conn, || SQLITE_MIGRATIONS, "000013");
        conn.batch_execute(&format!("{OLD_EVIDENCE}{}", old_evidence_rows()))
            .expect("old rows");
        conn.run_pending_migrations(SQLITE_MIGRATIONS)
            .expect("the rest");
        let halves: Vec<Halves> = diesel::sql_query(HALVES_QUERY)
            .load(&mut conn)
            .expect("halves");
        assert_eq!(halves, expected_halves());
    }

    /// The same on PostgreSQL, in a database of its own, when `DATABASE_URL`
    /// names a server (as `.ci/run` does); without one there is nothing to
    /// run it on.
    #[test]
    fn the_hash_halves_migration_fills_in_what_the_code_computes_on_postgres() {
        let Some(admin_url) = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| url.starts_with("postgres"))
        else {
            return;
        };
        let name = format!("qinglang_halves_{}", std::process::id());
        let mut admin = PgConnection::establish(&admin_url).expect("connect");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let result = std::panic::catch_unwind(|| {
            let mut conn = PgConnection::establish(&format!("{base}/{name}")).expect("connect");
            migrate_until(&mut conn, || POSTGRES_MIGRATIONS, "000013");
            conn.batch_execute(&format!("{OLD_EVIDENCE}{}", old_evidence_rows()))
                .expect("old rows");
            conn.run_pending_migrations(POSTGRES_MIGRATIONS)
                .expect("the rest");
            diesel::sql_query(HALVES_QUERY)
                .load::<Halves>(&mut conn)
                .expect("halves")
        });
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .expect("drop");
        assert_eq!(result.expect("migrated"), expected_halves());
    }
}
