use actix_web::http::StatusCode;
use agir_http::routes::actions::CreateActionRequest;
use agir_http::routes::mandates::UpdateMandateRequest;
use agir_http::routes::plans::{CreatePlanRequest, TransitionRequest};
use agir_http::routes::votes::{CastBallotRequest, CreateVoteRequest, UpdateVoteRequest};
use agir_tests::fixture::days_from_today;
use agir_tests::{AllianceFixture, Client, TestApp, TestResponse};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

/// A question closing in a week, without quorum.
fn question(method: &str, electorate: &str) -> CreateVoteRequest {
    CreateVoteRequest {
        title: "Quelle action en priorité ?".into(),
        subject: "question".into(),
        method: method.into(),
        electorate: electorate.into(),
        quorum_percent: 0,
        closes_at: Utc::now() + Duration::days(7),
        ..CreateVoteRequest::default()
    }
}

fn names(options: &[&str]) -> Vec<String> {
    options.iter().map(|o| (*o).to_owned()).collect()
}

fn ballot(choice: &str) -> CastBallotRequest {
    CastBallotRequest {
        choice: Some(choice.into()),
        ..CastBallotRequest::default()
    }
}

fn approve(approved: &[&str]) -> CastBallotRequest {
    CastBallotRequest {
        options: Some(names(approved)),
        ..CastBallotRequest::default()
    }
}

fn graded(grades: &[(&str, &str)]) -> CastBallotRequest {
    CastBallotRequest {
        grades: Some(
            grades
                .iter()
                .map(|(o, g)| ((*o).to_owned(), (*g).to_owned()))
                .collect(),
        ),
        ..CastBallotRequest::default()
    }
}

/// A plan of `f` for 2026-2027, with one action proposed by P's member; their ids.
async fn plan_with_an_action(f: &AllianceFixture, title: &str, theme: &str) -> (String, String) {
    let base = format!("/api/v1/alliances/{}", f.alliance);
    let plan = f
        .coordinator
        .client
        .created_id(
            &format!("{base}/plans"),
            &CreatePlanRequest {
                academic_year: "2026-2027".into(),
                ..CreatePlanRequest::default()
            },
        )
        .await;
    let action = f
        .member_p
        .client
        .created_id(
            &format!("{base}/plans/{plan}/actions"),
            &CreateActionRequest {
                title: title.into(),
                theme: theme.into(),
                ..CreateActionRequest::default()
            },
        )
        .await;
    (plan, action)
}

