//! cities (being moved here from `agir_http::routes::cities`).
