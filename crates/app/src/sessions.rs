//! Sessions and single-use tokens: a refresh token opens a session, an invitation
//! token a mandate. A token is random and shown once; only its hash is stored.

use agir_domain::ids::{SessionId, UserId};
use agir_persistence::{AsyncConnection, AsyncPgConnection, sessions};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::{AppError, Result};

/// A new single-use token (refresh or invitation) and the hash it is stored under.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // Without an entropy source no token is safe: refuse rather than degrade.
        panic!("the operating system's random number generator failed");
    }
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The hash a token is stored and looked up under.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session for `user` with its first refresh token, valid until `expires_at`:
/// the session and the token, to be shown once.
pub async fn open(
    conn: &mut AsyncPgConnection,
    user: UserId,
    expires_at: DateTime<Utc>,
) -> Result<(SessionId, String)> {
    let (token, hash) = new_token();
    let session = conn
        .transaction::<_, AppError, _>(async |conn| {
            Ok(sessions::create(conn, user, &hash, expires_at).await?)
        })
        .await?;
    Ok((session, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_stored_under_its_hash_and_never_repeats() {
        let (token, hash) = new_token();
        assert_eq!(hash_token(&token), hash);
        assert_eq!(token.len(), 43);
        assert_ne!(new_token().0, token);
    }
}
