//! Accounts, managed by platform admins.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use agir_domain::error::Validator;
use agir_domain::ids::UserId;
use agir_domain::journal::Event;
use agir_domain::policy;
use agir_domain::user::{DisplayName, Email, NewPassword, User};
use agir_persistence::journal::{self, Actor};
use agir_persistence::page::TimeKey;
use agir_persistence::users::{NewUser, UserChanges};
use agir_persistence::{AsyncConnection, pool, sessions, users};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminCaller;
use crate::etag::{IfMatch, created, json_with_etag};
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::UserPath;
use crate::problem::{ApiError, Forbidden, HashingBusy, PreconditionFailed, UnprocessableEntity};
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

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.into_inner(),
            display_name: user.display_name.into_inner(),
            is_admin: user.is_admin,
            disabled: user.disabled,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
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
        (status = 200, description = "A page of accounts", body = UserPage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_users(
    state: web::Data<AppState>,
    _admin: AdminCaller,
    params: web::Query<PageParams>,
) -> Result<web::Json<UserPage>, ApiError> {
    let page = params.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let users = users::list(&mut conn, &page).await?;
    Ok(web::Json(UserPage::from_page(users, UserResponse::from)))
}

/// Create an account.
#[utoipa::path(
    tag = "users",
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserResponse,
            headers(("Location" = String, description = "The new account"), ("ETag" = String))),
        (status = 403, response = Forbidden),
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
    v.finish(())?;
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(ApiError::Internal(
            "validator let an invalid value through".into(),
        ));
    };
    let hash = state.passwords.hash(password.expose().to_owned()).await?;
    let user = create_account(
        &state,
        Actor::user(admin.0.id()),
        &email,
        &name,
        &hash,
        body.is_admin,
    )
    .await?;
    let response = UserResponse::from(user);
    Ok(created(format!("/api/v1/users/{}", response.id), &response))
}

/// Creates an account and journals it, in one transaction. Shared by the admin
/// endpoint, the bootstrap admin and the command line.
pub async fn create_account(
    state: &AppState,
    actor: Actor,
    email: &Email,
    name: &DisplayName,
    password_hash: &str,
    is_admin: bool,
) -> Result<User, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let user = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let user = users::insert(
                conn,
                NewUser {
                    id: UserId::new().0,
                    email: email.as_str(),
                    display_name: name.as_str(),
                    password_hash,
                    is_admin,
                },
            )
            .await?;
            // Ids, not emails: the journal is append-only and personal data must stay erasable.
            journal::append(
                conn,
                None,
                actor,
                &Event::UserCreated {
                    user: user.id,
                    is_admin: user.is_admin,
                },
            )
            .await?;
            Ok(user)
        })
        .await?;
    Ok(user)
}

/// Read an account.
#[utoipa::path(
    tag = "users",
    params(UserPath),
    responses(
        (status = 200, description = "The account", body = UserResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[get("/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    _admin: AdminCaller,
    path: web::Path<UserPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let user = users::find(&mut conn, UserId(path.id))
        .await?
        .ok_or_else(|| ApiError::not_found("user"))?;
    Ok(json_with_etag(StatusCode::OK, &UserResponse::from(user)))
}

/// Change an account: name, admin status, or disable it.
///
/// Disabling an account ends all its sessions: its tokens stop working at once.
/// An admin cannot disable or demote their own account.
#[utoipa::path(
    tag = "users",
    request_body = UpdateUserRequest,
    params(
        UserPath,
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 if the account changed since"),
    ),
    responses(
        (status = 200, description = "The updated account", body = UserResponse, headers(("ETag" = String))),
        (status = 403, response = Forbidden),
        (status = 412, response = PreconditionFailed),
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
    let target = UserId(path.id);
    let display_name = body
        .display_name
        .as_deref()
        .map(|n| DisplayName::parse("display_name", n))
        .transpose()?;
    let principal = admin.0.principal();
    policy::change_own_admin_status(
        &principal,
        target,
        body.disabled == Some(true),
        body.is_admin == Some(false),
    )?;
    let mut conn = pool::get(&state.pool).await?;
    let user = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = users::find_for_update(conn, target)
                .await?
                .ok_or_else(|| ApiError::not_found("user"))?;
            if_match.check(&UserResponse::from(current.clone()))?;
            if display_name.is_none() && body.is_admin.is_none() && body.disabled.is_none() {
                // Nothing to change: nothing written, nothing journaled.
                return Ok(current);
            }
            let changes = UserChanges {
                display_name: display_name.map(DisplayName::into_inner),
                is_admin: body.is_admin,
                disabled: body.disabled,
                ..UserChanges::default()
            };
            let updated = users::update(conn, target, changes).await?;
            if updated.disabled && !current.disabled {
                sessions::revoke_all_for_user(conn, target, None, sessions::reason::DISABLED)
                    .await?;
            }
            let (user, is_admin, disabled) = (target, updated.is_admin, updated.disabled);
            let event = match (current.disabled, disabled) {
                (false, true) => Event::UserDisabled {
                    user,
                    is_admin,
                    disabled,
                },
                (true, false) => Event::UserEnabled {
                    user,
                    is_admin,
                    disabled,
                },
                _ => Event::UserUpdated {
                    user,
                    is_admin,
                    disabled,
                },
            };
            journal::append(conn, None, Actor::user(principal.user), &event).await?;
            Ok(updated)
        })
        .await?;
    Ok(json_with_etag(StatusCode::OK, &UserResponse::from(user)))
}
