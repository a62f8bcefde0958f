//! The application: routes, configuration of extractors, middleware and docs.
//! The server and the tests build it through [`build_app`]: they run the same thing.

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, Error, HttpRequest, HttpResponse, web};
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, UtoipaApp, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::middleware::{problem_safety_net, request_id};
use crate::openapi::ApiDoc;
use crate::problem::{self, ApiError};
use crate::routes::{self, health};
use crate::state::AppState;
use crate::{idempotency, metrics};

/// Request bodies above this many bytes answer 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Where the document is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = Error, InitError = ()>,
{
    // Before the `/api/v1` scope: a scope owns every path under its prefix.
    app.map(|app| {
        app.route(OPENAPI_PATH, web::get().to(serve_openapi))
            .route("/docs", web::get().to(redirect_to_docs))
    })
    .service(health::root::root_healthz)
    .service(health::root::root_readyz)
    .service(health::root::root_metrics)
    .service(scope::scope("/api/v1").configure(routes::configure))
}

/// The OpenAPI document of the application, as served and checked in.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) =
        register(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    crate::openapi::complete(api)
}

/// The complete application around a state.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let (app, api) =
        register(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    let api = crate::openapi::complete(api);
    let routes = web::Data::new(RouteTable::new(&api));
    let document = web::Data::new(OpenApiDocument(api.to_pretty_json().unwrap_or_default()));
    let cors = cors(&state.config.cors_origins);
    app.app_data(web::Data::new(state))
        .app_data(routes)
        .app_data(document)
        .app_data(
            web::JsonConfig::default()
                .limit(BODY_LIMIT)
                .error_handler(problem::json_error),
        )
        .app_data(web::PathConfig::default().error_handler(problem::path_error))
        .app_data(web::QueryConfig::default().error_handler(problem::query_error))
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new([OPENAPI_PATH])),
        )
        .default_service(web::to(fallback))
        .wrap(from_fn(idempotency::idempotency))
        .wrap(cors)
        .wrap(ErrorHandlers::new().default_handler(problem_safety_net))
        .wrap(from_fn(metrics::record))
        .wrap(from_fn(request_id))
        .wrap(TracingLogger::default())
}

/// The document as served (and as `agir openapi` prints it).
struct OpenApiDocument(String);

async fn serve_openapi(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

async fn redirect_to_docs() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static(idempotency::HEADER),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static(crate::middleware::REQUEST_ID_HEADER),
            header::HeaderName::from_static(idempotency::REPLAYED_HEADER),
        ])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// Unknown paths answer 404; known paths with another method answer 405 with `Allow`.
async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    match routes.methods_for(req.path()) {
        Some(allow) => Err(ApiError::MethodNotAllowed { allow }),
        None => Err(ApiError::NotFound(format!("no route for {}", req.path()))),
    }
}

/// The documented paths and their methods, to tell 405 from 404.
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    fn new(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_owned())
                .collect();
                (segments, methods)
            })
            .collect();
        Self { routes }
    }

    fn methods_for(&self, path: &str) -> Option<Vec<String>> {
        // Only the leading slash goes: `/users/` has an empty last segment and
        // matches no documented path (404), as actix routes it.
        let wanted: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let mut allow: Vec<String> = self
            .routes
            .iter()
            .filter(|(segments, _)| {
                segments.len() == wanted.len()
                    && segments.iter().zip(&wanted).all(|(template, actual)| {
                        (template.starts_with('{') && !actual.is_empty()) || template == actual
                    })
            })
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        allow.sort();
        allow.dedup();
        (!allow.is_empty()).then_some(allow)
    }
}
