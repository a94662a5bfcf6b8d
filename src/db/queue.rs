//! The moderators' queue: cases filtered, searched and paged, newest,
//! oldest or highest priority first.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use std::collections::HashMap;

use diesel::sql_types::{BigInt, Bool, Text, Timestamp};

use super::deadlines::Running;
use super::schema::{deadlines, reports, status_counts};
use super::{DbConnection, MultiBackend};
use crate::domain::catalog::{Category, Platform};
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    Priority,
    /// Cases with a running deadline, the soonest due (or most overdue) first.
    Due,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    Me,
    Nobody,
    User(i64),
}

/// Where the previous page ended. Newest/oldest order by id (ids grow with
/// creation time); priority orders by (priority, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Id(i64),
    Priority(i32, i64),
    /// (due time, id) of the last case.
    Due(NaiveDateTime, i64),
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub status: Option<ReportStatus>,
    pub category: Option<Category>,
    pub platform: Option<Platform>,
    /// Phrases of the merchant filter (see `domain::search`).
    pub merchant: Vec<Vec<String>>,
    pub province: Option<String>,
    pub assigned: Option<Assigned>,
    /// Phrases of `q`.
    pub q: Vec<Vec<String>>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub sort: Option<Sort>,
    pub limit: i64,
    pub cursor: Option<Cursor>,
    pub signal: Option<SignalCode>,
    /// Only cases whose deadline has passed at `now`.
    pub overdue: bool,
    /// The time `overdue` is judged at.
    pub now: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub status: ReportStatus,
    pub category: Category,
    pub platform: Option<Platform>,
    pub merchant_name: Option<String>,
    pub merchant_province: Option<String>,
    pub assigned_to: Option<i64>,
    pub priority: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct Queue {
    pub items: Vec<QueueRow>,
    /// The running deadline of each listed case that has one, by id.
    pub deadlines: HashMap<i64, Running>,
    pub next_cursor: Option<Cursor>,
    /// Cases per status, over the whole table (kept by triggers).
    pub counts: Vec<(ReportStatus, i64)>,
}

type QueueQuery = diesel::dsl::IntoBoxed<
    'static,
    diesel::dsl::Select<reports::table, diesel::dsl::AsSelect<QueueRow, MultiBackend>>,
    MultiBackend,
>;

/// The queue's filters as one query; full-text conditions only when
/// `with_full_text` (the SQLite fast path applies them itself).
fn filtered(filter: &QueueFilter, viewer: i64, sqlite: bool, with_full_text: bool) -> QueueQuery {
    let mut query = reports::table
        .select(QueueRow::as_select())
        .into_boxed::<MultiBackend>();
    if let Some(status) = filter.status {
        query = query.filter(reports::status.eq(status.code()));
    }
    if let Some(category) = filter.category {
        query = query.filter(reports::category.eq(category.code()));
    }
    if let Some(platform) = filter.platform {
        query = query.filter(reports::platform.eq(platform.code()));
    }
    if let Some(province) = &filter.province {
        query = query.filter(reports::merchant_province.eq(province.clone()));
    }
    match filter.assigned {
        Some(Assigned::Me) => query = query.filter(reports::assigned_to.eq(viewer)),
        Some(Assigned::Nobody) => query = query.filter(reports::assigned_to.is_null()),
        Some(Assigned::User(id)) => query = query.filter(reports::assigned_to.eq(id)),
        None => {}
    }
    if let Some(code) = filter.signal {
        query = query.filter(
            sql::<Bool>("reports.id IN (SELECT report_id FROM signals WHERE code = ")
                .bind::<Text, _>(code.code())
                .sql(")"),
        );
    }
    if filter.overdue {
        let now = filter.now.unwrap_or_else(|| chrono::Utc::now().naive_utc());
        query = query.filter(
            // Correlated: walking the page's order, each case is one primary-key probe.
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM deadlines d WHERE d.report_id = reports.id AND d.due_at < ",
            )
            .bind::<Timestamp, _>(now)
            .sql(")"),
        );
    }
    if let Some(from) = filter.created_from {
        query = query.filter(reports::created_at.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(reports::created_at.lt(to));
    }
    if with_full_text {
        if sqlite {
            if let Some(expression) = fts5_expression(filter) {
                query = query.filter(
                    sql::<Bool>(
                        "reports.id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ",
                    )
                    .bind::<Text, _>(expression)
                    .sql(")"),
                );
            }
        } else {
            for (column, phrases) in [
                // Stored `tsvector` columns, on PostgreSQL only (see its migration).
                ("merchant_vector", &filter.merchant),
                ("search_vector", &filter.q),
            ] {
                for phrase in phrases {
                    query = query.filter(
                        sql::<Bool>(&format!("reports.{column} @@ phraseto_tsquery('simple', "))
                            .bind::<Text, _>(phrase.join(" "))
                            .sql(")"),
                    );
                }
            }
        }
    }
    query
}

