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
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use crate::db::{
    self, brands, case_record, evidence, hotlines, merchants, profiles, reports,
    signals as stored_signals, tracking_numbers, write_transaction, DbConnection, DbPool,
};
use crate::domain::brands::BrandFields;
use crate::domain::signals::cross::{self, EvidenceFingerprint, ReporterIdentity};
use crate::domain::signals::hotline::{is_advertiser_domain, HotlineInput};
use crate::domain::signals::image_hash::{self, ImageHash, SIMILAR_MAX_DISTANCE};
use crate::domain::signals::{self, logistics, CaseInput, CaseSignals, ScreenshotText};
use crate::domain::{screenshot_text, search};
use crate::error::AppError;
use crate::evidence::budget::BYTES_PER_DECODED_PIXEL;
use crate::evidence::ocr::{Ocr, OcrError};
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

/// Runs until the process ends.
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
                profiles::refresh_aging(conn, Utc::now().naive_utc(), AGING_WINDOW)
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
            profiles::claim(conn, now, now + chrono::Duration::minutes(5), &token, BATCH)
        })
        .await?
    };
    for &report_id in &claimed {
        // A turn behind any filings queued for the CPU, held while computing
        // (but not while tesseract reads, which runs at idle priority).
        let permit = Arc::clone(&settings.cpu)
            .acquire_owned()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let result = {
            let (token, store, settings) = (token.clone(), Arc::clone(store), settings.clone());
            db::run(pool, move |conn| {
                compute(conn, store.as_ref(), report_id, &token, &settings, permit)
            })
            .await
        };
        if let Err(error) = result {
            tracing::warn!(report_id, %error, "signals: computation failed; will retry");
            let token = token.clone();
            let message = error.to_string();
            let _ = db::run(pool, move |conn| {
                profiles::record_failure(
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

fn is_logistics_export(content_type: &str) -> bool {
    matches!(content_type, "application/json" | "text/csv")
}

/// The tesseract time one report's screenshots may take in all.
const OCR_BUDGET_PER_CASE: Duration = Duration::from_secs(90);

/// What tesseract is given for an image: the stored file as it is, or —
/// when larger than `ocr::MAX_PIXELS` (or of unknown size) — a grey copy
/// scaled down to fit, decoded under the decode budget. Text a person can
/// read survives that; a 40-megapixel blank costs no more than a screenshot.
fn ocr_input(
    store: &dyn EvidenceStore,
    row: &db::evidence::EvidenceRow,
    settings: &Settings,
) -> Result<Box<dyn std::io::Read + Send>, AppError> {
    let open = || {
        store
            .open(&row.storage_key)
            .map_err(|e| AppError::Internal(anyhow::Error::new(e).context("opening evidence")))
    };
    let (width, height) = match (row.width, row.height) {
        (Some(w), Some(h)) => (
            u32::try_from(w).unwrap_or(u32::MAX),
            u32::try_from(h).unwrap_or(u32::MAX),
        ),
        _ => (u32::MAX, u32::MAX),
    };
    let Some((to_width, to_height)) = crate::evidence::ocr::reading_size(width, height) else {
        return Ok(Box::new(open()?));
    };
    let pixels = u64::from(width)
        .saturating_mul(u64::from(height))
        .min(settings.max_pixels);
    let _reservation = settings.budget.reserve(
        u64::try_from(row.size_bytes)
            .unwrap_or(0)
            .saturating_add(pixels.saturating_mul(BYTES_PER_DECODED_PIXEL)),
    );
    let mut reader = image::ImageReader::new(BufReader::new(open()?))
        .with_guessed_format()
        .map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("reading an image for OCR"))
        })?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(pixels.saturating_mul(BYTES_PER_DECODED_PIXEL));
    reader.limits(limits);
    let image = reader.decode().map_err(|e| {
        AppError::Internal(anyhow::Error::new(e).context("decoding an image for OCR"))
    })?;
    let (to_width, to_height) = crate::evidence::ocr::reading_size(image.width(), image.height())
        .unwrap_or((to_width, to_height));
    let small = image::DynamicImage::ImageLuma8(image.thumbnail(to_width, to_height).to_luma8());
    drop(image);
    let mut png = Vec::new();
    small
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("encoding an image for OCR"))
        })?;
    Ok(Box::new(std::io::Cursor::new(png)))
}

