//! Accounts: managed by platform admins; each person reads and changes their own.
//! Passwords arrive here hashed: hashing (and its bounded queue) is the caller's.

use agir_domain::ids::{SessionId, UserId};
use agir_domain::journal::Event;
use agir_domain::policy::{self, Denied, Principal};
use agir_domain::user::{DisplayName, Email, User};
use agir_persistence::journal::{self, Actor};
use agir_persistence::mandates::{self, MandateRecord};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::sessions::Rotation;
use agir_persistence::users::{NewUser, UserChanges};
use agir_persistence::{AsyncConnection, AsyncPgConnection, sessions, users};
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{AppError, Result, found};
use crate::expect::{Expected, locked};

/// A page of accounts, oldest first (platform admins).
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    page: &PageRequest<TimeKey>,
) -> Result<Page<User>> {
    policy::manage_users(principal)?;
    Ok(users::list(conn, page).await?)
}

/// An account (platform admins; 404 if there is none).
pub async fn get(conn: &mut AsyncPgConnection, principal: &Principal, id: UserId) -> Result<User> {
    policy::manage_users(principal)?;
    found(users::find(conn, id).await?, "user")
}

/// Creates an account and journals it, in one transaction. Asks no policy: shared by
/// the admin endpoint ([`create`]), the bootstrap admin, the command line and the demo.
pub async fn create_account(
    conn: &mut AsyncPgConnection,
    actor: Actor,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    is_admin: bool,
) -> Result<User> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let user = users::insert(
            conn,
            NewUser {
                id: UserId::new().0,
                email: email.as_str(),
                display_name: name.as_str(),
                password_hash,
                is_admin,
            },
        )
        .await?;
        // Ids, not emails: the journal is append-only and personal data must stay erasable.
        journal::append(
            conn,
            None,
            actor,
            &Event::UserCreated {
                user: user.id,
                is_admin: user.is_admin,
            },
        )
        .await?;
        Ok(user)
    })
    .await
}

/// Creates an account (platform admins).
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    is_admin: bool,
) -> Result<User> {
    policy::manage_users(principal)?;
    let actor = Actor::user(principal.user);
    create_account(conn, actor, email, name, password_hash, is_admin).await
}

/// Changes an account (platform admins): its name, admin status, or disables it, which
/// ends all its sessions. An admin cannot disable or demote their own account. Only
/// the name, `is_admin` and `disabled` of `changes` count; no change writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    target: UserId,
    changes: UserChanges,
    expected: &(impl Expected<User> + Sync),
) -> Result<User> {
    policy::manage_users(principal)?;
    policy::change_own_admin_status(
        principal,
        target,
        changes.disabled == Some(true),
        changes.is_admin == Some(false),
    )?;
    let changes = UserChanges {
        password_hash: None,
        ..changes
    };
    let actor = Actor::user(principal.user);
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = locked(
            users::find_for_update(conn, target).await?,
            "user",
            expected,
        )?;
        if changes.is_empty() {
            // Nothing to change: nothing written, nothing journaled.
            return Ok(current);
        }
        let updated = users::update(conn, target, changes).await?;
        if updated.disabled && !current.disabled {
            sessions::revoke_all_for_user(conn, target, None, sessions::reason::DISABLED).await?;
        }
        let (user, is_admin, disabled) = (target, updated.is_admin, updated.disabled);
        let event = match (current.disabled, disabled) {
            (false, true) => Event::UserDisabled {
                user,
                is_admin,
                disabled,
            },
            (true, false) => Event::UserEnabled {
                user,
                is_admin,
                disabled,
            },
            _ => Event::UserUpdated {
                user,
                is_admin,
                disabled,
            },
        };
        journal::append(conn, None, actor, &event).await?;
        Ok(updated)
    })
    .await
}

/// The caller's own account, with their mandates current on `today` in every alliance.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: User,
    pub mandates: Vec<MandateRecord>,
    pub today: NaiveDate,
}

/// The caller's account as [`Me`].
pub async fn me(conn: &mut AsyncPgConnection, user: User) -> Result<Me> {
    let today = Utc::now().date_naive();
    let mandates = mandates::current_of_user_everywhere(conn, user.id, today).await?;
    Ok(Me {
        user,
        mandates,
        today,
    })
}

/// Changes the caller's display name (`None`: nothing written, nothing journaled).
/// 401 when the account is gone.
pub async fn update_me(
    conn: &mut AsyncPgConnection,
    me_id: UserId,
    display_name: Option<DisplayName>,
    expected: &(impl Expected<Me> + Sync),
) -> Result<Me> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = users::find_for_update(conn, me_id)
            .await?
            .ok_or(AppError::Denied(Denied::Anonymous))?;
        let current = me(conn, current).await?;
        expected.check(&current)?;
        let Some(display_name) = display_name else {
            return Ok(current);
        };
        let user = users::update(
            conn,
            me_id,
            UserChanges {
                display_name: Some(display_name),
                ..UserChanges::default()
            },
        )
        .await?;
        journal::append(
            conn,
            None,
            Actor::user(me_id),
            &Event::DisplayNameChanged { user: me_id },
        )
        .await?;
        Ok(Me { user, ..current })
    })
    .await
}

/// The account's password hash, to check a password against (`None`: no such account).
pub async fn password_hash(conn: &mut AsyncPgConnection, user: UserId) -> Result<Option<String>> {
    Ok(users::password_hash(conn, user).await?)
}

/// Sets the caller's new password (already hashed) and ends every other session of the
/// account (`keep` stays open); returns how many ended.
pub async fn change_password(
    conn: &mut AsyncPgConnection,
    me_id: UserId,
    keep: SessionId,
    password_hash: String,
) -> Result<usize> {
    conn.transaction::<_, AppError, _>(async |conn| {
        users::update(
            conn,
            me_id,
            UserChanges {
                password_hash: Some(password_hash),
                ..UserChanges::default()
            },
        )
        .await?;
        let ended = sessions::revoke_all_for_user(
            conn,
            me_id,
            Some(keep),
            sessions::reason::PASSWORD_CHANGED,
        )
        .await?;
        journal::append(
            conn,
            None,
            Actor::user(me_id),
            &Event::PasswordChanged {
                user: me_id,
                sessions_ended: ended,
            },
        )
        .await?;
        Ok(ended)
    })
    .await
}

/// The account of `email` and its password hash, for a login (`None`: no such account).
pub async fn credentials(
    conn: &mut AsyncPgConnection,
    email: &Email,
) -> Result<Option<(User, String)>> {
    Ok(users::find_credentials(conn, email).await?)
}

/// Uses a refresh token (by its hash) and stores its successor, in one transaction: a
/// reused token revokes its whole session, and that revocation is committed.
pub async fn rotate_refresh_token(
    conn: &mut AsyncPgConnection,
    presented_hash: &str,
    next_hash: &str,
    next_expires_at: DateTime<Utc>,
) -> Result<Rotation> {
    conn.transaction::<_, AppError, _>(async |conn| {
        Ok(sessions::rotate(conn, presented_hash, next_hash, next_expires_at).await?)
    })
    .await
}

/// Logs out: revokes the session of a refresh token (by its hash), if there is one.
pub async fn log_out(conn: &mut AsyncPgConnection, token_hash: &str) -> Result<()> {
    if let Some((session, _)) = sessions::session_of_token(conn, token_hash).await? {
        sessions::revoke(conn, session, sessions::reason::LOGOUT).await?;
    }
    Ok(())
}
