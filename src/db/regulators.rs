//! The regulator directory. Every change is audited.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, AuditActor, AuditEntry};
use super::schema::regulators;
use super::{write_transaction, DbConnection};
use crate::domain::catalog::Category;
use crate::domain::routing::{Regulator, RegulatorFields, RegulatorInput};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regulators)]
pub struct RegulatorRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provinces: String,
    pub categories: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RegulatorRow {
    pub fn provinces(&self) -> Vec<String> {
        serde_json::from_str(&self.provinces).unwrap_or_default()
    }

    pub fn categories(&self) -> Vec<Category> {
        serde_json::from_str::<Vec<String>>(&self.categories)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| Category::from_code(c))
            .collect()
    }

    pub fn to_domain(&self) -> Regulator {
        Regulator {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            provinces: self.provinces(),
            categories: self.categories(),
            active: self.active,
        }
    }

    fn fields(&self) -> RegulatorFields {
        RegulatorFields {
            name: self.name.clone(),
            email: self.email.clone(),
            provinces: self.provinces(),
            categories: self.categories(),
            active: self.active,
        }
    }
}

fn json_list<T: AsRef<str>>(items: &[T]) -> String {
    serde_json::Value::from(items.iter().map(|i| i.as_ref()).collect::<Vec<_>>()).to_string()
}

fn category_codes(categories: &[Category]) -> Vec<&'static str> {
    categories.iter().map(|c| c.code()).collect()
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<RegulatorRow>, AppError> {
    Ok(regulators::table
        .order(regulators::id.asc())
        .select(RegulatorRow::as_select())
        .load(conn)?)
}

/// The active entries, as routing sees them.
pub fn active(conn: &mut DbConnection) -> Result<Vec<Regulator>, AppError> {
    Ok(regulators::table
        .filter(regulators::active.eq(true))
        .order(regulators::id.asc())
        .select(RegulatorRow::as_select())
        .load(conn)?
        .iter()
        .map(RegulatorRow::to_domain)
        .collect())
}

pub fn get(conn: &mut DbConnection, id: i64) -> Result<RegulatorRow, AppError> {
    regulators::table
        .find(id)
        .select(RegulatorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

fn snapshot(fields: &RegulatorFields) -> serde_json::Value {
    serde_json::json!({
        "name": fields.name,
        "email": fields.email,
        "provinces": fields.provinces,
        "categories": category_codes(&fields.categories),
        "active": fields.active,
    })
}

pub fn create(
    conn: &mut DbConnection,
    input: RegulatorInput,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<RegulatorRow, AppError> {
    let fields = RegulatorFields::check(input, None).map_err(AppError::Validation)?;
    write_transaction(conn, |conn| {
        let id = diesel::insert_into(regulators::table)
            .values((
                regulators::name.eq(&fields.name),
                regulators::email.eq(&fields.email),
                regulators::provinces.eq(json_list(&fields.provinces)),
                regulators::categories.eq(json_list(&category_codes(&fields.categories))),
                regulators::active.eq(fields.active),
                regulators::created_at.eq(now),
                regulators::updated_at.eq(now),
            ))
            .returning(regulators::id)
            .get_result::<i64>(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "regulator.create",
                report_id: None,
                client_ip,
                before: None,
                after: Some(serde_json::json!({ "id": id, "entry": snapshot(&fields) })),
                at: now,
            },
        )?;
        get(conn, id)
    })
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    input: RegulatorInput,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<RegulatorRow, AppError> {
    write_transaction(conn, |conn| {
        let current = get(conn, id)?.fields();
        let fields = RegulatorFields::check(input, Some(&current)).map_err(AppError::Validation)?;
        diesel::update(regulators::table.find(id))
            .set((
                regulators::name.eq(&fields.name),
                regulators::email.eq(&fields.email),
                regulators::provinces.eq(json_list(&fields.provinces)),
                regulators::categories.eq(json_list(&category_codes(&fields.categories))),
                regulators::active.eq(fields.active),
                regulators::updated_at.eq(now),
            ))
            .execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "regulator.update",
                report_id: None,
                client_ip,
                before: Some(serde_json::json!({ "id": id, "entry": snapshot(&current) })),
                after: Some(serde_json::json!({ "id": id, "entry": snapshot(&fields) })),
                at: now,
            },
        )?;
        get(conn, id)
    })
}

/// Removes an entry. Deliveries already queued to it keep their recipient
/// (name and address are copied onto each delivery).
pub fn delete(
    conn: &mut DbConnection,
    id: i64,
    actor: &AuditActor,
    client_ip: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let current = get(conn, id)?.fields();
        diesel::delete(regulators::table.find(id)).execute(conn)?;
        audit::append(
            conn,
            AuditEntry {
                actor,
                action: "regulator.delete",
                report_id: None,
                client_ip,
                before: Some(serde_json::json!({ "id": id, "entry": snapshot(&current) })),
                after: None,
                at: now,
            },
        )
    })
}
