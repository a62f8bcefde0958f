//! Cities (communes): public to read, created and changed by platform admins.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::cities;
use agir_domain::alliance::{City, InseeCode, name, place};
use agir_domain::error::{Validator, filter_text};
use agir_domain::ids::CityId;
use agir_persistence::cities::{CityChanges, CityFilter};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{AdminCaller, MaybeCaller};
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::CityPath;
use crate::problem::{ApiError, Conflict, Forbidden};
use crate::state::AppState;

/// A commune.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a01",
    "name": "Sceaux",
    "insee_code": "92071",
    "department": "Hauts-de-Seine",
    "region": "Île-de-France",
    "created_at": "2026-09-01T08:30:00Z",
    "updated_at": "2026-09-01T08:30:00Z"
}))]
pub struct CityResponse {
    pub id: Uuid,
    pub name: String,
    /// INSEE code, unique.
    pub insee_code: String,
    pub department: String,
    pub region: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&City> for CityResponse {
    fn from(c: &City) -> Self {
        Self {
            id: c.id.0,
            name: c.name.clone(),
            insee_code: c.insee_code.as_str().to_owned(),
            department: c.department.clone(),
            region: c.region.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<City> for CityResponse {
    fn from(c: City) -> Self {
        Self::from(&c)
    }
}

page_schema!(CityPage, CityResponse);

/// A new city.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Sceaux", "insee_code": "92071", "department": "Hauts-de-Seine", "region": "Île-de-France"}))]
pub struct CreateCityRequest {
    #[schema(max_length = 200)]
    pub name: String,
    /// 5 characters: digits, or 2A/2B and 3 digits for Corsica.
    #[schema(min_length = 5, max_length = 5)]
    pub insee_code: String,
    #[schema(max_length = 100)]
    pub department: String,
    #[schema(max_length = 100)]
    pub region: String,
}

/// Changes to a city; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"region": "Île-de-France"}))]
pub struct UpdateCityRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schema(min_length = 5, max_length = 5)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insee_code: Option<String>,
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Filters of the city list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CityFilterParams {
    /// Only cities of this region (exact name).
    pub region: Option<String>,
    /// Only cities of this department (exact name).
    pub department: Option<String>,
}

/// List cities, oldest first.
#[utoipa::path(
    tag = "cities",
    params(PageParams, CityFilterParams),
    responses(
        (status = 200, description = "A page of cities", body = CityPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_cities(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    page: web::Query<PageParams>,
    filter: web::Query<CityFilterParams>,
) -> Result<web::Json<CityPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let filter = CityFilter {
        region: filter_text("region", filter.region.as_deref())?,
        department: filter_text("department", filter.department.as_deref())?,
    };
    let mut conn = pool::get(&state.pool).await?;
    let cities = cities::list(&mut conn, &filter, &page).await?;
    Ok(web::Json(CityPage::from_page(cities, CityResponse::from)))
}

/// Create a city (platform admins).
#[utoipa::path(
    tag = "cities",
    request_body = CreateCityRequest,
    responses(
        (status = 403, response = Forbidden),
        (status = 201, description = "Created", body = CityResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_city(
    state: web::Data<AppState>,
    admin: AdminCaller,
    body: web::Json<CreateCityRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let city = CityChanges {
        name: v.check(name("name", &body.name)),
        insee_code: v.check(InseeCode::parse("insee_code", &body.insee_code)),
        department: v.check(place("department", &body.department)),
        region: v.check(place("region", &body.region)),
    };
    v.finish(())?;
    let mut conn = pool::get(&state.pool).await?;
    let city = cities::create(&mut conn, &admin.0.principal(), city).await?;
    let response = CityResponse::from(city);
    Ok(created(
        format!("/api/v1/cities/{}", response.id),
        &response,
    ))
}

/// Read a city.
#[utoipa::path(
    tag = "cities",
    params(CityPath),
    responses(
        (status = 200, description = "The city", body = CityResponse, headers(("ETag" = String))),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{id}")]
pub async fn get_city(
    state: web::Data<AppState>,
    _caller: MaybeCaller,
    path: web::Path<CityPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let city = cities::get(&mut conn, CityId(path.id)).await?;
    Ok(json_with_etag(StatusCode::OK, &CityResponse::from(city)))
}

/// Change a city (platform admins).
#[utoipa::path(
    tag = "cities",
    request_body = UpdateCityRequest,
    params(CityPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The updated city", body = CityResponse, headers(("ETag" = String))),
        (status = 409, response = Conflict),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{id}")]
pub async fn update_city(
    state: web::Data<AppState>,
    admin: AdminCaller,
    path: web::Path<CityPath>,
    if_match: IfMatch,
    body: web::Json<UpdateCityRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let changes = CityChanges {
        name: body.name.and_then(|n| v.check(name("name", &n))),
        insee_code: body
            .insee_code
            .and_then(|c| v.check(InseeCode::parse("insee_code", &c))),
        department: body
            .department
            .and_then(|d| v.check(place("department", &d))),
        region: body.region.and_then(|r| v.check(place("region", &r))),
    };
    v.finish(())?;
    let mut conn = pool::get(&state.pool).await?;
    let city = cities::update(
        &mut conn,
        &admin.0.principal(),
        CityId(path.id),
        changes,
        &if_match.against(|c: &City| CityResponse::from(c)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &CityResponse::from(city)))
}
