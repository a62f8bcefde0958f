//! invitations (being moved here from `agir_http::routes::invitations`).
