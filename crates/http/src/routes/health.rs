//! Liveness, readiness and metrics, for orchestrators and monitoring.
//!
//! Served under `/api/v1` and, for probes that expect them there, at the root too.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problem::ApiError;
use crate::state::AppState;

/// The process answers.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// Liveness: the process is up (does not touch the database).
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health)),
    security(())
)]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers. 503 while it does not.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
    ),
    security(())
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    agir_persistence::pool::ping(&state.pool).await?;
    Ok(web::Json(Health {
        status: "ok".into(),
    }))
}

/// Request counts and latencies in the Prometheus text format.
#[utoipa::path(
    tag = "operations",
    responses((
        status = 200,
        description = "Prometheus exposition format",
        body = String,
        content_type = "text/plain; version=0.0.4",
        example = "http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 3"
    )),
    security(())
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// The root aliases of the probes (`/healthz`, `/readyz`, `/metrics`).
pub mod root {
    use super::*;

    /// Liveness at the root, for orchestrators.
    #[utoipa::path(
        tag = "operations",
        responses((status = 200, description = "The process is alive", body = Health)),
        security(())
    )]
    #[get("/healthz")]
    pub async fn root_healthz() -> web::Json<Health> {
        super::healthz_inner()
    }

    /// Readiness at the root, for orchestrators. 503 while the database does not answer.
    #[utoipa::path(
        tag = "operations",
        responses(
            (status = 200, description = "Ready to serve", body = Health),
        ),
        security(())
    )]
    #[get("/readyz")]
    pub async fn root_readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
        agir_persistence::pool::ping(&state.pool).await?;
        Ok(super::healthz_inner())
    }

    /// Metrics at the root, for Prometheus scrapers.
    #[utoipa::path(
        tag = "operations",
        responses((
            status = 200,
            description = "Prometheus exposition format",
            body = String,
            content_type = "text/plain; version=0.0.4"
        )),
        security(())
    )]
    #[get("/metrics")]
    pub async fn root_metrics(state: web::Data<AppState>) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(state.metrics.render())
    }
}

fn healthz_inner() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".into(),
    })
}
