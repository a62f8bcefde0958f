use actix_web::http::StatusCode;
use agir_domain::plan::AcademicYear;
use agir_http::demo::{self, DEMO_PASSWORD};
use agir_http::routes::auth::LoginRequest;
use agir_http::routes::cities::CreateCityRequest;
use agir_tests::{Client, TestApp};
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Value, json};

const SCEAUX_COORDINATOR: &str = "claire.martin@sceaux.demo";
const ANTONY_COORDINATOR: &str = "sandrine.chevalier@antony.demo";
const SCEAUX_MEMBER: &str = "hugo.petit@sceaux.demo";

/// Logs in with the demo password (not the harness's).
async fn demo_login(app: &TestApp, email: &str) -> Client {
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&LoginRequest {
            email: email.into(),
            password: DEMO_PASSWORD.into(),
        })
        .send()
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "login of {email}: {}",
        response.text()
    );
    let tokens: Value = response.json();
    app.with_token(tokens["access_token"].as_str().unwrap())
}

async fn get_ok(client: &Client, path: &str) -> Value {
    let response = client.get(path).send().await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{path}: {}",
        response.text()
    );
    response.json()
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().unwrap()
}

/// The alliance of a city, found through the public API.
async fn alliance_of(app: &TestApp, insee_code: &str) -> String {
    let anonymous = app.anonymous();
    let cities = get_ok(&anonymous, "/api/v1/cities?limit=200").await;
    let city = items(&cities)
        .iter()
        .find(|c| c["insee_code"] == insee_code)
        .unwrap_or_else(|| panic!("no city {insee_code}: {cities}"));
    let alliances = get_ok(
        &anonymous,
        &format!("/api/v1/alliances?city_id={}", city["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(items(&alliances).len(), 1, "{alliances}");
    items(&alliances)[0]["id"].as_str().unwrap().to_owned()
}

fn entries(verify: &Value) -> usize {
    usize::try_from(verify["entries"].as_i64().unwrap()).unwrap()
}

/// Counts of what a second load must leave as it is: cities, alliances, Sceaux's
/// partners, users, platform journal entries, then Sceaux's plans (as the admin sees
/// them), actions of those plans, events, and both alliances' journal entries.
async fn counts(app: &TestApp, admin: &Client, sceaux: &str, antony: &str) -> [usize; 10] {
    let anonymous = app.anonymous();
    let cities = get_ok(&anonymous, "/api/v1/cities?limit=200").await;
    let alliances = get_ok(&anonymous, "/api/v1/alliances?limit=200").await;
    let partners = get_ok(
        &anonymous,
        &format!("/api/v1/alliances/{sceaux}/partners?limit=200"),
    )
    .await;
    let users = get_ok(admin, "/api/v1/users?limit=200").await;
    let platform_journal = get_ok(admin, "/api/v1/journal/verify").await;
    let plans = get_ok(
        admin,
        &format!("/api/v1/alliances/{sceaux}/plans?limit=200"),
    )
    .await;
    let mut actions = 0;
    for plan in items(&plans) {
        let page = get_ok(
            admin,
            &format!(
                "/api/v1/alliances/{sceaux}/plans/{}/actions?limit=200",
                plan["id"].as_str().unwrap()
            ),
        )
        .await;
        actions += items(&page).len();
    }
    let events = get_ok(
        &anonymous,
        &format!("/api/v1/alliances/{sceaux}/events?limit=200"),
    )
    .await;
    let sceaux_journal = get_ok(admin, &format!("/api/v1/alliances/{sceaux}/journal/verify")).await;
    let antony_journal = get_ok(admin, &format!("/api/v1/alliances/{antony}/journal/verify")).await;
    [
        items(&cities).len(),
        items(&alliances).len(),
        items(&partners).len(),
        items(&users).len(),
        entries(&platform_journal),
        items(&plans).len(),
        actions,
        items(&events).len(),
        entries(&sceaux_journal),
        entries(&antony_journal),
    ]
}

fn titles(page: &Value) -> Vec<&str> {
    items(page)
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect()
}

/// Checks Sceaux's plans, results and events as the public and a member see them.
async fn check_plans(app: &TestApp, sceaux: &str, partners: &Value) {
    let anonymous = app.anonymous();
    let partner_id = |name: &str| {
        items(partners)
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no partner {name}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let current = AcademicYear::containing(Utc::now().date_naive());
    let previous = AcademicYear::containing(current.starts_on() - chrono::Days::new(1));

    // Last year's plan is closed, hence public, its two actions completed and verified.
    let public = get_ok(&anonymous, &format!("/api/v1/alliances/{sceaux}/plans")).await;
    assert_eq!(
        items(&public).len(),
        1,
        "only the closed plan is public: {public}"
    );
    let closed = &items(&public)[0];
    assert_eq!(closed["academic_year"], previous.to_string());
    assert_eq!(closed["phase"], "closed");
    assert_eq!(
        closed["summary"],
        json!({"actions": 2, "by_status": {"completed": 2}, "verified": 2, "completed_unverified": 0})
    );
    let done = get_ok(
        &anonymous,
        &format!(
            "/api/v1/alliances/{sceaux}/plans/{}/actions",
            closed["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        titles(&done),
        [
            "Disco soupe avec les commerçants du centre-ville",
            "Participation au forum de l'ESS"
        ]
    );
    for action in items(&done) {
        assert_eq!(action["status"], "completed", "{action}");
        assert_eq!(action["verification"], "verified", "{action}");
        assert!(!action["endorsements"].as_array().unwrap().is_empty());
        // Every indicator has a measurement with evidence, recorded by a partner of the
        // action and confirmed by another one.
        let indicators = get_ok(
            &anonymous,
            &format!(
                "/api/v1/alliances/{sceaux}/actions/{}/indicators",
                action["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(items(&indicators).len(), 2, "{indicators}");
        for indicator in items(&indicators) {
            assert_eq!(indicator["verified"], true, "{indicator}");
            assert!(indicator["catalogue"].is_string());
            let measurements = get_ok(
                &anonymous,
                &format!(
                    "/api/v1/alliances/{sceaux}/indicators/{}/measurements",
                    indicator["id"].as_str().unwrap()
                ),
            )
            .await;
            assert_eq!(items(&measurements).len(), 1);
            let m = &items(&measurements)[0];
            assert!(m["note"].is_string(), "{m}");
            assert_eq!(m["review"]["status"], "confirmed", "{m}");
            assert_ne!(m["review"]["partner_id"], m["partner_id"], "{m}");
            assert_eq!(
                AcademicYear::containing(m["measured_on"].as_str().unwrap().parse().unwrap()),
                previous
            );
        }
    }
    let disco = &items(&done)[0];
    assert_eq!(disco["proposing_partner_id"], partner_id("Ecolo'phi"));
    assert!(
        disco["contributing_partner_ids"]
            .as_array()
            .unwrap()
            .contains(&json!(partner_id("Association des commerçants de Sceaux")))
    );

    // This year's plan is in consultation: members read it, the public does not.
    let member = demo_login(app, SCEAUX_MEMBER).await;
    let all = get_ok(&member, &format!("/api/v1/alliances/{sceaux}/plans")).await;
    assert_eq!(items(&all).len(), 2, "{all}");
    let open = items(&all)
        .iter()
        .find(|p| p["academic_year"] == current.to_string())
        .unwrap_or_else(|| panic!("no plan for {current}: {all}"));
    assert_eq!(open["phase"], "consultation");
    assert_eq!(open["summary"]["by_status"], json!({"proposed": 4}));
    let open_id = open["id"].as_str().unwrap();
    let refused = anonymous
        .get(&format!("/api/v1/alliances/{sceaux}/plans/{open_id}"))
        .send()
        .await;
    assert!(
        matches!(refused.status().as_u16(), 401 | 403),
        "{}",
        refused.text()
    );
    let proposed = get_ok(
        &member,
        &format!("/api/v1/alliances/{sceaux}/plans/{open_id}/actions"),
    )
    .await;
    assert_eq!(
        titles(&proposed),
        [
            "Collecte de fruits et légumes redistribués à des publics fragiles",
            "Compost collectif dans une résidence étudiante",
            "Garde-manger solidaire",
            "Fête des réussites de l'alliance",
        ]
    );
    assert!(items(&proposed).iter().all(|a| a["status"] == "proposed"));
    let linked: Vec<&Value> = items(&proposed)
        .iter()
        .filter(|a| !a["curriculum"].is_null())
        .collect();
    assert_eq!(linked.len(), 1, "{proposed}");
    let curriculum = &linked[0]["curriculum"];
    assert_eq!(linked[0]["title"], titles(&proposed)[0]);
    assert_eq!(curriculum["partner_id"], partner_id("Faculté Jean-Monnet"));
    assert_eq!(curriculum["academic_year"], current.to_string());
    assert!(curriculum["students"].as_i64().unwrap() > 0);
    assert!(!curriculum["course"].as_str().unwrap().is_empty());
    let comments = get_ok(
        &member,
        &format!(
            "/api/v1/alliances/{sceaux}/actions/{}/comments",
            linked[0]["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(items(&comments).len(), 1, "{comments}");

    // Events are public: the June handover meeting at the town hall.
    let handovers = get_ok(
        &anonymous,
        &format!("/api/v1/alliances/{sceaux}/events?kind=handover"),
    )
    .await;
    assert_eq!(items(&handovers).len(), 1, "{handovers}");
    let handover = &items(&handovers)[0];
    let starts_at: DateTime<Utc> = handover["starts_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(starts_at.month(), 6);
    assert_eq!(starts_at.year(), current.first_year() + 1);
    assert_eq!(handover["place"], "Hôtel de ville de Sceaux");
    let involved = handover["partner_ids"].as_array().unwrap();
    assert!(involved.contains(&json!(partner_id("Ecolo'phi"))));
    assert!(involved.contains(&json!(partner_id("Ville de Sceaux"))));
    let all_events = get_ok(&anonymous, &format!("/api/v1/alliances/{sceaux}/events")).await;
    let kinds: Vec<&str> = items(&all_events)
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["public_action", "forum", "handover", "celebration"]);
    let disco_event = &items(&all_events)[0];
    assert_eq!(disco_event["action_ids"], json!([disco["id"]]));
    assert!(disco_event["attendance"].as_i64().unwrap() > 0);
}

#[actix_web::test]
async fn the_demo_loads_the_sceaux_alliance_once() {
    let app = TestApp::spawn().await;
    assert!(!demo::is_loaded(&app.state).await);
    let logins = demo::load(&app.state).await.unwrap();
    assert!(demo::is_loaded(&app.state).await);
    assert_eq!(logins, demo::logins());
    assert_eq!(logins.len(), 5);

    // Every printed login works with the demo password.
    for login in &logins {
        demo_login(&app, login.email).await;
    }
    let coordinator = demo_login(&app, SCEAUX_COORDINATOR).await;
    let admin = demo_login(&app, "admin@avuf.demo").await;

    let sceaux = alliance_of(&app, "92071").await;
    let antony = alliance_of(&app, "92002").await;
    let profile = get_ok(&app.anonymous(), &format!("/api/v1/alliances/{sceaux}")).await;
    assert_eq!(profile["name"], "Alliance Agir Ensemble de Sceaux");
    assert!(
        profile["description"]
            .as_str()
            .unwrap()
            .contains("disco soupe")
    );
    let city = get_ok(
        &app.anonymous(),
        &format!("/api/v1/cities/{}", profile["city_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(city["name"], "Sceaux");
    assert_eq!(city["department"], "Hauts-de-Seine");
    assert_eq!(city["region"], "Île-de-France");

    let partners = get_ok(
        &app.anonymous(),
        &format!("/api/v1/alliances/{sceaux}/partners"),
    )
    .await;
    let kinds: Vec<(&str, &str)> = items(&partners)
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Ville de Sceaux", "local_authority"),
            ("IUT de Sceaux", "school"),
            ("Faculté Jean-Monnet", "university"),
            ("EPF", "school"),
            ("Ecolo'phi", "student_association"),
            ("Bureau développement durable de l'IUT", "campus_office"),
            ("Association des commerçants de Sceaux", "business"),
        ]
    );

    // Anticipation: Ecolo'phi's president leaves on 31 August with nobody to take over.
    let report = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/succession?within_days=366"),
    )
    .await;
    let statuses: Vec<(&str, &str)> = report["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(statuses.len(), 7, "{report}");
    for (name, status) in &statuses {
        let expected = if *name == "Ecolo'phi" {
            "at_risk"
        } else {
            "ok"
        };
        assert_eq!(status, &expected, "{name}: {report}");
    }
    let ecolophi = report["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Ecolo'phi")
        .unwrap();
    let president = &ecolophi["representatives"][0];
    assert_eq!(president["display_name"], "Léa Dubois");
    assert!(president["successor"].is_null());
    let ends_on = president["ends_on"].as_str().unwrap();
    assert!(ends_on.ends_with("-08-31"), "{ends_on}");

    // The president's mandate carries handover notes, shown to the coordinator.
    let mandate = get_ok(
        &coordinator,
        &format!(
            "/api/v1/alliances/{sceaux}/mandates/{}",
            president["mandate_id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(mandate["handover_notes"].as_str().unwrap().contains("juin"));
    assert!(mandate["starts_on"].as_str().unwrap().ends_with("-09-01"));
    let members = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/mandates?current=true"),
    )
    .await;
    let roles = |role: &str| items(&members).iter().filter(|m| m["role"] == role).count();
    assert_eq!(
        [
            roles("coordinator"),
            roles("representative"),
            roles("member"),
            roles("observer")
        ],
        [1, 7, 3, 1]
    );

    // Trust: the charter is public, current, and signed by all but the merchants.
    let charters = get_ok(
        &app.anonymous(),
        &format!("/api/v1/alliances/{sceaux}/charters"),
    )
    .await;
    assert_eq!(charters["current_version"], 1, "{charters}");
    let charter = &charters["items"][0];
    assert_eq!(charter["status"], "current");
    let text = charter["text"].as_str().unwrap();
    for value in [
        "Coopération",
        "Confiance",
        "Écoute",
        "Ouverture",
        "greenwashing",
        "co-construit",
    ] {
        assert!(text.contains(value), "{value} missing from the charter");
    }
    let signed: Vec<&str> = charter["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["partner_name"].as_str().unwrap())
        .collect();
    assert_eq!(signed.len(), 6, "{signed:?}");
    assert!(!signed.contains(&"Association des commerçants de Sceaux"));

    // The action plans of the seed, their results and events.
    check_plans(&app, &sceaux, &partners).await;

    // Scoping: Antony's coordinator runs Antony, and reads nothing private of Sceaux.
    let antony_coordinator = demo_login(&app, ANTONY_COORDINATOR).await;
    let refused = antony_coordinator
        .get(&format!("/api/v1/alliances/{sceaux}/mandates"))
        .send()
        .await;
    refused.assert_problem(403, "forbidden");
    get_ok(
        &antony_coordinator,
        &format!("/api/v1/alliances/{antony}/mandates"),
    )
    .await;
    let antony_partners = get_ok(
        &app.anonymous(),
        &format!("/api/v1/alliances/{antony}/partners"),
    )
    .await;
    assert_eq!(items(&antony_partners).len(), 3);
    let antony_plans = get_ok(
        &antony_coordinator,
        &format!("/api/v1/alliances/{antony}/plans"),
    )
    .await;
    assert!(items(&antony_plans).is_empty(), "{antony_plans}");

    // Every write was journaled, in intact chains.
    let intact =
        |entries: i64| json!({"intact": true, "entries": entries, "first_broken_seq": null});
    let verify = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/journal/verify"),
    )
    .await;
    // 7 partners, 12 mandates, the charter and its 6 signatures (26); last year's plan:
    // created, 4 phase changes, 2 proposals with 4 indicators, 2 endorsements and a
    // comment, 4 status changes, 4 measurements and their 4 reviews, 2 events (28);
    // this year's: created, in consultation, 4 proposals with 4 indicators,
    // 3 endorsements and 3 comments, 2 events (18).
    assert_eq!(verify, intact(72));
    let journal = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/journal?limit=200"),
    )
    .await;
    let signed_by: Vec<&Value> = items(&journal)
        .iter()
        .filter(|e| e["verb"] == "charter.signed")
        .collect();
    assert_eq!(signed_by.len(), 6);
    assert!(signed_by.iter().all(|e| !e["actor_partner_id"].is_null()));
    let verbs = |verb: &str| items(&journal).iter().filter(|e| e["verb"] == verb).count();
    assert_eq!(
        [
            verbs("plan.created"),
            verbs("plan.phase_changed"),
            verbs("action.proposed"),
            verbs("action.status_changed"),
            verbs("indicator.created"),
            verbs("measurement.recorded"),
            verbs("measurement.reviewed"),
            verbs("action.endorsed"),
            verbs("comment.created"),
            verbs("event.created"),
        ],
        [2, 5, 6, 4, 8, 4, 4, 5, 4, 4]
    );
    // Reviews are journaled for the confirming partner, never the recording one.
    for review in items(&journal)
        .iter()
        .filter(|e| e["verb"] == "measurement.reviewed")
    {
        assert!(!review["actor_partner_id"].is_null());
        assert_ne!(
            review["actor_partner_id"],
            review["summary"]["recorded_by_partner_id"]
        );
    }
    // 16 accounts, 2 cities, 2 alliances.
    let platform = get_ok(&admin, "/api/v1/journal/verify").await;
    assert_eq!(platform, intact(20));

    // A second load creates nothing.
    let before = counts(&app, &admin, &sceaux, &antony).await;
    // Antony: 3 partners and 3 mandates.
    assert_eq!(before, [2, 2, 7, 16, 20, 2, 6, 4, 72, 6]);
    let again = demo::load(&app.state).await.unwrap();
    assert_eq!(again, logins);
    assert_eq!(counts(&app, &admin, &sceaux, &antony).await, before);
    let verify = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/journal/verify"),
    )
    .await;
    assert_eq!(verify, intact(72));
    let platform = get_ok(&admin, "/api/v1/journal/verify").await;
    assert_eq!(platform, intact(20));
}

#[actix_web::test]
async fn the_demo_completes_a_city_created_beforehand() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = admin
        .post("/api/v1/cities")
        .json(&CreateCityRequest {
            name: "Sceaux".into(),
            insee_code: "92071".into(),
            department: "Hauts-de-Seine".into(),
            region: "Île-de-France".into(),
        })
        .send()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text());
    let city: Value = created.json();

    demo::load(&app.state).await.unwrap();
    let cities = get_ok(&app.anonymous(), "/api/v1/cities").await;
    assert_eq!(items(&cities).len(), 2, "Sceaux was created twice");
    let alliances = get_ok(
        &app.anonymous(),
        &format!("/api/v1/alliances?city_id={}", city["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(items(&alliances).len(), 1);
    assert_eq!(
        items(&alliances)[0]["name"],
        "Alliance Agir Ensemble de Sceaux"
    );
}
