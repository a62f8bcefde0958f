//! What can go wrong below the HTTP layer, sorted by what the client should hear.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// A unique rule refused the write: what already exists, as a type (409 upstream).
    #[error("{0}")]
    Conflict(Conflict),
    /// A foreign key pointed nowhere (422 upstream).
    #[error("foreign key {constraint} violated")]
    ForeignKeyViolation { constraint: String },
    /// A check constraint refused the value (422 upstream).
    #[error("check constraint {constraint} violated")]
    CheckViolation { constraint: String },
    /// A text value holds a character PostgreSQL cannot store (NUL): bad input that
    /// slipped past validation (422 upstream, never a 500).
    #[error("a text value holds a character the database refuses: {0}")]
    InvalidText(String),
    /// Concurrent transactions collided; the caller may retry (409 upstream).
    #[error("concurrent update, try again")]
    SerializationFailure,
    /// The database cannot be reached or the pool is exhausted (503 upstream).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The pool gave no connection in time, or could not open one (503 upstream).
    #[error("database unavailable: {0}")]
    Pool(#[source] diesel_async::pooled_connection::deadpool::PoolError),
    /// Stored data is not what the code expects: a bug or a manual edit.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A stored row no longer satisfies a domain rule: a bug or a manual edit.
    #[error("a stored row breaks a domain rule: {0:?}")]
    InvalidRow(#[source] agir_domain::DomainError),
    #[error(transparent)]
    Query(DieselError),
}

/// What a refused write would have duplicated. The constraint names of the schema are
/// read here and nowhere else: callers match on these variants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// An account already uses this email (`users_email_key`).
    #[error("an account with this email already exists")]
    EmailTaken,
    /// The alliance already has a plan for this academic year (`plans_alliance_year_key`).
    #[error("this alliance already has a plan for that academic year")]
    PlanExists,
    /// The alliance already applied for a label this year (`labels_alliance_year_key`).
    #[error("this alliance already applied for that academic year")]
    LabelExists,
    /// The partner already signed this charter version (`charter_signatures_pkey`).
    #[error("this partner already signed this version")]
    AlreadySigned,
    /// The partner already endorses this action (`endorsements_pkey`).
    #[error("this partner already endorses this action")]
    AlreadyEndorsed,
    /// A vote on the same subject is still open (`votes_one_open_per_subject_idx`).
    #[error("a vote on this subject is already under way")]
    VoteUnderWay,
    /// Another unique rule, named by its constraint.
    #[error("unique constraint {0} violated")]
    Other(String),
}

impl Conflict {
    /// The conflict a unique constraint stands for.
    pub fn from_constraint(constraint: &str) -> Self {
        match constraint {
            "users_email_key" => Self::EmailTaken,
            "plans_alliance_year_key" => Self::PlanExists,
            "labels_alliance_year_key" => Self::LabelExists,
            "charter_signatures_pkey" => Self::AlreadySigned,
            "endorsements_pkey" => Self::AlreadyEndorsed,
            "votes_one_open_per_subject_idx" => Self::VoteUnderWay,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<Conflict> for PersistenceError {
    fn from(conflict: Conflict) -> Self {
        Self::Conflict(conflict)
    }
}

impl From<DieselError> for PersistenceError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or_default().to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => {
                        Self::Conflict(Conflict::from_constraint(&constraint))
                    }
                    DatabaseErrorKind::ForeignKeyViolation => {
                        Self::ForeignKeyViolation { constraint }
                    }
                    DatabaseErrorKind::CheckViolation => Self::CheckViolation { constraint },
                    DatabaseErrorKind::SerializationFailure => Self::SerializationFailure,
                    // PostgreSQL broke a lock cycle by aborting this transaction
                    // (SQLSTATE 40P01): like a serialization failure, a retry succeeds.
                    _ if info.message() == "deadlock detected" => Self::SerializationFailure,
                    // SQLSTATE 22021: NUL in a text parameter.
                    _ if info
                        .message()
                        .starts_with("invalid byte sequence for encoding") =>
                    {
                        Self::InvalidText(info.message().to_owned())
                    }
                    DatabaseErrorKind::ClosedConnection => {
                        Self::Unavailable(info.message().to_owned())
                    }
                    _ => Self::Query(DieselError::DatabaseError(kind, info)),
                }
            }
            DieselError::BrokenTransactionManager => {
                Self::Unavailable("connection lost during a transaction".into())
            }
            other => Self::Query(other),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for PersistenceError {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Self::Pool(err)
    }
}

impl From<agir_domain::DomainError> for PersistenceError {
    fn from(err: agir_domain::DomainError) -> Self {
        Self::InvalidRow(err)
    }
}

impl PersistenceError {
    /// Whether the database could not be reached (503 upstream, worth a retry).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Pool(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_unique_constraints_become_typed_conflicts() {
        let cases = [
            ("users_email_key", Conflict::EmailTaken),
            ("plans_alliance_year_key", Conflict::PlanExists),
            ("labels_alliance_year_key", Conflict::LabelExists),
            ("charter_signatures_pkey", Conflict::AlreadySigned),
            ("endorsements_pkey", Conflict::AlreadyEndorsed),
            ("votes_one_open_per_subject_idx", Conflict::VoteUnderWay),
        ];
        for (constraint, conflict) in cases {
            assert_eq!(
                Conflict::from_constraint(constraint),
                conflict,
                "{constraint}"
            );
        }
        assert_eq!(
            Conflict::from_constraint("cities_insee_code_key"),
            Conflict::Other("cities_insee_code_key".into())
        );
    }

    #[test]
    fn a_domain_error_stays_the_source_of_an_invalid_row() {
        let err = PersistenceError::from(agir_domain::DomainError::invalid(
            "email",
            "invalid_format",
            "not an email",
        ));
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("validation failed"));
        assert!(err.to_string().contains("invalid_format"), "{err}");
    }
}
