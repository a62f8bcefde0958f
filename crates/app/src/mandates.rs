//! Mandates (the members list), their handover notes and successor designation.

use agir_domain::alliance::limits;
use agir_domain::error::{DomainError, bounded_text};
use agir_domain::ids::{MandateId, PartnerId, UserId};
use agir_domain::journal::Event;
use agir_domain::mandate::{Period, Role, successor_period};
use agir_domain::user::Email;
use agir_domain::{policy, succession};
use agir_persistence::invitations as stored_invitations;
use agir_persistence::journal;
use agir_persistence::mandates::{self, MandateChanges, MandateFilter, MandateRecord, NewMandate};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::{AsyncConnection, AsyncPgConnection, users};
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{AppError, Result, found};
use crate::invitations::{self, Issued, NewInvitationInput};
use crate::partners::check_usable;
use crate::{Expected, Scope};

/// Handover notes as given: blank is none, else at most
/// [`limits::HANDOVER_NOTES`] characters (422 on `field`).
pub fn notes(field: &str, raw: Option<&str>) -> Result<Option<String>, DomainError> {
    match raw {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => bounded_text(field, text, limits::HANDOVER_NOTES).map(Some),
    }
}

/// Whether the caller may read a mandate's handover notes: its holder, the
/// coordinator, admins, and whoever accepted to succeed it.
pub async fn may_read_notes(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    record: &MandateRecord,
) -> Result<bool> {
    if policy::read_handover_notes(&scope.caller, record.mandate.user, None) {
        return Ok(true);
    }
    let Some(me) = scope.caller.user() else {
        return Ok(false);
    };
    let successors = mandates::successors_of(conn, &[record.mandate.id]).await?;
    Ok(successors.iter().any(|s| s.mandate.user == me))
}

/// The record as the caller may see it: without its notes unless `show`.
fn shown(mut record: MandateRecord, show: bool) -> MandateRecord {
    if !show {
        record.handover_notes = None;
    }
    record
}

/// The members list (members of the alliance and admins). `query` is the parsed
/// filter and page, refused only after the policy; notes are shown to those who may
/// read them (a successor reads them on the mandate itself).
pub async fn list<E: From<AppError>>(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    query: Result<(MandateFilter, PageRequest<TimeKey>), E>,
) -> Result<Page<MandateRecord>, E> {
    policy::read_private(&scope.caller).map_err(AppError::from)?;
    let (filter, page) = query?;
    let found = mandates::list(conn, scope.id(), &filter, &page)
        .await
        .map_err(AppError::from)?;
    let me = scope.caller.user();
    let items = found
        .items
        .into_iter()
        .map(|record| {
            let show = policy::read_handover_notes(&scope.caller, record.mandate.user, None)
                || me.is_some() && me == Some(record.mandate.user);
            shown(record, show)
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: found.next_cursor,
    })
}

/// A mandate, with its notes for those who may read them. A successor reads their
/// predecessor's mandate and notes, even before their own mandate starts; anyone
/// else must be a member (checked before saying whether the id exists, so that ids
/// leak nothing).
pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: MandateId,
) -> Result<MandateRecord> {
    let record = mandates::find(conn, scope.id(), id).await?;
    let show = match &record {
        Some(record) => may_read_notes(conn, scope, record).await?,
        None => false,
    };
    if !show {
        policy::read_private(&scope.caller)?;
    }
    Ok(shown(found(record, "mandate")?, show))
}

/// A mandate to give an existing account.
#[derive(Debug, Clone)]
pub struct NewMandateInput {
    pub user: UserId,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub handover_notes: Option<String>,
}

/// Gives an existing account a mandate (the coordinator). `input` is refused only
/// after the policy.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    input: Result<NewMandateInput, DomainError>,
) -> Result<MandateRecord> {
    policy::manage_alliance(&scope.caller)?;
    let input = input?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        check_usable(conn, alliance, input.partner, "partner_id").await?;
        if users::find(conn, input.user).await?.is_none() {
            return Err(AppError::field("user_id", "not_found", "no such account"));
        }
        let record = mandates::insert(
            conn,
            NewMandate {
                id: MandateId::new(),
                alliance,
                user: input.user,
                partner: input.partner,
                role: input.role,
                period: input.period,
                successor_of: None,
                handover_notes: input.handover_notes,
            },
        )
        .await?;
        let event = Event::MandateCreated {
            mandate: record.mandate.clone(),
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(record)
    })
    .await
}

