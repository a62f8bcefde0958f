//! Invitations: a single-use token that turns into a mandate when accepted.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use agir_app::partners::check_usable;
use agir_domain::ids::{InvitationId, MandateId, PartnerId, UserId};
use agir_domain::journal::Event;
use agir_domain::mandate::{Period, Role};
use agir_domain::user::{DisplayName, Email, NewPassword};
use agir_domain::{policy, succession};
use agir_persistence::invitations::{self, Invitation, InvitationState, NewInvitation};
use agir_persistence::journal::{self, Actor};
use agir_persistence::mandates::{self, MandateRecord, NewMandate};
use agir_persistence::page::TimeKey;
use agir_persistence::users::NewUser;
use agir_persistence::{AsyncConnection, AsyncPgConnection, cities, pool, users};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::MaybeCaller;
use crate::auth::token::{hash_refresh_token, new_refresh_token};
use crate::choices;
use crate::etag::created;
use crate::page_schema;
use crate::pagination::PageParams;
use crate::paths::{AlliancePath, InvitationPath};
use crate::problem::{ApiError, Forbidden, HashingBusy, UnprocessableEntity};
use crate::routes::auth::{TokenPair, open_session};
use crate::routes::mandates::{MandateResponse, notes};
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
            email: i.email,
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

impl CreatedInvitation {
    pub fn new(invitation: Invitation, token: String) -> Self {
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

/// 409 unless the invitation can still be accepted.
fn refuse_unusable(invitation: &Invitation) -> Result<(), ApiError> {
    match invitation.state(Utc::now()) {
        InvitationState::Pending => Ok(()),
        InvitationState::Accepted => Err(ApiError::conflict(
            "invitation_used",
            "this invitation was already accepted",
        )),
        InvitationState::Revoked => Err(ApiError::conflict(
            "invitation_revoked",
            "this invitation was revoked",
        )),
        InvitationState::Expired => Err(ApiError::conflict(
            "invitation_expired",
            "this invitation has expired",
        )),
    }
}

/// Accepting a successor's invitation keeps the designation's rules: the
/// predecessor's holder cannot take over their own mandate (409 `own_successor`:
/// an invitation to their own address is refused when designated, this covers an
/// address changed since), and a mandate has one successor (409 `successor_exists`).
/// `predecessor` is locked: two successors accepting at once queue on it, and the
/// second sees the first.
async fn check_successor(
    conn: &mut AsyncPgConnection,
    predecessor: &MandateRecord,
    accepting: UserId,
) -> Result<(), ApiError> {
    if predecessor.mandate.user == accepting {
        return Err(ApiError::conflict(
            "own_successor",
            "you hold the mandate this invitation takes over: a holder cannot be their own successor",
        ));
    }
    let accepted = mandates::successors_of(conn, &[predecessor.mandate.id]).await?;
    succession::no_accepted_successor(!accepted.is_empty())?;
    Ok(())
}

/// A new invitation token and its hash.
pub(crate) fn new_token() -> (String, String) {
    new_refresh_token()
}

pub(crate) fn expires_at(days: Option<i64>) -> Result<DateTime<Utc>, ApiError> {
    let days = days.unwrap_or(14);
    if !(1..=60).contains(&days) {
        return Err(ApiError::field(
            "expires_in_days",
            "out_of_range",
            "must be between 1 and 60",
        ));
    }
    Ok(Utc::now() + Duration::days(days))
}

/// List invitations (coordinator).
#[utoipa::path(
    tag = "invitations",
    params(AlliancePath, PageParams),
    responses(
        (status = 200, description = "A page of invitations", body = InvitationPage),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security(("bearer_auth" = []))
)]
#[get("")]
pub async fn list_invitations(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    page: web::Query<PageParams>,
) -> Result<web::Json<InvitationPage>, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let page = page.request::<TimeKey>()?;
    let mut conn = pool::get(&state.pool).await?;
    let found = invitations::list(&mut conn, scope.id(), &page).await?;
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
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_invitation(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateInvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let email = Email::parse("email", &body.email)?;
    let role = Role::parse("role", &body.role)?;
    let period = Period::new(body.starts_on.unwrap_or(scope.today), body.ends_on)?;
    let handover_notes = notes("handover_notes", body.handover_notes.as_deref())?;
    let expires_at = expires_at(body.expires_in_days)?;
    let alliance = scope.id();
    let partner = PartnerId(body.partner_id);
    let (token, token_hash) = new_token();
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    let invitation = conn
        .transaction::<_, ApiError, _>(async |conn| {
            check_usable(conn, alliance, partner, "partner_id").await?;
            let invitation = invitations::insert(
                conn,
                NewInvitation {
                    id: InvitationId::new(),
                    alliance,
                    email: email.as_str().to_owned(),
                    partner,
                    role,
                    period,
                    successor_of: None,
                    handover_notes,
                    token_hash,
                    expires_at,
                    created_by: actor.user,
                },
            )
            .await?;
            journal::append(
                conn,
                Some(alliance),
                actor,
                &Event::InvitationCreated {
                    invitation: invitation.id,
                    partner,
                    role,
                    starts_on: period.starts_on,
                },
            )
            .await?;
            Ok(invitation)
        })
        .await?;
    let response = CreatedInvitation::new(invitation, token);
    Ok(created(
        format!(
            "/api/v1/alliances/{alliance}/invitations/{}",
            response.invitation.id
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
        (status = 403, response = Forbidden),
    ),
    security(("bearer_auth" = []))
)]
#[delete("/{invitation_id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<InvitationPath>,
) -> Result<HttpResponse, ApiError> {
    policy::manage_alliance(&scope.caller)?;
    let alliance = scope.id();
    let id = InvitationId(path.invitation_id);
    let actor = scope.actor();
    let mut conn = pool::get(&state.pool).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let invitation = invitations::find(conn, alliance, id)
            .await?
            .ok_or_else(|| ApiError::not_found("invitation"))?;
        match invitation.state(Utc::now()) {
            InvitationState::Accepted => {
                return Err(ApiError::conflict(
                    "invitation_used",
                    "this invitation was already accepted",
                ));
            }
            InvitationState::Revoked => return Ok(()),
            InvitationState::Pending | InvitationState::Expired => {}
        }
        invitations::revoke(conn, id).await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::InvitationRevoked {
                invitation: invitation.id,
                partner: invitation.partner,
                role: invitation.role,
            },
        )
        .await?;
        Ok(())
    })
    .await?;
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
        (status = 201, description = "The mandate, the account, and a session for a new account", body = AcceptedInvitation),
        (status = 403, response = Forbidden),
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
    let token_hash = hash_refresh_token(path.trim());
    let body = body.into_inner();
    let existing = caller.0.map(|c| c.user);
    let predecessor = {
        let mut conn = pool::get(&state.pool).await?;
        let invitation = invitations::find_by_token(&mut conn, &token_hash)
            .await?
            .ok_or_else(|| ApiError::not_found("invitation"))?;
        refuse_unusable(&invitation)?;
        // Never changes: read here so that the transaction locks the predecessor
        // before the invitation, in the order a designation takes them.
        invitation.successor_of.map(|of| (invitation.alliance, of))
    };
    // A new account's name and password are checked, and the password hashed,
    // before the transaction: hashing is slow and must not hold row locks.
    let new_account = match &existing {
        Some(_) => None,
        None => {
            let name =
                DisplayName::parse("display_name", body.display_name.as_deref().unwrap_or(""))?;
            let password = NewPassword::parse("password", body.password.as_deref().unwrap_or(""))?;
            Some((
                name,
                state.passwords.hash(password.expose().to_owned()).await?,
            ))
        }
    };
    let today = Utc::now().date_naive();
    let mut conn = pool::get(&state.pool).await?;
    let (record, user, created_account) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let predecessor = match predecessor {
                Some((alliance, of)) => Some(
                    mandates::lock(conn, alliance, of)
                        .await?
                        // Removed since (its invitations went with it).
                        .ok_or_else(|| ApiError::not_found("invitation"))?,
                ),
                None => None,
            };
            let invitation = invitations::lock_by_token(conn, &token_hash)
                .await?
                .ok_or_else(|| ApiError::not_found("invitation"))?;
            refuse_unusable(&invitation)?;
            let (user, created_account) = match (&existing, &new_account) {
                (Some(user), _) => {
                    if user.email.as_str() != invitation.email {
                        return Err(ApiError::forbidden("this invitation was sent to another email address"));
                    }
                    (user.clone(), false)
                }
                (None, Some((name, hash))) => {
                    let email = Email::parse("email", &invitation.email)?;
                    if users::find_credentials(conn, &email).await?.is_some() {
                        return Err(ApiError::conflict(
                            "account_exists",
                            "an account with this email exists: log in and accept with your bearer token",
                        ));
                    }
                    let user = users::insert(
                        conn,
                        NewUser {
                            id: UserId::new().0,
                            email: email.as_str(),
                            display_name: name.as_str(),
                            password_hash: hash,
                            is_admin: false,
                        },
                    )
                    .await?;
                    journal::append(conn, None, Actor::user(user.id), &Event::UserCreatedByInvitation {
                        user: user.id,
                    })
                    .await?;
                    (user, true)
                }
                (None, None) => return Err(ApiError::Unauthenticated),
            };
            let alliance = cities::find_alliance(conn, invitation.alliance)
                .await?
                .ok_or_else(|| ApiError::not_found("invitation"))?;
            agir_domain::alliance::check_writable(alliance.status, false)?;
            if let Some(predecessor) = &predecessor {
                check_successor(conn, predecessor, user.id).await?;
            }
            check_usable(conn, invitation.alliance, invitation.partner, "partner_id").await?;
            let record = mandates::insert(
                conn,
                NewMandate {
                    id: MandateId::new(),
                    alliance: invitation.alliance,
                    user: user.id,
                    partner: invitation.partner,
                    role: invitation.role,
                    period: invitation.period,
                    successor_of: invitation.successor_of,
                    handover_notes: None,
                },
            )
            .await?;
            invitations::mark_accepted(conn, invitation.id, user.id, record.mandate.id).await?;
            journal::append(conn, Some(invitation.alliance), Actor::user(user.id), &Event::InvitationAccepted {
                invitation: invitation.id,
                mandate: record.mandate.clone(),
            })
            .await?;
            Ok((record, user, created_account))
        })
        .await?;
    let tokens = if created_account {
        Some(open_session(&state, user.id).await?)
    } else {
        None
    };
    let location = format!(
        "/api/v1/alliances/{}/mandates/{}",
        record.mandate.alliance, record.mandate.id
    );
    let response = AcceptedInvitation {
        mandate: MandateResponse::new(record, today, true),
        user: user.into(),
        tokens,
    };
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header(("location", location))
        .json(response))
}
