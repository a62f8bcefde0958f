//! The caller, resolved once per request from the bearer token.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use agir_domain::ids::{SessionId, UserId};
use agir_domain::policy::Principal;
use agir_domain::user::User;
use agir_persistence::{pool, sessions};

use crate::problem::ApiError;
use crate::state::AppState;

/// An authenticated caller: a valid access token of an enabled account whose session is open.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub session: SessionId,
}

impl Caller {
    pub fn principal(&self) -> Principal {
        Principal {
            user: self.user.id,
            is_admin: self.user.is_admin,
        }
    }

    pub fn id(&self) -> UserId {
        self.user.id
    }
}

/// The caller if a token was sent; `None` for anonymous requests. A token that is
/// sent but invalid is still refused (401): it is never silently ignored.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

/// A caller who is a platform admin (403 otherwise).
#[derive(Debug, Clone)]
pub struct AdminCaller(pub Caller);

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))
}

/// The bearer token of the request: `Ok(None)` without an `Authorization` header.
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| invalid_token())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(invalid_token()),
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_token",
        detail: "the bearer token is invalid, expired or revoked".into(),
    }
}

async fn authenticate(req: HttpRequest) -> Result<Option<Caller>, ApiError> {
    let Some(token) = bearer_token(&req)? else {
        return Ok(None);
    };
    let state = state(&req)?;
    let claims = state.tokens.verify(&token).map_err(|_| invalid_token())?;
    let (user, session) = (UserId(claims.sub), SessionId(claims.sid));
    let mut conn = pool::get(&state.pool).await?;
    let user = sessions::authenticate(&mut conn, user, session)
        .await?
        .ok_or_else(invalid_token)?;
    Ok(Some(Caller { user, session }))
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, actix_web::Error>>>>;

/// The caller of one request, resolved at most once. actix builds every extractor of a
/// handler before polling any, so `Caller` and `InAlliance` would otherwise both read the
/// session: the first to be built leaves this cell in the request, and whichever is
/// polled first fills it while the other waits for the answer.
type Resolution = Rc<tokio::sync::OnceCell<Option<Caller>>>;

fn resolution(req: &HttpRequest) -> Resolution {
    if let Some(cell) = req.extensions().get::<Resolution>() {
        return cell.clone();
    }
    let cell = Resolution::default();
    req.extensions_mut().insert(cell.clone());
    cell
}

async fn resolve(req: HttpRequest, cell: Resolution) -> Result<Option<Caller>, ApiError> {
    cell.get_or_try_init(|| authenticate(req)).await.cloned()
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cell = resolution(req);
        let req = req.clone();
        Box::pin(async move { Ok(resolve(req, cell).await?.ok_or(ApiError::Unauthenticated)?) })
    }
}

impl FromRequest for MaybeCaller {
    type Error = actix_web::Error;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let cell = resolution(req);
        let req = req.clone();
        Box::pin(async move { Ok(MaybeCaller(resolve(req, cell).await?)) })
    }
}

impl FromRequest for AdminCaller {
    type Error = actix_web::Error;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let caller = caller.await?;
            if !caller.user.is_admin {
                return Err(ApiError::forbidden("only platform admins may do this").into());
            }
            Ok(AdminCaller(caller))
        })
    }
}
