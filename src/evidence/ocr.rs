//! Optional OCR: when a `tesseract` command with Simplified Chinese data is
//! installed, text is read from screenshots (for the template-review and
//! keyword signals, and for the queue's search). Nothing depends on it
//! being there. Only words tesseract is confident of are kept: what a
//! person could not read is never compared or quoted.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::domain::screenshot_text;

/// The most address space one tesseract may take: enough for a screenshot
/// within [`MAX_PIXELS`] (about 250 MB resident), far below what a hostile
/// image could make it allocate (670 MB and more).
pub const MEMORY_LIMIT_BYTES: u64 = 1024 * 1024 * 1024;
/// The largest image tesseract is given; larger ones are scaled down first
/// (a phone screenshot, 1080×2340, is read as it is).
pub const MAX_PIXELS: u64 = 4_000_000;
/// …and the longest side it is given.
pub const MAX_SIDE: u32 = 4_000;

#[derive(Debug, Clone)]
pub struct Ocr {
    /// `tesseract`, or `chrt`/`nice`/`prlimit` running it at the lowest
    /// priority and under a memory limit.
    program: PathBuf,
    /// What comes before tesseract's own arguments.
    prefix: Vec<String>,
    /// How long one image may take; a runaway OCR must not hold the worker.
    /// CPU time when `prlimit` enforces it (`cpu_limited`), else wall time.
    timeout: Duration,
    /// Whether the kernel stops tesseract after `timeout` of CPU time. At
    /// the lowest priority, tesseract may wait for a core for long while
    /// other work runs: that wait is not the image's fault, so it is then
    /// bounded separately ([`STARVED_AFTER`]) and the image read again later.
    cpu_limited: bool,
}

/// How long tesseract may wait for CPU time (when its CPU time is limited
/// apart) before the worker gives up for now and reads the image again later.
pub const STARVED_AFTER: Duration = Duration::from_secs(300);

