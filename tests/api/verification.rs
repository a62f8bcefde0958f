//! The "verified" promise (SPEC §2, issue 11): a measurement is confirmed or disputed by
//! another partner and another person. The reviewer is not the user who recorded it and
//! holds no current mandate for the recording partner.

use actix_web::http::StatusCode;
use agir_http::routes::actions::CreateActionRequest;
use agir_http::routes::plans::CreatePlanRequest;
use agir_http::routes::results::{CreateIndicatorRequest, CreateMeasurementRequest, ReviewRequest};
use agir_tests::fixture::days_from_today;
use agir_tests::{AllianceFixture, Client, TestApp, TestResponse};
use serde_json::Value;

fn id(response: &TestResponse) -> String {
    assert!(response.status().is_success(), "{}", response.text());
    response.json::<Value>()["id"].as_str().unwrap().to_owned()
}

/// An action proposed by P in a new plan, with one indicator; returns the indicator id.
async fn indicator_of_p(f: &AllianceFixture) -> String {
    let alliance = f.alliance;
    let plan = id(&f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{alliance}/plans"))
        .json(&CreatePlanRequest {
            academic_year: "2025-2026".into(),
            ..CreatePlanRequest::default()
        })
        .send()
        .await);
    let action = id(&f
        .representative_p
        .client
        .post(&format!(
            "/api/v1/alliances/{alliance}/plans/{plan}/actions"
        ))
        .json(&CreateActionRequest {
            title: "Disco soupe".into(),
            theme: "waste".into(),
            sdgs: vec![12],
            ..CreateActionRequest::default()
        })
        .send()
        .await);
    id(&f
        .representative_p
        .client
        .post(&format!(
            "/api/v1/alliances/{alliance}/actions/{action}/indicators"
        ))
        .json(&CreateIndicatorRequest {
            catalogue: Some("food_collected_kg".into()),
            target: Some(100.0),
            ..CreateIndicatorRequest::default()
        })
        .send()
        .await)
}

/// A measurement recorded for P by `client`, with evidence.
async fn measure_for_p(client: &Client, f: &AllianceFixture, indicator: &str) -> String {
    id(&client
        .post(&format!(
            "/api/v1/alliances/{}/indicators/{indicator}/measurements",
            f.alliance
        ))
        .json(&CreateMeasurementRequest {
            value: 60.0,
            note: Some("Pesée en fin de collecte".into()),
            partner_id: Some(f.partner_p),
            ..CreateMeasurementRequest::default()
        })
        .send()
        .await)
}

async fn confirm(
    client: &Client,
    f: &AllianceFixture,
    measurement: &str,
    as_partner: uuid::Uuid,
) -> TestResponse {
    client
        .post(&format!(
            "/api/v1/alliances/{}/measurements/{measurement}/review",
            f.alliance
        ))
        .json(&ReviewRequest {
            verdict: "confirm".into(),
            partner_id: Some(as_partner),
            ..ReviewRequest::default()
        })
        .send()
        .await
}

async fn review_status(f: &AllianceFixture, indicator: &str) -> Vec<Value> {
    let page: Value = f
        .observer_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/indicators/{indicator}/measurements",
            f.alliance
        ))
        .send()
        .await
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["review"].clone())
        .collect()
}

#[actix_web::test]
async fn one_person_with_two_hats_cannot_verify_a_measurement() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let indicator = indicator_of_p(&f).await;

    // The coordinator (city partner) records for P, then confirms as the city partner:
    // another partner, but the same person.
    let own = measure_for_p(&f.coordinator.client, &f, &indicator).await;
    let refused = confirm(&f.coordinator.client, &f, &own, f.city_partner).await;
    let problem = refused.assert_problem(403, "forbidden");
    assert!(problem.detail.contains("recorded"), "{}", problem.detail);

    // P's member records; the coordinator who also speaks for P cannot confirm as the city.
    let by_member = measure_for_p(&f.member_p.client, &f, &indicator).await;
    app.mandate(
        f.alliance,
        f.coordinator.user,
        f.partner_p,
        "representative",
        days_from_today(-1),
        None,
    )
    .await;
    confirm(&f.coordinator.client, &f, &by_member, f.city_partner)
        .await
        .assert_problem(403, "forbidden");

    // A representative of Q who also holds an observer mandate for P is not another person
    // for P's figures, though they did not record them.
    let both = app
        .person(
            "deux.casquettes@example.org",
            f.alliance,
            f.partner_q,
            "representative",
        )
        .await;
    app.mandate(
        f.alliance,
        both.user,
        f.partner_p,
        "observer",
        days_from_today(-1),
        None,
    )
    .await;
    confirm(&both.client, &f, &by_member, f.partner_q)
        .await
        .assert_problem(403, "forbidden");

    // Nothing was reviewed by the refused calls.
    assert!(
        review_status(&f, &indicator)
            .await
            .iter()
            .all(Value::is_null),
        "{:?}",
        review_status(&f, &indicator).await
    );

    // Q's representative, who has nothing to do with P, confirms.
    let confirmed = confirm(&f.representative_q.client, &f, &by_member, f.partner_q).await;
    assert_eq!(confirmed.status(), StatusCode::OK, "{}", confirmed.text());
    assert_eq!(confirmed.json::<Value>()["review"]["status"], "confirmed");
}

