//! Demo data: loaded by `agir demo load`, and on the first start of the embedded database.

use agir_domain::user::{DisplayName, Email};
use agir_http::AppState;
use agir_http::problem::ApiError;
use agir_persistence::journal::Actor;
use agir_persistence::{pool, users};

/// The password of every demo account (demo data only).
pub const DEMO_PASSWORD: &str = "agir-ensemble-demo";

/// A demo login to print.
pub struct Login {
    pub email: &'static str,
    pub role: &'static str,
}

const ACCOUNTS: [(&str, &str, bool, &str); 1] = [(
    "admin@avuf.demo",
    "Administration AVUF",
    true,
    "platform admin (AVUF)",
)];

/// Creates the demo accounts that do not exist yet; returns every demo login.
pub async fn load(state: &AppState) -> Result<Vec<Login>, ApiError> {
    let hash = state.passwords.hash(DEMO_PASSWORD.to_owned()).await?;
    let mut logins = Vec::new();
    for (email, name, is_admin, role) in ACCOUNTS {
        let parsed = Email::parse("email", email)?;
        let exists = {
            let mut conn = pool::get(&state.pool).await?;
            users::find_credentials(&mut conn, &parsed).await?.is_some()
        };
        if !exists {
            let name = DisplayName::parse("display_name", name)?;
            agir_http::routes::users::create_account(
                state,
                Actor::system(),
                &parsed,
                &name,
                &hash,
                is_admin,
            )
            .await?;
        }
        logins.push(Login { email, role });
    }
    Ok(logins)
}

/// Whether the demo accounts exist (a database migrated by `agir migrate` before the
/// first `serve` has none until `agir demo load`).
pub async fn is_loaded(state: &AppState) -> bool {
    let Ok(email) = Email::parse("email", ACCOUNTS[0].0) else {
        return false;
    };
    let Ok(mut conn) = pool::get(&state.pool).await else {
        return false;
    };
    matches!(
        users::find_credentials(&mut conn, &email).await,
        Ok(Some(_))
    )
}

/// The demo logins, without touching the database.
pub fn logins() -> Vec<Login> {
    ACCOUNTS
        .iter()
        .map(|(email, _, _, role)| Login { email, role })
        .collect()
}

pub fn print_logins(logins: &[Login]) {
    println!("Demo logins (password: {DEMO_PASSWORD}):");
    for login in logins {
        println!("  {:<32} {}", login.email, login.role);
    }
}
