//! The moderators' side of the report aggregate: the queue, a case with
//! everything around it, and the changes moderators make.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::audit::{self, AuditActor, AuditEntry};
use super::outbox::{self, Addressing};
use super::reports::{EventRow, EvidenceRow, ReportRow};
use super::schema::{case_notes, evidence, replies, report_events, reports, status_counts, users};
use super::signals;
use super::{write_transaction, DbConnection, MultiBackend};
use crate::domain::catalog::{Category, Platform};
use crate::domain::lifecycle::{self, Actor, Requirement, TransitionError};
use crate::domain::signals::SignalCode;
use crate::domain::status::ReportStatus;
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Newest,
    Oldest,
    Priority,
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
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reports)]
pub struct QueueRow {
    pub id: i64,
    pub reference: String,
    pub status: String,
    pub category: String,
    pub platform: String,
    pub merchant_name: String,
    pub merchant_province: Option<String>,
    pub assigned_to: Option<i64>,
    pub priority: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub struct Queue {
    pub items: Vec<QueueRow>,
    pub next_cursor: Option<Cursor>,
    pub counts: Vec<(String, i64)>,
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
        query = query.filter(reports::status.eq(status.as_str()));
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
    loop {
        let ids = candidates.batch(conn, bound, newest_first, batch)?;
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
    );
    if !cursor_matches {
        return Err(AppError::Validation(vec![FieldError::new(
            "cursor",
            "invalid",
            "the cursor belongs to another sort order",
        )]));
    }
    let fast_path = if sort != Sort::Priority {
        Candidates::for_filter(filter, sqlite)
    } else {
        None
    };
    let mut items = match fast_path {
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
                Sort::Oldest => query.order(reports::id.asc()),
                Sort::Priority => query.order((reports::priority.desc(), reports::id.desc())),
            };
            query.limit(limit + 1).load(conn)?
        }
    };
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|last| match sort {
            Sort::Priority => Cursor::Priority(last.priority, last.id),
            _ => Cursor::Id(last.id),
        })
    } else {
        None
    };
    let counts = status_counts::table
        .select((status_counts::status, status_counts::n))
        .load::<(String, i64)>(conn)?;
    Ok(Queue {
        items,
        next_cursor,
        counts,
    })
}

pub fn find_by_reference(conn: &mut DbConnection, reference: &str) -> Result<ReportRow, AppError> {
    reports::table
        .filter(reports::reference.eq(reference))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Queryable)]
pub struct NoteRow {
    pub id: i64,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub author_id: i64,
    pub author_email: String,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = replies)]
