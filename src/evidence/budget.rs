//! A memory budget for decoding images. A 10 MiB JPEG photo decodes to tens
//! of megabytes of pixels; twenty arriving at once, each checked by intake
//! and then fingerprinted by the signals worker, must not mean twenty such
//! buffers at once. Every full decode first reserves what it will hold;
//! decodes wait while the budget is spent, and one larger than the whole
//! budget runs alone.
//!
//! Reservations are taken on blocking threads (intake and the signals worker
//! already run there), so this is a plain mutex and condition variable.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// What one decoded pixel may cost: 3 or 4 bytes of RGB(A) output, plus the
/// decoder's own planes and rows.
pub const BYTES_PER_DECODED_PIXEL: u64 = 5;

/// The default budget: one 12-megapixel photo at a time, several screenshots.
pub const DEFAULT_BYTES: u64 = 48 * 1024 * 1024;

/// Shared by intake and the signals worker of one process.
#[derive(Debug, Clone)]
pub struct DecodeBudget {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    total: u64,
    free: Mutex<u64>,
    freed: Condvar,
}

/// Bytes of the budget held until dropped.
#[derive(Debug)]
#[must_use = "the bytes are released when the reservation is dropped"]
pub struct Reservation {
    shared: Arc<Shared>,
    bytes: u64,
}

impl DecodeBudget {
    pub fn new(total_bytes: u64) -> Self {
        let total = total_bytes.max(1);
        DecodeBudget {
            shared: Arc::new(Shared {
                total,
                free: Mutex::new(total),
                freed: Condvar::new(),
            }),
        }
    }

    /// Blocks until `bytes` (at most the whole budget) are free, and holds
    /// them until the reservation is dropped.
    pub fn reserve(&self, bytes: u64) -> Reservation {
        let bytes = bytes.clamp(1, self.shared.total);
        let mut free = self
            .shared
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *free < bytes {
            free = self
                .shared
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= bytes;
        Reservation {
            shared: Arc::clone(&self.shared),
            bytes,
        }
    }

    /// Bytes not reserved right now.
    pub fn available(&self) -> u64 {
        *self
            .shared
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut free = self
            .shared
            .free
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *free += self.bytes;
        self.shared.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn reservations_wait_for_room_and_release_on_drop() {
        let budget = DecodeBudget::new(100);
        let first = budget.reserve(60);
        assert_eq!(budget.available(), 40);
        let (sent, received) = mpsc::channel();
        let waiting = {
            let budget = budget.clone();
            std::thread::spawn(move || {
                let second = budget.reserve(50);
                sent.send(()).expect("send");
                drop(second);
            })
        };
        assert!(
            received.recv_timeout(Duration::from_millis(200)).is_err(),
            "50 more do not fit while 60 of 100 are held"
        );
        drop(first);
        received
            .recv_timeout(Duration::from_secs(5))
            .expect("admitted once the first is released");
        waiting.join().expect("joined");
        assert_eq!(budget.available(), 100);
    }

    #[test]
    fn a_job_larger_than_the_budget_runs_alone() {
        let budget = DecodeBudget::new(100);
        let huge = budget.reserve(10_000);
        assert_eq!(budget.available(), 0);
        drop(huge);
        let _small = budget.reserve(0);
        assert_eq!(budget.available(), 99);
    }
}
