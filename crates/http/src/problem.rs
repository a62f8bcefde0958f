//! RFC 9457 problem details: the one error format of the API.
//!
//! Handlers return `Result<_, ApiError>`; domain and persistence errors convert
//! into it; actix's own errors (bad JSON, unknown route, wrong method, body too
//! large) are turned into it by the handlers registered in [`crate::app`].

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use agir_app::AppError;
use agir_domain::DomainError;
use agir_persistence::PersistenceError;
use agir_persistence::error::Conflict as Duplicate;
use serde::{Deserialize, Serialize};
use utoipa::{ToResponse, ToSchema};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error answer (RFC 9457 `application/problem+json`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:agir:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "detail": "the request has invalid fields",
    "code": "validation_failed",
    "errors": [{"field": "email", "code": "invalid_format", "message": "must be an email address such as name@example.org"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem: `urn:agir:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP reason phrase of the status.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for a human, specific to this occurrence.
    pub detail: String,
    /// A stable machine-readable code in snake_case (`invalid_credentials`, `not_found`...).
    pub code: String,
    /// For 422: every invalid field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProblemField {
    /// The field's name in the request (`email`, `summary.title`); empty for the whole body.
    pub field: String,
    /// A stable code (`required`, `too_long`, `invalid_format`, `unknown_field`...).
    pub code: String,
    pub message: String,
}

/// Every error the API answers.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("authentication required")]
    Unauthenticated,
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("the resource changed since it was read (stale If-Match)")]
    PreconditionFailed,
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request has invalid fields")]
    Validation(Vec<ProblemField>),
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("too many attempts, retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the database is unavailable")]
    Unavailable,
    /// Too many passwords wait to be hashed (see `auth::password`): 503 with `Retry-After`.
    #[error("the server is busy checking passwords, retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// Never shown to clients (see [`ApiError::problem`]); the cause is for logs and the CLI.
    #[error("internal error: {0}")]
    Internal(String),
    /// A database failure that is not the client's doing: 503 when the database cannot
    /// be reached, 500 otherwise. The error stays the source, logged once with its cause
    /// when the answer is written, never shown to clients.
    #[error("{0}")]
    Database(#[source] PersistenceError),
}

impl ApiError {
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![ProblemField {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }])
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Validation(_) => "validation_failed",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable => "service_unavailable",
            Self::Busy { .. } => "password_hashing_busy",
            Self::Internal(_) => "internal_error",
            Self::Database(err) if err.is_unavailable() => "service_unavailable",
            Self::Database(_) => "internal_error",
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let detail = match self {
            // Never echo internal causes to the client; they are logged once.
            Self::Internal(_) => "an unexpected error occurred; it has been logged".to_owned(),
            Self::Database(err) if err.is_unavailable() => Self::Unavailable.to_string(),
            Self::Database(_) => "an unexpected error occurred; it has been logged".to_owned(),
            other => other.to_string(),
        };
        let code = self.code();
        Problem {
            type_: format!("urn:agir:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Database(err) if err.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error.cause = %cause, "internal error"),
            Self::Unavailable => tracing::warn!("database unavailable"),
            Self::Database(err) if err.is_unavailable() => {
                tracing::warn!(error.cause = %chain(err), "database unavailable");
            }
            Self::Database(err) => tracing::error!(error.cause = %chain(err), "database error"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        match self {
            Self::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::Unauthorized { code, .. } if *code == "invalid_token" => {
                response
                    .insert_header((header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#));
            }
            Self::Unauthorized { .. } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } | Self::Busy { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            Self::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::Database(err) if err.is_unavailable() => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid(errors) => Self::Validation(
                errors
                    .into_iter()
                    .map(|e| ProblemField {
                        field: e.field,
                        code: e.code.to_owned(),
                        message: e.message,
                    })
                    .collect(),
            ),
            DomainError::Conflict { code, message } => Self::Conflict {
                code,
                detail: message,
            },
        }
    }
}

impl From<PersistenceError> for ApiError {
    fn from(err: PersistenceError) -> Self {
        match err {
            PersistenceError::Conflict(conflict) => conflict.into(),
            PersistenceError::ForeignKeyViolation { constraint } => Self::Unprocessable {
                code: "invalid_reference",
                detail: format!("a referenced resource does not exist ({constraint})"),
            },
            PersistenceError::CheckViolation { constraint } => Self::Unprocessable {
                code: "constraint_violated",
                detail: format!("a value breaks a rule ({constraint})"),
            },
            PersistenceError::InvalidText(cause) => Self::Unprocessable {
                code: "invalid_characters",
                detail: format!("a text in the request cannot be stored ({cause})"),
            },
            PersistenceError::SerializationFailure => Self::Conflict {
                code: "concurrent_update",
                detail: "another change happened at the same time; try again".into(),
            },
            other => Self::Database(other),
        }
    }
}

/// What the client hears when a write would duplicate something: a stable code per
/// kind of conflict, the same for every operation that can meet it.
impl From<Duplicate> for ApiError {
    fn from(conflict: Duplicate) -> Self {
        let code = match &conflict {
            Duplicate::EmailTaken => "already_exists",
            Duplicate::PlanExists => "plan_exists",
            Duplicate::LabelExists => "label_exists",
            Duplicate::AlreadySigned => "already_signed",
            Duplicate::AlreadyEndorsed => "already_endorsed",
            Duplicate::VoteUnderWay => "vote_exists",
            Duplicate::Other(constraint) => {
                return Self::conflict(
                    "already_exists",
                    format!("this resource already exists ({constraint})"),
                );
            }
        };
        Self::conflict(code, conflict.to_string())
    }
}

/// An error and its causes in one line, each cause once (a message that already
/// ends with its cause's text does not repeat it).
fn chain(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        let text = next.to_string();
        if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = next.source();
    }
    line
}

/// Each refusal of the application layer, as the client hears it.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Denied(denied) => denied.into(),
            AppError::Domain(err) => err.into(),
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Stale => Self::PreconditionFailed,
            AppError::Persistence(err) => err.into(),
            AppError::Internal(cause) => Self::Internal(cause),
        }
    }
}

impl From<agir_domain::policy::Unsettled> for ApiError {
    fn from(unsettled: agir_domain::policy::Unsettled) -> Self {
        AppError::from(unsettled).into()
    }
}

impl From<agir_domain::policy::Denied> for ApiError {
    fn from(denied: agir_domain::policy::Denied) -> Self {
        match denied {
            agir_domain::policy::Denied::Anonymous => Self::Unauthenticated,
            agir_domain::policy::Denied::Forbidden(reason) => Self::Forbidden(reason.to_owned()),
        }
    }
}

impl From<agir_persistence::DieselError> for ApiError {
    fn from(err: agir_persistence::DieselError) -> Self {
        PersistenceError::from(err).into()
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        Self::Internal(format!("blocking task failed: {err}"))
    }
}

/// Turns a JSON body error into a problem: syntax 400, shape 422 naming the field,
/// size 413, content type 415.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match err {
        E::OverflowKnownLength { limit, .. } | E::Overflow { limit } => {
            ApiError::PayloadTooLarge { limit }
        }
        E::ContentType => ApiError::UnsupportedMediaType(
            "the request body must be JSON (Content-Type: application/json)".into(),
        ),
        E::Deserialize(err) => from_serde(&err),
        E::Payload(err) => ApiError::BadRequest {
            code: "invalid_body",
            detail: format!("the request body could not be read: {err}"),
        },
        other => ApiError::BadRequest {
            code: "invalid_body",
            detail: other.to_string(),
        },
    };
    api.into()
}

/// Classifies a serde_json error: broken syntax is 400, a valid JSON document of
/// the wrong shape is 422 with the offending field when serde names it.
pub fn from_serde(err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::BadRequest {
            code: "malformed_json",
            detail: format!("the request body is not valid JSON: {err}"),
        },
        Category::Data => {
            let message = err.to_string();
            let (field, code) = if let Some(name) = backticked_after(&message, "unknown field `") {
                (name, "unknown_field")
            } else if let Some(name) = backticked_after(&message, "missing field `") {
                (name, "required")
            } else {
                (String::new(), "invalid_value")
            };
            // serde appends " at line 1 column 20", which says nothing to a client of a JSON API.
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            ApiError::Validation(vec![ProblemField {
                field,
                code: code.to_owned(),
                message,
            }])
        }
    }
}

fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split_once('`')?.0.to_owned())
}

/// Path segments that do not parse (an id that is not a UUID) name no resource: 404.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound(format!("no such resource ({err})")).into()
}

/// Query strings that do not parse: 400 with the parser's words. A parameter that an
/// operation refuses (`deny_unknown_fields`, as the `/network` ones do) is 422
/// `validation_failed` naming it (`unknown_field`), like an unknown body field.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    let message = err.to_string();
    if let Some(name) = backticked_after(&message, "unknown field `") {
        return ApiError::Validation(vec![ProblemField {
            field: name,
            code: "unknown_field".to_owned(),
            message: "is not a parameter of this operation".to_owned(),
        }])
        .into();
    }
    ApiError::BadRequest {
        code: "invalid_query",
        detail: format!("the query string is invalid: {message}"),
    }
    .into()
}

macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $status:literal, $title:literal, $code:literal, $detail:literal;)*) => {$(
        $(#[$doc])*
        #[derive(ToResponse)]
        #[response(
            content_type = "application/problem+json",
            example = json!({
                "type": concat!("urn:agir:problem:", $code),
                "title": $title,
                "status": $status,
                "detail": $detail,
                "code": $code
            })
        )]
        pub struct $name(pub Problem);
    )*};
}

problem_responses! {
    /// The request is malformed (invalid JSON, invalid query string).
    BadRequest => 400, "Bad Request", "malformed_json", "the request body is not valid JSON: EOF while parsing an object";
    /// No valid credentials: missing, expired or invalid bearer token, or wrong login.
    Unauthorized => 401, "Unauthorized", "unauthenticated", "authentication required";
    /// Authenticated, but without the right to do this.
    Forbidden => 403, "Forbidden", "forbidden", "only platform admins may do this";
    /// No such resource, or one the caller may not know exists.
    NotFound => 404, "Not Found", "not_found", "user not found";
    /// The request conflicts with the current state (duplicate, forbidden transition).
    Conflict => 409, "Conflict", "already_exists", "an account with this email already exists";
    /// The `If-Match` header names a version that is no longer current.
    PreconditionFailed => 412, "Precondition Failed", "precondition_failed", "the resource changed since it was read (stale If-Match)";
    /// The request body is larger than 64 KiB.
    PayloadTooLarge => 413, "Payload Too Large", "payload_too_large", "the request body is larger than 65536 bytes";
    /// Invalid fields, unknown fields, or a reused `Idempotency-Key` with another body.
    UnprocessableEntity => 422, "Unprocessable Entity", "validation_failed", "the request has invalid fields";
    /// Too many attempts; retry after the number of seconds in `Retry-After`.
    TooManyRequests => 429, "Too Many Requests", "too_many_requests", "too many attempts, retry in 12 s";
    /// The database is unavailable; retry later.
    ServiceUnavailable => 503, "Service Unavailable", "service_unavailable", "the database is unavailable";
    /// Too many passwords wait to be checked (`password_hashing_busy`, answered at once
    /// rather than after a wait), or the database is unavailable (`service_unavailable`):
    /// retry after the seconds in `Retry-After`.
    HashingBusy => 503, "Service Unavailable", "password_hashing_busy", "the server is busy checking passwords, retry in 1 s";
}

