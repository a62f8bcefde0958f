//! Demo data: loaded by `agir demo load`, and on the first start of the embedded database.
//! The loader lives in the HTTP crate (`agir_http::demo`), next to the handlers whose
//! writes and journal entries it repeats, so that the integration tests can run it.

pub use agir_http::demo::{is_loaded, load, logins, print_logins};
