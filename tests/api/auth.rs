use std::net::SocketAddr;

use actix_web::http::StatusCode;
use agir_http::auth::token::{AUDIENCE, ISSUER};
use agir_http::routes::auth::{LoginRequest, RefreshRequest};
use agir_http::routes::me::ChangePasswordRequest;
use agir_http::routes::users::UpdateUserRequest;
use agir_tests::TestApp;
use agir_tests::app::{JWT_SECRET, PASSWORD};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

fn credentials(email: &str, password: &str) -> LoginRequest {
    LoginRequest {
        email: email.into(),
        password: password.into(),
    }
}

fn refresh_body(refresh_token: &str) -> RefreshRequest {
    RefreshRequest {
        refresh_token: refresh_token.into(),
    }
}

fn new_password(current_password: &str, new_password: &str) -> ChangePasswordRequest {
    ChangePasswordRequest {
        current_password: current_password.into(),
        new_password: new_password.into(),
    }
}

#[actix_web::test]
async fn login_returns_a_token_pair_that_opens_me() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", false).await;
    let tokens = app.login_tokens("Ada@Example.org").await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let me = app
        .with_token(tokens["access_token"].as_str().unwrap())
        .get("/api/v1/me")
        .send()
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let body: Value = me.json();
    assert_eq!(body["email"], "ada@example.org");
    assert!(me.header("etag").is_some());
}

#[actix_web::test]
async fn unknown_email_and_wrong_password_answer_identically() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", false).await;
    let wrong = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("ada@example.org", "not the password"))
        .send()
        .await;
    let unknown = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("nobody@example.org", "not the password"))
        .send()
        .await;
    let a = wrong.assert_problem(401, "invalid_credentials");
    let b = unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(a.detail, b.detail);
    assert_eq!(wrong.bytes(), unknown.bytes());
}

#[actix_web::test]
async fn protected_operations_without_a_token_answer_401_with_a_challenge() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/v1/me").send().await;
    response.assert_problem(401, "unauthenticated");
    assert_eq!(
        response.header("www-authenticate").as_deref(),
        Some("Bearer")
    );
    let garbage = app.with_token("not-a-jwt").get("/api/v1/me").send().await;
    garbage.assert_problem(401, "invalid_token");
    let basic = app
        .anonymous()
        .get("/api/v1/me")
        .header("authorization", "Basic YWRhOnB3")
        .send()
        .await;
    basic.assert_problem(401, "invalid_token");
}

/// `scope::Authenticated`: under an alliance, an anonymous call to a protected operation is
/// 401 before anything else is judged (an unknown alliance, a malformed id in the path, a bad
/// body); with a token, those are judged as usual (404, 404, 422).
#[actix_web::test]
async fn protected_alliance_operations_answer_401_before_judging_the_request() {
    let app = TestApp::spawn().await;
    let (_, alliance) = app
        .city_and_alliance("Sceaux", "92071", "Alliance de Sceaux")
        .await;
    let unknown = uuid::Uuid::now_v7();
    app.create_user("ada@example.org", false).await;
    let ada = app.login("ada@example.org").await;
    let cases = [
        (format!("/api/v1/alliances/{unknown}/journal"), None, 404),
        (
            format!("/api/v1/alliances/{alliance}/votes/not-a-uuid"),
            None,
            404,
        ),
        (
            format!("/api/v1/alliances/{alliance}/partners"),
            Some(json!({"unknown_field": true})),
            422,
        ),
    ];
    for (path, body, with_token) in cases {
        let (anonymous, signed_in) = match &body {
            Some(body) => (
                app.anonymous().post(&path).json(body).send().await,
                ada.post(&path).json(body).send().await,
            ),
            None => (
                app.anonymous().get(&path).send().await,
                ada.get(&path).send().await,
            ),
        };
        anonymous.assert_problem(401, "unauthenticated");
        assert_eq!(signed_in.status().as_u16(), with_token, "{path}");
    }
}

