//! alliances (being moved here from `agir_http::routes::alliances`).
