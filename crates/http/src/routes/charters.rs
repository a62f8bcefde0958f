//! The charter of shared values: versions, and the partners that signed them.

use actix_web::{HttpResponse, get, post, web};
use agir_app::charters;
use agir_domain::alliance::limits;
use agir_domain::error::bounded_text;
use agir_domain::ids::PartnerId;
use agir_persistence::charters::{Charter, Signature};
use agir_persistence::pool;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::choices;
use crate::etag::created;
use crate::paths::{AlliancePath, CharterPath};
use crate::problem::ApiError;
use crate::scope::{Authenticated, InAlliance};
use crate::state::AppState;

/// A version of the charter and the partners that signed it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a07",
    "version": 1,
    "text": "Nous partageons les valeurs de coopération, d'écoute et d'ouverture…",
    "status": "current",
    "created_at": "2025-09-15T10:00:00Z",
    "adopted_at": "2025-09-15T10:00:00Z",
    "signatures": [{"partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03", "partner_name": "Ecolo'phi", "signed_at": "2025-09-20T10:00:00Z"}]
}))]
pub struct CharterResponse {
    /// The version's id (the `subject_id` of a `charter_adoption` vote).
    pub id: Uuid,
    pub version: i32,
    pub text: String,
    /// `proposed` (awaiting adoption), `current` or `superseded`.
    #[schema(value_type = choices::CharterStatus)]
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub adopted_at: Option<DateTime<Utc>>,
    pub signatures: Vec<SignatureResponse>,
}

/// A partner's signature.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignatureResponse {
    pub partner_id: Uuid,
    pub partner_name: String,
    pub signed_at: DateTime<Utc>,
}

/// Every version, newest first, and the number of the current one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CharterPage {
    pub items: Vec<CharterResponse>,
    /// Always `null`: an alliance has few versions.
    pub next_cursor: Option<String>,
    /// The version in force, if any.
    pub current_version: Option<i32>,
}

impl From<&Signature> for SignatureResponse {
    fn from(s: &Signature) -> Self {
        Self {
            partner_id: s.partner.0,
            partner_name: s.partner_name.clone(),
            signed_at: s.signed_at,
        }
    }
}

fn response(charter: Charter, signatures: &[Signature]) -> CharterResponse {
    CharterResponse {
        signatures: signatures.iter().map(SignatureResponse::from).collect(),
        id: charter.id.0,
        version: charter.version,
        text: charter.text,
        status: charter.status.as_str().to_owned(),
        created_at: charter.created_at,
        adopted_at: charter.adopted_at,
    }
}

/// A new version of the charter.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Nous partageons les valeurs de coopération, d'écoute et d'ouverture…"}))]
pub struct CreateCharterRequest {
    #[schema(max_length = 50000)]
    pub text: String,
    /// `true` (default): in force at once, the previous version superseded; `false`:
    /// proposed, to be adopted by a `charter_adoption` vote. Partners sign the current version.
    #[serde(default = "yes")]
    pub make_current: bool,
}

fn yes() -> bool {
    true
}

/// A signature for a partner.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03"}))]
pub struct SignCharterRequest {
    /// The partner signing; may be left out when the caller speaks for one partner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
}

/// The charter's versions and their signatures (public).
#[utoipa::path(
    tag = "charters",
    params(AlliancePath),
    responses(
        (status = 200, description = "Every version, newest first", body = CharterPage),
    ),
    security((), ("bearer_auth" = []))
)]
#[get("")]
pub async fn list_charters(
    state: web::Data<AppState>,
    scope: InAlliance,
) -> Result<web::Json<CharterPage>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let found = charters::list(&mut conn, &scope).await?;
    Ok(web::Json(CharterPage {
        items: found
            .versions
            .into_iter()
            .map(|(charter, signatures)| response(charter, &signatures))
            .collect(),
        next_cursor: None,
        current_version: found.current_version,
    }))
}

/// Publish a new version of the charter (coordinator). Signatures of the previous
/// version do not carry over.
#[utoipa::path(
    tag = "charters",
    params(AlliancePath),
    request_body = CreateCharterRequest,
    responses(
        (status = 201, description = "Created", body = CharterResponse,
            headers(("Location" = String), ("ETag" = String))),
    ),
    security(("bearer_auth" = []))
)]
#[post("")]
pub async fn create_charter(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    body: web::Json<CreateCharterRequest>,
) -> Result<HttpResponse, ApiError> {
    let text = bounded_text("text", &body.text, limits::CHARTER_TEXT);
    let mut conn = pool::get(&state.pool).await?;
    let charter = charters::create(&mut conn, &scope, text, body.make_current).await?;
    let alliance = charter.alliance;
    let response = response(charter, &[]);
    Ok(created(
        format!("/api/v1/alliances/{alliance}/charters/{}", response.version),
        &response,
    ))
}

/// Sign the current version for a partner (a current representative or coordinator of it).
#[utoipa::path(
    tag = "charters",
    params(CharterPath),
    request_body = SignCharterRequest,
    responses(
        (status = 201, description = "Signed", body = SignatureResponse),
    ),
    security(("bearer_auth" = []))
)]
#[post("/{version}/signatures")]
pub async fn sign_charter(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    path: web::Path<CharterPath>,
    body: web::Json<SignCharterRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let named = body.partner_id.map(PartnerId);
    let signature = charters::sign(&mut conn, &scope, path.version, named).await?;
    Ok(HttpResponse::Created().json(SignatureResponse::from(&signature)))
}
