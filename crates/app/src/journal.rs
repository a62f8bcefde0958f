//! journal (being moved here from `agir_http::routes::journal`).
