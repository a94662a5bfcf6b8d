//! The case lifecycle: which status may follow which, and who may move it.
//!
//! ```text
//! submitted    → under_review | rejected | duplicate          (staff)
//! under_review → needs_info | validated | rejected | duplicate (staff)
//! needs_info   → under_review (the consumer's reply, or staff) | rejected (staff)
//! validated    → forwarded                                     (the system, once the regulator mail is sent)
//! forwarded    → closed                                        (staff; a regulator's last final answer)
//! rejected | duplicate → under_review                          (admins only: reopen)
//! ```

use super::status::ReportStatus::{self, *};

/// Who asks for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Moderator,
    Admin,
    /// The reporter, through a reply with their tracking code.
    Consumer,
    /// The service itself (e.g. the mail outbox).
    System,
    /// A regulator answering through the signed link of its delivery: its
    /// final answer (concluded or declined) closes a forwarded case once
    /// every other recipient has given one too.
    Regulator,
}

impl Actor {
    pub const ALL: &'static [Actor] = &[
        Actor::Moderator,
        Actor::Admin,
        Actor::Consumer,
        Actor::System,
        Actor::Regulator,
    ];

    fn is_staff(self) -> bool {
        matches!(self, Actor::Moderator | Actor::Admin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionError {
    /// No such edge for this actor (409).
    Illegal {
        from: ReportStatus,
        to: ReportStatus,
    },
    /// The edge exists but needs a higher role (403).
    Forbidden {
        from: ReportStatus,
        to: ReportStatus,
    },
}

/// Checks one move. Pure: the caller supplies the current status.
pub fn check(from: ReportStatus, to: ReportStatus, actor: Actor) -> Result<(), TransitionError> {
    let staff = actor.is_staff();
    let allowed = match (from, to) {
        (Submitted, UnderReview | Rejected | Duplicate) => staff,
        (UnderReview, NeedsInfo | Validated | Rejected | Duplicate) => staff,
        (NeedsInfo, UnderReview) => staff || actor == Actor::Consumer,
        (NeedsInfo, Rejected) => staff,
        (Validated, Forwarded) => actor == Actor::System,
        (Forwarded, Closed) => staff || actor == Actor::Regulator,
        // An admin may reopen any finished case: a rejection to look again,
        // a forwarded or closed case that turns out mistaken (it then leaves
        // the hotline blocklist unless validated again).
        (Rejected | Duplicate | Forwarded | Closed, UnderReview) => {
            if actor == Actor::Moderator {
                return Err(TransitionError::Forbidden { from, to });
            }
            actor == Actor::Admin
        }
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(TransitionError::Illegal { from, to })
    }
}

/// The statuses `actor` may move a case to from `from`: what the UI offers.
pub fn next_statuses(from: ReportStatus, actor: Actor) -> Vec<ReportStatus> {
    ReportStatus::ALL
        .iter()
        .copied()
        .filter(|&to| check(from, to, actor).is_ok())
        .collect()
}

/// What a move must carry, beyond its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// `rejected`: why (shown to the consumer); `validated`: why the case
    /// holds (quoted to the regulator).
    Reason,
    /// `needs_info`: the question the consumer sees.
    PublicNote,
    /// `duplicate`: the case this one repeats.
    DuplicateOf,
}

pub fn requirement(to: ReportStatus) -> Option<Requirement> {
    match to {
        Rejected | Validated => Some(Requirement::Reason),
        NeedsInfo => Some(Requirement::PublicNote),
        Duplicate => Some(Requirement::DuplicateOf),
        _ => None,
    }
}

/// The shortest reason a validation may give: the regulator reads it as
/// the moderator's finding, so "ok" will not do.
pub const MIN_VALIDATION_REASON_CHARS: usize = 4;

/// The fewest characters the reason for a move to `to` must have.
pub fn min_reason_chars(to: ReportStatus) -> usize {
    match to {
        Validated => MIN_VALIDATION_REASON_CHARS,
        _ => 1,
    }
}

/// One edge of the lifecycle, as `/api/v1/meta` lists it for the pages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Edge {
    pub from: ReportStatus,
    pub to: ReportStatus,
    pub actors: Vec<&'static str>,
    pub requires: Option<Requirement>,
    pub min_reason_chars: Option<usize>,
}

impl Actor {
    pub fn code(self) -> &'static str {
        match self {
            Actor::Moderator => "moderator",
            Actor::Admin => "admin",
            Actor::Consumer => "consumer",
            Actor::System => "system",
            Actor::Regulator => "regulator",
        }
    }
}

