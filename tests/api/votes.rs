use actix_web::http::StatusCode;
use agir_tests::fixture::days_from_today;
use agir_tests::{AllianceFixture, Client, TestApp, TestResponse};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

fn question(method: &str, electorate: &str, extra: Value) -> Value {
    let mut body = json!({
        "title": "Quelle action en priorité ?",
        "subject": "question",
        "method": method,
        "electorate": electorate,
        "quorum_percent": 0,
        "closes_at": Utc::now() + Duration::days(7),
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    body
}

async fn open_vote(f: &AllianceFixture, body: Value) -> String {
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
    response.json::<Value>()["id"].as_str().unwrap().to_owned()
}

async fn cast(client: &Client, f: &AllianceFixture, vote: &str, body: Value) -> TestResponse {
    client
        .post(&format!(
            "/api/v1/alliances/{}/votes/{vote}/ballots",
            f.alliance
        ))
        .json(&body)
        .send()
        .await
}

async fn close(f: &AllianceFixture, vote: &str) -> Value {
    let response = f
        .coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/votes/{vote}/close",
            f.alliance
        ))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    response.json()
}

async fn results(client: &Client, f: &AllianceFixture, vote: &str) -> TestResponse {
    client
        .get(&format!(
            "/api/v1/alliances/{}/votes/{vote}/results",
            f.alliance
        ))
        .send()
        .await
}

