//! Login sessions and their rotating refresh tokens.
//!
//! A session is one family of refresh tokens. Using a refresh token marks it used
//! and issues the next one of the family; presenting a used token again means it
//! was stolen or replayed, and revokes the whole family.

use agir_domain::ids::{SessionId, UserId};
use agir_domain::user::User;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::Result;
use crate::schema::{refresh_tokens, sessions, users};

/// Why a session ended, as stored.
pub mod reason {
    pub const LOGOUT: &str = "logout";
    pub const REUSE: &str = "refresh_token_reuse";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const DISABLED: &str = "user_disabled";
}

/// Opens a session with its first refresh token (stored as a hash).
pub async fn create(
    conn: &mut AsyncPgConnection,
    user: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<SessionId> {
    let session = SessionId::new();
    diesel::insert_into(sessions::table)
        .values((sessions::id.eq(session.0), sessions::user_id.eq(user.0)))
        .execute(conn)
        .await?;
    insert_token(conn, session, token_hash, expires_at).await?;
    Ok(session)
}

async fn insert_token(
    conn: &mut AsyncPgConnection,
    session: SessionId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session.0),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was valid: it is now used and the new one belongs to the same session.
    Rotated { user: UserId, session: SessionId },
    /// The token had already been used: the whole session is now revoked.
    Reused { session: SessionId },
    /// Unknown, expired, or of a revoked session or a disabled user.
    Invalid,
}

/// Uses a refresh token and stores its successor. Call inside a transaction: on
/// `Reused` the revocation must be committed, so the caller commits and answers 401.
pub async fn rotate(
    conn: &mut AsyncPgConnection,
    presented_hash: &str,
    next_hash: &str,
    next_expires_at: DateTime<Utc>,
) -> Result<Rotation> {
    let now = Utc::now();
    let found: Option<PresentedToken> = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(presented_hash))
        .select((
            SessionRow::as_select(),
            refresh_tokens::used_at,
            refresh_tokens::expires_at,
            users::disabled,
        ))
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    let Some((session, used_at, expires_at, disabled)) = found else {
        return Ok(Rotation::Invalid);
    };
    let session_id = SessionId(session.id);
    if session.revoked_at.is_some() || disabled || expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    if used_at.is_some() {
        revoke(conn, session_id, reason::REUSE).await?;
        return Ok(Rotation::Reused {
            session: session_id,
        });
    }
    diesel::update(refresh_tokens::table.find(presented_hash))
        .set(refresh_tokens::used_at.eq(now))
        .execute(conn)
        .await?;
    insert_token(conn, session_id, next_hash, next_expires_at).await?;
    Ok(Rotation::Rotated {
        user: UserId(session.user_id),
        session: session_id,
    })
}

/// A presented refresh token: its session, when it was used, when it expires, and
/// whether its user is disabled.
type PresentedToken = (SessionRow, Option<DateTime<Utc>>, DateTime<Utc>, bool);

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
struct SessionRow {
    id: uuid::Uuid,
    user_id: uuid::Uuid,
    revoked_at: Option<DateTime<Utc>>,
}

/// Revokes a session; its refresh tokens and access tokens stop working at once.
pub async fn revoke(conn: &mut AsyncPgConnection, session: SessionId, why: &str) -> Result<bool> {
    let updated = diesel::update(
        sessions::table
            .find(session.0)
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(Utc::now()),
        sessions::revoked_reason.eq(why),
    ))
    .execute(conn)
    .await?;
    Ok(updated > 0)
}

/// The session a refresh token belongs to, if the token exists.
pub async fn session_of_token(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> Result<Option<(SessionId, UserId)>> {
    let row: Option<(uuid::Uuid, uuid::Uuid)> = refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select((sessions::id, sessions::user_id))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(s, u)| (SessionId(s), UserId(u))))
}

/// Revokes every open session of a user but `keep`; returns how many ended.
pub async fn revoke_all_for_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keep: Option<SessionId>,
    why: &str,
) -> Result<usize> {
    let keep = keep.map(|s| s.0).unwrap_or_default();
    Ok(diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user.0))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set((
        sessions::revoked_at.eq(Utc::now()),
        sessions::revoked_reason.eq(why),
    ))
    .execute(conn)
    .await?)
}

/// The user behind an access token, if the account is enabled and the session open.
/// One indexed query per authenticated request: disabling a user or ending a
/// session takes effect at once, without waiting for tokens to expire.
pub async fn authenticate(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session: SessionId,
) -> Result<Option<User>> {
    // One statement: this runs on every authenticated request.
    let row: Option<crate::users::UserRow> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session.0))
        .filter(sessions::user_id.eq(user.0))
        .filter(sessions::revoked_at.is_null())
        .filter(users::disabled.eq(false))
        .select(crate::users::UserRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}
