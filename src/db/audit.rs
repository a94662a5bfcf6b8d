//! The append-only audit trail. There is deliberately no update or delete
//! here, and database triggers refuse both.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::types::Json;
use super::DbConnection;
use crate::error::AppError;

/// Who did something.
#[derive(Debug, Clone)]
pub enum AuditActor {
    User {
        id: i64,
        email: String,
    },
    Consumer,
    System,
    /// Whoever holds a signed link from one of our emails (a case officer).
    SignedLink,
    /// A regulator answering through the response link of its delivery:
    /// the directory entry (none for the default inbox), by name.
    Regulator {
        regulator_id: Option<i64>,
        name: String,
        delivery_id: i64,
    },
    /// A login attempt for an account that may not exist.
    Anonymous {
        claimed: String,
    },
}

pub struct AuditEntry<'a> {
    pub actor: &'a AuditActor,
    pub action: &'a str,
    pub report_id: Option<i64>,
    pub client_ip: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: NaiveDateTime,
}

pub fn append(conn: &mut DbConnection, entry: AuditEntry<'_>) -> Result<(), AppError> {
    let (kind, id, label) = match entry.actor {
        AuditActor::User { id, email } => ("user", Some(*id), Some(email.clone())),
        AuditActor::Consumer => ("consumer", None, None),
        AuditActor::System => ("system", None, None),
        AuditActor::SignedLink => ("signed_link", None, None),
        AuditActor::Regulator {
            regulator_id,
            name,
            delivery_id,
        } => (
            "regulator",
            *regulator_id,
            Some(format!("{name} (delivery {delivery_id})")),
        ),
        AuditActor::Anonymous { claimed } => ("anonymous", None, Some(claimed.clone())),
    };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(entry.at),
            audit_log::actor_kind.eq(kind),
            audit_log::actor_id.eq(id),
            audit_log::actor_label.eq(label.as_deref()),
            audit_log::action.eq(entry.action),
            audit_log::report_id.eq(entry.report_id),
            audit_log::client_ip.eq(entry.client_ip),
            audit_log::before_state.eq(entry.before.map(|v| v.to_string())),
            audit_log::after_state.eq(entry.after.map(|v| v.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: Option<String>,
    pub action: String,
    pub report_id: Option<i64>,
    pub client_ip: Option<String>,
    pub before_state: Option<Json<serde_json::Value>>,
    pub after_state: Option<Json<serde_json::Value>>,
}

pub fn for_report(conn: &mut DbConnection, report_id: i64) -> Result<Vec<AuditRow>, AppError> {
    Ok(audit_log::table
        .filter(audit_log::report_id.eq(report_id))
        .order(audit_log::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}
