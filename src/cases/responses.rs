//! A regulator answers a forwarded case through the signed link of its
//! delivery (`/respond/<token>`): the answer, its audit entry, the
//! reporter's notice (decisions only) or the moderators' (a question), and —
//! when every recipient has given a final answer — the case's move to
//! `closed`, all in one transaction.

use chrono::NaiveDateTime;
use serde_json::json;

use super::notices::{notify_reporter, notify_staff};
use super::transition::{apply, TransitionRequest};
use super::Caller;
use crate::db::audit::{self, AuditActor, AuditEntry};
use crate::db::case_record::{self, CaseRecord};
use crate::db::deliveries::{self, DeliveryRow};
use crate::db::responses::{self, ResponseRow};
use crate::db::{deadlines, dialect, reports, write_transaction, DbConnection};
use crate::domain::calendar::DeadlineKind;
use crate::domain::delivery::{Addressing, DeliveryKind, DeliveryStatus};
use crate::domain::lifecycle;
use crate::domain::report::Locale;
use crate::domain::response::{self, NewResponse, ResponseKind};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

/// The delivery a genuine token names, if its link still works.
fn live_delivery(conn: &mut DbConnection, delivery_id: i64) -> Result<DeliveryRow, AppError> {
    let delivery = match deliveries::find(conn, delivery_id) {
        Ok(row) if row.kind == DeliveryKind::Regulator => row,
        // A signed token for a delivery that is gone (or not a regulator's).
        Ok(_) | Err(AppError::NotFound) => return Err(link_gone("this link is not valid")),
        Err(other) => return Err(other),
    };
    if delivery.response_revoked_at.is_some() {
        return Err(link_gone(
            "this link was withdrawn: the case was reopened; a new email follows if it is sent again",
        ));
    }
    Ok(delivery)
}

fn link_gone(detail: &str) -> AppError {
    AppError::Gone(detail.to_owned())
}

/// What the response page shows.
pub struct ResponseCase {
    pub record: CaseRecord,
    pub delivery: DeliveryRow,
    /// This recipient's answers, oldest first.
    pub answers: Vec<ResponseRow>,
    pub allowed_next: Vec<ResponseKind>,
}

pub fn open(conn: &mut DbConnection, delivery_id: i64) -> Result<ResponseCase, AppError> {
    let delivery = live_delivery(conn, delivery_id)?;
    let record = case_record::load(conn, delivery.report_id)?;
    let answers: Vec<ResponseRow> = record
        .responses
        .iter()
        .filter(|a| a.row.delivery_id == delivery.id)
        .map(|a| a.row.clone())
        .collect();
    let kinds: Vec<ResponseKind> = answers.iter().map(|a| a.kind).collect();
    Ok(ResponseCase {
        allowed_next: response::allowed_next(&kinds),
        record,
        delivery,
        answers,
    })
}

/// The outcome of a posted answer.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    pub id: i64,
    /// False when the same answer had been recorded already (a re-sent form).
    pub new: bool,
    /// The case closed with this answer.
    pub closed: bool,
}

