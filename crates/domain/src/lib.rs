//! The Agir Ensemble domain: identifiers, value types, state machines and rules.
//!
//! Pure Rust, no I/O: every type here is built through a `parse` constructor that
//! refuses invalid input with a [`DomainError`], so the layers above handle only
//! values that already hold.

pub mod alliance;
pub mod error;
pub mod ids;
pub mod journal;
pub mod label;
pub mod mandate;
pub mod plan;
pub mod policy;
pub mod succession;
pub mod user;
pub mod vote;

pub use error::{DomainError, FieldError};
