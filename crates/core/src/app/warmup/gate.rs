//! The quota gate: batch mail reserves quota in every scope it passes through before it is
//! expanded into delivery jobs; transactional mail is never held but counts, and has its own
//! per-account rate limit.

use chrono::NaiveDate;

use super::{Sesame, bounce_key, complaint_key, usage_key};
use crate::error::{ErrorCode, SesError, StoreError};
use crate::ports::{Ports, QuotaKey, QuotaLedger, QuotaScope, RateWindow};
use crate::types::{AccountId, Domain};
use crate::warmup::Scope;

/// The limit that never refuses: transactional mail counts without being held. `i64::MAX`,
/// not `u64::MAX`, so that every backend stores it as a signed 64-bit integer.
const UNLIMITED: u64 = i64::MAX as u64;

/// Quota taken by one reservation: how much, on which quota day, in which scopes. Keep it to
/// release what a message that fails for good before sending did not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The quota day the quota was taken from.
    pub day: NaiveDate,
    /// Messages granted (0 when some scope's quota is used up for the day).
    pub granted: u64,
    /// Every scope the grant was taken in.
    pub scopes: Vec<Scope>,
}

impl<P: Ports> Sesame<P> {
    /// Reserves up to `want` batch messages from `domain` for today in every scope they pass
    /// through (the domain, and its dedicated pool if any), each against that scope's quota.
    /// Returns what all scopes granted: when a later scope grants less than an earlier one,
    /// the earlier scopes get the difference back, so no scope is charged for mail that will
    /// not go out. Call it before expanding recipients into delivery jobs; recipients beyond
    /// the grant wait for the next quota day.
    #[tracing::instrument(skip(self), fields(account = %account, domain = %domain), err)]
    pub async fn reserve_batch(
        &self,
        account: &AccountId,
        domain: &Domain,
        want: u64,
    ) -> Result<Reservation, SesError> {
        let day = self.quota_today();
        let scopes = self.scopes_of(account, domain).await?;
        let mut granted = want;
        let mut taken: Vec<Scope> = Vec::new();
        for scope in &scopes {
            if granted == 0 {
                break;
            }
            let got = match self.reserve_in_scope(scope, day, granted).await {
                Ok(got) => got,
                Err(e) => {
                    self.release_in(&taken, day, granted).await;
                    return Err(e.into());
                }
            };
            if got < granted {
                self.release_in(&taken, day, granted - got).await;
            }
            granted = got;
            taken.push(scope.clone());
        }
        if granted < want {
            tracing::info!(
                want,
                granted,
                "daily quota reached; the rest waits for the rollover"
            );
        }
        Ok(Reservation {
            day,
            granted,
            scopes,
        })
    }

