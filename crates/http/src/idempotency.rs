//! `Idempotency-Key` on `POST`: a retry with the same key and body gets the first
//! answer again and creates nothing new; the same key with another body is 422.
//!
//! Keys are scoped to the authenticated user and kept 24 hours. The token-issuing
//! `/auth/*` operations are not replayed (their answers are secrets we do not keep),
//! nor are anonymous requests.
//!
//! Each key remembers the request's canonical path ([`canonical_path`]): when a secret
//! vote closes, the answers to its ballots are forgotten (`idempotency::forget_path`),
//! since the stored request hash could be matched against the few possible ballots.
//!
//! The caller is the one the handler sees: a valid token of an open session of an
//! enabled account (resolved once, shared with the `Caller` extractor). A token whose
//! session ended (logout, password change, disabled account) gets no replay: the
//! request runs, and the handler answers 401.
//!
//! Secrets are never kept at rest: before an answer is stored, every field in
//! [`SECRET_FIELDS`] (the one-time invitation token and the accept path that embeds
//! it, token pairs) is set to `null`. A replay returns the first answer with those
//! fields `null`; the token was shown once, in the first answer.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpResponse, ResponseError, web};
use agir_persistence::idempotency::{self, Claim, StoredResponse};
use agir_persistence::pool;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::MaybeCaller;
use crate::problem::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(key) = req.headers().get(HEADER).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if req.method() != Method::POST || req.path().starts_with("/api/v1/auth/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k.to_owned(),
        _ => {
            return Ok(reply(
                req,
                ApiError::BadRequest {
                    code: "invalid_idempotency_key",
                    detail: "Idempotency-Key must be 1 to 255 visible ASCII characters".into(),
                },
            ));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Scope keys to the caller, authenticated as the handler will (session open, account
    // enabled; the answer is kept for the handler's extractors). Without one, nothing is
    // replayed: the handler answers 401, or serves an anonymous request.
    let scope = match MaybeCaller::extract(req.request()).await {
        Ok(MaybeCaller(Some(caller))) => caller.id().to_string(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };

    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(err) => return Ok(req.error_response(err)),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.uri().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_hash = hex::encode(hasher.finalize());
    let path = canonical_path(req.match_info().as_str());

    let claim = {
        let mut conn = match pool::get(&state.pool).await {
            Ok(conn) => conn,
            Err(err) => return Ok(reply(req, ApiError::from(err))),
        };
        match idempotency::claim(&mut conn, &scope, &key, &request_hash, &path).await {
            Ok(claim) => claim,
            Err(err) => return Ok(reply(req, ApiError::from(err))),
        }
    };
    match claim {
        Claim::Replay(stored) => Ok(req.into_response(replayed(stored))),
        Claim::Mismatch => Ok(reply(
            req,
            ApiError::Unprocessable {
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was already used with another request".into(),
            },
        )),
        Claim::InFlight => Ok(reply(
            req,
            ApiError::conflict(
                "idempotency_request_in_flight",
                "a request with this Idempotency-Key is still being processed",
            ),
        )),
        Claim::Fresh => {
            req.set_payload(Payload::from(body));
            let response = next.call(req).await;
            let response = match response {
                Ok(response) => response.map_into_boxed_body(),
                Err(err) => {
                    release(&state, &scope, &key).await;
                    return Err(err);
                }
            };
            let status = response.status();
            // Answers that depend on the moment rather than the request are not kept:
            // a retry after logging in again, or after the limit passed, runs anew.
            if status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 429) {
                release(&state, &scope, &key).await;
                return Ok(response);
            }
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = actix_web::body::to_bytes(body)
                .await
                .map_err(|_| ApiError::Internal("response body could not be read".into()))?;
            let mut headers = Map::new();
            for name in KEPT_HEADERS {
                if let Some(value) = head.headers().get(&name).and_then(|v| v.to_str().ok()) {
                    headers.insert(name.as_str().to_owned(), Value::String(value.to_owned()));
                }
            }
            let stored = StoredResponse {
                status: status.as_u16(),
                headers: Value::Object(headers),
                body: without_secrets(&bytes),
            };
            if let Ok(mut conn) = pool::get(&state.pool).await
                && let Err(err) = idempotency::complete(&mut conn, &scope, &key, &stored).await
            {
                tracing::warn!(error = %err, "idempotent answer not stored");
            }
            let response = head.set_body(BoxBody::new(bytes));
            Ok(ServiceResponse::new(request, response))
        }
    }
}

/// A request path as routing reads it (percent-decoded), with every segment that parses
/// as a UUID written in canonical form (lowercase, hyphenated) and empty segments left
/// out: the one spelling of the resource, whichever form of its ids the request used.
pub fn canonical_path(path: &str) -> String {
    let mut canonical = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        canonical.push('/');
        match uuid::Uuid::parse_str(segment) {
            Ok(id) => canonical.push_str(&id.to_string()),
            Err(_) => canonical.push_str(segment),
        }
    }
    canonical
}

/// Forgets the stored answers to every request made on `path` (a canonical path).
pub async fn forget_path(
    conn: &mut agir_persistence::AsyncPgConnection,
    path: &str,
) -> Result<usize, ApiError> {
    Ok(idempotency::forget_path(conn, &canonical_path(path)).await?)
}

/// Fields never stored with an answer: one-time invitation tokens (`token`, and
/// `accept_path`, which embeds it) and session tokens (`tokens`, `access_token`,
/// `refresh_token`). Kept `null` in the stored body, at any depth.
pub const SECRET_FIELDS: [&str; 5] = [
    "token",
    "accept_path",
    "tokens",
    "access_token",
    "refresh_token",
];

/// The body to store: JSON with every secret field set to `null`. A body without one,
/// or that is not JSON, is kept byte for byte (a replay is then the same bytes).
fn without_secrets(body: &[u8]) -> Vec<u8> {
    /// Nulls the secret fields under `value`; whether there was one.
    fn scrub(value: &mut Value) -> bool {
        match value {
            Value::Object(fields) => {
                let mut found = false;
                for (name, field) in fields.iter_mut() {
                    if SECRET_FIELDS.contains(&name.as_str()) {
                        *field = Value::Null;
                        found = true;
                    } else {
                        found |= scrub(field);
                    }
                }
                found
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |found, item| scrub(item) | found),
            _ => false,
        }
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            if scrub(&mut value) {
                serde_json::to_vec(&value).unwrap_or_default()
            } else {
                body.to_vec()
            }
        }
        Err(_) => body.to_vec(),
    }
}

