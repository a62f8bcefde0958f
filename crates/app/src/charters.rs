//! charters (being moved here from `agir_http::routes::charters`).
