//! Invitations: a single-use token that turns into a mandate when accepted.

use agir_domain::DomainError;
use agir_domain::alliance::check_writable;
use agir_domain::ids::{AllianceId, InvitationId, MandateId, PartnerId, UserId};
use agir_domain::journal::Event;
use agir_domain::mandate::{Period, Role};
use agir_domain::policy::{self, Denied};
use agir_domain::succession;
use agir_domain::user::{DisplayName, Email, User};
use agir_persistence::invitations::{self, Invitation, InvitationState, NewInvitation};
use agir_persistence::journal::{self, Actor};
use agir_persistence::mandates::{self, MandateRecord, NewMandate};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::users::NewUser;
use agir_persistence::{AsyncConnection, AsyncPgConnection, cities, users};
use chrono::{DateTime, Duration, Utc};

use crate::Scope;
use crate::error::{AppError, Result, found};
use crate::partners::check_usable;
use crate::sessions::{hash_token, new_token};

/// A new invitation and its token, to be shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    pub invitation: Invitation,
    pub token: String,
}

/// When an invitation valid `days` (1 to 60, default 14) from now expires; 422 on
/// `expires_in_days` otherwise.
pub fn expires_at(days: Option<i64>) -> Result<DateTime<Utc>, DomainError> {
    let days = days.unwrap_or(14);
    if !(1..=60).contains(&days) {
        return Err(DomainError::invalid(
            "expires_in_days",
            "out_of_range",
            "must be between 1 and 60",
        ));
    }
    Ok(Utc::now() + Duration::days(days))
}

/// 409 unless the invitation can still be accepted.
fn refuse_unusable(invitation: &Invitation) -> Result<()> {
    match invitation.state(Utc::now()) {
        InvitationState::Pending => Ok(()),
        InvitationState::Accepted => Err(used()),
        InvitationState::Revoked => Err(AppError::conflict(
            "invitation_revoked",
            "this invitation was revoked",
        )),
        InvitationState::Expired => Err(AppError::conflict(
            "invitation_expired",
            "this invitation has expired",
        )),
    }
}

fn used() -> AppError {
    AppError::conflict("invitation_used", "this invitation was already accepted")
}

/// Accepting a successor's invitation keeps the designation's rules: the
/// predecessor's holder cannot take over their own mandate (409 `own_successor`:
/// an invitation to their own address is refused when designated, this covers an
/// address changed since), and a mandate has one successor (409 `successor_exists`).
/// `predecessor` is locked: two successors accepting at once queue on it, and the
/// second sees the first.
async fn check_successor(
    conn: &mut AsyncPgConnection,
    predecessor: &MandateRecord,
    accepting: UserId,
) -> Result<()> {
    if predecessor.mandate.user == accepting {
        return Err(AppError::conflict(
            "own_successor",
            "you hold the mandate this invitation takes over: a holder cannot be their own successor",
        ));
    }
    let accepted = mandates::successors_of(conn, &[predecessor.mandate.id]).await?;
    succession::no_accepted_successor(!accepted.is_empty())?;
    Ok(())
}

/// The alliance's invitations (the coordinator). `page` is refused only after the
/// policy.
pub async fn list<E: From<AppError>>(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    page: Result<PageRequest<TimeKey>, E>,
) -> Result<Page<Invitation>, E> {
    policy::manage_alliance(&scope.caller).map_err(AppError::from)?;
    let page = page?;
    Ok(invitations::list(conn, scope.id(), &page)
        .await
        .map_err(AppError::from)?)
}

/// An invitation to send.
#[derive(Debug, Clone)]
pub struct NewInvitationInput {
    pub email: Email,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub handover_notes: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Invites someone to take a mandate (the coordinator). `input` is refused only
/// after the policy.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    input: Result<NewInvitationInput, DomainError>,
) -> Result<Issued> {
    policy::manage_alliance(&scope.caller)?;
    let input = input?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        check_usable(conn, alliance, input.partner, "partner_id").await?;
        let (partner, role, starts_on) = (input.partner, input.role, input.period.starts_on);
        let issued = insert(conn, alliance, actor, input, None).await?;
        let event = Event::InvitationCreated {
            invitation: issued.invitation.id,
            partner,
            role,
            starts_on,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(issued)
    })
    .await
}

/// Stores an invitation (a successor's when `successor_of`) with a new token.
pub(crate) async fn insert(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    actor: Actor,
    input: NewInvitationInput,
    successor_of: Option<MandateId>,
) -> Result<Issued> {
    let (token, token_hash) = new_token();
    let new = NewInvitation {
        id: InvitationId::new(),
        alliance,
        email: input.email,
        partner: input.partner,
        role: input.role,
        period: input.period,
        successor_of,
        handover_notes: input.handover_notes,
        token_hash,
        expires_at: input.expires_at,
        created_by: actor.user,
    };
    let invitation = invitations::insert(conn, new).await?;
    Ok(Issued { invitation, token })
}