/// Computes and stores the signals of one case.
fn compute(
    conn: &mut DbConnection,
    store: &dyn EvidenceStore,
    report_id: i64,
    token: &str,
    settings: &Settings,
    permit: OwnedSemaphorePermit,
) -> Result<(), AppError> {
    let mut permit = Some(permit);
    let case = case_record::load(conn, report_id)?;
    let profile = profiles::find(conn, report_id)?.ok_or(AppError::NotFound)?;
    let version = profile.version;
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
    let mut screenshots: Vec<ScreenshotText> = Vec::new();
    // Each screenshot's whole text, for the shape of an advertising page.
    let mut screenshot_pages: Vec<(String, String)> = Vec::new();
    let mut ocr_spent = Duration::ZERO;
    for row in &case.evidence {
        let mut phash = row.hash();
        let mut thumbnail = row.thumbnail();
        let mut ocr_text = row.ocr_text.clone();
        let wants_ocr = settings.ocr.is_some() && ocr_text.is_none();
        // Images hashed before thumbnails existed get theirs now.
        let wants_fingerprint = phash.is_none() || thumbnail.is_none();
        if row.is_image() && (wants_fingerprint || wants_ocr) {
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
                        write_transaction(conn, |conn| {
                            evidence::set_fingerprint(conn, row.id, &found)
                        })?;
                        phash = Some(found.hash);
                        thumbnail = Some(found.thumbnail);
                    }
                    Err(error) => tracing::warn!(evidence = row.id, %error, "no perceptual hash"),
                }
            }
            if let (Some(ocr), true) = (&settings.ocr, wants_ocr) {
                drop(permit.take());
                // What one report's screenshots may cost in OCR: past it the
                // rest are not read, so a report of huge blank images cannot
                // hold the worker from everyone else's cases.
                let text = if ocr_spent >= OCR_BUDGET_PER_CASE {
                    tracing::warn!(
                        evidence = row.id,
                        "this report's OCR budget is spent; the screenshot is not read"
                    );
                    String::new()
                } else {
                    let started = std::time::Instant::now();
                    let read = match ocr_input(store, row, settings) {
                        Ok(input) => ocr.read_text(input),
                        Err(error) => Err(OcrError::Failed(anyhow::anyhow!("{error}"))),
                    };
                    ocr_spent += started.elapsed();
                    match read {
                        Ok(text) => text,
                        // No CPU time for tesseract (the machine is busy):
                        // the case is computed again later, the image read then.
                        Err(OcrError::Starved) => {
                            return Err(AppError::Internal(OcrError::Starved.into()))
                        }
                        // A screenshot that cannot be read is not tried again
                        // at every computation: its text is recorded as empty.
                        Err(OcrError::Failed(error)) => {
                            tracing::warn!(evidence = row.id, %error, "OCR failed; not retried");
                            String::new()
                        }
                    }
                };
                write_transaction(conn, |conn| evidence::set_ocr_text(conn, row.id, &text))?;
                ocr_text = Some(text);
            }
        }
        if let Some(text) = ocr_text.as_ref().filter(|t| !t.trim().is_empty()) {
            screenshot_pages.push((row.display_name.clone(), text.clone()));
        }
        if let Some(text) = &ocr_text {
            let reading = screenshot_text::read(text);
            if !reading.passages.is_empty() {
                screenshots.push(ScreenshotText {
                    name: row.display_name.clone(),
                    kind: reading.kind,
                    passages: reading.passages,
                });
            }
        }
        if is_logistics_export(&row.content_type) {
            exports.push((row.display_name.clone(), read(&row.storage_key)?));
        }
        fingerprints.push(EvidenceFingerprint {
            name: row.display_name.clone(),
            sha256: row.sha256.clone(),
            phash,
            thumbnail,
            ocr_text: ocr_text.clone(),
        });
    }

    let sha256s: Vec<String> = fingerprints.iter().map(|f| f.sha256.clone()).collect();
    let hashes: Vec<ImageHash> = fingerprints.iter().filter_map(|f| f.phash).collect();
    let mut other_evidence =
        evidence::similar_in_other_cases(conn, report_id, &sha256s, &hashes, SIMILAR_MAX_DISTANCE)?;
    // The merchant's other cases, looked up once: their reports and reviews,
    // and their images as crop candidates.
    let same_merchant = profiles::same_merchant_ids(conn, &profile)?;
    if fingerprints.iter().any(|f| f.thumbnail.is_some()) {
        other_evidence.extend(evidence::crop_candidates(conn, &same_merchant)?);
    }
    let mut other_evidence = cross::merge_other_evidence(other_evidence);
    if settings.ocr.is_some() {
        // Another case's screenshot not read yet cannot be told apart from
        // one of the same app's layout with other words: it is left out
        // until it is read. That case's own computation, which comes, finds
        // this one if they match, and this case is then recomputed.
        other_evidence.retain(|other| {
            other.ocr_text.is_some()
                || other.phash.is_none()
                || sha256s
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&other.sha256))
        });
    }
    let (merchant_reports, other_reviews) = profiles::merchant_reports(conn, &same_merchant)?;

    let logistics_record = report.logistics();
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
    write_transaction(conn, |conn| {
        tracking_numbers::replace_for_report(conn, report_id, &numbers)
    })?;
    let tracking_uses = tracking_numbers::uses_elsewhere(conn, report_id, &numbers)?;

    let typed_reviews = report.review_texts();
    // One case's screenshots give at most `MAX_PASSAGES` passages in all.
    let mut room = screenshot_text::MAX_PASSAGES;
    for screenshot in &mut screenshots {
        screenshot.passages.truncate(room);
        room -= screenshot.passages.len();
    }
    screenshots.retain(|s| !s.passages.is_empty());
    if !screenshots.is_empty() {
        // Text in screenshots is searchable like typed text.
        let terms = search::index_text(
            search::filed_text(
                report.merchant_name.as_deref(),
                &report.description,
                typed_reviews,
                case.hotline.as_ref(),
            )
            .chain(
                screenshots
                    .iter()
                    .flat_map(|s| s.passages.iter().map(String::as_str)),
            ),
        );
        write_transaction(conn, |conn| {
            reports::set_search_terms(conn, report_id, &terms)
        })?;
    }
    let reporter: ReporterIdentity = profile.reporter();
    let (number_uses, domain_uses) = match &case.hotline {
        Some(h) => (
            hotlines::number_uses(conn, report_id, &h.number)?,
            match h
                .found_domain
                .as_deref()
                .filter(|d| is_advertiser_domain(d))
            {
                Some(domain) => hotlines::domain_uses(conn, report_id, domain)?,
                None => Vec::new(),
            },
        ),
        None => (Vec::new(), Vec::new()),
    };
    // The brand directory is small (admins keep it by hand): read whole.
    let brand_entries: Vec<BrandFields> = match &case.hotline {
        Some(_) => brands::list(conn)?.iter().map(|b| b.fields()).collect(),
        None => Vec::new(),
    };
    let hotline = case.hotline.as_ref().map(|h| HotlineInput {
        brand_entry: brand_entries
            .iter()
            .find(|b| b.matches(&h.impersonated_brand)),
        number: &h.number,
        brand: &h.impersonated_brand,
        found_domain: h.found_domain.as_deref(),
        page_text: h.page_text.as_deref(),
        screenshot_texts: &screenshot_pages,
        number_uses: &number_uses,
        domain_uses: &domain_uses,
    });
    let input = CaseInput {
        category: report.category,
        description: &report.description,
        review_texts: typed_reviews,
        screenshots: &screenshots,
        order_id: report.order_id.as_deref(),
        logistics: logistics_record,
        logistics_exports: &exports,
        evidence: &fingerprints,
        reporter: &reporter,
        created_at: report.created_at.and_utc(),
        now: Utc::now(),
        other_evidence: &other_evidence,
        other_reviews: &other_reviews,
        tracking_uses: &tracking_uses,
        merchant_reports: &merchant_reports,
        hotline,
    };
    let results = signals::evaluate_case(&input);
    store_results(
        conn,
        report_id,
        token,
        version,
        &results,
        Utc::now().naive_utc(),
    )
}

