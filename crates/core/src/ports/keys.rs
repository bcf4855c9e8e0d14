//! The keys port: accounts and their API keys.
//!
//! Methods are individually atomic; none spans several calls.

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::model::ApiKey;
use crate::types::{AccountId, SecretId};

/// Durable storage of accounts and API keys.
pub trait Keys: Send + Sync + 'static {
    /// Creates the account if it does not exist. Idempotent.
    fn ensure_account(
        &self,
        account: &AccountId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a new API key (its id is fresh; overwriting is not expected).
    fn put(&self, key: &ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The key with this id, revoked or not.
    fn get(&self, id: &SecretId)
    -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;
    /// All keys of all accounts (operator listing), oldest first.
    fn list(&self) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;
    /// Marks a key revoked. Returns false if no such key. Idempotent.
    fn revoke(&self, id: &SecretId) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
