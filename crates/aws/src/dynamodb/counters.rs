//! Statistics counters over DynamoDB, sharded against hot keys.
//!
//! A counter key's values are spread over `counter_shards` items: partition
//! `CTR#<account>#<shard>`, sort key `<yyyy-mm-dd>#<dims>`, one number attribute per counter
//! named `c:<name>`. An `add` goes to one shard picked at random with a single `UpdateItem ADD`
//! (atomic on the server, so concurrent adds never lose an update); a `read` queries every
//! shard partition over the day range and sums. Different shards live in different
//! partitions, so a busy account's writes are spread across DynamoDB's partitions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rand::Rng;
use sesame_core::StoreError;
use sesame_core::ports::{CounterKey, Counters};
use sesame_core::types::AccountId;

use super::DynamoDbRecords;
use super::item::{Item, n, s};
use super::table::{PK, SK};
use crate::error::{corrupt, sdk_error};

/// Default number of shards per counter key.
pub const DEFAULT_COUNTER_SHARDS: u32 = 8;

/// Prefix of a counter's attribute name, keeping counter names apart from `pk`, `sk` …
pub(super) const COUNTER_PREFIX: &str = "c:";

pub(super) fn counters_pk(account: &AccountId, shard: u32) -> String {
    format!("CTR#{account}#{shard}")
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

pub(super) fn counter_sk(key: &CounterKey) -> String {
    format!("{}#{}", day_text(key.day), key.dims)
}

/// Parses a counter item back into its key and counters.
fn parse_item(
    account: &AccountId,
    item: &Item,
) -> Result<(CounterKey, Vec<(String, i64)>), StoreError> {
    let sk = item
        .get(SK)
        .and_then(|v| v.as_s().ok())
        .ok_or_else(|| corrupt("counter item: sort key missing"))?;
    let (day, dims) = sk
        .split_once('#')
        .ok_or_else(|| corrupt("counter item: malformed sort key"))?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map_err(|_| corrupt("counter item: malformed day"))?;
    let mut counters = Vec::new();
    for (attr, value) in item {
        let Some(name) = attr.strip_prefix(COUNTER_PREFIX) else {
            continue;
        };
        let value = value
            .as_n()
            .ok()
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| corrupt("counter item: counter is not an integer"))?;
        counters.push((name.to_owned(), value));
    }
    let key = CounterKey {
        account: account.clone(),
        day,
        dims: dims.to_owned(),
    };
    Ok((key, counters))
}

impl DynamoDbRecords {
    /// Every counter item of one shard partition in the day range (all pages).
    async fn query_counter_shard(
        &self,
        account: &AccountId,
        shard: u32,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(counters_pk(account, shard)))
            .expression_attribute_values(":lo", s(day_text(from)))
            // '$' sorts right after '#': every `<to>#<dims>` is below `<to>$`.
            .expression_attribute_values(":hi", s(format!("{}$", day_text(to))));
        Self::query_items(query, None).await
    }
}

impl Counters for DynamoDbRecords {
    async fn add(&self, key: &CounterKey, deltas: &[(&str, i64)]) -> Result<(), StoreError> {
        // One ADD clause per distinct name: DynamoDB refuses two clauses on one attribute.
        let mut merged: BTreeMap<&str, i64> = BTreeMap::new();
        for (name, delta) in deltas {
            *merged.entry(name).or_default() += delta;
        }
        if merged.is_empty() {
            return Ok(());
        }
        let shard = rand::rng().random_range(0..self.counter_shards.max(1));
        let mut clauses = Vec::with_capacity(merged.len());
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                counters_pk(&key.account, shard),
                counter_sk(key),
            )));
        for (i, (name, delta)) in merged.iter().enumerate() {
            clauses.push(format!("#c{i} :d{i}"));
            update = update
                .expression_attribute_names(format!("#c{i}"), format!("{COUNTER_PREFIX}{name}"))
                .expression_attribute_values(format!(":d{i}"), n(delta));
        }
        update
            .update_expression(format!("ADD {}", clauses.join(", ")))
            .send()
            .await
            .map_err(|e| sdk_error("UpdateItem", e))?;
        Ok(())
    }

    async fn read(
        &self,
        account: &AccountId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(CounterKey, BTreeMap<String, i64>)>, StoreError> {
        if from > to {
            return Ok(Vec::new());
        }
        let mut summed: BTreeMap<CounterKey, BTreeMap<String, i64>> = BTreeMap::new();
        for shard in 0..self.counter_shards.max(1) {
            for item in self.query_counter_shard(account, shard, from, to).await? {
                let (key, counters) = parse_item(account, &item)?;
                let entry = summed.entry(key).or_default();
                for (name, value) in counters {
                    *entry.entry(name).or_default() += value;
                }
            }
        }
        Ok(summed.into_iter().collect())
    }
}
