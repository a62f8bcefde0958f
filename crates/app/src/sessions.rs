//! sessions (being moved here from `agir_http::routes::sessions`).
