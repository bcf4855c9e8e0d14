//! The in-memory statistics counters: one map of named counters per key (no shards needed).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::{CounterKey, Counters};
use crate::testing::lock;
use crate::types::AccountId;

/// Counters by key; the key's order (account, day, dims) is the order `read` returns.
pub(super) type Table = BTreeMap<CounterKey, BTreeMap<String, i64>>;

impl Counters for InMemoryRecords {
    async fn add(&self, key: &CounterKey, deltas: &[(&str, i64)]) -> Result<(), StoreError> {
        if deltas.is_empty() {
            return Ok(());
        }
        let mut state = lock(&self.state);
        let counters = state.counters.entry(key.clone()).or_default();
        for (name, delta) in deltas {
            *counters.entry((*name).to_owned()).or_default() += delta;
        }
        Ok(())
    }

    async fn read(
        &self,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CounterKey, BTreeMap<String, i64>)>, StoreError> {
        Ok(lock(&self.state)
            .counters
            .iter()
            .filter(|(key, _)| &key.account == account && from <= key.day && key.day <= to)
            .map(|(key, counters)| (key.clone(), counters.clone()))
            .collect())
    }
}
