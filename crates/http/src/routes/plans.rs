//! Action plans: one per alliance and academic year, moved through their phases by
//! the coordinator, and carried over to the next year.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::plans::{self, NewPlan, PlanEdit, PlanView};
use agir_domain::DomainError;
use agir_domain::alliance::{description, name};
use agir_domain::error::Validator;
use agir_domain::ids::PlanId;
use agir_domain::plan::{AcademicYear, Phase};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, CarryOverPath, PlanPath};
use crate::problem::{ApiError, Forbidden};
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// What a plan holds, by status and verification.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "actions": 6,
    "by_status": {"proposed": 4, "completed": 2},
    "verified": 2,
    "completed_unverified": 0
}))]
pub struct PlanSummary {
    pub actions: i64,
    /// Actions per status (`proposed`, `adopted`, `rejected`, `in_progress`, `completed`, `abandoned`).
    pub by_status: BTreeMap<String, i64>,
    /// Actions whose every indicator has a measurement with evidence confirmed by another partner.
    pub verified: i64,
    /// Completed actions without that: reported as unverified.
    pub completed_unverified: i64,
}

/// An alliance's action plan for one academic year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a10",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "academic_year": "2025-2026",
    "title": "Plan d'actions 2025-2026",
    "description": "Co-construit avec les partenaires de l'alliance",
    "phase": "adopted",
    "carried_over_from": null,
    "summary": {"actions": 6, "by_status": {"proposed": 4, "completed": 2}, "verified": 2, "completed_unverified": 0},
    "created_at": "2025-09-15T10:00:00Z",
    "updated_at": "2025-10-15T10:00:00Z"
}))]
pub struct PlanResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    /// Two consecutive years, `2025-2026`.
    pub academic_year: String,
    pub title: String,
    pub description: String,
    /// `draft`, `consultation`, `voting`, `adopted` or `closed`.
    #[schema(value_type = choices::Phase)]
    pub phase: String,
    /// The plan this one carried unfinished actions over from.
    pub carried_over_from: Option<Uuid>,
    pub summary: PlanSummary,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One page of plans.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanPage {
    pub items: Vec<PlanResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<&plans::PlanSummary> for PlanSummary {
    fn from(summary: &plans::PlanSummary) -> Self {
        Self {
            actions: summary.actions,
            by_status: summary
                .by_status
                .iter()
                .map(|(status, count)| (status.as_str().to_owned(), *count))
                .collect::<BTreeMap<_, _>>(),
            verified: summary.verified,
            completed_unverified: summary.completed_unverified,
        }
    }
}

impl From<&PlanView> for PlanResponse {
    fn from(view: &PlanView) -> Self {
        let plan = &view.plan;
        Self {
            id: plan.id.0,
            alliance_id: plan.alliance.0,
            academic_year: plan.academic_year.to_string(),
            title: plan.title.clone(),
            description: plan.description.clone(),
            phase: plan.phase.as_str().to_owned(),
            carried_over_from: plan.carried_over_from.map(|p| p.0),
            summary: PlanSummary::from(&view.summary),
            created_at: plan.created_at,
            updated_at: plan.updated_at,
        }
    }
}

/// `201 Created` for a new plan of the alliance.
fn created_plan(view: &PlanView) -> HttpResponse {
    let plan = &view.plan;
    created(
        format!("/api/v1/alliances/{}/plans/{}", plan.alliance, plan.id),
        &PlanResponse::from(view),
    )
}

impl CreatePlanRequest {
    fn parse(&self) -> Result<NewPlan, DomainError> {
        let mut v = Validator::new();
        let year = v.check(AcademicYear::parse("academic_year", &self.academic_year));
        let title = self.title.as_deref().map(|t| v.check(name("title", t)));
        let description = v.check(description("description", &self.description));
        let (academic_year, description) = v.finish((year, description))?;
        Ok(NewPlan {
            academic_year,
            title: title.flatten(),
            description,
        })
    }
}

impl UpdatePlanRequest {
    fn parse(&self) -> Result<PlanEdit, DomainError> {
        let mut v = Validator::new();
        let edit = PlanEdit {
            title: self
                .title
                .as_deref()
                .and_then(|t| v.check(name("title", t))),
            description: self
                .description
                .as_deref()
                .and_then(|d| v.check(description("description", d))),
        };
        v.finish(())?;
        Ok(edit)
    }
}

/// A new plan.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"academic_year": "2026-2027", "title": "Plan d'actions 2026-2027"}))]
pub struct CreatePlanRequest {
    /// Two consecutive years, `2026-2027`; one plan per alliance and year.
    #[schema(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: String,
    /// Default: "Plan d'actions <year>".
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
}

/// Changes to a plan's title or description (its phase moves through `/transition`).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Un plan encore plus ambitieux"}))]
pub struct UpdatePlanRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A phase change.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "consultation"}))]
pub struct TransitionRequest {
    /// `consultation`, `voting`, `adopted` or `closed`: the next phase only.
    #[schema(value_type = choices::TransitionTarget)]
    pub to: String,
}

