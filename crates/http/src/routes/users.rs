//! Accounts, managed by platform admins.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_app::users;
use agir_domain::error::Validator;
use agir_domain::ids::UserId;
use agir_domain::user::{DisplayName, Email, NewPassword, User};
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use agir_persistence::users::UserChanges;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminCaller;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::UserPath;
use crate::problem::{ApiError, Forbidden, HashingBusy};
use crate::state::AppState;

/// An account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
    "email": "coordination@sceaux.fr",
    "display_name": "Claire Martin",
    "is_admin": false,
    "disabled": false,
    "created_at": "2026-09-01T08:30:00Z",
    "updated_at": "2026-09-01T08:30:00Z"
}))]
pub struct UserResponse {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Platform admin (AVUF staff).
    pub is_admin: bool,
    /// A disabled account cannot log in and its tokens stop working at once.
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserResponse {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            is_admin: user.is_admin,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self::from(&user)
    }
}

page_schema!(UserPage, UserResponse);

/// A new account.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "new.admin@avuf.fr",
    "display_name": "Nouvel administrateur",
    "password": "a long enough password",
    "is_admin": true
}))]
pub struct CreateUserRequest {
    #[schema(max_length = 254, format = "email")]
    pub email: String,
    #[schema(max_length = 100)]
    pub display_name: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128, format = "password")]
    pub password: String,
    /// Platform admin (default false).
    #[serde(default)]
    pub is_admin: bool,
}

/// Changes to an account; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disabled": true}))]
pub struct UpdateUserRequest {
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    /// Disabling ends every session of the account at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// List accounts, oldest first.
#[utoipa::path(
    tag = "users",
    params(PageParams),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "A page of accounts", body = UserPage),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_users(
    state: web::Data<AppState>,
    admin: AdminCaller,
    params: web::Query<PageParams>,
) -> Result<web::Json<UserPage>, ApiError> {
    let page = params.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let users = users::list(&mut conn, &admin.0.principal(), &page).await?;
    Ok(web::Json(UserPage::from_page(users, UserResponse::from)))
}

/// Create an account.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 403, response = Forbidden),
        (status = 201, description = "Created", body = UserResponse,
            headers(("Location" = String, description = "The new account"), ("ETag" = String))),
        (status = 503, response = HashingBusy),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_user(
    state: web::Data<AppState>,
    admin: AdminCaller,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut v = Validator::new();
    let email = v.check(Email::parse("email", &body.email));
    let name = v.check(DisplayName::parse("display_name", &body.display_name));
    let password = v.check(NewPassword::parse("password", &body.password));
    let (email, name, password) = v.finish((email, name, password))?;
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let mut conn = pool::get(&state.pool).await?;
    let user = users::create(
        &mut conn,
        &admin.0.principal(),
        &email,
        &name,
        &hash,
        body.is_admin,
    )
    .await?;
    let response = UserResponse::from(user);
    Ok(created(format!("/api/v1/users/{}", response.id), &response))
}

/// Read an account.
#[utoipa::path(
    tag = "users",
    params(UserPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The account", body = UserResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    admin: AdminCaller,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let user = users::get(&mut conn, &admin.0.principal(), UserId(path.id)).await?;
    Ok(json_with_etag(StatusCode::OK, &UserResponse::from(user)))
}

/// Change an account: name, admin status, or disable it.
///
/// Disabling an account ends all its sessions: its tokens stop working at once.
/// An admin cannot disable or demote their own account.
#[utoipa::path(
    tag = "users",
    request_body = UpdateUserRequest,
    params(UserPath),
    responses(
        (status = 403, response = Forbidden),
        (status = 200, description = "The updated account", body = UserResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: AdminCaller,
    path: web::Path<UserPath>,
    if_match: IfMatch,
    body: web::Json<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let display_name = body
        .display_name
        .as_deref()
        .map(|n| DisplayName::parse("display_name", n))
        .transpose()?;
    let changes = UserChanges {
        display_name,
        is_admin: body.is_admin,
        disabled: body.disabled,
        password_hash: None,
    };
    let mut conn = pool::get(&state.pool).await?;
    let user = users::update(
        &mut conn,
        &admin.0.principal(),
        UserId(path.id),
        changes,
        &if_match.against(|u: &User| UserResponse::from(u)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &UserResponse::from(user)))
}
