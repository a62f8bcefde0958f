use actix_web::http::StatusCode;
use agir_http::routes::auth::LoginRequest;
use agir_http::routes::me::UpdateMeRequest;
use agir_http::routes::users::{CreateUserRequest, UpdateUserRequest};
use agir_tests::TestApp;
use serde_json::{Value, json};

fn account(email: &str, display_name: &str) -> CreateUserRequest {
    CreateUserRequest {
        email: email.into(),
        display_name: display_name.into(),
        password: "a long enough password".into(),
        is_admin: false,
    }
}

#[actix_web::test]
async fn an_admin_creates_reads_lists_and_updates_accounts() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = admin
        .post("/api/v1/users")
        .json(&account("Claire@Sceaux.fr", "Claire Martin"))
        .send()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let user: Value = created.json();
    assert_eq!(user["email"], "claire@sceaux.fr");
    assert_eq!(user["is_admin"], false);
    let location = created.header("location").unwrap();
    assert_eq!(
        location,
        format!("/api/v1/users/{}", user["id"].as_str().unwrap())
    );

    let read = admin.get(&location).send().await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.header("etag"), created.header("etag"));

    let duplicate = admin
        .post("/api/v1/users")
        .json(&account("claire@sceaux.fr", "Again"))
        .send()
        .await;
    duplicate.assert_problem(409, "already_exists");

    let renamed = admin
        .patch(&location)
        .json(&UpdateUserRequest {
            display_name: Some("Claire M.".into()),
            ..UpdateUserRequest::default()
        })
        .send()
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(renamed.json::<Value>()["display_name"], "Claire M.");

    // The new account can log in.
    let login = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&LoginRequest {
            email: "claire@sceaux.fr".into(),
            password: "a long enough password".into(),
        })
        .send()
        .await;
    assert_eq!(login.status(), StatusCode::OK);
}

#[actix_web::test]
async fn accounts_are_admin_business() {
    let app = TestApp::spawn().await;
    let (me, member) = app.user("ada@example.org").await;
    member
        .get("/api/v1/users")
        .send()
        .await
        .assert_problem(403, "forbidden");
    member
        .get(&format!("/api/v1/users/{me}"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    member
        .patch(&format!("/api/v1/users/{me}"))
        .json(&UpdateUserRequest {
            is_admin: Some(true),
            ..UpdateUserRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    member
        .post("/api/v1/users")
        .json(&account("x@example.org", "X"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.anonymous()
        .get("/api/v1/users")
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    member
        .get("/api/v1/journal")
        .send()
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn an_admin_cannot_disable_nor_demote_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let me: Value = admin.get("/api/v1/me").send().await.json();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    admin
        .patch(&path)
        .json(&UpdateUserRequest {
            disabled: Some(true),
            ..UpdateUserRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    admin
        .patch(&path)
        .json(&UpdateUserRequest {
            is_admin: Some(false),
            ..UpdateUserRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        admin.get("/api/v1/me").send().await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn me_can_be_renamed() {
    let app = TestApp::spawn().await;
    let (_, ada) = app.user("ada@example.org").await;
    let renamed = ada
        .patch("/api/v1/me")
        .json(&UpdateMeRequest {
            display_name: Some("Ada L.".into()),
        })
        .send()
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(
        ada.get("/api/v1/me").send().await.json::<Value>()["display_name"],
        "Ada L."
    );
    let empty = ada
        .patch("/api/v1/me")
        .json(&UpdateMeRequest {
            display_name: Some("".into()),
        })
        .send()
        .await;
    empty.assert_problem(422, "validation_failed");
    let unknown = ada
        .patch("/api/v1/me")
        .json(&json!({"email": "new@example.org"}))
        .send()
        .await;
    assert_eq!(
        unknown.assert_problem(422, "validation_failed").errors[0].field,
        "email"
    );
}
