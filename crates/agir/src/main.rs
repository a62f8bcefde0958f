//! `agir`: the Agir Ensemble API server and its admin command line.

mod config;
mod database;
mod demo;
mod telemetry;

use std::io::BufRead;
use std::process::ExitCode;

use agir_domain::user::{DisplayName, Email, NewPassword};
use agir_http::{AppState, HttpConfig, build_app};
use agir_persistence::journal::Actor;
use agir_persistence::{PoolOptions, pool, users};
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::database::{Database, Purpose};

/// The Agir Ensemble API: local alliances for sustainable campuses in sustainable cities.
///
/// Configuration comes from the environment (see the README and .env.example).
/// Without DATABASE_URL, a PostgreSQL cluster of its own is started in AGIR_DATA_DIR.
#[derive(Debug, Parser)]
#[command(name = "agir", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the API server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document to stdout.
    Openapi,
    /// Administer accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Demo data.
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a platform admin; the password is read from the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Load the demo data (once: a second load changes nothing).
    Load,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        return match agir_http::openapi().to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(err) => fail(&err.to_string()),
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => return fail(&err),
    };
    telemetry::init(&config.log_format);
    let result = match command {
        Command::Serve => serve(config),
        Command::Migrate => Database::open(&config, Purpose::Admin).map(|db| {
            println!("migrations applied: {}", db.applied_migrations.len());
        }),
        Command::Admin {
            command: AdminCommand::Create { email, name },
        } => create_admin(config, &email, name.as_deref()),
        Command::Demo {
            command: DemoCommand::Load,
        } => load_demo(config),
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

fn app_state(config: &Config, db: &Database) -> Result<AppState, String> {
    let pool = pool::build(&db.url, &PoolOptions::default()).map_err(|e| e.to_string())?;
    let mut http = HttpConfig::new(db.jwt_secret.clone());
    http.cors_origins = config.cors_origins.clone();
    http.login_limits = config.login_limits;
    http.password_queue = config.password_queue;
    http.trusted_proxies = config.trusted_proxies.clone();
    AppState::new(pool, http).map_err(|e| e.to_string())
}

fn serve(config: Config) -> Result<(), String> {
    let db = Database::open(&config, Purpose::Serve)?;
    let state = app_state(&config, &db)?;
    // Start-up and background work run on this (main) thread, with their own small
    // pool. A connection keeps its driver task on the runtime that opened it: one
    // opened here and then handed to a worker by the shared pool made every query on
    // it hop to this thread and back, and wait for it under load.
    let mut background = state.clone();
    background.pool = pool::build(
        &db.url,
        &PoolOptions {
            max_size: 2,
            ..PoolOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let bind = config.bind.clone();
    actix_web::rt::System::new().block_on(async move {
        if let Some((email, password)) = &config.bootstrap_admin {
            bootstrap_admin(&background, email, password).await?;
        }
        if db.embedded {
            // The demo is loaded once, on the first start; its logins are shown every time.
            if db.fresh {
                demo::load(&background).await.map_err(|e| e.to_string())?;
            }
            if demo::is_loaded(&background).await {
                demo::print_logins(&demo::logins());
            }
        }
        let server_state = state.clone();
        let server = actix_web::HttpServer::new(move || build_app(server_state.clone()))
            .bind(&bind)
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        let addresses: Vec<String> = server.addrs().iter().map(ToString::to_string).collect();
        tracing::info!(addresses = ?addresses, "listening");
        for address in &addresses {
            println!("Agir Ensemble API on http://{address}/api/v1 (docs: http://{address}/docs/)");
        }
        let purge_state = background.clone();
        actix_web::rt::spawn(async move { purge_idempotency_keys(purge_state).await });
        actix_web::rt::spawn(async move { settle_votes(background).await });
        server.run().await.map_err(|e| e.to_string())
    })?;
    tracing::info!("server stopped");
    drop(db);
    Ok(())
}

/// Forgets idempotent answers past their retention, hourly.
async fn purge_idempotency_keys(state: AppState) {
    let mut interval = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
    loop {
        interval.tick().await;
        if let Ok(mut conn) = pool::get(&state.pool).await {
            match agir_persistence::idempotency::purge_expired(&mut conn).await {
                Ok(n) if n > 0 => tracing::info!(purged = n, "idempotency keys purged"),
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "idempotency purge failed"),
            }
        }
    }
}

/// Opens and closes votes whose time has come, every few seconds, so that a vote
/// closes at `closes_at` even when nobody reads it. Safe with several replicas: each
/// vote is settled under its row lock, once.
async fn settle_votes(state: AppState) {
    let mut interval = actix_web::rt::time::interval(std::time::Duration::from_secs(5));
    loop {
        interval.tick().await;
        // Each vote that does not settle is logged there and left for the next round.
        let settled = match pool::get(&state.pool).await {
            Ok(mut conn) => agir_app::votes::settle_due(&mut conn).await,
            Err(err) => Err(err.into()),
        };
        if let Err(err) = settled {
            tracing::warn!(error = %err, "due votes not read");
        }
    }
}

/// Creates the configured platform admin when no enabled admin exists yet.
async fn bootstrap_admin(state: &AppState, email: &str, password: &str) -> Result<(), String> {
    let mut conn = pool::get(&state.pool).await.map_err(|e| e.to_string())?;
    if users::any_admin(&mut conn)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    drop(conn);
    match create_account(state, email, None, password).await {
        Ok(()) => tracing::info!("bootstrap admin created"),
        // The address belongs to an account already (a disabled admin, a member):
        // the server still starts, and says why no admin was made.
        Err(err) => tracing::warn!(error = %err, "bootstrap admin not created"),
    }
    Ok(())
}

async fn create_account(
    state: &AppState,
    email: &str,
    name: Option<&str>,
    password: &str,
) -> Result<(), String> {
    let email = Email::parse("email", email).map_err(|e| format!("invalid email: {e:?}"))?;
    let default_name = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or("admin")
        .to_owned();
    let name = DisplayName::parse("name", name.unwrap_or(&default_name))
        .map_err(|e| format!("invalid name: {e:?}"))?;
    let password = NewPassword::parse("password", password).map_err(|_| {
        format!(
            "the password must be {} to {} characters",
            NewPassword::MIN_LEN,
            NewPassword::MAX_LEN
        )
    })?;
    let hash = state
        .passwords
        .hash(password.expose().to_owned())
        .await
        .map_err(|e| e.to_string())?;
    let mut conn = pool::get(&state.pool).await.map_err(|e| e.to_string())?;
    agir_app::users::create_account(&mut conn, Actor::system(), &email, &name, &hash, true)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn create_admin(config: Config, email: &str, name: Option<&str>) -> Result<(), String> {
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let db = Database::open(&config, Purpose::Admin)?;
    let state = app_state(&config, &db)?;
    actix_web::rt::System::new().block_on(create_account(&state, email, name, &password))?;
    println!("admin {email} created");
    Ok(())
}

fn load_demo(config: Config) -> Result<(), String> {
    let db = Database::open(&config, Purpose::Admin)?;
    let state = app_state(&config, &db)?;
    let logins = actix_web::rt::System::new()
        .block_on(demo::load(&state))
        .map_err(|e| e.to_string())?;
    demo::print_logins(&logins);
    Ok(())
}
