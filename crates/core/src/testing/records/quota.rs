//! The in-memory quota ledger: one usage number per (scope, day) under the records' mutex.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::InMemoryRecords;
use crate::error::StoreError;
use crate::ports::QuotaLedger;
use crate::testing::lock;

/// Usage by (scope, day).
pub(super) type Ledger = HashMap<(String, NaiveDate), u64>;

impl QuotaLedger for InMemoryRecords {
    async fn reserve(
        &self,
        scope: &str,
        day: NaiveDate,
        want: u64,
        limit: u64,
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let used = state.quota.entry((scope.to_owned(), day)).or_default();
        let granted = want.min(limit.saturating_sub(*used));
        *used += granted;
        Ok(granted)
    }

    async fn release(&self, scope: &str, day: NaiveDate, n: u64) -> Result<(), StoreError> {
        if let Some(used) = lock(&self.state).quota.get_mut(&(scope.to_owned(), day)) {
            *used = used.saturating_sub(n);
        }
        Ok(())
    }

    async fn usage(&self, scope: &str, day: NaiveDate) -> Result<u64, StoreError> {
        Ok(lock(&self.state)
            .quota
            .get(&(scope.to_owned(), day))
            .copied()
            .unwrap_or(0))
    }
}