/// The FTS5 query for `merchant` and `q`: each word a phrase of its tokens,
/// all required. Tokens are alphanumeric (see `domain::search`), so quotes
/// and operators cannot be smuggled in; the text is bound, never spliced.
fn fts5_expression(filter: &QueueFilter) -> Option<String> {
    let mut parts = Vec::new();
    for (column, phrases) in [
        ("merchant_terms", &filter.merchant),
        ("search_terms", &filter.q),
    ] {
        for phrase in phrases {
            parts.push(format!("{column} : \"{}\"", phrase.join(" ")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

#[derive(QueryableByName)]
struct RowId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Where the id-ordered fast path takes its candidate ids from.
enum Candidates {
    /// SQLite: the FTS5 index, for `merchant` and `q`.
    Fts5(String),
    /// PostgreSQL: the `merchant_tokens` B-tree, for `merchant` (every token
    /// must be present; the exact phrase is checked by the batch filter).
    MerchantTokens(Vec<String>),
}

impl Candidates {
    fn for_filter(filter: &QueueFilter, sqlite: bool) -> Option<Self> {
        if sqlite {
            return fts5_expression(filter).map(Candidates::Fts5);
        }
        let mut tokens: Vec<String> = filter.merchant.iter().flatten().cloned().collect();
        tokens.sort();
        tokens.dedup();
        (!tokens.is_empty()).then_some(Candidates::MerchantTokens(tokens))
    }

    /// Up to `limit` candidate ids beyond `bound`, in the page's order.
    fn batch(
        &self,
        conn: &mut DbConnection,
        bound: i64,
        newest_first: bool,
        limit: i64,
    ) -> Result<Vec<i64>, AppError> {
        let (cmp, order) = if newest_first {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let rows = match (self, conn) {
            (Candidates::Fts5(expression), DbConnection::Sqlite(inner)) => {
                diesel::sql_query(format!(
                    "SELECT rowid AS id FROM reports_fts WHERE reports_fts MATCH ? \
                 AND rowid {cmp} ? ORDER BY rowid {order} LIMIT ?"
                ))
                .bind::<Text, _>(expression)
                .bind::<BigInt, _>(bound)
                .bind::<BigInt, _>(limit)
                .load::<RowId>(inner)?
            }
            (Candidates::MerchantTokens(tokens), DbConnection::Postgresql(inner)) => {
                // The first token drives an index-only scan in report order; each
                // other token is one index probe per candidate.
                let mut sql = format!(
                    "SELECT t0.report_id AS id FROM merchant_tokens t0 \
                     WHERE t0.token = $1 AND t0.report_id {cmp} $2"
                );
                for i in 1..tokens.len() {
                    sql.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM merchant_tokens t{i} \
                         WHERE t{i}.token = ${} AND t{i}.report_id = t0.report_id)",
                        i + 2
                    ));
                }
                sql.push_str(&format!(
                    " ORDER BY t0.report_id {order} LIMIT ${}",
                    tokens.len() + 2
                ));
                let mut query = diesel::sql_query(sql)
                    .into_boxed::<diesel::pg::Pg>()
                    .bind::<Text, _>(tokens[0].clone())
                    .bind::<BigInt, _>(bound);
                for token in &tokens[1..] {
                    query = query.bind::<Text, _>(token.clone());
                }
                query.bind::<BigInt, _>(limit).load::<RowId>(inner)?
            }
            _ => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "a candidate source used on the other database"
                )))
            }
        };
        Ok(rows.into_iter().map(|row| row.id).collect())
    }
}

