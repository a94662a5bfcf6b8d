//! Builds the messages: the regulator's case email (zh-CN, plain text and
//! HTML, evidence attached with SHA-256 fingerprints, a machine-readable
//! case file) and the reporter's notifications (in their language).
//!
//! Consumer text only ever goes into escaped HTML, plain text, or header
//! values that lettre encodes (RFC 2047), and recipients come only from the
//! directory, the configuration or the report's validated email field.

use std::sync::Arc;

use anyhow::Context;
use askama::Template;
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use lettre::address::Envelope;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::Message;

use crate::case_signing::CaseSigner;
use crate::db::case_record::CaseRecord;
use crate::db::deliveries::DeliveryRow;
use crate::db::evidence::EvidenceRow;
use crate::db::signals::SignalRow;
use crate::domain::delivery::DeliveryKind;
use crate::domain::report::{Hotline, Locale, Logistics};
use crate::evidence::inspect::csv_has_formulas;
use crate::evidence::EvidenceStore;
use crate::keys::SigningKey;
use crate::links;
use crate::views::case_file::{Carried, CaseFile, ManifestEntry, SignatureInfo, SupplementEntry};
use crate::views::Time;

/// A message ready for the transport.
pub struct Composed {
    pub envelope: Envelope,
    pub raw: Vec<u8>,
    /// A file-system-safe name for the file transport (stable per delivery).
    pub file_stem: String,
}

/// Composing failed. `permanent` when no retry can help (a recipient the
/// mail library refuses); otherwise the data or files may come back.
#[derive(Debug)]
pub struct ComposeError {
    pub permanent: bool,
    pub error: anyhow::Error,
}

impl From<anyhow::Error> for ComposeError {
    fn from(error: anyhow::Error) -> Self {
        ComposeError {
            permanent: false,
            error,
        }
    }
}

/// An evidence file's stored bytes, checked against the SHA-256 recorded
/// at upload: a regulator never receives other bytes than the reporter's
/// under that fingerprint. A store that cannot answer is worth a retry; a
/// mismatch (a corrupt or replaced object) is not.
fn read_verified(store: &dyn EvidenceStore, file: &EvidenceRow) -> Result<Vec<u8>, ComposeError> {
    use sha2::{Digest, Sha256};
    let bytes = store
        .read(&file.storage_key)
        .with_context(|| format!("reading evidence {}", file.id))?;
    let actual = hex::encode(Sha256::digest(&bytes));
    if actual != file.sha256 {
        return Err(ComposeError {
            permanent: true,
            error: anyhow::anyhow!(
                "evidence {} ({}) read back from the store has SHA-256 {actual}, not the recorded {}: not sent",
                file.id,
                file.display_name,
                file.sha256
            ),
        });
    }
    Ok(bytes)
}

/// One signal line for the regulator's email (zh-CN).
#[derive(Debug, Clone)]
pub struct SignalLine {
    pub severity: &'static str,
    pub explanation: String,
}

impl From<&SignalRow> for SignalLine {
    fn from(s: &SignalRow) -> Self {
        SignalLine {
            severity: s.severity.labelled().zh,
            explanation: s.explanation_zh.clone(),
        }
    }
}

pub struct Composer {
    pub from: Mailbox,
    pub public_url: String,
    pub attachments_max_bytes: u64,
    pub link_ttl: Duration,
    pub key: Arc<SigningKey>,
    /// Reply-To of regulator emails (a moderators' mailbox), if configured.
    pub reply_to: Option<Mailbox>,
    /// How long a regulator's response link works after its delivery was queued.
    pub response_link_ttl: Duration,
}

/// What composing a message needs besides the delivery and the case.
pub struct ComposeContext<'a> {
    pub signals: Option<&'a [SignalRow]>,
    pub store: &'a dyn EvidenceStore,
    /// Signs the case file of a regulator email.
    pub signer: Option<&'a CaseSigner>,
    /// The message a follow-up is threaded on: (its delivery, its Message-ID).
    pub thread: Option<(&'a DeliveryRow, String)>,
    pub now: DateTime<Utc>,
}

