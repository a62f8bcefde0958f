//! Opening a connection: over TLS when the URL asks for it, as libpq would.
//!
//! `sslmode=require`, `verify-ca` or `verify-full` in `DATABASE_URL` open the
//! connection over TLS (rustls) and always verify the server's certificate and name
//! against the system's trusted roots, plus the PEM file named by `sslrootcert`
//! (managed databases often sign with their own CA). Stricter than libpq's `require`,
//! which encrypts without checking who answers: an unverified TLS connection would
//! only look safe. Without those modes (`disable`, `prefer`, or no `sslmode`: local
//! sockets, Docker networks) the connection is plain, as before.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use diesel::{ConnectionError, ConnectionResult};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use percent_encoding::percent_decode_str;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres::config::SslMode;

/// What a `DATABASE_URL` asks for, once our own parameters are taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL handed to the PostgreSQL client (no `sslrootcert`, `verify-*` mapped).
    pub url: String,
    pub tls: bool,
    /// Extra trusted roots, from `sslrootcert`.
    pub root_cert: Option<PathBuf>,
}

impl Target {
    /// Reads `sslmode` and `sslrootcert` the way libpq does, for both URL
    /// (`postgres://…?sslmode=require`) and `key=value` forms.
    pub fn parse(url: &str) -> Result<Self, String> {
        let mut root_cert = None;
        let mut verify = false;
        let cleaned = if let Some((base, query)) = url
            .split_once('?')
            .filter(|_| url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            let mut kept = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = percent_decode_str(value).decode_utf8_lossy();
                match (key, value.as_ref()) {
                    ("sslrootcert", path) => root_cert = Some(PathBuf::from(path)),
                    ("sslmode", "verify-ca" | "verify-full") => {
                        verify = true;
                        kept.push("sslmode=require".to_owned());
                    }
                    _ => kept.push(pair.to_owned()),
                }
            }
            if kept.is_empty() {
                base.to_owned()
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        } else {
            url.to_owned()
        };
        let config = tokio_postgres::Config::from_str(&cleaned)
            .map_err(|err| format!("DATABASE_URL cannot be read: {err}"))?;
        let tls = verify || config.get_ssl_mode() == SslMode::Require;
        Ok(Self {
            url: cleaned,
            tls,
            root_cert,
        })
    }
}

/// Opens one connection to `url`: plain, or TLS with verification (see the module).
pub async fn establish(url: &str) -> ConnectionResult<AsyncPgConnection> {
    let target = Target::parse(url).map_err(ConnectionError::BadConnection)?;
    if !target.tls {
        return AsyncPgConnection::establish(&target.url).await;
    }
    let config = client_config(target.root_cert.as_deref()).map_err(|err| {
        ConnectionError::BadConnection(format!("TLS to PostgreSQL cannot be set up: {err}"))
    })?;
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(config);
    let (client, connection) = tokio_postgres::connect(&target.url, tls)
        .await
        .map_err(|err| ConnectionError::BadConnection(describe(&err)))?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// The error and its causes (a certificate refused shows in the source chain).
fn describe(err: &tokio_postgres::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The system's trusted roots plus `root_cert`; built per connection (connections are
/// pooled, so this is rare) so that a renewed certificate file is picked up.
fn client_config(root_cert: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A system store may hold certificates rustls cannot use; skip those.
        let _ = roots.add(cert);
    }
    if let Some(path) = root_cert {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|err| format!("sslrootcert {}: {err}", path.display()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| format!("sslrootcert {}: {err}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "sslrootcert {} holds no PEM certificate",
                path.display()
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|err| format!("sslrootcert {}: {err}", path.display()))?;
        }
    }
    if roots.is_empty() {
        return Err(
            "no trusted root certificates: install ca-certificates or set sslrootcert".into(),
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn plain_unless_the_url_asks_for_tls() {
        for url in [
            "postgres:///agir?host=/tmp/sock&port=5432&user=agir",
            "postgres://agir@db:5432/agir",
            "postgres://agir@db/agir?sslmode=prefer",
            "postgres://agir@db/agir?sslmode=disable",
            "host=db user=agir dbname=agir",
        ] {
            let target = Target::parse(url).unwrap();
            assert!(!target.tls, "{url}");
            assert_eq!(target.url, url);
        }
    }

    #[test]
    fn libpq_modes_and_root_certificates_are_understood() {
        let target =
            Target::parse("postgres://agir@db/agir?sslmode=require&application_name=agir").unwrap();
        assert!(target.tls);
        assert_eq!(target.root_cert, None);

        let target = Target::parse(
            "postgresql://agir@db.example.org/agir?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Frds.pem",
        )
        .unwrap();
        assert!(target.tls);
        assert_eq!(
            target.url,
            "postgresql://agir@db.example.org/agir?sslmode=require"
        );
        assert_eq!(
            target.root_cert.as_deref(),
            Some(std::path::Path::new("/etc/ssl/rds.pem"))
        );

        assert!(Target::parse("host=db sslmode=require").unwrap().tls);
        let err = Target::parse("postgres://agir@db/agir?sslmode=sometimes").unwrap_err();
        assert!(err.contains("DATABASE_URL"), "{err}");
    }
}