/// How a fixture measurement is reviewed by Q, in order (the latest review counts).
#[derive(Debug, Clone, Copy)]
enum Reviews {
    None,
    Confirm,
    Dispute,
    ConfirmThenDispute,
    DisputeThenConfirm,
}

/// A fixture measurement: its evidence (a link, a note) and its reviews.
#[derive(Debug, Clone, Copy)]
struct Fixture {
    url: bool,
    note: bool,
    reviews: Reviews,
}

const fn m(url: bool, note: bool, reviews: Reviews) -> Fixture {
    Fixture { url, note, reviews }
}

#[derive(diesel::QueryableByName)]
struct StoredMeasurement {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    review_status: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    evidence_url: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    note: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    sql_verifies: bool,
}

#[derive(diesel::QueryableByName)]
struct StoredIndicator {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    sql_verified: bool,
}

#[derive(diesel::QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    verified: bool,
}

#[derive(diesel::QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    n: i64,
}

/// The "verified" rule is defined once in Rust (`agir_domain::plan`) and kept in SQL for
/// the triggers and searches (`measurement_verifies`, `action_verified`, migration
/// 000018). On the same fixtures, written through the API, both forms agree: for each
/// measurement, each indicator, each action, and the plan's verified count kept by the
/// trigger.
#[actix_web::test]
async fn the_rust_and_sql_forms_of_the_verified_rule_agree() {
    use Reviews::*;
    use agir_domain::plan::{self, MeasurementCheck, ReviewStatus};
    use diesel::sql_types::Uuid as SqlUuid;
    use diesel_async::RunQueryDsl;

    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let alliance = f.alliance;
    // Each action: its indicators, each with its measurements; and whether it is verified.
    let fixtures: Vec<(Vec<Vec<Fixture>>, bool)> = vec![
        (vec![], false),
        (vec![vec![]], false),
        (vec![vec![m(false, true, Confirm)]], true),
        (
            vec![vec![m(true, false, Confirm)], vec![m(false, true, None)]],
            false,
        ),
        (vec![vec![m(false, false, Confirm)]], false),
        (vec![vec![m(false, true, Dispute)]], false),
        (vec![vec![m(true, false, ConfirmThenDispute)]], false),
        (
            vec![
                vec![m(false, true, DisputeThenConfirm)],
                vec![m(false, false, Confirm), m(true, true, Confirm)],
            ],
            true,
        ),
        (
            vec![
                vec![m(false, true, Confirm), m(false, true, Dispute)],
                vec![m(true, false, Confirm)],
            ],
            true,
        ),
    ];

    let plan = id(&f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{alliance}/plans"))
        .json(&CreatePlanRequest {
            academic_year: "2025-2026".into(),
            ..CreatePlanRequest::default()
        })
        .send()
        .await);
    let p = &f.representative_p.client;
    let q = &f.representative_q.client;
    let mut actions = Vec::new();
    for (n, (indicators, expected)) in fixtures.iter().enumerate() {
        let action = id(&p
            .post(&format!(
                "/api/v1/alliances/{alliance}/plans/{plan}/actions"
            ))
            .json(&CreateActionRequest {
                title: format!("Action {n}"),
                theme: "waste".into(),
                sdgs: vec![12],
                ..CreateActionRequest::default()
            })
            .send()
            .await);
        for measurements in indicators {
            let indicator = id(&p
                .post(&format!(
                    "/api/v1/alliances/{alliance}/actions/{action}/indicators"
                ))
                .json(&CreateIndicatorRequest {
                    catalogue: Some("food_collected_kg".into()),
                    target: Some(100.0),
                    ..CreateIndicatorRequest::default()
                })
                .send()
                .await);
            for fixture in measurements {
                let body = CreateMeasurementRequest {
                    value: 10.0,
                    partner_id: Some(f.partner_p),
                    evidence_url: fixture.url.then(|| "https://www.sceaux.fr/bilan".into()),
                    note: fixture.note.then(|| "Pesée en fin de collecte".into()),
                    ..CreateMeasurementRequest::default()
                };
                let measurement = id(&p
                    .post(&format!(
                        "/api/v1/alliances/{alliance}/indicators/{indicator}/measurements"
                    ))
                    .json(&body)
                    .send()
                    .await);
                let verdicts: &[&str] = match fixture.reviews {
                    None => &[],
                    Confirm => &["confirm"],
                    Dispute => &["dispute"],
                    ConfirmThenDispute => &["confirm", "dispute"],
                    DisputeThenConfirm => &["dispute", "confirm"],
                };
                for verdict in verdicts {
                    let reviewed = q
                        .post(&format!(
                            "/api/v1/alliances/{alliance}/measurements/{measurement}/review"
                        ))
                        .json(&ReviewRequest {
                            verdict: (*verdict).into(),
                            reason: Some("La pesée n'inclut pas les invendus.".into()),
                            partner_id: Some(f.partner_q),
                        })
                        .send()
                        .await;
                    assert_eq!(reviewed.status(), StatusCode::OK, "{}", reviewed.text());
                }
            }
        }
        actions.push((action.parse::<uuid::Uuid>().unwrap(), *expected));
    }

    let mut conn = app.db.connect().await;
    let mut verified_actions = 0;
    for (n, (action, expected)) in actions.iter().enumerate() {
        let indicators: Vec<StoredIndicator> = diesel::sql_query(
            "SELECT id, verified_count > 0 AS sql_verified FROM indicators
             WHERE action_id = $1 ORDER BY created_at, id",
        )
        .bind::<SqlUuid, _>(action)
        .load(&mut conn)
        .await
        .unwrap();
        let mut checks = Vec::new();
        for indicator in &indicators {
            let stored: Vec<StoredMeasurement> = diesel::sql_query(
                "SELECT review_status, evidence_url, note,
                        measurement_verifies(review_status, evidence_url, note) AS sql_verifies
                 FROM measurements WHERE indicator_id = $1",
            )
            .bind::<SqlUuid, _>(indicator.id)
            .load(&mut conn)
            .await
            .unwrap();
            let measurements: Vec<MeasurementCheck> = stored
                .iter()
                .map(|s| {
                    let review = s
                        .review_status
                        .as_deref()
                        .map(|r| ReviewStatus::parse("review_status", r).unwrap());
                    let check =
                        MeasurementCheck::of(review, s.evidence_url.as_deref(), s.note.as_deref());
                    assert_eq!(check.verifies(), s.sql_verifies, "action {n}: {check:?}");
                    check
                })
                .collect();
            assert_eq!(
                plan::indicator_verified(&measurements),
                indicator.sql_verified,
                "action {n}: indicator {measurements:?}"
            );
            checks.push(measurements);
        }
        let rust = plan::is_verified(&checks);
        let sql: Flag = diesel::sql_query("SELECT action_verified($1) AS verified")
            .bind::<SqlUuid, _>(action)
            .get_result(&mut conn)
            .await
            .unwrap();
        assert_eq!(rust, *expected, "action {n}: the Rust form");
        assert_eq!(sql.verified, *expected, "action {n}: the SQL form");
        // The API's answer (persistence::results::verification) is the SQL form's.
        let shown: Value = p
            .get(&format!("/api/v1/alliances/{alliance}/actions/{action}"))
            .send()
            .await
            .json();
        let word = if rust { "verified" } else { "unverified" };
        assert_eq!(shown["verification"], word, "action {n}");
        verified_actions += i64::from(rust);
    }
    // The plan totals the trigger keeps count the same actions.
    let counted: Total = diesel::sql_query(
        "SELECT coalesce(sum(verified), 0)::int8 AS n FROM plan_action_counts WHERE plan_id = $1",
    )
    .bind::<SqlUuid, _>(plan.parse::<uuid::Uuid>().unwrap())
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(counted.n, verified_actions);
    assert_eq!(verified_actions, 3);
}
