//! Warm-up use-cases: which scopes a domain's mail passes through, their states and plans,
//! the quota gate ([`gate`]), the day rollover ([`rollover`]), plans and pool bindings
//! ([`admin`]) and what `sesame warmup status` shows ([`status`]).
//!
//! Quota usage lives in the quota ledger per scope and quota day (a day in `SESAME_TIMEZONE`),
//! as do hard bounces and complaints ([`QuotaScope`]'s `Warmup*` counters), so the rollover
//! can judge a day from the ledger alone.

mod admin;
mod gate;
mod rollover;
mod status;

#[cfg(test)]
mod tests;

pub use admin::PlanTarget;
pub use gate::Reservation;
pub use rollover::RolloverReport;
pub use status::ScopeStatus;

use chrono::NaiveDate;

use super::Sesame;
use crate::error::{SesError, StoreError};
use crate::ports::{Identities, PoolSubject, Ports, QuotaKey, QuotaScope, Revised, WarmupRecords};
use crate::types::{AccountId, Domain};
use crate::warmup::{Plan, PlanName, PoolName, Scope, WarmupState, quota_day};

/// Ledger counter of a warm-up scope's sends on `day`.
pub(crate) fn usage_key(scope: &Scope, day: NaiveDate) -> QuotaKey {
    QuotaKey::new(QuotaScope::WarmupSent(scope.clone()), day)
}

/// Ledger counter of a warm-up scope's hard bounces on `day`.
pub(crate) fn bounce_key(scope: &Scope, day: NaiveDate) -> QuotaKey {
    QuotaKey::new(QuotaScope::WarmupHardBounces(scope.clone()), day)
}

/// Ledger counter of a warm-up scope's complaints on `day`.
pub(crate) fn complaint_key(scope: &Scope, day: NaiveDate) -> QuotaKey {
    QuotaKey::new(QuotaScope::WarmupComplaints(scope.clone()), day)
}

/// Attempts at a compare-and-set before giving up on a contended state.
const CAS_ATTEMPTS: usize = 8;

impl<P: Ports> Sesame<P> {
    /// Today's quota day.
    pub fn quota_today(&self) -> NaiveDate {
        quota_day(self.now(), self.settings.timezone)
    }

    /// The pool a domain sends through: its own binding, else its account's, else `shared`.
    /// A binding to a pool no longer configured falls back to `shared` (and is logged).
    pub async fn pool_of(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<PoolName, StoreError> {
        // Without dedicated pools every binding resolves to `shared`: skip the reads (this
        // runs once per delivery).
        if self
            .settings
            .warmup
            .pools
            .iter()
            .all(|p| p.name.is_shared())
        {
            return Ok(PoolName::shared());
        }
        let subjects = [
            PoolSubject::Domain {
                account: account.clone(),
                domain: domain.clone(),
            },
            PoolSubject::Account {
                account: account.clone(),
            },
        ];
        for subject in &subjects {
            if let Some(pool) = self.warmup.get_pool_binding(subject).await? {
                if self.settings.warmup.pool(&pool).is_some() {
                    return Ok(pool);
                }
                tracing::warn!(%pool, "bound pool is not configured; using the shared pool");
            }
        }
        Ok(PoolName::shared())
    }

    /// The scopes a message from `domain` passes through: the domain, then its pool when the
    /// pool is dedicated (the shared pool is warm already and has no quota of its own).
    pub async fn scopes_of(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<Vec<Scope>, StoreError> {
        let mut scopes = vec![Scope::Domain {
            account: account.clone(),
            domain: domain.clone(),
        }];
        let pool = self.pool_of(account, domain).await?;
        if !pool.is_shared() {
            scopes.push(Scope::Pool { pool });
        }
        Ok(scopes)
    }

    /// A plan by name: the built-in standard plan or a stored custom one. A state naming a
    /// plan that no longer exists follows the standard plan (and says so in the log).
    pub(crate) async fn plan_named(&self, name: &PlanName) -> Result<Plan, StoreError> {
        if name.as_str() == crate::warmup::STANDARD_PLAN {
            return Ok(Plan::standard());
        }
        match self.warmup.get_plan(name).await? {
            Some(plan) => Ok(plan),
            None => {
                tracing::warn!(plan = %name, "warm-up plan missing; following the standard plan");
                Ok(Plan::standard())
            }
        }
    }

    /// The scope's state, created at step 1 of the standard plan (today) if it has none.
    pub(crate) async fn warmup_state(
        &self,
        scope: &Scope,
    ) -> Result<Revised<WarmupState>, StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            if let Some(state) = self.warmup.get_warmup(scope).await? {
                return Ok(state);
            }
            let fresh = WarmupState::new(
                scope.clone(),
                PlanName::standard(),
                self.quota_today(),
                self.now(),
            );
            if self.warmup.put_warmup(&fresh, 0).await? {
                tracing::info!(scope = %scope, "warm-up started at step 1");
                return Ok(Revised {
                    value: fresh,
                    revision: 1,
                });
            }
        }
        Err(StoreError::Unavailable(format!(
            "warm-up state of {scope} is contended"
        )))
    }

    /// Checks that `domain` is a sender domain of `account`.
    pub(crate) async fn owned_domain(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<(), SesError> {
        if self.identities.get(account, domain).await?.is_none() {
            return Err(SesError::new(
                crate::error::ErrorCode::InvalidParameterValueNotExistDomain,
                "The domain is not a sender domain of this account.",
            ));
        }
        Ok(())
    }
}