async fn open_vote(f: &AllianceFixture, body: CreateVoteRequest) -> String {
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

async fn cast(
    client: &Client,
    f: &AllianceFixture,
    vote: &str,
    body: CastBallotRequest,
) -> TestResponse {
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
        CreateVoteRequest {
            threshold: Some("simple".into()),
            by_college: true,
            quorum_percent: 50,
            ..question("consent", "partners")
        },
    )
    .await;
    // City (coordinator) and school (Q) for, students (P) against: 2 for, 1 against overall.
    assert_eq!(
        cast(&f.coordinator.client, &f, &vote, ballot("for"))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        cast(&f.representative_q.client, &f, &vote, ballot("for"))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        cast(&f.representative_p.client, &f, &vote, ballot("against"))
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
        json!({"for": 0, "against": 1, "abstain": 0, "threshold_met": false})
    );
    assert_eq!(live["outcome"], "rejected");
    // The students change their mind: a later ballot of the partner replaces the earlier.
    let replaced = cast(&f.representative_p.client, &f, &vote, ballot("abstain")).await;
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
    cast(&f.representative_p.client, &f, &vote, ballot("for"))
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
            CreateVoteRequest {
                quorum_percent: quorum,
                ..question("consent", "partners")
            },
        )
        .await;
        cast(&f.coordinator.client, &f, &vote, ballot("for"))
            .await
            .assert_status(StatusCode::CREATED);
        cast(&f.representative_q.client, &f, &vote, ballot("abstain"))
            .await
            .assert_status(StatusCode::CREATED);
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
    let options = names(&["Compost", "Collecte", "Garde-manger"]);
    let voters = [
        &f.coordinator.client,
        &f.representative_p.client,
        &f.member_p.client,
        &f.representative_q.client,
    ];

    let single = open_vote(
        &f,
        CreateVoteRequest {
            options: options.clone(),
            ..question("single_choice", "members")
        },
    )
    .await;
    for (client, choice) in voters
        .iter()
        .zip(["Collecte", "Compost", "Collecte", "Garde-manger"])
    {
        assert_eq!(
            cast(client, &f, &single, ballot(choice)).await.status(),
            StatusCode::CREATED
        );
    }
    cast(&f.member_p.client, &f, &single, ballot("Piscine"))
        .await
        .assert_problem(422, "validation_failed");
    cast(&f.member_p.client, &f, &single, approve(&["Compost"]))
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
        CreateVoteRequest {
            options,
            ..question("approval", "members")
        },
    )
    .await;
    let approvals: [&[&str]; 4] = [
        &["Compost", "Collecte"],
        &["Compost"],
        &[],
        &["Garde-manger", "Compost"],
    ];
    for (client, approved) in voters.iter().zip(approvals) {
        cast(client, &f, &approval, approve(approved))
            .await
            .assert_status(StatusCode::CREATED);
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
        CreateVoteRequest {
            options: names(&["A", "B"]),
            ..question("majority_judgment", "members")
        },
    )
    .await;
    let grades = [
        ("good", "good"),
        ("excellent", "good"),
        ("fair", "very_good"),
        ("reject", "passable"),
    ];
    for (client, (a, b)) in voters.iter().zip(grades) {
        let r = cast(client, &f, &mj, graded(&[("A", a), ("B", b)])).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{}", r.text());
    }
    cast(&f.member_p.client, &f, &mj, graded(&[("A", "good")]))
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
    let vote = open_vote(&f, question("consent", "partners")).await;
    // A partner that joins after opening cannot vote.
    let late = app
        .partner(f.alliance, "Nouvelle association", "association")
        .await;
    let newcomer = app
        .person("newcomer@example.org", f.alliance, late, "representative")
        .await;
    cast(&newcomer.client, &f, &vote, ballot("for"))
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
        .json(&UpdateMandateRequest {
            ends_on: Some(Some(days_from_today(-1))),
            ..UpdateMandateRequest::default()
        })
        .send()
        .await;
    assert_eq!(ended.status(), StatusCode::OK, "{}", ended.text());
    cast(&f.representative_q.client, &f, &vote, ballot("for"))
        .await
        .assert_problem(403, "forbidden");
    // Members and observers do not vote for a partner; an admin never votes.
    cast(&f.member_p.client, &f, &vote, ballot("for"))
        .await
        .assert_problem(403, "forbidden");
    cast(
        &app.admin().await,
        &f,
        &vote,
        CastBallotRequest {
            partner_id: Some(f.partner_p),
            ..ballot("for")
        },
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
    let open = open_vote(&f, question("consent", "partners")).await;
    let path = format!("/api/v1/alliances/{}/votes/{open}", f.alliance);
    f.coordinator
        .client
        .patch(&path)
        .json(&UpdateVoteRequest {
            quorum_percent: Some(10),
            ..UpdateVoteRequest::default()
        })
        .send()
        .await
        .assert_problem(409, "vote_open");
    let scheduled = open_vote(
        &f,
        CreateVoteRequest {
            opens_at: Some(Utc::now() + Duration::days(1)),
            closes_at: Utc::now() + Duration::days(8),
            ..question("consent", "partners")
        },
    )
    .await;
    let path = format!("/api/v1/alliances/{}/votes/{scheduled}", f.alliance);
    let changed = f
        .coordinator
        .client
        .patch(&path)
        .json(&UpdateVoteRequest {
            quorum_percent: Some(75),
            threshold: Some("unanimity".into()),
            ..UpdateVoteRequest::default()
        })
        .send()
        .await;
    assert_eq!(changed.status(), StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json::<Value>()["threshold"], "unanimity");
    cast(&f.coordinator.client, &f, &scheduled, ballot("for"))
        .await
        .assert_problem(409, "vote_not_open");
    let bad = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .json(&CreateVoteRequest {
            options: names(&["only one"]),
            ..question("single_choice", "partners")
        })
        .send()
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed").errors[0].field,
        "options"
    );
    f.member_p
        .client
        .post(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .json(&question("consent", "partners"))
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
        CreateVoteRequest {
            results: Some("after_close".into()),
            ..question("consent", "members")
        },
    )
    .await;
    cast(&f.member_p.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
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
    let vote = open_vote(
        &f,
        CreateVoteRequest {
            secret: true,
            ..question("consent", "members")
        },
    )
    .await;
    cast(&f.member_p.client, &f, &vote, ballot("against"))
        .await
        .assert_status(StatusCode::CREATED);
    cast(&f.representative_q.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
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
    // A secret vote shows its results after the close only (the default for it).
    assert_eq!(read["results"], "after_close");
    results(&f.coordinator.client, &f, &vote)
        .await
        .assert_problem(409, "results_not_available");
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
    let open = open_vote(&f, question("consent", "members")).await;
    cast(&f.member_p.client, &f, &open, ballot("against"))
        .await
        .assert_status(StatusCode::CREATED);
    let live: Value = results(&f.coordinator.client, &f, &open).await.json();
    assert_eq!(live["ballots"][0]["voter_id"], json!(f.member_p.user));
    assert_eq!(live["ballots"][0]["choice"], json!({"choice": "against"}));
}

#[actix_web::test]
async fn fifty_concurrent_ballots_of_one_partner_count_once() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(&f, question("consent", "partners")).await;
    let casts = (0..50).map(|i| {
        let client = f.representative_p.client.clone();
        let vote = vote.clone();
        let f = &f;
        async move {
            let choice = if i % 2 == 0 { "for" } else { "against" };
            cast(&client, f, &vote, ballot(choice)).await.status()
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
        CreateVoteRequest {
            quorum_percent: 90,
            ..question("consent", "members")
        },
    )
    .await;
    let casts = crowd.iter().enumerate().map(|(i, client)| {
        let vote = vote.clone();
        let f = &f;
        async move {
            let choice = if i % 4 == 0 { "against" } else { "for" };
            cast(client, f, &vote, ballot(choice)).await.status()
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
    let (plan, _) = plan_with_an_action(&f, "Garde-manger solidaire", "solidarity").await;
    let closes_at = Utc::now() + Duration::days(3);
    let body = || CreateVoteRequest {
        title: "Adoption du plan".into(),
        subject: "plan_adoption".into(),
        subject_id: Some(plan.parse().unwrap()),
        method: "consent".into(),
        electorate: "partners".into(),
        quorum_percent: 50,
        threshold: Some("two_thirds".into()),
        closes_at,
        ..CreateVoteRequest::default()
    };
    let refused = f
        .coordinator
        .client
        .post(&format!("{base}/votes"))
        .json(&body())
        .send()
        .await;
    refused.assert_problem(409, "plan_not_voting");
    for to in ["consultation", "voting"] {
        f.coordinator
            .client
            .post(&format!("{base}/plans/{plan}/transition"))
            .json(&TransitionRequest { to: to.into() })
            .ok()
            .await;
    }
    let vote = open_vote(&f, body()).await;
    f.coordinator
        .client
        .post(&format!("{base}/votes"))
        .json(&body())
        .send()
        .await
        .assert_problem(409, "vote_exists");
    for client in [
        &f.coordinator.client,
        &f.representative_p.client,
        &f.representative_q.client,
    ] {
        cast(client, &f, &vote, ballot("for"))
            .await
            .assert_status(StatusCode::CREATED);
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
    let (_, action) = plan_with_an_action(&f, "Compost", "waste").await;
    let vote = open_vote(
        &f,
        CreateVoteRequest {
            title: "Adopter le compost ?".into(),
            subject: "action_adoption".into(),
            subject_id: Some(action.parse().unwrap()),
            closes_at: Utc::now() + Duration::milliseconds(1500),
            ..question("consent", "partners")
        },
    )
    .await;
    cast(&f.representative_q.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;

    let alliance = agir_domain::ids::AllianceId(f.alliance);
    let id = agir_domain::ids::VoteId(vote.parse().unwrap());
    // Each process settles on a connection of its own pool, as its scheduler does.
    let settle = async |state: &agir_http::AppState| -> agir_app::Result<()> {
        let mut conn = agir_persistence::pool::get(&state.pool).await?;
        agir_app::votes::settle(&mut conn, alliance, id).await
    };
    let (a, b) = futures_util::future::join(settle(&app.state), settle(&other)).await;
    assert!(a.is_ok() && b.is_ok());
    // Nobody asked; it is closed, adopted, once.
    cast(&f.representative_p.client, &f, &vote, ballot("against"))
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
        CreateVoteRequest {
            opens_at: Some(Utc::now() + Duration::milliseconds(700)),
            ..question("consent", "partners")
        },
    )
    .await;
    // Closes by itself: the first ballot after its time closes it, and is refused.
    let closing = open_vote(
        &f,
        CreateVoteRequest {
            closes_at: Utc::now() + Duration::milliseconds(700),
            ..question("consent", "partners")
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;

    let first = cast(&f.representative_p.client, &f, &scheduled, ballot("for")).await;
    assert_eq!(first.status(), StatusCode::CREATED, "{}", first.text());
    assert_eq!(status(scheduled.clone()).await, "open");
    cast(&f.representative_p.client, &f, &closing, ballot("for"))
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

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

async fn sql_count(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

async fn sql_texts(conn: &mut diesel_async::AsyncPgConnection, sql: &str) -> Vec<String> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(sql)
        .load::<Text>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.t)
        .collect()
}

/// The story: a `members` vote with `secret: true` and `results: live`, where
/// each ballot showed up in the live counts beside a longer list of participants.
#[actix_web::test]
async fn a_secret_vote_with_live_results_is_refused_on_create_and_on_update() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let votes = format!("/api/v1/alliances/{}/votes", f.alliance);
    let refused = f
        .coordinator
        .client
        .post(&votes)
        .json(&CreateVoteRequest {
            secret: true,
            results: Some("live".into()),
            ..question("consent", "members")
        })
        .send()
        .await;
    let problem = refused.assert_problem(422, "validation_failed");
    assert_eq!(problem.errors.len(), 1, "{problem:?}");
    assert_eq!(problem.errors[0].field, "results");
    // Nothing was created, so nobody can vote in it and watch the counts move.
    let list: Value = f.member_p.client.get(&votes).send().await.json();
    assert_eq!(list["items"], json!([]));

    // The same vote with results after the close: Hugo (member of P) votes, and what
    // anyone reads is that he took part, never the counts before the close.
    let vote = open_vote(
        &f,
        CreateVoteRequest {
            secret: true,
            results: Some("after_close".into()),
            ..question("consent", "members")
        },
    )
    .await;
    cast(&f.member_p.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
    for client in [&f.observer_p.client, &f.representative_q.client] {
        results(client, &f, &vote)
            .await
            .assert_problem(409, "results_not_available");
    }

    // On update, the settings are judged as they will stand together.
    let scheduled = open_vote(
        &f,
        CreateVoteRequest {
            opens_at: Some(Utc::now() + Duration::days(1)),
            ..question("consent", "members")
        },
    )
    .await;
    let path = format!("{votes}/{scheduled}");
    let patch = |body: UpdateVoteRequest| {
        let client = &f.coordinator.client;
        let path = path.clone();
        async move { client.patch(&path).json(&body).send().await }
    };
    let problem = patch(UpdateVoteRequest {
        secret: Some(true),
        ..UpdateVoteRequest::default()
    })
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "results");
    let read: Value = f.coordinator.client.get(&path).send().await.json();
    assert_eq!(read["secret"], false, "nothing changed");
    let made_secret = patch(UpdateVoteRequest {
        secret: Some(true),
        results: Some("after_close".into()),
        ..UpdateVoteRequest::default()
    })
    .await;
    assert_eq!(
        made_secret.status(),
        StatusCode::OK,
        "{}",
        made_secret.text()
    );
    let problem = patch(UpdateVoteRequest {
        results: Some("live".into()),
        ..UpdateVoteRequest::default()
    })
    .await
    .assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "results");
    let read: Value = f.coordinator.client.get(&path).send().await.json();
    assert_eq!(
        (read["secret"].clone(), read["results"].clone()),
        (json!(true), json!("after_close"))
    );
}

#[actix_web::test]
async fn a_secret_by_college_result_shows_counts_only_for_colleges_of_three_ballots() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    // Students: P and three more associations; higher education: Q and a university;
    // the city: the coordinator's partner.
    let mut students = Vec::new();
    for i in 0..3 {
        let partner = app
            .partner(f.alliance, &format!("Asso {i}"), "student_association")
            .await;
        students.push(
            app.person(
                &format!("asso{i}@example.org"),
                f.alliance,
                partner,
                "representative",
            )
            .await,
        );
    }
    let university = app.partner(f.alliance, "Université", "university").await;
    let university = app
        .person("univ@example.org", f.alliance, university, "representative")
        .await;
    let vote = open_vote(
        &f,
        CreateVoteRequest {
            secret: true,
            by_college: true,
            threshold: Some("simple".into()),
            ..question("consent", "partners")
        },
    )
    .await;
    let ballots = [
        (&f.coordinator.client, "for"),
        (&f.representative_q.client, "for"),
        (&university.client, "abstain"),
        (&f.representative_p.client, "against"),
        (&students[0].client, "for"),
        (&students[1].client, "for"),
        (&students[2].client, "for"),
    ];
    for (client, choice) in ballots {
        let cast = cast(client, &f, &vote, ballot(choice)).await;
        assert_eq!(cast.status(), StatusCode::CREATED, "{}", cast.text());
    }
    close(&f, &vote).await;
    let fin: Value = results(&f.member_p.client, &f, &vote).await.json();
    assert_eq!(fin["outcome"], "adopted");
    assert_eq!(
        fin["consent"],
        json!({"for": 5, "against": 1, "abstain": 1})
    );
    // 4 student ballots: counts. The city (1) and higher education (2): only whether
    // the threshold held (together they hold 3 ballots, so subtracting the students'
    // counts from the overall ones singles out nobody).
    assert_eq!(
        fin["colleges"],
        json!({
            "students": {"for": 3, "against": 1, "abstain": 0, "threshold_met": true},
            "city": {"for": null, "against": null, "abstain": null, "threshold_met": true},
            "higher_education": {"for": null, "against": null, "abstain": null, "threshold_met": true},
        })
    );
}

/// After the close, no table holds a row that pairs a voter (or the person who cast for
/// them) with a choice; who took part and the choices are still there, apart.
#[actix_web::test]
async fn a_closed_secret_vote_keeps_who_took_part_and_the_choices_but_not_the_pairs() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let options = ["Zebra-Kiwi-7Q", "Yak-Mango-3R", "Xerus-Lime-5T"];
    let member_q = app
        .person("member.q@example.org", f.alliance, f.partner_q, "member")
        .await;
    let voters = [
        (&f.representative_p, options[0]),
        (&f.representative_q, options[1]),
        (&f.member_p, options[2]),
        (&member_q, options[0]),
    ];
    let vote = open_vote(
        &f,
        CreateVoteRequest {
            options: options.iter().map(|o| (*o).to_owned()).collect(),
            secret: true,
            ..question("single_choice", "members")
        },
    )
    .await;
    let ballot_path = format!("/api/v1/alliances/{}/votes/{vote}/ballots", f.alliance);
    let send = |client: &agir_tests::Client, key: String, choice: &str| {
        client
            .post(&ballot_path)
            .header("Idempotency-Key", &key)
            .json(&ballot(choice))
            .send()
    };
    for (who, choice) in voters {
        let first = send(&who.client, format!("ballot-{}", who.user), choice).await;
        assert_eq!(first.status(), StatusCode::CREATED, "{}", first.text());
        let again = send(&who.client, format!("ballot-{}", who.user), choice).await;
        assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    }
    // A changed mind replaces the member's ballot.
    let replaced = send(&f.member_p.client, "ballot-again".into(), options[0]).await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let mut conn = app.db.connect().await;
    let users: Vec<String> = voters
        .iter()
        .map(|(p, _)| format!("'{}'", p.user))
        .collect();
    let users = users.join(",");
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM idempotency_keys WHERE scope IN ({users})")
        )
        .await,
        5,
        "the replays are kept while the vote is open"
    );

    let closed = close(&f, &vote).await;
    assert_eq!(closed["outcome"], "winner");

    // No ballot row is left; who took part and the choices are kept apart.
    let vote_filter = format!("vote_id = '{vote}'");
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM ballots WHERE {vote_filter}")
        )
        .await,
        0
    );
    let mut participants = sql_texts(
        &mut conn,
        &format!("SELECT voter_id::text AS t FROM vote_participants WHERE {vote_filter}"),
    )
    .await;
    participants.sort();
    let mut expected: Vec<String> = voters.iter().map(|(p, _)| p.user.to_string()).collect();
    expected.sort();
    assert_eq!(participants, expected);
    let mut choices = sql_texts(
        &mut conn,
        &format!("SELECT choice->>'choice' AS t FROM vote_secret_choices WHERE {vote_filter}"),
    )
    .await;
    choices.sort();
    assert_eq!(
        choices,
        [
            "Yak-Mango-3R",
            "Zebra-Kiwi-7Q",
            "Zebra-Kiwi-7Q",
            "Zebra-Kiwi-7Q"
        ]
    );
    // The stored answers to the ballot requests are gone (their request hash covers
    // the body, whose few possible values give the choice back).
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM idempotency_keys WHERE scope IN ({users})")
        )
        .await,
        0
    );
    // Every row of every table, read as text: none holds a voter's id (or mandate's)
    // beside a choice. A row naming every option is the vote's definition, not a choice.
    let tables = sql_texts(
        &mut conn,
        "SELECT table_name::text AS t FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .await;
    assert!(
        tables.iter().any(|t| t == "vote_secret_choices"),
        "{tables:?}"
    );
    let ids: Vec<String> = voters
        .iter()
        .flat_map(|(p, _)| [p.user.to_string(), p.mandate.to_string()])
        .collect();
    let ids = ids.join("|");
    let choices = options.join("|");
    for table in &tables {
        let paired = sql_count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM \"{table}\" x WHERE x::text ~ '{ids}' AND x::text ~ '{choices}' \
                 AND NOT (x::text ~ '{}' AND x::text ~ '{}' AND x::text ~ '{}')",
                options[0], options[1], options[2]
            ),
        )
        .await;
        assert_eq!(paired, 0, "a row of {table} pairs a voter with a choice");
    }

    // Through the API: the participants, the final counts, an intact journal.
    let read: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/votes/{vote}", f.alliance))
        .send()
        .await
        .json();
    let mut listed: Vec<String> = read["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["voter_id"].as_str().unwrap().to_owned())
        .collect();
    listed.sort();
    assert_eq!(listed, expected);
    let fin: Value = results(&f.observer_p.client, &f, &vote).await.json();
    assert_eq!(fin["turnout"], 4);
    assert!(fin["ballots"].is_null());
    let counts: Vec<(String, i64)> = fin["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["option"].as_str().unwrap().to_owned(),
                o["count"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("Zebra-Kiwi-7Q".to_owned(), 3),
            ("Yak-Mango-3R".to_owned(), 1),
            ("Xerus-Lime-5T".to_owned(), 0)
        ]
    );
    let verify: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/journal/verify", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(verify["intact"], true);

    // A retry after the close runs anew (409), and is not kept either.
    let late = send(
        &member_q.client,
        format!("ballot-{}", member_q.user),
        options[0],
    )
    .await;
    late.assert_problem(409, "vote_closed");
    assert_eq!(late.header("idempotent-replayed"), None);
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM idempotency_keys WHERE scope IN ({users})")
        )
        .await,
        0
    );
}

