//! The in-memory quota ledger: one usage number per key under the records' mutex.

use std::collections::HashMap;

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::{QuotaKey, QuotaLedger};
use crate::testing::lock;

/// Usage by key.
pub(super) type Ledger = HashMap<QuotaKey, u64>;

impl QuotaLedger for InMemoryRecords {
    async fn reserve(&self, key: &QuotaKey, want: u64, limit: u64) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let used = state.quota.entry(key.clone()).or_default();
        let granted = want.min(limit.saturating_sub(*used));
        *used += granted;
        Ok(granted)
    }

    async fn release(&self, key: &QuotaKey, n: u64) -> Result<(), StoreError> {
        if let Some(used) = lock(&self.state).quota.get_mut(key) {
            *used = used.saturating_sub(n);
        }
        Ok(())
    }

    async fn usage(&self, key: &QuotaKey) -> Result<u64, StoreError> {
        Ok(lock(&self.state).quota.get(key).copied().unwrap_or(0))
    }
}
