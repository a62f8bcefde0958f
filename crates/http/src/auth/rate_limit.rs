//! Login attempts limited per account and per client address (kept per replica).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::problem::ApiError;

/// Attempts allowed per minute, with as large a burst.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    pub per_account_per_minute: u32,
    pub per_address_per_minute: u32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self {
            per_account_per_minute: 5,
            per_address_per_minute: 30,
        }
    }
}

pub struct LoginLimiter {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    pub fn new(limits: &LoginLimits) -> Self {
        Self {
            per_account: RateLimiter::keyed(quota(limits.per_account_per_minute)),
            per_address: RateLimiter::keyed(quota(limits.per_address_per_minute)),
            clock: DefaultClock::default(),
        }
    }

    /// Counts one attempt; 429 with the wait when either limit is reached.
    pub fn check(&self, account: &str, address: Option<IpAddr>) -> Result<(), ApiError> {
        if self.per_account.len() > 100_000 {
            self.per_account.retain_recent();
            self.per_address.retain_recent();
        }
        if let Some(address) = address
            && let Err(not_until) = self.per_address.check_key(&address)
        {
            return Err(self.too_many(not_until.wait_time_from(self.clock.now())));
        }
        if let Err(not_until) = self.per_account.check_key(&account.to_owned()) {
            return Err(self.too_many(not_until.wait_time_from(self.clock.now())));
        }
        Ok(())
    }

    fn too_many(&self, wait: std::time::Duration) -> ApiError {
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    }
}
