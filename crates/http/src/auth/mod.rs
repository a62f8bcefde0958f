//! Authentication: tokens, password hashing, the caller extractors and login limits.

pub mod caller;
pub mod password;
pub mod rate_limit;
pub mod session;
pub mod token;

pub use caller::{AdminCaller, Caller, MaybeCaller};
