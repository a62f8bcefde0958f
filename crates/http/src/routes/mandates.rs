//! Mandates (the members list) and successor designation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use agir_app::partners::check_usable;
use agir_domain::alliance::limits;
use agir_domain::error::{DomainError, bounded_text};
use agir_domain::ids::{InvitationId, MandateId, PartnerId, UserId};
use agir_domain::journal::Event;
use agir_domain::mandate::{Period, Role, successor_period};
use agir_domain::user::Email;
use agir_domain::{policy, succession};
use agir_persistence::invitations::{self, NewInvitation};
use agir_persistence::journal;
use agir_persistence::mandates::{self, MandateChanges, MandateFilter, MandateRecord, NewMandate};
use agir_persistence::page::TimeKey;
use agir_persistence::{AsyncConnection, AsyncPgConnection, pool, users};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, MandatePath, SuccessorPath};
use crate::problem::{ApiError, Forbidden, PreconditionFailed, UnprocessableEntity};
use crate::routes::invitations::{CreatedInvitation, expires_at, new_token};
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// A person's role in the alliance, on behalf of a partner, for a period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a04",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "user_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "display_name": "Léa Dubois",
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "role": "representative",
    "starts_on": "2025-09-01",
    "ends_on": "2026-08-31",
    "current": true,
    "successor_of": null,
    "handover_notes": "Contacts des commerçants dans le classeur partagé.",
    "created_at": "2026-09-01T08:30:00Z",
    "updated_at": "2026-09-01T08:30:00Z"
}))]
pub struct MandateResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub user_id: Uuid,
    /// The holder's display name (never their email).
    pub display_name: String,
    pub partner_id: Uuid,
    /// `coordinator`, `representative`, `member` or `observer`.
    #[schema(value_type = choices::Role)]
    pub role: String,
    pub starts_on: NaiveDate,
    /// `null`: open-ended.
    pub ends_on: Option<NaiveDate>,
    /// Whether the mandate is current today (`starts_on ≤ today ≤ ends_on`).
    pub current: bool,
    /// The mandate this one takes over.
    pub successor_of: Option<Uuid>,
    /// Notes for whoever takes over: shown to the holder, their successor, the
    /// coordinator and admins; `null` for others.
    pub handover_notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MandateResponse {
    pub fn new(record: MandateRecord, today: NaiveDate, show_notes: bool) -> Self {
        let m = &record.mandate;
        Self {
            id: m.id.0,
            alliance_id: m.alliance.0,
            user_id: m.user.0,
            display_name: record.holder_name.clone(),
            partner_id: m.partner.0,
            role: m.role.as_str().to_owned(),
            starts_on: m.period.starts_on,
            ends_on: m.period.ends_on,
            current: m.is_current(today),
            successor_of: m.successor_of.map(|s| s.0),
            handover_notes: if show_notes {
                record.handover_notes
            } else {
                None
            },
            created_at: record.created_at,
            updated_at: record.updated_at,
        }
    }
}

page_schema!(MandatePage, MandateResponse);

/// A new mandate for an existing account.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "user_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "role": "representative",
    "starts_on": "2025-09-01",
    "ends_on": "2026-08-31"
}))]
pub struct CreateMandateRequest {
    pub user_id: Uuid,
    /// A partner of this alliance.
    pub partner_id: Uuid,
    #[schema(value_type = choices::Role)]
    pub role: String,
    pub starts_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    #[schema(max_length = 10000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_notes: Option<String>,
}

/// Changes to a mandate; `null` clears `ends_on` or `handover_notes`. The holder
/// may change only `handover_notes`.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ends_on": "2026-08-31", "handover_notes": "Clés du local : accueil de la mairie."}))]
pub struct UpdateMandateRequest {
    #[schema(value_type = Option<choices::Role>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(max_length = 10000, value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_notes: Option<Option<String>>,
}

