//! Resources under attack (issue 11): what a client can make the server keep or do.

use actix_web::http::{Method, StatusCode};
use agir_tests::TestApp;
use uuid::Uuid;

/// `/metrics` labels come from closed sets: the matched route's pattern (one fixed label
/// for unmatched paths) and the standard methods (`other` for the rest).
#[actix_web::test]
async fn metrics_labels_never_echo_a_request() {
    let app = TestApp::spawn().await;
    let canary = format!("canary{}", Uuid::now_v7().simple());
    let client = app.anonymous();
    let paths = [
        format!("/{canary}"),
        format!("/api/v1/{canary}/x"),
        format!("/api/v1/alliances/{}/{canary}", Uuid::now_v7()),
    ];
    for path in &paths {
        let response = client.get(path).send().await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let odd = Method::from_bytes(canary.to_uppercase().as_bytes()).unwrap();
    client.method(odd, "/api/v1/healthz").send().await;
    client
        .method(Method::from_bytes(b"BREW").unwrap(), &paths[0])
        .send()
        .await;
    // A matched route is labelled by its pattern, not by the ids in its path.
    let alliance = Uuid::now_v7();
    client
        .get(&format!("/api/v1/alliances/{alliance}"))
        .send()
        .await;

    let metrics = client.get("/metrics").send().await.text();
    let lower = metrics.to_lowercase();
    assert!(!lower.contains(&canary), "{metrics}");
    assert!(!metrics.contains("BREW"), "{metrics}");
    assert!(!metrics.contains(&alliance.to_string()), "{metrics}");
    // The test would pass on an empty page: the fixed labels are there.
    assert!(metrics.contains(r#"method="other""#), "{metrics}");
    assert!(metrics.contains(r#"route="unmatched""#), "{metrics}");
    assert!(
        metrics.contains(r#"route="/api/v1/alliances/{id}""#),
        "{metrics}"
    );
}
