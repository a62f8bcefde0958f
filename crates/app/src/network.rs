//! network (being moved here from `agir_http::routes::network`).