/// A successor to designate: an invitation for the same partner and role, starting
/// the day after this mandate ends.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "nouvelle.presidente@ecolophi.fr",
    "handover_notes": "Réunion de passation en juin ; contacts dans le drive.",
    "ends_on": "2027-08-31"
}))]
pub struct DesignateSuccessorRequest {
    #[schema(max_length = 254, format = "email")]
    pub email: String,
    /// Notes for the successor, kept on this mandate.
    #[schema(max_length = 10000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_notes: Option<String>,
    /// The end of the successor's mandate: by default the 31 August closing the
    /// academic year in which it starts; an earlier day may be given (a later one,
    /// or one before the start, is 422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    /// Days the invitation stays valid, 1 to 60 (default 14).
    #[schema(minimum = 1, maximum = 60)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
}

/// Filters of the members list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MandateFilterParams {
    pub partner_id: Option<Uuid>,
    #[param(value_type = Option<choices::Role>)]
    pub role: Option<String>,
    pub user_id: Option<Uuid>,
    /// `true`: only mandates current today.
    pub current: Option<bool>,
}

pub(crate) fn notes(field: &str, raw: Option<&str>) -> Result<Option<String>, DomainError> {
    match raw {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => bounded_text(field, text, limits::HANDOVER_NOTES).map(Some),
    }
}

/// Whether the caller may read a mandate's handover notes.
async fn may_read_notes(
    conn: &mut AsyncPgConnection,
    scope: &InAlliance,
    record: &MandateRecord,
) -> Result<bool, ApiError> {
    if policy::read_handover_notes(&scope.caller, record.mandate.user, None) {
        return Ok(true);
    }
    let Some(me) = scope.caller.user() else {
        return Ok(false);
    };
    let successors = mandates::successors_of(conn, &[record.mandate.id]).await?;
    Ok(successors.iter().any(|s| s.mandate.user == me))
}

