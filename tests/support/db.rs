//! One cluster per run, one template, one database per test.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use agir_persistence::embedded::EmbeddedPostgres;
use agir_persistence::migrations;
use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

struct Cluster {
    /// Connection URL without a database name applied: see [`Cluster::url_for`].
    base: ClusterUrl,
    template: String,
    _embedded: Option<EmbeddedPostgres>,
}

enum ClusterUrl {
    Embedded(String),
    External(String),
}

impl Cluster {
    fn url_for(&self, database: &str) -> String {
        match &self.base {
            // `postgres:///postgres?host=...`: swap the database name.
            ClusterUrl::Embedded(url) => url.replacen("/postgres?", &format!("/{database}?"), 1),
            ClusterUrl::External(url) => replace_database(url, database),
        }
    }
}

/// Replaces the database of a `postgres://user@host:port/db?params` URL.
fn replace_database(url: &str, database: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fingerprint of `migrations/`: a template built from other migrations is never reused.
fn migrations_fingerprint() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("migrations folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.to_string_lossy()
                .rsplit("migrations")
                .next()
                .unwrap_or("")
                .as_bytes(),
        );
        hasher.update(std::fs::read(&file).expect("migration file"));
    }
    hex::encode(&hasher.finalize()[..6])
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        // Its own thread and runtime: the migration harness blocks, and the
        // calling test's runtime must not be blocked in place.
        std::thread::spawn(start_cluster)
            .join()
            .expect("the test database cluster could not start")
    })
}

fn start_cluster() -> Cluster {
    let (base, embedded) = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => (ClusterUrl::External(url), None),
        _ => {
            let pg = EmbeddedPostgres::start_ephemeral("postgres")
                .unwrap_or_else(|e| panic!("cannot start PostgreSQL for the tests: {e}"));
            (ClusterUrl::Embedded(pg.url_for("postgres")), Some(pg))
        }
    };
    let mut cluster = Cluster {
        base,
        template: format!("agir_template_{}", migrations_fingerprint()),
        _embedded: embedded,
    };
    let admin_url = cluster.url_for("postgres");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let template = cluster.template.clone();
    let building = format!("{template}_building");
    let needs_build = runtime.block_on(async {
        let mut conn = AsyncPgConnection::establish(&admin_url)
            .await
            .expect("connect to the test cluster");
        // Several test processes may share TEST_DATABASE_URL: one builds the template.
        diesel::sql_query("SELECT pg_advisory_lock(4242)")
            .execute(&mut conn)
            .await
            .expect("lock");
        sweep_leftovers(&mut conn).await;
        let exists: Vec<Name> =
            diesel::sql_query("SELECT datname AS name FROM pg_database WHERE datname = $1")
                .bind::<Text, _>(&template)
                .load(&mut conn)
                .await
                .expect("query");
        if exists.is_empty() {
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .expect("drop");
            diesel::sql_query(format!("CREATE DATABASE {building}"))
                .execute(&mut conn)
                .await
                .expect("create template");
        }
        (conn, exists.is_empty())
    });
    let (mut conn, build) = needs_build;
    if build {
        migrations::run_pending_blocking(&cluster.url_for(&building))
            .expect("migrate the template");
        runtime.block_on(async {
            diesel::sql_query(format!("ALTER DATABASE {building} RENAME TO {template}"))
                .execute(&mut conn)
                .await
                .expect("rename template");
        });
    }
    runtime.block_on(async {
        diesel::sql_query("SELECT pg_advisory_unlock(4242)")
            .execute(&mut conn)
            .await
            .expect("unlock");
    });
    cluster.template = template;
    cluster
}

/// Drops test databases left by runs that died (their process is gone).
async fn sweep_leftovers(conn: &mut AsyncPgConnection) {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname AS name FROM pg_database WHERE datname LIKE 'agir_test_%'",
    )
    .load(conn)
    .await
    .unwrap_or_default();
    for Name { name } in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(conn)
                .await;
        }
    }
}

/// A database of its own for one test, dropped at the end of the test.
pub struct TestDb {
    name: String,
    url: String,
}

impl TestDb {
    pub async fn new() -> Self {
        let cluster = cluster();
        let name = format!(
            "agir_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = AsyncPgConnection::establish(&cluster.url_for("postgres"))
            .await
            .expect("connect to the test cluster");
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {} STRATEGY FILE_COPY",
            cluster.template
        ))
        .execute(&mut conn)
        .await
        .expect("create the test database");
        let url = cluster.url_for(&name);
        Self { name, url }
    }

    /// An empty database, with no migration applied.
    pub async fn empty() -> Self {
        let cluster = cluster();
        let name = format!(
            "agir_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = AsyncPgConnection::establish(&cluster.url_for("postgres"))
            .await
            .expect("connect to the test cluster");
        diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE template0"))
            .execute(&mut conn)
            .await
            .expect("create the test database");
        let url = cluster.url_for(&name);
        Self { name, url }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A direct connection, for arranging and inspecting state.
    pub async fn connect(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = cluster().url_for("postgres");
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&admin).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            replace_database("postgres://u:p@h:5432/db?x=1", "t"),
            "postgres://u:p@h:5432/t?x=1"
        );
        assert_eq!(
            replace_database("postgres://u@h/db", "t"),
            "postgres://u@h/t"
        );
        assert_eq!(replace_database("postgres://u@h", "t"), "postgres://u@h/t");
    }
}
