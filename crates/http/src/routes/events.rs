//! Events: meetings, the June handover, celebrations, public actions, forums...

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use agir_app::events::{self, EventPatch};
use agir_domain::alliance::{description, name, place};
use agir_domain::error::Validator;
use agir_domain::ids::{ActionId, EventId, PartnerId};
use agir_domain::plan::EventKind;
use agir_domain::policy;
use agir_persistence::events::{Event, EventChanges, EventFilter, NewEvent};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, EventPath};
use crate::problem::ApiError;
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// An event of the alliance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a60",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "title": "Rencontre de passation",
    "kind": "handover",
    "description": "Faire connaissance avec les nouveaux présidents d'associations",
    "starts_at": "2026-06-18T17:00:00Z",
    "ends_at": "2026-06-18T19:00:00Z",
    "place": "Hôtel de ville de Sceaux",
    "attendance": null,
    "partner_ids": [],
    "action_ids": [],
    "created_at": "2026-05-01T10:00:00Z",
    "updated_at": "2026-05-01T10:00:00Z"
}))]
pub struct EventResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub title: String,
    /// `meeting`, `handover`, `celebration`, `public_action`, `forum`, `training` or `other`.
    #[schema(value_type = choices::EventKind)]
    pub kind: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    /// How many people came.
    pub attendance: Option<i32>,
    /// Partners involved.
    pub partner_ids: Vec<Uuid>,
    /// Actions the event serves. Callers who may not read the alliance's private data
    /// see only the actions of adopted or closed plans.
    pub action_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Event> for EventResponse {
    fn from(e: &Event) -> Self {
        Self {
            id: e.id.0,
            alliance_id: e.alliance.0,
            title: e.title.clone(),
            kind: e.kind.as_str().to_owned(),
            description: e.description.clone(),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            place: e.place.clone(),
            attendance: e.attendance,
            partner_ids: e.partners.iter().map(|p| p.0).collect(),
            action_ids: e.actions.iter().map(|a| a.0).collect(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

page_schema!(EventPage, EventResponse);

/// A new event.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Rencontre de passation",
    "kind": "handover",
    "starts_at": "2026-06-18T17:00:00Z",
    "ends_at": "2026-06-18T19:00:00Z",
    "place": "Hôtel de ville de Sceaux"
}))]
pub struct CreateEventRequest {
    #[schema(max_length = 200)]
    pub title: String,
    #[schema(value_type = choices::EventKind)]
    pub kind: String,
    #[schema(max_length = 5000)]
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[schema(minimum = 0)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<i32>,
    #[serde(default)]
    pub partner_ids: Vec<Uuid>,
    #[serde(default)]
    pub action_ids: Vec<Uuid>,
}

/// Changes to an event; `null` clears a nullable field; lists replace the previous ones.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"attendance": 42}))]
pub struct UpdateEventRequest {
    #[schema(max_length = 200)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(value_type = Option<choices::EventKind>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[schema(max_length = 5000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(max_length = 100, value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::routes::nullable")]
    #[schema(minimum = 0, value_type = Option<i32>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendance: Option<Option<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_ids: Option<Vec<Uuid>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_ids: Option<Vec<Uuid>>,
}

/// Filters of the event list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilterParams {
    #[param(value_type = Option<choices::EventKind>)]
    pub kind: Option<String>,
    /// Events starting at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Events starting before this time.
    pub to: Option<DateTime<Utc>>,
}

/// List events in chronological order (public).
#[utoipa::path(
    tag = "events",
    params(AlliancePath, PageParams, EventFilterParams),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_events(
    state: web::Data<AppState>,
    scope: InAlliance,
    page: web::Query<PageParams>,
    filter: web::Query<EventFilterParams>,
) -> Result<web::Json<EventPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let filter = EventFilter {
        kind: filter
            .kind
            .as_deref()
            .map(|k| EventKind::parse("kind", k))
            .transpose()?,
        from: filter.from,
        to: filter.to,
    };
    let mut conn = pool::get(&state.pool).await?;
    let found = events::list(&mut conn, &scope, &filter, &page).await?;
    Ok(web::Json(EventPage::from_page(found, |e| {
        EventResponse::from(&e)
    })))
}

