//! Action plans and actions (SPEC §2): phases, statuses and what each allows.

use chrono::{Datelike, NaiveDate};

use crate::alliance::text_enum;
use crate::error::DomainError;

/// An academic year, `"2025-2026"`: two consecutive years, September to August.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AcademicYear(i32);

impl AcademicYear {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let invalid = || {
            DomainError::invalid(
                field,
                "invalid_format",
                "must be two consecutive years such as 2025-2026",
            )
        };
        let (first, second) = raw.trim().split_once('-').ok_or_else(invalid)?;
        if first.len() != 4 || second.len() != 4 {
            return Err(invalid());
        }
        let first: i32 = first.parse().map_err(|_| invalid())?;
        let second: i32 = second.parse().map_err(|_| invalid())?;
        if second != first + 1 || !(2000..=2200).contains(&first) {
            return Err(invalid());
        }
        Ok(Self(first))
    }

    /// The academic year a day falls in (September starts a new one).
    pub fn containing(day: NaiveDate) -> Self {
        if day.month() >= 9 {
            Self(day.year())
        } else {
            Self(day.year() - 1)
        }
    }

    pub fn first_year(self) -> i32 {
        self.0
    }

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// 1 September.
    pub fn starts_on(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 9, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 31 August.
    pub fn ends_on(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 8, 31).unwrap_or(NaiveDate::MAX)
    }
}

impl std::fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.0 + 1)
    }
}

text_enum!(
    /// The phases of a plan, in order.
    Phase {
        Draft => "draft",
        Consultation => "consultation",
        Voting => "voting",
        Adopted => "adopted",
        Closed => "closed",
    }
);

impl Phase {
    /// One step forward at a time: draft → consultation → voting → adopted → closed.
    pub fn transition(self, to: Phase) -> Result<Phase, DomainError> {
        let allowed = matches!(
            (self, to),
            (Phase::Draft, Phase::Consultation)
                | (Phase::Consultation, Phase::Voting)
                | (Phase::Voting, Phase::Adopted)
                | (Phase::Adopted, Phase::Closed)
        );
        if allowed {
            Ok(to)
        } else {
            Err(DomainError::conflict(
                "invalid_transition",
                format!(
                    "a plan in phase {self} cannot move to {to}; phases go draft → consultation → voting → adopted → closed"
                ),
            ))
        }
    }

    /// Whether members may still propose actions.
    pub fn open_to_proposals(self) -> bool {
        matches!(self, Phase::Draft | Phase::Consultation)
    }

    /// Whether the plan is public (adopted and closed plans are).
    pub fn is_public(self) -> bool {
        matches!(self, Phase::Adopted | Phase::Closed)
    }
}

/// Who wants to add an action to a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposer {
    Member,
    Coordinator,
}

/// Adding an action: open in draft and consultation; to an adopted plan only the
/// coordinator adds; never while voting or once closed.
pub fn can_add_action(phase: Phase, who: Proposer) -> Result<(), DomainError> {
    match (phase, who) {
        (Phase::Draft | Phase::Consultation, _) | (Phase::Adopted, Proposer::Coordinator) => Ok(()),
        (Phase::Adopted, Proposer::Member) => Err(DomainError::conflict(
            "plan_adopted",
            "the plan is adopted: only the coordinator adds new actions now",
        )),
        (Phase::Voting, _) => Err(DomainError::conflict(
            "plan_voting",
            "the plan is being voted on: no new actions until the vote ends",
        )),
        (Phase::Closed, _) => Err(DomainError::conflict("plan_closed", "the plan is closed")),
    }
}

/// An action's planned dates: the end not before the start (422 on `planned_end`).
pub fn planned_dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<(), DomainError> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(DomainError::invalid(
            "planned_end",
            "before_start",
            "must not be before planned_start",
        )),
        _ => Ok(()),
    }
}

/// Editing an action: in any phase but closed.
pub fn can_edit_action(phase: Phase) -> Result<(), DomainError> {
    if phase == Phase::Closed {
        Err(DomainError::conflict(
            "plan_closed",
            "the plan is closed: its actions no longer change",
        ))
    } else {
        Ok(())
    }
}

/// While a vote on a plan, an action or a charter version is open, its text cannot
/// change (409 `vote_open`): members vote on what they read.
pub fn can_change_voted_text(vote_open: bool) -> Result<(), DomainError> {
    if vote_open {
        Err(DomainError::conflict(
            "vote_open",
            "a vote on this is open: its text cannot change until the vote closes",
        ))
    } else {
        Ok(())
    }
}

text_enum!(
    /// An action's life.
    ActionStatus {
        Proposed => "proposed",
        Adopted => "adopted",
        Rejected => "rejected",
        InProgress => "in_progress",
        Completed => "completed",
        Abandoned => "abandoned",
    }
);

