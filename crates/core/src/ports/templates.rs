//! The templates port: an account's email templates.
//!
//! Every method is scoped by account; an adapter must never return or change another
//! account's template. Methods are individually atomic.

use std::future::Future;

use crate::error::StoreError;
use crate::model::Template;
use crate::types::{AccountId, TemplateId};

/// Durable storage of templates.
pub trait Templates: Send + Sync + 'static {
    /// Stores a new template. Its id comes from a sequence, so an existing id is refused with
    /// `StoreError::Corrupt`.
    fn create(&self, template: &Template) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces name and content of an existing template. Returns false if it does not exist
    /// in this account.
    fn update(&self, template: &Template) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// One template of the account.
    fn get(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> impl Future<Output = Result<Option<Template>, StoreError>> + Send;
    /// A page of the account's templates, newest first, and the total count.
    fn list(
        &self,
        account: &AccountId,
        offset: u64,
        limit: u64,
    ) -> impl Future<Output = Result<(Vec<Template>, u64), StoreError>> + Send;
    /// Deletes a template. Returns false if it did not exist in this account.
    fn delete(
        &self,
        account: &AccountId,
        id: TemplateId,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}
