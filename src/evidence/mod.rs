//! Evidence intake: uploads are spooled while they stream in, then each file
//! is sniffed, checked, stripped of metadata and hashed before it is staged
//! in the store, ready to be committed together with its database row.

pub mod budget;
pub mod inspect;
pub mod name;
pub mod ocr;
pub mod s3;
pub mod store;

use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::sync::Semaphore;

use crate::domain::signals::image_hash::Fingerprint;
use crate::error::{AppError, FieldError};
pub use budget::DecodeBudget;
pub use s3::{S3Settings, S3Store};
pub use store::{EvidenceStore, FsStore};

/// Upload limits, all configurable (see `Config`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct UploadLimits {
    pub max_file_bytes: u64,
    pub max_files: usize,
    pub max_total_bytes: u64,
    pub max_image_pixels: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EvidenceKind {
    Png,
    Jpeg,
    Webp,
    Pdf,
    Csv,
    Json,
}

impl EvidenceKind {
    pub const ALL: &'static [EvidenceKind] = &[
        EvidenceKind::Png,
        EvidenceKind::Jpeg,
        EvidenceKind::Webp,
        EvidenceKind::Pdf,
        EvidenceKind::Csv,
        EvidenceKind::Json,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            EvidenceKind::Png => "image/png",
            EvidenceKind::Jpeg => "image/jpeg",
            EvidenceKind::Webp => "image/webp",
            EvidenceKind::Pdf => "application/pdf",
            EvidenceKind::Csv => "text/csv",
            EvidenceKind::Json => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            EvidenceKind::Png => "png",
            EvidenceKind::Jpeg => "jpg",
            EvidenceKind::Webp => "webp",
            EvidenceKind::Pdf => "pdf",
            EvidenceKind::Csv => "csv",
            EvidenceKind::Json => "json",
        }
    }
}

/// Uploads at most this large stay in memory while they stream in; larger
/// ones spill to a staged file, so memory per upload stays bounded.
const SPOOL_MEMORY_BYTES: usize = 256 * 1024;

/// One uploaded file as it arrives: counted, hashed and spooled.
pub struct Spool {
    buffer: BytesMut,
    file: Option<NamedTempFile>,
    size: u64,
    hasher: Sha256,
}

impl Default for Spool {
    fn default() -> Self {
        Self::new()
    }
}

impl Spool {
    pub fn new() -> Self {
        Spool {
            buffer: BytesMut::new(),
            file: None,
            size: 0,
            hasher: Sha256::new(),
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn push(
        &mut self,
        chunk: &[u8],
        store: &Arc<dyn EvidenceStore>,
    ) -> Result<(), AppError> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.buffer.extend_from_slice(chunk);
        if self.buffer.len() >= SPOOL_MEMORY_BYTES {
            self.spill(store).await?;
        }
        Ok(())
    }

    async fn spill(&mut self, store: &Arc<dyn EvidenceStore>) -> Result<(), AppError> {
        let pending = self.buffer.split().freeze();
        let file = self.file.take();
        let store = Arc::clone(store);
        let file = actix_web::web::block(move || -> std::io::Result<NamedTempFile> {
            let mut file = match file {
                Some(file) => file,
                None => store.create_staged()?,
            };
            file.write_all(&pending)?;
            Ok(file)
        })
        .await?
        .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("spooling an upload")))?;
        self.file = Some(file);
        Ok(())
    }

    /// Completes the upload; large uploads are flushed to their staged file.
    pub async fn finish(mut self, store: &Arc<dyn EvidenceStore>) -> Result<UploadBody, AppError> {
        if self.file.is_some() && !self.buffer.is_empty() {
            self.spill(store).await?;
        }
        let sha256 = hex::encode(self.hasher.finalize());
        let size = self.size;
        Ok(match self.file {
            Some(file) => UploadBody {
                data: SpooledData::File(file),
                size,
                sha256,
            },
            None => UploadBody {
                data: SpooledData::Memory(self.buffer.freeze()),
                size,
                sha256,
            },
        })
    }
}

pub enum SpooledData {
    Memory(Bytes),
    File(NamedTempFile),
}

/// A complete upload with its size and the SHA-256 of the bytes as uploaded.
pub struct UploadBody {
    pub data: SpooledData,
    pub size: u64,
    pub sha256: String,
}

