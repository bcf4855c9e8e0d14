//! The quota gate of batch expansion: how many of the recipients a chunk wants to send may
//! go out today. Two limits apply, and a chunk gets the smaller grant:
//! - the warm-up gate of the sender domain (and its dedicated pool, if bound): the day's
//!   quota of each scope's plan step ([`Sesame::reserve_batch`]);
//! - an optional daily allowance per account (`TaskSettings::daily_quota`, 0 = none).

use chrono::{DateTime, NaiveDate, Utc};

use super::super::Sesame;
use crate::error::SesError;
use crate::ports::{Ports, QuotaKey, QuotaLedger, QuotaScope, Task};
use crate::types::{Domain, Mailbox};
use crate::warmup::quota_day;

/// The ledger counter of a task's account's batch allowance on `day`.
pub(crate) fn allowance_key(task: &Task, day: NaiveDate) -> QuotaKey {
    QuotaKey::new(QuotaScope::TaskAllowance(task.account.clone()), day)
}

/// The sender domain whose warm-up scopes a task's messages pass through.
pub(crate) fn sender_domain(task: &Task) -> Result<Domain, SesError> {
    let from = Mailbox::parse(&task.from).map_err(|_| SesError::internal())?;
    Domain::parse(from.address.domain()).map_err(|_| SesError::internal())
}

impl<P: Ports> Sesame<P> {
    /// Grants up to `want` sends for `task` on the quota day of `now`; 0 when a quota it
    /// passes through is used up for the day.
    pub(super) async fn reserve_for_task(
        &self,
        task: &Task,
        want: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, SesError> {
        if want == 0 {
            return Ok(0);
        }
        let allowed = self.reserve_allowance(task, want, now).await?;
        if allowed == 0 {
            return Ok(0);
        }
        let domain = sender_domain(task)?;
        let granted = match self.reserve_batch(&task.account, &domain, allowed).await {
            Ok(reservation) => reservation.granted,
            Err(e) => {
                self.release_allowance(task, allowed, now).await?;
                return Err(e);
            }
        };
        self.release_allowance(task, allowed - granted, now).await?;
        Ok(granted)
    }

    /// Sends still allowed today, `None` when unlimited: bounds how many rows a chunk reads,
    /// so a day's work follows the quota, not the list size.
    pub(super) async fn quota_left(
        &self,
        task: &Task,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, SesError> {
        let domain = sender_domain(task)?;
        let warmup = self.batch_quota_left(&task.account, &domain).await?;
        let limit = self.settings.tasks.daily_quota;
        let allowance = if limit == 0 {
            u64::MAX
        } else {
            let day = quota_day(now, self.settings.timezone);
            let used = self.quota.usage(&allowance_key(task, day)).await?;
            limit.saturating_sub(used)
        };
        let left = warmup.min(allowance);
        Ok((left != u64::MAX).then_some(left))
    }

    /// Gives back sends granted by [`Self::reserve_for_task`] that were not used (rows a
    /// previous, interrupted expansion had already written).
    pub(super) async fn release_for_task(
        &self,
        task: &Task,
        n: u64,
        now: DateTime<Utc>,
    ) -> Result<(), SesError> {
        if n == 0 {
            return Ok(());
        }
        self.release_allowance(task, n, now).await?;
        self.release_batch(&task.account, &sender_domain(task)?, n)
            .await
    }

    async fn reserve_allowance(
        &self,
        task: &Task,
        want: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, SesError> {
        let limit = self.settings.tasks.daily_quota;
        if limit == 0 {
            return Ok(want);
        }
        let day = quota_day(now, self.settings.timezone);
        Ok(self
            .quota
            .reserve(&allowance_key(task, day), want, limit)
            .await?)
    }

    async fn release_allowance(
        &self,
        task: &Task,
        n: u64,
        now: DateTime<Utc>,
    ) -> Result<(), SesError> {
        if self.settings.tasks.daily_quota == 0 || n == 0 {
            return Ok(());
        }
        let day = quota_day(now, self.settings.timezone);
        Ok(self.quota.release(&allowance_key(task, day), n).await?)
    }
}
