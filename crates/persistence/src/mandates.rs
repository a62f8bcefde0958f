//! Mandates: people's roles in an alliance, on behalf of a partner, for a period.

use agir_domain::ids::{AllianceId, MandateId, PartnerId, UserId};
use agir_domain::mandate::{Mandate, Period, Role};
use agir_domain::policy::CurrentMandate;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{mandates, partners, users};
use crate::{PersistenceError, Result};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = mandates, check_for_backend(diesel::pg::Pg))]
struct MandateRow {
    id: Uuid,
    alliance_id: Uuid,
    user_id: Uuid,
    partner_id: Uuid,
    role: String,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    successor_of: Option<Uuid>,
    handover_notes: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A mandate with what the API shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MandateRecord {
    pub mandate: Mandate,
    pub holder_name: String,
    pub handover_notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<(MandateRow, String)> for MandateRecord {
    type Error = PersistenceError;
    fn try_from((row, holder_name): (MandateRow, String)) -> Result<Self> {
        let period = Period::new(row.starts_on, row.ends_on)?;
        Ok(Self {
            mandate: Mandate {
                id: MandateId(row.id),
                alliance: AllianceId(row.alliance_id),
                user: UserId(row.user_id),
                partner: PartnerId(row.partner_id),
                role: Role::parse("role", &row.role)?,
                period,
                successor_of: row.successor_of.map(MandateId),
            },
            holder_name,
            handover_notes: row.handover_notes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn records(rows: Vec<(MandateRow, String)>) -> Result<Vec<MandateRecord>> {
    rows.into_iter().map(MandateRecord::try_from).collect()
}

/// A mandate to create.
#[derive(Debug, Clone)]
pub struct NewMandate {
    pub id: MandateId,
    pub alliance: AllianceId,
    pub user: UserId,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub successor_of: Option<MandateId>,
    pub handover_notes: Option<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewMandate) -> Result<MandateRecord> {
    diesel::insert_into(mandates::table)
        .values((
            mandates::id.eq(new.id.0),
            mandates::alliance_id.eq(new.alliance.0),
            mandates::user_id.eq(new.user.0),
            mandates::partner_id.eq(new.partner.0),
            mandates::role.eq(new.role.as_str()),
            mandates::starts_on.eq(new.period.starts_on),
            mandates::ends_on.eq(new.period.ends_on),
            mandates::successor_of.eq(new.successor_of.map(|m| m.0)),
            mandates::handover_notes.eq(new.handover_notes),
        ))
        .execute(conn)
        .await?;
    find(conn, new.alliance, new.id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("inserted mandate not found".into()))
}

/// A mandate of this alliance.
pub async fn find(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: MandateId,
) -> Result<Option<MandateRecord>> {
    let row: Option<(MandateRow, String)> = mandates::table
        .inner_join(users::table)
        .filter(mandates::alliance_id.eq(alliance.0))
        .filter(mandates::id.eq(id.0))
        .select((MandateRow::as_select(), users::display_name))
        .first(conn)
        .await
        .optional()?;
    row.map(MandateRecord::try_from).transpose()
}

/// Locks a mandate of this alliance until the end of the transaction.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: MandateId,
) -> Result<Option<MandateRecord>> {
    let found: Option<Uuid> = mandates::table
        .filter(mandates::alliance_id.eq(alliance.0))
        .filter(mandates::id.eq(id.0))
        .select(mandates::id)
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    match found {
        Some(_) => find(conn, alliance, id).await,
        None => Ok(None),
    }
}

/// Changes to a mandate; `Some(None)` clears a nullable column.
#[derive(Debug, Default)]
pub struct MandateChanges {
    pub role: Option<Role>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub handover_notes: Option<Option<String>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = mandates)]
struct MandateChangeset {
    role: Option<&'static str>,
    starts_on: Option<NaiveDate>,
    ends_on: Option<Option<NaiveDate>>,
    handover_notes: Option<Option<String>>,
}

impl From<MandateChanges> for MandateChangeset {
    fn from(changes: MandateChanges) -> Self {
        Self {
            role: changes.role.map(Role::as_str),
            starts_on: changes.starts_on,
            ends_on: changes.ends_on,
            handover_notes: changes.handover_notes,
        }
    }
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: MandateId,
    changes: MandateChanges,
) -> Result<MandateRecord> {
    let changes = MandateChangeset::from(changes);
    diesel::update(mandates::table.find(id.0))
        .set((&changes, mandates::updated_at.eq(Utc::now())))
        .execute(conn)
        .await?;
    find(conn, alliance, id)
        .await?
        .ok_or_else(|| PersistenceError::Corrupt("updated mandate not found".into()))
}

pub async fn delete(conn: &mut AsyncPgConnection, id: MandateId) -> Result<()> {
    diesel::delete(mandates::table.find(id.0))
        .execute(conn)
        .await?;
    Ok(())
}

/// The caller's mandates in an alliance that are current on `day`.
/// Takes the connection shared, to be pipelined (see `cities::find_alliance`).
pub async fn current_for_user(
    conn: &AsyncPgConnection,
    alliance: AllianceId,
    user: UserId,
    day: NaiveDate,
) -> Result<Vec<CurrentMandate>> {
    // A withdrawn partner's people no longer act in the alliance.
    let rows: Vec<(Uuid, Uuid, String)> = mandates::table
        .inner_join(partners::table.on(partners::id.eq(mandates::partner_id)))
        .filter(partners::status.eq("active"))
        .filter(mandates::alliance_id.eq(alliance.0))
        .filter(mandates::user_id.eq(user.0))
        .filter(mandates::starts_on.le(day))
        .filter(mandates::ends_on.is_null().or(mandates::ends_on.ge(day)))
        .select((mandates::id, mandates::partner_id, mandates::role))
        .load(&mut &*conn)
        .await?;
    rows.into_iter()
        .map(|(id, partner, role)| {
            Ok(CurrentMandate {
                id: MandateId(id),
                partner: PartnerId(partner),
                role: Role::parse("role", &role)?,
            })
        })
        .collect()
}

/// A user's mandates current on `day`, in every alliance (for `/me`).
pub async fn current_of_user_everywhere(
    conn: &mut AsyncPgConnection,
    user: UserId,
    day: NaiveDate,
) -> Result<Vec<MandateRecord>> {
    let rows: Vec<(MandateRow, String)> = mandates::table
        .inner_join(users::table)
        .filter(mandates::user_id.eq(user.0))
        .filter(mandates::starts_on.le(day))
        .filter(mandates::ends_on.is_null().or(mandates::ends_on.ge(day)))
        .order((mandates::created_at, mandates::id))
        .select((MandateRow::as_select(), users::display_name))
        .load(conn)
        .await?;
    records(rows)
}

/// Filters of the members list.
#[derive(Debug, Default, Clone)]
pub struct MandateFilter {
    pub partner: Option<PartnerId>,
    pub role: Option<Role>,
    pub user: Option<UserId>,
    /// Only mandates current on this day.
    pub current_on: Option<NaiveDate>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    filter: &MandateFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<MandateRecord>> {
    let mut query = mandates::table
        .inner_join(users::table)
        .filter(mandates::alliance_id.eq(alliance.0))
        .select((MandateRow::as_select(), users::display_name))
        .into_boxed();
    if let Some(partner) = filter.partner {
        query = query.filter(mandates::partner_id.eq(partner.0));
    }
    if let Some(role) = filter.role {
        query = query.filter(mandates::role.eq(role.as_str()));
    }
    if let Some(user) = filter.user {
        query = query.filter(mandates::user_id.eq(user.0));
    }
    if let Some(day) = filter.current_on {
        query = query
            .filter(mandates::starts_on.le(day))
            .filter(mandates::ends_on.is_null().or(mandates::ends_on.ge(day)));
    }
    let rows: Vec<(MandateRow, String)> = after_key!(query, mandates, page).load(conn).await?;
    let items = records(rows)?;
    Ok(Page::from_rows(items, page.limit, |m| TimeKey {
        created_at: m.created_at,
        id: m.mandate.id.0,
    }))
}

/// Representatives and coordinators current on `day`, for the succession report.
pub async fn speakers_on(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    day: NaiveDate,
) -> Result<Vec<MandateRecord>> {
    let rows: Vec<(MandateRow, String)> = mandates::table
        .inner_join(users::table)
        .filter(mandates::alliance_id.eq(alliance.0))
        .filter(mandates::role.eq_any([Role::Representative.as_str(), Role::Coordinator.as_str()]))
        .filter(mandates::starts_on.le(day))
        .filter(mandates::ends_on.is_null().or(mandates::ends_on.ge(day)))
        .order((mandates::starts_on, mandates::id))
        .select((MandateRow::as_select(), users::display_name))
        .load(conn)
        .await?;
    records(rows)
}

/// Mandates that succeed any of these mandates.
pub async fn successors_of(
    conn: &mut AsyncPgConnection,
    predecessors: &[MandateId],
) -> Result<Vec<MandateRecord>> {
    let ids: Vec<Uuid> = predecessors.iter().map(|m| m.0).collect();
    let rows: Vec<(MandateRow, String)> = mandates::table
        .inner_join(users::table)
        .filter(mandates::successor_of.eq_any(ids))
        .select((MandateRow::as_select(), users::display_name))
        .load(conn)
        .await?;
    records(rows)
}