/// An upload from a form: its position (for error messages) and client name.
pub struct Upload {
    /// `evidence[i]`: where errors about this file point.
    pub field: String,
    pub client_name: Option<String>,
    pub body: UploadBody,
}

/// A checked file, staged in the store and ready to commit under `key`.
#[derive(Debug)]
pub struct ProcessedEvidence {
    pub key: String,
    pub display_name: String,
    pub kind: EvidenceKind,
    pub size: u64,
    pub sha256: String,
    pub original_size: u64,
    pub original_sha256: String,
    pub dimensions: Option<(u32, u32)>,
    /// Computed while checking the pixels (images only).
    pub fingerprint: Option<Fingerprint>,
    pub staged: NamedTempFile,
}

/// Checks uploads, bounded to one CPU-heavy job per core so a burst of
/// large images cannot starve the HTTP workers, and by the decode budget
/// (shared with the signals worker) so it cannot exhaust memory.
#[derive(Clone)]
pub struct Intake {
    pub limits: UploadLimits,
    pub store: Arc<dyn EvidenceStore>,
    permits: Arc<Semaphore>,
    budget: DecodeBudget,
}

/// One CPU-heavy job per core for intake's checks. The signals worker
/// queues for a turn on the same permits, first come first served, so its
/// background work waits behind a burst of filings instead of competing.
pub fn cpu_job_permits() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
}

impl Intake {
    pub fn new(
        limits: UploadLimits,
        store: Arc<dyn EvidenceStore>,
        budget: DecodeBudget,
        permits: Arc<Semaphore>,
    ) -> Self {
        Intake {
            limits,
            store,
            permits,
            budget,
        }
    }

    /// Checks every upload; all problems are reported together, naming each file.
    pub async fn process_all(
        &self,
        uploads: Vec<Upload>,
    ) -> Result<Vec<ProcessedEvidence>, AppError> {
        let mut processed = Vec::with_capacity(uploads.len());
        let mut errors = Vec::new();
        for (position, upload) in uploads.into_iter().enumerate() {
            let permit = Arc::clone(&self.permits)
                .acquire_owned()
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            let store = Arc::clone(&self.store);
            let limits = self.limits;
            let budget = self.budget.clone();
            let result = actix_web::web::block(move || {
                let _permit = permit;
                process(upload, position, &limits, store.as_ref(), &budget)
            })
            .await?;
            match result {
                Ok(evidence) => processed.push(evidence),
                Err(Outcome::Rejected(error)) => errors.push(error),
                Err(Outcome::Failed(error)) => return Err(AppError::Internal(error)),
            }
        }
        if errors.is_empty() {
            Ok(processed)
        } else {
            Err(AppError::Validation(errors))
        }
    }
}

enum Outcome {
    Rejected(FieldError),
    Failed(anyhow::Error),
}

impl From<std::io::Error> for Outcome {
    fn from(error: std::io::Error) -> Self {
        Outcome::Failed(anyhow::Error::new(error).context("processing evidence"))
    }
}

