//! Handlers, one module per resource.

pub mod actions;
pub mod alliances;
pub mod auth;
pub mod charters;
pub mod cities;
pub mod comments;
pub mod events;
pub mod health;
pub mod invitations;
pub mod journal;
pub mod labels;
pub mod mandates;
pub mod me;
pub mod network;
pub mod partners;
pub mod plans;
pub mod results;
pub mod succession;
pub mod users;
pub mod votes;

use serde::{Deserialize, Deserializer};
use utoipa_actix_web::scope::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every operation under the base path `/api/v1`.
///
/// Routes are nested in scopes, one per family and, inside an alliance, one per
/// collection: actix tries a scope's resources in turn, running a regex for each
/// dynamic one, while a static scope prefix is compared as a string. A request then
/// runs a few regex matches instead of one per route registered before its own.
/// A scope owns every path under its prefix (nothing falls through to later
/// services), so every route under a prefix is registered in its scope; a path a
/// scope does not know reaches the app's default service (404 or 405).
/// Route attributes hold the path relative to their scope.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/auth")
            .service(auth::login)
            .service(auth::refresh_tokens)
            .service(auth::logout),
    )
    .service(
        scope("/me")
            .service(me::get_me)
            .service(me::update_me)
            .service(me::change_password),
    )
    .service(
        scope("/users")
            .service(users::list_users)
            .service(users::create_user)
            .service(users::get_user)
            .service(users::update_user),
    )
    .service(
        scope("/cities")
            .service(cities::list_cities)
            .service(cities::create_city)
            .service(cities::get_city)
            .service(cities::update_city),
    )
    .service(
        scope("/alliances")
            .service(alliances::list_alliances)
            .service(alliances::create_alliance)
            .service(scope("/{id}").configure(alliance)),
    )
    .service(scope("/invitations").service(invitations::accept_invitation))
    .service(
        scope("/network")
            .service(network::network_labels)
            .service(network::network_stats)
            .service(network::network_actions)
            .service(network::network_export),
    )
    .service(
        scope("/journal")
            .service(journal::list_platform_journal)
            .service(journal::verify_platform_journal),
    )
    .service(health::healthz)
    .service(health::readyz)
    .service(health::metrics);
}

/// Everything under `/alliances/{id}`: a static scope per collection.
fn alliance(cfg: &mut ServiceConfig) {
    cfg.service(alliances::get_alliance)
        .service(alliances::update_alliance)
        .service(succession::get_succession)
        .service(
            scope("/partners")
                .service(partners::list_partners)
                .service(partners::create_partner)
                .service(partners::get_partner)
                .service(partners::update_partner),
        )
        .service(
            scope("/mandates")
                .service(mandates::list_mandates)
                .service(mandates::create_mandate)
                .service(mandates::get_mandate)
                .service(mandates::update_mandate)
                .service(mandates::delete_mandate)
                .service(mandates::designate_successor),
        )
        .service(
            scope("/invitations")
                .service(invitations::list_invitations)
                .service(invitations::create_invitation)
                .service(invitations::revoke_invitation),
        )
        .service(
            scope("/charters")
                .service(charters::list_charters)
                .service(charters::create_charter)
                .service(charters::sign_charter),
        )
        .service(
            scope("/plans")
                .service(plans::list_plans)
                .service(plans::create_plan)
                .service(plans::get_plan)
                .service(plans::update_plan)
                .service(plans::transition_plan)
                .service(plans::carry_over_plan)
                .service(actions::list_actions)
                .service(actions::create_action),
        )
        .service(
            scope("/actions")
                .service(actions::get_action)
                .service(actions::update_action)
                .service(comments::list_comments)
                .service(comments::create_comment)
                .service(comments::update_comment)
                .service(comments::delete_comment)
                .service(comments::endorse_action)
                .service(comments::withdraw_endorsement)
                .service(results::list_indicators)
                .service(results::create_indicator),
        )
        .service(
            scope("/indicators")
                .service(results::list_measurements)
                .service(results::create_measurement),
        )
        .service(scope("/measurements").service(results::review_measurement))
        .service(
            scope("/events")
                .service(events::list_events)
                .service(events::create_event)
                .service(events::get_event)
                .service(events::update_event)
                .service(events::delete_event),
        )
        .service(
            scope("/votes")
                .service(votes::list_votes)
                .service(votes::create_vote)
                .service(votes::get_vote)
                .service(votes::update_vote)
                .service(votes::cast_ballot)
                .service(votes::close_vote_early)
                .service(votes::get_vote_results),
        )
        .service(
            scope("/labels")
                .service(labels::list_labels)
                .service(labels::apply_for_label)
                .service(labels::decide_label),
        )
        .service(
            scope("/journal")
                .service(journal::list_alliance_journal)
                .service(journal::verify_alliance_journal),
        );
}

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent is `None`,
/// `null` is `Some(None)`, a value is `Some(Some(v))`.
pub(crate) fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
