//! What a journal entry records, as typed data: one variant per kind of write.
//!
//! An event gives the entry's verb, subject and summary. The summary is hashed into
//! the chain, so its keys, values and their JSON form are a contract with every
//! journal already stored: each variant has a test that spells out its summary
//! (tests below), and a change there must be a reviewed diff, never an accident.
//! Summaries hold ids and small facts, never personal data (no email) nor a secret
//! ballot's choice.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::alliance::{AllianceStatus, CharterStatus, InseeCode, PartnerKind, PartnerStatus};
use crate::ids::{
    ActionId, AllianceId, CharterId, CityId, CommentId, EventId, IndicatorId, InvitationId,
    LabelId, MandateId, MeasurementId, PartnerId, PlanId, UserId, VoteId,
};
use crate::label::LabelStatus;
use crate::mandate::{Mandate, Role};
use crate::plan::{AcademicYear, ActionStatus, EventKind, Phase, Theme, Verdict};
use crate::vote::{ConsentCounts, Method, Outcome, ResultsVisibility, Rules};

/// A write, as the journal records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    // Platform chain: cities, users.
    CityCreated {
        city: CityId,
        name: String,
        insee_code: InseeCode,
    },
    CityUpdated {
        city: CityId,
        name: String,
        insee_code: InseeCode,
    },
    /// An account created by an admin (or the seed).
    UserCreated {
        user: UserId,
        is_admin: bool,
    },
    /// An account created by accepting an invitation.
    UserCreatedByInvitation {
        user: UserId,
    },
    /// An admin's change that neither disables nor enables the account.
    UserUpdated {
        user: UserId,
        is_admin: bool,
        disabled: bool,
    },
    UserDisabled {
        user: UserId,
        is_admin: bool,
        disabled: bool,
    },
    UserEnabled {
        user: UserId,
        is_admin: bool,
        disabled: bool,
    },
    /// A person changed their own display name (`user.updated`, naming the field only).
    DisplayNameChanged {
        user: UserId,
    },
    PasswordChanged {
        user: UserId,
        sessions_ended: usize,
    },

    // Alliances (created on the platform chain, updated on their own).
    AllianceCreated {
        alliance: AllianceId,
        name: String,
        city: CityId,
    },
    AllianceUpdated {
        alliance: AllianceId,
        name: String,
        status: AllianceStatus,
    },

    // Partners.
    PartnerCreated {
        partner: PartnerId,
        name: String,
        kind: PartnerKind,
    },
    /// A change that neither withdraws nor brings back the partner.
    PartnerUpdated {
        partner: PartnerId,
        name: String,
        kind: PartnerKind,
        status: PartnerStatus,
    },
    PartnerWithdrawn {
        partner: PartnerId,
        name: String,
        kind: PartnerKind,
        status: PartnerStatus,
    },
    PartnerRejoined {
        partner: PartnerId,
        name: String,
        kind: PartnerKind,
        status: PartnerStatus,
    },

    // Mandates and invitations.
    MandateCreated {
        mandate: Mandate,
    },
    MandateUpdated {
        mandate: Mandate,
    },
    MandateDeleted {
        mandate: Mandate,
    },
    /// A successor invited to take over `predecessor` (subject: the invitation).
    SuccessorDesignated {
        invitation: InvitationId,
        predecessor: MandateId,
        partner: PartnerId,
        role: Role,
        starts_on: NaiveDate,
    },
    InvitationCreated {
        invitation: InvitationId,
        partner: PartnerId,
        role: Role,
        starts_on: NaiveDate,
    },
    /// Revoked by the coordinator, or replaced by a new successor designation.
    InvitationRevoked {
        invitation: InvitationId,
        partner: PartnerId,
        role: Role,
    },
    /// An invitation accepted: its mandate (the subject) now exists.
    InvitationAccepted {
        invitation: InvitationId,
        mandate: Mandate,
    },

    // Charters.
    CharterVersionCreated {
        charter: CharterId,
        version: i32,
        status: CharterStatus,
    },
    CharterSigned {
        charter: CharterId,
        version: i32,
        partner: PartnerId,
    },
    /// A proposed version made current by the vote that adopted it.
    CharterAdopted {
        charter: CharterId,
        version: i32,
        vote: VoteId,
    },

    // Plans and actions.
    PlanCreated {
        plan: PlanId,
        academic_year: AcademicYear,
        title: String,
    },
    PlanUpdated {
        plan: PlanId,
        title: String,
    },
    PlanPhaseChanged {
        plan: PlanId,
        from: Phase,
        to: Phase,
        actions_adopted: usize,
    },
    /// A plan created from `from_plan`'s unfinished actions.
    PlanCarriedOver {
        plan: PlanId,
        from_plan: PlanId,
        academic_year: AcademicYear,
        actions: usize,
    },
    ActionProposed {
        action: ActionId,
        plan: PlanId,
        title: String,
        theme: Theme,
        proposing_partner: PartnerId,
        status: ActionStatus,
    },
    /// An edit that leaves the status as it was (`from == status`).
    ActionUpdated {
        action: ActionId,
        title: String,
        from: ActionStatus,
        status: ActionStatus,
    },
    /// A status change: by an edit, or by the vote (`vote`) that decided it.
    ActionStatusChanged {
        action: ActionId,
        title: String,
        from: ActionStatus,
        status: ActionStatus,
        vote: Option<VoteId>,
    },
    ActionEndorsed {
        action: ActionId,
        partner: PartnerId,
    },
    ActionEndorsementWithdrawn {
        action: ActionId,
        partner: PartnerId,
    },
    CommentCreated {
        comment: CommentId,
        action: ActionId,
    },
    CommentUpdated {
        comment: CommentId,
        action: ActionId,
    },
    CommentDeleted {
        comment: CommentId,
        action: ActionId,
    },

    // Results.
    IndicatorCreated {
        indicator: IndicatorId,
        action: ActionId,
        catalogue: Option<String>,
        name: String,
        unit: String,
        target: Option<f64>,
    },
    MeasurementRecorded {
        measurement: MeasurementId,
        indicator: IndicatorId,
        value: f64,
        measured_on: NaiveDate,
        with_evidence: bool,
    },
    MeasurementReviewed {
        measurement: MeasurementId,
        verdict: Verdict,
        reason: Option<String>,
        recorded_by_partner: PartnerId,
    },

    // Calendar events.
    EventCreated {
        event: EventId,
        title: String,
        kind: EventKind,
        starts_at: DateTime<Utc>,
    },
    EventUpdated {
        event: EventId,
        title: String,
        kind: EventKind,
        attendance: Option<i32>,
    },
    EventDeleted {
        event: EventId,
        title: String,
        kind: EventKind,
    },

    // Votes.
    VoteCreated {
        vote: VoteId,
        title: String,
        rules: Rules,
        subject_id: Option<Uuid>,
        secret: bool,
        results: ResultsVisibility,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    },
    VoteUpdated {
        vote: VoteId,
        method: Method,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
    },
    VoteOpened {
        vote: VoteId,
        electorate_size: usize,
    },
    /// Aggregates only: a secret vote's entry says nothing of who chose what.
    VoteClosed {
        vote: VoteId,
        outcome: Outcome,
        /// The winning option's text, for `Outcome::Winner`.
        winner: Option<String>,
        turnout: usize,
        electorate: usize,
        quorum_reached: bool,
        consent: Option<ConsentCounts>,
        /// Closed by a person before its closing time.
        early: bool,
    },
    /// `voter` is the partner (partners' electorate) or the member who voted.
    BallotCast {
        vote: VoteId,
        voter: Uuid,
        replaced: bool,
    },

    // Labels.
    LabelApplied {
        label: LabelId,
        academic_year: AcademicYear,
        missing_kinds: Vec<String>,
    },
    LabelDecided {
        label: LabelId,
        academic_year: AcademicYear,
        from: LabelStatus,
        status: LabelStatus,
    },
}

