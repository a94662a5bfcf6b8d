//! Optional OCR: when a `tesseract` command with Simplified Chinese data is
//! installed, text is read from screenshots (for the template-review and
//! keyword signals, and for the queue's search). Nothing depends on it
//! being there.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// How long one image may take; a runaway OCR must not hold the worker.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Ocr {
    /// `tesseract`, or `chrt`/`nice` running it at the lowest priority.
    program: PathBuf,
    /// What comes before tesseract's own arguments.
    prefix: Vec<&'static str>,
}

impl Ocr {
    /// The installed `tesseract`, if it has the `chi_sim` language data. It
    /// runs at the lowest CPU priority available: reading a screenshot takes
    /// a second or more of CPU, background work that must not slow down
    /// consumers filing reports.
    pub fn detect() -> Option<Ocr> {
        let candidates = [
            // SCHED_IDLE: CPU only when nothing else wants it. Under a burst
            // of filings even a `nice 19` tesseract doubled their p99
            // latency on a 2-core machine (`cargo bench --bench intake_load`).
            Ocr {
                program: PathBuf::from("chrt"),
                prefix: vec!["--idle", "0", "tesseract"],
            },
            Ocr {
                program: PathBuf::from("nice"),
                prefix: vec!["-n", "19", "tesseract"],
            },
            Ocr {
                program: PathBuf::from("tesseract"),
                prefix: Vec::new(),
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

    /// The text of an image (PNG, JPEG or WebP bytes), streamed through stdin
    /// and stdout so no file name is ever involved and the image is never
    /// held whole in our memory.
    pub fn read_text(&self, mut image: impl Read + Send + 'static) -> anyhow::Result<String> {
        let mut child = self
            .command()
            .args(["stdin", "stdout", "-l", "chi_sim+eng", "--psm", "3"])
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
        let status = loop {
            if let Some(status) = child.try_wait().context("waiting for tesseract")? {
                break status;
            }
            if started.elapsed() > TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!("tesseract took longer than {} s", TIMEOUT.as_secs());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = writer.join();
        let text = reader
            .join()
            .map_err(|_| anyhow::anyhow!("reading tesseract's output failed"))?
            .context("reading tesseract's output")?;
        anyhow::ensure!(status.success(), "tesseract failed ({status})");
        Ok(text)
    }
}
