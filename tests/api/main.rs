//! End-to-end tests of the API: the real application, a real PostgreSQL database per test.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod alliances;
mod auth;
mod conventions;
mod demo;
mod dtos;
mod errors;
mod journal;
mod journal_fixture;
mod matrix;
mod migrations;
mod network;
mod openapi;
mod plans;
mod resources;
mod succession;
mod users;
mod verification;
mod votes;
