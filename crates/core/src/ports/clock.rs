//! Time and randomness as ports, so that tests fix them.

use chrono::{DateTime, Utc};

/// The current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Fresh identifiers and random bytes.
pub trait Ids: Send + Sync + 'static {
    /// `n` cryptographically random bytes.
    fn random_bytes(&self, n: usize) -> Vec<u8>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
