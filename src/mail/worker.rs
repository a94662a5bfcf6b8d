//! The outbox worker: claim due deliveries, compose, send, record the
//! outcome. Runs inside the server, or alone as `qinglang worker`; any
//! number of them may run against one database.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::{Rng, RngCore};

use super::compose::{ComposeContext, ComposeError, Composed};
use super::Mailer;
use crate::case_signing;
use crate::cases::{forwarding, reminders};
use crate::db::deliveries::{self, DeliveryRow};
use crate::db::signals::SignalRow;
use crate::db::{self, case_record, profiles, DbPool};
use crate::domain::delivery::{self, Failure, NextStep};
use crate::error::AppError;
use crate::evidence::EvidenceStore;

/// Deliveries sent at once. Each of these send slots claims one due
/// delivery just before it sends it, so every lease starts with its send and
/// covers it (claiming a batch and sending it in waves would let a late wave
/// outlive its lease and be sent by another worker too), and a slot that
/// finishes takes the next delivery at once.
const CONCURRENCY: usize = 4;

/// Runs until the process ends.
pub async fn run(pool: DbPool, store: Arc<dyn EvidenceStore>, mailer: Arc<Mailer>) {
    tracing::info!(transport = %mailer.transport.describe(), "mail worker started");
    let mut next_scan = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= next_scan {
            next_scan = tokio::time::Instant::now() + mailer.reminder_scan;
            scan_reminders(&pool, &mailer).await;
        }
        match run_once(&pool, &store, &mailer).await {
            Ok(0) => {}
            // More may be due: go again at once.
            Ok(_) => continue,
            Err(error) => tracing::warn!(%error, "mail worker: could not claim deliveries"),
        }
        tokio::select! {
            _ = mailer.wake.notified() => {}
            _ = tokio::time::sleep(mailer.poll) => {}
        }
    }
}

/// Queues the reminders that are due (see `cases::reminders`); what it
/// queued goes out with the next round of sends.
pub async fn scan_reminders(pool: &DbPool, mailer: &Arc<Mailer>) {
    let addressing = mailer.addressing.clone();
    let started = std::time::Instant::now();
    match db::run(pool, move |conn| {
        reminders::scan(conn, &addressing, Utc::now().naive_utc())
    })
    .await
    {
        Ok(scanned) if scanned.queued() > 0 => tracing::info!(
            ?scanned,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "reminders queued"
        ),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "reminder scan failed; it runs again later"),
    }
}

/// Sends due deliveries until none is left; returns how many were claimed.
pub async fn run_once(
    pool: &DbPool,
    store: &Arc<dyn EvidenceStore>,
    mailer: &Arc<Mailer>,
) -> Result<usize, AppError> {
    let slot = || async {
        let mut claimed = 0;
        while let Some((row, token)) = claim_one(pool, mailer).await? {
            deliver(pool, store, mailer, row, &token).await;
            claimed += 1;
        }
        Ok::<usize, AppError>(claimed)
    };
    let results = futures_util::future::join_all((0..CONCURRENCY).map(|_| slot())).await;
    let claimed: usize = results.iter().flatten().sum();
    match results.into_iter().find_map(Result::err) {
        Some(error) if claimed == 0 => Err(error),
        Some(error) => {
            tracing::warn!(%error, "mail worker: a send slot could not claim a delivery");
            Ok(claimed)
        }
        None => Ok(claimed),
    }
}

