//! A regulator's answers to a forwarded case, through the signed link of
//! its delivery: what each answer must carry, and in which order they may
//! come. Each recipient (delivery) has its own history:
//!
//! ```text
//! (nothing yet) → accepted | declined | needs_info
//! needs_info    → accepted | declined | needs_info   (before accepting)
//! accepted      → needs_info | concluded
//! declined, concluded: final — nothing follows
//! ```
//!
//! A case is settled when every recipient has given a final answer; the
//! workflow then closes it (`lifecycle`: forwarded → closed by a regulator).

use chrono::NaiveDate;

use super::unicode::strip_invisible;
use super::vocabulary::vocabulary;
use crate::error::FieldError;

vocabulary!(
    /// What a regulator answered.
    ResponseKind {
        /// 已受理: the authority took the case (optionally its own number and an expected date).
        Accepted = "accepted", "已受理", "Accepted";
        /// 不予受理: the authority will not handle it (a reason is required).
        Declined = "declined", "不予受理", "Declined";
        /// 需要补充材料: a question for the moderators, who may relay it to the reporter.
        NeedsInfo = "needs_info", "需要补充材料", "More material needed";
        /// 已办结: handled (the outcome is required, a public summary optional).
        Concluded = "concluded", "已办结", "Concluded";
    }
);

impl ResponseKind {
    /// After this answer, nothing more comes from this recipient.
    pub fn is_final(self) -> bool {
        matches!(self, ResponseKind::Declined | ResponseKind::Concluded)
    }

    /// Shown in the reporter's timeline and mailed to them. A question is
    /// for the moderators first: they decide what to ask the reporter.
    pub fn is_public(self) -> bool {
        !matches!(self, ResponseKind::NeedsInfo)
    }
}

/// Where one recipient's handling stands, from its answers so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No decision on accepting yet (maybe questions asked).
    Undecided,
    Accepted,
    /// Declined or concluded.
    Finished(ResponseKind),
}

pub fn standing(history: &[ResponseKind]) -> Standing {
    let mut standing = Standing::Undecided;
    for &kind in history {
        standing = match (standing, kind) {
            (Standing::Finished(done), _) => Standing::Finished(done),
            (_, ResponseKind::Accepted) => Standing::Accepted,
            (_, kind) if kind.is_final() => Standing::Finished(kind),
            (current, _) => current,
        };
    }
    standing
}

/// The answers that may come next, in the order the page offers them.
pub fn allowed_next(history: &[ResponseKind]) -> Vec<ResponseKind> {
    ResponseKind::ALL
        .iter()
        .copied()
        .filter(|&kind| check_order(history, kind).is_ok())
        .collect()
}

/// An answer that may not come now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder {
    pub kind: ResponseKind,
    pub standing: Standing,
}

impl OutOfOrder {
    /// What the officer reads (zh-CN: the page is for Chinese authorities).
    pub fn message(&self) -> String {
        let what = self.kind.labelled().zh;
        match self.standing {
            Standing::Finished(done) => format!(
                "本案已记录「{}」，不能再提交「{what}」。",
                done.labelled().zh
            ),
            Standing::Accepted => format!("本案已受理，不能再提交「{what}」。"),
            Standing::Undecided => format!("请先提交「已受理」，再提交「{what}」。"),
        }
    }
}

pub fn check_order(history: &[ResponseKind], kind: ResponseKind) -> Result<(), OutOfOrder> {
    let standing = standing(history);
    let allowed = match standing {
        Standing::Finished(_) => false,
        Standing::Undecided => kind != ResponseKind::Concluded,
        Standing::Accepted => matches!(kind, ResponseKind::NeedsInfo | ResponseKind::Concluded),
    };
    if allowed {
        Ok(())
    } else {
        Err(OutOfOrder { kind, standing })
    }
}

/// Every recipient has given a final answer (and there is at least one).
pub fn all_settled<'a>(mut recipients: impl Iterator<Item = &'a [ResponseKind]>) -> bool {
    let mut any = false;
    let settled = recipients.all(|history| {
        any = true;
        matches!(standing(history), Standing::Finished(_))
    });
    any && settled
}