    /// Batch messages `domain` may still send today: the smallest quota left across its
    /// scopes. Bounds how many recipients a chunk reads, so a day's work follows the quota.
    pub async fn batch_quota_left(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<u64, SesError> {
        let day = self.quota_today();
        let mut left = u64::MAX;
        for scope in self.scopes_of(account, domain).await? {
            let state = self.current_state(&scope).await?;
            let plan = self.plan_named(&state.plan).await?;
            let used = self.quota.usage(&usage_key(&scope, day)).await?;
            left = left.min(plan.quota(state.step).saturating_sub(used));
        }
        Ok(left)
    }

    /// Gives back `n` messages of a reservation (messages that failed for good before they
    /// were sent, e.g. a suppressed recipient). Best effort: a failed release is logged and
    /// only costs quota for the rest of that day.
    pub async fn release_reservation(&self, reservation: &Reservation, n: u64) {
        self.release_in(
            &reservation.scopes,
            reservation.day,
            n.min(reservation.granted),
        )
        .await;
    }

    /// Gives back `n` batch messages of `domain` reserved today, in the scopes it passes
    /// through now (for callers that keep no [`Reservation`], e.g. an expansion that found
    /// rows already written by an interrupted one). Best effort, like
    /// [`Sesame::release_reservation`].
    pub async fn release_batch(
        &self,
        account: &AccountId,
        domain: &Domain,
        n: u64,
    ) -> Result<(), SesError> {
        let scopes = self.scopes_of(account, domain).await?;
        self.release_in(&scopes, self.quota_today(), n).await;
        Ok(())
    }

    /// Counts `recipients` transactional messages from `domain` in its scopes. Never held by
    /// the quota, but limited per account by `transactional_per_second` / `_per_minute`
    /// (`FailedOperation.FrequencyLimit` when exceeded; nothing is counted then).
    pub async fn count_transactional(
        &self,
        account: &AccountId,
        domain: &Domain,
        recipients: u64,
    ) -> Result<Reservation, SesError> {
        self.check_transactional_rate(account).await?;
        let day = self.quota_today();
        let scopes = self.scopes_of(account, domain).await?;
        for scope in &scopes {
            // The state must exist so the rollover judges this scope's days.
            self.current_state(scope).await?;
            self.quota
                .reserve(&usage_key(scope, day), recipients, UNLIMITED)
                .await?;
        }
        Ok(Reservation {
            day,
            granted: recipients,
            scopes,
        })
    }

    /// Counts a hard bounce of mail from `domain` against today's figures of its scopes.
    pub async fn note_hard_bounce(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<(), StoreError> {
        self.note_event(account, domain, bounce_key).await
    }

    /// Counts a complaint (feedback-loop report) about mail from `domain`.
    pub async fn note_complaint(
        &self,
        account: &AccountId,
        domain: &Domain,
    ) -> Result<(), StoreError> {
        self.note_event(account, domain, complaint_key).await
    }

    /// Counts an asynchronous hard bounce (`hard_bounce`) or a complaint about `message`
    /// against its sending domain's scopes, for the warm-up policy. Best effort: a failure is
    /// logged, never fails the report's ingestion.
    pub(crate) async fn note_warmup_event(
        &self,
        account: &AccountId,
        message: &crate::model::Message,
        hard_bounce: bool,
    ) {
        let Ok(domain) = Domain::parse(message.from.address.domain()) else {
            return;
        };
        let noted = if hard_bounce {
            self.note_hard_bounce(account, &domain).await
        } else {
            self.note_complaint(account, &domain).await
        };
        if let Err(e) = noted {
            tracing::warn!(error = %e, "counting a warm-up event failed");
        }
    }

    async fn note_event(
        &self,
        account: &AccountId,
        domain: &Domain,
        key: fn(&Scope, NaiveDate) -> QuotaKey,
    ) -> Result<(), StoreError> {
        let day = self.quota_today();
        for scope in self.scopes_of(account, domain).await? {
            self.quota.reserve(&key(&scope, day), 1, UNLIMITED).await?;
        }
        Ok(())
    }

    /// Reserves in one scope against its current step's quota, rolling the scope over first
    /// if the scheduler has not yet reached today.
    async fn reserve_in_scope(
        &self,
        scope: &Scope,
        day: NaiveDate,
        want: u64,
    ) -> Result<u64, StoreError> {
        let state = self.current_state(scope).await?;
        let plan = self.plan_named(&state.plan).await?;
        self.quota
            .reserve(&usage_key(scope, day), want, plan.quota(state.step))
            .await
    }

    async fn release_in(&self, scopes: &[Scope], day: NaiveDate, n: u64) {
        if n == 0 {
            return;
        }
        for scope in scopes {
            if let Err(e) = self.quota.release(&usage_key(scope, day), n).await {
                tracing::warn!(error = %e, scope = %scope, n, "releasing quota failed");
            }
        }
    }

    async fn check_transactional_rate(&self, account: &AccountId) -> Result<(), SesError> {
        let settings = &self.settings.warmup;
        let now = self.now().timestamp();
        let day = self.quota_today();
        let windows = [
            (RateWindow::Second(now), settings.transactional_per_second),
            (
                RateWindow::Minute(now.div_euclid(60)),
                settings.transactional_per_minute,
            ),
        ];
        let mut taken: Vec<QuotaKey> = Vec::new();
        for (window, limit) in windows {
            if limit == 0 {
                continue;
            }
            let scope = QuotaScope::TransactionalRate {
                account: account.clone(),
                window,
            };
            let key = QuotaKey::new(scope, day);
            if self.quota.reserve(&key, 1, limit).await? == 1 {
                taken.push(key);
                continue;
            }
            for key in &taken {
                if let Err(e) = self.quota.release(key, 1).await {
                    tracing::warn!(error = %e, "releasing a rate slot failed");
                }
            }
            let per = match window {
                RateWindow::Second(_) => "second",
                RateWindow::Minute(_) => "minute",
            };
            return Err(SesError::new(
                ErrorCode::FailedOperationFrequencyLimit,
                format!("At most {limit} emails per {per} may be sent from this account."),
            ));
        }
        Ok(())
    }
}
