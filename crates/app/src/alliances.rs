//! Alliances: public profiles; created by platform admins, edited by their coordinator,
//! archived and reopened by platform admins.

use agir_domain::alliance::{self, Alliance, AllianceStatus};
use agir_domain::ids::AllianceId;
use agir_domain::journal::Event;
use agir_domain::policy::{self, Principal};
use agir_persistence::cities::{self, AllianceChanges, AllianceFilter};
use agir_persistence::journal::{self, Actor};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::{AsyncConnection, AsyncPgConnection};

use crate::Scope;
use crate::error::{AppError, Result};
use crate::expect::Expected;

/// A page of alliances, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AllianceFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<Alliance>> {
    Ok(cities::list_alliances(conn, filter, page).await?)
}

/// The alliance's public profile (the scope loaded it).
pub fn get(scope: &Scope) -> &Alliance {
    &scope.alliance
}

/// Creates an alliance in an existing city and journals it (platform admins).
/// `alliance` names the city, the name and the description; its status is `active`.
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    alliance: AllianceChanges,
) -> Result<Alliance> {
    policy::manage_platform(Some(principal))?;
    let actor = Actor::user(principal.user);
    conn.transaction::<_, AppError, _>(async |conn| {
        let city = match alliance.city {
            Some(city) if cities::find_city(conn, city).await?.is_some() => city,
            _ => return Err(AppError::field("city_id", "not_found", "no such city")),
        };
        let alliance = cities::insert_alliance(conn, AllianceId::new(), alliance).await?;
        journal::append(
            conn,
            None,
            actor,
            &Event::AllianceCreated {
                alliance: alliance.id,
                name: alliance.name.clone(),
                city,
            },
        )
        .await?;
        Ok(alliance)
    })
    .await
}

/// Whether the caller may make these changes: the coordinator and admins; the status
/// (archiving, reopening) admins only. [`update`] asks it first; a handler may ask it
/// before parsing the input, so that a refusal wins over invalid fields.
pub fn authorize_update(scope: &Scope, changes_status: bool) -> Result<()> {
    Ok(policy::edit_alliance(&scope.caller, changes_status)?)
}

/// Changes an alliance and journals it; no change writes nothing. An archived
/// alliance is read-only (409 `alliance_archived`) but for a platform admin setting
/// its status back to active.
pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: &Scope,
    changes: AllianceChanges,
    expected: &(impl Expected<Alliance> + Sync),
) -> Result<Alliance> {
    authorize_update(scope, changes.status.is_some())?;
    let id = scope.id();
    let actor = scope.actor();
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = cities::lock_alliance(conn, id)
            .await?
            .ok_or(AppError::NotFound("alliance"))?;
        let unarchiving = changes.status == Some(AllianceStatus::Active);
        alliance::check_writable(current.status, unarchiving)?;
        expected.check(&current)?;
        if changes.is_empty() {
            return Ok(current);
        }
        let alliance = cities::update_alliance(conn, id, changes).await?;
        journal::append(
            conn,
            Some(id),
            actor,
            &Event::AllianceUpdated {
                alliance: id,
                name: alliance.name.clone(),
                status: alliance.status,
            },
        )
        .await?;
        Ok(alliance)
    })
    .await
}
