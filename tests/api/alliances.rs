use actix_web::http::StatusCode;
use agir_http::routes::actions::CreateActionRequest;
use agir_http::routes::alliances::{CreateAllianceRequest, UpdateAllianceRequest};
use agir_http::routes::charters::CreateCharterRequest;
use agir_http::routes::cities::CreateCityRequest;
use agir_http::routes::invitations::{AcceptInvitationRequest, CreateInvitationRequest};
use agir_http::routes::labels::ApplyLabelRequest;
use agir_http::routes::mandates::{
    CreateMandateRequest, DesignateSuccessorRequest, UpdateMandateRequest,
};
use agir_http::routes::partners::{CreatePartnerRequest, UpdatePartnerRequest};
use agir_http::routes::plans::{CreatePlanRequest, TransitionRequest};
use agir_http::routes::votes::{CastBallotRequest, CreateVoteRequest};
use agir_tests::TestApp;
use agir_tests::fixture::{days_from_today, today};
use diesel_async::RunQueryDsl;
use serde_json::{Value, json};

fn new_partner(name: &str, kind: &str) -> CreatePartnerRequest {
    CreatePartnerRequest {
        name: name.into(),
        kind: kind.into(),
        ..CreatePartnerRequest::default()
    }
}

fn member_invitation(email: &str, partner_id: uuid::Uuid) -> CreateInvitationRequest {
    CreateInvitationRequest {
        email: email.into(),
        partner_id,
        role: "member".into(),
        ..CreateInvitationRequest::default()
    }
}

fn alliance_status(status: &str) -> UpdateAllianceRequest {
    UpdateAllianceRequest {
        status: Some(status.into()),
        ..UpdateAllianceRequest::default()
    }
}

fn role(role: &str) -> UpdateMandateRequest {
    UpdateMandateRequest {
        role: Some(role.into()),
        ..UpdateMandateRequest::default()
    }
}

fn plan_of(year: &str) -> CreatePlanRequest {
    CreatePlanRequest {
        academic_year: year.into(),
        ..CreatePlanRequest::default()
    }
}

#[actix_web::test]
async fn cities_and_alliances_are_created_by_admins_and_public_to_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, someone) = app.user("someone@example.org").await;
    let city = CreateCityRequest {
        name: "Sceaux".into(),
        insee_code: "92071".into(),
        department: "Hauts-de-Seine".into(),
        region: "Île-de-France".into(),
    };
    someone
        .post("/api/v1/cities")
        .json(&city)
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.anonymous()
        .post("/api/v1/cities")
        .json(&city)
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    let created = admin.post("/api/v1/cities").json(&city).send().await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let city_id = created.json::<Value>()["id"].as_str().unwrap().to_owned();
    admin
        .post("/api/v1/cities")
        .json(&city)
        .send()
        .await
        .assert_problem(409, "already_exists");
    let bad = admin
        .post("/api/v1/cities")
        .json(&CreateCityRequest {
            name: "X".into(),
            insee_code: "9207".into(),
            department: "D".into(),
            region: "R".into(),
        })
        .send()
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed").errors[0].field,
        "insee_code"
    );

    let alliance = admin
        .post("/api/v1/alliances")
        .json(&CreateAllianceRequest {
            city_id: city_id.parse().unwrap(),
            name: "Alliance de Sceaux".into(),
            ..CreateAllianceRequest::default()
        })
        .send()
        .await;
    assert_eq!(alliance.status(), StatusCode::CREATED);
    let alliance: Value = alliance.json();
    let unknown_city = admin
        .post("/api/v1/alliances")
        .json(&CreateAllianceRequest {
            city_id: uuid::Uuid::now_v7(),
            name: "Nowhere".into(),
            ..CreateAllianceRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        unknown_city.assert_problem(422, "validation_failed").errors[0].field,
        "city_id"
    );

    let listed: Value = app
        .anonymous()
        .get("/api/v1/alliances?region=%C3%8Ele-de-France")
        .send()
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], alliance["id"]);
    let none: Value = app
        .anonymous()
        .get("/api/v1/alliances?region=Bretagne")
        .send()
        .await
        .json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let read = app
        .anonymous()
        .get(&format!(
            "/api/v1/alliances/{}",
            alliance["id"].as_str().unwrap()
        ))
        .send()
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.json::<Value>()["status"], "active");
    let cities: Value = app.anonymous().get("/api/v1/cities").send().await.json();
    assert_eq!(cities["items"][0]["insee_code"], "92071");

    // Platform writes go to the platform journal.
    let journal: Value = admin.get("/api/v1/journal").send().await.json();
    let verbs: Vec<&str> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert!(
        verbs.contains(&"city.created") && verbs.contains(&"alliance.created"),
        "{verbs:?}"
    );
}

