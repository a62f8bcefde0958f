//! Handlers, one module per resource.

pub mod auth;
pub mod health;
pub mod journal;
pub mod me;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every operation under the base path `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh_tokens)
        .service(auth::logout)
        .service(me::get_me)
        .service(me::update_me)
        .service(me::change_password)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::get_user)
        .service(users::update_user)
        .service(journal::list_platform_journal)
        .service(journal::verify_platform_journal)
        .service(health::healthz)
        .service(health::readyz)
        .service(health::metrics);
}
