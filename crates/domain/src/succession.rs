//! The succession report: who speaks for each partner, until when, and who takes over
//! (the seed's anticipation problem: a June meeting introduces next year's people).

use chrono::{Days, NaiveDate};

use crate::alliance::text_enum;
use crate::error::DomainError;

text_enum!(
    /// How safe a partner's representation is.
    SuccessionStatus { Ok => "ok", AtRisk => "at_risk", Vacant => "vacant" }
);

/// One current representative (or coordinator) of a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub ends_on: Option<NaiveDate>,
    /// A successor was designated: an open invitation or an accepted successor mandate.
    pub successor_designated: bool,
}

/// How many days ahead the report looks, 0 to 366 (default 90).
pub fn within_days(raw: Option<i64>) -> Result<u64, DomainError> {
    match raw.unwrap_or(90) {
        n @ 0..=366 => Ok(n.unsigned_abs()),
        _ => Err(DomainError::invalid(
            "within_days",
            "out_of_range",
            "must be between 0 and 366",
        )),
    }
}

/// A mandate's holder cannot be designated as its own successor (422 on `email`):
/// the invited address is compared with the holder's, ignoring case.
pub fn not_the_holder(holder_email: &str, invited_email: &str) -> Result<(), DomainError> {
    if holder_email
        .trim()
        .eq_ignore_ascii_case(invited_email.trim())
    {
        Err(DomainError::invalid(
            "email",
            "own_successor",
            "a mandate's holder cannot be designated as its successor",
        ))
    } else {
        Ok(())
    }
}

/// One successor per mandate: once one has accepted, a new designation is 409
/// `successor_exists` (a pending invitation is replaced instead).
pub fn no_accepted_successor(accepted: bool) -> Result<(), DomainError> {
    if accepted {
        Err(DomainError::conflict(
            "successor_exists",
            "a successor has already accepted to take over this mandate",
        ))
    } else {
        Ok(())
    }
}

/// `vacant` without a current representative; `at_risk` when every one of them
/// leaves within `within_days` of `today` and none has a successor designated;
/// `ok` otherwise.
pub fn status(holders: &[Holder], today: NaiveDate, within_days: u64) -> SuccessionStatus {
    if holders.is_empty() {
        return SuccessionStatus::Vacant;
    }
    let horizon = today
        .checked_add_days(Days::new(within_days))
        .unwrap_or(NaiveDate::MAX);
    let leaves_soon = |h: &Holder| h.ends_on.is_some_and(|end| end <= horizon);
    let all_leave = holders.iter().all(leaves_soon);
    let someone_follows = holders.iter().any(|h| h.successor_designated);
    if all_leave && !someone_follows {
        SuccessionStatus::AtRisk
    } else {
        SuccessionStatus::Ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn holder(ends_on: Option<&str>, successor: bool) -> Holder {
        Holder {
            ends_on: ends_on.map(d),
            successor_designated: successor,
        }
    }

    #[test]
    fn statuses_on_fixed_dates() {
        let today = d("2026-06-15");
        assert_eq!(status(&[], today, 90), SuccessionStatus::Vacant);
        // Leaves 31 August: within 90 days of 15 June (77 days), no successor.
        assert_eq!(
            status(&[holder(Some("2026-08-31"), false)], today, 90),
            SuccessionStatus::AtRisk
        );
        // ... but not within 30 days.
        assert_eq!(
            status(&[holder(Some("2026-08-31"), false)], today, 30),
            SuccessionStatus::Ok
        );
        // Exactly on the horizon counts as leaving.
        assert_eq!(
            status(&[holder(Some("2026-07-15"), false)], today, 30),
            SuccessionStatus::AtRisk
        );
        // A successor is designated.
        assert_eq!(
            status(&[holder(Some("2026-08-31"), true)], today, 90),
            SuccessionStatus::Ok
        );
        // Another representative stays.
        assert_eq!(
            status(
                &[holder(Some("2026-08-31"), false), holder(None, false)],
                today,
                90
            ),
            SuccessionStatus::Ok
        );
        assert_eq!(
            status(
                &[
                    holder(Some("2026-08-31"), false),
                    holder(Some("2026-07-01"), false)
                ],
                today,
                90
            ),
            SuccessionStatus::AtRisk
        );
    }

    #[test]
    fn the_holder_is_not_their_own_successor() {
        assert!(not_the_holder("lea@ecolophi.fr", "Lea@EcoloPhi.fr ").is_err());
        assert!(not_the_holder("lea@ecolophi.fr", "ines@ecolophi.fr").is_ok());
        assert!(no_accepted_successor(true).is_err());
        assert!(no_accepted_successor(false).is_ok());
    }

    #[test]
    fn within_days_is_bounded() {
        assert_eq!(within_days(None).unwrap(), 90);
        assert_eq!(within_days(Some(0)).unwrap(), 0);
        assert!(within_days(Some(-1)).is_err());
        assert!(within_days(Some(367)).is_err());
    }
}
