//! The platform journal: writes outside any alliance (accounts, cities, new alliances).

use actix_web::{get, web};
use agir_app::journal;
use agir_domain::journal::ChainCheck;
use agir_persistence::journal::JournalEntry;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::AlliancePath;
use crate::problem::{ApiError, Forbidden};
use crate::scope::Authenticated;
use crate::state::AppState;

/// One journal entry. `hash` = SHA-256 over `prev_hash` and the canonical encoding
/// of the entry, so that any change to a past entry breaks the chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "seq": 1,
    "alliance_id": null,
    "at": "2026-09-01T08:30:00.123456Z",
    "actor_user_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "actor_partner_id": null,
    "verb": "user.created",
    "subject_type": "user",
    "subject_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70",
    "summary": {"email": "coordination@sceaux.fr", "is_admin": false},
    "prev_hash": "0000000000000000000000000000000000000000000000000000000000000000",
    "hash": "5d41402abc4b2a76b9719d911017c592ae2b9c2a0b8e0c5f3c0e8b2b1a1d9f3e"
}))]
pub struct JournalEntryResponse {
    /// Position in its chain, from 1.
    pub seq: i64,
    /// `null` in the platform chain.
    pub alliance_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_partner_id: Option<Uuid>,
    /// What happened: `user.created`, `action.proposed`, `vote.closed`…
    pub verb: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    /// A small summary of the change; never a secret.
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<JournalEntry> for JournalEntryResponse {
    fn from(e: JournalEntry) -> Self {
        Self {
            seq: e.seq,
            alliance_id: e.alliance.map(|a| a.0),
            at: e.at,
            actor_user_id: e.actor_user.map(|u| u.0),
            actor_partner_id: e.actor_partner.map(|p| p.0),
            verb: e.verb,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            summary: e.summary,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

page_schema!(JournalPage, JournalEntryResponse);

/// The result of recomputing a chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"intact": false, "entries": 41, "first_broken_seq": 17}))]
pub struct ChainVerification {
    /// Every entry follows from the one before.
    pub intact: bool,
    /// Entries checked (when intact) or checked up to the break.
    pub entries: i64,
    /// The first sequence number whose entry does not follow; `null` when intact.
    pub first_broken_seq: Option<i64>,
}

impl From<ChainCheck> for ChainVerification {
    fn from(check: ChainCheck) -> Self {
        match check {
            ChainCheck::Intact { entries } => Self {
                intact: true,
                entries,
                first_broken_seq: None,
            },
            ChainCheck::Broken { first_broken_seq } => Self {
                intact: false,
                entries: first_broken_seq - 1,
                first_broken_seq: Some(first_broken_seq),
            },
        }
    }
}

/// Read an alliance's journal, in sequence order (members of the alliance).
#[utoipa::path(
    tag = "journal",
    params(AlliancePath, PageParams),
    responses(
        (status = 200, description = "A page of entries", body = JournalPage),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_alliance_journal(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    params: web::Query<PageParams>,
) -> Result<web::Json<JournalPage>, ApiError> {
    journal::authorize_alliance(&scope)?;
    let page = params.request::<i64>()?;
    let mut conn = pool::get(&state.pool).await?;
    let entries = journal::list_alliance(&mut conn, &scope, &page).await?;
    Ok(web::Json(JournalPage::from_page(
        entries,
        JournalEntryResponse::from,
    )))
}

/// Recompute an alliance's chain and say whether it is intact (members of the alliance).
#[utoipa::path(
    tag = "journal",
    params(AlliancePath),
    responses(
        (status = 200, description = "The verification", body = ChainVerification),
    ),
    security(("bearer_auth" = []))
)]
#[get("/verify")]
pub async fn verify_alliance_journal(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<web::Json<ChainVerification>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    Ok(web::Json(
        journal::verify_alliance(&mut conn, &scope).await?.into(),
    ))
}

/// Read the platform journal, in sequence order (platform admins).
#[utoipa::path(
    tag = "journal",
    params(PageParams),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "A page of entries", body = JournalPage),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_platform_journal(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<web::Json<JournalPage>, ApiError> {
    let principal = caller.principal();
    journal::authorize_platform(&principal)?;
    let page = params.request::<i64>()?;
    let mut conn = pool::get(&state.pool).await?;
    let entries = journal::list_platform(&mut conn, &principal, &page).await?;
    Ok(web::Json(JournalPage::from_page(
        entries,
        JournalEntryResponse::from,
    )))
}

/// Recompute the platform chain and say whether it is intact (platform admins).
#[utoipa::path(
    tag = "journal",
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The verification", body = ChainVerification),
    ),
    security(("bearer_auth" = []))
)]
#[get("/verify")]
pub async fn verify_platform_journal(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<ChainVerification>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    Ok(web::Json(
        journal::verify_platform(&mut conn, &caller.principal())
            .await?
            .into(),
    ))
}