impl Event {
    /// The entry's verb, `<subject>.<what happened>`.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::CityCreated { .. } => "city.created",
            Self::CityUpdated { .. } => "city.updated",
            Self::UserCreated { .. } | Self::UserCreatedByInvitation { .. } => "user.created",
            Self::UserUpdated { .. } | Self::DisplayNameChanged { .. } => "user.updated",
            Self::UserDisabled { .. } => "user.disabled",
            Self::UserEnabled { .. } => "user.enabled",
            Self::PasswordChanged { .. } => "user.password_changed",
            Self::AllianceCreated { .. } => "alliance.created",
            Self::AllianceUpdated { .. } => "alliance.updated",
            Self::PartnerCreated { .. } => "partner.created",
            Self::PartnerUpdated { .. } => "partner.updated",
            Self::PartnerWithdrawn { .. } => "partner.withdrawn",
            Self::PartnerRejoined { .. } => "partner.rejoined",
            Self::MandateCreated { .. } => "mandate.created",
            Self::MandateUpdated { .. } => "mandate.updated",
            Self::MandateDeleted { .. } => "mandate.deleted",
            Self::SuccessorDesignated { .. } => "mandate.successor_designated",
            Self::InvitationCreated { .. } => "invitation.created",
            Self::InvitationRevoked { .. } => "invitation.revoked",
            Self::InvitationAccepted { .. } => "invitation.accepted",
            Self::CharterVersionCreated { .. } => "charter.version_created",
            Self::CharterSigned { .. } => "charter.signed",
            Self::CharterAdopted { .. } => "charter.adopted",
            Self::PlanCreated { .. } => "plan.created",
            Self::PlanUpdated { .. } => "plan.updated",
            Self::PlanPhaseChanged { .. } => "plan.phase_changed",
            Self::PlanCarriedOver { .. } => "plan.carried_over",
            Self::ActionProposed { .. } => "action.proposed",
            Self::ActionUpdated { .. } => "action.updated",
            Self::ActionStatusChanged { .. } => "action.status_changed",
            Self::ActionEndorsed { .. } => "action.endorsed",
            Self::ActionEndorsementWithdrawn { .. } => "action.endorsement_withdrawn",
            Self::CommentCreated { .. } => "comment.created",
            Self::CommentUpdated { .. } => "comment.updated",
            Self::CommentDeleted { .. } => "comment.deleted",
            Self::IndicatorCreated { .. } => "indicator.created",
            Self::MeasurementRecorded { .. } => "measurement.recorded",
            Self::MeasurementReviewed { .. } => "measurement.reviewed",
            Self::EventCreated { .. } => "event.created",
            Self::EventUpdated { .. } => "event.updated",
            Self::EventDeleted { .. } => "event.deleted",
            Self::VoteCreated { .. } => "vote.created",
            Self::VoteUpdated { .. } => "vote.updated",
            Self::VoteOpened { .. } => "vote.opened",
            Self::VoteClosed { .. } => "vote.closed",
            Self::BallotCast { .. } => "ballot.cast",
            Self::LabelApplied { .. } => "label.applied",
            Self::LabelDecided { .. } => "label.decided",
        }
    }

    /// The kind of the entry's subject.
    pub fn subject_type(&self) -> &'static str {
        match self {
            Self::CityCreated { .. } | Self::CityUpdated { .. } => "city",
            Self::UserCreated { .. }
            | Self::UserCreatedByInvitation { .. }
            | Self::UserUpdated { .. }
            | Self::UserDisabled { .. }
            | Self::UserEnabled { .. }
            | Self::DisplayNameChanged { .. }
            | Self::PasswordChanged { .. } => "user",
            Self::AllianceCreated { .. } | Self::AllianceUpdated { .. } => "alliance",
            Self::PartnerCreated { .. }
            | Self::PartnerUpdated { .. }
            | Self::PartnerWithdrawn { .. }
            | Self::PartnerRejoined { .. } => "partner",
            Self::MandateCreated { .. }
            | Self::MandateUpdated { .. }
            | Self::MandateDeleted { .. }
            | Self::InvitationAccepted { .. } => "mandate",
            Self::SuccessorDesignated { .. }
            | Self::InvitationCreated { .. }
            | Self::InvitationRevoked { .. } => "invitation",
            Self::CharterVersionCreated { .. }
            | Self::CharterSigned { .. }
            | Self::CharterAdopted { .. } => "charter",
            Self::PlanCreated { .. }
            | Self::PlanUpdated { .. }
            | Self::PlanPhaseChanged { .. }
            | Self::PlanCarriedOver { .. } => "plan",
            Self::ActionProposed { .. }
            | Self::ActionUpdated { .. }
            | Self::ActionStatusChanged { .. }
            | Self::ActionEndorsed { .. }
            | Self::ActionEndorsementWithdrawn { .. } => "action",
            Self::CommentCreated { .. }
            | Self::CommentUpdated { .. }
            | Self::CommentDeleted { .. } => "comment",
            Self::IndicatorCreated { .. } => "indicator",
            Self::MeasurementRecorded { .. } | Self::MeasurementReviewed { .. } => "measurement",
            Self::EventCreated { .. } | Self::EventUpdated { .. } | Self::EventDeleted { .. } => {
                "event"
            }
            Self::VoteCreated { .. }
            | Self::VoteUpdated { .. }
            | Self::VoteOpened { .. }
            | Self::VoteClosed { .. }
            | Self::BallotCast { .. } => "vote",
            Self::LabelApplied { .. } | Self::LabelDecided { .. } => "label",
        }
    }

    /// The id of the entry's subject.
    pub fn subject_id(&self) -> Uuid {
        match self {
            Self::CityCreated { city, .. } | Self::CityUpdated { city, .. } => city.0,
            Self::UserCreated { user, .. }
            | Self::UserCreatedByInvitation { user }
            | Self::UserUpdated { user, .. }
            | Self::UserDisabled { user, .. }
            | Self::UserEnabled { user, .. }
            | Self::DisplayNameChanged { user }
            | Self::PasswordChanged { user, .. } => user.0,
            Self::AllianceCreated { alliance, .. } | Self::AllianceUpdated { alliance, .. } => {
                alliance.0
            }
            Self::PartnerCreated { partner, .. }
            | Self::PartnerUpdated { partner, .. }
            | Self::PartnerWithdrawn { partner, .. }
            | Self::PartnerRejoined { partner, .. } => partner.0,
            Self::MandateCreated { mandate }
            | Self::MandateUpdated { mandate }
            | Self::MandateDeleted { mandate }
            | Self::InvitationAccepted { mandate, .. } => mandate.id.0,
            Self::SuccessorDesignated { invitation, .. }
            | Self::InvitationCreated { invitation, .. }
            | Self::InvitationRevoked { invitation, .. } => invitation.0,
            Self::CharterVersionCreated { charter, .. }
            | Self::CharterSigned { charter, .. }
            | Self::CharterAdopted { charter, .. } => charter.0,
            Self::PlanCreated { plan, .. }
            | Self::PlanUpdated { plan, .. }
            | Self::PlanPhaseChanged { plan, .. }
            | Self::PlanCarriedOver { plan, .. } => plan.0,
            Self::ActionProposed { action, .. }
            | Self::ActionUpdated { action, .. }
            | Self::ActionStatusChanged { action, .. }
            | Self::ActionEndorsed { action, .. }
            | Self::ActionEndorsementWithdrawn { action, .. } => action.0,
            Self::CommentCreated { comment, .. }
            | Self::CommentUpdated { comment, .. }
            | Self::CommentDeleted { comment, .. } => comment.0,
            Self::IndicatorCreated { indicator, .. } => indicator.0,
            Self::MeasurementRecorded { measurement, .. }
            | Self::MeasurementReviewed { measurement, .. } => measurement.0,
            Self::EventCreated { event, .. }
            | Self::EventUpdated { event, .. }
            | Self::EventDeleted { event, .. } => event.0,
            Self::VoteCreated { vote, .. }
            | Self::VoteUpdated { vote, .. }
            | Self::VoteOpened { vote, .. }
            | Self::VoteClosed { vote, .. }
            | Self::BallotCast { vote, .. } => vote.0,
            Self::LabelApplied { label, .. } | Self::LabelDecided { label, .. } => label.0,
        }
    }

    /// The summary hashed into the chain. Byte for byte what the entries already
    /// stored hold: never change a key, a value or its JSON type here.
    pub fn summary(&self) -> Value {
        match self {
            Self::CityCreated {
                name, insee_code, ..
            }
            | Self::CityUpdated {
                name, insee_code, ..
            } => json!({"name": name, "insee_code": insee_code.as_str()}),
            // Ids, not emails: the journal is append-only and personal data must stay erasable.
            Self::UserCreated { is_admin, .. } => json!({"is_admin": is_admin}),
            Self::UserCreatedByInvitation { .. } => {
                json!({"is_admin": false, "via": "invitation"})
            }
            Self::UserUpdated {
                is_admin, disabled, ..
            }
            | Self::UserDisabled {
                is_admin, disabled, ..
            }
            | Self::UserEnabled {
                is_admin, disabled, ..
            } => json!({"is_admin": is_admin, "disabled": disabled}),
            Self::DisplayNameChanged { .. } => json!({"fields": ["display_name"]}),
            Self::PasswordChanged { sessions_ended, .. } => {
                json!({"sessions_ended": sessions_ended})
            }
            Self::AllianceCreated { name, city, .. } => json!({"name": name, "city_id": city.0}),
            Self::AllianceUpdated { name, status, .. } => {
                json!({"name": name, "status": status.as_str()})
            }
            Self::PartnerCreated { name, kind, .. } => {
                json!({"name": name, "kind": kind.as_str()})
            }
            Self::PartnerUpdated {
                name, kind, status, ..
            }
            | Self::PartnerWithdrawn {
                name, kind, status, ..
            }
            | Self::PartnerRejoined {
                name, kind, status, ..
            } => json!({"name": name, "kind": kind.as_str(), "status": status.as_str()}),
            Self::MandateCreated { mandate: m }
            | Self::MandateUpdated { mandate: m }
            | Self::MandateDeleted { mandate: m } => json!({
                "user_id": m.user.0,
                "partner_id": m.partner.0,
                "role": m.role.as_str(),
                "starts_on": m.period.starts_on,
                "ends_on": m.period.ends_on,
                "successor_of": m.successor_of.map(|s| s.0),
            }),
            Self::SuccessorDesignated {
                predecessor,
                partner,
                role,
                starts_on,
                ..
            } => json!({
                "successor_of": predecessor.0,
                "partner_id": partner.0,
                "role": role.as_str(),
                "starts_on": starts_on,
            }),
            Self::InvitationCreated {
                partner,
                role,
                starts_on,
                ..
            } => json!({"partner_id": partner.0, "role": role.as_str(), "starts_on": starts_on}),
            Self::InvitationRevoked { partner, role, .. } => {
                json!({"partner_id": partner.0, "role": role.as_str()})
            }
            Self::InvitationAccepted {
                invitation,
                mandate: m,
            } => json!({
                "invitation_id": invitation.0,
                "partner_id": m.partner.0,
                "role": m.role.as_str(),
                "starts_on": m.period.starts_on,
                "ends_on": m.period.ends_on,
                "successor_of": m.successor_of.map(|s| s.0),
            }),
            Self::CharterVersionCreated {
                version, status, ..
            } => json!({"version": version, "status": status.as_str()}),
            Self::CharterSigned {
                version, partner, ..
            } => json!({"version": version, "partner_id": partner.0}),
            Self::CharterAdopted { version, vote, .. } => {
                json!({"version": version, "vote_id": vote.0})
            }
            Self::PlanCreated {
                academic_year,
                title,
                ..
            } => json!({"academic_year": academic_year.to_string(), "title": title}),
            Self::PlanUpdated { title, .. } => json!({"title": title}),
            Self::PlanPhaseChanged {
                from,
                to,
                actions_adopted,
                ..
            } => json!({
                "from": from.as_str(), "to": to.as_str(), "actions_adopted": actions_adopted
            }),
            Self::PlanCarriedOver {
                from_plan,
                academic_year,
                actions,
                ..
            } => json!({
                "from_plan_id": from_plan.0,
                "academic_year": academic_year.to_string(),
                "actions": actions,
            }),
            Self::ActionProposed {
                plan,
                title,
                theme,
                proposing_partner,
                status,
                ..
            } => json!({
                "plan_id": plan.0,
                "title": title,
                "theme": theme.as_str(),
                "proposing_partner_id": proposing_partner.0,
                "status": status.as_str(),
            }),
            Self::ActionUpdated {
                title,
                from,
                status,
                ..
            }
            | Self::ActionStatusChanged {
                title,
                from,
                status,
                vote: None,
                ..
            } => json!({"title": title, "from": from.as_str(), "status": status.as_str()}),
            Self::ActionStatusChanged {
                title,
                from,
                status,
                vote: Some(vote),
                ..
            } => json!({
                "title": title, "from": from.as_str(), "status": status.as_str(), "vote_id": vote.0
            }),
            Self::ActionEndorsed { partner, .. }
            | Self::ActionEndorsementWithdrawn { partner, .. } => {
                json!({"partner_id": partner.0})
            }
            Self::CommentCreated { action, .. }
            | Self::CommentUpdated { action, .. }
            | Self::CommentDeleted { action, .. } => json!({"action_id": action.0}),
            Self::IndicatorCreated {
                action,
                catalogue,
                name,
                unit,
                target,
                ..
            } => json!({
                "action_id": action.0, "catalogue": catalogue, "name": name,
                "unit": unit, "target": target
            }),
            Self::MeasurementRecorded {
                indicator,
                value,
                measured_on,
                with_evidence,
                ..
            } => json!({
                "indicator_id": indicator.0, "value": value, "measured_on": measured_on,
                "with_evidence": with_evidence,
            }),
            Self::MeasurementReviewed {
                verdict,
                reason,
                recorded_by_partner,
                ..
            } => json!({
                "verdict": verdict.as_str(), "reason": reason,
                "recorded_by_partner_id": recorded_by_partner.0
            }),
            Self::EventCreated {
                title,
                kind,
                starts_at,
                ..
            } => json!({"title": title, "kind": kind.as_str(), "starts_at": starts_at}),
            Self::EventUpdated {
                title,
                kind,
                attendance,
                ..
            } => json!({"title": title, "kind": kind.as_str(), "attendance": attendance}),
            Self::EventDeleted { title, kind, .. } => {
                json!({"title": title, "kind": kind.as_str()})
            }
            Self::VoteCreated {
                title,
                rules,
                subject_id,
                secret,
                results,
                opens_at,
                closes_at,
                ..
            } => json!({
                "title": title,
                "subject": rules.subject.as_str(),
                "subject_id": subject_id,
                "method": rules.method.as_str(),
                "options": rules.options,
                "electorate": rules.electorate.as_str(),
                "quorum_percent": rules.quorum_percent,
                "threshold": rules.threshold.map(|t| t.as_str()),
                "by_college": rules.by_college,
                "secret": secret,
                "results": results.as_str(),
                "opens_at": opens_at,
                "closes_at": closes_at,
            }),
            Self::VoteUpdated {
                method,
                opens_at,
                closes_at,
                ..
            } => json!({
                "method": method.as_str(), "opens_at": opens_at, "closes_at": closes_at
            }),
            Self::VoteOpened {
                electorate_size, ..
            } => json!({"electorate_size": electorate_size}),
            Self::VoteClosed {
                outcome,
                winner,
                turnout,
                electorate,
                quorum_reached,
                consent,
                early,
                ..
            } => json!({
                "outcome": outcome.as_str(),
                "winner": winner,
                "turnout": turnout,
                "electorate": electorate,
                "quorum_reached": quorum_reached,
                // The results document's shape: `for`, `against`, `abstain`.
                "consent": consent.map(|c| json!({
                    "for": c.for_, "against": c.against, "abstain": c.abstain
                })),
                "early": early,
            }),
            Self::BallotCast {
                voter, replaced, ..
            } => json!({"voter_id": voter, "replaced": replaced}),
            Self::LabelApplied {
                academic_year,
                missing_kinds,
                ..
            } => json!({
                "academic_year": academic_year.to_string(), "missing_kinds": missing_kinds
            }),
            Self::LabelDecided {
                academic_year,
                from,
                status,
                ..
            } => json!({
                "academic_year": academic_year.to_string(),
                "from": from.as_str(),
                "status": status.as_str(),
            }),
        }
    }
}

