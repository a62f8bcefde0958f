//! results (being moved here from `agir_http::routes::results`).
