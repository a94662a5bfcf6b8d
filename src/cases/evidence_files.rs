//! Evidence files and their rows, all or nothing: the staged files are
//! committed to the store first (outside the transaction, so the SQLite
//! write lock is never held across an fsync), then the rows go in; if
//! either step fails, the committed files are removed again. A crash
//! between the two leaves files without rows, which the orphan sweep
//! removes.

use chrono::NaiveDateTime;

use crate::db::evidence::{self, NewEvidence};
use crate::db::{DbConnection, DbPool};
use crate::domain::signals::image_hash::Fingerprint;
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

/// Evidence whose bytes are committed to the store, awaiting its row.
pub struct CommittedEvidence {
    key: String,
    display_name: String,
    content_type: &'static str,
    size: u64,
    sha256: String,
    original_size: u64,
    original_sha256: String,
    dimensions: Option<(u32, u32)>,
    fingerprint: Option<Fingerprint>,
}

fn commit_file(
    store: &dyn EvidenceStore,
    file: ProcessedEvidence,
) -> Result<CommittedEvidence, AppError> {
    store
        .commit(file.staged, &file.key)
        // The store is down or refused: nothing is half-stored (the caller
        // removes what was committed) and the reporter may simply retry.
        .map_err(|e| AppError::Unavailable(format!("committing evidence to the store: {e}")))?;
    Ok(CommittedEvidence {
        key: file.key,
        display_name: file.display_name,
        content_type: file.kind.content_type(),
        size: file.size,
        sha256: file.sha256,
        original_size: file.original_size,
        original_sha256: file.original_sha256,
        dimensions: file.dimensions,
        fingerprint: file.fingerprint,
    })
}

/// Commits `files` to the store, then takes a database connection from
/// `pool` and runs `write` (which inserts their rows with [`insert_rows`]);
/// if either step fails, the committed files are removed again. No
/// connection is held while the files travel (to a bucket, that is network
/// time other filings could use the connection for).
pub fn with_committed_files<T>(
    pool: &DbPool,
    store: &dyn EvidenceStore,
    files: Vec<ProcessedEvidence>,
    write: impl FnOnce(&mut DbConnection, &[CommittedEvidence]) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut committed = Vec::with_capacity(files.len());
    let mut result = Ok(());
    for file in files {
        match commit_file(store, file) {
            Ok(meta) => committed.push(meta),
            Err(error) => {
                result = Err(error);
                break;
            }
        }
    }
    let result = result.and_then(|()| {
        let mut conn = pool.get()?;
        write(&mut conn, &committed)
    });
    if result.is_err() {
        for file in &committed {
            if let Err(error) = store.delete(&file.key) {
                tracing::warn!(key = %file.key, %error, "could not remove evidence of a failed write; the sweep will");
            }
        }
    }
    result
}

/// The rows of committed files, for a report (or one of its replies).
pub fn insert_rows(
    conn: &mut DbConnection,
    report_id: i64,
    reply_id: Option<i64>,
    files: &[CommittedEvidence],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for file in files {
        evidence::insert(
            conn,
            NewEvidence {
                report_id,
                reply_id,
                storage_key: &file.key,
                display_name: &file.display_name,
                content_type: file.content_type,
                size_bytes: file.size,
                sha256: &file.sha256,
                original_sha256: &file.original_sha256,
                original_size_bytes: file.original_size,
                dimensions: file.dimensions,
                fingerprint: file.fingerprint.as_ref(),
                created_at: now,
            },
        )?;
    }
    Ok(())
}