/// The members list: every mandate of the alliance (members and observers).
#[utoipa::path(
    tag = "mandates",
    params(AlliancePath, PageParams, MandateFilterParams),
    responses(
        (status = 200, description = "A page of mandates", body = MandatePage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_mandates(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    page: web::Query<PageParams>,
    filter: web::Query<MandateFilterParams>,
) -> Result<web::Json<MandatePage>, ApiError> {
    policy::read_private(&scope.caller)?;
    let page = page.request::<TimeKey>()?;
    let filter = MandateFilter {
        partner: filter.partner_id.map(PartnerId),
        role: filter
            .role
            .as_deref()
            .map(|r| Role::parse("role", r))
            .transpose()?,
        user: filter.user_id.map(UserId),
        current_on: filter.current.unwrap_or(false).then_some(scope.today),
    };
    let mut conn = pool::get(&state.pool).await?;
    let found = mandates::list(&mut conn, scope.id(), &filter, &page).await?;
    let me = scope.caller.user();
    let today = scope.today;
    let caller = scope.caller.clone();
    Ok(web::Json(MandatePage::from_page(found, |record| {
        let show = policy::read_handover_notes(&caller, record.mandate.user, None)
            || me.is_some() && me == Some(record.mandate.user);
        MandateResponse::new(record, today, show)
    })))
}

/// Give an existing account a mandate (coordinator).
#[utoipa::path(
    tag = "mandates",
    params(AlliancePath),
    request_body = CreateMandateRequest,
    responses(
        (status = 201, description = "Created", body = MandateResponse,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateMandateRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let role = Role::parse("role", &body.role)?;
    let period = Period::new(body.starts_on, body.ends_on)?;
    let handover_notes = notes("handover_notes", body.handover_notes.as_deref())?;
    let alliance = scope.id();
    let partner = PartnerId(body.partner_id);
    let user = UserId(body.user_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let record = conn
        .transaction::<_, ApiError, _>(async |conn| {
            check_usable(conn, alliance, partner, "partner_id").await?;
            if users::find(conn, user).await?.is_none() {
                return Err(ApiError::field("user_id", "not_found", "no such account"));
            }
            let record = mandates::insert(
                conn,
                NewMandate {
                    id: MandateId::new(),
                    alliance,
                    user,
                    partner,
                    role,
                    period,
                    successor_of: None,
                    handover_notes,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::MandateCreated {
                    mandate: record.mandate.clone(),
                },
            )
            .await?;
            Ok(record)
        })
        .await?;
    let response = MandateResponse::new(record, scope.today, true);
    Ok(created(
        format!("/api/v1/alliances/{alliance}/mandates/{}", response.id),
        &response,
    ))
}

/// Read a mandate.
#[utoipa::path(
    tag = "mandates",
    params(MandatePath),
    responses(
        (status = 200, description = "The mandate", body = MandateResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{mandate_id}")]
pub async fn get_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<MandatePath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let found = mandates::find(&mut conn, scope.id(), MandateId(path.mandate_id)).await?;
    // A successor reads their predecessor's mandate and notes, even before their own
    // mandate starts; anyone else must be a member (checked before saying whether the
    // id exists, so that ids leak nothing).
    let show = match &found {
        Some(record) => may_read_notes(&mut conn, &scope, record).await?,
        None => false,
    };
    if !show {
        policy::read_private(&scope.caller)?;
    }
    let record = found.ok_or_else(|| ApiError::not_found("mandate"))?;
    Ok(json_with_etag(
        StatusCode::OK,
        &MandateResponse::new(record, scope.today, show),
    ))
}

/// Change a mandate (coordinator; its holder may write its handover notes).
#[utoipa::path(
    tag = "mandates",
    request_body = UpdateMandateRequest,
    params(
        MandatePath,
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the mandate changed since"),
    ),
    responses(
        (status = 200, description = "The updated mandate", body = MandateResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 412, response = PreconditionFailed),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{mandate_id}")]
pub async fn update_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<MandatePath>,
    if_match: IfMatch,
    body: web::Json<UpdateMandateRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::read_private(&scope.caller)?;
    let body = body.into_inner();
    let role = body
        .role
        .as_deref()
        .map(|r| Role::parse("role", r))
        .transpose()?;
    let handover_notes = match &body.handover_notes {
        None => None,
        Some(n) => Some(notes("handover_notes", n.as_deref())?),
    };
    let only_notes = role.is_none() && body.starts_on.is_none() && body.ends_on.is_none();
    let alliance = scope.id();
    let id = MandateId(path.mandate_id);
    let actor = scope.actor();
    let today = scope.today;
    let mut conn = pool::get(&state.pool).await?;
    let record = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = mandates::lock(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("mandate"))?;
            policy::edit_mandate(&scope.caller, current.mandate.user, only_notes)?;
            if_match.check(&MandateResponse::new(current.clone(), today, true))?;
            if only_notes && handover_notes.is_none() {
                return Ok(current);
            }
            let starts_on = body.starts_on.unwrap_or(current.mandate.period.starts_on);
            let ends_on = body.ends_on.unwrap_or(current.mandate.period.ends_on);
            Period::new(starts_on, ends_on)?;
            let record = mandates::update(
                conn,
                alliance,
                id,
                MandateChanges {
                    role,
                    starts_on: body.starts_on,
                    ends_on: body.ends_on,
                    handover_notes,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::MandateUpdated {
                    mandate: record.mandate.clone(),
                },
            )
            .await?;
            Ok(record)
        })
        .await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &MandateResponse::new(record, today, true),
    ))
}

/// Remove a mandate (coordinator). Mandates that succeeded it keep their own dates.
#[utoipa::path(
    tag = "mandates",
    params(MandatePath),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{mandate_id}")]
pub async fn delete_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<MandatePath>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    let id = MandateId(path.mandate_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let record = mandates::lock(conn, alliance, id)
            .await?
            .ok_or_else(|| ApiError::not_found("mandate"))?;
        mandates::delete(conn, id).await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::MandateDeleted {
                mandate: record.mandate.clone(),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Designate a successor: an invitation for the same partner and role, starting the
/// day after this mandate ends, with handover notes. The token is in the answer, once.
///
/// Only for a mandate that is current or starts later (409 `mandate_ended`) and has
/// an end date (409 `mandate_has_no_end`). The successor's mandate ends on the 31
/// August closing the academic year it starts in, or on an earlier `ends_on` (a
/// later one is 422). The mandate's own holder cannot be named (422 `email`,
/// `own_successor`). A representative designates for their own mandate only, and
/// never for a role above their own current one for the partner (403); the
/// coordinator and admins for any mandate. One successor per mandate: a new
/// designation revokes the pending invitation (journaled `invitation.revoked`), and
/// once a successor has accepted it is 409 `successor_exists`. An archived alliance
/// answers 409 `alliance_archived`.
#[utoipa::path(
    tag = "mandates",
    request_body = DesignateSuccessorRequest,
    params(SuccessorPath),
    responses(
        (status = 201, description = "The successor's invitation, with its token", body = CreatedInvitation,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{mandate_id}/successor")]
pub async fn designate_successor(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<SuccessorPath>,
    body: web::Json<DesignateSuccessorRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::read_private(&scope.caller)?;
    let email = Email::parse("email", &body.email)?;
    let handover_notes = notes("handover_notes", body.handover_notes.as_deref())?;
    let expires_at = expires_at(body.expires_in_days)?;
    let alliance = scope.id();
    let id = MandateId(path.mandate_id);
    let (token, token_hash) = new_token();
    let actor = scope.actor();
    let today = scope.today;
    let mut conn = pool::get(&state.pool).await?;
    let invitation = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let predecessor = mandates::lock(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("mandate"))?;
            policy::designate_successor(
                &scope.caller,
                predecessor.mandate.user,
                predecessor.mandate.partner,
                predecessor.mandate.role,
            )?;
            let period = successor_period(&predecessor.mandate.period, today, body.ends_on)?;
            let holder = users::find(conn, predecessor.mandate.user)
                .await?
                .ok_or_else(|| ApiError::Internal("a mandate's holder is missing".into()))?;
            succession::not_the_holder(holder.email.as_str(), email.as_str())?;
            let accepted = mandates::successors_of(conn, &[id]).await?;
            succession::no_accepted_successor(!accepted.is_empty())?;
            check_usable(conn, alliance, predecessor.mandate.partner, "partner_id").await?;
            // One successor per mandate: a pending designation is replaced, and its
            // revocation journaled like any other.
            for revoked in invitations::revoke_pending_successors(conn, id).await? {
                journal::append(
                    conn,
                    Some(alliance),
                    actor,
                    &Event::InvitationRevoked {
                        invitation: revoked.id,
                        partner: revoked.partner,
                        role: revoked.role,
                    },
                )
                .await?;
            }
            if handover_notes.is_some() {
                mandates::update(
                    conn,
                    alliance,
                    id,
                    MandateChanges {
                        handover_notes: Some(handover_notes.clone()),
                        ..MandateChanges::default()
                    },
                )
                .await?;
            }
            let invitation = invitations::insert(
                conn,
                NewInvitation {
                    id: InvitationId::new(),
                    alliance,
                    email: email.as_str().to_owned(),
                    partner: predecessor.mandate.partner,
                    role: predecessor.mandate.role,
                    period,
                    successor_of: Some(id),
                    handover_notes,
                    token_hash,
                    expires_at,
                    created_by: actor.user,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::SuccessorDesignated {
                    invitation: invitation.id,
                    predecessor: id,
                    partner: invitation.partner,
                    role: invitation.role,
                    starts_on: invitation.period.starts_on,
                },
            )
            .await?;
            Ok(invitation)
        })
        .await?;
    let response = CreatedInvitation::new(invitation, token);
    Ok(created(
        format!(
            "/api/v1/alliances/{alliance}/invitations/{}",
            response.invitation.id
        ),
        &response,
    ))
}
