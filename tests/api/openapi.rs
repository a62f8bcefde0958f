use actix_web::http::StatusCode;
use agir_tests::TestApp;
use serde_json::Value;

const CHECKED_IN: &str = include_str!("../../openapi/openapi.json");

fn generated() -> String {
    agir_http::openapi().to_pretty_json().unwrap()
}

#[test]
fn the_checked_in_document_is_the_generated_one() {
    // `agir openapi` prints the document followed by a newline.
    let generated = format!("{}\n", generated());
    assert!(
        CHECKED_IN == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[actix_web::test]
async fn the_served_document_is_the_generated_one() {
    let app = TestApp::spawn().await;
    let response = app.anonymous().get("/api/v1/openapi.json").send().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text(), generated());
    let docs = app.anonymous().get("/docs/").send().await;
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(
        docs.text().contains("<html") || docs.text().contains("<!DOCTYPE"),
        "{}",
        docs.text()
    );
    let redirect = app.anonymous().get("/docs").send().await;
    assert_eq!(redirect.header("location").as_deref(), Some("/docs/"));
}

#[test]
fn every_operation_is_fully_described() {
    let doc: Value = serde_json::from_str(&generated()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no operationId"));
            assert!(
                ids.insert(id.to_owned()),
                "{name}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: no summary"
            );
            assert!(
                op.get("security").is_some(),
                "{name}: no security requirement"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{name}: no tag"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name}: no success answer"
            );
            let secured = op["security"].to_string().contains("bearer_auth");
            if secured {
                assert!(responses.contains_key("401"), "{name}: secured but no 401");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        responses.contains_key(status),
                        "{name}: body but no {status}"
                    );
                }
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = response["$ref"].as_str().unwrap_or_default();
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{name} {status}: errors use the shared problem responses"
                    );
                }
            }
        }
    }
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        let content = &response["content"]["application/problem+json"];
        assert!(content.get("schema").is_some(), "{name}: not a problem");
        assert!(content.get("example").is_some(), "{name}: no example");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
}
