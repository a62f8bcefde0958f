use actix_web::http::StatusCode;
use agir_http::routes::charters::{CreateCharterRequest, SignCharterRequest};
use agir_http::routes::invitations::{AcceptInvitationRequest, CreateInvitationRequest};
use agir_http::routes::mandates::DesignateSuccessorRequest;
use agir_tests::app::PASSWORD;
use agir_tests::fixture::{days_from_today, today};
use agir_tests::{AllianceFixture, TestApp};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

/// An invited person's name and password.
fn newcomer(display_name: &str, password: &str) -> AcceptInvitationRequest {
    AcceptInvitationRequest {
        display_name: Some(display_name.into()),
        password: Some(password.into()),
    }
}

fn successor(email: &str) -> DesignateSuccessorRequest {
    DesignateSuccessorRequest {
        email: email.into(),
        ..DesignateSuccessorRequest::default()
    }
}

fn charter(text: &str) -> CreateCharterRequest {
    CreateCharterRequest {
        text: text.into(),
        make_current: true,
    }
}

async fn invite(f: &AllianceFixture, email: &str, role: &str) -> Value {
    let response = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/invitations", f.alliance))
        .json(&CreateInvitationRequest {
            email: email.into(),
            partner_id: f.partner_p,
            role: role.into(),
            ..CreateInvitationRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text()
    );
    response.json()
}

async fn accept(
    app: &TestApp,
    token: &str,
    body: AcceptInvitationRequest,
) -> agir_tests::TestResponse {
    app.anonymous()
        .post(&format!("/api/v1/invitations/{token}/accept"))
        .json(&body)
        .send()
        .await
}

#[actix_web::test]
async fn an_invitation_creates_the_account_and_the_mandate_once() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let invitation = invite(&f, "New.Student@Example.org", "member").await;
    assert_eq!(invitation["status"], "pending");
    assert_eq!(invitation["email"], "new.student@example.org");
    let token = invitation["token"].as_str().unwrap();
    assert_eq!(
        invitation["accept_path"],
        format!("/api/v1/invitations/{token}/accept")
    );

    let missing = accept(&app, token, AcceptInvitationRequest::default()).await;
    missing.assert_problem(422, "validation_failed");
    let accepted = accept(&app, token, newcomer("Inès", "a long enough password")).await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
    let accepted: Value = accepted.json();
    assert_eq!(accepted["mandate"]["role"], "member");
    assert_eq!(accepted["mandate"]["partner_id"], json!(f.partner_p));
    assert_eq!(accepted["user"]["email"], "new.student@example.org");
    let access = accepted["tokens"]["access_token"].as_str().unwrap();
    let members = app
        .with_token(access)
        .get(&format!("/api/v1/alliances/{}/mandates", f.alliance))
        .send()
        .await;
    assert_eq!(members.status(), StatusCode::OK);

    // Single use.
    accept(&app, token, newcomer("Again", "a long enough password"))
        .await
        .assert_problem(409, "invitation_used");
    accept(
        &app,
        "no-such-token",
        newcomer("X", "a long enough password"),
    )
    .await
    .assert_problem(404, "not_found");
    let listed: Value = f
        .coordinator
        .client
        .get(&format!("/api/v1/alliances/{}/invitations", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(listed["items"][0]["status"], "accepted");
    assert!(
        listed["items"][0].get("token").is_none(),
        "a token was listed"
    );
}

#[actix_web::test]
async fn expired_and_revoked_invitations_are_refused() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let expired = invite(&f, "late@example.org", "member").await;
    let mut conn = app.db.connect().await;
    diesel::sql_query(format!(
        "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = '{}'",
        expired["id"].as_str().unwrap()
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    accept(
        &app,
        expired["token"].as_str().unwrap(),
        newcomer("L", "a long enough password"),
    )
    .await
    .assert_problem(409, "invitation_expired");

    let revoked = invite(&f, "revoked@example.org", "member").await;
    let path = format!(
        "/api/v1/alliances/{}/invitations/{}",
        f.alliance,
        revoked["id"].as_str().unwrap()
    );
    f.member_p
        .client
        .delete(&path)
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        f.coordinator.client.delete(&path).send().await.status(),
        StatusCode::NO_CONTENT
    );
    accept(
        &app,
        revoked["token"].as_str().unwrap(),
        newcomer("R", "a long enough password"),
    )
    .await
    .assert_problem(409, "invitation_revoked");

    let default_expiry = invite(&f, "soon@example.org", "member").await;
    let expires: chrono::DateTime<chrono::Utc> = default_expiry["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!(
        (14 * 24 - 1..=14 * 24).contains(&days),
        "expires in {days} h"
    );
}

#[actix_web::test]
async fn an_existing_account_accepts_with_its_token() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let (_, ada) = app.user("ada@example.org").await;
    let (_, other) = app.user("other@example.org").await;
    let invitation = invite(&f, "ada@example.org", "observer").await;
    let token = invitation["token"].as_str().unwrap();
    // Without a token, the existing account is not taken over.
    accept(&app, token, newcomer("Ada", "a long enough password"))
        .await
        .assert_problem(409, "account_exists");
    other
        .post(&format!("/api/v1/invitations/{token}/accept"))
        .json(&AcceptInvitationRequest::default())
        .send()
        .await
        .assert_problem(403, "forbidden");
    let accepted = ada
        .post(&format!("/api/v1/invitations/{token}/accept"))
        .json(&AcceptInvitationRequest::default())
        .send()
        .await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
    let accepted: Value = accepted.json();
    assert!(accepted["tokens"].is_null());
    assert_eq!(accepted["mandate"]["role"], "observer");
    let me: Value = ada.get("/api/v1/me").send().await.json();
    assert_eq!(me["mandates"].as_array().unwrap().len(), 1);
}

async fn succession(f: &AllianceFixture, query: &str) -> Value {
    let response = f
        .observer_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/succession?{query}",
            f.alliance
        ))
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    response.json()
}

