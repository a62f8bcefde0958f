//! Accounts: the values a user is made of.

use crate::error::{DomainError, bounded_text};

/// An email address, trimmed and lower-cased: addresses compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(DomainError::invalid(field, "required", "must not be empty"));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(DomainError::invalid(
                field,
                "too_long",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        let valid = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if !valid {
            return Err(DomainError::invalid(
                field,
                "invalid_format",
                "must be an email address such as name@example.org",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The name shown to other members of an alliance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        bounded_text(field, raw, Self::MAX_LEN).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A password a user chooses: long enough to resist guessing, short enough to hash cheaply.
///
/// Kept only until it is hashed; never stored, logged or journaled.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;
    pub const MAX_LEN: usize = 128;

    pub fn parse(field: &str, raw: &str) -> Result<Self, DomainError> {
        let len = raw.chars().count();
        if len < Self::MIN_LEN {
            return Err(DomainError::invalid(
                field,
                "too_short",
                format!("must be at least {} characters", Self::MIN_LEN),
            ));
        }
        if len > Self::MAX_LEN {
            return Err(DomainError::invalid(
                field,
                "too_long",
                format!("must be at most {} characters", Self::MAX_LEN),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// An account as the rest of the system sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: crate::ids::UserId,
    pub email: Email,
    pub display_name: DisplayName,
    pub is_admin: bool,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lower_cased_and_trimmed() {
        let email = Email::parse("email", "  Ada@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada@example.org");
    }

    #[test]
    fn email_rejects_what_is_not_an_address() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "a@b@c.org",
        ] {
            assert!(Email::parse("email", raw).is_err(), "{raw:?} accepted");
        }
    }

    #[test]
    fn password_bounds() {
        assert!(NewPassword::parse("p", "short").is_err());
        assert!(NewPassword::parse("p", &"x".repeat(129)).is_err());
        assert!(NewPassword::parse("p", "long enough pass").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("p", "long enough pass").unwrap()),
            "NewPassword(***)"
        );
    }
}
