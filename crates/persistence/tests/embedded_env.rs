//! PostgreSQL's processes get a cleared environment: the server's secrets
//! (`AGIR_JWT_SECRET`, the bootstrap admin's password...) never reach
//! `/proc/<pid>/environ` of a `postgres` process.
#![expect(clippy::expect_used, reason = "tests fail loudly")]

use std::process::Command;

use agir_persistence::embedded::EmbeddedPostgres;

const CANARY: &str = "AGIR_ENV_CANARY";
const CANARY_VALUE: &str = "canary-3f9c1e-never-in-postgres";

/// The environment of the postmaster of `pg`, as `NAME=value` entries.
fn postmaster_environment(pg: &EmbeddedPostgres) -> Vec<String> {
    // An ephemeral cluster keeps its socket in its data folder: the URL names it.
    let url = pg.url();
    let host = url
        .split("host=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("host in the URL");
    let pid_file = std::path::Path::new(host).join("postgres/postmaster.pid");
    let pid = std::fs::read_to_string(&pid_file)
        .expect("postmaster.pid")
        .lines()
        .next()
        .expect("a pid")
        .trim()
        .to_owned();
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
    environ
        .split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| String::from_utf8_lossy(entry).into_owned())
        .collect()
}

#[test]
fn postgres_processes_get_a_cleared_environment() {
    // The canary must be in this process's environment. Variables cannot be set here
    // (no unsafe code), so the test runs itself again with them.
    if std::env::var(CANARY).is_err() {
        let status = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "postgres_processes_get_a_cleared_environment",
                "--nocapture",
            ])
            .env(CANARY, CANARY_VALUE)
            .env("AGIR_JWT_SECRET", CANARY_VALUE)
            .env("AGIR_BOOTSTRAP_ADMIN_PASSWORD", CANARY_VALUE)
            .status()
            .unwrap();
        assert!(status.success(), "the run with the canary failed");
        return;
    }
    let pg = EmbeddedPostgres::start_ephemeral("env_test").expect("cluster");
    let environment = postmaster_environment(&pg);
    drop(pg);
    assert!(
        environment.iter().all(|e| !e.contains(CANARY_VALUE)),
        "{environment:?}"
    );
    assert!(
        !environment.iter().any(|e| e.starts_with(CANARY)),
        "{environment:?}"
    );
    // What PostgreSQL needs is there (so reading the environment did work).
    assert!(
        environment.iter().any(|e| e == "LC_ALL=C"),
        "{environment:?}"
    );
    assert!(
        environment.iter().any(|e| e.starts_with("PATH=")),
        "{environment:?}"
    );
}
