//! The database the server uses: `DATABASE_URL`, or a cluster of its own.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use agir_persistence::embedded::{ClusterOptions, EmbeddedPostgres};
use agir_persistence::migrations;
use secrecy::SecretString;

use crate::config::Config;

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
    pub fn open(config: &Config) -> Result<Self, String> {
        let (url, cluster, jwt_secret) = match &config.database_url {
            Some(url) => {
                let secret = config
                    .jwt_secret
                    .clone()
                    .ok_or("AGIR_JWT_SECRET is required when DATABASE_URL is set")?;
                (url.clone(), None, secret)
            }
            None => {
                tracing::info!(data_dir = %config.data_dir.display(), "starting the embedded PostgreSQL");
                let cluster = EmbeddedPostgres::start(&ClusterOptions {
                    data_dir: config.data_dir.clone(),
                    ephemeral: false,
                    database: "agir".into(),
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
        let fresh = applied.iter().any(|m| m.starts_with("20261125000001"));
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
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for the token key: {e}"))?;
    let secret = hex::encode(bytes);
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
