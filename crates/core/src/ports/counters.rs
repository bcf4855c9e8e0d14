//! The counters port: statistics aggregates (requests, deliveries, opens, clicks, bounces …)
//! per account, UTC day and a dimension string.
//!
//! Counters only ever move by atomic additions, so concurrent writers (delivery workers,
//! the tracking edge) never lose an update. Adapters may spread one key over several stored
//! shards to avoid a hot item; `read` always returns the shards summed.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::NaiveDate;

use crate::error::StoreError;
use crate::types::AccountId;

/// What a set of counters is about: an account's day, narrowed by dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CounterKey {
    /// Owning account.
    pub account: AccountId,
    /// UTC day.
    pub day: NaiveDate,
    /// Dimensions in a canonical form chosen by the caller, e.g. `"domain=a.com|mbox=gmail.com"`
    /// (empty for the account's daily total). Compared byte for byte: the caller must write the
    /// same dimensions the same way every time.
    pub dims: String,
}

/// The counters of one key, by name.
pub type CounterValues = BTreeMap<String, i64>;

/// Named 64-bit counters per [`CounterKey`].
pub trait Counters: Send + Sync + 'static {
    /// Adds each `(name, delta)` to the key's counters (a counter never written is 0), all in one
    /// atomic write. Deltas may be negative. Not idempotent: a retry after an unknown outcome may
    /// count twice. Counter names are free text (1–64 bytes); an empty `deltas` is a no-op.
    fn add(
        &self,
        key: &CounterKey,
        deltas: &[(&str, i64)],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Every key of the account whose day is in `from..=to`, with its counters summed over
    /// shards, ordered by day then dims. Counters never written are absent from the map.
    fn read(
        &self,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<(CounterKey, CounterValues)>, StoreError>> + Send;
}
