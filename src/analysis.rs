//! Fraud signals in the background: filing stays fast, and a case's signals
//! are computed (or recomputed, when new evidence or a related case arrives)
//! by a worker that claims dirty case profiles under a lease, gathers what
//! the pure rules in `domain::signals` need from the database and the
//! evidence store, and stores the signals and the priority.

use std::io::BufReader;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::RngCore;
use tokio::sync::{Notify, Semaphore};

use crate::db::{self, signals as store_signals, DbConnection, DbPool};
use crate::domain::catalog::Category;
use crate::domain::report::Logistics;
use crate::domain::signals::cross::{self, EvidenceFingerprint, ReporterIdentity};
use crate::domain::signals::image_hash::{self, ImageHash, SIMILAR_MAX_DISTANCE};
use crate::domain::signals::thumbnail::Thumbnail;
use crate::domain::signals::{self, logistics, CaseInput};
use crate::domain::{screenshot_text, search};
use crate::error::AppError;
use crate::evidence::budget::BYTES_PER_DECODED_PIXEL;
use crate::evidence::ocr::Ocr;
use crate::evidence::{DecodeBudget, EvidenceStore};
use crate::keys::SigningKey;

const BATCH: i64 = 8;
/// A computation that fails (e.g. the database went away) is retried after this.
const RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(60);
/// Cases up to this old gain a priority point a day, so they are refreshed daily.
const AGING_WINDOW: chrono::Duration = chrono::Duration::days(21);

/// The reporter's identity as opaque keys: a keyed hash of the contact
/// (email, else phone) and of the client's network (/24 for IPv4, /48 for
/// IPv6), so reports can be told apart without comparing personal data.
pub fn reporter_identity(
    key: &SigningKey,
    email: Option<&str>,
    phone: Option<&str>,
    client_ip: Option<&str>,
) -> ReporterIdentity {
    let contact = email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .or_else(|| {
            phone
                .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
                .filter(|p| !p.is_empty())
        })
        .map(|c| key.sign("reporter-contact", &c)[..32].to_owned());
    let network = client_ip
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .map(|ip| match ip {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2])
            }
        })
        .map(|n| key.sign("reporter-network", &n)[..32].to_owned());
    ReporterIdentity { contact, network }
}

/// Runs until the process ends.
/// What the signals worker needs beyond the pool and the store.
#[derive(Debug, Clone)]
pub struct Settings {
    pub poll: Duration,
    /// The image size limit of intake, also applied when hashing.
    pub max_pixels: u64,
    /// Reads text in screenshots, when installed.
    pub ocr: Option<Ocr>,
    /// Memory for decoding images, shared with intake.
    pub budget: DecodeBudget,
    /// Intake's CPU-heavy job permits: the worker queues for a turn behind
    /// filings (see `evidence::cpu_job_permits`).
    pub cpu: Arc<Semaphore>,
}

pub async fn run(
    pool: DbPool,
    store: Arc<dyn EvidenceStore>,
    wake: Arc<Notify>,
    settings: Settings,
) {
    match &settings.ocr {
        Some(_) => tracing::info!("signals worker started, reading screenshots with tesseract"),
        None => tracing::info!(
            "signals worker started (no OCR: tesseract with chi_sim not found or off)"
        ),
    }
    let mut last_refresh = tokio::time::Instant::now() - Duration::from_secs(3600);
    loop {
        if last_refresh.elapsed() >= Duration::from_secs(3600) {
            last_refresh = tokio::time::Instant::now();
            let refreshed = db::run(&pool, |conn| {
                store_signals::refresh_aging(conn, Utc::now().naive_utc(), AGING_WINDOW)
            })
            .await;
            match refreshed {
                Ok(0) => {}
                Ok(n) => tracing::info!(cases = n, "refreshing the priority of aging cases"),
                Err(error) => tracing::warn!(%error, "could not mark aging cases"),
            }
        }
        match run_once(&pool, &store, &settings).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(error) => tracing::warn!(%error, "signals: could not claim cases"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(settings.poll) => {}
        }
    }
}

