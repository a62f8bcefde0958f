use actix_web::http::StatusCode;
use agir_tests::{AllianceFixture, Client, TestApp, TestResponse};
use serde_json::{Value, json};

async fn plan(f: &AllianceFixture, year: &str) -> String {
    let response = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/plans", f.alliance))
        .json(&json!({"academic_year": year}))
        .send()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text()
    );
    response.json::<Value>()["id"].as_str().unwrap().to_owned()
}

async fn transition(f: &AllianceFixture, plan: &str, to: &str) -> TestResponse {
    f.coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/plans/{plan}/transition",
            f.alliance
        ))
        .json(&json!({"to": to}))
        .send()
        .await
}

async fn propose(
    client: &Client,
    f: &AllianceFixture,
    plan: &str,
    title: &str,
    extra: Value,
) -> TestResponse {
    let mut body = json!({"title": title, "theme": "waste", "sdgs": [12, 11]});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    client
        .post(&format!(
            "/api/v1/alliances/{}/plans/{plan}/actions",
            f.alliance
        ))
        .json(&body)
        .send()
        .await
}

fn id(response: &TestResponse) -> String {
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
        .json(&json!({"academic_year": "2025-2026"}))
        .send()
        .await;
    again.assert_problem(409, "plan_exists");
    let bad_year = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/plans", f.alliance))
        .json(&json!({"academic_year": "2025-2027"}))
        .send()
        .await;
    assert_eq!(
        bad_year.assert_problem(422, "validation_failed").errors[0].field,
        "academic_year"
    );

    // Draft: members propose as their partner; observers do not.
    let proposed = propose(
        &f.member_p.client,
        &f,
        &plan,
        "Compost collectif",
        json!({}),
    )
    .await;
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
    propose(&f.observer_p.client, &f, &plan, "Nope", json!({}))
        .await
        .assert_problem(403, "forbidden");
    propose(
        &f.member_p.client,
        &f,
        &plan,
        "As Q",
        json!({"proposing_partner_id": f.partner_q}),
    )
    .await
    .assert_problem(403, "forbidden");
    let bad = propose(
        &f.member_p.client,
        &f,
        &plan,
        "Bad",
        json!({"theme": "space", "sdgs": [18]}),
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
        .json(&json!({"to": "consultation"}))
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
            "Garde-manger",
            json!({})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        transition(&f, &plan, "voting").await.status(),
        StatusCode::OK
    );
    propose(&f.member_p.client, &f, &plan, "Late", json!({}))
        .await
        .assert_problem(409, "plan_voting");
    propose(&f.coordinator.client, &f, &plan, "Late", json!({}))
        .await
        .assert_problem(409, "plan_voting");

    // Adopting the plan adopts its proposals; then only the coordinator adds.
    let adopted = transition(&f, &plan, "adopted").await;
    assert_eq!(adopted.status(), StatusCode::OK);
    let adopted: Value = adopted.json();
    assert_eq!(adopted["phase"], "adopted");
    assert_eq!(adopted["summary"]["by_status"]["adopted"], 2);
    propose(&f.member_p.client, &f, &plan, "Late", json!({}))
        .await
        .assert_problem(409, "plan_adopted");
    let added = propose(
        &f.coordinator.client,
        &f,
        &plan,
        "Fête des réussites",
        json!({}),
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
        .json(&json!({"title": "Too late"}))
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
    let action = id(&propose(&f.member_p.client, &f, &plan, "Disco soupe", json!({})).await);
    let path = format!("/api/v1/alliances/{}/actions/{action}", f.alliance);
    for body in [
        json!({"proposing_partner_id": f.partner_q}),
        json!({"proposed_by": f.representative_q.user}),
        json!({"title": "Ok", "proposed_by": null}),
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
        .json(&json!({"title": "Mine now"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let edited = f
        .member_p
        .client
        .patch(&path)
        .json(&json!({"lead_partner_id": f.partner_q, "description": "Avec les commerçants"}))
        .send()
        .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());
    // Now Q leads it, and may edit; the attribution stays P's.
    let edited = f
        .representative_q
        .client
        .patch(&path)
        .json(&json!({"title": "Disco soupe de printemps"}))
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
        .json(&json!({"status": "adopted"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.coordinator
            .client
            .patch(&path)
            .json(&json!({"status": "adopted"}))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    f.member_p
        .client
        .patch(&path)
        .json(&json!({"status": "completed"}))
        .send()
        .await
        .assert_problem(409, "invalid_transition");
    assert_eq!(
        f.member_p
            .client
            .patch(&path)
            .json(&json!({"status": "in_progress"}))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        f.member_p
            .client
            .patch(&path)
            .json(&json!({"status": "completed"}))
            .send()
            .await
            .status(),
        StatusCode::OK
    );
    let other_partner = f
        .coordinator
        .client
        .patch(&path)
        .json(&json!({"contributing_partner_ids": [uuid::Uuid::now_v7()]}))
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
        "Collecte",
        json!({"contributing_partner_ids": [f.partner_q]}),
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
        .json(&json!({"description": "Collecte de fruits et légumes"}))
        .send()
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = f
        .coordinator
        .client
        .patch(&path)
        .header("if-match", &etag)
        .json(&json!({"description": "Autre chose"}))
        .send()
        .await;
    second.assert_problem(412, "precondition_failed");
    let now: Value = f.coordinator.client.get(&path).send().await.json();
    assert_eq!(now["description"], "Collecte de fruits et légumes");
}

async fn indicator(f: &AllianceFixture, action: &str, body: Value) -> String {
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
    body: Value,
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
    body: Value,
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
        "Disco soupe",
        json!({}),
    )
    .await);
    let food = indicator(
        &f,
        &action,
        json!({"catalogue": "food_collected_kg", "target": 100}),
    )
    .await;
    let people = indicator(
        &f,
        &action,
        json!({"name": "Soupes servies", "unit": "bols"}),
    )
    .await;
    let bad = f
        .representative_p
        .client
        .post(&format!(
            "/api/v1/alliances/{}/actions/{action}/indicators",
            f.alliance
        ))
        .json(&json!({"catalogue": "kg_of_stuff"}))
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
        json!({"value": 50, "note": "pesée"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let m1 = measure(
        &f.member_p.client,
        &f,
        &food,
        json!({"value": 60, "note": "Pesée en fin de collecte"}),
    )
    .await;
    assert_eq!(m1.status(), StatusCode::CREATED, "{}", m1.text());
    let m1 = id(&m1);
    measure(&f.member_p.client, &f, &food, json!({"value": -1}))
        .await
        .assert_problem(422, "validation_failed");
    // P cannot confirm its own measurement; Q can.
    review(
        &f.representative_p.client,
        &f,
        &m1,
        json!({"verdict": "confirm"}),
    )
    .await
    .assert_problem(403, "forbidden");
    review(
        &f.member_p.client,
        &f,
        &m1,
        json!({"verdict": "confirm", "partner_id": f.partner_q}),
    )
    .await
    .assert_problem(403, "forbidden");
    review(
        &f.representative_q.client,
        &f,
        &m1,
        json!({"verdict": "dispute"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    let confirmed = review(
        &f.representative_q.client,
        &f,
        &m1,
        json!({"verdict": "confirm"}),
    )
    .await;
    assert_eq!(confirmed.status(), StatusCode::OK, "{}", confirmed.text());
    assert_eq!(confirmed.json::<Value>()["review"]["status"], "confirmed");
    // One indicator of two: not yet.
    assert_eq!(verification(&f, &action).await, "unverified");

    // A confirmed measurement without evidence does not count.
    let bare = id(&measure(&f.member_p.client, &f, &people, json!({"value": 120})).await);
    review(
        &f.coordinator.client,
        &f,
        &bare,
        json!({"verdict": "confirm"}),
    )
    .await;
    assert_eq!(verification(&f, &action).await, "unverified");
    let with_evidence = id(&measure(
        &f.member_p.client,
        &f,
        &people,
        json!({"value": 30, "evidence_url": "https://www.sceaux.fr/disco-soupe"}),
    )
    .await);
    review(
        &f.coordinator.client,
        &f,
        &with_evidence,
        json!({"verdict": "confirm"}),
    )
    .await;
    assert_eq!(verification(&f, &action).await, "verified");

    // A later dispute takes it back.
    let disputed = review(
        &f.representative_q.client,
        &f,
        &m1,
        json!({"verdict": "dispute", "reason": "Pesée incomplète"}),
    )
    .await;
    assert_eq!(disputed.status(), StatusCode::OK);
    assert_eq!(verification(&f, &action).await, "unverified");
    review(
        &f.representative_q.client,
        &f,
        &m1,
        json!({"verdict": "confirm"}),
    )
    .await;
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
    let other = id(&propose(
        &f.representative_p.client,
        &f,
        &plan,
        "Forum ESS",
        json!({}),
    )
    .await);
    let path = format!("/api/v1/alliances/{}/actions", f.alliance);
    for status in ["adopted", "in_progress", "completed"] {
        for a in [&action, &other] {
            f.coordinator
                .client
                .patch(&format!("{path}/{a}"))
                .json(&json!({"status": status}))
                .send()
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
        ids.push(id(&propose(
            &f.member_p.client,
            &f,
            &plan,
            title,
            json!({}),
        )
        .await));
    }
    indicator(
        &f,
        &ids[2],
        json!({"catalogue": "compost_kg", "target": 500}),
    )
    .await;
    let path = format!("/api/v1/alliances/{}/actions", f.alliance);
    let set = async |action: &str, statuses: &[&str]| {
        for status in statuses {
            let r = f
                .coordinator
                .client
                .patch(&format!("{path}/{action}"))
                .json(&json!({"status": status}))
                .send()
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
        .json(&json!({"to_academic_year": "2026-2027"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    f.coordinator
        .client
        .post(&base)
        .json(&json!({"to_academic_year": "2024-2025"}))
        .send()
        .await
        .assert_problem(422, "validation_failed");
    let carried = f
        .coordinator
        .client
        .post(&base)
        .json(&json!({"to_academic_year": "2026-2027"}))
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
        .json(&json!({"to_academic_year": "2026-2027"}))
        .send()
        .await
        .assert_problem(409, "plan_exists");
}

#[actix_web::test]
async fn comments_and_endorsements() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, "Compost", json!({})).await);
    let comments = format!("/api/v1/alliances/{}/actions/{action}/comments", f.alliance);
    f.observer_p
        .client
        .post(&comments)
        .json(&json!({"body": "Je regarde"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let posted = f
        .representative_q
        .client
        .post(&comments)
        .json(&json!({"body": "Bonne idée !"}))
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
        .json(&json!({"body": "Hijacked"}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let edited = f
        .representative_q
        .client
        .patch(&format!("{comments}/{comment}"))
        .json(&json!({"body": "Très bonne idée !"}))
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
        .json(&json!({}))
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.representative_q
            .client
            .post(&endorsements)
            .json(&json!({}))
            .send()
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    f.representative_q
        .client
        .post(&endorsements)
        .json(&json!({}))
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
    let body = json!({
        "title": "Rencontre de passation", "kind": "handover",
        "starts_at": "2026-06-18T17:00:00Z", "ends_at": "2026-06-18T19:00:00Z",
        "place": "Hôtel de ville", "partner_ids": [f.partner_p, f.partner_q]
    });
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
        .json(&json!({"title": "X", "kind": "meeting", "starts_at": "2026-06-18T17:00:00Z", "ends_at": "2026-06-18T16:00:00Z"}))
        .send()
        .await;
    assert_eq!(
        backwards.assert_problem(422, "validation_failed").errors[0].field,
        "ends_at"
    );
    f.coordinator
        .client
        .post(&base)
        .json(&json!({"title": "Fête des réussites", "kind": "celebration", "starts_at": "2026-06-25T18:00:00Z"}))
        .send()
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
        .json(&json!({"attendance": 34}))
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
        "Compost",
        json!({"theme": "waste"}),
    )
    .await;
    propose(
        &f.member_p.client,
        &f,
        &plan,
        "Disco soupe",
        json!({"theme": "food", "contributing_partner_ids": [f.partner_q]}),
    )
    .await;
    propose(
        &f.representative_q.client,
        &f,
        &plan,
        "Vélo",
        json!({"theme": "mobility"}),
    )
    .await;
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
        .created_id(
            &format!("{base}/plans"),
            &json!({"academic_year": "2025-2026"}),
        )
        .await;
    let action = coordinator
        .created_id(
            &format!("{base}/plans/{plan}/actions"),
            &json!({"title": "Compost secret", "theme": "waste"}),
        )
        .await;
    let event = coordinator
        .created_id(&format!("{base}/events"), &json!({"title": "Atelier", "kind": "public_action", "starts_at": "2026-03-18T17:00:00Z", "action_ids": [action]}))
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
            .json(&json!({"to": to}))
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
    let proposed = propose(&f.member_p.client, &f, &plan, "Compost", json!({})).await;
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
        .json(&json!({"catalogue": "compost_kg"}))
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
        .json(&json!({"value": 12, "note": "pesée"}))
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

async fn create_vote(f: &AllianceFixture, body: Value) -> String {
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

async fn patch(client: &Client, path: &str, body: Value) -> TestResponse {
    client.patch(path).json(&body).send().await
}

#[actix_web::test]
async fn an_action_under_vote_keeps_its_text_until_the_vote_closes() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let voted = id(&propose(&f.member_p.client, &f, &plan, "Compost partagé", json!({})).await);
    let later = id(&propose(&f.member_p.client, &f, &plan, "Friperie", json!({})).await);
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let closes_at = chrono::Utc::now() + chrono::Duration::days(3);
    let vote = create_vote(
        &f,
        json!({"title": "Adopter le compost ?", "subject": "action_adoption", "subject_id": voted,
               "method": "consent", "electorate": "partners", "quorum_percent": 0, "closes_at": closes_at}),
    )
    .await;
    // A vote that opens tomorrow does not freeze its action yet.
    create_vote(
        &f,
        json!({"title": "Adopter la friperie ?", "subject": "action_adoption", "subject_id": later,
               "method": "consent", "electorate": "partners", "quorum_percent": 0,
               "opens_at": chrono::Utc::now() + chrono::Duration::days(1), "closes_at": closes_at}),
    )
    .await;
    let path = format!("{base}/actions/{voted}");
    for client in [&f.member_p.client, &f.coordinator.client] {
        patch(client, &path, json!({"title": "Compost (version 2)"}))
            .await
            .assert_problem(409, "vote_open");
        patch(client, &path, json!({"description": "Autre chose"}))
            .await
            .assert_problem(409, "vote_open");
    }
    // The vote decides adoption: no status decision beside it.
    patch(&f.coordinator.client, &path, json!({"status": "adopted"}))
        .await
        .assert_problem(409, "vote_open");
    let unchanged: Value = f.member_p.client.get(&path).send().await.json();
    assert_eq!(unchanged["title"], "Compost partagé");
    let edited = patch(
        &f.member_p.client,
        &format!("{base}/actions/{later}"),
        json!({"title": "Friperie solidaire"}),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());

    close_early(&f, &vote).await;
    let edited = patch(
        &f.member_p.client,
        &path,
        json!({"description": "Après le vote"}),
    )
    .await;
    assert_eq!(edited.status(), StatusCode::OK, "{}", edited.text());
}

#[actix_web::test]
async fn a_plan_under_vote_keeps_its_text_and_its_actions_until_the_vote_closes() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let plan = plan(&f, "2025-2026").await;
    let action = id(&propose(&f.member_p.client, &f, &plan, "Compost partagé", json!({})).await);
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
        json!({"title": "Plan 2025-2026"}),
    )
    .await;
    assert_eq!(polished.status(), StatusCode::OK, "{}", polished.text());
    let vote = create_vote(
        &f,
        json!({"title": "Adoption du plan", "subject": "plan_adoption", "subject_id": plan,
               "method": "consent", "electorate": "partners", "quorum_percent": 0,
               "closes_at": chrono::Utc::now() + chrono::Duration::days(3)}),
    )
    .await;
    patch(
        &f.coordinator.client,
        &plan_path,
        json!({"title": "Un autre plan"}),
    )
    .await
    .assert_problem(409, "vote_open");
    patch(
        &f.coordinator.client,
        &plan_path,
        json!({"description": "Autre texte"}),
    )
    .await
    .assert_problem(409, "vote_open");
    // Members vote on the plan as it reads, its actions included.
    for client in [&f.member_p.client, &f.coordinator.client] {
        patch(
            client,
            &action_path,
            json!({"title": "Compost (version 2)"}),
        )
        .await
        .assert_problem(409, "vote_open");
    }
    let proposed = propose(&f.coordinator.client, &f, &plan, "Ajout tardif", json!({})).await;
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
        json!({"description": "Après le vote"}),
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
        "Compost",
        json!({"lead_partner_id": f.partner_q, "contributing_partner_ids": [f.partner_q]}),
    )
    .await;
    refused.assert_problem(500, "internal_error");
    // Events: the partners involved.
    f.coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/events", f.alliance))
        .json(
            &json!({"title": "Forum", "kind": "forum", "starts_at": chrono::Utc::now(),
                      "partner_ids": [f.partner_p]}),
        )
        .send()
        .await
        .assert_problem(500, "internal_error");
    // Mandates and invitations name a partner too.
    f.coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/invitations", f.alliance))
        .json(&json!({"email": "x@example.org", "partner_id": f.partner_p, "role": "member"}))
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
    let action = id(&propose(&f.member_p.client, &f, &plan, "Compost partagé", json!({})).await);
    for to in ["consultation", "voting"] {
        assert_eq!(transition(&f, &plan, to).await.status(), StatusCode::OK);
    }
    let closes_at = chrono::Utc::now() + chrono::Duration::days(3);
    let cases = [
        (
            format!("SELECT id FROM plans WHERE id = '{plan}' FOR SHARE"),
            json!({"title": "Adopter le plan ?", "subject": "plan_adoption", "subject_id": plan,
                   "method": "consent", "electorate": "partners", "quorum_percent": 0,
                   "closes_at": closes_at}),
        ),
        (
            format!("SELECT id FROM actions WHERE id = '{action}' FOR NO KEY UPDATE"),
            json!({"title": "Adopter le compost ?", "subject": "action_adoption",
                   "subject_id": action, "method": "consent", "electorate": "partners",
                   "quorum_percent": 0, "closes_at": closes_at}),
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