problem_responses! {
    /// The request body is not JSON (`Content-Type: application/json` is required).
    UnsupportedMediaType => 415, "Unsupported Media Type", "unsupported_media_type", "the request body must be JSON (Content-Type: application/json)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_conflict_keeps_its_code_and_sentence() {
        let cases = [
            (
                Duplicate::EmailTaken,
                "already_exists",
                "an account with this email already exists",
            ),
            (
                Duplicate::PlanExists,
                "plan_exists",
                "this alliance already has a plan for that academic year",
            ),
            (
                Duplicate::LabelExists,
                "label_exists",
                "this alliance already applied for that academic year",
            ),
            (
                Duplicate::AlreadySigned,
                "already_signed",
                "this partner already signed this version",
            ),
            (
                Duplicate::AlreadyEndorsed,
                "already_endorsed",
                "this partner already endorses this action",
            ),
            (
                Duplicate::VoteUnderWay,
                "vote_exists",
                "a vote on this subject is already under way",
            ),
            (
                Duplicate::Other("alliances_city_name_key".into()),
                "already_exists",
                "this resource already exists (alliances_city_name_key)",
            ),
        ];
        for (conflict, code, detail) in cases {
            let problem = ApiError::from(PersistenceError::Conflict(conflict)).problem();
            assert_eq!((problem.status, problem.code.as_str()), (409, code));
            assert_eq!(problem.detail, detail);
        }
    }

    #[test]
    fn a_database_failure_keeps_its_cause_and_hides_it_from_clients() {
        let unavailable = ApiError::from(PersistenceError::Unavailable("refused".into()));
        let problem = unavailable.problem();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (503, "service_unavailable")
        );
        assert_eq!(problem.detail, "the database is unavailable");

        let broken = ApiError::from(PersistenceError::Corrupt("row vanished".into()));
        let problem = broken.problem();
        assert_eq!(
            (problem.status, problem.code.as_str()),
            (500, "internal_error")
        );
        assert!(
            !problem.detail.contains("row vanished"),
            "{}",
            problem.detail
        );
        let source = std::error::Error::source(&broken).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some("stored data is invalid: row vanished")
        );
        assert_eq!(chain(&broken), "stored data is invalid: row vanished");
    }
}