/// The most candidate ids the fast path fetches in one round. The first
/// round fetches just a page's worth (candidates mostly match: the tokens
/// rarely occur apart), and each further round four times as many, so a
/// typical page rechecks ~50 rows instead of a thousand random heap rows.
const CANDIDATE_BATCH: i64 = 1000;

/// The most candidate ids one page may examine (see [`candidates_page`]).
const MAX_CANDIDATES_EXAMINED: i64 = 50_000;

/// A full-text filter ordered by id walks an index that yields matching
/// ids in id order and stops as soon as a page is full, instead of
/// collecting (and, on PostgreSQL, visiting) every match of a common word
/// first; the other filters, and the exact phrases, apply to each batch.
fn candidates_page(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    viewer: i64,
    candidates: &Candidates,
    newest_first: bool,
    want: i64,
) -> Result<Vec<QueueRow>, AppError> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let mut bound = match filter.cursor {
        Some(Cursor::Id(id)) => id,
        _ if newest_first => i64::MAX,
        _ => 0,
    };
    let mut items: Vec<QueueRow> = Vec::new();
    let mut batch = want.clamp(1, CANDIDATE_BATCH);
    let mut examined = 0;
    loop {
        // The progress limit (on SQLite, which has no statement timeout
        // here, and on PostgreSQL before its timeout): a search whose words
        // are common but whose other filters match almost nothing would
        // otherwise walk the whole index for one page.
        if examined >= MAX_CANDIDATES_EXAMINED {
            return Err(AppError::Unavailable(format!(
                "search examined {examined} candidates without filling a page"
            )));
        }
        let ids = candidates.batch(conn, bound, newest_first, batch)?;
        examined += ids.len() as i64;
        let Some(&last) = ids.last() else { break };
        bound = last;
        let remaining = want - items.len() as i64;
        // SQLite's FTS5 match is exact already; PostgreSQL still checks the phrases.
        let query = filtered(filter, viewer, sqlite, !sqlite).filter(reports::id.eq_any(&ids));
        let query = if newest_first {
            query.order(reports::id.desc())
        } else {
            query.order(reports::id.asc())
        };
        items.extend(query.limit(remaining).load::<QueueRow>(conn)?);
        if items.len() as i64 >= want || (ids.len() as i64) < batch {
            break;
        }
        batch = (batch * 4).min(CANDIDATE_BATCH);
    }
    Ok(items)
}

/// `sort=due`: walks the deadlines in due order (an index) in batches and
/// keeps the cases that pass the other filters, until a page is full.
fn due_page(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    viewer: i64,
    want: i64,
) -> Result<Vec<QueueRow>, AppError> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let mut after = match filter.cursor {
        Some(Cursor::Due(due, id)) => Some((due, id)),
        _ => None,
    };
    let mut items: Vec<QueueRow> = Vec::new();
    let mut examined = 0;
    let batch = CANDIDATE_BATCH;
    loop {
        if examined >= MAX_CANDIDATES_EXAMINED {
            return Err(AppError::Unavailable(format!(
                "the due-date order examined {examined} cases without filling a page"
            )));
        }
        let mut query = deadlines::table
            .select((deadlines::due_at, deadlines::report_id))
            .order((deadlines::due_at.asc(), deadlines::report_id.asc()))
            .limit(batch)
            .into_boxed::<MultiBackend>();
        if let Some((due, id)) = after {
            query = query.filter(
                deadlines::due_at
                    .gt(due)
                    .or(deadlines::due_at.eq(due).and(deadlines::report_id.gt(id))),
            );
        }
        if filter.overdue {
            let now = filter.now.unwrap_or_else(|| chrono::Utc::now().naive_utc());
            query = query.filter(deadlines::due_at.lt(now));
        }
        let order: Vec<(NaiveDateTime, i64)> = query.load(conn)?;
        examined += order.len() as i64;
        let Some(&last) = order.last() else { break };
        after = Some(last);
        let ids: Vec<i64> = order.iter().map(|(_, id)| *id).collect();
        let mut found: HashMap<i64, QueueRow> = filtered(filter, viewer, sqlite, true)
            .filter(reports::id.eq_any(&ids))
            .load::<QueueRow>(conn)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        for id in ids {
            if let Some(row) = found.remove(&id) {
                items.push(row);
                if items.len() as i64 >= want {
                    return Ok(items);
                }
            }
        }
        if (order.len() as i64) < batch {
            break;
        }
    }
    Ok(items)
}

