//! Indicators and measurements: results backed by evidence, confirmed by another partner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use agir_app::actions::visible_action;
use agir_app::partners::check_usable;
use agir_domain::alliance::{name, website};
use agir_domain::error::{Validator, bounded_text};
use agir_domain::ids::{ActionId, IndicatorId, MeasurementId, PartnerId};
use agir_domain::journal::Event;
use agir_domain::plan::{self, CatalogueIndicator, ReviewStatus, Verdict};
use agir_domain::policy::{self, ActionOwners};
use agir_persistence::journal;
use agir_persistence::page::TimeKey;
use agir_persistence::results::{self, Indicator, Measurement, NewIndicator, NewMeasurement};
use agir_persistence::{AsyncConnection, AsyncPgConnection, pool};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::choices;
use crate::etag::created;
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{ActionPath, IndicatorPath, MeasurementPath};
use crate::problem::{ApiError, Forbidden, UnprocessableEntity};
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// A measured quantity of an action, with its progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a40",
    "action_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a20",
    "catalogue": "food_collected_kg",
    "name": "Denrées collectées",
    "unit": "kg",
    "target": 200.0,
    "total": 180.0,
    "confirmed_total": 150.0,
    "progress_percent": 75.0,
    "measurements": 3,
    "verified": true,
    "created_at": "2025-10-01T10:00:00Z"
}))]
pub struct IndicatorResponse {
    pub id: Uuid,
    pub action_id: Uuid,
    /// A catalogue key (aggregable across cities), or `null` for a custom indicator.
    #[schema(value_type = Option<choices::Catalogue>)]
    pub catalogue: Option<String>,
    pub name: String,
    pub unit: String,
    pub target: Option<f64>,
    /// Sum of every measurement.
    pub total: f64,
    /// Sum of the measurements confirmed by another partner.
    pub confirmed_total: f64,
    /// `confirmed_total` as a share of `target`; `null` without a target.
    pub progress_percent: Option<f64>,
    pub measurements: i64,
    /// At least one measurement with evidence is confirmed by another partner.
    pub verified: bool,
    pub created_at: DateTime<Utc>,
}

impl From<Indicator> for IndicatorResponse {
    fn from(i: Indicator) -> Self {
        Self {
            progress_percent: i
                .target
                .filter(|t| *t > 0.0)
                .map(|t| (i.confirmed_total / t * 1000.0).round() / 10.0),
            id: i.id,
            action_id: i.action_id,
            catalogue: i.catalogue,
            name: i.name,
            unit: i.unit,
            target: i.target,
            total: i.total,
            confirmed_total: i.confirmed_total,
            measurements: i.measurements,
            verified: i.verified,
            created_at: i.created_at,
        }
    }
}

/// An action's indicators.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IndicatorPage {
    pub items: Vec<IndicatorResponse>,
    /// Always `null`: an action has few indicators.
    pub next_cursor: Option<String>,
}

/// A value of an indicator on a date, and its review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a50",
    "indicator_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a40",
    "value": 62.5,
    "measured_on": "2025-11-20",
    "evidence_url": "https://www.sceaux.fr/disco-soupe-bilan",
    "note": "Pesée à la fin de la collecte",
    "recorded_by": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "review": {"status": "confirmed", "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a01", "reason": null, "reviewed_at": "2025-11-22T10:00:00Z"},
    "created_at": "2025-11-20T18:00:00Z"
}))]
pub struct MeasurementResponse {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    /// Who recorded it (a user id); `null` for callers who are not members of the
    /// alliance (no current mandate in it) nor platform admins: the public sees the
    /// partner, never a person.
    pub recorded_by: Option<Uuid>,
    /// The partner that recorded it.
    pub partner_id: Uuid,
    /// The latest review by another partner; `null` until reviewed.
    pub review: Option<ReviewResponse>,
    pub created_at: DateTime<Utc>,
}

/// A review of a measurement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewResponse {
    /// `confirmed` or `disputed`.
    #[schema(value_type = choices::ReviewStatus)]
    pub status: String,
    /// The reviewing partner.
    pub partner_id: Option<Uuid>,
    pub reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<Measurement> for MeasurementResponse {
    fn from(m: Measurement) -> Self {
        Self {
            review: m.review_status.map(|status| ReviewResponse {
                status: status.as_str().to_owned(),
                partner_id: m.reviewer_partner.map(|p| p.0),
                reason: m.review_reason,
                reviewed_at: m.reviewed_at,
            }),
            id: m.id.0,
            indicator_id: m.indicator.0,
            value: m.value,
            measured_on: m.measured_on,
            evidence_url: m.evidence_url,
            note: m.note,
            recorded_by: Some(m.recorded_by.0),
            partner_id: m.partner.0,
            created_at: m.created_at,
        }
    }
}