/// Next year's plan.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to_academic_year": "2026-2027"}))]
pub struct CarryOverRequest {
    /// A later academic year with no plan yet (two consecutive years, `2027-2028`).
    #[schema(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub to_academic_year: String,
}

/// List an alliance's plans: adopted and closed ones for everyone, all of them for members.
#[utoipa::path(
    tag = "plans",
    params(AlliancePath, PageParams),
    responses(
        (status = 200, description = "A page of plans", body = PlanPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_plans(
    state: web::Data<AppState>,
    scope: InAlliance,
    page: web::Query<PageParams>,
) -> Result<web::Json<PlanPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let found = plans::list(&mut conn, &scope, &page).await?;
    Ok(web::Json(PlanPage {
        items: found.items.iter().map(PlanResponse::from).collect(),
        next_cursor: found.next_cursor,
    }))
}

/// Start a plan for an academic year, in `draft` (coordinator).
#[utoipa::path(
    tag = "plans",
    params(AlliancePath),
    request_body = CreatePlanRequest,
    responses(
        (status = 201, description = "Created", body = PlanResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_plan(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreatePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let plan = plans::create(&mut conn, &scope, body.parse()).await?;
    Ok(created_plan(&plan))
}

/// Read a plan with its summary (public once adopted).
#[utoipa::path(
    tag = "plans",
    params(PlanPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The plan", body = PlanResponse, headers(("ETag" = String))),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{plan_id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<PlanPath>,
) -> Result<HttpResponse, ApiError> {
    let conn = pool::get(&state.pool).await?;
    let plan = plans::get(&conn, &scope, PlanId(path.plan_id)).await?;
    Ok(json_with_etag(StatusCode::OK, &PlanResponse::from(&plan)))
}

/// Change a plan's title or description (coordinator).
///
/// While the plan's adoption vote is open, its text cannot change (409 `vote_open`).
#[utoipa::path(
    tag = "plans",
    request_body = UpdatePlanRequest,
    params(PlanPath),
    responses(
        (status = 200, description = "The updated plan", body = PlanResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{plan_id}")]
pub async fn update_plan(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<PlanPath>,
    if_match: IfMatch,
    body: web::Json<UpdatePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let id = PlanId(path.plan_id);
    let expected = if_match.against(|view: &PlanView| PlanResponse::from(view));
    let plan = plans::update(&mut conn, &scope, id, body.parse(), &expected).await?;
    Ok(json_with_etag(StatusCode::OK, &PlanResponse::from(&plan)))
}

/// Move a plan to its next phase (coordinator): draft → consultation → voting →
/// adopted → closed. Adopting it adopts its proposed actions. Any other move is 409.
#[utoipa::path(
    tag = "plans",
    request_body = TransitionRequest,
    params(PlanPath),
    responses(
        (status = 200, description = "The plan in its new phase", body = PlanResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{plan_id}/transition")]
pub async fn transition_plan(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<PlanPath>,
    body: web::Json<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let to = Phase::parse("to", &body.to);
    let plan = plans::transition(&mut conn, &scope, PlanId(path.plan_id), to).await?;
    Ok(json_with_etag(StatusCode::OK, &PlanResponse::from(&plan)))
}

/// Start next year's plan in `draft` with this plan's unfinished actions (proposed,
/// adopted or in progress), each linked to its origin, with its attribution and its
/// indicators (coordinator).
#[utoipa::path(
    tag = "plans",
    request_body = CarryOverRequest,
    params(CarryOverPath),
    responses(
        (status = 201, description = "The new plan", body = PlanResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{plan_id}/carry-over")]
pub async fn carry_over_plan(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<CarryOverPath>,
    body: web::Json<CarryOverRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let year = AcademicYear::parse("to_academic_year", &body.to_academic_year);
    let plan = plans::carry_over(&mut conn, &scope, PlanId(path.plan_id), year).await?;
    Ok(created_plan(&plan))
}
