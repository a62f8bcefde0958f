//! Embedded migrations, applied before the server starts.

use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::PersistenceError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Applies pending migrations and returns the versions applied.
///
/// Runs on a blocking thread with the sync wrapper around an async connection:
/// diesel-async's own harness uses `block_in_place`, which panics on actix's
/// single-threaded runtime.
pub async fn run_pending(database_url: &str) -> Result<Vec<String>, PersistenceError> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || run_pending_blocking(&url))
        .await
        .map_err(|err| PersistenceError::Unavailable(format!("migration task failed: {err}")))?
}

/// Key of the session-level advisory lock that serialises migration runs: replicas
/// starting together queue on it, and the later ones find nothing pending.
const MIGRATION_LOCK: i64 = 0x6167_6972_6d69_6772; // "agirmigr"

/// The blocking form of [`run_pending`], for callers outside any async runtime.
pub fn run_pending_blocking(database_url: &str) -> Result<Vec<String>, PersistenceError> {
    use diesel::{Connection, RunQueryDsl, sql_types::BigInt};
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(database_url)
        .map_err(|err| PersistenceError::Unavailable(err.to_string()))?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|err| PersistenceError::Unavailable(format!("migration failed: {err}")));
    // Closing the connection would release the lock too; unlocking says so.
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)?;
    applied
}

/// How many migrations the binary embeds.
pub fn count() -> usize {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).map_or(0, |m| m.len())
}
