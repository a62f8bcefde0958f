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
