//! The case workflow: every change to a case — filing, the reporter's
//! reply, a moderator's transition, the system's `forwarded`, notes and
//! assignment, unsubscribing — lives here, each in one write transaction
//! together with its audit entries and its side effects (mail queued in the
//! outbox, the reporter notified, signals marked for recomputation).
//!
//! The functions taking a `&mut DbConnection` are the transactions; the
//! [`Workflow`] runs them off the async workers and, once they commit,
//! wakes the background workers they gave work to. `db` modules are
//! table-scoped and never call back up here.
//!
//! To see what happens when a case is validated, read [`transition`], then
//! [`routing`] (who receives it) and [`forwarding`] (when it is forwarded).

pub mod deadlines;
mod evidence_files;
pub mod file;
pub mod forwarding;
pub mod notices;
pub mod reminders;
pub mod reply;
pub mod reporter;
pub mod responses;
pub mod routing;
pub mod staff;
pub mod transition;
pub mod view;

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::Notify;

use crate::db::audit::AuditActor;
use crate::db::profiles::NewProfile;
use crate::db::{self, DbPool};
use crate::domain::delivery::Addressing;
use crate::domain::lifecycle;
use crate::domain::report::NewReport;
use crate::error::AppError;
use crate::evidence::{EvidenceStore, ProcessedEvidence};

pub use file::Filed;
pub use routing::Target;
pub use transition::{TransitionRequest, Transitioned};
pub use view::CaseDetailData;

/// Who acts on a case, as the lifecycle and the audit trail see them.
#[derive(Debug, Clone)]
pub struct Caller {
    pub audit: AuditActor,
    pub role: lifecycle::Actor,
    pub client_ip: Option<String>,
}

impl Caller {
    /// The service itself (the outbox forwarding a case, a worker).
    pub fn system() -> Self {
        Caller {
            audit: AuditActor::System,
            role: lifecycle::Actor::System,
            client_ip: None,
        }
    }

    /// The reporter, through their tracking code.
    pub fn consumer(client_ip: Option<String>) -> Self {
        Caller {
            audit: AuditActor::Consumer,
            role: lifecycle::Actor::Consumer,
            client_ip,
        }
    }