fn status_of(report: &Value, partner: uuid::Uuid) -> String {
    report["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner_id"] == json!(partner))
        .map(|p| p["status"].as_str().unwrap().to_owned())
        .unwrap()
}

#[actix_web::test]
async fn succession_statuses_on_fixed_dates() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    // The fixture's mandates end 300 days from today.
    let report = succession(&f, "within_days=90").await;
    assert_eq!(status_of(&report, f.partner_p), "ok");
    assert_eq!(status_of(&report, f.city_partner), "ok");
    // Seen 250 days from now, they leave within 90 days.
    let later = days_from_today(250);
    let report = succession(&f, &format!("within_days=90&on={later}")).await;
    assert_eq!(report["on"], json!(later));
    assert_eq!(status_of(&report, f.partner_p), "at_risk");
    assert_eq!(status_of(&report, f.partner_q), "at_risk");
    // Seen after they left: nobody speaks for the partners.
    let report = succession(&f, &format!("on={}", days_from_today(301))).await;
    assert_eq!(status_of(&report, f.partner_p), "vacant");
    // A partner nobody represents is vacant today.
    let empty = app.partner(f.alliance, "Commerçants", "business").await;
    assert_eq!(status_of(&succession(&f, "").await, empty), "vacant");
    let bad = f
        .observer_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/succession?within_days=400",
            f.alliance
        ))
        .send()
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed").errors[0].field,
        "within_days"
    );
}

