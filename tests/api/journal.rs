use actix_web::http::StatusCode;
use agir_http::routes::actions::CreateActionRequest;
use agir_http::routes::events::CreateEventRequest;
use agir_http::routes::me::UpdateMeRequest;
use agir_http::routes::plans::CreatePlanRequest;
use agir_http::routes::users::{CreateUserRequest, UpdateUserRequest};
use agir_http::routes::votes::CreateVoteRequest;
use agir_persistence::journal::{self, Actor, NewEntry};
use agir_persistence::{AsyncConnection, PersistenceError};
use agir_tests::TestApp;
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

#[actix_web::test]
async fn every_account_change_is_journaled_in_a_verifiable_chain() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (ada, client) = app.user("ada@example.org").await;
    client
        .patch("/api/v1/me")
        .json(&UpdateMeRequest {
            display_name: Some("Ada L.".into()),
        })
        .ok()
        .await;
    admin
        .patch(&format!("/api/v1/users/{ada}"))
        .json(&UpdateUserRequest {
            disabled: Some(true),
            ..UpdateUserRequest::default()
        })
        .ok()
        .await;

    let page: Value = admin.get("/api/v1/journal").send().await.json();
    let verbs: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(
        verbs,
        [
            "user.created",
            "user.created",
            "user.updated",
            "user.disabled"
        ]
    );
    let seqs: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    for pair in page["items"].as_array().unwrap().windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let text = page.to_string();
    assert!(
        !text.contains("argon2"),
        "a password hash entered the journal"
    );

    let verify: Value = admin.get("/api/v1/journal/verify").send().await.json();
    assert_eq!(
        verify,
        json!({"intact": true, "entries": 4, "first_broken_seq": null})
    );
}

#[actix_web::test]
async fn verification_finds_the_first_modified_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..4 {
        app.create_user(&format!("user{i}@example.org"), false)
            .await;
    }
    let mut conn = app.db.connect().await;
    // The table refuses updates: its trigger must be bypassed to forge.
    let refused = diesel::sql_query("UPDATE journal_entries SET summary = '{}' WHERE seq = 3")
        .execute(&mut conn)
        .await;
    assert!(refused.is_err(), "the journal accepted an update");
    diesel::sql_query("SET session_replication_role = replica")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(
        r#"UPDATE journal_entries SET summary = '{"email": "forged@example.org", "is_admin": true}' WHERE seq = 3 AND alliance_id IS NULL"#,
    )
    .execute(&mut conn)
    .await
    .unwrap();

    let verify = admin.get("/api/v1/journal/verify").send().await;
    assert_eq!(verify.status(), StatusCode::OK);
    assert_eq!(
        verify.json::<Value>(),
        json!({"intact": false, "entries": 2, "first_broken_seq": 3})
    );
}

#[actix_web::test]
async fn journal_entries_are_only_written_inside_a_transaction() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect().await;
    let entry = || NewEntry {
        alliance: None,
        actor: Actor::system(),
        verb: "test.entry",
        subject_type: "test",
        subject_id: None,
        summary: json!({}),
    };
    let outside = journal::append_entry(&mut conn, entry()).await;
    assert!(
        matches!(outside, Err(PersistenceError::Corrupt(_))),
        "{outside:?}"
    );

    // Inside a transaction that rolls back, nothing remains.
    let rolled_back = conn
        .transaction::<(), PersistenceError, _>(async |conn| {
            journal::append_entry(conn, entry()).await?;
            Err(PersistenceError::Unavailable("rollback on purpose".into()))
        })
        .await;
    assert!(rolled_back.is_err());
    let check = journal::verify(&mut conn, None).await.unwrap();
    assert_eq!(
        check,
        agir_domain::journal::ChainCheck::Intact { entries: 0 }
    );
}

#[actix_web::test]
async fn concurrent_writers_keep_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let writes = (0..20).map(|i| {
        let admin = admin.clone();
        async move {
            admin
                .post("/api/v1/users")
                .json(&CreateUserRequest {
                    email: format!("c{i}@example.org"),
                    display_name: "C".into(),
                    password: "a long enough password".into(),
                    is_admin: false,
                })
                .send()
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    let verify: Value = admin.get("/api/v1/journal/verify").send().await.json();
    assert_eq!(verify["intact"], true);
    assert_eq!(verify["entries"], 21);
}

/// A PATCH that changes nothing writes nothing: the answer is the resource as it is,
/// and the journal gets no `*.updated` entry (partners, actions, events, votes).
#[actix_web::test]
async fn an_empty_patch_changes_nothing_and_journals_nothing() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let coordinator = &f.coordinator.client;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan = coordinator
        .created_id(
            &format!("{base}/plans"),
            &CreatePlanRequest {
                academic_year: "2025-2026".into(),
                ..CreatePlanRequest::default()
            },
        )
        .await;
    let action = coordinator
        .created_id(
            &format!("{base}/plans/{plan}/actions"),
            &CreateActionRequest {
                title: "Compost".into(),
                theme: "waste".into(),
                ..CreateActionRequest::default()
            },
        )
        .await;
    let event = coordinator
        .created_id(
            &format!("{base}/events"),
            &CreateEventRequest {
                title: "Passation".into(),
                kind: "handover".into(),
                starts_at: "2026-06-18T17:00:00Z".parse().unwrap(),
                ..CreateEventRequest::default()
            },
        )
        .await;
    let vote = coordinator
        .created_id(
            &format!("{base}/votes"),
            &CreateVoteRequest {
                title: "Compost ?".into(),
                subject: "question".into(),
                method: "consent".into(),
                electorate: "members".into(),
                quorum_percent: 0,
                opens_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
                closes_at: chrono::Utc::now() + chrono::Duration::days(8),
                ..CreateVoteRequest::default()
            },
        )
        .await;
    let journal_length = || async {
        let page: serde_json::Value = coordinator
            .get(&format!("{base}/journal?limit=200"))
            .send()
            .await
            .json();
        page["items"].as_array().unwrap().len()
    };
    let before = journal_length().await;
    for path in [
        format!("{base}/partners/{}", f.partner_p),
        format!("{base}/actions/{action}"),
        format!("{base}/events/{event}"),
        format!("{base}/votes/{vote}"),
    ] {
        let current = coordinator.get(&path).send().await;
        assert_eq!(current.status(), StatusCode::OK, "{path}");
        let patched = coordinator
            .patch(&path)
            .json(&serde_json::json!({}))
            .send()
            .await;
        assert_eq!(
            patched.status(),
            StatusCode::OK,
            "{path}: {}",
            patched.text()
        );
        assert_eq!(patched.header("etag"), current.header("etag"), "{path}");
    }
    assert_eq!(journal_length().await, before);
}
