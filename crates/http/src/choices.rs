//! The closed sets of words the API takes and answers (roles, statuses, kinds...),
//! documented as string enums in the OpenAPI document so that clients can generate
//! types and tools can generate valid requests.
//!
//! Request and response fields stay `String`s checked by the domain's `parse`; a
//! field names its set with `#[schema(value_type = choices::Role)]`. A set taken
//! from a domain type lists that type's words, so the document cannot drift from
//! what the handlers accept; a set listed here (a subset, or words the domain has
//! no type for) is checked against the domain by the tests below.

use std::borrow::Cow;

use agir_domain::alliance::{
    AllianceStatus as DomainAllianceStatus, College as DomainCollege,
    PartnerKind as DomainPartnerKind, PartnerStatus as DomainPartnerStatus,
};
use agir_domain::mandate::Role as DomainRole;
use agir_domain::plan::{
    ActionStatus as DomainActionStatus, CatalogueIndicator as DomainCatalogue,
    EventKind as DomainEventKind, Phase as DomainPhase, Theme as DomainTheme,
    Verdict as DomainVerdict,
};
use agir_domain::succession::SuccessionStatus as DomainSuccessionStatus;
use agir_domain::vote::{
    Electorate as DomainElectorate, Grade as DomainGrade, Method as DomainMethod,
    ResultsVisibility as DomainResultsVisibility, Subject as DomainSubject,
    Threshold as DomainThreshold, VoteStatus as DomainVoteStatus,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

fn string_enum(words: Vec<&'static str>, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(words))
        .description(Some(description.trim()))
        .into()
}

/// A set with the words of a domain type.
macro_rules! from_domain {
    ($($(#[doc = $doc:literal])* $name:ident => $domain:ty;)*) => {$(
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub fn words() -> Vec<&'static str> {
                <$domain>::ALL.iter().map(|v| v.as_str()).collect()
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum(Self::words(), concat!($($doc, "\n"),*))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

/// A set listed here.
macro_rules! listed {
    ($($(#[doc = $doc:literal])* $name:ident => [$($word:literal),* $(,)?];)*) => {$(
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub fn words() -> Vec<&'static str> {
                vec![$($word),*]
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum(Self::words(), concat!($($doc, "\n"),*))
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

from_domain! {
    /// Whether an alliance still runs.
    AllianceStatus => DomainAllianceStatus;
    /// Whether a partner is still in its alliance.
    PartnerStatus => DomainPartnerStatus;
    /// What kind of organisation a partner is; each kind belongs to a college.
    PartnerKind => DomainPartnerKind;
    /// The college of a partner's kind, used by votes.
    College => DomainCollege;
    /// A role in an alliance.
    Role => DomainRole;
    /// A plan's phase.
    Phase => DomainPhase;
    /// An action's status.
    ActionStatus => DomainActionStatus;
    /// An action's theme.
    Theme => DomainTheme;
    /// A catalogue indicator, summed across cities by the network view.
    Catalogue => DomainCatalogue;
    /// A review's verdict on a measurement.
    Verdict => DomainVerdict;
    /// What kind of event.
    EventKind => DomainEventKind;
    /// A partner's succession status.
    SuccessionStatus => DomainSuccessionStatus;
    /// What a vote decides.
    Subject => DomainSubject;
    /// How a vote is counted.
    Method => DomainMethod;
    /// Who votes: one ballot per partner or per member.
    Electorate => DomainElectorate;
    /// The threshold of a `consent` vote.
    Threshold => DomainThreshold;
    /// When a vote's results are shown.
    ResultsVisibility => DomainResultsVisibility;
    /// A grade of majority judgment, best first.
    Grade => DomainGrade;
    /// A vote's status.
    VoteStatus => DomainVoteStatus;
}

listed! {
    /// A label's status; `expired` is a `granted` label of a past academic year.
    LabelStatus => ["applied", "granted", "refused", "withdrawn", "expired"];
    /// A decision on a label: `granted` or `refused` (an application), `withdrawn` (a
    /// granted label).
    LabelDecision => ["granted", "refused", "withdrawn"];
    /// A label in the network view: `granted`, or `expired` for a past academic year.
    NetworkLabelStatus => ["granted", "expired"];
    /// The statuses of actions the network view shows.
    NetworkActionStatus => ["adopted", "in_progress", "completed"];
    /// The phase a plan moves to.
    TransitionTarget => ["consultation", "voting", "adopted", "closed"];
    /// `verified`: every indicator has a measurement with evidence confirmed by another
    /// partner; `unverified` otherwise.
    Verification => ["verified", "unverified"];
    /// A charter version's status: `proposed` (awaiting adoption), `current` or
    /// `superseded`.
    CharterStatus => ["proposed", "current", "superseded"];
    /// An invitation's status.
    InvitationStatus => ["pending", "accepted", "revoked", "expired"];
    /// A measurement's review: `confirmed` or `disputed`.
    ReviewStatus => ["confirmed", "disputed"];
}

#[cfg(test)]
mod tests {
    use agir_domain::label::LabelStatus as DomainLabelStatus;

    use super::*;

    fn domain<T: Copy>(all: &[T], as_str: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| as_str(*v)).collect()
    }

    fn subset(words: &[&str], of: &[&str]) -> bool {
        words.iter().all(|w| of.contains(w))
    }

    #[test]
    fn listed_sets_agree_with_the_domain() {
        let labels = domain(DomainLabelStatus::ALL, DomainLabelStatus::as_str);
        let mut with_expired = labels.clone();
        with_expired.push("expired");
        assert_eq!(LabelStatus::words(), with_expired);
        assert!(subset(&LabelDecision::words(), &labels));
        assert!(subset(&NetworkLabelStatus::words(), &with_expired));
        assert!(subset(
            &NetworkActionStatus::words(),
            &ActionStatus::words()
        ));
        assert!(subset(&TransitionTarget::words(), &Phase::words()));
        assert_eq!(
            Verdict::words()
                .iter()
                .map(|v| format!("{v}ed")
                    .replace("confirmed", "confirmed")
                    .replace("disputeed", "disputed"))
                .collect::<Vec<_>>(),
            ["confirmed", "disputed"]
        );
        assert_eq!(ReviewStatus::words(), ["confirmed", "disputed"]);
        assert_eq!(
            CharterStatus::words(),
            domain(
                agir_domain::alliance::CharterStatus::ALL,
                agir_domain::alliance::CharterStatus::as_str
            )
        );
    }

    #[test]
    fn every_set_is_a_string_enum() {
        let schema =
            serde_json::to_value(<Role as utoipa::PartialSchema>::schema()).unwrap_or_default();
        assert_eq!(schema["type"], "string");
        assert_eq!(
            schema["enum"],
            serde_json::Value::from(vec!["coordinator", "representative", "member", "observer"])
        );
    }
}