/// Every edge with the actors that may take it.
pub fn edges() -> Vec<Edge> {
    let mut edges = Vec::new();
    for &from in ReportStatus::ALL {
        for &to in ReportStatus::ALL {
            let actors: Vec<&'static str> = Actor::ALL
                .iter()
                .filter(|&&actor| check(from, to, actor).is_ok())
                .map(|actor| actor.code())
                .collect();
            if !actors.is_empty() {
                let requires = requirement(to);
                edges.push(Edge {
                    from,
                    to,
                    actors,
                    requires,
                    min_reason_chars: (requires == Some(Requirement::Reason))
                        .then(|| min_reason_chars(to)),
                });
            }
        }
    }
    edges
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every edge, written out once more by hand: (from, to, actors allowed).
    const EDGES: &[(ReportStatus, ReportStatus, &[Actor])] = &[
        (Submitted, UnderReview, &[Actor::Moderator, Actor::Admin]),
        (Submitted, Rejected, &[Actor::Moderator, Actor::Admin]),
        (Submitted, Duplicate, &[Actor::Moderator, Actor::Admin]),
        (UnderReview, NeedsInfo, &[Actor::Moderator, Actor::Admin]),
        (UnderReview, Validated, &[Actor::Moderator, Actor::Admin]),
        (UnderReview, Rejected, &[Actor::Moderator, Actor::Admin]),
        (UnderReview, Duplicate, &[Actor::Moderator, Actor::Admin]),
        (
            NeedsInfo,
            UnderReview,
            &[Actor::Moderator, Actor::Admin, Actor::Consumer],
        ),
        (NeedsInfo, Rejected, &[Actor::Moderator, Actor::Admin]),
        (Validated, Forwarded, &[Actor::System]),
        (
            Forwarded,
            Closed,
            &[Actor::Moderator, Actor::Admin, Actor::Regulator],
        ),
        (Rejected, UnderReview, &[Actor::Admin]),
        (Duplicate, UnderReview, &[Actor::Admin]),
        (Forwarded, UnderReview, &[Actor::Admin]),
        (Closed, UnderReview, &[Actor::Admin]),
    ];

    #[test]
    fn every_pair_and_actor_matches_the_table() {
        let mut checked = 0;
        for &from in ReportStatus::ALL {
            for &to in ReportStatus::ALL {
                for &actor in Actor::ALL {
                    let expected = EDGES
                        .iter()
                        .any(|(f, t, actors)| *f == from && *t == to && actors.contains(&actor));
                    assert_eq!(
                        check(from, to, actor).is_ok(),
                        expected,
                        "{from:?} → {to:?} by {actor:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 8 * 8 * 5);
    }

    #[test]
    fn reopening_is_forbidden_not_illegal_for_moderators() {
        for from in [Rejected, Duplicate] {
            assert_eq!(
                check(from, UnderReview, Actor::Moderator),
                Err(TransitionError::Forbidden {
                    from,
                    to: UnderReview
                })
            );
        }
        assert_eq!(
            check(Validated, Forwarded, Actor::Admin),
            Err(TransitionError::Illegal {
                from: Validated,
                to: Forwarded
            })
        );
    }

    #[test]
    fn only_an_admin_reopens_a_closed_case_and_no_status_loops_to_itself() {
        for &to in ReportStatus::ALL {
            for &actor in Actor::ALL {
                let reopen = to == UnderReview && actor == Actor::Admin;
                assert_eq!(
                    check(Closed, to, actor).is_ok(),
                    reopen,
                    "{to:?} by {actor:?}"
                );
                assert!(check(to, to, actor).is_err());
            }
        }
    }

    #[test]
    fn next_statuses_offer_what_check_allows() {
        assert_eq!(
            next_statuses(Submitted, Actor::Moderator),
            vec![UnderReview, Rejected, Duplicate]
        );
        assert_eq!(
            next_statuses(UnderReview, Actor::Admin),
            vec![NeedsInfo, Validated, Rejected, Duplicate]
        );
        assert_eq!(next_statuses(Rejected, Actor::Moderator), vec![]);
        assert_eq!(next_statuses(Rejected, Actor::Admin), vec![UnderReview]);
        assert_eq!(next_statuses(Validated, Actor::Moderator), vec![]);
    }

    #[test]
    fn requirements_by_target() {
        assert_eq!(requirement(Rejected), Some(Requirement::Reason));
        assert_eq!(requirement(NeedsInfo), Some(Requirement::PublicNote));
        assert_eq!(requirement(Duplicate), Some(Requirement::DuplicateOf));
        assert_eq!(requirement(Validated), Some(Requirement::Reason));
        assert_eq!(min_reason_chars(Validated), MIN_VALIDATION_REASON_CHARS);
        assert_eq!(min_reason_chars(Rejected), 1);
        for to in [Submitted, UnderReview, Forwarded, Closed] {
            assert_eq!(requirement(to), None);
        }
    }

    #[test]
    fn the_edge_list_is_the_table() {
        let listed: Vec<(ReportStatus, ReportStatus, Vec<&str>)> = edges()
            .into_iter()
            .map(|e| (e.from, e.to, e.actors))
            .collect();
        let expected: Vec<(ReportStatus, ReportStatus, Vec<&str>)> = EDGES
            .iter()
            .map(|(f, t, actors)| (*f, *t, actors.iter().map(|a| a.code()).collect()))
            .collect();
        for edge in &expected {
            assert!(listed.contains(edge), "{edge:?}");
        }
        assert_eq!(listed.len(), expected.len());
    }
}
