//! Actions of a plan: proposed by members as their partner, with an attribution that
//! never changes; edited and progressed by the partners that lead or proposed them.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::actions::visible_action;
use agir_app::partners::check_usable;
use agir_app::plans::{refuse_while_voted, visible_plan};
use agir_domain::alliance::{description, name};
use agir_domain::error::{Validator, bounded_text};
use agir_domain::ids::{ActionId, AllianceId, PartnerId, PlanId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, AcademicYear, ActionStatus, Proposer, Theme};
use agir_domain::policy::{self, ActionOwners, AllianceCaller};
use agir_domain::vote::Subject;
use agir_persistence::comments;
use agir_persistence::journal;
use agir_persistence::page::TimeKey;
use agir_persistence::plans::{self, Action, ActionChanges, ActionFilter, Curriculum, NewAction};
use agir_persistence::results;
use agir_persistence::{AsyncConnection, AsyncPgConnection, pool};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::pagination::PageParams;
use crate::paths::{ActionPath, PlanPath};
use crate::problem::{ApiError, Forbidden, PreconditionFailed, UnprocessableEntity};
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// A curriculum link: students of an establishment take the action up in a course.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a06",
    "course": "Licence AES — projet tutoré",
    "academic_year": "2025-2026",
    "students": 12
}))]
pub struct CurriculumLink {
    /// The establishment (a partner of the alliance).
    pub partner_id: Uuid,
    #[schema(max_length = 200)]
    pub course: String,
    #[schema(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: Option<String>,
    #[schema(minimum = 0)]
    pub students: Option<i32>,
}

/// A partner's endorsement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EndorsementResponse {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub created_at: DateTime<Utc>,
}

/// An action of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a20",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "plan_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a10",
    "title": "Compost collectif en résidence étudiante",
    "description": "Installer et animer un composteur partagé",
    "theme": "waste",
    "sdgs": [11, 12],
    "proposed_by": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "proposing_partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "lead_partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "contributing_partner_ids": [],
    "planned_start": "2026-03-01",
    "planned_end": "2026-06-30",
    "status": "proposed",
    "verification": "unverified",
    "curriculum": null,
    "carried_over_from": null,
    "endorsements": [],
    "created_at": "2025-10-01T10:00:00Z",
    "updated_at": "2025-10-01T10:00:00Z"
}))]
pub struct ActionResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub plan_id: Uuid,
    pub title: String,
    pub description: String,
    /// `food`, `waste`, `solidarity`, `biodiversity`, `mobility`, `energy_climate`,
    /// `awareness`, `social_economy`, `health`, `culture`, `other`.
    #[schema(value_type = choices::Theme)]
    pub theme: String,
    /// UN sustainable development goals, 1 to 17.
    pub sdgs: Vec<i16>,
    /// Who proposed it (a user id): set once, never changed. `null` for callers who are
    /// not members of the alliance (no current mandate in it) nor platform admins:
    /// the public sees the proposing partner, never a person.
    pub proposed_by: Option<Uuid>,
    /// The partner it was proposed for: set once, never changed.
    pub proposing_partner_id: Uuid,
    pub lead_partner_id: Uuid,
    pub contributing_partner_ids: Vec<Uuid>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    /// `proposed`, `adopted`, `rejected`, `in_progress`, `completed` or `abandoned`.
    #[schema(value_type = choices::ActionStatus)]
    pub status: String,
    /// `verified`: every indicator has a measurement with evidence confirmed by another
    /// partner; `unverified` otherwise (a completed action may be unverified).
    #[schema(value_type = choices::Verification)]
    pub verification: String,
    pub curriculum: Option<CurriculumLink>,
    /// The action of last year's plan this one continues.
    pub carried_over_from: Option<Uuid>,
    pub endorsements: Vec<EndorsementResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ActionResponse {
    /// The action as `caller` may see it: user ids only for members and admins
    /// (`policy::read_private`).
    pub(crate) fn seen_by(mut self, caller: &AllianceCaller) -> Self {
        if policy::read_private(caller).is_err() {
            self.proposed_by = None;
        }
        self
    }
}

/// One page of actions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionPage {
    pub items: Vec<ActionResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Actions as the API shows them: verification and endorsements in two queries for the lot.