/// Claims and computes one batch; returns how many cases were claimed.
pub async fn run_once(
    pool: &DbPool,
    store: &Arc<dyn EvidenceStore>,
    settings: &Settings,
) -> Result<usize, AppError> {
    let token = {
        let mut bytes = [0u8; 12];
        rand::rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    let claimed = {
        let token = token.clone();
        db::run(pool, move |conn| {
            let now = Utc::now().naive_utc();
            store_signals::claim(conn, now, now + chrono::Duration::minutes(5), &token, BATCH)
        })
        .await?
    };
    for &report_id in &claimed {
        // Wait for a turn behind any filings queued for the CPU.
        drop(
            Arc::clone(&settings.cpu)
                .acquire_owned()
                .await
                .map_err(|e| AppError::Internal(e.into()))?,
        );
        let result = {
            let (token, store, settings) = (token.clone(), Arc::clone(store), settings.clone());
            db::run(pool, move |conn| {
                compute(conn, store.as_ref(), report_id, &token, &settings)
            })
            .await
        };
        if let Err(error) = result {
            tracing::warn!(report_id, %error, "signals: computation failed; will retry");
            let token = token.clone();
            let message = error.to_string();
            let _ = db::run(pool, move |conn| {
                store_signals::record_failure(
                    conn,
                    report_id,
                    &token,
                    &message,
                    Utc::now().naive_utc() + RETRY_AFTER,
                )
            })
            .await;
        }
    }
    Ok(claimed.len())
}

fn is_image(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/webp")
}

fn is_logistics_export(content_type: &str) -> bool {
    matches!(content_type, "application/json" | "text/csv")
}

/// Computes and stores the signals of one case.
fn compute(
    conn: &mut DbConnection,
    store: &dyn EvidenceStore,
    report_id: i64,
    token: &str,
    settings: &Settings,
) -> Result<(), AppError> {
    let case = store_signals::load_case(conn, report_id)?;
    let version = case.profile.version;
    let report = &case.report;
    let read = |key: &str| {
        store
            .read(key)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("reading evidence")))
    };
    let open = |key: &str| {
        store
            .open(key)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("opening evidence")))
    };

    let mut fingerprints = Vec::with_capacity(case.evidence.len());
    let mut exports = Vec::new();
    let mut screenshot_texts: Vec<(String, String)> = Vec::new();
    for (row, phash, ocr_text, thumbnail) in &case.evidence {
        let mut phash = phash.map(ImageHash::from_i64);
        let mut thumbnail = thumbnail.as_deref().and_then(Thumbnail::from_bytes);
        let mut ocr_text = ocr_text.clone();
        let wants_ocr = settings.ocr.is_some() && ocr_text.is_none();
        // Images hashed before thumbnails existed get theirs now.
        let wants_fingerprint = phash.is_none() || thumbnail.is_none();
        if is_image(&row.content_type) && (wants_fingerprint || wants_ocr) {
            // Streamed from the store: a burst of large uploads must not
            // become a burst of whole files in memory.
            if wants_fingerprint {
                let source = BufReader::new(open(&row.storage_key)?);
                let admit = |size: u64, pixels: u64| {
                    settings.budget.reserve(
                        size.saturating_add(pixels.saturating_mul(BYTES_PER_DECODED_PIXEL)),
                    )
                };
                match image_hash::fingerprint_image_reader(source, settings.max_pixels, admit) {
                    Ok(found) => {
                        store_signals::store_fingerprint(conn, row.id, &found)?;
                        phash = Some(found.hash);
                        thumbnail = Some(found.thumbnail);
                    }
                    Err(error) => tracing::warn!(evidence = row.id, %error, "no perceptual hash"),
                }
            }
            if let (Some(ocr), true) = (&settings.ocr, wants_ocr) {
                match ocr.read_text(open(&row.storage_key)?) {
                    Ok(text) => {
                        store_signals::store_ocr_text(conn, row.id, &text)?;
                        ocr_text = Some(text);
                    }
                    Err(error) => tracing::warn!(evidence = row.id, %error, "OCR failed"),
                }
            }
        }
        if let Some(text) = &ocr_text {
            screenshot_texts.extend(
                screenshot_text::passages(text)
                    .into_iter()
                    .map(|passage| (row.display_name.clone(), passage)),
            );
        }
        if is_logistics_export(&row.content_type) {
            exports.push((row.display_name.clone(), read(&row.storage_key)?));
        }
        fingerprints.push(EvidenceFingerprint {
            name: row.display_name.clone(),
            sha256: row.sha256.clone(),
            phash,
            thumbnail,
        });
    }

    let sha256s: Vec<String> = fingerprints.iter().map(|f| f.sha256.clone()).collect();
    let hashes: Vec<ImageHash> = fingerprints.iter().filter_map(|f| f.phash).collect();
    let mut other_evidence =
        store_signals::other_evidence(conn, report_id, &sha256s, &hashes, SIMILAR_MAX_DISTANCE)?;
    // The merchant's other cases, looked up once: their reports and reviews,
    // and their images as crop candidates.
    let same_merchant = store_signals::same_merchant_ids(conn, &case.profile)?;
    if fingerprints.iter().any(|f| f.thumbnail.is_some()) {
        other_evidence.extend(store_signals::crop_candidates(conn, &same_merchant)?);
    }
    let other_evidence = cross::merge_other_evidence(other_evidence);
    let (merchant_reports, other_reviews) = store_signals::same_merchant(conn, &same_merchant)?;

    let logistics_record: Option<Logistics> = report
        .logistics
        .as_deref()
        .and_then(|l| serde_json::from_str(l).ok());
    let mut numbers: Vec<String> = logistics_record
        .iter()
        .filter_map(|l| l.tracking_number.as_deref())
        .chain(
            exports
                .iter()
                .filter_map(|(_, bytes)| logistics::parse_export(bytes).ok())
                .filter_map(|s| s.tracking_number)
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        )
        .map(logistics::normalize_tracking_number)
        .filter(|n| !n.is_empty())
        .collect();
    numbers.sort();
    numbers.dedup();
    let tracking_uses = store_signals::tracking_uses(conn, report_id, &numbers)?;

    let typed_reviews: Vec<String> = serde_json::from_str(&report.review_texts).unwrap_or_default();
    if !screenshot_texts.is_empty() {
        // Text in screenshots is searchable like typed text.
        let terms = search::index_text(
            [report.merchant_name.as_str(), report.description.as_str()]
                .into_iter()
                .chain(typed_reviews.iter().map(String::as_str))
                .chain(screenshot_texts.iter().map(|(_, text)| text.as_str())),
        );
        store_signals::store_search_terms(conn, report_id, &terms)?;
    }
    // Passages read from screenshots are compared like pasted reviews, after them.
    screenshot_texts.truncate(screenshot_text::MAX_PASSAGES);
    let category = Category::from_code(&report.category)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown category")))?;
    let reporter = ReporterIdentity {
        contact: case.profile.contact_key.clone(),
        network: case.profile.network_key.clone(),
    };
    let input = CaseInput {
        category,
        description: &report.description,
        review_texts: &typed_reviews,
        screenshot_texts: &screenshot_texts,
        order_id: report.order_id.as_deref(),
        logistics: logistics_record.as_ref(),
        logistics_exports: &exports,
        evidence: &fingerprints,
        reporter: &reporter,
        created_at: report.created_at.and_utc(),
        now: Utc::now(),
        other_evidence: &other_evidence,
        other_reviews: &other_reviews,
        tracking_uses: &tracking_uses,
        merchant_reports: &merchant_reports,
    };
    let results = signals::evaluate_case(&input);
    store_signals::store_results(
        conn,
        report_id,
        token,
        version,
        &results,
        Utc::now().naive_utc(),
    )
}
