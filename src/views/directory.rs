//! Staff accounts, the regulator directory and the brand directory, as
//! admins see them.

use serde::Serialize;

use super::Time;
use crate::db::brands::BrandRow;
use crate::db::regulators::RegulatorRow;
use crate::db::users::UserRow;
use crate::domain::account::Role;
use crate::domain::catalog::Category;

#[derive(Debug, Serialize)]
pub struct UserItem {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: Time,
}

impl From<&UserRow> for UserItem {
    fn from(u: &UserRow) -> Self {
        UserItem {
            id: u.id,
            email: u.email.clone(),
            role: u.role,
            disabled: u.disabled_at.is_some(),
            created_at: Time(u.created_at),
        }
    }
}

/// An active account, for the assignment picker.
#[derive(Debug, Serialize)]
pub struct StaffItem {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

/// A directory entry. `provinces`/`categories` are empty for "all"; an
/// entry whose stored list cannot be read shows `null` there and says why
/// in `problems` (it receives no case until an admin saves it again).
#[derive(Debug, Serialize)]
pub struct RegulatorEntry {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub provinces: Option<Vec<String>>,
    pub categories: Option<Vec<Category>>,
    pub active: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    pub created_at: Time,
    pub updated_at: Time,
}

impl From<&RegulatorRow> for RegulatorEntry {
    fn from(row: &RegulatorRow) -> Self {
        RegulatorEntry {
            id: row.id,
            name: row.name.clone(),
            email: row.email.clone(),
            provinces: row.provinces().ok().map(|s| s.as_list().to_vec()),
            categories: row.categories().ok().map(|s| s.as_list().to_vec()),
            active: row.active,
            problems: row
                .problems()
                .into_iter()
                .map(|(field, message)| Problem { field, message })
                .collect(),
            created_at: Time(row.created_at),
            updated_at: Time(row.updated_at),
        }
    }
}

/// A brand directory entry.
#[derive(Debug, Serialize)]
pub struct BrandEntry {
    pub id: i64,
    pub name: String,
    pub aliases: Vec<String>,
    pub official_numbers: Vec<String>,
    pub official_domains: Vec<String>,
    pub created_at: Time,
    pub updated_at: Time,
}

impl From<&BrandRow> for BrandEntry {
    fn from(b: &BrandRow) -> Self {
        BrandEntry {
            id: b.id,
            name: b.name.clone(),
            aliases: b.aliases.0.clone(),
            official_numbers: b.official_numbers.0.clone(),
            official_domains: b.official_domains.0.clone(),
            created_at: Time(b.created_at),
            updated_at: Time(b.updated_at),
        }
    }
}
