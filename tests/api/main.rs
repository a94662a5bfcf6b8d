//! Black-box tests through HTTP against the real server, database and disk.

mod abuse;
mod bad_input;
mod browser;
mod browser_responses;
mod deadlines;
mod export;
mod garage;
mod helpers;
mod hotlines;
mod intake;
mod mail;
mod mail_faults;
mod moderation;
mod operations;
mod pages;
mod responses;
mod s3_storage;
#[path = "../support/screens.rs"]
mod screens;
mod signals;
mod smtp;
