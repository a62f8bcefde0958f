//! The request DTOs the tests send mean on the wire what the JSON they replace meant:
//! an absent field is left out (not `null`), and a PATCH's `null` clears.

use agir_http::routes::actions::UpdateActionRequest;
use agir_http::routes::charters::SignCharterRequest;
use agir_http::routes::mandates::UpdateMandateRequest;
use agir_http::routes::partners::UpdatePartnerRequest;
use agir_http::routes::plans::CreatePlanRequest;
use chrono::NaiveDate;
use serde_json::{Value, json};

fn wire<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap()
}

#[test]
fn absent_fields_are_left_out_and_null_clears() {
    assert_eq!(wire(&UpdateMandateRequest::default()), json!({}));
    assert_eq!(wire(&SignCharterRequest::default()), json!({}));
    assert_eq!(
        wire(&UpdateMandateRequest {
            ends_on: Some(None),
            ..UpdateMandateRequest::default()
        }),
        json!({"ends_on": null})
    );
    let day = NaiveDate::from_ymd_opt(2026, 8, 31).unwrap();
    assert_eq!(
        wire(&UpdatePartnerRequest {
            left_on: Some(Some(day)),
            website: Some(None),
            ..UpdatePartnerRequest::default()
        }),
        json!({"left_on": "2026-08-31", "website": null})
    );
    assert_eq!(
        wire(&UpdateActionRequest {
            proposed_by: Some(None),
            ..UpdateActionRequest::default()
        }),
        json!({"proposed_by": null})
    );
    assert_eq!(
        wire(&CreatePlanRequest {
            academic_year: "2026-2027".into(),
            ..CreatePlanRequest::default()
        }),
        json!({"academic_year": "2026-2027", "description": ""})
    );
}

#[test]
fn a_serialized_dto_reads_back_the_same() {
    let body = UpdateMandateRequest {
        ends_on: Some(None),
        handover_notes: Some(Some("Clés à l'accueil".into())),
        ..UpdateMandateRequest::default()
    };
    let back: UpdateMandateRequest = serde_json::from_value(wire(&body)).unwrap();
    assert_eq!(back.ends_on, Some(None));
    assert_eq!(back.handover_notes, body.handover_notes);
    assert_eq!(back.role, None);
}
