//! Fault tests against the real binary and a PostgreSQL cluster the test controls:
//! the server killed in the middle of a burst of ballots, and the database stopped
//! under load.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agir_http::routes::alliances::CreateAllianceRequest;
use agir_http::routes::cities::CreateCityRequest;
use agir_http::routes::mandates::CreateMandateRequest;
use agir_http::routes::partners::CreatePartnerRequest;
use agir_http::routes::users::CreateUserRequest;
use agir_http::routes::votes::{CastBallotRequest, CreateVoteRequest};
use agir_persistence::embedded::{ClusterOptions, EmbeddedPostgres};
use common::{call, free_port, http, ready_within};
use serde_json::Value;

const SECRET: &str = "fault-tests-secret-of-at-least-thirty-two-bytes";
const ADMIN: &str = "admin@faults.test";
const PASSWORD: &str = "a long enough password";

struct Server {
    child: Child,
}

impl Server {
    fn start(database_url: &str, addr: SocketAddr) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_agir"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("AGIR_JWT_SECRET", SECRET)
            .env("AGIR_BIND", addr.to_string())
            .env("AGIR_BOOTSTRAP_ADMIN_EMAIL", ADMIN)
            .env("AGIR_BOOTSTRAP_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Self { child };
        assert!(
            ready_within(addr, Duration::from_secs(60)),
            "the server did not become ready"
        );
        server
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Cluster {
    pg: EmbeddedPostgres,
    options: ClusterOptions,
    root: PathBuf,
}

impl Cluster {
    fn start(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("agir-faults-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let options = ClusterOptions {
            data_dir: root.join("data"),
            ephemeral: false,
            database: "agir".into(),
            socket_dir: Some(root.join("socket")),
            tcp_port: None,
            settings: Vec::new(),
        };
        let pg = EmbeddedPostgres::start(&options).unwrap();
        Self { pg, options, root }
    }

    fn url(&self) -> String {
        self.pg.url()
    }

    fn restart(&mut self) {
        self.pg.stop();
        self.pg = EmbeddedPostgres::start(&self.options).unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.pg.stop();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn login(addr: SocketAddr, email: &str) -> String {
    common::login(addr, email, PASSWORD)
}

#[track_caller]
fn created(addr: SocketAddr, token: &str, path: &str, body: Value) -> Value {
    call(addr, "POST", path, Some(token), Some(&body), 201)
}

/// The `id` of a created resource.
fn uuid(created: &Value) -> uuid::Uuid {
    created["id"].as_str().unwrap().parse().unwrap()
}

/// An alliance with a members vote open, and `voters` people who may vote.
fn alliance_with_a_vote(addr: SocketAddr, voters: usize) -> (String, String, String, Vec<String>) {
    let admin = login(addr, ADMIN);
    let city = created(
        addr,
        &admin,
        "/api/v1/cities",
        serde_json::to_value(CreateCityRequest {
            name: "Sceaux".into(),
            insee_code: "92071".into(),
            department: "Hauts-de-Seine".into(),
            region: "Île-de-France".into(),
        })
        .unwrap(),
    );
    let alliance = created(
        addr,
        &admin,
        "/api/v1/alliances",
        serde_json::to_value(CreateAllianceRequest {
            city_id: uuid(&city),
            name: "Alliance".into(),
            ..CreateAllianceRequest::default()
        })
        .unwrap(),
    );
    let alliance = alliance["id"].as_str().unwrap().to_owned();
    let partner = created(
        addr,
        &admin,
        &format!("/api/v1/alliances/{alliance}/partners"),
        serde_json::to_value(CreatePartnerRequest {
            name: "Ville".into(),
            kind: "local_authority".into(),
            ..CreatePartnerRequest::default()
        })
        .unwrap(),
    );
    let mut tokens = Vec::new();
    for i in 0..voters {
        let email = format!("voter{i}@faults.test");
        let user = created(
            addr,
            &admin,
            "/api/v1/users",
            serde_json::to_value(CreateUserRequest {
                email: email.clone(),
                display_name: format!("Voter {i}"),
                password: PASSWORD.into(),
                is_admin: false,
            })
            .unwrap(),
        );
        let role = if i == 0 { "coordinator" } else { "member" };
        created(
            addr,
            &admin,
            &format!("/api/v1/alliances/{alliance}/mandates"),
            serde_json::to_value(CreateMandateRequest {
                user_id: uuid(&user),
                partner_id: uuid(&partner),
                role: role.into(),
                starts_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
                ..CreateMandateRequest::default()
            })
            .unwrap(),
        );
        tokens.push(login(addr, &email));
    }
    let vote = created(
        addr,
        &tokens[0],
        &format!("/api/v1/alliances/{alliance}/votes"),
        serde_json::to_value(CreateVoteRequest {
            title: "Compost ?".into(),
            subject: "question".into(),
            method: "consent".into(),
            electorate: "members".into(),
            quorum_percent: 0,
            closes_at: chrono::Utc::now() + chrono::Duration::days(1),
            ..CreateVoteRequest::default()
        })
        .unwrap(),
    );
    (
        admin,
        alliance,
        vote["id"].as_str().unwrap().to_owned(),
        tokens,
    )
}

#[test]
fn a_server_killed_in_a_burst_of_ballots_keeps_every_acknowledged_one() {
    let cluster = Cluster::start("kill");
    let addr = free_port();
    let mut server = Server::start(&cluster.url(), addr);
    let (_, alliance, vote, tokens) = alliance_with_a_vote(addr, 24);

    // Every voter casts as fast as they can; the server is killed mid-burst.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let (token, acknowledged, stop) = (token.clone(), acknowledged.clone(), stop.clone());
            let path = format!("/api/v1/alliances/{alliance}/votes/{vote}/ballots");
            let ballot = serde_json::to_value(CastBallotRequest {
                choice: Some("for".into()),
                ..CastBallotRequest::default()
            })
            .unwrap();
            std::thread::spawn(move || {
                // Stagger so that some ballots land before the kill and some after.
                std::thread::sleep(Duration::from_millis(15 * i as u64));
                while !stop.load(Ordering::SeqCst) {
                    match http(addr, "POST", &path, Some(&token), Some(&ballot)) {
                        Some(r) if r.status == 201 || r.status == 200 => {
                            acknowledged.lock().unwrap().push(i);
                            return;
                        }
                        _ => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(180));
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        t.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        !acknowledged.is_empty(),
        "no ballot was acknowledged before the kill"
    );

    let server = Server::start(&cluster.url(), addr);
    let results = call(
        addr,
        "GET",
        &format!("/api/v1/alliances/{alliance}/votes/{vote}/results"),
        Some(&tokens[0]),
        None,
        200,
    );
    let turnout = results["turnout"].as_u64().unwrap() as usize;
    // Every acknowledged ballot is there (in-flight ones may have committed too).
    assert!(
        turnout >= acknowledged.len(),
        "{turnout} stored, {} acknowledged",
        acknowledged.len()
    );
    let stored: Vec<String> = results["ballots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["voter_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored.len(), turnout);
    // Nothing half-written: every stored ballot has its journal entry, and the chain holds.
    let journal = call(
        addr,
        "GET",
        &format!("/api/v1/alliances/{alliance}/journal?limit=200"),
        Some(&tokens[0]),
        None,
        200,
    );
    let journaled: Vec<String> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["verb"] == "ballot.cast")
        .map(|e| e["summary"]["voter_id"].as_str().unwrap().to_owned())
        .collect();
    for voter in &stored {
        assert!(
            journaled.contains(voter),
            "a ballot without its journal entry"
        );
    }
    assert_eq!(
        journaled.len(),
        stored.len(),
        "a journal entry without its ballot"
    );
    let verify = call(
        addr,
        "GET",
        &format!("/api/v1/alliances/{alliance}/journal/verify"),
        Some(&tokens[0]),
        None,
        200,
    );
    assert_eq!(verify["intact"], true);
    drop(server);
}

#[test]
fn with_the_database_down_the_api_answers_503_and_recovers_by_itself() {
    let mut cluster = Cluster::start("down");
    let addr = free_port();
    let server = Server::start(&cluster.url(), addr);
    let admin = login(addr, ADMIN);
    assert_eq!(
        http(addr, "GET", "/api/v1/alliances", None, None)
            .unwrap()
            .status,
        200
    );

    // Stop PostgreSQL under a light load.
    cluster.pg.stop();
    for path in ["/readyz", "/api/v1/alliances", "/api/v1/me"] {
        let started = Instant::now();
        let r = http(addr, "GET", path, Some(&admin), None).expect("the server still answers");
        assert_eq!(r.status, 503, "{path}: {}", r.body);
        assert!(
            r.content_type.starts_with("application/problem+json"),
            "{path}: {}",
            r.content_type
        );
        assert_eq!(r.json()["code"], "service_unavailable");
        assert!(
            started.elapsed() < Duration::from_secs(12),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        http(addr, "GET", "/healthz", None, None).unwrap().status,
        200,
        "liveness does not need the database"
    );

    // PostgreSQL comes back: the API recovers without a restart.
    cluster.restart();
    assert!(
        ready_within(addr, Duration::from_secs(30)),
        "the API did not recover"
    );
    let me = http(addr, "GET", "/api/v1/me", Some(&admin), None).unwrap();
    assert_eq!(me.status, 200, "{}", me.body);
    drop(server);
}
