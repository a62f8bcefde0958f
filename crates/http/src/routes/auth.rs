//! Logging in, refreshing and logging out.

use actix_web::{HttpRequest, HttpResponse, post, web};
use agir_app::users;
use agir_domain::user::Email;
use agir_persistence::pool;
use agir_persistence::sessions::Rotation;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::session::{TokenPair, open_session, pair};
use crate::auth::token::{hash_refresh_token, new_refresh_token};
use crate::problem::{ApiError, Forbidden, HashingBusy, TooManyRequests, Unauthorized};
use crate::state::AppState;

/// Credentials.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "coordination@sceaux.fr", "password": "correct horse battery"}))]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 254, format = "email")]
    pub email: String,
    #[schema(min_length = 1, max_length = 128, format = "password")]
    pub password: String,
}

/// A refresh token to trade or to revoke.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "3q2-7wAAAAB1c2VyLXNlc3Npb24tcmVmcmVzaC10b2tlbg"}))]
pub struct RefreshRequest {
    #[schema(min_length = 1, max_length = 256)]
    pub refresh_token: String,
}

impl RefreshRequest {
    /// The presented token, trimmed; 422 when empty or longer than documented.
    fn token(&self) -> Result<&str, ApiError> {
        let token = self.refresh_token.trim();
        if token.is_empty() || token.chars().count() > 256 {
            return Err(ApiError::field(
                "refresh_token",
                "invalid_length",
                "must be 1 to 256 characters",
            ));
        }
        Ok(token)
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_credentials",
        detail: "the email or the password is wrong".into(),
    }
}

fn invalid_refresh_token() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_refresh_token",
        detail: "the refresh token is invalid, expired, used or revoked".into(),
    }
}

/// Log in with email and password.
///
/// An unknown email and a wrong password answer the same (`invalid_credentials`) and
/// take about the same time. Attempts are limited per account and per client address
/// (429 with `Retry-After`).
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "Logged in", body = TokenPair),
        (status = 401, response = Unauthorized),
        (status = 429, response = TooManyRequests),
        (status = 503, response = HashingBusy),
    ),
    security(())
)]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    if email.trim().is_empty() || email.chars().count() > Email::MAX_LEN {
        return Err(ApiError::field(
            "email",
            "invalid_length",
            "must be 1 to 254 characters",
        ));
    }
    if password.is_empty() || password.chars().count() > 1024 {
        return Err(ApiError::field(
            "password",
            "invalid_length",
            "must be 1 to 1024 characters",
        ));
    }
    let account_key = email.trim().to_lowercase();
    state.login_limiter.check(
        &account_key,
        crate::client_ip::client_ip(&req, &state.config.trusted_proxies),
    )?;

    let found = match Email::parse("email", &email) {
        Ok(email) => {
            let mut conn = pool::get(&state.pool).await?;
            users::credentials(&mut conn, &email).await?
        }
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let matches = state.passwords.verify(password, hash).await?;
    let user = match user {
        Some(user) if matches => user,
        _ => {
            tracing::info!("login refused");
            return Err(invalid_credentials());
        }
    };
    if user.disabled {
        return Err(ApiError::forbidden("this account is disabled"));
    }
    tracing::info!(user.id = %user.id, "login");
    Ok(web::Json(open_session(&state, user.id).await?))
}

/// Trade a refresh token for a new pair.
///
/// Each refresh token works once. Presenting one that was already used revokes
/// its whole session (every token issued from the same login): a stolen token
/// stops working for the thief and for the owner, who logs in again.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, response = Unauthorized),
    ),
    security(())
)]
#[post("/refresh")]
pub async fn refresh_tokens(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let presented = hash_refresh_token(body.token()?);
    let (next_token, next_hash) = new_refresh_token();
    let expires_at = Utc::now() + state.config.refresh_token_ttl;
    let mut conn = pool::get(&state.pool).await?;
    let rotation =
        users::rotate_refresh_token(&mut conn, &presented, &next_hash, expires_at).await?;
    match rotation {
        Rotation::Rotated { user, session } => {
            Ok(web::Json(pair(&state, user, session, next_token)?))
        }
        Rotation::Reused { session } => {
            tracing::warn!(session.id = %session, "refresh token reused: session revoked");
            Err(invalid_refresh_token())
        }
        Rotation::Invalid => Err(invalid_refresh_token()),
    }
}

/// Log out: revoke the session of a refresh token.
///
/// The refresh token and every access token of the session stop working at once.
/// Answers 204 even for an unknown token, so it can be retried safely.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The session is closed"),
    ),
    security(())
)]
#[post("/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let hash = hash_refresh_token(body.token()?);
    let mut conn = pool::get(&state.pool).await?;
    users::log_out(&mut conn, &hash).await?;
    Ok(HttpResponse::NoContent().finish())
}
