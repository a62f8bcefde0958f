//! Indicators and measurements: results backed by evidence, confirmed by another partner.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use agir_app::results::{self, IndicatorInput, MeasurementInput, ReviewInput};
use agir_domain::alliance::{name, website};
use agir_domain::error::{Validator, bounded_text};
use agir_domain::ids::{ActionId, IndicatorId, MeasurementId, PartnerId};
use agir_domain::plan::{CatalogueIndicator, Verdict};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use agir_persistence::results::{Indicator, Measurement};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::choices;
use crate::etag::{created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{ActionPath, IndicatorPath, MeasurementPath};
use crate::problem::{ApiError, Forbidden};
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
            id: i.id.0,
            action_id: i.action.0,
            catalogue: i.catalogue.map(|c| c.as_str().to_owned()),
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
    /// The measurement without the user who recorded it, for callers who may not see
    /// people (`agir_app::results::Measurements::shows_recorders`).
    fn without_recorder(mut self) -> Self {
        self.recorded_by = None;
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

/// An action's indicators with their progress (public when its plan is adopted).
#[utoipa::path(
    tag = "results",
    params(ActionPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The indicators", body = IndicatorPage),
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
    let indicators = results::list_indicators(&mut conn, &scope, ActionId(path.action_id)).await?;
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
    let input = indicator_input(&body)?;
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let indicator =
        results::create_indicator(&mut conn, &scope, ActionId(path.action_id), input).await?;
    let response = IndicatorResponse::from(indicator);
    Ok(created(
        format!(
            "/api/v1/alliances/{alliance}/actions/{}/indicators",
            response.action_id
        ),
        &response,
    ))
}

/// A catalogue indicator (its name may be overridden), or a custom name and unit.
fn indicator_input(body: &CreateIndicatorRequest) -> Result<IndicatorInput, ApiError> {
    let mut v = Validator::new();
    let (catalogue, name, unit) = match &body.catalogue {
        Some(key) => match v.check(CatalogueIndicator::parse("catalogue", key)) {
            Some(c) => {
                let (n, u) = c.name_and_unit();
                (
                    Some(c),
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
    Ok(IndicatorInput {
        catalogue,
        name,
        unit,
        target: body.target,
    })
}

/// An indicator's measurements (public when its plan is adopted).
#[utoipa::path(
    tag = "results",
    params(IndicatorPath, PageParams),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "A page of measurements", body = MeasurementPage),
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
    let found =
        results::list_measurements(&mut conn, &scope, IndicatorId(path.indicator_id), &page)
            .await?;
    Ok(web::Json(MeasurementPage::from_page(found.page, |m| {
        let response = MeasurementResponse::from(m);
        if found.shows_recorders {
            response
        } else {
            response.without_recorder()
        }
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
    ),
    security(("bearer_auth" = []))
)]
#[post("/{indicator_id}/measurements")]
pub async fn create_measurement(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<IndicatorPath>,
    body: web::Json<CreateMeasurementRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = measurement_input(body.into_inner())?;
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let measurement =
        results::record_measurement(&mut conn, &scope, IndicatorId(path.indicator_id), input)
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

/// A value ≥ 0 with its evidence (a link and/or a note).
fn measurement_input(body: CreateMeasurementRequest) -> Result<MeasurementInput, ApiError> {
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
    Ok(MeasurementInput {
        value: body.value,
        measured_on: body.measured_on,
        evidence_url,
        note,
        partner: body.partner_id.map(PartnerId),
    })
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
    ),
    security(("bearer_auth" = []))
)]
#[post("/{measurement_id}/review")]
pub async fn review_measurement(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
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
    let input = ReviewInput {
        verdict,
        reason,
        partner: body.partner_id.map(PartnerId),
    };
    let mut conn = pool::get(&state.pool).await?;
    let measurement =
        results::review_measurement(&mut conn, &scope, MeasurementId(path.measurement_id), input)
            .await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &MeasurementResponse::from(measurement),
    ))
}
