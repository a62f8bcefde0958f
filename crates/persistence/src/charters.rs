//! Charter versions and the partners that signed them.

use agir_domain::ids::{AllianceId, CharterId, PartnerId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::Result;
use crate::schema::{charter_signatures, charters, partners};

/// A version's status: `proposed` (awaiting adoption), `current`, or `superseded`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = charters, check_for_backend(diesel::pg::Pg))]
pub struct Charter {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub version: i32,
    pub text: String,
    pub status: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub adopted_at: Option<DateTime<Utc>>,
}

/// A partner's signature of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub charter: CharterId,
    pub partner: PartnerId,
    pub partner_name: String,
    pub signed_at: DateTime<Utc>,
}

pub const PROPOSED: &str = "proposed";
pub const CURRENT: &str = "current";
pub const SUPERSEDED: &str = "superseded";

/// Every version of an alliance's charter, newest first.
pub async fn list(conn: &mut AsyncPgConnection, alliance: AllianceId) -> Result<Vec<Charter>> {
    Ok(charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .order(charters::version.desc())
        .select(Charter::as_select())
        .load(conn)
        .await?)
}

/// Signatures of the given versions.
pub async fn signatures(
    conn: &mut AsyncPgConnection,
    charters: &[CharterId],
) -> Result<Vec<Signature>> {
    let ids: Vec<Uuid> = charters.iter().map(|c| c.0).collect();
    let rows: Vec<(Uuid, Uuid, String, DateTime<Utc>)> = charter_signatures::table
        .inner_join(partners::table)
        .filter(charter_signatures::charter_id.eq_any(ids))
        .order((
            charter_signatures::signed_at,
            charter_signatures::partner_id,
        ))
        .select((
            charter_signatures::charter_id,
            charter_signatures::partner_id,
            partners::name,
            charter_signatures::signed_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(charter, partner, partner_name, signed_at)| Signature {
            charter: CharterId(charter),
            partner: PartnerId(partner),
            partner_name,
            signed_at,
        })
        .collect())
}

pub async fn find_version(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    version: i32,
) -> Result<Option<Charter>> {
    Ok(charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .filter(charters::version.eq(version))
        .select(Charter::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?)
}

/// A version by id, locked.
pub async fn lock_by_id(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: CharterId,
) -> Result<Option<Charter>> {
    Ok(charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .filter(charters::id.eq(id.0))
        .select(Charter::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?)
}

/// Adds a version (numbered after the last). Call with the alliance row locked.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    text: &str,
    created_by: Option<UserId>,
    current: bool,
) -> Result<Charter> {
    let last: Option<i32> = charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .select(diesel::dsl::max(charters::version))
        .first(conn)
        .await?;
    if current {
        supersede_current(conn, alliance).await?;
    }
    let now = Utc::now();
    Ok(diesel::insert_into(charters::table)
        .values((
            charters::id.eq(Uuid::now_v7()),
            charters::alliance_id.eq(alliance.0),
            charters::version.eq(last.unwrap_or(0) + 1),
            charters::text.eq(text),
            charters::status.eq(if current { CURRENT } else { PROPOSED }),
            charters::created_by.eq(created_by.map(|u| u.0)),
            charters::adopted_at.eq(current.then_some(now)),
        ))
        .returning(Charter::as_returning())
        .get_result(conn)
        .await?)
}

async fn supersede_current(conn: &mut AsyncPgConnection, alliance: AllianceId) -> Result<()> {
    diesel::update(
        charters::table
            .filter(charters::alliance_id.eq(alliance.0))
            .filter(charters::status.eq(CURRENT)),
    )
    .set(charters::status.eq(SUPERSEDED))
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes a proposed version current (after a charter adoption vote).
pub async fn make_current(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: CharterId,
) -> Result<()> {
    supersede_current(conn, alliance).await?;
    diesel::update(charters::table.find(id.0))
        .set((
            charters::status.eq(CURRENT),
            charters::adopted_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn sign(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    charter: CharterId,
    partner: PartnerId,
    by: UserId,
) -> Result<DateTime<Utc>> {
    Ok(diesel::insert_into(charter_signatures::table)
        .values((
            charter_signatures::charter_id.eq(charter.0),
            charter_signatures::alliance_id.eq(alliance.0),
            charter_signatures::partner_id.eq(partner.0),
            charter_signatures::signed_by.eq(by.0),
        ))
        .returning(charter_signatures::signed_at)
        .get_result(conn)
        .await?)
}