#[actix_web::test]
async fn a_designated_successor_takes_over_the_day_after() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let mandate_path = format!(
        "/api/v1/alliances/{}/mandates/{}",
        f.alliance, f.representative_p.mandate
    );
    let ends_on = days_from_today(300);
    let later = days_from_today(250);
    assert_eq!(
        status_of(&succession(&f, &format!("on={later}")).await, f.partner_p),
        "at_risk"
    );

    // A representative of another partner may not designate P's successor; P's may.
    let body = DesignateSuccessorRequest {
        handover_notes: Some("Passation en juin : clés, comptes, contacts.".into()),
        ..successor("next.president@example.org")
    };
    f.representative_q
        .client
        .post(&format!("{mandate_path}/successor"))
        .json(&body)
        .send()
        .await
        .assert_problem(403, "forbidden");
    f.member_p
        .client
        .post(&format!("{mandate_path}/successor"))
        .json(&body)
        .send()
        .await
        .assert_problem(403, "forbidden");
    let designated = f
        .representative_p
        .client
        .post(&format!("{mandate_path}/successor"))
        .json(&body)
        .send()
        .await;
    assert_eq!(
        designated.status(),
        StatusCode::CREATED,
        "{}",
        designated.text()
    );
    let invitation: Value = designated.json();
    let starts_on = ends_on.succ_opt().unwrap();
    assert_eq!(invitation["starts_on"], json!(starts_on));
    assert_eq!(invitation["role"], "representative");
    assert_eq!(
        invitation["successor_of"],
        json!(f.representative_p.mandate)
    );

    let report = succession(&f, &format!("on={later}")).await;
    assert_eq!(status_of(&report, f.partner_p), "ok");
    let rep = report["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner_id"] == json!(f.partner_p))
        .unwrap()["representatives"][0]
        .clone();
    assert_eq!(rep["successor"]["state"], "invited");

    let accepted = accept(
        &app,
        invitation["token"].as_str().unwrap(),
        newcomer("Next President", PASSWORD),
    )
    .await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
    let accepted: Value = accepted.json();
    assert_eq!(accepted["mandate"]["starts_on"], json!(starts_on));
    assert_eq!(
        accepted["mandate"]["successor_of"],
        json!(f.representative_p.mandate)
    );
    assert_eq!(accepted["mandate"]["current"], false);

    // The successor reads the predecessor's notes before their own mandate starts;
    // another member does not see them.
    let successor = app.with_token(accepted["tokens"]["access_token"].as_str().unwrap());
    let predecessor: Value = successor.get(&mandate_path).send().await.json();
    assert_eq!(
        predecessor["handover_notes"],
        "Passation en juin : clés, comptes, contacts."
    );
    let seen_by_member: Value = f.member_p.client.get(&mandate_path).send().await.json();
    assert!(seen_by_member["handover_notes"].is_null());
    // ... but not the rest of the alliance yet: no current mandate.
    successor
        .get(&format!("/api/v1/alliances/{}/mandates", f.alliance))
        .send()
        .await
        .assert_problem(403, "forbidden");

    let report = succession(&f, &format!("on={later}")).await;
    let rep = report["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner_id"] == json!(f.partner_p))
        .unwrap()["representatives"][0]
        .clone();
    assert_eq!(rep["successor"]["state"], "accepted");
    assert_eq!(rep["successor"]["display_name"], "Next President");
    // On the first day of the successor's mandate, they speak for the partner.
    let report = succession(&f, &format!("on={starts_on}")).await;
    assert_eq!(status_of(&report, f.partner_p), "ok");
}

#[actix_web::test]
async fn a_successor_needs_an_end_date_to_follow() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let (user, _) = app.user("forever@example.org").await;
    let open_ended = app
        .mandate(
            f.alliance,
            user.0,
            f.partner_q,
            "representative",
            today(),
            None,
        )
        .await;
    let response = f
        .coordinator
        .client
        .post(&format!(
            "/api/v1/alliances/{}/mandates/{open_ended}/successor",
            f.alliance
        ))
        .json(&successor("next@example.org"))
        .send()
        .await;
    response.assert_problem(409, "mandate_has_no_end");
}

#[actix_web::test]
async fn partners_sign_the_current_charter_version() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let base = format!("/api/v1/alliances/{}/charters", f.alliance);
    let v1 = f
        .coordinator
        .client
        .post(&base)
        .json(&charter("Coopération, confiance, écoute."))
        .send()
        .await;
    assert_eq!(v1.status(), StatusCode::CREATED, "{}", v1.text());
    assert_eq!(v1.json::<Value>()["version"], 1);

    f.member_p
        .client
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest::default())
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.admin()
        .await
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest {
            partner_id: Some(f.partner_p),
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    f.representative_q
        .client
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest {
            partner_id: Some(f.partner_p),
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    let signed = f
        .representative_p
        .client
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest::default())
        .send()
        .await;
    assert_eq!(signed.status(), StatusCode::CREATED, "{}", signed.text());
    assert_eq!(signed.json::<Value>()["partner_id"], json!(f.partner_p));
    f.representative_p
        .client
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest::default())
        .send()
        .await
        .assert_problem(409, "already_signed");

    let public: Value = app.anonymous().get(&base).send().await.json();
    assert_eq!(public["current_version"], 1);
    assert_eq!(
        public["items"][0]["signatures"][0]["partner_name"],
        "Ecolo'phi 1"
    );

    // A new version needs new signatures.
    let v2 = f
        .coordinator
        .client
        .post(&base)
        .json(&charter("Coopération, confiance, écoute, ouverture."))
        .created()
        .await;
    assert_eq!(v2.json::<Value>()["version"], 2);
    let public: Value = app.anonymous().get(&base).send().await.json();
    assert_eq!(public["current_version"], 2);
    assert_eq!(
        public["items"][0]["signatures"].as_array().unwrap().len(),
        0
    );
    assert_eq!(public["items"][1]["status"], "superseded");
    f.representative_q
        .client
        .post(&format!("{base}/1/signatures"))
        .json(&SignCharterRequest::default())
        .send()
        .await
        .assert_problem(409, "charter_not_current");
    f.representative_p
        .client
        .post(&format!("{base}/9/signatures"))
        .json(&SignCharterRequest::default())
        .send()
        .await
        .assert_problem(404, "not_found");
}

