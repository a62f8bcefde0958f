//! The "Agir Ensemble" label: applied for by an alliance for an academic year,
//! decided by the AVUF (SPEC §2).

use chrono::NaiveDate;

use crate::alliance::{PartnerKind, text_enum};
use crate::error::DomainError;
use crate::plan::AcademicYear;

text_enum!(
    /// A label's stored status.
    LabelStatus {
        Applied => "applied",
        Granted => "granted",
        Refused => "refused",
        Withdrawn => "withdrawn",
    }
);

impl LabelStatus {
    /// applied → granted | refused; granted → withdrawn.
    pub fn decide(self, to: LabelStatus) -> Result<LabelStatus, DomainError> {
        let allowed = matches!(
            (self, to),
            (
                LabelStatus::Applied,
                LabelStatus::Granted | LabelStatus::Refused
            ) | (LabelStatus::Granted, LabelStatus::Withdrawn)
        );
        if allowed {
            Ok(to)
        } else {
            Err(DomainError::conflict(
                "invalid_transition",
                format!(
                    "a label {self} cannot become {to}: applied → granted | refused, granted → withdrawn"
                ),
            ))
        }
    }
}

/// The status reported to clients: a granted label of a past academic year is `expired`.
pub fn reported_status(status: LabelStatus, year: AcademicYear, today: NaiveDate) -> &'static str {
    if status == LabelStatus::Granted && today > year.ends_on() {
        "expired"
    } else {
        status.as_str()
    }
}

/// The kinds of partners the AVUF expects in a labelled alliance: a local authority,
/// a university, a school and the student services (Crous).
pub const EXPECTED_KINDS: [PartnerKind; 4] = [
    PartnerKind::LocalAuthority,
    PartnerKind::University,
    PartnerKind::School,
    PartnerKind::StudentServices,
];

/// Which expected kinds an alliance's active partners lack.
pub fn missing_kinds(present: &[PartnerKind]) -> Vec<PartnerKind> {
    EXPECTED_KINDS
        .into_iter()
        .filter(|k| !present.contains(k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lifecycle() {
        assert!(LabelStatus::Applied.decide(LabelStatus::Granted).is_ok());
        assert!(LabelStatus::Applied.decide(LabelStatus::Refused).is_ok());
        assert!(LabelStatus::Granted.decide(LabelStatus::Withdrawn).is_ok());
        assert!(LabelStatus::Refused.decide(LabelStatus::Granted).is_err());
        assert!(LabelStatus::Applied.decide(LabelStatus::Withdrawn).is_err());
        assert!(LabelStatus::Withdrawn.decide(LabelStatus::Granted).is_err());
    }

    #[test]
    fn a_granted_label_of_a_past_year_is_expired() {
        let year = AcademicYear::parse("y", "2024-2025").unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(
            reported_status(LabelStatus::Granted, year, d("2025-08-31")),
            "granted"
        );
        assert_eq!(
            reported_status(LabelStatus::Granted, year, d("2025-09-01")),
            "expired"
        );
        assert_eq!(
            reported_status(LabelStatus::Refused, year, d("2026-01-01")),
            "refused"
        );
    }

    #[test]
    fn missing_kinds_of_the_sceaux_alliance() {
        // Sceaux: a city, a university, schools, no Crous.
        let present = [
            PartnerKind::LocalAuthority,
            PartnerKind::School,
            PartnerKind::University,
            PartnerKind::StudentAssociation,
        ];
        assert_eq!(missing_kinds(&present), vec![PartnerKind::StudentServices]);
        assert_eq!(missing_kinds(&[]).len(), 4);
    }
}