pub(crate) async fn responses(
    conn: &mut AsyncPgConnection,
    actions: Vec<Action>,
) -> Result<Vec<ActionResponse>, ApiError> {
    let ids: Vec<ActionId> = actions.iter().map(|a| a.id).collect();
    let verified = results::verification(conn, &ids).await?;
    let mut endorsements: HashMap<ActionId, Vec<EndorsementResponse>> = HashMap::new();
    for (action, e) in comments::endorsements_of(conn, &ids).await? {
        endorsements
            .entry(action)
            .or_default()
            .push(EndorsementResponse {
                partner_id: e.partner.0,
                partner_name: e.partner_name,
                created_at: e.created_at,
            });
    }
    Ok(actions
        .into_iter()
        .map(|a| ActionResponse {
            verification: if verified.get(&a.id).copied().unwrap_or(false) {
                "verified".into()
            } else {
                "unverified".into()
            },
            endorsements: endorsements.remove(&a.id).unwrap_or_default(),
            id: a.id.0,
            alliance_id: a.alliance.0,
            plan_id: a.plan.0,
            title: a.title,
            description: a.description,
            theme: a.theme.as_str().to_owned(),
            sdgs: a.sdgs,
            proposed_by: Some(a.proposed_by.0),
            proposing_partner_id: a.proposing_partner.0,
            lead_partner_id: a.lead_partner.0,
            contributing_partner_ids: a.contributing_partners.iter().map(|p| p.0).collect(),
            planned_start: a.planned_start,
            planned_end: a.planned_end,
            status: a.status.as_str().to_owned(),
            curriculum: a.curriculum.map(|c| CurriculumLink {
                partner_id: c.partner.0,
                course: c.course,
                academic_year: c.academic_year,
                students: c.students,
            }),
            carried_over_from: a.carried_over_from.map(|c| c.0),
            created_at: a.created_at,
            updated_at: a.updated_at,
        })
        .collect())
}

pub(crate) async fn response(
    conn: &mut AsyncPgConnection,
    action: Action,
) -> Result<ActionResponse, ApiError> {
    responses(conn, vec![action])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("action response missing".into()))
}

/// A proposal.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Compost collectif en résidence étudiante",
    "description": "Installer et animer un composteur partagé",
    "theme": "waste",
    "sdgs": [11, 12],
    "proposing_partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "planned_start": "2026-03-01",
    "planned_end": "2026-06-30"
}))]
pub struct CreateActionRequest {
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    #[schema(value_type = choices::Theme)]
    pub theme: String,
    #[serde(default)]
    pub sdgs: Vec<i64>,
    /// The partner you propose for; may be left out when you take part for one partner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposing_partner_id: Option<Uuid>,
    /// Default: the proposing partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_partner_id: Option<Uuid>,
    #[serde(default)]
    pub contributing_partner_ids: Vec<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curriculum: Option<CurriculumLink>,
}

/// Changes to an action; `null` clears a nullable field. Attribution never changes:
/// `proposed_by` and `proposing_partner_id` are refused with 422 (code `immutable`).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "in_progress", "contributing_partner_ids": ["0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a06"]}))]
pub struct UpdateActionRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[schema(value_type = Option<choices::Theme>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdgs: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_partner_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contributing_partner_ids: Option<Vec<Uuid>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_end: Option<Option<NaiveDate>>,
    /// Adopting or rejecting a proposal is the coordinator's; progress (`in_progress`,
    /// `completed`, `abandoned`) is the owning partners'.
    #[schema(value_type = Option<choices::ActionStatus>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<CurriculumLink>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curriculum: Option<Option<CurriculumLink>>,
    // Read only to refuse them by name (422 `immutable`, any value, `null` included);
    // not in the document, which allows no property it does not list.
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(ignore)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposed_by: Option<Option<Value>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(ignore)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposing_partner_id: Option<Option<Value>>,
}

/// Filters of an action list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActionFilterParams {
    #[param(value_type = Option<choices::ActionStatus>)]
    pub status: Option<String>,
    #[param(value_type = Option<choices::Theme>)]
    pub theme: Option<String>,
    /// Actions this partner proposed, leads or contributes to.
    pub partner: Option<Uuid>,
}

