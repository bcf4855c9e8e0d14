//! The quota-day rollover: judge each scope's finished days with the policy and store the
//! new step with its decisions. Idempotent: a state is written with a compare-and-set on its
//! revision, so two schedulers (or a scheduler and a lazy rollover in the gate) decide a day
//! once; the loser re-reads and finds the day already judged.

use chrono::NaiveDate;

use super::{CAS_ATTEMPTS, Sesame, bounce_key, complaint_key, usage_key};
use crate::error::StoreError;
use crate::ports::{Ports, QuotaLedger, Revised, WarmupRecords};
use crate::warmup::{DayStats, Scope, WarmupState};

/// What one rollover pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolloverReport {
    /// Scopes looked at.
    pub scopes: usize,
    /// Days judged (decisions made) across all scopes.
    pub judged: usize,
    /// Scopes that were already up to date (another roller got there first).
    pub current: usize,
}

impl<P: Ports> Sesame<P> {
    /// Rolls every scope over to today. Run from the scheduler tick; safe to run anywhere,
    /// any number of times.
    #[tracing::instrument(skip(self), err)]
    pub async fn roll_over_warmups(&self) -> Result<RolloverReport, StoreError> {
        let today = self.quota_today();
        let mut report = RolloverReport::default();
        for state in self.warmup.list_warmups().await? {
            report.scopes += 1;
            let judged = self.roll_scope(state, today).await?.1;
            if judged == 0 {
                report.current += 1;
            }
            report.judged += judged;
        }
        if report.judged > 0 {
            tracing::info!(
                scopes = report.scopes,
                judged = report.judged,
                "warm-up rollover"
            );
        }
        Ok(report)
    }

    /// The scope's state as of today: created if missing, rolled over if behind.
    pub(crate) async fn current_state(&self, scope: &Scope) -> Result<WarmupState, StoreError> {
        let state = self.warmup_state(scope).await?;
        let today = self.quota_today();
        if state.value.day >= today {
            return Ok(state.value);
        }
        Ok(self.roll_scope(state, today).await?.0)
    }

    /// Judges every day of the scope before `today`; returns the state and how many days
    /// this call judged (0 when another writer had already done it).
    async fn roll_scope(
        &self,
        mut current: Revised<WarmupState>,
        today: NaiveDate,
    ) -> Result<(WarmupState, usize), StoreError> {
        for _ in 0..CAS_ATTEMPTS {
            let mut state = current.value.clone();
            if state.day >= today {
                return Ok((state, 0));
            }
            let plan = self.plan_named(&state.plan).await?;
            let policy = &self.settings.warmup.policy;
            let mut judged = 0;
            if state.gap_too_long(today) {
                state.restart_after_long_gap(&plan, today);
                judged = 1;
            } else {
                for day in state.days_to_judge(today) {
                    let stats = self.day_stats(&state.scope, day).await?;
                    state.judge(policy, &plan, stats);
                    judged += 1;
                }
            }
            if self.warmup.put_warmup(&state, current.revision).await? {
                let logged = state.decisions.len().saturating_sub(judged);
                for d in &state.decisions[logged..] {
                    tracing::info!(
                        scope = %state.scope, day = %d.day, action = ?d.action,
                        from = d.from_step, to = d.to_step, reason = %d.reason,
                        "warm-up decision"
                    );
                }
                return Ok((state, judged));
            }
            current = match self.warmup.get_warmup(&current.value.scope).await? {
                Some(fresh) => fresh,
                None => return Ok((state, 0)),
            };
        }
        Err(StoreError::Unavailable(format!(
            "warm-up state of {} is contended",
            current.value.scope
        )))
    }

    /// The figures of one scope's quota day, from the ledger.
    async fn day_stats(&self, scope: &Scope, day: NaiveDate) -> Result<DayStats, StoreError> {
        Ok(DayStats {
            used: self.quota.usage(&usage_key(scope, day)).await?,
            hard_bounces: self.quota.usage(&bounce_key(scope, day)).await?,
            complaints: self.quota.usage(&complaint_key(scope, day)).await?,
        })
    }
}
