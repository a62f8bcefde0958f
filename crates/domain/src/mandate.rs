//! People's roles in an alliance, on behalf of a partner, for a period.

use chrono::NaiveDate;

use crate::alliance::text_enum;
use crate::error::DomainError;
use crate::ids::{AllianceId, MandateId, PartnerId, UserId};

text_enum!(
    /// What a mandate lets its holder do (SPEC §3).
    Role {
        Coordinator => "coordinator",
        Representative => "representative",
        Member => "member",
        Observer => "observer",
    }
);

impl Role {
    /// Representatives and coordinators speak for their partner (sign, endorse, vote).
    pub fn speaks_for_partner(self) -> bool {
        matches!(self, Self::Coordinator | Self::Representative)
    }

    /// Every role but observer takes part (propose, comment, members' votes).
    pub fn takes_part(self) -> bool {
        !matches!(self, Self::Observer)
    }
}

/// A period of days, both ends included; no end means open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Period {
    pub fn new(starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> Result<Self, DomainError> {
        match ends_on {
            Some(end) if end < starts_on => Err(DomainError::invalid(
                "ends_on",
                "before_start",
                "must not be before starts_on",
            )),
            _ => Ok(Self { starts_on, ends_on }),
        }
    }

    /// `starts_on ≤ day ≤ ends_on`.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }
}

/// A mandate as rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    pub id: MandateId,
    pub alliance: AllianceId,
    pub user: UserId,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub successor_of: Option<MandateId>,
}

impl Mandate {
    pub fn is_current(&self, day: NaiveDate) -> bool {
        self.period.contains(day)
    }
}

/// The first day of a successor's mandate: the day after the predecessor's ends.
pub fn successor_start(predecessor_ends_on: Option<NaiveDate>) -> Result<NaiveDate, DomainError> {
    let Some(end) = predecessor_ends_on else {
        return Err(DomainError::conflict(
            "mandate_has_no_end",
            "this mandate has no end date: set its ends_on before designating a successor",
        ));
    };
    end.succ_opt()
        .ok_or_else(|| DomainError::invalid("ends_on", "out_of_range", "is too far in the future"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_mandate_is_current_on_both_end_days_and_not_after() {
        let period = Period::new(d("2025-09-01"), Some(d("2026-08-31"))).unwrap();
        assert!(!period.contains(d("2025-08-31")));
        assert!(period.contains(d("2025-09-01")));
        assert!(period.contains(d("2026-08-31")));
        assert!(!period.contains(d("2026-09-01")));
        assert!(
            Period::new(d("2025-09-01"), None)
                .unwrap()
                .contains(d("2099-01-01"))
        );
        assert!(Period::new(d("2025-09-01"), Some(d("2025-08-31"))).is_err());
    }

    #[test]
    fn a_successor_starts_the_day_after() {
        assert_eq!(
            successor_start(Some(d("2026-08-31"))).unwrap(),
            d("2026-09-01")
        );
        assert!(successor_start(None).is_err());
    }
}
