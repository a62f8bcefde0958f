//! Embedded migrations, applied before the server starts.

use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::PersistenceError;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Key of the session-level advisory lock that serialises migration runs: replicas
/// starting together queue on it, and the later ones find nothing pending.
const MIGRATION_LOCK: i64 = 0x6167_6972_6d69_6772; // "agirmigr"

/// Applies pending migrations and returns the versions applied. Call it outside any
/// async runtime (before the server starts): diesel's migration harness is synchronous,
/// and diesel-async's own uses `block_in_place`, which panics on actix's
/// single-threaded runtime.
///
/// The connection is opened (over TLS when the URL asks for it, see `connect`) on a
/// small runtime of its own, whose worker drives it while diesel's synchronous
/// migration harness blocks on the queries.
pub fn run_pending_blocking(database_url: &str) -> Result<Vec<String>, PersistenceError> {
    use diesel::{RunQueryDsl, sql_types::BigInt};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("agir-migrate")
        .enable_all()
        .build()
        .map_err(|err| PersistenceError::Unavailable(format!("migration runtime: {err}")))?;
    let connection = runtime
        .block_on(crate::connect::establish(database_url))
        .map_err(|err| PersistenceError::Unavailable(err.to_string()))?;
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(connection);
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
    drop(conn);
    runtime.shutdown_background();
    applied
}

/// How many migrations the binary embeds.
pub fn count() -> usize {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).map_or(0, |m| m.len())
}
