//! Invitations: a single-use token that turns into a mandate when accepted.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use agir_app::invitations::{self, Accepting, Issued, NewInvitationInput, expires_at};
use agir_app::mandates::notes;
use agir_domain::DomainError;
use agir_domain::ids::{InvitationId, PartnerId};
use agir_domain::mandate::{Period, Role};
use agir_domain::user::{DisplayName, Email, NewPassword};
use agir_persistence::invitations::Invitation;
use agir_persistence::page::TimeKey;
use agir_persistence::pool;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::auth::session::{TokenPair, open_session};
use crate::choices;
use crate::etag::created;
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, InvitationPath};
use crate::problem::{ApiError, Forbidden, HashingBusy};
use crate::routes::mandates::MandateResponse;
use crate::routes::users::UserResponse;
use crate::scope::Authenticated;
use crate::state::AppState;

/// An invitation (its token is shown only once, when it is created).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a05",
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "email": "nouvelle.presidente@ecolophi.fr",
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "role": "representative",
    "starts_on": "2026-09-01",
    "ends_on": null,
    "successor_of": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a04",
    "handover_notes": "Réunion de passation en juin.",
    "status": "pending",
    "expires_at": "2026-06-29T10:00:00Z",
    "created_at": "2026-06-15T10:00:00Z",
    "accepted_at": null,
    "mandate_id": null
}))]
pub struct InvitationResponse {
    pub id: Uuid,
    pub alliance_id: Uuid,
    pub email: String,
    pub partner_id: Uuid,
    #[schema(value_type = choices::Role)]
    pub role: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// The mandate the invited person takes over, for a successor.
    pub successor_of: Option<Uuid>,
    pub handover_notes: Option<String>,
    /// `pending`, `accepted`, `revoked` or `expired`.
    #[schema(value_type = choices::InvitationStatus)]
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The mandate created on acceptance.
    pub mandate_id: Option<Uuid>,
}

impl From<Invitation> for InvitationResponse {
    fn from(i: Invitation) -> Self {
        Self {
            status: i.state(Utc::now()).as_str().to_owned(),
            id: i.id.0,
            alliance_id: i.alliance.0,
            email: i.email.into_inner(),
            partner_id: i.partner.0,
            role: i.role.as_str().to_owned(),
            starts_on: i.period.starts_on,
            ends_on: i.period.ends_on,
            successor_of: i.successor_of.map(|m| m.0),
            handover_notes: i.handover_notes,
            expires_at: i.expires_at,
            created_at: i.created_at,
            accepted_at: i.accepted_at,
            mandate_id: i.mandate.map(|m| m.0),
        }
    }
}

page_schema!(InvitationPage, InvitationResponse);

/// A new invitation and its single-use token, shown only in this answer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedInvitation {
    #[serde(flatten)]
    pub invitation: InvitationResponse,
    /// Give it to the invited person; it is stored hashed and never shown again.
    /// `null` in an idempotent replay (`Idempotent-Replayed: true`): replays keep no secret.
    #[schema(nullable)]
    pub token: String,
    /// Where the invited person accepts it; `null` in an idempotent replay, like `token`.
    #[schema(nullable)]
    pub accept_path: String,
}

impl From<Issued> for CreatedInvitation {
    fn from(Issued { invitation, token }: Issued) -> Self {
        Self {
            accept_path: format!("/api/v1/invitations/{token}/accept"),
            invitation: invitation.into(),
            token,
        }
    }
}

/// An invitation to send.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "president@ecolophi.fr",
    "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
    "role": "representative",
    "starts_on": "2026-09-01",
    "ends_on": "2027-08-31"
}))]
pub struct CreateInvitationRequest {
    #[schema(max_length = 254, format = "email")]
    pub email: String,
    /// A partner of this alliance.
    pub partner_id: Uuid,
    #[schema(value_type = choices::Role)]
    pub role: String,
    /// Default: today.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<NaiveDate>,
    #[schema(max_length = 10000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover_notes: Option<String>,
    /// Days the invitation stays valid, 1 to 60 (default 14).
    #[schema(minimum = 1, maximum = 60)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_days: Option<i64>,
}

/// Accepting: a new person gives a name and a password; a person with an account
/// calls with their bearer token and an empty body.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Inès Moreau", "password": "a long enough password"}))]
pub struct AcceptInvitationRequest {
    #[schema(max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[schema(min_length = 10, max_length = 128, format = "password")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// What accepting created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceptedInvitation {
    pub mandate: MandateResponse,
    pub user: UserResponse,
    /// A session for a new account (`null` when an existing account accepted).
    pub tokens: Option<TokenPair>,
}

