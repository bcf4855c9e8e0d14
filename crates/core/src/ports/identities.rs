//! The identities port: sender domains, with their verification state and DKIM keys.
//!
//! Every method but [`Identities::list_all`] is scoped by account; a domain is unique
//! installation-wide. Methods are individually atomic.

use std::future::Future;

use crate::error::StoreError;
use crate::model::Identity;
use crate::types::{AccountId, Domain};

/// Outcome of a create that must not overwrite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// The record was written.
    Yes,
    /// A record with the same key already exists in this account; nothing was written.
    AlreadyExists,
    /// The key is taken by another account (domains are unique installation-wide).
    OwnedByOther,
}

/// Durable storage of sender domains.
pub trait Identities: Send + Sync + 'static {
    /// Creates a sender domain unless the domain exists in any account.
    fn create(
        &self,
        identity: &Identity,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;
    /// One domain of the account.
    fn get(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> impl Future<Output = Result<Option<Identity>, StoreError>> + Send;
    /// All domains of the account, oldest first.
    fn list(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Vec<Identity>, StoreError>> + Send;
    /// Every domain of every account, ordered by domain name: the periodic DNS re-check walks
    /// them all. Not paged: an installation holds at most `max_domains` per account.
    fn list_all(&self) -> impl Future<Output = Result<Vec<Identity>, StoreError>> + Send;
    /// Replaces a domain record (verification state, keys). Returns false if it does not exist.
    fn update(&self, identity: &Identity) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Deletes a domain. Returns false if it did not exist in this account.
    fn delete(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
