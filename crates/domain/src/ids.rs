//! Typed identifiers: a `UserId` cannot be passed where an `AllianceId` is expected.

use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered identifier (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A person's account.
    UserId,
    /// A login session: one family of rotated refresh tokens.
    SessionId,
    /// A local alliance.
    AllianceId,
    /// A partner organisation of one alliance.
    PartnerId,
    /// A city (commune).
    CityId,
    /// A person's role in an alliance for a period.
    MandateId,
    /// An invitation to take a mandate.
    InvitationId,
    /// A version of an alliance's charter.
    CharterId,
    /// An alliance's action plan for one academic year.
    PlanId,
    /// An action of a plan.
    ActionId,
    /// A comment on an action.
    CommentId,
    /// A measured quantity of an action.
    IndicatorId,
    /// A value of an indicator on a date.
    MeasurementId,
    /// An event of an alliance.
    EventId,
    /// A vote of an alliance.
    VoteId,
    /// An alliance's application for the label, for one academic year.
    LabelId,
);