pub struct ReplyRow {
    pub id: i64,
    pub message: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct Related {
    pub reference: String,
    pub status: String,
    pub merchant_name: String,
    pub created_at: NaiveDateTime,
    /// Why it is related: `merchant`, `order_id`, `tracking_number`, `evidence_sha256`.
    pub reasons: Vec<&'static str>,
}

pub struct CaseView {
    pub report: ReportRow,
    pub assigned_to: Option<(i64, String)>,
    pub duplicate_of: Option<String>,
    pub priority: i32,
    pub timeline: Vec<(EventRow, Option<String>)>,
    pub evidence: Vec<(EvidenceRow, Option<i64>)>,
    pub notes: Vec<NoteRow>,
    pub replies: Vec<ReplyRow>,
    pub related: Vec<Related>,
    pub deliveries: Vec<outbox::DeliveryRow>,
    pub signals: Vec<signals::SignalRow>,
    pub profile: Option<signals::ProfileRow>,
}

/// Everything about a case. Because it includes the reporter's contact
/// details, every view is audited.
pub fn detail(
    conn: &mut DbConnection,
    reference: &str,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<CaseView, AppError> {
    let report = find_by_reference(conn, reference)?;
    // The profile first: the signals worker may store a computation while
    // these reads run, each seeing the latest commit, so the priority and the
    // signals read after the profile are at least as new as the computation
    // it names (never "computed" with the signals of before).
    let profile = signals::profile_of(conn, report.id)?;
    let (assigned_id, duplicate_of_id, priority) = reports::table
        .find(report.id)
        .select((
            reports::assigned_to,
            reports::duplicate_of_id,
            reports::priority,
        ))
        .first::<(Option<i64>, Option<i64>, i32)>(conn)?;
    let assigned_to = match assigned_id {
        Some(id) => users::table
            .find(id)
            .select((users::id, users::email))
            .first::<(i64, String)>(conn)
            .optional()?,
        None => None,
    };
    let duplicate_of = match duplicate_of_id {
        Some(id) => reports::table
            .find(id)
            .select(reports::reference)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    let timeline = report_events::table
        .left_join(users::table.on(users::id.nullable().eq(report_events::actor_id)))
        .filter(report_events::report_id.eq(report.id))
        .order((report_events::at.asc(), report_events::id.asc()))
        .select((EventRow::as_select(), users::email.nullable()))
        .load::<(EventRow, Option<String>)>(conn)?;
    let evidence = evidence::table
        .filter(evidence::report_id.eq(report.id))
        .order(evidence::id.asc())
        .select((EvidenceRow::as_select(), evidence::reply_id))
        .load::<(EvidenceRow, Option<i64>)>(conn)?;
    let notes = case_notes::table
        .inner_join(users::table)
        .filter(case_notes::report_id.eq(report.id))
        .order(case_notes::id.asc())
        .select((
            case_notes::id,
            case_notes::body,
            case_notes::created_at,
            users::id,
            users::email,
        ))
        .load::<NoteRow>(conn)?;
    let replies = replies::table
        .filter(replies::report_id.eq(report.id))
        .order(replies::id.asc())
        .select(ReplyRow::as_select())
        .load(conn)?;
    let related = related_cases(conn, &report, &evidence)?;
    let deliveries = outbox::for_report(conn, report.id)?;
    let found_signals = signals::for_report(conn, report.id)?;
    audit::append(
        conn,
        AuditEntry {
            actor,
            action: "case.view_contact",
            report_id: Some(report.id),
            client_ip,
            before: None,
            after: None,
            at: now,
        },
    )?;
    Ok(CaseView {
        report,
        assigned_to,
        duplicate_of,
        priority,
        timeline,
        evidence,
        notes,
        replies,
        related,
        deliveries,
        signals: found_signals,
        profile,
    })
}

const RELATED_LIMIT: i64 = 20;

fn related_cases(
    conn: &mut DbConnection,
    report: &ReportRow,
    evidence_rows: &[(EvidenceRow, Option<i64>)],
) -> Result<Vec<Related>, AppError> {
    type Hit = (String, String, String, NaiveDateTime);
    let base = || {
        reports::table
            .filter(reports::id.ne(report.id))
            .select((
                reports::reference,
                reports::status,
                reports::merchant_name,
                reports::created_at,
            ))
            .order(reports::id.desc())
            .limit(RELATED_LIMIT)
            .into_boxed::<MultiBackend>()
    };
    let mut found: Vec<(Hit, &'static str)> = Vec::new();
    let by_merchant: Vec<Hit> = base()
        .filter(reports::merchant_name.eq(report.merchant_name.clone()))
        .filter(reports::platform.eq(report.platform.clone()))
        .load(conn)?;
    found.extend(by_merchant.into_iter().map(|h| (h, "merchant")));
    if let Some(order_id) = &report.order_id {
        let hits: Vec<Hit> = base()
            .filter(reports::order_id.eq(order_id.clone()))
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "order_id")));
    }
    if let Some(tracking) = &report.tracking_number {
        let hits: Vec<Hit> = base()
            .filter(reports::tracking_number.eq(tracking.clone()))
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "tracking_number")));
    }
    let hashes: Vec<String> = evidence_rows
        .iter()
        .map(|(e, _)| e.sha256.clone())
        .collect();
    if !hashes.is_empty() {
        let hits: Vec<Hit> = reports::table
            .inner_join(evidence::table)
            .filter(reports::id.ne(report.id))
            .filter(
                evidence::sha256
                    .eq_any(hashes.clone())
                    .or(evidence::original_sha256.eq_any(hashes)),
            )
            .select((
                reports::reference,
                reports::status,
                reports::merchant_name,
                reports::created_at,
            ))
            .distinct()
            .limit(RELATED_LIMIT)
            .load(conn)?;
        found.extend(hits.into_iter().map(|h| (h, "evidence_sha256")));
    }
    let mut related: Vec<Related> = Vec::new();
    for ((reference, status, merchant_name, created_at), reason) in found {
        match related.iter_mut().find(|r| r.reference == reference) {
            Some(existing) if !existing.reasons.contains(&reason) => existing.reasons.push(reason),
            Some(_) => {}
            None => related.push(Related {
                reference,
                status,
                merchant_name,
                created_at,
                reasons: vec![reason],
            }),
        }
    }
    related.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    Ok(related)
}