impl Composer {
    pub fn compose(
        &self,
        delivery: &DeliveryRow,
        case: &CaseRecord,
        cx: &ComposeContext<'_>,
    ) -> Result<Composed, ComposeError> {
        let kind = delivery.kind;
        let now = cx.now;
        let to = recipient(delivery)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .message_id(Some(delivery.message_id.clone()))
            .date(now.into())
            .header(AutoSubmitted)
            .header(QinglangCase(case.report.reference.clone()));
        if let Some((_, original)) = &cx.thread {
            builder = builder
                .in_reply_to(original.clone())
                .references(original.clone());
        }
        let message = match kind {
            kind if kind.carries_the_case() => self.regulator(builder, delivery, case, cx)?,
            DeliveryKind::RegulatorQuestion | DeliveryKind::OverdueDigest => {
                self.staff(builder, delivery, case)?
            }
            _ => self.consumer(builder, kind, delivery, case)?,
        };
        let local = delivery
            .message_id
            .trim_matches(['<', '>'])
            .split('@')
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(Composed {
            envelope: message.envelope().clone(),
            raw: message.formatted(),
            file_stem: format!("{}-{}", case.report.reference, local),
        })
    }

    fn regulator(
        &self,
        builder: lettre::message::MessageBuilder,
        delivery: &DeliveryRow,
        case: &CaseRecord,
        cx: &ComposeContext<'_>,
    ) -> Result<Message, ComposeError> {
        let (signals, store, now) = (cx.signals, cx.store, cx.now);
        let signer = cx
            .signer
            .ok_or_else(|| anyhow::anyhow!("no signing key for the case file"))?;
        // A follow-up answers through the link of the case email it follows.
        let linked = cx
            .thread
            .as_ref()
            .map_or(delivery, |(original, _)| *original);
        // A follow-up says first why it comes.
        let (subject_prefix, intro) = match delivery.kind {
            DeliveryKind::Supplement => (
                "[补充材料] ",
                Some("举报人已就贵单位提出的问题补充了材料（见「补充材料」一节，以及标记为【补充材料】的文件）。以下为案件的最新完整内容。".to_owned()),
            ),
            DeliveryKind::RegulatorReminder => (
                "[提醒：请答复是否受理] ",
                Some(format!(
                    "{} 请通过下方链接答复（已受理或不予受理）。以下为案件的完整内容。",
                    delivery.note.clone().unwrap_or_default()
                )),
            ),
            DeliveryKind::Escalation => (
                "[逾期未受理] ",
                Some(format!(
                    "{} 请通过下方链接答复。以下为案件的完整内容。",
                    delivery.note.clone().unwrap_or_default()
                )),
            ),
            _ => ("", None),
        };
        let r = &case.report;
        let category = r.category.labelled();
        let platform = r.platform.map(|p| p.labelled().zh).unwrap_or("（未填写）");
        let merchant_name = r
            .merchant_name
            .clone()
            .unwrap_or_else(|| "（未填写）".into());
        // A fake hotline is named by what it claimed to be and its number.
        let subject = match &case.hotline {
            Some(h) => format!(
                "{subject_prefix}[消费者举报 {}] {} · 冒充「{}」· {}",
                r.reference,
                category.zh,
                one_line(&h.impersonated_brand),
                h.number
            ),
            None => format!(
                "{subject_prefix}[消费者举报 {}] {} · {} · {}",
                r.reference,
                category.zh,
                one_line(&merchant_name),
                platform
            ),
        };

        // Attach in manifest order while the total stays under the cap; link the rest.
        let expires = now + self.link_ttl;
        let mut budget = self.attachments_max_bytes;
        let mut attachments = Vec::new();
        let mut manifest = Vec::new();
        let mut entries = Vec::new();
        for (i, file) in case.evidence.iter().enumerate() {
            let index = i + 1;
            let size = u64::try_from(file.size_bytes).unwrap_or(u64::MAX);
            let attachment_name = format!("{index:02}-{}", file.display_name);
            let attach = size <= budget;
            let is_csv = file.content_type == "text/csv";
            let (link, formulas) = if attach {
                budget -= size;
                let bytes = read_verified(store, file)?;
                let formulas = is_csv && csv_has_formulas(&bytes);
                attachments.push((attachment_name.clone(), file.content_type.clone(), bytes));
                (None, formulas)
            } else {
                let formulas = is_csv
                    && csv_has_formulas(
                        &store
                            .read(&file.storage_key)
                            .with_context(|| format!("reading evidence {}", file.id))?,
                    );
                (Some(self.evidence_link(file, expires)), formulas)
            };
            entries.push(ManifestEntry {
                index,
                display_name: file.display_name.clone(),
                content_type: file.content_type.clone(),
                size_bytes: file.size_bytes,
                sha256: file.sha256.clone(),
                original_sha256: file.original_sha256.clone(),
                uploaded_at: Time(file.created_at),
                delivery: if link.is_some() {
                    Carried::Link
                } else {
                    Carried::Attachment
                },
                attachment: link.is_none().then(|| attachment_name.clone()),
                download_url: link.clone(),
                download_expires_at: link.as_ref().map(|_| Time(expires.naive_utc())),
                contains_formulas: formulas,
                supplementary: file.reply_id.is_some(),
            });
            manifest.push(ManifestLine {
                index,
                display_name: file.display_name.clone(),
                content_type: file.content_type.clone(),
                size: human_size(size),
                sha256: file.sha256.clone(),
                original_sha256: file.original_sha256.clone(),
                attachment_name,
                link,
                link_expires: beijing(expires.naive_utc()),
                formulas,
                supplementary: file.reply_id.is_some(),
            });
        }

        let validation = case.validation();
        let contact = (r.consent_share_contact
            && (r.reporter_name.is_some()
                || r.reporter_email.is_some()
                || r.reporter_phone.is_some()))
        .then(|| ContactView {
            name: r
                .reporter_name
                .clone()
                .unwrap_or_else(|| "（未填写）".into()),
            email: r
                .reporter_email
                .clone()
                .unwrap_or_else(|| "（未填写）".into()),
            phone: r
                .reporter_phone
                .clone()
                .unwrap_or_else(|| "（未填写）".into()),
        });
        let no_contact_line = if r.consent_share_contact {
            "举报人未留下联系方式。如需举报人补充材料，请在答复页面提交「需要补充材料」。"
        } else {
            "举报人未同意向监管部门提供联系方式。如需举报人补充材料，请在答复页面提交「需要补充材料」，审核员会转达举报人。"
        };
        let respond_expires = linked.created_at + self.response_link_ttl;
        let token =
            links::response_token(&self.key, linked.id, respond_expires.and_utc().timestamp());
        let supplements = supplements(case);
        let view = RegulatorView {
            reference: r.reference.clone(),
            category: category.zh.to_owned(),
            platform: platform.to_owned(),
            merchant_name,
            shop_url: r.shop_url.clone(),
            product_url: r.product_url.clone(),
            order_id: r.order_id.clone(),
            location: match (r.merchant_province.as_deref(), r.merchant_city.as_deref()) {
                (None, None) => "（未填写）".to_owned(),
                (province, city) => [province, city]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
            },
            filed_at: beijing(r.created_at),
            validated_at: validation.map_or_else(|| "—".to_owned(), |e| beijing(e.at)),
            validation_reason: validation
                .and_then(|e| e.reason.clone())
                .unwrap_or_else(|| "（审核员未填写）".into()),
            description: r.description.clone(),
            review_texts: r.review_texts().to_vec(),
            logistics: r.logistics().map(LogisticsView::from),
            hotline: case.hotline.as_ref().map(HotlineView::from),
            signals_pending: signals.is_none(),
            signals: signals
                .map(|list| list.iter().map(SignalLine::from).collect())
                .unwrap_or_default(),
            manifest,
            contact,
            no_contact_line: no_contact_line.to_owned(),
            generated_at: beijing(now.naive_utc()),
            intro,
            supplements: supplements.iter().map(|(line, _)| line.clone()).collect(),
            respond_url: format!("{}/respond/{token}", self.public_url),
            respond_expires: beijing(linked.created_at + self.response_link_ttl),
            reply_line: match &self.reply_to {
                Some(_) => "如有其他问题，可直接回复本邮件，审核组会收到。".to_owned(),
                None => "本邮件由系统发出，请勿直接回复；请通过上述链接答复。".to_owned(),
            },
            signing_key_id: signer.id.clone(),
            keys_url: format!("{}/.well-known/qinglang-signing-keys.json", self.public_url),
            verify_url: format!("{}/verify", self.public_url),
        };
        let text = RegulatorText { v: &view }
            .render()
            .context("rendering the text body")?;
        let html = RegulatorHtml { v: &view }
            .render()
            .context("rendering the HTML body")?;
        let mut file = CaseFile::new(case, signals, entries, now.naive_utc());
        file.supplements = supplements.into_iter().map(|(_, entry)| entry).collect();
        file.signature = Some(SignatureInfo {
            algorithm: "Ed25519",
            key_id: signer.id.clone(),
            keys_url: format!("{}/.well-known/qinglang-signing-keys.json", self.public_url),
        });
        let case_file = serde_json::to_vec_pretty(&file).context("serializing the case file")?;
        let signature = signer.sign(&case_file);

        let mut body = MultiPart::mixed().multipart(MultiPart::alternative_plain_html(text, html));
        for (name, content_type, bytes) in attachments {
            let content_type = ContentType::parse(&content_type).map_err(|e| {
                anyhow::anyhow!("stored content type {content_type:?} refused: {e}")
            })?;
            body = body.singlepart(Attachment::new(name).body(bytes, content_type));
        }
        let json_type = ContentType::parse("application/json")
            .map_err(|e| anyhow::anyhow!("application/json refused: {e}"))?;
        body = body.singlepart(
            Attachment::new(format!("case-{}.json", r.reference)).body(case_file, json_type),
        );
        let octets = ContentType::parse("application/octet-stream")
            .map_err(|e| anyhow::anyhow!("application/octet-stream refused: {e}"))?;
        body = body.singlepart(
            Attachment::new(format!("case-{}.json.sig", r.reference))
                .body(signature.to_vec(), octets),
        );
        let mut builder = builder.header(SigningKeyHeader(signer.id.clone()));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        builder
            .subject(subject)
            .multipart(body)
            .map_err(|e| ComposeError {
                permanent: true,
                error: anyhow::anyhow!("building the message: {e}"),
            })
    }

