//! Mandates (the members list) and successor designation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use agir_app::invitations::expires_at;
use agir_app::mandates::{self, NewMandateInput, SuccessorInput, notes};
use agir_domain::DomainError;
use agir_domain::ids::{MandateId, PartnerId, UserId};
use agir_domain::mandate::{Period, Role};
use agir_domain::user::Email;
use agir_persistence::mandates::{MandateChanges, MandateFilter, MandateRecord};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, MandatePath, SuccessorPath};
use crate::problem::ApiError;
use crate::routes::invitations::CreatedInvitation;
use crate::scope::Authenticated;
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

impl CreateMandateRequest {
    fn input(&self) -> Result<NewMandateInput, DomainError> {
        Ok(NewMandateInput {
            role: Role::parse("role", &self.role)?,
            period: Period::new(self.starts_on, self.ends_on)?,
            handover_notes: notes("handover_notes", self.handover_notes.as_deref())?,
            partner: PartnerId(self.partner_id),
            user: UserId(self.user_id),
        })
    }
}

impl UpdateMandateRequest {
    fn changes(&self) -> Result<MandateChanges, DomainError> {
        Ok(MandateChanges {
            role: self
                .role
                .as_deref()
                .map(|r| Role::parse("role", r))
                .transpose()?,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            handover_notes: match &self.handover_notes {
                None => None,
                Some(n) => Some(notes("handover_notes", n.as_deref())?),
            },
        })
    }
}

impl DesignateSuccessorRequest {
    fn input(&self) -> Result<SuccessorInput, DomainError> {
        Ok(SuccessorInput {
            email: Email::parse("email", &self.email)?,
            handover_notes: notes("handover_notes", self.handover_notes.as_deref())?,
            expires_at: expires_at(self.expires_in_days)?,
            ends_on: self.ends_on,
        })
    }
}

/// The members list: every mandate of the alliance (members and observers).
#[utoipa::path(
    tag = "mandates",
    params(AlliancePath, PageParams, MandateFilterParams),
    responses(
        (status = 200, description = "A page of mandates", body = MandatePage),
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
    let query = page.request::<TimeKey>().and_then(|page| {
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
        Ok((filter, page))
    });
    let mut conn = pool::get(&state.pool).await?;
    let found = mandates::list(&mut conn, &scope, query).await?;
    let today = scope.today;
    Ok(web::Json(MandatePage::from_page(found, |record| {
        MandateResponse::new(record, today, true)
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
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateMandateRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let record = mandates::create(&mut conn, &scope, body.input()).await?;
    let response = MandateResponse::new(record, scope.today, true);
    Ok(created(
        format!(
            "/api/v1/alliances/{}/mandates/{}",
            response.alliance_id, response.id
        ),
        &response,
    ))
}

/// Read a mandate.
#[utoipa::path(
    tag = "mandates",
    params(MandatePath),
    responses(
        (status = 200, description = "The mandate", body = MandateResponse, headers(("ETag" = String))),
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
    let record = mandates::get(&mut conn, &scope, MandateId(path.mandate_id)).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &MandateResponse::new(record, scope.today, true),
    ))
}

/// Change a mandate (coordinator; its holder may write its handover notes).
#[utoipa::path(
    tag = "mandates",
    request_body = UpdateMandateRequest,
    params(MandatePath),
    responses(
        (status = 200, description = "The updated mandate", body = MandateResponse, headers(("ETag" = String))),
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
    let today = scope.today;
    let mut conn = pool::get(&state.pool).await?;
    let record = mandates::update(
        &mut conn,
        &scope,
        MandateId(path.mandate_id),
        body.changes(),
        &if_match.against(|r: &MandateRecord| MandateResponse::new(r.clone(), today, true)),
    )
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
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{mandate_id}")]
pub async fn delete_mandate(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<MandatePath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    mandates::delete(&mut conn, &scope, MandateId(path.mandate_id)).await?;
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
    let mut conn = pool::get(&state.pool).await?;
    let id = MandateId(path.mandate_id);
    let issued = mandates::designate_successor(&mut conn, &scope, id, body.input()).await?;
    let response = CreatedInvitation::from(issued);
    Ok(created(
        format!(
            "/api/v1/alliances/{}/invitations/{}",
            response.invitation.alliance_id, response.invitation.id
        ),
        &response,
    ))
}
