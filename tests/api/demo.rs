use actix_web::http::StatusCode;
use agir_http::demo::{self, DEMO_PASSWORD};
use agir_tests::{Client, TestApp};
use serde_json::{Value, json};

const SCEAUX_COORDINATOR: &str = "claire.martin@sceaux.demo";
const ANTONY_COORDINATOR: &str = "sandrine.chevalier@antony.demo";

/// Logs in with the demo password (not the harness's).
async fn demo_login(app: &TestApp, email: &str) -> Client {
    let response = app
        .anonymous()
        .post("/api/v1/auth/login")
        .json(&json!({"email": email, "password": DEMO_PASSWORD}))
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

/// Counts of what a second load must leave as it is.
async fn counts(app: &TestApp, admin: &Client, sceaux: &str) -> [usize; 5] {
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
    [
        items(&cities).len(),
        items(&alliances).len(),
        items(&partners).len(),
        items(&users).len(),
        usize::try_from(platform_journal["entries"].as_i64().unwrap()).unwrap(),
    ]
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

    // Every write was journaled, in intact chains.
    let intact =
        |entries: i64| json!({"intact": true, "entries": entries, "first_broken_seq": null});
    let verify = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/journal/verify"),
    )
    .await;
    // 7 partners, 12 mandates, the charter and its 6 signatures.
    assert_eq!(verify, intact(26));
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
    // 16 accounts, 2 cities, 2 alliances.
    let platform = get_ok(&admin, "/api/v1/journal/verify").await;
    assert_eq!(platform, intact(20));

    // A second load creates nothing.
    let before = counts(&app, &admin, &sceaux).await;
    assert_eq!(before, [2, 2, 7, 16, 20]);
    let again = demo::load(&app.state).await.unwrap();
    assert_eq!(again, logins);
    assert_eq!(counts(&app, &admin, &sceaux).await, before);
    let verify = get_ok(
        &coordinator,
        &format!("/api/v1/alliances/{sceaux}/journal/verify"),
    )
    .await;
    assert_eq!(verify, intact(26));
}

#[actix_web::test]
async fn the_demo_completes_a_city_created_beforehand() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = admin
        .post("/api/v1/cities")
        .json(&json!({
            "name": "Sceaux", "insee_code": "92071",
            "department": "Hauts-de-Seine", "region": "Île-de-France"
        }))
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