    fn evidence_link(&self, file: &EvidenceRow, expires: DateTime<Utc>) -> String {
        let expires = expires.timestamp();
        let signature = links::sign_evidence_link(&self.key, file.id, expires);
        format!(
            "{}/api/v1/evidence/{}?expires={expires}&sig={signature}",
            self.public_url, file.id
        )
    }

    fn consumer(
        &self,
        builder: lettre::message::MessageBuilder,
        kind: DeliveryKind,
        delivery: &DeliveryRow,
        case: &CaseRecord,
    ) -> Result<Message, ComposeError> {
        let r = &case.report;
        let en = r.locale == Locale::En;
        let reference = r.reference.as_str();
        let token = links::unsubscribe_token(&self.key, reference);
        let unsubscribe_page = format!(
            "{}/unsubscribe?ref={reference}&token={token}",
            self.public_url
        );
        let one_click = format!(
            "{}/api/v1/unsubscribe?ref={reference}&token={token}",
            self.public_url
        );
        let note = delivery.note.clone();
        let (subject, paragraphs, quote): (String, Vec<String>, Option<String>) = match (kind, en) {
            (DeliveryKind::Receipt, false) => (
                format!("[清朗] 我们已收到您的举报 {reference}"),
                vec![
                    format!("我们已收到您的举报，举报编号为 {reference}。审核员会尽快处理。"),
                    "您可以凭举报编号和提交时显示的追踪码查询处理进度。".into(),
                ],
                None,
            ),
            (DeliveryKind::Receipt, true) => (
                format!("[Qinglang] We received your report {reference}"),
                vec![
                    format!("We received your report. Its reference is {reference}; a moderator will look at it soon."),
                    "Follow its progress with the reference and the tracking code shown when you filed it.".into(),
                ],
                None,
            ),
            (DeliveryKind::NeedsInfo, false) => (
                format!("[清朗] 您的举报 {reference} 需要补充信息"),
                vec!["审核员需要您补充以下信息。请在查询页面输入追踪码后回复：".into()],
                note,
            ),
            (DeliveryKind::NeedsInfo, true) => (
                format!("[Qinglang] More information needed for your report {reference}"),
                vec!["A moderator needs more information from you. Open the tracking page, enter your tracking code and reply:".into()],
                note,
            ),
            (DeliveryKind::Forwarded, false) => (
                format!("[清朗] 您的举报 {reference} 已转交监管部门"),
                vec!["您的举报经审核属实，已转交监管部门依法处理：".into()],
                note,
            ),
            (DeliveryKind::Forwarded, true) => (
                format!("[Qinglang] Your report {reference} was forwarded to the regulator"),
                vec!["Your report was validated and forwarded to the regulator:".into()],
                note,
            ),
            (DeliveryKind::Rejected, false) => (
                format!("[清朗] 您的举报 {reference} 未予受理"),
                vec!["经审核，您的举报未予受理。原因如下：".into()],
                note,
            ),
            (DeliveryKind::Rejected, true) => (
                format!("[Qinglang] Your report {reference} was not accepted"),
                vec!["After review, your report was not accepted, for this reason:".into()],
                note,
            ),
            (DeliveryKind::RegulatorResponse, false) => (
                format!("[清朗] 监管部门答复了您的举报 {reference}"),
                vec!["监管部门对您的举报作出了答复：".into()],
                note,
            ),
            (DeliveryKind::RegulatorResponse, true) => (
                format!("[Qinglang] The regulator answered your report {reference}"),
                vec!["The regulator answered your report:".into()],
                note,
            ),
            (DeliveryKind::AnswerReminder, false) => (
                format!("[清朗] 您的举报 {reference} 仍需补充信息"),
                vec!["审核员提出的问题尚待您回复。请在查询页面输入追踪码后回复：".into()],
                note,
            ),
            (DeliveryKind::AnswerReminder, true) => (
                format!("[Qinglang] Your report {reference} still needs your answer"),
                vec!["A moderator's question is still waiting for your answer. Open the tracking page, enter your tracking code and reply:".into()],
                note,
            ),
            (
                DeliveryKind::Regulator
                | DeliveryKind::Supplement
                | DeliveryKind::RegulatorQuestion
                | DeliveryKind::RegulatorReminder
                | DeliveryKind::Escalation
                | DeliveryKind::OverdueDigest,
                _,
            ) => {
                return Err(ComposeError {
                    permanent: true,
                    error: anyhow::anyhow!("not a consumer notification"),
                })
            }
        };
        // No name the reporter typed: anyone can file with anyone's address,
        // and a greeting would carry their text to a stranger's inbox.
        let greeting = if en { "Hello," } else { "您好：" }.to_owned();
        let view = ConsumerView {
            lang: if en { "en" } else { "zh-CN" }.into(),
            subject: subject.clone(),
            greeting,
            paragraphs,
            quote,
            tracking_code: delivery.secret.clone().filter(|_| kind == DeliveryKind::Receipt),
            code_label: if en { "Tracking code" } else { "追踪码" }.into(),
            code_warning: if en {
                "Keep this code private: anyone with it can read your report."
            } else {
                "请妥善保管追踪码：任何人凭此码都能查看您的举报。"
            }
            .into(),
            track_label: if en { "Follow your report" } else { "查询处理进度" }.into(),
            track_url: format!("{}/track?ref={reference}", self.public_url),
            footer: if en {
                "Qinglang consumer fraud reports. You receive this because you gave your email address with a report."
            } else {
                "清朗消费者举报平台。您收到此邮件，是因为您在举报时留下了电子邮箱。"
            }
            .into(),
            unsubscribe_label: if en { "Stop these emails" } else { "不再接收此类邮件" }.into(),
            unsubscribe_url: unsubscribe_page,
        };
        let text = ConsumerText { v: &view }
            .render()
            .context("rendering the text body")?;
        let html = ConsumerHtml { v: &view }
            .render()
            .context("rendering the HTML body")?;
        builder
            .subject(one_line(&subject))
            .header(ListUnsubscribe(format!("<{one_click}>")))
            .header(ListUnsubscribePost)
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| ComposeError {
                permanent: true,
                error: anyhow::anyhow!("building the message: {e}"),
            })
    }
}

