//! What every handler shares: the pool, keys, hashers, limiters and settings.

use std::sync::Arc;
use std::time::Duration;

use agir_persistence::DbPool;
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::SecretString;

use crate::auth::password::{Argon2Params, Passwords};
use crate::auth::rate_limit::{LoginLimiter, LoginLimits};
use crate::auth::token::TokenKeys;

/// Settings of the HTTP layer, read from the environment by the binary.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// HMAC key of access tokens (HS256), at least 32 bytes.
    pub jwt_secret: SecretString,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub argon2: Argon2Params,
    /// Password hashes that may wait for the hashing thread; more answer 503 at once.
    pub password_queue: usize,
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    pub login_limits: LoginLimits,
    /// Proxies whose `X-Forwarded-For` names the client (see `client_ip`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl HttpConfig {
    /// Production defaults around a secret.
    pub fn new(jwt_secret: SecretString) -> Self {
        Self {
            jwt_secret,
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            argon2: Argon2Params::OWASP,
            password_queue: crate::auth::password::DEFAULT_QUEUE,
            cors_origins: Vec::new(),
            login_limits: LoginLimits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub tokens: Arc<TokenKeys>,
    pub passwords: Arc<Passwords>,
    pub login_limiter: Arc<LoginLimiter>,
    pub config: Arc<HttpConfig>,
    pub metrics: PrometheusHandle,
    /// Network answers by ETag (see `routes::network`).
    pub network_cache: Arc<crate::routes::network::NetworkCache>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("AGIR_JWT_SECRET must be at least 32 bytes long")]
    WeakSecret,
    #[error("invalid argon2 parameters: {0}")]
    Argon2(String),
}

impl AppState {
    pub fn new(pool: DbPool, config: HttpConfig) -> Result<Self, StateError> {
        let tokens = TokenKeys::new(&config.jwt_secret, config.access_token_ttl)?;
        let passwords =
            Passwords::new(config.argon2, config.password_queue).map_err(StateError::Argon2)?;
        Ok(Self {
            pool,
            tokens: Arc::new(tokens),
            passwords: Arc::new(passwords),
            login_limiter: Arc::new(LoginLimiter::new(&config.login_limits)),
            config: Arc::new(config),
            metrics: crate::metrics::handle(),
            network_cache: Arc::default(),
        })
    }
}
