//! A settable clock and deterministic "randomness".

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};

use super::lock;
use crate::ports::{Clock, Ids};

/// A clock that stands still until told to move. Clones share the same time, so a test can
/// keep one handle and advance the clock a use-case holds.
#[derive(Debug, Clone)]
pub struct FixedClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl FixedClock {
    /// A clock showing `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(now)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *lock(&self.now) = now;
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = lock(&self.now);
        *now += by;
    }
}

impl Default for FixedClock {
    /// 2024-01-01T00:00:00Z, a Monday.
    fn default() -> Self {
        Self::at(
            Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        )
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *lock(&self.now)
    }
}

/// Deterministic pseudo-random bytes: a SplitMix64 stream from a seed. Two runs of a test
/// see the same ids; two calls in one run never see the same bytes. Clones share the stream.
#[derive(Debug, Clone, Default)]
pub struct SeqIds {
    state: Arc<AtomicU64>,
}

impl SeqIds {
    /// A stream starting from `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            state: Arc::new(AtomicU64::new(seed)),
        }
    }

    fn next_u64(&self) -> u64 {
        const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut z = self
            .state
            .fetch_add(GOLDEN, Ordering::Relaxed)
            .wrapping_add(GOLDEN);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Ids for SeqIds {
    fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_of_a_fixed_clock_move_together() {
        let clock = FixedClock::default();
        let held = clock.clone();
        clock.advance(chrono::Duration::seconds(90));
        assert_eq!(
            held.now(),
            FixedClock::default().now() + chrono::Duration::seconds(90)
        );
    }

    #[test]
    fn seq_ids_repeat_across_runs_but_not_within_one() {
        let a = SeqIds::default();
        let b = SeqIds::default();
        let first = a.random_bytes(20);
        assert_eq!(first, b.random_bytes(20));
        assert_ne!(first, a.random_bytes(20));
        assert_eq!(a.random_bytes(3).len(), 3);
    }
}
