//! events (being moved here from `agir_http::routes::events`).