/// Why an image's text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    /// Tesseract got no CPU time for [`STARVED_AFTER`]: try again later.
    #[error("tesseract got too little CPU time; the image is read again later")]
    Starved,
    /// The image cannot be read (too slow, too large, not an image…).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl Ocr {
    /// The installed `tesseract`, if it has the `chi_sim` language data. It
    /// runs at the lowest CPU priority available: reading a screenshot takes
    /// a second or more of CPU, background work that must not slow down
    /// consumers filing reports.
    pub fn detect(timeout: Duration) -> Option<Ocr> {
        // Under a memory and a CPU-time limit when `prlimit` (util-linux) is there.
        let limit = format!("--as={MEMORY_LIMIT_BYTES}");
        let cpu = format!("--cpu={}", timeout.as_secs().max(1));
        let cpu_limited = has_program("prlimit");
        let limited: Vec<&str> = if cpu_limited {
            vec!["prlimit", &limit, &cpu, "tesseract"]
        } else {
            vec!["tesseract"]
        };
        let with = |program: &str, before: &[&str]| Ocr {
            program: PathBuf::from(program),
            prefix: before
                .iter()
                .chain(limited.iter())
                .map(|s| (*s).to_owned())
                .collect(),
            timeout,
            cpu_limited,
        };
        let candidates = [
            // SCHED_IDLE: CPU only when nothing else wants it. Under a burst
            // of filings even a `nice 19` tesseract doubled their p99
            // latency on a 2-core machine (`cargo bench --bench intake_load`).
            with("chrt", &["--idle", "0"]),
            with("nice", &["-n", "19"]),
            Ocr {
                program: PathBuf::from(limited[0]),
                prefix: limited[1..].iter().map(|s| (*s).to_owned()).collect(),
                timeout,
                cpu_limited,
            },
        ];
        candidates.into_iter().find(|ocr| {
            ocr.command()
                .arg("--list-langs")
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|output| {
                    String::from_utf8_lossy(&output.stdout)
                        .lines()
                        .any(|l| l.trim() == "chi_sim")
                })
        })
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command
            .args(&self.prefix)
            // One thread: the worker reads one image at a time beside the server.
            .env("OMP_THREAD_LIMIT", "1");
        command
    }

    /// The readable text of an image (PNG, JPEG or WebP bytes): tesseract's
    /// TSV output (words with confidences and layout) made into lines and
    /// paragraphs of the words it read with confidence
    /// ([`screenshot_text::readable_text`]). Streamed through stdin and
    /// stdout so no file name is ever involved and the image is never held
    /// whole in our memory.
    pub fn read_text(&self, image: impl Read + Send + 'static) -> Result<String, OcrError> {
        self.read_tsv(image)
            .map(|tsv| screenshot_text::readable_text(&tsv))
    }

    /// Tesseract's TSV output for an image.
    pub fn read_tsv(&self, mut image: impl Read + Send + 'static) -> Result<String, OcrError> {
        let mut child = self
            .command()
            .args(["stdin", "stdout", "-l", "chi_sim+eng", "--psm", "3", "tsv"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting tesseract")?;
        let mut stdin = child.stdin.take().context("tesseract's stdin")?;
        // Written from another thread: a large image could fill the pipe
        // while tesseract waits for us to read its output.
        let writer = std::thread::spawn(move || {
            std::io::copy(&mut image, &mut stdin).and_then(|_| stdin.flush())
        });
        let mut stdout = child.stdout.take().context("tesseract's stdout")?;
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            stdout.read_to_string(&mut text).map(|_| text)
        });
        let started = Instant::now();
        // With its CPU time capped by the kernel, the wall clock only tells
        // starvation; without, it is the cap.
        let wall_limit = if self.cpu_limited {
            STARVED_AFTER
        } else {
            self.timeout
        };
        let status = loop {
            if let Some(status) = child.try_wait().context("waiting for tesseract")? {
                break status;
            }
            if started.elapsed() > wall_limit {
                let _ = child.kill();
                let _ = child.wait();
                return Err(if self.cpu_limited {
                    OcrError::Starved
                } else {
                    anyhow::anyhow!("tesseract took longer than {} s", self.timeout.as_secs())
                        .into()
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = writer.join();
        let text = reader
            .join()
            .map_err(|_| anyhow::anyhow!("reading tesseract's output failed"))?
            .context("reading tesseract's output")?;
        if !status.success() {
            // Killed by the kernel past its CPU time, or failed on the image.
            return Err(anyhow::anyhow!("tesseract failed ({status})").into());
        }
        Ok(text)
    }
}

fn has_program(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The size an image of `width`×`height` is read at: itself when within
/// [`MAX_PIXELS`] and [`MAX_SIDE`], else scaled down (keeping its shape) to fit.
pub fn reading_size(width: u32, height: u32) -> Option<(u32, u32)> {
    let pixels = u64::from(width) * u64::from(height);
    let longest = width.max(height);
    if pixels <= MAX_PIXELS && longest <= MAX_SIDE {
        return None;
    }
    let by_area = (MAX_PIXELS as f64 / pixels as f64).sqrt();
    let by_side = f64::from(MAX_SIDE) / f64::from(longest);
    let scale = by_area.min(by_side);
    let scaled = |side: u32| ((f64::from(side) * scale).floor() as u32).max(1);
    Some((scaled(width), scaled(height)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_images_are_read_scaled_down_and_screenshots_as_they_are() {
        assert_eq!(reading_size(1080, 2340), None);
        assert_eq!(reading_size(750, 1334), None);
        let (w, h) = reading_size(6300, 6300).expect("scaled");
        assert!(
            u64::from(w) * u64::from(h) <= MAX_PIXELS && w == h,
            "{w}×{h}"
        );
        let (w, h) = reading_size(1000, 20_000).expect("scaled");
        assert!(h <= MAX_SIDE && w >= 190, "{w}×{h}");
    }
}
