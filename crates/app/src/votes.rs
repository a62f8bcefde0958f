//! votes (being moved here from `agir_http::routes::votes`).
