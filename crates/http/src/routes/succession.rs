//! The succession report: partners whose representatives leave soon with nobody to take over.

use std::collections::HashMap;

use actix_web::{get, web};
use agir_domain::ids::MandateId;
use agir_domain::policy;
use agir_domain::succession::{self, Holder};
use agir_persistence::{invitations, mandates, partners, pool};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::paths::AlliancePath;
use crate::problem::{ApiError, Forbidden, UnprocessableEntity};
use crate::scope::Authenticated;
use crate::state::AppState;

/// Report parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuccessionParams {
    /// How many days ahead to look, 0 to 366 (default 90).
    #[param(minimum = 0, maximum = 366, example = 90)]
    pub within_days: Option<i64>,
    /// The day the report is drawn up for (default: today).
    pub on: Option<NaiveDate>,
}

/// The whole report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "alliance_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a02",
    "on": "2026-06-15",
    "within_days": 90,
    "partners": [{
        "partner_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a03",
        "name": "Ecolo'phi",
        "kind": "student_association",
        "status": "at_risk",
        "representatives": [{
            "mandate_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a04",
            "user_id": "0192f0a4-7b1e-7cc3-9a52-3f1d2c4b5a69",
            "display_name": "Léa Dubois",
            "role": "representative",
            "ends_on": "2026-08-31",
            "successor": null
        }]
    }]
}))]
pub struct SuccessionReport {
    pub alliance_id: Uuid,
    pub on: NaiveDate,
    pub within_days: u64,
    /// Every active partner, in the order they joined.
    pub partners: Vec<PartnerSuccession>,
}

/// One partner's representation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PartnerSuccession {
    pub partner_id: Uuid,
    pub name: String,
    #[schema(value_type = choices::PartnerKind)]
    pub kind: String,
    /// `ok`; `at_risk`: every current representative leaves within `within_days` and no
    /// successor is designated; `vacant`: no current representative.
    #[schema(value_type = choices::SuccessionStatus)]
    pub status: String,
    /// Current representatives and coordinators of the partner.
    pub representatives: Vec<RepresentativeSuccession>,
}

/// A current representative and who takes over.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RepresentativeSuccession {
    pub mandate_id: Uuid,
    pub user_id: Uuid,
    pub display_name: String,
    #[schema(value_type = choices::Role)]
    pub role: String,
    pub ends_on: Option<NaiveDate>,
    pub successor: Option<Successor>,
}

/// A designated successor: invited, or already holding the next mandate.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Successor {
    /// `invited` or `accepted`.
    pub state: String,
    pub starts_on: NaiveDate,
    pub invitation_id: Option<Uuid>,
    pub mandate_id: Option<Uuid>,
    /// The successor's display name once they accepted.
    pub display_name: Option<String>,
}

/// The succession report (members of the alliance).
#[utoipa::path(
    tag = "mandates",
    params(AlliancePath, SuccessionParams),
    responses(
        (status = 200, description = "The report", body = SuccessionReport),
        (status = 403, response = Forbidden),
        (status = 422, response = UnprocessableEntity),
    ),
    security(("bearer_auth" = []))
)]
#[get("/succession")]
pub async fn get_succession(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    params: web::Query<SuccessionParams>,
) -> Result<web::Json<SuccessionReport>, ApiError> {
    policy::read_private(&scope.caller)?;
    let within_days = succession::within_days(params.within_days)?;
    let on = params.on.unwrap_or(scope.today);
    let alliance = scope.id();
    let mut conn = pool::get(&state.pool).await?;
    let partners = partners::all_active(&mut conn, alliance).await?;
    let speakers = mandates::speakers_on(&mut conn, alliance, on).await?;
    let ids: Vec<MandateId> = speakers.iter().map(|s| s.mandate.id).collect();
    let accepted = mandates::successors_of(&mut conn, &ids).await?;
    let invited = invitations::pending_successors(&mut conn, &ids, Utc::now()).await?;

    let mut successors: HashMap<MandateId, Successor> = HashMap::new();
    for invitation in invited {
        if let Some(of) = invitation.successor_of {
            successors.insert(
                of,
                Successor {
                    state: "invited".into(),
                    starts_on: invitation.period.starts_on,
                    invitation_id: Some(invitation.id.0),
                    mandate_id: None,
                    display_name: None,
                },
            );
        }
    }
    // An accepted successor outranks an invitation.
    for record in accepted {
        if let Some(of) = record.mandate.successor_of {
            successors.insert(
                of,
                Successor {
                    state: "accepted".into(),
                    starts_on: record.mandate.period.starts_on,
                    invitation_id: None,
                    mandate_id: Some(record.mandate.id.0),
                    display_name: Some(record.holder_name.clone()),
                },
            );
        }
    }

    let report = partners
        .into_iter()
        .map(|partner| {
            let representatives: Vec<RepresentativeSuccession> = speakers
                .iter()
                .filter(|s| s.mandate.partner == partner.id)
                .map(|s| RepresentativeSuccession {
                    mandate_id: s.mandate.id.0,
                    user_id: s.mandate.user.0,
                    display_name: s.holder_name.clone(),
                    role: s.mandate.role.as_str().to_owned(),
                    ends_on: s.mandate.period.ends_on,
                    successor: successors.remove(&s.mandate.id),
                })
                .collect();
            let holders: Vec<Holder> = representatives
                .iter()
                .map(|r| Holder {
                    ends_on: r.ends_on,
                    successor_designated: r.successor.is_some(),
                })
                .collect();
            PartnerSuccession {
                partner_id: partner.id.0,
                name: partner.name,
                kind: partner.kind.as_str().to_owned(),
                status: succession::status(&holders, on, within_days)
                    .as_str()
                    .to_owned(),
                representatives,
            }
        })
        .collect();
    Ok(web::Json(SuccessionReport {
        alliance_id: alliance.0,
        on,
        within_days,
        partners: report,
    }))
}
