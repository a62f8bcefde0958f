//! The succession report: partners whose representatives leave soon with nobody to take over.

use actix_web::{get, web};
use agir_app::succession;
use agir_persistence::pool;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::choices;
use crate::paths::AlliancePath;
use crate::problem::ApiError;
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
impl From<&succession::PartnerSuccession> for PartnerSuccession {
    fn from(p: &succession::PartnerSuccession) -> Self {
        Self {
            partner_id: p.partner.id.0,
            name: p.partner.name.clone(),
            kind: p.partner.kind.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            representatives: p
                .representatives
                .iter()
                .map(|(record, successor)| RepresentativeSuccession {
                    mandate_id: record.mandate.id.0,
                    user_id: record.mandate.user.0,
                    display_name: record.holder_name.clone(),
                    role: record.mandate.role.as_str().to_owned(),
                    ends_on: record.mandate.period.ends_on,
                    successor: successor.as_ref().map(Successor::from),
                })
                .collect(),
        }
    }
}

impl From<&succession::Successor> for Successor {
    fn from(successor: &succession::Successor) -> Self {
        match successor {
            succession::Successor::Invited {
                invitation,
                starts_on,
            } => Self {
                state: "invited".into(),
                starts_on: *starts_on,
                invitation_id: Some(invitation.0),
                mandate_id: None,
                display_name: None,
            },
            succession::Successor::Accepted {
                mandate,
                starts_on,
                display_name,
            } => Self {
                state: "accepted".into(),
                starts_on: *starts_on,
                invitation_id: None,
                mandate_id: Some(mandate.0),
                display_name: Some(display_name.clone()),
            },
        }
    }
}

/// The succession report (members of the alliance).
#[utoipa::path(
    tag = "mandates",
    params(AlliancePath, SuccessionParams),
    responses(
        (status = 200, description = "The report", body = SuccessionReport),
    ),
    security(("bearer_auth" = []))
)]
#[get("/succession")]
pub async fn get_succession(
    state: web::Data<AppState>,
    Authenticated(scope): Authenticated,
    params: web::Query<SuccessionParams>,
) -> Result<web::Json<SuccessionReport>, ApiError> {
    let mut conn = pool::get(&state.pool).await?;
    let report = succession::report(&mut conn, &scope, params.within_days, params.on).await?;
    Ok(web::Json(SuccessionReport {
        alliance_id: scope.id().0,
        on: report.on,
        within_days: report.within_days,
        partners: report
            .partners
            .iter()
            .map(PartnerSuccession::from)
            .collect(),
    }))
}