/// Changes a mandate: the coordinator, or its holder for its handover notes only.
/// `changes` is refused only after the members' policy; the mandate's own rule is
/// asked once it is locked, before the caller's expectation.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: MandateId,
    changes: Result<MandateChanges, DomainError>,
    expected: &(impl Expected<MandateRecord> + Sync),
) -> Result<MandateRecord> {
    policy::read_private(&scope.caller)?;
    let changes = changes?;
    let only_notes =
        changes.role.is_none() && changes.starts_on.is_none() && changes.ends_on.is_none();
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = found(mandates::lock(conn, alliance, id).await?, "mandate")?;
        policy::edit_mandate(&scope.caller, current.mandate.user, only_notes)?;
        expected.check(&current)?;
        if only_notes && changes.handover_notes.is_none() {
            return Ok(current);
        }
        let starts_on = changes
            .starts_on
            .unwrap_or(current.mandate.period.starts_on);
        let ends_on = changes.ends_on.unwrap_or(current.mandate.period.ends_on);
        Period::new(starts_on, ends_on)?;
        let record = mandates::update(conn, alliance, id, changes).await?;
        let event = Event::MandateUpdated {
            mandate: record.mandate.clone(),
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(record)
    })
    .await
}

/// Removes a mandate (the coordinator). Mandates that succeeded it keep their dates.
pub async fn delete(conn: &mut AsyncPgConnection, scope: &Scope, id: MandateId) -> Result<()> {
    policy::manage_alliance(&scope.caller)?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let record = found(mandates::lock(conn, alliance, id).await?, "mandate")?;
        mandates::delete(conn, id).await?;
        let event = Event::MandateDeleted {
            mandate: record.mandate,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(())
    })
    .await
}

/// A successor to designate.
#[derive(Debug, Clone)]
pub struct SuccessorInput {
    pub email: Email,
    /// Notes for the successor, kept on the mandate.
    pub handover_notes: Option<String>,
    /// The end of the successor's mandate (default: the end of its academic year).
    pub ends_on: Option<NaiveDate>,
    /// When the invitation expires.
    pub expires_at: DateTime<Utc>,
}

/// Designates a successor to a mandate: an invitation for the same partner and role,
/// starting the day after the mandate ends, replacing a pending designation (whose
/// revocation is journaled). `input` is refused only after the members' policy; the
/// designation's own rule is asked once the mandate is locked.
pub async fn designate_successor(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: MandateId,
    input: Result<SuccessorInput, DomainError>,
) -> Result<Issued> {
    policy::read_private(&scope.caller)?;
    let input = input?;
    let (alliance, actor, today) = (scope.id(), scope.actor(), scope.today);
    conn.transaction::<_, AppError, _>(async |conn| {
        let predecessor = found(mandates::lock(conn, alliance, id).await?, "mandate")?;
        let mandate = &predecessor.mandate;
        policy::designate_successor(&scope.caller, mandate.user, mandate.partner, mandate.role)?;
        let period = successor_period(&mandate.period, today, input.ends_on)?;
        let holder = users::find(conn, mandate.user)
            .await?
            .ok_or_else(|| AppError::Internal("a mandate's holder is missing".into()))?;
        succession::not_the_holder(holder.email.as_str(), input.email.as_str())?;
        let accepted = mandates::successors_of(conn, &[id]).await?;
        succession::no_accepted_successor(!accepted.is_empty())?;
        check_usable(conn, alliance, mandate.partner, "partner_id").await?;
        // One successor per mandate: a pending designation is replaced, and its
        // revocation journaled like any other.
        for revoked in stored_invitations::revoke_pending_successors(conn, id).await? {
            let event = Event::InvitationRevoked {
                invitation: revoked.id,
                partner: revoked.partner,
                role: revoked.role,
            };
            journal::append(conn, Some(alliance), actor, &event).await?;
        }
        if input.handover_notes.is_some() {
            let changes = MandateChanges {
                handover_notes: Some(input.handover_notes.clone()),
                ..MandateChanges::default()
            };
            mandates::update(conn, alliance, id, changes).await?;
        }
        let input = NewInvitationInput {
            email: input.email,
            partner: mandate.partner,
            role: mandate.role,
            period,
            handover_notes: input.handover_notes,
            expires_at: input.expires_at,
        };
        let issued = invitations::insert(conn, alliance, actor, input, Some(id)).await?;
        let invitation = &issued.invitation;
        let event = Event::SuccessorDesignated {
            invitation: invitation.id,
            predecessor: id,
            partner: invitation.partner,
            role: invitation.role,
            starts_on: invitation.period.starts_on,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(issued)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_notes_are_none_and_long_ones_refused() {
        assert_eq!(notes("n", None), Ok(None));
        assert_eq!(notes("n", Some("  ")), Ok(None));
        assert_eq!(notes("n", Some("Clés")), Ok(Some("Clés".to_owned())));
        let long = "x".repeat(limits::HANDOVER_NOTES + 1);
        assert!(notes("n", Some(&long)).is_err());
    }
}
