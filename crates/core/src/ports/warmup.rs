//! The warm-up records port: each scope's warm-up state (with its decision log), the custom
//! plans operators define, and which pool an account or domain sends through.
//!
//! Kept by the same store as the other records. States are written with a compare-and-set on
//! their revision, so two schedulers rolling the same day over (or a rollover racing a plan
//! assignment) never both apply: the loser re-reads and finds the work done.

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::error::StoreError;
use crate::types::{AccountId, Domain};
use crate::warmup::{Plan, PlanName, PoolName, Scope, WarmupState};

/// A stored state and its revision (incremented by every successful write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revised<T> {
    /// The value.
    pub value: T,
    /// Revision, ≥ 1 once stored.
    pub revision: u64,
}

/// What a pool binding applies to: every domain of an account, or one domain (which wins).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PoolSubject {
    /// All of an account's domains without a binding of their own.
    Account {
        /// The account.
        account: AccountId,
    },
    /// One domain of an account.
    Domain {
        /// Owner.
        account: AccountId,
        /// The domain.
        domain: Domain,
    },
}

impl PoolSubject {
    /// The owning account.
    pub fn account(&self) -> &AccountId {
        match self {
            PoolSubject::Account { account } | PoolSubject::Domain { account, .. } => account,
        }
    }
}

/// Durable warm-up states, custom plans and pool bindings.
pub trait WarmupRecords: Send + Sync + 'static {
    /// The state of a scope, with its revision.
    fn get_warmup(
        &self,
        scope: &Scope,
    ) -> impl Future<Output = Result<Option<Revised<WarmupState>>, StoreError>> + Send;

    /// Writes `state` (its scope names the record) if the stored revision is `expected`
    /// (`0`: only if no state exists yet); the stored revision becomes `expected + 1`.
    /// Returns false, writing nothing, when another writer got there first.
    fn put_warmup(
        &self,
        state: &WarmupState,
        expected: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every stored state of every scope, ordered by [`Scope::key`] (the rollover walks
    /// them all; scopes are few: capped domains per account plus configured pools).
    fn list_warmups(
        &self,
    ) -> impl Future<Output = Result<Vec<Revised<WarmupState>>, StoreError>> + Send;

    /// Creates or replaces a custom plan. Idempotent.
    fn put_plan(&self, plan: &Plan) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// A custom plan by name (the standard plan is built in, never stored).
    fn get_plan(
        &self,
        name: &PlanName,
    ) -> impl Future<Output = Result<Option<Plan>, StoreError>> + Send;

    /// Every custom plan, ordered by name.
    fn list_plans(&self) -> impl Future<Output = Result<Vec<Plan>, StoreError>> + Send;

    /// Binds `subject` to `pool`, or removes its binding with `None`. Idempotent.
    fn set_pool_binding(
        &self,
        subject: &PoolSubject,
        pool: Option<&PoolName>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The pool `subject` is bound to, if any (only this subject: an account's binding is
    /// not reported for its domains; core resolves the precedence).
    fn get_pool_binding(
        &self,
        subject: &PoolSubject,
    ) -> impl Future<Output = Result<Option<PoolName>, StoreError>> + Send;
}