impl CreateInvitationRequest {
    fn input(&self, today: NaiveDate) -> Result<NewInvitationInput, DomainError> {
        Ok(NewInvitationInput {
            email: Email::parse("email", &self.email)?,
            role: Role::parse("role", &self.role)?,
            period: Period::new(self.starts_on.unwrap_or(today), self.ends_on)?,
            handover_notes: notes("handover_notes", self.handover_notes.as_deref())?,
            expires_at: expires_at(self.expires_in_days)?,
            partner: PartnerId(self.partner_id),
        })
    }
}

/// List invitations (coordinator).
#[utoipa::path(
    tag = "invitations",
    params(AlliancePath, PageParams),
    responses(
        (status = 200, description = "A page of invitations", body = InvitationPage),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<InvitationPage>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let found = invitations::list(&mut conn, &scope, page.request::<TimeKey>()).await?;
    Ok(web::Json(InvitationPage::from_page(
        found,
        InvitationResponse::from,
    )))
}

/// Invite someone to take a mandate (coordinator). The token is in the answer, once.
#[utoipa::path(
    tag = "invitations",
    params(AlliancePath),
    request_body = CreateInvitationRequest,
    responses(
        (status = 201, description = "Created, with its token", body = CreatedInvitation,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_invitation(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let input = body.input(scope.today);
    let issued = invitations::create(&mut conn, &scope, input).await?;
    let response = CreatedInvitation::from(issued);
    Ok(created(
        format!(
            "/api/v1/alliances/{}/invitations/{}",
            response.invitation.alliance_id, response.invitation.id
        ),
        &response,
    ))
}

/// Revoke a pending invitation (coordinator).
#[utoipa::path(
    tag = "invitations",
    params(InvitationPath),
    responses(
        (status = 204, description = "Revoked"),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{invitation_id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<InvitationPath>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    invitations::revoke(&mut conn, &scope, InvitationId(path.invitation_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept an invitation with its token.
///
/// A person without an account sends `display_name` and `password`: the account is
/// created and a session opened. A person with an account calls with their bearer
/// token (the invitation's email must be theirs). The mandate is created; for a
/// successor it starts the day after the predecessor's ends and links to it.
/// A token works once (409 `invitation_used`), until it expires (409
/// `invitation_expired`) or is revoked (409 `invitation_revoked`). An archived
/// alliance's invitations cannot be accepted (409 `alliance_archived`). A successor's
/// invitation cannot be accepted by the holder of the mandate it takes over (409
/// `own_successor`), nor once another successor has accepted (409 `successor_exists`).
#[utoipa::path(
    tag = "invitations",
    params(("token" = String, Path, description = "The invitation token")),
    request_body = AcceptInvitationRequest,
    responses(
        (status = 403, response = Forbidden),
        (status = 201, description = "The mandate, the account, and a session for a new account", body = AcceptedInvitation),
        (status = 503, response = HashingBusy),
    ),
    security((), ("bearer_auth" = []))
)]
#[post("/{token}/accept")]
pub async fn accept_invitation(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    path: web::Path<String>,
    body: web::Json<AcceptInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let pending = {
        let mut conn = pool::get(&state.pool).await?;
        invitations::pending(&mut conn, &path).await?
    };
    // A new account's name and password are checked, and the password hashed,
    // before the transaction: hashing is slow and must not hold row locks.
    let accepting = match caller.0 {
        Some(caller) => Accepting::Account(caller.user),
        None => {
            let display_name =
                DisplayName::parse("display_name", body.display_name.as_deref().unwrap_or(""))?;
            let password = NewPassword::parse("password", body.password.as_deref().unwrap_or(""))?;
            let password_hash = state.passwords.hash(password.expose().to_owned()).await?;
            Accepting::NewAccount {
                display_name,
                password_hash,
            }
        }
    };
    let today = Utc::now().date_naive();
    let mut conn = pool::get(&state.pool).await?;
    let accepted = invitations::accept(&mut conn, pending, accepting).await?;
    let tokens = if accepted.created_account {
        Some(open_session(&state, accepted.user.id).await?)
    } else {
        None
    };
    let record = accepted.mandate;
    let location = format!(
        "/api/v1/alliances/{}/mandates/{}",
        record.mandate.alliance, record.mandate.id
    );
    let response = AcceptedInvitation {
        mandate: MandateResponse::new(record, today, true),
        user: accepted.user.into(),
        tokens,
    };
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("location", location))
        .json(response))
}
