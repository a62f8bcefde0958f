//! The database the server uses: `DATABASE_URL`, or a cluster of its own.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use agir_persistence::embedded::{ClusterOptions, EmbeddedPostgres};
use agir_persistence::migrations;
use secrecy::SecretString;

use crate::config::Config;

/// What the database is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Serve,
    Admin,
}

pub struct Database {
    pub url: String,
    pub jwt_secret: SecretString,
    /// Started by us: stopped when this value is dropped.
    pub embedded: bool,
    /// Migrations created the schema just now (first start).
    pub fresh: bool,
    pub applied_migrations: Vec<String>,
    _cluster: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects (or starts the embedded cluster) and applies pending migrations.
    pub fn open(config: &Config, purpose: Purpose) -> Result<Self, String> {
        let (url, cluster, jwt_secret) = match &config.database_url {
            Some(url) => {
                // Only `serve` signs tokens; the admin commands run with a throwaway key.
                let secret = match (&config.jwt_secret, purpose) {
                    (Some(secret), _) => secret.clone(),
                    (None, Purpose::Serve) => {
                        return Err("AGIR_JWT_SECRET is required when DATABASE_URL is set (at \
                                    least 32 bytes, e.g. `openssl rand -hex 32`)"
                            .into());
                    }
                    (None, Purpose::Admin) => SecretString::from(random_hex()?),
                };
                (url.clone(), None, secret)
            }
            None => {
                tracing::info!(data_dir = %config.data_dir.display(), "starting the embedded PostgreSQL");
                let cluster = EmbeddedPostgres::start(&ClusterOptions {
                    data_dir: config.data_dir.clone(),
                    ephemeral: false,
                    database: "agir".into(),
                    socket_dir: None,
                    tcp_port: None,
                    settings: Vec::new(),
                })
                .map_err(|e| e.to_string())?;
                let secret = match &config.jwt_secret {
                    Some(secret) => secret.clone(),
                    None => stored_secret(&config.data_dir)?,
                };
                (cluster.url(), Some(cluster), secret)
            }
        };
        let applied = migrations::run_pending_blocking(&url).map_err(|e| e.to_string())?;
        let fresh = !applied.is_empty() && applied.len() == migrations::count();
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "migrations applied");
        }
        Ok(Self {
            url,
            jwt_secret,
            embedded: cluster.is_some(),
            fresh,
            applied_migrations: applied,
            _cluster: cluster,
        })
    }
}

/// The embedded database's token key: generated once, kept in the data folder (0600).
fn stored_secret(data_dir: &Path) -> Result<SecretString, String> {
    let path = data_dir.join("jwt-secret");
    if let Ok(existing) = fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok(SecretString::from(existing));
        }
    }
    let secret = random_hex()?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(secret.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(SecretString::from(secret))
}

fn random_hex() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the token key: {e}"))?;
    Ok(hex::encode(bytes))
}