fn successor_path(f: &AllianceFixture, mandate: impl std::fmt::Display) -> String {
    format!(
        "/api/v1/alliances/{}/mandates/{mandate}/successor",
        f.alliance
    )
}

/// The 31 August closing the academic year (1 September to 31 August) of `day`.
fn end_of_academic_year(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    let year = if day.month() >= 9 {
        day.year() + 1
    } else {
        day.year()
    };
    chrono::NaiveDate::from_ymd_opt(year, 8, 31).unwrap()
}

async fn journal_verbs(f: &AllianceFixture) -> Vec<(String, Value)> {
    let page: Value = f
        .coordinator
        .client
        .get(&format!(
            "/api/v1/alliances/{}/journal?limit=200",
            f.alliance
        ))
        .send()
        .await
        .json();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["verb"].as_str().unwrap().to_owned(),
                e["subject_id"].clone(),
            )
        })
        .collect()
}

/// The self-succession story of issue 11: Léa, representative of P, names herself as
/// her successor and accepts with her own token. Both steps are refused now.
#[actix_web::test]
async fn lea_can_neither_designate_herself_nor_accept_her_own_succession() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let lea = &f.representative_p;
    let path = successor_path(&f, lea.mandate);
    // Her own address, in other letters: still her.
    let refused = lea
        .client
        .post(&path)
        .json(&successor("Rep.P1@Example.org"))
        .send()
        .await;
    let problem = refused.assert_problem(422, "validation_failed");
    assert_eq!(problem.errors[0].field, "email");
    assert_eq!(problem.errors[0].code, "own_successor");
    // The coordinator cannot name her either.
    f.coordinator
        .client
        .post(&path)
        .json(&successor("rep.p1@example.org"))
        .send()
        .await
        .assert_problem(422, "validation_failed");

    // The accept path keeps the rule: an invitation that reaches her address anyway
    // (here written to the table, as one sent before she took that address would)
    // cannot be accepted by the holder of the mandate it takes over.
    let designated = lea
        .client
        .post(&path)
        .json(&successor("next.president@example.org"))
        .send()
        .await;
    assert_eq!(
        designated.status(),
        StatusCode::CREATED,
        "{}",
        designated.text()
    );
    let invitation: Value = designated.json();
    let mut conn = app.db.connect().await;
    diesel::sql_query(format!(
        "UPDATE invitations SET email = 'rep.p1@example.org' WHERE id = '{}'",
        invitation["id"].as_str().unwrap()
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    lea.client
        .post(&format!(
            "/api/v1/invitations/{}/accept",
            invitation["token"].as_str().unwrap()
        ))
        .json(&AcceptInvitationRequest::default())
        .send()
        .await
        .assert_problem(409, "own_successor");
    let mine: Value = lea
        .client
        .get(&format!(
            "/api/v1/alliances/{}/mandates?user_id={}",
            f.alliance, lea.user
        ))
        .send()
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
}

#[actix_web::test]
async fn a_successor_is_designated_only_for_a_current_or_future_mandate() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let (former, _) = app.user("former@example.org").await;
    let ended = app
        .mandate(
            f.alliance,
            former.0,
            f.partner_p,
            "representative",
            days_from_today(-400),
            Some(days_from_today(-1)),
        )
        .await;
    f.coordinator
        .client
        .post(&successor_path(&f, ended))
        .json(&successor("back@example.org"))
        .send()
        .await
        .assert_problem(409, "mandate_ended");
    let future = app
        .mandate(
            f.alliance,
            former.0,
            f.partner_p,
            "member",
            days_from_today(10),
            Some(days_from_today(40)),
        )
        .await;
    let designated = f
        .coordinator
        .client
        .post(&successor_path(&f, future))
        .json(&successor("after@example.org"))
        .send()
        .await;
    assert_eq!(
        designated.status(),
        StatusCode::CREATED,
        "{}",
        designated.text()
    );
    assert_eq!(
        designated.json::<Value>()["starts_on"],
        json!(days_from_today(41))
    );
}

