//! The real application in process, with clients per principal.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use agir_domain::ids::UserId;
use agir_domain::user::{DisplayName, Email};
use agir_http::auth::password::Argon2Params;
use agir_http::problem::Problem;
use agir_http::routes::auth::LoginRequest;
use agir_http::{AppState, HttpConfig, build_app};
use agir_persistence::journal::Actor;
use agir_persistence::{PoolOptions, pool};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::db::TestDb;

/// The password of every account the harness creates.
pub const PASSWORD: &str = "correct horse battery staple";
pub const JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes!!";

type Call = Rc<dyn Fn(actix_http::Request) -> LocalBoxFuture<'static, ServiceResponse<BoxBody>>>;

/// The application around its own database.
pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    call: Call,
    admin: RefCell<Option<Client>>,
}

impl TestApp {
    /// The application as configured in production, but for cheap password hashing.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut HttpConfig)) -> Self {
        super::init_logging();
        let db = TestDb::new().await;
        let mut config = HttpConfig::new(JWT_SECRET.to_owned().into());
        config.argon2 = Argon2Params::TESTING;
        // Every in-process request comes from one address: tests log many people in.
        config.login_limits.per_address_per_minute = 10_000;
        configure(&mut config);
        let pool = pool::build(
            db.url(),
            &PoolOptions {
                max_size: 8,
                ..PoolOptions::default()
            },
        )
        .expect("pool");
        let state = AppState::new(pool, config).expect("state");
        let service = Rc::new(test::init_service(build_app(state.clone())).await);
        let call: Call = Rc::new(move |req| {
            let service = service.clone();
            Box::pin(async move {
                test::call_service(&*service, req)
                    .await
                    .map_into_boxed_body()
            })
        });
        Self {
            db,
            state,
            call,
            admin: RefCell::new(None),
        }
    }

    pub fn anonymous(&self) -> Client {
        Client {
            call: self.call.clone(),
            token: None,
            peer: default_peer(),
        }
    }

    /// A client authenticated with a raw bearer value.
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_owned()),
            ..self.anonymous()
        }
    }

    /// Creates an account directly (journaled like the API does).
    pub async fn create_user(&self, email: &str, is_admin: bool) -> UserId {
        let hash = self
            .state
            .passwords
            .hash(PASSWORD.to_owned())
            .await
            .expect("hash");
        let email = Email::parse("email", email).expect("email");
        let name = DisplayName::parse(
            "display_name",
            email.as_str().split('@').next().unwrap_or("someone"),
        )
        .expect("name");
        let mut conn = agir_persistence::pool::get(&self.state.pool)
            .await
            .expect("connection");
        agir_app::users::create_account(&mut conn, Actor::system(), &email, &name, &hash, is_admin)
            .await
            .expect("create account")
            .id
    }

    /// Logs in through the API and returns a client holding the access token.
    pub async fn login(&self, email: &str) -> Client {
        let tokens = self.login_tokens(email).await;
        self.with_token(tokens["access_token"].as_str().expect("access token"))
    }

    /// The whole token pair of a login.
    pub async fn login_tokens(&self, email: &str) -> Value {
        self.anonymous()
            .post("/api/v1/auth/login")
            .json(&LoginRequest {
                email: email.to_owned(),
                password: PASSWORD.to_owned(),
            })
            .ok()
            .await
            .json()
    }

    /// A new user and a client logged in as them.
    pub async fn user(&self, email: &str) -> (UserId, Client) {
        let id = self.create_user(email, false).await;
        (id, self.login(email).await)
    }

    /// A platform admin (created on first use).
    pub async fn admin(&self) -> Client {
        if let Some(admin) = self.admin.borrow().as_ref() {
            return admin.clone();
        }
        self.create_user("admin@avuf.test", true).await;
        let client = self.login("admin@avuf.test").await;
        *self.admin.borrow_mut() = Some(client.clone());
        client
    }
}

fn default_peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 40000))
}

