//! Resources under attack (issue 11): what a client can make the server keep or do.

use actix_web::http::{Method, StatusCode};
use agir_http::auth::password::Hold;
use agir_http::routes::auth::{LoginRequest, RefreshRequest};
use agir_http::routes::invitations::{AcceptInvitationRequest, CreateInvitationRequest};
use agir_http::routes::me::ChangePasswordRequest;
use agir_tests::app::PASSWORD;
use agir_tests::{TestApp, TestResponse};
use serde_json::Value;
use uuid::Uuid;

/// `/metrics` labels come from closed sets: the matched route's pattern (one fixed label
/// for unmatched paths) and the standard methods (`other` for the rest).
#[actix_web::test]
async fn metrics_labels_never_echo_a_request() {
    let app = TestApp::spawn().await;
    let canary = format!("canary{}", Uuid::now_v7().simple());
    let client = app.anonymous();
    let paths = [
        format!("/{canary}"),
        format!("/api/v1/{canary}/x"),
        format!("/api/v1/alliances/{}/{canary}", Uuid::now_v7()),
    ];
    for path in &paths {
        let response = client.get(path).send().await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let odd = Method::from_bytes(canary.to_uppercase().as_bytes()).unwrap();
    client.method(odd, "/api/v1/healthz").send().await;
    client
        .method(Method::from_bytes(b"BREW").unwrap(), &paths[0])
        .send()
        .await;
    // A matched route is labelled by its pattern, not by the ids in its path.
    let alliance = Uuid::now_v7();
    client
        .get(&format!("/api/v1/alliances/{alliance}"))
        .send()
        .await;

    let metrics = client.get("/metrics").send().await.text();
    let lower = metrics.to_lowercase();
    assert!(!lower.contains(&canary), "{metrics}");
    assert!(!metrics.contains("BREW"), "{metrics}");
    assert!(!metrics.contains(&alliance.to_string()), "{metrics}");
    // The test would pass on an empty page: the fixed labels are there.
    assert!(metrics.contains(r#"method="other""#), "{metrics}");
    assert!(metrics.contains(r#"route="unmatched""#), "{metrics}");
    assert!(
        metrics.contains(r#"route="/api/v1/alliances/{id}""#),
        "{metrics}"
    );
}

/// Fills the password hashing queue of `app` (built with `password_queue = 1`): one
/// hold running on the thread, one waiting.
fn fill_hashing_queue(app: &TestApp) -> Vec<Hold> {
    let holds = app.state.passwords.fill();
    assert_eq!(holds.len(), 2);
    holds
}

#[track_caller]
fn assert_busy(response: &TestResponse) {
    response.assert_problem(503, "password_hashing_busy");
    assert_eq!(response.header("retry-after").as_deref(), Some("1"));
}

/// When the password hashing queue is full, login, password change and invitation
/// acceptance answer 503 with `Retry-After` at once; they work again once it drains.
#[actix_web::test]
async fn a_full_hashing_queue_answers_503_at_once() {
    let app = TestApp::spawn_with(|c| c.password_queue = 1).await;
    let f = app.alliance_fixture(1).await;
    let invitation: Value = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/invitations", f.alliance))
        .json(&CreateInvitationRequest {
            email: "nouvelle@example.org".into(),
            partner_id: f.partner_q,
            role: "member".into(),
            ..CreateInvitationRequest::default()
        })
        .created()
        .await
        .json();
    let accept_path = invitation["accept_path"].as_str().unwrap().to_owned();
    let login = LoginRequest {
        email: "member.p1@example.org".into(),
        password: PASSWORD.into(),
    };
    let change = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "un tout nouveau mot de passe".into(),
    };
    let accept = AcceptInvitationRequest {
        display_name: Some("Nouvelle".into()),
        password: Some("un mot de passe solide".into()),
    };

    let holds = fill_hashing_queue(&app);
    let anonymous = app.anonymous();
    assert_busy(
        &anonymous
            .post("/api/v1/auth/login")
            .json(&login)
            .send()
            .await,
    );
    assert_busy(
        &f.member_p
            .client
            .post("/api/v1/me/password")
            .json(&change)
            .send()
            .await,
    );
    assert_busy(&anonymous.post(&accept_path).json(&accept).send().await);

    drop(holds);
    app.state.passwords.wait_idle();
    let logged_in = anonymous
        .post("/api/v1/auth/login")
        .json(&login)
        .send()
        .await;
    assert_eq!(logged_in.status(), StatusCode::OK, "{}", logged_in.text());
    let changed = f
        .member_p
        .client
        .post("/api/v1/me/password")
        .json(&change)
        .send()
        .await;
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "{}",
        changed.text()
    );
    let accepted = anonymous.post(&accept_path).json(&accept).send().await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
}

/// The current-password check of `POST /me/password` is limited like a login: per
/// account (sharing the login's budget) and per client address.
#[actix_web::test]
async fn password_change_attempts_are_rate_limited() {
    let app = TestApp::spawn_with(|c| {
        c.login_limits.per_account_per_minute = 3;
        c.login_limits.per_address_per_minute = 10_000;
    })
    .await;
    // The login is the account's first attempt of the minute.
    let (_, client) = app.user("devine@example.org").await;
    let wrong = ChangePasswordRequest {
        current_password: "pas le bon".into(),
        new_password: "un tout nouveau mot de passe".into(),
    };
    for _ in 0..2 {
        let response = client.post("/api/v1/me/password").json(&wrong).send().await;
        assert_eq!(
            response.assert_problem(422, "validation_failed").errors[0].field,
            "current_password"
        );
    }
    let limited = client.post("/api/v1/me/password").json(&wrong).send().await;
    limited.assert_problem(429, "too_many_requests");
    assert!(limited.header("retry-after").is_some());
    // The right password does not get through either until the wait is over.
    let right = ChangePasswordRequest {
        current_password: PASSWORD.into(),
        new_password: "un tout nouveau mot de passe".into(),
    };
    client
        .post("/api/v1/me/password")
        .json(&right)
        .send()
        .await
        .assert_problem(429, "too_many_requests");

    // Per address: another account, from one address that has used its budget.
    let app = TestApp::spawn_with(|c| {
        c.login_limits.per_address_per_minute = 2;
    })
    .await;
    let (_, client) = app.user("autre@example.org").await;
    let client = client.from_address("192.0.2.7:4000".parse().unwrap());
    for _ in 0..2 {
        client
            .post("/api/v1/me/password")
            .json(&wrong)
            .send()
            .await
            .assert_problem(422, "validation_failed");
    }
    client
        .post("/api/v1/me/password")
        .json(&wrong)
        .send()
        .await
        .assert_problem(429, "too_many_requests");
}

#[derive(diesel::QueryableByName)]
struct StoredAnswer {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Bytea>)]
    body: Option<Vec<u8>>,
}

/// An idempotent answer that carried a one-time token is stored without it (a replay
/// shows `token` and `accept_path` null), and only a caller whose session is still open
/// gets a replay.
#[actix_web::test]
async fn idempotent_replays_keep_no_secret_and_need_an_open_session() {
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let tokens = app.login_tokens("coordinator1@example.org").await;
    let coordinator = app.with_token(tokens["access_token"].as_str().unwrap());
    let path = format!("/api/v1/alliances/{}/invitations", f.alliance);
    let body = CreateInvitationRequest {
        email: "invitee@example.org".into(),
        partner_id: f.partner_q,
        role: "member".into(),
        ..CreateInvitationRequest::default()
    };
    let invite = || {
        coordinator
            .post(&path)
            .header("idempotency-key", "invitation-1")
            .json(&body)
    };

    let first = invite().send().await;
    assert_eq!(first.status(), StatusCode::CREATED, "{}", first.text());
    let first: Value = first.json();
    let token = first["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 16);

    let mut conn = app.db.connect().await;
    let stored: Vec<StoredAnswer> =
        diesel::sql_query("SELECT response_body AS body FROM idempotency_keys")
            .load(&mut conn)
            .await
            .unwrap();
    assert_eq!(stored.len(), 1);
    let stored = String::from_utf8(stored[0].body.clone().unwrap()).unwrap();
    assert!(!stored.contains(&token), "the token is stored: {stored}");
    assert!(stored.contains(first["id"].as_str().unwrap()), "{stored}");

    let replay = invite().send().await;
    assert_eq!(replay.status(), StatusCode::CREATED, "{}", replay.text());
    assert_eq!(
        replay.header("idempotent-replayed").as_deref(),
        Some("true")
    );
    let replayed: Value = replay.json();
    assert_eq!(replayed["id"], first["id"]);
    assert_eq!(replayed["token"], Value::Null);
    assert_eq!(replayed["accept_path"], Value::Null);

    // Logged out: the access token's session is closed, so no replay, whatever the key.
    let out = app
        .anonymous()
        .post("/api/v1/auth/logout")
        .json(&RefreshRequest {
            refresh_token: tokens["refresh_token"].as_str().unwrap().into(),
        })
        .send()
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = invite().send().await;
    after.assert_problem(401, "invalid_token");
    assert_eq!(after.header("idempotent-replayed"), None);
}
