//! People's roles in an alliance, on behalf of a partner, for a period.

use chrono::NaiveDate;

use crate::alliance::text_enum;
use crate::error::DomainError;
use crate::ids::{AllianceId, MandateId, PartnerId, UserId};
use crate::plan::AcademicYear;

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

    /// How far the role reaches: observer < member < representative < coordinator.
    pub fn rank(self) -> u8 {
        match self {
            Self::Observer => 0,
            Self::Member => 1,
            Self::Representative => 2,
            Self::Coordinator => 3,
        }
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

/// The successor's period (SPEC §2, succession): only for a mandate that is current
/// or starts later on `today` (409 `mandate_ended` otherwise, `mandate_has_no_end`
/// for an open-ended one); it starts the day after the predecessor's ends and ends
/// on the 31 August closing the academic year it starts in, or on an earlier
/// `requested_end` (422 `ends_on` when after that day or before the start).
pub fn successor_period(
    predecessor: &Period,
    today: NaiveDate,
    requested_end: Option<NaiveDate>,
) -> Result<Period, DomainError> {
    if predecessor.ends_on.is_some_and(|end| end < today) {
        return Err(DomainError::conflict(
            "mandate_ended",
            "this mandate has ended: a successor is designated only for a current or future mandate",
        ));
    }
    let starts_on = successor_start(predecessor.ends_on)?;
    let latest = AcademicYear::containing(starts_on).ends_on();
    let ends_on = match requested_end {
        None => latest,
        Some(end) if end > latest => {
            return Err(DomainError::invalid(
                "ends_on",
                "out_of_range",
                format!(
                    "must be on or before {latest}, the end of the academic year the mandate starts in"
                ),
            ));
        }
        Some(end) => end,
    };
    Period::new(starts_on, Some(ends_on))
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

    #[test]
    fn a_successor_serves_until_the_end_of_the_academic_year_it_starts_in() {
        let today = d("2026-06-15");
        let lea = Period::new(d("2025-09-01"), Some(d("2026-08-31"))).unwrap();
        assert_eq!(
            successor_period(&lea, today, None).unwrap(),
            Period::new(d("2026-09-01"), Some(d("2027-08-31"))).unwrap()
        );
        // Ending mid-year: the successor finishes that year only.
        let mid = Period::new(d("2025-09-01"), Some(d("2027-01-31"))).unwrap();
        assert_eq!(
            successor_period(&mid, today, None).unwrap().ends_on,
            Some(d("2027-08-31"))
        );
        // Ending on 31 July: the successor starts 1 August, the last month of that year.
        let july = Period::new(d("2025-09-01"), Some(d("2026-07-31"))).unwrap();
        assert_eq!(
            successor_period(&july, today, None).unwrap(),
            Period::new(d("2026-08-01"), Some(d("2026-08-31"))).unwrap()
        );
        // An earlier end is kept; a later one, or one before the start, is refused.
        assert_eq!(
            successor_period(&lea, today, Some(d("2027-01-31")))
                .unwrap()
                .ends_on,
            Some(d("2027-01-31"))
        );
        for bad in ["2027-09-01", "2026-08-31"] {
            let err = successor_period(&lea, today, Some(d(bad))).unwrap_err();
            assert!(
                matches!(&err, DomainError::Invalid(e) if e[0].field == "ends_on"),
                "{bad}: {err:?}"
            );
        }
        // The last day of a mandate still counts; the day after, it has ended.
        assert!(successor_period(&lea, d("2026-08-31"), None).is_ok());
        assert!(matches!(
            successor_period(&lea, d("2026-09-01"), None),
            Err(DomainError::Conflict {
                code: "mandate_ended",
                ..
            })
        ));
        // A mandate that starts later qualifies.
        let future = Period::new(d("2026-09-01"), Some(d("2027-08-31"))).unwrap();
        assert!(successor_period(&future, today, None).is_ok());
        assert!(matches!(
            successor_period(&Period::new(d("2025-09-01"), None).unwrap(), today, None),
            Err(DomainError::Conflict {
                code: "mandate_has_no_end",
                ..
            })
        ));
    }

    #[test]
    fn roles_are_ranked() {
        assert!(Role::Coordinator.rank() > Role::Representative.rank());
        assert!(Role::Representative.rank() > Role::Member.rank());
        assert!(Role::Member.rank() > Role::Observer.rank());
    }
}