/// The longest text field of an answer (reason, question, outcome, summary).
pub const MAX_RESPONSE_TEXT_CHARS: usize = 2_000;
/// The authority's own case number.
pub const MAX_OWN_REFERENCE_CHARS: usize = 64;
/// How far ahead an expected date may lie.
pub const MAX_EXPECTED_DAYS_AHEAD: i64 = 3 * 366;

/// An answer as the page or another system posts it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseForm {
    pub kind: Option<String>,
    pub own_reference: Option<String>,
    pub expected_date: Option<String>,
    pub reason: Option<String>,
    pub question: Option<String>,
    pub outcome: Option<String>,
    pub public_summary: Option<String>,
}

/// A checked answer: only the fields its kind carries, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewResponse {
    pub kind: ResponseKind,
    pub own_reference: Option<String>,
    pub expected_date: Option<NaiveDate>,
    pub reason: Option<String>,
    pub question: Option<String>,
    pub outcome: Option<String>,
    pub public_summary: Option<String>,
}

/// Trims a text field; empty means absent. Control characters other than
/// line breaks and tabs are refused, as is text over `max`.
fn text(
    field: &'static str,
    value: Option<String>,
    max: usize,
    multiline: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = strip_invisible(value.as_deref()?).trim().to_owned();
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("at most {max} characters"),
        ));
        return None;
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t' || c == '\r');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        errors.push(FieldError::new(
            field,
            "control_characters",
            "must not contain control characters",
        ));
        return None;
    }
    Some(value)
}

