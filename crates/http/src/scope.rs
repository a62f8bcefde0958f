//! Role scoping in one place: the alliance named in the path, and the caller's
//! mandates in it that are current today. Handlers then ask a domain policy.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use agir_app::Scope;
use agir_domain::alliance;
use agir_domain::ids::AllianceId;
use agir_persistence::pool;
use chrono::Utc;
use uuid::Uuid;

use crate::auth::{Caller, MaybeCaller};
use crate::problem::ApiError;
use crate::state::AppState;

/// The alliance of `/alliances/{id}/...` and the caller as seen from it: the
/// application's [`Scope`], which handlers pass to commands and queries.
#[derive(Debug, Clone)]
pub struct InAlliance(pub Scope);

impl std::ops::Deref for InAlliance {
    type Target = Scope;

    fn deref(&self) -> &Scope {
        &self.0
    }
}

/// [`InAlliance`] that lets a write through even when the alliance is archived: only
/// for `PATCH /alliances/{id}`, whose handler lets a platform admin make the alliance
/// active again and refuses anything else with `alliance::check_writable`.
#[derive(Debug, Clone)]
pub struct EvenArchived(pub InAlliance);

/// The scope `S` ([`InAlliance`] or [`EvenArchived`]) of an authenticated caller: a
/// request without a bearer token is 401 before anything else is looked at, as with a
/// [`Caller`] extractor. For operations whose `security` is `bearer_auth` only; which
/// role the caller needs is still the handler's policy call.
#[derive(Debug, Clone)]
pub struct Authenticated<S = InAlliance>(pub S);

/// Who may reach the handler: anyone or only a signed-in caller; while the alliance
/// is archived, reads only or writes too.
#[derive(Debug, Clone, Copy)]
struct Admit {
    anonymous: bool,
    archived_writes: bool,
}

impl FromRequest for InAlliance {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    /// An archived alliance is read-only: every request under it with a method that
    /// is not safe (anything but GET, HEAD, OPTIONS) is 409 `alliance_archived` here,
    /// before the handler runs, whatever the caller.
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admit = Admit {
            anonymous: true,
            archived_writes: false,
        };
        load(req, payload, admit)
    }
}

impl FromRequest for EvenArchived {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admit = Admit {
            anonymous: true,
            archived_writes: true,
        };
        let scope = load(req, payload, admit);
        Box::pin(async move { scope.await.map(EvenArchived) })
    }
}

impl FromRequest for Authenticated<InAlliance> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admit = Admit {
            anonymous: false,
            archived_writes: false,
        };
        let scope = load(req, payload, admit);
        Box::pin(async move { scope.await.map(Authenticated) })
    }
}

impl FromRequest for Authenticated<EvenArchived> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let admit = Admit {
            anonymous: false,
            archived_writes: true,
        };
        let scope = load(req, payload, admit);
        Box::pin(async move { scope.await.map(|scope| Authenticated(EvenArchived(scope))) })
    }
}

fn load(
    req: &HttpRequest,
    payload: &mut Payload,
    admit: Admit,
) -> Pin<Box<dyn Future<Output = Result<InAlliance, actix_web::Error>>>> {
    {
        let req = req.clone();
        let caller = MaybeCaller::from_request(&req, payload);
        Box::pin(async move {
            let MaybeCaller(user) = caller.await?;
            if user.is_none() && !admit.anonymous {
                return Err(ApiError::Unauthenticated.into());
            }
            let id = req
                .match_info()
                .get("id")
                .and_then(|raw| raw.parse::<Uuid>().ok())
                .map(AllianceId)
                .ok_or_else(|| ApiError::not_found("alliance"))?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let today = Utc::now().date_naive();
            let conn = pool::get(&state.pool).await.map_err(ApiError::from)?;
            let scope = Scope::load(&conn, id, user.as_ref().map(Caller::principal), today)
                .await
                .map_err(ApiError::from)?;
            if !admit.archived_writes && !req.method().is_safe() {
                alliance::check_writable(scope.alliance.status, false).map_err(ApiError::from)?;
            }
            Ok(InAlliance(scope))
        })
    }
}