/// Plan an event (coordinator), such as the June handover meeting.
#[utoipa::path(
    tag = "events",
    params(AlliancePath),
    request_body = CreateEventRequest,
    responses(
        (status = 201, description = "Created", body = EventResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_event(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateEventRequest>,
) -> Result<HttpResponse, ApiError> {
    // The right first (403), then the input (422).
    policy::manage_alliance(&scope.caller)?;
    let body = body.into_inner();
    let mut v = Validator::new();
    let title = v.check(name("title", &body.title));
    let kind = v.check(EventKind::parse("kind", &body.kind));
    let description = v.check(description("description", &body.description));
    let place = body
        .place
        .as_deref()
        .and_then(|p| v.check(place("place", p)));
    check_attendance(&mut v, body.attendance);
    let (title, kind, description) = v.finish((title, kind, description))?;
    let new = NewEvent {
        title,
        kind,
        description,
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        place,
        attendance: body.attendance,
        partners: body.partner_ids.into_iter().map(PartnerId).collect(),
        actions: body.action_ids.into_iter().map(ActionId).collect(),
        created_by: None,
    };
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let event = events::create(&mut conn, &scope, new).await?;
    let response = EventResponse::from(&event);
    Ok(created(
        format!("/api/v1/alliances/{alliance}/events/{}", response.id),
        &response,
    ))
}

/// A head count is not negative.
fn check_attendance(v: &mut Validator, attendance: Option<i32>) {
    if attendance.is_some_and(|a| a < 0) {
        v.push(agir_domain::FieldError::new(
            "attendance",
            "out_of_range",
            "must not be negative",
        ));
    }
}

/// Read an event (public).
#[utoipa::path(
    tag = "events",
    params(EventPath),
    responses(
        (status = 200, description = "The event", body = EventResponse, headers(("ETag" = String))),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("/{event_id}")]
pub async fn get_event(
    state: web::Data<AppState>,
    scope: InAlliance,
    path: web::Path<EventPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let event = events::get(&mut conn, &scope, EventId(path.event_id)).await?;
    Ok(json_with_etag(StatusCode::OK, &EventResponse::from(&event)))
}

/// Change an event, or record its attendance (coordinator).
#[utoipa::path(
    tag = "events",
    request_body = UpdateEventRequest,
    params(EventPath),
    responses(
        (status = 200, description = "The updated event", body = EventResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{event_id}")]
pub async fn update_event(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<EventPath>,
    if_match: IfMatch,
    body: web::Json<UpdateEventRequest>,
) -> Result<HttpResponse, ApiError> {
    // The right first (403), then the input (422).
    policy::manage_alliance(&scope.caller)?;
    let body = body.into_inner();
    let mut v = Validator::new();
    let changes = EventChanges {
        title: body
            .title
            .as_deref()
            .and_then(|t| v.check(name("title", t))),
        kind: body
            .kind
            .as_deref()
            .and_then(|k| v.check(EventKind::parse("kind", k))),
        description: body
            .description
            .as_deref()
            .and_then(|d| v.check(description("description", d))),
        starts_at: body.starts_at,
        ends_at: body.ends_at,
        place: body
            .place
            .map(|p| p.and_then(|p| v.check(place("place", &p)))),
        attendance: body.attendance,
    };
    check_attendance(&mut v, body.attendance.flatten());
    v.finish(())?;
    let patch = EventPatch {
        changes,
        partners: body
            .partner_ids
            .map(|ids| ids.into_iter().map(PartnerId).collect()),
        actions: body
            .action_ids
            .map(|ids| ids.into_iter().map(ActionId).collect()),
    };
    let mut conn = pool::get(&state.pool).await?;
    let event = events::update(
        &mut conn,
        &scope,
        EventId(path.event_id),
        patch,
        &if_match.against(|event: &Event| EventResponse::from(event)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &EventResponse::from(&event)))
}

/// Cancel an event (coordinator).
#[utoipa::path(
    tag = "events",
    params(EventPath),
    responses(
        (status = 204, description = "Deleted"),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{event_id}")]
pub async fn delete_event(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<EventPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    events::delete(&mut conn, &scope, EventId(path.event_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
