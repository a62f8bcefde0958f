//! Invitations to take a mandate; successor designations are invitations too.

use agir_domain::ids::{AllianceId, InvitationId, MandateId, PartnerId, UserId};
use agir_domain::mandate::{Period, Role};
use agir_domain::user::Email;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::cities::after_key;
use crate::page::{Page, PageRequest, TimeKey};
use crate::schema::invitations;
use crate::{PersistenceError, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg))]
struct InvitationRow {
    id: Uuid,
    alliance_id: Uuid,
    email: String,
    partner_id: Uuid,
    role: String,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    successor_of: Option<Uuid>,
    handover_notes: Option<String>,
    expires_at: DateTime<Utc>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    accepted_at: Option<DateTime<Utc>>,
    accepted_by: Option<Uuid>,
    mandate_id: Option<Uuid>,
    revoked_at: Option<DateTime<Utc>>,
}

/// An invitation (never with its token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub alliance: AllianceId,
    pub email: Email,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub successor_of: Option<MandateId>,
    pub handover_notes: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<UserId>,
    pub mandate: Option<MandateId>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
}

impl Invitation {
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.accepted_at.is_some() {
            InvitationState::Accepted
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.expires_at <= now {
            InvitationState::Expired
        } else {
            InvitationState::Pending
        }
    }
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = PersistenceError;
    fn try_from(r: InvitationRow) -> Result<Self> {
        Ok(Self {
            id: InvitationId(r.id),
            alliance: AllianceId(r.alliance_id),
            email: Email::parse("email", &r.email)?,
            partner: PartnerId(r.partner_id),
            role: Role::parse("role", &r.role)?,
            period: Period::new(r.starts_on, r.ends_on)?,
            successor_of: r.successor_of.map(MandateId),
            handover_notes: r.handover_notes,
            expires_at: r.expires_at,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
            accepted_at: r.accepted_at,
            accepted_by: r.accepted_by.map(UserId),
            mandate: r.mandate_id.map(MandateId),
            revoked_at: r.revoked_at,
        })
    }
}

/// An invitation to create.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub id: InvitationId,
    pub alliance: AllianceId,
    pub email: Email,
    pub partner: PartnerId,
    pub role: Role,
    pub period: Period,
    pub successor_of: Option<MandateId>,
    pub handover_notes: Option<String>,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

pub async fn insert(conn: &mut AsyncPgConnection, new: NewInvitation) -> Result<Invitation> {
    let row: InvitationRow = diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(new.id.0),
            invitations::alliance_id.eq(new.alliance.0),
            invitations::email.eq(new.email.as_str()),
            invitations::partner_id.eq(new.partner.0),
            invitations::role.eq(new.role.as_str()),
            invitations::starts_on.eq(new.period.starts_on),
            invitations::ends_on.eq(new.period.ends_on),
            invitations::successor_of.eq(new.successor_of.map(|m| m.0)),
            invitations::handover_notes.eq(new.handover_notes),
            invitations::token_hash.eq(new.token_hash),
            invitations::expires_at.eq(new.expires_at),
            invitations::created_by.eq(new.created_by.map(|u| u.0)),
        ))
        .returning(InvitationRow::as_returning())
        .get_result(conn)
        .await?;
    row.try_into()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    id: InvitationId,
) -> Result<Option<Invitation>> {
    let row: Option<InvitationRow> = invitations::table
        .filter(invitations::alliance_id.eq(alliance.0))
        .filter(invitations::id.eq(id.0))
        .select(InvitationRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()?;
    row.map(TryInto::try_into).transpose()
}

/// The invitation of a token.
pub async fn find_by_token(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> Result<Option<Invitation>> {
    by_token(conn, token_hash, false).await
}

/// The invitation of a token, locked for acceptance.
pub async fn lock_by_token(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> Result<Option<Invitation>> {
    by_token(conn, token_hash, true).await
}

async fn by_token(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    locked: bool,
) -> Result<Option<Invitation>> {
    let query = invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(InvitationRow::as_select());
    let row: Option<InvitationRow> = if locked {
        query.for_no_key_update().first(conn).await
    } else {
        query.first(conn).await
    }
    .optional()?;
    row.map(TryInto::try_into).transpose()
}

pub async fn mark_accepted(
    conn: &mut AsyncPgConnection,
    id: InvitationId,
    by: UserId,
    mandate: MandateId,
) -> Result<()> {
    diesel::update(invitations::table.find(id.0))
        .set((
            invitations::accepted_at.eq(Utc::now()),
            invitations::accepted_by.eq(by.0),
            invitations::mandate_id.eq(mandate.0),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: InvitationId) -> Result<()> {
    diesel::update(invitations::table.find(id.0))
        .set(invitations::revoked_at.eq(Utc::now()))
        .execute(conn)
        .await?;
    Ok(())
}

/// Revokes the pending successor invitations of a mandate (a new designation
/// replaces them) and returns them, for the journal.
pub async fn revoke_pending_successors(
    conn: &mut AsyncPgConnection,
    mandate: MandateId,
) -> Result<Vec<Invitation>> {
    let rows: Vec<InvitationRow> = diesel::update(
        invitations::table
            .filter(invitations::successor_of.eq(mandate.0))
            .filter(invitations::accepted_at.is_null())
            .filter(invitations::revoked_at.is_null()),
    )
    .set(invitations::revoked_at.eq(Utc::now()))
    .returning(InvitationRow::as_returning())
    .get_results(conn)
    .await?;
    rows.into_iter().map(Invitation::try_from).collect()
}

/// Pending (unexpired, unrevoked, unaccepted) successor invitations of these mandates.
pub async fn pending_successors(
    conn: &mut AsyncPgConnection,
    mandates: &[MandateId],
    now: DateTime<Utc>,
) -> Result<Vec<Invitation>> {
    let ids: Vec<Uuid> = mandates.iter().map(|m| m.0).collect();
    let rows: Vec<InvitationRow> = invitations::table
        .filter(invitations::successor_of.eq_any(ids))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(now))
        .select(InvitationRow::as_select())
        .load(conn)
        .await?;
    rows.into_iter().map(Invitation::try_from).collect()
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Invitation>> {
    let query = invitations::table
        .filter(invitations::alliance_id.eq(alliance.0))
        .select(InvitationRow::as_select())
        .into_boxed();
    let rows: Vec<InvitationRow> = after_key!(query, invitations, page).load(conn).await?;
    let items = rows
        .into_iter()
        .map(Invitation::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page::from_rows(items, page.limit, |i| TimeKey {
        created_at: i.created_at,
        id: i.id.0,
    }))
}
