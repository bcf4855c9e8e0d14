//! What `sesame warmup status` and the `GetWarmupStatus` extension action show per scope.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Sesame, usage_key};
use crate::error::SesError;
use crate::ports::{Identities, Ports, QuotaLedger};
use crate::types::AccountId;
use crate::warmup::{Decision, ForecastDay, PlanName, Scope, forecast, next_rollover};

/// One scope's warm-up as of now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeStatus {
    /// The scope.
    pub scope: Scope,
    /// The pool its mail goes through (for a domain; a pool scope names itself).
    pub pool: String,
    /// Plan followed.
    pub plan: PlanName,
    /// Steps of the plan (the warm step is one more).
    pub plan_steps: u32,
    /// Current step (`plan_steps + 1` when warm).
    pub step: u32,
    /// Whether the warm-up is over.
    pub warm: bool,
    /// Today's quota day.
    pub day: NaiveDate,
    /// Today's quota.
    pub quota: u64,
    /// Used today (batch and transactional).
    pub used: u64,
    /// Left today for batch mail.
    pub remaining: u64,
    /// When the next quota day starts.
    pub next_rollover: DateTime<Utc>,
    /// The latest decision, with its reason.
    pub last_decision: Option<Decision>,
    /// For the requested backlog, the day-by-day plan until it is sent (empty for 0).
    pub forecast: Vec<ForecastDay>,
}

impl<P: Ports> Sesame<P> {
    /// Status of every scope of `account` (its domains and their dedicated pools), or of the
    /// whole installation (every domain and every configured dedicated pool) for `None`,
    /// with a forecast for a backlog of `backlog` messages per scope.
    pub async fn warmup_status(
        &self,
        account: Option<&AccountId>,
        backlog: u64,
    ) -> Result<Vec<ScopeStatus>, SesError> {
        let identities = match account {
            Some(account) => self.identities.list(account).await?,
            None => self.identities.list_all().await?,
        };
        let mut scopes: Vec<(Scope, String)> = Vec::new();
        for identity in &identities {
            let pool = self.pool_of(&identity.account, &identity.domain).await?;
            for scope in self.scopes_of(&identity.account, &identity.domain).await? {
                if !scopes.iter().any(|(s, _)| s == &scope) {
                    scopes.push((scope, pool.to_string()));
                }
            }
        }
        if account.is_none() {
            for pool in &self.settings.warmup.pools {
                let scope = Scope::Pool {
                    pool: pool.name.clone(),
                };
                if !pool.name.is_shared() && !scopes.iter().any(|(s, _)| s == &scope) {
                    scopes.push((scope, pool.name.to_string()));
                }
            }
        }
        let mut out = Vec::with_capacity(scopes.len());
        for (scope, pool) in scopes {
            out.push(self.scope_status(scope, pool, backlog).await?);
        }
        Ok(out)
    }

    async fn scope_status(
        &self,
        scope: Scope,
        pool: String,
        backlog: u64,
    ) -> Result<ScopeStatus, SesError> {
        let state = self.current_state(&scope).await?;
        let plan = self.plan_named(&state.plan).await?;
        let day = self.quota_today();
        let quota = plan.quota(state.step);
        let used = self.quota.usage(&usage_key(&scope, day)).await?;
        let remaining = quota.saturating_sub(used);
        let policy = &self.settings.warmup.policy;
        Ok(ScopeStatus {
            pool,
            plan: plan.name.clone(),
            plan_steps: plan.steps.len() as u32,
            step: state.step,
            warm: plan.is_warm(state.step),
            day,
            quota,
            used,
            remaining,
            next_rollover: next_rollover(day, self.settings.timezone),
            last_decision: state.last_decision().cloned(),
            forecast: forecast(policy, &plan, state.step, remaining, day, backlog),
            scope,
        })
    }

    /// The warm-up step and daily quota of a domain (what ListEmailIdentities reports as
    /// `CurrentReputationLevel` and `DailyQuota`), and its pool's relay hosts (`SendIp`).
    pub async fn domain_quota(
        &self,
        account: &AccountId,
        domain: &crate::types::Domain,
    ) -> Result<(u32, u64, Vec<String>), SesError> {
        let scope = Scope::Domain {
            account: account.clone(),
            domain: domain.clone(),
        };
        let state = self.current_state(&scope).await?;
        let plan = self.plan_named(&state.plan).await?;
        let pool = self.pool_of(account, domain).await?;
        let ips = self
            .settings
            .warmup
            .pool(&pool)
            .map(|p| p.send_ips.clone())
            .unwrap_or_default();
        Ok((state.step, plan.quota(state.step), ips))
    }
}
