//! Partners of an alliance: public to read, managed by the coordinator.

use agir_domain::DomainError;
use agir_domain::alliance::{Partner, PartnerStatus};
use agir_domain::ids::{AllianceId, PartnerId};
use agir_domain::journal::Event;
use agir_domain::policy;
use agir_persistence::journal;
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::partners::{self, PartnerChanges, PartnerFilter};
use agir_persistence::{AsyncConnection, AsyncPgConnection};

use crate::error::{AppError, Result, found};
use crate::{Expected, Scope, locked};

/// An alliance's partners (public).
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    filter: &PartnerFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Partner>> {
    Ok(partners::list(conn, scope.id(), filter, page).await?)
}

/// A partner (public; 404 if it is not one of this alliance's).
pub async fn get(conn: &mut AsyncPgConnection, scope: &Scope, id: PartnerId) -> Result<Partner> {
    found(partners::find(conn, scope.id(), id).await?, "partner")
}

/// Adds a partner (the coordinator). `new` is the parsed input, refused (422) only
/// after the policy (403): its `joined_on` defaults to today; its `status` and
/// `left_on` are ignored.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    new: Result<PartnerChanges, DomainError>,
) -> Result<Partner> {
    policy::manage_alliance(&scope.caller)?;
    let new = new?;
    let changes = PartnerChanges {
        joined_on: Some(new.joined_on.unwrap_or(scope.today)),
        status: None,
        left_on: None,
        ..new
    };
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let partner = partners::insert(conn, alliance, PartnerId::new(), changes).await?;
        journal::append(
            conn,
            Some(alliance),
            actor,
            &Event::PartnerCreated {
                partner: partner.id,
                name: partner.name.clone(),
                kind: partner.kind,
            },
        )
        .await?;
        Ok(partner)
    })
    .await
}

/// Changes a partner, or withdraws it (the coordinator). Withdrawing sets `left_on`
/// to today unless given; rejoining clears it. No change writes and journals
/// nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    id: PartnerId,
    changes: Result<PartnerChanges, DomainError>,
    expected: &(impl Expected<Partner> + Sync),
) -> Result<Partner> {
    policy::manage_alliance(&scope.caller)?;
    let mut changes = changes?;
    if changes.left_on.is_none() {
        match changes.status {
            Some(PartnerStatus::Withdrawn) => changes.left_on = Some(Some(scope.today)),
            Some(PartnerStatus::Active) => changes.left_on = Some(None),
            None => {}
        }
    }
    let (alliance, actor) = (scope.id(), scope.actor());
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = locked(
            partners::lock(conn, alliance, id).await?,
            "partner",
            expected,
        )?;
        // Nothing to change: nothing written, nothing journaled.
        if changes == PartnerChanges::default() {
            return Ok(current);
        }
        let joined = changes.joined_on.unwrap_or(current.joined_on);
        let left = changes.left_on.unwrap_or(current.left_on);
        if left.is_some_and(|left| left < joined) {
            return Err(AppError::field(
                "left_on",
                "before_start",
                "must not be before joined_on",
            ));
        }
        let partner = partners::update(conn, id, changes).await?;
        let (name, kind, status) = (partner.name.clone(), partner.kind, partner.status);
        let event = match (current.status, status) {
            (PartnerStatus::Active, PartnerStatus::Withdrawn) => Event::PartnerWithdrawn {
                partner: id,
                name,
                kind,
                status,
            },
            (PartnerStatus::Withdrawn, PartnerStatus::Active) => Event::PartnerRejoined {
                partner: id,
                name,
                kind,
                status,
            },
            _ => Event::PartnerUpdated {
                partner: id,
                name,
                kind,
                status,
            },
        };
        journal::append(conn, Some(alliance), actor, &event).await?;
        Ok(partner)
    })
    .await
}

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
