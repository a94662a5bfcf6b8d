//! Removes what a crash can leave behind: staged uploads that were never
//! committed, and committed evidence files whose report never reached the
//! database. Files younger than the grace period are left alone, since
//! their transaction may still be running.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::db::{self, evidence, DbPool};
use crate::error::AppError;
use crate::evidence::EvidenceStore;

pub const GRACE: Duration = Duration::from_secs(3600);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub staged: usize,
    pub orphans: usize,
}

pub async fn sweep_once(
    pool: &DbPool,
    store: &Arc<dyn EvidenceStore>,
    grace: Duration,
) -> Result<Swept, AppError> {
    let store = Arc::clone(store);
    let cutoff = SystemTime::now() - grace;
    let pool = pool.clone();
    actix_web::web::block(move || -> Result<Swept, AppError> {
        let io = |e: std::io::Error| {
            AppError::Internal(anyhow::Error::new(e).context("sweeping evidence"))
        };
        let staged = store.sweep_staging(cutoff).map_err(io)?;
        let candidates = store.keys_committed_before(cutoff).map_err(io)?;
        let orphans = if candidates.is_empty() {
            Vec::new()
        } else {
            let mut conn = pool.get()?;
            evidence::unreferenced_keys(&mut conn, &candidates)?
        };
        for key in &orphans {
            store.delete(key).map_err(io)?;
        }
        Ok(Swept {
            staged,
            orphans: orphans.len(),
        })
    })
    .await?
}

/// Sweeps now and then every hour, for as long as the server runs.
pub async fn run_periodically(pool: DbPool, store: Arc<dyn EvidenceStore>) {
    let _ = db::ping(&pool).await;
    let mut interval = tokio::time::interval(GRACE);
    loop {
        interval.tick().await;
        match sweep_once(&pool, &store, GRACE).await {
            Ok(swept) if swept != Swept::default() => {
                tracing::info!(
                    staged = swept.staged,
                    orphans = swept.orphans,
                    "swept leftover evidence"
                )
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(?error, "evidence sweep failed"),
        }
        // Buckets idle for a day are full again: their rows can go.
        if let Err(error) = db::run(&pool, |conn| {
            db::rate_limits::forget_idle(conn, 24 * 3600 * 1000)
        })
        .await
        {
            tracing::warn!(?error, "forgetting idle rate limits failed");
        }
    }
}
