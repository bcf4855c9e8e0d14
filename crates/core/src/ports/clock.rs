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

/// Randomness from the operating system (the system counterpart of [`SystemClock`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsIds;

impl Ids for OsIds {
    fn random_bytes(&self, n: usize) -> Vec<u8> {
        use rand::RngCore;
        let mut out = vec![0u8; n];
        rand::rng().fill_bytes(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_ids_are_fresh() {
        assert_eq!(OsIds.random_bytes(24).len(), 24);
        assert_ne!(OsIds.random_bytes(16), OsIds.random_bytes(16));
    }
}
