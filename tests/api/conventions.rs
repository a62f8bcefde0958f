use std::collections::HashSet;

use actix_web::http::StatusCode;
use agir_http::HttpConfig;
use agir_http::routes::auth::LoginRequest;
use agir_http::routes::users::{CreateUserRequest, UpdateUserRequest};
use agir_tests::TestApp;
use serde_json::Value;

fn account(email: &str, display_name: &str) -> CreateUserRequest {
    CreateUserRequest {
        email: email.into(),
        display_name: display_name.into(),
        password: "a long enough password".into(),
        is_admin: false,
    }
}

fn display_name(name: &str) -> UpdateUserRequest {
    UpdateUserRequest {
        display_name: Some(name.into()),
        ..UpdateUserRequest::default()
    }
}

#[actix_web::test]
async fn an_idempotent_post_replays_its_first_answer_and_creates_nothing_new() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = account("once@example.org", "Once");
    let first = admin
        .post("/api/v1/users")
        .header("idempotency-key", "create-once-1")
        .json(&body)
        .send()
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = admin
        .post("/api/v1/users")
        .header("idempotency-key", "create-once-1")
        .json(&body)
        .send()
        .await;
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.bytes(), first.bytes());
    assert_eq!(second.header("location"), first.header("location"));
    assert_eq!(
        second.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(first.header("idempotent-replayed"), None);

    let page: Value = admin.get("/api/v1/users").send().await.json();
    let count = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["email"] == "once@example.org")
        .count();
    assert_eq!(count, 1);

    let other_body = account("twice@example.org", "Twice");
    admin
        .post("/api/v1/users")
        .header("idempotency-key", "create-once-1")
        .json(&other_body)
        .send()
        .await
        .assert_problem(422, "idempotency_key_reused");

    // Keys belong to their user: another admin's identical key is a fresh request.
    app.create_user("second.admin@avuf.test", true).await;
    let other_admin = app.login("second.admin@avuf.test").await;
    let fresh = other_admin
        .post("/api/v1/users")
        .header("idempotency-key", "create-once-1")
        .json(&other_body)
        .send()
        .await;
    assert_eq!(fresh.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (ada, _) = app.user("ada@example.org").await;
    let path = format!("/api/v1/users/{ada}");
    let etag = admin.get(&path).send().await.header("etag").unwrap();

    let first = admin
        .patch(&path)
        .header("if-match", &etag)
        .json(&display_name("First editor"))
        .send()
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_ne!(first.header("etag").unwrap(), etag);

    let second = admin
        .patch(&path)
        .header("if-match", &etag)
        .json(&display_name("Second editor"))
        .send()
        .await;
    second.assert_problem(412, "precondition_failed");
    let now: Value = admin.get(&path).send().await.json();
    assert_eq!(now["display_name"], "First editor");

    let with_current = admin
        .patch(&path)
        .header("if-match", &first.header("etag").unwrap())
        .json(&display_name("Second editor"))
        .send()
        .await;
    assert_eq!(with_current.status(), StatusCode::OK);
}

#[actix_web::test]
async fn collections_page_with_stable_cursors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..6 {
        app.create_user(&format!("user{i}@example.org"), false)
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=3&cursor={c}"),
            None => "/api/v1/users?limit=3".to_owned(),
        };
        let page: Value = admin.get(&path).send().await.json();
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["email"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    // Six users and the admin: three pages, no repeats, creation order.
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 7);
    assert_eq!(seen[0], "admin@avuf.test");
    assert_eq!(
        seen[1..],
        (0..6)
            .map(|i| format!("user{i}@example.org"))
            .collect::<Vec<_>>()[..]
    );
}

#[actix_web::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/readyz", "/api/v1/healthz", "/api/v1/readyz"] {
        let response = app.anonymous().get(path).send().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.json::<Value>()["status"], "ok");
    }
    let metrics = app.anonymous().get("/metrics").send().await;
    assert_eq!(metrics.status(), StatusCode::OK);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        metrics.text().contains("http_requests_total"),
        "{}",
        metrics.text()
    );
    assert!(
        app.anonymous()
            .get("/healthz")
            .send()
            .await
            .header("x-request-id")
            .is_some()
    );
}

#[actix_web::test]
async fn readiness_is_503_while_the_database_is_down() {
    // A pool whose server does not exist: the database is "down".
    let db = agir_tests::TestDb::new().await;
    let down = db.url().replace("host=/", "host=/nonexistent/");
    let pool = agir_persistence::pool::build(
        &down,
        &agir_persistence::PoolOptions {
            max_size: 2,
            wait_timeout: std::time::Duration::from_millis(500),
            connect_timeout: std::time::Duration::from_millis(500),
        },
    )
    .unwrap();
    let mut config = HttpConfig::new(agir_tests::app::JWT_SECRET.to_owned().into());
    config.argon2 = agir_http::auth::password::Argon2Params::TESTING;
    let state = agir_http::AppState::new(pool, config).unwrap();
    let service = actix_web::test::init_service(agir_http::build_app(state)).await;
    let response = actix_web::test::call_service(
        &service,
        actix_web::test::TestRequest::get()
            .uri("/readyz")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let liveness = actix_web::test::call_service(
        &service,
        actix_web::test::TestRequest::get()
            .uri("/healthz")
            .to_request(),
    )
    .await;
    assert_eq!(liveness.status(), StatusCode::OK);
    let login = actix_web::test::call_service(
        &service,
        actix_web::test::TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(LoginRequest {
                email: "a@b.org".into(),
                password: "whatever".into(),
            })
            .to_request(),
    )
    .await;
    assert_eq!(login.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[actix_web::test]
async fn cors_lets_configured_origins_in() {
    let app =
        TestApp::spawn_with(|c| c.cors_origins = vec!["https://app.example.org".into()]).await;
    let preflight = app
        .anonymous()
        .method(actix_web::http::Method::OPTIONS, "/api/v1/me")
        .header("origin", "https://app.example.org")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, if-match")
        .send()
        .await;
    assert_eq!(preflight.status(), StatusCode::OK, "{}", preflight.text());
    assert_eq!(
        preflight.header("access-control-allow-origin").as_deref(),
        Some("https://app.example.org")
    );
    let simple = app
        .anonymous()
        .get("/healthz")
        .header("origin", "https://app.example.org")
        .send()
        .await;
    assert_eq!(
        simple.header("access-control-allow-origin").as_deref(),
        Some("https://app.example.org")
    );
    let refused = app
        .anonymous()
        .method(actix_web::http::Method::OPTIONS, "/api/v1/me")
        .header("origin", "https://evil.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await;
    assert!(refused.header("access-control-allow-origin").is_none());
    assert!(refused.status().is_client_error());
    refused.problem();
}
