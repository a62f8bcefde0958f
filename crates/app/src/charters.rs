//! The charter of shared values: versions, and the partners that signed them.

use agir_domain::DomainError;
use agir_domain::alliance::CharterStatus;
use agir_domain::ids::PartnerId;
use agir_domain::journal::Event;
use agir_domain::policy::{self, Denied, Unsettled};
use agir_persistence::charters::{self, Charter, Signature};
use agir_persistence::{AsyncConnection, AsyncPgConnection, cities, journal, partners};

use crate::Scope;
use crate::error::{AppError, Result, found};
use crate::partners::check_usable;

/// Every version of the charter, newest first, with its signatures (public).
#[derive(Debug, Clone)]
pub struct Versions {
    pub versions: Vec<(Charter, Vec<Signature>)>,
    /// The version in force, if any.
    pub current_version: Option<i32>,
}

/// Every version of the alliance's charter (public).
pub async fn list(conn: &mut AsyncPgConnection, scope: &Scope) -> Result<Versions> {
    let versions = charters::list(conn, scope.id()).await?;
    let ids: Vec<_> = versions.iter().map(|c| c.id).collect();
    let signatures = charters::signatures(conn, &ids).await?;
    let current_version = versions
        .iter()
        .find(|c| c.status == CharterStatus::Current)
        .map(|c| c.version);
    let versions = versions
        .into_iter()
        .map(|charter| {
            let signed = signatures
                .iter()
                .filter(|s| s.charter == charter.id)
                .cloned()
                .collect();
            (charter, signed)
        })
        .collect();
    Ok(Versions {
        versions,
        current_version,
    })
}

/// Adds a version (the coordinator), in force at once when `make_current`. `text`
/// is refused only after the policy.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    text: Result<String, DomainError>,
    make_current: bool,
) -> Result<Charter> {
    policy::manage_alliance(&scope.caller)?;
    let text = text?;
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        // Versions are numbered one after the other: one writer at a time.
        cities::lock_alliance(conn, alliance).await?;
        let charter = charters::insert(conn, alliance, &text, actor.user, make_current).await?;
        let event = Event::CharterVersionCreated {
            charter: charter.id,
            version: charter.version,
            status: charter.status,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(charter)
    })
    .await
}

/// Signs the version in force for a partner: the one `named`, else the one the
/// caller acts for; only its current representative or coordinator may (409
/// `charter_not_current` for another version).
pub async fn sign(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    version: i32,
    named: Option<PartnerId>,
) -> Result<Signature> {
    let partner = match policy::acting_partner(&scope.caller, named, "partner_id") {
        Ok(partner) => partner,
        // An admin never signs for a partner: the signing rule refuses (403) rather
        // than asking which partner.
        Err(Unsettled::Invalid(_)) if scope.caller.partners_spoken_for().is_empty() => {
            return Err(AppError::Denied(Denied::Forbidden(
                "only a current representative of this partner may act for it",
            )));
        }
        Err(unsettled) => return Err(unsettled.into()),
    };
    policy::sign_for_partner(&scope.caller, partner)?;
    let alliance = scope.id();
    let actor = scope.actor_for(partner);
    let by = actor.user.ok_or(AppError::Denied(Denied::Anonymous))?;
    conn.transaction::<_, AppError, _>(async |conn| {
        check_usable(conn, alliance, partner, "partner_id").await?;
        let charter = found(
            charters::find_version(conn, alliance, version).await?,
            "charter version",
        )?;
        if charter.status != CharterStatus::Current {
            return Err(AppError::conflict(
                "charter_not_current",
                "only the version in force can be signed",
            ));
        }
        let signed_at = charters::sign(conn, alliance, charter.id, partner, by).await?;
        let event = Event::CharterSigned {
            charter: charter.id,
            version,
            partner,
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        let partner_name = partners::find(conn, alliance, partner)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        Ok(Signature {
            charter: charter.id,
            partner,
            partner_name,
            signed_at,
        })
    })
    .await
}