#[actix_web::test]
async fn a_successor_serves_until_the_end_of_the_academic_year_at_most() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let path = successor_path(&f, f.representative_p.mandate);
    // The fixture's mandates end 300 days from today.
    let starts_on = days_from_today(301);
    let closing = end_of_academic_year(starts_on);
    let designate = |body: DesignateSuccessorRequest| {
        let client = f.representative_p.client.clone();
        let path = path.clone();
        async move { client.post(&path).json(&body).send().await }
    };
    let default = designate(successor("next@example.org")).await;
    assert_eq!(default.status(), StatusCode::CREATED, "{}", default.text());
    let default: Value = default.json();
    assert_eq!(default["starts_on"], json!(starts_on));
    assert_eq!(default["ends_on"], json!(closing));

    for bad in [closing.succ_opt().unwrap(), days_from_today(300)] {
        let refused = designate(DesignateSuccessorRequest {
            ends_on: Some(bad),
            ..successor("next@example.org")
        })
        .await;
        let problem = refused.assert_problem(422, "validation_failed");
        assert_eq!(problem.errors[0].field, "ends_on", "{bad}");
    }
    let earlier = designate(DesignateSuccessorRequest {
        ends_on: Some(starts_on),
        ..successor("next@example.org")
    })
    .await;
    assert_eq!(earlier.status(), StatusCode::CREATED, "{}", earlier.text());
    let earlier: Value = earlier.json();
    assert_eq!(earlier["ends_on"], json!(starts_on));

    // Accepted, the mandate has those dates.
    let accepted = accept(
        &app,
        earlier["token"].as_str().unwrap(),
        newcomer("Next", PASSWORD),
    )
    .await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
    let mandate = &accepted.json::<Value>()["mandate"];
    assert_eq!(mandate["starts_on"], json!(starts_on));
    assert_eq!(mandate["ends_on"], json!(starts_on));
}

#[actix_web::test]
async fn a_representative_designates_no_role_above_their_own() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    // P's representative will also coordinate, later: not their role today.
    let coordinating = app
        .mandate(
            f.alliance,
            f.representative_p.user,
            f.partner_p,
            "coordinator",
            days_from_today(10),
            Some(days_from_today(100)),
        )
        .await;
    f.representative_p
        .client
        .post(&successor_path(&f, coordinating))
        .json(&successor("next.coordinator@example.org"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    // The coordinator designates any role.
    let designated = f
        .coordinator
        .client
        .post(&successor_path(&f, coordinating))
        .json(&successor("next.coordinator@example.org"))
        .send()
        .await;
    assert_eq!(
        designated.status(),
        StatusCode::CREATED,
        "{}",
        designated.text()
    );
    assert_eq!(designated.json::<Value>()["role"], "coordinator");
    // Their own representative mandate: their own role, allowed.
    let own = f
        .representative_p
        .client
        .post(&successor_path(&f, f.representative_p.mandate))
        .json(&successor("next.rep@example.org"))
        .send()
        .await;
    assert_eq!(own.status(), StatusCode::CREATED, "{}", own.text());
}

#[actix_web::test]
async fn a_mandate_has_one_successor() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let path = successor_path(&f, f.representative_p.mandate);
    let designate = |email: &'static str| {
        let client = f.representative_p.client.clone();
        let path = path.clone();
        async move {
            let response = client.post(&path).json(&successor(email)).send().await;
            assert_eq!(
                response.status(),
                StatusCode::CREATED,
                "{}",
                response.text()
            );
            response.json::<Value>()
        }
    };
    let first = designate("first@example.org").await;
    let second = designate("second@example.org").await;
    // The first designation is revoked, and the revocation journaled.
    accept(
        &app,
        first["token"].as_str().unwrap(),
        newcomer("First", PASSWORD),
    )
    .await
    .assert_problem(409, "invitation_revoked");
    let verbs = journal_verbs(&f).await;
    assert!(
        verbs
            .iter()
            .any(|(verb, id)| verb == "invitation.revoked" && *id == first["id"]),
        "{verbs:?}"
    );
    let accepted = accept(
        &app,
        second["token"].as_str().unwrap(),
        newcomer("Second", PASSWORD),
    )
    .await;
    assert_eq!(
        accepted.status(),
        StatusCode::CREATED,
        "{}",
        accepted.text()
    );
    // Once a successor accepted: 409.
    f.representative_p
        .client
        .post(&path)
        .json(&successor("third@example.org"))
        .send()
        .await
        .assert_problem(409, "successor_exists");
    f.coordinator
        .client
        .post(&path)
        .json(&successor("third@example.org"))
        .send()
        .await
        .assert_problem(409, "successor_exists");
    // Nor can a stale invitation add a second successor on acceptance (un-revoked here
    // in the table, as one accepted in a race would be).
    let mut conn = app.db.connect().await;
    diesel::sql_query(format!(
        "UPDATE invitations SET revoked_at = NULL WHERE id = '{}'",
        first["id"].as_str().unwrap()
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    accept(
        &app,
        first["token"].as_str().unwrap(),
        newcomer("First", PASSWORD),
    )
    .await
    .assert_problem(409, "successor_exists");
}
