//! Complaints and event marks (the feedback port).
//!
//! An event mark is its own item (`EVENT#<account>#<event id>` / `MARK`), written with
//! `attribute_not_exists` in one transaction with the counter `ADD` (on a random shard, like
//! `Counters::add`), so marks of a hot campaign spread over partitions, a replayed event fails
//! the condition and adds nothing, and a failure leaves neither half. A complaint lives in its account's partition at
//! `COMPLAINT#<message id>#<recipient>`, written with `attribute_not_exists` (one per
//! delivery); GetAbuseReport reads the account's complaints and filters them in memory —
//! complaints are rare (a rate above 0.3 % gets a sender blocked by mailbox providers).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use rand::Rng;
use sesame_core::StoreError;
use sesame_core::ports::{Complaint, ComplaintQuery, CounterKey, Feedback};
use sesame_core::types::{AccountId, EmailAddress, MessageId};

use sesame_core::model::DeliverStatus;

use super::counters::{COUNTER_PREFIX, counter_sk, counters_pk};
use super::item::{Item, Reader, n, s, time};
use super::table::{DUE_AT, EXPIRES_AT, PENDING, PK, account_pk, delivery_sk, message_pk};
use super::{DynamoDbRecords, cancelled_by_condition, condition_met};
use crate::error::{build_error, corrupt, sdk_error};

const COMPLAINT_PREFIX: &str = "COMPLAINT#";

fn complaint_sk(message_id: &MessageId, recipient: &EmailAddress) -> String {
    format!(
        "{COMPLAINT_PREFIX}{message_id}#{}",
        recipient.as_str().to_ascii_lowercase()
    )
}

fn complaint_from(item: &Item) -> Result<Complaint, StoreError> {
    let body = Reader::new(item, "complaint").s("body")?;
    serde_json::from_str(body).map_err(|e| corrupt(format!("complaint body: {e}")))
}

/// Attempts of a `count_once` transaction that conflicts with another on the same counter item.
const CONFLICT_ATTEMPTS: u32 = 5;

/// Whether a transaction was cancelled only because another one touched the same item.
fn cancelled_by_conflict<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("TransactionConflict")),
        _ => false,
    }
}

impl DynamoDbRecords {
    /// The `ADD` of a counter addition on one random shard, as a transaction item.
    fn counter_update(
        &self,
        key: &CounterKey,
        merged: &BTreeMap<&str, i64>,
    ) -> Result<TransactWriteItem, StoreError> {
        let shard = rand::rng().random_range(0..self.counter_shards.max(1));
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                counters_pk(&key.account, shard),
                counter_sk(key),
            )));
        let mut clauses = Vec::with_capacity(merged.len());
        for (i, (name, delta)) in merged.iter().enumerate() {
            clauses.push(format!("#c{i} :d{i}"));
            update = update
                .expression_attribute_names(format!("#c{i}"), format!("{COUNTER_PREFIX}{name}"))
                .expression_attribute_values(format!(":d{i}"), n(delta));
        }
        let update = update
            .update_expression(format!("ADD {}", clauses.join(", ")))
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

impl Feedback for DynamoDbRecords {
    async fn count_once(
        &self,
        account: &AccountId,
        event_id: &str,
        keep_until: DateTime<Utc>,
        key: &CounterKey,
        deltas: &[(&str, i64)],
    ) -> Result<bool, StoreError> {
        // One ADD clause per distinct name, as `Counters::add` writes them.
        let mut merged: BTreeMap<&str, i64> = BTreeMap::new();
        for (name, delta) in deltas {
            *merged.entry(name).or_default() += delta;
        }
        let mut mark = Self::key(format!("EVENT#{account}#{event_id}"), "MARK");
        mark.insert(EXPIRES_AT.to_owned(), n(keep_until.timestamp()));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(mark))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        for attempt in 1..=CONFLICT_ATTEMPTS {
            let mut request = self
                .client
                .transact_write_items()
                .transact_items(TransactWriteItem::builder().put(put.clone()).build());
            if !merged.is_empty() {
                request = request.transact_items(self.counter_update(key, &merged)?);
            }
            match request.send().await {
                Ok(_) => return Ok(true),
                Err(e) if cancelled_by_condition(&e) => return Ok(false),
                // Concurrent transactions on one counter shard conflict; nothing was written.
                Err(e) if cancelled_by_conflict(&e) && attempt < CONFLICT_ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(10 * u64::from(attempt)))
                        .await;
                }
                Err(e) => return Err(sdk_error("TransactWriteItems", e)),
            }
        }
        unreachable!("the last attempt returns")
    }

    async fn put_complaint(&self, complaint: &Complaint) -> Result<bool, StoreError> {
        let body = serde_json::to_string(complaint)
            .map_err(|e| corrupt(format!("complaint body: {e}")))?;
        let mut item = Self::key(
            account_pk(&complaint.account),
            complaint_sk(&complaint.message_id, &complaint.recipient),
        );
        item.insert("body".to_owned(), s(body));
        item.insert(
            "complained_at".to_owned(),
            n(complaint.complained_at.timestamp_millis()),
        );
        self.put_if_absent(item).await
    }

    async fn list_complaints(
        &self,
        query: &ComplaintQuery,
    ) -> Result<(Vec<Complaint>, u64), StoreError> {
        let items = self
            .query_prefix(account_pk(&query.account), COMPLAINT_PREFIX)
            .await?;
        let mut matching = Vec::new();
        for item in &items {
            let c = complaint_from(item)?;
            if c.complained_at >= query.from && c.complained_at < query.until {
                matching.push(c);
            }
        }
        matching.sort_by(|a, b| {
            (a.complained_at, a.message_id.as_str(), a.recipient.as_str()).cmp(&(
                b.complained_at,
                b.message_id.as_str(),
                b.recipient.as_str(),
            ))
        });
        let total = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(usize::try_from(query.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
            .collect();
        Ok((page, total))
    }

    async fn record_late_bounce(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
        deliver_message: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(
                message_pk(account, message_id),
                delivery_sk(recipient),
            )))
            .condition_expression(
                "attribute_exists(#pk) AND NOT (#status IN (:dropped, :rejected))",
            )
            .update_expression(
                "SET #status = :rejected, #text = :text, #at = :at REMOVE #until, #pending, #due",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", "deliver_status")
            .expression_attribute_names("#text", "deliver_message")
            .expression_attribute_names("#at", "deliver_at")
            .expression_attribute_names("#until", "claimed_until")
            .expression_attribute_names("#pending", PENDING)
            .expression_attribute_names("#due", DUE_AT)
            .expression_attribute_values(":dropped", n(DeliverStatus::Dropped.code()))
            .expression_attribute_values(":rejected", n(DeliverStatus::Rejected.code()))
            .expression_attribute_values(":text", s(deliver_message))
            .expression_attribute_values(":at", time(at))
            .send()
            .await;
        condition_met(result, "UpdateItem")
    }

    async fn complained(
        &self,
        account: &AccountId,
        message_id: &MessageId,
        recipient: &EmailAddress,
    ) -> Result<bool, StoreError> {
        Ok(self
            .get(account_pk(account), complaint_sk(message_id, recipient))
            .await?
            .is_some())
    }
}
