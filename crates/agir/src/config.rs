//! Configuration from the environment. Every variable is documented in the
//! README and in `.env.example`.

use std::path::PathBuf;

use agir_http::auth::rate_limit::LoginLimits;
use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: an existing PostgreSQL database; unset starts an embedded one.
    pub database_url: Option<String>,
    /// `AGIR_BIND`: address to listen on.
    pub bind: String,
    /// `AGIR_JWT_SECRET`: HMAC key for access tokens (required with `DATABASE_URL`).
    pub jwt_secret: Option<SecretString>,
    /// `AGIR_BOOTSTRAP_ADMIN_EMAIL` and `AGIR_BOOTSTRAP_ADMIN_PASSWORD`.
    pub bootstrap_admin: Option<(String, String)>,
    /// `AGIR_CORS_ORIGINS`: comma-separated origins, or `*`.
    pub cors_origins: Vec<String>,
    /// `AGIR_DATA_DIR`: where the embedded database and its key live.
    pub data_dir: PathBuf,
    /// `AGIR_LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_format: String,
    /// `AGIR_LOGIN_LIMIT_PER_ACCOUNT` and `AGIR_LOGIN_LIMIT_PER_ADDRESS`: login
    /// attempts per minute (defaults 5 and 30).
    pub login_limits: LoginLimits,
    /// `AGIR_TRUSTED_PROXIES`: load balancers whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `AGIR_PASSWORD_QUEUE`: password hashes that may wait (default 64); more answer 503.
    pub password_queue: usize,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A count of attempts per minute, at least 1; `default` when unset.
fn per_minute(name: &str, default: u32) -> Result<u32, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(format!(
                "{name} must be a whole number of attempts per minute, at least 1"
            )),
        },
    }
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let database_url = var("DATABASE_URL");
        let jwt_secret = var("AGIR_JWT_SECRET").map(SecretString::from);
        let bootstrap_admin = match (
            var("AGIR_BOOTSTRAP_ADMIN_EMAIL"),
            var("AGIR_BOOTSTRAP_ADMIN_PASSWORD"),
        ) {
            (Some(email), Some(password)) => Some((email, password)),
            (None, None) => None,
            _ => {
                return Err(
                    "set both AGIR_BOOTSTRAP_ADMIN_EMAIL and AGIR_BOOTSTRAP_ADMIN_PASSWORD, or neither"
                        .into(),
                );
            }
        };
        let cors_origins: Vec<String> = var("AGIR_CORS_ORIGINS")
            .map(|v| {
                v.split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        check_origins(&cors_origins)?;
        let log_format = var("AGIR_LOG_FORMAT").unwrap_or_else(|| "pretty".into());
        if log_format != "pretty" && log_format != "json" {
            return Err("AGIR_LOG_FORMAT must be `pretty` or `json`".into());
        }
        let defaults = LoginLimits::default();
        let login_limits = LoginLimits {
            per_account_per_minute: per_minute(
                "AGIR_LOGIN_LIMIT_PER_ACCOUNT",
                defaults.per_account_per_minute,
            )?,
            per_address_per_minute: per_minute(
                "AGIR_LOGIN_LIMIT_PER_ADDRESS",
                defaults.per_address_per_minute,
            )?,
        };
        let password_queue = match var("AGIR_PASSWORD_QUEUE") {
            None => agir_http::auth::password::DEFAULT_QUEUE,
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if (1..=100_000).contains(&n) => n,
                _ => {
                    return Err(
                        "AGIR_PASSWORD_QUEUE must be a whole number of waiting hashes, 1 to 100000"
                            .into(),
                    );
                }
            },
        };
        Ok(Self {
            database_url,
            bind: var("AGIR_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            jwt_secret,
            bootstrap_admin,
            cors_origins,
            data_dir: var("AGIR_DATA_DIR").map_or_else(default_data_dir, PathBuf::from),
            log_format,
            login_limits,
            trusted_proxies: agir_http::client_ip::parse_trusted(
                &var("AGIR_TRUSTED_PROXIES").unwrap_or_default(),
            )?,
            password_queue,
        })
    }
}

/// `*` alone, or origins such as `https://app.example.org` or `http://localhost:5173`.
fn check_origins(origins: &[String]) -> Result<(), String> {
    if origins.iter().any(|o| o == "*") {
        return if origins.len() == 1 {
            Ok(())
        } else {
            Err(
                "AGIR_CORS_ORIGINS: `*` allows every origin and cannot be combined with others"
                    .into(),
            )
        };
    }
    for origin in origins {
        let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
            (scheme == "http" || scheme == "https")
                && !host.is_empty()
                && !host.contains('/')
                && !host.contains(char::is_whitespace)
        });
        if !valid {
            return Err(format!(
                "AGIR_CORS_ORIGINS: `{origin}` is not an origin such as https://app.example.org"
            ));
        }
    }
    Ok(())
}

/// `/var/lib/agir` for root (a folder the `postgres` user can reach), else the
/// user's data folder (`$XDG_DATA_HOME/agir` or `~/.local/share/agir`).
fn default_data_dir() -> PathBuf {
    if agir_persistence::embedded::running_as_root() {
        return PathBuf::from("/var/lib/agir");
    }
    if let Some(xdg) = var("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("agir");
    }
    match var("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/agir"),
        None => PathBuf::from(".agir-data"),
    }
}
