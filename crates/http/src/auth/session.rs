//! Opening a session and the token pairs it hands out: used by login, refresh and an
//! invitation accepted by a new account.

use agir_domain::ids::{SessionId, UserId};
use agir_persistence::pool;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::state::AppState;

/// A pair of tokens: send `access_token` as `Authorization: Bearer …`; trade
/// `refresh_token` at `/auth/refresh` for a new pair before it expires.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
    "refresh_token": "3q2-7wAAAAB1c2VyLXNlc3Npb24tcmVmcmVzaC10b2tlbg",
    "token_type": "Bearer",
    "expires_in": 900
}))]
pub struct TokenPair {
    /// A JWT, valid `expires_in` seconds.
    pub access_token: String,
    /// Single use, valid 30 days; each use returns a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
}

/// Opens a session and returns its first token pair.
pub async fn open_session(state: &AppState, user: UserId) -> Result<TokenPair, ApiError> {
    let expires_at = Utc::now() + state.config.refresh_token_ttl;
    let mut conn = pool::get(&state.pool).await?;
    let (session, refresh_token) = agir_app::sessions::open(&mut conn, user, expires_at).await?;
    pair(state, user, session, refresh_token)
}

/// The pair of a session: a new access token and the session's current refresh token.
pub fn pair(
    state: &AppState,
    user: UserId,
    session: SessionId,
    refresh_token: String,
) -> Result<TokenPair, ApiError> {
    let access_token = state
        .tokens
        .issue(user, session)
        .map_err(|e| ApiError::Internal(format!("token signing failed: {e}")))?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl_secs(),
    })
}
