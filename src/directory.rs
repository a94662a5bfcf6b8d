//! The directories admins keep — the regulators who receive cases and the
//! brands whose own service numbers hotlines are checked against — as
//! admins change them: each change checked, written and audited in one
//! transaction.

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use crate::cases::Caller;
use crate::db::audit::{self, AuditEntry};
use crate::db::brands::{self, BrandRow};
use crate::db::regulators::{self, RegulatorRow};
use crate::db::{write_transaction, DbConnection};
use crate::domain::brands::{BrandFields, BrandInput};
use crate::domain::routing::{RegulatorFields, RegulatorInput, Scope};
use crate::error::{AppError, FieldError};

fn snapshot(fields: &RegulatorFields) -> Value {
    json!({
        "name": fields.name,
        "email": fields.email,
        "provinces": fields.provinces,
        "categories": fields.categories,
        "active": fields.active,
    })
}

/// The stored entry as a snapshot for the audit trail (unreadable lists as
/// the problem they have).
fn row_snapshot(row: &RegulatorRow) -> Value {
    json!({
        "name": row.name,
        "email": row.email,
        "provinces": row.provinces().map_or_else(|e| json!({ "unreadable": e }), |s| json!(s)),
        "categories": row.categories().map_or_else(|e| json!({ "unreadable": e }), |s| json!(s)),
        "active": row.active,
    })
}

pub fn create(
    conn: &mut DbConnection,
    input: RegulatorInput,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<RegulatorRow, AppError> {
    let fields = RegulatorFields::check(input, None).map_err(AppError::Validation)?;
    write_transaction(conn, |conn| {
        let id = regulators::insert(conn, &fields, now)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "regulator.create",
                report_id: None,
                client_ip: caller.client_ip.as_deref(),
                before: None,
                after: Some(json!({ "id": id, "entry": snapshot(&fields) })),
                at: now,
            },
        )?;
        regulators::find(conn, id)
    })
}

/// Changes the fields `input` names. A coverage list that cannot be read
/// must be sent again: it is not guessed.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    input: RegulatorInput,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<RegulatorRow, AppError> {
    write_transaction(conn, |conn| {
        let row = regulators::find(conn, id)?;
        let mut errors = Vec::new();
        let provinces = match (row.provinces(), &input.provinces) {
            (Ok(scope), _) => scope.clone(),
            // Replaced by the input below; never used as it stands.
            (Err(_), Some(_)) => Scope::All,
            (Err(problem), None) => {
                errors.push(FieldError::new(
                    "provinces",
                    "unreadable",
                    format!("the stored list cannot be read ({problem}); send it again"),
                ));
                Scope::All
            }
        };
        let categories = match (row.categories(), &input.categories) {
            (Ok(scope), _) => scope.clone(),
            (Err(_), Some(_)) => Scope::All,
            (Err(problem), None) => {
                errors.push(FieldError::new(
                    "categories",
                    "unreadable",
                    format!("the stored list cannot be read ({problem}); send it again"),
                ));
                Scope::All
            }
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let current = RegulatorFields {
            name: row.name.clone(),
            email: row.email.clone(),
            provinces,
            categories,
            active: row.active,
        };
        let fields = RegulatorFields::check(input, Some(&current)).map_err(AppError::Validation)?;
        regulators::update(conn, id, &fields, now)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "regulator.update",
                report_id: None,
                client_ip: caller.client_ip.as_deref(),
                before: Some(json!({ "id": id, "entry": row_snapshot(&row) })),
                after: Some(json!({ "id": id, "entry": snapshot(&fields) })),
                at: now,
            },
        )?;
        regulators::find(conn, id)
    })
}

/// Removes an entry. Deliveries already queued to it keep their recipient
/// (name and address are copied onto each delivery).
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let row = regulators::find(conn, id)?;
        regulators::delete(conn, id)?;
        audit::append(
            conn,
            AuditEntry {
                actor: &caller.audit,
                action: "regulator.delete",
                report_id: None,
                client_ip: caller.client_ip.as_deref(),
                before: Some(json!({ "id": id, "entry": row_snapshot(&row) })),
                after: None,
                at: now,
            },
        )
    })
}

fn brand_snapshot(id: i64, fields: &BrandFields) -> Value {
    json!({ "id": id, "entry": fields })
}

/// A new brand directory entry, checked, written and audited together.
pub fn create_brand(
    conn: &mut DbConnection,
    input: BrandInput,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<BrandRow, AppError> {
    let fields = BrandFields::check(input, None).map_err(AppError::Validation)?;
    write_transaction(conn, |conn| {
        let id = brands::insert(conn, &fields, now)?;
        audit_brand(
            conn,
            "brand.create",
            caller,
            None,
            Some(brand_snapshot(id, &fields)),
            now,
        )?;
        brands::find(conn, id)
    })
}

pub fn update_brand(
    conn: &mut DbConnection,
    id: i64,
    input: BrandInput,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<BrandRow, AppError> {
    write_transaction(conn, |conn| {
        let before = brands::find(conn, id)?.fields();
        let fields = BrandFields::check(input, Some(&before)).map_err(AppError::Validation)?;
        brands::update(conn, id, &fields, now)?;
        audit_brand(
            conn,
            "brand.update",
            caller,
            Some(brand_snapshot(id, &before)),
            Some(brand_snapshot(id, &fields)),
            now,
        )?;
        brands::find(conn, id)
    })
}

pub fn delete_brand(
    conn: &mut DbConnection,
    id: i64,
    caller: &Caller,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let before = brands::find(conn, id)?.fields();
        brands::delete(conn, id)?;
        audit_brand(
            conn,
            "brand.delete",
            caller,
            Some(brand_snapshot(id, &before)),
            None,
            now,
        )
    })
}

fn audit_brand(
    conn: &mut DbConnection,
    action: &'static str,
    caller: &Caller,
    before: Option<Value>,
    after: Option<Value>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    audit::append(
        conn,
        AuditEntry {
            actor: &caller.audit,
            action,
            report_id: None,
            client_ip: caller.client_ip.as_deref(),
            before,
            after,
            at: now,
        },
    )
}