impl Composer {
    /// To the case's moderator or the admins: a regulator's question, with
    /// the link to the case where they may relay it to the reporter.
    fn staff(
        &self,
        builder: lettre::message::MessageBuilder,
        delivery: &DeliveryRow,
        case: &CaseRecord,
    ) -> Result<Message, ComposeError> {
        let reference = case.report.reference.as_str();
        let note = delivery.note.clone().unwrap_or_default();
        let (subject, text) = if delivery.kind == DeliveryKind::OverdueDigest {
            let queue_url = format!("{}/admin#/queue?overdue=true&sort=due", self.public_url);
            (
                "[清朗] 逾期案件日报".to_owned(),
                format!(
                    "{note}\n\n按期限排序的逾期案件：\n{queue_url}\n\n--\n清朗消费者举报平台\n"
                ),
            )
        } else {
            let case_url = format!("{}/admin#/case/{reference}", self.public_url);
            (
                format!("[清朗] 监管部门就案件 {reference} 需要补充材料"),
                format!(
                    "监管部门就案件 {reference} 需要补充材料：\n\n{note}\n\n\
                     请在案件页面查看，并决定是否将问题转达举报人：\n{case_url}\n\n--\n清朗消费者举报平台\n"
                ),
            )
        };
        builder
            .subject(subject)
            .singlepart(lettre::message::SinglePart::plain(text))
            .map_err(|e| ComposeError {
                permanent: true,
                error: anyhow::anyhow!("building the message: {e}"),
            })
    }
}