/// A requested status change, as the API received it.
#[derive(Debug, Clone)]
pub struct TransitionRequest {
    pub to: ReportStatus,
    pub from: Option<ReportStatus>,
    pub reason: Option<String>,
    pub public_note: Option<String>,
    pub duplicate_of: Option<String>,
    /// For `validated`: send to these directory entries instead of the routing's choice.
    pub regulator_ids: Option<Vec<i64>>,
}

pub struct Transitioned {
    pub from: ReportStatus,
    pub to: ReportStatus,
}

/// Moves a case, atomically: the status change (guarded so that of two
/// concurrent moves only one wins), its timeline entry, its audit entry and
/// the mail it causes (see `outbox::on_transition`) commit together or not
/// at all.
#[allow(clippy::too_many_arguments)]
pub fn transition(
    conn: &mut DbConnection,
    reference: &str,
    request: &TransitionRequest,
    role: Actor,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
    addressing: &Addressing,
) -> Result<Transitioned, AppError> {
    write_transaction(conn, |conn| {
        let report = find_by_reference(conn, reference)?;
        let current = ReportStatus::parse(&report.status).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!("unknown status {}", report.status))
        })?;
        if let Some(expected) = request.from {
            if expected != current {
                return Err(AppError::conflict(format!(
                    "the case is {}, no longer {}",
                    current.as_str(),
                    expected.as_str()
                )));
            }
        }
        lifecycle::check(current, request.to, role).map_err(|e| match e {
            TransitionError::Illegal { from, to } => AppError::conflict(format!(
                "a case cannot go from {} to {}",
                from.as_str(),
                to.as_str()
            )),
            TransitionError::Forbidden { from, to } => AppError::Forbidden(format!(
                "only an admin may move a case from {} to {}",
                from.as_str(),
                to.as_str()
            )),
        })?;
        let duplicate_of_id = match lifecycle::requirement(request.to) {
            Some(Requirement::Reason) if request.reason.is_none() => {
                return Err(AppError::invalid(
                    "reason",
                    "required",
                    "say why the case is rejected",
                ));
            }
            Some(Requirement::PublicNote) if request.public_note.is_none() => {
                return Err(AppError::invalid(
                    "public_note",
                    "required",
                    "write the question the consumer sees",
                ));
            }
            Some(Requirement::DuplicateOf) => {
                let Some(original) = &request.duplicate_of else {
                    return Err(AppError::invalid(
                        "duplicate_of",
                        "required",
                        "name the case this one repeats",
                    ));
                };
                if original == reference {
                    return Err(AppError::invalid(
                        "duplicate_of",
                        "self",
                        "a case cannot duplicate itself",
                    ));
                }
                let id = reports::table
                    .filter(reports::reference.eq(original))
                    .select(reports::id)
                    .first::<i64>(conn)
                    .optional()?
                    .ok_or_else(|| {
                        AppError::invalid(
                            "duplicate_of",
                            "not_found",
                            "no case with this reference",
                        )
                    })?;
                Some(id)
            }
            _ => None,
        };
        if request.regulator_ids.is_some() && request.to != ReportStatus::Validated {
            return Err(AppError::invalid(
                "regulator_ids",
                "not_applicable",
                "regulators are chosen only when validating a case",
            ));
        }
        let updated = diesel::update(
            reports::table
                .filter(reports::id.eq(report.id))
                .filter(reports::status.eq(current.as_str())),
        )
        .set((
            reports::status.eq(request.to.as_str()),
            reports::updated_at.eq(now),
            reports::duplicate_of_id.eq(duplicate_of_id),
        ))
        .execute(conn)?;
        if updated != 1 {
            return Err(AppError::conflict("the case changed meanwhile; reload it"));
        }
        let actor_id = match actor {
            AuditActor::User { id, .. } => Some(*id),
            _ => None,
        };
        diesel::insert_into(report_events::table)
            .values((
                report_events::report_id.eq(report.id),
                report_events::at.eq(now),
                report_events::status.eq(request.to.as_str()),
                report_events::from_status.eq(current.as_str()),
                report_events::public_note.eq(request.public_note.as_deref()),
                report_events::reason.eq(request.reason.as_deref()),
                report_events::actor_id.eq(actor_id),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "case.transition",
                report_id: Some(report.id),
                client_ip,
                before: Some(serde_json::json!({ "status": current.as_str() })),
                after: Some(serde_json::json!({
                    "status": request.to.as_str(),
                    "reason": request.reason,
                    "public_note": request.public_note,
                    "duplicate_of": request.duplicate_of,
                    "regulator_ids": request.regulator_ids,
                })),
                at: now,
            },
        )?;
        // The reporter's notice says what their timeline says: the public
        // note, or for a rejection (whose reason is addressed to them) the reason.
        let note = match request.to {
            ReportStatus::Rejected => request.public_note.as_deref().or(request.reason.as_deref()),
            _ => request.public_note.as_deref(),
        };
        outbox::on_transition(
            conn,
            &report,
            request.to,
            note,
            request.regulator_ids.as_deref(),
            addressing,
            now,
        )?;
        Ok(Transitioned {
            from: current,
            to: request.to,
        })
    })
}