/// Claims of a real session, re-signed with chosen changes.
async fn session_claims(app: &TestApp) -> (Value, String) {
    app.create_user("ada@example.org", false).await;
    let client = app.login("ada@example.org").await;
    let token = client.token().unwrap().to_owned();
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    (claims, token)
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[actix_web::test]
async fn expired_tampered_wrong_audience_and_unsigned_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let (claims, token) = session_claims(&app).await;
    // Control: the claims re-signed as they are still work.
    let control = app
        .with_token(&sign(&claims, JWT_SECRET))
        .get("/api/v1/me")
        .send()
        .await;
    assert_eq!(control.status(), StatusCode::OK);

    let mut expired = claims.clone();
    expired["exp"] = json!(chrono::Utc::now().timestamp() - 120);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("someone-else");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let forged_key = sign(&claims, "another-secret-of-at-least-thirty-two-bytes");

    // Tampered: the payload changed (another user id) under the original signature.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!(uuid::Uuid::now_v7());
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&tampered_claims).unwrap());
    let tampered = parts.join(".");

    // alg: none, no signature.
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let none_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let unsigned = format!("{none_header}.{none_payload}.");

    for (case, bad) in [
        ("expired", sign(&expired, JWT_SECRET)),
        ("wrong audience", sign(&wrong_audience, JWT_SECRET)),
        ("wrong issuer", sign(&wrong_issuer, JWT_SECRET)),
        ("another key", forged_key),
        ("tampered", tampered),
        ("alg none", unsigned),
    ] {
        let response = app.with_token(&bad).get("/api/v1/me").send().await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{case} token accepted"
        );
        response.assert_problem(401, "invalid_token");
    }
    assert_eq!(ISSUER, claims["iss"]);
    assert_eq!(AUDIENCE, claims["aud"]);
}

async fn refresh(app: &TestApp, refresh_token: &str) -> agir_tests::TestResponse {
    app.anonymous()
        .post("/api/v1/auth/refresh")
        .json(&refresh_body(refresh_token))
        .send()
        .await
}

#[actix_web::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_whole_family() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", false).await;
    let first = app.login_tokens("ada@example.org").await;
    let second: Value = refresh(&app, first["refresh_token"].as_str().unwrap())
        .await
        .json();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    let third: Value = refresh(&app, second["refresh_token"].as_str().unwrap())
        .await
        .json();
    let access = third["access_token"].as_str().unwrap();
    assert_eq!(
        app.with_token(access)
            .get("/api/v1/me")
            .send()
            .await
            .status(),
        StatusCode::OK
    );

    // Replaying an already used token: refused, and the family is revoked.
    refresh(&app, first["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "invalid_refresh_token");
    refresh(&app, third["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.with_token(access)
        .get("/api/v1/me")
        .send()
        .await
        .assert_problem(401, "invalid_token");

    // Another login is another family, untouched.
    let other = app.login_tokens("ada@example.org").await;
    assert_eq!(
        refresh(&app, other["refresh_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    refresh(&app, "never-issued")
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", false).await;
    let tokens = app.login_tokens("ada@example.org").await;
    let client = app.with_token(tokens["access_token"].as_str().unwrap());
    let logout = app
        .anonymous()
        .post("/api/v1/auth/logout")
        .json(&refresh_body(tokens["refresh_token"].as_str().unwrap()))
        .send()
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    client
        .get("/api/v1/me")
        .send()
        .await
        .assert_problem(401, "invalid_token");
    refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn a_disabled_user_is_locked_out_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (ada, client) = app.user("ada@example.org").await;
    let tokens = app.login_tokens("ada@example.org").await;
    assert_eq!(
        client.get("/api/v1/me").send().await.status(),
        StatusCode::OK
    );

    let disable = admin
        .patch(&format!("/api/v1/users/{ada}"))
        .json(&UpdateUserRequest {
            disabled: Some(true),
            ..UpdateUserRequest::default()
        })
        .send()
        .await;
    assert_eq!(disable.status(), StatusCode::OK, "{}", disable.text());

    client
        .get("/api/v1/me")
        .send()
        .await
        .assert_problem(401, "invalid_token");
    refresh(&app, tokens["refresh_token"].as_str().unwrap())
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("ada@example.org", PASSWORD))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let wrong = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("ada@example.org", "wrong password!"))
        .send()
        .await;
    wrong.assert_problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn login_is_rate_limited_per_account_and_per_address() {
    let app = TestApp::spawn_with(|c| c.login_limits = Default::default()).await;
    app.create_user("ada@example.org", false).await;
    let attempt = |email: &'static str, peer: SocketAddr| {
        let client = app.anonymous().from_address(peer);
        async move {
            client
                .post("/api/v1/auth/login")
                .json(&credentials(email, "wrong password!"))
                .send()
                .await
        }
    };
    // Per account: five attempts a minute, whatever the address.
    for i in 0..5 {
        let peer = SocketAddr::from(([10, 0, 0, i], 1000));
        attempt("ada@example.org", peer)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let limited = attempt("ada@example.org", SocketAddr::from(([10, 0, 1, 1], 1000))).await;
    limited.assert_problem(429, "too_many_requests");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    // Even the right password waits: the limit is not a hint about the password.
    let right = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("ada@example.org", PASSWORD))
        .send()
        .await;
    right.assert_problem(429, "too_many_requests");

    // Per address: thirty attempts a minute across accounts.
    let peer = SocketAddr::from(([192, 0, 2, 7], 1000));
    let emails: Vec<String> = (0..31).map(|i| format!("user{i}@example.org")).collect();
    let mut statuses = Vec::new();
    for email in &emails {
        let response = app
            .anonymous()
            .from_address(peer)
            .post("/api/v1/auth/login")
            .json(&credentials(email, "wrong password!"))
            .send()
            .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[30], 429);
}

#[actix_web::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", false).await;
    let current = app.login("ada@example.org").await;
    let other = app.login("ada@example.org").await;
    let wrong = current
        .post("/api/v1/me/password")
        .json(&new_password("not it at all", "a brand new password"))
        .send()
        .await;
    let problem = wrong.assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "current_password");

    let short = current
        .post("/api/v1/me/password")
        .json(&new_password(PASSWORD, "short"))
        .send()
        .await;
    assert_eq!(
        short.assert_problem(422, "validation_failed").errors[0].code,
        "too_short"
    );

    let changed = current
        .post("/api/v1/me/password")
        .json(&new_password(PASSWORD, "a brand new password"))
        .send()
        .await;
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "{}",
        changed.text()
    );
    assert_eq!(
        current.get("/api/v1/me").send().await.status(),
        StatusCode::OK
    );
    other
        .get("/api/v1/me")
        .send()
        .await
        .assert_problem(401, "invalid_token");
    let relog = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&credentials("ada@example.org", "a brand new password"))
        .send()
        .await;
    assert_eq!(relog.status(), StatusCode::OK);
}

