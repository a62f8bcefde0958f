//! An alliance's "Agir Ensemble" labels: applied for by its coordinator, decided by
//! the AVUF (platform admins).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::labels;
use agir_domain::error::bounded_text;
use agir_domain::ids::LabelId;
use agir_domain::label::{self, LabelStatus};
use agir_domain::plan::AcademicYear;
use agir_domain::policy;
use agir_persistence::labels::Label;
use agir_persistence::pool;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminCaller;
use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::paths::{AlliancePath, LabelPath};
use crate::problem::ApiError;
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// A label application and its decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a80",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "academic_year": "2026-2027",
    "status": "applied",
    "kinds_present": ["local_authority", "school", "university", "student_association"],
    "missing_kinds": ["student_services"],
    "application_note": "Nous souhaitons reconduire l'alliance.",
    "decision_note": null,
    "applied_at": "2026-10-01T10:00:00Z",
    "decided_at": null
}))]
pub struct LabelResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub academic_year: String,
    /// `applied`, `granted`, `refused`, `withdrawn`, or `expired` (granted for a past year).
    #[schema(value_type = choices::LabelStatus)]
    pub status: String,
    /// Partner kinds the alliance had when it applied.
    pub kinds_present: Vec<String>,
    /// Expected kinds it lacked (a local authority, a university, a school, the student
    /// services): the AVUF decides knowing it.
    pub missing_kinds: Vec<String>,
    pub application_note: String,
    pub decision_note: Option<String>,
    pub applied_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A label as the API shows it on `today` (a label granted for a past year is
/// `expired`).
fn response(l: &Label, today: NaiveDate) -> LabelResponse {
    let names = |kinds: &[agir_domain::alliance::PartnerKind]| {
        kinds.iter().map(|k| k.as_str().to_owned()).collect()
    };
    LabelResponse {
        status: label::reported_status(l.status, l.academic_year, today).to_owned(),
        id: l.id.0,
        alliance_id: l.alliance.0,
        academic_year: l.academic_year.to_string(),
        kinds_present: names(&l.kinds_present),
        missing_kinds: names(&l.kinds_missing),
        application_note: l.application_note.clone(),
        decision_note: l.decision_note.clone(),
        applied_at: l.applied_at,
        decided_at: l.decided_at,
    }
}

/// An alliance's labels.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LabelPage {
    pub items: Vec<LabelResponse>,
    /// Always `null`: one label per academic year.
    pub next_cursor: Option<String>,
}

/// An application for the label.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"academic_year": "2026-2027", "note": "Nous souhaitons reconduire l'alliance."}))]
pub struct ApplyLabelRequest {
    /// Two consecutive years, `2026-2027`.
    #[schema(pattern = "^[0-9]{4}-[0-9]{4}$")]
    pub academic_year: String,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A decision.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "granted", "note": "Alliance exemplaire ; pensez à associer le Crous."}))]
pub struct DecideLabelRequest {
    /// `granted` or `refused` (an application), `withdrawn` (a granted label).
    #[schema(value_type = choices::LabelDecision)]
    pub status: String,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An alliance's labels: granted ones for everyone, every application for its members.
#[utoipa::path(
    tag = "labels",
    params(AlliancePath),
    responses(
        (status = 200, description = "Labels, newest year first", body = LabelPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_labels(
    state: web::Data<AppState>,
    scope: InAlliance,
) -> Result<web::Json<LabelPage>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let found = labels::list(&mut conn, &scope).await?;
    Ok(web::Json(LabelPage {
        items: found.iter().map(|l| response(l, scope.today)).collect(),
        next_cursor: None,
    }))
}

/// Apply for the label for an academic year (coordinator). The answer says which
/// expected kinds of partners the alliance lacks.
#[utoipa::path(
    tag = "labels",
    params(AlliancePath),
    request_body = ApplyLabelRequest,
    responses(
        (status = 201, description = "Applied", body = LabelResponse, headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn apply_for_label(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<ApplyLabelRequest>,
) -> Result<HttpResponse, ApiError> {
    // The right first (403), then the input (422).
    policy::manage_alliance(&scope.caller)?;
    let year = AcademicYear::parse("academic_year", &body.academic_year)?;
    let note = note(body.note.as_deref())?.unwrap_or_default();
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let label = labels::apply(&mut conn, &scope, year, note).await?;
    let response = response(&label, scope.today);
    Ok(created(
        format!("/api/v1/alliances/{alliance}/labels/{}", response.id),
        &response,
    ))
}

/// An optional note of at most 5,000 characters; blank is none.
fn note(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(match raw {
        Some(n) if !n.trim().is_empty() => Some(bounded_text("note", n, 5_000)?),
        _ => None,
    })
}

/// Decide on a label (platform admins): grant or refuse an application, withdraw a
/// granted label.
#[utoipa::path(
    tag = "labels",
    params(LabelPath),
    request_body = DecideLabelRequest,
    responses(
        (status = 200, description = "Decided", body = LabelResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{label_id}")]
pub async fn decide_label(
    state: web::Data<AppState>,
    // Admins only: 401 or 403 before the alliance is looked up.
    _: AdminCaller,
    scope: InAlliance,
    path: web::Path<LabelPath>,
    if_match: IfMatch,
    body: web::Json<DecideLabelRequest>,
) -> Result<HttpResponse, ApiError> {
    let to = LabelStatus::parse("status", &body.status)?;
    let note = note(body.note.as_deref())?;
    let today = scope.today;
    let mut conn = pool::get(&state.pool).await?;
    let label = labels::decide(
        &mut conn,
        &scope,
        LabelId(path.label_id),
        to,
        note,
        &if_match.against(|label: &Label| response(label, today)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &response(&label, today)))
}
