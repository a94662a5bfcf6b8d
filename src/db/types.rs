//! How typed values are stored: vocabulary enums as their codes, JSON
//! documents as text. Reading decodes strictly — an unknown code or a JSON
//! column that does not parse is a deserialization error naming the column,
//! never a default — so a corrupt or renamed value cannot quietly change
//! what the service does with a row.

use std::fmt::Debug;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::sql_types::Text;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::MultiBackend;
use crate::domain::account::Role;
use crate::domain::calendar::DeadlineKind;
use crate::domain::catalog::{Category, Platform};
use crate::domain::delivery::{DeliveryKind, DeliveryStatus};
use crate::domain::hotline::FoundVia;
use crate::domain::report::Locale;
use crate::domain::response::ResponseKind;
use crate::domain::signals::{Severity, SignalCode};
use crate::domain::status::ReportStatus;
use crate::error::AppError;

fn text(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<String> {
    <String as FromSql<Text, MultiBackend>>::from_sql(bytes)
}

/// Vocabulary enums are read from their code. (They are written with
/// `.code()`: a `&'static str` bound as text.)
macro_rules! stored_as_code {
    ($($vocabulary:ty),+ $(,)?) => {$(
        impl FromSql<Text, MultiBackend> for $vocabulary {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let code = text(bytes)?;
                <$vocabulary>::from_code(&code).ok_or_else(|| {
                    format!("{:?} is not a {}", code, stringify!($vocabulary)).into()
                })
            }
        }

        impl Queryable<Text, MultiBackend> for $vocabulary {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }
    )+};
}

stored_as_code!(
    ReportStatus,
    Category,
    Platform,
    DeliveryKind,
    DeliveryStatus,
    ResponseKind,
    DeadlineKind,
    Severity,
    SignalCode,
    Role,
    Locale,
    FoundVia,
);

/// A JSON document in a text column. Every JSON column is read through
/// this one type, so each decodes (or fails loudly) in one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Serialize> Json<T> {
    /// The text to store.
    pub fn encode(value: &T) -> Result<String, AppError> {
        serde_json::to_string(value).map_err(|e| {
            AppError::Internal(anyhow::Error::new(e).context("encoding a JSON column"))
        })
    }
}

impl<T> FromSql<Text, MultiBackend> for Json<T>
where
    T: DeserializeOwned + Debug,
{
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = text(bytes)?;
        serde_json::from_str(&text)
            .map(Json)
            .map_err(|e| format!("not the expected JSON document: {e}").into())
    }
}

impl<T> Queryable<Text, MultiBackend> for Json<T>
where
    T: DeserializeOwned + Debug,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

/// A column read without failing the whole query: the decoded value, or
/// why it did not decode. For rows that must stay visible (and fixable)
/// when one field is corrupt — the regulator directory — where the caller
/// decides, explicitly, what an unreadable value means (never a default).
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T>(pub Result<T, String>);

impl<T> FromSql<Text, MultiBackend> for Decoded<T>
where
    T: FromSql<Text, MultiBackend>,
{
    fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(Decoded(T::from_sql(bytes).map_err(|e| e.to_string())))
    }
}

impl<T> Queryable<Text, MultiBackend> for Decoded<T>
where
    T: FromSql<Text, MultiBackend>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}