impl ActionStatus {
    /// proposed → adopted | rejected; adopted → in_progress | abandoned;
    /// in_progress → completed | abandoned.
    pub fn transition(self, to: ActionStatus) -> Result<ActionStatus, DomainError> {
        use ActionStatus::*;
        let allowed = matches!(
            (self, to),
            (Proposed, Adopted | Rejected)
                | (Adopted, InProgress | Abandoned)
                | (InProgress, Completed | Abandoned)
        );
        if allowed || self == to {
            Ok(to)
        } else {
            Err(DomainError::conflict(
                "invalid_transition",
                format!("an action {self} cannot become {to}"),
            ))
        }
    }

    /// Deciding on a proposal (adopt or reject) is the coordinator's; progress is the partners'.
    pub fn is_decision(self, to: ActionStatus) -> bool {
        self == ActionStatus::Proposed
            && matches!(to, ActionStatus::Adopted | ActionStatus::Rejected)
    }

    /// Unfinished actions are carried over to next year's plan.
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            ActionStatus::Proposed | ActionStatus::Adopted | ActionStatus::InProgress
        )
    }
}

text_enum!(
    /// What an action is about.
    Theme {
        Food => "food",
        Waste => "waste",
        Solidarity => "solidarity",
        Biodiversity => "biodiversity",
        Mobility => "mobility",
        EnergyClimate => "energy_climate",
        Awareness => "awareness",
        SocialEconomy => "social_economy",
        Health => "health",
        Culture => "culture",
        Other => "other",
    }
);

/// UN sustainable development goals: each 1 to 17, no repeats, sorted.
pub fn sdgs(field: &str, raw: &[i64]) -> Result<Vec<i16>, DomainError> {
    let mut goals = Vec::with_capacity(raw.len());
    for goal in raw {
        match i16::try_from(*goal) {
            Ok(g @ 1..=17) => goals.push(g),
            _ => {
                return Err(DomainError::invalid(
                    field,
                    "out_of_range",
                    "each goal must be between 1 and 17",
                ));
            }
        }
    }
    goals.sort_unstable();
    goals.dedup();
    Ok(goals)
}

text_enum!(
    /// Indicators aggregable across cities.
    CatalogueIndicator {
        FoodCollectedKg => "food_collected_kg",
        FoodRedistributedKg => "food_redistributed_kg",
        CompostKg => "compost_kg",
        WasteAvoidedKg => "waste_avoided_kg",
        Participants => "participants",
        StudentsInvolved => "students_involved",
        EventsHeld => "events_held",
        VolunteerHours => "volunteer_hours",
        Beneficiaries => "beneficiaries",
    }
);

impl CatalogueIndicator {
    /// The name and unit shown for a catalogue indicator.
    pub fn name_and_unit(self) -> (&'static str, &'static str) {
        match self {
            Self::FoodCollectedKg => ("Denrées collectées", "kg"),
            Self::FoodRedistributedKg => ("Denrées redistribuées", "kg"),
            Self::CompostKg => ("Compost produit", "kg"),
            Self::WasteAvoidedKg => ("Déchets évités", "kg"),
            Self::Participants => ("Participants", "people"),
            Self::StudentsInvolved => ("Étudiants impliqués", "people"),
            Self::EventsHeld => ("Événements organisés", "events"),
            Self::VolunteerHours => ("Heures de bénévolat", "hours"),
            Self::Beneficiaries => ("Bénéficiaires", "people"),
        }
    }
}

text_enum!(
    /// A measurement's review by another partner.
    Verdict { Confirm => "confirm", Dispute => "dispute" }
);

text_enum!(
    /// Where a measurement's latest review leaves it.
    ReviewStatus { Confirmed => "confirmed", Disputed => "disputed" }
);

impl From<Verdict> for ReviewStatus {
    fn from(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Confirm => Self::Confirmed,
            Verdict::Dispute => Self::Disputed,
        }
    }
}

text_enum!(
    /// The kinds of events.
    EventKind {
        Meeting => "meeting",
        Handover => "handover",
        Celebration => "celebration",
        PublicAction => "public_action",
        Forum => "forum",
        Training => "training",
        Other => "other",
    }
);

/// The "verified" rule (SPEC §2), defined here once. Its SQL form, kept for the
/// triggers and searches, is the pair of SQL functions `measurement_verifies` and
/// `action_verified` (migration 000018); `tests/api/verification.rs` runs both forms on
/// the same fixtures and checks they agree.
///
/// One measurement as verification sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasurementCheck {
    /// It carries evidence: a link or a note.
    pub has_evidence: bool,
    /// Its latest review confirms it (by a partner other than the recorder's).
    pub confirmed: bool,
}

impl MeasurementCheck {
    /// A stored measurement as verification sees it: its latest review and its evidence.
    pub fn of(
        review: Option<ReviewStatus>,
        evidence_url: Option<&str>,
        note: Option<&str>,
    ) -> Self {
        Self {
            has_evidence: evidence_url.is_some() || note.is_some(),
            confirmed: review == Some(ReviewStatus::Confirmed),
        }
    }

