//! Pure rules with no I/O: vocabularies, validation, references, statuses,
//! the case lifecycle, accounts and search terms.

pub mod account;
pub mod brands;
pub mod calendar;
pub mod catalog;
pub mod delivery;
pub mod hotline;
pub mod lifecycle;
pub mod limits;
pub mod reference;
pub mod report;
pub mod response;
pub mod routing;
pub mod screenshot_text;
pub mod search;
pub mod signals;
pub mod spreadsheet;
pub mod status;
pub mod throttle;
pub mod unicode;
pub mod vocabulary;
