//! Actions of a plan: proposed by members as their partner, with an attribution that
//! never changes; edited and progressed by the partners that lead or proposed them.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::actions::{self, ActionEdit, ActionView, Proposal};
use agir_domain::alliance::{description, name};
use agir_domain::error::{Validator, bounded_text};
use agir_domain::ids::{ActionId, PartnerId, PlanId};
use agir_domain::plan::{self, AcademicYear, ActionStatus, Theme};
use agir_domain::{DomainError, FieldError};
use agir_persistence::comments::Endorsement;
use agir_persistence::page::TimeKey;
use agir_persistence::plans::{ActionChanges, ActionFilter, Curriculum};
use agir_persistence::pool;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::pagination::PageParams;
use crate::paths::{ActionPath, PlanPath};
use crate::problem::{ApiError, Forbidden};
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

/// One page of actions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionPage {
    pub items: Vec<ActionResponse>,
    /// `null` on the last page.
    pub next_cursor: Option<String>,
}

impl From<&Curriculum> for CurriculumLink {
    fn from(c: &Curriculum) -> Self {
        Self {
            partner_id: c.partner.0,
            course: c.course.clone(),
            academic_year: c.academic_year.clone(),
            students: c.students,
        }
    }
}

impl From<&Endorsement> for EndorsementResponse {
    fn from(e: &Endorsement) -> Self {
        Self {
            partner_id: e.partner.0,
            partner_name: e.partner_name.clone(),
            created_at: e.created_at,
        }
    }
}

impl From<&ActionView> for ActionResponse {
    fn from(view: &ActionView) -> Self {
        let a = &view.action;
        Self {
            id: a.id.0,
            alliance_id: a.alliance.0,
            plan_id: a.plan.0,
            title: a.title.clone(),
            description: a.description.clone(),
            theme: a.theme.as_str().to_owned(),
            sdgs: a.sdgs.clone(),
            proposed_by: view.proposed_by.map(|u| u.0),
            proposing_partner_id: a.proposing_partner.0,
            lead_partner_id: a.lead_partner.0,
            contributing_partner_ids: a.contributing_partners.iter().map(|p| p.0).collect(),
            planned_start: a.planned_start,
            planned_end: a.planned_end,
            status: a.status.as_str().to_owned(),
            verification: if view.verified {
                "verified"
            } else {
                "unverified"
            }
            .into(),
            curriculum: a.curriculum.as_ref().map(CurriculumLink::from),
            carried_over_from: a.carried_over_from.map(|c| c.0),
            endorsements: view
                .endorsements
                .iter()
                .map(EndorsementResponse::from)
                .collect(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
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
        v.push(FieldError::new(
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

impl CreateActionRequest {
    /// The proposal (its partner apart, settled by the policy first).
    fn parse(self) -> Result<Proposal, DomainError> {
        let mut v = Validator::new();
        let title = v.check(name("title", &self.title));
        let description = v.check(description("description", &self.description));
        let theme = v.check(Theme::parse("theme", &self.theme));
        let sdgs = v.check(plan::sdgs("sdgs", &self.sdgs));
        let curriculum = self.curriculum.as_ref().and_then(|c| curriculum(&mut v, c));
        let (title, description, theme, sdgs) = v.finish((title, description, theme, sdgs))?;
        plan::planned_dates(self.planned_start, self.planned_end)?;
        Ok(Proposal {
            title,
            description,
            theme,
            sdgs,
            lead_partner: self.lead_partner_id.map(PartnerId),
            contributing_partners: self
                .contributing_partner_ids
                .into_iter()
                .map(PartnerId)
                .collect(),
            planned_start: self.planned_start,
            planned_end: self.planned_end,
            curriculum,
        })
    }
}

impl UpdateActionRequest {
    fn parse(self) -> Result<ActionEdit, DomainError> {
        let mut v = Validator::new();
        if self.proposed_by.is_some() {
            v.push(FieldError::new(
                "proposed_by",
                "immutable",
                "who proposed an action never changes",
            ));
        }
        if self.proposing_partner_id.is_some() {
            v.push(FieldError::new(
                "proposing_partner_id",
                "immutable",
                "the partner that proposed an action never changes",
            ));
        }
        let status = self
            .status
            .as_deref()
            .and_then(|s| v.check(ActionStatus::parse("status", s)));
        let title = self
            .title
            .as_deref()
            .and_then(|t| v.check(name("title", t)));
        let description = self
            .description
            .as_deref()
            .and_then(|d| v.check(description("description", d)));
        let theme = self
            .theme
            .as_deref()
            .and_then(|t| v.check(Theme::parse("theme", t)));
        let sdgs = self
            .sdgs
            .as_deref()
            .and_then(|s| v.check(plan::sdgs("sdgs", s)));
        let curriculum = match &self.curriculum {
            None => None,
            Some(None) => Some(None),
            Some(Some(link)) => Some(curriculum(&mut v, link)),
        };
        v.finish(())?;
        Ok(ActionEdit {
            changes: ActionChanges {
                title,
                description,
                theme,
                sdgs,
                lead_partner: self.lead_partner_id.map(PartnerId),
                planned_start: self.planned_start,
                planned_end: self.planned_end,
                status,
                curriculum,
            },
            contributing_partners: self
                .contributing_partner_ids
                .map(|ids| ids.into_iter().map(PartnerId).collect()),
        })
    }
}

impl ActionFilterParams {
    fn parse(&self) -> Result<ActionFilter, DomainError> {
        Ok(ActionFilter {
            status: self
                .status
                .as_deref()
                .map(|s| ActionStatus::parse("status", s))
                .transpose()?,
            theme: self
                .theme
                .as_deref()
                .map(|t| Theme::parse("theme", t))
                .transpose()?,
            partner: self.partner.map(PartnerId),
        })
    }
}

/// List a plan's actions.
#[utoipa::path(
    tag = "actions",
    params(PlanPath, PageParams, ActionFilterParams),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "A page of actions", body = ActionPage),
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
    let filter = filter.parse()?;
    let mut conn = pool::get(&state.pool).await?;
    let found = actions::list(&mut conn, &scope, PlanId(path.plan_id), &filter, &page).await?;
    Ok(web::Json(ActionPage {
        items: found.items.iter().map(ActionResponse::from).collect(),
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
    let proposing = body.proposing_partner_id.map(PartnerId);
    let mut conn = pool::get(&state.pool).await?;
    let plan = PlanId(path.plan_id);
    let action = actions::propose(&mut conn, &scope, plan, proposing, body.parse()).await?;
    let a = &action.action;
    Ok(created(
        format!("/api/v1/alliances/{}/actions/{}", a.alliance, a.id),
        &ActionResponse::from(&action),
    ))
}

/// Read an action (public when its plan is adopted).
#[utoipa::path(
    tag = "actions",
    params(ActionPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The action", body = ActionResponse, headers(("ETag" = String))),
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
    let action = actions::get(&mut conn, &scope, ActionId(path.action_id)).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &ActionResponse::from(&action),
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
    params(ActionPath),
    responses(
        (status = 200, description = "The updated action", body = ActionResponse, headers(("ETag" = String))),
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
    let edit = body.into_inner().parse()?;
    let mut conn = pool::get(&state.pool).await?;
    let expected = if_match.against(|view: &ActionView| ActionResponse::from(view));
    let id = ActionId(path.action_id);
    let action = actions::update(&mut conn, &scope, id, edit, &expected).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &ActionResponse::from(&action),
    ))
}
