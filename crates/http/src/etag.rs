//! Entity tags: every single resource carries an `ETag`; a `PATCH` sent with a stale
//! `If-Match` answers 412 so that two editors never silently overwrite each other.
//!
//! The tag is a hash of the resource's JSON representation: any visible change
//! changes it, and no version column is needed.

use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use agir_app::Expected;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::problem::ApiError;

/// The strong entity tag of a representation, quoted as in the header.
pub fn etag_of<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    format!("\"{}\"", hex::encode(&digest[..12]))
}

/// A JSON answer with its `ETag`.
pub fn json_with_etag<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag_of(value)))
        .json(value)
}

/// `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, value: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag_of(value)))
        .json(value)
}

/// The `If-Match` header of a request, if any.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(Option<Vec<String>>);

impl IfMatch {
    /// 412 unless the header is absent, `*`, or names the current tag (strong comparison).
    pub fn check<T: Serialize>(&self, current: &T) -> Result<(), ApiError> {
        let Some(tags) = &self.0 else {
            return Ok(());
        };
        let current = etag_of(current);
        if tags.iter().any(|tag| tag == "*" || *tag == current) {
            Ok(())
        } else {
            Err(ApiError::PreconditionFailed)
        }
    }
}

impl IfMatch {
    /// This header as the application's expectation about a resource: it matches when
    /// the tag of `represent(current)`, the resource as the API shows it, does.
    pub fn against<F>(&self, represent: F) -> Against<'_, F> {
        Against {
            if_match: self,
            represent,
        }
    }
}

/// An `If-Match` judged on a representation of the current state ([`IfMatch::against`]).
pub struct Against<'a, F> {
    if_match: &'a IfMatch,
    represent: F,
}

impl<T, R, F> Expected<T> for Against<'_, F>
where
    F: Fn(&T) -> R,
    R: Serialize,
{
    fn matches(&self, current: &T) -> bool {
        self.if_match.check(&(self.represent)(current)).is_ok()
    }
}

impl FromRequest for IfMatch {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let values: Vec<String> = req
            .headers()
            .get_all(header::IF_MATCH)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        std::future::ready(Ok(if values.is_empty() {
            IfMatch(None)
        } else {
            IfMatch(Some(values))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_tags_never_match_and_star_always_does() {
        let value = serde_json::Value::from(vec![1]);
        let tag = etag_of(&value);
        assert!(IfMatch(Some(vec![tag.clone()])).check(&value).is_ok());
        assert!(
            IfMatch(Some(vec![format!("W/{tag}")]))
                .check(&value)
                .is_err()
        );
        assert!(IfMatch(Some(vec!["*".into()])).check(&value).is_ok());
        assert!(IfMatch(None).check(&value).is_ok());
        assert!(
            IfMatch(Some(vec![tag]))
                .check(&serde_json::Value::from(vec![2]))
                .is_err()
        );
    }
}