/// Stores a computation: the signals (replacing the previous ones), the
/// priority, the profile's state and the merchant's reporter count. The
/// cases its signals newly name (all of them on the case's first run) are
/// marked for recomputation, since this case is news to them too.
/// `version` is the profile's version when the computation read the case:
/// if something changed since, the case stays dirty and comes round again.
fn store_results(
    conn: &mut DbConnection,
    report_id: i64,
    token: &str,
    version: i32,
    results: &CaseSignals,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let Some(profile) = profiles::find(conn, report_id)? else {
            return Ok(());
        };
        if profile.lease_token.as_deref() != Some(token) {
            // Our lease ran out and another worker took the case over.
            return Ok(());
        }
        // (signal code, related case) pairs: a case already related by one
        // signal (the same merchant) that a reply's file now matches is news.
        let related_before: BTreeSet<(signals::SignalCode, String)> =
            stored_signals::for_report(conn, report_id)?
                .into_iter()
                .flat_map(|s| {
                    let code = s.code;
                    s.related
                        .0
                        .into_iter()
                        .map(move |reference| (code, reference))
                })
                .collect();
        stored_signals::replace_for_report(conn, report_id, &results.signals, now)?;
        reports::set_priority(
            conn,
            report_id,
            i32::try_from(results.priority.score).unwrap_or(i32::MAX),
        )?;
        let reporters = i32::try_from(results.independent_reporters).unwrap_or(i32::MAX);
        profiles::record_computed(conn, report_id, version, &results.priority, reporters, now)?;
        if let Some(merchant_id) = profile.merchant_id {
            merchants::set_reporter_count(conn, merchant_id, i64::from(reporters))?;
        }
        // Cases this one newly relates to, or relates to by a new signal (all
        // of them on its first run; the cases a reply's new file matches),
        // learn of it too. Once both sides name each other by every signal
        // nothing is new, so this settles.
        let newly_related: Vec<&str> = results
            .signals
            .iter()
            .flat_map(|s| s.related.iter().map(move |reference| (s.code, reference)))
            .filter(|(code, reference)| !related_before.contains(&(*code, (*reference).clone())))
            .map(|(_, reference)| reference.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !newly_related.is_empty() {
            let ids = reports::ids_of(conn, &newly_related)?;
            profiles::mark_dirty(conn, &ids, now)?;
        }
        Ok(())
    })
}