#[actix_web::test]
async fn partners_are_managed_by_the_coordinator_and_carry_their_college() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let path = format!("/api/v1/alliances/{}/partners", f.alliance);
    let body = CreatePartnerRequest {
        website: Some("https://www.crous.fr".into()),
        ..new_partner("Crous", "student_services")
    };
    for principal in [&f.observer_p, &f.member_p, &f.representative_p] {
        principal
            .client
            .post(&path)
            .json(&body)
            .send()
            .await
            .assert_problem(403, "forbidden");
    }
    let created = f.coordinator.client.post(&path).json(&body).send().await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let partner: Value = created.json();
    assert_eq!(partner["college"], "higher_education");
    assert_eq!(partner["joined_on"], json!(today()));
    let bad_kind = f
        .coordinator
        .client
        .post(&path)
        .json(&new_partner("Y", "bank"))
        .send()
        .await;
    assert_eq!(
        bad_kind.assert_problem(422, "validation_failed").errors[0].field,
        "kind"
    );

    // A member of partner P cannot edit partner Q; the coordinator withdraws it.
    let q = format!("{path}/{}", f.partner_q);
    f.member_p
        .client
        .patch(&q)
        .json(&UpdatePartnerRequest {
            name: Some("Mine".into()),
            ..UpdatePartnerRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    f.representative_p
        .client
        .patch(&q)
        .json(&UpdatePartnerRequest {
            name: Some("Mine".into()),
            ..UpdatePartnerRequest::default()
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    let withdrawn = f
        .coordinator
        .client
        .patch(&q)
        .json(&UpdatePartnerRequest {
            status: Some("withdrawn".into()),
            ..UpdatePartnerRequest::default()
        })
        .send()
        .await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let withdrawn: Value = withdrawn.json();
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["left_on"], json!(today()));
    let active: Value = app
        .anonymous()
        .get(&format!("{path}?status=active"))
        .send()
        .await
        .json();
    assert_eq!(active["items"].as_array().unwrap().len(), 3);
    // Nobody gets a new mandate for a withdrawn partner.
    let (someone, _) = app.user("late@example.org").await;
    let refused = f
        .coordinator
        .client
        .post(&format!("/api/v1/alliances/{}/mandates", f.alliance))
        .json(&CreateMandateRequest {
            user_id: someone.0,
            partner_id: f.partner_q,
            role: "member".into(),
            starts_on: today(),
            ..CreateMandateRequest::default()
        })
        .send()
        .await;
    assert_eq!(
        refused.assert_problem(422, "validation_failed").errors[0].code,
        "withdrawn"
    );
}

#[actix_web::test]
async fn another_alliances_resources_are_404_here_and_422_in_bodies() {
    let app = TestApp::spawn().await;
    let sceaux = app.alliance_fixture(1).await;
    let antony = app.alliance_fixture(2).await;
    let coordinator = &sceaux.coordinator.client;
    coordinator
        .get(&format!(
            "/api/v1/alliances/{}/partners/{}",
            sceaux.alliance, antony.partner_p
        ))
        .send()
        .await
        .assert_problem(404, "not_found");
    coordinator
        .get(&format!(
            "/api/v1/alliances/{}/mandates/{}",
            sceaux.alliance, antony.representative_p.mandate
        ))
        .send()
        .await
        .assert_problem(404, "not_found");
    coordinator
        .patch(&format!(
            "/api/v1/alliances/{}/partners/{}",
            sceaux.alliance, antony.partner_p
        ))
        .json(&UpdatePartnerRequest {
            name: Some("Taken over".into()),
            ..UpdatePartnerRequest::default()
        })
        .send()
        .await
        .assert_problem(404, "not_found");
    let body_ref = coordinator
        .post(&format!(
            "/api/v1/alliances/{}/invitations",
            sceaux.alliance
        ))
        .json(&member_invitation("x@example.org", antony.partner_p))
        .send()
        .await;
    assert_eq!(
        body_ref.assert_problem(422, "validation_failed").errors[0].field,
        "partner_id"
    );
    // A coordinator of Sceaux cannot see Antony's members.
    coordinator
        .get(&format!("/api/v1/alliances/{}/mandates", antony.alliance))
        .send()
        .await
        .assert_problem(403, "forbidden");
    coordinator
        .get(&format!("/api/v1/alliances/{}/journal", antony.alliance))
        .send()
        .await
        .assert_problem(403, "forbidden");
    app.anonymous()
        .get(&format!("/api/v1/alliances/{}", uuid::Uuid::now_v7()))
        .send()
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn an_expired_mandate_gives_no_rights_the_day_after_it_ends() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let (ended_user, ended) = app.user("ended@example.org").await;
    let (today_user, last_day) = app.user("lastday@example.org").await;
    let (future_user, future) = app.user("future@example.org").await;
    app.mandate(
        f.alliance,
        ended_user.0,
        f.city_partner,
        "coordinator",
        days_from_today(-365),
        Some(days_from_today(-1)),
    )
    .await;
    app.mandate(
        f.alliance,
        today_user.0,
        f.city_partner,
        "coordinator",
        days_from_today(-365),
        Some(today()),
    )
    .await;
    app.mandate(
        f.alliance,
        future_user.0,
        f.city_partner,
        "coordinator",
        days_from_today(1),
        None,
    )
    .await;
    let members = format!("/api/v1/alliances/{}/mandates", f.alliance);
    ended
        .get(&members)
        .send()
        .await
        .assert_problem(403, "forbidden");
    future
        .get(&members)
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(last_day.get(&members).send().await.status(), StatusCode::OK);
    let partner = new_partner("Nouveau", "association");
    let path = format!("/api/v1/alliances/{}/partners", f.alliance);
    ended
        .post(&path)
        .json(&partner)
        .send()
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        last_day.post(&path).json(&partner).send().await.status(),
        StatusCode::CREATED
    );

    // The members list filters current mandates.
    let current: Value = f
        .observer_p
        .client
        .get(&format!("{members}?current=true"))
        .send()
        .await
        .json();
    let holders: Vec<&str> = current["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect();
    assert!(!holders.contains(&ended_user.0.to_string().as_str()));
    assert!(holders.contains(&today_user.0.to_string().as_str()));
}

#[actix_web::test]
async fn an_observer_reads_but_cannot_write() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let observer = &f.observer_p.client;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    for path in ["/mandates", "/journal", "/journal/verify", "/succession"] {
        let response = observer.get(&format!("{base}{path}")).send().await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{path}: {}",
            response.text()
        );
    }
    observer
        .get(&format!("{base}/invitations"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    observer
        .post(&format!("{base}/partners"))
        .json(&new_partner("N", "other"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    observer
        .patch(&format!("{base}/mandates/{}", f.member_p.mandate))
        .json(&role("coordinator"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    observer
        .post(&format!("{base}/charters"))
        .json(&CreateCharterRequest {
            text: "Valeurs".into(),
            make_current: true,
        })
        .send()
        .await
        .assert_problem(403, "forbidden");
    // Not even their own role.
    observer
        .patch(&format!("{base}/mandates/{}", f.observer_p.mandate))
        .json(&role("coordinator"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    // But a holder writes their own handover notes.
    let notes = observer
        .patch(&format!("{base}/mandates/{}", f.observer_p.mandate))
        .json(&UpdateMandateRequest {
            handover_notes: Some(Some("Tout est dans le classeur.".into())),
            ..UpdateMandateRequest::default()
        })
        .send()
        .await;
    assert_eq!(notes.status(), StatusCode::OK, "{}", notes.text());
    app.anonymous()
        .get(&format!("{base}/mandates"))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn me_lists_the_current_mandates() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let me: Value = f
        .representative_p
        .client
        .get("/api/v1/me")
        .send()
        .await
        .json();
    let mandates = me["mandates"].as_array().unwrap();
    assert_eq!(mandates.len(), 1);
    assert_eq!(mandates[0]["role"], "representative");
    assert_eq!(mandates[0]["partner_id"], json!(f.partner_p));
    assert_eq!(mandates[0]["current"], true);
}

#[actix_web::test]
async fn alliance_writes_are_journaled_in_the_alliances_chain() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let journal: Value = f
        .member_p
        .client
        .get(&format!(
            "/api/v1/alliances/{}/journal?limit=200",
            f.alliance
        ))
        .send()
        .await
        .json();
    let verbs: Vec<&str> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verb"].as_str().unwrap())
        .collect();
    assert_eq!(verbs.iter().filter(|v| **v == "partner.created").count(), 3);
    assert_eq!(verbs.iter().filter(|v| **v == "mandate.created").count(), 5);
    assert!(
        journal["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["alliance_id"] == json!(f.alliance))
    );
    let verify: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/journal/verify", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(verify["intact"], true);
    assert_eq!(verify["entries"], json!(verbs.len()));

    let mut conn = app.db.connect().await;
    diesel::sql_query("SET session_replication_role = replica")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE journal_entries SET verb = 'partner.deleted' WHERE alliance_id = '{}' AND seq = 2",
        f.alliance
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let verify: Value = f
        .member_p
        .client
        .get(&format!("/api/v1/alliances/{}/journal/verify", f.alliance))
        .send()
        .await
        .json();
    assert_eq!(verify["intact"], false);
    assert_eq!(verify["first_broken_seq"], 2);
}

/// An archived alliance is read-only: every write under it is 409
/// `alliance_archived` (several kinds of writes, by several callers, and accepting
/// one of its invitations), reads still work, and a platform admin makes it active
/// again, which is the one write that goes through.
#[actix_web::test]
async fn an_archived_alliance_is_read_only_until_an_admin_reopens_it() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let admin = app.admin().await;
    let base = format!("/api/v1/alliances/{}", f.alliance);
    // Made before the archiving: an invitation, a plan, an open vote.
    let invitation: Value = f
        .coordinator
        .client
        .post(&format!("{base}/invitations"))
        .json(&member_invitation("late@example.org", f.partner_p))
        .created()
        .await
        .json();
    let plan: Value = f
        .coordinator
        .client
        .post(&format!("{base}/plans"))
        .json(&plan_of("2025-2026"))
        .created()
        .await
        .json();
    let plan = plan["id"].as_str().unwrap().to_owned();
    let vote: Value = f
        .coordinator
        .client
        .post(&format!("{base}/votes"))
        .json(&CreateVoteRequest {
            title: "Question".into(),
            subject: "question".into(),
            method: "consent".into(),
            electorate: "members".into(),
            quorum_percent: 0,
            closes_at: chrono::Utc::now() + chrono::Duration::days(3),
            ..CreateVoteRequest::default()
        })
        .created()
        .await
        .json();
    let vote = vote["id"].as_str().unwrap().to_owned();

    let archived = admin
        .patch(&base)
        .json(&alliance_status("archived"))
        .send()
        .await;
    assert_eq!(archived.status(), StatusCode::OK, "{}", archived.text());

    let coordinator = &f.coordinator.client;
    let writes = [
        (
            coordinator
                .post(&format!("{base}/partners"))
                .json(&new_partner("Crous", "student_services")),
            "create partner",
        ),
        (
            coordinator
                .patch(&format!("{base}/partners/{}", f.partner_p))
                .json(&UpdatePartnerRequest {
                    description: Some("x".into()),
                    ..UpdatePartnerRequest::default()
                }),
            "update partner",
        ),
        (
            coordinator.patch(&base).json(&UpdateAllianceRequest {
                description: Some("encore".into()),
                ..UpdateAllianceRequest::default()
            }),
            "coordinator edits the profile",
        ),
        (
            admin.patch(&base).json(&UpdateAllianceRequest {
                name: Some("Autre nom".into()),
                ..UpdateAllianceRequest::default()
            }),
            "admin edits the profile",
        ),
        (
            coordinator.delete(&format!(
                "{base}/invitations/{}",
                invitation["id"].as_str().unwrap()
            )),
            "revoke invitation",
        ),
        (
            coordinator.delete(&format!("{base}/mandates/{}", f.member_p.mandate)),
            "delete mandate",
        ),
        (
            coordinator
                .post(&format!("{base}/plans/{plan}/transition"))
                .json(&TransitionRequest {
                    to: "consultation".into(),
                }),
            "plan phase",
        ),
        (
            f.member_p
                .client
                .post(&format!("{base}/plans/{plan}/actions"))
                .json(&CreateActionRequest {
                    title: "Compost".into(),
                    theme: "waste".into(),
                    ..CreateActionRequest::default()
                }),
            "propose action",
        ),
        (
            f.member_p
                .client
                .post(&format!("{base}/votes/{vote}/ballots"))
                .json(&CastBallotRequest {
                    choice: Some("for".into()),
                    ..CastBallotRequest::default()
                }),
            "ballot",
        ),
        (
            f.representative_p
                .client
                .post(&format!(
                    "{base}/mandates/{}/successor",
                    f.representative_p.mandate
                ))
                .json(&DesignateSuccessorRequest {
                    email: "next@example.org".into(),
                    ..DesignateSuccessorRequest::default()
                }),
            "designate successor",
        ),
        (
            coordinator
                .post(&format!("{base}/labels"))
                .json(&ApplyLabelRequest {
                    academic_year: "2025-2026".into(),
                    note: None,
                }),
            "apply for a label",
        ),
    ];
    for (request, what) in writes {
        let response = request.send().await;
        assert_eq!(
            response.status(),
            StatusCode::CONFLICT,
            "{what}: {}",
            response.text()
        );
        assert_eq!(response.problem().code, "alliance_archived", "{what}");
    }
    // Accepting one of its invitations is a write to it too.
    app.anonymous()
        .post(&format!(
            "/api/v1/invitations/{}/accept",
            invitation["token"].as_str().unwrap()
        ))
        .json(&AcceptInvitationRequest {
            display_name: Some("Late".into()),
            password: Some("a long enough password".into()),
        })
        .send()
        .await
        .assert_problem(409, "alliance_archived");
    // Reads still work.
    for path in [
        base.clone(),
        format!("{base}/partners"),
        format!("{base}/plans/{plan}"),
    ] {
        let read = coordinator.get(&path).send().await;
        assert_eq!(read.status(), StatusCode::OK, "{path}: {}", read.text());
    }
    // Only a platform admin reopens it.
    coordinator
        .patch(&base)
        .json(&alliance_status("active"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let reopened = admin
        .patch(&base)
        .json(&alliance_status("active"))
        .send()
        .await;
    assert_eq!(reopened.status(), StatusCode::OK, "{}", reopened.text());
    let created = coordinator
        .post(&format!("{base}/partners"))
        .json(&new_partner("Crous", "student_services"))
        .send()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
}
