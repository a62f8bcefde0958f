//! Cities and alliances.

use agir_domain::alliance::{Alliance, AllianceStatus, City, InseeCode};
use agir_domain::ids::{AllianceId, CityId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::{alliances, cities};
use crate::{PersistenceError, Result};

/// Adds the keyset condition "after this (created_at, id)" to a boxed query.
macro_rules! after_key {
    ($query:expr, $table:ident, $page:expr) => {{
        let mut query = $query;
        if let Some(after) = $page.after {
            query = query.filter(
                $table::created_at
                    .gt(after.created_at)
                    .or($table::created_at
                        .eq(after.created_at)
                        .and($table::id.gt(after.id))),
            );
        }
        query
            .order(($table::created_at, $table::id))
            .limit($page.fetch_limit())
    }};
}
pub(crate) use after_key;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = cities, check_for_backend(diesel::pg::Pg))]
struct CityRow {
    id: Uuid,
    name: String,
    insee_code: String,
    department: String,
    region: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<CityRow> for City {
    type Error = PersistenceError;
    fn try_from(r: CityRow) -> Result<Self> {
        Ok(City {
            id: CityId(r.id),
            name: r.name,
            insee_code: InseeCode::parse("insee_code", &r.insee_code)?,
            department: r.department,
            region: r.region,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// A new city's fields, or changes to a city (`None` leaves a column as it is).
#[derive(Debug, Clone, Default)]
pub struct CityChanges {
    pub name: Option<String>,
    pub insee_code: Option<InseeCode>,
    pub department: Option<String>,
    pub region: Option<String>,
}

impl CityChanges {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.insee_code.is_none()
            && self.department.is_none()
            && self.region.is_none()
    }

    fn row(&self) -> CityChangesRow<'_> {
        CityChangesRow {
            name: self.name.as_deref(),
            insee_code: self.insee_code.as_ref().map(InseeCode::as_str),
            department: self.department.as_deref(),
            region: self.region.as_deref(),
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = cities)]
struct CityChangesRow<'a> {
    name: Option<&'a str>,
    insee_code: Option<&'a str>,
    department: Option<&'a str>,
    region: Option<&'a str>,
}

pub async fn insert_city(
    conn: &mut AsyncPgConnection,
    id: CityId,
    city: CityChanges,
) -> Result<City> {
    let row: CityRow = diesel::insert_into(cities::table)
        .values((cities::id.eq(id.0), city.row()))
        .returning(CityRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn find_city(conn: &mut AsyncPgConnection, id: CityId) -> Result<Option<City>> {
    let row: Option<CityRow> = cities::table
        .find(id.0)
        .select(CityRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn lock_city(conn: &mut AsyncPgConnection, id: CityId) -> Result<Option<City>> {
    let row: Option<CityRow> = cities::table
        .find(id.0)
        .select(CityRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn update_city(
    conn: &mut AsyncPgConnection,
    id: CityId,
    changes: CityChanges,
) -> Result<City> {
    let row: CityRow = diesel::update(cities::table.find(id.0))
        .set((changes.row(), cities::updated_at.eq(Utc::now())))
        .returning(CityRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Filters of the city list.
#[derive(Debug, Default, Clone)]
pub struct CityFilter {
    pub region: Option<String>,
    pub department: Option<String>,
}

pub async fn list_cities(
    conn: &mut AsyncPgConnection,
    filter: &CityFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<City>> {
    let mut query = cities::table.select(CityRow::as_select()).into_boxed();
    if let Some(region) = &filter.region {
        query = query.filter(cities::region.eq(region.clone()));
    }
    if let Some(department) = &filter.department {
        query = query.filter(cities::department.eq(department.clone()));
    }
    let rows: Vec<CityRow> = after_key!(query, cities, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(City::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |c| TimeKey {
        created_at: c.created_at,
        id: c.id.0,
    }))
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = alliances, check_for_backend(diesel::pg::Pg))]
struct AllianceRow {
    id: Uuid,
    city_id: Uuid,
    name: String,
    description: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<AllianceRow> for Alliance {
    type Error = PersistenceError;
    fn try_from(r: AllianceRow) -> Result<Self> {
        Ok(Alliance {
            id: AllianceId(r.id),
            city: CityId(r.city_id),
            name: r.name,
            description: r.description,
            status: AllianceStatus::parse("status", &r.status)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// A new alliance's fields, or changes to an alliance (`None` leaves a column as it is).
#[derive(Debug, Clone, Default)]
pub struct AllianceChanges {
    pub city: Option<CityId>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<AllianceStatus>,
}

impl AllianceChanges {
    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.city.is_none()
            && self.name.is_none()
            && self.description.is_none()
            && self.status.is_none()
    }

    fn row(&self) -> AllianceChangesRow<'_> {
        AllianceChangesRow {
            city_id: self.city.map(|c| c.0),
            name: self.name.as_deref(),
            description: self.description.as_deref(),
            status: self.status.map(AllianceStatus::as_str),
        }
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = alliances)]
struct AllianceChangesRow<'a> {
    city_id: Option<Uuid>,
    name: Option<&'a str>,
    description: Option<&'a str>,
    status: Option<&'a str>,
}

pub async fn insert_alliance(
    conn: &mut AsyncPgConnection,
    id: AllianceId,
    alliance: AllianceChanges,
) -> Result<Alliance> {
    let row: AllianceRow = diesel::insert_into(alliances::table)
        .values((alliances::id.eq(id.0), alliance.row()))
        .returning(AllianceRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Takes the connection shared, so that it can be pipelined with other reads
/// (`InAlliance` asks for the caller's mandates in the same round trip).
pub async fn find_alliance(conn: &AsyncPgConnection, id: AllianceId) -> Result<Option<Alliance>> {
    let row: Option<AllianceRow> = alliances::table
        .find(id.0)
        .select(AllianceRow::as_select())
        .first(&mut &*conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn lock_alliance(
    conn: &mut AsyncPgConnection,
    id: AllianceId,
) -> Result<Option<Alliance>> {
    let row: Option<AllianceRow> = alliances::table
        .find(id.0)
        .select(AllianceRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn update_alliance(
    conn: &mut AsyncPgConnection,
    id: AllianceId,
    changes: AllianceChanges,
) -> Result<Alliance> {
    let row: AllianceRow = diesel::update(alliances::table.find(id.0))
        .set((changes.row(), alliances::updated_at.eq(Utc::now())))
        .returning(AllianceRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

/// Filters of the alliance list.
#[derive(Debug, Default, Clone)]
pub struct AllianceFilter {
    pub city: Option<CityId>,
    pub region: Option<String>,
    pub status: Option<AllianceStatus>,
}

pub async fn list_alliances(
    conn: &mut AsyncPgConnection,
    filter: &AllianceFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Alliance>> {
    let mut query = alliances::table
        .select(AllianceRow::as_select())
        .into_boxed();
    if let Some(city) = filter.city {
        query = query.filter(alliances::city_id.eq(city.0));
    }
    if let Some(status) = filter.status {
        query = query.filter(alliances::status.eq(status.as_str()));
    }
    if let Some(region) = &filter.region {
        query = query.filter(
            alliances::city_id.eq_any(
                cities::table
                    .filter(cities::region.eq(region.clone()))
                    .select(cities::id),
            ),
        );
    }
    let rows: Vec<AllianceRow> = after_key!(query, alliances, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Alliance::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |a| TimeKey {
        created_at: a.created_at,
        id: a.id.0,
    }))
}