/// Records `answer` from the recipient of `delivery_id`.
pub fn record(
    conn: &mut DbConnection,
    delivery_id: i64,
    answer: &NewResponse,
    client_ip: Option<&str>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<Recorded, AppError> {
    write_transaction(conn, |conn| {
        let delivery = live_delivery(conn, delivery_id)?;
        // Two answers at once (a double click, two officers) are ordered.
        dialect::lock_report(conn, delivery.report_id)?;
        let all = responses::for_report(conn, delivery.report_id)?;
        let mine: Vec<&ResponseRow> = all
            .iter()
            .map(|a| &a.row)
            .filter(|r| r.delivery_id == delivery.id)
            .collect();
        if let Some(last) = mine.last() {
            if last.as_new() == *answer {
                return Ok(Recorded {
                    id: last.id,
                    new: false,
                    closed: false,
                });
            }
        }
        let history: Vec<ResponseKind> = mine.iter().map(|r| r.kind).collect();
        response::check_order(&history, answer.kind)
            .map_err(|e| AppError::conflict(e.message()))?;
        let report = reports::find(conn, delivery.report_id)?;
        let id = responses::insert(conn, report.id, delivery.id, answer, client_ip, now)?;
        let regulator = delivery
            .recipient_name
            .clone()
            .unwrap_or_else(|| delivery.recipient_email.clone());
        let actor = AuditActor::Regulator {
            regulator_id: delivery.regulator_id,
            name: regulator.clone(),
            delivery_id: delivery.id,
        };
        audit::append(
            conn,
            AuditEntry {
                actor: &actor,
                action: "regulator.response",
                report_id: Some(report.id),
                client_ip,
                before: Some(json!({ "responses": history })),
                after: Some(
                    json!({ "response_id": id, "delivery_id": delivery.id, "response": answer }),
                ),
                at: now,
            },
        )?;
        if answer.kind.is_public() {
            let text = match report.locale {
                Locale::En => answer.public_text_en(),
                Locale::ZhCn => answer.public_text_zh(),
            };
            let note = text.map(|t| format!("{regulator}: {t}"));
            notify_reporter(
                conn,
                &report,
                DeliveryKind::RegulatorResponse,
                note.as_deref(),
                None,
                addressing,
                now,
            )?;
        } else if let Some(question) = &answer.question {
            notify_staff(
                conn,
                &report,
                DeliveryKind::RegulatorQuestion,
                &format!("{regulator}：{question}"),
                addressing,
                now,
            )?;
        }
        if answer.kind != ResponseKind::NeedsInfo {
            end_acknowledgement_if_all_answered(conn, report.id)?;
        }
        let closed =
            answer.kind.is_final() && close_if_settled(conn, report.id, &actor, addressing, now)?;
        Ok(Recorded {
            id,
            new: true,
            closed,
        })
    })
}

/// The current recipients: regulator deliveries that reached their server
/// and whose links still work (a reopened case's earlier ones do not count).
fn current_recipients(
    conn: &mut DbConnection,
    report_id: i64,
) -> Result<Vec<DeliveryRow>, AppError> {
    Ok(deliveries::for_report(conn, report_id)?
        .into_iter()
        .filter(|d| {
            d.kind == DeliveryKind::Regulator
                && d.response_revoked_at.is_none()
                && d.status == DeliveryStatus::Accepted
        })
        .collect())
}

/// Each recipient's answers, in the order of `recipients`.
fn histories(
    conn: &mut DbConnection,
    report_id: i64,
    recipients: &[DeliveryRow],
) -> Result<Vec<Vec<ResponseKind>>, AppError> {
    let answers = responses::for_report(conn, report_id)?;
    Ok(recipients
        .iter()
        .map(|d| {
            answers
                .iter()
                .filter(|a| a.row.delivery_id == d.id)
                .map(|a| a.row.kind)
                .collect()
        })
        .collect())
}

/// The acknowledgement deadline ends once every recipient has accepted or declined.
fn end_acknowledgement_if_all_answered(
    conn: &mut DbConnection,
    report_id: i64,
) -> Result<(), AppError> {
    let running = deadlines::find(conn, report_id)?;
    if running.map(|r| r.kind) != Some(DeadlineKind::RegulatorAcknowledgement) {
        return Ok(());
    }
    let recipients = current_recipients(conn, report_id)?;
    let acknowledged = histories(conn, report_id, &recipients)?
        .iter()
        .all(|h| response::standing(h) != response::Standing::Undecided);
    if acknowledged {
        super::deadlines::end(conn, report_id)?;
    }
    Ok(())
}

/// Closes a forwarded case once every current recipient (its regulator
/// deliveries whose links still work) has given a final answer.
fn close_if_settled(
    conn: &mut DbConnection,
    report_id: i64,
    actor: &AuditActor,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<bool, AppError> {
    let report = reports::find(conn, report_id)?;
    if report.status != ReportStatus::Forwarded {
        return Ok(false);
    }
    let recipients = current_recipients(conn, report_id)?;
    let histories = histories(conn, report_id, &recipients)?;
    if !response::all_settled(histories.iter().map(Vec::as_slice)) {
        return Ok(false);
    }
    let request = TransitionRequest {
        from: Some(ReportStatus::Forwarded),
        public_note: Some("监管部门已作出最终答复，本案办结".to_owned()),
        ..TransitionRequest::to(ReportStatus::Closed)
    };
    let caller = Caller {
        audit: actor.clone(),
        role: lifecycle::Actor::Regulator,
        client_ip: None,
    };
    apply(conn, &report, &request, &caller, addressing, None, now)?;
    Ok(true)
}

/// A moderator passes a regulator's question on to the reporter: the
/// reporter gets it as a question by email and on their tracking page, and
/// may answer it there (see [`super::reply`]).
pub fn relay_question(
    conn: &mut DbConnection,
    reference: &str,
    response_id: i64,
    caller: &Caller,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let report = reports::find_by_reference(conn, reference)?;
        let answer = responses::find(conn, response_id)?;
        if answer.report_id != report.id {
            return Err(AppError::NotFound);
        }
        let Some(question) = answer.question.clone() else {
            return Err(AppError::conflict("only a question can be relayed"));
        };
        if !responses::mark_relayed(conn, answer.id, now)? {
            return Err(AppError::conflict("this question was relayed already"));
        }
        notify_reporter(
            conn,
            &report,
            DeliveryKind::NeedsInfo,
            Some(&question),
            None,
            addressing,
            now,
        )?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "regulator.question_relayed",
                report_id: Some(report.id),
                client_ip: caller.client_ip.as_deref(),
                before: None,
                after: Some(json!({ "response_id": answer.id, "question": question })),
                at: now,
            },
        )
    })
}
