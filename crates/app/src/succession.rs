//! succession (being moved here from `agir_http::routes::succession`).
