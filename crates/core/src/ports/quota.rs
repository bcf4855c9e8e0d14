//! The quota ledger port: atomic reservation of a daily sending allowance.
//!
//! A scope names what is limited (a sending domain, a dedicated pool, an account: the caller
//! picks the string, e.g. `"domain:mail.example.com"`); a day is a UTC calendar day. Usage
//! only moves through [`QuotaLedger::reserve`] and [`QuotaLedger::release`], each atomic, so
//! any number of concurrent workers together never get more than the limit granted.

use std::future::Future;

use chrono::NaiveDate;

use crate::error::StoreError;

/// Daily usage counters with atomic reserve and release.
pub trait QuotaLedger: Send + Sync + 'static {
    /// Grants up to `want` units of `scope`'s allowance for `day`, never letting the day's
    /// usage exceed `limit`: returns how many were granted, `0..=want`. When only part of
    /// `want` fits, that part is granted (and used); 0 means the day's quota is used up.
    /// Not idempotent: a retried call after an unknown outcome may grant twice, so callers
    /// release what they could not use. An error grants nothing.
    fn reserve(
        &self,
        scope: &str,
        day: NaiveDate,
        want: u64,
        limit: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Gives back `n` units previously granted for `scope` and `day` (a send that was refused
    /// after its reservation). Usage never goes below zero. An unknown scope or day is a no-op.
    fn release(
        &self,
        scope: &str,
        day: NaiveDate,
        n: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Units of `scope` in use on `day`; 0 when nothing was ever reserved.
    fn usage(
        &self,
        scope: &str,
        day: NaiveDate,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
