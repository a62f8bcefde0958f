//! The binary with no `DATABASE_URL`: it starts its own PostgreSQL on an empty
//! data folder, answers, stops it, and finds its data again after a restart
//! (after a graceful stop and after being killed).

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use agir_http::routes::users::CreateUserRequest;
use common::{call, free_port, http, login, serve_embedded, try_login};

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(data_dir: &Path) -> Self {
        let (child, addr) = serve_embedded(data_dir, "warn");
        Self { child, addr }
    }

    fn signal(&mut self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server did not stop after SIG{signal}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account created by `admin`, with the password the test logs in with.
fn create_account(addr: SocketAddr, admin: &str, email: &str, display_name: &str) {
    let body = serde_json::to_value(CreateUserRequest {
        email: email.into(),
        display_name: display_name.into(),
        password: "a long enough password".into(),
        is_admin: false,
    })
    .unwrap();
    call(addr, "POST", "/api/v1/users", Some(admin), Some(&body), 201);
}

/// No postmaster of this data folder is left running.
fn assert_postgres_stopped(data_dir: &Path) {
    let pid_file = data_dir.join("postgres/postmaster.pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    while pid_file.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !pid_file.exists(),
        "PostgreSQL still runs after the server stopped"
    );
}

#[test]
fn the_embedded_database_starts_on_an_empty_folder_and_keeps_its_data() {
    let root = std::env::temp_dir().join(format!("agir-embedded-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // Root runs PostgreSQL as `postgres`, who must be able to enter the folder.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data_dir = root.join("data");

    let mut server = Server::start(&data_dir);
    assert!(data_dir.join("jwt-secret").exists());
    let admin = login(server.addr, "admin@avuf.demo", "agir-ensemble-demo");
    create_account(server.addr, &admin, "kept@example.org", "Kept");

    // A second server on the same data folder fails fast and says why.
    let started = Instant::now();
    let second = Command::new(env!("CARGO_BIN_EXE_agir"))
        .arg("serve")
        .env_remove("DATABASE_URL")
        .env("AGIR_DATA_DIR", &data_dir)
        .env("AGIR_BIND", free_port().to_string())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!second.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("PostgreSQL did not become ready"),
        "{stderr}"
    );
    let ready = http(server.addr, "GET", "/readyz", None, None).unwrap();
    assert_eq!(ready.status, 200, "the first server was disturbed");

    server.signal("TERM");
    assert_postgres_stopped(&data_dir);

    // Restarted: the account is there, and the token key is the same (the old token still works).
    let mut server = Server::start(&data_dir);
    assert!(try_login(server.addr, "kept@example.org", "a long enough password").is_some());
    call(server.addr, "GET", "/api/v1/me", Some(&admin), None, 200);
    create_account(server.addr, &admin, "after.kill@example.org", "K");

    // Killed outright: PostgreSQL is still shut down by its watchdog, and nothing acknowledged is lost.
    server.signal("KILL");
    assert_postgres_stopped(&data_dir);
    let server = Server::start(&data_dir);
    assert!(
        try_login(
            server.addr,
            "after.kill@example.org",
            "a long enough password"
        )
        .is_some()
    );
    // The demo is loaded once only.
    let users = call(
        server.addr,
        "GET",
        "/api/v1/users?limit=200",
        Some(&admin),
        None,
        200,
    );
    let demo_admins = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "admin@avuf.demo")
        .count();
    assert_eq!(demo_admins, 1);
    drop(server);
    let _ = std::fs::remove_dir_all(&root);
}
