//! The `regulators` table: the directory of inboxes that receive validated
//! cases. Changes go through `crate::directory`, which audits them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::regulators;
use super::types::{Decoded, Json};
use super::DbConnection;
use crate::domain::catalog::Category;
use crate::domain::routing::{Regulator, RegulatorFields, Scope};
use crate::error::AppError;

/// A directory entry as stored. Its coverage lists are read with
/// [`Decoded`], so one corrupt entry neither hides the directory from the
/// admins who must fix it nor — worse — reads as "everything".
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regulators)]
pub struct RegulatorRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provinces: Decoded<Json<Scope<String>>>,
    pub categories: Decoded<Json<Scope<Category>>>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RegulatorRow {
    pub fn provinces(&self) -> Result<&Scope<String>, &str> {
        self.provinces
            .0
            .as_ref()
            .map(|j| &j.0)
            .map_err(String::as_str)
    }

    pub fn categories(&self) -> Result<&Scope<Category>, &str> {
        self.categories
            .0
            .as_ref()
            .map(|j| &j.0)
            .map_err(String::as_str)
    }

    /// What is wrong with the stored entry, field by field.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(e) = self.provinces() {
            problems.push(("provinces", e.to_owned()));
        }
        if let Err(e) = self.categories() {
            problems.push(("categories", e.to_owned()));
        }
        problems
    }

    /// The entry as routing sees it; `None` when a coverage list is
    /// unreadable: such an entry receives nothing until an admin fixes it.
    pub fn to_domain(&self) -> Option<Regulator> {
        Some(Regulator {
            id: self.id,
            name: self.name.clone(),
            email: self.email.clone(),
            provinces: self.provinces().ok()?.clone(),
            categories: self.categories().ok()?.clone(),
            active: self.active,
        })
    }
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<RegulatorRow>, AppError> {
    Ok(regulators::table
        .order(regulators::id.asc())
        .select(RegulatorRow::as_select())
        .load(conn)?)
}

pub fn list_active(conn: &mut DbConnection) -> Result<Vec<RegulatorRow>, AppError> {
    Ok(regulators::table
        .filter(regulators::active.eq(true))
        .order(regulators::id.asc())
        .select(RegulatorRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<RegulatorRow, AppError> {
    regulators::table
        .find(id)
        .select(RegulatorRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn insert(
    conn: &mut DbConnection,
    fields: &RegulatorFields,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(regulators::table)
        .values((
            regulators::name.eq(&fields.name),
            regulators::email.eq(&fields.email),
            regulators::provinces.eq(Json::encode(&fields.provinces)?),
            regulators::categories.eq(Json::encode(&fields.categories)?),
            regulators::active.eq(fields.active),
            regulators::created_at.eq(now),
            regulators::updated_at.eq(now),
        ))
        .returning(regulators::id)
        .get_result(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    fields: &RegulatorFields,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(regulators::table.find(id))
        .set((
            regulators::name.eq(&fields.name),
            regulators::email.eq(&fields.email),
            regulators::provinces.eq(Json::encode(&fields.provinces)?),
            regulators::categories.eq(Json::encode(&fields.categories)?),
            regulators::active.eq(fields.active),
            regulators::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), AppError> {
    diesel::delete(regulators::table.find(id)).execute(conn)?;
    Ok(())
}