#[actix_web::test]
async fn a_stored_ballot_that_does_not_read_fails_the_close_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let vote = open_vote(&f, question("consent", "members")).await;
    cast(&f.member_p.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
    cast(&f.representative_q.client, &f, &vote, ballot("against"))
        .await
        .assert_status(StatusCode::CREATED);
    // A ballot the tally cannot read, written behind the API's back.
    let mut conn = app.db.connect().await;
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "UPDATE ballots SET choice = '{{\"choice\": \"peut-être\"}}' \
             WHERE vote_id = '{vote}' AND voter_id = '{}'",
            f.representative_q.user
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let failed = f
        .coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/votes/{vote}/close",
            f.alliance
        ))
        .send()
        .await;
    failed.assert_problem(500, "internal_error");
    // Neither a partial result nor a close: the vote is open, its result unset.
    let read: Value = f
        .coordinator
        .client
        .get(&format!("/api/v1/alliances/{}/votes/{vote}", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(read["status"], "open");
    assert_eq!(read["outcome"], Value::Null);
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM votes WHERE id = '{vote}' AND result IS NULL AND closed_at IS NULL")
        )
        .await,
        1
    );
    assert_eq!(
        sql_count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM journal_entries WHERE verb = 'vote.closed' AND subject_id = '{vote}'")
        )
        .await,
        0
    );
    // The live count does not leave it out either.
    results(&f.member_p.client, &f, &vote)
        .await
        .assert_problem(500, "internal_error");
}

