//! A PostgreSQL cluster of our own, for a laptop with nothing configured and for tests.
//!
//! The server binaries are found on `PATH` or under `/usr/lib/postgresql/*/bin`.
//! The cluster lives in `<data_dir>/postgres`, listens only on a unix socket in a
//! fresh private folder (no TCP port), and trusts local connections: nobody but
//! the owner of that folder can reach it.
//!
//! PostgreSQL refuses to run as root, so when we are root every PostgreSQL command
//! runs as the `postgres` system user through `runuser`, and the folders it needs
//! are handed to that user.
//!
//! The postmaster runs under a small shell watchdog whose standard input is a pipe
//! held by this process: when we exit, however we exit (even `SIGKILL`), the pipe
//! closes and the watchdog shuts PostgreSQL down. No server is ever left behind.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The database superuser of an embedded cluster.
pub const SUPERUSER: &str = "agir";
/// The port number in the socket file name (`.s.PGSQL.5432`); no TCP port is opened.
const PORT: u16 = 5432;
/// The unprivileged account PostgreSQL runs as when we are root.
const SYSTEM_USER: &str = "postgres";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found on PATH nor under \
         /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: `apt-get install postgresql`), \
         or set DATABASE_URL to an existing database"
    )]
    BinariesNotFound,
    #[error(
        "running as root, PostgreSQL must run as the `{SYSTEM_USER}` system user, which does not \
         exist here; create it (`adduser --system --group postgres`) or run as a normal user"
    )]
    NoSystemUser,
    #[error(
        "running as root, PostgreSQL runs as the `{SYSTEM_USER}` user, who cannot reach {0}; \
         set AGIR_DATA_DIR to a folder that user can reach, such as /var/lib/agir"
    )]
    Unreachable(PathBuf),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error(
        "PostgreSQL did not become ready: {0}\n(another agir server may be using the same \
         data folder; see the log above)"
    )]
    NotReady(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EmbeddedError {
    let context = context.into();
    move |source| EmbeddedError::Io { context, source }
}

/// Where the cluster lives and how it behaves.
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Holds the cluster (`postgres/`) and its log (`postgres.log`).
    pub data_dir: PathBuf,
    /// Throwaway cluster: durability off, and the whole folder removed when it stops.
    pub ephemeral: bool,
    /// Database created on first start (besides `postgres`).
    pub database: String,
    /// Where the socket goes; default: a fresh private folder on every start. A fixed
    /// folder keeps the URL the same across restarts (fault tests stop and restart it).
    pub socket_dir: Option<PathBuf>,
    /// Also listen on `127.0.0.1` at this TCP port (the socket then carries the same
    /// number). Default: no TCP at all, port 5432 for the socket.
    pub tcp_port: Option<u16>,
    /// More server settings (`name=value`), applied last.
    pub settings: Vec<String>,
}

/// A running cluster. Stopping it (or dropping it, or this process ending) shuts PostgreSQL down.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    watchdog: Option<Child>,
    socket_dir: PathBuf,
    port: u16,
    database: String,
}

impl EmbeddedPostgres {
    /// A throwaway cluster in a fresh temporary folder, for tests.
    pub fn start_ephemeral(database: &str) -> Result<Self, EmbeddedError> {
        let root = std::env::temp_dir().join(format!("agir-test-{}", random_suffix()));
        let as_root = running_as_root();
        create_private_dir(&root, as_root)?;
        Self::start(&ClusterOptions {
            data_dir: root,
            ephemeral: true,
            database: database.to_owned(),
            socket_dir: None,
            tcp_port: None,
            settings: Vec::new(),
        })
    }

