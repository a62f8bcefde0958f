//! Partners of an alliance.

use agir_domain::alliance::{Partner, PartnerKind, PartnerStatus};
use agir_domain::ids::{AllianceId, PartnerId};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::partners;
use crate::{PersistenceError, Result};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = partners, check_for_backend(diesel::pg::Pg))]
struct PartnerRow {
    id: Uuid,
    alliance_id: Uuid,
    name: String,
    kind: String,
    description: String,
    website: Option<String>,
    status: String,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PartnerRow> for Partner {
    type Error = PersistenceError;
    fn try_from(r: PartnerRow) -> Result<Self> {
        Ok(Partner {
            id: PartnerId(r.id),
            alliance: AllianceId(r.alliance_id),
            name: r.name,
            kind: PartnerKind::parse("kind", &r.kind)?,
            description: r.description,
            website: r.website,
            status: PartnerStatus::parse("status", &r.status)?,
            joined_on: r.joined_on,
            left_on: r.left_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// A new partner's columns, or changes to a partner; `None` leaves a column as it is,
/// `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartnerChanges {
    pub name: Option<String>,
    pub kind: Option<PartnerKind>,
    pub description: Option<String>,
    pub website: Option<Option<String>>,
    pub status: Option<PartnerStatus>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<Option<NaiveDate>>,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = partners)]
struct PartnerChangeset {
    name: Option<String>,
    kind: Option<&'static str>,
    description: Option<String>,
    website: Option<Option<String>>,
    status: Option<&'static str>,
    joined_on: Option<NaiveDate>,
    left_on: Option<Option<NaiveDate>>,
}

impl From<PartnerChanges> for PartnerChangeset {
    fn from(c: PartnerChanges) -> Self {
        Self {
            name: c.name,
            kind: c.kind.map(PartnerKind::as_str),
            description: c.description,
            website: c.website,
            status: c.status.map(PartnerStatus::as_str),
            joined_on: c.joined_on,
            left_on: c.left_on,
        }
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: PartnerId,
    partner: PartnerChanges,
) -> Result<Partner> {
    let row: PartnerRow = diesel::insert_into(partners::table)
        .values((
            partners::id.eq(id.0),
            partners::alliance_id.eq(alliance.0),
            &PartnerChangeset::from(partner),
        ))
        .returning(PartnerRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// A partner of this alliance (`None` for a partner of another alliance).
pub async fn find(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: PartnerId,
) -> Result<Option<Partner>> {
    one(conn, alliance, id, false).await
}

/// [`find`], locked until the end of the transaction.
pub async fn lock(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: PartnerId,
) -> Result<Option<Partner>> {
    one(conn, alliance, id, true).await
}

async fn one(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: PartnerId,
    locked: bool,
) -> Result<Option<Partner>> {
    let query = partners::table
        .filter(partners::alliance_id.eq(alliance.0))
        .filter(partners::id.eq(id.0))
        .select(PartnerRow::as_select());
    let row: Option<PartnerRow> = if locked {
        query.for_no_key_update().first(conn).await
    } else {
        query.first(conn).await
    }
    .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: PartnerId,
    changes: PartnerChanges,
) -> Result<Partner> {
    let row: PartnerRow = diesel::update(partners::table.find(id.0))
        .set((
            &PartnerChangeset::from(changes),
            partners::updated_at.eq(Utc::now()),
        ))
        .returning(PartnerRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Filters of the partner list.
#[derive(Debug, Default, Clone)]
pub struct PartnerFilter {
    pub kind: Option<PartnerKind>,
    pub status: Option<PartnerStatus>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    filter: &PartnerFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Partner>> {
    let mut query = partners::table
        .filter(partners::alliance_id.eq(alliance.0))
        .select(PartnerRow::as_select())
        .into_boxed();
    if let Some(kind) = filter.kind {
        query = query.filter(partners::kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(partners::status.eq(status.as_str()));
    }
    let rows: Vec<PartnerRow> = after_key!(query, partners, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Partner::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |p| TimeKey {
        created_at: p.created_at,
        id: p.id.0,
    }))
}

/// Every active partner of an alliance, oldest first (for reports).
pub async fn all_active(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
) -> Result<Vec<Partner>> {
    let rows: Vec<PartnerRow> = partners::table
        .filter(partners::alliance_id.eq(alliance.0))
        .filter(partners::status.eq(PartnerStatus::Active.as_str()))
        .order((partners::created_at, partners::id))
        .select(PartnerRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Partner::try_from).collect()
}