/// Revokes an invitation (the coordinator): 409 once accepted, nothing more once
/// revoked.
pub async fn revoke(conn: &mut AsyncPgConnection, scope: &Scope, id: InvitationId) -> Result<()> {
    policy::manage_alliance(&scope.caller)?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let invitation = found(invitations::find(conn, alliance, id).await?, "invitation")?;
        match invitation.state(Utc::now()) {
            InvitationState::Accepted => return Err(used()),
            InvitationState::Revoked => return Ok(()),
            InvitationState::Pending | InvitationState::Expired => {}
        }
        invitations::revoke(conn, id).await?;
        let event = Event::InvitationRevoked {
            invitation: invitation.id,
            partner: invitation.partner,
            role: invitation.role,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(())
    })
    .await
}

/// An invitation that can still be accepted, found by its token.
#[derive(Debug, Clone)]
pub struct Pending {
    token_hash: String,
    /// The mandate it takes over, for a successor.
    predecessor: Option<(AllianceId, MandateId)>,
}

/// The invitation of `token`, if it can still be accepted (404, else 409): the first
/// step of accepting, before a new account's password is hashed.
pub async fn pending(conn: &mut AsyncPgConnection, token: &str) -> Result<Pending> {
    let token_hash = hash_token(token.trim());
    let invitation = found(
        invitations::find_by_token(conn, &token_hash).await?,
        "invitation",
    )?;
    refuse_unusable(&invitation)?;
    Ok(Pending {
        token_hash,
        // Never changes: read here so that accepting locks the predecessor before
        // the invitation, in the order a designation takes them.
        predecessor: invitation.successor_of.map(|of| (invitation.alliance, of)),
    })
}

/// Who accepts an invitation.
#[derive(Debug, Clone)]
pub enum Accepting {
    /// A person with an account, calling with their bearer token.
    Account(User),
    /// A new person: their name and their password, already hashed.
    NewAccount {
        display_name: DisplayName,
        password_hash: String,
    },
}

/// What accepting created.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub mandate: MandateRecord,
    pub user: User,
    /// Whether the account is new (it then gets a session).
    pub created_account: bool,
}

/// Accepts an invitation: creates the account of a new person, then the mandate (for
/// a successor, linked to its predecessor), and marks the invitation used.
pub async fn accept(
    conn: &mut AsyncPgConnection,
    pending: Pending,
    accepting: Accepting,
) -> Result<Accepted> {
    let Pending {
        token_hash,
        predecessor,
    } = pending;
    conn.transaction::<_, AppError, _>(async |conn| {
        let predecessor = match predecessor {
            // Removed since (its invitations went with it).
            Some((alliance, of)) => Some(found(
                mandates::lock(conn, alliance, of).await?,
                "invitation",
            )?),
            None => None,
        };
        let invitation = found(
            invitations::lock_by_token(conn, &token_hash).await?,
            "invitation",
        )?;
        refuse_unusable(&invitation)?;
        let (user, created_account) = match accepting {
            Accepting::Account(user) => {
                if user.email != invitation.email {
                    return Err(AppError::Denied(Denied::Forbidden(
                        "this invitation was sent to another email address",
                    )));
                }
                (user, false)
            }
            Accepting::NewAccount {
                display_name,
                password_hash,
            } => {
                let email = &invitation.email;
                if users::find_credentials(conn, email).await?.is_some() {
                    return Err(AppError::conflict(
                        "account_exists",
                        "an account with this email exists: log in and accept with your bearer token",
                    ));
                }
                let user = users::insert(
                    conn,
                    NewUser {
                        id: UserId::new().0,
                        email: email.as_str(),
                        display_name: display_name.as_str(),
                        password_hash: &password_hash,
                        is_admin: false,
                    },
                )
                .await?;
                let event = Event::UserCreatedByInvitation { user: user.id };
                journal::append(conn, None, Actor::user(user.id), &event).await?;
                (user, true)
            }
        };
        let alliance = found(
            cities::find_alliance(conn, invitation.alliance).await?,
            "invitation",
        )?;
        check_writable(alliance.status, false)?;
        if let Some(predecessor) = &predecessor {
            check_successor(conn, predecessor, user.id).await?;
        }
        check_usable(conn, invitation.alliance, invitation.partner, "partner_id").await?;
        let record = mandates::insert(
            conn,
            NewMandate {
                id: MandateId::new(),
                alliance: invitation.alliance,
                user: user.id,
                partner: invitation.partner,
                role: invitation.role,
                period: invitation.period,
                successor_of: invitation.successor_of,
                handover_notes: None,
            },
        )
        .await?;
        invitations::mark_accepted(conn, invitation.id, user.id, record.mandate.id).await?;
        let event = Event::InvitationAccepted {
            invitation: invitation.id,
            mandate: record.mandate.clone(),
        };
        journal::append(conn, Some(invitation.alliance), Actor::user(user.id), &event).await?;
        Ok(Accepted {
            mandate: record,
            user,
            created_account,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_lives_one_to_sixty_days() {
        let two_weeks = expires_at(None).map(|at| at - Utc::now());
        assert!(two_weeks.is_ok_and(|d| d > Duration::days(13) && d <= Duration::days(14)));
        assert!(expires_at(Some(1)).is_ok());
        assert!(expires_at(Some(60)).is_ok());
        assert!(expires_at(Some(0)).is_err());
        assert!(expires_at(Some(61)).is_err());
    }
}
