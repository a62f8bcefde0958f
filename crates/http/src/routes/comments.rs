//! Comments on actions and partners' endorsements.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use agir_app::comments;
use agir_domain::DomainError;
use agir_domain::error::bounded_text;
use agir_domain::ids::{ActionId, CommentId, PartnerId};
use agir_persistence::comments::Comment;
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{ActionPath, CommentPath};
use crate::problem::ApiError;
use crate::scope::Authenticated;
use crate::state::AppState;

/// Comments are at most this long.
const COMMENT_MAX: usize = 5_000;

/// A comment on an action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a30",
    "action_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a20",
    "author_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "author_name": "Léa Dubois",
    "body": "La résidence Crous est partante pour accueillir le composteur.",
    "created_at": "2025-10-02T10:00:00Z",
    "updated_at": "2025-10-02T10:00:00Z"
}))]
pub struct CommentResponse {
    pub id: Uuid,
    pub action_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Comment> for CommentResponse {
    fn from(c: &Comment) -> Self {
        Self {
            id: c.id.0,
            action_id: c.action.0,
            author_id: c.author.0,
            author_name: c.author_name.clone(),
            body: c.body.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl CommentRequest {
    fn parse(&self) -> Result<String, DomainError> {
        bounded_text("body", &self.body, COMMENT_MAX)
    }
}

impl CommentPath {
    fn ids(&self) -> (ActionId, CommentId) {
        (ActionId(self.action_id), CommentId(self.comment_id))
    }
}

page_schema!(CommentPage, CommentResponse);

/// A comment's text.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"body": "La résidence Crous est partante pour accueillir le composteur."}))]
pub struct CommentRequest {
    #[schema(max_length = 5000)]
    pub body: String,
}

/// An endorsement for a partner.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03"}))]
pub struct EndorseRequest {
    /// May be left out when you speak for one partner only; otherwise 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// Which partner withdraws its endorsement.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EndorsementParams {
    /// May be left out when you speak for one partner only; otherwise 422.
    pub partner_id: Option<Uuid>,
}

/// Read an action's comments (members of the alliance).
#[utoipa::path(
    tag = "actions",
    params(ActionPath, PageParams),
    responses(
        (status = 200, description = "A page of comments, oldest first", body = CommentPage),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{action_id}/comments")]
pub async fn list_comments(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    page: web::Query<PageParams>,
) -> Result<web::Json<CommentPage>, ApiError> {
    let page = page.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let found = comments::list(&mut conn, &scope, ActionId(path.action_id), &page).await?;
    Ok(web::Json(CommentPage::from_page(found, |c| {
        CommentResponse::from(&c)
    })))
}

/// Comment on an action (anyone taking part in the alliance).
#[utoipa::path(
    tag = "actions",
    params(ActionPath),
    request_body = CommentRequest,
    responses(
        (status = 201, description = "Created", body = CommentResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{action_id}/comments")]
pub async fn create_comment(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    body: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let action = ActionId(path.action_id);
    let comment = comments::create(&mut conn, &scope, action, body.parse()).await?;
    Ok(created(
        format!(
            "/api/v1/alliances/{}/actions/{}/comments/{}",
            scope.id(),
            comment.action,
            comment.id
        ),
        &CommentResponse::from(&comment),
    ))
}

/// Edit your comment.
#[utoipa::path(
    tag = "actions",
    params(CommentPath),
    request_body = CommentRequest,
    responses(
        (status = 200, description = "The updated comment", body = CommentResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{action_id}/comments/{comment_id}")]
pub async fn update_comment(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<CommentPath>,
    if_match: IfMatch,
    body: web::Json<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let expected = if_match.against(|comment: &Comment| CommentResponse::from(comment));
    let comment = comments::update(&mut conn, &scope, path.ids(), body.parse(), &expected).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        &CommentResponse::from(&comment),
    ))
}

/// Delete your comment.
#[utoipa::path(
    tag = "actions",
    params(CommentPath),
    responses(
        (status = 204, description = "Deleted"),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{action_id}/comments/{comment_id}")]
pub async fn delete_comment(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<CommentPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    comments::delete(&mut conn, &scope, path.ids()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Endorse an action for your partner (a representative or coordinator of it); one per partner.
#[utoipa::path(
    tag = "actions",
    params(ActionPath),
    request_body = EndorseRequest,
    responses(
        (status = 204, description = "Endorsed"),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{action_id}/endorsements")]
pub async fn endorse_action(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    body: web::Json<EndorseRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let (action, partner) = (ActionId(path.action_id), body.partner_id.map(PartnerId));
    comments::endorse(&mut conn, &scope, action, partner).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Withdraw your partner's endorsement.
#[utoipa::path(
    tag = "actions",
    params(ActionPath, EndorsementParams),
    responses(
        (status = 204, description = "Withdrawn"),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{action_id}/endorsements")]
pub async fn withdraw_endorsement(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<ActionPath>,
    params: web::Query<EndorsementParams>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let (action, partner) = (ActionId(path.action_id), params.partner_id.map(PartnerId));
    comments::withdraw_endorsement(&mut conn, &scope, action, partner).await?;
    Ok(HttpResponse::NoContent().finish())
}
