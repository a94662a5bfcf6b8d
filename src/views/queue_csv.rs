//! The moderator queue as CSV, for a spreadsheet: one row per case, the
//! vocabularies as code and Chinese label, times in UTC (RFC 3339), every
//! free-text cell made inert (see `domain::spreadsheet`).

use crate::db::queue::Queue;
use crate::domain::spreadsheet::inert_cell;
use crate::views::rfc3339;

pub const COLUMNS: [&str; 15] = [
    "reference",
    "status",
    "status_zh",
    "category",
    "category_zh",
    "platform",
    "platform_zh",
    "merchant_name",
    "merchant_province",
    "priority",
    "assigned_to",
    "created_at",
    "updated_at",
    "deadline_due_at",
    "overdue",
];

/// The start of the file: a UTF-8 byte-order mark (without it Excel reads
/// the Chinese as another encoding) and the header row.
pub fn header() -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(encode(std::iter::once(COLUMNS.map(String::from).to_vec())));
    out
}

/// One row per case of `page`, in the queue's order. `now` judges `overdue`.
pub fn rows(page: &Queue, now: chrono::NaiveDateTime) -> Vec<u8> {
    encode(page.items.iter().map(|case| {
        let deadline = page.deadlines.get(&case.id);
        let platform = case.platform.map(|p| p.labelled());
        let status = case.status.labelled();
        let category = case.category.labelled();
        vec![
            case.reference.clone(),
            status.code.to_owned(),
            status.zh.to_owned(),
            category.code.to_owned(),
            category.zh.to_owned(),
            platform.map(|p| p.code.to_owned()).unwrap_or_default(),
            platform.map(|p| p.zh.to_owned()).unwrap_or_default(),
            inert_cell(case.merchant_name.as_deref().unwrap_or_default()).into_owned(),
            inert_cell(case.merchant_province.as_deref().unwrap_or_default()).into_owned(),
            case.priority.to_string(),
            case.assigned_to
                .map(|id| id.to_string())
                .unwrap_or_default(),
            rfc3339(case.created_at),
            rfc3339(case.updated_at),
            deadline.map(|d| rfc3339(d.due_at)).unwrap_or_default(),
            deadline
                .map(|d| (d.due_at < now).to_string())
                .unwrap_or_default(),
        ]
    }))
}

fn encode(records: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&record);
    }
    writer.into_inner().unwrap_or_default()
}
