//! What the caller last read, checked against the locked current state before a change
//! (HTTP's `If-Match`; the HTTP crate implements [`Expected`] over its representation).

use crate::error::{AppError, Result};

/// A caller's expectation about the current state of a resource.
pub trait Expected<T: ?Sized> {
    /// Whether `current` is still what the caller read.
    fn matches(&self, current: &T) -> bool;

    /// [`AppError::Stale`] unless it matches.
    fn check(&self, current: &T) -> Result<()> {
        if self.matches(current) {
            Ok(())
        } else {
            Err(AppError::Stale)
        }
    }
}

/// No expectation: any current state will do (no `If-Match`, the demo, background tasks).
#[derive(Debug, Clone, Copy, Default)]
pub struct Any;

impl<T: ?Sized> Expected<T> for Any {
    fn matches(&self, _: &T) -> bool {
        true
    }
}

/// The first steps of every change to an existing row, once it is locked: 404 naming it
/// when there is none, then 412 when the caller's copy is stale.
pub fn locked<T>(row: Option<T>, what: &'static str, expected: &impl Expected<T>) -> Result<T> {
    let current = row.ok_or(AppError::NotFound(what))?;
    expected.check(&current)?;
    Ok(current)
}
