//! Operator actions: custom plans, plan assignment, pool bindings.

use super::{CAS_ATTEMPTS, Sesame};
use crate::error::{ErrorCode, SesError};
use crate::ports::{PoolSubject, Ports, WarmupRecords};
use crate::types::{AccountId, Domain};
use crate::warmup::{Plan, PlanName, PoolName, Scope, WarmupState};

fn invalid(message: impl Into<String>) -> SesError {
    SesError::new(ErrorCode::InvalidParameterValue, message)
}

/// What a plan is assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanTarget {
    /// A sending domain of an account.
    Domain(AccountId, Domain),
    /// A configured dedicated pool.
    Pool(PoolName),
}

impl<P: Ports> Sesame<P> {
    /// Creates or replaces a custom plan (`steps`: messages per day, non-decreasing).
    pub async fn create_plan(&self, name: &str, steps: Vec<u64>) -> Result<Plan, SesError> {
        let name = PlanName::parse(name).map_err(|e| invalid(format!("PlanName: {e}.")))?;
        let plan = Plan::custom(name, steps).map_err(|e| invalid(format!("Steps: {e}.")))?;
        self.warmup.put_plan(&plan).await?;
        tracing::info!(plan = %plan.name, steps = plan.steps.len(), "warm-up plan saved");
        Ok(plan)
    }

    /// The standard plan followed by every custom plan.
    pub async fn list_plans(&self) -> Result<Vec<Plan>, SesError> {
        let mut plans = vec![Plan::standard()];
        plans.extend(self.warmup.list_plans().await?);
        Ok(plans)
    }

    /// Assigns plan `name` to a domain or a dedicated pool. The scope keeps its step (clamped
    /// to the new plan) and the change is logged as a decision.
    pub async fn assign_plan(
        &self,
        name: &str,
        target: PlanTarget,
    ) -> Result<WarmupState, SesError> {
        let name = PlanName::parse(name).map_err(|e| invalid(format!("PlanName: {e}.")))?;
        let plan = if name.as_str() == crate::warmup::STANDARD_PLAN {
            Plan::standard()
        } else {
            self.warmup
                .get_plan(&name)
                .await?
                .ok_or_else(|| invalid(format!("No warm-up plan is named {name}.")))?
        };
        let scope = match target {
            PlanTarget::Domain(account, domain) => {
                self.owned_domain(&account, &domain).await?;
                Scope::Domain { account, domain }
            }
            PlanTarget::Pool(pool) => {
                self.dedicated_pool(&pool)?;
                Scope::Pool { pool }
            }
        };
        for _ in 0..CAS_ATTEMPTS {
            let current = self.warmup_state(&scope).await?;
            let mut state = current.value.clone();
            state.assign(&plan, self.quota_today());
            if self.warmup.put_warmup(&state, current.revision).await? {
                tracing::info!(scope = %scope, plan = %plan.name, "warm-up plan assigned");
                return Ok(state);
            }
        }
        Err(SesError::internal())
    }

    /// Binds a domain (or, with `domain` `None`, every domain of the account) to a configured
    /// pool; `pool` `None` removes the binding (back to the account's pool or `shared`).
    pub async fn bind_pool(
        &self,
        account: &AccountId,
        domain: Option<&Domain>,
        pool: Option<&str>,
    ) -> Result<(), SesError> {
        let pool = match pool {
            Some(raw) => {
                let pool = PoolName::parse(raw).map_err(|e| invalid(format!("Pool: {e}.")))?;
                if self.settings.warmup.pool(&pool).is_none() {
                    return Err(invalid(format!("No pool named {pool} is configured.")));
                }
                Some(pool)
            }
            None => None,
        };
        let subject = match domain {
            Some(domain) => {
                self.owned_domain(account, domain).await?;
                PoolSubject::Domain {
                    account: account.clone(),
                    domain: domain.clone(),
                }
            }
            None => PoolSubject::Account {
                account: account.clone(),
            },
        };
        self.warmup
            .set_pool_binding(&subject, pool.as_ref())
            .await?;
        tracing::info!(account = %account, pool = ?pool.as_ref().map(PoolName::as_str), "pool binding set");
        Ok(())
    }

    fn dedicated_pool(&self, pool: &PoolName) -> Result<(), SesError> {
        if pool.is_shared() {
            return Err(invalid("The shared pool is warm and has no warm-up plan."));
        }
        if self.settings.warmup.pool(pool).is_none() {
            return Err(invalid(format!("No pool named {pool} is configured.")));
        }
        Ok(())
    }
}
