//! PostgreSQL persistence for Agir Ensemble: schema, queries per aggregate,
//! the connection pool, the migrations runner and the embedded database used
//! when no `DATABASE_URL` is configured.
//!
//! Query functions take `&mut AsyncPgConnection`, so that a caller composes
//! several of them, and the journal entry they owe, inside one transaction.

pub mod charters;
pub mod cities;
pub mod comments;
pub mod connect;
pub mod embedded;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod invitations;
pub mod journal;
pub mod labels;
pub mod mandates;
pub mod migrations;
pub mod network;
pub mod page;
pub mod partners;
pub mod plans;
pub mod pool;
pub mod results;
pub mod schema;
pub mod sessions;
pub mod users;
pub mod votes;

pub use diesel::result::Error as DieselError;
pub use diesel_async::{AsyncConnection, AsyncPgConnection};
pub use error::PersistenceError;
pub use pool::{DbPool, PoolOptions};

/// Result of a persistence call.
pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;