fn reply(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(err.error_response())
}

async fn release(state: &AppState, scope: &str, key: &str) {
    if let Ok(mut conn) = pool::get(&state.pool).await {
        let _ = idempotency::release(&mut conn, scope, key).await;
    }
}

fn replayed(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Value::Object(headers) = stored.headers {
        for (name, value) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(name.as_str()),
                value.as_str().map(HeaderValue::from_str),
            ) {
                response.insert_header((name, value));
            }
        }
    }
    response.insert_header((REPLAYED_HEADER, "true"));
    response.body(stored.body)
}

#[cfg(test)]
mod tests {
    use super::canonical_path;

    #[test]
    fn a_path_has_one_canonical_spelling_whatever_the_form_of_its_ids() {
        let canonical = "/api/v1/alliances/0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02/votes/0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70/ballots";
        for spelling in [
            canonical,
            "/api/v1/alliances/0192F0A4-7B1E-7CC3-9A52-3F1D2C4B5A02/votes/0192f0a47b1e7cc39a523f1d2c4b5a70/ballots",
            "/api/v1/alliances/urn:uuid:0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02/votes/{0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70}/ballots/",
            "/api/v1//alliances/0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02/votes/0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a70/ballots",
        ] {
            assert_eq!(canonical_path(spelling), canonical, "{spelling}");
        }
        assert_eq!(canonical_path("/api/v1/auth/login"), "/api/v1/auth/login");
    }
}
