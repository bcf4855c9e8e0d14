//! BatchWriteItem and BatchGetItem with the service limits and the retry of what DynamoDB
//! leaves unprocessed (throttling, size limits), shared by every family of records.

use std::time::Duration;

use aws_sdk_dynamodb::types::{DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest};
use sesame_core::StoreError;

use super::DynamoDbRecords;
use super::item::Item;
use crate::error::{build_error, sdk_error};

/// Requests per BatchWriteItem (the service maximum).
const WRITE_BATCH: usize = 25;
/// Keys per BatchGetItem (the service maximum).
const READ_BATCH: usize = 100;
/// Calls per batch (the first and its retries of unprocessed items or keys) before giving up
/// as unavailable.
const ATTEMPTS: u32 = 8;

/// Wait before retry `attempt` (1-based): 100 ms doubling up to 1.6 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(50 << attempt.min(5))
}

impl DynamoDbRecords {
    /// Puts items with BatchWriteItem, 25 at a time, retrying unprocessed items with backoff.
    /// `what` names the items in the error when some stay unprocessed.
    pub(super) async fn batch_put(&self, items: Vec<Item>, what: &str) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(items.len());
        for item in items {
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| build_error("BatchWriteItem", e))?;
            requests.push(WriteRequest::builder().put_request(put).build());
        }
        self.batch_write(requests, what).await
    }

    /// Deletes the items with these keys, 25 at a time, like [`Self::batch_put`].
    pub(super) async fn batch_delete(&self, keys: Vec<Item>, what: &str) -> Result<(), StoreError> {
        let mut requests = Vec::with_capacity(keys.len());
        for key in keys {
            let delete = DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map_err(|e| build_error("BatchWriteItem", e))?;
            requests.push(WriteRequest::builder().delete_request(delete).build());
        }
        self.batch_write(requests, what).await
    }

    async fn batch_write(&self, requests: Vec<WriteRequest>, what: &str) -> Result<(), StoreError> {
        for batch in requests.chunks(WRITE_BATCH) {
            let mut pending = batch.to_vec();
            let mut attempt = 0;
            while !pending.is_empty() {
                if attempt == ATTEMPTS {
                    return Err(StoreError::Unavailable(format!(
                        "{} {what} still unprocessed",
                        pending.len()
                    )));
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                attempt += 1;
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchWriteItem", e))?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(&self.table))
                    .unwrap_or_default();
            }
        }
        Ok(())
    }

    /// The items that exist among these keys, with strongly consistent BatchGetItem calls of
    /// up to 100 keys, retrying unprocessed keys with backoff. The items come in no particular
    /// order; the keys must be distinct (DynamoDB refuses a call naming one twice). `what`
    /// names the keys in the error when some stay unprocessed.
    pub(super) async fn batch_get(
        &self,
        keys: &[Item],
        what: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(READ_BATCH) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| build_error("BatchGetItem", e))?,
            );
            let mut attempt = 0;
            while let Some(request) = pending.take() {
                if attempt == ATTEMPTS {
                    return Err(StoreError::Unavailable(format!(
                        "{what} keys still unprocessed"
                    )));
                }
                if attempt > 0 {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                attempt += 1;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchGetItem", e))?;
                found.extend(
                    out.responses
                        .and_then(|mut r| r.remove(&self.table))
                        .unwrap_or_default(),
                );
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
            }
        }
        Ok(found)
    }
}