pub fn add_note(
    conn: &mut DbConnection,
    reference: &str,
    author: i64,
    body: &str,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let report = find_by_reference(conn, reference)?;
        let id = diesel::insert_into(case_notes::table)
            .values((
                case_notes::report_id.eq(report.id),
                case_notes::author_id.eq(author),
                case_notes::body.eq(body),
                case_notes::created_at.eq(now),
            ))
            .returning(case_notes::id)
            .get_result::<i64>(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "case.note",
                report_id: Some(report.id),
                client_ip,
                before: None,
                after: Some(serde_json::json!({ "note_id": id, "body": body })),
                at: now,
            },
        )?;
        Ok(id)
    })
}

pub fn assign(
    conn: &mut DbConnection,
    reference: &str,
    assignee: Option<i64>,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let report = find_by_reference(conn, reference)?;
        if let Some(user_id) = assignee {
            let active = users::table
                .find(user_id)
                .filter(users::disabled_at.is_null())
                .select(users::id)
                .first::<i64>(conn)
                .optional()?;
            if active.is_none() {
                return Err(AppError::Validation(vec![FieldError::new(
                    "user_id",
                    "not_found",
                    "no active account with this id",
                )]));
            }
        }
        let before = reports::table
            .find(report.id)
            .select(reports::assigned_to)
            .first::<Option<i64>>(conn)?;
        diesel::update(reports::table.find(report.id))
            .set((
                reports::assigned_to.eq(assignee),
                reports::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "case.assign",
                report_id: Some(report.id),
                client_ip,
                before: Some(serde_json::json!({ "user_id": before })),
                after: Some(serde_json::json!({ "user_id": assignee })),
                at: now,
            },
        )
    })
}

/// One evidence file of one case; an id under another case is not found.
pub fn evidence_of(
    conn: &mut DbConnection,
    reference: &str,
    evidence_id: i64,
) -> Result<(i64, EvidenceRow), AppError> {
    let report = find_by_reference(conn, reference)?;
    let row = evidence::table
        .filter(evidence::id.eq(evidence_id))
        .filter(evidence::report_id.eq(report.id))
        .select(EvidenceRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    Ok((report.id, row))
}
