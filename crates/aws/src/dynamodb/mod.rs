//! [`DynamoDbRecords`]: every storage port over one DynamoDB table (single-table design).
//!
//! Item kinds, keys and indexes are described in `infra/dynamodb-table.md` and spelled in
//! [`table`]; each submodule maps one family of records to items and back. Reads that a
//! caller expects to see its own writes (get, claim, per-message listings) are strongly
//! consistent base-table reads; only listings across a whole account or the installation go
//! through a GSI, whose reads are eventually consistent on AWS.

mod accounts;
mod batch;
mod counters;
mod deliveries;
mod events;
mod feedback;
mod identities;
pub(crate) mod item;
mod listing;
mod lists;
mod message_body;
mod messages;
mod query;
mod quota;
pub(crate) mod table;
mod tasks;
mod templates;
mod warmup;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use sesame_core::StoreError;

use crate::error::sdk_error;
use item::{Item, n, s};
use table::{PK, SK};

pub use counters::DEFAULT_COUNTER_SHARDS;
pub use table::create_table;

/// How long message, part and delivery items are kept by default (their `expires_at`).
pub const DEFAULT_RETENTION: chrono::Duration = chrono::Duration::days(90);

/// Every storage port over one DynamoDB table. Cheap to clone (the SDK client is shared).
#[derive(Debug, Clone)]
pub struct DynamoDbRecords {
    client: Client,
    table: String,
    retention: Option<chrono::Duration>,
    counter_shards: u32,
}

impl DynamoDbRecords {
    /// Records in `table`, which must exist with the layout [`create_table`] makes. The client
    /// comes from `aws_config`, so endpoints follow the standard environment
    /// (`AWS_ENDPOINT_URL_DYNAMODB`, …) with no code branch.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            retention: Some(DEFAULT_RETENTION),
            counter_shards: DEFAULT_COUNTER_SHARDS,
        }
    }

    /// Sets how long after acceptance message and delivery items become eligible for TTL
    /// expiry (`expires_at`, epoch seconds); `None` writes no `expires_at`. The attribute only
    /// takes effect once TTL is enabled on the table.
    pub fn with_retention(mut self, retention: Option<chrono::Duration>) -> Self {
        self.retention = retention;
        self
    }

    /// Sets how many items (in separate partitions) each statistics counter key is spread
    /// over: more shards take more concurrent writes to one key, at the cost of one more query
    /// per shard on read. 0 counts as 1. Changing it on a live table loses no counts only when
    /// growing (reads query shards `0..n`).
    pub fn with_counter_shards(mut self, shards: u32) -> Self {
        self.counter_shards = shards.max(1);
        self
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The `expires_at` value of an item created at `created`, if retention is set.
    fn expires_at(&self, created: DateTime<Utc>) -> Option<AttributeValue> {
        self.retention.map(|r| n((created + r).timestamp()))
    }

    /// Key of an item.
    fn key(pk: String, sk: impl Into<String>) -> Item {
        Item::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
    }

    /// Strongly consistent read of one item.
    async fn get(&self, pk: String, sk: impl Into<String>) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(Self::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item)
    }

    /// Puts `item` only if no item has its key: `false` (and nothing written) when one does.
    async fn put_if_absent(&self, item: Item) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await;
        condition_met(result, "PutItem")
    }

    /// Every item of a partition whose sort key starts with `prefix`, in sort-key order,
    /// strongly consistent (all pages).
    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix));
        Self::query_items(query, None).await
    }
}

impl DynamoDbRecords {
    /// Every item of one GSI1 partition, in GSI1 sort-key order (all pages; the index is
    /// eventually consistent).
    async fn query_gsi1_partition(&self, gsi1pk: &str) -> Result<Vec<Item>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(table::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", table::GSI1PK)
            .expression_attribute_values(":pk", s(gsi1pk));
        Self::query_items(query, None).await
    }
}

/// Whether a single-item write failed its condition expression.
fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(err: &E) -> bool {
    err.code() == Some("ConditionalCheckFailedException")
}

/// The outcome of a conditional single-item write (`operation` names it in errors): `true`
/// when it was applied, `false` when its condition failed.
fn condition_met<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    operation: &'static str,
) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(is_condition_failure) => Ok(false),
        Err(err) => Err(sdk_error(operation, err)),
    }
}

/// Whether a transaction was cancelled because one of its conditions failed (as opposed to a
/// conflict or throttling, which are worth retrying).
fn cancelled_by_condition<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
            .cancellation_reasons()
            .iter()
            .any(|r| r.code() == Some("ConditionalCheckFailed")),
        _ => false,
    }
}
