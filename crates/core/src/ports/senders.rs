//! The senders port: an account's sender addresses.
//!
//! Every method is scoped by account; an adapter must never return or delete another
//! account's sender. Methods are individually atomic.

use std::future::Future;

use super::Created;
use crate::error::StoreError;
use crate::model::Sender;
use crate::types::{AccountId, EmailAddress};

/// Durable storage of sender addresses.
pub trait Senders: Send + Sync + 'static {
    /// Creates a sender address unless it exists in this account.
    fn create(&self, sender: &Sender) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// One sender address of the account.
    fn get(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Sender>, StoreError>> + Send;
    /// All sender addresses of the account, oldest first.
    fn list(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Vec<Sender>, StoreError>> + Send;
    /// Deletes a sender address. Returns false if it did not exist in this account.
    fn delete(
        &self,
        account: &AccountId,
        address: &EmailAddress,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
