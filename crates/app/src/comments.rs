//! comments (being moved here from `agir_http::routes::comments`).
