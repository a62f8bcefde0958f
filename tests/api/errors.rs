use actix_web::http::{Method, StatusCode};
use agir_tests::TestApp;
use serde_json::json;

#[actix_web::test]
async fn malformed_json_is_a_400_problem() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .body("application/json", r#"{"email": "#)
        .send()
        .await;
    response.assert_problem(400, "malformed_json");
}

#[actix_web::test]
async fn unknown_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@b.org", "password": "x", "remember_me": true}))
        .send()
        .await;
    let problem = response.assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "remember_me");
    assert_eq!(problem.errors[0].code, "unknown_field");

    let missing = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&json!({"email": "a@b.org"}))
        .send()
        .await;
    let problem = missing.assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "password");
    assert_eq!(problem.errors[0].code, "required");

    let wrong_type = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&json!({"email": 42, "password": "x"}))
        .send()
        .await;
    wrong_type.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn bodies_over_64_kib_are_413() {
    let app = TestApp::spawn().await;
    let big = format!(
        r#"{{"email": "a@b.org", "password": "{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .body("application/json", big)
        .send()
        .await;
    response.assert_problem(413, "payload_too_large");

    // Through the idempotency middleware too, which reads the body first.
    let admin = app.admin().await;
    let big = format!(
        r#"{{"email": "a@b.org", "display_name": "{}", "password": "p"}}"#,
        "x".repeat(70 * 1024)
    );
    let response = admin
        .post("/api/v1/users")
        .header("idempotency-key", "big-body")
        .body("application/json", big)
        .send()
        .await;
    response.assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .body("text/plain", "email=a@b.org")
        .send()
        .await;
    response.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/v1/no-such-thing").send().await;
    response.assert_problem(404, "not_found");
    let outside = app.anonymous().get("/nothing/here").send().await;
    outside.assert_problem(404, "not_found");

    let response = app.anonymous().delete("/api/v1/me").send().await;
    response.assert_problem(405, "method_not_allowed");
    assert_eq!(response.header("allow").as_deref(), Some("GET, PATCH"));
    let response = app
        .anonymous()
        .method(
            Method::PUT,
            &format!("/api/v1/users/{}", uuid::Uuid::now_v7()),
        )
        .send()
        .await;
    response.assert_problem(405, "method_not_allowed");
    assert_eq!(response.header("allow").as_deref(), Some("GET, PATCH"));
    // A trailing slash names no route: 404, not a 405 offering the method just used.
    let admin = app.admin().await;
    for path in ["/api/v1/users/", "/api/v1/me/", "/api/v1/network/stats/"] {
        admin
            .get(path)
            .send()
            .await
            .assert_problem(404, "not_found");
    }
}

#[actix_web::test]
async fn a_path_id_that_is_not_a_uuid_names_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin
        .get("/api/v1/users/not-a-uuid")
        .send()
        .await
        .assert_problem(404, "not_found");
    admin
        .get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()))
        .send()
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn invalid_query_strings_are_problems() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin
        .get("/api/v1/users?limit=abc")
        .send()
        .await
        .assert_problem(400, "invalid_query");
    let problem = admin
        .get("/api/v1/users?limit=0")
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "limit");
    admin
        .get("/api/v1/users?limit=201")
        .send()
        .await
        .assert_problem(422, "validation_failed");
    let problem = admin
        .get("/api/v1/users?cursor=garbage")
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "cursor");
}

#[actix_web::test]
async fn validation_reports_every_invalid_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let response = admin
        .post("/api/v1/users")
        .json(&json!({"email": "not-an-email", "display_name": "  ", "password": "short"}))
        .send()
        .await;
    let problem = response.assert_problem(422, "validation_failed");
    let mut fields: Vec<_> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["display_name", "email", "password"]);
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

/// PostgreSQL refuses NUL in text: a filter or a field holding one is bad input
/// (422), never a 500 (found by schemathesis, `conformance/run.sh`).
#[actix_web::test]
async fn a_nul_character_in_a_filter_or_a_field_is_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for (path, field) in [
        ("/api/v1/network/actions?q=compost%00", "q"),
        ("/api/v1/network/stats?region=%C3%8Ele%00", "region"),
        ("/api/v1/network/labels?region=%00", "region"),
        ("/api/v1/alliances?region=a%00b", "region"),
        ("/api/v1/cities?department=a%00b", "department"),
    ] {
        let problem = admin
            .get(path)
            .send()
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(problem.errors[0].field, field, "{path}");
        assert_eq!(problem.errors[0].code, "invalid_characters", "{path}");
    }
    // An empty filter is no filter.
    let all = admin.get("/api/v1/alliances?region=").send().await;
    assert_eq!(all.status(), StatusCode::OK, "{}", all.text());

    // In a body, validation already refuses control characters; a website too.
    let (_, alliance) = app.city_and_alliance("Sceaux", "92071", "Sceaux").await;
    let problem = admin
        .post(&format!("/api/v1/alliances/{alliance}/partners"))
        .json(&json!({"name": "Les commerçants", "kind": "business", "website": "https://a\u{0}b.fr"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "website");
}
