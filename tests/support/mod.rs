//! Test harness: real PostgreSQL, the real application, typed clients.
//!
//! One throwaway PostgreSQL cluster serves the whole run (or `TEST_DATABASE_URL`);
//! the migrations are applied once to a template database, and every test gets
//! its own database cloned from it, dropped when the test ends.

#![expect(clippy::expect_used, reason = "a test harness fails loudly")]

pub mod app;
pub mod db;
pub mod fixture;

pub use app::{Client, TestApp, TestResponse};
pub use db::TestDb;
pub use fixture::{AllianceFixture, Principal};

/// Tracing output only with `TEST_LOG=1`.
pub fn init_logging() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok_and(|v| v == "1") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
                .with_test_writer()
                .try_init();
        }
    });
}
