//! Events of an alliance: meetings, the June handover, celebrations, public actions...
//! Public, but their links to actions of plans not yet adopted are not.

use agir_domain::ids::{ActionId, AllianceId, EventId, PartnerId};
use agir_domain::journal::Event as JournalEvent;
use agir_domain::policy;
use agir_persistence::events::{self, Event, EventChanges, EventFilter, NewEvent};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::{AsyncConnection, AsyncPgConnection, journal, plans};
use chrono::{DateTime, Utc};

use crate::Scope;
use crate::error::{AppError, Result, found};
use crate::expect::{Expected, locked};
use crate::partners::check_usable;

/// Events in chronological order (public).
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    filter: &EventFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Event>> {
    let mut found = events::list(conn, scope.id(), filter, page).await?;
    hide_private_actions(conn, scope, &mut found.items).await?;
    Ok(found)
}

/// An event (public).
pub async fn get(conn: &mut AsyncPgConnection, scope: &Scope, id: EventId) -> Result<Event> {
    let mut event = found(events::find(conn, scope.id(), id).await?, "event")?;
    hide_private_actions(conn, scope, std::slice::from_mut(&mut event)).await?;
    Ok(event)
}

/// Events are public, the actions of a plan not yet adopted are not: for callers who
/// may not read the alliance's private data, links to such actions are left out.
pub async fn hide_private_actions(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    events: &mut [Event],
) -> Result<()> {
    if policy::read_private(&scope.caller).is_ok() {
        return Ok(());
    }
    let linked: Vec<ActionId> = events.iter().flat_map(|e| e.actions.clone()).collect();
    let public = plans::public_actions(conn, scope.id(), &linked).await?;
    for event in events {
        event.actions.retain(|a| public.contains(a));
    }
    Ok(())
}

/// Plans an event (coordinator); `new.created_by` is the caller.
pub async fn create(conn: &mut AsyncPgConnection, scope: &Scope, new: NewEvent) -> Result<Event> {
    policy::manage_alliance(&scope.caller)?;
    check_times(new.starts_at, new.ends_at)?;
    let alliance = scope.id();
    let new = NewEvent {
        created_by: scope.caller.user(),
        ..new
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        check_links(conn, alliance, &new.partners, &new.actions).await?;
        let event = events::insert(conn, alliance, new).await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &JournalEvent::EventCreated {
                event: event.id,
                title: event.title.clone(),
                kind: event.kind,
                starts_at: event.starts_at,
            },
        )
        .await?;
        Ok(event)
    })
    .await
}

/// Changes to an event: its fields, and lists of partners and actions that replace
/// the previous ones.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventPatch {
    pub changes: EventChanges,
    pub partners: Option<Vec<PartnerId>>,
    pub actions: Option<Vec<ActionId>>,
}

/// Changes an event, or records its attendance (coordinator). An empty patch writes
/// and journals nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: EventId,
    patch: EventPatch,
    expected: &(impl Expected<Event> + Sync),
) -> Result<Event> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = locked(events::lock(conn, alliance, id).await?, "event", expected)?;
        if patch == EventPatch::default() {
            return Ok(current);
        }
        let EventPatch {
            changes,
            partners,
            actions,
        } = patch;
        check_times(
            changes.starts_at.unwrap_or(current.starts_at),
            changes.ends_at.unwrap_or(current.ends_at),
        )?;
        check_links(
            conn,
            alliance,
            partners.as_deref().unwrap_or(&[]),
            actions.as_deref().unwrap_or(&[]),
        )
        .await?;
        let event = events::update(
            conn,
            alliance,
            id,
            changes,
            partners.as_deref(),
            actions.as_deref(),
        )
        .await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &JournalEvent::EventUpdated {
                event: id,
                title: event.title.clone(),
                kind: event.kind,
                attendance: event.attendance,
            },
        )
        .await?;
        Ok(event)
    })
    .await
}

/// Cancels an event (coordinator).
pub async fn delete(conn: &mut AsyncPgConnection, scope: &Scope, id: EventId) -> Result<()> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    conn.transaction::<_, AppError, _>(async |conn| {
        let event = found(events::lock(conn, alliance, id).await?, "event")?;
        events::delete(conn, id).await?;
        journal::append(
            conn,
            Some(alliance),
            scope.actor(),
            &JournalEvent::EventDeleted {
                event: id,
                title: event.title,
                kind: event.kind,
            },
        )
        .await?;
        Ok(())
    })
    .await
}

/// The partners and actions an event names must be this alliance's (422 otherwise).
async fn check_links(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    partners: &[PartnerId],
    actions: &[ActionId],
) -> Result<()> {
    for partner in partners {
        check_usable(conn, alliance, *partner, "partner_ids").await?;
    }
    for action in actions {
        if plans::find_action(conn, alliance, *action).await?.is_none() {
            return Err(AppError::field(
                "action_ids",
                "not_found",
                "no such action in this alliance",
            ));
        }
    }
    Ok(())
}

/// An event does not end before it starts (422).
fn check_times(starts_at: DateTime<Utc>, ends_at: Option<DateTime<Utc>>) -> Result<()> {
    if ends_at.is_some_and(|e| e < starts_at) {
        return Err(AppError::field(
            "ends_at",
            "before_start",
            "must not be before starts_at",
        ));
    }
    Ok(())
}
