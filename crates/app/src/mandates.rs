//! mandates (being moved here from `agir_http::routes::mandates`).
