//! Cities, alliances and their partners (SPEC §2).

use crate::error::{DomainError, bounded_text};

/// A commune's INSEE code: five characters, digits or `2A`/`2B` for Corsica.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim().to_uppercase();
        let bytes = value.as_bytes();
        let valid = bytes.len() == 5
            && (bytes.iter().all(u8::is_ascii_digit)
                || (bytes[0] == b'2'
                    && (bytes[1] == b'A' || bytes[1] == b'B')
                    && bytes[2..].iter().all(u8::is_ascii_digit)));
        if valid {
            Ok(Self(value))
        } else {
            Err(DomainError::invalid(
                field,
                "invalid_format",
                "must be a 5-character INSEE code such as 92071 (2A/2B for Corsica)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Texts with their documented maximum lengths.
pub mod limits {
    pub const NAME: usize = 200;
    pub const PLACE: usize = 100;
    pub const DESCRIPTION: usize = 5_000;
    pub const URL: usize = 500;
    pub const HANDOVER_NOTES: usize = 10_000;
    pub const CHARTER_TEXT: usize = 50_000;
}

pub fn name(field: &str, raw: &str) -> Result<String, DomainError> {
    bounded_text(field, raw, limits::NAME)
}

pub fn place(field: &str, raw: &str) -> Result<String, DomainError> {
    bounded_text(field, raw, limits::PLACE)
}

/// A free text that may be empty.
pub fn description(field: &str, raw: &str) -> Result<String, DomainError> {
    if raw.trim().is_empty() {
        return Ok(String::new());
    }
    bounded_text(field, raw, limits::DESCRIPTION)
}

/// An `http(s)://` address, with no space or control character.
pub fn website(field: &str, raw: &str) -> Result<String, DomainError> {
    let value = raw.trim();
    let valid = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() > "https://".len()
        && value.chars().count() <= limits::URL
        && !value.contains(|c: char| c.is_whitespace() || c.is_control());
    if valid {
        Ok(value.to_owned())
    } else {
        Err(DomainError::invalid(
            field,
            "invalid_format",
            "must be an http(s):// address of at most 500 characters",
        ))
    }
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Parses the API's spelling, naming the field on failure.
            pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
                raw.parse().map_err(|_| DomainError::invalid(
                    field,
                    "invalid_choice",
                    format!("must be one of: {}", Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")),
                ))
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> {
                match s { $($text => Ok($name::$variant),)* _ => Err(()) }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

text_enum!(
    /// Whether an alliance still runs.
    AllianceStatus { Active => "active", Archived => "archived" }
);

/// An archived alliance is read-only (SPEC §2): every write is 409
/// `alliance_archived`, except a platform admin making it active again
/// (`unarchiving`, which the caller checks is an admin's status change).
pub fn check_writable(status: AllianceStatus, unarchiving: bool) -> Result<(), DomainError> {
    if status == AllianceStatus::Archived && !unarchiving {
        Err(DomainError::conflict(
            "alliance_archived",
            "this alliance is archived: it is read-only until a platform admin makes it active again",
        ))
    } else {
        Ok(())
    }
}

text_enum!(
    /// A charter version's status: awaiting adoption, in force, or replaced by a later one.
    CharterStatus { Proposed => "proposed", Current => "current", Superseded => "superseded" }
);

text_enum!(
    /// Whether a partner still takes part.
    PartnerStatus { Active => "active", Withdrawn => "withdrawn" }
);

text_enum!(
    /// What kind of organisation a partner is.
    PartnerKind {
        LocalAuthority => "local_authority",
        University => "university",
        School => "school",
        StudentServices => "student_services",
        StudentAssociation => "student_association",
        CampusOffice => "campus_office",
        Business => "business",
        SocialEconomy => "social_economy",
        Association => "association",
        PublicBody => "public_body",
        Other => "other",
    }
);

text_enum!(
    /// The group of partners a vote `by_college` checks separately.
    College {
        City => "city",
        HigherEducation => "higher_education",
        Students => "students",
        CivilSociety => "civil_society",
    }
);

impl PartnerKind {
    pub fn college(self) -> College {
        match self {
            Self::LocalAuthority | Self::PublicBody => College::City,
            Self::University | Self::School | Self::CampusOffice | Self::StudentServices => {
                College::HigherEducation
            }
            Self::StudentAssociation => College::Students,
            Self::Business | Self::SocialEconomy | Self::Association | Self::Other => {
                College::CivilSociety
            }
        }
    }
}

/// A commune.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct City {
    pub id: crate::ids::CityId,
    pub name: String,
    pub insee_code: InseeCode,
    pub department: String,
    pub region: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A local alliance: one per city and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alliance {
    pub id: crate::ids::AllianceId,
    pub city: crate::ids::CityId,
    pub name: String,
    pub description: String,
    pub status: AllianceStatus,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// An organisation taking part in one alliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: crate::ids::PartnerId,
    pub alliance: crate::ids::AllianceId,
    pub name: String,
    pub kind: PartnerKind,
    pub description: String,
    pub website: Option<String>,
    pub status: PartnerStatus,
    pub joined_on: chrono::NaiveDate,
    pub left_on: Option<chrono::NaiveDate>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_codes() {
        assert_eq!(InseeCode::parse("c", "92071").unwrap().as_str(), "92071");
        assert_eq!(InseeCode::parse("c", "2a004").unwrap().as_str(), "2A004");
        for bad in ["9207", "920711", "2C004", "ABCDE", ""] {
            assert!(InseeCode::parse("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_kind_has_its_college() {
        assert_eq!(PartnerKind::LocalAuthority.college(), College::City);
        assert_eq!(PartnerKind::PublicBody.college(), College::City);
        assert_eq!(
            PartnerKind::StudentServices.college(),
            College::HigherEducation
        );
        assert_eq!(PartnerKind::School.college(), College::HigherEducation);
        assert_eq!(PartnerKind::StudentAssociation.college(), College::Students);
        assert_eq!(PartnerKind::Business.college(), College::CivilSociety);
        assert_eq!(PartnerKind::ALL.len(), 11);
        assert_eq!(
            PartnerKind::parse("kind", "campus_office").unwrap(),
            PartnerKind::CampusOffice
        );
        assert!(PartnerKind::parse("kind", "campus").is_err());
    }

    #[test]
    fn websites() {
        assert!(website("w", "https://www.sceaux.fr").is_ok());
        assert!(website("w", "ftp://x.org").is_err());
        assert!(website("w", "https://").is_err());
        assert!(website("w", "https://a\u{0}b.org").is_err());
    }
}
