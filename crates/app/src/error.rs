//! What a command or query can refuse, sorted by what the client should hear. The
//! HTTP crate maps each variant to a status once (`From<AppError> for ApiError`).

use agir_domain::DomainError;
use agir_domain::policy::{Denied, Unsettled};
use agir_persistence::PersistenceError;
use agir_persistence::error::Conflict;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The policy refused the caller: 401 when anonymous, 403 otherwise.
    #[error("denied: {0:?}")]
    Denied(Denied),
    /// Invalid input (422 with every field) or a state that forbids the change (409).
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The resource does not exist here, or the caller may not know it exists (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's copy is stale: what they last read changed since (412).
    #[error("the resource changed since it was read")]
    Stale,
    /// The database refused or failed; a refused duplicate is typed (`Conflict`, 409).
    #[error(transparent)]
    Persistence(#[from] PersistenceError),
    /// A bug: an invariant of this crate broke. Logged with its cause, shown as 500.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        Self::Denied(denied)
    }
}

impl From<Unsettled> for AppError {
    fn from(unsettled: Unsettled) -> Self {
        match unsettled {
            Unsettled::Denied(denied) => Self::Denied(denied),
            Unsettled::Invalid(invalid) => Self::Domain(invalid),
        }
    }
}

impl From<Conflict> for AppError {
    fn from(conflict: Conflict) -> Self {
        Self::Persistence(PersistenceError::Conflict(conflict))
    }
}

impl From<agir_persistence::DieselError> for AppError {
    fn from(err: agir_persistence::DieselError) -> Self {
        Self::Persistence(err.into())
    }
}

impl AppError {
    /// A single invalid field (422).
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Domain(DomainError::invalid(field, code, message))
    }

    /// A state that forbids the operation (409).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Domain(DomainError::conflict(code, message))
    }
}

/// The row a lock or a lookup found, or 404 naming it.
pub fn found<T>(row: Option<T>, what: &'static str) -> Result<T> {
    row.ok_or(AppError::NotFound(what))
}

/// The single item a query over many answered for one input: a bug (500) otherwise.
pub fn single<T>(mut items: Vec<T>, what: &'static str) -> Result<T> {
    match (items.pop(), items.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(AppError::Internal(format!("expected a single {what}"))),
    }
}
