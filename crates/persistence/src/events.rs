//! Events of an alliance, with their partners and linked actions.

use std::collections::HashMap;

use agir_domain::ids::{ActionId, AllianceId, EventId, PartnerId, UserId};
use agir_domain::plan::EventKind;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{event_actions, event_partners, events};
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    id: Uuid,
    alliance_id: Uuid,
    title: String,
    kind: String,
    description: String,
    starts_at: DateTime<Utc>,
    ends_at: Option<DateTime<Utc>>,
    place: Option<String>,
    attendance: Option<i32>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: EventId,
    pub alliance: AllianceId,
    pub title: String,
    pub kind: EventKind,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub attendance: Option<i32>,
    pub partners: Vec<PartnerId>,
    pub actions: Vec<ActionId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub title: String,
    pub kind: EventKind,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    pub attendance: Option<i32>,
    pub partners: Vec<PartnerId>,
    pub actions: Vec<ActionId>,
    pub created_by: Option<UserId>,
}

/// Changes to an event's fields: `None` leaves a field as it is, `Some(None)` clears a
/// nullable one.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventChanges {
    pub title: Option<String>,
    pub kind: Option<EventKind>,
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<Option<DateTime<Utc>>>,
    pub place: Option<Option<String>>,
    pub attendance: Option<Option<i32>>,
}

async fn complete(conn: &mut AsyncPgConnection, rows: Vec<EventRow>) -> Result<Vec<Event>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let partners: Vec<(Uuid, Uuid)> = event_partners::table
        .filter(event_partners::event_id.eq_any(&ids))
        .order((event_partners::event_id, event_partners::partner_id))
        .select((event_partners::event_id, event_partners::partner_id))
        .load(conn)
        .await?;
    let actions: Vec<(Uuid, Uuid)> = event_actions::table
        .filter(event_actions::event_id.eq_any(&ids))
        .order((event_actions::event_id, event_actions::action_id))
        .select((event_actions::event_id, event_actions::action_id))
        .load(conn)
        .await?;
    let mut p: HashMap<Uuid, Vec<PartnerId>> = HashMap::new();
    for (e, id) in partners {
        p.entry(e).or_default().push(PartnerId(id));
    }
    let mut a: HashMap<Uuid, Vec<ActionId>> = HashMap::new();
    for (e, id) in actions {
        a.entry(e).or_default().push(ActionId(id));
    }
    rows.into_iter()
        .map(|r| {
            Ok(Event {
                id: EventId(r.id),
                alliance: AllianceId(r.alliance_id),
                kind: EventKind::parse("kind", &r.kind)?,
                partners: p.remove(&r.id).unwrap_or_default(),
                actions: a.remove(&r.id).unwrap_or_default(),
                title: r.title,
                description: r.description,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                place: r.place,
                attendance: r.attendance,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

async fn set_links(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    event: EventId,
    partners: Option<&[PartnerId]>,
    actions: Option<&[ActionId]>,
) -> Result<()> {
    if let Some(partners) = partners {
        diesel::delete(event_partners::table.filter(event_partners::event_id.eq(event.0)))
            .execute(conn)
            .await?;
        let rows: Vec<_> = partners
            .iter()
            .map(|p| {
                (
                    event_partners::event_id.eq(event.0),
                    event_partners::alliance_id.eq(alliance.0),
                    event_partners::partner_id.eq(p.0),
                )
            })
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(event_partners::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
    }
    if let Some(actions) = actions {
        diesel::delete(event_actions::table.filter(event_actions::event_id.eq(event.0)))
            .execute(conn)
            .await?;
        let rows: Vec<_> = actions
            .iter()
            .map(|a| {
                (
                    event_actions::event_id.eq(event.0),
                    event_actions::alliance_id.eq(alliance.0),
                    event_actions::action_id.eq(a.0),
                )
            })
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(event_actions::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Creates an event with its links.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    new: NewEvent,
) -> Result<Event> {
    let id = EventId::new();
    diesel::insert_into(events::table)
        .values((
            events::id.eq(id.0),
            events::alliance_id.eq(alliance.0),
            events::title.eq(&new.title),
            events::kind.eq(new.kind.as_str()),
            events::description.eq(&new.description),
            events::starts_at.eq(new.starts_at),
            events::ends_at.eq(new.ends_at),
            events::place.eq(&new.place),
            events::attendance.eq(new.attendance),
            events::created_by.eq(new.created_by.map(|u| u.0)),
        ))
        .execute(conn)
        .await?;
    set_links(conn, alliance, id, Some(&new.partners), Some(&new.actions)).await?;
    find(conn, alliance, id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("inserted event not found".into()))
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: EventId,
) -> Result<Option<Event>> {
    let row: Option<EventRow> = events::table
        .filter(events::alliance_id.eq(alliance.0))
        .filter(events::id.eq(id.0))
        .select(EventRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => Ok(complete(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

pub async fn lock(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: EventId,
) -> Result<Option<Event>> {
    let found: Option<Uuid> = events::table
        .filter(events::alliance_id.eq(alliance.0))
        .filter(events::id.eq(id.0))
        .select(events::id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    match found {
        Some(_) => find(conn, alliance, id).await,
        None => Ok(None),
    }
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: EventId,
    changes: EventChanges,
    partners: Option<&[PartnerId]>,
    actions: Option<&[ActionId]>,
) -> Result<Event> {
    diesel::update(events::table.find(id.0))
        .set((
            changes.title.map(|v| events::title.eq(v)),
            changes.kind.map(|v| events::kind.eq(v.as_str())),
            changes.description.map(|v| events::description.eq(v)),
            changes.starts_at.map(|v| events::starts_at.eq(v)),
            changes.ends_at.map(|v| events::ends_at.eq(v)),
            changes.place.map(|v| events::place.eq(v)),
            changes.attendance.map(|v| events::attendance.eq(v)),
            events::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    set_links(conn, alliance, id, partners, actions).await?;
    find(conn, alliance, id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("updated event not found".into()))
}

pub async fn delete(conn: &mut AsyncPgConnection, id: EventId) -> Result<()> {
    diesel::delete(events::table.find(id.0))
        .execute(conn)
        .await?;
    Ok(())
}

/// Filters of the event list.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub kind: Option<EventKind>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Events in chronological order (by start, then id).
pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    filter: &EventFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Event>> {
    let mut query = events::table
        .filter(events::alliance_id.eq(alliance.0))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(events::kind.eq(kind.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(events::starts_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(events::starts_at.lt(to));
    }
    if let Some(after) = page.after {
        query = query.filter(
            events::starts_at.gt(after.created_at).or(events::starts_at
                .eq(after.created_at)
                .and(events::id.gt(after.id))),
        );
    }
    let rows: Vec<EventRow> = query
        .order((events::starts_at, events::id))
        .limit(page.fetch_limit())
        .load(conn)
        .await?;
    let items = complete(conn, rows).await?;
    Ok(Page::from_rows(items, page.limit, |e| TimeKey {
        created_at: e.starts_at,
        id: e.id.0,
    }))
}
