//! Bounds on what staff and reporters write, checked by the API and shown
//! to the pages through `/api/v1/meta`.

/// An internal note.
pub const MAX_NOTE_CHARS: usize = 10_000;
/// A transition's reason or public note.
pub const MAX_REASON_CHARS: usize = 2_000;
/// The reporter's answer to a question.
pub const MAX_REPLY_CHARS: usize = 5_000;
/// The most cases one queue page holds.
pub const QUEUE_PAGE_MAX: i64 = 100;
/// Cases per queue page unless asked otherwise.
pub const QUEUE_PAGE_DEFAULT: i64 = 50;