#[actix_web::test]
async fn a_college_that_votes_against_is_not_outvoted() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(
        &f,
        question(
            "consent",
            "partners",
            json!({"threshold": "simple", "by_college": true, "quorum_percent": 50}),
        ),
    )
    .await;
    // City (coordinator) and school (Q) for, students (P) against: 2 for, 1 against overall.
    assert_eq!(
        cast(&f.coordinator.client, &f, &vote, json!({"choice": "for"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        cast(
            &f.representative_q.client,
            &f,
            &vote,
            json!({"choice": "for"})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        cast(
            &f.representative_p.client,
            &f,
            &vote,
            json!({"choice": "against"})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    let live: Value = results(&f.member_p.client, &f, &vote).await.json();
    assert_eq!(live["final"], false);
    assert_eq!(
        live["consent"],
        json!({"for": 2, "against": 1, "abstain": 0})
    );
    assert_eq!(
        live["colleges"]["students"],
        json!({"for": 0, "against": 1, "abstain": 0})
    );
    assert_eq!(live["outcome"], "rejected");
    // The students change their mind: a later ballot of the partner replaces the earlier.
    let replaced = cast(
        &f.representative_p.client,
        &f,
        &vote,
        json!({"choice": "abstain"}),
    )
    .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(replaced.json::<Value>()["replaced"], true);
    let closed = close(&f, &vote).await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["outcome"], "adopted");
    let fin: Value = results(&f.observer_p.client, &f, &vote).await.json();
    assert_eq!(fin["final"], true);
    assert_eq!(fin["turnout"], 3);
    assert_eq!(fin["electorate"], 3);
    assert_eq!(fin["quorum_reached"], true);
    cast(
        &f.representative_p.client,
        &f,
        &vote,
        json!({"choice": "for"}),
    )
    .await
    .assert_problem(409, "vote_closed");
}

#[actix_web::test]
async fn quorum_is_reached_exactly_at_its_value() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    // 3 partners; 2 ballots = 66.7 %.
    for (quorum, reached) in [(66, true), (67, false)] {
        let vote = open_vote(
            &f,
            question("consent", "partners", json!({"quorum_percent": quorum})),
        )
        .await;
        cast(&f.coordinator.client, &f, &vote, json!({"choice": "for"})).await;
        cast(
            &f.representative_q.client,
            &f,
            &vote,
            json!({"choice": "abstain"}),
        )
        .await;
        let closed = close(&f, &vote).await;
        let fin: Value = results(&f.member_p.client, &f, &vote).await.json();
        assert_eq!(fin["quorum_reached"], reached, "quorum {quorum}");
        assert_eq!(
            closed["outcome"],
            if reached { "adopted" } else { "no_quorum" }
        );
    }
}

#[actix_web::test]
async fn each_method_counts_as_computed_by_hand() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let options = json!(["Compost", "Collecte", "Garde-manger"]);
    let voters = [
        &f.coordinator.client,
        &f.representative_p.client,
        &f.member_p.client,
        &f.representative_q.client,
    ];

    let single = open_vote(
        &f,
        question("single_choice", "members", json!({"options": options})),
    )
    .await;
    for (client, choice) in voters
        .iter()
        .zip(["Collecte", "Compost", "Collecte", "Garde-manger"])
    {
        assert_eq!(
            cast(client, &f, &single, json!({"choice": choice}))
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    cast(
        &f.member_p.client,
        &f,
        &single,
        json!({"choice": "Piscine"}),
    )
    .await
    .assert_problem(422, "validation_failed");
    cast(
        &f.member_p.client,
        &f,
        &single,
        json!({"options": ["Compost"]}),
    )
    .await
    .assert_problem(422, "validation_failed");
    close(&f, &single).await;
    let fin: Value = results(&f.member_p.client, &f, &single).await.json();
    assert_eq!(fin["outcome"], "winner");
    assert_eq!(fin["winner"], "Collecte");
    assert_eq!(
        fin["options"][1],
        json!({"option": "Collecte", "count": 2, "grades": null, "majority_grade": null})
    );
    // Observers are not in a members electorate.
    assert_eq!(fin["electorate"], 4);

    let approval = open_vote(
        &f,
        question("approval", "members", json!({"options": options})),
    )
    .await;
    for (client, approved) in voters.iter().zip([
        json!(["Compost", "Collecte"]),
        json!(["Compost"]),
        json!([]),
        json!(["Garde-manger", "Compost"]),
    ]) {
        cast(client, &f, &approval, json!({"options": approved})).await;
    }
    close(&f, &approval).await;
    let fin: Value = results(&f.member_p.client, &f, &approval).await.json();
    let counts: Vec<i64> = fin["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["count"].as_i64().unwrap())
        .collect();
    assert_eq!(counts, [3, 1, 1]);
    assert_eq!(fin["winner"], "Compost");

    let mj = open_vote(
        &f,
        question(
            "majority_judgment",
            "members",
            json!({"options": ["A", "B"]}),
        ),
    )
    .await;
    let grades = [
        ("good", "good"),
        ("excellent", "good"),
        ("fair", "very_good"),
        ("reject", "passable"),
    ];
    for (client, (a, b)) in voters.iter().zip(grades) {
        let r = cast(client, &f, &mj, json!({"grades": {"A": a, "B": b}})).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text());
    }
    cast(
        &f.member_p.client,
        &f,
        &mj,
        json!({"grades": {"A": "good"}}),
    )
    .await
    .assert_problem(422, "validation_failed");
    close(&f, &mj).await;
    let fin: Value = results(&f.member_p.client, &f, &mj).await.json();
    // A: excellent, good, fair, reject -> lower median fair; B: very_good, good, good, passable -> good.
    assert_eq!(fin["options"][0]["majority_grade"], "fair");
    assert_eq!(fin["options"][1]["majority_grade"], "good");
    assert_eq!(fin["winner"], "B");
}

#[actix_web::test]
async fn the_electorate_is_frozen_at_opening() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(&f, question("consent", "partners", json!({}))).await;
    // A partner that joins after opening cannot vote.
    let late = app
        .partner(f.alliance, "Nouvelle association", "association")
        .await;
    let newcomer = app
        .person("newcomer@example.org", f.alliance, late, "representative")
        .await;
    cast(&newcomer.client, &f, &vote, json!({"choice": "for"}))
        .await
        .assert_problem(403, "forbidden");
    // A representative whose mandate ended cannot vote for their partner.
    let ended = f
        .coordinator
        .client
        .patch(&format!(
            "/api/v1/alliances/{}/mandates/{}",
            f.alliance, f.representative_q.mandate
        ))
        .json(&json!({"ends_on": days_from_today(-1)}))
        .send()
        .await;
    assert_eq!(ended.status(), StatusCode::OK, "{}", ended.text());
    cast(
        &f.representative_q.client,
        &f,
        &vote,
        json!({"choice": "for"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // Members and observers do not vote for a partner; an admin never votes.
    cast(&f.member_p.client, &f, &vote, json!({"choice": "for"}))
        .await
        .assert_problem(403, "forbidden");
    cast(
        &app.admin().await,
        &f,
        &vote,
        json!({"choice": "for", "partner_id": f.partner_p}),
    )
    .await
    .assert_problem(403, "forbidden");
    let read: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/votes/{vote}", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(read["electorate_size"], 3);
}

#[actix_web::test]
async fn settings_are_frozen_once_the_vote_opens() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let open = open_vote(&f, question("consent", "partners", json!({}))).await;
    let path = format!("/api/v1/alliances/{}/votes/{open}", f.alliance);
    f.coordinator
        .client
        .patch(&path)
        .json(&json!({"quorum_percent": 10}))
        .send()
        .await
        .assert_problem(409, "vote_open");
    let scheduled = open_vote(
        &f,
        question("consent", "partners", json!({"opens_at": Utc::now() + Duration::days(1), "closes_at": Utc::now() + Duration::days(8)})),
    )
    .await;
    let path = format!("/api/v1/alliances/{}/votes/{scheduled}", f.alliance);
    let changed = f
        .coordinator
        .client
        .patch(&path)
        .json(&json!({"quorum_percent": 75, "threshold": "unanimity"}))
        .send()
        .await;
    assert_eq!(changed.status(), StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json::<Value>()["threshold"], "unanimity");
    cast(
        &f.coordinator.client,
        &f,
        &scheduled,
        json!({"choice": "for"}),
    )
    .await
    .assert_problem(409, "vote_not_open");
    let bad = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .json(&question(
            "single_choice",
            "partners",
            json!({"options": ["only one"]}),
        ))
        .send()
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed").errors[0].field,
        "options"
    );
    f.member_p
        .client
        .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .json(&question("consent", "partners", json!({})))
        .send()
        .await
        .assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn results_after_close_are_hidden_from_everyone_until_then() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(
        &f,
        question("consent", "members", json!({"results": "after_close"})),
    )
    .await;
    cast(&f.member_p.client, &f, &vote, json!({"choice": "for"})).await;
    for client in [
        &f.coordinator.client,
        &f.member_p.client,
        &app.admin().await,
    ] {
        results(client, &f, &vote)
            .await
            .assert_problem(409, "results_not_available");
    }
    close(&f, &vote).await;
    assert_eq!(
        results(&f.coordinator.client, &f, &vote).await.status(),
        StatusCode::OK
    );
}

#[actix_web::test]
async fn a_secret_vote_shows_who_took_part_never_what_they_chose() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(&f, question("consent", "members", json!({"secret": true}))).await;
    cast(&f.member_p.client, &f, &vote, json!({"choice": "against"})).await;
    cast(
        &f.representative_q.client,
        &f,
        &vote,
        json!({"choice": "for"}),
    )
    .await;
    let read: Value = f
        .coordinator
        .client
        .get(&format!("/api/v1/alliances/{}/votes/{vote}", f.alliance))
        .send()
        .await
        .json();
    let names: Vec<&str> = read["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    // Each participant under their display name, listed by name.
    assert!(names.iter().all(|n| !n.is_empty()), "{names:?}");
    assert!(names.is_sorted(), "{names:?}");
    let live: Value = results(&f.coordinator.client, &f, &vote).await.json();
    assert!(live["ballots"].is_null());
    close(&f, &vote).await;
    let fin: Value = results(&app.admin().await, &f, &vote).await.json();
    assert!(fin["ballots"].is_null());
    assert_eq!(
        fin["consent"],
        json!({"for": 1, "against": 1, "abstain": 0})
    );
    let journal: Value = f
        .coordinator
        .client
        .get(&format!(
            "/api/v1/alliances/{}/journal?limit=200",
            f.alliance
        ))
        .send()
        .await
        .json();
    for entry in journal["items"].as_array().unwrap() {
        if entry["verb"] == "ballot.cast" {
            let summary = entry["summary"].as_object().unwrap();
            assert!(
                !summary.contains_key("choice"),
                "a choice entered the journal: {entry}"
            );
            let text = entry["summary"].to_string();
            assert!(
                !text.contains("against") && !text.contains("\"for\""),
                "{text}"
            );
        }
    }
    // A vote that is not secret shows who chose what.
    let open = open_vote(&f, question("consent", "members", json!({}))).await;
    cast(&f.member_p.client, &f, &open, json!({"choice": "against"})).await;
    let live: Value = results(&f.coordinator.client, &f, &open).await.json();
    assert_eq!(live["ballots"][0]["voter_id"], json!(f.member_p.user));
    assert_eq!(live["ballots"][0]["choice"], json!({"choice": "against"}));
}

#[actix_web::test]
async fn fifty_concurrent_ballots_of_one_partner_count_once() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(&f, question("consent", "partners", json!({}))).await;
    let casts = (0..50).map(|i| {
        let client = f.representative_p.client.clone();
        let vote = vote.clone();
        let f = &f;
        async move {
            let choice = if i % 2 == 0 { "for" } else { "against" };
            cast(&client, f, &vote, json!({"choice": choice}))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(casts).await;
    assert!(statuses.iter().all(|s| s.is_success()), "{statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    let live: Value = results(&f.member_p.client, &f, &vote).await.json();
    assert_eq!(live["turnout"], 1);
}

#[actix_web::test]
async fn two_hundred_concurrent_voters_are_all_counted() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let crowd = app.crowd(f.alliance, f.partner_p, 200).await;
    let vote = open_vote(
        &f,
        question("consent", "members", json!({"quorum_percent": 90})),
    )
    .await;
    let casts = crowd.iter().enumerate().map(|(i, client)| {
        let vote = vote.clone();
        let f = &f;
        async move {
            let choice = if i % 4 == 0 { "against" } else { "for" };
            cast(client, f, &vote, json!({"choice": choice}))
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(casts).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    close(&f, &vote).await;
    let fin: Value = results(&f.member_p.client, &f, &vote).await.json();
    assert_eq!(fin["turnout"], 200);
    assert_eq!(
        fin["consent"],
        json!({"for": 150, "against": 50, "abstain": 0})
    );
    // The fixture's 4 members (coordinator, 2 representatives, a member) did not vote.
    assert_eq!(fin["electorate"], 204);
    assert_eq!(fin["quorum_reached"], true);
}

#[actix_web::test]
async fn a_plan_adoption_vote_adopts_the_plan_and_its_actions() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan: Value = f
        .coordinator
        .client
        .post(&format!("{base}/plans"))
        .json(&json!({"academic_year": "2026-2027"}))
        .send()
        .await
        .json();
    let plan = plan["id"].as_str().unwrap().to_owned();
    f.member_p
        .client
        .post(&format!("{base}/plans/{plan}/actions"))
        .json(&json!({"title": "Garde-manger solidaire", "theme": "solidarity"}))
        .send()
        .await;
    let body = json!({
        "title": "Adoption du plan", "subject": "plan_adoption", "subject_id": plan,
        "method": "consent", "electorate": "partners", "quorum_percent": 50, "threshold": "two_thirds",
        "closes_at": Utc::now() + Duration::days(3)
    });
    let refused = f
        .coordinator
        .client
        .post(&format!("{base}/votes"))
        .json(&body)
        .send()
        .await;
    refused.assert_problem(409, "plan_not_voting");
    for to in ["consultation", "voting"] {
        f.coordinator
            .client
            .post(&format!("{base}/plans/{plan}/transition"))
            .json(&json!({"to": to}))
            .send()
            .await;
    }
    let vote = open_vote(&f, body.clone()).await;
    f.coordinator
        .client
        .post(&format!("{base}/votes"))
        .json(&body)
        .send()
        .await
        .assert_problem(409, "vote_exists");
    for client in [
        &f.coordinator.client,
        &f.representative_p.client,
        &f.representative_q.client,
    ] {
        cast(client, &f, &vote, json!({"choice": "for"})).await;
    }
    let closed = close(&f, &vote).await;
    assert_eq!(closed["outcome"], "adopted");
    let plan: Value = app
        .anonymous()
        .get(&format!("{base}/plans/{plan}"))
        .send()
        .await
        .json();
    assert_eq!(plan["phase"], "adopted");
    assert_eq!(plan["summary"]["by_status"]["adopted"], 1);
    f.coordinator
        .client
        .post(&format!("{base}/votes/{vote}/close"))
        .send()
        .await
        .assert_problem(409, "vote_closed");
}

#[actix_web::test]
async fn the_automatic_close_applies_the_effect_once_when_two_processes_race() {
    let app = TestApp::spawn().await;
    // A second "process": another application with its own pool on the same database.
    let other = {
        let mut config = agir_http::HttpConfig::new(agir_tests::app::JWT_SECRET.to_owned().into());
        config.argon2 = agir_http::auth::password::Argon2Params::TESTING;
        let pool =
            agir_persistence::pool::build(app.db.url(), &agir_persistence::PoolOptions::default())
                .unwrap();
        agir_http::AppState::new(pool, config).unwrap()
    };
    let f = app.alliance_fixture(1).await;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan: Value = f
        .coordinator
        .client
        .post(&format!("{base}/plans"))
        .json(&json!({"academic_year": "2026-2027"}))
        .send()
        .await
        .json();
    let plan = plan["id"].as_str().unwrap().to_owned();
    let action: Value = f
        .member_p
        .client
        .post(&format!("{base}/plans/{plan}/actions"))
        .json(&json!({"title": "Compost", "theme": "waste"}))
        .send()
        .await
        .json();
    let action = action["id"].as_str().unwrap().to_owned();
    let vote = open_vote(
        &f,
        json!({
            "title": "Adopter le compost ?", "subject": "action_adoption", "subject_id": action,
            "method": "consent", "electorate": "partners", "quorum_percent": 0,
            "closes_at": Utc::now() + Duration::milliseconds(1500)
        }),
    )
    .await;
    cast(
        &f.representative_q.client,
        &f,
        &vote,
        json!({"choice": "for"}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;

    let alliance = agir_domain::ids::AllianceId(f.alliance);
    let id: uuid::Uuid = vote.parse().unwrap();
    let (a, b) = futures_util::future::join(
        agir_http::routes::votes::settle(&app.state, alliance, id),
        agir_http::routes::votes::settle(&other, alliance, id),
    )
    .await;
    assert!(a.is_ok() && b.is_ok());
    // Nobody asked; it is closed, adopted, once.
    cast(
        &f.representative_p.client,
        &f,
        &vote,
        json!({"choice": "against"}),
    )
    .await
    .assert_problem(409, "vote_closed");
    let read: Value = f
        .member_p
        .client
        .get(&format!("{base}/actions/{action}"))
        .send()
        .await
        .json();
    assert_eq!(read["status"], "adopted");
    let journal: Value = f
        .member_p
        .client
        .get(&format!("{base}/journal?limit=200"))
        .send()
        .await
        .json();
    let verbs: Vec<&str> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(
        verbs.iter().filter(|v| **v == "vote.closed").count(),
        1,
        "{verbs:?}"
    );
    assert_eq!(
        verbs
            .iter()
            .filter(|v| **v == "action.status_changed")
            .count(),
        1,
        "{verbs:?}"
    );
    let verify: Value = f
        .member_p
        .client
        .get(&format!("{base}/journal/verify"))
        .send()
        .await
        .json();
    assert_eq!(verify["intact"], true);
}

#[actix_web::test]
async fn a_ballot_settles_a_vote_whose_time_has_come() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let status = |vote: String| {
        let client = &f.coordinator.client;
        let path = format!("/api/v1/alliances/{}/votes/{vote}", f.alliance);
        async move { client.get(&path).send().await.json::<Value>()["status"].clone() }
    };
    // Opens by itself: the first ballot after its time opens it, and counts.
    let scheduled = open_vote(
        &f,
        question(
            "consent",
            "partners",
            json!({"opens_at": Utc::now() + Duration::milliseconds(700)}),
        ),
    )
    .await;
    // Closes by itself: the first ballot after its time closes it, and is refused.
    let closing = open_vote(
        &f,
        question(
            "consent",
            "partners",
            json!({"closes_at": Utc::now() + Duration::milliseconds(700)}),
        ),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;

    let first = cast(
        &f.representative_p.client,
        &f,
        &scheduled,
        json!({"choice": "for"}),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED, "{}", first.text());
    assert_eq!(status(scheduled.clone()).await, "open");
    cast(
        &f.representative_p.client,
        &f,
        &closing,
        json!({"choice": "for"}),
    )
    .await
    .assert_problem(409, "vote_closed");
    assert_eq!(status(closing.clone()).await, "closed");

    let journal: Value = f
        .coordinator
        .client
        .get(&format!(
            "/api/v1/alliances/{}/journal?limit=100",
            f.alliance
        ))
        .send()
        .await
        .json();
    let entries: Vec<(&str, &str, i64)> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let verb = e["verb"].as_str().unwrap();
            (
                verb,
                e["subject_id"].as_str().unwrap(),
                e["seq"].as_i64().unwrap(),
            )
        })
        .collect();
    let seqs = |verb: &str, vote: &str| -> Vec<i64> {
        entries
            .iter()
            .filter(|e| e.0 == verb && e.1 == vote)
            .map(|e| e.2)
            .collect()
    };
    // Opened once, before the ballot it let in; closed once, with no ballot.
    let (opened, cast) = (
        seqs("vote.opened", &scheduled),
        seqs("ballot.cast", &scheduled),
    );
    assert_eq!(opened.len(), 1, "{entries:?}");
    assert_eq!(cast.len(), 1, "{entries:?}");
    assert!(opened[0] < cast[0], "{entries:?}");
    assert_eq!(seqs("vote.closed", &closing).len(), 1, "{entries:?}");
    assert!(seqs("ballot.cast", &closing).is_empty(), "{entries:?}");
    // A partner's ballot is journaled as its representative acting for the partner.
    let ballot = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["verb"] == "ballot.cast")
        .unwrap();
    assert_eq!(ballot["actor_partner_id"], f.partner_p.to_string());
    assert_eq!(ballot["summary"]["voter_id"], f.partner_p.to_string());
}
