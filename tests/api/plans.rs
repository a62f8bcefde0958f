use actix_web::http::StatusCode;
use agir_http::routes::actions::{CreateActionRequest, UpdateActionRequest};
use agir_http::routes::comments::{CommentRequest, EndorseRequest};
use agir_http::routes::events::{CreateEventRequest, UpdateEventRequest};
use agir_http::routes::invitations::CreateInvitationRequest;
use agir_http::routes::plans::{
    CarryOverRequest, CreatePlanRequest, TransitionRequest, UpdatePlanRequest,
};
use agir_http::routes::results::{CreateIndicatorRequest, CreateMeasurementRequest, ReviewRequest};
use agir_http::routes::votes::CreateVoteRequest;
use agir_tests::{AllianceFixture, Client, TestApp, TestResponse};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

fn new_plan(year: &str) -> CreatePlanRequest {
    CreatePlanRequest {
        academic_year: year.into(),
        ..CreatePlanRequest::default()
    }
}

async fn plan(f: &AllianceFixture, year: &str) -> String {
    f.coordinator
        .client
        .created_id(
            &format!("/api/v1/alliances/{}/plans", f.alliance),
            &new_plan(year),
        )
        .await
}

fn to(phase: &str) -> TransitionRequest {
    TransitionRequest { to: phase.into() }
}

fn carry_over_to(year: &str) -> CarryOverRequest {
    CarryOverRequest {
        to_academic_year: year.into(),
    }
}

/// A proposal on waste, for SDGs 12 and 11.
fn proposal(title: &str) -> CreateActionRequest {
    CreateActionRequest {
        title: title.into(),
        theme: "waste".into(),
        sdgs: vec![12, 11],
        ..CreateActionRequest::default()
    }
}

fn action_status(status: &str) -> UpdateActionRequest {
    UpdateActionRequest {
        status: Some(status.into()),
        ..UpdateActionRequest::default()
    }
}

fn comment_body(body: &str) -> CommentRequest {
    CommentRequest { body: body.into() }
}

fn verdict(verdict: &str) -> ReviewRequest {
    ReviewRequest {
        verdict: verdict.into(),
        ..ReviewRequest::default()
    }
}

fn measurement(value: f64) -> CreateMeasurementRequest {
    CreateMeasurementRequest {
        value,
        ..CreateMeasurementRequest::default()
    }
}

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().unwrap()
}

/// A consent vote of the partners adopting a plan or an action.
fn adoption_vote(
    title: &str,
    subject: &str,
    subject_id: &str,
    closes_at: DateTime<Utc>,
) -> CreateVoteRequest {
    CreateVoteRequest {
        title: title.into(),
        subject: subject.into(),
        subject_id: Some(subject_id.parse().unwrap()),
        method: "consent".into(),
        electorate: "partners".into(),
        quorum_percent: 0,
        closes_at,
        ..CreateVoteRequest::default()
    }
}

async fn transition(f: &AllianceFixture, plan: &str, to: &str) -> TestResponse {
    f.coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/plans/{plan}/transition",
            f.alliance
        ))
        .json(&TransitionRequest { to: to.into() })
        .send()
        .await
}

async fn propose(
    client: &Client,
    f: &AllianceFixture,
    plan: &str,
    body: CreateActionRequest,
) -> TestResponse {
    client
        .post(&format!(
            "/api/v1/alliances/{}/plans/{plan}/actions",
            f.alliance
        ))
        .json(&body)
        .send()
        .await
}