impl MeasurementResponse {
    /// The measurement as `caller` may see it: user ids only for members and admins
    /// (`policy::read_private`).
    fn seen_by(mut self, caller: &policy::AllianceCaller) -> Self {
        if policy::read_private(caller).is_err() {
            self.recorded_by = None;
        }
        self
    }
}

page_schema!(MeasurementPage, MeasurementResponse);

/// A new indicator: a catalogue key, or a custom name and unit.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"catalogue": "food_collected_kg", "target": 200.0}))]
pub struct CreateIndicatorRequest {
    /// `food_collected_kg`, `food_redistributed_kg`, `compost_kg`, `waste_avoided_kg`,
    /// `participants`, `students_involved`, `events_held`, `volunteer_hours`, `beneficiaries`.
    #[schema(value_type = Option<choices::Catalogue>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<String>,
    /// For a custom indicator (required without `catalogue`).
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// For a custom indicator (required without `catalogue`).
    #[schema(max_length = 50)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[schema(minimum = 0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

/// A new measurement.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "value": 62.5,
    "measured_on": "2025-11-20",
    "evidence_url": "https://www.sceaux.fr/disco-soupe-bilan",
    "note": "Pesée à la fin de la collecte"
}))]
pub struct CreateMeasurementRequest {
    #[schema(minimum = 0)]
    pub value: f64,
    /// Default: today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_on: Option<NaiveDate>,
    /// Evidence: a link (a photo, a report)...
    #[schema(max_length = 500)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_url: Option<String>,
    /// ... and/or a note.
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The partner recording it (one taking part in the action); may be left out when
    /// you take part for one partner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// A review by another partner.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"verdict": "dispute", "reason": "La pesée n'inclut pas les invendus rendus."}))]
pub struct ReviewRequest {
    /// `confirm` or `dispute`.
    #[schema(value_type = choices::Verdict)]
    pub verdict: String,
    /// Required to dispute.
    #[schema(max_length = 2000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The reviewing partner; may be left out when you speak for one partner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// An indicator the caller may see, and its action's owners and participants.
async fn visible_indicator(
    conn: &mut AsyncPgConnection,
    scope: &InAlliance,
    id: IndicatorId,
) -> Result<
    (
        Indicator,
        agir_persistence::plans::Action,
        agir_persistence::plans::Plan,
    ),
    ApiError,
> {
    let indicator = results::find_indicator(conn, scope.id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("indicator"))?;
    let (action, plan) = visible_action(conn, scope, ActionId(indicator.action_id)).await?;
    Ok((indicator, action, plan))
}

/// An action's indicators with their progress (public when its plan is adopted).
#[utoipa::path(
    tag = "results",
    params(ActionPath),
    responses(
        (status = 200, description = "The indicators", body = IndicatorPage),
        (status = 403, response = Forbidden),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{action_id}/indicators")]
pub async fn list_indicators(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<ActionPath>,
) -> Result<web::Json<IndicatorPage>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let (action, _) = visible_action(&mut conn, &scope, ActionId(path.action_id)).await?;
    let indicators = results::indicators_of(&mut conn, &[action.id]).await?;
    Ok(web::Json(IndicatorPage {
        items: indicators
            .into_iter()
            .map(IndicatorResponse::from)
            .collect(),
        next_cursor: None,
    }))
}

/// Add an indicator to an action (the partner that leads or proposed it, or the coordinator).
#[utoipa::path(
    tag = "results",
    params(ActionPath),
    request_body = CreateIndicatorRequest,
    responses(
        (status = 201, description = "Created", body = IndicatorResponse,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{action_id}/indicators")]
pub async fn create_indicator(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    body: web::Json<CreateIndicatorRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let (catalogue, name, unit) = match &body.catalogue {
        Some(key) => match v.check(CatalogueIndicator::parse("catalogue", key)) {
            Some(c) => {
                let (n, u) = c.name_and_unit();
                (
                    Some(c.as_str().to_owned()),
                    body.name
                        .as_deref()
                        .and_then(|n| v.check(name("name", n)))
                        .unwrap_or_else(|| n.to_owned()),
                    u.to_owned(),
                )
            }
            None => (None, String::new(), String::new()),
        },
        None => {
            let n = v.check(name("name", body.name.as_deref().unwrap_or("")));
            let u = v.check(bounded_text("unit", body.unit.as_deref().unwrap_or(""), 50));
            (None, n.unwrap_or_default(), u.unwrap_or_default())
        }
    };
    if body.target.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        v.push(agir_domain::FieldError::new(
            "target",
            "out_of_range",
            "must be a number ≥ 0",
        ));
    }
    v.finish(())?;
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let indicator = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (action, plan) = visible_action(conn, &scope, ActionId(path.action_id)).await?;
            policy::edit_action(
                &scope.caller,
                ActionOwners {
                    proposing: action.proposing_partner,
                    lead: action.lead_partner,
                },
            )?;
            plan::can_edit_action(plan.phase)?;
            let indicator = results::insert_indicator(
                conn,
                NewIndicator {
                    id: IndicatorId::new(),
                    alliance,
                    action: action.id,
                    catalogue,
                    name,
                    unit,
                    target: body.target,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                scope.actor(),
                &Event::IndicatorCreated {
                    indicator: IndicatorId(indicator.id),
                    action: action.id,
                    catalogue: indicator.catalogue.clone(),
                    name: indicator.name.clone(),
                    unit: indicator.unit.clone(),
                    target: indicator.target,
                },
            )
            .await?;
            Ok(indicator)
        })
        .await?;
    let response = IndicatorResponse::from(indicator);
    Ok(created(
        format!(
            "/api/v1/alliances/{alliance}/actions/{}/indicators",
            response.action_id
        ),
        &response,
    ))
}

/// An indicator's measurements (public when its plan is adopted).
#[utoipa::path(
    tag = "results",
    params(IndicatorPath, PageParams),
    responses(
        (status = 200, description = "A page of measurements", body = MeasurementPage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{indicator_id}/measurements")]
pub async fn list_measurements(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<IndicatorPath>,
    page: web::Query<PageParams>,
) -> Result<web::Json<MeasurementPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let (indicator, _, _) =
        visible_indicator(&mut conn, &scope, IndicatorId(path.indicator_id)).await?;
    let found = results::list_measurements(&mut conn, IndicatorId(indicator.id), &page).await?;
    Ok(web::Json(MeasurementPage::from_page(found, |m| {
        MeasurementResponse::from(m).seen_by(&scope.caller)
    })))
}

/// Record a measurement (a member of a partner taking part in the action, or the coordinator).
#[utoipa::path(
    tag = "results",
    params(IndicatorPath),
    request_body = CreateMeasurementRequest,
    responses(
        (status = 201, description = "Created", body = MeasurementResponse,
            headers(("Location" = String), ("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{indicator_id}/measurements")]
pub async fn create_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    scope: InAlliance,
    path: web::Path<IndicatorPath>,
    body: web::Json<CreateMeasurementRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut v = Validator::new();
    if !(body.value.is_finite() && body.value >= 0.0) {
        v.push(agir_domain::FieldError::new(
            "value",
            "out_of_range",
            "must be a number ≥ 0",
        ));
    }
    let evidence_url = body
        .evidence_url
        .as_deref()
        .and_then(|u| v.check(website("evidence_url", u)));
    let note = match body.note.as_deref() {
        Some(n) if !n.trim().is_empty() => v.check(bounded_text("note", n, 5_000)),
        _ => None,
    };
    v.finish(())?;
    let alliance = scope.id();
    let today = scope.today;
    let mut conn = pool::get(&state.pool).await?;
    let measurement = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (indicator, action, plan) = visible_indicator(conn, &scope, IndicatorId(path.indicator_id)).await?;
            let participants = action.participants();
            // Without a partner named: the caller's own partner taking part in the action.
            let partner = match body.partner_id {
                Some(p) => {
                    let p = PartnerId(p);
                    // The right first (403), then the request (422).
                    policy::record_measurement(&scope.caller, p)?;
                    check_usable(conn, alliance, p, "partner_id").await?;
                    if !participants.contains(&p) {
                        return Err(ApiError::field(
                            "partner_id",
                            "not_participating",
                            "this partner does not take part in the action",
                        ));
                    }
                    p
                }
                // Without a partner named: the caller's own partner taking part in the action.
                None => {
                    let mine: Vec<PartnerId> = scope
                        .caller
                        .mandates
                        .iter()
                        .filter(|m| m.role.takes_part() && participants.contains(&m.partner))
                        .map(|m| m.partner)
                        .collect();
                    match mine.as_slice() {
                        [only] => *only,
                        [] if !(scope.caller.is_coordinator() || scope.caller.is_admin()) => {
                            return Err(ApiError::forbidden(
                                "only members of a partner taking part in the action may record its measurements",
                            ));
                        }
                        _ => {
                            return Err(ApiError::field(
                                "partner_id",
                                "required",
                                "say which partner taking part in the action records it",
                            ));
                        }
                    }
                }
            };
            policy::record_measurement(&scope.caller, partner)?;
            plan::can_edit_action(plan.phase)?;
            let measurement = results::insert_measurement(
                conn,
                NewMeasurement {
                    id: MeasurementId::new(),
                    alliance,
                    indicator: IndicatorId(indicator.id),
                    value: body.value,
                    measured_on: body.measured_on.unwrap_or(today),
                    evidence_url,
                    note,
                    recorded_by: caller.id(),
                    partner,
                },
            )
            .await?;
            journal::append(conn, Some(alliance), scope.actor_for(partner), &Event::MeasurementRecorded {
                measurement: measurement.id,
                indicator: IndicatorId(indicator.id),
                value: measurement.value,
                measured_on: measurement.measured_on,
                with_evidence: measurement.evidence_url.is_some() || measurement.note.is_some(),
            })
            .await?;
            Ok(measurement)
        })
        .await?;
    let response = MeasurementResponse::from(measurement);
    Ok(created(
        format!(
            "/api/v1/alliances/{alliance}/indicators/{}/measurements",
            response.indicator_id
        ),
        &response,
    ))
}

/// Confirm or dispute another partner's measurement (a representative or coordinator
/// of a partner other than the one that recorded it). The latest review counts.
///
/// The reviewer must also be another person: not the user who recorded the measurement,
/// and holding no current mandate (of any role) for the recording partner. A coordinator
/// who recorded for P, or who also speaks for P, cannot confirm as Q: 403 `forbidden`,
/// like a review by the recording partner itself.
#[utoipa::path(
    tag = "results",
    params(MeasurementPath),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "The reviewed measurement", body = MeasurementResponse),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{measurement_id}/review")]
pub async fn review_measurement(
    state: web::Data<AppState>,
    caller: Caller,
    scope: InAlliance,
    path: web::Path<MeasurementPath>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let verdict = Verdict::parse("verdict", &body.verdict)?;
    let reason = match body.reason.as_deref() {
        Some(r) if !r.trim().is_empty() => Some(bounded_text("reason", r, 2_000)?),
        _ => None,
    };
    if verdict == Verdict::Dispute && reason.is_none() {
        return Err(ApiError::field(
            "reason",
            "required",
            "say why the measurement is disputed",
        ));
    }
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let measurement = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = results::lock_measurement(conn, alliance, MeasurementId(path.measurement_id))
                .await?
                .ok_or_else(|| ApiError::not_found("measurement"))?;
            let recorder = current.partner;
            let reviewer = match body.partner_id {
                Some(p) => PartnerId(p),
                None => {
                    let others: Vec<PartnerId> = scope
                        .caller
                        .partners_spoken_for()
                        .into_iter()
                        .filter(|p| *p != recorder)
                        .collect();
                    match others.as_slice() {
                        [only] => *only,
                        [] => {
                            return Err(ApiError::forbidden(
                                "only a representative of another partner than the recorder may review",
                            ));
                        }
                        _ => return Err(ApiError::field("partner_id", "required", "say which partner reviews")),
                    }
                }
            };
            let (_, _, plan) = visible_indicator(conn, &scope, current.indicator).await?;
            policy::review_measurement(&scope.caller, reviewer, recorder, current.recorded_by)?;
            check_usable(conn, alliance, reviewer, "partner_id").await?;
            plan::can_edit_action(plan.phase)?;
            let status = ReviewStatus::from(verdict);
            let measurement =
                results::review(conn, current.id, status, caller.id(), reviewer, reason.clone()).await?;
            journal::append(conn, Some(alliance), scope.actor_for(reviewer), &Event::MeasurementReviewed {
                measurement: current.id,
                verdict,
                reason: reason.clone(),
                recorded_by_partner: recorder,
            })
            .await?;
            Ok(measurement)
        })
        .await?;
    Ok(crate::etag::json_with_etag(
        StatusCode::OK,
        &MeasurementResponse::from(measurement),
    ))
}
