//! users (being moved here from `agir_http::routes::users`).
