//! Cities (communes): public to read, created and changed by platform admins.

use agir_domain::alliance::City;
use agir_domain::ids::CityId;
use agir_domain::journal::Event;
use agir_domain::policy::{self, Principal};
use agir_persistence::cities::{self, CityChanges, CityFilter};
use agir_persistence::journal::{self, Actor};
use agir_persistence::page::{Page, PageRequest, TimeKey};
use agir_persistence::{AsyncConnection, AsyncPgConnection};

use crate::error::{AppError, Result, found};
use crate::expect::{Expected, locked};

/// A page of cities, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &CityFilter,
    page: &PageRequest<TimeKey>,
) -> Result<Page<City>> {
    Ok(cities::list_cities(conn, filter, page).await?)
}

/// A city (404 if there is none).
pub async fn get(conn: &mut AsyncPgConnection, id: CityId) -> Result<City> {
    found(cities::find_city(conn, id).await?, "city")
}

/// Creates a city and journals it (platform admins). `city` holds every field.
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    city: CityChanges,
) -> Result<City> {
    policy::manage_platform(Some(principal))?;
    let actor = Actor::user(principal.user);
    conn.transaction::<_, AppError, _>(async |conn| {
        let city = cities::insert_city(conn, CityId::new(), city).await?;
        journal::append(
            conn,
            None,
            actor,
            &Event::CityCreated {
                city: city.id,
                name: city.name.clone(),
                insee_code: city.insee_code.clone(),
            },
        )
        .await?;
        Ok(city)
    })
    .await
}

/// Changes a city and journals it (platform admins); no change writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: CityId,
    changes: CityChanges,
    expected: &(impl Expected<City> + Sync),
) -> Result<City> {
    policy::manage_platform(Some(principal))?;
    let actor = Actor::user(principal.user);
    conn.transaction::<_, AppError, _>(async |conn| {
        let current = locked(cities::lock_city(conn, id).await?, "city", expected)?;
        if changes.is_empty() {
            return Ok(current);
        }
        let city = cities::update_city(conn, id, changes).await?;
        journal::append(
            conn,
            None,
            actor,
            &Event::CityUpdated {
                city: id,
                name: city.name.clone(),
                insee_code: city.insee_code.clone(),
            },
        )
        .await?;
        Ok(city)
    })
    .await
}
