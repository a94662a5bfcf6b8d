//! The `brands` table: the directory of brands' own service numbers and
//! domains. Changes go through `crate::directory`, which audits them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::brands;
use super::types::Json;
use super::DbConnection;
use crate::domain::brands::BrandFields;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = brands)]
pub struct BrandRow {
    pub id: i64,
    pub name: String,
    pub aliases: Json<Vec<String>>,
    pub official_numbers: Json<Vec<String>>,
    pub official_domains: Json<Vec<String>>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl BrandRow {
    pub fn fields(&self) -> BrandFields {
        BrandFields {
            name: self.name.clone(),
            aliases: self.aliases.0.clone(),
            official_numbers: self.official_numbers.0.clone(),
            official_domains: self.official_domains.0.clone(),
        }
    }
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<BrandRow>, AppError> {
    Ok(brands::table
        .order(brands::id.asc())
        .select(BrandRow::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, id: i64) -> Result<BrandRow, AppError> {
    brands::table
        .find(id)
        .select(BrandRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

pub fn insert(
    conn: &mut DbConnection,
    fields: &BrandFields,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(brands::table)
        .values((
            brands::name.eq(&fields.name),
            brands::aliases.eq(Json::encode(&fields.aliases)?),
            brands::official_numbers.eq(Json::encode(&fields.official_numbers)?),
            brands::official_domains.eq(Json::encode(&fields.official_domains)?),
            brands::created_at.eq(now),
            brands::updated_at.eq(now),
        ))
        .returning(brands::id)
        .get_result(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    fields: &BrandFields,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(brands::table.find(id))
        .set((
            brands::name.eq(&fields.name),
            brands::aliases.eq(Json::encode(&fields.aliases)?),
            brands::official_numbers.eq(Json::encode(&fields.official_numbers)?),
            brands::official_domains.eq(Json::encode(&fields.official_domains)?),
            brands::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: i64) -> Result<(), AppError> {
    diesel::delete(brands::table.find(id)).execute(conn)?;
    Ok(())
}