    /// The staff account's id, when a staff member acts.
    pub fn user_id(&self) -> Option<i64> {
        match &self.audit {
            AuditActor::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// Wakes this process's background workers when a transaction gave them work.
#[derive(Clone, Default)]
pub struct Wakers {
    pub mail: Arc<Notify>,
    pub signals: Arc<Notify>,
}

/// The workflow as the HTTP handlers use it.
#[derive(Clone)]
pub struct Workflow {
    pub pool: DbPool,
    pub store: Arc<dyn EvidenceStore>,
    pub addressing: Addressing,
    pub wakers: Wakers,
}

impl Workflow {
    /// Files a new report with its evidence.
    pub async fn file(
        &self,
        report: NewReport,
        files: Vec<ProcessedEvidence>,
        profile: NewProfile,
    ) -> Result<Filed, AppError> {
        let (pool, store, addressing) = (
            self.pool.clone(),
            Arc::clone(&self.store),
            self.addressing.clone(),
        );
        let filed = actix_web::web::block(move || {
            file::file(&pool, store.as_ref(), &report, files, &profile, &addressing)
        })
        .await??;
        self.wakers.mail.notify_one();
        self.wakers.signals.notify_one();
        Ok(filed)
    }

    /// The reporter answers a moderator's question.
    pub async fn reply(
        &self,
        reference: String,
        message: String,
        files: Vec<ProcessedEvidence>,
        caller: Caller,
    ) -> Result<crate::domain::status::ReportStatus, AppError> {
        let (pool, store, addressing) = (
            self.pool.clone(),
            Arc::clone(&self.store),
            self.addressing.clone(),
        );
        let status = actix_web::web::block(move || {
            reply::reply(
                &pool,
                store.as_ref(),
                &reference,
                &message,
                files,
                &caller,
                &addressing,
            )
        })
        .await??;
        self.wakers.signals.notify_one();
        self.wakers.mail.notify_one();
        Ok(status)
    }

    /// Moves a case (a moderator or an admin).
    pub async fn transition(
        &self,
        reference: String,
        request: TransitionRequest,
        caller: Caller,
    ) -> Result<Transitioned, AppError> {
        let addressing = self.addressing.clone();
        let done = db::run(&self.pool, move |conn| {
            transition::transition(
                conn,
                &reference,
                &request,
                &caller,
                &addressing,
                Utc::now().naive_utc(),
            )
        })
        .await?;
        self.wakers.mail.notify_one();
        Ok(done)
    }

    pub async fn add_note(
        &self,
        reference: String,
        body: String,
        caller: Caller,
    ) -> Result<i64, AppError> {
        db::run(&self.pool, move |conn| {
            staff::add_note(conn, &reference, &body, &caller, Utc::now().naive_utc())
        })
        .await
    }

    pub async fn assign(
        &self,
        reference: String,
        assignee: Option<i64>,
        caller: Caller,
    ) -> Result<(), AppError> {
        db::run(&self.pool, move |conn| {
            staff::assign(conn, &reference, assignee, &caller, Utc::now().naive_utc())
        })
        .await
    }

    /// An admin sends a failed delivery again.
    pub async fn retry_delivery(&self, id: i64, caller: Caller) -> Result<(), AppError> {
        db::run(&self.pool, move |conn| {
            forwarding::retry_delivery(conn, id, &caller, Utc::now().naive_utc())
        })
        .await?;
        self.wakers.mail.notify_one();
        Ok(())
    }

    /// The reporter stops the notices about their report.
    pub async fn unsubscribe(&self, reference: String) -> Result<(), AppError> {
        db::run(&self.pool, move |conn| {
            reporter::unsubscribe(conn, &reference, Utc::now().naive_utc())
        })
        .await
    }

    /// The case as the recipient of `delivery_id` sees it on its response page.
    pub async fn response_page(
        &self,
        delivery_id: i64,
    ) -> Result<responses::ResponseCase, AppError> {
        db::run(&self.pool, move |conn| responses::open(conn, delivery_id)).await
    }

    /// A regulator's answer through its delivery's link.
    pub async fn record_regulator_response(
        &self,
        delivery_id: i64,
        answer: crate::domain::response::NewResponse,
        client_ip: Option<String>,
    ) -> Result<responses::Recorded, AppError> {
        let addressing = self.addressing.clone();
        let recorded = db::run(&self.pool, move |conn| {
            responses::record(
                conn,
                delivery_id,
                &answer,
                client_ip.as_deref(),
                &addressing,
                Utc::now().naive_utc(),
            )
        })
        .await?;
        self.wakers.mail.notify_one();
        Ok(recorded)
    }

    /// A moderator passes a regulator's question on to the reporter.
    pub async fn relay_question(
        &self,
        reference: String,
        response_id: i64,
        caller: Caller,
    ) -> Result<(), AppError> {
        let addressing = self.addressing.clone();
        db::run(&self.pool, move |conn| {
            responses::relay_question(
                conn,
                &reference,
                response_id,
                &caller,
                &addressing,
                Utc::now().naive_utc(),
            )
        })
        .await?;
        self.wakers.mail.notify_one();
        Ok(())
    }

    /// Where the case would be forwarded now, and the directory to choose from.
    pub async fn routing(&self, reference: String) -> Result<routing::Preview, AppError> {
        let addressing = self.addressing.clone();
        db::run(&self.pool, move |conn| {
            routing::preview(conn, &reference, &addressing)
        })
        .await
    }

    /// Everything about a case for a staff member; the view is audited.
    pub async fn open(
        &self,
        reference: String,
        caller: Caller,
    ) -> Result<CaseDetailData, AppError> {
        db::run(&self.pool, move |conn| {
            view::open(conn, &reference, &caller, Utc::now().naive_utc())
        })
        .await
    }
}