/// Checks that every partner named in `field` of a body is an active partner of this
/// alliance (422 naming `field` otherwise; other errors go up as they are).
async fn check_partners(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    partners: &[PartnerId],
    field: &str,
) -> Result<(), ApiError> {
    for partner in partners {
        check_usable(conn, alliance, *partner, field).await?;
    }
    Ok(())
}

fn curriculum(v: &mut Validator, link: &CurriculumLink) -> Option<Curriculum> {
    let course = v.check(bounded_text("curriculum.course", &link.course, 200))?;
    let year = match &link.academic_year {
        Some(y) => Some(
            v.check(AcademicYear::parse("curriculum.academic_year", y))?
                .to_string(),
        ),
        None => None,
    };
    if link.students.is_some_and(|s| s < 0) {
        v.push(agir_domain::FieldError::new(
            "curriculum.students",
            "out_of_range",
            "must not be negative",
        ));
        return None;
    }
    Some(Curriculum {
        partner: PartnerId(link.partner_id),
        course,
        academic_year: year,
        students: link.students,
    })
}

fn dates(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<(), ApiError> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(ApiError::field(
            "planned_end",
            "before_start",
            "must not be before planned_start",
        )),
        _ => Ok(()),
    }
}

/// List a plan's actions.
#[utoipa::path(
    tag = "actions",
    params(PlanPath, PageParams, ActionFilterParams),
    responses(
        (status = 200, description = "A page of actions", body = ActionPage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{plan_id}/actions")]
pub async fn list_actions(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<PlanPath>,
    page: web::Query<PageParams>,
    filter: web::Query<ActionFilterParams>,
) -> Result<web::Json<ActionPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let filter = ActionFilter {
        status: filter
            .status
            .as_deref()
            .map(|s| ActionStatus::parse("status", s))
            .transpose()?,
        theme: filter
            .theme
            .as_deref()
            .map(|t| Theme::parse("theme", t))
            .transpose()?,
        partner: filter.partner.map(PartnerId),
    };
    let mut conn = pool::get(&state.pool).await?;
    let plan = visible_plan(&mut conn, &scope, PlanId(path.plan_id)).await?;
    let found = plans::list_actions(&mut conn, plan.id, &filter, &page).await?;
    Ok(web::Json(ActionPage {
        items: responses(&mut conn, found.items)
            .await?
            .into_iter()
            .map(|a| a.seen_by(&scope.caller))
            .collect(),
        next_cursor: found.next_cursor,
    }))
}

/// Propose an action as your partner (open in `draft` and `consultation`; the
/// coordinator may still add to an adopted plan, its actions then adopted at once).
///
/// Not while the plan's adoption vote is open (409 `vote_open`).
#[utoipa::path(
    tag = "actions",
    params(PlanPath),
    request_body = CreateActionRequest,
    responses(
        (status = 201, description = "Created", body = ActionResponse,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{plan_id}/actions")]
pub async fn create_action(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<PlanPath>,
    body: web::Json<CreateActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let proposing = policy::acting_partner(
        &scope.caller,
        body.proposing_partner_id.map(PartnerId),
        "proposing_partner_id",
    )?;
    policy::propose_action(&scope.caller, proposing)?;
    let mut v = Validator::new();
    let title = v.check(name("title", &body.title));
    let description = v.check(description("description", &body.description));
    let theme = v.check(Theme::parse("theme", &body.theme));
    let sdgs = v.check(plan::sdgs("sdgs", &body.sdgs));
    let curriculum = body.curriculum.as_ref().and_then(|c| curriculum(&mut v, c));
    v.finish(())?;
    let (Some(title), Some(description), Some(theme), Some(sdgs)) =
        (title, description, theme, sdgs)
    else {
        return Err(ApiError::Internal(
            "validator let an invalid value through".into(),
        ));
    };
    dates(body.planned_start, body.planned_end)?;
    let lead = body.lead_partner_id.map_or(proposing, PartnerId);
    let contributing: Vec<PartnerId> = body
        .contributing_partner_ids
        .iter()
        .copied()
        .map(PartnerId)
        .collect();
    let alliance = scope.id();
    let plan_id = PlanId(path.plan_id);
    let actor = scope.actor_for(proposing);
    let Some(user) = scope.caller.user() else {
        return Err(ApiError::Unauthenticated);
    };
    let proposer = if scope.caller.is_coordinator() || scope.caller.is_admin() {
        Proposer::Coordinator
    } else {
        Proposer::Member
    };
    let mut conn = pool::get(&state.pool).await?;
    let action = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let plan = plans::lock_plan(conn, alliance, plan_id)
                .await?
                .ok_or_else(|| ApiError::not_found("plan"))?;
            plan::can_add_action(plan.phase, proposer)?;
            refuse_while_voted(conn, alliance, &[(Subject::PlanAdoption, plan_id.0)]).await?;
            check_usable(conn, alliance, proposing, "proposing_partner_id").await?;
            check_partners(conn, alliance, &[lead], "lead_partner_id").await?;
            check_partners(conn, alliance, &contributing, "contributing_partner_ids").await?;
            if let Some(c) = &curriculum {
                check_partners(conn, alliance, &[c.partner], "curriculum.partner_id").await?;
            }
            let status = if plan.phase == agir_domain::plan::Phase::Adopted {
                ActionStatus::Adopted
            } else {
                ActionStatus::Proposed
            };
            let action = plans::insert_action(
                conn,
                NewAction {
                    id: ActionId::new(),
                    alliance,
                    plan: plan.id,
                    title,
                    description,
                    theme,
                    sdgs,
                    proposed_by: user,
                    proposing_partner: proposing,
                    lead_partner: lead,
                    contributing_partners: contributing,
                    planned_start: body.planned_start,
                    planned_end: body.planned_end,
                    status,
                    curriculum,
                    carried_over_from: None,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::ActionProposed {
                    action: action.id,
                    plan: plan.id,
                    title: action.title.clone(),
                    theme: action.theme,
                    proposing_partner: proposing,
                    status: action.status,
                },
            )
            .await?;
            response(conn, action).await
        })
        .await?;
    Ok(created(
        format!("/api/v1/alliances/{alliance}/actions/{}", action.id),
        &action,
    ))
}

/// Read an action (public when its plan is adopted).
#[utoipa::path(
    tag = "actions",
    params(ActionPath),
    responses(
        (status = 200, description = "The action", body = ActionResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{action_id}")]
pub async fn get_action(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<ActionPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let (action, _) = visible_action(&mut conn, &scope, ActionId(path.action_id)).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &response(&mut conn, action).await?.seen_by(&scope.caller),
    ))
}

/// Change or progress an action (the partner that leads or proposed it, or the coordinator).
///
/// While a vote on the action, or on its plan, is open, its text cannot change (409
/// `vote_open`); while the action's own adoption vote is open, neither can its status.
///
/// Send the `ETag` you read as `If-Match`: if another partner changed the action
/// since, the answer is 412 and nothing is overwritten.
#[utoipa::path(
    tag = "actions",
    request_body = UpdateActionRequest,
    params(
        ActionPath,
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the action changed since"),
    ),
    responses(
        (status = 200, description = "The updated action", body = ActionResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 412, response = PreconditionFailed),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{action_id}")]
pub async fn update_action(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    if_match: IfMatch,
    body: web::Json<UpdateActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut v = Validator::new();
    if body.proposed_by.is_some() {
        v.push(agir_domain::FieldError::new(
            "proposed_by",
            "immutable",
            "who proposed an action never changes",
        ));
    }
    if body.proposing_partner_id.is_some() {
        v.push(agir_domain::FieldError::new(
            "proposing_partner_id",
            "immutable",
            "the partner that proposed an action never changes",
        ));
    }
    let status = body
        .status
        .as_deref()
        .and_then(|s| v.check(ActionStatus::parse("status", s)));
    let mut changes = ActionChanges {
        title: body
            .title
            .as_deref()
            .and_then(|t| v.check(name("title", t))),
        description: body
            .description
            .as_deref()
            .and_then(|d| v.check(description("description", d))),
        theme: body
            .theme
            .as_deref()
            .and_then(|t| v.check(Theme::parse("theme", t)))
            .map(|t| t.as_str().to_owned()),
        sdgs: body
            .sdgs
            .as_deref()
            .and_then(|s| v.check(plan::sdgs("sdgs", s))),
        lead_partner_id: body.lead_partner_id,
        planned_start: body.planned_start,
        planned_end: body.planned_end,
        status: status.map(|s| s.as_str().to_owned()),
        ..ActionChanges::default()
    };
    let new_curriculum = match &body.curriculum {
        None => None,
        Some(None) => Some(None),
        Some(Some(link)) => Some(curriculum(&mut v, link)),
    };
    v.finish(())?;
    if let Some(link) = &new_curriculum {
        changes.curriculum_partner_id = Some(link.as_ref().map(|c| c.partner.0));
        changes.curriculum_course = Some(link.as_ref().map(|c| c.course.clone()));
        changes.curriculum_academic_year =
            Some(link.as_ref().and_then(|c| c.academic_year.clone()));
        changes.curriculum_students = Some(link.as_ref().and_then(|c| c.students));
    }
    let contributing: Option<Vec<PartnerId>> = body
        .contributing_partner_ids
        .map(|ids| ids.into_iter().map(PartnerId).collect());
    let alliance = scope.id();
    let id = ActionId(path.action_id);
    let mut conn = pool::get(&state.pool).await?;
    let action = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // The plan first (shared), then the action: a vote on either cannot open
            // while this edit checks for one (the vote's creation locks its subject).
            plans::share_plan_of_action(conn, alliance, id).await?;
            let current = plans::lock_action(conn, alliance, id)
                .await?
                .ok_or_else(|| ApiError::not_found("action"))?;
            let plan = visible_plan(conn, &scope, current.plan).await?;
            policy::edit_action(
                &scope.caller,
                ActionOwners {
                    proposing: current.proposing_partner,
                    lead: current.lead_partner,
                },
            )?;
            let unchanged = response(conn, current.clone()).await?;
            if_match.check(&unchanged)?;
            // Nothing to change: nothing written, nothing journaled.
            if changes == ActionChanges::default() && contributing.is_none() {
                return Ok(unchanged);
            }
            plan::can_edit_action(plan.phase)?;
            // Members vote on the action, and on a plan with its actions, as they
            // read: no change to the text while such a vote is open; no status
            // change either while the action's own vote is open (it decides that).
            let text_changes = ActionChanges {
                status: None,
                ..changes.clone()
            } != ActionChanges::default()
                || contributing.is_some();
            let voted: &[(Subject, Uuid)] = if text_changes {
                &[
                    (Subject::ActionAdoption, id.0),
                    (Subject::PlanAdoption, current.plan.0),
                ]
            } else {
                &[(Subject::ActionAdoption, id.0)]
            };
            refuse_while_voted(conn, alliance, voted).await?;
            if let Some(to) = status {
                current.status.transition(to)?;
                if current.status.is_decision(to)
                    && !(scope.caller.is_coordinator() || scope.caller.is_admin())
                {
                    return Err(ApiError::forbidden(
                        "only the coordinator adopts or rejects a proposal",
                    ));
                }
            }
            if let Some(lead) = changes.lead_partner_id {
                check_usable(conn, alliance, PartnerId(lead), "lead_partner_id").await?;
            }
            if let Some(partners) = &contributing {
                check_partners(conn, alliance, partners, "contributing_partner_ids").await?;
            }
            if let Some(Some(link)) = &new_curriculum {
                check_partners(conn, alliance, &[link.partner], "curriculum.partner_id").await?;
            }
            dates(
                changes.planned_start.unwrap_or(current.planned_start),
                changes.planned_end.unwrap_or(current.planned_end),
            )?;
            let action = plans::update_action(conn, alliance, id, changes, contributing).await?;
            let (action_id, title, from, status) =
                (id, action.title.clone(), current.status, action.status);
            let event = if status == from {
                Event::ActionUpdated {
                    action: action_id,
                    title,
                    from,
                    status,
                }
            } else {
                Event::ActionStatusChanged {
                    action: action_id,
                    title,
                    from,
                    status,
                    vote: None,
                }
            };
            journal::append(conn, Some(alliance), scope.actor(), &event).await?;
            response(conn, action).await
        })
        .await?;
    Ok(json_with_etag(StatusCode::OK, &action))
}