    /// Evidence confirmed by another partner: what verifies an indicator, and what
    /// counts in verified totals.
    pub fn verifies(self) -> bool {
        self.has_evidence && self.confirmed
    }
}

/// An indicator is verified when at least one of its measurements has evidence
/// confirmed by another partner.
pub fn indicator_verified(measurements: &[MeasurementCheck]) -> bool {
    measurements.iter().any(|m| m.verifies())
}

/// An action is verified when it has indicators and each of them is verified
/// ([`indicator_verified`]).
pub fn action_verified(indicators: impl IntoIterator<Item = bool>) -> bool {
    let mut any = false;
    for verified in indicators {
        if !verified {
            return false;
        }
        any = true;
    }
    any
}

/// [`action_verified`] from the measurements of each of the action's indicators.
pub fn is_verified(indicators: &[Vec<MeasurementCheck>]) -> bool {
    action_verified(indicators.iter().map(|m| indicator_verified(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn academic_years() {
        let year = AcademicYear::parse("y", "2025-2026").unwrap();
        assert_eq!(year.to_string(), "2025-2026");
        assert_eq!(year.next().to_string(), "2026-2027");
        for bad in ["2025-2027", "2025", "25-26", "2025/2026", "abcd-efgh"] {
            assert!(AcademicYear::parse("y", bad).is_err(), "{bad}");
        }
        assert_eq!(
            AcademicYear::containing("2026-08-31".parse().unwrap()),
            year
        );
        assert_eq!(
            AcademicYear::containing("2025-09-01".parse().unwrap()),
            year
        );
        assert_eq!(year.starts_on().to_string(), "2025-09-01");
        assert_eq!(year.ends_on().to_string(), "2026-08-31");
    }

    #[test]
    fn phases_move_one_step_forward() {
        assert!(Phase::Draft.transition(Phase::Consultation).is_ok());
        assert!(Phase::Draft.transition(Phase::Adopted).is_err());
        assert!(Phase::Adopted.transition(Phase::Draft).is_err());
        assert!(Phase::Closed.transition(Phase::Closed).is_err());
        assert!(Phase::Adopted.transition(Phase::Closed).is_ok());
    }

    #[test]
    fn who_adds_actions_when() {
        assert!(can_add_action(Phase::Draft, Proposer::Member).is_ok());
        assert!(can_add_action(Phase::Consultation, Proposer::Member).is_ok());
        assert!(can_add_action(Phase::Voting, Proposer::Coordinator).is_err());
        assert!(can_add_action(Phase::Adopted, Proposer::Member).is_err());
        assert!(can_add_action(Phase::Adopted, Proposer::Coordinator).is_ok());
        assert!(can_add_action(Phase::Closed, Proposer::Coordinator).is_err());
    }

    #[test]
    fn action_statuses() {
        use ActionStatus::*;
        assert!(Proposed.transition(Adopted).is_ok());
        assert!(Proposed.transition(InProgress).is_err());
        assert!(Adopted.transition(InProgress).is_ok());
        assert!(InProgress.transition(Completed).is_ok());
        assert!(Completed.transition(InProgress).is_err());
        assert!(Rejected.transition(Adopted).is_err());
        assert!(Proposed.is_decision(Rejected));
        assert!(!Adopted.is_decision(InProgress));
    }

    #[test]
    fn sdgs_are_bounded_sorted_and_unique() {
        assert_eq!(sdgs("s", &[12, 2, 12]).unwrap(), vec![2, 12]);
        assert!(sdgs("s", &[0]).is_err());
        assert!(sdgs("s", &[18]).is_err());
    }

    #[test]
    fn verification_needs_confirmed_evidence_on_every_indicator() {
        let good = MeasurementCheck {
            has_evidence: true,
            confirmed: true,
        };
        let unconfirmed = MeasurementCheck {
            has_evidence: true,
            confirmed: false,
        };
        let bare = MeasurementCheck {
            has_evidence: false,
            confirmed: true,
        };
        assert!(!is_verified(&[]));
        assert!(is_verified(&[vec![good], vec![unconfirmed, good]]));
        assert!(!is_verified(&[vec![good], vec![unconfirmed]]));
        assert!(!is_verified(&[vec![bare]]));
        assert!(!is_verified(&[vec![good], vec![]]));
        assert!(!action_verified([]));
        assert!(action_verified([true, true]));
        assert!(!action_verified([true, false]));
        assert_eq!(
            MeasurementCheck::of(Some(ReviewStatus::Confirmed), None, Some("pesée")),
            good
        );
        assert!(
            !MeasurementCheck::of(Some(ReviewStatus::Disputed), Some("https://x.fr"), None)
                .verifies()
        );
        assert!(!MeasurementCheck::of(None, Some("https://x.fr"), None).verifies());
        assert!(!MeasurementCheck::of(Some(ReviewStatus::Confirmed), None, None).verifies());
    }
}
