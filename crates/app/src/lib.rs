//! The product's commands and queries: every workflow written once, between the HTTP
//! crate (which extracts, calls one function here and maps the answer) and persistence.
//!
//! A **command** takes a connection, the [`Scope`] (or the principal, outside an
//! alliance) and typed input. It opens its own transaction, locks what it changes,
//! checks the rule (a `policy` function, a state machine), writes, appends its typed
//! journal [`Event`](agir_domain::journal::Event), and returns domain types. A **query**
//! reads, applying the same visibility rules. Nothing here knows HTTP: CI checks that
//! actix-web and utoipa are not in this crate's graph.

pub mod actions;
pub mod alliances;
pub mod charters;
pub mod cities;
pub mod comments;
pub mod error;
pub mod events;
pub mod expect;
pub mod invitations;
pub mod journal;
pub mod labels;
pub mod mandates;
pub mod network;
pub mod partners;
pub mod plans;
pub mod results;
pub mod scope;
pub mod sessions;
pub mod succession;
pub mod users;
pub mod votes;

pub use error::{AppError, Result};
pub use expect::{Any, Expected, Patch, locked};
pub use scope::Scope;
