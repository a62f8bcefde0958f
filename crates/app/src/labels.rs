//! labels (being moved here from `agir_http::routes::labels`).
