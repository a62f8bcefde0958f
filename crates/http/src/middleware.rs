//! Small middleware of our own: the request id header and the problem safety net.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{Error, HttpMessage};
use tracing_actix_web::RequestId;

use crate::problem::{ApiError, PROBLEM_CONTENT_TYPE};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Echoes the request id of the tracing span in `X-Request-Id`, so a client can quote it.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut response = next.call(req).await?;
    if let Some(id) = id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(response)
}

/// The safety net: any error answer that is not yet a problem (an actix internal
/// error, a CORS refusal) is rewritten as one with the same status.
pub fn problem_safety_net<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let api = match status.as_u16() {
        400 => ApiError::BadRequest {
            code: "bad_request",
            detail: "the request could not be understood".into(),
        },
        401 => ApiError::Unauthenticated,
        403 => ApiError::forbidden("this request is not allowed"),
        404 => ApiError::NotFound("no such resource".into()),
        413 => ApiError::PayloadTooLarge {
            limit: crate::app::BODY_LIMIT,
        },
        415 => ApiError::UnsupportedMediaType("unsupported content type".into()),
        503 => ApiError::Unavailable,
        code if (400..500).contains(&code) => ApiError::BadRequest {
            code: "bad_request",
            detail: status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        },
        _ => ApiError::Internal(format!("unhandled error response with status {status}")),
    };
    let (req, _) = res.into_parts();
    let mut problem = api.problem();
    problem.status = status.as_u16();
    problem.title = status.canonical_reason().unwrap_or("Error").to_owned();
    let response = actix_web::HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE))
        .body(serde_json::to_string(&problem).unwrap_or_default());
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
