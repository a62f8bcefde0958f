//! Partners of an alliance: public to read, managed by the coordinator.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::partners;
use agir_domain::alliance::{Partner, PartnerKind, PartnerStatus, description, name, website};
use agir_domain::error::Validator;
use agir_domain::ids::PartnerId;
use agir_persistence::page::TimeKey;
use agir_persistence::partners::{PartnerChanges, PartnerFilter};
use agir_persistence::pool;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, PartnerPath};
use crate::problem::ApiError;
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// An organisation taking part in an alliance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "name": "Ecolo'phi",
    "kind": "student_association",
    "college": "students",
    "description": "Association étudiante de l'EPF",
    "website": null,
    "status": "active",
    "joined_on": "2025-09-01",
    "left_on": null,
    "created_at": "2026-09-01T08:30:00Z",
    "updated_at": "2026-09-01T08:30:00Z"
}))]
pub struct PartnerResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub name: String,
    /// `local_authority`, `university`, `school`, `student_services`, `student_association`,
    /// `campus_office`, `business`, `social_economy`, `association`, `public_body`, `other`.
    #[schema(value_type = choices::PartnerKind)]
    pub kind: String,
    /// The college of the kind, used by votes: `city`, `higher_education`, `students`, `civil_society`.
    #[schema(value_type = choices::College)]
    pub college: String,
    pub description: String,
    pub website: Option<String>,
    /// `active` or `withdrawn`.
    #[schema(value_type = choices::PartnerStatus)]
    pub status: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Partner> for PartnerResponse {
    fn from(p: Partner) -> Self {
        Self {
            id: p.id.0,
            alliance_id: p.alliance.0,
            name: p.name,
            kind: p.kind.as_str().to_owned(),
            college: p.kind.college().as_str().to_owned(),
            description: p.description,
            website: p.website,
            status: p.status.as_str().to_owned(),
            joined_on: p.joined_on,
            left_on: p.left_on,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

page_schema!(PartnerPage, PartnerResponse);

/// A new partner.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Ecolo'phi", "kind": "student_association", "description": "Association étudiante de l'EPF"}))]
pub struct CreatePartnerRequest {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(value_type = choices::PartnerKind)]
    pub kind: String,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    #[schema(max_length = 500)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Default: today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_on: Option<NaiveDate>,
}

/// Changes to a partner; `null` clears `website` or `left_on`. Withdrawing
/// (`status: withdrawn`) sets `left_on` to today unless given.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "withdrawn", "left_on": "2026-08-31"}))]
pub struct UpdatePartnerRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(value_type = Option<choices::PartnerKind>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(max_length = 500, value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<Option<String>>,
    #[schema(value_type = Option<choices::PartnerStatus>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_on: Option<Option<NaiveDate>>,
}

/// Filters of the partner list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerFilterParams {
    #[param(value_type = Option<choices::PartnerKind>)]
    pub kind: Option<String>,
    /// `active` or `withdrawn`.
    #[param(value_type = Option<choices::PartnerStatus>)]
    pub status: Option<String>,
}

/// List an alliance's partners (public).
#[utoipa::path(
    tag = "partners",
    params(AlliancePath, PageParams, PartnerFilterParams),
    responses(
        (status = 200, description = "A page of partners", body = PartnerPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_partners(
    state: web::Data<AppState>,
    scope: InAlliance,
    page: web::Query<PageParams>,
    filter: web::Query<PartnerFilterParams>,
) -> Result<web::Json<PartnerPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let filter = PartnerFilter {
        kind: filter
            .kind
            .as_deref()
            .map(|k| PartnerKind::parse("kind", k))
            .transpose()?,
        status: filter
            .status
            .as_deref()
            .map(|s| PartnerStatus::parse("status", s))
            .transpose()?,
    };
    let mut conn = pool::get(&state.pool).await?;
    let found = partners::list(&mut conn, &scope, &filter, &page).await?;
    Ok(web::Json(PartnerPage::from_page(
        found,
        PartnerResponse::from,
    )))
}

/// Add a partner (coordinator).
#[utoipa::path(
    tag = "partners",
    params(AlliancePath),
    request_body = CreatePartnerRequest,
    responses(
        (status = 201, description = "Created", body = PartnerResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_partner(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let name = v.check(name("name", &body.name));
    let kind = v.check(PartnerKind::parse("kind", &body.kind));
    let description = v.check(description("description", &body.description));
    let website = body
        .website
        .as_deref()
        .map(|w| v.check(website("website", w)));
    let new = v
        .finish((name, kind, description))
        .map(|(name, kind, description)| PartnerChanges {
            name: Some(name),
            kind: Some(kind),
            description: Some(description),
            website,
            joined_on: body.joined_on,
            ..PartnerChanges::default()
        });
    let mut conn = pool::get(&state.pool).await?;
    let partner = partners::create(&mut conn, &scope, new).await?;
    let response = PartnerResponse::from(partner);
    Ok(created(
        format!(
            "/api/v1/alliances/{}/partners/{}",
            response.alliance_id, response.id
        ),
        &response,
    ))
}

/// Read a partner (public).
#[utoipa::path(
    tag = "partners",
    params(PartnerPath),
    responses(
        (status = 200, description = "The partner", body = PartnerResponse, headers(("ETag" = String))),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{partner_id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<PartnerPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let partner = partners::get(&mut conn, &scope, PartnerId(path.partner_id)).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &PartnerResponse::from(partner),
    ))
}

/// Change a partner, or withdraw it (coordinator).
#[utoipa::path(
    tag = "partners",
    request_body = UpdatePartnerRequest,
    params(PartnerPath),
    responses(
        (status = 200, description = "The updated partner", body = PartnerResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{partner_id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<PartnerPath>,
    if_match: IfMatch,
    body: web::Json<UpdatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let changes = PartnerChanges {
        name: body.name.as_deref().and_then(|n| v.check(name("name", n))),
        kind: body
            .kind
            .as_deref()
            .and_then(|k| v.check(PartnerKind::parse("kind", k))),
        description: body
            .description
            .as_deref()
            .and_then(|d| v.check(description("description", d))),
        website: body
            .website
            .map(|w| w.and_then(|w| v.check(website("website", &w)))),
        status: body
            .status
            .as_deref()
            .and_then(|s| v.check(PartnerStatus::parse("status", s))),
        joined_on: body.joined_on,
        left_on: body.left_on,
    };
    let changes = v.finish(()).map(|()| changes);
    let mut conn = pool::get(&state.pool).await?;
    let partner = partners::update(
        &mut conn,
        &scope,
        PartnerId(path.partner_id),
        changes,
        &if_match.against(|p: &Partner| PartnerResponse::from(p.clone())),
    )
    .await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &PartnerResponse::from(partner),
    ))
}