pub fn queue(
    conn: &mut DbConnection,
    filter: &QueueFilter,
    viewer: i64,
) -> Result<Queue, AppError> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let sort = filter.sort.unwrap_or(Sort::Newest);
    let limit = filter.limit.clamp(1, 100);
    let cursor_matches = matches!(
        (sort, filter.cursor),
        (_, None)
            | (Sort::Newest | Sort::Oldest, Some(Cursor::Id(_)))
            | (Sort::Priority, Some(Cursor::Priority(..)))
            | (Sort::Due, Some(Cursor::Due(..)))
    );
    if !cursor_matches {
        return Err(AppError::Validation(vec![FieldError::new(
            "cursor",
            "invalid",
            "the cursor belongs to another sort order",
        )]));
    }
    let fast_path = if matches!(sort, Sort::Newest | Sort::Oldest) {
        Candidates::for_filter(filter, sqlite)
    } else {
        None
    };
    let mut items = match fast_path {
        _ if sort == Sort::Due => due_page(conn, filter, viewer, limit + 1)?,
        Some(candidates) => candidates_page(
            conn,
            filter,
            viewer,
            &candidates,
            sort == Sort::Newest,
            limit + 1,
        )?,
        None => {
            let mut query = filtered(filter, viewer, sqlite, true);
            query = match (sort, filter.cursor) {
                (Sort::Newest, Some(Cursor::Id(id))) => query.filter(reports::id.lt(id)),
                (Sort::Oldest, Some(Cursor::Id(id))) => query.filter(reports::id.gt(id)),
                (Sort::Priority, Some(Cursor::Priority(priority, id))) => query.filter(
                    reports::priority
                        .lt(priority)
                        .or(reports::priority.eq(priority).and(reports::id.lt(id))),
                ),
                _ => query,
            };
            query = match sort {
                Sort::Newest => query.order(reports::id.desc()),
                Sort::Oldest | Sort::Due => query.order(reports::id.asc()),
                Sort::Priority => query.order((reports::priority.desc(), reports::id.desc())),
            };
            query.limit(limit + 1).load(conn)?
        }
    };
    let ids: Vec<i64> = items.iter().map(|row| row.id).collect();
    let deadlines: HashMap<i64, Running> = deadlines::table
        .filter(deadlines::report_id.eq_any(&ids))
        .select((deadlines::report_id, Running::as_select()))
        .load::<(i64, Running)>(conn)?
        .into_iter()
        .collect();
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().and_then(|last| match sort {
            Sort::Priority => Some(Cursor::Priority(last.priority, last.id)),
            Sort::Due => deadlines
                .get(&last.id)
                .map(|d| Cursor::Due(d.due_at, last.id)),
            _ => Some(Cursor::Id(last.id)),
        })
    } else {
        None
    };
    let counts = status_counts::table
        .select((status_counts::status, status_counts::n))
        .load::<(ReportStatus, i64)>(conn)?;
    Ok(Queue {
        items,
        deadlines,
        next_cursor,
        counts,
    })
}
