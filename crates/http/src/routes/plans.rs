//! Action plans: one per alliance and academic year, moved through their phases by
//! the coordinator, and carried over to the next year.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::plans::{apply_phase, check_visible, refuse_while_voted};
use agir_domain::alliance::{description, name};
use agir_domain::error::Validator;
use agir_domain::ids::{ActionId, IndicatorId, PlanId};
use agir_domain::journal::Event;
use agir_domain::plan::{AcademicYear, ActionStatus, Phase};
use agir_domain::policy;
use agir_domain::vote::Subject;
use agir_persistence::journal;
use agir_persistence::page::TimeKey;
use agir_persistence::plans::{self, NewAction, Plan, PlanChanges};
use agir_persistence::results::{self, NewIndicator};
use agir_persistence::{AsyncConnection, AsyncPgConnection, pool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, CarryOverPath, PlanPath};
use crate::problem::{ApiError, Forbidden, PreconditionFailed, UnprocessableEntity};
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

/// Plans as the API shows them, with their summaries in one query.
async fn responses(
    conn: &mut AsyncPgConnection,
    plans: Vec<Plan>,
) -> Result<Vec<PlanResponse>, ApiError> {
    let ids: Vec<PlanId> = plans.iter().map(|p| p.id).collect();
    let counts = plans::summaries(conn, &ids).await?;
    Ok(plans
        .into_iter()
        .map(|plan| assemble(plan, &counts))
        .collect())
}

/// A plan as the API shows it, its summary taken from `counts` (of any plans).
fn assemble(plan: Plan, counts: &[plans::StatusCount]) -> PlanResponse {
    let mut summary = PlanSummary::default();
    for count in counts.iter().filter(|c| c.plan_id == plan.id.0) {
        summary.actions += count.actions;
        summary.verified += count.verified;
        if count.status == ActionStatus::Completed.as_str() {
            summary.completed_unverified += count.actions - count.verified;
        }
        summary
            .by_status
            .insert(count.status.clone(), count.actions);
    }
    PlanResponse {
        id: plan.id.0,
        alliance_id: plan.alliance.0,
        academic_year: plan.academic_year.to_string(),
        title: plan.title,
        description: plan.description,
        phase: plan.phase.as_str().to_owned(),
        carried_over_from: plan.carried_over_from.map(|p| p.0),
        summary,
        created_at: plan.created_at,
        updated_at: plan.updated_at,
    }
}

pub(crate) async fn response(
    conn: &mut AsyncPgConnection,
    plan: Plan,
) -> Result<PlanResponse, ApiError> {
    responses(conn, vec![plan])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("plan summary missing".into()))
}

/// A new plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"academic_year": "2026-2027", "title": "Plan d'actions 2026-2027"}))]
pub struct CreatePlanRequest {
    /// Two consecutive years, `2026-2027`; one plan per alliance and year.
    #[schema(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: String,
    /// Default: "Plan d'actions <year>".
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
}

/// Changes to a plan's title or description (its phase moves through `/transition`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Un plan encore plus ambitieux"}))]
pub struct UpdatePlanRequest {
    #[schema(max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
}

/// A phase change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to": "consultation"}))]
pub struct TransitionRequest {
    /// `consultation`, `voting`, `adopted` or `closed`: the next phase only.
    #[schema(value_type = choices::TransitionTarget)]
    pub to: String,
}

/// Next year's plan.
#[derive(Debug, Deserialize, ToSchema)]
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
        (status = 422, response = UnprocessableEntity),
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
    let public_only = policy::read_private(&scope.caller).is_err();
    let mut conn = pool::get(&state.pool).await?;
    let found = plans::list_plans(&mut conn, scope.id(), public_only, &page).await?;
    Ok(web::Json(PlanPage {
        items: responses(&mut conn, found.items).await?,
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
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_plan(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreatePlanRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let mut v = Validator::new();
    let year = v.check(AcademicYear::parse("academic_year", &body.academic_year));
    let title = body.title.as_deref().map(|t| v.check(name("title", t)));
    let description = v.check(description("description", &body.description));
    v.finish(())?;
    let (Some(year), Some(description)) = (year, description) else {
        return Err(ApiError::Internal(
            "validator let an invalid value through".into(),
        ));
    };
    let title = title
        .flatten()
        .unwrap_or_else(|| format!("Plan d'actions {year}"));
    let alliance = scope.id();
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let plan =
                plans::insert_plan(conn, alliance, year, &title, &description, None, actor.user)
                    .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::PlanCreated {
                    plan: plan.id,
                    academic_year: year,
                    title: plan.title.clone(),
                },
            )
            .await?;
            response(conn, plan).await
        })
        .await?;
    Ok(created(
        format!("/api/v1/alliances/{alliance}/plans/{}", plan.id),
        &plan,
    ))
}

