//! Alliances: public profiles; created by platform admins, edited by their coordinator.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::alliances;
use agir_domain::alliance::{Alliance, AllianceStatus, description, name};
use agir_domain::error::{Validator, filter_text};
use agir_domain::ids::CityId;
use agir_persistence::cities::{AllianceChanges, AllianceFilter};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AdminCaller, MaybeCaller};
use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::AlliancePath;
use crate::problem::{ApiError, Forbidden};
use crate::scope::{Authenticated, EvenArchived, InAlliance};
use crate::state::AppState;

/// A local alliance: a city with its higher-education establishments, student
/// associations and local actors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "city_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a01",
    "name": "Alliance Agir Ensemble de Sceaux",
    "description": "Campus durables en ville durable",
    "status": "active",
    "created_at": "2026-09-01T08:30:00Z",
    "updated_at": "2026-09-01T08:30:00Z"
}))]
pub struct AllianceResponse {
    pub id: Uuid,
    pub city_id: Uuid,
    pub name: String,
    pub description: String,
    /// `active` or `archived`.
    #[schema(value_type = choices::AllianceStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Alliance> for AllianceResponse {
    fn from(a: &Alliance) -> Self {
        Self {
            id: a.id.0,
            city_id: a.city.0,
            name: a.name.clone(),
            description: a.description.clone(),
            status: a.status.as_str().to_owned(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl From<Alliance> for AllianceResponse {
    fn from(a: Alliance) -> Self {
        Self::from(&a)
    }
}

page_schema!(AlliancePage, AllianceResponse);

/// A new alliance.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "city_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a01",
    "name": "Alliance Agir Ensemble de Sceaux",
    "description": "Campus durables en ville durable"
}))]
pub struct CreateAllianceRequest {
    pub city_id: Uuid,
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
}

/// Changes to an alliance; `status` only by platform admins.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Campus durables en ville durable, depuis 2019"}))]
pub struct UpdateAllianceRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active` or `archived` (platform admins).
    #[schema(value_type = Option<choices::AllianceStatus>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Filters of the alliance list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllianceFilterParams {
    pub city_id: Option<Uuid>,
    /// Region of the alliance's city (exact name).
    pub region: Option<String>,
    /// `active` or `archived`.
    #[param(value_type = Option<choices::AllianceStatus>)]
    pub status: Option<String>,
}

/// List alliances, oldest first.
#[utoipa::path(
    tag = "alliances",
    params(PageParams, AllianceFilterParams),
    responses(
        (status = 200, description = "A page of alliances", body = AlliancePage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_alliances(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    page: web::Query<PageParams>,
    filter: web::Query<AllianceFilterParams>,
) -> Result<web::Json<AlliancePage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let filter = AllianceFilter {
        city: filter.city_id.map(CityId),
        region: filter_text("region", filter.region.as_deref())?,
        status: filter
            .status
            .as_deref()
            .map(|s| AllianceStatus::parse("status", s))
            .transpose()?,
    };
    let mut conn = pool::get(&state.pool).await?;
    let alliances = alliances::list(&mut conn, &filter, &page).await?;
    Ok(web::Json(AlliancePage::from_page(
        alliances,
        AllianceResponse::from,
    )))
}

/// Create an alliance in a city (platform admins).
#[utoipa::path(
    tag = "alliances",
    request_body = CreateAllianceRequest,
    responses(
        (status = 403, response = Forbidden),
        (status = 201, description = "Created", body = AllianceResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_alliance(
    state: web::Data<AppState>,
    admin: AdminCaller,
    body: web::Json<CreateAllianceRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let alliance = AllianceChanges {
        city: Some(CityId(body.city_id)),
        name: v.check(name("name", &body.name)),
        description: v.check(description("description", &body.description)),
        status: None,
    };
    v.finish(())?;
    let mut conn = pool::get(&state.pool).await?;
    let alliance = alliances::create(&mut conn, &admin.0.principal(), alliance).await?;
    let response = AllianceResponse::from(alliance);
    Ok(created(
        format!("/api/v1/alliances/{}", response.id),
        &response,
    ))
}

/// Read an alliance's public profile.
#[utoipa::path(
    tag = "alliances",
    params(AlliancePath),
    responses(
        (status = 200, description = "The alliance", body = AllianceResponse, headers(("ETag" = String))),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn get_alliance(scope: InAlliance) -> HttpResponse {
    json_with_etag(
        StatusCode::OK,
        &AllianceResponse::from(alliances::get(&scope)),
    )
}

/// Change an alliance (its coordinator; archiving: platform admins).
///
/// An archived alliance is read-only (409 `alliance_archived`) but for a platform admin setting
/// its `status` back to `active`.
#[utoipa::path(
    tag = "alliances",
    request_body = UpdateAllianceRequest,
    params(AlliancePath),
    responses(
        (status = 200, description = "The updated alliance", body = AllianceResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("")]
pub async fn update_alliance(
    state: web::Data<AppState>,
    Authenticated(EvenArchived(scope)): Authenticated<EvenArchived>,
    if_match: IfMatch,
    body: web::Json<UpdateAllianceRequest>,
) -> Result<HttpResponse, ApiError> {
    // A refusal wins over invalid fields.
    alliances::authorize_update(&scope, body.status.is_some())?;
    let body = body.into_inner();
    let mut v = Validator::new();
    let changes = AllianceChanges {
        city: None,
        name: body.name.and_then(|n| v.check(name("name", &n))),
        description: body
            .description
            .and_then(|d| v.check(description("description", &d))),
        status: body
            .status
            .and_then(|s| v.check(AllianceStatus::parse("status", &s))),
    };
    v.finish(())?;
    let mut conn = pool::get(&state.pool).await?;
    let alliance = alliances::update(
        &mut conn,
        &scope,
        changes,
        &if_match.against(|a: &Alliance| AllianceResponse::from(a)),
    )
    .await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &AllianceResponse::from(alliance),
    ))
}