/// Claims the next due delivery under a fresh lease token.
async fn claim_one(
    pool: &DbPool,
    mailer: &Arc<Mailer>,
) -> Result<Option<(DeliveryRow, String)>, AppError> {
    let token = {
        let mut bytes = [0u8; 12];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    // The lease outlasts the longest a send can take (two tries, each bounded),
    // so no other worker takes a delivery this one is still sending.
    let lease = chrono::Duration::from_std(mailer.send_timeout * 2 + Duration::from_secs(60))
        .unwrap_or(chrono::Duration::hours(1));
    let claimed = {
        let token = token.clone();
        db::run(pool, move |conn| {
            let now = Utc::now().naive_utc();
            deliveries::claim(conn, now, now + lease, &token, 1)
        })
        .await?
    };
    Ok(claimed.into_iter().next().map(|row| (row, token)))
}

async fn deliver(
    pool: &DbPool,
    store: &Arc<dyn EvidenceStore>,
    mailer: &Arc<Mailer>,
    row: DeliveryRow,
    token: &str,
) {
    let composed = {
        let (row, store, mailer) = (row.clone(), Arc::clone(store), Arc::clone(mailer));
        db::run(pool, move |conn| {
            let case = case_record::load(conn, row.report_id)?;
            let signals = computed_signals(conn, row.report_id)?;
            let signer = if row.kind.carries_the_case() {
                Some(case_signing::active_or_create(
                    conn,
                    &mailer.composer.key,
                    Utc::now().naive_utc(),
                )?)
            } else {
                None
            };
            let original = match row.replies_to {
                Some(id) => Some(deliveries::find(conn, id)?),
                None => None,
            };
            let cx = ComposeContext {
                signals: signals.as_deref(),
                store: store.as_ref(),
                signer: signer.as_ref(),
                thread: original.as_ref().map(|o| (o, o.message_id.clone())),
                now: Utc::now(),
            };
            Ok(mailer.composer.compose(&row, &case, &cx))
        })
        .await
    };
    let outcome = match composed {
        Ok(Ok(Composed {
            envelope,
            raw,
            file_stem,
        })) => mailer
            .transport
            .send(&envelope, &raw, &file_stem, mailer.send_timeout)
            .await
            .map_err(|e| (e.failure, e.message)),
        Ok(Err(ComposeError { permanent, error })) => {
            let failure = if permanent {
                Failure::Permanent
            } else {
                Failure::Temporary
            };
            Err((failure, format!("composing: {error:#}")))
        }
        Err(error) => Err((Failure::Temporary, format!("loading the case: {error}"))),
    };
    match outcome {
        Ok(accepted) => {
            tracing::info!(
                delivery = row.id,
                kind = %row.kind,
                message_id = %row.message_id,
                to = %mask(&row.recipient_email),
                reply = %accepted.reply,
                "mail accepted"
            );
            let recorded = record(pool, {
                let (row, mailer) = (row.clone(), Arc::clone(mailer));
                move |conn| {
                    forwarding::delivery_accepted(
                        conn,
                        &row,
                        &accepted.reply,
                        &mailer.addressing,
                        Utc::now().naive_utc(),
                    )
                }
            })
            .await;
            if recorded == Some(true) {
                // The case moved to `forwarded` and queued the reporter's notice.
                mailer.wake.notify_one();
            }
        }
        Err((failure, message)) => {
            let now = Utc::now().naive_utc();
            let next = delivery::after_failure(
                &mailer.policy,
                failure,
                u32::try_from(row.attempts).unwrap_or(0).saturating_add(1),
                row.window_started_at,
                now,
                rand::rng().random::<f64>(),
            );
            match next {
                NextStep::RetryAt(at) => tracing::warn!(
                    delivery = row.id,
                    to = %mask(&row.recipient_email),
                    error = %message,
                    retry_at = %at,
                    "mail not sent; will retry"
                ),
                NextStep::GiveUp => tracing::error!(
                    delivery = row.id,
                    to = %mask(&row.recipient_email),
                    error = %message,
                    "mail failed for good"
                ),
            }
            let token = token.to_owned();
            record(pool, move |conn| {
                deliveries::mark_attempt_failed(conn, row.id, &token, &message, next, now)
            })
            .await;
        }
    }
}

/// The case's fraud signals, or `None` while they are still being computed.
fn computed_signals(
    conn: &mut db::DbConnection,
    report_id: i64,
) -> Result<Option<Vec<SignalRow>>, AppError> {
    let computed =
        profiles::find(conn, report_id)?.is_some_and(|p| p.signals_computed_at.is_some());
    if !computed {
        return Ok(None);
    }
    Ok(Some(db::signals::for_report(conn, report_id)?))
}

/// Records an outcome, trying a few times: if the database is briefly away,
/// giving up would send the message again once the lease expires.
async fn record<T, F>(pool: &DbPool, work: F) -> Option<T>
where
    F: Fn(&mut db::DbConnection) -> Result<T, AppError> + Send + Sync + Clone + 'static,
    T: Send + 'static,
{
    for attempt in 0..5u32 {
        match db::run(pool, work.clone()).await {
            Ok(value) => return Some(value),
            Err(error) => {
                tracing::warn!(%error, attempt, "could not record a mail outcome");
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
        }
    }
    None
}

/// `a***@example.com`: logs show which inbox without spelling it out.
fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_masked_in_logs() {
        assert_eq!(super::mask("zhang.san@example.com"), "z***@example.com");
        assert_eq!(super::mask("nonsense"), "***");
    }
}