/// Read a plan with its summary (public once adopted).
#[utoipa::path(
    tag = "plans",
    params(PlanPath),
    responses(
        (status = 200, description = "The plan", body = PlanResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
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
    // The plan and its summary in one round trip; the summary is dropped unread when
    // the caller may not see the plan.
    let (plan, counts) = plans::find_plan_with_summary(&conn, scope.id(), PlanId(path.plan_id))
        .await?
        .ok_or_else(|| ApiError::not_found("plan"))?;
    check_visible(&scope, &plan)?;
    Ok(json_with_etag(StatusCode::OK, &assemble(plan, &counts)))
}

/// Change a plan's title or description (coordinator).
///
/// While the plan's adoption vote is open, its text cannot change (409 `vote_open`).
#[utoipa::path(
    tag = "plans",
    request_body = UpdatePlanRequest,
    params(
        PlanPath,
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the plan changed since"),
    ),
    responses(
        (status = 200, description = "The updated plan", body = PlanResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 412, response = PreconditionFailed),
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
    policy::manage_alliance(&scope.caller)?;
    let mut v = Validator::new();
    let changes = PlanChanges {
        title: body
            .title
            .as_deref()
            .and_then(|t| v.check(name("title", t))),
        description: body
            .description
            .as_deref()
            .and_then(|d| v.check(description("description", d))),
        phase: None,
    };
    v.finish(())?;
    let alliance = scope.id();
    let id = PlanId(path.plan_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = plans::lock_plan(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("plan"))?;
            if_match.check(&response(conn, current.clone()).await?)?;
            if changes.title.is_none() && changes.description.is_none() {
                return response(conn, current).await;
            }
            refuse_while_voted(conn, alliance, &[(Subject::PlanAdoption, id.0)]).await?;
            let plan = plans::update_plan(conn, id, changes).await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::PlanUpdated {
                    plan: id,
                    title: plan.title.clone(),
                },
            )
            .await?;
            response(conn, plan).await
        })
        .await?;
    Ok(json_with_etag(StatusCode::OK, &plan))
}

/// Move a plan to its next phase (coordinator): draft → consultation → voting →
/// adopted → closed. Adopting it adopts its proposed actions. Any other move is 409.
#[utoipa::path(
    tag = "plans",
    request_body = TransitionRequest,
    params(PlanPath),
    responses(
        (status = 200, description = "The plan in its new phase", body = PlanResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
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
    policy::manage_alliance(&scope.caller)?;
    let to = Phase::parse("to", &body.to)?;
    let alliance = scope.id();
    let id = PlanId(path.plan_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = plans::lock_plan(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("plan"))?;
            let phase = current.phase.transition(to)?;
            Ok(apply_phase(conn, alliance, actor, current, phase).await?)
        })
        .await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &response(&mut conn, plan).await?,
    ))
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
        (status = 403, response = Forbidden),
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
    policy::manage_alliance(&scope.caller)?;
    let year = AcademicYear::parse("to_academic_year", &body.to_academic_year)?;
    let alliance = scope.id();
    let id = PlanId(path.plan_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let plan = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let source = plans::lock_plan(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("plan"))?;
            if year <= source.academic_year {
                return Err(ApiError::field(
                    "to_academic_year",
                    "not_later",
                    format!("must be after {}", source.academic_year),
                ));
            }
            let plan = plans::insert_plan(
                conn,
                alliance,
                year,
                &format!("Plan d'actions {year}"),
                &source.description,
                Some(source.id),
                actor.user,
            )
            .await?;
            let unfinished: Vec<_> = plans::all_actions(conn, source.id)
                .await?
                .into_iter()
                .filter(|a| a.status.is_unfinished())
                .collect();
            let origin_ids: Vec<ActionId> = unfinished.iter().map(|a| a.id).collect();
            let indicators = results::indicators_of(conn, &origin_ids).await?;
            for action in &unfinished {
                let copy = plans::insert_action(
                    conn,
                    NewAction {
                        id: ActionId::new(),
                        alliance,
                        plan: plan.id,
                        title: action.title.clone(),
                        description: action.description.clone(),
                        theme: action.theme,
                        sdgs: action.sdgs.clone(),
                        proposed_by: action.proposed_by,
                        proposing_partner: action.proposing_partner,
                        lead_partner: action.lead_partner,
                        contributing_partners: action.contributing_partners.clone(),
                        planned_start: None,
                        planned_end: None,
                        status: ActionStatus::Proposed,
                        curriculum: action.curriculum.clone(),
                        carried_over_from: Some(action.id),
                    },
                )
                .await?;
                for indicator in indicators.iter().filter(|i| i.action == action.id) {
                    results::insert_indicator(
                        conn,
                        NewIndicator {
                            id: IndicatorId::new(),
                            alliance,
                            action: copy.id,
                            catalogue: indicator.catalogue,
                            name: indicator.name.clone(),
                            unit: indicator.unit.clone(),
                            target: indicator.target,
                        },
                    )
                    .await?;
                }
            }
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::PlanCarriedOver {
                    plan: plan.id,
                    from_plan: source.id,
                    academic_year: year,
                    actions: unfinished.len(),
                },
            )
            .await?;
            response(conn, plan).await
        })
        .await?;
    Ok(created(
        format!("/api/v1/alliances/{alliance}/plans/{}", plan.id),
        &plan,
    ))
}