fn process(
    upload: Upload,
    position: usize,
    limits: &UploadLimits,
    store: &dyn EvidenceStore,
    budget: &DecodeBudget,
) -> Result<ProcessedEvidence, Outcome> {
    let Upload {
        field,
        client_name,
        body,
    } = upload;
    let rejected = |r: inspect::Rejection| {
        Outcome::Rejected(FieldError::new(field.clone(), r.code, r.message))
    };
    let UploadBody { data, size, sha256 } = body;

    let (kind, staged, stored_size, stored_sha256, dimensions, fingerprint) = match data {
        SpooledData::File(mut file) => match head_of(&mut file)? {
            // Large PDFs are checked at their two ends and kept as spooled, never read whole.
            head if head.starts_with(b"%PDF-") => {
                let (head, tail) = read_ends(&mut file)?;
                inspect::check_pdf(&head, &tail).map_err(rejected)?;
                (EvidenceKind::Pdf, file, size, sha256.clone(), None, None)
            }
            // Large PNGs stream from the spooled file to the staged one.
            head if head == *inspect::PNG_SIGNATURE => {
                let mut staged = store.create_staged()?;
                let mut sink = HashingWriter::new(BufWriter::new(staged.as_file_mut()));
                let mut source = BufReader::new(file.as_file_mut());
                let checked = inspect::copy_png_without_metadata(
                    &mut source,
                    &mut sink,
                    limits.max_image_pixels,
                )
                .map_err(|error| match error {
                    inspect::StreamError::Rejected(r) => rejected(r),
                    inspect::StreamError::Io(e) => e.into(),
                })?;
                let (stored_size, stored_sha256) = sink.finish()?;
                (
                    EvidenceKind::Png,
                    staged,
                    stored_size,
                    stored_sha256,
                    Some(checked.dimensions),
                    checked.fingerprint,
                )
            }
            _ => {
                // Reserved before the file is read: twenty large photos
                // arriving together wait here rather than all decode at once.
                let head = read_head(&mut file, 64 * 1024)?;
                let _reserved =
                    budget.reserve(inspect::check_cost(&head, size, limits.max_image_pixels));
                let mut buffer = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                file.rewind()?;
                file.read_to_end(&mut buffer)?;
                inspect_in_memory(Bytes::from(buffer), &sha256, limits, store, rejected)?
            }
        },
        SpooledData::Memory(bytes) => {
            let _reserved =
                budget.reserve(inspect::check_cost(&bytes, size, limits.max_image_pixels));
            inspect_in_memory(bytes, &sha256, limits, store, rejected)?
        }
    };
    let fallback = format!("evidence-{}.{}", position + 1, kind.extension());
    Ok(ProcessedEvidence {
        key: store::new_key(),
        display_name: name::sanitize_display_name(client_name.as_deref().unwrap_or(""), &fallback),
        kind,
        size: stored_size,
        sha256: stored_sha256,
        original_size: size,
        original_sha256: sha256,
        dimensions,
        fingerprint,
        staged,
    })
}

/// Kind, staged file, stored size and SHA-256, dimensions and fingerprint.
type Checked = (
    EvidenceKind,
    NamedTempFile,
    u64,
    String,
    Option<(u32, u32)>,
    Option<Fingerprint>,
);

/// Inspects a file held in memory and stages what is to be stored.
/// `sha256` is the upload's.
fn inspect_in_memory(
    bytes: Bytes,
    sha256: &str,
    limits: &UploadLimits,
    store: &dyn EvidenceStore,
    rejected: impl Fn(inspect::Rejection) -> Outcome,
) -> Result<Checked, Outcome> {
    let size = bytes.len();
    let inspected = inspect::inspect(bytes, limits.max_image_pixels).map_err(rejected)?;
    // A PNG's stored copy is its chunks kept, in order: as long as the
    // upload, it is the upload (nothing was stripped), whose hash we have.
    let unchanged = inspected.kind == EvidenceKind::Png && inspected.stored.len() == size;
    let stored_sha256 = if unchanged {
        sha256.to_owned()
    } else {
        hex::encode(Sha256::digest(&inspected.stored))
    };
    let mut staged = store.create_staged()?;
    staged.write_all(&inspected.stored)?;
    Ok((
        inspected.kind,
        staged,
        inspected.stored.len() as u64,
        stored_sha256,
        inspected.dimensions,
        inspected.fingerprint,
    ))
}

/// The first eight bytes of a spooled file (zeros past its end).
fn head_of(file: &mut NamedTempFile) -> std::io::Result<[u8; 8]> {
    let mut head = [0u8; 8];
    let read = read_head(file, head.len())?;
    head[..read.len()].copy_from_slice(&read);
    Ok(head)
}

/// Up to the first `limit` bytes of a spooled file.
fn read_head(file: &mut NamedTempFile, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit);
    file.rewind()?;
    Read::take(file.as_file_mut(), limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Writes through to `inner` while counting and hashing what was written.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            written: 0,
        }
    }

    /// Flushes and returns the size and hex SHA-256 of everything written.
    fn finish(mut self) -> std::io::Result<(u64, String)> {
        self.inner.flush()?;
        Ok((self.written, hex::encode(self.hasher.finalize())))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn read_ends(file: &mut NamedTempFile) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = vec![0u8; 1024];
    file.rewind()?;
    let n = file.read(&mut head)?;
    head.truncate(n);
    let length = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(length.saturating_sub(1024)))?;
    let mut tail = Vec::with_capacity(1024);
    file.read_to_end(&mut tail)?;
    Ok((head, tail))
}
