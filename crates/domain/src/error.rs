//! Errors raised by domain rules.

use std::fmt;

/// One invalid field of an input, with a stable machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field as the client named it (`email`, `password`, `summary.title`).
    pub field: String,
    /// A stable snake_case code (`too_long`, `invalid_format`).
    pub code: &'static str,
    /// A human sentence.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// What a domain rule can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Input that does not satisfy a value type or a rule on one or more fields (422).
    #[error("validation failed")]
    Invalid(Vec<FieldError>),
    /// A state transition or operation that the current state forbids (409).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
}

impl DomainError {
    /// A single-field validation error.
    pub fn invalid(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// Prefixes every field name, for values parsed inside a nested object.
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Invalid(errors) => Self::Invalid(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: format!("{prefix}.{}", e.field),
                        ..e
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects the errors of several independent parses, so a client sees every
/// invalid field of a request at once rather than one per round trip.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of a successful parse, or records its errors.
    pub fn check<T>(&mut self, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Invalid(errors)) => {
                self.errors.extend(errors);
                None
            }
            Err(DomainError::Conflict { code, message }) => {
                self.errors.push(FieldError::new("", code, message));
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Every invalid field, or the values `check` kept: `parsed` is one of its `Option`s,
    /// a tuple of them, or `()` when the caller kept the options themselves.
    ///
    /// ```
    /// # use agir_domain::error::{Validator, bounded_text};
    /// let mut v = Validator::new();
    /// let title = v.check(bounded_text("title", "Compost", 200));
    /// let place = v.check(bounded_text("place", "Sceaux", 200));
    /// let (title, place) = v.finish((title, place)).unwrap();
    /// assert_eq!((title.as_str(), place.as_str()), ("Compost", "Sceaux"));
    /// ```
    pub fn finish<P: Parsed>(self, parsed: P) -> Result<P::Values, DomainError> {
        if !self.errors.is_empty() {
            return Err(DomainError::Invalid(self.errors));
        }
        // `check` answers `None` only after recording an error, so this holds unless
        // a value was passed that `check` did not produce.
        parsed.all().ok_or_else(|| {
            DomainError::invalid("", "invalid", "a value of the request could not be read")
        })
    }
}

/// What [`Validator::finish`] unwraps: the options `check` gave, all present.
pub trait Parsed {
    type Values;
    fn all(self) -> Option<Self::Values>;
}

impl Parsed for () {
    type Values = ();
    fn all(self) -> Option<()> {
        Some(())
    }
}

impl<A> Parsed for Option<A> {
    type Values = A;
    fn all(self) -> Option<A> {
        self
    }
}

macro_rules! parsed_tuple {
    ($($name:ident),+) => {
        impl<$($name),+> Parsed for ($(Option<$name>,)+) {
            type Values = ($($name,)+);
            #[allow(non_snake_case)]
            fn all(self) -> Option<Self::Values> {
                let ($($name,)+) = self;
                Some(($($name?,)+))
            }
        }
    };
}

parsed_tuple!(A);
parsed_tuple!(A, B);
parsed_tuple!(A, B, C);
parsed_tuple!(A, B, C, D);
parsed_tuple!(A, B, C, D, E);
parsed_tuple!(A, B, C, D, E, F);
parsed_tuple!(A, B, C, D, E, F, G);
parsed_tuple!(A, B, C, D, E, F, G, H);

/// Checks a trimmed, non-empty text of at most `max` characters.
pub fn bounded_text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, "required", "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(DomainError::invalid(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks the text of a query-string filter (`region`, `q`...): trimmed, `None`
/// when empty, and with no control character (PostgreSQL refuses NUL in text).
pub fn filter_text(field: &str, value: Option<&str>) -> Result<Option<String>, DomainError> {
    let Some(trimmed) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if trimmed.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            field,
            "invalid_characters",
            "must not contain control characters",
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_text_refuses_control_characters_and_drops_empty_values() {
        assert_eq!(filter_text("f", None), Ok(None));
        assert_eq!(filter_text("f", Some("  ")), Ok(None));
        assert_eq!(
            filter_text("f", Some(" Île-de-France ")),
            Ok(Some("Île-de-France".into()))
        );
        assert!(filter_text("f", Some("a\u{0}b")).is_err());
    }

    #[test]
    fn bounded_text_trims_and_counts_characters_not_bytes() {
        assert_eq!(bounded_text("f", "  é  ", 1).as_deref(), Ok("é"));
        assert!(bounded_text("f", "éé", 1).is_err());
        assert!(bounded_text("f", "   ", 10).is_err());
        assert!(bounded_text("f", "a\u{0}b", 10).is_err());
    }

    #[test]
    fn validator_collects_every_field() {
        let mut v = Validator::new();
        v.check(bounded_text("a", "", 3));
        v.check(bounded_text("b", "toolong", 3));
        let Err(DomainError::Invalid(errors)) = v.finish(()) else {
            panic!("expected errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["a", "b"]);
    }
}