fn recipient(delivery: &DeliveryRow) -> Result<Mailbox, ComposeError> {
    let address = delivery
        .recipient_email
        .parse::<lettre::Address>()
        .map_err(|e| ComposeError {
            permanent: true,
            error: anyhow::anyhow!("recipient address refused: {e}"),
        })?;
    // A regulator's display name comes from the directory; a reporter's
    // mailbox gets none (what they typed never reaches a header).
    let name = delivery
        .recipient_name
        .as_deref()
        .filter(|_| delivery.kind == DeliveryKind::Regulator)
        .map(one_line);
    Ok(Mailbox::new(name, address))
}

/// Header-bound text on one line: control characters (CR, LF, tabs…) become
/// spaces. lettre encodes such characters anyway; this keeps subjects readable.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}

/// A UTC time as Beijing time, for people.
pub fn beijing(time: NaiveDateTime) -> String {
    match FixedOffset::east_opt(8 * 3600) {
        Some(offset) => format!(
            "{}（北京时间）",
            time.and_utc()
                .with_timezone(&offset)
                .format("%Y-%m-%d %H:%M")
        ),
        None => format!("{} UTC", time.format("%Y-%m-%d %H:%M")),
    }
}

fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{:.1} KB", b / KIB)
    } else {
        format!("{:.1} MB", b / KIB / KIB)
    }
}