/// Calls the application as one principal.
#[derive(Clone)]
pub struct Client {
    call: Call,
    token: Option<String>,
    peer: SocketAddr,
}

impl Client {
    /// The same principal seen from another client address.
    pub fn from_address(&self, peer: SocketAddr) -> Self {
        Self {
            peer,
            ..self.clone()
        }
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    fn request(&self, req: TestRequest, method: &str, path: &str) -> RequestBuilder {
        let mut req = req.uri(path).peer_addr(self.peer);
        if let Some(token) = &self.token {
            req = req.insert_header(("authorization", format!("Bearer {token}")));
        }
        RequestBuilder {
            call: self.call.clone(),
            req,
            what: format!("{method} {path}"),
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(TestRequest::get(), "GET", path)
    }

    /// POSTs `body`, asserts 201 Created and returns the new resource's `id`.
    pub async fn created_id<T: Serialize>(&self, path: &str, body: &T) -> String {
        let response = self.post(path).json(body).created().await;
        response.json::<serde_json::Value>()["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no id in {}", response.text()))
            .to_owned()
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(TestRequest::post(), "POST", path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.request(TestRequest::patch(), "PATCH", path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(TestRequest::delete(), "DELETE", path)
    }

    pub fn method(&self, method: actix_web::http::Method, path: &str) -> RequestBuilder {
        self.request(
            TestRequest::default().method(method.clone()),
            method.as_str(),
            path,
        )
    }
}

pub struct RequestBuilder {
    call: Call,
    req: TestRequest,
    /// Method and path, for failure messages.
    what: String,
}

impl RequestBuilder {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.req = self.req.insert_header((
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        ));
        self
    }

    pub fn json<T: Serialize>(mut self, body: &T) -> Self {
        self.req = self.req.set_json(body);
        self
    }

    /// A raw body with a content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.req = self
            .req
            .insert_header(("content-type", content_type.to_owned()))
            .set_payload(body.into());
        self
    }

    pub async fn send(self) -> TestResponse {
        let response = (self.call)(self.req.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        TestResponse {
            status,
            headers,
            body,
        }
    }

    /// Sends and asserts the status, with the answer's body in the failure message:
    /// for setup calls, whose failure would otherwise surface later as a puzzle.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> impl Future<Output = TestResponse> {
        let caller = std::panic::Location::caller();
        async move {
            let what = self.what.clone();
            let response = self.send().await;
            assert_eq!(
                response.status(),
                status,
                "{what} (at {caller}): {}",
                response.text()
            );
            response
        }
    }

    /// Sends and asserts 200 OK.
    #[track_caller]
    pub fn ok(self) -> impl Future<Output = TestResponse> {
        self.expect(StatusCode::OK)
    }

    /// Sends and asserts 201 Created.
    #[track_caller]
    pub fn created(self) -> impl Future<Output = TestResponse> {
        self.expect(StatusCode::CREATED)
    }

    /// Sends and asserts 204 No Content.
    #[track_caller]
    pub fn no_content(self) -> impl Future<Output = TestResponse> {
        self.expect(StatusCode::NO_CONTENT)
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}): {}", self.text()))
    }

    /// Asserts the status (the body in the failure message) and hands the answer on.
    #[track_caller]
    pub fn assert_status(self, status: StatusCode) -> Self {
        assert_eq!(self.status, status, "unexpected status: {}", self.text());
        self
    }

    /// The problem body, checking it is served as `application/problem+json`.
    #[track_caller]
    pub fn problem(&self) -> Problem {
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "not a problem answer: {} {}",
            self.status,
            self.text()
        );
        let problem: Problem = self.json();
        assert_eq!(
            problem.status,
            self.status.as_u16(),
            "problem status differs from HTTP status"
        );
        problem
    }

    /// Asserts the status and the problem code at once.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Problem {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status: {}",
            self.text()
        );
        let problem = self.problem();
        assert_eq!(problem.code, code, "unexpected problem: {}", self.text());
        problem
    }
}
