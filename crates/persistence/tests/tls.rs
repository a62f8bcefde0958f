//! TLS to PostgreSQL, against a real server with `ssl=on` and a certificate from a
//! throwaway authority: `sslmode=verify-full` with `sslrootcert` connects over TLS for
//! single connections, the pool and migrations; a server whose authority is not
//! trusted is refused; without `sslmode` the connection stays plain.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use agir_persistence::embedded::{ClusterOptions, EmbeddedPostgres, SUPERUSER, running_as_root};
use agir_persistence::{connect, migrations, pool};
use diesel::QueryableByName;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

#[derive(QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

async fn encrypted(conn: &mut AsyncPgConnection) -> bool {
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Encrypted>(conn)
        .await
        .expect("pg_stat_ssl")
        .ssl
}

/// The `postgres` system user's uid and gid, when we run as root.
fn postgres_owner() -> Option<(u32, u32)> {
    if !running_as_root() {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .arg(flag)
            .arg("postgres")
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    Some((id("-u"), id("-g")))
}

fn write(path: &Path, text: &str, mode: u32, owner: Option<(u32, u32)>) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

struct Server {
    _pg: EmbeddedPostgres,
    root: PathBuf,
    port: u16,
    ca: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn start_tls_server() -> Server {
    let owner = postgres_owner();
    let root = std::env::temp_dir().join(format!("agir-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let data = root.join("data");
    std::fs::create_dir_all(&data).unwrap();
    for dir in [&root, &data] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir, Some(uid), Some(gid)).unwrap();
        }
    }

    // An authority, and a server certificate it signs for localhost.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let ca = root.join("ca.pem");
    write(&ca, &ca_cert.pem(), 0o644, None);
    let cert = root.join("server.crt");
    write(&cert, &server_cert.pem(), 0o644, owner);
    let key = root.join("server.key");
    write(&key, &server_key.serialize_pem(), 0o600, owner);

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pg = EmbeddedPostgres::start(&ClusterOptions {
        data_dir: data,
        ephemeral: true,
        database: "agir".into(),
        socket_dir: None,
        tcp_port: Some(port),
        settings: vec![
            "ssl=on".into(),
            format!("ssl_cert_file={}", cert.display()),
            format!("ssl_key_file={}", key.display()),
        ],
    })
    .unwrap_or_else(|err| panic!("PostgreSQL with TLS did not start: {err}"));
    Server {
        _pg: pg,
        root,
        port,
        ca,
    }
}

#[test]
fn connections_pools_and_migrations_go_over_verified_tls_when_asked() {
    let server = start_tls_server();
    let base = format!("postgres://{SUPERUSER}@localhost:{}/agir", server.port);
    let verified = format!(
        "{base}?sslmode=verify-full&sslrootcert={}",
        server.ca.display()
    );

    // Migrations first: outside any runtime, as the binary runs them.
    let applied = migrations::run_pending_blocking(&verified).unwrap();
    assert_eq!(applied.len(), migrations::count());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut conn = connect::establish(&verified).await.unwrap();
        assert!(encrypted(&mut conn).await);

        let pool = pool::build(&verified, &pool::PoolOptions::default()).unwrap();
        let mut pooled = pool::get(&pool).await.unwrap();
        assert!(encrypted(&mut pooled).await);

        // Our authority is not among the system's roots: the server is refused.
        let unknown = connect::establish(&format!("{base}?sslmode=require"))
            .await
            .err()
            .expect("a certificate from an unknown authority must be refused");
        assert!(
            unknown.to_string().contains("certificate"),
            "the error should say why: {unknown}"
        );

        // No sslmode: plain, as before.
        let mut plain = connect::establish(&base).await.unwrap();
        assert!(!encrypted(&mut plain).await);
    });
}