#[actix_web::test]
async fn the_vote_list_settles_its_own_alliances_due_votes_only() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let other = app.alliance_fixture(2).await;
    let mut conn = app.db.connect().await;
    // 500 votes of another alliance whose time to close has passed.
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "INSERT INTO votes (id, alliance_id, title, subject, method, electorate, quorum_percent, \
             threshold, opens_at, closes_at) \
             SELECT gen_random_uuid(), '{}', 'Ancien vote ' || i, 'question', 'consent', 'partners', 0, \
             'simple', now() - interval '3 days', now() - interval '2 days' \
             FROM generate_series(1, 500) AS i",
            other.alliance
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // One of this alliance, due to close too (its clock moved back behind the API's back).
    let vote = open_vote(&f, question("consent", "partners")).await;
    cast(&f.representative_p.client, &f, &vote, ballot("for"))
        .await
        .assert_status(StatusCode::CREATED);
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "UPDATE votes SET opens_at = now() - interval '1 day', closes_at = now() - interval '1 minute' \
             WHERE id = '{vote}'"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let list: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/votes", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(list["items"][0]["id"], vote.as_str());
    assert_eq!(list["items"][0]["status"], "closed", "{list}");
    assert_eq!(list["items"][0]["outcome"], "adopted");
    // The other alliance's votes are its own list's (or the background task's) business.
    assert_eq!(
        sql_count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM votes WHERE alliance_id = '{}' AND status = 'scheduled'",
                other.alliance
            )
        )
        .await,
        500
    );
}