/// Behind a trusted load balancer, the per-address budget is the client's, read from
/// `X-Forwarded-For`; an untrusted peer cannot choose its address with that header.
#[actix_web::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_login_budget() {
    let app = TestApp::spawn_with(|c| {
        c.login_limits = Default::default();
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
    let balancer = SocketAddr::from(([10, 0, 0, 2], 1000));
    let attempt = |n: usize, peer: SocketAddr, forwarded: &'static str| {
        let client = app.anonymous().from_address(peer);
        async move {
            client
                .post("/api/v1/auth/login")
                .header("x-forwarded-for", forwarded)
                .json(&credentials(
                    &format!("user{n}@example.org"),
                    "wrong password!",
                ))
                .send()
                .await
                .status()
                .as_u16()
        }
    };
    // Thirty attempts from one client use up that client's budget...
    for n in 0..30 {
        assert_eq!(attempt(n, balancer, "203.0.113.1").await, 401);
    }
    assert_eq!(attempt(30, balancer, "203.0.113.1").await, 429);
    // ...not the budget of another client behind the same balancer, even one that
    // forged an entry on the left of the header.
    assert_eq!(
        attempt(31, balancer, "203.0.113.1, 198.51.100.2").await,
        401
    );
    // An untrusted peer's header is ignored: its own address counts.
    let direct = SocketAddr::from(([192, 0, 2, 9], 1000));
    for n in 40..70 {
        assert_eq!(attempt(n, direct, "198.51.100.77").await, 401);
    }
    assert_eq!(attempt(70, direct, "198.51.100.78").await, 429);
}

/// A refresh token is 1 to 256 characters, as documented: another length is 422 on
/// refresh and on logout (logout used to answer 204 to anything; found by schemathesis).
#[actix_web::test]
async fn refresh_tokens_of_the_wrong_length_are_422() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/auth/refresh", "/api/v1/auth/logout"] {
        for token in [String::new(), "  ".into(), "x".repeat(257)] {
            let problem = app
                .anonymous()
                .post(path)
                .json(&refresh_body(&token))
                .send()
                .await
                .assert_problem(422, "validation_failed");
            assert_eq!(problem.errors[0].field, "refresh_token", "{path}");
        }
    }
    // An unknown token of a valid length: logout still answers 204.
    let logout = app
        .anonymous()
        .post("/api/v1/auth/logout")
        .json(&refresh_body(&"x".repeat(256)))
        .send()
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
}