impl NewResponse {
    /// Checks a posted answer. `today` (Beijing) bounds the expected date.
    pub fn check(form: ResponseForm, today: NaiveDate) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = match form.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new(
                    "kind",
                    "required",
                    "one of accepted, declined, needs_info, concluded",
                ));
                None
            }
            Some(code) => {
                let kind = ResponseKind::from_code(code);
                if kind.is_none() {
                    errors.push(FieldError::new(
                        "kind",
                        "unknown",
                        "one of accepted, declined, needs_info, concluded",
                    ));
                }
                kind
            }
        };
        let max = MAX_RESPONSE_TEXT_CHARS;
        let own_reference = text(
            "own_reference",
            form.own_reference,
            MAX_OWN_REFERENCE_CHARS,
            false,
            &mut errors,
        );
        let reason = text("reason", form.reason, max, true, &mut errors);
        let question = text("question", form.question, max, true, &mut errors);
        let outcome = text("outcome", form.outcome, max, true, &mut errors);
        let public_summary = text(
            "public_summary",
            form.public_summary,
            max,
            true,
            &mut errors,
        );
        let expected_date = match form.expected_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(date) => match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(date) if date < today => {
                    errors.push(FieldError::new(
                        "expected_date",
                        "past",
                        "the expected date cannot be in the past",
                    ));
                    None
                }
                Ok(date) if (date - today).num_days() > MAX_EXPECTED_DAYS_AHEAD => {
                    errors.push(FieldError::new(
                        "expected_date",
                        "too_far",
                        "at most three years ahead",
                    ));
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(FieldError::new(
                        "expected_date",
                        "format",
                        "a date as YYYY-MM-DD",
                    ));
                    None
                }
            },
        };
        let Some(kind) = kind else {
            return Err(errors);
        };
        // Each kind carries its own fields: one that does not belong is a
        // mistake the officer should see, not text silently dropped.
        let present = [
            ("own_reference", own_reference.is_some()),
            ("expected_date", expected_date.is_some()),
            ("reason", reason.is_some()),
            ("question", question.is_some()),
            ("outcome", outcome.is_some()),
            ("public_summary", public_summary.is_some()),
        ];
        let (required, optional): (&[&str], &[&str]) = match kind {
            ResponseKind::Accepted => (&[], &["own_reference", "expected_date"]),
            ResponseKind::Declined => (&["reason"], &["own_reference"]),
            ResponseKind::NeedsInfo => (&["question"], &["own_reference"]),
            ResponseKind::Concluded => (&["outcome"], &["own_reference", "public_summary"]),
        };
        for (field, given) in present {
            if required.contains(&field) && !given && !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(
                    field,
                    "required",
                    format!("required for {}", kind.code()),
                ));
            }
            if given && !required.contains(&field) && !optional.contains(&field) {
                errors.push(FieldError::new(
                    field,
                    "not_applicable",
                    format!("not part of a {} response", kind.code()),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(NewResponse {
            kind,
            own_reference,
            expected_date,
            reason,
            question,
            outcome,
            public_summary,
        })
    }

    /// What the reporter may read of this answer: its label, and the
    /// reason, outcome summary or expected date meant for them.
    pub fn public_text_zh(&self) -> Option<String> {
        let label = self.kind.labelled().zh;
        match self.kind {
            ResponseKind::Accepted => Some(match self.expected_date {
                Some(date) => format!("{label}，预计在 {} 前办结。", date.format("%Y-%m-%d")),
                None => format!("{label}。"),
            }),
            ResponseKind::Declined => Some(format!(
                "{label}。原因：{}",
                self.reason.as_deref().unwrap_or("")
            )),
            ResponseKind::Concluded => Some(match &self.public_summary {
                Some(summary) => format!("{label}。{summary}"),
                None => format!("{label}。"),
            }),
            ResponseKind::NeedsInfo => None,
        }
    }

    pub fn public_text_en(&self) -> Option<String> {
        match self.kind {
            ResponseKind::Accepted => Some(match self.expected_date {
                Some(date) => format!(
                    "The authority accepted the case and expects to conclude it by {}.",
                    date.format("%Y-%m-%d")
                ),
                None => "The authority accepted the case.".to_owned(),
            }),
            ResponseKind::Declined => Some(format!(
                "The authority declined the case. Reason: {}",
                self.reason.as_deref().unwrap_or("")
            )),
            ResponseKind::Concluded => Some(match &self.public_summary {
                Some(summary) => format!("The authority concluded the case. {summary}"),
                None => "The authority concluded the case.".to_owned(),
            }),
            ResponseKind::NeedsInfo => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ResponseKind::*;
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")
    }

    /// Every history of up to three answers, each answer checked against a
    /// table written out by hand: what may follow a given standing.
    #[test]
    fn every_answer_after_every_history_follows_the_table() {
        fn expected(history: &[ResponseKind], next: ResponseKind) -> bool {
            // Replay by hand: a final answer ends it; concluded needs accepted.
            let mut accepted = false;
            for &k in history {
                match k {
                    Declined | Concluded => return false,
                    Accepted => accepted = true,
                    NeedsInfo => {}
                }
            }
            match next {
                Accepted | Declined => !accepted,
                NeedsInfo => true,
                Concluded => accepted,
            }
        }
        let mut histories: Vec<Vec<ResponseKind>> = vec![vec![]];
        let mut frontier: Vec<Vec<ResponseKind>> = vec![vec![]];
        for _ in 0..3 {
            let longer: Vec<Vec<ResponseKind>> = frontier
                .iter()
                .flat_map(|h| {
                    ResponseKind::ALL.iter().map(move |&k| {
                        let mut h = h.clone();
                        h.push(k);
                        h
                    })
                })
                .collect();
            histories.extend(longer.iter().cloned());
            frontier = longer;
        }
        let mut checked = 0;
        for history in &histories {
            for &next in ResponseKind::ALL {
                assert_eq!(
                    check_order(history, next).is_ok(),
                    expected(history, next),
                    "{history:?} then {next:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, (1 + 4 + 16 + 64) * 4);
    }

    #[test]
    fn out_of_order_answers_say_why() {
        let e = check_order(&[Accepted, Concluded], Accepted).expect_err("finished");
        assert_eq!(e.standing, Standing::Finished(Concluded));
        assert!(e.message().contains("已办结"), "{}", e.message());
        let e = check_order(&[], Concluded).expect_err("not accepted");
        assert!(e.message().contains("请先提交「已受理」"));
        let e = check_order(&[Accepted], Declined).expect_err("accepted");
        assert!(e.message().contains("已受理"));
        assert_eq!(allowed_next(&[]), vec![Accepted, Declined, NeedsInfo]);
        assert_eq!(allowed_next(&[Accepted]), vec![NeedsInfo, Concluded]);
        assert_eq!(allowed_next(&[Declined]), vec![]);
    }

    #[test]
    fn a_case_is_settled_when_every_recipient_finished() {
        let done: &[ResponseKind] = &[Accepted, Concluded];
        let declined: &[ResponseKind] = &[Declined];
        let open: &[ResponseKind] = &[Accepted];
        assert!(all_settled([done, declined].into_iter()));
        assert!(!all_settled([done, open].into_iter()));
        assert!(!all_settled([done, &[][..]].into_iter()));
        assert!(!all_settled(std::iter::empty()));
    }

    fn form(kind: &str) -> ResponseForm {
        ResponseForm {
            kind: Some(kind.into()),
            ..ResponseForm::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<(&str, &str)> {
        errors.iter().map(|e| (e.field.as_str(), e.code)).collect()
    }

    #[test]
    fn each_kind_requires_its_field_and_refuses_others() {
        assert!(NewResponse::check(form("accepted"), today()).is_ok());
        let e = NewResponse::check(form("declined"), today()).expect_err("reason");
        assert_eq!(fields(&e), vec![("reason", "required")]);
        let e = NewResponse::check(form("needs_info"), today()).expect_err("question");
        assert_eq!(fields(&e), vec![("question", "required")]);
        let e = NewResponse::check(form("concluded"), today()).expect_err("outcome");
        assert_eq!(fields(&e), vec![("outcome", "required")]);
        let e = NewResponse::check(
            ResponseForm {
                outcome: Some("罚款".into()),
                ..form("accepted")
            },
            today(),
        )
        .expect_err("outcome on accepted");
        assert_eq!(fields(&e), vec![("outcome", "not_applicable")]);
        let e = NewResponse::check(
            ResponseForm {
                reason: Some("   ".into()),
                ..form("declined")
            },
            today(),
        )
        .expect_err("blank reason");
        assert_eq!(fields(&e), vec![("reason", "required")]);
        let e = NewResponse::check(form("approved"), today()).expect_err("kind");
        assert_eq!(fields(&e), vec![("kind", "unknown")]);
        let e = NewResponse::check(ResponseForm::default(), today()).expect_err("kind");
        assert_eq!(fields(&e), vec![("kind", "required")]);
    }

    #[test]
    fn text_and_dates_are_bounded() {
        let long = "罚".repeat(MAX_RESPONSE_TEXT_CHARS + 1);
        let e = NewResponse::check(
            ResponseForm {
                outcome: Some(long),
                ..form("concluded")
            },
            today(),
        )
        .expect_err("long");
        assert_eq!(fields(&e), vec![("outcome", "length")]);
        let e = NewResponse::check(
            ResponseForm {
                own_reference: Some("杭市监\n2026".into()),
                ..form("accepted")
            },
            today(),
        )
        .expect_err("newline in a number");
        assert_eq!(fields(&e), vec![("own_reference", "control_characters")]);
        for (date, code) in [
            ("2026-12-06", "past"),
            ("2026-13-01", "format"),
            ("12/31/2026", "format"),
            ("2031-01-01", "too_far"),
        ] {
            let e = NewResponse::check(
                ResponseForm {
                    expected_date: Some(date.into()),
                    ..form("accepted")
                },
                today(),
            )
            .expect_err(date);
            assert_eq!(fields(&e), vec![("expected_date", code)], "{date}");
        }
        let ok = NewResponse::check(
            ResponseForm {
                expected_date: Some("2026-12-31".into()),
                own_reference: Some(" 杭市监投〔2026〕118号 ".into()),
                ..form("accepted")
            },
            today(),
        )
        .expect("valid");
        assert_eq!(ok.own_reference.as_deref(), Some("杭市监投〔2026〕118号"));
        assert_eq!(
            ok.public_text_zh().as_deref(),
            Some("已受理，预计在 2026-12-31 前办结。")
        );
    }

    #[test]
    fn only_decisions_reach_the_reporter() {
        assert!(Accepted.is_public() && Declined.is_public() && Concluded.is_public());
        assert!(!NeedsInfo.is_public());
        assert!(Declined.is_final() && Concluded.is_final());
        assert!(!Accepted.is_final() && !NeedsInfo.is_final());
    }
}
