//! The OpenAPI document: generated from the handlers' annotations, then completed
//! with the conventions every operation shares, so no operation forgets one.

use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::problem::{
    BadRequest, Conflict, Forbidden, HashingBusy, NotFound, PayloadTooLarge, PreconditionFailed,
    Problem, ProblemField, ServiceUnavailable, TooManyRequests, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Agir Ensemble API",
        description = "The reference backend of AVUF \"Agir Ensemble\" local alliances: a city, \
its universities, student associations and local actors co-create a yearly sustainable-development \
action plan, decide by vote, measure results and hand over roles.\n\n\
Conventions: JSON with snake_case fields; ids are UUIDs; times RFC 3339 UTC; dates YYYY-MM-DD. \
Errors are RFC 9457 `application/problem+json` with a stable `code`. Collections take `limit` \
(1-200, default 50) and `cursor` and answer `{items, next_cursor}`. Single resources carry an \
`ETag`; a `PATCH` with a stale `If-Match` answers 412. Authenticated `POST`s accept an \
`Idempotency-Key`. Request bodies are limited to 64 KiB and unknown fields are refused.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
        version = env!("CARGO_PKG_VERSION"),
    ),
    // The paths are absolute (`/api/v1/...`, `/healthz`): the server that serves the document.
    servers((url = "/", description = "The server that serves this document")),
    components(
        schemas(Problem, ProblemField),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PayloadTooLarge, UnsupportedMediaType, UnprocessableEntity, TooManyRequests,
            ServiceUnavailable, HashingBusy
        )
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Log in, refresh and log out"),
        (name = "me", description = "The caller's own account"),
        (name = "users", description = "Accounts (platform admins)"),
        (name = "cities", description = "Cities (communes)"),
        (name = "alliances", description = "Local alliances"),
        (name = "partners", description = "An alliance's partner organisations"),
        (name = "mandates", description = "People's roles, the members list and succession"),
        (name = "invitations", description = "Invitations to take a mandate"),
        (name = "charters", description = "The charter of shared values"),
        (name = "plans", description = "Co-created action plans and their phases"),
        (name = "actions", description = "Actions, comments and endorsements"),
        (name = "results", description = "Indicators, measurements and their review"),
        (name = "events", description = "Meetings, handovers, celebrations"),
        (name = "votes", description = "Votes, ballots and results"),
        (name = "labels", description = "The \"Agir Ensemble\" label"),
        (name = "network", description = "The AVUF network view: public, cacheable, no personal data"),
        (name = "journal", description = "The tamper-evident journal"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, valid 15 minutes.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds to every operation the answers its shape implies: a JSON body can be
/// malformed (400), too large (413), of the wrong type (415) or invalid (422); a path
/// id can name nothing (404); a query string can be unparsable (400) or invalid
/// (422); a bearer token can be missing or invalid (401), and inside an alliance a
/// caller without the role is refused (403); a `PATCH` takes `If-Match` (412 when the
/// resource changed since); an authenticated `POST` takes an
/// `Idempotency-Key` (reused with another body: 422; still running: 409); the database
/// can be unavailable (503), except for the probes in [`WITHOUT_DATABASE`]. A response
/// an operation declares itself (such as 503 `HashingBusy`) is kept.
pub fn complete(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in api.paths.paths.iter_mut() {
        // (operation, is a POST, is a PATCH, writes)
        let methods = [
            (&mut item.get, false, false, false),
            (&mut item.post, true, false, true),
            (&mut item.patch, false, true, true),
            (&mut item.put, false, false, true),
            (&mut item.delete, false, false, true),
        ];
        for (operation, is_post, is_patch, is_write) in methods {
            if let Some(operation) = operation.as_mut() {
                if is_patch {
                    if_match(path, operation);
                }
                complete_operation(path, operation, is_post);
                if is_write && path.starts_with("/api/v1/alliances/{id}") {
                    read_only_when_archived(operation);
                }
            }
        }
    }
    api
}

/// The operations that never touch the database (liveness and metrics), so never
/// answer 503; every other operation does while the database does not answer.
pub const WITHOUT_DATABASE: [&str; 4] = ["healthz", "root_healthz", "metrics", "root_metrics"];

fn complete_operation(path: &str, operation: &mut Operation, is_post: bool) {
    let params = operation.parameters.clone().unwrap_or_default();
    let has = |place: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let bearer = operation
        .security
        .as_ref()
        .and_then(|s| serde_json::to_string(s).ok())
        .is_some_and(|s| s.contains("bearer_auth"));
    if operation.request_body.is_some() {
        add_response(operation, "400", "BadRequest");
        add_response(operation, "413", "PayloadTooLarge");
        add_response(operation, "415", "UnsupportedMediaType");
        add_response(operation, "422", "UnprocessableEntity");
    }
    if has(ParameterIn::Query) {
        add_response(operation, "400", "BadRequest");
        add_response(operation, "422", "UnprocessableEntity");
    }
    if has(ParameterIn::Path) {
        add_response(operation, "404", "NotFound");
    }
    if bearer {
        add_response(operation, "401", "Unauthorized");
    }
    // Inside an alliance, a protected operation needs a role there.
    let anonymous_allowed = operation.security.as_ref().is_some_and(|s| {
        s.iter()
            .any(|requirement| serde_json::to_string(requirement).is_ok_and(|r| r == "{}"))
    });
    if bearer && !anonymous_allowed && path.starts_with("/api/v1/alliances/{id}") {
        add_response(operation, "403", "Forbidden");
    }
    let id = operation.operation_id.as_deref().unwrap_or_default();
    if !WITHOUT_DATABASE.contains(&id) {
        add_response(operation, "503", "ServiceUnavailable");
    }
    if is_post && bearer && !path.starts_with("/api/v1/auth/") {
        let parameter: Parameter = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes a retry safe: the same key with the same body returns the first \
                 answer (with `Idempotent-Replayed: true`) and creates nothing new; the same \
                 key with another body is 422. Keys are kept 24 hours, per user. Replays \
                 keep no secret: a one-time token of the first answer (`token` and \
                 `accept_path` of an invitation or a successor designation) is `null` in a \
                 replay. Only a caller whose session is still open gets a replay (after a \
                 logout, 401).",
            ))
            .schema(Some(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255)),
            ))
            .build();
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(RefOr::T(parameter));
        add_response(operation, "400", "BadRequest");
        add_response(operation, "409", "Conflict");
        add_response(operation, "422", "UnprocessableEntity");
    }
}

