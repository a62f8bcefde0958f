//! The HTTP layer of Agir Ensemble: actix-web handlers, extractors, problem
//! details, conventions (pagination, ETags, idempotency) and the OpenAPI document.

pub mod app;
pub mod auth;
pub mod choices;
pub mod client_ip;
pub mod demo;
pub mod etag;
pub mod idempotency;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod paths;
pub mod problem;
pub mod routes;
pub mod scope;
pub mod state;

pub use app::{build_app, openapi};
pub use state::{AppState, HttpConfig};
