//! Who receives a validated case: the regulator directory's routing, or
//! the moderator's choice among its active entries; and the deliveries
//! queued, one per recipient, with the move to `validated`.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::deliveries::{self, NewDelivery};
use crate::db::reports::{self, ReportRow};
use crate::db::{hotlines, regulators, DbConnection};
use crate::domain::delivery::{Addressing, DeliveryKind};
use crate::domain::routing::{self, Regulator, Targets};
use crate::error::{AppError, FieldError};

/// A recipient of a validated case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// `None` for the default inbox.
    pub regulator_id: Option<i64>,
    pub name: String,
    pub email: String,
}

impl From<&Regulator> for Target {
    fn from(r: &Regulator) -> Self {
        Target {
            regulator_id: Some(r.id),
            name: r.name.clone(),
            email: r.email.clone(),
        }
    }
}

/// The active directory as routing sees it. An entry whose coverage lists
/// do not decode takes no case (and says so in the log) until an admin
/// fixes it: a corrupt list must never widen what an entry receives.
fn active_directory(conn: &mut DbConnection) -> Result<Vec<Regulator>, AppError> {
    Ok(regulators::list_active(conn)?
        .iter()
        .filter_map(|row| {
            let entry = row.to_domain();
            if entry.is_none() {
                tracing::error!(
                    regulator_id = row.id,
                    problems = ?row.problems(),
                    "a regulator entry cannot be read; it receives no case until an admin fixes it"
                );
            }
            entry
        })
        .collect())
}

/// Where the case would go now: the matching active regulators, or the
/// default inbox. With `chosen`, exactly those (active) directory entries.
pub fn targets(
    conn: &mut DbConnection,
    report: &ReportRow,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
) -> Result<Vec<Target>, AppError> {
    let directory = active_directory(conn)?;
    if let Some(ids) = chosen {
        let mut picked: Vec<Target> = Vec::new();
        let mut errors = Vec::new();
        if ids.is_empty() {
            errors.push(FieldError::new(
                "regulator_ids",
                "required",
                "choose at least one regulator, or leave the routing as it is",
            ));
        }
        for (i, id) in ids.iter().enumerate() {
            match directory.iter().find(|r| r.id == *id) {
                Some(r) if !picked.iter().any(|t| t.regulator_id == Some(r.id)) => {
                    picked.push(Target::from(r))
                }
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("regulator_ids[{i}]"),
                    "not_found",
                    "no active regulator with this id",
                )),
            }
        }
        return if errors.is_empty() {
            Ok(picked)
        } else {
            Err(AppError::Validation(errors))
        };
    }
    // A fake hotline may name no shop: it is routed by where the consumer was.
    let incident_province = match report.merchant_province {
        Some(_) => None,
        None => hotlines::find(conn, report.id)?.and_then(|h| h.incident_province),
    };
    let province = report
        .merchant_province
        .as_deref()
        .or(incident_province.as_deref());
    Ok(
        match routing::route(&directory, province, report.category) {
            Targets::Regulators(list) => list.into_iter().map(Target::from).collect(),
            Targets::DefaultInbox => vec![Target {
                regulator_id: None,
                name: addressing.inbox_display_name(),
                email: addressing.inbox_email.clone(),
            }],
        },
    )
}

/// Where a case would go if validated now, and the active directory a
/// moderator may choose from instead.
pub struct Preview {
    pub report: ReportRow,
    pub targets: Vec<Target>,
    pub directory: Vec<Regulator>,
}

pub fn preview(
    conn: &mut DbConnection,
    reference: &str,
    addressing: &Addressing,
) -> Result<Preview, AppError> {
    let report = reports::find_by_reference(conn, reference)?;
    let targets = targets(conn, &report, None, addressing)?;
    let directory = active_directory(conn)?;
    Ok(Preview {
        report,
        targets,
        directory,
    })
}

/// One delivery per target, queued with the move to `validated`.
pub(crate) fn queue_regulator_mail(
    conn: &mut DbConnection,
    report: &ReportRow,
    chosen: Option<&[i64]>,
    addressing: &Addressing,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for target in targets(conn, report, chosen, addressing)? {
        let message_id = addressing.new_message_id(DeliveryKind::Regulator);
        deliveries::insert(
            conn,
            NewDelivery {
                report_id: report.id,
                kind: DeliveryKind::Regulator,
                regulator_id: target.regulator_id,
                recipient_name: Some(&target.name),
                recipient_email: &target.email,
                message_id: &message_id,
                note: None,
                secret: None,
                replies_to: None,
            },
            now,
        )?;
    }
    Ok(())
}