#[track_caller]
fn id(response: &TestResponse) -> String {
    assert!(
        response.status().is_success(),
        "{}: {}",
        response.status(),
        response.text()
    );
    response.json::<Value>()["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn plan_phases_decide_who_may_add_actions() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let again = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/plans", f.alliance))
        .json(&new_plan("2025-2026"))
        .send()
        .await;
    again.assert_problem(409, "plan_exists");
    let bad_year = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/plans", f.alliance))
        .json(&new_plan("2025-2027"))
        .send()
        .await;
    assert_eq!(
        bad_year.assert_problem(422, "validation_failed").errors[0].field,
        "academic_year"
    );

    // Draft: members propose as their partner; observers do not.
    let proposed = propose(&f.member_p.client, &f, &plan, proposal("Compost collectif")).await;
    assert_eq!(
        proposed.status(),
        StatusCode::CREATED,
        "{}",
        proposed.text()
    );
    let action: Value = proposed.json();
    assert_eq!(action["status"], "proposed");
    assert_eq!(action["proposing_partner_id"], json!(f.partner_p));
    assert_eq!(action["lead_partner_id"], json!(f.partner_p));
    assert_eq!(action["proposed_by"], json!(f.member_p.user));
    assert_eq!(action["sdgs"], json!([11, 12]));
    assert_eq!(action["verification"], "unverified");
    propose(&f.observer_p.client, &f, &plan, proposal("Nope"))
        .await
        .assert_problem(403, "forbidden");
    propose(
        &f.member_p.client,
        &f,
        &plan,
        CreateActionRequest {
            proposing_partner_id: Some(f.partner_q),
            ..proposal("As Q")
        },
    )
    .await
    .assert_problem(403, "forbidden");
    let bad = propose(
        &f.member_p.client,
        &f,
        &plan,
        CreateActionRequest {
            theme: "space".into(),
            sdgs: vec![18],
            ..proposal("Bad")
        },
    )
    .await;
    assert_eq!(bad.assert_problem(422, "validation_failed").errors.len(), 2);

    // Drafts are for members only.
    let path = format!("/api/v1/alliances/{}/plans/{plan}", f.alliance);
    app.anonymous()
        .get(&path)
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    let (_, outsider) = app.user("outsider@example.org").await;
    outsider
        .get(&path)
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.observer_p.client.get(&path).send().await.status(),
        StatusCode::OK
    );
    let public: Value = app
        .anonymous()
        .get(&format!("/api/v1/alliances/{}/plans", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(public["items"].as_array().unwrap().len(), 0);

    // Phases move one step at a time, by the coordinator only.
    transition(&f, &plan, "voting")
        .await
        .assert_problem(409, "invalid_transition");
    f.member_p
        .client
        .post(&format!("{path}/transition"))
        .json(&to("consultation"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        transition(&f, &plan, "consultation").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        propose(
            &f.representative_q.client,
            &f,
            &plan,
            proposal("Garde-manger")
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        transition(&f, &plan, "voting").await.status(),
        StatusCode::OK
    );
    propose(&f.member_p.client, &f, &plan, proposal("Late"))
        .await
        .assert_problem(409, "plan_voting");
    propose(&f.coordinator.client, &f, &plan, proposal("Late"))
        .await
        .assert_problem(409, "plan_voting");

    // Adopting the plan adopts its proposals; then only the coordinator adds.
    let adopted = transition(&f, &plan, "adopted").await;
    assert_eq!(adopted.status(), StatusCode::OK);
    let adopted: Value = adopted.json();
    assert_eq!(adopted["phase"], "adopted");
    assert_eq!(adopted["summary"]["by_status"]["adopted"], 2);
    propose(&f.member_p.client, &f, &plan, proposal("Late"))
        .await
        .assert_problem(409, "plan_adopted");
    let added = propose(
        &f.coordinator.client,
        &f,
        &plan,
        proposal("Fête des réussites"),
    )
    .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(added.json::<Value>()["status"], "adopted");
    // Public now, with its actions.
    assert_eq!(
        app.anonymous().get(&path).send().await.status(),
        StatusCode::OK
    );
    let actions: Value = app
        .anonymous()
        .get(&format!("{path}/actions"))
        .send()
        .await
        .json();
    assert_eq!(actions["items"].as_array().unwrap().len(), 3);

    assert_eq!(
        transition(&f, &plan, "closed").await.status(),
        StatusCode::OK
    );
    f.coordinator
        .client
        .patch(&format!(
            "/api/v1/alliances/{}/actions/{}",
            f.alliance,
            action["id"].as_str().unwrap()
        ))
        .json(&UpdateActionRequest {
            title: Some("Too late".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await
        .assert_problem(409, "plan_closed");
    transition(&f, &plan, "draft")
        .await
        .assert_problem(409, "invalid_transition");
    transition(&f, &plan, "nowhere")
        .await
        .assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn attribution_is_immutable_and_editing_belongs_to_the_owning_partners() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, proposal("Disco soupe")).await);
    let path = format!("/api/v1/alliances/{}/actions/{action}", f.alliance);
    for body in [
        UpdateActionRequest {
            proposing_partner_id: Some(Some(json!(f.partner_q))),
            ..UpdateActionRequest::default()
        },
        UpdateActionRequest {
            proposed_by: Some(Some(json!(f.representative_q.user))),
            ..UpdateActionRequest::default()
        },
        UpdateActionRequest {
            title: Some("Ok".into()),
            proposed_by: Some(None),
            ..UpdateActionRequest::default()
        },
    ] {
        for client in [&f.member_p.client, &f.coordinator.client] {
            let refused = client.patch(&path).json(&body).send().await;
            let problem = refused.assert_problem(422, "validation_failed");
            assert_eq!(problem.errors[0].code, "immutable", "{}", refused.text());
        }
    }
    // Q neither proposed nor leads it.
    f.member_p.client.get(&path).send().await;
    f.representative_q
        .client
        .patch(&path)
        .json(&UpdateActionRequest {
            title: Some("Mine now".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    let edited = f
        .member_p
        .client
        .patch(&path)
        .json(&UpdateActionRequest {
            lead_partner_id: Some(f.partner_q),
            description: Some("Avec les commerçants".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());
    // Now Q leads it, and may edit; the attribution stays P's.
    let edited = f
        .representative_q
        .client
        .patch(&path)
        .json(&UpdateActionRequest {
            title: Some("Disco soupe de printemps".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await;
    assert_eq!(edited.status(), StatusCode::OK);
    let edited: Value = edited.json();
    assert_eq!(edited["proposing_partner_id"], json!(f.partner_p));
    assert_eq!(edited["proposed_by"], json!(f.member_p.user));

    // Adopting is the coordinator's decision; progress is the partners'.
    f.member_p
        .client
        .patch(&path)
        .json(&action_status("adopted"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.coordinator
            .client
            .patch(&path)
            .json(&action_status("adopted"))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    f.member_p
        .client
        .patch(&path)
        .json(&action_status("completed"))
        .send()
        .await
        .assert_problem(409, "invalid_transition");
    assert_eq!(
        f.member_p
            .client
            .patch(&path)
            .json(&action_status("in_progress"))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        f.member_p
            .client
            .patch(&path)
            .json(&action_status("completed"))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    let other_partner = f
        .coordinator
        .client
        .patch(&path)
        .json(&UpdateActionRequest {
            contributing_partner_ids: Some(vec![uuid::Uuid::now_v7()]),
            ..UpdateActionRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        other_partner
            .assert_problem(422, "validation_failed")
            .errors[0]
            .field,
        "contributing_partner_ids"
    );
}

#[actix_web::test]
async fn two_partners_editing_one_action_never_overwrite_each_other() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(
        &f.representative_p.client,
        &f,
        &plan,
        CreateActionRequest {
            contributing_partner_ids: vec![f.partner_q],
            ..proposal("Collecte")
        },
    )
    .await);
    let path = format!("/api/v1/alliances/{}/actions/{action}", f.alliance);
    let etag = f
        .representative_p
        .client
        .get(&path)
        .send()
        .await
        .header("etag")
        .unwrap();
    assert_eq!(
        f.coordinator
            .client
            .get(&path)
            .send()
            .await
            .header("etag")
            .unwrap(),
        etag
    );

    let first = f
        .representative_p
        .client
        .patch(&path)
        .header("if-match", &etag)
        .json(&UpdateActionRequest {
            description: Some("Collecte de fruits et légumes".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = f
        .coordinator
        .client
        .patch(&path)
        .header("if-match", &etag)
        .json(&UpdateActionRequest {
            description: Some("Autre chose".into()),
            ..UpdateActionRequest::default()
        })
        .send()
        .await;
    second.assert_problem(412, "precondition_failed");
    let now: Value = f.coordinator.client.get(&path).send().await.json();
    assert_eq!(now["description"], "Collecte de fruits et légumes");
}

async fn indicator(f: &AllianceFixture, action: &str, body: CreateIndicatorRequest) -> String {
    let response = f
        .representative_p
        .client
        .post(&format!(
            "/api/v1/alliances/{}/actions/{action}/indicators",
            f.alliance
        ))
        .json(&body)
        .send()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text()
    );
    id(&response)
}

async fn measure(
    client: &Client,
    f: &AllianceFixture,
    indicator: &str,
    body: CreateMeasurementRequest,
) -> TestResponse {
    client
        .post(&format!(
            "/api/v1/alliances/{}/indicators/{indicator}/measurements",
            f.alliance
        ))
        .json(&body)
        .send()
        .await
}

async fn review(
    client: &Client,
    f: &AllianceFixture,
    measurement: &str,
    body: ReviewRequest,
) -> TestResponse {
    client
        .post(&format!(
            "/api/v1/alliances/{}/measurements/{measurement}/review",
            f.alliance
        ))
        .json(&body)
        .send()
        .await
}

async fn verification(f: &AllianceFixture, action: &str) -> String {
    let action: Value = f
        .observer_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/actions/{action}",
            f.alliance
        ))
        .send()
        .await
        .json();
    action["verification"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn an_action_is_verified_exactly_when_every_indicator_has_confirmed_evidence() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(
        &f.representative_p.client,
        &f,
        &plan,
        proposal("Disco soupe"),
    )
    .await);
    let food = indicator(
        &f,
        &action,
        CreateIndicatorRequest {
            catalogue: Some("food_collected_kg".into()),
            target: Some(100.0),
            ..CreateIndicatorRequest::default()
        },
    )
    .await;
    let people = indicator(
        &f,
        &action,
        CreateIndicatorRequest {
            name: Some("Soupes servies".into()),
            unit: Some("bols".into()),
            ..CreateIndicatorRequest::default()
        },
    )
    .await;
    let bad = f
        .representative_p
        .client
        .post(&format!(
            "/api/v1/alliances/{}/actions/{action}/indicators",
            f.alliance
        ))
        .json(&CreateIndicatorRequest {
            catalogue: Some("kg_of_stuff".into()),
            ..CreateIndicatorRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed").errors[0].field,
        "catalogue"
    );
    assert_eq!(verification(&f, &action).await, "unverified");

    // A partner not taking part records nothing; P records, with evidence.
    measure(
        &f.representative_q.client,
        &f,
        &food,
        CreateMeasurementRequest {
            note: Some("pesée".into()),
            ..measurement(50.0)
        },
    )
    .await
    .assert_problem(403, "forbidden");
    let m1 = measure(
        &f.member_p.client,
        &f,
        &food,
        CreateMeasurementRequest {
            note: Some("Pesée en fin de collecte".into()),
            ..measurement(60.0)
        },
    )
    .await;
    assert_eq!(m1.status(), StatusCode::CREATED, "{}", m1.text());
    let m1 = id(&m1);
    measure(&f.member_p.client, &f, &food, measurement(-1.0))
        .await
        .assert_problem(422, "validation_failed");
    // P cannot confirm its own measurement; Q can.
    review(&f.representative_p.client, &f, &m1, verdict("confirm"))
        .await
        .assert_problem(403, "forbidden");
    review(
        &f.member_p.client,
        &f,
        &m1,
        ReviewRequest {
            partner_id: Some(f.partner_q),
            ..verdict("confirm")
        },
    )
    .await
    .assert_problem(403, "forbidden");
    review(&f.representative_q.client, &f, &m1, verdict("dispute"))
        .await
        .assert_problem(422, "validation_failed");
    let confirmed = review(&f.representative_q.client, &f, &m1, verdict("confirm")).await;
    assert_eq!(confirmed.status(), StatusCode::OK, "{}", confirmed.text());
    assert_eq!(confirmed.json::<Value>()["review"]["status"], "confirmed");
    // One indicator of two: not yet.
    assert_eq!(verification(&f, &action).await, "unverified");

    // A confirmed measurement without evidence does not count.
    let bare = id(&measure(&f.member_p.client, &f, &people, measurement(120.0)).await);
    review(&f.coordinator.client, &f, &bare, verdict("confirm"))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(verification(&f, &action).await, "unverified");
    let with_evidence = id(&measure(
        &f.member_p.client,
        &f,
        &people,
        CreateMeasurementRequest {
            evidence_url: Some("https://www.sceaux.fr/disco-soupe".into()),
            ..measurement(30.0)
        },
    )
    .await);
    review(
        &f.coordinator.client,
        &f,
        &with_evidence,
        verdict("confirm"),
    )
    .await
    .assert_status(StatusCode::OK);
    assert_eq!(verification(&f, &action).await, "verified");

    // A later dispute takes it back.
    let disputed = review(
        &f.representative_q.client,
        &f,
        &m1,
        ReviewRequest {
            reason: Some("Pesée incomplète".into()),
            ..verdict("dispute")
        },
    )
    .await;
    assert_eq!(disputed.status(), StatusCode::OK);
    assert_eq!(verification(&f, &action).await, "unverified");
    review(&f.representative_q.client, &f, &m1, verdict("confirm"))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(verification(&f, &action).await, "verified");

    // Progress toward the target counts confirmed values.
    let indicators: Value = f
        .observer_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/actions/{action}/indicators",
            f.alliance
        ))
        .send()
        .await
        .json();
    let food = &indicators["items"][0];
    assert_eq!(food["unit"], "kg");
    assert_eq!(food["confirmed_total"], 60.0);
    assert_eq!(food["progress_percent"], 60.0);
    assert_eq!(food["verified"], true);

    // The plan summary reports a completed action without verification.
    let other = id(&propose(&f.representative_p.client, &f, &plan, proposal("Forum ESS")).await);
    let path = format!("/api/v1/alliances/{}/actions", f.alliance);
    for status in ["adopted", "in_progress", "completed"] {
        for a in [&action, &other] {
            f.coordinator
                .client
                .patch(&format!("{path}/{a}"))
                .json(&action_status(status))
                .ok()
                .await;
        }
    }
    let summary: Value = f
        .observer_p
        .client
        .get(&format!("/api/v1/alliances/{}/plans/{plan}", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(summary["summary"]["by_status"]["completed"], 2);
    assert_eq!(summary["summary"]["verified"], 1);
    assert_eq!(summary["summary"]["completed_unverified"], 1);
}

#[actix_web::test]
async fn carry_over_keeps_unfinished_actions_and_their_history() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let mut ids = Vec::new();
    for title in ["Fini", "Abandonné", "En cours", "Rejeté", "Proposé"] {
        ids.push(id(
            &propose(&f.member_p.client, &f, &plan, proposal(title)).await
        ));
    }
    indicator(
        &f,
        &ids[2],
        CreateIndicatorRequest {
            catalogue: Some("compost_kg".into()),
            target: Some(500.0),
            ..CreateIndicatorRequest::default()
        },
    )
    .await;
    let path = format!("/api/v1/alliances/{}/actions", f.alliance);
    let set = async |action: &str, statuses: &[&str]| {
        for status in statuses {
            let r = f
                .coordinator
                .client
                .patch(&format!("{path}/{action}"))
                .json(&action_status(status))
                .ok()
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text());
        }
    };
    set(&ids[0], &["adopted", "in_progress", "completed"]).await;
    set(&ids[1], &["adopted", "abandoned"]).await;
    set(&ids[2], &["adopted", "in_progress"]).await;
    set(&ids[3], &["rejected"]).await;

    let base = format!("/api/v1/alliances/{}/plans/{plan}/carry-over", f.alliance);
    f.member_p
        .client
        .post(&base)
        .json(&carry_over_to("2026-2027"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    f.coordinator
        .client
        .post(&base)
        .json(&carry_over_to("2024-2025"))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    let carried = f
        .coordinator
        .client
        .post(&base)
        .json(&carry_over_to("2026-2027"))
        .send()
        .await;
    assert_eq!(carried.status(), StatusCode::CREATED, "{}", carried.text());
    let next: Value = carried.json();
    assert_eq!(next["phase"], "draft");
    assert_eq!(next["academic_year"], "2026-2027");
    assert_eq!(next["carried_over_from"], plan.as_str());
    assert_eq!(next["summary"]["actions"], 2);

    let actions: Value = f
        .member_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/plans/{}/actions",
            f.alliance,
            next["id"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    let items = actions["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["En cours", "Proposé"]);
    assert_eq!(items[0]["carried_over_from"], ids[2].as_str());
    assert_eq!(items[1]["carried_over_from"], ids[4].as_str());
    for item in items {
        assert_eq!(item["status"], "proposed");
        assert_eq!(item["proposed_by"], json!(f.member_p.user));
        assert_eq!(item["proposing_partner_id"], json!(f.partner_p));
    }
    let indicators: Value = f
        .member_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/actions/{}/indicators",
            f.alliance,
            items[0]["id"].as_str().unwrap()
        ))
        .send()
        .await
        .json();
    assert_eq!(indicators["items"][0]["catalogue"], "compost_kg");
    // The old plan is untouched.
    let old: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/plans/{plan}", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(old["summary"]["actions"], 5);
    f.coordinator
        .client
        .post(&base)
        .json(&carry_over_to("2026-2027"))
        .send()
        .await
        .assert_problem(409, "plan_exists");
}

#[actix_web::test]
async fn comments_and_endorsements() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, proposal("Compost")).await);
    let comments = format!("/api/v1/alliances/{}/actions/{action}/comments", f.alliance);
    f.observer_p
        .client
        .post(&comments)
        .json(&comment_body("Je regarde"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let posted = f
        .representative_q
        .client
        .post(&comments)
        .json(&comment_body("Bonne idée !"))
        .send()
        .await;
    assert_eq!(posted.status(), StatusCode::CREATED);
    let comment = id(&posted);
    let listed: Value = f.observer_p.client.get(&comments).send().await.json();
    assert_eq!(listed["items"][0]["body"], "Bonne idée !");
    assert!(listed["items"][0].get("author_email").is_none());
    app.anonymous()
        .get(&comments)
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    f.member_p
        .client
        .patch(&format!("{comments}/{comment}"))
        .json(&comment_body("Hijacked"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let edited = f
        .representative_q
        .client
        .patch(&format!("{comments}/{comment}"))
        .json(&comment_body("Très bonne idée !"))
        .send()
        .await;
    assert_eq!(edited.json::<Value>()["body"], "Très bonne idée !");
    f.member_p
        .client
        .delete(&format!("{comments}/{comment}"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.representative_q
            .client
            .delete(&format!("{comments}/{comment}"))
            .send()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );

    let endorsements = format!(
        "/api/v1/alliances/{}/actions/{action}/endorsements",
        f.alliance
    );
    f.member_p
        .client
        .post(&endorsements)
        .json(&EndorseRequest::default())
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.representative_q
            .client
            .post(&endorsements)
            .json(&EndorseRequest::default())
            .send()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    f.representative_q
        .client
        .post(&endorsements)
        .json(&EndorseRequest::default())
        .send()
        .await
        .assert_problem(409, "already_endorsed");
    let read: Value = f
        .member_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/actions/{action}",
            f.alliance
        ))
        .send()
        .await
        .json();
    assert_eq!(read["endorsements"][0]["partner_id"], json!(f.partner_q));
    assert_eq!(
        f.representative_q
            .client
            .delete(&endorsements)
            .send()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    f.representative_q
        .client
        .delete(&endorsements)
        .send()
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn events_plan_the_june_handover() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let base = format!("/api/v1/alliances/{}/events", f.alliance);
    let body = CreateEventRequest {
        title: "Rencontre de passation".into(),
        kind: "handover".into(),
        starts_at: at("2026-06-18T17:00:00Z"),
        ends_at: Some(at("2026-06-18T19:00:00Z")),
        place: Some("Hôtel de ville".into()),
        partner_ids: vec![f.partner_p, f.partner_q],
        ..CreateEventRequest::default()
    };
    f.representative_p
        .client
        .post(&base)
        .json(&body)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let created = f.coordinator.client.post(&base).json(&body).send().await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let event = id(&created);
    let backwards = f
        .coordinator
        .client
        .post(&base)
        .json(&CreateEventRequest {
            title: "X".into(),
            kind: "meeting".into(),
            starts_at: at("2026-06-18T17:00:00Z"),
            ends_at: Some(at("2026-06-18T16:00:00Z")),
            ..CreateEventRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        backwards.assert_problem(422, "validation_failed").errors[0].field,
        "ends_at"
    );
    f.coordinator
        .client
        .post(&base)
        .json(&CreateEventRequest {
            title: "Fête des réussites".into(),
            kind: "celebration".into(),
            starts_at: at("2026-06-25T18:00:00Z"),
            ..CreateEventRequest::default()
        })
        .created()
        .await;
    let handovers: Value = app
        .anonymous()
        .get(&format!("{base}?kind=handover"))
        .send()
        .await
        .json();
    assert_eq!(handovers["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        handovers["items"][0]["partner_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let all: Value = app.anonymous().get(&base).send().await.json();
    assert_eq!(
        all["items"][1]["kind"], "celebration",
        "chronological order"
    );

    let attended = f
        .coordinator
        .client
        .patch(&format!("{base}/{event}"))
        .json(&UpdateEventRequest {
            attendance: Some(Some(34)),
            ..UpdateEventRequest::default()
        })
        .send()
        .await;
    assert_eq!(attended.json::<Value>()["attendance"], 34);
    assert_eq!(
        f.coordinator
            .client
            .delete(&format!("{base}/{event}"))
            .send()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    app.anonymous()
        .get(&format!("{base}/{event}"))
        .send()
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn action_lists_filter_by_status_theme_and_partner() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    propose(
        &f.member_p.client,
        &f,
        &plan,
        CreateActionRequest {
            theme: "waste".into(),
            ..proposal("Compost")
        },
    )
    .await
    .assert_status(StatusCode::CREATED);
    propose(
        &f.member_p.client,
        &f,
        &plan,
        CreateActionRequest {
            theme: "food".into(),
            contributing_partner_ids: vec![f.partner_q],
            ..proposal("Disco soupe")
        },
    )
    .await
    .assert_status(StatusCode::CREATED);
    propose(
        &f.representative_q.client,
        &f,
        &plan,
        CreateActionRequest {
            theme: "mobility".into(),
            ..proposal("Vélo")
        },
    )
    .await
    .assert_status(StatusCode::CREATED);
    let list = async |query: &str| -> Vec<String> {
        let page: Value = f
            .member_p
            .client
            .get(&format!(
                "/api/v1/alliances/{}/plans/{plan}/actions?{query}",
                f.alliance
            ))
            .send()
            .await
            .json();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(list("theme=food").await, ["Disco soupe"]);
    assert_eq!(
        list(&format!("partner={}", f.partner_q)).await,
        ["Disco soupe", "Vélo"]
    );
    assert_eq!(list("status=proposed").await.len(), 3);
    assert_eq!(list("status=completed").await.len(), 0);
}

/// Events are public; the actions of a plan that is not public yet are not: outsiders
/// see the event without those links until the plan is adopted.
#[actix_web::test]
async fn public_events_hide_links_to_actions_of_plans_not_yet_public() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let coordinator = &f.coordinator.client;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan = coordinator
        .created_id(&format!("{base}/plans"), &new_plan("2025-2026"))
        .await;
    let action = coordinator
        .created_id(
            &format!("{base}/plans/{plan}/actions"),
            &CreateActionRequest {
                title: "Compost secret".into(),
                theme: "waste".into(),
                ..CreateActionRequest::default()
            },
        )
        .await;
    let event = coordinator
        .created_id(
            &format!("{base}/events"),
            &CreateEventRequest {
                title: "Atelier".into(),
                kind: "public_action".into(),
                starts_at: at("2026-03-18T17:00:00Z"),
                action_ids: vec![action.parse().unwrap()],
                ..CreateEventRequest::default()
            },
        )
        .await;
    let links = |client: Client| {
        let (list, one) = (format!("{base}/events"), format!("{base}/events/{event}"));
        async move {
            let list: Value = client.get(&list).send().await.json();
            let one: Value = client.get(&one).send().await.json();
            assert_eq!(list["items"][0]["action_ids"], one["action_ids"]);
            one["action_ids"].as_array().unwrap().len()
        }
    };
    assert_eq!(links(app.anonymous()).await, 0);
    assert_eq!(links(coordinator.clone()).await, 1);
    for to in ["consultation", "voting", "adopted"] {
        let response = coordinator
            .post(&format!("{base}/plans/{plan}/transition"))
            .json(&TransitionRequest { to: to.into() })
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    }
    assert_eq!(links(app.anonymous()).await, 1);
}

/// Anonymous readers of a public plan, and members of other alliances, see partners,
/// never user ids; members of the alliance (observers included) and admins see them.
#[actix_web::test]
async fn user_ids_of_public_actions_are_shown_to_members_only() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let other = app.alliance_fixture(2).await;
    let admin = app.admin().await;
    let plan = plan(&f, "2025-2026").await;
    let proposed = propose(&f.member_p.client, &f, &plan, proposal("Compost")).await;
    assert_eq!(
        proposed.status(),
        StatusCode::CREATED,
        "{}",
        proposed.text()
    );
    let action = id(&proposed);
    for to in ["consultation", "voting", "adopted"] {
        let moved = transition(&f, &plan, to).await;
        assert_eq!(moved.status(), StatusCode::OK, "{}", moved.text());
    }
    let indicator = f
        .coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/actions/{action}/indicators",
            f.alliance
        ))
        .json(&CreateIndicatorRequest {
            catalogue: Some("compost_kg".into()),
            ..CreateIndicatorRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        indicator.status(),
        StatusCode::CREATED,
        "{}",
        indicator.text()
    );
    let indicator = id(&indicator);
    let recorded = f
        .member_p
        .client
        .post(&format!(
            "/api/v1/alliances/{}/indicators/{indicator}/measurements",
            f.alliance
        ))
        .json(&CreateMeasurementRequest {
            note: Some("pesée".into()),
            ..measurement(12.0)
        })
        .send()
        .await;
    assert_eq!(
        recorded.status(),
        StatusCode::CREATED,
        "{}",
        recorded.text()
    );
    assert_eq!(
        recorded.json::<Value>()["recorded_by"],
        json!(f.member_p.user)
    );

    let user = json!(f.member_p.user);
    for (who, client, shown) in [
        ("anonymous", &app.anonymous(), Value::Null),
        (
            "another alliance's coordinator",
            &other.coordinator.client,
            Value::Null,
        ),
        (
            "an observer of the alliance",
            &f.observer_p.client,
            user.clone(),
        ),
        ("a platform admin", &admin, user.clone()),
    ] {
        let get = async |path: String| -> Value {
            let response = client.get(&path).send().await;
            assert_eq!(response.status(), StatusCode::OK, "{who} {path}");
            response.json()
        };
        let one = get(format!("/api/v1/alliances/{}/actions/{action}", f.alliance)).await;
        assert_eq!(one["proposed_by"], shown, "{who}");
        assert_eq!(one["proposing_partner_id"], json!(f.partner_p), "{who}");
        let page = get(format!(
            "/api/v1/alliances/{}/plans/{plan}/actions",
            f.alliance
        ))
        .await;
        assert_eq!(page["items"][0]["proposed_by"], shown, "{who}");
        let measurements = get(format!(
            "/api/v1/alliances/{}/indicators/{indicator}/measurements",
            f.alliance
        ))
        .await;
        assert_eq!(measurements["items"][0]["recorded_by"], shown, "{who}");
        assert_eq!(
            measurements["items"][0]["partner_id"],
            json!(f.partner_p),
            "{who}"
        );
    }
}

async fn create_vote(f: &AllianceFixture, body: CreateVoteRequest) -> String {
    let response = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .json(&body)
        .send()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text()
    );
    id(&response)
}

async fn close_early(f: &AllianceFixture, vote: &str) {
    let closed = f
        .coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/votes/{vote}/close",
            f.alliance
        ))
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(closed.status(), StatusCode::OK, "{}", closed.text());
}

async fn patch(client: &Client, path: &str, body: impl Serialize) -> TestResponse {
    client.patch(path).json(&body).send().await
}

fn action_title(title: &str) -> UpdateActionRequest {
    UpdateActionRequest {
        title: Some(title.into()),
        ..UpdateActionRequest::default()
    }
}

fn action_description(description: &str) -> UpdateActionRequest {
    UpdateActionRequest {
        description: Some(description.into()),
        ..UpdateActionRequest::default()
    }
}

#[actix_web::test]
async fn an_action_under_vote_keeps_its_text_until_the_vote_closes() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let voted = id(&propose(&f.member_p.client, &f, &plan, proposal("Compost partagé")).await);
    let later = id(&propose(&f.member_p.client, &f, &plan, proposal("Friperie")).await);
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let closes_at = chrono::Utc::now() + chrono::Duration::days(3);
    let vote = create_vote(
        &f,
        adoption_vote("Adopter le compost ?", "action_adoption", &voted, closes_at),
    )
    .await;
    // A vote that opens tomorrow does not freeze its action yet.
    create_vote(
        &f,
        CreateVoteRequest {
            opens_at: Some(chrono::Utc::now() + chrono::Duration::days(1)),
            ..adoption_vote(
                "Adopter la friperie ?",
                "action_adoption",
                &later,
                closes_at,
            )
        },
    )
    .await;
    let path = format!("{base}/actions/{voted}");
    for client in [&f.member_p.client, &f.coordinator.client] {
        patch(client, &path, action_title("Compost (version 2)"))
            .await
            .assert_problem(409, "vote_open");
        patch(client, &path, action_description("Autre chose"))
            .await
            .assert_problem(409, "vote_open");
    }
    // The vote decides adoption: no status decision beside it.
    patch(&f.coordinator.client, &path, action_status("adopted"))
        .await
        .assert_problem(409, "vote_open");
    let unchanged: Value = f.member_p.client.get(&path).send().await.json();
    assert_eq!(unchanged["title"], "Compost partagé");
    let edited = patch(
        &f.member_p.client,
        &format!("{base}/actions/{later}"),
        action_title("Friperie solidaire"),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());

    close_early(&f, &vote).await;
    let edited = patch(
        &f.member_p.client,
        &path,
        action_description("Après le vote"),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());
}

#[actix_web::test]
async fn a_plan_under_vote_keeps_its_text_and_its_actions_until_the_vote_closes() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, proposal("Compost partagé")).await);
    for to in ["consultation", "voting"] {
        assert_eq!(transition(&f, &plan, to).await.status(), StatusCode::OK);
    }
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan_path = format!("{base}/plans/{plan}");
    let action_path = format!("{base}/actions/{action}");
    // Before the vote, the coordinator may still polish the plan's text.
    let polished = patch(
        &f.coordinator.client,
        &plan_path,
        UpdatePlanRequest {
            title: Some("Plan 2025-2026".into()),
            ..UpdatePlanRequest::default()
        },
    )
    .await;
    assert_eq!(polished.status(), StatusCode::OK, "{}", polished.text());
    let vote = create_vote(
        &f,
        adoption_vote(
            "Adoption du plan",
            "plan_adoption",
            &plan,
            chrono::Utc::now() + chrono::Duration::days(3),
        ),
    )
    .await;
    patch(
        &f.coordinator.client,
        &plan_path,
        UpdatePlanRequest {
            title: Some("Un autre plan".into()),
            ..UpdatePlanRequest::default()
        },
    )
    .await
    .assert_problem(409, "vote_open");
    patch(
        &f.coordinator.client,
        &plan_path,
        UpdatePlanRequest {
            description: Some("Autre texte".into()),
            ..UpdatePlanRequest::default()
        },
    )
    .await
    .assert_problem(409, "vote_open");
    // Members vote on the plan as it reads, its actions included.
    for client in [&f.member_p.client, &f.coordinator.client] {
        patch(client, &action_path, action_title("Compost (version 2)"))
            .await
            .assert_problem(409, "vote_open");
    }
    let proposed = propose(&f.coordinator.client, &f, &plan, proposal("Ajout tardif")).await;
    assert_eq!(
        proposed.status(),
        StatusCode::CONFLICT,
        "{}",
        proposed.text()
    );
    let read: Value = f.member_p.client.get(&plan_path).send().await.json();
    assert_eq!(read["title"], "Plan 2025-2026");

    close_early(&f, &vote).await;
    let after = patch(
        &f.member_p.client,
        &action_path,
        action_description("Après le vote"),
    )
    .await;
    assert_eq!(after.status(), StatusCode::OK, "{}", after.text());
}

/// A database error while checking a partner named in a body is not the client's
/// fault: it is answered 500 (logged), never 422 "no such partner". The failure is
/// real: the `partners` table loses a column the lookup reads, so PostgreSQL refuses
/// the query. (This proves the mapping of a query error; an outage of the pool is
/// mapped by the same `?`, to 503, see `problem.rs`.)
#[actix_web::test]
async fn a_database_error_checking_a_partner_is_not_a_validation_error() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let mut conn = app.db.connect().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("ALTER TABLE partners RENAME COLUMN website TO website_gone"),
        &mut conn,
    )
    .await
    .unwrap();
    // Actions: the proposing, lead and contributing partners.
    let refused = propose(
        &f.member_p.client,
        &f,
        &plan,
        CreateActionRequest {
            lead_partner_id: Some(f.partner_q),
            contributing_partner_ids: vec![f.partner_q],
            ..proposal("Compost")
        },
    )
    .await;
    refused.assert_problem(500, "internal_error");
    // Events: the partners involved.
    f.coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/events", f.alliance))
        .json(&CreateEventRequest {
            title: "Forum".into(),
            kind: "forum".into(),
            starts_at: chrono::Utc::now(),
            partner_ids: vec![f.partner_p],
            ..CreateEventRequest::default()
        })
        .send()
        .await
        .assert_problem(500, "internal_error");
    // Mandates and invitations name a partner too.
    f.coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/invitations", f.alliance))
        .json(&CreateInvitationRequest {
            email: "x@example.org".into(),
            partner_id: f.partner_p,
            role: "member".into(),
            ..CreateInvitationRequest::default()
        })
        .send()
        .await
        .assert_problem(500, "internal_error");
}

/// Opening a vote on a plan or an action locks its subject, so an edit that is checking
/// for an open vote (holding the locks an edit takes: the plan shared, the action for
/// update) either finishes first or sees the vote. Here the edit's locks are held by hand:
/// the vote's creation must wait for them, and goes through once they are released.
#[actix_web::test]
async fn a_vote_waits_for_an_edit_of_its_subject_in_progress() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};

    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }

    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, proposal("Compost partagé")).await);
    for to in ["consultation", "voting"] {
        assert_eq!(transition(&f, &plan, to).await.status(), StatusCode::OK);
    }
    let closes_at = chrono::Utc::now() + chrono::Duration::days(3);
    let cases = [
        (
            format!("SELECT id FROM plans WHERE id = '{plan}' FOR SHARE"),
            adoption_vote("Adopter le plan ?", "plan_adoption", &plan, closes_at),
        ),
        (
            format!("SELECT id FROM actions WHERE id = '{action}' FOR NO KEY UPDATE"),
            adoption_vote(
                "Adopter le compost ?",
                "action_adoption",
                &action,
                closes_at,
            ),
        ),
    ];
    let mut watch = app.db.connect().await;
    for (edit_lock, body) in cases {
        let mut edit = app.db.connect().await;
        <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(&mut edit)
            .await
            .unwrap();
        diesel::sql_query(&edit_lock)
            .execute(&mut edit)
            .await
            .unwrap();
        let create = f
            .coordinator
            .client
            .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
            .json(&body)
            .send();
        let hold = async {
            // Bounded wait until the creation queues behind the edit's lock.
            let mut waiting = 0;
            for _ in 0..2000 {
                let now: Waiting = diesel::sql_query(
                    "SELECT count(*)::int8 AS n FROM pg_stat_activity
                     WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .get_result(&mut watch)
                .await
                .unwrap();
                waiting = now.n;
                if waiting >= 1 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(
                &mut edit,
            )
            .await
            .unwrap();
            waiting
        };
        let (created, waiting) = futures_util::future::join(create, hold).await;
        assert_eq!(
            waiting, 1,
            "{edit_lock}: the vote did not wait for the edit"
        );
        assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    }
}
