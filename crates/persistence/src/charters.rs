//! Charter versions and the partners that signed them.

use agir_domain::alliance::CharterStatus;
use agir_domain::ids::{AllianceId, CharterId, PartnerId, UserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::schema::{charter_signatures, charters, partners};
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = charters, check_for_backend(diesel::pg::Pg))]
struct CharterRow {
    id: Uuid,
    alliance_id: Uuid,
    version: i32,
    text: String,
    status: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    adopted_at: Option<DateTime<Utc>>,
}

/// A version of an alliance's charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charter {
    pub id: CharterId,
    pub alliance: AllianceId,
    pub version: i32,
    pub text: String,
    pub status: CharterStatus,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub adopted_at: Option<DateTime<Utc>>,
}

impl TryFrom<CharterRow> for Charter {
    type Error = PersistenceError;
    fn try_from(r: CharterRow) -> Result<Self> {
        Ok(Self {
            id: CharterId(r.id),
            alliance: AllianceId(r.alliance_id),
            version: r.version,
            text: r.text,
            status: CharterStatus::parse("status", &r.status)?,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            adopted_at: r.adopted_at,
        })
    }
}

/// A partner's signature of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub charter: CharterId,
    pub partner: PartnerId,
    pub partner_name: String,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Queryable)]
struct SignatureRow {
    charter_id: Uuid,
    partner_id: Uuid,
    partner_name: String,
    signed_at: DateTime<Utc>,
}

impl From<SignatureRow> for Signature {
    fn from(r: SignatureRow) -> Self {
        Self {
            charter: CharterId(r.charter_id),
            partner: PartnerId(r.partner_id),
            partner_name: r.partner_name,
            signed_at: r.signed_at,
        }
    }
}

/// Every version of an alliance's charter, newest first.
pub async fn list(conn: &mut AsyncPgConnection, alliance: AllianceId) -> Result<Vec<Charter>> {
    let rows: Vec<CharterRow> = charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .order(charters::version.desc())
        .select(CharterRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Charter::try_from).collect()
}

/// Signatures of the given versions.
pub async fn signatures(
    conn: &mut AsyncPgConnection,
    charters: &[CharterId],
) -> Result<Vec<Signature>> {
    let ids: Vec<Uuid> = charters.iter().map(|c| c.0).collect();
    let rows: Vec<SignatureRow> = charter_signatures::table
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
    Ok(rows.into_iter().map(Signature::from).collect())
}

pub async fn find_version(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    version: i32,
) -> Result<Option<Charter>> {
    let row: Option<CharterRow> = charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .filter(charters::version.eq(version))
        .select(CharterRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(Charter::try_from).transpose()
}

/// A version by id, locked.
pub async fn lock_by_id(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: CharterId,
) -> Result<Option<Charter>> {
    let row: Option<CharterRow> = charters::table
        .filter(charters::alliance_id.eq(alliance.0))
        .filter(charters::id.eq(id.0))
        .select(CharterRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(Charter::try_from).transpose()
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
    let status = if current {
        CharterStatus::Current
    } else {
        CharterStatus::Proposed
    };
    let row: CharterRow = diesel::insert_into(charters::table)
        .values((
            charters::id.eq(CharterId::new().0),
            charters::alliance_id.eq(alliance.0),
            charters::version.eq(last.unwrap_or(0) + 1),
            charters::text.eq(text),
            charters::status.eq(status.as_str()),
            charters::created_by.eq(created_by.map(|u| u.0)),
            charters::adopted_at.eq(current.then_some(now)),
        ))
        .returning(CharterRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

async fn supersede_current(conn: &mut AsyncPgConnection, alliance: AllianceId) -> Result<()> {
    diesel::update(
        charters::table
            .filter(charters::alliance_id.eq(alliance.0))
            .filter(charters::status.eq(CharterStatus::Current.as_str())),
    )
    .set(charters::status.eq(CharterStatus::Superseded.as_str()))
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
            charters::status.eq(CharterStatus::Current.as_str()),
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
