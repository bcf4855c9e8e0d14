//! The status listing (GetSendEmailStatus) and the sweep for stale deliveries.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use chrono::{DateTime, Utc};
use sesame_core::StoreError;
use sesame_core::model::Delivery;
use sesame_core::ports::DeliveryQuery;

use super::DynamoDbRecords;
use super::deliveries::delivery_from;
use super::item::{Item, s, time, time_key};
use super::table::{
    DELIVERY_PREFIX, DUE_AT, GSI1, GSI1PK, GSI1SK, MESSAGE_SK, PENDING, PENDING_INDEX,
    deliveries_gsi1pk, delivery_gsi1sk, delivery_sk, message_pk, pending_shards,
};
use crate::error::sdk_error;

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Runs a query page after page, decoding items, skipping the first `offset` and stopping
/// once `limit` are collected.
async fn collect(
    query: QueryFluentBuilder,
    offset: usize,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let mut found = Vec::new();
    let mut skipped = 0;
    let mut start = None;
    loop {
        let out = query
            .clone()
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| sdk_error("Query", e))?;
        for item in out.items() {
            if skipped < offset {
                skipped += 1;
                continue;
            }
            found.push(delivery_from(item)?);
            if found.len() == limit {
                return Ok(found);
            }
        }
        start = out.last_evaluated_key.filter(|k| !k.is_empty());
        if start.is_none() {
            return Ok(found);
        }
    }
}

fn in_window(d: &Delivery, q: &DeliveryQuery) -> bool {
    q.from <= d.request_time && d.request_time < q.until
}

impl DynamoDbRecords {
    pub(super) async fn query_deliveries(
        &self,
        q: &DeliveryQuery,
    ) -> Result<Vec<Delivery>, StoreError> {
        if q.limit == 0 || q.from >= q.until {
            return Ok(Vec::new());
        }
        match &q.message_id {
            Some(id) => self.list_message_deliveries(q, id).await,
            None => self.list_account_deliveries(q).await,
        }
    }

    /// One message's deliveries: a strongly consistent read of its partition. The header is
    /// read first: once it exists the whole insert transaction has committed, so the query
    /// that follows sees every delivery (never part of them).
    async fn list_message_deliveries(
        &self,
        q: &DeliveryQuery,
        id: &sesame_core::types::MessageId,
    ) -> Result<Vec<Delivery>, StoreError> {
        let pk = message_pk(&q.account, id);
        let items: Vec<Item> = match &q.recipient {
            Some(rcpt) => self.get(pk, delivery_sk(rcpt)).await?.into_iter().collect(),
            None => {
                if self.get(pk.clone(), MESSAGE_SK).await?.is_none() {
                    return Ok(Vec::new());
                }
                self.query_prefix(pk, DELIVERY_PREFIX).await?
            }
        };
        let mut found = items
            .iter()
            .map(delivery_from)
            .collect::<Result<Vec<_>, _>>()?;
        found.retain(|d| in_window(d, q));
        found.sort_by_cached_key(|d| delivery_gsi1sk(d.request_time, &d.message_id, &d.recipient));
        Ok(found
            .into_iter()
            .skip(to_usize(q.offset))
            .take(to_usize(q.limit))
            .collect())
    }

    /// An account's deliveries in a request-time window through GSI1. `[from, until)` is the
    /// key range `BETWEEN <from> AND <until>`: every sort key of the last millisecond starts
    /// with `<until>#`, so sorts after the bare `<until>` and is excluded.
    async fn list_account_deliveries(
        &self,
        q: &DeliveryQuery,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :until")
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_names("#sk", GSI1SK)
            .expression_attribute_values(":pk", s(deliveries_gsi1pk(&q.account)))
            .expression_attribute_values(":from", s(time_key(q.from)))
            .expression_attribute_values(":until", s(time_key(q.until)));
        if let Some(rcpt) = &q.recipient {
            query = query
                .filter_expression("#rcpt = :rcpt")
                .expression_attribute_names("#rcpt", "recipient")
                .expression_attribute_values(":rcpt", s(rcpt.as_str()));
        }
        collect(query, to_usize(q.offset), to_usize(q.limit)).await
    }

    /// Not-final deliveries due before `before`, across the installation: each `PENDING#<n>`
    /// partition of the sparse index is queried for its oldest `limit`, then merged.
    pub(super) async fn query_stale(
        &self,
        before: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let limit = to_usize(limit);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for shard in pending_shards() {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(PENDING_INDEX)
                .key_condition_expression("#pending = :shard AND #due < :before")
                .expression_attribute_names("#pending", PENDING)
                .expression_attribute_names("#due", DUE_AT)
                .expression_attribute_values(":shard", s(shard))
                .expression_attribute_values(":before", time(before))
                .limit(i32::try_from(limit).unwrap_or(i32::MAX));
            found.extend(collect(query, 0, limit).await?);
        }
        // The index is sparse by construction; the check guards against a half-migrated item.
        found.retain(|d| !d.is_final());
        found.sort_by_cached_key(|d| {
            (
                d.claimed_until.unwrap_or(d.request_time),
                delivery_gsi1sk(d.request_time, &d.message_id, &d.recipient),
            )
        });
        found.truncate(limit);
        Ok(found)
    }
}
