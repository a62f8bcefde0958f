//! Partners of an alliance.

use agir_domain::alliance::PartnerStatus;
use agir_domain::ids::{AllianceId, PartnerId};
use agir_persistence::{AsyncPgConnection, partners};

use crate::error::{AppError, Result};

/// A partner named in `field` of an input must be an active partner of this alliance:
/// 422 `not_found` or `withdrawn` otherwise. Any other error (the database failing)
/// goes up as it is.
pub async fn check_usable(
    conn: &mut AsyncPgConnection,
    alliance: AllianceId,
    partner: PartnerId,
    field: &str,
) -> Result<()> {
    let found = partners::find(conn, alliance, partner).await?;
    usable(field, found.map(|p| p.status))
}

/// The 422s of [`check_usable`], apart from the lookup.
fn usable(field: &str, status: Option<PartnerStatus>) -> Result<()> {
    match status {
        None => Err(AppError::field(
            field,
            "not_found",
            "no such partner in this alliance",
        )),
        Some(PartnerStatus::Withdrawn) => Err(AppError::field(
            field,
            "withdrawn",
            "this partner has withdrawn from the alliance",
        )),
        Some(PartnerStatus::Active) => Ok(()),
    }
}