/// One test per variant: the summary as the chain hashes it (canonical JSON), with
/// the verb and subject. These strings are the contract with stored journals.
#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::journal::canonical_json;
    use crate::mandate::Period;
    use crate::vote::{Electorate, Subject, Threshold};

    fn u(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn time(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn insee() -> InseeCode {
        InseeCode::parse("insee_code", "92071").unwrap()
    }

    fn year() -> AcademicYear {
        AcademicYear::parse("academic_year", "2026-2027").unwrap()
    }

    fn mandate(successor_of: Option<MandateId>) -> Mandate {
        Mandate {
            id: MandateId(u(5)),
            alliance: AllianceId(u(3)),
            user: UserId(u(2)),
            partner: PartnerId(u(4)),
            role: Role::Representative,
            period: Period {
                starts_on: day(2026, 9, 1),
                ends_on: Some(day(2027, 8, 31)),
            },
            successor_of,
        }
    }

    fn consent_rules() -> Rules {
        Rules {
            subject: Subject::CharterAdoption,
            method: Method::Consent,
            options: vec![],
            electorate: Electorate::Partners,
            quorum_percent: 50,
            threshold: Some(Threshold::TwoThirds),
            by_college: true,
        }
    }

    fn choice_rules() -> Rules {
        Rules {
            subject: Subject::Question,
            method: Method::SingleChoice,
            options: vec!["Mairie".into(), "Campus".into()],
            electorate: Electorate::Members,
            quorum_percent: 0,
            threshold: None,
            by_college: false,
        }
    }

    macro_rules! snapshot {
        ($name:ident, $event:expr, $verb:literal, $subject_type:literal, $subject:expr, $summary:literal) => {
            #[test]
            fn $name() {
                let event = $event;
                assert_eq!(event.verb(), $verb);
                assert_eq!(event.subject_type(), $subject_type);
                assert_eq!(event.subject_id(), $subject);
                assert_eq!(canonical_json(&event.summary()), $summary);
            }
        };
    }

    snapshot!(
        city_created,
        Event::CityCreated {
            city: CityId(u(1)),
            name: "Sceaux".into(),
            insee_code: insee()
        },
        "city.created",
        "city",
        u(1),
        r#"{"insee_code":"92071","name":"Sceaux"}"#
    );

    snapshot!(
        city_updated,
        Event::CityUpdated {
            city: CityId(u(1)),
            name: "Sceaux".into(),
            insee_code: insee()
        },
        "city.updated",
        "city",
        u(1),
        r#"{"insee_code":"92071","name":"Sceaux"}"#
    );

    snapshot!(
        user_created,
        Event::UserCreated {
            user: UserId(u(2)),
            is_admin: true
        },
        "user.created",
        "user",
        u(2),
        r#"{"is_admin":true}"#
    );

    snapshot!(
        user_created_by_invitation,
        Event::UserCreatedByInvitation { user: UserId(u(2)) },
        "user.created",
        "user",
        u(2),
        r#"{"is_admin":false,"via":"invitation"}"#
    );

    snapshot!(
        user_updated,
        Event::UserUpdated {
            user: UserId(u(2)),
            is_admin: true,
            disabled: false
        },
        "user.updated",
        "user",
        u(2),
        r#"{"disabled":false,"is_admin":true}"#
    );

    snapshot!(
        user_disabled,
        Event::UserDisabled {
            user: UserId(u(2)),
            is_admin: false,
            disabled: true
        },
        "user.disabled",
        "user",
        u(2),
        r#"{"disabled":true,"is_admin":false}"#
    );

    snapshot!(
        user_enabled,
        Event::UserEnabled {
            user: UserId(u(2)),
            is_admin: false,
            disabled: false
        },
        "user.enabled",
        "user",
        u(2),
        r#"{"disabled":false,"is_admin":false}"#
    );

    snapshot!(
        display_name_changed,
        Event::DisplayNameChanged { user: UserId(u(2)) },
        "user.updated",
        "user",
        u(2),
        r#"{"fields":["display_name"]}"#
    );

    snapshot!(
        password_changed,
        Event::PasswordChanged {
            user: UserId(u(2)),
            sessions_ended: 3
        },
        "user.password_changed",
        "user",
        u(2),
        r#"{"sessions_ended":3}"#
    );

    snapshot!(
        alliance_created,
        Event::AllianceCreated {
            alliance: AllianceId(u(3)),
            name: "Campus durable".into(),
            city: CityId(u(1))
        },
        "alliance.created",
        "alliance",
        u(3),
        r#"{"city_id":"00000000-0000-0000-0000-000000000001","name":"Campus durable"}"#
    );

    snapshot!(
        alliance_updated,
        Event::AllianceUpdated {
            alliance: AllianceId(u(3)),
            name: "Campus durable".into(),
            status: AllianceStatus::Archived
        },
        "alliance.updated",
        "alliance",
        u(3),
        r#"{"name":"Campus durable","status":"archived"}"#
    );

    snapshot!(
        partner_created,
        Event::PartnerCreated {
            partner: PartnerId(u(4)),
            name: "Ecolo'phi".into(),
            kind: PartnerKind::University
        },
        "partner.created",
        "partner",
        u(4),
        r#"{"kind":"university","name":"Ecolo'phi"}"#
    );

    snapshot!(
        partner_updated,
        Event::PartnerUpdated {
            partner: PartnerId(u(4)),
            name: "Ecolo'phi".into(),
            kind: PartnerKind::School,
            status: PartnerStatus::Active
        },
        "partner.updated",
        "partner",
        u(4),
        r#"{"kind":"school","name":"Ecolo'phi","status":"active"}"#
    );

    snapshot!(
        partner_withdrawn,
        Event::PartnerWithdrawn {
            partner: PartnerId(u(4)),
            name: "Ecolo'phi".into(),
            kind: PartnerKind::School,
            status: PartnerStatus::Withdrawn
        },
        "partner.withdrawn",
        "partner",
        u(4),
        r#"{"kind":"school","name":"Ecolo'phi","status":"withdrawn"}"#
    );

    snapshot!(
        partner_rejoined,
        Event::PartnerRejoined {
            partner: PartnerId(u(4)),
            name: "Ecolo'phi".into(),
            kind: PartnerKind::School,
            status: PartnerStatus::Active
        },
        "partner.rejoined",
        "partner",
        u(4),
        r#"{"kind":"school","name":"Ecolo'phi","status":"active"}"#
    );

    snapshot!(
        mandate_created,
        Event::MandateCreated {
            mandate: mandate(None)
        },
        "mandate.created",
        "mandate",
        u(5),
        r#"{"ends_on":"2027-08-31","partner_id":"00000000-0000-0000-0000-000000000004","role":"representative","starts_on":"2026-09-01","successor_of":null,"user_id":"00000000-0000-0000-0000-000000000002"}"#
    );

    snapshot!(
        mandate_updated,
        Event::MandateUpdated {
            mandate: mandate(Some(MandateId(u(6))))
        },
        "mandate.updated",
        "mandate",
        u(5),
        r#"{"ends_on":"2027-08-31","partner_id":"00000000-0000-0000-0000-000000000004","role":"representative","starts_on":"2026-09-01","successor_of":"00000000-0000-0000-0000-000000000006","user_id":"00000000-0000-0000-0000-000000000002"}"#
    );

    snapshot!(
        mandate_deleted,
        Event::MandateDeleted {
            mandate: mandate(None)
        },
        "mandate.deleted",
        "mandate",
        u(5),
        r#"{"ends_on":"2027-08-31","partner_id":"00000000-0000-0000-0000-000000000004","role":"representative","starts_on":"2026-09-01","successor_of":null,"user_id":"00000000-0000-0000-0000-000000000002"}"#
    );

    snapshot!(
        successor_designated,
        Event::SuccessorDesignated {
            invitation: InvitationId(u(7)),
            predecessor: MandateId(u(5)),
            partner: PartnerId(u(4)),
            role: Role::Coordinator,
            starts_on: day(2026, 9, 1)
        },
        "mandate.successor_designated",
        "invitation",
        u(7),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004","role":"coordinator","starts_on":"2026-09-01","successor_of":"00000000-0000-0000-0000-000000000005"}"#
    );

    snapshot!(
        invitation_created,
        Event::InvitationCreated {
            invitation: InvitationId(u(7)),
            partner: PartnerId(u(4)),
            role: Role::Member,
            starts_on: day(2026, 9, 1)
        },
        "invitation.created",
        "invitation",
        u(7),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004","role":"member","starts_on":"2026-09-01"}"#
    );

    snapshot!(
        invitation_revoked,
        Event::InvitationRevoked {
            invitation: InvitationId(u(7)),
            partner: PartnerId(u(4)),
            role: Role::Member
        },
        "invitation.revoked",
        "invitation",
        u(7),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004","role":"member"}"#
    );

    snapshot!(
        invitation_accepted,
        Event::InvitationAccepted {
            invitation: InvitationId(u(7)),
            mandate: mandate(Some(MandateId(u(6))))
        },
        "invitation.accepted",
        "mandate",
        u(5),
        r#"{"ends_on":"2027-08-31","invitation_id":"00000000-0000-0000-0000-000000000007","partner_id":"00000000-0000-0000-0000-000000000004","role":"representative","starts_on":"2026-09-01","successor_of":"00000000-0000-0000-0000-000000000006"}"#
    );

    snapshot!(
        charter_version_created,
        Event::CharterVersionCreated {
            charter: CharterId(u(8)),
            version: 2,
            status: CharterStatus::Proposed
        },
        "charter.version_created",
        "charter",
        u(8),
        r#"{"status":"proposed","version":2}"#
    );

    snapshot!(
        charter_signed,
        Event::CharterSigned {
            charter: CharterId(u(8)),
            version: 2,
            partner: PartnerId(u(4))
        },
        "charter.signed",
        "charter",
        u(8),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004","version":2}"#
    );

    snapshot!(
        charter_adopted,
        Event::CharterAdopted {
            charter: CharterId(u(8)),
            version: 2,
            vote: VoteId(u(9))
        },
        "charter.adopted",
        "charter",
        u(8),
        r#"{"version":2,"vote_id":"00000000-0000-0000-0000-000000000009"}"#
    );

    snapshot!(
        plan_created,
        Event::PlanCreated {
            plan: PlanId(u(10)),
            academic_year: year(),
            title: "Plan d'actions 2026-2027".into()
        },
        "plan.created",
        "plan",
        u(10),
        r#"{"academic_year":"2026-2027","title":"Plan d'actions 2026-2027"}"#
    );

    snapshot!(
        plan_updated,
        Event::PlanUpdated {
            plan: PlanId(u(10)),
            title: "Plan".into()
        },
        "plan.updated",
        "plan",
        u(10),
        r#"{"title":"Plan"}"#
    );

    snapshot!(
        plan_phase_changed,
        Event::PlanPhaseChanged {
            plan: PlanId(u(10)),
            from: Phase::Voting,
            to: Phase::Adopted,
            actions_adopted: 4
        },
        "plan.phase_changed",
        "plan",
        u(10),
        r#"{"actions_adopted":4,"from":"voting","to":"adopted"}"#
    );

    snapshot!(
        plan_carried_over,
        Event::PlanCarriedOver {
            plan: PlanId(u(10)),
            from_plan: PlanId(u(11)),
            academic_year: year(),
            actions: 2
        },
        "plan.carried_over",
        "plan",
        u(10),
        r#"{"academic_year":"2026-2027","actions":2,"from_plan_id":"00000000-0000-0000-0000-00000000000b"}"#
    );

    snapshot!(
        action_proposed,
        Event::ActionProposed {
            action: ActionId(u(12)),
            plan: PlanId(u(10)),
            title: "Composteur".into(),
            theme: Theme::Waste,
            proposing_partner: PartnerId(u(4)),
            status: ActionStatus::Proposed
        },
        "action.proposed",
        "action",
        u(12),
        r#"{"plan_id":"00000000-0000-0000-0000-00000000000a","proposing_partner_id":"00000000-0000-0000-0000-000000000004","status":"proposed","theme":"waste","title":"Composteur"}"#
    );

    snapshot!(
        action_updated,
        Event::ActionUpdated {
            action: ActionId(u(12)),
            title: "Composteur".into(),
            from: ActionStatus::Adopted,
            status: ActionStatus::Adopted
        },
        "action.updated",
        "action",
        u(12),
        r#"{"from":"adopted","status":"adopted","title":"Composteur"}"#
    );

    snapshot!(
        action_status_changed,
        Event::ActionStatusChanged {
            action: ActionId(u(12)),
            title: "Composteur".into(),
            from: ActionStatus::Adopted,
            status: ActionStatus::InProgress,
            vote: None
        },
        "action.status_changed",
        "action",
        u(12),
        r#"{"from":"adopted","status":"in_progress","title":"Composteur"}"#
    );

    snapshot!(
        action_status_changed_by_vote,
        Event::ActionStatusChanged {
            action: ActionId(u(12)),
            title: "Composteur".into(),
            from: ActionStatus::Proposed,
            status: ActionStatus::Rejected,
            vote: Some(VoteId(u(9)))
        },
        "action.status_changed",
        "action",
        u(12),
        r#"{"from":"proposed","status":"rejected","title":"Composteur","vote_id":"00000000-0000-0000-0000-000000000009"}"#
    );

    snapshot!(
        action_endorsed,
        Event::ActionEndorsed {
            action: ActionId(u(12)),
            partner: PartnerId(u(4))
        },
        "action.endorsed",
        "action",
        u(12),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004"}"#
    );

    snapshot!(
        action_endorsement_withdrawn,
        Event::ActionEndorsementWithdrawn {
            action: ActionId(u(12)),
            partner: PartnerId(u(4))
        },
        "action.endorsement_withdrawn",
        "action",
        u(12),
        r#"{"partner_id":"00000000-0000-0000-0000-000000000004"}"#
    );

    snapshot!(
        comment_created,
        Event::CommentCreated {
            comment: CommentId(u(13)),
            action: ActionId(u(12))
        },
        "comment.created",
        "comment",
        u(13),
        r#"{"action_id":"00000000-0000-0000-0000-00000000000c"}"#
    );

    snapshot!(
        comment_updated,
        Event::CommentUpdated {
            comment: CommentId(u(13)),
            action: ActionId(u(12))
        },
        "comment.updated",
        "comment",
        u(13),
        r#"{"action_id":"00000000-0000-0000-0000-00000000000c"}"#
    );

    snapshot!(
        comment_deleted,
        Event::CommentDeleted {
            comment: CommentId(u(13)),
            action: ActionId(u(12))
        },
        "comment.deleted",
        "comment",
        u(13),
        r#"{"action_id":"00000000-0000-0000-0000-00000000000c"}"#
    );

    snapshot!(
        indicator_created,
        Event::IndicatorCreated {
            indicator: IndicatorId(u(14)),
            action: ActionId(u(12)),
            catalogue: Some("food_collected_kg".into()),
            name: "Denrées collectées".into(),
            unit: "kg".into(),
            target: Some(200.0)
        },
        "indicator.created",
        "indicator",
        u(14),
        r#"{"action_id":"00000000-0000-0000-0000-00000000000c","catalogue":"food_collected_kg","name":"Denrées collectées","target":200.0,"unit":"kg"}"#
    );

    snapshot!(
        indicator_created_without_catalogue,
        Event::IndicatorCreated {
            indicator: IndicatorId(u(14)),
            action: ActionId(u(12)),
            catalogue: None,
            name: "Bénévoles".into(),
            unit: "personnes".into(),
            target: None
        },
        "indicator.created",
        "indicator",
        u(14),
        r#"{"action_id":"00000000-0000-0000-0000-00000000000c","catalogue":null,"name":"Bénévoles","target":null,"unit":"personnes"}"#
    );

    snapshot!(
        measurement_recorded,
        Event::MeasurementRecorded {
            measurement: MeasurementId(u(15)),
            indicator: IndicatorId(u(14)),
            value: 12.5,
            measured_on: day(2026, 9, 1),
            with_evidence: true
        },
        "measurement.recorded",
        "measurement",
        u(15),
        r#"{"indicator_id":"00000000-0000-0000-0000-00000000000e","measured_on":"2026-09-01","value":12.5,"with_evidence":true}"#
    );

    snapshot!(
        measurement_recorded_whole,
        Event::MeasurementRecorded {
            measurement: MeasurementId(u(15)),
            indicator: IndicatorId(u(14)),
            value: 40.0,
            measured_on: day(2026, 9, 1),
            with_evidence: false
        },
        "measurement.recorded",
        "measurement",
        u(15),
        r#"{"indicator_id":"00000000-0000-0000-0000-00000000000e","measured_on":"2026-09-01","value":40.0,"with_evidence":false}"#
    );

    snapshot!(
        measurement_reviewed,
        Event::MeasurementReviewed {
            measurement: MeasurementId(u(15)),
            verdict: Verdict::Dispute,
            reason: Some("La pesée n'inclut pas les invendus.".into()),
            recorded_by_partner: PartnerId(u(4))
        },
        "measurement.reviewed",
        "measurement",
        u(15),
        r#"{"reason":"La pesée n'inclut pas les invendus.","recorded_by_partner_id":"00000000-0000-0000-0000-000000000004","verdict":"dispute"}"#
    );

    snapshot!(
        measurement_confirmed,
        Event::MeasurementReviewed {
            measurement: MeasurementId(u(15)),
            verdict: Verdict::Confirm,
            reason: None,
            recorded_by_partner: PartnerId(u(4))
        },
        "measurement.reviewed",
        "measurement",
        u(15),
        r#"{"reason":null,"recorded_by_partner_id":"00000000-0000-0000-0000-000000000004","verdict":"confirm"}"#
    );

    snapshot!(
        event_created,
        Event::EventCreated {
            event: EventId(u(16)),
            title: "Passation".into(),
            kind: EventKind::Handover,
            starts_at: time(2026, 10, 13, 8)
        },
        "event.created",
        "event",
        u(16),
        r#"{"kind":"handover","starts_at":"2026-10-13T08:00:00Z","title":"Passation"}"#
    );

    snapshot!(
        event_updated,
        Event::EventUpdated {
            event: EventId(u(16)),
            title: "Passation".into(),
            kind: EventKind::Meeting,
            attendance: Some(42)
        },
        "event.updated",
        "event",
        u(16),
        r#"{"attendance":42,"kind":"meeting","title":"Passation"}"#
    );

    snapshot!(
        event_deleted,
        Event::EventDeleted {
            event: EventId(u(16)),
            title: "Passation".into(),
            kind: EventKind::Celebration
        },
        "event.deleted",
        "event",
        u(16),
        r#"{"kind":"celebration","title":"Passation"}"#
    );

    snapshot!(
        vote_created,
        Event::VoteCreated {
            vote: VoteId(u(9)),
            title: "Charte v2".into(),
            rules: consent_rules(),
            subject_id: Some(u(8)),
            secret: true,
            results: ResultsVisibility::AfterClose,
            opens_at: time(2026, 10, 13, 8),
            closes_at: time(2026, 10, 20, 18)
        },
        "vote.created",
        "vote",
        u(9),
        r#"{"by_college":true,"closes_at":"2026-10-20T18:00:00Z","electorate":"partners","method":"consent","opens_at":"2026-10-13T08:00:00Z","options":[],"quorum_percent":50,"results":"after_close","secret":true,"subject":"charter_adoption","subject_id":"00000000-0000-0000-0000-000000000008","threshold":"two_thirds","title":"Charte v2"}"#
    );

    snapshot!(
        vote_created_with_options,
        Event::VoteCreated {
            vote: VoteId(u(9)),
            title: "Lieu".into(),
            rules: choice_rules(),
            subject_id: None,
            secret: false,
            results: ResultsVisibility::Live,
            opens_at: time(2026, 10, 13, 8),
            closes_at: time(2026, 10, 20, 18)
        },
        "vote.created",
        "vote",
        u(9),
        r#"{"by_college":false,"closes_at":"2026-10-20T18:00:00Z","electorate":"members","method":"single_choice","opens_at":"2026-10-13T08:00:00Z","options":["Mairie","Campus"],"quorum_percent":0,"results":"live","secret":false,"subject":"question","subject_id":null,"threshold":null,"title":"Lieu"}"#
    );

    snapshot!(
        vote_updated,
        Event::VoteUpdated {
            vote: VoteId(u(9)),
            method: Method::Approval,
            opens_at: time(2026, 10, 13, 8),
            closes_at: time(2026, 10, 20, 18)
        },
        "vote.updated",
        "vote",
        u(9),
        r#"{"closes_at":"2026-10-20T18:00:00Z","method":"approval","opens_at":"2026-10-13T08:00:00Z"}"#
    );

    snapshot!(
        vote_opened,
        Event::VoteOpened {
            vote: VoteId(u(9)),
            electorate_size: 7
        },
        "vote.opened",
        "vote",
        u(9),
        r#"{"electorate_size":7}"#
    );

    snapshot!(
        vote_closed,
        Event::VoteClosed {
            vote: VoteId(u(9)),
            outcome: Outcome::Adopted,
            winner: None,
            turnout: 5,
            electorate: 7,
            quorum_reached: true,
            consent: Some(ConsentCounts {
                for_: 4,
                against: 0,
                abstain: 1
            }),
            early: false
        },
        "vote.closed",
        "vote",
        u(9),
        r#"{"consent":{"abstain":1,"against":0,"for":4},"early":false,"electorate":7,"outcome":"adopted","quorum_reached":true,"turnout":5,"winner":null}"#
    );

    snapshot!(
        vote_closed_with_winner,
        Event::VoteClosed {
            vote: VoteId(u(9)),
            outcome: Outcome::Winner(1),
            winner: Some("Campus".into()),
            turnout: 3,
            electorate: 9,
            quorum_reached: false,
            consent: None,
            early: true
        },
        "vote.closed",
        "vote",
        u(9),
        r#"{"consent":null,"early":true,"electorate":9,"outcome":"winner","quorum_reached":false,"turnout":3,"winner":"Campus"}"#
    );

    snapshot!(
        ballot_cast,
        Event::BallotCast {
            vote: VoteId(u(9)),
            voter: u(4),
            replaced: false
        },
        "ballot.cast",
        "vote",
        u(9),
        r#"{"replaced":false,"voter_id":"00000000-0000-0000-0000-000000000004"}"#
    );

    snapshot!(
        label_applied,
        Event::LabelApplied {
            label: LabelId(u(17)),
            academic_year: year(),
            missing_kinds: vec!["school".into()]
        },
        "label.applied",
        "label",
        u(17),
        r#"{"academic_year":"2026-2027","missing_kinds":["school"]}"#
    );

    snapshot!(
        label_decided,
        Event::LabelDecided {
            label: LabelId(u(17)),
            academic_year: year(),
            from: LabelStatus::Applied,
            status: LabelStatus::Granted
        },
        "label.decided",
        "label",
        u(17),
        r#"{"academic_year":"2026-2027","from":"applied","status":"granted"}"#
    );

    /// A new variant comes with its snapshot: every variant of the enum is built in
    /// a `snapshot!` above.
    #[test]
    fn every_variant_has_a_snapshot() {
        let source = include_str!("event.rs");
        let start = source.find("pub enum Event {").unwrap();
        let end = source.find("impl Event {").unwrap();
        let tests = &source[source.find("mod tests").unwrap()..];
        let variants: Vec<&str> = source[start..end]
            .lines()
            .filter_map(|l| l.strip_prefix("    ")?.strip_suffix(" {"))
            .filter(|name| name.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
            .collect();
        assert_eq!(variants.len(), 50, "{variants:?}");
        for variant in variants {
            assert!(
                tests.contains(&format!("Event::{variant} {{")),
                "no snapshot for {variant}"
            );
        }
    }
}
