//! The quota ledger over DynamoDB: one item per key, `QUOTA#<scope text>` / `DAY#<day text>`
//! (see [`QuotaKey`]), whose `used` only moves by conditional `ADD`s.
//!
//! A reservation of `g` units writes `ADD used :g` on condition that the *old* value leaves
//! room (`used <= limit - g`). The first attempt asks for everything wanted without reading;
//! when the condition fails (the item is fuller than hoped, or another worker got in first),
//! the adapter reads `used` strongly consistently and tries again with what still fits. Every
//! failed condition means another writer's update succeeded, so the loop makes progress, and
//! since no write ever lands without its condition, the limit is never over-granted.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{NaiveDate, NaiveTime};
use sesame_core::StoreError;
use sesame_core::ports::{QuotaKey, QuotaLedger};

use super::item::{Reader, n};
use super::{DynamoDbRecords, condition_met};

/// How long after its day a ledger item is kept before TTL removes it (`expires_at`).
pub(crate) const QUOTA_RETENTION_DAYS: i64 = 40;

/// Bound on condition retries of one call; reached only if other writers keep winning for
/// this long, and then reported as retryable.
const MAX_ATTEMPTS: usize = 200;

fn quota_pk(key: &QuotaKey) -> String {
    format!("QUOTA#{}", key.scope)
}

fn day_sk(key: &QuotaKey) -> String {
    format!("DAY#{}", key.day_text())
}

/// `expires_at` of a day's item: epoch seconds of midnight 40 days after the day.
fn expires_at(day: NaiveDate) -> AttributeValue {
    let expiry = (day + chrono::Duration::days(QUOTA_RETENTION_DAYS)).and_time(NaiveTime::MIN);
    n(expiry.and_utc().timestamp())
}

fn contention() -> StoreError {
    StoreError::Unavailable("quota ledger: too much contention, retry later".to_owned())
}

impl DynamoDbRecords {
    /// Tries to add `g` to `used`, on condition that the old value is at most `cap`.
    /// `Ok(false)` when the condition failed.
    async fn add_used_if_at_most(
        &self,
        key: &QuotaKey,
        g: u64,
        cap: u64,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(quota_pk(key), day_sk(key))))
            .update_expression("ADD #used :g SET #exp = :exp")
            .condition_expression("attribute_not_exists(#used) OR #used <= :cap")
            .expression_attribute_names("#used", "used")
            .expression_attribute_names("#exp", super::table::EXPIRES_AT)
            .expression_attribute_values(":g", n(g))
            .expression_attribute_values(":cap", n(cap))
            .expression_attribute_values(":exp", expires_at(key.day))
            .send()
            .await;
        condition_met(out, "UpdateItem")
    }

    async fn used(&self, key: &QuotaKey) -> Result<u64, StoreError> {
        match self.get(quota_pk(key), day_sk(key)).await? {
            None => Ok(0),
            Some(item) => Ok(Reader::new(&item, "quota")
                .opt_n::<u64>("used")?
                .unwrap_or(0)),
        }
    }

    /// `SET used = :to` on condition that `used` exists and is below `below`.
    async fn clamp_used(&self, key: &QuotaKey, below: u64) -> Result<bool, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(quota_pk(key), day_sk(key))))
            .update_expression("SET #used = :zero")
            .condition_expression("attribute_exists(#used) AND #used < :n")
            .expression_attribute_names("#used", "used")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":n", n(below))
            .send()
            .await;
        condition_met(out, "UpdateItem")
    }
}

impl QuotaLedger for DynamoDbRecords {
    async fn reserve(&self, key: &QuotaKey, want: u64, limit: u64) -> Result<u64, StoreError> {
        // Optimistic first try: no read, as if nothing were used yet.
        let mut used = 0;
        for _ in 0..MAX_ATTEMPTS {
            let g = want.min(limit.saturating_sub(used));
            if g == 0 {
                return Ok(0);
            }
            if self.add_used_if_at_most(key, g, limit - g).await? {
                return Ok(g);
            }
            used = self.used(key).await?;
        }
        Err(contention())
    }

    async fn release(&self, key: &QuotaKey, count: u64) -> Result<(), StoreError> {
        if count == 0 {
            return Ok(());
        }
        for _ in 0..MAX_ATTEMPTS {
            // Subtract when at least `count` is used; otherwise clamp to zero. Each step is
            // conditional, so a reservation racing in between only makes the loop go round.
            let out = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(Self::key(quota_pk(key), day_sk(key))))
                .update_expression("ADD #used :minus")
                .condition_expression("#used >= :n")
                .expression_attribute_names("#used", "used")
                .expression_attribute_values(":minus", AttributeValue::N(format!("-{count}")))
                .expression_attribute_values(":n", n(count))
                .send()
                .await;
            if condition_met(out, "UpdateItem")? {
                return Ok(());
            }
            if self.used(key).await? >= count {
                continue;
            }
            if self.clamp_used(key, count).await? {
                return Ok(());
            }
            if self.used(key).await? == 0 {
                // Nothing there (never reserved) or already zero: nothing to release.
                return Ok(());
            }
        }
        Err(contention())
    }

    async fn usage(&self, key: &QuotaKey) -> Result<u64, StoreError> {
        self.used(key).await
    }
}