    /// Initialises the cluster on first use, starts it and waits until it accepts connections.
    pub fn start(options: &ClusterOptions) -> Result<Self, EmbeddedError> {
        let bin = find_bin_dir()?;
        let as_root = running_as_root();
        if as_root && run_capture(Command::new("id").arg("-u").arg(SYSTEM_USER)).is_err() {
            return Err(EmbeddedError::NoSystemUser);
        }
        fs::create_dir_all(&options.data_dir)
            .map_err(io(format!("creating {}", options.data_dir.display())))?;
        let data_dir = fs::canonicalize(&options.data_dir)
            .map_err(io(format!("resolving {}", options.data_dir.display())))?;
        let cluster = data_dir.join("postgres");
        let fresh = !cluster.join("PG_VERSION").exists();
        if fresh {
            init_cluster(&bin, &cluster, as_root)?;
        } else if as_root {
            ensure_reachable(&cluster)?;
        }

        // The socket folder is new on every start: short (unix socket paths are
        // limited to 107 bytes) and private.
        let socket_dir = if options.ephemeral {
            data_dir.clone()
        } else if let Some(dir) = &options.socket_dir {
            create_private_dir(dir, as_root)?;
            dir.clone()
        } else {
            let dir = std::env::temp_dir().join(format!("agir-pg-{}", random_suffix()));
            create_private_dir(&dir, as_root)?;
            dir
        };

        let log_path = data_dir.join("postgres.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io(format!("opening {}", log_path.display())))?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let log_err = log.try_clone().map_err(io("duplicating the log handle"))?;

        let port = options.tcp_port.unwrap_or(PORT);
        let listen = if options.tcp_port.is_some() {
            "listen_addresses=127.0.0.1"
        } else {
            "listen_addresses="
        };
        let mut settings = vec![
            "-c".to_owned(),
            listen.to_owned(),
            "-c".to_owned(),
            "max_connections=200".to_owned(),
        ];
        if options.ephemeral {
            for setting in [
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
            ] {
                settings.push("-c".to_owned());
                settings.push(setting.to_owned());
            }
        }
        for setting in &options.settings {
            settings.push("-c".to_owned());
            settings.push(setting.clone());
        }
        // The watchdog: start postgres; when our end of the pipe closes, ask it for a
        // fast shutdown. The watchdog exits with postgres, so a failed start shows at
        // once. An ephemeral cluster removes itself.
        let script = r#"
            bin="$1"; data="$2"; sock="$3"; cleanup="$4"; port="$5"; shift 5
            trap '' INT TERM
            exec 3<&0
            "$bin/postgres" -D "$data" -k "$sock" -p "$port" "$@" </dev/null &
            pid=$!
            # Background jobs read /dev/null unless told otherwise: read the pipe on fd 3.
            ( read -r _ignored <&3; kill -INT "$pid" 2>/dev/null ) &
            wait "$pid"
            status=$?
            if [ -n "$cleanup" ]; then rm -rf "$cleanup"; elif [ "$sock" != "$data" ]; then rm -rf "$sock"; fi
            exit "$status"
        "#;
        let cleanup = if options.ephemeral {
            data_dir.display().to_string()
        } else {
            String::new()
        };
        let mut command = postgres_command(as_root, "sh");
        command
            .arg("-c")
            .arg(script)
            .arg("agir-postgres")
            .arg(&bin)
            .arg(&cluster)
            .arg(&socket_dir)
            .arg(cleanup)
            .arg(port.to_string())
            .args(&settings)
            .stdin(Stdio::piped())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .env("LC_ALL", "C")
            // Its own process group: a Ctrl-C in the terminal reaches us, not PostgreSQL,
            // which we stop ourselves once the HTTP server has drained.
            .process_group(0);
        let watchdog = command.spawn().map_err(io("starting PostgreSQL"))?;
        let mut cluster_handle = Self {
            watchdog: Some(watchdog),
            socket_dir,
            port,
            database: options.database.clone(),
        };
        if let Err(err) = cluster_handle.wait_ready(&bin, &log_path, log_start) {
            cluster_handle.stop();
            return Err(err);
        }
        cluster_handle.create_database(&bin, &options.database)?;
        Ok(cluster_handle)
    }

    /// A connection URL for one database of the cluster.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres:///{database}?host={}&port={}&user={SUPERUSER}",
            self.socket_dir.display(),
            self.port
        )
    }

    /// The URL of the database named in the options.
    pub fn url(&self) -> String {
        self.url_for(&self.database)
    }

    /// Shuts PostgreSQL down (fast shutdown) and waits for it, at most 30 seconds.
    pub fn stop(&mut self) {
        let Some(mut watchdog) = self.watchdog.take() else {
            return;
        };
        drop(watchdog.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            match watchdog.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        tracing::warn!("PostgreSQL did not stop within 30 s");
    }

    fn wait_ready(&mut self, bin: &Path, log: &Path, log_start: u64) -> Result<(), EmbeddedError> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(watchdog) = self.watchdog.as_mut()
                && let Ok(Some(status)) = watchdog.try_wait()
            {
                return Err(EmbeddedError::NotReady(format!(
                    "PostgreSQL exited ({status}): {}",
                    log_tail(log, log_start)
                )));
            }
            let ready = Command::new(bin.join("pg_isready"))
                .arg("-q")
                .arg("-h")
                .arg(&self.socket_dir)
                .arg("-p")
                .arg(self.port.to_string())
                .arg("-U")
                .arg(SUPERUSER)
                .arg("-d")
                .arg("postgres")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(EmbeddedError::NotReady(log_tail(log, log_start)));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn create_database(&self, bin: &Path, database: &str) -> Result<(), EmbeddedError> {
        if database == "postgres" {
            return Ok(());
        }
        let output = Command::new(bin.join("createdb"))
            .arg("-h")
            .arg(&self.socket_dir)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-U")
            .arg(SUPERUSER)
            .arg(database)
            .env("LC_ALL", "C")
            .output()
            .map_err(io("running createdb"))?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if output.status.success() || stderr.contains("already exists") {
            Ok(())
        } else {
            Err(EmbeddedError::Command {
                what: "createdb".into(),
                detail: stderr.trim().to_owned(),
            })
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether this process runs as root (PostgreSQL then runs as `postgres`).
pub fn running_as_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// The folder holding `initdb` and `postgres`: `PATH` first, then the newest
/// `/usr/lib/postgresql/<major>/bin`.
pub fn find_bin_dir() -> Result<PathBuf, EmbeddedError> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_server(&dir) {
                // `/usr/local/bin/postgres` may be a lone symlink: the client tools
                // (pg_isready, createdb) sit beside the real binary.
                let real = fs::canonicalize(dir.join("postgres"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .unwrap_or(dir);
                return Ok(real);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((major, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or(EmbeddedError::BinariesNotFound)
}

fn init_cluster(bin: &Path, cluster: &Path, as_root: bool) -> Result<(), EmbeddedError> {
    // initdb works in a sibling folder renamed into place once complete, so an
    // interrupted first start never leaves a half-made cluster behind.
    let staging = cluster.with_extension("init");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(format!("removing {}", staging.display())))?;
    }
    create_private_dir(&staging, as_root)?;
    if as_root {
        ensure_reachable(&staging)?;
    }
    let mut command = postgres_command(as_root, &bin.join("initdb").display().to_string());
    command
        .arg("-D")
        .arg(&staging)
        .arg("-U")
        .arg(SUPERUSER)
        .arg("--auth=trust")
        .arg("--encoding=UTF8")
        .arg("--locale=C")
        .env("LC_ALL", "C");
    run_capture(&mut command).map_err(|detail| EmbeddedError::Command {
        what: "initdb".into(),
        detail,
    })?;
    fs::rename(&staging, cluster).map_err(io(format!(
        "moving the new cluster to {}",
        cluster.display()
    )))
}

/// The only variables of our environment that PostgreSQL's processes get (see
/// [`postgres_command`]); `PATH` is replaced by [`SERVER_PATH`] and `LC_ALL` is `C`.
const KEPT_VARIABLES: [&str; 2] = ["TZ", "TMPDIR"];

/// `PATH` of PostgreSQL's processes (the watchdog script runs `rm`).
const SERVER_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A command that runs as the PostgreSQL user: ourselves, or `postgres` when we are root.
///
/// Its environment is cleared: the server's holds secrets (`AGIR_JWT_SECRET`,
/// `AGIR_BOOTSTRAP_ADMIN_PASSWORD`, `DATABASE_URL`...) that PostgreSQL does not need and
/// that anyone who can read `/proc/<pid>/environ` of a `postgres` process (the
/// `postgres` user, its extensions, a superuser's `COPY ... FROM PROGRAM`) would see.
/// It gets a fixed `PATH`, `LC_ALL=C`, and `TZ` and `TMPDIR` when set; `runuser` adds
/// `HOME`, `SHELL`, `USER` and `LOGNAME` of `postgres`.
fn postgres_command(as_root: bool, program: &str) -> Command {
    let mut command = if as_root {
        let mut command = Command::new("runuser");
        command.arg("-u").arg(SYSTEM_USER).arg("--").arg(program);
        command
    } else {
        Command::new(program)
    };
    command
        .env_clear()
        .env("PATH", SERVER_PATH)
        .env("LC_ALL", "C");
    for name in KEPT_VARIABLES {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
}

/// Creates a folder only its owner can enter; handed to `postgres` when we are root.
fn create_private_dir(dir: &Path, as_root: bool) -> Result<(), EmbeddedError> {
    fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(io(format!("restricting {}", dir.display())))?;
    if as_root {
        let uid = id_of("-u")?;
        let gid = id_of("-g")?;
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .map_err(io(format!("handing {} to {SYSTEM_USER}", dir.display())))?;
    }
    Ok(())
}

/// Checks that the `postgres` user can write into `dir` (its parents must let it through).
fn ensure_reachable(dir: &Path) -> Result<(), EmbeddedError> {
    let ok = Command::new("runuser")
        .args(["-u", SYSTEM_USER, "--", "test", "-w"])
        .arg(dir)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(EmbeddedError::Unreachable(dir.to_owned()))
    }
}

fn id_of(flag: &str) -> Result<u32, EmbeddedError> {
    let out = run_capture(Command::new("id").arg(flag).arg(SYSTEM_USER))
        .map_err(|_| EmbeddedError::NoSystemUser)?;
    out.trim().parse().map_err(|_| EmbeddedError::NoSystemUser)
}

/// Runs a command to completion; its stdout on success, its stderr otherwise.
fn run_capture(command: &mut Command) -> Result<String, String> {
    let output = command.output().map_err(|err| err.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

fn log_tail(log: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = fs::File::open(log) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.take(8192).read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().rev().take(10).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join("\n")
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    // A clash only makes `create_dir` fail loudly; the process id keeps runs apart anyway.
    let _ = getrandom::fill(&mut bytes);
    format!("{}-{}", std::process::id(), hex::encode(bytes))
}