/// Every `PATCH` is conditional: it takes the `If-Match` of the last read and answers
/// 412 when the resource changed since (`etag::IfMatch`).
fn if_match(path: &str, operation: &mut Operation) {
    let parameter: Parameter = ParameterBuilder::new()
        .name("If-Match")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(format!(
            "The ETag last read; 412 if the {} changed since",
            resource_noun(path)
        )))
        .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(
            utoipa::openapi::schema::SchemaType::from_iter([
                utoipa::openapi::schema::Type::String,
                utoipa::openapi::schema::Type::Null,
            ]),
        )))
        .build();
    operation
        .parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(parameter));
    add_response(operation, "412", "PreconditionFailed");
}

/// What a path names, for a description: its last parameter (`{action_id}`: action),
/// or for `{id}` the collection it is in; an account for `/me` and `/users/{id}`.
fn resource_noun(path: &str) -> String {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        [.., "me"] | [.., "users", "{id}"] => "account".into(),
        [.., "cities", "{id}"] => "city".into(),
        [.., collection, "{id}"] => collection.trim_end_matches('s').into(),
        [.., last] => last
            .trim_start_matches('{')
            .trim_end_matches('}')
            .trim_end_matches("_id")
            .into(),
        [] => "resource".into(),
    }
}

/// Every write under an alliance answers 409 `alliance_archived` while the alliance
/// is archived (`scope::InAlliance`): say so on each.
fn read_only_when_archived(operation: &mut Operation) {
    add_response(operation, "409", "Conflict");
    let description = operation.description.get_or_insert_with(String::new);
    if !description.contains("alliance_archived") {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str("An archived alliance is read-only: 409 `alliance_archived`.");
    }
}

fn add_response(operation: &mut Operation, status: &str, component: &str) {
    operation
        .responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(component)));
}
