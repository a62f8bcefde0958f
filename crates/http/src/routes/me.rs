//! The caller's own account.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use agir_app::users::{self, Me};
use agir_domain::user::{DisplayName, NewPassword};
use agir_persistence::pool;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::etag::{IfMatch, json_with_etag};
use crate::problem::{ApiError, HashingBusy, TooManyRequests};
use crate::routes::mandates::MandateResponse;
use crate::routes::users::UserResponse;
use crate::state::AppState;

/// The caller, with their mandates current today in every alliance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    pub mandates: Vec<MandateResponse>,
}

impl From<&Me> for MeResponse {
    fn from(me: &Me) -> Self {
        Self {
            user: UserResponse::from(&me.user),
            mandates: me
                .mandates
                .iter()
                .map(|m| MandateResponse::new(m.clone(), me.today, true))
                .collect(),
        }
    }
}

/// Changes to the caller's own account.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Claire Martin"}))]
pub struct UpdateMeRequest {
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A password change.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "the old password", "new_password": "a new long password"}))]
pub struct ChangePasswordRequest {
    #[schema(max_length = 128, format = "password")]
    pub current_password: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128, format = "password")]
    pub new_password: String,
}

/// The caller's account.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, description = "The caller", body = MeResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let me = users::me(&mut conn, caller.user).await?;
    Ok(json_with_etag(StatusCode::OK, &MeResponse::from(&me)))
}

/// Change the caller's display name.
#[utoipa::path(
    tag = "me",
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "The updated caller", body = MeResponse, headers(("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[patch("")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    body: web::Json<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let display_name = body
        .display_name
        .as_deref()
        .map(|n| DisplayName::parse("display_name", n))
        .transpose()?;
    let mut conn = pool::get(&state.pool).await?;
    let me = users::update_me(
        &mut conn,
        caller.id(),
        display_name,
        &if_match.against(|me: &Me| MeResponse::from(me)),
    )
    .await?;
    Ok(json_with_etag(StatusCode::OK, &MeResponse::from(&me)))
}
/// Change the caller's password.
///
/// Every other session of the account ends (its refresh and access tokens stop
/// working); the session making the change stays open. The current-password check is
/// limited like a login, and counts against the same budget: per account (its email)
/// and per client address (429 with `Retry-After`). When too many passwords wait to be
/// checked, 503 `password_hashing_busy` with `Retry-After`, at once.
#[utoipa::path(
    tag = "me",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Password changed, other sessions closed"),
        (status = 429, response = TooManyRequests),
        (status = 503, response = HashingBusy),
    ),
    security(("bearer_auth" = []))
)]
#[post("/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new_password = NewPassword::parse("new_password", &body.new_password)?;
    let me = caller.id();
    // A stolen access token must not buy unlimited guesses of the password: the same
    // limiter as login, keyed the same way (the account's email, the client address).
    state.login_limiter.check(
        &caller.user.email.as_str().to_lowercase(),
        crate::client_ip::client_ip(&req, &state.config.trusted_proxies),
    )?;
    let current_hash = {
        let mut conn = pool::get(&state.pool).await?;
        users::password_hash(&mut conn, me).await?
    };
    if !state
        .passwords
        .verify(body.current_password, current_hash)
        .await?
    {
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "is not the current password",
        ));
    }
    let hash = state
        .passwords
        .hash(new_password.expose().to_owned())
        .await?;
    let mut conn = pool::get(&state.pool).await?;
    users::change_password(&mut conn, me, caller.session, hash).await?;
    Ok(HttpResponse::NoContent().finish())
}
