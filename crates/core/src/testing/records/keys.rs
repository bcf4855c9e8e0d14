//! Accounts, API keys and sequences of [`InMemoryRecords`].

use chrono::{DateTime, Utc};

use super::{InMemoryRecords, oldest_first};
use crate::error::StoreError;
use crate::model::ApiKey;
use crate::ports::{Keys, Sequences};
use crate::testing::lock;
use crate::types::{AccountId, SecretId};

impl Keys for InMemoryRecords {
    async fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        lock(&self.state)
            .accounts
            .entry(account.clone())
            .or_insert(now);
        Ok(())
    }

    async fn put(&self, key: &ApiKey) -> Result<(), StoreError> {
        let mut state = lock(&self.state);
        state.keys.retain(|k| k.secret_id != key.secret_id);
        state.keys.push(key.clone());
        Ok(())
    }

    async fn get(&self, id: &SecretId) -> Result<Option<ApiKey>, StoreError> {
        Ok(lock(&self.state)
            .keys
            .iter()
            .find(|k| &k.secret_id == id)
            .cloned())
    }

    async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        Ok(oldest_first(lock(&self.state).keys.iter().cloned(), |k| {
            k.created_at
        }))
    }

    async fn revoke(&self, id: &SecretId) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let key = state.keys.iter_mut().find(|k| &k.secret_id == id);
        Ok(key.map(|k| k.revoked = true).is_some())
    }
}

impl Sequences for InMemoryRecords {
    async fn next(&self, name: &str) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let value = state.sequences.entry(name.to_owned()).or_insert(0);
        *value += 1;
        Ok(*value)
    }
}
