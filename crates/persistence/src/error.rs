//! What can go wrong below the HTTP layer, sorted by what the client should hear.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// A unique constraint refused the write; the name tells which (409 upstream).
    #[error("unique constraint {constraint} violated")]
    UniqueViolation { constraint: String },
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
    /// A stored row no longer satisfies a domain rule: a bug or a manual edit.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Query(DieselError),
}

impl From<DieselError> for PersistenceError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::DatabaseError(kind, info) => {
                let constraint = info.constraint_name().unwrap_or_default().to_owned();
                match kind {
                    DatabaseErrorKind::UniqueViolation => Self::UniqueViolation { constraint },
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
        Self::Unavailable(err.to_string())
    }
}

impl From<agir_domain::DomainError> for PersistenceError {
    fn from(err: agir_domain::DomainError) -> Self {
        Self::Corrupt(err.to_string())
    }
}

impl PersistenceError {
    /// The constraint a violation names, if any.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Self::UniqueViolation { constraint }
            | Self::ForeignKeyViolation { constraint }
            | Self::CheckViolation { constraint } => Some(constraint),
            _ => None,
        }
    }
}