/// What the reporter added after filing — each reply with the manifest
/// numbers of its files — for the email and for the case file.
fn supplements(case: &CaseRecord) -> Vec<(SupplementLine, SupplementEntry)> {
    case.replies
        .iter()
        .map(|reply| {
            let files: Vec<usize> = case
                .evidence
                .iter()
                .enumerate()
                .filter(|(_, e)| e.reply_id == Some(reply.id))
                .map(|(i, _)| i + 1)
                .collect();
            (
                SupplementLine {
                    at: beijing(reply.created_at),
                    message: reply.message.clone(),
                    files: files
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join("、"),
                },
                SupplementEntry {
                    at: Time(reply.created_at),
                    message: reply.message.clone(),
                    evidence: files,
                },
            )
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct SupplementLine {
    pub at: String,
    pub message: String,
    /// The manifest numbers of its files ("3、4"), empty when none.
    pub files: String,
}

pub struct ManifestLine {
    pub index: usize,
    pub display_name: String,
    pub content_type: String,
    pub size: String,
    pub sha256: String,
    pub original_sha256: String,
    pub attachment_name: String,
    pub link: Option<String>,
    pub link_expires: String,
    /// A CSV file with cells a spreadsheet would run (see `csv_has_formulas`).
    pub formulas: bool,
    /// Sent by the reporter after filing (with a reply).
    pub supplementary: bool,
}

pub struct ContactView {
    pub name: String,
    pub email: String,
    pub phone: String,
}

pub struct EventView {
    pub time: String,
    pub location: String,
    pub description: String,
}

pub struct LogisticsView {
    pub fields: Vec<(&'static str, String)>,
    pub events: Vec<EventView>,
}

impl From<&Logistics> for LogisticsView {
    fn from(l: &Logistics) -> Self {
        let mut fields = Vec::new();
        let mut push = |label: &'static str, value: Option<String>| {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                fields.push((label, value));
            }
        };
        push("快递公司", l.carrier.clone());
        push("运单号", l.tracking_number.clone());
        push("发货时间", l.shipped_at.map(|t| beijing(t.naive_utc())));
        push("签收时间", l.delivered_at.map(|t| beijing(t.naive_utc())));
        push(
            "申报重量",
            l.declared_weight_kg.map(|w| format!("{w} 千克")),
        );
        push("发货地", l.origin.clone());
        push("目的地", l.destination.clone());
        LogisticsView {
            fields,
            events: l
                .events
                .iter()
                .map(|e| EventView {
                    time: beijing(e.time.naive_utc()),
                    location: e.location.clone().unwrap_or_default(),
                    description: e.description.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// A fake hotline's section of the regulator email.
pub struct HotlineView {
    pub fields: Vec<(&'static str, String)>,
    /// The advertising page as the consumer pasted it.
    pub page_text: Option<String>,
}

impl From<&Hotline> for HotlineView {
    fn from(h: &Hotline) -> Self {
        let mut fields = vec![
            ("热线号码", h.number.clone()),
            ("冒充品牌", h.impersonated_brand.clone()),
        ];
        let mut push = |label: &'static str, value: Option<String>| {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                fields.push((label, value));
            }
        };
        push("发现途径", h.found_via.map(|f| f.labelled().zh.to_owned()));
        push("广告网址", h.found_url.clone());
        push("搜索关键词", h.search_terms.clone());
        push(
            "是否上门",
            h.technician_visited
                .map(|v| if v { "有人上门" } else { "无人上门" }.to_owned()),
        );
        push(
            "支付金额",
            h.amount_paid_yuan().map(|y| format!("{y:.2} 元")),
        );
        push(
            "消费者所在地",
            match (h.incident_province.as_deref(), h.incident_city.as_deref()) {
                (None, None) => None,
                (province, city) => Some(
                    [province, city]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            },
        );
        HotlineView {
            fields,
            page_text: h.page_text.clone(),
        }
    }
}

pub struct RegulatorView {
    pub reference: String,
    pub category: String,
    pub platform: String,
    pub merchant_name: String,
    pub shop_url: Option<String>,
    pub product_url: Option<String>,
    pub order_id: Option<String>,
    pub location: String,
    pub filed_at: String,
    pub validated_at: String,
    pub validation_reason: String,
    pub description: String,
    pub review_texts: Vec<String>,
    pub logistics: Option<LogisticsView>,
    pub hotline: Option<HotlineView>,
    pub signals: Vec<SignalLine>,
    /// The signals were not computed yet when the message was composed.
    pub signals_pending: bool,
    pub manifest: Vec<ManifestLine>,
    pub contact: Option<ContactView>,
    pub no_contact_line: String,
    pub generated_at: String,
    /// Why a follow-up comes (supplementary material, a reminder, an escalation).
    pub intro: Option<String>,
    pub supplements: Vec<SupplementLine>,
    pub respond_url: String,
    pub respond_expires: String,
    /// Whether replying to the email reaches anyone.
    pub reply_line: String,
    pub signing_key_id: String,
    pub keys_url: String,
    pub verify_url: String,
}

#[derive(Template)]
#[template(path = "mail/regulator.txt")]
struct RegulatorText<'a> {
    v: &'a RegulatorView,
}

#[derive(Template)]
#[template(path = "mail/regulator.html")]
struct RegulatorHtml<'a> {
    v: &'a RegulatorView,
}

pub struct ConsumerView {
    pub lang: String,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    pub quote: Option<String>,
    pub tracking_code: Option<String>,
    pub code_label: String,
    pub code_warning: String,
    pub track_label: String,
    pub track_url: String,
    pub footer: String,
    pub unsubscribe_label: String,
    pub unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "mail/consumer.txt")]
struct ConsumerText<'a> {
    v: &'a ConsumerView,
}

#[derive(Template)]
#[template(path = "mail/consumer.html")]
struct ConsumerHtml<'a> {
    v: &'a ConsumerView,
}

/// `X-Qinglang-Case: <reference>`.
#[derive(Clone)]
struct QinglangCase(String);

impl Header for QinglangCase {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Qinglang-Case")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(QinglangCase(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `X-Qinglang-Signing-Key: <key id>`: the key that signed the case file.
#[derive(Clone)]
struct SigningKeyHeader(String);

impl Header for SigningKeyHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Qinglang-Signing-Key")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(SigningKeyHeader(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies, please.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_stays_on_one_line() {
        assert_eq!(
            one_line("店\r\nBcc: evil@example.com\u{2028}x"),
            "店  Bcc: evil@example.com x"
        );
    }

    #[test]
    fn beijing_time_is_utc_plus_eight() {
        let t = chrono::DateTime::from_timestamp(0, 0)
            .expect("epoch")
            .naive_utc();
        assert_eq!(beijing(t), "1970-01-01 08:00（北京时间）");
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(110 * 1024), "110.0 KB");
        assert_eq!(human_size(10 * 1024 * 1024), "10.0 MB");
    }
}
