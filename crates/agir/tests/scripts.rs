//! The admin curl scripts of `scripts/` (SPEC §8), run with bash against a live
//! server: the real binary on its embedded PostgreSQL, with the demo loaded.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use agir_http::routes::invitations::AcceptInvitationRequest;
use agir_http::routes::labels::ApplyLabelRequest;
use common::{call, login, serve_embedded};

const ADMIN_EMAIL: &str = "admin@avuf.demo";
const ADMIN_PASSWORD: &str = "agir-ensemble-demo";
const SCRIPTS: [&str; 5] = [
    "login.sh",
    "create-alliance.sh",
    "invite-coordinator.sh",
    "decide-label.sh",
    "export-network.sh",
];
const EXPORTS: [&str; 5] = ["labels", "alliances", "partners", "actions", "indicators"];

/// A temporary folder, removed when dropped.
struct TempRoot(PathBuf);

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
}

impl Server {
    fn start(data_dir: &Path) -> Self {
        let (child, addr) = serve_embedded(data_dir, "error");
        Self {
            child,
            addr,
            data_dir: data_dir.to_owned(),
        }
    }

    /// SIGTERM, then waits for the server and its PostgreSQL to stop.
    fn stop(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let pid_file = self.data_dir.join("postgres/postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(30);
        while pid_file.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            !pid_file.exists(),
            "PostgreSQL still runs after the server stopped"
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the scripts of `scripts/` with bash, as an admin at a terminal would.
struct Scripts {
    dir: PathBuf,
    url: String,
    token_file: PathBuf,
    config_home: PathBuf,
}

impl Scripts {
    fn command(&self, script: &str, args: &[&str]) -> Command {
        let mut command = Command::new("bash");
        command
            .arg(self.dir.join(script))
            .args(args)
            .env("AGIR_URL", &self.url)
            .env("AGIR_TOKEN_FILE", &self.token_file)
            .env("XDG_CONFIG_HOME", &self.config_home)
            .env("AGIR_RETRIES", "0")
            .env_remove("AGIR_TOKEN")
            .env_remove("AGIR_EMAIL")
            .env_remove("AGIR_PASSWORD")
            .stdin(Stdio::null());
        command
    }

    fn output(&self, script: &str, args: &[&str], command: &mut Command) -> Output {
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("{script} {args:?} did not run: {e}"));
        eprintln!(
            "$ {script} {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Runs a script that must succeed; its standard output.
    fn ok(&self, script: &str, args: &[&str]) -> String {
        self.ok_with(script, args, &mut self.command(script, args))
    }

    fn ok_with(&self, script: &str, args: &[&str], command: &mut Command) -> String {
        let output = self.output(script, args, command);
        assert!(
            output.status.success(),
            "{script} {args:?} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs a script that must fail with `code`; its standard error.
    fn fails(&self, script: &str, args: &[&str], code: i32) -> String {
        self.fails_with(script, args, code, &mut self.command(script, args))
    }

    fn fails_with(&self, script: &str, args: &[&str], code: i32, command: &mut Command) -> String {
        let output = self.output(script, args, command);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{script} {args:?} should have failed with {code}"
        );
        String::from_utf8(output.stderr).unwrap()
    }
}

#[test]
fn the_admin_scripts_run_against_a_live_server() {
    let started = Instant::now();
    let root =
        TempRoot(std::env::temp_dir().join(format!("agir-scripts-test-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    std::fs::create_dir_all(&root.0).unwrap();
    // Root runs PostgreSQL as `postgres`, who must be able to enter the folder.
    std::fs::set_permissions(&root.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = Server::start(&root.0.join("data"));
    let addr = server.addr;
    let scripts = Scripts {
        dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts"),
        url: format!("http://{addr}"),
        token_file: root.0.join("config/agir/token"),
        config_home: root.0.join("config"),
    };

    // Every script explains itself.
    for script in SCRIPTS {
        let help = scripts.ok(script, &["--help"]);
        assert!(help.contains("Usage"), "{script} --help: {help}");
        assert!(help.contains("AGIR_URL"), "{script} --help: {help}");
        let stderr = scripts.fails(script, &["--no-such-option"], 2);
        assert!(stderr.contains("--help"), "{stderr}");
    }

    // Before logging in, the scripts that need a token say so.
    let stderr = scripts.fails("create-alliance.sh", &["--insee", "69123"], 1);
    assert!(stderr.contains("login.sh"), "{stderr}");

    // Logging in: a wrong password read from standard input is refused with the
    // problem's code; the right one from AGIR_PASSWORD keeps the token, mode 600.
    let mut wrong = scripts.command("login.sh", &[ADMIN_EMAIL]);
    wrong.stdin(Stdio::piped());
    let mut child = wrong
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"not the password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid_credentials"), "{stderr}");
    assert!(!scripts.token_file.exists());

    let out = scripts.ok_with(
        "login.sh",
        &[ADMIN_EMAIL],
        scripts
            .command("login.sh", &[ADMIN_EMAIL])
            .env("AGIR_PASSWORD", ADMIN_PASSWORD),
    );
    assert!(out.contains(ADMIN_EMAIL), "{out}");
    assert!(out.contains("platform admin"), "{out}");
    let mode = std::fs::metadata(&scripts.token_file)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "token file mode {mode:o}");
    let token = std::fs::read_to_string(&scripts.token_file).unwrap();
    let me = call(addr, "GET", "/api/v1/me", Some(token.trim()), None, 200);
    assert_eq!(me["email"], ADMIN_EMAIL);

    // A city and an alliance; running it again creates nothing new.
    let create = [
        "--insee",
        "69123",
        "--name",
        "Lyon",
        "--department",
        "Rhône",
        "--region",
        "Auvergne-Rhône-Alpes",
        "--alliance",
        "Alliance Agir Ensemble de Lyon",
        "--description",
        "Campus durables à Lyon",
    ];
    let alliance = scripts.ok("create-alliance.sh", &create).trim().to_owned();
    let found = call(
        addr,
        "GET",
        &format!("/api/v1/alliances/{alliance}"),
        None,
        None,
        200,
    );
    assert_eq!(found["name"], "Alliance Agir Ensemble de Lyon");
    assert_eq!(found["description"], "Campus durables à Lyon");
    let city = call(
        addr,
        "GET",
        &format!("/api/v1/cities/{}", found["city_id"].as_str().unwrap()),
        None,
        None,
        200,
    );
    assert_eq!(city["insee_code"], "69123");
    assert_eq!(city["region"], "Auvergne-Rhône-Alpes");
    let again = scripts.ok(
        "create-alliance.sh",
        &[
            "--insee",
            "69123",
            "--alliance",
            "Alliance Agir Ensemble de Lyon",
        ],
    );
    assert_eq!(again.trim(), alliance);
    // The API's refusal reaches the admin with its code and the field at fault.
    let long_name = "L".repeat(201);
    let stderr = scripts.fails(
        "create-alliance.sh",
        &[
            "--insee",
            "69381",
            "--name",
            &long_name,
            "--department",
            "Rhône",
            "--region",
            "Auvergne-Rhône-Alpes",
        ],
        1,
    );
    assert!(stderr.contains("HTTP 422 validation_failed"), "{stderr}");
    assert!(stderr.contains("name: must be at most 200"), "{stderr}");

    // The coordinator's invitation, on behalf of the city, accepted with its token.
    let invited = scripts.ok(
        "invite-coordinator.sh",
        &[
            "--alliance",
            &alliance,
            "--email",
            "coordination@lyon.example",
            "--partner-name",
            "Ville de Lyon",
        ],
    );
    let line = |name: &str| {
        invited
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {invited}"))
            .trim()
            .to_owned()
    };
    let invitation_token = line("token:");
    let accept_path = line("accept_path:");
    assert_eq!(
        accept_path,
        format!("/api/v1/invitations/{invitation_token}/accept")
    );
    let body = serde_json::to_value(AcceptInvitationRequest {
        display_name: Some("Coordination Lyon".into()),
        password: Some("a long enough password".into()),
    })
    .unwrap();
    let accepted = call(addr, "POST", &accept_path, None, Some(&body), 201);
    assert_eq!(accepted["mandate"]["role"], "coordinator");
    assert_eq!(accepted["mandate"]["alliance_id"], alliance.as_str());
    // Without --partner-name, the alliance's local authority is used.
    let invited = scripts.ok(
        "invite-coordinator.sh",
        &["--alliance", &alliance, "--email", "relais@lyon.example"],
    );
    assert!(invited.contains("token: "), "{invited}");

    // The new coordinator applies for the label; the admin grants it.
    let coordinator = login(addr, "coordination@lyon.example", "a long enough password");
    let year = agir_domain::plan::AcademicYear::containing(chrono::Utc::now().date_naive());
    let body = serde_json::to_value(ApplyLabelRequest {
        academic_year: year.to_string(),
        note: Some("Première candidature".into()),
    })
    .unwrap();
    let applied = call(
        addr,
        "POST",
        &format!("/api/v1/alliances/{alliance}/labels"),
        Some(&coordinator),
        Some(&body),
        201,
    );
    let label = applied["id"].as_str().unwrap().to_owned();
    let listed = scripts.ok("decide-label.sh", &["--alliance", &alliance, "--list"]);
    assert!(listed.contains(&label), "{listed}");
    assert!(listed.contains("applied"), "{listed}");
    let decided = scripts.ok(
        "decide-label.sh",
        &[
            "--alliance",
            &alliance,
            "--label",
            &label,
            "--status",
            "granted",
            "--note",
            "Pensez à associer le Crous.",
        ],
    );
    assert!(decided.contains("granted"), "{decided}");
    let network = call(
        addr,
        "GET",
        "/api/v1/network/labels?limit=200",
        None,
        None,
        200,
    );
    let listed = network["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == label.as_str())
        .unwrap_or_else(|| panic!("the granted label is not in the network: {network}"));
    assert_eq!(listed["status"], "granted");
    assert_eq!(listed["insee_code"], "69123");
    // Deciding twice is refused, and the script says why.
    let stderr = scripts.fails(
        "decide-label.sh",
        &[
            "--alliance",
            &alliance,
            "--year",
            &year.to_string(),
            "--status",
            "granted",
        ],
        1,
    );
    assert!(stderr.contains("HTTP 409 invalid_transition"), "{stderr}");

    // An access token that no longer works is renewed with the refresh token.
    std::fs::write(&scripts.token_file, "not-a-token\n").unwrap();
    let listed = scripts.ok("decide-label.sh", &["--alliance", &alliance, "--list"]);
    assert!(listed.contains("granted"), "{listed}");
    let renewed = std::fs::read_to_string(&scripts.token_file).unwrap();
    assert_ne!(renewed.trim(), "not-a-token");

    // The network's exports, without a token.
    let export_dir = root.0.join("export");
    let mut export = scripts.command("export-network.sh", &[]);
    export
        .arg(&export_dir)
        .env("AGIR_TOKEN_FILE", root.0.join("none"));
    let out = scripts.ok_with("export-network.sh", &[], &mut export);
    for resource in EXPORTS {
        let file = export_dir.join(format!("{resource}.csv"));
        let csv = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}\n{out}", file.display()));
        let header = csv.lines().next().unwrap_or_default();
        assert!(header.starts_with("id,"), "{resource}.csv: {csv}");
    }
    let labels = std::fs::read_to_string(export_dir.join("labels.csv")).unwrap();
    assert!(labels.contains(&label), "{labels}");

    server.stop();
    drop(root);
    eprintln!("the scripts test took {:?}", started.elapsed());
}
