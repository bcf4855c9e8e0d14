//! The quota gate of batch expansion: how many of the recipients a chunk wants to send may
//! go out today. For now one daily allowance per account (`TaskSettings::daily_quota`) in
//! the quota ledger; the warm-up gate (per domain and pool) replaces these two functions.

use chrono::{DateTime, Utc};

use super::super::Sesame;
use crate::error::SesError;
use crate::ports::{Ports, QuotaLedger, Task};
use crate::warmup::quota_day;

/// The ledger scope of an account's batch allowance.
pub(crate) fn account_scope(task: &Task) -> String {
    format!("tasks:{}", task.account)
}

impl<P: Ports> Sesame<P> {
    /// Grants up to `want` sends for `task` on the quota day of `now`; 0 when the day's
    /// allowance is used up.
    pub(super) async fn reserve_for_task(
        &self,
        task: &Task,
        want: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, SesError> {
        let limit = self.settings.tasks.daily_quota;
        if limit == 0 || want == 0 {
            return Ok(want);
        }
        let day = quota_day(now, self.settings.timezone);
        Ok(self
            .records
            .reserve(&account_scope(task), day, want, limit)
            .await?)
    }

    /// Sends still allowed today, `None` when unlimited: bounds how many rows a chunk reads,
    /// so a day's work follows the quota, not the list size.
    pub(super) async fn quota_left(
        &self,
        task: &Task,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, SesError> {
        let limit = self.settings.tasks.daily_quota;
        if limit == 0 {
            return Ok(None);
        }
        let day = quota_day(now, self.settings.timezone);
        let used = self.records.usage(&account_scope(task), day).await?;
        Ok(Some(limit.saturating_sub(used)))
    }

    /// Gives back sends granted by [`Self::reserve_for_task`] that were not used (rows a
    /// previous, interrupted expansion had already written).
    pub(super) async fn release_for_task(
        &self,
        task: &Task,
        n: u64,
        now: DateTime<Utc>,
    ) -> Result<(), SesError> {
        if self.settings.tasks.daily_quota == 0 || n == 0 {
            return Ok(());
        }
        let day = quota_day(now, self.settings.timezone);
        Ok(self.records.release(&account_scope(task), day, n).await?)
    }
}
