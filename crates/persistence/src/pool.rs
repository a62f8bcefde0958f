//! The connection pool (deadpool over diesel-async).

use std::time::Duration;

use std::future::Future;
use std::pin::Pin;

use diesel::ConnectionResult;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};

use crate::PersistenceError;

pub type DbPool = Pool<AsyncPgConnection>;
pub type PooledConnection = Object<AsyncPgConnection>;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: usize,
    /// How long a request waits for a connection before answering 503.
    pub wait_timeout: Duration,
    /// How long opening a new connection may take.
    pub connect_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 16,
            wait_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

type Connecting<'a> =
    Pin<Box<dyn Future<Output = ConnectionResult<AsyncPgConnection>> + Send + 'a>>;

/// Opens a pooled connection, over TLS when the URL asks for it.
fn connect(url: &str) -> Connecting<'_> {
    Box::pin(crate::connect::establish(url))
}

/// Builds a pool; no connection is opened until one is needed. A URL that cannot be
/// read (an unknown `sslmode`, say) is refused here, not at the first request.
pub fn build(database_url: &str, options: &PoolOptions) -> Result<DbPool, PersistenceError> {
    crate::connect::Target::parse(database_url).map_err(PersistenceError::Unavailable)?;
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(connect);
    // No `SELECT 1` at every checkout: a connection whose socket PostgreSQL closed
    // (a restart) is already known as closed and replaced; one in a broken
    // transaction too. The probe cost a round trip on every request.
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(options.max_size)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.connect_timeout))
        .recycle_timeout(Some(options.connect_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|err| PersistenceError::Unavailable(err.to_string()))
}

/// Takes a connection from the pool, mapping exhaustion and outages to `Unavailable`.
pub async fn get(pool: &DbPool) -> Result<PooledConnection, PersistenceError> {
    Ok(pool.get().await?)
}

/// `SELECT 1` through the pool: the readiness probe.
pub async fn ping(pool: &DbPool) -> Result<(), PersistenceError> {
    use diesel_async::RunQueryDsl;
    let mut conn = get(pool).await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}
